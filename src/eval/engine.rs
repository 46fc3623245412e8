//! The production engine: a decision through its compiled form (the DAG or bit-vector
//! leaf of [`crate::compile`]), the decisions lowered from items through `items`, the
//! decisions it reads evaluated once per bundle (memoised, on a stack that grows as
//! needed), and, when asked, the explanation of every test made. [`crate::RuleSet`] is the
//! way in. The reference interpreter ([`super::reference`]) is a separate, plainer
//! implementation sharing only the checked IR, the items' clauses and the value
//! arithmetic; property tests hold the two to each other.

mod trace;

use super::explain::Explanation;
use super::items::Outcome;
use super::value_ops::{self, OpError};
use super::{Decision, EvalError};
use crate::check::ir::{Builtin, CheckedDecision, InSet, Ir, IrKind};
use crate::check::Checked;
use crate::compile::Program;
use crate::diag::Span;
use crate::dsl::ast::{Aggregate, HitPolicy};
use crate::facts::Facts;
use crate::value::{Money, Value};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

/// Evaluate decision `name` for one bundle rule by rule and explain the result: every
/// test made along the way, in order (see [`super::explain`]). On an evaluation error the
/// error alone comes back; the tests made before it are not returned (the error names the
/// rule and span). [`crate::RuleSet::explain`] is the way in.
pub(crate) fn decide_explained(
    checked: &Checked,
    name: &str,
    facts: &Facts,
) -> Result<(Decision, Explanation), EvalError> {
    let i = checked
        .names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| {
            EvalError::unknown_decision(name, checked.names.iter().map(String::as_str))
        })?;
    let (d, trace) = run_index(checked, None, i, facts, Some(trace::Trace::default()))?;
    Ok((d, trace.map(trace::Trace::finish).unwrap_or_default()))
}

/// Evaluate decision number `i`, through the compiled `engine` where given (dependent
/// decisions too), else rule by rule.
pub(crate) fn decide_index(
    checked: &Checked,
    engine: Option<&Program>,
    i: usize,
    facts: &Facts,
) -> Result<Decision, EvalError> {
    let mut out = Outcome::default();
    decide_into(checked, engine, i, facts, &mut out, &mut Vec::new())?;
    let mut d = named(checked, i, out);
    d.id = facts.id().map(String::from);
    Ok(d)
}

/// Evaluate decision number `i` into `out` (its values and rules replaced, their storage
/// kept), through the compiled `engine` where given; `matched` is scratch for the rules
/// that match. Nothing is allocated for a plain decision whose outputs and rules fit the
/// storage `out` and `matched` already have (a decision lowered from items, or one that
/// reads other decisions, allocates for them).
pub(crate) fn decide_into(
    checked: &Checked,
    engine: Option<&Program>,
    i: usize,
    facts: &Facts,
    out: &mut Outcome,
    matched: &mut Vec<usize>,
) -> Result<(), EvalError> {
    Engine::new(checked, facts, engine, None).outcome_into(i, out, matched)
}

fn run_index(
    checked: &Checked,
    engine: Option<&Program>,
    i: usize,
    facts: &Facts,
    trace: Option<trace::Trace>,
) -> Result<(Decision, Option<trace::Trace>), EvalError> {
    let mut it = Engine::new(checked, facts, engine, trace);
    let mut d = it.decision(i)?;
    d.id = facts.id().map(String::from);
    Ok((d, it.trace))
}

/// Decision `i`'s outcome named: the decision's name, its outputs'.
pub(crate) fn named(checked: &Checked, i: usize, outcome: Outcome) -> Decision {
    let name = checked.names.get(i).map_or("", String::as_str);
    outcome.named(checked, i, name, output_names(checked, i))
}

/// The names of decision `i`'s outputs as results list them: the declared outputs (of a
/// plain decision, or those of the items it is lowered from), `count` alone for a
/// `collect count` decision.
pub(crate) fn output_names(checked: &Checked, i: usize) -> impl Iterator<Item = &str> {
    let name = move |k: usize| match checked.items.get(i).and_then(Option::as_ref) {
        Some(item) => item.outputs.get(k).map(|o| o.name.as_str()),
        None => match checked.decisions.get(i).and_then(Option::as_ref) {
            Some(d) if d.hit == HitPolicy::Collect(Some(Aggregate::Count)) => {
                (k == 0).then_some("count")
            }
            Some(d) => d.outputs.get(k).map(|o| o.name.as_str()),
            None => None,
        },
    };
    (0..).map_while(name)
}

/// Evaluate decision number `i` through the compiled `engine` (as [`decide_index`]) and
/// write its result line into `out` as [`Decision::write_json`] writes it, without
/// building the [`Decision`]. On an error nothing is written.
pub(crate) fn decide_json(
    checked: &Checked,
    engine: Option<&Program>,
    i: usize,
    facts: &Facts,
    out: &mut Vec<u8>,
) -> Result<(), EvalError> {
    // the outcome and the matched rules in this thread's scratch (a decision evaluated
    // meanwhile on this thread finds it taken and uses fresh storage)
    let (mut outcome, mut matched) = JSON_SCRATCH.with(std::cell::Cell::take);
    let r = decide_into(checked, engine, i, facts, &mut outcome, &mut matched);
    if r.is_ok() {
        super::write_result(
            checked,
            super::ResultParts {
                id: facts.id(),
                decision: checked.names.get(i).map_or("", String::as_str),
                outputs: output_names(checked, i).zip(outcome.values.iter().map(Option::as_ref)),
                rules: outcome
                    .rules
                    .iter()
                    .map(|k| super::items::rule_name(checked, i, *k)),
                no_match: outcome.no_match,
            },
            out,
        );
    }
    JSON_SCRATCH.with(|c| c.set((outcome, matched)));
    r
}

std::thread_local! {
    /// The storage [`decide_json`] decides into, kept from one bundle to the next.
    static JSON_SCRATCH: std::cell::Cell<(Outcome, Vec<usize>)> =
        const { std::cell::Cell::new((Outcome { values: Vec::new(), rules: Vec::new(), no_match: false }, Vec::new())) };
}

/// The evaluator of one bundle: expressions by recursion over the IR, decisions rule by
/// rule or through the compiled engine, dependent decisions memoised.
pub(crate) struct Engine<'a> {
    checked: &'a Checked,
    facts: &'a Facts,
    /// The compiled decisions, when evaluating through them.
    engine: Option<&'a Program>,
    /// Decisions already evaluated for this bundle, by index (dependent decisions run
    /// once); empty until a decision reads another. A decision reads a few others: a
    /// short list, searched.
    memo: Vec<(usize, Result<Outcome, EvalError>)>,
    /// Past [`MEMO_SCAN`] entries, where each decision's entry is in `memo` (`u32::MAX`:
    /// none), so that long chains of decisions stay linear.
    memo_at: Vec<u32>,
    /// The explanation being recorded, when asked for one.
    trace: Option<trace::Trace>,
    /// The decision lowered from items being evaluated, if any.
    item: Option<usize>,
}

impl<'a> super::items::ExprEval for Engine<'a> {
    fn eval(&mut self, ir: &Ir, rule: &str) -> Result<Option<Value>, EvalError> {
        Engine::eval(self, ir, &At { rule })
    }
    fn today(&self) -> Option<chrono::NaiveDate> {
        self.facts.today()
    }
    fn now(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.facts.now()
    }
    fn rules(&mut self, index: usize) -> Result<Outcome, EvalError> {
        Engine::rules(self, index)
    }
    fn test(&mut self, ir: &Ir, rule: &str) -> Result<bool, EvalError> {
        self.item_test(ir, rule)
    }
    fn explaining(&self) -> bool {
        self.trace.is_some()
    }
    fn note(&mut self, rule: &str, step: super::items::Note) {
        self.note_step(rule, step.span, step.test, step.value, step.seen);
    }
    fn clauses(&mut self, set: usize, n: usize, absent: bool) -> Option<Vec<bool>> {
        // an explanation records each clause read: one by one, then
        if self.trace.is_some() {
            return None;
        }
        let program: &'a Program = self.engine?;
        let cs = program.item(self.item?)?.sets.get(set)?;
        let mut matched = Vec::new();
        cs.compiled.matched(&cs.decision, self, &mut matched).ok()?;
        let mut holds = vec![absent; n];
        for k in &cs.items {
            *holds.get_mut(*k as usize)? = false;
        }
        for r in matched {
            *holds.get_mut(*cs.items.get(r)? as usize)? = true;
        }
        Some(holds)
    }
}

/// Dependent decisions memoised before the memo is indexed by decision (a few are
/// searched faster than indexed).
const MEMO_SCAN: usize = 16;

/// Stack left below which evaluating a dependent decision moves to a new segment: enough
/// for one decision's expressions at their deepest (128 levels) in an unoptimised build.
const STACK_RED_ZONE: usize = 512 * 1024;
/// The size of each new stack segment.
const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// Where an expression is evaluated, for errors.
pub(crate) struct At<'r> {
    pub(crate) rule: &'r str,
}

impl<'a> Engine<'a> {
    /// The engine of one bundle, nothing evaluated yet.
    fn new(
        checked: &'a Checked,
        facts: &'a Facts,
        engine: Option<&'a Program>,
        trace: Option<trace::Trace>,
    ) -> Engine<'a> {
        Engine {
            checked,
            facts,
            engine,
            memo: Vec::new(),
            memo_at: Vec::new(),
            trace,
            item: None,
        }
    }

    fn output_of(&mut self, decision: usize, output: usize) -> Result<Option<Value>, EvalError> {
        let value = |d: &Outcome| d.values.get(output).cloned().flatten();
        let found = if self.memo_at.is_empty() {
            self.memo.iter().position(|(i, _)| *i == decision)
        } else {
            self.memo_at
                .get(decision)
                .filter(|&&at| at != u32::MAX)
                .map(|&at| at as usize)
        };
        if let Some((_, done)) = found.and_then(|at| self.memo.get(at)) {
            return done.as_ref().map(value).map_err(Clone::clone);
        }
        // a decision read by a decision read by …: chains as long as the rules make them
        // (each link a few frames) run on a stack grown on the heap as needed, never
        // overflowing the thread's
        let r = stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.outcome(decision));
        let out = r.as_ref().map(value).map_err(Clone::clone);
        let n = self.checked.names.len();
        if decision < n {
            if self.memo.len() == MEMO_SCAN && self.memo_at.is_empty() {
                self.memo_at = vec![u32::MAX; n];
                for (at, (i, _)) in self.memo.iter().enumerate() {
                    self.memo_at[*i] = at as u32;
                }
            }
            if let Some(slot) = self.memo_at.get_mut(decision) {
                *slot = u32::try_from(self.memo.len()).unwrap_or(u32::MAX);
            }
            self.memo.push((decision, r));
        }
        out
    }

    /// Decision `i`, named.
    fn decision(&mut self, i: usize) -> Result<Decision, EvalError> {
        Ok(named(self.checked, i, self.outcome(i)?))
    }

    /// What decision `i` gives.
    fn outcome(&mut self, i: usize) -> Result<Outcome, EvalError> {
        let mut out = Outcome::default();
        self.outcome_into(i, &mut out, &mut Vec::new())?;
        Ok(out)
    }

    /// What decision `i` gives, into `out`; `matched` is scratch.
    fn outcome_into(
        &mut self,
        i: usize,
        out: &mut Outcome,
        matched: &mut Vec<usize>,
    ) -> Result<(), EvalError> {
        // a decision lowered from items that need more than rules (a route: its rules,
        // completed)
        match self.checked.items.get(i).and_then(Option::as_ref) {
            Some(item) => {
                // the item being evaluated, for the steps of its clauses
                let outer = self.item.replace(i);
                let r = super::items::eval_item(self.checked, i, item, self);
                self.item = outer;
                *out = r?;
                Ok(())
            }
            None => self.rules_into(i, out, matched),
        }
    }

    /// Decision `i` as a plain decision: its rules.
    fn rules(&mut self, i: usize) -> Result<Outcome, EvalError> {
        let mut out = Outcome::default();
        self.rules_into(i, &mut out, &mut Vec::new())?;
        Ok(out)
    }

    /// Decision `i` as a plain decision, into `out`; `matched` is scratch.
    fn rules_into(
        &mut self,
        i: usize,
        out: &mut Outcome,
        matched: &mut Vec<usize>,
    ) -> Result<(), EvalError> {
        let checked: &'a Checked = self.checked;
        let name = checked.names.get(i).map_or("", String::as_str);
        let d: &'a CheckedDecision = checked
            .decisions
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| EvalError::NotEvaluable(name.to_string()))?;
        match self.engine.and_then(|e| e.decision(i)) {
            Some(compiled) => compiled.matched(d, self, matched)?,
            None => {
                matched.clear();
                self.scan(d, matched)?;
            }
        }
        self.conclude(name, d, matched, out)
    }

    /// The facts being evaluated.
    pub(crate) fn facts(&self) -> &'a Facts {
        self.facts
    }

    /// The rules of `d` that match, in order, tried one by one (the first only for
    /// `first`), pushed onto `matched`.
    pub(crate) fn scan(
        &mut self,
        d: &'a CheckedDecision,
        matched: &mut Vec<usize>,
    ) -> Result<(), EvalError> {
        for (ri, rule) in d.rules.iter().enumerate() {
            if let Some((from, to)) = rule.effective {
                let today = self.facts.today().ok_or(EvalError::MissingContext {
                    field: "today",
                    span: rule.span,
                })?;
                if today < from || today > to {
                    self.note_effective(&d.name, rule, today);
                    continue;
                }
            }
            if self.when(&d.name, rule)? {
                matched.push(ri);
                if matches!(d.hit, HitPolicy::First) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The result of `d` given the rules that matched, in order, into `out`.
    fn conclude(
        &mut self,
        name: &str,
        d: &'a CheckedDecision,
        matched: &[usize],
        out: &mut Outcome,
    ) -> Result<(), EvalError> {
        out.rules.clear();
        out.no_match = false;
        let defaults = |values: &mut Vec<Option<Value>>| {
            values.clear();
            values.extend(d.outputs.iter().map(|o| o.default.clone()));
        };
        match d.hit {
            HitPolicy::First | HitPolicy::Unique | HitPolicy::Priority => {
                let winner = match d.hit {
                    HitPolicy::Unique if matched.len() > 1 => {
                        return Err(EvalError::NotUnique {
                            decision: name.to_string(),
                            rules: matched.iter().map(|r| d.rules[*r].id.clone()).collect(),
                        })
                    }
                    // highest priority, ties by order
                    HitPolicy::Priority => matched.iter().copied().max_by(|a, b| {
                        d.rules[*a]
                            .priority
                            .cmp(&d.rules[*b].priority)
                            .then(b.cmp(a))
                    }),
                    _ => matched.first().copied(),
                };
                defaults(&mut out.values);
                match winner {
                    Some(ri) => {
                        let rule = &d.rules[ri];
                        self.assign(&mut out.values, &rule.then, &At { rule: &rule.id })?;
                        out.rules.push(ri as u32);
                    }
                    None => match &d.otherwise {
                        Some(then) => {
                            self.assign(&mut out.values, then, &At { rule: "otherwise" })?;
                        }
                        None => out.no_match = true,
                    },
                }
                Ok(())
            }
            HitPolicy::Collect(agg) => {
                let mut base = Vec::new();
                defaults(&mut base);
                // each output: the list of the values each matching rule gives it
                let mut lists: Vec<Vec<Value>> = vec![Vec::new(); d.outputs.len()];
                for ri in matched {
                    let rule = &d.rules[*ri];
                    let mut values = base.clone();
                    self.assign(&mut values, &rule.then, &At { rule: &rule.id })?;
                    for (list, v) in lists.iter_mut().zip(values) {
                        if let Some(v) = v {
                            list.push(v);
                        }
                    }
                    out.rules.push(*ri as u32);
                }
                if matched.is_empty() {
                    if let Some(then) = &d.otherwise {
                        let mut values = base.clone();
                        self.assign(&mut values, then, &At { rule: "otherwise" })?;
                        for (list, v) in lists.iter_mut().zip(values) {
                            list.extend(v);
                        }
                    }
                }
                out.no_match = matched.is_empty() && d.otherwise.is_none();
                out.values.clear();
                match agg {
                    None => {
                        out.values
                            .extend(lists.into_iter().map(|l| Some(Value::Set(l.into()))));
                    }
                    Some(Aggregate::Count) => {
                        out.values.push(Some(Value::Int(out.rules.len() as i64)));
                    }
                    Some(agg) => {
                        let list = lists.into_iter().next().unwrap_or_default();
                        let at = At { rule: "collect" };
                        let span = d.span;
                        let ty = d.outputs.first().map(|o| o.ty.clone());
                        let v = self.aggregate(agg, list, ty.as_ref(), &at, span)?;
                        // nothing to aggregate (no match, and no `otherwise`): the declared
                        // default where there is one (LANGUAGE.md §8's no_match rule), else
                        // 0 for `sum` and null for `min` and `max`
                        let v = match (v, agg) {
                            (None, _) if base.first().is_some_and(Option::is_some) => {
                                base.into_iter().next().flatten()
                            }
                            (None, Aggregate::Sum) => Some(Value::Int(0)),
                            (v, _) => v,
                        };
                        out.values.push(v);
                    }
                }
                Ok(())
            }
        }
    }

    fn aggregate(
        &self,
        agg: Aggregate,
        list: Vec<Value>,
        ty: Option<&crate::types::Type>,
        at: &At<'_>,
        span: Span,
    ) -> Result<Option<Value>, EvalError> {
        // codes order by their text, in the table of the aggregated output
        let code_text = |c: u32| match ty {
            Some(crate::types::Type::Code(t)) => self
                .checked
                .env
                .table(*t)
                .codes
                .get(c as usize)
                .map(|d| d.code.clone()),
            _ => None,
        };
        let mut acc: Option<Value> = None;
        for v in list {
            acc = Some(match acc {
                None => v,
                Some(a) => match agg {
                    Aggregate::Sum => value_ops::arith(crate::dsl::ast::BinOp::Add, &a, &v)
                        .map_err(|e| self.op_error(e, at, span))?,
                    _ => {
                        let ord = value_ops::compare(&a, &v, &code_text)
                            .map_err(|e| self.op_error(e, at, span))?;
                        let keep_a = if agg == Aggregate::Min {
                            ord != Ordering::Greater
                        } else {
                            ord != Ordering::Less
                        };
                        if keep_a {
                            a
                        } else {
                            v
                        }
                    }
                },
            });
        }
        Ok(acc)
    }

    fn assign(
        &mut self,
        values: &mut [Option<Value>],
        then: &[(u16, Ir)],
        at: &At<'_>,
    ) -> Result<(), EvalError> {
        for (o, ir) in then {
            let v = self.eval(ir, at)?;
            if let Some(slot) = values.get_mut(*o as usize) {
                *slot = v;
            }
        }
        Ok(())
    }

    fn op_error(&self, e: OpError, at: &At<'_>, span: Span) -> EvalError {
        EvalError::of_op(e, at.rule, span)
    }

    /// Whether `ir` holds (is `true`). The boolean forms (`and`, `or`, `not`, `has`,
    /// comparisons, `in`, `matches`, `contains`) are tested directly, without building a
    /// value; anything else is evaluated.
    pub(crate) fn truth(&mut self, ir: &Ir, at: &At<'_>) -> Result<bool, EvalError> {
        let span = ir.span;
        match &ir.kind {
            IrKind::Has(p) => Ok(self.val(p, at)?.is_some()),
            IrKind::Not(x) => Ok(!self.truth(x, at)?),
            IrKind::And(items) => {
                for i in items.iter() {
                    if !self.truth(i, at)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            IrKind::Or(items) => {
                for i in items.iter() {
                    if self.truth(i, at)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            IrKind::Cmp { op, lhs, rhs } => {
                let (Some(a), Some(b)) = (self.val(lhs, at)?, self.val(rhs, at)?) else {
                    return Ok(false);
                };
                let ord = self.order(&a, &b, lhs, at, span)?;
                Ok(crate::compile::atoms::holds(*op, ord))
            }
            IrKind::In {
                negated,
                value,
                set,
            } => {
                let Some(v) = self.val(value, at)? else {
                    return Ok(*negated);
                };
                let found = match set {
                    InSet::List(items) => {
                        let mut found = false;
                        for i in items.iter() {
                            if let Some(x) = self.val(i, at)? {
                                if self.order(&v, &x, value, at, span)? == Ordering::Equal {
                                    found = true;
                                    break;
                                }
                            }
                        }
                        found
                    }
                    InSet::Range(lo, hi) => {
                        let (Some(l), Some(h)) = (self.val(lo, at)?, self.val(hi, at)?) else {
                            return Ok(*negated);
                        };
                        self.order(&v, &l, value, at, span)? != Ordering::Less
                            && self.order(&v, &h, value, at, span)? != Ordering::Greater
                    }
                    InSet::Codes(ids) => match *v {
                        Value::Code(c) => ids.binary_search(&c).is_ok(),
                        _ => false,
                    },
                    InSet::Set(s) => match self.val(s, at)?.as_deref() {
                        Some(Value::Set(items)) => {
                            let mut found = false;
                            for x in items.iter() {
                                if self.order(&v, x, value, at, span)? == Ordering::Equal {
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
            IrKind::Matches { value, regex } => Ok(match self.val(value, at)?.as_deref() {
                Some(Value::Text(t)) => regex.is_match(t),
                Some(Value::Code(c)) => {
                    regex.is_match(&self.code_text(value, *c).unwrap_or_default())
                }
                _ => false,
            }),
            IrKind::Contains { container, item } => {
                let (Some(c), Some(i)) = (self.val(container, at)?, self.val(item, at)?) else {
                    return Ok(false);
                };
                Ok(match (&*c, &*i) {
                    (Value::Text(t), Value::Text(s)) => t.contains(s.as_ref()),
                    (Value::Set(items), x) => {
                        let mut found = false;
                        for e in items.iter() {
                            if self.order(e, x, item, at, span)? == Ordering::Equal {
                                found = true;
                                break;
                            }
                        }
                        found
                    }
                    _ => false,
                })
            }
            _ => Ok(matches!(
                self.val(ir, at)?.as_deref(),
                Some(Value::Bool(true))
            )),
        }
    }

    /// The value of `ir`; `None` for an absent optional value. With the trace on, the
    /// paths a test reads are recorded.
    fn eval(&mut self, ir: &Ir, at: &At<'_>) -> Result<Option<Value>, EvalError> {
        Ok(self.val(ir, at)?.map(Cow::into_owned))
    }

    /// The value of `ir` as [`Engine::eval`] gives it, borrowed where it is read
    /// (a constant of the IR, a field of the facts, an attribute of a code): reading a
    /// value clones nothing.
    fn val<'i>(&mut self, ir: &'i Ir, at: &At<'_>) -> Result<Option<Cow<'i, Value>>, EvalError>
    where
        'a: 'i,
    {
        if self.trace.is_some()
            && matches!(
                ir.kind,
                IrKind::Field { .. }
                    | IrKind::Get { .. }
                    | IrKind::Attr { .. }
                    | IrKind::Output { .. }
            )
        {
            return Ok(self.eval_seen(ir, at)?.map(Cow::Owned));
        }
        self.val_inner(ir, at)
    }

    /// [`Engine::val`] without the trace, owned.
    fn eval_inner(&mut self, ir: &Ir, at: &At<'_>) -> Result<Option<Value>, EvalError> {
        Ok(self.val_inner(ir, at)?.map(Cow::into_owned))
    }

    fn val_inner<'i>(
        &mut self,
        ir: &'i Ir,
        at: &At<'_>,
    ) -> Result<Option<Cow<'i, Value>>, EvalError>
    where
        'a: 'i,
    {
        let checked: &'a Checked = self.checked;
        let facts: &'a Facts = self.facts;
        let env = &checked.env;
        let span = ir.span;
        let owned = |v: Value| Ok(Some(Cow::Owned(v)));
        match &ir.kind {
            IrKind::Const(v) => Ok(Some(Cow::Borrowed(v))),
            IrKind::Field { root, fields } => {
                let Some(record) = facts.root(*root) else {
                    let schema = env.schema(*root);
                    if schema.name == "context" {
                        let field = match fields
                            .first()
                            .map(|f| schema.fields[*f as usize].name.as_str())
                        {
                            Some("now") => "now",
                            _ => "today",
                        };
                        return Err(EvalError::MissingContext { field, span });
                    }
                    return Err(EvalError::MissingRoot {
                        root: schema.name.clone(),
                        rule: at.rule.to_string(),
                        span,
                    });
                };
                let mut it = fields.iter();
                let Some(first) = it.next() else {
                    return Ok(None);
                };
                let mut v: Option<&'a Value> = record.get(*first as usize).and_then(Option::as_ref);
                for f in it {
                    v = match v {
                        Some(Value::Record(r)) => r.get(*f as usize).and_then(Option::as_ref),
                        _ => None,
                    };
                }
                if v.is_none() && env.schema(*root).name == "context" {
                    let name = fields
                        .first()
                        .map(|f| env.schema(*root).fields[*f as usize].name.as_str());
                    return Err(EvalError::MissingContext {
                        field: if name == Some("now") { "now" } else { "today" },
                        span,
                    });
                }
                Ok(v.map(Cow::Borrowed))
            }
            IrKind::Get { base, field } => Ok(match self.val(base, at)? {
                Some(Cow::Borrowed(Value::Record(r))) => r
                    .get(*field as usize)
                    .and_then(Option::as_ref)
                    .map(Cow::Borrowed),
                Some(Cow::Owned(Value::Record(r))) => {
                    r.get(*field as usize).cloned().flatten().map(Cow::Owned)
                }
                _ => None,
            }),
            IrKind::Attr { code, table, attr } => Ok(match self.val(code, at)?.as_deref() {
                Some(Value::Code(c)) => env
                    .table(*table)
                    .codes
                    .get(*c as usize)
                    .and_then(|d| d.attrs.get(*attr as usize))
                    .and_then(Option::as_ref)
                    .map(Cow::Borrowed),
                _ => None,
            }),
            IrKind::Output { decision, output } => Ok(self
                .output_of(*decision as usize, *output as usize)?
                .map(Cow::Owned)),
            IrKind::Has(_)
            | IrKind::Not(_)
            | IrKind::And(_)
            | IrKind::Or(_)
            | IrKind::Cmp { .. }
            | IrKind::In { .. }
            | IrKind::Matches { .. }
            | IrKind::Contains { .. } => owned(Value::Bool(self.truth(ir, at)?)),
            IrKind::Neg(x) => match self.val(x, at)? {
                Some(v) => value_ops::negate(&v)
                    .map(|v| Some(Cow::Owned(v)))
                    .map_err(|e| self.op_error(e, at, span)),
                None => Ok(None),
            },
            IrKind::Arith { op, lhs, rhs } => {
                let (Some(a), Some(b)) = (self.val(lhs, at)?, self.val(rhs, at)?) else {
                    return Ok(None);
                };
                value_ops::arith(*op, &a, &b)
                    .map(|v| Some(Cow::Owned(v)))
                    .map_err(|e| self.op_error(e, at, span))
            }
            IrKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items.iter() {
                    out.extend(self.eval(i, at)?);
                }
                owned(Value::Set(out.into()))
            }
            IrKind::Call { func, args } => Ok(self.call(*func, args, at, span)?.map(Cow::Owned)),
        }
    }

    /// The text of a code, for the table of the expression that yields it.
    fn code_text(&self, of: &Ir, code: u32) -> Option<String> {
        match of.ty {
            crate::types::Type::Code(t) => self
                .checked
                .env
                .table(t)
                .codes
                .get(code as usize)
                .map(|c| c.code.clone()),
            _ => None,
        }
    }

    fn order(
        &self,
        a: &Value,
        b: &Value,
        of: &Ir,
        at: &At<'_>,
        span: Span,
    ) -> Result<Ordering, EvalError> {
        let texts = match of.ty {
            crate::types::Type::Code(t) => Some(&self.checked.env.table(t).codes),
            _ => None,
        };
        let text = |c: u32| {
            texts
                .and_then(|codes| codes.get(c as usize))
                .map(|d| d.code.as_str())
        };
        value_ops::compare_by(a, b, &|x, y| text(x).cmp(&text(y)))
            .map_err(|e| self.op_error(e, at, span))
    }

    fn call(
        &mut self,
        func: Builtin,
        args: &[Ir],
        at: &At<'_>,
        span: Span,
    ) -> Result<Option<Value>, EvalError> {
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            match self.eval(a, at)? {
                Some(v) => vals.push(v),
                None => return Ok(None),
            }
        }
        let text = |v: &Value| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        };
        let date = |v: &Value| match v {
            Value::Date(d) => Some(*d),
            _ => None,
        };
        let overflow = || EvalError::Overflow {
            what: "date",
            rule: at.rule.to_string(),
            span,
        };
        Ok(match (func, vals.as_slice()) {
            (Builtin::Lower, [v]) => text(v).map(|t| Value::Text(Arc::from(t.to_lowercase()))),
            (Builtin::Upper, [v]) => text(v).map(|t| Value::Text(Arc::from(t.to_uppercase()))),
            (Builtin::Len, [Value::Text(t)]) => Some(Value::Int(t.chars().count() as i64)),
            (Builtin::Len, [Value::Set(s)]) => Some(Value::Int(s.len() as i64)),
            (Builtin::StartsWith, [a, b]) => match (text(a), text(b)) {
                (Some(a), Some(b)) => Some(Value::Bool(a.starts_with(b.as_ref()))),
                _ => None,
            },
            (Builtin::EndsWith, [a, b]) => match (text(a), text(b)) {
                (Some(a), Some(b)) => Some(Value::Bool(a.ends_with(b.as_ref()))),
                _ => None,
            },
            (Builtin::DaysBetween, [a, b]) => match (date(a), date(b)) {
                (Some(a), Some(b)) => Some(Value::Int((b - a).num_days())),
                _ => None,
            },
            (Builtin::EndOfMonth, [a]) => date(a)
                .map(|d| value_ops::end_of_month(d, 1))
                .map(Value::Date),
            (Builtin::EndOfQuarter, [a]) => date(a)
                .map(|d| value_ops::end_of_month(d, 3))
                .map(Value::Date),
            (Builtin::EndOfYear, [a]) => date(a)
                .map(|d| value_ops::end_of_month(d, 12))
                .map(Value::Date),
            (Builtin::MonthsBetween, [a, b]) => match (date(a), date(b)) {
                (Some(a), Some(b)) => Some(Value::Int(
                    value_ops::months_between(a, b).ok_or_else(overflow)?,
                )),
                _ => None,
            },
            (Builtin::Min | Builtin::Max, [a, b]) => {
                let ord = self.order(a, b, &args[0], at, span)?;
                let first = if func == Builtin::Min {
                    ord != Ordering::Greater
                } else {
                    ord != Ordering::Less
                };
                Some(if first { a.clone() } else { b.clone() })
            }
            (Builtin::Round, [x, Value::Int(places)]) => {
                let p = u32::try_from(*places).unwrap_or(0);
                let r = |d: Decimal| {
                    d.round_dp_with_strategy(p, rust_decimal::RoundingStrategy::MidpointNearestEven)
                };
                Some(match x {
                    Value::Int(i) => Value::Int(*i),
                    Value::Decimal(d) => Value::Decimal(r(*d)),
                    // a percent rounds as written: round(70.55%, 1) is 70.6%
                    Value::Percent(d) => {
                        Value::Percent(r(*d * Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED)
                    }
                    Value::Money(m) => Value::Money(Money {
                        currency: m.currency,
                        amount: r(m.amount),
                    }),
                    other => other.clone(),
                })
            }
            _ => None,
        })
    }
}
