//! Static checks (LANGUAGE.md §6) over a parsed rule set, prelude included: duplicate
//! names, the declaration pass ([`Env`]: schemas, enums, code tables, units), and the
//! typing of every expression of every item, with `has` guards, codes, regexes, decision
//! dependencies and cycles.
//!
//! The whole load pipeline (parse, check, compile, analyse) is [`crate::load`]; this
//! module never calls the stages after it.
//!
//! ```
//! let (parsed, env, diags) = aftersales::load::check_sources([(
//!     "a.rules".to_string(),
//!     "decision d { output x: int = 0  rule r when claim.odometr > 5 mi then x = 1 }".to_string(),
//! )]);
//! let d = &diags.as_slice()[0];
//! assert_eq!(d.code.as_str(), "E0201");
//! assert_eq!(d.help.as_deref(), Some("did you mean `odometer`?"));
//! assert!(env.schema_id("claim").is_some());
//! # let _ = parsed;
//! ```

mod env;
mod expr;
pub mod ir;
mod lower;
mod names;
pub(crate) mod templates;

pub use lower::CALENDAR_YEARS;
pub use names::duplicate_names;

use crate::diag::{suggest, Code, Diagnostic, Diagnostics, Span};
use crate::dsl::ast::{self, Expr, ExprKind, HitPolicy, Item, Literal, Then};
use crate::dsl::Parsed;
use crate::types::{DurationKind, EnumDef, Env, Type};
use crate::value::Value;
use expr::{guards_when_true, Checker, Guards};
use std::collections::HashMap;
use std::sync::Arc;

/// The prelude of LANGUAGE.md §3, written in the language itself.
pub const PRELUDE: &str = include_str!("../prelude/prelude.rules");

/// The name the prelude's file has in diagnostics.
pub const PRELUDE_NAME: &str = "<prelude>";

/// Most bytes a compiled regular expression may take (the `regex` crate's size limit).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A `Parsed` holding only the prelude, to which rule files are then added.
pub fn with_prelude() -> Parsed {
    let mut parsed = Parsed::default();
    parsed.add_source(PRELUDE_NAME, PRELUDE);
    parsed
}

/// As [`crate::load::check`], with the IR of every decision that checked.
pub fn check_full(parsed: &Parsed) -> (Checked, Diagnostics) {
    let mut diags = parsed.diagnostics.clone();
    if diags.has_errors() {
        diags.sort();
        return (Checked::default(), diags);
    }
    diags.extend(duplicate_names(&parsed.files));
    let mut env = env::build(&parsed.files, &parsed.map, &mut diags);
    let decisions = Decisions::collect(&parsed.files, &mut env, &mut diags);
    let mut items = ItemChecker {
        env: &env,
        decisions: &decisions,
        diags: &mut diags,
        reads: vec![Vec::new(); decisions.list.len()],
        checked: vec![None; decisions.list.len()],
        items: vec![None; decisions.list.len()],
        lowering: lower::Lowering::default(),
        regexes: Regexes::default(),
    };
    for item in parsed.files.iter().flat_map(|f| &f.items) {
        items.item(item);
    }
    // (lowering is consumed when it finishes)
    let queues = items.lowering.queues.clone();
    let channel_calendars = items.lowering.channels.clone();
    items.finish_lowering();
    let reads = items.reads;
    let checked = items.checked;
    let lowered = items.items;
    cycles(&decisions, &reads, &mut diags);
    diags.sort();
    let names = decisions.list.iter().map(|d| d.name.clone()).collect();
    calendar_extends(&parsed.files, &mut diags);
    let calendars = lower::calendars(&parsed.files);
    let templates = templates::check(&parsed.files, &parsed.map, &env, &decisions, &mut diags);
    diags.sort();
    (
        Checked {
            env,
            names,
            decisions: checked,
            items: lowered,
            calendars,
            queues,
            channel_calendars,
            templates,
        },
        diags,
    )
}

/// Whether a report's deadline is a date or an instant (LANGUAGE.md §5.9), read from its
/// clause: an instant when it counts from a date-time, or counts hours (`24 hours`,
/// `4 business hours`); `None` where the clause does not tell (a delay or a start that is
/// not written out: the evaluation tells).
pub(crate) fn due_is_instant(env: &Env, due: &ast::Due) -> Option<bool> {
    use crate::dsl::ast::Unit;
    let start = due.after.as_ref().unwrap_or(&due.offset);
    let start_instant = match &start.kind {
        ExprKind::Literal(Literal::Date(_)) => false,
        ExprKind::Literal(Literal::DateTime(_)) => true,
        ExprKind::Call { name, .. }
            if matches!(
                name.name.as_str(),
                "end_of_month" | "end_of_quarter" | "end_of_year"
            ) =>
        {
            false
        }
        ExprKind::Path(p) => {
            let mut segs = p.segments.iter();
            let sid = segs.next().and_then(|r| env.schema_id(&r.name))?;
            let mut ty = Type::Record(sid);
            for seg in segs {
                let Type::Record(sid) = ty else { return None };
                ty = env.schema(sid).field(&seg.name)?.ty.clone();
            }
            match ty {
                Type::Date => false,
                Type::DateTime => true,
                _ => return None,
            }
        }
        _ => return None,
    };
    if start_instant || due.immediately || due.after.is_none() {
        return Some(start_instant);
    }
    match &due.offset.kind {
        ExprKind::Literal(Literal::Quantity { unit, .. }) => Some(matches!(
            unit,
            Unit::Hour | Unit::Minute | Unit::BusinessHour
        )),
        _ => None,
    }
}

/// The type of the deadlines `reports` lists: dates, instants, or either (each written as
/// it is) where the reports give both or do not tell.
fn due_type(env: &Env, items: &[&Item]) -> Type {
    let kinds: Vec<Option<bool>> = items
        .iter()
        .filter_map(|i| match i {
            Item::Report(r) => r.due.as_ref().map(|d| due_is_instant(env, d)),
            _ => None,
        })
        .collect();
    if kinds.iter().all(|k| *k == Some(false)) {
        Type::Date
    } else if kinds.iter().all(|k| *k == Some(true)) {
        Type::DateTime
    } else {
        Type::Any
    }
}

/// `calendar C extends B`: B must be a calendar, the chain must not come back to C, and
/// some calendar of the chain must give opening hours.
fn calendar_extends(files: &[ast::RuleFile], diags: &mut Diagnostics) {
    let decls: Vec<&ast::CalendarDecl> = files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|i| match i {
            Item::Calendar(c) => Some(c),
            _ => None,
        })
        .collect();
    let find = |name: &str| decls.iter().find(|d| d.name.name == name).copied();
    for c in &decls {
        let Some(base) = &c.extends else { continue };
        if find(&base.name).is_none() {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!("unknown calendar `{}`", base.name),
                )
                .at(base.span)
                .with_help(suggest_help(
                    &base.name,
                    decls.iter().map(|d| d.name.name.as_str()),
                    "calendars",
                )),
            );
            continue;
        }
        let mut seen = vec![c.name.name.as_str()];
        let mut at = find(&base.name);
        let mut hours = !c.hours.is_empty();
        while let Some(x) = at {
            if seen.contains(&x.name.name.as_str()) {
                diags.push(
                    Diagnostic::error(
                        Code::Cycle,
                        format!(
                            "calendar `{}` extends itself: {} → {}",
                            c.name.name,
                            seen.join(" → "),
                            x.name.name
                        ),
                    )
                    .at(base.span)
                    .with_help("a calendar extends one that does not come back to it"),
                );
                hours = true; // reported: no second error
                break;
            }
            seen.push(&x.name.name);
            hours |= !x.hours.is_empty();
            at = x.extends.as_ref().and_then(|b| find(&b.name));
        }
        if !hours {
            diags.push(
                Diagnostic::error(
                    Code::MissingClause,
                    format!(
                        "calendar `{}` has no `hours`, nor does any calendar it extends: it is never open",
                        c.name.name
                    ),
                )
                .at(c.name.span)
                .with_help("add opening hours, e.g. `hours mon..fri 09:00-17:00`"),
            );
        }
    }
}

/// The result of checking a rule set: its environment and the IR of its decisions.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Schemas, enums, code tables, units.
    pub env: Env,
    /// Every decision's name (declared and lowered), indexed as [`ir::IrKind::Output`] does.
    pub names: Vec<String>,
    /// The IR of each decision that is rules with fixed outputs (aligned with `names`):
    /// user decisions, routes, and the items lowered to such (`return_authorization`,
    /// `disposition`, `segment`, `routing`). `None` for the others.
    pub decisions: Vec<Option<ir::CheckedDecision>>,
    /// The IR of each decision lowered from items that need more than rules (aligned with
    /// `names`): `coverage`, `recovery`, `recalls`, `reports`, `opportunities`, and each
    /// route, whose rules are in `decisions` and whose item completes their outputs. An
    /// evaluator evaluates decision `i` with `eval::items` when `items[i]` is set (which may
    /// ask it for the rules of `decisions[i]`), else as the plain decision `decisions[i]`.
    pub items: Vec<Option<ir::ItemDecision>>,
    /// The business-hours calendars, in declaration order.
    pub calendars: Vec<ir::CheckedCalendar>,
    /// The declared queues, in declaration order.
    pub queues: Vec<ir::QueueDef>,
    /// Each channel declared with a calendar (`channel NAME { calendar C }`), and the
    /// calendar (index in `calendars`).
    pub channel_calendars: Vec<(String, u32)>,
    /// The response templates that checked.
    pub templates: ir::Templates,
}

impl Checked {
    /// The index of decision `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The outputs of decision `i` as results list them: the declared outputs of a plain
    /// decision (each a list for `collect`, `count` alone for `collect count`), the fixed
    /// outputs of a lowered one.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::from_sources([("w.rules".to_string(),
    ///     "warranty basic { term 36 months covers all }".to_string())]).unwrap();
    /// let checked = rules.checked();
    /// let i = checked.index("coverage").unwrap();
    /// assert!(checked.items[i].is_some(), "coverage is an item decision");
    /// let names: Vec<String> = checked.output_types(i).unwrap().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["covered", "warranty", "deductible", "claim_type", "expires_on",
    ///                    "reasons", "pays", "amount"]);
    /// ```
    pub fn output_types(&self, i: usize) -> Option<Vec<(String, Type)>> {
        use crate::dsl::ast::Aggregate;
        if let Some(d) = self.decisions.get(i).and_then(Option::as_ref) {
            return Some(match d.hit {
                HitPolicy::Collect(Some(Aggregate::Count)) => vec![("count".into(), Type::Int)],
                HitPolicy::Collect(None) => d
                    .outputs
                    .iter()
                    .map(|o| (o.name.clone(), Type::Set(Box::new(o.ty.clone()))))
                    .collect(),
                _ => d
                    .outputs
                    .iter()
                    .map(|o| (o.name.clone(), o.ty.clone()))
                    .collect(),
            });
        }
        let item = self.items.get(i).and_then(Option::as_ref)?;
        Some(
            item.outputs
                .iter()
                .map(|o| (o.name.clone(), o.ty.clone()))
                .collect(),
        )
    }
}

/// "did you mean `x`?" or, failing that, the list of what there is.
pub(crate) fn suggest_help<I, S>(name: &str, candidates: I, what: &str) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let all: Vec<String> = candidates
        .into_iter()
        .map(|s| s.as_ref().to_string())
        .collect();
    match suggest(name, &all) {
        Some(s) => format!("did you mean `{s}`?"),
        None if all.is_empty() => format!("there are no {what}"),
        None if all.len() <= 12 => format!(
            "{what}: {}",
            all.iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("no similar name among the {} {what}", all.len()),
    }
}

/// The regexes of `matches` tests compiled so far, by pattern and then flags: tests of the
/// same pattern share one compiled regex (a compiled regex takes kilobytes; rule sets
/// generated from tables repeat a few patterns over thousands of rules).
#[derive(Default)]
pub(crate) struct Regexes(HashMap<String, Vec<(String, Arc<regex::Regex>)>>);

impl Regexes {
    /// The compiled regex of `r`, compiled on first sight; a failure is reported at `r`'s
    /// span each time, as [`regex_of`] does.
    pub(crate) fn of(
        &mut self,
        r: &ast::RegexLit,
        diags: &mut Diagnostics,
    ) -> Option<Arc<regex::Regex>> {
        let same = self.0.get(r.pattern.as_str()).and_then(|by_flags| {
            by_flags
                .iter()
                .find(|(flags, _)| *flags == r.flags)
                .map(|(_, re)| Arc::clone(re))
        });
        if same.is_some() {
            return same;
        }
        let re = Arc::new(regex_of(r, diags)?);
        self.0
            .entry(r.pattern.clone())
            .or_default()
            .push((r.flags.clone(), Arc::clone(&re)));
        Some(re)
    }
}

/// Compile a regex literal with its flags and the size limit; report failures at its span.
pub(crate) fn regex_of(r: &ast::RegexLit, diags: &mut Diagnostics) -> Option<regex::Regex> {
    let mut b = regex::RegexBuilder::new(&r.pattern);
    b.size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT);
    for f in r.flags.chars() {
        match f {
            'i' => b.case_insensitive(true),
            'm' => b.multi_line(true),
            's' => b.dot_matches_new_line(true),
            'x' => b.ignore_whitespace(true),
            _ => &mut b,
        };
    }
    match b.build() {
        Ok(re) => Some(re),
        Err(e) => {
            let msg = match &e {
                regex::Error::CompiledTooBig(_) => {
                    "regular expression too large once compiled".to_string()
                }
                _ => format!("invalid regular expression: {}", first_line(&e.to_string())),
            };
            diags.push(
                Diagnostic::error(Code::InvalidRegex, msg)
                    .at(r.span)
                    .with_help("the syntax is that of the Rust `regex` crate; write `/` as `\\/`"),
            );
            None
        }
    }
}

fn first_line(s: &str) -> String {
    // the regex crate's messages carry an ASCII drawing; keep the error line
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| l.trim().trim_start_matches("error:").trim().to_string())
        .unwrap_or_else(|| s.lines().next().unwrap_or("").to_string())
}

/// One output of a decision, as other decisions see it.
#[derive(Debug, Clone)]
pub(crate) struct OutputSig {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
}

/// A decision as other decisions see it.
#[derive(Debug, Clone)]
pub(crate) struct DecisionSig {
    pub name: String,
    pub span: Span,
    /// The outputs as other decisions read them (arrays for `collect`).
    pub outputs: Vec<OutputSig>,
    /// The outputs as this decision's rules assign them (empty: same as `outputs`).
    pub assign: Vec<OutputSig>,
}

/// Every decision of the rule set, user-declared and lowered from items.
#[derive(Debug, Default)]
pub(crate) struct Decisions {
    list: Vec<DecisionSig>,
    index: HashMap<String, usize>,
    /// Calendar names, for references from queues, segments, channels and reports.
    calendars: Vec<String>,
}

fn out(name: &str, ty: Type, optional: bool) -> OutputSig {
    OutputSig {
        name: name.to_string(),
        ty,
        optional,
    }
}

impl Decisions {
    pub fn index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
    pub fn get(&self, i: usize) -> &DecisionSig {
        &self.list[i]
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|d| d.name.as_str())
    }

    fn add(&mut self, sig: DecisionSig) {
        if !self.index.contains_key(&sig.name) {
            self.index.insert(sig.name.clone(), self.list.len());
            self.list.push(sig);
        }
    }

    fn collect(files: &[ast::RuleFile], env: &mut Env, diags: &mut Diagnostics) -> Decisions {
        let mut d = Decisions::default();
        let items: Vec<&Item> = files.iter().flat_map(|f| &f.items).collect();
        let names_of = |pred: &dyn Fn(&Item) -> Option<String>| -> Vec<String> {
            items.iter().filter_map(|i| pred(i)).collect()
        };
        let enum_of = |env: &mut Env, name: &str, variants: Vec<String>| {
            Type::Enum(env.add_enum(EnumDef {
                name: name.to_string(),
                variants,
            }))
        };
        let first_span =
            |pred: &dyn Fn(&Item) -> bool| items.iter().find(|i| pred(i)).map(|i| i.span());
        let code = |env: &Env, t: &str| env.table_id(t).map(Type::Code).unwrap_or(Type::Text);

        for item in &items {
            if let Item::Decision(dec) = item {
                let mut outputs = Vec::new();
                let mut assign = Vec::new();
                for o in &dec.outputs {
                    let owner = format!("{}.{}", dec.name.name, o.name.name);
                    let Some(ty) = env::resolve_type(env, &o.ty, &owner, diags) else {
                        continue;
                    };
                    assign.push(out(&o.name.name, ty.clone(), true));
                    let always = o.default.is_some()
                        || (dec
                            .otherwise
                            .as_ref()
                            .is_some_and(|ow| assigns(&ow.then, &o.name.name))
                            && dec.rules.iter().all(|r| assigns(&r.then, &o.name.name)));
                    let collect = matches!(dec.hit, HitPolicy::Collect(None));
                    outputs.push(out(
                        &o.name.name,
                        if collect { Type::Set(Box::new(ty)) } else { ty },
                        !always && !collect,
                    ));
                }
                if let HitPolicy::Collect(Some(agg)) = dec.hit {
                    if agg == ast::Aggregate::Count {
                        outputs = vec![out("count", Type::Int, false)];
                    } else {
                        // `sum` always has a value (0 of no match); `min` and `max` have
                        // one when the output has a default or every rule and an
                        // `otherwise` set it (`always` above), else null of no match
                        outputs
                            .iter_mut()
                            .for_each(|o| o.optional = o.optional && agg != ast::Aggregate::Sum);
                    }
                }
                d.add(DecisionSig {
                    name: dec.name.name.clone(),
                    span: dec.name.span,
                    outputs,
                    assign,
                });
            }
        }
        let warranties = names_of(&|i| match i {
            Item::Warranty(w) => Some(w.name.name.clone()),
            _ => None,
        });
        if let Some(span) = first_span(&|i| matches!(i, Item::Warranty(_))) {
            let w = enum_of(env, "coverage.warranty", warranties);
            let ct = code(env, "claim_type");
            let reason = enum_of(
                env,
                "coverage.reason.reason",
                lower::REASONS.iter().map(|s| s.to_string()).collect(),
            );
            let reasons = lower::record(
                env,
                "coverage.reason",
                &[("warranty", w.clone()), ("reason", reason)],
            );
            let pays = lower::record(
                env,
                "coverage.pays",
                &ir::COMPONENTS.map(|c| (c, Type::Percent)),
            );
            d.add(DecisionSig {
                name: "coverage".into(),
                span,
                assign: Vec::new(),
                outputs: vec![
                    out("covered", Type::Bool, false),
                    out("warranty", w, true),
                    out("deductible", Type::Money, true),
                    out("claim_type", ct, true),
                    out("expires_on", Type::Date, true),
                    out("reasons", Type::Set(Box::new(reasons)), false),
                    out("pays", pays, true),
                    out("amount", Type::Money, true),
                ],
            });
        }
        let splits = names_of(&|i| match i {
            Item::Split(s) => Some(s.name.name.clone()),
            _ => None,
        });
        if let Some(span) = first_span(&|i| matches!(i, Item::Split(_))) {
            let s = enum_of(env, "recovery.split", splits);
            let mut fields = vec![("party", Type::Label)];
            fields.extend(ir::COMPONENTS.map(|c| (c, Type::Money)));
            fields.push(("total", Type::Money));
            let allocation = lower::record(env, "recovery.allocation", &fields);
            d.add(DecisionSig {
                name: "recovery".into(),
                span,
                assign: Vec::new(),
                outputs: vec![
                    out("split", s, true),
                    out("allocations", Type::Set(Box::new(allocation)), false),
                ],
            });
        }
        let queues = names_of(&|i| match i {
            Item::Queue(q) => Some(q.name.name.clone()),
            _ => None,
        });
        let queue_ty = enum_of(env, "queue", queues);
        let prio = enum_of(
            env,
            "priority",
            ["p1", "p2", "p3", "p4"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
        // a service level is business time when every value routes assign it, and every
        // value a segment gives it, is business time (as for `segment`); else exact
        let sla = |name: &str| {
            let routes = items.iter().flat_map(|i| match i {
                Item::Route(r) => r
                    .rules
                    .iter()
                    .map(|rule| &rule.then)
                    .chain(r.otherwise.iter().map(|o| &o.then))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            });
            let assigned = routes.flat_map(|then| match then {
                ast::Then::Assign(list) => list
                    .iter()
                    .filter(|a| a.target.name == name)
                    .map(|a| &a.value)
                    .collect::<Vec<_>>(),
                ast::Then::Action(_) => Vec::new(),
            });
            let segments = items.iter().filter_map(|i| match i {
                Item::Segment(s) => match name {
                    "first_response" => s.first_response.as_ref(),
                    "resolve" => s.resolve.as_ref(),
                    _ => s.escalate_after.as_ref(),
                },
                _ => None,
            });
            Type::Duration(lower::sla_kind(assigned.chain(segments)))
        };
        let slas = [sla("first_response"), sla("resolve"), sla("escalate_after")];
        // `channel_allowed` only where a segment lists its channels or a channel its
        // segments (as `next_reply`), so that other rule sets keep the outputs §5.6 lists
        let channels_limited = items.iter().any(|i| match i {
            Item::Segment(s) => !s.channels.is_empty(),
            Item::Channel(c) => !c.segments.is_empty(),
            _ => false,
        }) && items.iter().any(|i| matches!(i, Item::Segment(_)));
        let route_outputs = |queue_ty: &Type, prio: &Type| {
            let [first_response, resolve, escalate_after] = slas.clone();
            let mut list = vec![
                out("queue", queue_ty.clone(), true),
                out("priority", prio.clone(), true),
                out("skills", Type::Set(Box::new(Type::Label)), true),
                out("first_response", first_response, true),
                out("resolve", resolve, true),
                out("escalate_after", escalate_after, true),
                out("escalate_to", Type::Label, true),
                out("flags", Type::Set(Box::new(Type::Label)), true),
                out("first_response_due", Type::DateTime, true),
                out("resolve_due", Type::DateTime, true),
                out("escalate_at", Type::DateTime, true),
            ];
            if channels_limited {
                list.push(out("channel_allowed", Type::Bool, true));
            }
            list
        };
        for item in &items {
            if let Item::Route(r) = item {
                d.add(DecisionSig {
                    name: r.name.name.clone(),
                    span: r.name.span,
                    outputs: route_outputs(&queue_ty, &prio),
                    assign: Vec::new(),
                });
            }
        }
        if let Some(span) = first_span(&|i| matches!(i, Item::Route(_))) {
            d.add(DecisionSig {
                name: "routing".into(),
                span,
                outputs: route_outputs(&queue_ty, &prio),
                assign: Vec::new(),
            });
        }
        let segments = names_of(&|i| match i {
            Item::Segment(s) => Some(s.name.name.clone()),
            _ => None,
        });
        let has_otherwise = items
            .iter()
            .any(|i| matches!(i, Item::Segment(s) if !matches!(s.when, ast::SegmentWhen::When(_))));
        if let Some(span) = first_span(&|i| matches!(i, Item::Segment(_))) {
            let s = enum_of(env, "segment.name", segments);
            let channel = env
                .schema_id("contact")
                .and_then(|c| env.schema(c).field("channel").map(|f| f.ty.clone()))
                .unwrap_or(Type::Label);
            let kind = |get: &dyn Fn(&ast::SegmentDecl) -> Option<&Expr>| {
                Type::Duration(lower::sla_kind(items.iter().filter_map(|i| match i {
                    Item::Segment(s) => get(s),
                    _ => None,
                })))
            };
            let mut outputs = vec![
                out("name", s, !has_otherwise),
                out("first_response", kind(&|s| s.first_response.as_ref()), true),
                out("resolve", kind(&|s| s.resolve.as_ref()), true),
                out("escalate_after", kind(&|s| s.escalate_after.as_ref()), true),
            ];
            // `next_reply` only where a segment gives it, so that rule sets without it
            // keep the outputs §5.6 lists
            if items
                .iter()
                .any(|i| matches!(i, Item::Segment(s) if s.next_reply.is_some()))
            {
                outputs.push(out("next_reply", kind(&|s| s.next_reply.as_ref()), true));
            }
            outputs.push(out("channels", Type::Set(Box::new(channel)), true));
            outputs.push(out("calendar", Type::Label, true));
            if channels_limited {
                outputs.push(out("channel_allowed", Type::Bool, true));
            }
            d.add(DecisionSig {
                name: "segment".into(),
                span,
                assign: Vec::new(),
                outputs,
            });
        }
        // `decision` and `return_reason` are always set when an `otherwise` applies
        let always = |pred: &dyn Fn(&Item) -> bool| {
            items.iter().any(|i| {
                pred(i)
                    && matches!(i, Item::Returns(r) | Item::Disposition(r) if r.otherwise.is_some())
            })
        };
        let returns_always = always(&|i| matches!(i, Item::Returns(_)));
        let disposition_always = always(&|i| matches!(i, Item::Disposition(_)));
        if let Some(span) = first_span(&|i| matches!(i, Item::Returns(_))) {
            let decision = enum_of(
                env,
                "return_authorization.decision",
                vec!["authorize".into(), "deny".into()],
            );
            let remedy = enum_of(
                env,
                "return_authorization.remedy",
                ["refund", "replace", "repair", "credit"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            );
            let rr = code(env, "return_reason");
            d.add(DecisionSig {
                name: "return_authorization".into(),
                span,
                assign: Vec::new(),
                outputs: vec![
                    out("decision", decision, !returns_always),
                    out("remedy", remedy, true),
                    out("restocking", Type::Percent, true),
                    out("reason", Type::Text, true),
                    out("return_reason", rr, !returns_always),
                    out("refund", Type::Money, true),
                    out("restocking_fee", Type::Money, true),
                ],
            });
        }
        if let Some(span) = first_span(&|i| matches!(i, Item::Disposition(_))) {
            let disp = enum_of(
                env,
                "disposition.disposition",
                [
                    "restock",
                    "refurbish",
                    "salvage",
                    "scrap",
                    "return_to_supplier",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            );
            let rr = code(env, "return_reason");
            d.add(DecisionSig {
                name: "disposition".into(),
                span,
                outputs: vec![
                    out("disposition", disp, !disposition_always),
                    out("return_reason", rr, !disposition_always),
                ],
                assign: Vec::new(),
            });
        }
        for (kw, name, extra) in [
            ("recall", "recalls", vec![]),
            (
                "report",
                "reports",
                vec![
                    out("id", Type::Set(Box::new(Type::Label)), false),
                    out("title", Type::Set(Box::new(Type::Text)), false),
                    out("due", Type::Set(Box::new(due_type(env, &items))), false),
                    out("immediate", Type::Set(Box::new(Type::Bool)), false),
                    out("calendar", Type::Set(Box::new(Type::Label)), false),
                ],
            ),
            (
                "opportunity",
                "opportunities",
                vec![
                    out("team", Type::Set(Box::new(Type::Label)), false),
                    out("value", Type::Set(Box::new(Type::Money)), false),
                ],
            ),
        ] {
            if let Some(span) = first_span(&|i| i.keyword() == kw) {
                let mut outputs = vec![
                    out("ids", Type::Set(Box::new(Type::Label)), false),
                    out("any", Type::Bool, false),
                ];
                outputs.extend(extra);
                d.add(DecisionSig {
                    name: name.into(),
                    span,
                    outputs,
                    assign: Vec::new(),
                });
            }
        }
        d.calendars = names_of(&|i| match i {
            Item::Calendar(c) => Some(c.name.name.clone()),
            _ => None,
        });
        d
    }
}

fn assigns(then: &Then, name: &str) -> bool {
    match then {
        Then::Assign(list) => list.iter().any(|a| a.target.name == name),
        Then::Action(_) => false,
    }
}

struct ItemChecker<'a> {
    env: &'a Env,
    decisions: &'a Decisions,
    diags: &'a mut Diagnostics,
    /// For each decision, the decisions its expressions read.
    reads: Vec<Vec<(usize, Span)>>,
    /// For each decision, its IR when it is rules with fixed outputs and it checked.
    checked: Vec<Option<ir::CheckedDecision>>,
    /// For each decision lowered from items that need more than rules, its IR.
    items: Vec<Option<ir::ItemDecision>>,
    /// The lowered items gathered so far.
    lowering: lower::Lowering,
    /// The regexes of `matches` tests, shared between tests of the same pattern.
    regexes: Regexes,
}

impl ItemChecker<'_> {
    /// Run `f` with an expression checker whose reads count for decision `owner`.
    fn with<R>(&mut self, owner: Option<&str>, f: impl FnOnce(&mut Checker<'_>) -> R) -> R {
        let mut c = Checker {
            env: self.env,
            decisions: self.decisions,
            reads: Vec::new(),
            diags: self.diags,
            regexes: &mut self.regexes,
        };
        let r = f(&mut c);
        let reads = c.reads;
        if let Some(i) = owner.and_then(|o| self.decisions.index(o)) {
            self.reads[i].extend(reads);
        }
        r
    }

    fn bool_expr(&mut self, owner: &str, e: &Expr, g: &Guards) -> Option<ir::Ir> {
        self.with(Some(owner), |c| c.check_bool(e, g))
    }

    fn typed(
        &mut self,
        owner: &str,
        e: &Expr,
        want: &Type,
        g: &Guards,
        what: &str,
    ) -> Option<ir::Ir> {
        self.with(Some(owner), |c| c.check_against(e, want, g, what))
    }

    fn item(&mut self, item: &Item) {
        let lowers_to = match item {
            Item::Warranty(_) => Some("coverage"),
            Item::Split(_) => Some("recovery"),
            Item::Segment(_) => Some("segment"),
            Item::Recall(_) => Some("recalls"),
            Item::Report(_) => Some("reports"),
            Item::Opportunity(_) => Some("opportunities"),
            Item::Route(_) => Some("routing"),
            Item::Returns(_) => Some("return_authorization"),
            Item::Disposition(_) => Some("disposition"),
            _ => None,
        };
        if let Some(d) = lowers_to {
            self.lowering.from_items.insert(d);
        }
        match item {
            Item::Decision(d) => self.decision(d),
            Item::Route(r) => {
                self.lowering.routes.push(r.name.name.clone());
                self.route(r)
            }
            Item::Returns(r) => self.returns(r, "return_authorization"),
            Item::Disposition(r) => self.returns(r, "disposition"),
            Item::Warranty(w) => self.warranty(w),
            Item::Split(s) => self.split(s),
            Item::Queue(q) => {
                let calendar = q.calendar.as_ref().and_then(|c| self.calendar_ref(c));
                self.lowering.queues.push(ir::QueueDef {
                    name: q.name.name.clone(),
                    calendar,
                    skills: q.skills.iter().map(|s| s.name.clone()).collect(),
                });
            }
            Item::Calendar(c) => {
                // a calendar that extends another takes its hours (checked with the chain)
                if c.hours.is_empty() && c.extends.is_none() {
                    self.diags.push(
                        Diagnostic::error(
                            Code::MissingClause,
                            format!(
                                "calendar `{}` has no `hours`: it is never open, so no business time can be counted on it",
                                c.name.name
                            ),
                        )
                        .at(c.name.span)
                        .with_label("never open")
                        .with_help("add opening hours, e.g. `hours mon..fri 09:00-17:00`"),
                    );
                }
                if let Some(tz) = &c.timezone {
                    if tz.value.parse::<chrono_tz::Tz>().is_err() {
                        let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                        self.diags.push(
                            Diagnostic::error(
                                Code::TimeZone,
                                format!("unknown time zone \"{}\"", tz.value),
                            )
                            .at(tz.span)
                            .with_help(suggest_help(
                                &tz.value,
                                names,
                                "IANA time zones",
                            )),
                        );
                    }
                }
            }
            Item::Segment(s) => {
                self.segment(s);
                self.channel_names(&s.channels);
                if let Some(c) = &s.calendar {
                    self.calendar_ref(c);
                }
            }
            Item::Channel(c) => {
                self.channel_names(std::slice::from_ref(&c.name));
                if let Some(cal) = &c.calendar {
                    if let Some(k) = self.calendar_ref(cal) {
                        self.lowering.channels.push((c.name.name.clone(), k));
                    }
                }
                let segs: Vec<String> = self
                    .decisions
                    .index("segment")
                    .map(|i| self.decisions.get(i))
                    .and_then(|d| d.outputs.first())
                    .and_then(|o| match o.ty {
                        Type::Enum(id) => Some(self.env.enum_def(id).variants.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                self.lowering.channel_segments.push((
                    c.name.name.clone(),
                    c.segments
                        .iter()
                        .filter_map(|s| segs.iter().position(|n| *n == s.name))
                        .map(|k| k as u32)
                        .collect(),
                    !c.segments.is_empty(),
                ));
                for s in &c.segments {
                    if !segs.contains(&s.name) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::UnknownName,
                                format!("unknown segment `{}`", s.name),
                            )
                            .at(s.span)
                            .with_help(suggest_help(
                                &s.name,
                                segs.iter(),
                                "segments",
                            )),
                        );
                    }
                }
            }
            Item::Recall(r) => self.recall(r),
            Item::Report(r) => self.report(r),
            Item::Opportunity(o) => self.opportunity(o),
            Item::Schema(_)
            | Item::Extend(_)
            | Item::Units(_)
            | Item::Codes(_)
            | Item::Template(_) => {}
        }
    }

    fn positive(&mut self, e: &Expr, what: &str) {
        if let ExprKind::Literal(Literal::Quantity { value, .. }) = &e.kind {
            if *value <= rust_decimal::Decimal::ZERO {
                self.diags.push(
                    Diagnostic::error(Code::TermNotPositive, format!("{what} must be positive"))
                        .at(e.span),
                );
            }
        }
    }

    fn code_clause(&mut self, owner: &str, e: &Expr, table: &str) -> Option<ir::Ir> {
        let t = self.env.table_id(table)?;
        self.typed(
            owner,
            e,
            &Type::Code(t),
            &Guards::default(),
            &format!("`{table}`"),
        )
    }

    fn sla(&mut self, owner: &str, e: &Expr, g: &Guards) -> Option<ir::Ir> {
        let ir = self.with(Some(owner), |c| c.check(e, None, g))?;
        if !matches!(
            ir.ty,
            Type::Duration(DurationKind::Exact | DurationKind::Business)
        ) {
            let msg = format!(
                "expected a duration such as `4h` or `2 business days`, found {}",
                ir.ty.display(self.env)
            );
            self.diags
                .push(Diagnostic::error(Code::TypeMismatch, msg).at(e.span));
            return None;
        }
        Some(ir)
    }

    fn channel_names(&mut self, names: &[ast::Ident]) {
        let variants: Vec<String> = self
            .env
            .schema_id("contact")
            .and_then(|c| self.env.schema(c).field("channel"))
            .and_then(|f| match f.ty {
                Type::Enum(id) => Some(self.env.enum_def(id).variants.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for n in names {
            if !variants.contains(&n.name) {
                self.diags.push(
                    Diagnostic::error(Code::UnknownName, format!("unknown channel `{}`", n.name))
                        .at(n.span)
                        .with_help(suggest_help(
                            &n.name,
                            variants.iter(),
                            "channels (`contact.channel`)",
                        )),
                );
            }
        }
    }

    /// Check a rule's `when`, `priority` and `effective`; return the rule without its
    /// `then` (when it checked) and the guards for its `then`.
    fn rule_head(
        &mut self,
        owner: &str,
        rule: &ast::RuleDecl,
    ) -> (Option<ir::CheckedRule>, Guards) {
        let g = Guards::default();
        let when = self.bool_expr(owner, &rule.when, &g);
        let mut ok = true;
        let mut priority = 0;
        if let Some(p) = &rule.priority {
            match self
                .typed(owner, p, &Type::Int, &g, "`priority`")
                .map(|i| i.kind)
            {
                Some(ir::IrKind::Const(Value::Int(n))) => priority = n,
                Some(_) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            "`priority` is a whole number such as `5`",
                        )
                        .at(p.span),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        let mut effective = None;
        if let Some((a, b)) = &rule.effective {
            let (eff_a, eff_b) = (a, b);
            let a = self
                .typed(owner, a, &Type::Date, &g, "`effective`")
                .map(|i| i.kind);
            let b = self
                .typed(owner, b, &Type::Date, &g, "`effective`")
                .map(|i| i.kind);
            match (a, b) {
                (
                    Some(ir::IrKind::Const(Value::Date(x))),
                    Some(ir::IrKind::Const(Value::Date(y))),
                ) if x > y => {
                    // a rule effective on no day at all can never apply
                    self.diags.push(
                        Diagnostic::error(
                            Code::ClauseForm,
                            format!("`effective {x}..{y}` is reversed: the rule can never apply"),
                        )
                        .at(crate::diag::Span {
                            end: eff_b.span.end,
                            ..eff_a.span
                        })
                        .with_label("ends before it starts")
                        .with_help(format!(
                            "write the earlier date first: `effective {y}..{x}`"
                        )),
                    );
                    ok = false;
                }
                (
                    Some(ir::IrKind::Const(Value::Date(x))),
                    Some(ir::IrKind::Const(Value::Date(y))),
                ) => effective = Some((x, y)),
                (Some(_), Some(_)) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            "`effective` takes two dates, e.g. `effective 2026-01-01..2026-12-31`",
                        )
                        .at(rule.span),
                    );
                    ok = false;
                }
                _ => ok = false,
            }
        }
        let mut then_g = Guards::default();
        guards_when_true(&rule.when, &mut then_g);
        let head = match (when, ok) {
            (Some(when), true) => Some(ir::CheckedRule {
                id: rule.id.name.clone(),
                span: rule.span,
                priority,
                effective,
                when,
                then: Vec::new(),
            }),
            _ => None,
        };
        (head, then_g)
    }

    fn assignments(
        &mut self,
        owner: &str,
        then: &Then,
        g: &Guards,
        sig: &DecisionSig,
        route: bool,
    ) -> Option<Vec<(u16, ir::Ir)>> {
        let Then::Assign(list) = then else {
            return Some(Vec::new());
        };
        let mut out = Vec::with_capacity(list.len());
        let mut ok = true;
        let targets: &[OutputSig] = if sig.assign.is_empty() {
            &sig.outputs
        } else {
            &sig.assign
        };
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for a in list {
            if let Some(first) = seen.insert(&a.target.name, a.target.span) {
                self.diags.push(
                    Diagnostic::error(Code::Duplicate, format!("`{}` is set twice", a.target.name))
                        .at(a.target.span)
                        .with_related(first, "first set here"),
                );
            }
            let settable = |o: &&OutputSig| {
                !(route
                    && matches!(
                        o.name.as_str(),
                        "first_response_due" | "resolve_due" | "escalate_at"
                    ))
            };
            let Some(oi) = targets
                .iter()
                .position(|o| settable(&o) && o.name == a.target.name)
            else {
                let names: Vec<&str> = targets
                    .iter()
                    .filter(settable)
                    .map(|o| o.name.as_str())
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!("`{}` has no output `{}`", sig.name, a.target.name),
                    )
                    .at(a.target.span)
                    .with_help(suggest_help(
                        &a.target.name,
                        names.iter(),
                        "outputs",
                    )),
                );
                ok = false;
                continue;
            };
            let o = &targets[oi];
            let value = if route
                && matches!(
                    o.name.as_str(),
                    "first_response" | "resolve" | "escalate_after"
                ) {
                self.sla(owner, &a.value, g)
            } else {
                let want = o.ty.clone();
                let what = format!("output `{}`", o.name);
                self.typed(owner, &a.value, &want, g, &what)
            };
            match value {
                Some(v) => out.push((oi as u16, v)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn decision(&mut self, d: &ast::DecisionDecl) {
        let Some(i) = self.decisions.index(&d.name.name) else {
            return;
        };
        let sig = self.decisions.get(i).clone();
        if sig.span != d.name.span {
            return; // a duplicate, reported already
        }
        // defaults are constants of the output's type
        for o in &d.outputs {
            if let (Some(def), Some(s)) = (
                &o.default,
                sig.assign.iter().find(|s| s.name == o.name.name),
            ) {
                if let Err(msg) = env::const_value(self.env, def, &s.ty) {
                    self.diags
                        .push(Diagnostic::error(Code::TypeMismatch, msg).at(def.span));
                }
            }
        }
        if let HitPolicy::Collect(Some(agg)) = d.hit {
            let numeric = |t: &Type| {
                t.is_numeric()
                    || matches!(t, Type::Money | Type::Duration(_) | Type::Distance)
                    || (agg != ast::Aggregate::Sum && t.is_ordered())
            };
            match (agg, ()) {
                (ast::Aggregate::Count, _) => {}
                (_, _) if sig.assign.len() == 1 && numeric(&sig.assign[0].ty) => {}
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::Aggregation,
                            format!(
                            "`collect {}` aggregates exactly one {} output; decision `{}` has {}",
                            match agg {
                                ast::Aggregate::Sum => "sum",
                                ast::Aggregate::Min => "min",
                                _ => "max",
                            },
                            if agg == ast::Aggregate::Sum { "numeric" } else { "ordered" },
                            d.name.name,
                            sig.assign.len()
                        ),
                        )
                        .at(d.name.span),
                    )
                }
            }
        }
        let outputs: Vec<ir::OutputDef> = sig
            .assign
            .iter()
            .map(|o| ir::OutputDef {
                name: o.name.clone(),
                ty: o.ty.clone(),
                default: d
                    .outputs
                    .iter()
                    .find(|x| x.name.name == o.name)
                    .and_then(|x| x.default.as_ref())
                    .and_then(|e| env::const_value(self.env, e, &o.ty).ok()),
            })
            .collect();
        self.rules_of(
            i,
            &d.name.name,
            d.name.span,
            d.hit,
            outputs,
            &d.rules,
            d.otherwise.as_ref(),
            &sig,
            false,
        );
    }

    /// Check rules and `otherwise` of decision `i` and record its IR when all checked.
    #[allow(clippy::too_many_arguments)]
    fn rules_of(
        &mut self,
        i: usize,
        name: &str,
        span: Span,
        hit: HitPolicy,
        outputs: Vec<ir::OutputDef>,
        rules: &[ast::RuleDecl],
        otherwise: Option<&ast::Otherwise>,
        sig: &DecisionSig,
        route: bool,
    ) {
        let mut checked = Vec::with_capacity(rules.len());
        let mut ok = true;
        for r in rules {
            let (head, g) = self.rule_head(name, r);
            let then = self.assignments(name, &r.then, &g, sig, route);
            match (head, then) {
                (Some(mut head), Some(then)) => {
                    head.then = then;
                    checked.push(head);
                }
                _ => ok = false,
            }
        }
        let otherwise = match otherwise {
            Some(o) => match self.assignments(name, &o.then, &Guards::default(), sig, route) {
                Some(a) => Some(a),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if ok {
            self.checked[i] = Some(ir::CheckedDecision {
                name: name.to_string(),
                span,
                hit,
                outputs,
                rules: checked,
                otherwise,
            });
        }
    }

    fn route(&mut self, r: &ast::RulesDecl) {
        let Some(i) = self.decisions.index(&r.name.name) else {
            return;
        };
        let sig = self.decisions.get(i).clone();
        if sig.span != r.name.span {
            return;
        }
        let outputs: Vec<ir::OutputDef> = sig
            .outputs
            .iter()
            .map(|o| ir::OutputDef {
                name: o.name.clone(),
                ty: o.ty.clone(),
                default: None,
            })
            .collect();
        self.rules_of(
            i,
            &r.name.name,
            r.name.span,
            HitPolicy::First,
            outputs,
            &r.rules,
            r.otherwise.as_ref(),
            &sig,
            true,
        );
    }
}

/// Report every cycle of decisions reading each other, once, naming each decision on it.
fn cycles(decisions: &Decisions, reads: &[Vec<(usize, Span)>], diags: &mut Diagnostics) {
    let n = decisions.list.len();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state = vec![0u8; n];
    let mut reported = std::collections::HashSet::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // iterative DFS keeping the path
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        let mut path: Vec<usize> = vec![start];
        state[start] = 1;
        while let Some((node, edge)) = stack.last().copied() {
            let edges = &reads[node];
            if edge < edges.len() {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let (next, span) = edges[edge];
                match state[next] {
                    0 => {
                        state[next] = 1;
                        stack.push((next, 0));
                        path.push(next);
                    }
                    1 => {
                        let pos = path.iter().position(|p| *p == next).unwrap_or(0);
                        let mut cyc: Vec<usize> = path[pos..].to_vec();
                        let mut key = cyc.clone();
                        key.sort_unstable();
                        if reported.insert(key) {
                            cyc.push(next);
                            let names: Vec<&str> = cyc
                                .iter()
                                .map(|i| decisions.list[*i].name.as_str())
                                .collect();
                            diags.push(
                                Diagnostic::error(
                                    Code::Cycle,
                                    format!("decisions depend on each other in a cycle: {}", names.join(" → ")),
                                )
                                .at(span)
                                .with_label(format!("`{}` is read here", decisions.list[next].name))
                                .with_help("a decision may read decisions declared anywhere, but never itself through others"),
                            );
                        }
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
                path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ir::{InSet, IrKind};
    use super::*;

    #[test]
    fn the_ir_resolves_names_to_indices() {
        let parsed = {
            let mut p = with_prelude();
            p.add_source(
                "t.rules",
                r#"codes fault "f" { attributes { system: enum { engine, body } }
                     P0300..P0312 "m" { system: engine } }
                   decision d { output tier: int = 0
                     rule a priority 3 when product.owner == fleet and claim.fault in P0301..P0303
                       then tier = 1
                     rule b when claim.fault.system == body then tier = 2 }
                   decision e { output x: int = 0 rule r when d.tier > 0 then x = 1 }"#,
            );
            p
        };
        let (checked, diags) = check_full(&parsed);
        assert!(diags.is_empty(), "{diags:?}");
        let di = checked.names.iter().position(|n| n == "d").unwrap();
        let d = checked.decisions[di].as_ref().unwrap();
        assert_eq!(d.outputs[0].default, Some(Value::Int(0)));
        assert_eq!(d.rules[0].priority, 3);
        let IrKind::And(parts) = &d.rules[0].when.kind else {
            panic!("and")
        };
        // product.owner == fleet: field index of `owner`, variant index of `fleet`
        let IrKind::Cmp { lhs, rhs, .. } = &parts[0].kind else {
            panic!("cmp")
        };
        let product = checked.env.schema_id("product").unwrap();
        let owner = checked.env.schema(product).field_index("owner").unwrap() as u16;
        assert!(
            matches!(&lhs.kind, IrKind::Field { root, fields } if *root == product && fields[..] == [owner])
        );
        assert!(matches!(rhs.kind, IrKind::Const(Value::Enum(2))));
        // a code range resolves to the declared codes in it
        let IrKind::In {
            set: InSet::Codes(ids),
            ..
        } = &parts[1].kind
        else {
            panic!("in")
        };
        let fault = checked.env.table_id("fault").unwrap();
        let texts: Vec<&str> = ids
            .iter()
            .map(|i| checked.env.table(fault).codes[*i as usize].code.as_str())
            .collect();
        assert_eq!(texts, ["P0301", "P0302", "P0303"]);
        // claim.fault.system: an attribute of the code
        let IrKind::Cmp { lhs, .. } = &d.rules[1].when.kind else {
            panic!("cmp")
        };
        assert!(matches!(&lhs.kind, IrKind::Attr { table, attr: 0, .. } if *table == fault));
        // e reads d's output 0
        let ei = checked.names.iter().position(|n| n == "e").unwrap();
        let e = checked.decisions[ei].as_ref().unwrap();
        let IrKind::Cmp { lhs, .. } = &e.rules[0].when.kind else {
            panic!("cmp")
        };
        assert!(
            matches!(lhs.kind, IrKind::Output { decision, output: 0 } if decision as usize == di)
        );
    }
}
