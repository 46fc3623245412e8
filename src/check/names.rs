//! Duplicate declarations, namespace by namespace (LANGUAGE.md preamble):
//! - across the rule set: schemas, code tables, calendars, queues, channels and decisions,
//!   including the decisions items lower to (`coverage`, `recovery`, `routing`, `segment`,
//!   `return_authorization`, `disposition`, `recalls`, `reports`, `opportunities`, and each
//!   `route NAME`);
//! - within a decision: rule ids, and the names of warranties, splits, segments, recalls,
//!   reports and opportunities in the decision they lower to;
//! - within a schema (all its `extend`s included): fields; within a table: codes.

use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::dsl::ast::*;
use std::collections::HashMap;

struct Namespace {
    what: &'static str,
    seen: HashMap<String, (Span, String)>,
}

impl Namespace {
    fn new(what: &'static str) -> Namespace {
        Namespace {
            what,
            seen: HashMap::new(),
        }
    }

    /// Declare `name` (described as `kind`, e.g. "decision `coverage` (from warranty `x`)").
    fn declare(&mut self, name: &str, span: Span, kind: String, diags: &mut Diagnostics) {
        if name.is_empty() {
            return;
        }
        match self.seen.get(name) {
            Some((first, first_kind)) => diags.push(
                Diagnostic::error(
                    Code::Duplicate,
                    if *first_kind == kind {
                        format!("{} `{name}` is declared twice", self.what)
                    } else {
                        format!(
                            "{} `{name}` is declared twice: the first is {first_kind}, the second {kind}",
                            self.what
                        )
                    },
                )
                .at(span)
                .with_label("declared again here")
                .with_related(*first, "first declared here"),
            ),
            None => {
                self.seen.insert(name.to_string(), (span, kind));
            }
        }
    }
}

/// Report every name declared twice in one namespace, naming both places.
///
/// ```
/// let parsed = aftersales::dsl::parse_str("a.rules", "
///     decision d { otherwise a = 1 }
///     decision d { otherwise a = 2 }
/// ");
/// let diags = aftersales::check::duplicate_names(&parsed.files);
/// assert_eq!(diags.as_slice()[0].code.as_str(), "E0101");
/// assert_eq!(diags.as_slice()[0].related.len(), 1);
/// ```
pub fn duplicate_names(files: &[RuleFile]) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut schemas = Namespace::new("schema");
    let mut tables = Namespace::new("code table");
    let mut calendars = Namespace::new("calendar");
    let mut queues = Namespace::new("queue");
    let mut channels = Namespace::new("channel");
    let mut templates = Namespace::new("template");
    let mut decisions = Namespace::new("decision");
    // members of the lowered decisions, keyed by decision name
    let mut members: HashMap<&'static str, Namespace> = HashMap::new();
    let mut fields: HashMap<String, Namespace> = HashMap::new();
    let mut lowered_declared: HashMap<&'static str, ()> = HashMap::new();
    let mut routing_declared = false;
    let mut fillable: HashMap<String, bool> = HashMap::new();

    let mut lowered = |decision: &'static str,
                       item: &str,
                       name: &Ident,
                       member_what: &'static str,
                       decisions: &mut Namespace,
                       diags: &mut Diagnostics| {
        if lowered_declared.insert(decision, ()).is_none() {
            decisions.declare(
                decision,
                name.span,
                format!("decision `{decision}` (from {item} `{}`)", name.name),
                diags,
            );
        }
        members
            .entry(decision)
            .or_insert_with(|| Namespace::new(member_what))
            .declare(
                &name.name,
                name.span,
                format!("{item} `{}`", name.name),
                diags,
            );
    };

    for file in files {
        for item in &file.items {
            match item {
                Item::Schema(s) if s.name.name == "id" => diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        "`id` is the reserved key of a bundle's id and cannot name a schema",
                    )
                    .at(s.name.span)
                    .with_help("choose another name for the schema"),
                ),
                Item::Schema(s) => {
                    schemas.declare(
                        &s.name.name,
                        s.name.span,
                        format!("schema `{}`", s.name.name),
                        &mut diags,
                    );
                    declare_fields(&mut fields, s, &mut diags);
                }
                Item::Extend(s) => declare_fields(&mut fields, s, &mut diags),
                Item::Units(_) => {}
                Item::Codes(c) => {
                    // a table declared empty (as the prelude declares its tables) may be
                    // filled once by a second `codes` item of the same name
                    let empty = c.entries.is_empty()
                        && c.attributes.is_empty()
                        && c.format.is_none()
                        && c.from.is_none();
                    match fillable.get(&c.name.name).copied() {
                        Some(true) => {
                            fillable.insert(c.name.name.clone(), false);
                            continue;
                        }
                        None => {
                            fillable.insert(c.name.name.clone(), empty);
                        }
                        Some(false) => {}
                    }
                    tables.declare(
                        &c.name.name,
                        c.name.span,
                        format!("codes `{}`", c.name.name),
                        &mut diags,
                    );
                    let mut codes = Namespace::new("code");
                    for e in &c.entries {
                        codes.declare(
                            &e.code.text,
                            e.code.span,
                            format!("code `{}`", e.code.text),
                            &mut diags,
                        );
                    }
                }
                Item::Decision(d) => {
                    decisions.declare(
                        &d.name.name,
                        d.name.span,
                        format!("decision `{}`", d.name.name),
                        &mut diags,
                    );
                    rule_ids(&d.rules, &mut diags);
                }
                Item::Route(r) => {
                    decisions.declare(
                        &r.name.name,
                        r.name.span,
                        format!("route `{}`", r.name.name),
                        &mut diags,
                    );
                    if !routing_declared {
                        routing_declared = true;
                        decisions.declare(
                            "routing",
                            r.name.span,
                            format!("decision `routing` (from route `{}`)", r.name.name),
                            &mut diags,
                        );
                    }
                    rule_ids(&r.rules, &mut diags);
                }
                Item::Returns(r) => {
                    decisions.declare(
                        "return_authorization",
                        r.name.span,
                        "decision `return_authorization` (from `returns`)".into(),
                        &mut diags,
                    );
                    rule_ids(&r.rules, &mut diags);
                }
                Item::Disposition(r) => {
                    decisions.declare(
                        "disposition",
                        r.name.span,
                        "decision `disposition` (from `disposition`)".into(),
                        &mut diags,
                    );
                    rule_ids(&r.rules, &mut diags);
                }
                Item::Warranty(w) => lowered(
                    "coverage",
                    "warranty",
                    &w.name,
                    "warranty",
                    &mut decisions,
                    &mut diags,
                ),
                Item::Split(s) => lowered(
                    "recovery",
                    "split",
                    &s.name,
                    "split",
                    &mut decisions,
                    &mut diags,
                ),
                Item::Segment(s) => lowered(
                    "segment",
                    "segment",
                    &s.name,
                    "segment",
                    &mut decisions,
                    &mut diags,
                ),
                Item::Recall(r) => lowered(
                    "recalls",
                    "recall",
                    &r.id,
                    "recall",
                    &mut decisions,
                    &mut diags,
                ),
                Item::Report(r) => lowered(
                    "reports",
                    "report",
                    &r.name,
                    "report",
                    &mut decisions,
                    &mut diags,
                ),
                Item::Opportunity(o) => lowered(
                    "opportunities",
                    "opportunity",
                    &o.name,
                    "opportunity",
                    &mut decisions,
                    &mut diags,
                ),
                Item::Queue(q) => queues.declare(
                    &q.name.name,
                    q.name.span,
                    format!("queue `{}`", q.name.name),
                    &mut diags,
                ),
                Item::Calendar(c) => calendars.declare(
                    &c.name.name,
                    c.name.span,
                    format!("calendar `{}`", c.name.name),
                    &mut diags,
                ),
                Item::Channel(c) => channels.declare(
                    &c.name.name,
                    c.name.span,
                    format!("channel `{}`", c.name.name),
                    &mut diags,
                ),
                Item::Template(t) => templates.declare(
                    &t.name.name,
                    t.name.span,
                    format!("template `{}`", t.name.name),
                    &mut diags,
                ),
            }
        }
    }
    diags
}

fn declare_fields(
    fields: &mut HashMap<String, Namespace>,
    s: &SchemaDecl,
    diags: &mut Diagnostics,
) {
    let ns = fields
        .entry(s.name.name.clone())
        .or_insert_with(|| Namespace::new("field"));
    for f in &s.fields {
        ns.declare(
            &f.name.name,
            f.name.span,
            format!("field `{}.{}`", s.name.name, f.name.name),
            diags,
        );
    }
}

fn rule_ids(rules: &[RuleDecl], diags: &mut Diagnostics) {
    let mut ids = Namespace::new("rule");
    for r in rules {
        ids.declare(
            &r.id.name,
            r.id.span,
            format!("rule `{}`", r.id.name),
            diags,
        );
    }
}
