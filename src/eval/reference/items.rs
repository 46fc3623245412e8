//! The reference interpreter's own reading of the domain items (LANGUAGE.md §5.3–§5.9),
//! written from the language's text and sharing nothing with the engine's items
//! (`eval::items`) but the checked IR, the value arithmetic (`value_ops`) and the
//! business-time arithmetic (`business`, the one implementation of calendars): the
//! property tests that hold the engine to this interpreter compare two readings of every
//! item, not one reading twice.
//!
//! It is written for plainness, not speed: money is added up component by component in
//! integers of the currency's minor unit, every list is built whole, every value owned.

use super::{op_error, Outcome, Reference};
use crate::check::ir::{
    CheckedCalendar, CheckedDue, CheckedOpportunity, CheckedRecall, CheckedReport, CheckedSplit,
    CheckedWarranty, Coverage, Ir, ItemDecision, ItemKind, Recovery, RefundOutputs, RouteSla,
    SegmentChannels,
};
use crate::dsl::ast::BinOp;
use crate::eval::business;
use crate::eval::value_ops;
use crate::eval::EvalError;
use crate::value::{Currency, Duration, Money, Value};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use std::sync::Arc;

/// The reasons a policy does not cover a claim, as the variants of `coverage`'s reason
/// enum are numbered (LANGUAGE.md §5.3, in the order the tests are made).
#[derive(Clone, Copy)]
enum Reason {
    NotEligible = 0,
    NotCovered = 1,
    Excluded = 2,
    ExpiredTime = 3,
    ExpiredDistance = 4,
}

fn overflow(what: &'static str, rule: &str, span: crate::diag::Span) -> EvalError {
    EvalError::Overflow {
        what,
        rule: rule.to_string(),
        span,
    }
}

fn mix(a: Currency, b: Currency, rule: &str, span: crate::diag::Span) -> EvalError {
    EvalError::CurrencyMix {
        left: a.to_string(),
        right: b.to_string(),
        rule: rule.to_string(),
        span,
    }
}

/// Half-even to the minor unit (§6: money rounds half to even).
fn cents(amount: Decimal, currency: Currency) -> Decimal {
    amount.round_dp_with_strategy(
        currency.minor_units(),
        RoundingStrategy::MidpointNearestEven,
    )
}

fn labels<'s>(names: impl IntoIterator<Item = &'s String>) -> Value {
    Value::Set(
        names
            .into_iter()
            .map(|n| Value::Label(Arc::from(n.as_str())))
            .collect(),
    )
}

impl<'a> Reference<'a> {
    /// Decision `index`, lowered from `item`.
    pub(super) fn item(&mut self, index: usize, item: &ItemDecision) -> Result<Outcome, EvalError> {
        match &item.kind {
            ItemKind::Coverage(c) => self.coverage(c),
            ItemKind::Recovery(r) => self.recovery(r),
            ItemKind::Recalls(list) => self.recalls(list),
            ItemKind::Reports(list) => self.reports(list),
            ItemKind::Opportunities(list) => self.opportunities(list),
            ItemKind::Route(sla) => self.route(index, item, sla),
            ItemKind::Segment(channels) => self.segment(index, item, channels),
            ItemKind::Refund(r) => self.refund(index, r),
        }
    }

    /// An optional clause: absent holds.
    fn clause(&mut self, ir: Option<&Ir>, id: &str) -> Result<bool, EvalError> {
        match ir {
            None => Ok(true),
            Some(ir) => self.holds(ir, id),
        }
    }

    // -----------------------------------------------------------------------------------
    // coverage (§5.3)

    fn coverage(&mut self, c: &Coverage) -> Result<Outcome, EvalError> {
        // every policy is tried; the first that covers pays, the others say why not
        let mut verdicts = Vec::new();
        for w in &c.policies {
            verdicts.push(self.verdict(c, w)?);
        }
        let reasons: Vec<Value> = c
            .policies
            .iter()
            .zip(&verdicts)
            .filter_map(|(w, v)| match v {
                Err(reason) => Some(Value::Record(Arc::from(vec![
                    Some(Value::Enum(w.variant)),
                    Some(Value::Enum(*reason as u32)),
                ]))),
                Ok(_) => None,
            })
            .collect();
        let covering = c
            .policies
            .iter()
            .zip(&verdicts)
            .find_map(|(w, v)| v.as_ref().ok().map(|end| (w, *end)));
        let Some((w, end)) = covering else {
            // covered, policy, deductible, claim_type, expires_on, reasons, pays, amount
            return Ok(Outcome::new(
                vec![
                    Some(Value::Bool(false)),
                    None,
                    None,
                    None,
                    None,
                    Some(Value::Set(reasons.into())),
                    None,
                    None,
                ],
                Vec::new(),
            ));
        };
        let id = w.id.as_str();
        let deductible = match &w.deductible {
            Some(ir) => self.value(ir, id)?,
            None => None,
        };
        let claim_type = match &w.claim_type {
            Some(ir) => self.value(ir, id)?,
            None => None,
        };
        // the term covers up to the day before `end`
        let last_day = end
            .checked_sub_days(chrono::Days::new(1))
            .ok_or_else(|| overflow("date", id, w.term.span))?;
        let pays: Vec<Option<Value>> = w.pays.iter().map(|s| Some(Value::Percent(*s))).collect();
        let amount = self.covered_amount(c, w, deductible.as_ref())?;
        Ok(Outcome::new(
            vec![
                Some(Value::Bool(true)),
                Some(Value::Enum(w.variant)),
                deductible,
                claim_type,
                Some(Value::Date(last_day)),
                Some(Value::Set(reasons.into())),
                Some(Value::Record(pays.into())),
                amount.map(Value::Money),
            ],
            vec![w.id.clone()],
        ))
    }

    /// Whether policy `w` covers the claim: the first day it no longer does, or why not.
    fn verdict(
        &mut self,
        c: &Coverage,
        w: &CheckedWarranty,
    ) -> Result<Result<NaiveDate, Reason>, EvalError> {
        let id = w.id.as_str();
        if !self.clause(w.when.as_ref(), id)? {
            return Ok(Err(Reason::NotEligible));
        }
        if !self.clause(w.covers.as_ref(), id)? {
            return Ok(Err(Reason::NotCovered));
        }
        if let Some(excludes) = &w.excludes {
            if self.holds(excludes, id)? {
                return Ok(Err(Reason::Excluded));
            }
        }
        let term = &w.term;
        let start = self
            .value(&term.from, id)?
            .ok_or_else(|| EvalError::MissingField {
                path: term.from_path.clone(),
                rule: id.to_string(),
                span: term.from.span,
            })?;
        let length = self
            .value(&term.duration, id)?
            .ok_or_else(|| overflow("term", id, term.duration.span))?;
        let end = match value_ops::arith(BinOp::Add, &start, &length) {
            Ok(Value::Date(d)) => d,
            Ok(_) => return Err(overflow("term", id, term.span)),
            Err(e) => return Err(op_error(e, id, term.span)),
        };
        // the day of the failure: its own date where the claim gives one
        let failed = match self.value(&c.claim.failure_date, id)? {
            Some(v) => Some(v),
            None => self.value(&c.claim.repair_date, id)?,
        };
        let Some(Value::Date(failed)) = failed else {
            return Err(EvalError::MissingField {
                path: "claim.repair_date".into(),
                rule: id.to_string(),
                span: c.claim.repair_date.span,
            });
        };
        if failed >= end {
            return Ok(Err(Reason::ExpiredTime));
        }
        if let Some(limit) = &term.distance {
            let odometer =
                self.value(&c.claim.odometer, id)?
                    .ok_or_else(|| EvalError::MissingField {
                        path: "claim.odometer".into(),
                        rule: id.to_string(),
                        span: limit.span,
                    })?;
            let limit_value = self
                .value(limit, id)?
                .ok_or_else(|| overflow("distance term", id, limit.span))?;
            let below = value_ops::compare(&odometer, &limit_value, &|_| None)
                .map_err(|e| op_error(e, id, term.span))?
                .is_lt();
            if !below {
                return Ok(Err(Reason::ExpiredDistance));
            }
        }
        Ok(Ok(end))
    }

    /// The claim's four cost components (parts, labor, handling, sublet) as money, or
    /// `None` for one it does not give; every one given in the same currency.
    fn components(
        &mut self,
        irs: &[Ir; 4],
        id: &str,
        span: crate::diag::Span,
    ) -> Result<Vec<Option<Money>>, EvalError> {
        let mut out: Vec<Option<Money>> = Vec::with_capacity(4);
        for ir in irs {
            let m = match self.value(ir, id)? {
                Some(Value::Money(m)) => Some(m),
                _ => None,
            };
            if let (Some(m), Some(first)) = (&m, out.iter().flatten().next()) {
                if m.currency != first.currency {
                    return Err(mix(first.currency, m.currency, id, span));
                }
            }
            out.push(m);
        }
        Ok(out)
    }

    /// What the covering policy pays (§5.3): each component times its share, each
    /// product rounded to the cent, summed, less the deductible, not below zero.
    fn covered_amount(
        &mut self,
        c: &Coverage,
        w: &CheckedWarranty,
        deductible: Option<&Value>,
    ) -> Result<Option<Money>, EvalError> {
        let id = w.id.as_str();
        let parts = self.components(&c.claim.costs, id, w.span)?;
        let deductible = match deductible {
            Some(Value::Money(m)) => Some(m.clone()),
            _ => None,
        };
        let deductible_span = w.deductible.as_ref().map(|d| d.span).unwrap_or(w.span);
        let claim_currency = parts.iter().flatten().map(|m| m.currency).next();
        let currency = match (claim_currency, &deductible) {
            (Some(a), Some(d)) if a != d.currency => {
                return Err(mix(a, d.currency, id, deductible_span))
            }
            (Some(a), _) => a,
            (None, Some(d)) => d.currency,
            (None, None) => match self.checked.env.units.currency {
                Some(u) => u,
                None => return Ok(None),
            },
        };
        let mut paid = Decimal::ZERO;
        for (k, part) in parts.iter().enumerate() {
            if let Some(m) = part {
                let share = m
                    .amount
                    .checked_mul(w.pays[k])
                    .ok_or_else(|| overflow("money", id, w.span))?;
                paid = paid
                    .checked_add(cents(share, currency))
                    .ok_or_else(|| overflow("money", id, w.span))?;
            }
        }
        if let Some(d) = deductible {
            paid = paid
                .checked_sub(d.amount)
                .ok_or_else(|| overflow("money", id, deductible_span))?;
        }
        if paid < Decimal::ZERO {
            paid = Decimal::ZERO;
        }
        Ok(Some(Money {
            currency,
            amount: cents(paid, currency),
        }))
    }

    // -----------------------------------------------------------------------------------
    // recovery (§5.4)

    fn recovery(&mut self, r: &Recovery) -> Result<Outcome, EvalError> {
        let mut chosen = None;
        for s in &r.splits {
            if self.clause(s.when.as_ref(), &s.id)? {
                chosen = Some(s);
                break;
            }
        }
        let Some(s) = chosen else {
            return Ok(Outcome {
                values: vec![None, Some(Value::Set(Arc::from(Vec::new())))],
                rules: Vec::new(),
                no_match: true,
            });
        };
        let rows = self.split(&r.costs, s)?;
        let allocations: Vec<Value> = rows
            .into_iter()
            .map(|(party, amounts)| {
                let mut fields = vec![Some(Value::Label(Arc::from(party.as_str())))];
                for m in amounts {
                    fields.push(Some(Value::Money(m)));
                }
                Value::Record(fields.into())
            })
            .collect();
        Ok(Outcome::new(
            vec![
                Some(Value::Enum(s.variant)),
                Some(Value::Set(allocations.into())),
            ],
            vec![s.id.clone()],
        ))
    }

    /// Each party's parts, labor, handling, sublet and total, the remainder last (§5.4):
    /// in the claim's currency, every component rounded to the cent first; a party's
    /// share of a component rounded to the cent and never more than is left of it; a cap
    /// (cut down to the cent) taken off the party's parts first, then labor, handling,
    /// sublet, what it gives back left to the remainder.
    fn split(
        &mut self,
        costs: &[Ir; 4],
        s: &CheckedSplit,
    ) -> Result<Vec<(String, [Money; 5])>, EvalError> {
        let id = s.id.as_str();
        let parts = self.components(costs, id, s.span)?;
        let mut caps: Vec<Option<(Money, crate::diag::Span)>> = Vec::new();
        for p in &s.parties {
            let cap = match &p.cap {
                Some(ir) => match self.value(ir, id)? {
                    Some(Value::Money(m)) => Some((m, ir.span)),
                    _ => None,
                },
                None => None,
            };
            caps.push(cap);
        }
        let claim_currency = parts.iter().flatten().map(|m| m.currency).next();
        let currency = match claim_currency
            .or(self.checked.env.units.currency)
            .or_else(|| caps.iter().flatten().map(|(m, _)| m.currency).next())
            .or_else(|| Currency::new("XXX"))
        {
            Some(c) => c,
            None => return Err(overflow("currency", id, s.span)),
        };
        let claim: Vec<Decimal> = parts
            .iter()
            .map(|m| cents(m.as_ref().map_or(Decimal::ZERO, |m| m.amount), currency))
            .collect();
        let mut remaining = claim.clone();
        let mut rows: Vec<(String, Vec<Decimal>)> = Vec::new();
        for (p, cap) in s.parties.iter().zip(caps) {
            let mut mine = vec![Decimal::ZERO; 4];
            for k in 0..4 {
                let wanted = claim[k]
                    .checked_mul(p.shares[k])
                    .ok_or_else(|| overflow("money", id, s.span))?;
                let wanted = cents(wanted, currency);
                // never negative, never more than what is left of the component
                let take = if wanted <= Decimal::ZERO || remaining[k] <= Decimal::ZERO {
                    Decimal::ZERO
                } else if wanted > remaining[k] {
                    remaining[k]
                } else {
                    wanted
                };
                mine[k] = take;
                remaining[k] -= take;
            }
            if let Some((cap, span)) = cap {
                if claim_currency.is_some() && cap.currency != currency {
                    return Err(mix(currency, cap.currency, id, span));
                }
                let limit = if cap.amount < Decimal::ZERO {
                    Decimal::ZERO
                } else {
                    cap.amount
                        .round_dp_with_strategy(currency.minor_units(), RoundingStrategy::ToZero)
                };
                let mut total = Decimal::ZERO;
                for x in &mine {
                    total = total
                        .checked_add(*x)
                        .ok_or_else(|| overflow("money", id, s.span))?;
                }
                // give back what is over the cap, component by component in order
                let mut over = total - limit;
                let mut k = 0;
                while over > Decimal::ZERO && k < 4 {
                    let back = if over < mine[k] { over } else { mine[k] };
                    mine[k] -= back;
                    remaining[k] += back;
                    over -= back;
                    k += 1;
                }
            }
            rows.push((p.name.clone(), mine));
        }
        rows.push((s.remainder.clone(), remaining));
        let mut out = Vec::with_capacity(rows.len());
        for (party, amounts) in rows {
            let mut total = Decimal::ZERO;
            for x in &amounts {
                total = total
                    .checked_add(*x)
                    .ok_or_else(|| overflow("money", id, s.span))?;
            }
            let money = |amount: Decimal| Money { currency, amount };
            out.push((
                party,
                [
                    money(amounts[0]),
                    money(amounts[1]),
                    money(amounts[2]),
                    money(amounts[3]),
                    money(total),
                ],
            ));
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------
    // recalls (§5.8), reports and opportunities (§5.9)

    fn recalls(&mut self, list: &[CheckedRecall]) -> Result<Outcome, EvalError> {
        let mut open = Vec::new();
        for r in list {
            if self.clause(r.affects.as_ref(), &r.id)? {
                open.push(r.id.clone());
            }
        }
        let any = !open.is_empty();
        Ok(Outcome::new(
            vec![Some(labels(&open)), Some(Value::Bool(any))],
            open,
        ))
    }

    fn reports(&mut self, list: &[CheckedReport]) -> Result<Outcome, EvalError> {
        let mut ids = Vec::new();
        let mut titles = Vec::new();
        let mut due = Vec::new();
        let mut immediate = Vec::new();
        let mut calendars = Vec::new();
        for r in list {
            if !self.clause(r.when.as_ref(), &r.id)? {
                continue;
            }
            ids.push(r.id.clone());
            titles.push(Value::Text(Arc::from(r.title.as_str())));
            immediate.push(Value::Bool(matches!(
                r.due,
                Some(CheckedDue::Immediately(_))
            )));
            if let Some(c) = &r.calendar {
                calendars.push(c.clone());
            }
            if let Some(d) = &r.due {
                if let Some(day) = self.due_day(d, &r.id)? {
                    let cal = r.roll.and_then(|c| self.checked.calendars.get(c as usize));
                    due.push(crate::eval::items::roll_forward(cal, day, &r.id, r.span)?);
                }
            }
        }
        let any = !ids.is_empty();
        Ok(Outcome::new(
            vec![
                Some(labels(&ids)),
                Some(Value::Bool(any)),
                Some(labels(&ids)),
                Some(Value::Set(titles.into())),
                Some(Value::Set(due.into())),
                Some(Value::Set(immediate.into())),
                Some(labels(&calendars)),
            ],
            ids,
        ))
    }

    /// A report's deadline (`due DATE`, `due immediately after X`, or `due D after X`);
    /// none when what it counts from is absent.
    fn due_day(&mut self, due: &CheckedDue, id: &str) -> Result<Option<Value>, EvalError> {
        match due {
            CheckedDue::On(x) | CheckedDue::Immediately(x) => self.value(x, id),
            CheckedDue::After {
                offset,
                after,
                calendar,
                instant,
            } => {
                let Some(from) = self.value(after, id)? else {
                    return Ok(None);
                };
                let Some(delay) = self.value(offset, id)? else {
                    return Ok(None);
                };
                let cal = calendar.and_then(|k| self.checked.calendars.get(k as usize));
                crate::eval::items::deadline_after(cal, from, &delay, *instant, id, offset.span)
                    .map(Some)
            }
        }
    }

    fn opportunities(&mut self, list: &[CheckedOpportunity]) -> Result<Outcome, EvalError> {
        let mut ids = Vec::new();
        let mut teams = Vec::new();
        let mut worth = Vec::new();
        for o in list {
            if !self.clause(o.when.as_ref(), &o.id)? {
                continue;
            }
            ids.push(o.id.clone());
            if let Some(t) = &o.team {
                teams.push(t.clone());
            }
            if let Some(v) = &o.value {
                if let Some(x) = self.value(v, &o.id)? {
                    worth.push(x);
                }
            }
        }
        let any = !ids.is_empty();
        Ok(Outcome::new(
            vec![
                Some(labels(&ids)),
                Some(Value::Bool(any)),
                Some(labels(&teams)),
                Some(Value::Set(worth.into())),
            ],
            ids,
        ))
    }

    // -----------------------------------------------------------------------------------
    // routes (§5.5, §5.6)

    /// The route's rules, then: the queue's skills where the rules set none; the
    /// segment's service levels where the rules set none; each due instant from
    /// `contact.received_at` (business time on the queue's calendar, else the segment's,
    /// else the channel's).
    fn route(
        &mut self,
        index: usize,
        item: &ItemDecision,
        sla: &RouteSla,
    ) -> Result<Outcome, EvalError> {
        let ruled = self.rules_of(index)?;
        if ruled.no_match {
            return Ok(ruled);
        }
        let mut values = ruled.values;
        let name = item.name.as_str();
        let slot = |output: &str| item.outputs.iter().position(|o| o.name == output);
        let queue = match slot("queue").and_then(|k| values.get(k).cloned().flatten()) {
            Some(Value::Enum(v)) => sla.queues.get(v as usize).cloned(),
            _ => None,
        };
        if let (Some(k), Some(q)) = (slot("skills"), &queue) {
            if values[k].is_none() && !q.skills.is_empty() {
                values[k] = Some(labels(&q.skills));
            }
        }
        if let Some(seg) = &sla.segment {
            let levels = [
                ("first_response", Some(&seg.first_response)),
                ("resolve", Some(&seg.resolve)),
                ("escalate_after", Some(&seg.escalate_after)),
                ("channel_allowed", seg.channel_allowed.as_ref()),
            ];
            for (output, ir) in levels {
                if let (Some(k), Some(ir)) = (slot(output), ir) {
                    if values[k].is_none() {
                        values[k] = self.value(ir, name)?;
                    }
                }
            }
        }
        let received = match self.value(&sla.received_at, name)? {
            Some(Value::DateTime(t)) => t,
            _ => return Ok(Outcome::new(values, ruled.rules)),
        };
        let mut calendar: Option<Option<&'a CheckedCalendar>> = None;
        for (level, due) in [
            ("first_response", "first_response_due"),
            ("resolve", "resolve_due"),
            ("escalate_after", "escalate_at"),
        ] {
            let (Some(k), Some(d)) = (slot(level), slot(due)) else {
                continue;
            };
            let Some(Value::Duration(delay)) = values[k].clone() else {
                continue;
            };
            let at = match delay {
                Duration::BusinessDays(n) | Duration::BusinessHours(n) => {
                    if calendar.is_none() {
                        calendar = Some(self.route_calendar(sla, queue.as_ref(), name)?);
                    }
                    let cal = calendar.flatten().ok_or_else(|| EvalError::NeedsCalendar {
                        rule: name.to_string(),
                        span: item.span,
                    })?;
                    let at = if matches!(delay, Duration::BusinessDays(_)) {
                        business::add_days(cal, received, n)
                    } else {
                        business::add_hours(cal, received, n)
                    };
                    at.ok_or_else(|| overflow("date", name, item.span))?
                }
                exact_or_calendar => match value_ops::arith(
                    BinOp::Add,
                    &Value::DateTime(received),
                    &Value::Duration(exact_or_calendar),
                ) {
                    Ok(Value::DateTime(t)) => t,
                    Ok(_) => return Err(overflow("date", name, item.span)),
                    Err(e) => return Err(op_error(e, name, item.span)),
                },
            };
            values[d] = Some(Value::DateTime(at));
        }
        Ok(Outcome::new(values, ruled.rules))
    }

    /// `segment`'s rules, then `channel_allowed`: the segment chosen lists the contact's
    /// channel (or lists none) and the channel's item lists the segment (or lists none);
    /// absent without a segment or a contact.
    fn segment(
        &mut self,
        index: usize,
        item: &ItemDecision,
        channels: &SegmentChannels,
    ) -> Result<Outcome, EvalError> {
        let mut ruled = self.rules_of(index)?;
        let Some(read) = channels.channel.as_ref().filter(|_| !ruled.no_match) else {
            return Ok(ruled);
        };
        let channel = match self.value(read, &item.name) {
            Ok(Some(Value::Enum(c))) => c,
            Ok(_) | Err(EvalError::MissingRoot { .. }) => return Ok(ruled),
            Err(e) => return Err(e),
        };
        let Some(Some(Value::Enum(segment))) = ruled.values.first().cloned() else {
            return Ok(ruled);
        };
        let listed = ruled
            .values
            .get(usize::from(channels.channels_output))
            .cloned()
            .flatten();
        let segment_offers = match listed {
            Some(Value::Set(list)) => list.contains(&Value::Enum(channel)),
            _ => true,
        };
        let channel_serves = channels
            .offered_to
            .get(channel as usize)
            .cloned()
            .flatten()
            .is_none_or(|segments| segments.contains(&segment));
        if let Some(slot) = ruled.values.get_mut(usize::from(channels.allowed_output)) {
            *slot = Some(Value::Bool(segment_offers && channel_serves));
        }
        Ok(ruled)
    }

    /// `return_authorization`'s rules, then the money paid back for a refund or a credit:
    /// the value less the restocking share, to the currency's minor unit.
    fn refund(&mut self, index: usize, r: &RefundOutputs) -> Result<Outcome, EvalError> {
        let mut ruled = self.rules_of(index)?;
        let remedy = ruled.values.get(usize::from(r.remedy)).cloned().flatten();
        let pays = matches!(remedy, Some(Value::Enum(v))
            if v == crate::eval::items::REMEDY_REFUND || v == crate::eval::items::REMEDY_CREDIT);
        let value = match (&r.value, pays && !ruled.no_match) {
            (Some(ir), true) => self.value(ir, "return_authorization")?,
            _ => None,
        };
        let Some(Value::Money(value)) = value else {
            return Ok(ruled);
        };
        let share = match ruled
            .values
            .get(usize::from(r.restocking))
            .cloned()
            .flatten()
        {
            Some(Value::Percent(p)) => p,
            _ => rust_decimal::Decimal::ZERO,
        };
        let Some((back, fee)) = crate::eval::items::refund_amounts(&value, share) else {
            return Err(overflow("money", "return_authorization", item_span(r)));
        };
        for (k, m) in [(r.refund, back), (r.fee, fee)] {
            if let Some(slot) = ruled.values.get_mut(usize::from(k)) {
                *slot = Some(Value::Money(m));
            }
        }
        Ok(ruled)
    }

    fn route_calendar(
        &mut self,
        sla: &RouteSla,
        queue: Option<&crate::check::ir::QueueDef>,
        name: &str,
    ) -> Result<Option<&'a CheckedCalendar>, EvalError> {
        let checked: &'a crate::check::Checked = self.checked;
        if let Some(k) = queue.and_then(|q| q.calendar) {
            return Ok(checked.calendars.get(k as usize));
        }
        if let Some(seg) = &sla.segment {
            if let Some(Value::Label(cal)) = self.value(&seg.calendar, name)? {
                if let Some(c) = checked.calendars.iter().find(|c| c.name == *cal) {
                    return Ok(Some(c));
                }
            }
        }
        if let Some(Value::Enum(v)) = self.value(&sla.channel, name)? {
            if let Some(Some(k)) = sla.channel_calendars.get(v as usize) {
                return Ok(checked.calendars.get(*k as usize));
            }
        }
        Ok(None)
    }
}

/// Where a refund's overflow is reported: `return.value`.
fn item_span(r: &RefundOutputs) -> crate::diag::Span {
    r.value.as_ref().map_or(
        crate::diag::Span {
            file: crate::diag::FileId(0),
            start: 0,
            end: 0,
        },
        |v| v.span,
    )
}
