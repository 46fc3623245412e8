//! The compiler: every checked decision becomes a decision DAG (DESIGN.md, "compile").
//!
//! Rules are rows; the atomic tests of their conditions (see `atoms`) are columns. The
//! DAG is built column by column in the spirit of Maranget's "Compiling Pattern Matching
//! to Good Decision Trees" (2008): at each node the column is one the first live row
//! needs (for `first` decisions) or the one most live rows test, its values are split into
//! disjoint intervals (ordered fields) or classes of ids (enum variants, codes, booleans),
//! and each class leads to the node of the rows still alive there. Equal nodes are shared
//! by hashing the live rows with the tests each still has to pass. Past a node budget, a
//! node keeps its live rows as a list scanned in order, so the size never explodes and a
//! decision is never slower than the scan.
//!
//! A rule's conjuncts are compiled only up to the first that could fail at evaluation time
//! (arithmetic, a dependent decision, …); from there on they are the rule's *residual*,
//! evaluated in order at a leaf, so errors are exactly those of the reference
//! interpreter. A bundle that could make a compiled test fail (an absent root, money of
//! another currency) is evaluated by the reference interpreter instead: the guards of
//! each decision say when.
//!
//! ```
//! use aftersales::RuleSet;
//! let rules = RuleSet::from_sources([("a.rules".to_string(), r#"
//!     decision tier {
//!       output level: int = 0
//!       rule gold when has customer.tier and customer.tier == "gold" then level = 2
//!       rule silver when has customer.tier and customer.tier == "silver" then level = 1
//!     }"#.to_string())]).unwrap();
//! let stats = rules.dag_stats("tier").unwrap();
//! assert_eq!(stats.rows, 2);
//! assert!(stats.nodes >= 3);
//! ```

pub mod analysis;
pub(crate) mod atoms;
pub(crate) mod items;

use crate::check::ir::CheckedDecision;
use crate::check::Checked;
use crate::diag::SourceMap;
use crate::dsl::ast::HitPolicy;
use crate::types::{Env, SchemaId};
use atoms::{Column, Domain, FieldPath, OrdVal, Prim, Test};
use std::collections::{BTreeSet, HashMap};

/// Index of a node in a decision's DAG.
pub(crate) type NodeId = u32;

/// The compiled decisions of a rule set.
#[derive(Debug, Clone, Default)]
pub struct Program {
    decisions: Vec<Option<CompiledDecision>>,
    /// The clause sets of the decisions lowered from items, by decision index.
    items: Vec<Option<items::CompiledItem>>,
}

/// Sizes of one compiled decision, for benchmarks and for people curious about the DAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Rules (rows).
    pub rows: usize,
    /// Distinct columns tested.
    pub columns: usize,
    /// Nodes of the DAG.
    pub nodes: usize,
    /// Nodes that scan a list of rows because the node budget ran out.
    pub scan_nodes: usize,
    /// Whether the budget ran out.
    pub budget_hit: bool,
    /// Live-row entries materialised while building the DAG: at most the budget's `work`
    /// and one node's more, whatever the shape of the table.
    pub work: usize,
    /// Bytes taken by the bit vectors of bit-vector leaves.
    pub bit_bytes: usize,
    /// Whether a bit-vector leaf orders its rows by one column's values.
    pub clustered: bool,
}

impl Program {
    /// Compile every checked decision of `checked`. `sources` gives the text of boolean
    /// tests, so equal tests of different rules share one column.
    pub fn compile(checked: &Checked, sources: &SourceMap) -> Program {
        Program::compile_with_budget(checked, sources, Budget::default())
    }

    /// Compile with an explicit node budget (benchmarks and tests of the budget).
    pub fn compile_with_budget(checked: &Checked, sources: &SourceMap, budget: Budget) -> Program {
        let text = |ir: &crate::check::ir::Ir| {
            sources
                .file(ir.span.file)
                .and_then(|f| f.text.get(ir.span.start as usize..ir.span.end as usize))
                .map(str::to_string)
                .unwrap_or_else(|| format!("{:?}", ir.kind))
        };
        let decisions = checked
            .decisions
            .iter()
            .map(|d| {
                d.as_ref()
                    .map(|d| CompiledDecision::build(d, &checked.env, &text, budget))
            })
            .collect();
        let items = checked
            .items
            .iter()
            .map(|it| {
                it.as_ref().and_then(|it| {
                    items::compile(&it.kind, &it.name, it.span, &checked.env, &text, budget)
                })
            })
            .collect();
        Program { decisions, items }
    }

    /// Evaluate decision `name` of `checked` (the rule set this program was compiled from)
    /// through the DAG. [`crate::RuleSet::decide`] is the usual way in.
    pub fn decide(
        &self,
        checked: &Checked,
        name: &str,
        facts: &crate::facts::Facts,
    ) -> Result<crate::eval::Decision, crate::eval::EvalError> {
        let i = checked
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| {
                crate::eval::EvalError::unknown_decision(
                    name,
                    checked.names.iter().map(String::as_str),
                )
            })?;
        crate::eval::engine::decide_index(checked, Some(self), i, facts)
    }

    pub(crate) fn decision(&self, i: usize) -> Option<&CompiledDecision> {
        self.decisions.get(i).and_then(Option::as_ref)
    }

    /// The compiled clause sets of decision `i`, if it is lowered from items whose
    /// clauses are compiled.
    pub(crate) fn item(&self, i: usize) -> Option<&items::CompiledItem> {
        self.items.get(i).and_then(Option::as_ref)
    }

    /// The sizes of decision `name`'s DAG, if it is compiled.
    pub fn stats_of(&self, checked: &Checked, name: &str) -> Option<Stats> {
        let i = checked.names.iter().position(|n| n == name)?;
        self.decision(i).map(CompiledDecision::stats)
    }
}

/// Limits on the size of one decision's DAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Nodes at most (beyond, nodes scan their rows).
    pub nodes: usize,
    /// Live-row entries materialised across all nodes at most (bounds the compile time).
    pub work: usize,
    /// Whether a decision whose DAG passes the budget gets a bit-vector leaf (else a plain
    /// scanned list of its rows).
    pub bit_leaves: bool,
    /// When a bit-vector leaf orders its rows by its most selective column.
    pub clustering: Clustering,
}

/// When a bit-vector leaf orders its rows by the values of its most selective column (see
/// `docs/engine.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clustering {
    /// When the leaf spans a few chunks and the column is selective.
    #[default]
    Auto,
    /// Whenever the leaf has an ordered or set column (tests of the clustered evaluation).
    Always,
    /// Never: rows stay in rule order.
    Never,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            nodes: 0,
            work: 0,
            bit_leaves: true,
            clustering: Clustering::Auto,
        }
    }
}

impl Budget {
    /// The budget for a decision of `rows` rules: zero fields mean "scaled to the size"
    /// (4,096 nodes plus 4 per rule; 100,000 live-row entries plus 16 per rule).
    fn for_rows(self, rows: usize) -> Budget {
        Budget {
            nodes: if self.nodes == 0 {
                4_096 + 4 * rows
            } else {
                self.nodes
            },
            work: if self.work == 0 {
                100_000 + 16 * rows
            } else {
                self.work
            },
            bit_leaves: self.bit_leaves,
            clustering: self.clustering,
        }
    }
}

/// The most memory the bit-vector leaf of one decision may take, in 64-bit words (64 MiB).
const BIT_WORDS_CAP: usize = 8 << 20;

/// A guard: a condition on the bundle under which every compiled test is infallible.
#[derive(Debug, Clone)]
pub(crate) enum Guard {
    /// The root must be present.
    Root(SchemaId),
    /// The context field must be set.
    Present(FieldPath),
    /// `context.today` must be set.
    Today,
    /// A present money value must be of this currency.
    Currency(FieldPath, crate::value::Currency),
    /// A present distance must convert to kilometres.
    Distance(FieldPath),
}

/// A rule as the DAG sees it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The rule's index in its decision.
    pub rule: u32,
    /// Its tests, grouped by column (at most 64 groups).
    pub tests: Vec<(u32, Vec<Test>)>,
    /// The index of its first conjunct evaluated as a residual, in order.
    pub residual_from: usize,
    /// Whether there is a residual at all.
    pub has_residual: bool,
}

/// A node of the DAG.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// No row matches.
    NoMatch,
    /// `first`: the rows, in order, whose tests all passed: the first whose residual holds
    /// wins (a row without residual wins outright); if none does, go on at `then`.
    Try {
        rows: Box<[u32]>,
        then: Option<NodeId>,
    },
    /// Other hit policies: every row whose tests all passed; their residuals decide.
    Leaf(Box<[u32]>),
    /// Budget exhausted: rows with the tests they still have to pass (bit i = group i).
    Scan(Box<[(u32, u64)]>),
    /// Budget exhausted, rows filtered by bit vectors (Lakshman–Stiliadis): each column's
    /// value selects the bit vector of the rows that accept it; the rows left, in order,
    /// are the candidates whose residuals decide.
    Bits(Box<BitLeaf>),
    /// Split an ordered column at its constants: `children[2i+1]` is the value equal to
    /// `consts[i]`, `children[2i]` the values strictly between `consts[i-1]` and it.
    Ord {
        col: u32,
        consts: Box<[OrdVal]>,
        children: Box<[NodeId]>,
        absent: NodeId,
    },
    /// Split a set column: the ids listed, any other id, an absent value.
    Set {
        col: u32,
        ids: Box<[u32]>,
        children: Box<[NodeId]>,
        other: NodeId,
        absent: NodeId,
    },
    /// Split on a boolean column.
    Bool { col: u32, yes: NodeId, no: NodeId },
}

/// A bit-vector leaf: its rows, and for each column the rows accepting each of its values.
#[derive(Debug, Clone)]
pub(crate) struct BitLeaf {
    /// The rows, in order; bit `j` of a vector is `rows[j]`.
    pub rows: Box<[u32]>,
    /// 64-bit words per vector.
    pub words: usize,
    /// Every row's bit.
    pub all: Box<[u64]>,
    /// The columns, boolean ones last.
    pub cols: Box<[BitCol]>,
    /// Set when the rows are ordered by one column's values rather than in rule order.
    pub cluster: Option<Cluster>,
}

/// The column a [`BitLeaf`]'s rows are ordered by, with a summary of its vectors.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    /// Its position in [`BitLeaf::cols`].
    pub col: usize,
    /// Summary words per vector.
    pub words: usize,
    /// Per vector, bit `c` set when chunk `c` (of [`CHUNK`] words) has a row it accepts.
    pub summary: Box<[u64]>,
}

/// One column of a [`BitLeaf`].
#[derive(Debug, Clone)]
pub(crate) struct BitCol {
    pub col: u32,
    /// The rows that test the column (others accept any value).
    pub tested: Box<[u64]>,
    /// How a value selects its vector.
    pub split: BitSplit,
    /// The vectors, `words` each, in the order `split` numbers them.
    pub bits: Box<[u64]>,
    /// How many rows each vector accepts (its bits set), to AND the most selective first.
    pub counts: Box<[u32]>,
}

/// How a value selects the vector of a [`BitCol`].
#[derive(Debug, Clone)]
pub(crate) enum BitSplit {
    /// Region `r` among the constants (as in [`Node::Ord`]) selects vector `r`; an absent
    /// value the last.
    Ord(Box<[OrdVal]>, Option<Scaled>),
    /// Listed id `ids[k]` selects vector `k`, any other id `ids.len()`, absent the last.
    Set(Box<[u32]>),
    /// `false` selects vector 0, `true` vector 1.
    Bool,
}

/// Constants as integers, so that a probe is placed by integer comparisons: decimals at
/// one scale (`12.5` at scale 2 is `1250`), or integers (dates and codes too) as they are.
#[derive(Debug, Clone)]
pub(crate) struct Scaled {
    /// The scale (0 for integers).
    pub scale: u32,
    /// Whether the constants are integers ([`OrdVal::Int`]) rather than decimals.
    pub int: bool,
    /// The constants' mantissas at that scale, in order.
    pub values: Box<[i128]>,
    /// Every [`SEARCH_BLOCK`]-th value: a search reads this short list, then one block.
    index: Box<[i128]>,
}

/// Values per block of a [`Scaled`] search.
const SEARCH_BLOCK: usize = 32;

impl Scaled {
    /// The scaled form of `consts`, if they are all decimals that rescale exactly, or all
    /// integers.
    pub(crate) fn of(consts: &[OrdVal]) -> Option<Scaled> {
        let int = consts.iter().all(|c| matches!(c, OrdVal::Int(_)));
        let mut scale = 0;
        if !int {
            for c in consts {
                match c {
                    OrdVal::Num(d) => scale = scale.max(d.scale()),
                    _ => return None,
                }
            }
        }
        let values = consts
            .iter()
            .map(|c| match c {
                OrdVal::Num(d) => rescaled(*d, scale),
                OrdVal::Int(i) => Some(*i),
                OrdVal::Text(_) => None,
            })
            .collect::<Option<Box<[i128]>>>()?;
        let index = values.iter().step_by(SEARCH_BLOCK).copied().collect();
        Some(Scaled {
            scale,
            int,
            values,
            index,
        })
    }

    /// `self.values.binary_search(&m)`, reading the short index and then one block of
    /// values, not the whole list's cache lines.
    pub(crate) fn search(&self, m: i128) -> Result<usize, usize> {
        // the last block whose first value is <= m
        let block = match self.index.binary_search(&m) {
            Ok(b) => return Ok(b * SEARCH_BLOCK),
            Err(0) => return Err(0),
            Err(b) => b - 1,
        };
        let start = block * SEARCH_BLOCK;
        let end = (start + SEARCH_BLOCK).min(self.values.len());
        match self.values.get(start..end) {
            Some(values) => match values.binary_search(&m) {
                Ok(i) => Ok(start + i),
                Err(i) => Err(start + i),
            },
            None => self.values.binary_search(&m),
        }
    }
}

/// The mantissa of `d` at `scale`, if `d` has at most that scale and it fits.
pub(crate) fn rescaled(d: rust_decimal::Decimal, scale: u32) -> Option<i128> {
    let from = d.scale();
    if from > scale {
        return None;
    }
    let factor = 10i128.checked_pow(scale - from)?;
    d.mantissa().checked_mul(factor)
}

/// One decision's DAG.
#[derive(Debug, Clone)]
pub(crate) struct CompiledDecision {
    pub first: bool,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub nodes: Vec<Node>,
    pub guards: Vec<Guard>,
    pub budget_hit: bool,
    /// Live-row entries materialised while building the DAG (the budget's `work`).
    pub work: usize,
}

/// A live row: its index and the groups of tests it has still to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Alive {
    row: u32,
    pending: u64,
}

impl CompiledDecision {
    fn stats(&self) -> Stats {
        Stats {
            rows: self.rows.len(),
            columns: self.columns.len(),
            nodes: self.nodes.len(),
            scan_nodes: self
                .nodes
                .iter()
                .filter(|n| matches!(n, Node::Scan(_) | Node::Bits(_)))
                .count(),
            budget_hit: self.budget_hit,
            work: self.work,
            bit_bytes: self
                .nodes
                .iter()
                .map(|n| match n {
                    Node::Bits(leaf) => {
                        8 * leaf
                            .cols
                            .iter()
                            .map(|c| c.bits.len() + c.tested.len())
                            .sum::<usize>()
                    }
                    _ => 0,
                })
                .sum(),
            clustered: self
                .nodes
                .iter()
                .any(|n| matches!(n, Node::Bits(leaf) if leaf.cluster.is_some())),
        }
    }

    fn build(
        d: &CheckedDecision,
        env: &Env,
        text: &dyn Fn(&crate::check::ir::Ir) -> String,
        budget: Budget,
    ) -> CompiledDecision {
        let mut columns: Vec<Column> = Vec::new();
        let mut col_index: HashMap<String, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(d.rules.len());
        let mut guard_paths: Vec<FieldPath> = Vec::new();
        let mut money: Vec<(FieldPath, crate::value::Currency)> = Vec::new();
        let mut distance: Vec<FieldPath> = Vec::new();
        let mut today = false;
        for (ri, rule) in d.rules.iter().enumerate() {
            let mut tests: Vec<(u32, Vec<Test>)> = Vec::new();
            let mut add = |col: Column, test: Test, tests: &mut Vec<(u32, Vec<Test>)>| -> bool {
                let key = col.key(text);
                let c = match col_index.get(&key) {
                    Some(c) => *c,
                    None => {
                        let c = columns.len() as u32;
                        col_index.insert(key, c);
                        columns.push(col);
                        c
                    }
                };
                if let Some((_, list)) = tests.iter_mut().find(|(k, _)| *k == c) {
                    list.push(test);
                    return true;
                }
                if tests.len() >= 64 {
                    return false;
                }
                tests.push((c, vec![test]));
                true
            };
            if let Some((from, to)) = rule.effective {
                today = true;
                let day = |d: chrono::NaiveDate| {
                    OrdVal::Int(i128::from(chrono::Datelike::num_days_from_ce(&d)))
                };
                add(
                    Column::Today,
                    Test::Ord {
                        prim: Prim::Range(day(from), day(to)),
                        negated: false,
                        absent: false,
                    },
                    &mut tests,
                );
            }
            let conj = atoms::conjuncts(&rule.when);
            let mut residual_from = conj.len();
            for (k, c) in conj.iter().enumerate() {
                let Some((col, test)) = atoms::atom(c, env, &rule.id) else {
                    residual_from = k;
                    break;
                };
                match &col {
                    Column::Ord {
                        path,
                        money: m,
                        distance: dist,
                    } => {
                        guard_paths.push(path.clone());
                        if let Some(cur) = m {
                            money.push((path.clone(), *cur));
                        }
                        if *dist {
                            distance.push(path.clone());
                        }
                    }
                    Column::Set { path, .. } => guard_paths.push(path.clone()),
                    Column::Bool { ir, .. } => atoms::paths(ir, &mut guard_paths),
                    Column::Today => {}
                }
                if !add(col, test, &mut tests) {
                    residual_from = k;
                    break;
                }
            }
            rows.push(Row {
                rule: ri as u32,
                tests,
                residual_from,
                has_residual: residual_from < conj.len(),
            });
        }
        let context = env
            .schemas
            .iter()
            .position(|s| s.name == "context")
            .map(|i| SchemaId(i as u32));
        let mut guards: Vec<Guard> = Vec::new();
        let mut roots: BTreeSet<SchemaId> = BTreeSet::new();
        for p in &guard_paths {
            roots.insert(p.root);
        }
        guards.extend(roots.into_iter().map(Guard::Root));
        let mut seen = BTreeSet::new();
        for p in guard_paths {
            if Some(p.root) == context && seen.insert(p.fields.clone()) {
                guards.push(Guard::Present(p));
            }
        }
        if today {
            guards.push(Guard::Today);
        }
        money.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        money.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        guards.extend(money.into_iter().map(|(p, c)| Guard::Currency(p, c)));
        distance.dedup();
        guards.extend(distance.into_iter().map(Guard::Distance));

        let first = matches!(d.hit, HitPolicy::First);
        let budget = budget.for_rows(rows.len());
        let mut b = Builder {
            first,
            columns: &columns,
            rows: &rows,
            env,
            nodes: Vec::new(),
            memo: HashMap::new(),
            work: Vec::new(),
            budget,
            spent: 0,
            budget_hit: false,
        };
        let start: Vec<Alive> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| Alive {
                row: i as u32,
                pending: if r.tests.len() >= 64 {
                    u64::MAX
                } else {
                    (1u64 << r.tests.len()) - 1
                },
            })
            .collect();
        b.node_of(start.clone());
        // breadth first, so that a budget runs out evenly rather than on the last subtrees
        let mut next = 0;
        while next < b.work.len() {
            let (id, state) = std::mem::take(&mut b.work[next]);
            next += 1;
            if b.budget_hit || b.over_budget() {
                b.budget_hit = true;
                break;
            }
            let node = b.make(state);
            if let Some(slot) = b.nodes.get_mut(id as usize) {
                *slot = node;
            }
        }
        let (mut nodes, budget_hit, work) = (b.nodes, b.budget_hit, b.spent);
        if budget_hit {
            // a DAG cut short: one bit-vector leaf over every row serves better, if it fits
            let leaf = if budget.bit_leaves {
                bit_leaf(&start, &rows, &columns, env).and_then(|leaf| match budget.clustering {
                    Clustering::Never => Some(leaf),
                    c => clustered(leaf, &start, &rows, &columns, env, c == Clustering::Always),
                })
            } else {
                None
            };
            nodes = match leaf {
                Some(leaf) => vec![Node::Bits(Box::new(leaf))],
                None => vec![Node::Scan(
                    start.iter().map(|a| (a.row, a.pending)).collect(),
                )],
            };
        }
        CompiledDecision {
            first,
            columns,
            rows,
            nodes,
            guards,
            budget_hit,
            work,
        }
    }
}

struct Builder<'a> {
    first: bool,
    columns: &'a [Column],
    rows: &'a [Row],
    env: &'a Env,
    nodes: Vec<Node>,
    memo: HashMap<Vec<Alive>, NodeId>,
    work: Vec<(NodeId, Vec<Alive>)>,
    budget: Budget,
    spent: usize,
    budget_hit: bool,
}

impl Builder<'_> {
    /// The node of a state: shared if built (or queued) already.
    fn node_of(&mut self, state: Vec<Alive>) -> NodeId {
        if let Some(id) = self.memo.get(&state) {
            return *id;
        }
        // past the budget no node is made (the DAG is dropped for a leaf): a node whose
        // split has thousands of regions over thousands of live rows stops here, instead of
        // materialising them all before the budget is looked at again
        if self.budget_hit || self.over_budget() {
            self.budget_hit = true;
            return 0;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node::NoMatch);
        self.spent += state.len();
        self.memo.insert(state.clone(), id);
        self.work.push((id, state));
        id
    }

    fn over_budget(&self) -> bool {
        self.nodes.len() >= self.budget.nodes || self.spent >= self.budget.work
    }

    fn make(&mut self, state: Vec<Alive>) -> Node {
        if state.is_empty() {
            return Node::NoMatch;
        }
        if self.first {
            // the leading rows whose tests have all passed are tried in order
            let mut done = 0;
            let mut sure = false;
            for a in &state {
                if a.pending != 0 {
                    break;
                }
                done += 1;
                if !self.rows[a.row as usize].has_residual {
                    sure = true;
                    break;
                }
            }
            if done > 0 {
                let rows: Box<[u32]> = state[..done].iter().map(|a| a.row).collect();
                let then = if sure {
                    None
                } else {
                    Some(self.node_of(state[done..].to_vec()))
                };
                return Node::Try { rows, then };
            }
        } else if state.iter().all(|a| a.pending == 0) {
            return Node::Leaf(state.iter().map(|a| a.row).collect());
        }
        let col = self.choose(&state);
        match &self.columns[col as usize] {
            Column::Ord { .. } | Column::Today => self.split_ord(col, &state),
            Column::Set { domain, .. } => {
                let domain = *domain;
                self.split_set(col, domain, &state)
            }
            Column::Bool { .. } => {
                let yes = self.child(col, &state, |t| bool_accepts(t, true));
                let no = self.child(col, &state, |t| bool_accepts(t, false));
                Node::Bool { col, yes, no }
            }
        }
    }

    /// The group index of column `col` in row `row`, if it is still pending there.
    fn group(&self, a: &Alive, col: u32) -> Option<usize> {
        let row = &self.rows[a.row as usize];
        let g = row.tests.iter().position(|(c, _)| *c == col)?;
        (a.pending & (1u64 << g) != 0).then_some(g)
    }

    /// Maranget's choice: for `first`, a column the first live row needs (the one most live
    /// rows test); otherwise the column most live rows test.
    fn choose(&self, state: &[Alive]) -> u32 {
        let mut count: HashMap<u32, usize> = HashMap::new();
        for a in state {
            let row = &self.rows[a.row as usize];
            for (g, (c, _)) in row.tests.iter().enumerate() {
                if a.pending & (1u64 << g) != 0 {
                    *count.entry(*c).or_default() += 1;
                }
            }
        }
        let candidates: Vec<u32> = match (self.first, state.first()) {
            (true, Some(a)) => {
                let row = &self.rows[a.row as usize];
                row.tests
                    .iter()
                    .enumerate()
                    .filter(|(g, _)| a.pending & (1u64 << g) != 0)
                    .map(|(_, (c, _))| *c)
                    .collect()
            }
            _ => count.keys().copied().collect(),
        };
        candidates
            .into_iter()
            .max_by_key(|c| (count.get(c).copied().unwrap_or(0), std::cmp::Reverse(*c)))
            .unwrap_or(0)
    }

    /// The child of the rows that accept a value, as `accepts` says for each row's tests on
    /// `col`; rows not testing `col` stay, with `col` resolved for those that do.
    fn child(&mut self, col: u32, state: &[Alive], accepts: impl Fn(&[Test]) -> bool) -> NodeId {
        let mut next = Vec::with_capacity(state.len());
        for a in state {
            match self.group(a, col) {
                None => next.push(*a),
                Some(g) => {
                    if accepts(&self.rows[a.row as usize].tests[g].1) {
                        next.push(Alive {
                            row: a.row,
                            pending: a.pending & !(1u64 << g),
                        });
                    }
                }
            }
        }
        self.node_of(next)
    }

    fn split_ord(&mut self, col: u32, state: &[Alive]) -> Node {
        // the constants of every live row's tests on the column
        let mut consts: Vec<OrdVal> = Vec::new();
        let mut bound: Vec<(usize, usize)> = Vec::new(); // (state index, group)
        for (k, a) in state.iter().enumerate() {
            if let Some(g) = self.group(a, col) {
                bound.push((k, g));
                constants_of(&self.rows[a.row as usize].tests[g].1, &mut consts);
            }
        }
        consts.sort();
        consts.dedup();
        let regions = 2 * consts.len() + 1;
        let rank = |c: &OrdVal| consts.binary_search(c).map_or(0, |i| 2 * i + 1);
        // each bound row's accepted regions, as sorted disjoint intervals of ranks
        let mut accepted: Vec<Vec<(usize, usize)>> = Vec::with_capacity(bound.len());
        for (k, g) in &bound {
            let tests = &self.rows[state[*k].row as usize].tests[*g].1;
            let mut acc = vec![(0, regions - 1)];
            for t in tests {
                acc = intersect(&acc, &intervals(t, regions, &rank));
            }
            accepted.push(acc);
        }
        // sweep the regions; build a child only where the set of accepting rows changes
        let mut starts: Vec<Vec<usize>> = vec![Vec::new(); regions + 1];
        let mut ends: Vec<Vec<usize>> = vec![Vec::new(); regions + 1];
        for (b, acc) in accepted.iter().enumerate() {
            for (lo, hi) in acc {
                starts[*lo].push(b);
                ends[hi + 1].push(b);
            }
        }
        // the rows that do not test the column, which every child keeps
        let unbound: Vec<usize> = {
            let mut b = bound.iter().map(|(k, _)| *k).peekable();
            (0..state.len())
                .filter(|k| {
                    if b.peek() == Some(k) {
                        b.next();
                        false
                    } else {
                        true
                    }
                })
                .collect()
        };
        let mut active: BTreeSet<usize> = BTreeSet::new();
        let mut children = Vec::with_capacity(regions);
        let mut last: Option<NodeId> = None;
        for r in 0..regions {
            let changed = !starts[r].is_empty() || !ends[r].is_empty() || last.is_none();
            for b in &ends[r] {
                active.remove(b);
            }
            for b in &starts[r] {
                active.insert(*b);
            }
            if changed {
                if self.budget_hit {
                    return Node::NoMatch;
                }
                let id = self.child_of_bound(state, &bound, &unbound, &active);
                last = Some(id);
            }
            children.push(last.unwrap_or(0));
        }
        let absent_rows: BTreeSet<usize> = bound
            .iter()
            .enumerate()
            .filter(|(_, (k, g))| {
                self.rows[state[*k].row as usize].tests[*g]
                    .1
                    .iter()
                    .all(|t| matches!(t, Test::Ord { absent: true, .. }))
            })
            .map(|(b, _)| b)
            .collect();
        let absent = self.child_of_bound(state, &bound, &unbound, &absent_rows);
        Node::Ord {
            col,
            consts: consts.into(),
            children: children.into(),
            absent,
        }
    }

    /// The child keeping the rows not in `bound` (not testing the column split; their
    /// places in `state` are `unbound`, in order) and the bound rows listed in `keep`,
    /// with the column resolved for those. It costs what the child holds, not what the
    /// parent does, and a child that would take the work budget past its end is not
    /// built at all: the budget is spent (the decision gets its leaf).
    fn child_of_bound(
        &mut self,
        state: &[Alive],
        bound: &[(usize, usize)],
        unbound: &[usize],
        keep: &BTreeSet<usize>,
    ) -> NodeId {
        if self.budget_hit || self.spent + unbound.len() + keep.len() > self.budget.work {
            self.budget_hit = true;
            return 0;
        }
        let mut next = Vec::with_capacity(unbound.len() + keep.len());
        // merge, in state order, the unbound rows and the kept bound ones
        let mut kept = keep.iter().map(|b| bound[*b]).peekable();
        let mut free = unbound.iter().copied().peekable();
        loop {
            let take_free = match (free.peek(), kept.peek()) {
                (Some(u), Some((k, _))) => u < k,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_free {
                if let Some(u) = free.next() {
                    next.push(state[u]);
                }
            } else if let Some((k, g)) = kept.next() {
                let a = state[k];
                next.push(Alive {
                    row: a.row,
                    pending: a.pending & !(1u64 << g),
                });
            }
        }
        self.node_of(next)
    }

    fn split_set(&mut self, col: u32, domain: Domain, state: &[Alive]) -> Node {
        let size = match domain {
            Domain::Enum(e) => self
                .env
                .enums
                .get(e as usize)
                .map_or(0, |d| d.variants.len()),
            Domain::Code(t) => self
                .env
                .tables
                .get(t.0 as usize)
                .map_or(0, |t| t.codes.len()),
            Domain::Bool => 2,
        };
        let mut mentioned: Vec<u32> = Vec::new();
        for a in state {
            if let Some(g) = self.group(a, col) {
                for t in &self.rows[a.row as usize].tests[g].1 {
                    if let Test::Set { ids, .. } = t {
                        mentioned.extend(ids.iter().copied());
                    }
                }
            }
        }
        mentioned.sort_unstable();
        mentioned.dedup();
        // small domains are split value by value; large ones on the ids rows mention
        let ids: Vec<u32> = if size <= 64 {
            (0..size as u32).collect()
        } else {
            mentioned.clone()
        };
        let mut children = Vec::with_capacity(ids.len());
        for id in &ids {
            if self.budget_hit {
                return Node::NoMatch;
            }
            children.push(self.child(col, state, |ts| ts.iter().all(|t| set_accepts(t, *id))));
        }
        // an id no row mentions: accepted exactly by negated tests
        let other = match (0..size as u32).find(|i| mentioned.binary_search(i).is_err()) {
            Some(i) => self.child(col, state, |ts| ts.iter().all(|t| set_accepts(t, i))),
            None => self.node_of(Vec::new()),
        };
        let absent = self.child(col, state, |ts| {
            ts.iter()
                .all(|t| matches!(t, Test::Set { absent: true, .. }))
        });
        Node::Set {
            col,
            ids: ids.into(),
            children: children.into(),
            other,
            absent,
        }
    }
}

/// The constants ordered tests compare with, added to `out`.
pub(crate) fn constants_of(tests: &[Test], out: &mut Vec<OrdVal>) {
    for t in tests {
        if let Test::Ord { prim, .. } = t {
            match prim {
                Prim::Cmp(_, c) => out.push(c.clone()),
                Prim::List(items) => out.extend(items.iter().cloned()),
                Prim::Range(a, b) => {
                    out.push(a.clone());
                    out.push(b.clone());
                }
                Prim::Any => {}
            }
        }
    }
}

pub(crate) fn set_accepts(t: &Test, id: u32) -> bool {
    match t {
        Test::Set { ids, negated, .. } => ids.binary_search(&id).is_ok() != *negated,
        _ => false,
    }
}

pub(crate) fn bool_accepts(ts: &[Test], v: bool) -> bool {
    ts.iter().all(|t| matches!(t, Test::Bool(b) if *b == v))
}

/// The ranks a test accepts among `regions` (present values only).
fn intervals(t: &Test, regions: usize, rank: &dyn Fn(&OrdVal) -> usize) -> Vec<(usize, usize)> {
    use crate::dsl::ast::CmpOp;
    let Test::Ord { prim, negated, .. } = t else {
        return Vec::new();
    };
    let last = regions - 1;
    let below = |q: usize| if q == 0 { vec![] } else { vec![(0, q - 1)] };
    let above = |q: usize| {
        if q >= last {
            vec![]
        } else {
            vec![(q + 1, last)]
        }
    };
    let mut acc: Vec<(usize, usize)> = match prim {
        Prim::Cmp(op, c) => {
            let q = rank(c);
            match op {
                CmpOp::Lt => below(q),
                CmpOp::Le => vec![(0, q)],
                CmpOp::Gt => above(q),
                CmpOp::Ge => vec![(q, last)],
                CmpOp::Eq => vec![(q, q)],
                CmpOp::Ne => {
                    let mut v = below(q);
                    v.extend(above(q));
                    v
                }
            }
        }
        Prim::List(items) => {
            let mut qs: Vec<usize> = items.iter().map(rank).collect();
            qs.sort_unstable();
            qs.dedup();
            qs.into_iter().map(|q| (q, q)).collect()
        }
        Prim::Range(a, b) => {
            let (lo, hi) = (rank(a), rank(b));
            if lo <= hi {
                vec![(lo, hi)]
            } else {
                vec![]
            }
        }
        Prim::Any => vec![(0, last)],
    };
    if *negated {
        let mut out = Vec::new();
        let mut next = 0;
        for (lo, hi) in &acc {
            if *lo > next {
                out.push((next, lo - 1));
            }
            next = hi + 1;
        }
        if next <= last {
            out.push((next, last));
        }
        acc = out;
    }
    acc
}

fn intersect(a: &[(usize, usize)], b: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo <= hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Words of a bit-vector leaf taken together at evaluation: one 64-byte cache line of each
/// vector. A clustered leaf keeps one summary bit per chunk.
pub(crate) const CHUNK: usize = 16;

/// The fewest chunks for which a leaf is worth clustering.
const CLUSTER_CHUNKS: usize = 2;

/// `leaf` with its rows reordered by the values of its most selective column, if that
/// column is selective enough to gain from it.
///
/// A table whose rows each accept a narrow range of one column (a fault code range, a
/// model) spreads a bundle's candidates over every chunk when the rows are in rule order;
/// in the order of that column's ranges they sit in a few chunks, which a summary of each
/// vector (one bit per chunk) finds without reading the others. The evaluation of a
/// clustered leaf collects the candidates of those chunks and tries them in rule order.
/// `None` if the reordered leaf cannot be built (it always can: the same vectors).
fn clustered(
    leaf: BitLeaf,
    state: &[Alive],
    rows: &[Row],
    columns: &[Column],
    env: &Env,
    always: bool,
) -> Option<BitLeaf> {
    let words = leaf.words;
    let k = leaf.rows.len();
    let chunks = words.div_ceil(CHUNK);
    if chunks < CLUSTER_CHUNKS && !always {
        return Some(leaf);
    }
    // the most selective ordered or set column: the fewest rows per vector on average
    let pick = leaf
        .cols
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c.split, BitSplit::Bool))
        .map(|(i, c)| {
            let vectors = c.counts.len().max(1);
            let ones: u64 = c.counts.iter().map(|n| u64::from(*n)).sum();
            (i, ones as f64 / vectors as f64 / k.max(1) as f64)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((ci, density)) = pick else {
        return Some(leaf);
    };
    // the share of rows a bundle's vector accepts, those not testing the column included
    // (they are candidates whatever the value): too many, and the chunks are all read
    if density > 0.3 && !always {
        return Some(leaf);
    }
    let Some(bc) = leaf.cols.get(ci) else {
        return Some(leaf);
    };
    // each row's key: the first vector (the lowest region, the first listed id) accepting
    // it; rows that do not test the column go last
    let vectors = bc.counts.len();
    let mut key = vec![u32::MAX; k];
    let mut keyed = vec![0u64; words];
    for v in 0..vectors {
        let Some(bits) = bc.bits.get(v * words..(v + 1) * words) else {
            return Some(leaf);
        };
        for (w, ((b, t), done)) in bits
            .iter()
            .zip(bc.tested.iter())
            .zip(keyed.iter_mut())
            .enumerate()
        {
            let mut fresh = b & t & !*done;
            *done |= fresh;
            while fresh != 0 {
                let j = w * 64 + fresh.trailing_zeros() as usize;
                fresh &= fresh - 1;
                if let Some(slot) = key.get_mut(j) {
                    *slot = v as u32;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|j| key.get(*j).copied().unwrap_or(u32::MAX));
    if !always && order.iter().enumerate().all(|(i, j)| i == *j) {
        return Some(leaf);
    }
    let permuted: Vec<Alive> = order
        .iter()
        .filter_map(|j| state.get(*j).copied())
        .collect();
    let col = bc.col;
    drop(leaf);
    let mut leaf = bit_leaf(&permuted, rows, columns, env)?;
    let Some(pos) = leaf.cols.iter().position(|c| c.col == col) else {
        return Some(leaf);
    };
    let Some(bc) = leaf.cols.get(pos) else {
        return Some(leaf);
    };
    let swords = chunks.div_ceil(64);
    let mut summary = vec![0u64; bc.counts.len() * swords];
    for (v, vector) in bc.bits.chunks(words).enumerate() {
        for (c, chunk) in vector.chunks(CHUNK).enumerate() {
            if chunk.iter().any(|w| *w != 0) {
                if let Some(s) = summary.get_mut(v * swords + c / 64) {
                    *s |= 1u64 << (c % 64);
                }
            }
        }
    }
    leaf.cluster = Some(Cluster {
        col: pos,
        words: swords,
        summary: summary.into(),
    });
    Some(leaf)
}

/// The bit-vector leaf over `state`, or `None` if its vectors would pass [`BIT_WORDS_CAP`].
fn bit_leaf(state: &[Alive], rows: &[Row], columns: &[Column], env: &Env) -> Option<BitLeaf> {
    let k = state.len();
    let words = k.div_ceil(64).max(1);
    let set_bit = |v: &mut [u64], j: usize| {
        if let Some(w) = v.get_mut(j / 64) {
            *w |= 1u64 << (j % 64);
        }
    };
    let mut all = vec![0u64; words];
    for j in 0..k {
        set_bit(&mut all, j);
    }
    // the columns still to test, boolean ones last (they cost an evaluation each)
    let mut used: Vec<u32> = Vec::new();
    for a in state {
        let row = rows.get(a.row as usize)?;
        for (g, (c, _)) in row.tests.iter().enumerate() {
            if a.pending & (1u64 << g) != 0 {
                used.push(*c);
            }
        }
    }
    used.sort_unstable();
    used.dedup();
    used.sort_by_key(|c| matches!(columns.get(*c as usize), Some(Column::Bool { .. })));
    let mut total = 0usize;
    let mut cols = Vec::with_capacity(used.len());
    for c in used {
        // (leaf bit, tests) of each row still testing the column
        let mut bound: Vec<(usize, &[Test])> = Vec::new();
        let mut tested = vec![0u64; words];
        for (j, a) in state.iter().enumerate() {
            let row = rows.get(a.row as usize)?;
            if let Some(g) = row.tests.iter().position(|(col, _)| *col == c) {
                if a.pending & (1u64 << g) != 0 {
                    bound.push((j, row.tests.get(g)?.1.as_slice()));
                    set_bit(&mut tested, j);
                }
            }
        }
        let free: Vec<u64> = all.iter().zip(&tested).map(|(a, t)| a & !t).collect();
        let (split, bits) = match columns.get(c as usize)? {
            Column::Ord { .. } | Column::Today => {
                let mut consts: Vec<OrdVal> = Vec::new();
                for (_, tests) in &bound {
                    constants_of(tests, &mut consts);
                }
                consts.sort();
                consts.dedup();
                let regions = 2 * consts.len() + 1;
                total = total.checked_add((regions + 1).checked_mul(words)?)?;
                if total > BIT_WORDS_CAP {
                    return None;
                }
                let rank = |v: &OrdVal| consts.binary_search(v).map_or(0, |i| 2 * i + 1);
                let mut starts: Vec<Vec<usize>> = vec![Vec::new(); regions + 1];
                let mut ends: Vec<Vec<usize>> = vec![Vec::new(); regions + 1];
                let mut absent = free.clone();
                for (j, tests) in &bound {
                    let mut acc = vec![(0, regions - 1)];
                    for t in tests.iter() {
                        acc = intersect(&acc, &intervals(t, regions, &rank));
                    }
                    for (lo, hi) in acc {
                        starts.get_mut(lo)?.push(*j);
                        ends.get_mut(hi + 1)?.push(*j);
                    }
                    if tests
                        .iter()
                        .all(|t| matches!(t, Test::Ord { absent: true, .. }))
                    {
                        set_bit(&mut absent, *j);
                    }
                }
                let mut bits = Vec::with_capacity((regions + 1) * words);
                let mut cur = free.clone();
                for r in 0..regions {
                    for j in ends.get(r)? {
                        if let Some(w) = cur.get_mut(j / 64) {
                            *w &= !(1u64 << (j % 64));
                        }
                    }
                    for j in starts.get(r)? {
                        set_bit(&mut cur, *j);
                    }
                    bits.extend_from_slice(&cur);
                }
                bits.extend_from_slice(&absent);
                let scaled = Scaled::of(&consts);
                (BitSplit::Ord(consts.into(), scaled), bits)
            }
            Column::Set { domain, .. } => {
                let size = match domain {
                    Domain::Enum(e) => env.enums.get(*e as usize).map_or(0, |d| d.variants.len()),
                    Domain::Code(t) => env.tables.get(t.0 as usize).map_or(0, |t| t.codes.len()),
                    Domain::Bool => 2,
                };
                let mut ids: Vec<u32> = Vec::new();
                for (_, tests) in &bound {
                    for t in tests.iter() {
                        if let Test::Set { ids: i, .. } = t {
                            ids.extend(i.iter().copied());
                        }
                    }
                }
                ids.sort_unstable();
                ids.dedup();
                let vectors = ids.len() + 2;
                total = total.checked_add(vectors.checked_mul(words)?)?;
                if total > BIT_WORDS_CAP {
                    return None;
                }
                let mut bits = Vec::with_capacity(vectors * words);
                for _ in 0..ids.len() + 1 {
                    bits.extend_from_slice(&free);
                }
                bits.extend_from_slice(&free);
                let other = (0..size as u32).find(|i| ids.binary_search(i).is_err());
                for (j, tests) in &bound {
                    let mut mark = |vector: usize| {
                        if let Some(w) = bits.get_mut(vector * words + j / 64) {
                            *w |= 1u64 << (j % 64);
                        }
                    };
                    match tests {
                        [Test::Set {
                            ids: listed,
                            negated: false,
                            ..
                        }] => {
                            for id in listed.iter() {
                                if let Ok(v) = ids.binary_search(id) {
                                    mark(v);
                                }
                            }
                        }
                        _ => {
                            for (v, id) in ids.iter().enumerate() {
                                if tests.iter().all(|t| set_accepts(t, *id)) {
                                    mark(v);
                                }
                            }
                        }
                    }
                    if let Some(o) = other {
                        if tests.iter().all(|t| set_accepts(t, o)) {
                            mark(ids.len());
                        }
                    }
                    if tests
                        .iter()
                        .all(|t| matches!(t, Test::Set { absent: true, .. }))
                    {
                        mark(ids.len() + 1);
                    }
                }
                (BitSplit::Set(ids.into()), bits)
            }
            Column::Bool { .. } => {
                total = total.checked_add(2 * words)?;
                let mut bits = free.clone();
                bits.extend_from_slice(&free);
                for (j, tests) in &bound {
                    for (v, value) in [false, true].into_iter().enumerate() {
                        if bool_accepts(tests, value) {
                            if let Some(w) = bits.get_mut(v * words + j / 64) {
                                *w |= 1u64 << (j % 64);
                            }
                        }
                    }
                }
                (BitSplit::Bool, bits)
            }
        };
        let counts = bits
            .chunks(words.max(1))
            .map(|v| v.iter().map(|w| w.count_ones()).sum())
            .collect();
        cols.push(BitCol {
            col: c,
            tested: tested.into(),
            split,
            bits: bits.into(),
            counts,
        });
    }
    // the most selective columns first (the fewest rows accepted by an average vector), so
    // that the mask thins out early; boolean columns stay last
    let density = |c: &BitCol| {
        let vectors = (c.bits.len() / words).max(1);
        let ones: u64 = c.bits.iter().map(|w| u64::from(w.count_ones())).sum();
        ones as f64 / vectors as f64
    };
    cols.sort_by(|a, b| {
        let key = |c: &BitCol| matches!(columns.get(c.col as usize), Some(Column::Bool { .. }));
        key(a).cmp(&key(b)).then(density(a).total_cmp(&density(b)))
    });
    Some(BitLeaf {
        rows: state.iter().map(|a| a.row).collect(),
        words,
        all: all.into(),
        cols: cols.into(),
        cluster: None,
    })
}
