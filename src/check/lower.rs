//! Lowering of the domain items (LANGUAGE.md §5.3–§5.9) to the decisions they stand for,
//! typed as they are lowered:
//! - items that are rules tried in order with fixed outputs become a plain
//!   [`ir::CheckedDecision`]: `returns` → `return_authorization`, `disposition`, the
//!   `segment`s → `segment`, and the routes → `routing`;
//! - the others become an [`ir::ItemDecision`]: warranties → `coverage`, splits →
//!   `recovery`, recalls → `recalls`, reports → `reports`, opportunities →
//!   `opportunities`.
//!
//! A decision is lowered only when every item of it checked; otherwise its errors are
//! reported and the rule set does not load.

use super::expr::{guards_when_true, Guards};
use super::ir::{self, Ir, IrKind};
use super::{suggest_help, DecisionSig, ItemChecker};
use crate::diag::{Code, Diagnostic, Span};
use crate::dsl::ast::{self, Expr, ExprKind, HitPolicy, Literal, Then};
use crate::types::{DurationKind, Env, Field, Schema, Type};
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The reasons a policy does not cover a claim, in the order they are tried (§5.3).
pub(crate) const REASONS: [&str; 5] = [
    "not_eligible",
    "not_covered",
    "excluded",
    "expired_time",
    "expired_distance",
];

/// A record type for a structured output of a lowered decision (`coverage.reason`,
/// `recovery.allocation`, `coverage.pays`). Its dotted name is no root of the facts.
pub(crate) fn record(env: &mut Env, name: &str, fields: &[(&str, Type)]) -> Type {
    let mut s = Schema::new(name, false, None);
    for (f, ty) in fields {
        let _ = s.add_field(Field {
            name: f.to_string(),
            ty: ty.clone(),
            optional: false,
            span: None,
        });
    }
    Type::Record(env.add_schema(s))
}

/// The kind of a service-level output of `segment`: business time when every segment
/// that gives it writes business time (`resolve 1 business day`), else exact.
pub(crate) fn sla_kind<'e>(values: impl Iterator<Item = &'e Expr>) -> DurationKind {
    let mut any = false;
    for e in values {
        any = true;
        if !matches!(
            &e.kind,
            ExprKind::Literal(Literal::Quantity {
                unit: ast::Unit::BusinessDay | ast::Unit::BusinessHour,
                ..
            })
        ) {
            return DurationKind::Exact;
        }
    }
    if any {
        DurationKind::Business
    } else {
        DurationKind::Exact
    }
}

/// What the items of each lowered decision have given so far.
#[derive(Debug, Default)]
pub(super) struct Lowering {
    warranties: Vec<ir::CheckedWarranty>,
    splits: Vec<ir::CheckedSplit>,
    recalls: Vec<ir::CheckedRecall>,
    reports: Vec<ir::CheckedReport>,
    opportunities: Vec<ir::CheckedOpportunity>,
    segments: Vec<ir::CheckedRule>,
    segment_otherwise: Option<(Vec<(u16, Ir)>, Span)>,
    /// The routes, in declaration order.
    pub(super) routes: Vec<String>,
    /// The queues, in declaration order.
    pub(super) queues: Vec<ir::QueueDef>,
    /// Each channel with a calendar, and its calendar.
    pub(super) channels: Vec<(String, u32)>,
    /// Each channel item: its name, the segments (variants of `segment.name`) it lists,
    /// and whether it lists any.
    pub(super) channel_segments: Vec<(String, Vec<u32>, bool)>,
    /// Items seen of each decision (an item's enum variant is the count before it).
    seen: HashMap<&'static str, u32>,
    /// Decisions with an item that did not check.
    failed: HashSet<&'static str>,
    /// The lowered decisions that at least one item of the rule set lowers to. A user
    /// `decision` with one of those names and no such item is the user's decision, never
    /// replaced by an empty lowered one (where both exist, `names` reports E0101).
    pub(super) from_items: HashSet<&'static str>,
}

impl Lowering {
    fn next(&mut self, decision: &'static str) -> u32 {
        let n = self.seen.entry(decision).or_insert(0);
        *n += 1;
        *n - 1
    }
}

fn konst(v: Value, ty: Type, span: Span) -> Ir {
    Ir {
        kind: IrKind::Const(v),
        ty,
        span,
    }
}

/// `root.field` as IR, at `span`.
fn field(env: &Env, root: &str, name: &str, span: Span) -> Option<Ir> {
    let sid = env.schema_id(root)?;
    let schema = env.schema(sid);
    let fi = schema.field_index(name)?;
    Some(Ir {
        kind: IrKind::Field {
            root: sid,
            fields: Box::new([fi as u16]),
        },
        ty: schema.fields[fi].ty.clone(),
        span,
    })
}

fn claim_fields(env: &Env, span: Span) -> Option<ir::ClaimFields> {
    let f = |name| field(env, "claim", name, span);
    Some(ir::ClaimFields {
        failure_date: f("failure_date")?,
        repair_date: f("repair_date")?,
        odometer: f("odometer")?,
        costs: [f("parts")?, f("labor")?, f("handling")?, f("sublet")?],
    })
}

/// Keep `x`, noting a failure when it is `None`.
fn keep<T>(ok: &mut bool, x: Option<T>) -> Option<T> {
    *ok &= x.is_some();
    x
}

impl ItemChecker<'_> {
    /// `warranty NAME { ... }`, a policy of `coverage`.
    pub(super) fn warranty(&mut self, w: &ast::WarrantyDecl) {
        const D: &str = "coverage";
        let variant = self.lowering.next(D);
        let mut ok = true;
        // the tests run in order and stop at the first that fails: what `when` and
        // `covers` establish holds in the clauses after them
        let mut g = Guards::default();
        let when = match &w.when {
            Some(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            None => None,
        };
        if let Some(e) = &w.when {
            guards_when_true(e, &mut g);
        }
        let covers = match &w.covers {
            Some(ast::Covers::Expr(e)) => {
                let ir = keep(&mut ok, self.bool_expr(D, e, &g));
                guards_when_true(e, &mut g);
                ir
            }
            Some(ast::Covers::All(_)) => None,
            None => {
                ok = false;
                None
            }
        };
        let term = match &w.term {
            Some(t) => keep(&mut ok, self.term(t, &g)),
            None => {
                ok = false; // reported by the parser
                None
            }
        };
        let excludes = match &w.excludes {
            Some(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            None => None,
        };
        let deductible = match &w.deductible {
            Some(e) => keep(&mut ok, self.typed(D, e, &Type::Money, &g, "`deductible`")),
            None => None,
        };
        let claim_type = match &w.claim_type {
            Some(e) => keep(&mut ok, self.code_clause(D, e, "claim_type")),
            None => None,
        };
        let mut totals = HashMap::new();
        let pays = keep(&mut ok, self.shares(D, &w.pays, Decimal::ONE, &mut totals));
        match (ok, term, pays) {
            (true, Some(term), Some(pays)) => self.lowering.warranties.push(ir::CheckedWarranty {
                id: w.name.name.clone(),
                variant,
                span: w.name.span,
                when,
                covers,
                excludes,
                term,
                deductible,
                claim_type,
                pays,
            }),
            _ => {
                self.lowering.failed.insert(D);
            }
        }
    }

    fn term(&mut self, t: &ast::Term, g: &Guards) -> Option<ir::CheckedTerm> {
        const D: &str = "coverage";
        let mut ok = true;
        let duration = self.with(Some(D), |c| c.check(&t.duration, None, g));
        let duration = match duration {
            Some(ir) => match ir.ty {
                Type::Duration(DurationKind::Calendar | DurationKind::Exact) => {
                    self.positive(&t.duration, "the time term");
                    Some(ir)
                }
                ref other => {
                    let msg = format!(
                        "a term is a duration such as `36 months` or `90 days`, found {}",
                        other.display(self.env)
                    );
                    self.diags
                        .push(Diagnostic::error(Code::TypeMismatch, msg).at(t.duration.span));
                    None
                }
            },
            None => None,
        };
        let duration = keep(&mut ok, duration);
        let distance = match &t.distance {
            Some(x) => {
                let ir = self.typed(D, x, &Type::Distance, g, "the distance term");
                if ir.is_some() {
                    self.positive(x, "the distance term");
                }
                keep(&mut ok, ir)
            }
            None => None,
        };
        // the start may be an optional date: where it is absent, evaluation names it
        let (from, from_path) = match &t.from {
            Some(p) => {
                let ir = self.with(Some(D), |c| c.lenient_path(p));
                let ir = match ir {
                    Some(ir) if ir.ty == Type::Date => Some(ir),
                    Some(ir) => {
                        let msg =
                            format!("`from` expects a date, found {}", ir.ty.display(self.env));
                        self.diags
                            .push(Diagnostic::error(Code::TypeMismatch, msg).at(p.span));
                        None
                    }
                    None => None,
                };
                (keep(&mut ok, ir), p.dotted())
            }
            None => (
                field(self.env, "product", "in_service_date", t.span),
                "product.in_service_date".to_string(),
            ),
        };
        Some(ir::CheckedTerm {
            duration: duration?,
            distance,
            from: from?,
            from_path,
            span: t.span,
        })
        .filter(|_| ok)
    }

    /// Shares of cost components: each a constant percentage from 0% to 100%, a component
    /// named once; `default` for the components not named. `totals` adds up each
    /// component's shares across a split's parties.
    fn shares(
        &mut self,
        owner: &str,
        shares: &[ast::Share],
        default: Decimal,
        totals: &mut HashMap<String, (Decimal, Span)>,
    ) -> Option<ir::Shares> {
        let g = Guards::default();
        let mut out = [default; 4];
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut ok = true;
        for s in shares {
            let Some(ci) = ir::COMPONENTS.iter().position(|c| *c == s.component.name) else {
                ok = false; // reported by the parser
                continue;
            };
            if let Some(first) = seen.insert(&s.component.name, s.component.span) {
                self.diags.push(
                    Diagnostic::error(
                        Code::RepeatedClause,
                        format!("the share of `{}` is given twice", s.component.name),
                    )
                    .at(s.component.span)
                    .with_label("given again here")
                    .with_related(first, "first given here"),
                );
                ok = false;
            }
            let Some(ir) = self.typed(owner, &s.value, &Type::Percent, &g, "a share") else {
                ok = false;
                continue;
            };
            let IrKind::Const(Value::Percent(p)) = ir.kind else {
                self.diags.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!(
                            "the share of `{}` must be a percentage such as `70%`",
                            s.component.name
                        ),
                    )
                    .at(s.value.span)
                    .with_help("shares are fixed in the rules, so that they can be checked to add up to 100% at most"),
                );
                ok = false;
                continue;
            };
            if p < Decimal::ZERO || p > Decimal::ONE {
                self.diags.push(
                    Diagnostic::error(
                        Code::SplitOver100,
                        format!(
                            "a share of `{}` must be between 0% and 100%",
                            s.component.name
                        ),
                    )
                    .at(s.value.span),
                );
                ok = false;
            }
            out[ci] = p;
            let e = totals
                .entry(s.component.name.clone())
                .or_insert((Decimal::ZERO, s.span));
            e.0 += p;
            e.1 = s.span;
        }
        ok.then_some(out)
    }

    /// `split NAME { ... }`, a split of `recovery`.
    pub(super) fn split(&mut self, s: &ast::SplitDecl) {
        const D: &str = "recovery";
        let g = Guards::default();
        let variant = self.lowering.next(D);
        let mut ok = true;
        let when = match &s.when {
            Some(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            None => None,
        };
        // what `when` establishes holds in the caps
        let mut g = g;
        if let Some(e) = &s.when {
            guards_when_true(e, &mut g);
        }
        let mut totals: HashMap<String, (Decimal, Span)> = HashMap::new();
        let mut parties = Vec::with_capacity(s.parties.len());
        for p in &s.parties {
            let shares = self.shares(D, &p.shares, Decimal::ZERO, &mut totals);
            let cap = match &p.cap {
                Some(cap) => keep(&mut ok, self.typed(D, cap, &Type::Money, &g, "`cap`")),
                None => None,
            };
            if let Some(shares) = keep(&mut ok, shares) {
                parties.push(ir::CheckedParty {
                    name: p.name.name.clone(),
                    shares,
                    cap,
                    span: p.span,
                });
            }
        }
        let mut over: Vec<_> = totals
            .into_iter()
            .filter(|(_, (t, _))| *t > Decimal::ONE)
            .collect();
        over.sort_by_key(|(_, (_, span))| (span.start, span.end));
        for (comp, (total, span)) in over {
            ok = false;
            self.diags.push(
                Diagnostic::error(
                    Code::SplitOver100,
                    format!(
                        "the parties of split `{}` pay {}% of `{comp}` together",
                        s.name.name,
                        (total * Decimal::ONE_HUNDRED).normalize()
                    ),
                )
                .at(span)
                .with_help("shares of one component may add up to 100% at most; the remainder party pays the rest"),
            );
        }
        match (&s.remainder, ok) {
            (Some(r), true) => self.lowering.splits.push(ir::CheckedSplit {
                id: s.name.name.clone(),
                variant,
                span: s.name.span,
                when,
                parties,
                remainder: r.name.clone(),
            }),
            _ => {
                self.lowering.failed.insert(D);
            }
        }
    }

    /// `recall ID { ... }`, a recall of `recalls`.
    pub(super) fn recall(&mut self, r: &ast::RecallDecl) {
        const D: &str = "recalls";
        let g = Guards::default();
        let mut ok = true;
        let affects = match &r.affects {
            Some(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            None => None,
        };
        if let Some(e) = &r.labor_op {
            keep(&mut ok, self.code_clause(D, e, "labor_op"));
        }
        if let Some(e) = &r.claim_type {
            keep(&mut ok, self.code_clause(D, e, "claim_type"));
        }
        if let Some(e) = &r.announced {
            keep(&mut ok, self.typed(D, e, &Type::Date, &g, "`announced`"));
        }
        if ok {
            self.lowering.recalls.push(ir::CheckedRecall {
                id: r.id.name.clone(),
                span: r.id.span,
                affects,
            });
        } else {
            self.lowering.failed.insert(D);
        }
    }

    /// `report NAME { ... }`, a report of `reports`.
    pub(super) fn report(&mut self, r: &ast::ReportDecl) {
        const D: &str = "reports";
        let g = Guards::default();
        let mut ok = true;
        let when = match &r.when {
            Some(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            None => None,
        };
        let mut g = g;
        if let Some(e) = &r.when {
            guards_when_true(e, &mut g);
        }
        let calendar = match &r.calendar {
            Some(c) => keep(&mut ok, self.calendar_ref(c)),
            None => None,
        };
        if let (Some(span), None) = (r.roll_forward, &r.calendar) {
            self.diags.push(
                Diagnostic::error(
                    Code::MissingClause,
                    format!(
                        "report `{}` rolls forward, and has no `calendar` to roll on",
                        r.name.name
                    ),
                )
                .at(span)
                .with_help("name the calendar whose business days count: `calendar us_federal`"),
            );
            ok = false;
        }
        let due = match &r.due {
            Some(due) => match &due.after {
                Some(after) if due.immediately => {
                    keep(&mut ok, self.date_or_instant(D, after, &g, "`after`"))
                        .map(ir::CheckedDue::Immediately)
                }
                Some(after) => {
                    let offset = keep(&mut ok, self.sla_or_calendar(D, &due.offset, &g));
                    let after = keep(&mut ok, self.date_or_instant(D, after, &g, "`after`"));
                    match (offset, after) {
                        (Some(offset), Some(after)) => {
                            let instant = after.ty == Type::DateTime
                                || matches!(
                                    &offset.kind,
                                    IrKind::Const(Value::Duration(
                                        crate::value::Duration::BusinessHours(_)
                                            | crate::value::Duration::Exact(
                                                _,
                                                crate::value::TimeUnit::Hour
                                                    | crate::value::TimeUnit::Minute
                                                    | crate::value::TimeUnit::Second,
                                            ),
                                    ))
                                );
                            Some(ir::CheckedDue::After {
                                offset,
                                after,
                                calendar,
                                instant,
                            })
                        }
                        _ => None,
                    }
                }
                None => keep(
                    &mut ok,
                    self.date_or_instant(D, &due.offset, &g, "`due` without `after`"),
                )
                .map(ir::CheckedDue::On),
            },
            None => None,
        };
        if ok {
            self.lowering.reports.push(ir::CheckedReport {
                id: r.name.name.clone(),
                span: r.name.span,
                when,
                due,
                title: r
                    .title
                    .as_ref()
                    .map_or_else(|| r.name.name.clone(), |t| t.value.clone()),
                calendar: r.calendar.as_ref().map(|c| c.name.clone()),
                roll: calendar.filter(|_| r.roll_forward.is_some()),
            });
        } else {
            self.lowering.failed.insert(D);
        }
    }

    /// A date or a date-time (what a deadline counts from).
    fn date_or_instant(&mut self, owner: &str, e: &Expr, g: &Guards, what: &str) -> Option<Ir> {
        self.of_kind(
            owner,
            e,
            g,
            |t| matches!(t, Type::Date | Type::DateTime),
            |found| format!("{what} is a date or a date-time, found {found}"),
        )
    }

    /// A report's delay: exact, calendar or business time.
    fn sla_or_calendar(&mut self, owner: &str, e: &Expr, g: &Guards) -> Option<Ir> {
        self.of_kind(
            owner,
            e,
            g,
            |t| matches!(t, Type::Duration(_)),
            |found| {
                format!("expected a duration such as `5 business days` or `30 days`, found {found}")
            },
        )
    }

    /// `e` checked, when its type is one `fits` accepts; else `E0206` with `message` of the
    /// type found.
    fn of_kind(
        &mut self,
        owner: &str,
        e: &Expr,
        g: &Guards,
        fits: impl Fn(&Type) -> bool,
        message: impl FnOnce(String) -> String,
    ) -> Option<Ir> {
        let ir = self.with(Some(owner), |c| c.check(e, None, g))?;
        if !fits(&ir.ty) {
            let msg = message(ir.ty.display(self.env).to_string());
            self.diags
                .push(Diagnostic::error(Code::TypeMismatch, msg).at(e.span));
            return None;
        }
        Some(ir)
    }

    /// `opportunity NAME { ... }`, an opportunity of `opportunities`.
    pub(super) fn opportunity(&mut self, o: &ast::OpportunityDecl) {
        const D: &str = "opportunities";
        let g = Guards::default();
        let mut ok = true;
        let when = match &o.when {
            Some(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            None => None,
        };
        let mut g = g;
        if let Some(e) = &o.when {
            guards_when_true(e, &mut g);
        }
        let value = match &o.value {
            Some(v) => keep(&mut ok, self.typed(D, v, &Type::Money, &g, "`value`")),
            None => None,
        };
        if ok {
            self.lowering.opportunities.push(ir::CheckedOpportunity {
                id: o.name.name.clone(),
                span: o.name.span,
                when,
                team: o.team.as_ref().map(|t| t.name.clone()),
                value,
            });
        } else {
            self.lowering.failed.insert(D);
        }
    }

    /// `segment NAME when … { … }`: a rule of `segment` (or its `otherwise`).
    pub(super) fn segment(&mut self, s: &ast::SegmentDecl) {
        const D: &str = "segment";
        let g = Guards::default();
        let variant = self.lowering.next(D);
        let Some(di) = self.decisions.index(D) else {
            return;
        };
        let sig = self.decisions.get(di).clone();
        let mut ok = true;
        let when = match &s.when {
            ast::SegmentWhen::When(e) => keep(&mut ok, self.bool_expr(D, e, &g)),
            ast::SegmentWhen::Always => Some(konst(Value::Bool(true), Type::Bool, s.name.span)),
            ast::SegmentWhen::Otherwise(_) => None,
        };
        let mut g = g;
        if let ast::SegmentWhen::When(e) = &s.when {
            guards_when_true(e, &mut g);
        }
        let mut then = Vec::new();
        let mut set = |name: &str, ir: Ir| {
            if let Some(oi) = sig.outputs.iter().position(|o| o.name == name) {
                then.push((oi as u16, ir));
            }
        };
        if let Some(name_ty) = sig.outputs.first().map(|o| o.ty.clone()) {
            set("name", konst(Value::Enum(variant), name_ty, s.name.span));
        }
        for (name, e) in [
            ("first_response", &s.first_response),
            ("resolve", &s.resolve),
            ("escalate_after", &s.escalate_after),
            ("next_reply", &s.next_reply),
        ] {
            if let Some(e) = e {
                match self.sla(D, e, &g) {
                    Some(ir) => set(name, ir),
                    None => ok = false,
                }
            }
        }
        if !s.channels.is_empty() {
            let ty = sig
                .outputs
                .iter()
                .find(|o| o.name == "channels")
                .map(|o| o.ty.clone());
            if let Some(Type::Set(inner)) = ty {
                if let Type::Enum(id) = inner.as_ref() {
                    let def = self.env.enum_def(*id);
                    let values: Vec<Value> = s
                        .channels
                        .iter()
                        .filter_map(|c| def.variant(&c.name).map(Value::Enum))
                        .collect();
                    let span = s.channels[0].span.to(s.channels[s.channels.len() - 1].span);
                    set(
                        "channels",
                        konst(Value::Set(values.into()), Type::Set(inner), span),
                    );
                }
            }
        }
        if let Some(c) = &s.calendar {
            set(
                "calendar",
                konst(
                    Value::Label(Arc::from(c.name.as_str())),
                    Type::Label,
                    c.span,
                ),
            );
        }
        if !ok {
            self.lowering.failed.insert(D);
            return;
        }
        match (when, &s.when) {
            (Some(when), _) => self.lowering.segments.push(ir::CheckedRule {
                id: s.name.name.clone(),
                span: s.span,
                priority: 0,
                effective: None,
                when,
                then,
            }),
            (None, ast::SegmentWhen::Otherwise(span)) => match &self.lowering.segment_otherwise {
                Some((_, first)) => {
                    let first = *first;
                    self.diags.push(
                        Diagnostic::error(
                            Code::RepeatedClause,
                            format!("segment `{}` is a second `otherwise` segment", s.name.name),
                        )
                        .at(*span)
                        .with_label("given again here")
                        .with_related(first, "the first `otherwise` segment")
                        .with_help("one segment is the fallback; give the others a `when`"),
                    );
                    self.lowering.failed.insert(D);
                }
                None => self.lowering.segment_otherwise = Some((then, *span)),
            },
            (None, _) => {
                self.lowering.failed.insert(D);
            }
        }
    }

    /// `returns { … }` → `return_authorization`, `disposition { … }` → `disposition`.
    pub(super) fn returns(&mut self, r: &ast::RulesDecl, owner: &'static str) {
        let Some(di) = self.decisions.index(owner) else {
            return;
        };
        let sig = self.decisions.get(di).clone();
        if sig.span != r.span {
            return; // a second block, reported as a duplicate
        }
        let reason = field(self.env, "return", "reason", r.name.span);
        let mut ok = true;
        let mut rules = Vec::with_capacity(r.rules.len());
        for rule in &r.rules {
            let (head, _) = self.rule_head(owner, rule);
            let then = self.action(owner, &rule.then, &sig, reason.as_ref());
            match (head, then) {
                (Some(mut head), Some(then)) => {
                    head.then = then;
                    rules.push(head);
                }
                _ => ok = false,
            }
        }
        let otherwise = match &r.otherwise {
            Some(o) => keep(&mut ok, self.action(owner, &o.then, &sig, reason.as_ref())),
            None => None,
        };
        if ok {
            self.checked[di] = Some(ir::CheckedDecision {
                name: owner.to_string(),
                span: sig.span,
                hit: HitPolicy::First,
                outputs: plain_outputs(&sig),
                rules,
                otherwise,
            });
            let at = |name: &str| {
                sig.outputs
                    .iter()
                    .position(|o| o.name == name)
                    .map(|k| k as u16)
            };
            if let (Some(remedy), Some(restocking), Some(refund), Some(fee)) = (
                at("remedy"),
                at("restocking"),
                at("refund"),
                at("restocking_fee"),
            ) {
                self.items[di] = Some(ir::ItemDecision {
                    name: owner.to_string(),
                    span: sig.span,
                    outputs: plain_outputs(&sig),
                    kind: ir::ItemKind::Refund(ir::RefundOutputs {
                        value: field(self.env, "return", "value", sig.span)
                            .filter(|v| v.ty == Type::Money),
                        remedy,
                        restocking,
                        refund,
                        fee,
                    }),
                });
            }
        }
    }

    /// The assignments a `returns` or `disposition` action stands for.
    fn action(
        &mut self,
        owner: &str,
        then: &Then,
        sig: &DecisionSig,
        reason: Option<&Ir>,
    ) -> Option<Vec<(u16, Ir)>> {
        let Then::Action(a) = then else {
            return None; // reported by the parser
        };
        let g = Guards::default();
        let env = self.env;
        let mut out = Vec::new();
        let index = |name: &str| sig.outputs.iter().position(|o| o.name == name);
        let variant = |name: &str, value: &str| -> Option<(u16, Ir)> {
            let oi = index(name)?;
            let ty = sig.outputs[oi].ty.clone();
            let Type::Enum(id) = ty else { return None };
            let v = env.enum_def(id).variant(value)?;
            Some((oi as u16, konst(Value::Enum(v), ty, a.verb.span)))
        };
        let verb = a.verb.name.as_str();
        match verb {
            "authorize" | "deny" => {
                out.push(variant("decision", verb)?);
                if verb == "authorize" {
                    let remedy = a.args.first().and_then(|e| match &e.kind {
                        ExprKind::Path(p) if p.segments.len() == 1 => {
                            Some(p.segments[0].name.as_str())
                        }
                        _ => None,
                    })?;
                    let (oi, mut ir) = variant("remedy", remedy)?;
                    ir.span = a.args[0].span;
                    out.push((oi, ir));
                    let restocking = match a.args.get(2) {
                        Some(e) => self.typed(owner, e, &Type::Percent, &g, "`restocking`")?,
                        None => konst(Value::Percent(Decimal::ZERO), Type::Percent, a.span),
                    };
                    out.push((index("restocking")? as u16, restocking));
                } else if let Some(e) = a.args.first() {
                    if let ExprKind::Literal(Literal::Text(_)) = &e.kind {
                        let ir = self.typed(owner, e, &Type::Text, &g, "the reason")?;
                        out.push((index("reason")? as u16, ir));
                    }
                }
            }
            disposition => out.push(variant("disposition", disposition)?),
        }
        if let (Some(reason), Some(oi)) = (reason, index("return_reason")) {
            let mut ir = reason.clone();
            ir.span = a.span;
            out.push((oi as u16, ir));
        }
        Some(out)
    }

    /// `routing`: `route complaint` when `contact.kind` is `complaint`, `route inquiry`
    /// when it is `inquiry`; each output is the chosen route's.
    fn routing(&mut self, routes: &[String]) -> Option<ir::CheckedDecision> {
        let di = self.decisions.index("routing")?;
        let sig = self.decisions.get(di).clone();
        let kind = field(self.env, "contact", "kind", sig.span)?;
        let Type::Enum(kinds) = kind.ty else {
            return None;
        };
        let mut rules = Vec::new();
        for (v, name) in self.env.enum_def(kinds).variants.iter().enumerate() {
            let Some(ri) = self.decisions.index(name).filter(|_| routes.contains(name)) else {
                continue;
            };
            let route = self.decisions.get(ri);
            let span = route.span;
            self.reads[di].push((ri, span));
            let when = Ir {
                kind: IrKind::Cmp {
                    op: ast::CmpOp::Eq,
                    lhs: Box::new(Ir {
                        span,
                        ..kind.clone()
                    }),
                    rhs: Box::new(konst(Value::Enum(v as u32), kind.ty.clone(), span)),
                },
                ty: Type::Bool,
                span,
            };
            let then = route
                .outputs
                .iter()
                .enumerate()
                .map(|(oi, o)| {
                    let read = IrKind::Output {
                        decision: ri as u32,
                        output: oi as u16,
                    };
                    (
                        oi as u16,
                        Ir {
                            kind: read,
                            ty: o.ty.clone(),
                            span,
                        },
                    )
                })
                .collect();
            rules.push(ir::CheckedRule {
                id: name.clone(),
                span,
                priority: 0,
                effective: None,
                when,
                then,
            });
        }
        Some(ir::CheckedDecision {
            name: "routing".into(),
            span: sig.span,
            hit: HitPolicy::First,
            outputs: plain_outputs(&sig),
            rules,
            otherwise: None,
        })
    }

    /// Assemble the lowered decisions once every item has been checked.
    pub(super) fn finish_lowering(&mut self) {
        let lowering = std::mem::take(&mut self.lowering);
        let failed = |d: &str| lowering.failed.contains(d);
        let lowered = |d: &str| lowering.from_items.contains(d);
        let item = |this: &mut Self, name: &'static str, kind: ir::ItemKind| {
            if !lowered(name) {
                return;
            }
            let Some(di) = this.decisions.index(name) else {
                return;
            };
            if failed(name) {
                return;
            }
            let sig = this.decisions.get(di);
            this.items[di] = Some(ir::ItemDecision {
                name: name.to_string(),
                span: sig.span,
                outputs: plain_outputs(sig),
                kind,
            });
        };
        if let Some(di) = self.decisions.index("coverage") {
            if let Some(claim) = claim_fields(self.env, self.decisions.get(di).span) {
                let policies = lowering.warranties.clone();
                item(
                    self,
                    "coverage",
                    ir::ItemKind::Coverage(ir::Coverage { policies, claim }),
                );
            }
        }
        if let Some(di) = self.decisions.index("recovery") {
            if let Some(claim) = claim_fields(self.env, self.decisions.get(di).span) {
                // `split default` is the fallback, tried after every other split
                let (mut splits, default): (Vec<_>, Vec<_>) = lowering
                    .splits
                    .iter()
                    .cloned()
                    .partition(|s| s.id != "default");
                splits.extend(default);
                item(
                    self,
                    "recovery",
                    ir::ItemKind::Recovery(ir::Recovery {
                        splits,
                        costs: claim.costs,
                    }),
                );
            }
        }
        item(
            self,
            "recalls",
            ir::ItemKind::Recalls(lowering.recalls.clone()),
        );
        item(
            self,
            "reports",
            ir::ItemKind::Reports(lowering.reports.clone()),
        );
        item(
            self,
            "opportunities",
            ir::ItemKind::Opportunities(lowering.opportunities.clone()),
        );
        if let Some(di) = self
            .decisions
            .index("segment")
            .filter(|_| lowered("segment"))
        {
            if !failed("segment") {
                let sig = self.decisions.get(di);
                let (otherwise, _) = lowering
                    .segment_otherwise
                    .clone()
                    .map_or((None, None), |(t, s)| (Some(t), Some(s)));
                self.checked[di] = Some(ir::CheckedDecision {
                    name: "segment".into(),
                    span: sig.span,
                    hit: HitPolicy::First,
                    outputs: plain_outputs(sig),
                    rules: lowering.segments.clone(),
                    otherwise,
                });
                if let Some(channels) = self.segment_channels(&lowering, di) {
                    self.items[di] = Some(ir::ItemDecision {
                        name: "segment".into(),
                        span: sig.span,
                        outputs: plain_outputs(sig),
                        kind: ir::ItemKind::Segment(channels),
                    });
                }
            }
        }
        for name in &lowering.routes {
            let Some(di) = self.decisions.index(name) else {
                continue;
            };
            if self.checked[di].is_none() {
                continue; // its rules did not check
            }
            let sig = self.decisions.get(di);
            if let Some(sla) = self.route_sla(&lowering, sig.span) {
                self.items[di] = Some(ir::ItemDecision {
                    name: name.clone(),
                    span: sig.span,
                    outputs: plain_outputs(sig),
                    kind: ir::ItemKind::Route(sla),
                });
                if let Some(si) = self.decisions.index("segment") {
                    self.reads[di].push((si, sig.span));
                }
            }
        }
        if lowering.routes.is_empty() {
            return;
        }
        if let Some(routing) = self.routing(&lowering.routes) {
            if let Some(di) = self.decisions.index("routing") {
                self.checked[di] = Some(routing);
            }
        }
    }

    /// What completes the outputs of `segment` (decision `di`): `channel_allowed`, when
    /// the decision has that output.
    fn segment_channels(&self, lowering: &Lowering, di: usize) -> Option<ir::SegmentChannels> {
        let sig = self.decisions.get(di);
        let at = |name: &str| sig.outputs.iter().position(|o| o.name == name);
        let allowed_output = at("channel_allowed")? as u16;
        let channels_output = at("channels")? as u16;
        let channel = field(self.env, "contact", "channel", sig.span)
            .filter(|ir| matches!(ir.ty, Type::Enum(_)));
        let offered_to = match channel.as_ref().map(|c| &c.ty) {
            Some(Type::Enum(id)) => self
                .env
                .enum_def(*id)
                .variants
                .iter()
                .map(|v| {
                    lowering
                        .channel_segments
                        .iter()
                        .find(|(c, _, listed)| c == v && *listed)
                        .map(|(_, segments, _)| segments.clone())
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(ir::SegmentChannels {
            channel,
            channels_output,
            allowed_output,
            offered_to,
        })
    }

    /// What completes the outputs of a route.
    fn route_sla(&self, lowering: &Lowering, span: Span) -> Option<ir::RouteSla> {
        let received_at = field(self.env, "contact", "received_at", span)?;
        let channel = field(self.env, "contact", "channel", span)?;
        let segment = self.decisions.index("segment").map(|si| {
            let sig = self.decisions.get(si);
            let read = |name: &str| {
                let oi = sig.outputs.iter().position(|o| o.name == name).unwrap_or(0);
                Ir {
                    kind: IrKind::Output {
                        decision: si as u32,
                        output: oi as u16,
                    },
                    ty: sig.outputs[oi].ty.clone(),
                    span,
                }
            };
            ir::SegmentOutputs {
                first_response: read("first_response"),
                resolve: read("resolve"),
                escalate_after: read("escalate_after"),
                calendar: read("calendar"),
                channel_allowed: sig
                    .outputs
                    .iter()
                    .any(|o| o.name == "channel_allowed")
                    .then(|| read("channel_allowed")),
            }
        });
        let channel_calendars = match &channel.ty {
            Type::Enum(id) => self
                .env
                .enum_def(*id)
                .variants
                .iter()
                .map(|v| {
                    lowering
                        .channels
                        .iter()
                        .find(|(c, _)| c == v)
                        .map(|(_, k)| *k)
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(ir::RouteSla {
            received_at,
            channel,
            segment,
            queues: lowering.queues.clone(),
            channel_calendars,
        })
    }

    /// A calendar by name, reported when unknown; its index.
    pub(super) fn calendar_ref(&mut self, name: &ast::Ident) -> Option<u32> {
        match self
            .decisions
            .calendars
            .iter()
            .position(|c| *c == name.name)
        {
            Some(i) => Some(i as u32),
            None => {
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!("unknown calendar `{}`", name.name),
                    )
                    .at(name.span)
                    .with_help(suggest_help(
                        &name.name,
                        self.decisions.calendars.iter(),
                        "calendars",
                    )),
                );
                None
            }
        }
    }
}

/// The outputs of a lowered decision, without defaults.
fn plain_outputs(sig: &DecisionSig) -> Vec<ir::OutputDef> {
    sig.outputs
        .iter()
        .map(|o| ir::OutputDef {
            name: o.name.clone(),
            ty: o.ty.clone(),
            default: None,
        })
        .collect()
}

/// The first and last years a calendar has business time for (LANGUAGE.md §5.10); its
/// holiday rules are expanded over them (and the years either side, whose observed days
/// can fall in them).
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The calendars of the rule set, in declaration order (a name declared twice is an
/// error reported elsewhere; the first declaration is kept). `extends C` takes C's holiday
/// rules, and its zone and hours where the calendar gives none; an unknown or circular
/// `extends` (reported by the checker) takes nothing.
pub(super) fn calendars(files: &[ast::RuleFile]) -> Vec<ir::CheckedCalendar> {
    let decls: Vec<&ast::CalendarDecl> = files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|i| match i {
            ast::Item::Calendar(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut out: Vec<ir::CheckedCalendar> = Vec::new();
    for c in &decls {
        if out.iter().any(|o| o.name == c.name.name) {
            continue;
        }
        // the chain of `extends`, this calendar first, stopping at a repeat
        let mut chain: Vec<&ast::CalendarDecl> = vec![c];
        while let Some(base) = chain
            .last()
            .and_then(|x| x.extends.as_ref())
            .and_then(|b| decls.iter().find(|d| d.name.name == b.name))
        {
            if chain.iter().any(|x| x.name.name == base.name.name) {
                break;
            }
            chain.push(base);
        }
        let timezone = chain
            .iter()
            .find_map(|x| x.timezone.as_ref())
            .and_then(|tz| tz.value.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(chrono_tz::UTC);
        let mut hours: [Vec<(chrono::NaiveTime, Option<chrono::NaiveTime>)>; 7] =
            Default::default();
        let with_hours = chain.iter().find(|x| !x.hours.is_empty());
        for h in with_hours.map(|x| x.hours.as_slice()).unwrap_or_default() {
            for day in &h.days {
                let slot = &mut hours[day.num_days_from_monday() as usize];
                for (open, close) in &h.ranges {
                    // `24:00` is read as midnight: the end of the day
                    let close = (*close > *open).then_some(*close);
                    slot.push((*open, close));
                }
            }
        }
        for slot in &mut hours {
            slot.sort();
        }
        let rules: Vec<&ast::HolidayRule> = chain.iter().flat_map(|x| &x.holidays).collect();
        out.push(ir::CheckedCalendar::new(
            c.name.name.clone(),
            c.name.span,
            timezone,
            hours,
            holidays(&rules),
        ));
    }
    out
}

/// The dates `rules` give over [`CALENDAR_YEARS`], sorted, each once.
pub(crate) fn holidays(rules: &[&ast::HolidayRule]) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    for year in CALENDAR_YEARS.start() - 1..=CALENDAR_YEARS.end() + 1 {
        for r in rules {
            if let Some(d) = holiday_in(r, year) {
                out.push(d);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The day holiday rule `r` gives for `year` (its bounds are years of that kind), if any.
pub(crate) fn holiday_in(r: &ast::HolidayRule, year: i32) -> Option<NaiveDate> {
    use chrono::{Datelike, Weekday};
    if r.from.is_some_and(|f| year < f) || r.until.is_some_and(|u| year > u) {
        return None;
    }
    let base = match r.day {
        ast::HolidayDay::Date(d) => (d.year() == year).then_some(d)?,
        ast::HolidayDay::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day)?,
        ast::HolidayDay::Nth { n, weekday, month } => nth_weekday(year, month, weekday, n)?,
        ast::HolidayDay::Easter => easter(year)?,
    };
    let d = base.checked_add_signed(chrono::TimeDelta::days(i64::from(r.shift)))?;
    Some(match (r.observed, d.weekday()) {
        (true, Weekday::Sat) => d.pred_opt()?,
        (true, Weekday::Sun) => d.succ_opt()?,
        _ => d,
    })
}

/// The `n`-th (1–5) or last (`n` = -1) `weekday` of `month` of `year`.
fn nth_weekday(year: i32, month: u32, weekday: chrono::Weekday, n: i8) -> Option<NaiveDate> {
    use chrono::Datelike;
    if n < 0 {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let last = next.pred_opt()?;
        let back = (last.weekday().num_days_from_monday() + 7 - weekday.num_days_from_monday()) % 7;
        return last.checked_sub_signed(chrono::TimeDelta::days(i64::from(back)));
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, u8::try_from(n).ok()?)
}

/// Western (Gregorian) Easter Sunday of `year`: the anonymous Gregorian algorithm
/// (Meeus, *Astronomical Algorithms*, ch. 8).
pub(crate) fn easter(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}
