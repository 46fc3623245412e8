//! The compiled engine at evaluation time: walk a decision's DAG over the facts, without
//! allocating on the way down, and evaluate the residuals of the rows at the leaf reached
//! in rule order, as the reference interpreter would. A bundle that fails a decision's
//! guards (an absent root, money of another currency, …), or a value the DAG cannot place,
//! is handed to the reference interpreter, so the answers (errors included) are the same.

use super::engine::{At, Engine};
use super::EvalError;
use crate::check::ir::CheckedDecision;
use crate::compile::atoms::{self, holds, Column, FieldPath, OrdVal, Prim, Probe, Test};
use crate::compile::{
    bool_accepts, rescaled, set_accepts, BitCol, BitLeaf, BitSplit, CompiledDecision, Guard, Node,
    CHUNK,
};
use crate::facts::Facts;
use crate::value::Value;
use std::cmp::Ordering;

std::thread_local! {
    /// Scratch buffers of bit-vector leaves.
    static SCRATCH: std::cell::Cell<BitScratch> = const {
        std::cell::Cell::new(BitScratch { states: Vec::new(), cands: Vec::new() })
    };
}

/// A column of a bit-vector leaf whose value is not read yet.
const UNRESOLVED: usize = usize::MAX;

/// A column of a bit-vector leaf whose value selects a vector accepting every row.
const ACCEPTS_ALL: usize = usize::MAX - 1;

/// What a bit-vector leaf chose for one bundle.
#[derive(Default)]
struct BitScratch {
    /// Per column of the leaf: the offset of the vector chosen in its bits, or
    /// [`UNRESOLVED`], or [`ACCEPTS_ALL`].
    states: Vec<usize>,
    /// The candidate rows of a clustered leaf.
    cands: Vec<u32>,
}

/// Add to `out` the rows whose bits are set in `m`, the mask of chunk `c` of `leaf`, in
/// bit order; `false` for a bit past the leaf's rows (which cannot be set).
fn rows_of(leaf: &BitLeaf, c: usize, m: &[u64; CHUNK], out: &mut Vec<u32>) -> bool {
    for (k, word) in m.iter().enumerate() {
        let mut word = *word;
        while word != 0 {
            let j = (c * CHUNK + k) * 64 + word.trailing_zeros() as usize;
            word &= word - 1;
            match leaf.rows.get(j) {
                Some(row) => out.push(*row),
                None => return false,
            }
        }
    }
    true
}

/// What one chunk of a bit-vector leaf holds for a bundle.
enum Chunk {
    /// These rows (bits) accept every value.
    Rows([u64; CHUNK]),
    /// No row of this chunk does.
    Empty,
    /// A value no row of the whole leaf accepts.
    NoRow,
    /// A value the leaf cannot place: the reference interpreter decides.
    Unplaced,
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

/// The region of decimal `d` among constants scaled to integers (as [`region`] numbers
/// them), by integer comparisons: `d` at the constants' scale, or, when `d` has more
/// decimals, its floor there and whether anything was cut off (`12.345` against constants
/// of scale 2 is `1234` and a bit more: strictly above `12.34`, below `12.35`).
fn scaled_region(d: rust_decimal::Decimal, s: &crate::compile::Scaled) -> Option<usize> {
    let from = d.scale();
    if from <= s.scale {
        let m = rescaled(d, s.scale)?;
        return Some(match s.search(m) {
            Ok(i) => 2 * i + 1,
            Err(i) => 2 * i,
        });
    }
    let div = 10i128.checked_pow(from - s.scale)?;
    let mantissa = d.mantissa();
    let floor = mantissa.checked_div_euclid(div)?;
    let cut = mantissa.checked_rem_euclid(div)? != 0;
    Some(match s.search(floor) {
        Ok(i) if cut => 2 * i + 2,
        Ok(i) => 2 * i + 1,
        Err(i) => 2 * i,
    })
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
        it: &mut Engine<'a>,
        out: &mut Vec<usize>,
    ) -> Result<(), EvalError> {
        out.clear();
        if self.guards_hold(it.facts()) && self.walk(d, it, out)? {
            return Ok(());
        }
        out.clear();
        it.scan(d, out)
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
    fn see<'f>(&self, col: u32, facts: &'f Facts, it: &mut Engine<'_>) -> Option<Seen<'f>> {
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
        it: &mut Engine<'a>,
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

    /// Walk the DAG, pushing the rules that match onto `out`; `Ok(false)` if it could not
    /// place a value.
    fn walk<'a>(
        &self,
        d: &'a CheckedDecision,
        it: &mut Engine<'a>,
        out: &mut Vec<usize>,
    ) -> Result<bool, EvalError> {
        let facts = it.facts();
        let mut node = 0usize;
        loop {
            let Some(n) = self.nodes.get(node) else {
                return Ok(false);
            };
            node = match n {
                Node::NoMatch => return Ok(true),
                Node::Try { rows, then } => {
                    for r in rows.iter() {
                        if self.residual(*r, d, it)? {
                            out.push(self.rule_of(*r));
                            return Ok(true);
                        }
                    }
                    match then {
                        Some(t) => *t as usize,
                        None => return Ok(true),
                    }
                }
                Node::Leaf(rows) => {
                    for r in rows.iter() {
                        if self.residual(*r, d, it)? {
                            out.push(self.rule_of(*r));
                        }
                    }
                    return Ok(true);
                }
                Node::Scan(rows) => return self.scan_rows(rows, d, it, out),
                Node::Bits(leaf) => return self.bit_rows(leaf, d, it, out),
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
                            None => return Ok(false),
                        },
                        None => return Ok(false),
                    },
                    _ => return Ok(false),
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
                            None => return Ok(false),
                        },
                        Err(_) => *other as usize,
                    },
                    _ => return Ok(false),
                },
                Node::Bool { col, yes, no } => match self.see(*col, facts, it) {
                    Some(Seen::Bool(true)) => *yes as usize,
                    Some(Seen::Bool(false)) => *no as usize,
                    _ => return Ok(false),
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
        it: &mut Engine<'a>,
        out: &mut Vec<usize>,
    ) -> Result<bool, EvalError> {
        // the chosen vectors come from a per-thread scratch buffer (a dependent decision
        // evaluated meanwhile finds it taken and uses a fresh one)
        let mut scratch = SCRATCH.with(std::cell::Cell::take);
        scratch.states.clear();
        let r = self.bits_filter(leaf, d, it, &mut scratch, out);
        SCRATCH.with(|c| c.set(scratch));
        r
    }

    /// The vector of column `bc` that the bundle's value selects (its index), `None` if
    /// the value cannot be placed.
    fn vector_of(&self, bc: &BitCol, facts: &Facts, it: &mut Engine<'_>) -> Option<usize> {
        if let Some(v) = self.ord_vector(bc, facts) {
            return Some(v);
        }
        Some(match (&bc.split, self.see(bc.col, facts, it)?) {
            (BitSplit::Ord(consts, scaled), Seen::Ord(p)) => match p {
                None => 2 * consts.len() + 1,
                Some(p) => {
                    // a decimal of the constants' scale or less: integer comparisons
                    let fast = match (p, scaled) {
                        (Probe::Num(d), Some(s)) if !s.int => scaled_region(d, s),
                        (Probe::Int(i), Some(s)) if s.int => Some(match s.search(i) {
                            Ok(i) => 2 * i + 1,
                            Err(i) => 2 * i,
                        }),
                        _ => None,
                    };
                    fast.or_else(|| region(&p, consts.as_ref()))?
                }
            },
            (BitSplit::Set(ids), Seen::Set(v)) => match v {
                None => ids.len() + 1,
                Some(id) => ids.binary_search(&id).unwrap_or(ids.len()),
            },
            (BitSplit::Bool, Seen::Bool(b)) => usize::from(b),
            _ => return None,
        })
    }

    /// The vector of an ordered column of scaled constants, read straight from the fact
    /// (an integer, a decimal, an amount of money, a date) by integer comparisons; `None`
    /// where the general path ([`Self::see`], probes) is to place it. Each case gives the
    /// region the general path gives (money of another currency never gets here: the
    /// decision's guards send it to the reference interpreter).
    #[inline]
    fn ord_vector(&self, bc: &BitCol, facts: &Facts) -> Option<usize> {
        let (consts, s, path) = match (&bc.split, self.columns.get(bc.col as usize)) {
            (BitSplit::Ord(consts, Some(s)), Some(Column::Ord { path, .. })) => (consts, s, path),
            // an enum or code column: its variant's vector
            (BitSplit::Set(ids), Some(Column::Set { path, .. })) => {
                return match read(path, facts) {
                    None => Some(ids.len() + 1),
                    Some(Value::Enum(id) | Value::Code(id)) => {
                        Some(ids.binary_search(id).unwrap_or(ids.len()))
                    }
                    _ => None,
                };
            }
            _ => return None,
        };
        let region = |r: Result<usize, usize>| match r {
            Ok(i) => 2 * i + 1,
            Err(i) => 2 * i,
        };
        match read(path, facts) {
            None => Some(2 * consts.len() + 1),
            Some(Value::Int(i)) if !s.int => {
                let m = i128::from(*i).checked_mul(10i128.checked_pow(s.scale)?)?;
                Some(region(s.search(m)))
            }
            Some(Value::Decimal(d)) if !s.int => scaled_region(*d, s),
            Some(Value::Money(m)) if !s.int => scaled_region(m.amount, s),
            Some(Value::Date(d)) if s.int => Some(region(
                s.search(i128::from(chrono::Datelike::num_days_from_ce(d))),
            )),
            _ => None,
        }
    }

    /// The body of [`Self::bit_rows`].
    ///
    /// The rows are taken a chunk of [`CHUNK`] words at a time (see [`Self::chunk`]). In
    /// rule order, a `first` decision stops at the first chunk with a row whose residual
    /// holds. A clustered leaf (rows ordered by one column's values) reads only the chunks
    /// that the summary of that column's vector marks, collects their candidates and tries
    /// them in rule order.
    fn bits_filter<'a>(
        &self,
        leaf: &BitLeaf,
        d: &'a CheckedDecision,
        it: &mut Engine<'a>,
        scratch: &mut BitScratch,
        out: &mut Vec<usize>,
    ) -> Result<bool, EvalError> {
        let facts = it.facts();
        let words = leaf.words;
        let chunks = words.div_ceil(CHUNK);
        scratch.states.resize(leaf.cols.len(), UNRESOLVED);
        let Some(cluster) = &leaf.cluster else {
            for c in 0..chunks {
                let m = match self.chunk(leaf, c, &mut scratch.states, facts, it) {
                    Chunk::Rows(m) => m,
                    Chunk::Empty => continue,
                    Chunk::NoRow => return Ok(true),
                    Chunk::Unplaced => return Ok(false),
                };
                scratch.cands.clear();
                if !rows_of(leaf, c, &m, &mut scratch.cands) {
                    return Ok(false);
                }
                for &row in scratch.cands.iter() {
                    if self.residual(row, d, it)? {
                        out.push(self.rule_of(row));
                        if self.first {
                            return Ok(true);
                        }
                    }
                }
            }
            return Ok(true);
        };
        // the clustering column first: its vector's summary names the chunks to read
        let (Some(bc), Some(state)) = (
            leaf.cols.get(cluster.col),
            scratch.states.get_mut(cluster.col),
        ) else {
            return Ok(false);
        };
        let Some(v) = self.vector_of(bc, facts, it) else {
            return Ok(false);
        };
        if bc.counts.get(v).copied().unwrap_or(0) == 0 {
            return Ok(true);
        }
        *state = v * words;
        let Some(summary) = cluster
            .summary
            .get(v * cluster.words..(v + 1) * cluster.words)
        else {
            return Ok(false);
        };
        let cands = &mut scratch.cands;
        cands.clear();
        for (sw, bits) in summary.iter().enumerate() {
            let mut bits = *bits;
            while bits != 0 {
                let c = sw * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let m = match self.chunk(leaf, c, &mut scratch.states, facts, it) {
                    Chunk::Rows(m) => m,
                    Chunk::Empty => continue,
                    Chunk::NoRow => return Ok(true),
                    Chunk::Unplaced => return Ok(false),
                };
                if !rows_of(leaf, c, &m, cands) {
                    return Ok(false);
                }
            }
        }
        // rows are numbered in rule order
        cands.sort_unstable();
        for row in cands.iter() {
            if self.residual(*row, d, it)? {
                out.push(self.rule_of(*row));
                if self.first {
                    break;
                }
            }
        }
        Ok(true)
    }

    /// The rows of chunk `c` of `leaf` that accept the bundle's values. The vectors the
    /// values select are ANDed column by column, the most selective columns first, until
    /// no row is left: a decision reads a cache line of a few vectors per chunk rather
    /// than every vector whole. A column's value is read (a boolean column — a regular
    /// expression, a derived value — evaluated) only when the chunk still has a row that
    /// tests it, and then once per bundle (`states`).
    fn chunk(
        &self,
        leaf: &BitLeaf,
        c: usize,
        states: &mut [usize],
        facts: &Facts,
        it: &mut Engine<'_>,
    ) -> Chunk {
        let words = leaf.words;
        let rows = leaf.rows.len();
        let c0 = c * CHUNK;
        let c1 = (c0 + CHUNK).min(words);
        let mut m = [0u64; CHUNK];
        let Some(all) = leaf.all.get(c0..c1) else {
            return Chunk::Unplaced;
        };
        for (mw, a) in m.iter_mut().zip(all) {
            *mw = *a;
        }
        for (bc, state) in leaf.cols.iter().zip(states.iter_mut()) {
            if *state == UNRESOLVED {
                // not read yet: only if a row left in the chunk tests the column
                let Some(tested) = bc.tested.get(c0..c1) else {
                    return Chunk::Unplaced;
                };
                if m.iter().zip(tested).all(|(mw, t)| mw & t == 0) {
                    continue;
                }
                let Some(v) = self.vector_of(bc, facts, it) else {
                    return Chunk::Unplaced;
                };
                let count = bc.counts.get(v).copied().unwrap_or(0) as usize;
                if count == 0 {
                    return Chunk::NoRow;
                }
                // a vector accepting every row filters nothing
                *state = if count >= rows {
                    ACCEPTS_ALL
                } else {
                    v * words
                };
            }
            if *state == ACCEPTS_ALL {
                continue;
            }
            let Some(b) = bc.bits.get(*state + c0..*state + c1) else {
                return Chunk::Unplaced;
            };
            let mut any = 0u64;
            for (mw, bw) in m.iter_mut().zip(b) {
                *mw &= bw;
                any |= *mw;
            }
            if any == 0 {
                return Chunk::Empty;
            }
        }
        Chunk::Rows(m)
    }

    /// The rows of a budget leaf, each tested on what it still has to pass, in order.
    fn scan_rows<'a>(
        &self,
        rows: &[(u32, u64)],
        d: &'a CheckedDecision,
        it: &mut Engine<'a>,
        out: &mut Vec<usize>,
    ) -> Result<bool, EvalError> {
        let facts = it.facts();
        for (r, pending) in rows {
            let Some(row) = self.rows.get(*r as usize) else {
                return Ok(false);
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
                                None => return Ok(false),
                            }
                        }
                        all
                    }
                    Some(Seen::Set(None)) => tests
                        .iter()
                        .all(|t| matches!(t, Test::Set { absent: true, .. })),
                    Some(Seen::Set(Some(id))) => tests.iter().all(|t| set_accepts(t, id)),
                    Some(Seen::Bool(b)) => bool_accepts(tests, b),
                    None => return Ok(false),
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
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::Scaled;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    proptest! {
        /// The integer placement of a decimal among scaled constants is the decimal
        /// comparison's, whatever the decimal's scale against the constants'.
        #[test]
        fn scaled_region_equals_decimal_region(
            consts in prop::collection::btree_set((-5_000i64..5_000, 0u32..3), 1..12),
            probe in (-6_000i64..6_000, 0u32..5),
            near in (any::<prop::sample::Index>(), -30i64..30, 0u32..5),
        ) {
            let mut consts: Vec<OrdVal> = consts
                .into_iter()
                .map(|(m, s)| OrdVal::Num(Decimal::new(m, s)))
                .collect();
            consts.sort();
            consts.dedup();
            let scaled = Scaled::of(&consts).ok_or_else(|| TestCaseError::fail("scales"))?;
            // anywhere, and just around a constant (equal, or off by less than its unit)
            let OrdVal::Num(c) = near.0.get(&consts) else {
                return Err(TestCaseError::fail("a decimal constant"));
            };
            for d in [Decimal::new(probe.0, probe.1), *c + Decimal::new(near.1, near.2)] {
                prop_assert_eq!(scaled_region(d, &scaled), region(&Probe::Num(d), &consts));
            }
        }

        /// The blocked search finds what a plain binary search finds, on lists longer
        /// and shorter than a block, integers included.
        #[test]
        fn scaled_search_equals_binary_search(
            ints in prop::collection::btree_set(-3_000i64..3_000, 0..200),
            probes in prop::collection::vec(-3_100i64..3_100, 40),
        ) {
            let consts: Vec<OrdVal> = ints.iter().map(|i| OrdVal::Int(i128::from(*i))).collect();
            let scaled = Scaled::of(&consts).ok_or_else(|| TestCaseError::fail("ints"))?;
            prop_assert!(scaled.int);
            let near = ints.iter().map(|i| i128::from(*i));
            for m in probes.into_iter().map(i128::from).chain(near) {
                prop_assert_eq!(scaled.search(m), scaled.values.binary_search(&m));
            }
        }
    }
}
