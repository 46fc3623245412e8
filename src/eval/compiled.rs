//! The compiled engine at evaluation time: walk a decision's DAG over the facts, without
//! allocating on the way down, and evaluate the residuals of the rows at the leaf reached
//! in rule order, as the reference interpreter would. A bundle that fails a decision's
//! guards (an absent root, money of another currency, …), or a value the DAG cannot place,
//! is handed to the reference interpreter, so the answers (errors included) are the same.

use super::reference::{At, Interpreter};
use super::EvalError;
use crate::check::ir::CheckedDecision;
use crate::compile::atoms::{self, holds, Column, FieldPath, OrdVal, Prim, Probe, Test};
use crate::compile::{
    bool_accepts, rescaled, set_accepts, BitLeaf, BitSplit, CompiledDecision, Guard, Node,
};
use crate::facts::Facts;
use crate::value::Value;
use std::cmp::Ordering;

std::thread_local! {
    /// Scratch buffers of bit-vector leaves: the mask and its live words.
    static SCRATCH: std::cell::Cell<(Vec<u64>, Vec<usize>)> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// The value at a field path, if present.
pub(crate) fn read<'f>(path: &FieldPath, facts: &'f Facts) -> Option<&'f Value> {
    let root = facts.root(path.root)?;
    let (first, rest) = path.fields.split_first()?;
    let mut v = root.get(*first as usize)?.as_ref()?;
    for f in rest {
        v = match v {
            Value::Record(r) => r.get(*f as usize)?.as_ref()?,
            _ => return None,
        };
    }
    Some(v)
}

/// The region of a probe among sorted constants: `2i+1` if equal to `consts[i]`, `2i` if
/// strictly between `consts[i-1]` and `consts[i]`; `None` if they do not compare.
fn region(p: &Probe<'_>, consts: &[OrdVal]) -> Option<usize> {
    let (mut lo, mut hi) = (0, consts.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        match p.cmp(consts.get(mid)?)? {
            Ordering::Less => hi = mid,
            Ordering::Greater => lo = mid + 1,
            Ordering::Equal => return Some(2 * mid + 1),
        }
    }
    Some(2 * lo)
}

/// An ordered test on a probe (`None`: absent); `None` if the values do not compare.
fn ord_test(t: &Test, p: Option<Probe<'_>>) -> Option<bool> {
    let Test::Ord {
        prim,
        negated,
        absent,
    } = t
    else {
        return None;
    };
    let Some(p) = p else {
        return Some(*absent);
    };
    let yes = match prim {
        Prim::Cmp(op, c) => holds(*op, p.cmp(c)?),
        Prim::List(items) => {
            let mut found = false;
            for c in items.iter() {
                if p.cmp(c)? == Ordering::Equal {
                    found = true;
                }
            }
            found
        }
        Prim::Range(a, b) => p.cmp(a)? != Ordering::Less && p.cmp(b)? != Ordering::Greater,
        Prim::Any => true,
    };
    Some(yes != *negated)
}

/// What a column reads for one bundle.
enum Seen<'f> {
    Ord(Option<Probe<'f>>),
    Set(Option<u32>),
    Bool(bool),
}

impl CompiledDecision {
    /// The rules of `d` (this decision, compiled) that match, in order — the same list the
    /// reference interpreter's scan gives, errors included.
    pub(crate) fn matched<'a>(
        &self,
        d: &'a CheckedDecision,
        it: &mut Interpreter<'a>,
    ) -> Result<Vec<usize>, EvalError> {
        if !self.guards_hold(it.facts()) {
            return it.scan(d);
        }
        match self.walk(d, it)? {
            Some(m) => Ok(m),
            None => it.scan(d),
        }
    }

    fn guards_hold(&self, facts: &Facts) -> bool {
        self.guards.iter().all(|g| match g {
            Guard::Root(s) => facts.root(*s).is_some(),
            Guard::Present(p) => read(p, facts).is_some(),
            Guard::Today => facts.today().is_some(),
            Guard::Currency(p, c) => match read(p, facts) {
                Some(Value::Money(m)) => m.currency == *c,
                _ => true,
            },
            Guard::Distance(p) => match read(p, facts) {
                Some(Value::Distance(d)) => d.km().is_some(),
                _ => true,
            },
        })
    }

    /// What column `col` reads; `None` when the DAG cannot place the value (the caller
    /// falls back to the reference interpreter).
    fn see<'f>(&self, col: u32, facts: &'f Facts, it: &mut Interpreter<'_>) -> Option<Seen<'f>> {
        Some(match self.columns.get(col as usize)? {
            Column::Ord { path, .. } => match read(path, facts) {
                None => Seen::Ord(None),
                Some(v) => Seen::Ord(Some(atoms::probe(v)?)),
            },
            Column::Today => Seen::Ord(Some(Probe::Int(i128::from(
                chrono::Datelike::num_days_from_ce(&facts.today()?),
            )))),
            Column::Set { path, .. } => match read(path, facts) {
                None => Seen::Set(None),
                Some(Value::Enum(i) | Value::Code(i)) => Seen::Set(Some(*i)),
                Some(Value::Bool(b)) => Seen::Set(Some(u32::from(*b))),
                Some(_) => return None,
            },
            Column::Bool { ir, rule } => Seen::Bool(it.truth(ir, &At { rule }).ok()?),
        })
    }

    /// Whether row `row`'s residual holds (`true` when it has none).
    fn residual<'a>(
        &self,
        row: u32,
        d: &'a CheckedDecision,
        it: &mut Interpreter<'a>,
    ) -> Result<bool, EvalError> {
        let Some(r) = self.rows.get(row as usize) else {
            return Ok(false);
        };
        if !r.has_residual {
            return Ok(true);
        }
        let Some(rule) = d.rules.get(r.rule as usize) else {
            return Ok(false);
        };
        let conj = atoms::conjuncts(&rule.when);
        let at = At { rule: &rule.id };
        for c in conj.get(r.residual_from..).unwrap_or_default() {
            if !it.truth(c, &at)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Walk the DAG; `Ok(None)` if it could not place a value.
    fn walk<'a>(
        &self,
        d: &'a CheckedDecision,
        it: &mut Interpreter<'a>,
    ) -> Result<Option<Vec<usize>>, EvalError> {
        let facts = it.facts();
        let mut node = 0usize;
        loop {
            let Some(n) = self.nodes.get(node) else {
                return Ok(None);
            };
            node = match n {
                Node::NoMatch => return Ok(Some(Vec::new())),
                Node::Try { rows, then } => {
                    for r in rows.iter() {
                        if self.residual(*r, d, it)? {
                            return Ok(Some(vec![self.rule_of(*r)]));
                        }
                    }
                    match then {
                        Some(t) => *t as usize,
                        None => return Ok(Some(Vec::new())),
                    }
                }
                Node::Leaf(rows) => {
                    let mut out = Vec::new();
                    for r in rows.iter() {
                        if self.residual(*r, d, it)? {
                            out.push(self.rule_of(*r));
                        }
                    }
                    return Ok(Some(out));
                }
                Node::Scan(rows) => return self.scan_rows(rows, d, it),
                Node::Bits(leaf) => return self.bit_rows(leaf, d, it),
                Node::Ord {
                    col,
                    consts,
                    children,
                    absent,
                } => match self.see(*col, facts, it) {
                    Some(Seen::Ord(None)) => *absent as usize,
                    Some(Seen::Ord(Some(p))) => match region(&p, consts) {
                        Some(r) => match children.get(r) {
                            Some(c) => *c as usize,
                            None => return Ok(None),
                        },
                        None => return Ok(None),
                    },
                    _ => return Ok(None),
                },
                Node::Set {
                    col,
                    ids,
                    children,
                    other,
                    absent,
                } => match self.see(*col, facts, it) {
                    Some(Seen::Set(None)) => *absent as usize,
                    Some(Seen::Set(Some(id))) => match ids.binary_search(&id) {
                        Ok(k) => match children.get(k) {
                            Some(c) => *c as usize,
                            None => return Ok(None),
                        },
                        Err(_) => *other as usize,
                    },
                    _ => return Ok(None),
                },
                Node::Bool { col, yes, no } => match self.see(*col, facts, it) {
                    Some(Seen::Bool(true)) => *yes as usize,
                    Some(Seen::Bool(false)) => *no as usize,
                    _ => return Ok(None),
                },
            };
        }
    }

    fn rule_of(&self, row: u32) -> usize {
        self.rows.get(row as usize).map_or(0, |r| r.rule as usize)
    }

    /// The rows of a bit-vector leaf that accept the bundle's values, then their residuals
    /// in order.
    fn bit_rows<'a>(
        &self,
        leaf: &BitLeaf,
        d: &'a CheckedDecision,
        it: &mut Interpreter<'a>,
    ) -> Result<Option<Vec<usize>>, EvalError> {
        // the mask and the list of its live words come from a per-thread scratch buffer (a
        // dependent decision evaluated meanwhile finds it taken and uses a fresh one)
        let (mut mask, mut live) = SCRATCH.with(|c| c.take());
        mask.clear();
        mask.extend_from_slice(&leaf.all);
        live.clear();
        let r = self.bits_filter(leaf, d, it, &mut mask, &mut live);
        SCRATCH.with(|c| c.replace((mask, live)));
        r
    }

    /// The body of [`Self::bit_rows`], over the scratch `mask` and `live`.
    fn bits_filter<'a>(
        &self,
        leaf: &BitLeaf,
        d: &'a CheckedDecision,
        it: &mut Interpreter<'a>,
        mask: &mut [u64],
        live: &mut Vec<usize>,
    ) -> Result<Option<Vec<usize>>, EvalError> {
        let facts = it.facts();
        let words = leaf.words;
        // while the mask is dense it is ANDed whole; once it thins out, only the words still
        // nonzero (`live`) are read
        let mut dense = true;
        for bc in leaf.cols.iter() {
            // a column no candidate tests is not read (boolean ones are not evaluated)
            let needed = if dense {
                mask.iter().zip(bc.tested.iter()).any(|(m, t)| m & t != 0)
            } else {
                live.iter().any(|w| {
                    mask.get(*w).copied().unwrap_or(0) & bc.tested.get(*w).copied().unwrap_or(0)
                        != 0
                })
            };
            if !needed {
                continue;
            }
            let vector = match (&bc.split, self.see(bc.col, facts, it)) {
                (BitSplit::Ord(consts, scaled), Some(Seen::Ord(p))) => match p {
                    None => 2 * consts.len() + 1,
                    Some(p) => {
                        // a decimal of the constants' scale or less: integer comparisons
                        let fast = match (p, scaled) {
                            (Probe::Num(d), Some(s)) => {
                                rescaled(d, s.scale).map(|m| match s.values.binary_search(&m) {
                                    Ok(i) => 2 * i + 1,
                                    Err(i) => 2 * i,
                                })
                            }
                            _ => None,
                        };
                        match fast.or_else(|| region(&p, consts)) {
                            Some(r) => r,
                            None => return Ok(None),
                        }
                    }
                },
                (BitSplit::Set(ids), Some(Seen::Set(v))) => match v {
                    None => ids.len() + 1,
                    Some(id) => ids.binary_search(&id).unwrap_or(ids.len()),
                },
                (BitSplit::Bool, Some(Seen::Bool(b))) => usize::from(b),
                _ => return Ok(None),
            };
            let Some(bits) = bc.bits.get(vector * words..(vector + 1) * words) else {
                return Ok(None);
            };
            if dense {
                let mut nonzero = 0usize;
                for (m, b) in mask.iter_mut().zip(bits) {
                    *m &= b;
                    nonzero += usize::from(*m != 0);
                }
                if nonzero == 0 {
                    return Ok(Some(Vec::new()));
                }
                if nonzero * 4 < words {
                    dense = false;
                    live.extend((0..words).filter(|w| mask.get(*w).is_some_and(|m| *m != 0)));
                }
            } else {
                live.retain(|w| match (mask.get_mut(*w), bits.get(*w)) {
                    (Some(m), Some(b)) => {
                        *m &= b;
                        *m != 0
                    }
                    _ => false,
                });
                if live.is_empty() {
                    return Ok(Some(Vec::new()));
                }
            }
        }
        if dense {
            live.extend(0..words);
        }
        let mut out = Vec::new();
        for &w in live.iter() {
            let mut word = mask.get(w).copied().unwrap_or(0);
            while word != 0 {
                let j = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let Some(row) = leaf.rows.get(j) else {
                    return Ok(None);
                };
                if self.residual(*row, d, it)? {
                    out.push(self.rule_of(*row));
                    if self.first {
                        return Ok(Some(out));
                    }
                }
            }
        }
        Ok(Some(out))
    }

    /// The rows of a budget leaf, each tested on what it still has to pass, in order.
    fn scan_rows<'a>(
        &self,
        rows: &[(u32, u64)],
        d: &'a CheckedDecision,
        it: &mut Interpreter<'a>,
    ) -> Result<Option<Vec<usize>>, EvalError> {
        let facts = it.facts();
        let mut out = Vec::new();
        for (r, pending) in rows {
            let Some(row) = self.rows.get(*r as usize) else {
                return Ok(None);
            };
            let mut pass = true;
            for (g, (col, tests)) in row.tests.iter().enumerate() {
                if pending & (1u64 << g) == 0 {
                    continue;
                }
                let ok = match self.see(*col, facts, it) {
                    Some(Seen::Ord(p)) => {
                        let mut all = true;
                        for t in tests {
                            match ord_test(t, p) {
                                Some(true) => {}
                                Some(false) => all = false,
                                None => return Ok(None),
                            }
                        }
                        all
                    }
                    Some(Seen::Set(None)) => tests
                        .iter()
                        .all(|t| matches!(t, Test::Set { absent: true, .. })),
                    Some(Seen::Set(Some(id))) => tests.iter().all(|t| set_accepts(t, id)),
                    Some(Seen::Bool(b)) => bool_accepts(tests, b),
                    None => return Ok(None),
                };
                if !ok {
                    pass = false;
                    break;
                }
            }
            if pass && self.residual(*r, d, it)? {
                out.push(self.rule_of(*r));
                if self.first {
                    break;
                }
            }
        }
        Ok(Some(out))
    }
}
