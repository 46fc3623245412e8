//! The analyses of a decision whose DAG ran out of its node budget and became one
//! bit-vector leaf ([`BitLeaf`]): the leaf's columns are searched depth first, one cell
//! (a region, an id, "another id", absent, `true`/`false`) per column, keeping the rows
//! that accept every cell chosen so far as a bit set. A column no kept row tests is not
//! branched on (every kept row accepts all its cells), so the search follows only what
//! distinguishes the rows.
//!
//! - **Unreachable** (`first`): a rule is unreachable when every point of its own box is
//!   taken by an earlier rule without residual; the search stops as soon as it finds a
//!   point no earlier rule takes. Boolean columns are searched as if independent, which
//!   only adds points: a rule is never reported unreachable that some input reaches. A rule
//!   whose own tests of one column accept no value is unreachable under every policy.
//! - **Gaps** and **overlaps** are found at points (a gap where no row is kept, an overlap
//!   where a rule and a later one both are) and, as in the DAG search, confirmed by the
//!   reference interpreter on an example built from the cells of the point.
//!
//! A column, the rows kept and the constraints of the cells chosen decide what the search
//! finds below them, so each such state is searched once per walk (as the DAG shares
//! equal subtrees). The gap and overlap searches carry the constraints of the cells chosen
//! and skip a cell that contradicts them (two columns on one field: `effective` and a test
//! of `context.today`; a boolean test written as field constraints). The work is bounded:
//! words of bit sets ANDed per decision ([`LEAF_WORK`]) and vectors per walk (the
//! decision's work spread over its rules, at least [`ROW_ANDS`]; a quarter of it for the
//! gap, at least [`GAP_ANDS`]). A rule whose search runs out is not reported; a
//! gap search that runs out reports nothing.

use super::{Analysis, Finding, PathCons, Step};
use crate::compile::{BitLeaf, BitSplit};
use crate::json::Json as J;
use std::cell::Cell;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Words of bit sets ANDed per decision at most (half for the unreachable rules, half for
/// gaps and overlaps).
const LEAF_WORK: usize = 12_000_000;
/// The work one cell of a search costs besides its words: the constraints carried, the
/// state hashed and kept (about as long as ANDing this many words).
const STEP_COST: usize = 64;
/// Vectors ANDed per rule and search at least (more where the decision's work, spread
/// over its rules, allows).
const ROW_ANDS: usize = 512;
/// Vectors ANDed by the search for a gap at least (more where a quarter of the decision's
/// work allows).
const GAP_ANDS: usize = 64 * ROW_ANDS;

/// A hash taking eight bytes at a time (the states hashed are mostly bit sets of many
/// words, and come from the rules, not from input).
#[derive(Default)]
struct WordHash(u64);

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for b in chunks.remainder() {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Cells, each with a number: its vector (a column's cells) or its column (the cells
/// chosen along a search).
type Cells = Vec<(usize, Step)>;

/// What a visit to a point of the search asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Go deeper: choose a cell of the next column a kept row tests.
    Descend,
    /// Do not go deeper from this point; try the column's next cell.
    Prune,
    /// End the search.
    Stop,
}

/// A point of the search: the cells chosen so far (one per column branched on), the rows
/// kept (accepting every cell chosen), and those of them that test no column after the
/// last one chosen (so they accept every point below).
struct Point<'p> {
    steps: &'p [(usize, Step)],
    kept: &'p [u64],
    done: &'p [u64],
    /// With constraints carried, those of the cells chosen (the way taken).
    cons: Option<&'p PathCons>,
}

/// The cells of a leaf's columns and the work left.
pub(super) struct LeafSearch<'l> {
    leaf: &'l BitLeaf,
    /// Per column of the leaf, its cells some input can take, each with its vector.
    cells: Vec<Cells>,
    /// Per leaf bit, its rank in rule order.
    rank: Vec<u32>,
    /// Leaf bits in rule order.
    order: Vec<usize>,
    /// The bits of rows without residual.
    outright: Vec<u64>,
    /// The bits of rows whose tests of each column accept some cell.
    live: Vec<u64>,
    /// Per column `k`, the rows testing column `k` or one after it (`words` each).
    tests_from: Vec<u64>,
    /// Words left to AND.
    work: Cell<usize>,
}

impl LeafSearch<'_> {
    /// Vectors one rule's search may AND.
    fn row_ands(&self) -> usize {
        let per_rule = self.leaf.rows.len().max(1) * (self.leaf.words + STEP_COST);
        (LEAF_WORK / 2 / per_rule).max(ROW_ANDS)
    }

    /// Vectors the search for a gap may AND.
    fn gap_ands(&self) -> usize {
        (LEAF_WORK / 4 / (self.leaf.words + STEP_COST)).max(GAP_ANDS)
    }
}

fn bit(v: &[u64], j: usize) -> bool {
    v.get(j / 64).is_some_and(|w| w & (1u64 << (j % 64)) != 0)
}

fn set_bit(v: &mut [u64], j: usize, on: bool) {
    if let Some(w) = v.get_mut(j / 64) {
        if on {
            *w |= 1u64 << (j % 64);
        } else {
            *w &= !(1u64 << (j % 64));
        }
    }
}

fn any(v: &[u64]) -> bool {
    v.iter().any(|w| *w != 0)
}

fn meets(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

impl<'a> Analysis<'a> {
    /// The decision's bit-vector leaf, when its DAG ran out of budget.
    pub(super) fn bit_leaf(&self) -> Option<&'a BitLeaf> {
        match self.c.nodes.as_slice() {
            [super::Node::Bits(leaf)] => Some(leaf),
            _ => None,
        }
    }

    /// The search over `leaf`: its columns' feasible cells, the rows in rule order.
    pub(super) fn leaf_search<'l>(&self, leaf: &'l BitLeaf) -> LeafSearch<'l> {
        let cells: Vec<Cells> = (0..leaf.cols.len())
            .map(|k| self.leaf_cells(leaf, k))
            .collect();
        let mut order: Vec<usize> = (0..leaf.rows.len()).collect();
        order.sort_by_key(|b| leaf.rows.get(*b).copied().unwrap_or(u32::MAX));
        let mut rank = vec![0u32; leaf.rows.len()];
        for (i, b) in order.iter().enumerate() {
            if let Some(r) = rank.get_mut(*b) {
                *r = i as u32;
            }
        }
        let mut outright = vec![0u64; leaf.words];
        for (b, row) in leaf.rows.iter().enumerate() {
            set_bit(&mut outright, b, !self.has_residual(*row));
        }
        let words = leaf.words;
        let mut tests_from = vec![0u64; (leaf.cols.len() + 1) * words];
        for k in (0..leaf.cols.len()).rev() {
            let (head, tail) = tests_from.split_at_mut((k + 1) * words);
            let tested = leaf.cols.get(k).map(|bc| &bc.tested[..]).unwrap_or(&[]);
            if let Some(here) = head.get_mut(k * words..) {
                for ((h, t), x) in here.iter_mut().zip(tail.iter()).zip(tested) {
                    *h = t | x;
                }
            }
        }
        // (from each rule's own tests: or-ing every cell's vector costs more)
        let mut live = vec![0u64; words];
        for (b, row) in leaf.rows.iter().enumerate() {
            set_bit(&mut live, b, !self.contradicts_itself(*row));
        }
        LeafSearch {
            leaf,
            cells,
            live,
            tests_from,
            rank,
            order,
            outright,
            work: Cell::new(LEAF_WORK),
        }
    }

    /// The cells of column `k` of `leaf` that some input can take.
    fn leaf_cells(&self, leaf: &BitLeaf, k: usize) -> Cells {
        let Some(bc) = leaf.cols.get(k) else {
            return Vec::new();
        };
        let col = bc.col;
        let mut out = Vec::new();
        match &bc.split {
            BitSplit::Ord(consts, _) => {
                let regions = 2 * consts.len() + 1;
                let ty = self.ty(col);
                for r in 0..regions {
                    if super::region_feasible(ty, consts, r) {
                        out.push((r, Step::LeafRegion { k: k as u32, r }));
                    }
                }
                if self.absent_ok(col) {
                    out.push((regions, Step::Absent(col)));
                }
            }
            BitSplit::Set(ids) => {
                out.extend(ids.iter().enumerate().map(|(v, i)| (v, Step::Id(col, *i))));
                if self.other_id(col, ids).is_some() {
                    out.push((ids.len(), Step::LeafOther(k as u32)));
                }
                if self.absent_ok(col) {
                    out.push((ids.len() + 1, Step::Absent(col)));
                }
            }
            BitSplit::Bool => {
                out.push((0, Step::Bool(col, false)));
                out.push((1, Step::Bool(col, true)));
            }
        }
        out
    }

    /// Unreachable rules of a leaf, in rule order: a rule whose own tests of a column
    /// accept no value (every policy), or, under `first`, one whose every input an earlier
    /// rule without residual takes.
    pub(super) fn leaf_unreachable(&self, s: &LeafSearch, out: &mut Vec<Finding>) {
        let leaf = s.leaf;
        let words = leaf.words;
        // half the decision's work; the gap and overlap searches have the other half
        s.work.set(LEAF_WORK / 2);
        // the rows without residual seen so far, in rule order
        let mut before = vec![0u64; words];
        // rules whose reachability the search could not settle within its budget
        let mut unsettled: Vec<u32> = Vec::new();
        for i in 0..s.order.len() {
            let Some(&b) = s.order.get(i) else { break };
            let Some(&row) = leaf.rows.get(b) else { break };
            let shadow = if !bit(&s.live, b) {
                Shadow::By(Vec::new())
            } else if self.c.first && any(&before) {
                self.leaf_shadows(s, b, &before)
            } else {
                Shadow::Reached
            };
            match shadow {
                Shadow::By(by) => out.push(self.unreachable_finding(row, &by, false)),
                Shadow::Reached => {}
                Shadow::Unsettled => unsettled.push(row),
            }
            set_bit(&mut before, b, !self.has_residual(row));
        }
        if !unsettled.is_empty() {
            out.push(self.incomplete_finding(&unsettled, leaf.rows.len()));
        }
    }

    /// The rows that take every input of leaf bit `b` (each the first of `before` at some
    /// point of `b`'s box); or that some input reaches `b`; or that the search ran out.
    fn leaf_shadows(&self, s: &LeafSearch, b: usize, before: &[u64]) -> Shadow {
        let leaf = s.leaf;
        let mut by: Vec<u32> = Vec::new();
        let mut reached = false;
        let done = self.walk(s, before.to_vec(), Some(b), false, s.row_ands(), |s, p| {
            // the first rule kept wins every point below if it tests nothing further
            match first_kept(s, p.kept) {
                None => {
                    reached = true;
                    Walk::Stop
                }
                Some(w) if bit(p.done, w) => {
                    by.extend(leaf.rows.get(w));
                    Walk::Prune
                }
                Some(_) => Walk::Descend,
            }
        });
        if reached {
            return Shadow::Reached;
        }
        if !done {
            return Shadow::Unsettled;
        }
        by.sort_unstable();
        by.dedup();
        Shadow::By(by)
    }

    /// Search the leaf for a gap (a point no row takes outright) and, under `unique`, for
    /// pairs of rules both taking one point; each confirmed on an example where the
    /// verification budget `verified` allows. Returns the gap example (if confirmed) and
    /// whether a gap was seen at all.
    pub(super) fn leaf_gaps_and_overlaps(
        &self,
        s: &LeafSearch,
        want_gap: bool,
        unique: bool,
        verified: &mut usize,
        max_verify: usize,
        pairs: &mut Vec<(String, String, Option<J>)>,
    ) -> (Option<J>, bool) {
        let leaf = s.leaf;
        let words = leaf.words;
        let mut gap: Option<J> = None;
        let mut gap_seen = false;
        s.work.set(LEAF_WORK / 2);
        if want_gap {
            let all = leaf.all.to_vec();
            let outright = s.outright.clone();
            self.walk(s, all, None, true, s.gap_ands(), |_, p| {
                let covered = p.kept.iter().zip(p.done).zip(&outright);
                if covered.clone().any(|((k, d), o)| k & d & o != 0) {
                    return Walk::Prune;
                }
                if meets(p.kept, &outright) {
                    return Walk::Descend;
                }
                gap_seen = true;
                if *verified >= max_verify {
                    return Walk::Stop;
                }
                *verified += 1;
                // (the search carries constraints: none only at the root, with no cell)
                let path = p.cons.cloned().unwrap_or_default();
                gap = self.example(&path).filter(|e| self.is_gap(e));
                if gap.is_some() {
                    Walk::Stop
                } else {
                    Walk::Prune
                }
            });
        }
        if unique {
            // the rows after the one searched, in rule order
            let mut after = leaf.all.to_vec();
            for i in 0..s.order.len() {
                if pairs.len() >= 4 * super::MAX_PAIRS {
                    break;
                }
                let Some(&b) = s.order.get(i) else { break };
                set_bit(&mut after, b, false);
                if !any(&after) {
                    break;
                }
                // the later rule, the cells chosen, the constraints of the way taken
                let mut found: Option<(usize, Cells, Option<PathCons>)> = None;
                self.walk(s, after.clone(), Some(b), true, s.row_ands(), |s, p| {
                    if !any(p.kept) {
                        return Walk::Prune;
                    }
                    // a later rule that tests nothing further takes every point below
                    match first_kept(s, p.done) {
                        Some(w) => {
                            found = Some((w, p.steps.to_vec(), p.cons.cloned()));
                            Walk::Stop
                        }
                        None => Walk::Descend,
                    }
                });
                let Some((w, mut steps, cons)) = found else {
                    continue;
                };
                let (Some(&x), Some(&y)) = (leaf.rows.get(b), leaf.rows.get(w)) else {
                    continue;
                };
                let branched = steps.len();
                // the columns not branched on: a cell both rows accept (the other kept rows
                // do not test them)
                for (k, (bc, cells)) in leaf.cols.iter().zip(&s.cells).enumerate() {
                    if steps.iter().any(|(j, _)| *j == k) {
                        continue;
                    }
                    if !bit(&bc.tested, b) && !bit(&bc.tested, w) {
                        continue;
                    }
                    let both = cells.iter().find(|(v, _)| {
                        let vec = bc.bits.get(v * words..).unwrap_or(&[]);
                        bit(vec, b) && bit(vec, w)
                    });
                    if let Some((_, step)) = both {
                        steps.push((k, *step));
                    }
                }
                // the way the search took (none at the root), then the cells added
                let path = steps.get(branched..).and_then(|rest| {
                    rest.iter()
                        .try_fold(cons.unwrap_or_default(), |p, (_, st)| self.apply(&p, *st))
                });
                let names = (self.rule_name(x), self.rule_name(y));
                let mut proven = None;
                if *verified < max_verify {
                    *verified += 1;
                    if let Some(e) = path.and_then(|p| self.example(&p)) {
                        proven = self.overlap_of(&e).map(|(x, y)| (x, y, e));
                    }
                }
                let (x, y, e) = match proven {
                    Some((x, y, e)) => (x, y, Some(e)),
                    None => (names.0, names.1, None),
                };
                match pairs.iter_mut().find(|p| p.0 == x && p.1 == y) {
                    Some(p) => p.2 = p.2.take().or(e),
                    None => pairs.push((x, y, e)),
                }
            }
        }
        (gap, gap_seen)
    }

    /// Depth first over the cells of the leaf's columns from the rows `start` (inside the
    /// box of leaf bit `inside`, if given), calling `visit` at every point, with at most
    /// `ands` vectors ANDed. Returns `false` if the work allowed ran out before the search
    /// ended.
    fn walk(
        &self,
        s: &LeafSearch,
        start: Vec<u64>,
        inside: Option<usize>,
        constrain: bool,
        mut ands: usize,
        mut visit: impl FnMut(&LeafSearch, &Point) -> Walk,
    ) -> bool {
        let leaf = s.leaf;
        let words = leaf.words;
        let spend = |s: &LeafSearch| -> Option<()> {
            s.work.set(s.work.get().checked_sub(words)?);
            Some(())
        };
        // the next column at or after `from` that a kept row tests
        let next_col = |s: &LeafSearch, kept: &[u64], from: usize| -> Option<Option<usize>> {
            for k in from..leaf.cols.len() {
                spend(s)?;
                if leaf.cols.get(k).is_some_and(|bc| meets(kept, &bc.tested)) {
                    return Some(Some(k));
                }
            }
            Some(None)
        };
        // the rows of `kept` testing no column from `k` on
        let done_of = |kept: &[u64], k: usize, out: &mut Vec<u64>| {
            out.clear();
            match s.tests_from.get(k * words..(k + 1) * words) {
                Some(t) => out.extend(kept.iter().zip(t).map(|(a, b)| a & !b)),
                None => out.extend_from_slice(kept),
            }
        };
        let mut steps: Cells = Vec::new();
        let mut done = Vec::with_capacity(words);
        done_of(&start, 0, &mut done);
        let root = Point {
            steps: &steps,
            kept: &start,
            done: &done,
            cons: None,
        };
        match visit(s, &root) {
            Walk::Descend => {}
            Walk::Prune | Walk::Stop => return true,
        }
        // frames: (column, next cell to try, rows kept before the column, the constraints
        // of the cells chosen before it)
        let mut stack: Vec<(usize, usize, Vec<u64>, PathCons)> = Vec::new();
        match next_col(s, &start, 0) {
            None => return false,
            Some(None) => return true,
            Some(Some(k)) => stack.push((k, 0, start, PathCons::default())),
        }
        let mut kept = vec![0u64; words];
        let mut seen: HashSet<(usize, Vec<u64>, PathCons), BuildHasherDefault<WordHash>> =
            HashSet::default();
        loop {
            let depth = stack.len().saturating_sub(1);
            let Some((k, next, before, path)) = stack.last_mut() else {
                break;
            };
            let k = *k;
            let (Some(bc), Some(cells)) = (leaf.cols.get(k), s.cells.get(k)) else {
                return true;
            };
            let cell = cells.iter().skip(*next).position(|(v, _)| {
                inside.is_none_or(|b| bit(bc.bits.get(v * words..).unwrap_or(&[]), b))
            });
            let Some(at) = cell.map(|c| c + *next) else {
                stack.pop();
                continue;
            };
            *next = at + 1;
            let Some(&(v, step)) = cells.get(at) else {
                return true;
            };
            ands = match ands.checked_sub(1) {
                Some(a) => a,
                None => return false,
            };
            // a cell costs its words and a fixed part (constraints, the state's hash)
            if spend(s).is_none() || s.work.get() < STEP_COST {
                return false;
            }
            s.work.set(s.work.get() - STEP_COST);
            // with `constrain`, the constraints of the cells chosen and this one, each way
            // it can be taken (a boolean test through either side of an `or`); a cell
            // that contradicts them (another column on the same field, a boolean test of
            // it) is no point at all
            let ways = if constrain {
                let ways = self.successors(path, step);
                if ways.is_empty() {
                    continue;
                }
                ways
            } else {
                vec![PathCons::default()]
            };
            let vec = bc.bits.get(v * words..(v + 1) * words).unwrap_or(&[]);
            for ((o, a), b) in kept.iter_mut().zip(before.iter()).zip(vec) {
                *o = a & b;
            }
            steps.truncate(depth);
            steps.push((k, step));
            done_of(&kept, k + 1, &mut done);
            let mut then = None;
            for cons in ways {
                let p = Point {
                    steps: &steps,
                    kept: &kept,
                    done: &done,
                    cons: constrain.then_some(&cons),
                };
                match visit(s, &p) {
                    Walk::Stop => return true,
                    Walk::Prune => continue,
                    Walk::Descend => {}
                }
                if then.is_none() {
                    then = Some(next_col(s, &kept, k + 1));
                }
                match then {
                    Some(None) => return false,
                    // the search below depends only on the column, the rows kept and the
                    // constraints: one searched before found nothing that ended the search
                    Some(Some(Some(k2))) if seen.insert((k2, kept.clone(), cons.clone())) => {
                        stack.push((k2, 0, kept.clone(), cons));
                    }
                    _ => {}
                }
            }
        }
        true
    }
}

/// The kept bit first in rule order (its cost, a word per bit looked at, is work).
fn first_kept(s: &LeafSearch, kept: &[u64]) -> Option<usize> {
    // (rank, bit)
    let mut best: Option<(u32, usize)> = None;
    let mut looked = 0usize;
    for (i, w) in kept.iter().enumerate() {
        looked += 1;
        let mut w = *w;
        while w != 0 {
            let b = i * 64 + w.trailing_zeros() as usize;
            w &= w - 1;
            looked += 1;
            let r = s.rank.get(b).copied().unwrap_or(u32::MAX);
            if best.is_none_or(|(x, _)| x > r) {
                best = Some((r, b));
            }
        }
        // without clustering, bits are in rule order: the lowest is the first
        if best.is_some() && s.leaf.cluster.is_none() {
            break;
        }
    }
    s.work.set(s.work.get().saturating_sub(looked));
    best.map(|(_, b)| b)
}

/// What the search says of a rule's reachability.
enum Shadow {
    /// Earlier rules (these) take every input of it.
    By(Vec<u32>),
    /// Some input reaches it.
    Reached,
    /// The search ran out of its budget before it could tell.
    Unsettled,
}
