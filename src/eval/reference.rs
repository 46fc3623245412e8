//! The reference interpreter: each rule of a decision in order, each expression by plain
//! recursion over the checked IR, every value owned. It shares nothing with the production
//! engine (`engine`, which runs the compiled program and the engine's items) but the
//! checked IR and the value and business-time arithmetic (`value_ops`, `business`): hit
//! policies, aggregation, dependent decisions, expression evaluation and the domain items
//! (`items` below) are written again here, simply, so that the property tests that hold
//! the engine to this interpreter compare two implementations.
//!
//! ```
//! use aftersales::{RuleSet, facts::Facts, eval::reference};
//! let rules = RuleSet::from_sources([("a.rules".to_string(), r#"
//!     codes fault "Fault codes" { P0301 "Cylinder 1 misfire" {} }
//!     decision adjudicate {
//!       output action: enum { accept, reject } = accept
//!       rule late when has claim.submitted_date
//!                      and claim.submitted_date > claim.repair_date + 30 days
//!         then action = reject
//!     }"#.to_string())]).unwrap();
//! let facts = Facts::from_json_str(rules.env(), r#"{"claim": {"id": "C1", "fault": "P0301",
//!     "repair_date": "2026-01-10", "submitted_date": "2026-03-01"}}"#).unwrap();
//! let result = reference::decide(rules.checked(), "adjudicate", &facts).unwrap();
//! assert_eq!(result.rules, ["late"]);
//! assert_eq!(result, rules.decide("adjudicate", &facts).unwrap());
//! ```

use super::value_ops::{self, OpError};
use super::{Decision, EvalError};
use crate::check::ir::{Builtin, CheckedDecision, InSet, Ir, IrKind};
use crate::check::Checked;
use crate::diag::Span;
use crate::dsl::ast::{Aggregate, CmpOp, HitPolicy};
use crate::facts::Facts;
use crate::types::Type;
use crate::value::{Money, Value};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::sync::Arc;

mod items;

/// What a decision gives for one bundle, before it is named: what a dependent decision
/// is memoised as.
#[derive(Debug, Clone)]
struct Outcome {
    /// Its outputs, in declaration order.
    values: Vec<Option<Value>>,
    /// The rules (or items) whose outputs were used.
    rules: Vec<String>,
    /// Whether nothing applied (and nothing stands in for it).
    no_match: bool,
}

impl Outcome {
    /// An outcome in which something applied.
    fn new(values: Vec<Option<Value>>, rules: Vec<String>) -> Outcome {
        Outcome {
            values,
            rules,
            no_match: false,
        }
    }

    /// The decision `name` whose outputs are named `outputs`, in order.
    fn named(self, name: &str, outputs: impl Iterator<Item = String>) -> Decision {
        Decision {
            id: None,
            decision: name.to_string(),
            outputs: outputs.zip(self.values).collect(),
            rules: self.rules,
            no_match: self.no_match,
            types: None,
        }
    }
}

/// Evaluate decision `name` for one bundle.
pub fn decide(checked: &Checked, name: &str, facts: &Facts) -> Result<Decision, EvalError> {
    let i = checked
        .names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| {
            EvalError::unknown_decision(name, checked.names.iter().map(String::as_str))
        })?;
    let mut r = Reference {
        checked,
        facts,
        done: vec![None; checked.names.len()],
    };
    let outcome = r.outcome(i)?;
    let names = output_names(checked, i);
    let mut d = outcome.named(name, names.into_iter());
    d.id = facts.id().map(String::from);
    Ok(d)
}

/// The names of decision `i`'s outputs as results list them.
fn output_names(checked: &Checked, i: usize) -> Vec<String> {
    if let Some(item) = checked.items.get(i).and_then(Option::as_ref) {
        return item.outputs.iter().map(|o| o.name.clone()).collect();
    }
    match checked.decisions.get(i).and_then(Option::as_ref) {
        Some(d) if d.hit == HitPolicy::Collect(Some(Aggregate::Count)) => vec!["count".into()],
        Some(d) => d.outputs.iter().map(|o| o.name.clone()).collect(),
        None => Vec::new(),
    }
}

/// The interpreter of one bundle: the outcome of each decision evaluated so far.
struct Reference<'a> {
    checked: &'a Checked,
    facts: &'a Facts,
    done: Vec<Option<Result<Outcome, EvalError>>>,
}

/// An operation's error, naming the rule and the place.
fn op_error(e: OpError, rule: &str, span: Span) -> EvalError {
    EvalError::of_op(e, rule, span)
}

impl Reference<'_> {
    /// What decision `i` gives: its items', or its rules'.
    fn outcome(&mut self, i: usize) -> Result<Outcome, EvalError> {
        let checked = self.checked;
        match checked.items.get(i).and_then(Option::as_ref) {
            Some(item) => self.item(i, item),
            None => self.rules_of(i),
        }
    }

    /// Output `output` of decision `i`, evaluating the decision the first time it is read
    /// (on a stack grown on the heap when the thread's runs low: chains of decisions are
    /// as long as the rules make them).
    fn output(&mut self, i: usize, output: usize) -> Result<Option<Value>, EvalError> {
        if self.done.get(i).is_some_and(Option::is_none) {
            let r = stacker::maybe_grow(512 * 1024, 4 * 1024 * 1024, || self.outcome(i));
            self.done[i] = Some(r);
        }
        match self.done.get(i) {
            Some(Some(Ok(o))) => Ok(o.values.get(output).cloned().flatten()),
            Some(Some(Err(e))) => Err(e.clone()),
            _ => self
                .outcome(i)
                .map(|o| o.values.get(output).cloned().flatten()),
        }
    }

    /// Decision `i` as a plain decision: every rule in order (the first match only, for
    /// `first`), then its hit policy.
    fn rules_of(&mut self, i: usize) -> Result<Outcome, EvalError> {
        let checked = self.checked;
        let name = checked.names.get(i).map_or("", String::as_str);
        let d: &CheckedDecision = checked
            .decisions
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| EvalError::NotEvaluable(name.to_string()))?;
        let mut matched = Vec::new();
        for (ri, rule) in d.rules.iter().enumerate() {
            if let Some((from, to)) = rule.effective {
                let today = self.facts.today().ok_or(EvalError::MissingContext {
                    field: "today",
                    span: rule.span,
                })?;
                if today < from || today > to {
                    continue;
                }
            }
            if self.holds(&rule.when, &rule.id)? {
                matched.push(ri);
                if d.hit == HitPolicy::First {
                    break;
                }
            }
        }
        self.conclude(name, d, &matched)
    }

    /// The outputs `then` sets, over `defaults`.
    fn assign(
        &mut self,
        mut values: Vec<Option<Value>>,
        then: &[(u16, Ir)],
        rule: &str,
    ) -> Result<Vec<Option<Value>>, EvalError> {
        for (o, ir) in then {
            let v = self.value(ir, rule)?;
            if let Some(slot) = values.get_mut(*o as usize) {
                *slot = v;
            }
        }
        Ok(values)
    }

    /// The result of `d` given the rules that matched, in order.
    fn conclude(
        &mut self,
        name: &str,
        d: &CheckedDecision,
        matched: &[usize],
    ) -> Result<Outcome, EvalError> {
        let defaults: Vec<Option<Value>> = d.outputs.iter().map(|o| o.default.clone()).collect();
        let single = |values, rules, no_match| Outcome {
            values,
            rules,
            no_match,
        };
        let agg = match d.hit {
            HitPolicy::Collect(agg) => agg,
            HitPolicy::Unique if matched.len() > 1 => {
                return Err(EvalError::NotUnique {
                    decision: name.to_string(),
                    rules: matched.iter().map(|r| d.rules[*r].id.clone()).collect(),
                })
            }
            hit => {
                // the winner: the first, or the highest priority (the first of equals)
                let mut winner: Option<usize> = None;
                for &r in matched {
                    let better = match winner {
                        None => true,
                        Some(w) => {
                            hit == HitPolicy::Priority && d.rules[r].priority > d.rules[w].priority
                        }
                    };
                    if better {
                        winner = Some(r);
                    }
                }
                return match (winner, &d.otherwise) {
                    (Some(w), _) => {
                        let rule = &d.rules[w];
                        let values = self.assign(defaults, &rule.then, &rule.id)?;
                        Ok(single(values, vec![rule.id.clone()], false))
                    }
                    (None, Some(then)) => {
                        let values = self.assign(defaults, then, "otherwise")?;
                        Ok(single(values, Vec::new(), false))
                    }
                    (None, None) => Ok(single(defaults, Vec::new(), true)),
                };
            }
        };
        // collect: each output the list of the values the matching rules give it
        let mut lists: Vec<Vec<Value>> = vec![Vec::new(); d.outputs.len()];
        let mut rules = Vec::new();
        let gather = |values: Vec<Option<Value>>, lists: &mut Vec<Vec<Value>>| {
            for (list, v) in lists.iter_mut().zip(values) {
                list.extend(v);
            }
        };
        for &r in matched {
            let rule = &d.rules[r];
            let values = self.assign(defaults.clone(), &rule.then, &rule.id)?;
            gather(values, &mut lists);
            rules.push(rule.id.clone());
        }
        if matched.is_empty() {
            if let Some(then) = &d.otherwise {
                let values = self.assign(defaults.clone(), then, "otherwise")?;
                gather(values, &mut lists);
            }
        }
        let no_match = matched.is_empty() && d.otherwise.is_none();
        let Some(agg) = agg else {
            let values = lists
                .into_iter()
                .map(|l| Some(Value::Set(l.into())))
                .collect();
            return Ok(single(values, rules, no_match));
        };
        if agg == Aggregate::Count {
            return Ok(single(
                vec![Some(Value::Int(rules.len() as i64))],
                rules,
                no_match,
            ));
        }
        let list = lists.into_iter().next().unwrap_or_default();
        let ty = d.outputs.first().map(|o| &o.ty);
        let mut acc: Option<Value> = None;
        for v in list {
            acc = Some(match acc {
                None => v,
                Some(a) if agg == Aggregate::Sum => {
                    value_ops::arith(crate::dsl::ast::BinOp::Add, &a, &v)
                        .map_err(|e| op_error(e, "collect", d.span))?
                }
                Some(a) => {
                    let ord = self
                        .compare(&a, &v, ty)
                        .map_err(|e| op_error(e, "collect", d.span))?;
                    let keep_a = match agg {
                        Aggregate::Min => ord != Ordering::Greater,
                        _ => ord != Ordering::Less,
                    };
                    if keep_a {
                        a
                    } else {
                        v
                    }
                }
            });
        }
        // nothing to aggregate: the declared default, else 0 for `sum` (null otherwise)
        let value = match acc {
            Some(v) => Some(v),
            None => match defaults.into_iter().next().flatten() {
                Some(default) => Some(default),
                None if agg == Aggregate::Sum => Some(Value::Int(0)),
                None => None,
            },
        };
        Ok(single(vec![value], rules, no_match))
    }

    /// Two values in order; codes by their text in the table of `ty`.
    fn compare(&self, a: &Value, b: &Value, ty: Option<&Type>) -> Result<Ordering, OpError> {
        let codes = match ty {
            Some(Type::Code(t)) => Some(&self.checked.env.table(*t).codes),
            _ => None,
        };
        let text = |c: u32| {
            codes
                .and_then(|cs| cs.get(c as usize))
                .map(|d| d.code.as_str())
        };
        value_ops::compare_by(a, b, &|x, y| text(x).cmp(&text(y)))
    }

    /// Two values of expression `of` in order, errors naming `rule`.
    fn order(
        &self,
        a: &Value,
        b: &Value,
        of: &Ir,
        rule: &str,
        span: Span,
    ) -> Result<Ordering, EvalError> {
        self.compare(a, b, Some(&of.ty))
            .map_err(|e| op_error(e, rule, span))
    }

    /// Whether boolean expression `ir` of rule `rule` holds.
    fn holds(&mut self, ir: &Ir, rule: &str) -> Result<bool, EvalError> {
        let span = ir.span;
        match &ir.kind {
            IrKind::Has(p) => Ok(self.value(p, rule)?.is_some()),
            IrKind::Not(x) => Ok(!self.holds(x, rule)?),
            IrKind::And(items) => {
                for x in items.iter() {
                    if !self.holds(x, rule)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            IrKind::Or(items) => {
                for x in items.iter() {
                    if self.holds(x, rule)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            IrKind::Cmp { op, lhs, rhs } => {
                let a = self.value(lhs, rule)?;
                let b = self.value(rhs, rule)?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(false);
                };
                let ord = self.order(&a, &b, lhs, rule, span)?;
                Ok(match op {
                    CmpOp::Eq => ord == Ordering::Equal,
                    CmpOp::Ne => ord != Ordering::Equal,
                    CmpOp::Lt => ord == Ordering::Less,
                    CmpOp::Le => ord != Ordering::Greater,
                    CmpOp::Gt => ord == Ordering::Greater,
                    CmpOp::Ge => ord != Ordering::Less,
                })
            }
            IrKind::In {
                negated,
                value,
                set,
            } => {
                let Some(v) = self.value(value, rule)? else {
                    return Ok(*negated);
                };
                let found = match set {
                    InSet::List(items) => {
                        let mut found = false;
                        for x in items.iter() {
                            if let Some(x) = self.value(x, rule)? {
                                if self.order(&v, &x, value, rule, span)? == Ordering::Equal {
                                    found = true;
                                    break;
                                }
                            }
                        }
                        found
                    }
                    InSet::Range(lo, hi) => {
                        let lo = self.value(lo, rule)?;
                        let hi = self.value(hi, rule)?;
                        let (Some(lo), Some(hi)) = (lo, hi) else {
                            return Ok(*negated);
                        };
                        self.order(&v, &lo, value, rule, span)? != Ordering::Less
                            && self.order(&v, &hi, value, rule, span)? != Ordering::Greater
                    }
                    InSet::Codes(ids) => matches!(v, Value::Code(c) if ids.contains(&c)),
                    InSet::Set(s) => match self.value(s, rule)? {
                        Some(Value::Set(items)) => {
                            let mut found = false;
                            for x in items.iter() {
                                if self.order(&v, x, value, rule, span)? == Ordering::Equal {
                                    found = true;
                                    break;
                                }
                            }
                            found
                        }
                        _ => false,
                    },
                };
                Ok(found != *negated)
            }
            IrKind::Matches { value, regex } => Ok(match self.value(value, rule)? {
                Some(Value::Text(t)) => regex.is_match(&t),
                Some(Value::Code(c)) => {
                    let code = match &value.ty {
                        Type::Code(t) => self.checked.env.table(*t).codes.get(c as usize),
                        _ => None,
                    };
                    regex.is_match(code.map_or("", |d| d.code.as_str()))
                }
                _ => false,
            }),
            IrKind::Contains { container, item } => {
                let c = self.value(container, rule)?;
                let i = self.value(item, rule)?;
                let (Some(c), Some(i)) = (c, i) else {
                    return Ok(false);
                };
                match (&c, &i) {
                    (Value::Text(t), Value::Text(s)) => Ok(t.contains(s.as_ref())),
                    (Value::Set(items), x) => {
                        for e in items.iter() {
                            if self.order(e, x, item, rule, span)? == Ordering::Equal {
                                return Ok(true);
                            }
                        }
                        Ok(false)
                    }
                    _ => Ok(false),
                }
            }
            _ => Ok(matches!(self.value(ir, rule)?, Some(Value::Bool(true)))),
        }
    }

    /// The value of `ir` in rule `rule`; `None` for an absent optional value.
    fn value(&mut self, ir: &Ir, rule: &str) -> Result<Option<Value>, EvalError> {
        let env = &self.checked.env;
        let span = ir.span;
        match &ir.kind {
            IrKind::Const(v) => Ok(Some(v.clone())),
            IrKind::Field { root, fields } => {
                let schema = env.schema(*root);
                let context = schema.name == "context";
                let missing_context = || {
                    let name = fields
                        .first()
                        .and_then(|f| schema.fields.get(*f as usize))
                        .map(|f| f.name.as_str());
                    EvalError::MissingContext {
                        field: if name == Some("now") { "now" } else { "today" },
                        span,
                    }
                };
                let Some(record) = self.facts.root(*root) else {
                    return Err(if context {
                        missing_context()
                    } else {
                        EvalError::MissingRoot {
                            root: schema.name.clone(),
                            rule: rule.to_string(),
                            span,
                        }
                    });
                };
                let mut value: Option<&Value> = None;
                for (k, f) in fields.iter().enumerate() {
                    value = if k == 0 {
                        record.get(*f as usize).and_then(Option::as_ref)
                    } else {
                        match value {
                            Some(Value::Record(r)) => r.get(*f as usize).and_then(Option::as_ref),
                            _ => None,
                        }
                    };
                }
                if value.is_none() && context && !fields.is_empty() {
                    return Err(missing_context());
                }
                Ok(value.cloned())
            }
            IrKind::Get { base, field } => Ok(match self.value(base, rule)? {
                Some(Value::Record(r)) => r.get(*field as usize).cloned().flatten(),
                _ => None,
            }),
            IrKind::Attr { code, table, attr } => Ok(match self.value(code, rule)? {
                Some(Value::Code(c)) => env
                    .table(*table)
                    .codes
                    .get(c as usize)
                    .and_then(|d| d.attrs.get(*attr as usize))
                    .cloned()
                    .flatten(),
                _ => None,
            }),
            IrKind::Output { decision, output } => {
                self.output(*decision as usize, *output as usize)
            }
            IrKind::Has(_)
            | IrKind::Not(_)
            | IrKind::And(_)
            | IrKind::Or(_)
            | IrKind::Cmp { .. }
            | IrKind::In { .. }
            | IrKind::Matches { .. }
            | IrKind::Contains { .. } => Ok(Some(Value::Bool(self.holds(ir, rule)?))),
            IrKind::Neg(x) => match self.value(x, rule)? {
                Some(v) => value_ops::negate(&v)
                    .map(Some)
                    .map_err(|e| op_error(e, rule, span)),
                None => Ok(None),
            },
            IrKind::Arith { op, lhs, rhs } => {
                let a = self.value(lhs, rule)?;
                let b = self.value(rhs, rule)?;
                match (a, b) {
                    (Some(a), Some(b)) => value_ops::arith(*op, &a, &b)
                        .map(Some)
                        .map_err(|e| op_error(e, rule, span)),
                    _ => Ok(None),
                }
            }
            IrKind::List(items) => {
                let mut out = Vec::new();
                for x in items.iter() {
                    out.extend(self.value(x, rule)?);
                }
                Ok(Some(Value::Set(out.into())))
            }
            IrKind::Call { func, args } => self.call(*func, args, rule, span),
        }
    }

    /// A built-in function; `None` when an argument is absent.
    fn call(
        &mut self,
        func: Builtin,
        args: &[Ir],
        rule: &str,
        span: Span,
    ) -> Result<Option<Value>, EvalError> {
        let mut vals = Vec::new();
        for a in args {
            match self.value(a, rule)? {
                Some(v) => vals.push(v),
                None => return Ok(None),
            }
        }
        let text = |v: &Value| match v {
            Value::Text(t) => Some(t.to_string()),
            _ => None,
        };
        let date = |v: &Value| match v {
            Value::Date(d) => Some(*d),
            _ => None,
        };
        Ok(match (func, vals.as_slice()) {
            (Builtin::Lower, [v]) => text(v).map(|t| Value::Text(Arc::from(t.to_lowercase()))),
            (Builtin::Upper, [v]) => text(v).map(|t| Value::Text(Arc::from(t.to_uppercase()))),
            (Builtin::Len, [Value::Text(t)]) => Some(Value::Int(t.chars().count() as i64)),
            (Builtin::Len, [Value::Set(s)]) => Some(Value::Int(s.len() as i64)),
            (Builtin::StartsWith, [a, b]) => text(a)
                .zip(text(b))
                .map(|(a, b)| Value::Bool(a.starts_with(&b))),
            (Builtin::EndsWith, [a, b]) => text(a)
                .zip(text(b))
                .map(|(a, b)| Value::Bool(a.ends_with(&b))),
            (Builtin::DaysBetween, [a, b]) => date(a)
                .zip(date(b))
                .map(|(a, b)| Value::Int((b - a).num_days())),
            (Builtin::EndOfMonth | Builtin::EndOfQuarter | Builtin::EndOfYear, [a]) => {
                date(a).and_then(|d| {
                    use chrono::Datelike;
                    // the first day of the month after the period, less one day
                    let last_month = match func {
                        Builtin::EndOfMonth => d.month(),
                        Builtin::EndOfQuarter => (d.month() - 1) / 3 * 3 + 3,
                        _ => 12,
                    };
                    let (y, m) = if last_month == 12 {
                        (d.year() + 1, 1)
                    } else {
                        (d.year(), last_month + 1)
                    };
                    chrono::NaiveDate::from_ymd_opt(y, m, 1)
                        .and_then(|n| n.pred_opt())
                        .map(Value::Date)
                })
            }
            (Builtin::MonthsBetween, [a, b]) => match date(a).zip(date(b)) {
                Some((a, b)) => Some(Value::Int(value_ops::months_between(a, b).ok_or(
                    EvalError::Overflow {
                        what: "date",
                        rule: rule.to_string(),
                        span,
                    },
                )?)),
                None => None,
            },
            (Builtin::Min | Builtin::Max, [a, b]) => {
                let ord = self.order(a, b, &args[0], rule, span)?;
                let a_first = match func {
                    Builtin::Min => ord != Ordering::Greater,
                    _ => ord != Ordering::Less,
                };
                Some(if a_first { a.clone() } else { b.clone() })
            }
            (Builtin::Round, [x, Value::Int(places)]) => {
                let p = u32::try_from(*places).unwrap_or(0);
                let round = |d: Decimal| {
                    d.round_dp_with_strategy(p, rust_decimal::RoundingStrategy::MidpointNearestEven)
                };
                Some(match x {
                    Value::Decimal(d) => Value::Decimal(round(*d)),
                    // a percent rounds as written: round(70.55%, 1) is 70.6%
                    Value::Percent(d) => {
                        Value::Percent(round(*d * Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED)
                    }
                    Value::Money(m) => Value::Money(Money {
                        currency: m.currency,
                        amount: round(m.amount),
                    }),
                    other => other.clone(),
                })
            }
            _ => None,
        })
    }
}
