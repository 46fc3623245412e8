//! Evaluation of checked decisions over fact bundles.
//!
//! Two implementations that share only the checked IR, the items' clauses (`items`) and
//! the value arithmetic (`value_ops`):
//! - `engine`, the production path: each decision through its compiled form (`compiled`:
//!   the decision DAG of DESIGN.md, or its bit-vector leaf), hit policies, aggregation and
//!   dependent decisions of its own, and explanations;
//! - [`reference`](mod@reference), the reference interpreter: the checked IR rule by
//!   rule, in order, as plainly as possible, with its own expression evaluation, hit
//!   policies, aggregation and dependent decisions. It is the oracle that property tests
//!   hold the engine to.
//!
//! The decisions lowered from items that need more than rules (`coverage`, `recovery`,
//! `recalls`, `reports`, `opportunities`, and what completes a route) are evaluated by the
//! crate-private module `items`, written against a small trait (`items::ExprEval`: the
//! value of an expression, the rules of a plain decision) that any evaluator implements;
//! `business` does business time on calendars.

mod business;
mod calendar;
mod compiled;
pub(crate) mod engine;
pub mod explain;
pub(crate) mod items;
pub mod output;
pub mod reference;
pub(crate) mod templates;
pub(crate) mod value_ops;
mod verdict;

pub use calendar::{add_wall, Calendar};
pub use explain::{Explanation, Seen, Step, Test};
pub use output::{FromOutput, Output, OutputError};
pub use templates::TemplateError;
pub use verdict::Verdict;

use crate::diag::Span;
use crate::value::Value;

/// The result of one decision for one bundle (LANGUAGE.md §5.2, §8).
///
/// Read outputs with [`Decision::get`] (typed, variants and codes by name) or
/// [`Decision::deserialize`]; `Serialize` and `Display` give the §8 JSON.
#[derive(Clone)]
pub struct Decision {
    /// The bundle's `id`, echoed.
    pub id: Option<String>,
    /// The decision's name.
    pub decision: String,
    /// Every output, in declaration order; `None` for an output no rule set and with no
    /// default. For `collect` decisions each value is a list, one element per match. The
    /// raw values hold enum variants and codes as indices: read outputs with
    /// [`Decision::get`], which names them.
    #[doc(hidden)]
    pub outputs: Vec<(String, Option<Value>)>,
    /// The rules whose outputs were used: the winner for first/unique/priority, every
    /// match in order for collect, none when `otherwise` applied or nothing matched.
    pub rules: Vec<String>,
    /// Whether no rule matched and there was no `otherwise`.
    pub no_match: bool,
    /// The rule set's types, to name variants and codes (set by [`crate::RuleSet`]).
    types: Option<std::sync::Arc<crate::check::Checked>>,
}

impl PartialEq for Decision {
    /// Equal results: the types they were decided with take no part.
    fn eq(&self, other: &Decision) -> bool {
        self.id == other.id
            && self.decision == other.decision
            && self.outputs == other.outputs
            && self.rules == other.rules
            && self.no_match == other.no_match
    }
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision")
            .field("id", &self.id)
            .field("decision", &self.decision)
            .field("outputs", &self.outputs)
            .field("rules", &self.rules)
            .field("no_match", &self.no_match)
            .finish()
    }
}

impl Decision {
    /// The decision, knowing the types of the rule set it was decided with.
    pub(crate) fn with_types(mut self, types: &std::sync::Arc<crate::check::Checked>) -> Decision {
        self.types = Some(std::sync::Arc::clone(types));
        self
    }

    /// The JSON form of LANGUAGE.md §8: `{"id", "decision", "outputs", "rules"}` plus
    /// `"no_match": true` when nothing matched. Money is written in its currency's minor
    /// units, percents as `"70%"`, codes and variants by name, durations and distances as
    /// their literal text.
    /// Keys are in that order where the host's `serde_json` keeps order; the text of
    /// [`Decision::write_json`] and of `Display` always is, with every digit.
    pub fn to_json(&self, checked: &crate::check::Checked) -> serde_json::Value {
        self.json(checked).to_serde()
    }

    /// The §8 JSON as the crate's own exact, ordered [`Json`](crate::json::Json).
    pub(crate) fn json(&self, checked: &crate::check::Checked) -> crate::json::Json {
        use crate::json::Json;
        let types = checked
            .index(&self.decision)
            .and_then(|i| checked.output_types(i));
        let mut outputs = Vec::with_capacity(self.outputs.len());
        for (k, (name, v)) in self.outputs.iter().enumerate() {
            let ty = types.as_ref().and_then(|t| t.get(k)).map(|(_, t)| t);
            let j = match (v, ty) {
                (Some(v), Some(ty)) => crate::facts::value_styled(ty, v, &checked.env, true),
                _ => Json::Null,
            };
            outputs.push((name.clone(), j));
        }
        let mut obj = vec![
            ("id".to_string(), Json::from(self.id.clone())),
            ("decision".to_string(), Json::from(self.decision.clone())),
            ("outputs".to_string(), Json::Object(outputs)),
            ("rules".to_string(), Json::from(self.rules.clone())),
        ];
        if self.no_match {
            obj.push(("no_match".to_string(), Json::Bool(true)));
        }
        Json::Object(obj)
    }

    /// The JSON of [`Decision::to_json`], written compactly into `out` without building a
    /// value first (the CLI's hot path): the same text as `Display` writes, exact and in
    /// order.
    ///
    /// ```
    /// use aftersales::{RuleSet, facts::Facts};
    /// let rules = RuleSet::from_sources([("a.rules".to_string(), r#"
    ///     decision d { output n: int = 0  output t: text = "x"
    ///       rule one when customer.id == "K1" then n = 1 }"#.to_string())]).unwrap();
    /// let f = Facts::from_json_str(rules.env(), r#"{"id": "B1", "customer": {"id": "K1"}}"#).unwrap();
    /// let d = rules.decide("d", &f).unwrap();
    /// let mut out = Vec::new();
    /// d.write_json(rules.checked(), &mut out);
    /// assert_eq!(String::from_utf8(out).unwrap(), d.to_string());
    /// ```
    pub fn write_json(&self, checked: &crate::check::Checked, out: &mut Vec<u8>) {
        write_result(
            checked,
            ResultParts {
                id: self.id.as_deref(),
                decision: &self.decision,
                outputs: self.outputs.iter().map(|(n, v)| (n.as_str(), v.as_ref())),
                rules: self.rules.iter().map(String::as_str),
                no_match: self.no_match,
            },
            out,
        );
    }

    /// The value of an output, if set.
    pub fn output(&self, name: &str) -> Option<&Value> {
        self.outputs
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_ref())
    }
}

/// What a result line is made of (a [`Decision`], or the parts it would be built from).
pub(crate) struct ResultParts<'r, O, R> {
    /// The bundle's id.
    pub(crate) id: Option<&'r str>,
    /// The decision's name.
    pub(crate) decision: &'r str,
    /// Each output's name and value, in declaration order.
    pub(crate) outputs: O,
    /// The rules whose outputs were used.
    pub(crate) rules: R,
    /// Whether nothing matched.
    pub(crate) no_match: bool,
}

/// The JSON of [`Decision::to_json`], compact, from its parts.
pub(crate) fn write_result<'r, O, R>(
    checked: &crate::check::Checked,
    parts: ResultParts<'r, O, R>,
    out: &mut Vec<u8>,
) where
    O: Iterator<Item = (&'r str, Option<&'r Value>)>,
    R: Iterator<Item = &'r str>,
{
    fn text(out: &mut Vec<u8>, s: &str) {
        // writing into a Vec cannot fail
        let _ = serde_json::to_writer(&mut *out, s);
    }
    let index = checked.index(parts.decision);
    out.extend_from_slice(b"{\"id\":");
    match parts.id {
        Some(id) => text(out, id),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"decision\":");
    text(out, parts.decision);
    out.extend_from_slice(b",\"outputs\":{");
    for (k, (name, v)) in parts.outputs.enumerate() {
        if k > 0 {
            out.push(b',');
        }
        text(out, name);
        out.push(b':');
        let ty = index.and_then(|i| output_type(checked, i, k));
        match (v, ty) {
            (Some(v), Some(ty)) => write_value(out, &ty, v, &checked.env),
            _ => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b"},\"rules\":[");
    for (k, r) in parts.rules.enumerate() {
        if k > 0 {
            out.push(b',');
        }
        text(out, r);
    }
    out.push(b']');
    if parts.no_match {
        out.extend_from_slice(b",\"no_match\":true");
    }
    out.push(b'}');
}

/// The type of output `k` of decision `i` as results list it: what
/// [`crate::check::Checked::output_types`] gives at `k`, without building the list.
fn output_type(
    checked: &crate::check::Checked,
    i: usize,
    k: usize,
) -> Option<std::borrow::Cow<'_, crate::types::Type>> {
    use crate::dsl::ast::{Aggregate, HitPolicy};
    use crate::types::Type;
    use std::borrow::Cow;
    if let Some(d) = checked.decisions.get(i).and_then(Option::as_ref) {
        return match d.hit {
            HitPolicy::Collect(Some(Aggregate::Count)) => (k == 0).then_some(Cow::Owned(Type::Int)),
            HitPolicy::Collect(None) => d
                .outputs
                .get(k)
                .map(|o| Cow::Owned(Type::Set(Box::new(o.ty.clone())))),
            _ => d.outputs.get(k).map(|o| Cow::Borrowed(&o.ty)),
        };
    }
    let item = checked.items.get(i).and_then(Option::as_ref)?;
    item.outputs.get(k).map(|o| Cow::Borrowed(&o.ty))
}

/// One output value as JSON, as `value_styled` (money in minor units) writes it: the
/// values that are a name, a flag or a number written at once, the others through their
/// [`crate::json::Json`].
fn write_value(out: &mut Vec<u8>, ty: &crate::types::Type, v: &Value, env: &crate::types::Env) {
    use crate::types::Type;
    // writing into a Vec cannot fail
    let name = match (v, ty) {
        (Value::Bool(b), _) => Some(if *b { "true" } else { "false" }),
        (Value::Enum(i), Type::Enum(e)) => {
            let name = env
                .enums
                .get(e.0 as usize)
                .and_then(|def| def.variants.get(*i as usize));
            match name {
                Some(s) => {
                    let _ = serde_json::to_writer(&mut *out, s);
                    return;
                }
                None => Some("null"),
            }
        }
        (Value::Code(i), Type::Code(t)) => {
            let code = env
                .tables
                .get(t.0 as usize)
                .and_then(|table| table.codes.get(*i as usize));
            match code {
                Some(c) => {
                    let _ = serde_json::to_writer(&mut *out, &c.code);
                    return;
                }
                None => Some("null"),
            }
        }
        (Value::Enum(_) | Value::Code(_), _) => Some("null"),
        (Value::Text(t) | Value::Label(t), _) => {
            let _ = serde_json::to_writer(&mut *out, &**t);
            return;
        }
        _ => None,
    };
    match name {
        Some(s) => out.extend_from_slice(s.as_bytes()),
        None => {
            crate::facts::value_styled(ty, v, env, true).write(out);
        }
    }
}

/// Why a decision could not be evaluated for a bundle. Each names where it happened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// No decision of that name.
    #[error("unknown decision `{name}`{help}")]
    UnknownDecision {
        /// The name asked for.
        name: String,
        /// "; did you mean `x`?", or empty.
        help: String,
    },
    /// A decision without IR to evaluate (its items did not check: a loaded
    /// [`crate::RuleSet`] has none such).
    #[error("decision `{0}` has nothing to evaluate")]
    NotEvaluable(String),
    /// The bundle lacks a root the decision reads.
    #[error("the bundle has no `{root}`, which rule `{rule}` reads")]
    MissingRoot {
        /// The root.
        root: String,
        /// The rule reading it (or `otherwise`).
        rule: String,
        /// Where.
        span: Span,
    },
    /// A fact the decision needs is absent: an optional field (a claim's odometer against
    /// a policy with a distance term, the date a term counts `from`).
    #[error("`{path}` is not given, and `{rule}` needs it")]
    MissingField {
        /// The fact's path (`claim.odometer`).
        path: String,
        /// The item or rule that needs it.
        rule: String,
        /// Where it is needed.
        span: Span,
    },
    /// `context.today` or `context.now` is needed and not set.
    #[error("`context.{field}` is not set; the host (or the fixture) must give it")]
    MissingContext {
        /// `today` or `now`.
        field: &'static str,
        /// Where it is needed.
        span: Span,
    },
    /// Division by zero.
    #[error("division by zero in rule `{rule}`")]
    DivisionByZero {
        /// The rule.
        rule: String,
        /// The division.
        span: Span,
    },
    /// Money of two currencies combined or compared.
    #[error("{left} and {right} money combined in rule `{rule}`")]
    CurrencyMix {
        /// One currency.
        left: String,
        /// The other.
        right: String,
        /// The rule.
        rule: String,
        /// The operation.
        span: Span,
    },
    /// A number, date or duration out of range.
    #[error("{what} out of range in rule `{rule}`")]
    Overflow {
        /// What overflowed.
        what: &'static str,
        /// The rule.
        rule: String,
        /// The operation.
        span: Span,
    },
    /// Business time needs a calendar, which plain decisions do not have.
    #[error("business time in rule `{rule}` needs a calendar")]
    NeedsCalendar {
        /// The rule.
        rule: String,
        /// The duration.
        span: Span,
    },
    /// The facts were validated against another rule set's schemas (built before a hot
    /// swap, say) and this rule set's differ: reading them would misread enum variants,
    /// codes or fields. Build the facts again against this rule set.
    #[error("the facts were validated against another rule set's schemas (fingerprint {facts:016x}, this rule set's is {rules:016x}); build them again with this rule set's `env()`")]
    ForeignFacts {
        /// The facts' fingerprint.
        facts: u64,
        /// The rule set's.
        rules: u64,
    },
    /// More than one rule of a `unique` decision matched.
    #[error("rules {rules:?} of unique decision `{decision}` all match")]
    NotUnique {
        /// The decision.
        decision: String,
        /// The matching rules.
        rules: Vec<String>,
    },
}

/// The JSON line of an input that could not be evaluated (LANGUAGE.md §8):
/// `{"id", "decision", "error": {"code", "message", "path"}}`.
pub fn error_json(
    id: Option<&str>,
    decision: &str,
    code: &str,
    message: &str,
    path: Option<&str>,
) -> crate::json::Json {
    use crate::json::Json;
    Json::object([
        ("id", Json::from(id)),
        ("decision", Json::from(decision)),
        (
            "error",
            Json::object([
                ("code", Json::from(code)),
                ("message", Json::from(message)),
                ("path", Json::from(path)),
            ]),
        ),
    ])
}

impl EvalError {
    /// The error of a failed operation (division by zero, currency mix, overflow) in rule
    /// `rule` at `span`: the one vocabulary the engine, the reference interpreter and the
    /// items share.
    pub(crate) fn of_op(e: value_ops::OpError, rule: &str, span: Span) -> EvalError {
        let rule = rule.to_string();
        match e {
            value_ops::OpError::DivisionByZero => EvalError::DivisionByZero { rule, span },
            value_ops::OpError::CurrencyMix(left, right) => EvalError::CurrencyMix {
                left,
                right,
                rule,
                span,
            },
            value_ops::OpError::Overflow(what) => EvalError::Overflow { what, rule, span },
            value_ops::OpError::NeedsCalendar => EvalError::NeedsCalendar { rule, span },
            value_ops::OpError::Type => EvalError::Overflow {
                what: "operands",
                rule,
                span,
            },
        }
    }

    /// `unknown_decision` for `name`, suggesting the closest of `known`.
    pub(crate) fn unknown_decision<'k>(
        name: &str,
        known: impl Iterator<Item = &'k str>,
    ) -> EvalError {
        EvalError::UnknownDecision {
            name: name.to_string(),
            help: crate::diag::suggest(name, known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default(),
        }
    }

    /// Where in the rules the error happened, where it names a place (see
    /// [`crate::RuleSet::location_of`] for `file:line:column`).
    pub fn span(&self) -> Option<Span> {
        match self {
            EvalError::MissingRoot { span, .. }
            | EvalError::MissingField { span, .. }
            | EvalError::MissingContext { span, .. }
            | EvalError::DivisionByZero { span, .. }
            | EvalError::CurrencyMix { span, .. }
            | EvalError::Overflow { span, .. }
            | EvalError::NeedsCalendar { span, .. } => Some(*span),
            _ => None,
        }
    }

    /// The fact path concerned, where there is one (`product`, `context.today`).
    pub fn path(&self) -> Option<String> {
        match self {
            EvalError::MissingRoot { root, .. } => Some(root.clone()),
            EvalError::MissingField { path, .. } => Some(path.clone()),
            EvalError::MissingContext { field, .. } => Some(format!("context.{field}")),
            _ => None,
        }
    }

    /// Every code [`EvalError::code`] gives, for fixtures that name one.
    pub const CODES: &'static [&'static str] = &[
        "unknown_decision",
        "not_evaluable",
        "missing_root",
        "missing_field",
        "missing_context",
        "division_by_zero",
        "currency_mix",
        "overflow",
        "needs_calendar",
        "not_unique",
        "foreign_facts",
    ];

    /// A stable code for the error (JSON output, `expect_error` in fixtures).
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::UnknownDecision { .. } => "unknown_decision",
            EvalError::NotEvaluable(_) => "not_evaluable",
            EvalError::MissingRoot { .. } => "missing_root",
            EvalError::MissingField { .. } => "missing_field",
            EvalError::MissingContext { .. } => "missing_context",
            EvalError::DivisionByZero { .. } => "division_by_zero",
            EvalError::CurrencyMix { .. } => "currency_mix",
            EvalError::Overflow { .. } => "overflow",
            EvalError::NeedsCalendar { .. } => "needs_calendar",
            EvalError::NotUnique { .. } => "not_unique",
            EvalError::ForeignFacts { .. } => "foreign_facts",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_is_listed_for_fixtures() {
        let span = Span {
            file: crate::diag::FileId(0),
            start: 0,
            end: 0,
        };
        let s = String::new;
        let all = [
            EvalError::UnknownDecision {
                name: s(),
                help: s(),
            },
            EvalError::NotEvaluable(s()),
            EvalError::MissingRoot {
                root: s(),
                rule: s(),
                span,
            },
            EvalError::MissingField {
                path: s(),
                rule: s(),
                span,
            },
            EvalError::MissingContext {
                field: "today",
                span,
            },
            EvalError::DivisionByZero { rule: s(), span },
            EvalError::CurrencyMix {
                left: s(),
                right: s(),
                rule: s(),
                span,
            },
            EvalError::Overflow {
                what: "date",
                rule: s(),
                span,
            },
            EvalError::NeedsCalendar { rule: s(), span },
            EvalError::NotUnique {
                decision: s(),
                rules: Vec::new(),
            },
            EvalError::ForeignFacts { facts: 1, rules: 2 },
        ];
        let codes: Vec<&str> = all.iter().map(EvalError::code).collect();
        assert_eq!(codes, EvalError::CODES);
    }
}
