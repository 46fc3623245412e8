//! Response templates (`template NAME …`): each is compiled with minijinja, and every
//! variable it names statically (`contact.id`, `routing.queue`) is resolved against the
//! fact roots and the decisions' outputs, so that a misspelt name is a check error with
//! a suggestion, not an empty string in a letter to a customer.

use super::ir::{CheckedTemplate, Templates};
use super::{suggest_help, Decisions};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceMap, Span};
use crate::dsl::ast::{Item, RuleFile, TemplateDecl, TemplateSource};
use crate::types::{Env, SchemaId, Type};
use std::path::Path;
use std::sync::Arc;

/// Most instructions one rendering may run (minijinja's fuel): a loop the facts make
/// long stops with an error instead of running on.
const FUEL: u64 = 5_000_000;

/// Names minijinja provides itself (functions and globals a template may call).
const GLOBALS: &[&str] = &[
    "range",
    "dict",
    "namespace",
    "debug",
    "lipsum",
    "cycler",
    "joiner",
    "loop",
    "self",
];

/// The environment every template is compiled and rendered in: a value that is absent
/// cannot be printed (an error, never an empty string) but may be tested
/// (`{% if customer.name %}`); the text is kept as written (a trailing line break too);
/// no escaping (replies are plain text); a bounded amount of work; and the filter
/// `strftime`.
pub(crate) fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_fuel(Some(FUEL));
    env.add_filter("strftime", strftime);
    env
}

/// `{{ x | strftime("%d %B %Y") }}`: a date (`2026-03-02`) or an instant
/// (`2026-03-02T16:30:00-05:00`, shown in its own offset) formatted with chrono's
/// `strftime` specifiers.
fn strftime(value: String, format: String) -> Result<String, minijinja::Error> {
    use chrono::format::{Item as F, StrftimeItems};
    use minijinja::{Error, ErrorKind};
    let items: Vec<F<'_>> = StrftimeItems::new(&format).collect();
    if items.iter().any(|i| matches!(i, F::Error)) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`{format}` is not a strftime format (e.g. \"%d %B %Y, %H:%M\")"),
        ));
    }
    use std::fmt::Write;
    let mut out = String::new();
    // writing fails for a specifier the value cannot give (a time of day of a date):
    // an error, not midnight
    let written = if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&value) {
        write!(out, "{}", t.format_with_items(items.iter()))
    } else if let Ok(d) = chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        write!(out, "{}", d.format_with_items(items.iter()))
    } else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("strftime formats a date or an instant, not `{value}`"),
        ));
    };
    written.map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`{format}` asks for more than `{value}` gives (a time of day of a date?)"),
        )
    })?;
    Ok(out)
}

/// Check and compile the templates of `files`.
pub(super) fn check(
    files: &[RuleFile],
    map: &SourceMap,
    env: &Env,
    decisions: &Decisions,
    diags: &mut Diagnostics,
) -> Templates {
    let mut out = Templates {
        env: environment(),
        list: Vec::new(),
    };
    for t in files.iter().flat_map(|f| &f.items).filter_map(|i| match i {
        Item::Template(t) => Some(t),
        _ => None,
    }) {
        if out.list.iter().any(|c| c.name == t.name.name) {
            continue; // a duplicate name, reported with the others
        }
        if let Some(c) = one(t, map, env, decisions, &mut out.env, diags) {
            out.list.push(c);
        }
    }
    out
}

fn one(
    t: &TemplateDecl,
    map: &SourceMap,
    env: &Env,
    decisions: &Decisions,
    jinja: &mut minijinja::Environment<'static>,
    diags: &mut Diagnostics,
) -> Option<CheckedTemplate> {
    let name = &t.name.name;
    // the text, and where problems in it are shown: the text itself when written in the
    // rule file, the `from "…"` string for a file (named in the message)
    let (source, at, file): (Arc<str>, Span, Option<String>) = match &t.source {
        TemplateSource::Inline(s) => (Arc::from(s.value.as_str()), s.span, None),
        TemplateSource::File(s) => {
            let base = map
                .file(t.span.file)
                .and_then(|f| Path::new(&f.name).parent().map(Path::to_path_buf))
                .unwrap_or_default();
            let path = base.join(&s.value);
            let text = map
                .data(&path.to_string_lossy())
                .or_else(|| map.data(&s.value))
                .map(|t| Ok(t.to_string()))
                .unwrap_or_else(|| crate::read::text(&path, crate::dsl::MAX_FILE_BYTES as u64));
            match text {
                Ok(text) => (
                    Arc::from(text.as_str()),
                    s.span,
                    Some(path.display().to_string()),
                ),
                Err(e) => {
                    diags.push(
                        Diagnostic::error(Code::Template, format!("template `{name}`: {e}"))
                            .at(s.span)
                            .with_help("the path is relative to the rule file that names it"),
                    );
                    return None;
                }
            }
        }
    };
    // "template `t`, line 2" or "template `t`, a.j2:2"
    let place = |line: Option<usize>| match (&file, line) {
        (Some(f), Some(l)) => format!("template `{name}`, {f}:{l}"),
        (Some(f), None) => format!("template `{name}`, {f}"),
        (None, Some(l)) => format!("template `{name}`, line {l}"),
        (None, None) => format!("template `{name}`"),
    };
    // the span of line `line` of a text block written in the rule file
    let line_span = |line: usize| -> Span {
        let text = map.file(at.file).map(|f| f.text.clone());
        let (s, e) = (at.start as usize, at.end as usize);
        let Some(raw) = text.as_deref().and_then(|t| t.get(s..e)) else {
            return at;
        };
        let Some(body) = raw.strip_prefix("\"\"\"") else {
            return at;
        };
        let skip =
            3 + usize::from(body.starts_with('\n')) + 2 * usize::from(body.starts_with("\r\n"));
        let mut start = s + skip;
        for (k, l) in raw[skip..].split('\n').enumerate() {
            if k + 1 == line {
                let lead = l.len() - l.trim_start().len();
                return map.span(at.file, start + lead, start + l.trim_end().len().max(lead));
            }
            start += l.len() + 1;
        }
        at
    };
    // where `needle` is written inside the template's text in the rule file, if it is
    let locate = |needle: &str, line: Option<usize>| -> Span {
        if file.is_some() {
            return at;
        }
        if needle.trim().is_empty() {
            return line.map_or(at, line_span);
        }
        let text = map.file(at.file).map(|f| f.text.clone());
        let Some(text) = text else { return at };
        let (s, e) = (at.start as usize, at.end as usize);
        match text.get(s..e).and_then(|w| w.find(needle)) {
            Some(k) => map.span(at.file, s + k, s + k + needle.len()),
            None => line.map_or(at, line_span),
        }
    };
    if let Err(e) = jinja.add_template_owned(name.clone(), source.to_string()) {
        let near = e
            .range()
            .and_then(|r| source.get(r))
            .map(str::to_string)
            .unwrap_or_default();
        diags.push(
            Diagnostic::error(
                Code::Template,
                format!(
                    "{}: not valid minijinja: {}",
                    place(e.line()),
                    e.detail().unwrap_or("syntax error")
                ),
            )
            .at(locate(&near, e.line()))
            .with_help("templates use minijinja (Jinja2) syntax: `{{ contact.id }}`, `{% if … %}…{% endif %}`"),
        );
        return None;
    }
    let compiled = jinja.get_template(name).ok()?;
    let mut paths: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
    paths.sort();
    let mut roots: Vec<SchemaId> = Vec::new();
    let mut reads: Vec<u32> = Vec::new();
    let mut ok = true;
    let line_of = |path: &str| {
        source
            .find(path)
            .map(|k| source[..k].matches('\n').count() + 1)
    };
    for path in &paths {
        let mut parts = path.split('.');
        let Some(first) = parts.next() else { continue };
        let rest: Vec<&str> = parts.collect();
        let line = line_of(path);
        let bad = |msg: String, help: String| {
            Diagnostic::error(Code::UnknownName, format!("{}: {msg}", place(line)))
                .at(locate(path, line))
                .with_help(help)
        };
        if let Some(sid) = env.schema_id(first).filter(|_| !first.contains('.')) {
            if !roots.contains(&sid) {
                roots.push(sid);
            }
            if let Some(d) = fields(env, sid, first, &rest, &bad) {
                diags.push(d);
                ok = false;
            }
        } else if let Some(di) = decisions.index(first) {
            if !reads.contains(&(di as u32)) {
                reads.push(di as u32);
            }
            let sig = decisions.get(di);
            if let Some(output) = rest.first() {
                match sig.outputs.iter().find(|o| o.name == *output) {
                    None => {
                        diags.push(bad(
                            format!("decision `{first}` has no output `{output}`"),
                            suggest_help(output, sig.outputs.iter().map(|o| &o.name), "outputs"),
                        ));
                        ok = false;
                    }
                    Some(o) if rest.len() > 1 => {
                        diags.push(bad(
                            format!("`{first}.{output}` has no fields (`{path}`)"),
                            format!("print `{first}.{output}` itself ({})", describe(env, &o.ty)),
                        ));
                        ok = false;
                    }
                    Some(_) => {}
                }
            }
        } else if !GLOBALS.contains(&first) {
            let known: Vec<String> = env
                .schema_names()
                .map(str::to_string)
                .chain(decisions.list.iter().map(|d| d.name.clone()))
                .collect();
            diags.push(bad(
                format!("`{first}` is neither a fact root nor a decision"),
                suggest_help(first, known.iter(), "roots and decisions"),
            ));
            ok = false;
        }
    }
    if !ok {
        jinja.remove_template(name);
        return None;
    }
    Some(CheckedTemplate {
        name: name.clone(),
        span: t.span,
        source,
        roots,
        decisions: reads,
    })
}

/// Walk `rest` through the fields of schema `sid` (root `root`); an error made by `bad`
/// (what was read, help) at the first step that does not exist, if one does not.
fn fields(
    env: &Env,
    sid: SchemaId,
    root: &str,
    rest: &[&str],
    bad: &dyn Fn(String, String) -> Diagnostic,
) -> Option<Diagnostic> {
    let mut schema = sid;
    let mut at = root.to_string();
    for (k, name) in rest.iter().enumerate() {
        let s = env.schema(schema);
        let Some(f) = s.field(name) else {
            return Some(bad(
                format!("`{at}` has no field `{name}`"),
                suggest_help(name, s.fields.iter().map(|f| &f.name), "fields"),
            ));
        };
        at = format!("{at}.{name}");
        match &f.ty {
            Type::Record(inner) => schema = *inner,
            ty if k + 1 < rest.len() => {
                return Some(bad(
                    format!("`{at}` has no fields (`{at}.{}`)", rest[k + 1]),
                    format!("print `{at}` itself ({})", describe(env, ty)),
                ));
            }
            _ => {}
        }
    }
    None
}

/// How a value of `ty` prints in a template.
fn describe(_env: &Env, ty: &Type) -> &'static str {
    match ty {
        Type::Money => "money prints as `USD 12.50`",
        Type::Date => "a date prints as `2026-03-02`; format it with `| strftime(\"%d %B %Y\")`",
        Type::DateTime => {
            "an instant prints as `2026-03-02T16:30:00-05:00`; format it with `| strftime(\"%d %B %Y, %H:%M\")`"
        }
        Type::Duration(_) => "a duration prints as written, `4h`, `2 business days`",
        Type::Code(_) => "a code prints as itself",
        Type::Set(_) => "a list: loop over it with `{% for x in … %}`",
        _ => "it prints as it is written in JSON",
    }
}
