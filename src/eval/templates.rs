//! Rendering a response template (`template NAME …`) for one bundle: its fact roots as
//! the bundle gives them, and the outputs of the decisions it reads, evaluated for the
//! bundle. An absent value it prints is an error naming it, never an empty string.

use super::{Decision, EvalError};
use crate::check::ir::CheckedTemplate;
use crate::check::Checked;
use crate::facts::Facts;
use std::collections::BTreeMap;

/// Why a template could not be rendered for a bundle.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// No template of that name.
    #[error("unknown template `{name}`{help}")]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// "; did you mean `x`?", the list of templates, or empty.
        help: String,
    },
    /// A decision the template reads could not be evaluated for the bundle.
    #[error("template `{template}` reads decision `{decision}`: {error}")]
    Decision {
        /// The template.
        template: String,
        /// The decision.
        decision: String,
        /// Why it could not be evaluated.
        error: Box<EvalError>,
    },
    /// The facts cannot be used with this rule set (validated against other schemas).
    #[error(transparent)]
    Facts(Box<EvalError>),
    /// The template prints a value the bundle does not give (an optional field, an
    /// output no rule set, a root the bundle lacks).
    #[error("template `{template}` line {line}: `{expr}` is not given for this bundle")]
    Absent {
        /// The template.
        template: String,
        /// The line of the template.
        line: usize,
        /// The expression printed, as written (`customer.name`).
        expr: String,
    },
    /// Rendering failed otherwise (a filter given the wrong value, too much work).
    #[error("template `{template}`{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Render {
        /// The template.
        template: String,
        /// The line of the template, when known.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
}

impl TemplateError {
    /// A stable code for the error: `unknown_template`, `absent_value`, `template`, or
    /// the code of the decision's [`EvalError`].
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::UnknownTemplate { .. } => "unknown_template",
            TemplateError::Decision { error, .. } | TemplateError::Facts(error) => error.code(),
            TemplateError::Absent { .. } => "absent_value",
            TemplateError::Render { .. } => "template",
        }
    }
}

/// Render template `name` of `checked` for `facts`, evaluating the decisions it reads
/// with `decide` (by index of `checked.names`).
pub(crate) fn render(
    checked: &Checked,
    name: &str,
    facts: &Facts,
    mut decide: impl FnMut(usize) -> Result<Decision, EvalError>,
) -> Result<String, TemplateError> {
    let Some(t) = checked.templates.list.iter().find(|t| t.name == name) else {
        let names: Vec<&str> = checked
            .templates
            .list
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let help = if names.is_empty() {
            "; the rule set has no templates".to_string()
        } else {
            match crate::diag::suggest(name, names.iter().copied()) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => format!("; the templates are {}", list(&names)),
            }
        };
        return Err(TemplateError::UnknownTemplate {
            name: name.to_string(),
            help,
        });
    };
    let mut ctx: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    if !t.roots.is_empty() {
        let bundle = facts.to_json(&checked.env);
        for sid in &t.roots {
            let root = &checked.env.schema(*sid).name;
            if let Some(v) = bundle.get(root.as_str()) {
                ctx.insert(root.clone(), v.clone());
            }
        }
    }
    for &di in &t.decisions {
        let di = di as usize;
        let decision = checked.names.get(di).cloned().unwrap_or_default();
        let d = decide(di).map_err(|error| TemplateError::Decision {
            template: t.name.clone(),
            decision: decision.clone(),
            error: Box::new(error),
        })?;
        let mut outputs = serde_json::Map::new();
        if let Some(serde_json::Value::Object(all)) = d.to_json(checked).get("outputs") {
            for (k, v) in all {
                // an absent output stays undefined: printing it is an error
                if !v.is_null() {
                    outputs.insert(k.clone(), v.clone());
                }
            }
        }
        ctx.insert(decision, serde_json::Value::Object(outputs));
    }
    let tmpl = checked
        .templates
        .env
        .get_template(&t.name)
        .map_err(|e| failed(t, &e))?;
    tmpl.render(minijinja::Value::from_serialize(&ctx))
        .map_err(|e| failed(t, &e))
}

/// `a`, `b` and `c`.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// A minijinja error as a [`TemplateError`]: printing an undefined value names what was
/// printed.
fn failed(t: &CheckedTemplate, e: &minijinja::Error) -> TemplateError {
    let line = e.line();
    let expr = e.range().and_then(|r| t.source.get(r)).map(|s| {
        s.trim()
            .trim_start_matches("{{")
            .trim_end_matches("}}")
            .trim()
            .to_string()
    });
    match (e.kind(), line, expr) {
        (minijinja::ErrorKind::UndefinedError, Some(line), Some(expr)) if !expr.is_empty() => {
            TemplateError::Absent {
                template: t.name.clone(),
                line,
                expr,
            }
        }
        (kind, line, _) => TemplateError::Render {
            template: t.name.clone(),
            line,
            message: match e.detail() {
                Some(d) => format!("{kind}: {d}"),
                None => kind.to_string(),
            },
        },
    }
}
