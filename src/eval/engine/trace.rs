//! The optional trace of the reference interpreter: each atomic test of a rule's `when`
//! recorded as an explanation [`Step`], with the paths it read. When the trace is off,
//! the only cost is a branch on `Engine::trace` per path read and per rule tried.

use super::{At, Engine};
use crate::check::ir::{CheckedRule, Ir, IrKind};
use crate::eval::explain::{Explanation, Seen, Step, Test};
use crate::eval::EvalError;
use crate::value::Value;
use chrono::NaiveDate;

/// What the trace holds while a decision is evaluated.
#[derive(Debug, Default)]
pub(super) struct Trace {
    /// The steps so far, in evaluation order.
    steps: Vec<Step>,
    /// The paths read by the atomic test being evaluated (`None` outside a test, e.g.
    /// in a `then` assignment).
    frame: Option<Vec<Seen>>,
    /// Inside a path being read: its bases (`claim.fault` of `claim.fault.system`) are
    /// not listed.
    in_path: bool,
}

impl Trace {
    /// The explanation recorded.
    pub(super) fn finish(self) -> Explanation {
        Explanation::of(self.steps)
    }
}

impl Engine<'_> {
    /// Whether `rule`'s condition holds; with the trace on, each atomic test is recorded.
    pub(super) fn when(&mut self, decision: &str, rule: &CheckedRule) -> Result<bool, EvalError> {
        let at = At { rule: &rule.id };
        if self.trace.is_none() {
            return self.truth(&rule.when, &at);
        }
        self.traced(&rule.when, &at, decision, (&rule.id, rule.span))
    }

    /// A boolean clause of an item (a warranty's `when`, `covers`, `excludes`, a recall's
    /// `affects`, …) as a test: with the trace on, its atomic tests are recorded under the
    /// item's id, placed at the clause.
    pub(super) fn item_test(&mut self, ir: &Ir, rule: &str) -> Result<bool, EvalError> {
        let at = At { rule };
        let decision = match self.item.and_then(|i| self.checked.names.get(i)) {
            Some(name) if self.trace.is_some() => name.clone(),
            _ => return self.truth(ir, &at),
        };
        self.traced(ir, &at, &decision, (rule, ir.span))
    }

    /// `and`, `or` and `not` over a compound are walked (short-circuit, exactly as
    /// `eval` does); anything else is an atomic test and becomes one step.
    fn traced(
        &mut self,
        ir: &Ir,
        at: &At<'_>,
        decision: &str,
        rule: (&str, crate::diag::Span),
    ) -> Result<bool, EvalError> {
        match &ir.kind {
            IrKind::And(items) => {
                for i in items.iter() {
                    if !self.traced(i, at, decision, rule)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            IrKind::Or(items) => {
                for i in items.iter() {
                    if self.traced(i, at, decision, rule)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            IrKind::Not(x) if matches!(x.kind, IrKind::And(_) | IrKind::Or(_) | IrKind::Not(_)) => {
                Ok(!self.traced(x, at, decision, rule)?)
            }
            _ => self.atomic(ir, at, decision, rule),
        }
    }

    /// Evaluate one atomic test in a fresh frame of paths read, and record it.
    fn atomic(
        &mut self,
        ir: &Ir,
        at: &At<'_>,
        decision: &str,
        rule: (&str, crate::diag::Span),
    ) -> Result<bool, EvalError> {
        // a test may read a decision whose own tests are recorded meanwhile: save the
        // frame of the test around it and restore it after
        let saved = self.trace.as_mut().map(|t| {
            (
                t.frame.replace(Vec::new()),
                std::mem::replace(&mut t.in_path, false),
            )
        });
        let result = self.truth(ir, at);
        let mut seen = Vec::new();
        if let (Some(t), Some((frame, in_path))) = (self.trace.as_mut(), saved) {
            seen = std::mem::replace(&mut t.frame, frame).unwrap_or_default();
            t.in_path = in_path;
        }
        let value = result?;
        if let Some(t) = self.trace.as_mut() {
            t.steps.push(Step {
                decision: decision.to_string(),
                rule: rule.0.to_string(),
                rule_span: rule.1,
                test: Test::Expr(ir.span),
                value,
                seen,
            });
        }
        Ok(value)
    }

    /// Record that `rule`'s `effective` range excluded it on `today`.
    pub(super) fn note_effective(&mut self, decision: &str, rule: &CheckedRule, today: NaiveDate) {
        if let (Some(t), Some((from, to))) = (self.trace.as_mut(), rule.effective) {
            t.steps.push(Step {
                decision: decision.to_string(),
                rule: rule.id.clone(),
                rule_span: rule.span,
                test: Test::Effective { from, to, today },
                value: false,
                seen: Vec::new(),
            });
        }
    }

    /// Record a step an item made without an expression of its own (a warranty's term),
    /// under the item being evaluated, placed at `span`.
    pub(super) fn note_step(
        &mut self,
        rule: &str,
        span: crate::diag::Span,
        test: Test,
        value: bool,
        seen: Vec<Seen>,
    ) {
        let decision = match self.item.and_then(|i| self.checked.names.get(i)) {
            Some(name) => name.clone(),
            None => return,
        };
        if let Some(t) = self.trace.as_mut() {
            t.steps.push(Step {
                decision,
                rule: rule.to_string(),
                rule_span: span,
                test,
                value,
                seen,
            });
        }
    }

    /// Read a path with the trace on: the outermost path of a test is listed in its frame.
    pub(super) fn eval_seen(&mut self, ir: &Ir, at: &At<'_>) -> Result<Option<Value>, EvalError> {
        let outermost = self
            .trace
            .as_mut()
            .is_some_and(|t| !std::mem::replace(&mut t.in_path, true));
        let result = self.eval_inner(ir, at);
        if outermost {
            if let Some(t) = self.trace.as_mut() {
                t.in_path = false;
                if let (Some(frame), Ok(v)) = (t.frame.as_mut(), &result) {
                    frame.push(Seen {
                        span: ir.span,
                        ty: ir.ty.clone(),
                        value: v.clone(),
                        label: None,
                    });
                }
            }
        }
        result
    }
}
