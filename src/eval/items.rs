//! Evaluation of the decisions lowered from domain items that need more than rules
//! tried in order ([`ItemDecision`]): `coverage` (§5.3), `recovery` (§5.4), `recalls`
//! (§5.8), `reports` and `opportunities` (§5.9).
//!
//! It is the production engine's reading of the items, written against [`ExprEval`] (the
//! engine gives the values of the items' expressions, with or without an explanation;
//! this module does what the items mean with them). The reference interpreter reads the
//! items with code of its own (`reference::items`); tests hold the two equal.
//!
//! The contract for an evaluator, per decision `i` of a bundle:
//! - when `checked.items[i]` is set, the result is [`eval_item`] (a route's item asks back
//!   for the rules of `checked.decisions[i]` through [`ExprEval::rules`]);
//! - else it is the plain decision `checked.decisions[i]`;
//! - [`ExprEval::eval`] of an `IrKind::Output` gives the output of the decision so
//!   decided, evaluated once per bundle; errors name the `rule` given (the item's id).

use super::business;
use super::value_ops::{self, OpError};
use super::{Decision, EvalError};
use crate::check::ir::{
    CheckedCalendar, CheckedDue, CheckedOpportunity, CheckedRecall, CheckedReport, CheckedSplit,
    CheckedWarranty, ClaimFields, Coverage, Ir, ItemDecision, ItemKind, Recovery, RefundOutputs,
    RouteSla, SegmentChannels,
};
use crate::check::Checked;
use crate::diag::Span;
use crate::dsl::ast::BinOp;
use crate::value::{Currency, Duration, Money, Value};
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use std::cmp::Ordering;
use std::sync::Arc;

/// What an evaluator of the checked IR offers to the items: the value of an expression,
/// and the evaluation context.
pub(crate) trait ExprEval {
    /// Value of an expression (`None` = absent optional), errors naming `rule`.
    fn eval(&mut self, ir: &Ir, rule: &str) -> Result<Option<Value>, EvalError>;
    /// The result of the rules of decision `index` (the plain decision
    /// `checked.decisions[index]`), which an item (a route) completes.
    fn rules(&mut self, index: usize) -> Result<Outcome, EvalError>;
    /// Whether a boolean clause of item `rule` holds (an evaluator that explains records
    /// the tests made).
    fn test(&mut self, ir: &Ir, rule: &str) -> Result<bool, EvalError> {
        Ok(matches!(self.eval(ir, rule)?, Some(Value::Bool(true))))
    }
    /// Whether the evaluator records an explanation (then items [`ExprEval::note`] the
    /// steps they make without an expression of their own).
    fn explaining(&self) -> bool {
        false
    }
    /// Record a step of item `rule` (an evaluator that explains).
    fn note(&mut self, _rule: &str, _step: Note) {}
    /// Whether the clause of clause set `set` (see `compile::items`) holds, for each of
    /// the `n` items of the item decision being evaluated (`absent` for an item without
    /// that clause), read at once through the compiled set. `None` where the clauses are
    /// to be read one by one: no compiled set, an explanation being recorded, or an error
    /// met (read one by one, the error arises where the language says it does).
    fn clauses(&mut self, _set: usize, _n: usize, _absent: bool) -> Option<Vec<bool>> {
        None
    }
    /// `context.today`, if set. (The items read the date through expressions today;
    /// this is for evaluators and items that need it without one.)
    #[allow(dead_code)]
    fn today(&self) -> Option<NaiveDate>;
    /// `context.now`, if set.
    #[allow(dead_code)]
    fn now(&self) -> Option<DateTime<FixedOffset>>;
}

/// A step of an explanation that an item makes without an expression of its own.
pub(crate) struct Note {
    /// Where the step is placed.
    pub(crate) span: Span,
    /// What was tested.
    pub(crate) test: crate::eval::explain::Test,
    /// Whether it held.
    pub(crate) value: bool,
    /// The paths read.
    pub(crate) seen: Vec<crate::eval::explain::Seen>,
}

/// A path an item read, for its explanation.
fn seen(path: &str, ir: &Ir, value: Option<&Value>) -> crate::eval::explain::Seen {
    crate::eval::explain::Seen {
        span: ir.span,
        ty: ir.ty.clone(),
        value: value.cloned(),
        label: Some(path.to_string()),
    }
}

/// Evaluate the lowered decision `item` (decision `index` of `checked`) for one bundle:
/// its outputs' values, in the order of `item.outputs` ([`Outcome::named`] names them).
pub(crate) fn eval_item(
    checked: &Checked,
    index: usize,
    item: &ItemDecision,
    ev: &mut dyn ExprEval,
) -> Result<Outcome, EvalError> {
    debug_assert_eq!(checked.names.get(index), Some(&item.name));
    match &item.kind {
        ItemKind::Coverage(c) => coverage(checked, c, ev),
        ItemKind::Recovery(r) => recovery(checked, r, ev),
        ItemKind::Recalls(list) => recalls(list, ev),
        ItemKind::Reports(list) => reports(checked, list, ev),
        ItemKind::Opportunities(list) => opportunities(list, ev),
        ItemKind::Route(sla) => route(checked, index, item, sla, ev),
        ItemKind::Segment(channels) => segment(index, channels, ev),
        ItemKind::Refund(r) => refund(index, r, ev),
    }
}

/// What a decision gives for one bundle, before it is named (a [`Decision`] names it and
/// its outputs): what a dependent decision is memoised as, and what
/// [`crate::Verdict`] holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outcome {
    /// Its outputs, in declaration order.
    pub(crate) values: Vec<Option<Value>>,
    /// The rules (or items) whose outputs were used, by their place in the decision
    /// ([`rule_name`] names them): no string is built to decide.
    pub(crate) rules: Vec<u32>,
    /// Whether no item applied (and nothing stands in for one).
    pub(crate) no_match: bool,
}

impl Outcome {
    /// An outcome in which something applied.
    pub(crate) fn new(values: Vec<Option<Value>>, rules: Vec<u32>) -> Outcome {
        Outcome {
            values,
            rules,
            no_match: false,
        }
    }

    /// The decision `name` (number `i` of `checked`) whose outputs are named `outputs`,
    /// in order (an output without a value, or a value without an output, is left out,
    /// as `zip` does).
    pub(crate) fn named<'n>(
        self,
        checked: &Checked,
        i: usize,
        name: &str,
        outputs: impl Iterator<Item = &'n str>,
    ) -> Decision {
        Decision {
            id: None,
            decision: name.to_string(),
            outputs: outputs.map(String::from).zip(self.values).collect(),
            rules: self
                .rules
                .iter()
                .map(|k| rule_name(checked, i, *k).to_string())
                .collect(),
            no_match: self.no_match,
            types: None,
        }
    }
}

/// The name results give rule `k` of decision `i`: the rule's id, or the item's (the
/// warranty, split, recall, report or opportunity at that place in the item's list; a
/// route's rules are its decision's).
pub(crate) fn rule_name(checked: &Checked, i: usize, k: u32) -> &str {
    let k = k as usize;
    let item = checked.items.get(i).and_then(Option::as_ref);
    let id = match item.map(|it| &it.kind) {
        Some(ItemKind::Coverage(c)) => c.policies.get(k).map(|w| w.id.as_str()),
        Some(ItemKind::Recovery(r)) => r.splits.get(k).map(|s| s.id.as_str()),
        Some(ItemKind::Recalls(list)) => list.get(k).map(|r| r.id.as_str()),
        Some(ItemKind::Reports(list)) => list.get(k).map(|r| r.id.as_str()),
        Some(ItemKind::Opportunities(list)) => list.get(k).map(|o| o.id.as_str()),
        Some(ItemKind::Route(_) | ItemKind::Segment(_) | ItemKind::Refund(_)) | None => checked
            .decisions
            .get(i)
            .and_then(Option::as_ref)
            .and_then(|d| d.rules.get(k))
            .map(|r| r.id.as_str()),
    };
    id.unwrap_or("")
}

fn truth(ev: &mut dyn ExprEval, ir: &Ir, rule: &str) -> Result<bool, EvalError> {
    ev.test(ir, rule)
}

/// An operation's error, naming the item (or rule) and the place.
pub(crate) fn op_error(e: OpError, rule: &str, span: Span) -> EvalError {
    EvalError::of_op(e, rule, span)
}

fn overflow(what: &'static str, rule: &str, span: Span) -> EvalError {
    EvalError::Overflow {
        what,
        rule: rule.to_string(),
        span,
    }
}

fn currency_mix(a: Currency, b: Currency, rule: &str, span: Span) -> EvalError {
    EvalError::CurrencyMix {
        left: a.to_string(),
        right: b.to_string(),
        rule: rule.to_string(),
        span,
    }
}

/// `amount` rounded half-even to the minor unit of `currency`.
fn round_minor(amount: Decimal, currency: Currency) -> Decimal {
    amount.round_dp_with_strategy(
        currency.minor_units(),
        RoundingStrategy::MidpointNearestEven,
    )
}

/// The claim's cost components (a missing one is `None`), all in one currency; the
/// currency is `None` when the claim has none of them.
fn costs(
    ev: &mut dyn ExprEval,
    irs: &[Ir; 4],
    rule: &str,
    span: Span,
) -> Result<([Option<Decimal>; 4], Option<Currency>), EvalError> {
    let mut out = [None; 4];
    let mut currency: Option<Currency> = None;
    for (slot, ir) in out.iter_mut().zip(irs) {
        if let Some(Value::Money(m)) = ev.eval(ir, rule)? {
            match currency {
                Some(c) if c != m.currency => return Err(currency_mix(c, m.currency, rule, span)),
                _ => currency = Some(m.currency),
            }
            *slot = Some(m.amount);
        }
    }
    Ok((out, currency))
}

// ---------------------------------------------------------------------------------------
// coverage (§5.3)

/// Index of each reason in the enum of `coverage.reason.reason` (`check::lower::REASONS`).
const NOT_ELIGIBLE: u32 = 0;
const NOT_COVERED: u32 = 1;
const EXCLUDED: u32 = 2;
const EXPIRED_TIME: u32 = 3;
const EXPIRED_DISTANCE: u32 = 4;

/// Whether policy `w` covers the claim: `Ok(end)` with the first day its time term no
/// longer covers, or `Err(reason)`. The tests are made in the order of the reasons, and
/// stop at the first that fails, so a policy the claim is not eligible for never reads
/// the odometer.
fn policy(
    ev: &mut dyn ExprEval,
    claim: &ClaimFields,
    w: &CheckedWarranty,
    clauses: Option<[bool; 3]>,
) -> Result<Result<NaiveDate, u32>, EvalError> {
    let id = w.id.as_str();
    // `when`, `covers`, `excludes`: read at once by the compiled clause sets, or here
    let mut holds = |k: usize, clause: &Option<Ir>, absent: bool| match clauses {
        Some(c) => Ok(c[k]),
        None => match clause {
            Some(ir) => truth(ev, ir, id),
            None => Ok(absent),
        },
    };
    if !holds(0, &w.when, true)? {
        return Ok(Err(NOT_ELIGIBLE));
    }
    if !holds(1, &w.covers, true)? {
        return Ok(Err(NOT_COVERED));
    }
    if holds(2, &w.excludes, false)? {
        return Ok(Err(EXCLUDED));
    }
    let term = &w.term;
    let Some(start) = ev.eval(&term.from, id)? else {
        return Err(EvalError::MissingField {
            path: term.from_path.clone(),
            rule: w.id.clone(),
            span: term.from.span,
        });
    };
    let Some(duration) = ev.eval(&term.duration, id)? else {
        return Err(overflow("term", id, term.duration.span));
    };
    let end = match value_ops::arith(BinOp::Add, &start, &duration) {
        Ok(Value::Date(d)) => d,
        Ok(_) => return Err(overflow("term", id, term.span)),
        Err(e) => return Err(op_error(e, id, term.span)),
    };
    let (failure, lhs, lhs_ir) = match ev.eval(&claim.failure_date, id)? {
        Some(d) => (Some(d), "claim.failure_date", &claim.failure_date),
        None => (
            ev.eval(&claim.repair_date, id)?,
            "claim.repair_date",
            &claim.repair_date,
        ),
    };
    let Some(Value::Date(failure)) = failure else {
        return Err(EvalError::MissingField {
            path: "claim.repair_date".into(),
            rule: w.id.clone(),
            span: claim.repair_date.span,
        });
    };
    if ev.explaining() {
        ev.note(
            id,
            Note {
                span: term.span,
                test: crate::eval::explain::Test::Term {
                    limit: term.duration.span,
                    lhs,
                    start: Some((term.from_path.clone(), end)),
                },
                value: failure < end,
                seen: vec![
                    seen(lhs, lhs_ir, Some(&Value::Date(failure))),
                    seen(&term.from_path, &term.from, Some(&start)),
                ],
            },
        );
    }
    if failure >= end {
        return Ok(Err(EXPIRED_TIME));
    }
    if let Some(limit_ir) = &term.distance {
        let Some(odometer) = ev.eval(&claim.odometer, id)? else {
            return Err(EvalError::MissingField {
                path: "claim.odometer".into(),
                rule: w.id.clone(),
                span: limit_ir.span,
            });
        };
        let Some(limit) = ev.eval(limit_ir, id)? else {
            return Err(overflow("distance term", id, limit_ir.span));
        };
        let ord = value_ops::compare(&odometer, &limit, &|_| None)
            .map_err(|e| op_error(e, id, term.span))?;
        if ev.explaining() {
            ev.note(
                id,
                Note {
                    span: term.span,
                    test: crate::eval::explain::Test::Term {
                        limit: limit_ir.span,
                        lhs: "claim.odometer",
                        start: None,
                    },
                    value: ord == Ordering::Less,
                    seen: vec![seen("claim.odometer", &claim.odometer, Some(&odometer))],
                },
            );
        }
        if ord != Ordering::Less {
            return Ok(Err(EXPIRED_DISTANCE));
        }
    }
    Ok(Ok(end))
}

fn coverage(checked: &Checked, c: &Coverage, ev: &mut dyn ExprEval) -> Result<Outcome, EvalError> {
    let n = c.policies.len();
    let pre = match (
        ev.clauses(0, n, true),
        ev.clauses(1, n, true),
        ev.clauses(2, n, false),
    ) {
        (Some(a), Some(b), Some(x)) => Some((a, b, x)),
        _ => None,
    };
    let mut reasons = Vec::with_capacity(n);
    let mut covering: Option<(u32, &CheckedWarranty, NaiveDate)> = None;
    for (k, w) in c.policies.iter().enumerate() {
        let clauses = pre.as_ref().map(|(a, b, x)| [a[k], b[k], x[k]]);
        match policy(ev, &c.claim, w, clauses)? {
            Ok(end) => {
                covering.get_or_insert((k as u32, w, end));
            }
            Err(reason) => reasons.push(Value::Record(Arc::from([
                Some(Value::Enum(w.variant)),
                Some(Value::Enum(reason)),
            ]))),
        }
    }
    let reasons = Some(Value::Set(reasons.into()));
    let Some((k, w, end)) = covering else {
        let none = vec![None; 8];
        let mut values = none;
        values[0] = Some(Value::Bool(false));
        values[5] = reasons;
        return Ok(Outcome::new(values, Vec::new()));
    };
    let id = w.id.as_str();
    let deductible = match &w.deductible {
        Some(ir) => ev.eval(ir, id)?,
        None => None,
    };
    let claim_type = match &w.claim_type {
        Some(ir) => ev.eval(ir, id)?,
        None => None,
    };
    let expires_on = end
        .pred_opt()
        .ok_or_else(|| overflow("date", id, w.term.span))?;
    let pays = Value::Record(w.pays.iter().map(|p| Some(Value::Percent(*p))).collect());
    let amount = amount(checked, ev, &c.claim, w, deductible.as_ref())?;
    Ok(Outcome::new(
        vec![
            Some(Value::Bool(true)),
            Some(Value::Enum(w.variant)),
            deductible,
            claim_type,
            Some(Value::Date(expires_on)),
            reasons,
            Some(pays),
            amount.map(Value::Money),
        ],
        vec![k],
    ))
}

/// What the covering policy pays: each cost component times its share, rounded half-even
/// to the minor unit, added up, less the deductible, never below zero.
fn amount(
    checked: &Checked,
    ev: &mut dyn ExprEval,
    claim: &ClaimFields,
    w: &CheckedWarranty,
    deductible: Option<&Value>,
) -> Result<Option<Money>, EvalError> {
    let id = w.id.as_str();
    let (costs, currency) = costs(ev, &claim.costs, id, w.span)?;
    let deductible = match deductible {
        Some(Value::Money(m)) => Some(m),
        _ => None,
    };
    let span = w.deductible.as_ref().map_or(w.span, |d| d.span);
    let currency = match (currency, deductible) {
        (Some(c), Some(d)) if c != d.currency => return Err(currency_mix(c, d.currency, id, span)),
        (Some(c), _) => c,
        (None, Some(d)) => d.currency,
        (None, None) => match checked.env.units.currency {
            Some(c) => c,
            None => return Ok(None),
        },
    };
    let mut total = Decimal::ZERO;
    for (cost, share) in costs.iter().zip(w.pays) {
        let Some(cost) = cost else { continue };
        let part = cost
            .checked_mul(share)
            .ok_or_else(|| overflow("money", id, w.span))?;
        total = total
            .checked_add(round_minor(part, currency))
            .ok_or_else(|| overflow("money", id, w.span))?;
    }
    if let Some(d) = deductible {
        total = total
            .checked_sub(d.amount)
            .ok_or_else(|| overflow("money", id, span))?;
    }
    Ok(Some(Money {
        currency,
        amount: round_minor(total.max(Decimal::ZERO), currency),
    }))
}

// ---------------------------------------------------------------------------------------
// recovery (§5.4)

/// The currency of allocations when the claim has no cost component and the rule set no
/// `units` currency: ISO 4217's "no currency".
const NO_CURRENCY: &str = "XXX";

fn recovery(checked: &Checked, r: &Recovery, ev: &mut dyn ExprEval) -> Result<Outcome, EvalError> {
    // the first split that applies; `default` is last
    let mut chosen = None;
    for (k, s) in r.splits.iter().enumerate() {
        let applies = match &s.when {
            Some(w) => truth(ev, w, &s.id)?,
            None => true,
        };
        if applies {
            chosen = Some((k as u32, s));
            break;
        }
    }
    let Some((k, s)) = chosen else {
        return Ok(Outcome {
            values: vec![None, Some(Value::Set(Arc::from([])))],
            rules: Vec::new(),
            no_match: true,
        });
    };
    let allocations = allocate(checked, ev, &r.costs, s)?
        .into_iter()
        .map(|(party, row)| {
            let mut fields = vec![Some(Value::Label(Arc::from(party)))];
            fields.extend(row.iter().map(|m| Some(Value::Money(m.clone()))));
            Value::Record(fields.into())
        })
        .collect::<Vec<_>>();
    Ok(Outcome::new(
        vec![
            Some(Value::Enum(s.variant)),
            Some(Value::Set(allocations.into())),
        ],
        vec![k],
    ))
}

/// Each party's share of each cost component (parts, labor, handling, sublet) and its
/// total, the parties in the order written and the remainder last.
///
/// Amounts are in the currency's minor unit throughout: the claim's components are
/// rounded half-even to it first, each share of a component too; a party never gets more
/// of a component than the parties before it left; a cap is cut down to the minor unit,
/// and what a party pays over it is taken off its parts, then labor, handling, sublet, and
/// left to the remainder, which gets what is left of each component. So the allocations
/// add up to the claim's components to the cent, none is negative, none is over its cap.
pub(crate) fn allocate<'s>(
    checked: &Checked,
    ev: &mut dyn ExprEval,
    costs_ir: &[Ir; 4],
    s: &'s CheckedSplit,
) -> Result<Vec<(&'s str, [Money; 5])>, EvalError> {
    let id = s.id.as_str();
    let (costs, claim_currency) = costs(ev, costs_ir, id, s.span)?;
    let mut caps = Vec::with_capacity(s.parties.len());
    for p in &s.parties {
        caps.push(match &p.cap {
            Some(ir) => match ev.eval(ir, id)? {
                Some(Value::Money(cap)) => Some((cap, ir.span)),
                _ => None,
            },
            None => None,
        });
    }
    let currency = claim_currency
        .or(checked.env.units.currency)
        .or_else(|| caps.iter().flatten().map(|(m, _)| m.currency).next())
        .or_else(|| Currency::new(NO_CURRENCY))
        .ok_or_else(|| overflow("currency", id, s.span))?;
    let over = || overflow("money", id, s.span);
    let amounts = costs.map(|c| round_minor(c.unwrap_or(Decimal::ZERO), currency));
    let mut left = amounts;
    let mut rows: Vec<(&str, [Decimal; 4])> = Vec::with_capacity(s.parties.len() + 1);
    for (p, cap) in s.parties.iter().zip(caps) {
        let mut row = [Decimal::ZERO; 4];
        for c in 0..4 {
            let share = amounts[c].checked_mul(p.shares[c]).ok_or_else(over)?;
            let share = round_minor(share, currency).max(Decimal::ZERO);
            // a credit (a negative component) stays wholly with the remainder
            row[c] = share.min(left[c]).max(Decimal::ZERO);
            left[c] -= row[c];
        }
        let cap = match cap {
            Some((cap, span)) => {
                if claim_currency.is_some() && cap.currency != currency {
                    return Err(currency_mix(currency, cap.currency, id, span));
                }
                // cut down to the minor unit, so that the party is never over it
                Some(
                    cap.amount
                        .max(Decimal::ZERO)
                        .round_dp_with_strategy(currency.minor_units(), RoundingStrategy::ToZero),
                )
            }
            None => None,
        };
        if let Some(cap) = cap {
            let total = row
                .iter()
                .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
                .ok_or_else(over)?;
            let mut excess = total - cap;
            for c in 0..4 {
                if excess <= Decimal::ZERO {
                    break;
                }
                let cut = excess.min(row[c]);
                row[c] -= cut;
                left[c] += cut;
                excess -= cut;
            }
        }
        rows.push((p.name.as_str(), row));
    }
    rows.push((s.remainder.as_str(), left));
    rows.into_iter()
        .map(|(party, row)| {
            let total = row
                .iter()
                .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
                .ok_or_else(over)?;
            let m = |amount| Money { currency, amount };
            Ok((
                party,
                [m(row[0]), m(row[1]), m(row[2]), m(row[3]), m(total)],
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// recalls (§5.8)

fn label(s: &str) -> Value {
    Value::Label(Arc::from(s))
}

/// Every recall whose `affects` holds (a recall without `affects` affects every product),
/// in declaration order: `ids` and `any`.
fn recalls(list: &[CheckedRecall], ev: &mut dyn ExprEval) -> Result<Outcome, EvalError> {
    let mut ids = Vec::new();
    let pre = ev.clauses(0, list.len(), true);
    for (k, r) in list.iter().enumerate() {
        let affects = match (&pre, &r.affects) {
            (Some(p), _) => p[k],
            (None, Some(a)) => truth(ev, a, &r.id)?,
            (None, None) => true,
        };
        if affects {
            ids.push(k as u32);
        }
    }
    let labels = ids.iter().map(|k| label(&list[*k as usize].id)).collect();
    Ok(Outcome::new(
        vec![Some(Value::Set(labels)), Some(Value::Bool(!ids.is_empty()))],
        ids,
    ))
}

// ---------------------------------------------------------------------------------------
// reports and opportunities (§5.9)

/// Whether an item's condition holds (none: always).
fn applies(ev: &mut dyn ExprEval, when: Option<&Ir>, id: &str) -> Result<bool, EvalError> {
    match when {
        Some(w) => truth(ev, w, id),
        None => Ok(true),
    }
}

/// Every report whose `when` holds, in declaration order: `ids`, `any`, and `due`, the
/// deadline of each (a report without one adds no deadline).
fn reports(
    checked: &Checked,
    list: &[CheckedReport],
    ev: &mut dyn ExprEval,
) -> Result<Outcome, EvalError> {
    let mut ids = Vec::new();
    let mut titles = Vec::new();
    let mut due = Vec::new();
    let mut immediate = Vec::new();
    let mut calendars = Vec::new();
    let pre = ev.clauses(0, list.len(), true);
    for (k, r) in list.iter().enumerate() {
        let holds = match &pre {
            Some(p) => p[k],
            None => applies(ev, r.when.as_ref(), &r.id)?,
        };
        if !holds {
            continue;
        }
        ids.push(k as u32);
        titles.push(Value::Text(Arc::from(r.title.as_str())));
        immediate.push(Value::Bool(matches!(
            r.due,
            Some(CheckedDue::Immediately(_))
        )));
        if let Some(c) = &r.calendar {
            calendars.push(label(c));
        }
        if let Some(d) = &r.due {
            if let Some(day) = deadline(checked, ev, d, &r.id)? {
                let cal = r.roll.and_then(|c| checked.calendars.get(c as usize));
                due.push(roll_forward(cal, day, &r.id, r.span)?);
            }
        }
    }
    let labels: Arc<[Value]> = ids.iter().map(|k| label(&list[*k as usize].id)).collect();
    Ok(Outcome::new(
        vec![
            Some(Value::Set(labels.clone())),
            Some(Value::Bool(!ids.is_empty())),
            Some(Value::Set(labels)),
            Some(Value::Set(titles.into())),
            Some(Value::Set(due.into())),
            Some(Value::Set(immediate.into())),
            Some(Value::Set(calendars.into())),
        ],
        ids,
    ))
}

/// A report's deadline: `due DATE`, `due immediately after X`, or `due D after X`.
/// `None` where what it counts from is absent.
fn deadline(
    checked: &Checked,
    ev: &mut dyn ExprEval,
    due: &CheckedDue,
    id: &str,
) -> Result<Option<Value>, EvalError> {
    let (offset, after, calendar, instant) = match due {
        CheckedDue::On(x) | CheckedDue::Immediately(x) => return ev.eval(x, id),
        CheckedDue::After {
            offset,
            after,
            calendar,
            instant,
        } => (offset, after, calendar, *instant),
    };
    let Some(start) = ev.eval(after, id)? else {
        return Ok(None);
    };
    let Some(delay) = ev.eval(offset, id)? else {
        return Ok(None);
    };
    let cal = calendar.and_then(|c| checked.calendars.get(c as usize));
    deadline_after(cal, start, &delay, instant, id, offset.span).map(Some)
}

/// `due DELAY after START` (LANGUAGE.md §5.9) on calendar `cal`: a date, or, where
/// `instant` (counted from a date-time, or in hours), an instant in the calendar's zone
/// (UTC without one); a date counts as its first instant there. Both evaluators compute
/// deadlines here.
pub(crate) fn deadline_after(
    cal: Option<&CheckedCalendar>,
    start: Value,
    delay: &Value,
    instant: bool,
    id: &str,
    span: Span,
) -> Result<Value, EvalError> {
    let needs = || EvalError::NeedsCalendar {
        rule: id.to_string(),
        span,
    };
    let tz = cal.map_or(chrono_tz::UTC, |c| c.timezone);
    let start = match (start, instant) {
        (Value::Date(d), true) => Value::DateTime(
            business::start_of_day(tz, d).ok_or_else(|| overflow("date", id, span))?,
        ),
        (other, _) => other,
    };
    let due = match (&start, delay) {
        (Value::Date(d), Value::Duration(Duration::BusinessDays(n))) => {
            let cal = cal.ok_or_else(needs)?;
            Value::Date(
                business::days_after(cal, *d, *n).ok_or_else(|| overflow("date", id, span))?,
            )
        }
        (Value::Date(d), Value::Duration(Duration::BusinessHours(h))) => {
            // a delay in hours that is not written out: counted from the day's start,
            // the deadline is the day it ends on
            let cal = cal.ok_or_else(needs)?;
            let from = business::start_of_day(cal.timezone, *d)
                .ok_or_else(|| overflow("date", id, span))?;
            let end =
                business::add_hours(cal, from, *h).ok_or_else(|| overflow("date", id, span))?;
            Value::Date(end.date_naive())
        }
        (Value::DateTime(t), Value::Duration(Duration::BusinessDays(n))) => {
            let cal = cal.ok_or_else(needs)?;
            Value::DateTime(
                business::add_days(cal, *t, *n).ok_or_else(|| overflow("date", id, span))?,
            )
        }
        (Value::DateTime(t), Value::Duration(Duration::BusinessHours(h))) => {
            let cal = cal.ok_or_else(needs)?;
            Value::DateTime(
                business::add_hours(cal, *t, *h).ok_or_else(|| overflow("date", id, span))?,
            )
        }
        _ => match value_ops::arith(BinOp::Add, &start, delay) {
            Ok(Value::Date(d)) => Value::Date(d),
            Ok(Value::DateTime(t)) => {
                let here = t.with_timezone(&tz);
                Value::DateTime(here.with_timezone(&chrono::Offset::fix(here.offset())))
            }
            Ok(_) => return Err(overflow("date", id, span)),
            Err(e) => return Err(op_error(e, id, span)),
        },
    };
    Ok(due)
}

/// `roll forward` on calendar `cal` (none: no roll): a deadline on a day that is not a
/// business day moves to the next business day (an instant, to its next opening).
pub(crate) fn roll_forward(
    cal: Option<&CheckedCalendar>,
    due: Value,
    id: &str,
    span: Span,
) -> Result<Value, EvalError> {
    let Some(cal) = cal else { return Ok(due) };
    Ok(match due {
        Value::Date(d) => Value::Date(
            business::next_business_day(cal, d).ok_or_else(|| overflow("date", id, span))?,
        ),
        Value::DateTime(t)
            if !business::is_business_day(cal, t.with_timezone(&cal.timezone).date_naive()) =>
        {
            Value::DateTime(
                business::add_open(cal, t, chrono::TimeDelta::zero())
                    .ok_or_else(|| overflow("date", id, span))?,
            )
        }
        other => other,
    })
}

/// Every opportunity whose `when` holds, in declaration order: `ids`, `any`, and the
/// `team` and `value` of each (one that has none adds nothing to that list).
fn opportunities(list: &[CheckedOpportunity], ev: &mut dyn ExprEval) -> Result<Outcome, EvalError> {
    let mut ids = Vec::new();
    let mut teams = Vec::new();
    let mut values = Vec::new();
    let pre = ev.clauses(0, list.len(), true);
    for (k, o) in list.iter().enumerate() {
        let holds = match &pre {
            Some(p) => p[k],
            None => applies(ev, o.when.as_ref(), &o.id)?,
        };
        if !holds {
            continue;
        }
        ids.push(k as u32);
        teams.extend(o.team.as_deref().map(label));
        if let Some(v) = &o.value {
            values.extend(ev.eval(v, &o.id)?);
        }
    }
    let labels = ids.iter().map(|k| label(&list[*k as usize].id)).collect();
    Ok(Outcome::new(
        vec![
            Some(Value::Set(labels)),
            Some(Value::Bool(!ids.is_empty())),
            Some(Value::Set(teams.into())),
            Some(Value::Set(values.into())),
        ],
        ids,
    ))
}

// ---------------------------------------------------------------------------------------
// routes (§5.5, §5.6)

/// A route: its rules' outputs, completed with `skills` from the queue, a service level
/// not given from the customer's segment, and the due instants from `contact.received_at`.
fn route(
    checked: &Checked,
    index: usize,
    item: &ItemDecision,
    sla: &RouteSla,
    ev: &mut dyn ExprEval,
) -> Result<Outcome, EvalError> {
    let d = ev.rules(index)?;
    let mut values: Vec<Option<Value>> = d.values;
    if d.no_match {
        return Ok(Outcome {
            values,
            rules: d.rules,
            no_match: true,
        });
    }
    let rule = item.name.as_str();
    let at = |name: &str| item.outputs.iter().position(|o| o.name == name);
    let queue = at("queue")
        .and_then(|k| match values.get(k) {
            Some(Some(Value::Enum(v))) => sla.queues.get(*v as usize),
            _ => None,
        })
        .cloned();
    if let (Some(k), Some(q)) = (at("skills"), &queue) {
        if values[k].is_none() && !q.skills.is_empty() {
            values[k] = Some(Value::Set(q.skills.iter().map(|s| label(s)).collect()));
        }
    }
    if let Some(seg) = &sla.segment {
        for (name, read) in [
            ("first_response", Some(&seg.first_response)),
            ("resolve", Some(&seg.resolve)),
            ("escalate_after", Some(&seg.escalate_after)),
            ("channel_allowed", seg.channel_allowed.as_ref()),
        ] {
            if let (Some(k), Some(read)) = (at(name), read) {
                if values[k].is_none() {
                    values[k] = ev.eval(read, rule)?;
                }
            }
        }
    }
    let Some(Value::DateTime(received)) = ev.eval(&sla.received_at, rule)? else {
        return Ok(Outcome::new(values, d.rules));
    };
    // the calendar business time counts on, found when first needed
    let mut calendar: Option<Option<&CheckedCalendar>> = None;
    for (name, due) in [
        ("first_response", "first_response_due"),
        ("resolve", "resolve_due"),
        ("escalate_after", "escalate_at"),
    ] {
        let (Some(k), Some(due)) = (at(name), at(due)) else {
            continue;
        };
        let Some(Value::Duration(delay)) = values[k].clone() else {
            continue;
        };
        let span = item.span;
        let instant = match delay {
            Duration::BusinessDays(_) | Duration::BusinessHours(_) => {
                let cal = match calendar {
                    Some(c) => c,
                    None => {
                        let c = route_calendar(checked, sla, queue.as_ref(), ev, rule)?;
                        calendar = Some(c);
                        c
                    }
                };
                let Some(cal) = cal else {
                    return Err(EvalError::NeedsCalendar {
                        rule: rule.to_string(),
                        span,
                    });
                };
                match delay {
                    Duration::BusinessDays(n) => business::add_days(cal, received, n),
                    Duration::BusinessHours(h) => business::add_hours(cal, received, h),
                    _ => None,
                }
                .ok_or_else(|| overflow("date", rule, span))?
            }
            _ => match value_ops::arith(
                BinOp::Add,
                &Value::DateTime(received),
                &Value::Duration(delay),
            ) {
                Ok(Value::DateTime(t)) => t,
                Ok(_) => return Err(overflow("date", rule, span)),
                Err(e) => return Err(op_error(e, rule, span)),
            },
        };
        values[due] = Some(Value::DateTime(instant));
    }
    Ok(Outcome::new(values, d.rules))
}

/// `segment`: its rules' outputs, with `channel_allowed` (absent when no segment applies
/// or the bundle has no contact: a segment is decided for a customer alone too).
fn segment(
    index: usize,
    channels: &SegmentChannels,
    ev: &mut dyn ExprEval,
) -> Result<Outcome, EvalError> {
    let mut d = ev.rules(index)?;
    if d.no_match {
        return Ok(d);
    }
    let Some(read) = &channels.channel else {
        return Ok(d);
    };
    let channel = match ev.eval(read, "segment") {
        Ok(Some(Value::Enum(c))) => c,
        Ok(_) | Err(EvalError::MissingRoot { .. }) => return Ok(d),
        Err(e) => return Err(e),
    };
    let allowed = match d.values.first() {
        Some(Some(Value::Enum(segment))) => channels.allowed(
            *segment,
            d.values
                .get(channels.channels_output as usize)
                .and_then(Option::as_ref),
            channel,
        ),
        _ => return Ok(d),
    };
    if let Some(slot) = d.values.get_mut(channels.allowed_output as usize) {
        *slot = Some(Value::Bool(allowed));
    }
    Ok(d)
}

/// `return_authorization`: its rules' outputs, with `refund` and `restocking_fee` for a
/// `refund` or `credit` remedy where `return.value` is given.
fn refund(index: usize, r: &RefundOutputs, ev: &mut dyn ExprEval) -> Result<Outcome, EvalError> {
    let mut d = ev.rules(index)?;
    if d.no_match {
        return Ok(d);
    }
    let Some(value_ir) = &r.value else {
        return Ok(d);
    };
    let remedy_is_money = matches!(
        d.values.get(usize::from(r.remedy)),
        Some(Some(Value::Enum(v))) if *v == REMEDY_REFUND || *v == REMEDY_CREDIT
    );
    if !remedy_is_money {
        return Ok(d);
    }
    let Some(Value::Money(value)) = ev.eval(value_ir, "return_authorization")? else {
        return Ok(d);
    };
    let restocking = match d.values.get(usize::from(r.restocking)) {
        Some(Some(Value::Percent(p))) => *p,
        _ => Decimal::ZERO,
    };
    let (back, fee) = refund_amounts(&value, restocking)
        .ok_or_else(|| overflow("money", "return_authorization", value_ir.span))?;
    if let Some(slot) = d.values.get_mut(usize::from(r.refund)) {
        *slot = Some(Value::Money(back));
    }
    if let Some(slot) = d.values.get_mut(usize::from(r.fee)) {
        *slot = Some(Value::Money(fee));
    }
    Ok(d)
}

/// The variants of `return_authorization.remedy` (`refund`, `replace`, `repair`,
/// `credit`, in that order) that pay money back.
pub(crate) const REMEDY_REFUND: u32 = 0;
/// See [`REMEDY_REFUND`].
pub(crate) const REMEDY_CREDIT: u32 = 3;

/// A refund of `value` less `restocking` (a fraction: 15% is 0.15), rounded half-even to
/// the currency's minor unit, and the restocking fee kept (the rest of the value, so that
/// the two add up to the value to the cent). `None` on overflow.
pub(crate) fn refund_amounts(value: &Money, restocking: Decimal) -> Option<(Money, Money)> {
    let kept = Decimal::ONE.checked_sub(restocking)?;
    let back = value.amount.checked_mul(kept)?.round_dp_with_strategy(
        value.currency.minor_units(),
        rust_decimal::RoundingStrategy::MidpointNearestEven,
    );
    let fee = value.amount.checked_sub(back)?;
    Some((
        Money {
            currency: value.currency,
            amount: back,
        },
        Money {
            currency: value.currency,
            amount: fee,
        },
    ))
}

/// The calendar of a route's business time: the queue's, else the segment's, else the
/// channel's.
fn route_calendar<'c>(
    checked: &'c Checked,
    sla: &RouteSla,
    queue: Option<&crate::check::ir::QueueDef>,
    ev: &mut dyn ExprEval,
    rule: &str,
) -> Result<Option<&'c CheckedCalendar>, EvalError> {
    let by_index = |k: u32| checked.calendars.get(k as usize);
    if let Some(k) = queue.and_then(|q| q.calendar) {
        return Ok(by_index(k));
    }
    if let Some(seg) = &sla.segment {
        if let Some(Value::Label(name)) = ev.eval(&seg.calendar, rule)? {
            if let Some(c) = checked.calendars.iter().find(|c| *c.name == *name) {
                return Ok(Some(c));
            }
        }
    }
    if let Some(Value::Enum(v)) = ev.eval(&sla.channel, rule)? {
        if let Some(Some(k)) = sla.channel_calendars.get(v as usize) {
            return Ok(by_index(*k));
        }
    }
    Ok(None)
}
