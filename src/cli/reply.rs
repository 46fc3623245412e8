//! `aftersales reply [RULES] --template NAME [--input FILE|-] [--json] [--today DATE] [--now DATETIME]`
//!
//! Render a response template for each bundle of a JSON, JSONL or YAML input (read as
//! `eval` reads it). By default the text of each reply is printed, each ending with a line
//! break; a bundle that cannot be rendered is reported on standard error with its place
//! and id, and the others go on. `--json` prints one JSON line per bundle instead,
//! `{"id", "template", "text"}` or `{"id", "template", "error": {"code", "message"}}`,
//! in input order.

use super::eval::{parse_date, parse_now};
use crate::facts::Facts;
use crate::json::Json;
use crate::RuleSet;
use chrono::{DateTime, FixedOffset, NaiveDate};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `aftersales reply`.
#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// The template to render (`template NAME …` in the rules).
    #[arg(long)]
    pub template: String,
    /// The bundle(s): a JSON object or array, JSONL, or YAML (`-` for standard input).
    #[arg(long, default_value = "-")]
    pub input: String,
    /// One JSON line per bundle (`text` or `error`) instead of the texts.
    #[arg(long)]
    pub json: bool,
    /// `context.today` for bundles that do not give it (default: today).
    #[arg(long, value_parser = parse_date)]
    pub today: Option<NaiveDate>,
    /// `context.now` for bundles that do not give it (default: now), RFC 3339.
    #[arg(long, value_parser = parse_now)]
    pub now: Option<DateTime<FixedOffset>>,
}

/// Run `reply`: exit 0 when every bundle was rendered, 1 when any was not, 2 for rules
/// that do not load, an unknown template, or unreadable input.
pub fn run(args: &ReplyArgs) -> u8 {
    let rules = match RuleSet::load(&args.rules) {
        Ok(r) => r,
        Err(diags) => {
            eprintln!("{diags}");
            return super::EXIT_USAGE;
        }
    };
    if !rules.templates().any(|t| t == args.template) {
        let names: Vec<&str> = rules.templates().collect();
        let help = match crate::diag::suggest(&args.template, names.iter().copied()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None if names.is_empty() => "; the rule set has no templates".to_string(),
            None => format!("; the templates are {}", names.join(", ")),
        };
        eprintln!(
            "error: the rule set has no template `{}`{help}",
            args.template
        );
        return super::EXIT_USAGE;
    }
    let text = if args.input == "-" {
        crate::read::capped(std::io::stdin().lock(), crate::read::MAX_INPUT_BYTES)
            .map_err(|e| format!("cannot read standard input: {e}"))
            .and_then(|b| {
                String::from_utf8(b).map_err(|_| "standard input is not UTF-8 text".to_string())
            })
    } else {
        crate::read::text(
            std::path::Path::new(&args.input),
            crate::read::MAX_INPUT_BYTES,
        )
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    let records = match records(&rules, &args.input, &text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", shown(&args.input));
            return super::EXIT_USAGE;
        }
    };
    let now = args
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let mut out = String::new();
    let mut failed = 0usize;
    for (n, (facts, id)) in records.into_iter().enumerate() {
        let rendered = facts
            .map_err(|e| {
                (
                    e.first().map_or("invalid_facts", |f| f.code()),
                    e.to_string(),
                )
            })
            .and_then(|mut f| {
                if let Some(t) = args.today {
                    if !f.bundle_gave_today() {
                        f.set_today(t);
                    }
                }
                let f = f.with_context_defaults(now);
                rules
                    .render(&args.template, &f)
                    .map_err(|e| (e.code(), e.to_string()))
            });
        match (rendered, args.json) {
            (Ok(text), false) => {
                out.push_str(&text);
                if !text.ends_with('\n') {
                    out.push('\n');
                }
            }
            (Ok(text), true) => {
                let mut line = Json::Object(Vec::new());
                line.insert("id", id.map_or(Json::Null, Json::String));
                line.insert("template", Json::String(args.template.clone()));
                line.insert("text", Json::String(text));
                out.push_str(&line.to_string());
                out.push('\n');
            }
            (Err((code, message)), json) => {
                failed += 1;
                if json {
                    let mut error = Json::Object(Vec::new());
                    error.insert("code", Json::String(code.to_string()));
                    error.insert("message", Json::String(message));
                    let mut line = Json::Object(Vec::new());
                    line.insert("id", id.map_or(Json::Null, Json::String));
                    line.insert("template", Json::String(args.template.clone()));
                    line.insert("error", error);
                    out.push_str(&line.to_string());
                    out.push('\n');
                } else {
                    let who = id.map(|i| format!(" (id {i})")).unwrap_or_default();
                    eprintln!(
                        "error: {} record {}{who}: [{code}] {message}",
                        shown(&args.input),
                        n + 1
                    );
                }
            }
        }
    }
    if let Err(e) = super::write_stdout(&out) {
        eprintln!("error: {e}");
        return super::EXIT_USAGE;
    }
    if failed > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

fn shown(input: &str) -> &str {
    if input == "-" {
        "<stdin>"
    } else {
        input
    }
}

/// The bundles of `text` with their ids: JSONL when the extension says so or every
/// non-blank line is a JSON object; JSON (an object or an array) when it starts with `{`
/// or `[`; YAML otherwise.
fn records(
    rules: &RuleSet,
    input: &str,
    text: &str,
) -> Result<Vec<crate::facts::Validated>, String> {
    let ext = std::path::Path::new(input)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let lines = || text.lines().filter(|l| !l.trim().is_empty());
    let jsonl = match ext.as_deref() {
        Some("jsonl" | "ndjson") => true,
        Some("json" | "yaml" | "yml") => false,
        _ => {
            lines().count() > 1
                && lines().all(|l| {
                    l.trim().starts_with('{') && crate::facts::parse_json(l.trim()).is_ok()
                })
        }
    };
    let id_of = |v: &Json| match v.get("id") {
        Some(Json::String(s) | Json::Number(s)) => Some(s.clone()),
        _ => None,
    };
    if jsonl {
        return Ok(lines()
            .map(|l| {
                let l = l.trim();
                (
                    Facts::from_json_str(rules.env(), l),
                    crate::facts::parse_json(l).ok().as_ref().and_then(id_of),
                )
            })
            .collect());
    }
    let t = text.trim_start();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    if matches!(ext.as_deref(), Some("json")) || t.starts_with('{') || t.starts_with('[') {
        return Facts::from_json_str_each(rules.env(), text)
            .map_err(|e| format!("not valid JSON: {e}"));
    }
    let values = match crate::facts::yaml::parse(text) {
        Ok(Json::Array(items)) => items,
        Ok(Json::Null) => Vec::new(),
        Ok(v) => vec![v],
        Err(e) => return Err(format!("not valid YAML: {e}")),
    };
    Ok(values
        .iter()
        .map(|r| (Facts::from_tree(rules.env(), r), id_of(r)))
        .collect())
}
