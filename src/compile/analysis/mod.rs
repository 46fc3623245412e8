//! Static analyses read off the compiled decision DAGs (LANGUAGE.md §5.2, §6):
//!
//! - **unreachable rules** (`E0301`, warning): a rule in no reachable node of its DAG, with
//!   the rules that shadow it (the rows that win outright in the `first` nodes its own
//!   tests lead to), or, where nothing shadows it, "its conditions can never all hold";
//! - **gaps** (`E0302`, warning, decisions without `otherwise`): an input that no rule
//!   matches, one per decision;
//! - **overlaps** (`E0303`, `hit unique` only): two rules that both match one input — an
//!   error when proven, a warning when the rules' residual conditions (arithmetic, other
//!   decisions…) leave it open.
//!
//! Every gap and overlap is searched breadth-first from the root along edges some input
//! can take, and its example bundle is built from the constraints of the path (a value in
//! each ordered region, an id of each set edge, an absent field for an absent edge), with
//! placeholders for the other required fields. An example is reported only after the
//! reference interpreter has reproduced the finding on it (`no_match`, or
//! `not_unique`); where no example could be confirmed, the finding is the weaker warning
//! without one. The work is bounded (states visited, examples tried, nodes walked), so a
//! 10,000-rule decision is analysed in a fraction of its compile time.
//!
//! A decision whose DAG ran out of its budget is one bit-vector leaf; it is analysed by
//! a search over the leaf's columns instead (the `leaf` module), for the same findings.
//!
//! ```
//! use aftersales::compile::analysis::{analyse, FindingKind};
//! use aftersales::compile::Program;
//! let (parsed, _, _) = aftersales::load::check_sources([(
//!     "a.rules".to_string(),
//!     r#"decision band {
//!          output level: int = 0
//!          rule low when has product.model_year and product.model_year < 2020 then level = 1
//!          rule high when has product.model_year and product.model_year > 2022 then level = 2
//!          rule mid when has product.model_year and product.model_year in 2021..2021 then level = 3
//!        }"#
//!     .to_string(),
//! )]);
//! let (checked, _) = aftersales::check::check_full(&parsed);
//! let program = Program::compile(&checked, &parsed.map);
//! let findings = analyse(&checked, &program);
//! let gap = findings.iter().find(|f| f.kind == FindingKind::Gap).unwrap();
//! assert!(gap.proven);
//! // the example is a bundle no rule matches
//! let example = gap.example.as_ref().unwrap();
//! assert!(example["product"].get("model_year").is_none()
//!     || ["2020", "2022"].contains(&example["product"]["model_year"].to_string().as_str()));
//! ```

use super::atoms::{Column, Domain, FieldPath, OrdVal, Test};
use super::{bool_accepts, intersect, intervals, set_accepts, CompiledDecision, Node, NodeId};
use super::{Guard, Program};
use crate::check::ir::{CheckedDecision, InSet, Ir, IrKind};
use crate::check::Checked;
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::dsl::ast::HitPolicy;
use crate::eval::EvalError;
use crate::json::Json as J;
use crate::types::{Env, SchemaId, Type};
use crate::value::{Currency, Distance, DistanceUnit, Money, Value};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

mod leaf;

/// Paths (states) the example search visits per decision at most.
const MAX_STATES: usize = 10_000;
/// Times one node is expanded at most, each time along another path.
const VISITS_PER_NODE: u8 = 3;
/// As [`VISITS_PER_NODE`], in a decision whose columns are correlated.
const VISITS_CORRELATED: u8 = 64;
/// Ways of satisfying one boolean test followed at most.
const MAX_WAYS: usize = 8;
/// Examples built and checked with the reference interpreter per decision at most.
const MAX_VERIFY: usize = 48;
/// As [`MAX_VERIFY`], for decisions over [`LARGE`] rows (each check scans every rule).
const MAX_VERIFY_LARGE: usize = 6;
/// Rows beyond which a decision counts as large.
const LARGE: usize = 5_000;
/// Rules the reference interpreter may evaluate, in all, to confirm the examples of one
/// analysis of a rule set (each confirmation charged the rules of the decision and of every
/// decision it reads, counted once per path): past it, findings are reported unconfirmed.
/// A chain of 10,000 decisions each reading the one before would otherwise cost 50M.
const CONFIRM_BUDGET: u64 = 4_000_000;
/// Distinct overlapping pairs reported per decision at most.
const MAX_PAIRS: usize = 16;
/// The date `context.today` is set to where a path does not need another.
const TODAY: &str = "2026-01-01";
/// The instant `context.now` is set to.
const NOW: &str = "2026-01-01T12:00:00Z";

/// The kind of a [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// A rule no input can reach (`E0301`).
    Unreachable,
    /// An input no rule matches, in a decision without `otherwise` (`E0302`).
    Gap,
    /// Two rules of a `hit unique` decision that both match an input (`E0303`).
    Overlap,
    /// Rules whose reachability the analysis could not settle within its budget (`E0304`):
    /// `rules` lists them. The decision is decided correctly; the static check is what is
    /// incomplete.
    Incomplete,
}

/// One result of [`analyse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// The decision it is in.
    pub decision: String,
    /// The rules concerned: the unreachable rule; the two overlapping rules in order;
    /// none for a gap.
    pub rules: Vec<String>,
    /// For an unreachable rule, the rules that take all its inputs, in order; empty when
    /// its own conditions can never all hold.
    pub shadowed_by: Vec<String>,
    /// A bundle (as JSON) that reproduces the finding, confirmed with the reference
    /// interpreter: a gap's example gives `no_match`, an overlap's `not_unique`.
    pub example: Option<J>,
    /// Whether the finding is certain: unreachable rules always are; gaps and overlaps
    /// when their example was confirmed.
    pub proven: bool,
    /// For an unreachable rule, whether the walk naming the rules that shadow it stopped
    /// at its bound (so `shadowed_by` may be incomplete).
    pub truncated: bool,
    /// Where to report it: the rule (the second rule of an overlap), or the decision's
    /// name for a gap.
    pub span: Span,
    /// The other place worth showing (the first rule of an overlap).
    pub related: Option<Span>,
}

impl Finding {
    /// The diagnostic of this finding: `E0301` warning, `E0302` warning, `E0303` error
    /// when proven and warning otherwise. The example is in the help text, as one line of
    /// JSON.
    pub fn diagnostic(&self) -> Diagnostic {
        // a proven finding's example, attached after its help
        let with_example = |d: Diagnostic| match (&self.example, self.proven) {
            (Some(e), true) => d.with_example(e.to_string()),
            _ => d,
        };
        let names = |v: &[String]| {
            v.iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let rule = self.rules.first().cloned().unwrap_or_default();
        match self.kind {
            FindingKind::Incomplete => {
                let n = self.rules.len();
                let shown: Vec<String> = self
                    .rules
                    .iter()
                    .take(5)
                    .map(|r| format!("`{r}`"))
                    .collect();
                let more = if n > 5 {
                    format!(" and {} more", n - 5)
                } else {
                    String::new()
                };
                Diagnostic::warning(
                    Code::AnalysisIncomplete,
                    format!(
                        "the analysis of decision `{}` stopped at its budget: {n} rule(s) ({}{more}) were not checked for reachability",
                        self.decision,
                        shown.join(", ")
                    ),
                )
                .at(self.span)
                .with_label("not fully analysed")
                .with_help(
                    "the decision is decided correctly; only this static check is incomplete. \
                     A decision of many overlapping rules may hide unreachable ones: split it, \
                     or order the rules from the narrowest",
                )
            }
            FindingKind::Unreachable => {
                let (msg, help) = if self.truncated {
                    (
                        format!(
                            "rule `{rule}` of `{}` is unreachable: earlier rules take all its inputs{}",
                            self.decision,
                            if self.shadowed_by.is_empty() {
                                String::new()
                            } else {
                                format!(", among them {}", names(&self.shadowed_by))
                            }
                        ),
                        "the decision is too large to name every rule that shadows it".to_string(),
                    )
                } else if self.shadowed_by.is_empty() {
                    (
                        format!(
                            "rule `{rule}` of `{}` is unreachable: its conditions can never all hold",
                            self.decision
                        ),
                        "no input satisfies every condition of this rule".to_string(),
                    )
                } else {
                    let s = if self.shadowed_by.len() == 1 { "" } else { "s" };
                    (
                        format!(
                            "rule `{rule}` of `{}` is unreachable: earlier rule{s} {} take{} all its inputs",
                            self.decision,
                            names(&self.shadowed_by),
                            if s.is_empty() { "s" } else { "" }
                        ),
                        "move it before the rules that shadow it, narrow them, or remove it"
                            .to_string(),
                    )
                };
                Diagnostic::warning(Code::UnreachableRule, msg)
                    .at(self.span)
                    .with_label("never matches")
                    .with_help(help)
            }
            FindingKind::Gap => {
                let msg = if self.proven {
                    format!(
                        "decision `{}` has no `otherwise`, and some inputs match no rule",
                        self.decision
                    )
                } else {
                    format!(
                        "decision `{}` has no `otherwise`, and some inputs may match no rule \
                         (could not prove or refute)",
                        self.decision
                    )
                };
                let help = if self.proven {
                    "add an `otherwise`, or a rule for such inputs"
                } else {
                    "add an `otherwise`, or a rule for the inputs the rules' conditions leave out"
                };
                with_example(
                    Diagnostic::warning(Code::Gap, msg)
                        .at(self.span)
                        .with_label("gap")
                        .with_help(help),
                )
            }
            FindingKind::Overlap => {
                let first = rule;
                let second = self.rules.get(1).cloned().unwrap_or_default();
                let mut d = if self.proven {
                    let d = Diagnostic::error(
                        Code::Overlap,
                        format!(
                            "rules `{first}` and `{second}` of `hit unique` decision `{}` both match some inputs",
                            self.decision
                        ),
                    )
                    .with_help("make their conditions exclusive, or use `hit first`");
                    with_example(d)
                } else {
                    Diagnostic::warning(
                        Code::Overlap,
                        format!(
                            "rules `{first}` and `{second}` of `hit unique` decision `{}` may overlap; \
                             could not prove or refute",
                            self.decision
                        ),
                    )
                    .with_help(
                        "their compiled tests overlap and the rest of their conditions decide; \
                         at run time two matches are an error",
                    )
                };
                d = d.at(self.span).with_label("overlaps");
                if let Some(r) = self.related {
                    d = d.with_related(r, format!("`{first}` is here"));
                }
                d
            }
        }
    }
}

/// The diagnostics of a list of findings, in their order.
pub fn diagnostics(findings: &[Finding]) -> Diagnostics {
    let mut out = Diagnostics::new();
    for f in findings {
        out.push(f.diagnostic());
    }
    out
}

/// Analyse every compiled decision of `program` (compiled from `checked`): unreachable
/// rules, gaps and overlaps, in decision order.
pub fn analyse(checked: &Checked, program: &Program) -> Vec<Finding> {
    let mut out = Vec::new();
    let (roots, costs) = roots_read_all(checked);
    let budget = std::cell::Cell::new(CONFIRM_BUDGET);
    for (i, d) in checked.decisions.iter().enumerate() {
        let (Some(d), Some(c)) = (d.as_ref(), program.decision(i)) else {
            continue;
        };
        let mut a = Analysis::new(
            checked,
            d,
            c,
            roots.get(i).cloned().unwrap_or_default(),
            &budget,
        );
        a.confirm_cost = costs.get(i).copied().unwrap_or(u64::MAX);
        // a decision past its DAG budget is searched on its bit-vector leaf
        let leaf = a.bit_leaf().map(|l| a.leaf_search(l));
        match &leaf {
            Some(s) => a.leaf_unreachable(s, &mut out),
            // past its budget with no bit-vector leaf (one larger than its memory bound):
            // a scanned list of rows, which no walk can analyse; say so
            None if c.budget_hit && !d.rules.is_empty() => {
                let rows: Vec<u32> = (0..d.rules.len() as u32).collect();
                out.push(a.incomplete_finding(&rows, d.rules.len()));
            }
            None => a.unreachable(&mut out),
        }
        let before = out.len();
        a.search(leaf.as_ref(), &mut out);
        // `routing` is lowered from the `route` items, one rule per contact kind: a kind
        // with no route is a `no_match` by design, not a gap an author should close
        let lowered_routing =
            checked.names.get(i).is_some_and(|n| n == "routing") && routes_lowered(checked);
        if lowered_routing {
            let mut k = before;
            while k < out.len() {
                if matches!(out[k].kind, FindingKind::Gap) {
                    out.remove(k);
                } else {
                    k += 1;
                }
            }
        }
    }
    out
}

/// Whether `routing` is the decision the `route` items lower to (not one the author
/// declared, which is possible when there is no route).
fn routes_lowered(checked: &Checked) -> bool {
    checked
        .items
        .iter()
        .flatten()
        .any(|it| matches!(it.kind, crate::check::ir::ItemKind::Route(_)))
}

/// What the analysis knows of one column.
struct ColInfo {
    /// The field it reads (`context.today` for `effective`).
    path: Option<FieldPath>,
    /// The field's type.
    ty: Option<Type>,
    /// Whether a validated bundle that passes the guards can lack the value.
    can_be_absent: bool,
    /// The number of ids of a set column.
    size: u32,
    /// Whether it is a set column.
    set: bool,
    /// The currency of a money column.
    currency: Option<Currency>,
}

/// What one edge or test asks of a field.
#[derive(Debug, Clone, PartialEq)]
enum Req {
    Present(bool),
    /// Strictly above.
    Lo(OrdVal),
    /// Strictly below.
    Hi(OrdVal),
    Eq(OrdVal),
    Id(u32),
    NotIds(Vec<u32>),
}

/// What the analysis knows of column `col`; `today` is the path of `context.today`.
fn col_info(
    env: &Env,
    context: Option<SchemaId>,
    today: Option<&FieldPath>,
    col: &Column,
) -> ColInfo {
    match col {
        Column::Ord { path, .. } | Column::Set { path, .. } => {
            let f = field_of(env, path);
            let size = match col {
                Column::Set { domain, .. } => match domain {
                    Domain::Enum(e) => env
                        .enums
                        .get(*e as usize)
                        .map_or(0, |d| d.variants.len() as u32),
                    Domain::Code(t) => env
                        .tables
                        .get(t.0 as usize)
                        .map_or(0, |t| t.codes.len() as u32),
                    Domain::Bool => 2,
                },
                _ => 0,
            };
            ColInfo {
                path: Some(path.clone()),
                can_be_absent: Some(path.root) != context && f.as_ref().is_none_or(|(_, o)| *o),
                ty: f.map(|(t, _)| t),
                size,
                set: matches!(col, Column::Set { .. }),
                currency: match col {
                    Column::Ord { money, .. } => *money,
                    _ => None,
                },
            }
        }
        Column::Today => ColInfo {
            path: today.cloned(),
            ty: Some(Type::Date),
            can_be_absent: false,
            size: 0,
            set: false,
            currency: None,
        },
        Column::Bool { .. } => ColInfo {
            path: None,
            ty: None,
            can_be_absent: false,
            size: 0,
            set: false,
            currency: None,
        },
    }
}

/// Sets of requirements each sufficient for `test` to hold, most natural first.
fn alternatives(test: &Test) -> Vec<Vec<Req>> {
    use super::atoms::Prim;
    use crate::dsl::ast::CmpOp;
    let p = Req::Present(true);
    let mut out: Vec<Vec<Req>> = Vec::new();
    match test {
        Test::Ord {
            prim,
            negated,
            absent,
        } => {
            let cmp = |op: CmpOp, c: &OrdVal, out: &mut Vec<Vec<Req>>| match op {
                CmpOp::Eq => out.push(vec![p.clone(), Req::Eq(c.clone())]),
                CmpOp::Ne => {
                    out.push(vec![p.clone(), Req::Lo(c.clone())]);
                    out.push(vec![p.clone(), Req::Hi(c.clone())]);
                }
                CmpOp::Lt => out.push(vec![p.clone(), Req::Hi(c.clone())]),
                CmpOp::Gt => out.push(vec![p.clone(), Req::Lo(c.clone())]),
                CmpOp::Le => {
                    out.push(vec![p.clone(), Req::Eq(c.clone())]);
                    out.push(vec![p.clone(), Req::Hi(c.clone())]);
                }
                CmpOp::Ge => {
                    out.push(vec![p.clone(), Req::Eq(c.clone())]);
                    out.push(vec![p.clone(), Req::Lo(c.clone())]);
                }
            };
            let flip = |op: CmpOp| match op {
                CmpOp::Eq => CmpOp::Ne,
                CmpOp::Ne => CmpOp::Eq,
                CmpOp::Lt => CmpOp::Ge,
                CmpOp::Le => CmpOp::Gt,
                CmpOp::Gt => CmpOp::Le,
                CmpOp::Ge => CmpOp::Lt,
            };
            match (prim, negated) {
                (Prim::Cmp(op, c), false) => cmp(*op, c, &mut out),
                (Prim::Cmp(op, c), true) => cmp(flip(*op), c, &mut out),
                (Prim::List(items), false) => {
                    for c in items.iter().take(4) {
                        out.push(vec![p.clone(), Req::Eq(c.clone())]);
                    }
                }
                (Prim::List(items), true) => {
                    if let Some(max) = items.iter().max() {
                        out.push(vec![p.clone(), Req::Lo(max.clone())]);
                    }
                    if let Some(min) = items.iter().min() {
                        out.push(vec![p.clone(), Req::Hi(min.clone())]);
                    }
                }
                (Prim::Range(a, b), false) => {
                    out.push(vec![p.clone(), Req::Eq(a.clone())]);
                    out.push(vec![p.clone(), Req::Eq(b.clone())]);
                    out.push(vec![p.clone(), Req::Lo(a.clone()), Req::Hi(b.clone())]);
                }
                (Prim::Range(a, b), true) => {
                    out.push(vec![p.clone(), Req::Hi(a.clone())]);
                    out.push(vec![p.clone(), Req::Lo(b.clone())]);
                }
                (Prim::Any, false) => out.push(vec![p.clone()]),
                (Prim::Any, true) => {}
            }
            if *absent {
                out.push(vec![Req::Present(false)]);
            }
        }
        Test::Set {
            ids,
            negated,
            absent,
        } => {
            if *negated {
                out.push(vec![p.clone(), Req::NotIds(ids.to_vec())]);
            } else {
                for i in ids.iter().take(4) {
                    out.push(vec![p.clone(), Req::Id(*i)]);
                }
            }
            if *absent {
                out.push(vec![Req::Present(false)]);
            }
        }
        Test::Bool(_) => {}
    }
    out
}

/// A constraint one edge puts on the bundle.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Region `r` of the ordered node `node`.
    Region { node: NodeId, r: usize },
    /// The column's value is absent.
    Absent(u32),
    /// The set column's value is this id.
    Id(u32, u32),
    /// The set column's value is none of the ids of set node `node`.
    Other(u32, NodeId),
    /// The boolean column has this value.
    Bool(u32, bool),
    /// Region `r` of column `k` of the decision's bit-vector leaf.
    LeafRegion { k: u32, r: usize },
    /// Set column `k` of the bit-vector leaf has none of the ids it lists.
    LeafOther(u32),
    /// No constraint (`then` of a `first` node).
    Free,
}

/// What a path asks of one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Con {
    present: Option<bool>,
    /// Exclusive bounds and an exact value of an ordered field.
    lo: Option<OrdVal>,
    hi: Option<OrdVal>,
    eq: Option<OrdVal>,
    /// The id of a set field, or the ids it must not be.
    id: Option<u32>,
    not_ids: BTreeSet<u32>,
    currency: Option<Currency>,
    size: u32,
}

/// The constraints of one path from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct PathCons {
    fields: Vec<(FieldPath, Ty, Con)>,
}

impl PathCons {
    /// What the path asks of the fields among `fields`.
    fn projected(&self, fields: &[FieldPath]) -> Vec<(FieldPath, Con)> {
        self.fields
            .iter()
            .filter(|(p, _, _)| fields.contains(p))
            .map(|(p, _, c)| (p.clone(), c.clone()))
            .collect()
    }
}

/// The type of a constrained field, with whether it is a set column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Ty {
    ty: Type,
    set: bool,
}

struct Analysis<'a> {
    checked: &'a Checked,
    env: &'a Env,
    d: &'a CheckedDecision,
    c: &'a CompiledDecision,
    cols: Vec<ColInfo>,
    roots: BTreeSet<SchemaId>,
    context: Option<SchemaId>,
    guard_currency: Vec<(FieldPath, Currency)>,
    /// Whether two columns read one field (`effective` and a test of `context.today`), or
    /// a boolean column tests fields.
    correlated: bool,
    /// What confirming one example of this decision costs (rules evaluated, at most).
    confirm_cost: u64,
    /// What is left of [`CONFIRM_BUDGET`] for the whole rule set.
    budget: &'a std::cell::Cell<u64>,
}

/// The type of the field at `path`, and whether any step of it is optional.
fn field_of(env: &Env, path: &FieldPath) -> Option<(Type, bool)> {
    let mut schema = env.schemas.get(path.root.0 as usize)?;
    let mut optional = false;
    let mut ty = None;
    let n = path.fields.len();
    for (k, f) in path.fields.iter().enumerate() {
        let field = schema.fields.get(*f as usize)?;
        optional |= field.optional;
        ty = Some(field.ty.clone());
        if k + 1 < n {
            match &field.ty {
                Type::Record(s) => schema = env.schemas.get(s.0 as usize)?,
                _ => return None,
            }
        }
    }
    ty.map(|t| (t, optional))
}

/// Whether some value of type `ty` lies in region `r` of `consts`.
fn region_feasible(ty: Option<&Type>, consts: &[OrdVal], r: usize) -> bool {
    if r % 2 == 1 {
        return true;
    }
    let i = r / 2;
    let lo = i.checked_sub(1).and_then(|k| consts.get(k));
    let hi = consts.get(i);
    between_feasible(ty, lo, hi)
}

/// Whether some value of type `ty` lies strictly between `lo` and `hi` (unbounded where
/// `None`). Liberal: `true` unless certainly empty.
fn between_feasible(ty: Option<&Type>, lo: Option<&OrdVal>, hi: Option<&OrdVal>) -> bool {
    match (lo, hi) {
        (Some(a), Some(b)) if a >= b => false,
        (Some(OrdVal::Num(a)), Some(OrdVal::Num(b))) if ty == Some(&Type::Int) => {
            a.floor().checked_add(Decimal::ONE).is_none_or(|x| x < *b)
        }
        (Some(OrdVal::Int(a)), Some(OrdVal::Int(b))) if ty == Some(&Type::Date) => {
            b.checked_sub(*a).is_none_or(|d| d > 1)
        }
        (None, Some(OrdVal::Text(b))) => !b.is_empty(),
        (None, Some(OrdVal::Num(b))) if matches!(ty, Some(Type::Distance | Type::Duration(_))) => {
            *b > Decimal::ZERO
        }
        _ => true,
    }
}

impl<'a> Analysis<'a> {
    fn new(
        checked: &'a Checked,
        d: &'a CheckedDecision,
        c: &'a CompiledDecision,
        roots: BTreeSet<SchemaId>,
        budget: &'a std::cell::Cell<u64>,
    ) -> Analysis<'a> {
        let env = &checked.env;
        let context = env
            .schemas
            .iter()
            .position(|s| s.name == "context")
            .map(|i| SchemaId(i as u32));
        let today = context.and_then(|s| {
            let f = env.schemas.get(s.0 as usize)?.field_index("today")?;
            Some(FieldPath {
                root: s,
                fields: vec![f as u16].into(),
            })
        });
        let cols: Vec<ColInfo> = c
            .columns
            .iter()
            .map(|col| col_info(env, context, today.as_ref(), col))
            .collect();
        let shared = cols.iter().enumerate().any(|(i, a)| {
            a.path.is_some()
                && cols
                    .iter()
                    .enumerate()
                    .any(|(j, b)| j != i && b.path == a.path)
        });
        let correlated = shared || c.columns.iter().any(|c| matches!(c, Column::Bool { .. }));

        let guard_currency = c
            .guards
            .iter()
            .filter_map(|g| match g {
                Guard::Currency(p, cur) => Some((p.clone(), *cur)),
                _ => None,
            })
            .collect();
        Analysis {
            checked,
            env,
            d,
            c,
            cols,
            roots,
            confirm_cost: d.rules.len() as u64 + 1,
            budget,
            context,
            guard_currency,
            correlated,
        }
    }

    fn rule_name(&self, row: u32) -> String {
        self.c
            .rows
            .get(row as usize)
            .and_then(|r| self.d.rules.get(r.rule as usize))
            .map(|r| r.id.clone())
            .unwrap_or_default()
    }

    fn rule_span(&self, row: u32) -> Span {
        self.c
            .rows
            .get(row as usize)
            .and_then(|r| self.d.rules.get(r.rule as usize))
            .map_or(self.d.span, |r| r.span)
    }

    fn has_residual(&self, row: u32) -> bool {
        self.c.rows.get(row as usize).is_none_or(|r| r.has_residual)
    }

    fn ty(&self, col: u32) -> Option<&Type> {
        self.cols.get(col as usize).and_then(|c| c.ty.as_ref())
    }

    fn absent_ok(&self, col: u32) -> bool {
        self.cols.get(col as usize).is_some_and(|c| c.can_be_absent)
    }

    /// An id of set column `col` that is not among `ids`.
    fn other_id(&self, col: u32, ids: &[u32]) -> Option<u32> {
        let size = self.cols.get(col as usize).map_or(0, |c| c.size);
        (0..size).find(|i| ids.binary_search(i).is_err())
    }

    /// The edges some input can take out of `node`, each with its constraint; with `row`,
    /// only those consistent with that row's own tests. Returns the work done (children
    /// looked at).
    fn edges(
        &self,
        id: NodeId,
        node: &Node,
        row: Option<&super::Row>,
        path: Option<&PathCons>,
        out: &mut Vec<(NodeId, Step)>,
    ) -> usize {
        out.clear();
        // the regions of an ordered column leading to one child are one edge, unless the
        // search follows a path that already constrains the column's field, or the
        // decision's columns are correlated (a boolean test of fields; two columns on one
        // field, as `effective` and a test of `context.today`): the regions then differ in
        // what they allow below
        let constrained = |col: u32| {
            let fp = self.cols.get(col as usize).and_then(|c| c.path.as_ref());
            path.is_some_and(|p| {
                self.correlated || fp.is_some_and(|fp| p.fields.iter().any(|(q, _, _)| q == fp))
            })
        };
        let group = |col: u32| {
            row.and_then(|r| {
                r.tests
                    .iter()
                    .find(|(c, _)| *c == col)
                    .map(|(_, t)| t.as_slice())
            })
        };
        let absent_accepted = |col: u32| {
            self.absent_ok(col)
                && group(col).is_none_or(|ts| {
                    ts.iter().all(|t| {
                        matches!(
                            t,
                            Test::Ord { absent: true, .. } | Test::Set { absent: true, .. }
                        )
                    })
                })
        };
        match node {
            Node::NoMatch | Node::Leaf(_) | Node::Scan(_) | Node::Bits(_) => 1,
            Node::Try { then, .. } => {
                out.extend(then.map(|t| (t, Step::Free)));
                1
            }
            Node::Ord {
                col,
                consts,
                children,
                absent,
            } => {
                let ty = self.ty(*col);
                let last = children.len().saturating_sub(1);
                let ranges = match group(*col) {
                    Some(tests) => accepted(tests, consts),
                    None => vec![(0, last)],
                };
                let mut seen: BTreeSet<NodeId> = BTreeSet::new();
                let mut work = 1;
                for (lo, hi) in ranges {
                    for r in lo..=hi.min(last) {
                        work += 1;
                        let Some(child) = children.get(r) else {
                            continue;
                        };
                        let fresh = !seen.contains(child) || constrained(*col);
                        if fresh && region_feasible(ty, consts, r) {
                            seen.insert(*child);
                            out.push((*child, Step::Region { node: id, r }));
                        }
                    }
                }
                if absent_accepted(*col) {
                    out.push((*absent, Step::Absent(*col)));
                }
                work
            }
            Node::Set {
                col,
                ids,
                children,
                other,
                absent,
            } => {
                let tests = group(*col);
                let ok = |i: u32| tests.is_none_or(|ts| ts.iter().all(|t| set_accepts(t, i)));
                // ids leading to one child are one edge, as the regions of an ordered column
                let mut seen: BTreeSet<NodeId> = BTreeSet::new();
                for (k, child) in children.iter().enumerate() {
                    if let Some(i) = ids.get(k) {
                        let fresh = !seen.contains(child) || constrained(*col);
                        if fresh && ok(*i) {
                            seen.insert(*child);
                            out.push((*child, Step::Id(*col, *i)));
                        }
                    }
                }
                if self.other_id(*col, ids).is_some_and(ok) {
                    out.push((*other, Step::Other(*col, id)));
                }
                if absent_accepted(*col) {
                    out.push((*absent, Step::Absent(*col)));
                }
                children.len() + 1
            }
            Node::Bool { col, yes, no } => {
                for (child, b) in [(*yes, true), (*no, false)] {
                    if group(*col).is_none_or(|ts| bool_accepts(ts, b)) {
                        out.push((child, Step::Bool(*col, b)));
                    }
                }
                1
            }
        }
    }

    /// Unreachable rows: those in no node reachable along edges some input can take.
    fn unreachable(&self, out: &mut Vec<Finding>) {
        let n = self.c.nodes.len();
        let mut seen = vec![false; n];
        let mut reached = vec![false; self.c.rows.len()];
        let mut stack: Vec<NodeId> = vec![0];
        let mut edges = Vec::new();
        if n == 0 {
            return;
        }
        if let Some(s) = seen.get_mut(0) {
            *s = true;
        }
        while let Some(id) = stack.pop() {
            let Some(node) = self.c.nodes.get(id as usize) else {
                continue;
            };
            let mut mark = |r: u32| {
                if let Some(x) = reached.get_mut(r as usize) {
                    *x = true;
                }
            };
            match node {
                Node::Try { rows, .. } | Node::Leaf(rows) => rows.iter().for_each(|r| mark(*r)),
                Node::Scan(rows) => rows.iter().for_each(|(r, _)| mark(*r)),
                Node::Bits(leaf) => leaf.rows.iter().for_each(|r| mark(*r)),
                _ => {}
            }
            self.edges(id, node, None, None, &mut edges);
            for (child, _) in &edges {
                if let Some(s) = seen.get_mut(*child as usize) {
                    if !*s {
                        *s = true;
                        stack.push(*child);
                    }
                }
            }
        }
        // the shadow walks together look at a few times as many children as the DAG has
        // (plus a floor), so large decisions stay linear
        let size: usize = self
            .c
            .nodes
            .iter()
            .map(|node| match node {
                Node::Ord { children, .. } | Node::Set { children, .. } => children.len() + 2,
                _ => 2,
            })
            .sum();
        let mut budget = 4 * size + 200_000;
        let mut stamp = vec![u32::MAX; n];
        for (row, r) in reached.iter().enumerate() {
            if *r {
                continue;
            }
            let row = row as u32;
            let (shadow, truncated) = if self.c.first && !self.contradicts_itself(row) {
                self.shadows(row, &mut stamp, &mut budget)
            } else {
                (Vec::new(), false)
            };
            out.push(self.unreachable_finding(row, &shadow, truncated));
        }
    }

    /// The finding that `row` is unreachable, shadowed by the rows `by` (none: its own
    /// conditions contradict), `truncated` if the rows naming stopped at its bound.
    /// The finding that the reachability of `rows` (of `total`) was not settled.
    fn incomplete_finding(&self, rows: &[u32], total: usize) -> Finding {
        Finding {
            kind: FindingKind::Incomplete,
            decision: self.d.name.clone(),
            rules: rows.iter().map(|r| self.rule_name(*r)).collect(),
            shadowed_by: Vec::new(),
            example: None,
            proven: false,
            truncated: rows.len() < total,
            span: self.d.span,
            related: None,
        }
    }

    fn unreachable_finding(&self, row: u32, by: &[u32], truncated: bool) -> Finding {
        Finding {
            kind: FindingKind::Unreachable,
            decision: self.d.name.clone(),
            rules: vec![self.rule_name(row)],
            shadowed_by: by.iter().map(|r| self.rule_name(*r)).collect(),
            example: None,
            proven: true,
            truncated,
            span: self.rule_span(row),
            related: None,
        }
    }

    /// Whether the tests `row` makes of one of its columns accept no value: it is then
    /// unreachable of itself, whatever a DAG walk meets before that column.
    fn contradicts_itself(&self, row: u32) -> bool {
        let Some(r) = self.c.rows.get(row as usize) else {
            return false;
        };
        r.tests.iter().any(|(col, tests)| {
            let absent = self.absent_ok(*col)
                && tests.iter().all(|t| {
                    matches!(
                        t,
                        Test::Ord { absent: true, .. } | Test::Set { absent: true, .. }
                    )
                });
            let present = match self.c.columns.get(*col as usize) {
                Some(Column::Ord { .. } | Column::Today) => {
                    let mut consts = Vec::new();
                    super::constants_of(tests, &mut consts);
                    consts.sort();
                    consts.dedup();
                    let ty = self.ty(*col);
                    accepted(tests, &consts)
                        .into_iter()
                        .any(|(lo, hi)| (lo..=hi).any(|k| region_feasible(ty, &consts, k)))
                }
                Some(Column::Set { .. }) => {
                    let size = self.cols.get(*col as usize).map_or(0, |c| c.size);
                    (0..size).any(|i| tests.iter().all(|t| set_accepts(t, i)))
                }
                Some(Column::Bool { .. }) => {
                    bool_accepts(tests, true) || bool_accepts(tests, false)
                }
                None => true,
            };
            !present && !absent
        })
    }

    /// The rows winning outright in the `first` nodes that the inputs passing `row`'s own
    /// tests reach, in order, and whether the walk stopped at its `budget` first.
    fn shadows(&self, row: u32, stamp: &mut [u32], budget: &mut usize) -> (Vec<u32>, bool) {
        let Some(r) = self.c.rows.get(row as usize) else {
            return (Vec::new(), false);
        };
        let mut found: BTreeSet<u32> = BTreeSet::new();
        let mut stack: Vec<NodeId> = vec![0];
        let mut edges = Vec::new();
        let mut truncated = false;
        while let Some(id) = stack.pop() {
            if *budget == 0 {
                truncated = true;
                break;
            }
            *budget -= 1;
            let Some(slot) = stamp.get_mut(id as usize) else {
                continue;
            };
            if *slot == row {
                continue;
            }
            *slot = row;
            let Some(node) = self.c.nodes.get(id as usize) else {
                continue;
            };
            if let Node::Try { rows, .. } = node {
                if let Some(w) = rows.iter().find(|w| !self.has_residual(**w)) {
                    found.insert(*w);
                }
            }
            let work = self.edges(id, node, Some(r), None, &mut edges);
            *budget = budget.saturating_sub(work);
            stack.extend(edges.iter().map(|(child, _)| *child));
        }
        (found.into_iter().collect(), truncated)
    }

    /// Breadth-first search for gaps and overlaps, each confirmed with an example.
    fn search(&self, leaf: Option<&leaf::LeafSearch>, out: &mut Vec<Finding>) {
        let want_gap = self.d.otherwise.is_none();
        let unique = matches!(self.d.hit, HitPolicy::Unique);
        if !want_gap && !unique {
            return;
        }
        let max_verify = if self.c.rows.len() > LARGE {
            MAX_VERIFY_LARGE
        } else {
            MAX_VERIFY
        };
        let mut verified = 0usize;
        let mut gap: Option<J> = None;
        let mut gap_seen = false;
        // pairs of rules in order of discovery: (first, second, example)
        let mut pairs: Vec<(String, String, Option<J>)> = Vec::new();
        let mut visits = vec![0u8; self.c.nodes.len()];
        // where columns are correlated, the paths into a node differ in what they allow
        // below it: more of them are followed
        let visits_cap = if self.correlated {
            VISITS_CORRELATED
        } else {
            VISITS_PER_NODE
        };
        let mut queue: VecDeque<(NodeId, PathCons)> = VecDeque::new();
        let below = self.fields_below();
        let mut followed: HashSet<(NodeId, Vec<(FieldPath, Con)>)> = HashSet::new();
        match leaf {
            Some(s) => {
                (gap, gap_seen) = self.leaf_gaps_and_overlaps(
                    s,
                    want_gap,
                    unique,
                    &mut verified,
                    max_verify,
                    &mut pairs,
                );
            }
            None => queue.push_back((0, PathCons::default())),
        }
        let mut states = 0usize;
        let mut truncated = false;
        let mut edges = Vec::new();
        while let Some((id, path)) = queue.pop_front() {
            states += 1;
            if states > MAX_STATES {
                truncated = true;
                break;
            }
            let Some(node) = self.c.nodes.get(id as usize) else {
                continue;
            };
            match node {
                Node::NoMatch if want_gap && gap.is_none() => {
                    gap_seen = true;
                    if verified < max_verify {
                        verified += 1;
                        gap = self.example(&path).filter(|e| self.is_gap(e));
                    }
                }
                Node::Leaf(rows) => {
                    if want_gap && gap.is_none() && rows.iter().all(|r| self.has_residual(*r)) {
                        gap_seen = true;
                        if verified < max_verify {
                            verified += 1;
                            gap = self.example(&path).filter(|e| self.is_gap(e));
                        }
                    }
                    if let (true, Some(a), Some(b)) = (unique, rows.first(), rows.get(1)) {
                        let names = [self.rule_name(*a), self.rule_name(*b)];
                        let known = pairs
                            .iter()
                            .position(|p| p.0 == names[0] && p.1 == names[1]);
                        let open = known
                            .and_then(|k| pairs.get(k))
                            .is_none_or(|p| p.2.is_none());
                        // the example may show another pair of the leaf's rules matching
                        // (a residual of one of the first two being false): that pair is
                        // then the one proven
                        let mut proven = None;
                        if open && verified < max_verify {
                            verified += 1;
                            if let Some(e) = self.example(&path) {
                                proven = self.overlap_of(&e).map(|(x, y)| (x, y, e));
                            }
                        }
                        match proven {
                            Some((x, y, e)) => {
                                let at = pairs.iter().position(|p| p.0 == x && p.1 == y);
                                let room = pairs.len() < 4 * MAX_PAIRS;
                                match at.and_then(|k| pairs.get_mut(k)) {
                                    Some(p) => p.2 = p.2.take().or(Some(e)),
                                    None if room => pairs.push((x, y, Some(e))),
                                    None => {}
                                }
                            }
                            None if known.is_none() && pairs.len() < 4 * MAX_PAIRS => {
                                let [x, y] = names;
                                pairs.push((x, y, None));
                            }
                            None => {}
                        }
                    }
                }
                _ => {}
            }
            self.edges(id, node, None, Some(&path), &mut edges);
            for (child, step) in &edges {
                let Some(v) = visits.get_mut(*child as usize) else {
                    continue;
                };
                if *v >= visits_cap {
                    continue;
                }
                for next in self.successors(&path, *step) {
                    if *v >= visits_cap {
                        break;
                    }
                    // what the path asks of the fields read below the child decides what
                    // the search finds there: a path asking the same is not followed again
                    let key = below
                        .get(*child as usize)
                        .map(|fields| next.projected(fields));
                    if key.is_some_and(|k| !followed.insert((*child, k))) {
                        continue;
                    }
                    *v += 1;
                    queue.push_back((*child, next));
                }
            }
        }
        if want_gap && (gap.is_some() || gap_seen || (truncated && self.nomatch_reachable())) {
            out.push(Finding {
                kind: FindingKind::Gap,
                decision: self.d.name.clone(),
                rules: Vec::new(),
                shadowed_by: Vec::new(),
                proven: gap.is_some(),
                truncated: false,
                example: gap,
                span: self.d.span,
                related: None,
            });
        }
        // the proven pairs first, each group in the order found; at most MAX_PAIRS
        pairs.sort_by_key(|p| p.2.is_none());
        for (a, b, example) in pairs.into_iter().take(MAX_PAIRS) {
            out.push(Finding {
                kind: FindingKind::Overlap,
                decision: self.d.name.clone(),
                span: self.span_of(&b),
                related: Some(self.span_of(&a)),
                rules: vec![a, b],
                shadowed_by: Vec::new(),
                proven: example.is_some(),
                truncated: false,
                example,
            });
        }
    }

    /// Per node, the fields its subtree branches on (through its columns, and the fields
    /// the tests of its boolean columns read).
    fn fields_below(&self) -> Vec<Vec<FieldPath>> {
        let n = self.c.nodes.len();
        let own = |col: u32| -> Vec<FieldPath> {
            match self.c.columns.get(col as usize) {
                Some(Column::Bool { ir, .. }) => {
                    let mut v = Vec::new();
                    self.fields_of(ir, &mut v);
                    v
                }
                _ => self
                    .cols
                    .get(col as usize)
                    .and_then(|c| c.path.clone())
                    .into_iter()
                    .collect(),
            }
        };
        let mut out: Vec<Option<Vec<FieldPath>>> = vec![None; n];
        // children first, by an explicit stack (the DAG can be deep)
        let mut stack: Vec<(NodeId, bool)> = vec![(0, false)];
        while let Some((id, expanded)) = stack.pop() {
            if out.get(id as usize).is_some_and(|o| o.is_some()) {
                continue;
            }
            let Some(node) = self.c.nodes.get(id as usize) else {
                continue;
            };
            let (col, children): (Option<u32>, Vec<NodeId>) = match node {
                Node::Ord {
                    col,
                    children,
                    absent,
                    ..
                } => (
                    Some(*col),
                    children.iter().copied().chain([*absent]).collect(),
                ),
                Node::Set {
                    col,
                    children,
                    other,
                    absent,
                    ..
                } => (
                    Some(*col),
                    children.iter().copied().chain([*other, *absent]).collect(),
                ),
                Node::Bool { col, yes, no } => (Some(*col), vec![*yes, *no]),
                Node::Try { then, .. } => (None, then.iter().copied().collect()),
                _ => (None, Vec::new()),
            };
            let pending: Vec<NodeId> = children
                .iter()
                .copied()
                .filter(|c| out.get(*c as usize).is_some_and(|o| o.is_none()))
                .collect();
            if !expanded && !pending.is_empty() {
                stack.push((id, true));
                stack.extend(pending.into_iter().map(|c| (c, false)));
                continue;
            }
            // (a residual reads fields too, but decides only whether an example found
            // there is confirmed; the search does not branch on it)
            let mut fields: Vec<FieldPath> = col.map(own).unwrap_or_default();
            for c in children {
                if let Some(Some(f)) = out.get(c as usize) {
                    fields.extend(f.iter().cloned());
                }
            }
            fields.sort_by_key(|p| (p.root.0, p.fields.to_vec()));
            fields.dedup();
            if let Some(slot) = out.get_mut(id as usize) {
                *slot = Some(fields);
            }
        }
        out.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// The fields the tests of `ir` read (those the analysis can name).
    fn fields_of(&self, ir: &Ir, out: &mut Vec<FieldPath>) {
        let mut stack = vec![ir];
        while let Some(ir) = stack.pop() {
            match &ir.kind {
                IrKind::Not(x) => stack.push(x),
                IrKind::Or(items) | IrKind::And(items) => stack.extend(items.iter()),
                _ => {
                    if let Some((column, _)) = super::atoms::atom(ir, self.env, "") {
                        let info = col_info(self.env, self.context, None, &column);
                        out.extend(info.path);
                    }
                }
            }
        }
    }

    /// Whether a node where nothing may match is reachable at all (for a search cut
    /// short).
    fn nomatch_reachable(&self) -> bool {
        let n = self.c.nodes.len();
        let mut seen = vec![false; n];
        let mut stack: Vec<NodeId> = vec![0];
        let mut edges = Vec::new();
        while let Some(id) = stack.pop() {
            let Some(node) = self.c.nodes.get(id as usize) else {
                continue;
            };
            // a node where every row left may fail its residual falls through too
            let through = match node {
                Node::NoMatch => true,
                Node::Leaf(rows) | Node::Try { rows, then: None } => {
                    rows.iter().all(|r| self.has_residual(*r))
                }
                _ => false,
            };
            if through {
                return true;
            }
            self.edges(id, node, None, None, &mut edges);
            for (child, _) in &edges {
                if let Some(s) = seen.get_mut(*child as usize) {
                    if !*s {
                        *s = true;
                        stack.push(*child);
                    }
                }
            }
        }
        false
    }

    /// The constraints of `path` and one more step, each way the step can be taken (a
    /// boolean test true through either side of an `or`, say); none if no input satisfies
    /// both.
    fn successors(&self, path: &PathCons, step: Step) -> Vec<PathCons> {
        let Step::Bool(col, want) = step else {
            return self.apply(path, step).into_iter().collect();
        };
        match self.c.columns.get(col as usize) {
            Some(Column::Bool { ir, rule }) => {
                let mut out = Vec::new();
                self.satisfy_all(path, ir, want, rule, 0, &mut out);
                if out.is_empty() && !self.impossible(path, ir, want, rule, 0) {
                    out.push(path.clone());
                }
                out
            }
            _ => vec![path.clone()],
        }
    }

    /// Every way (up to [`MAX_WAYS`]) of giving `ir` the value `want` through the tests it
    /// is made of, each as the constraints of `path` and its own; appended to `out`, which
    /// is left as it was if that cannot be done.
    fn satisfy_all(
        &self,
        path: &PathCons,
        ir: &Ir,
        want: bool,
        rule: &str,
        depth: usize,
        out: &mut Vec<PathCons>,
    ) {
        if depth > 16 {
            return;
        }
        match &ir.kind {
            IrKind::Not(x) => self.satisfy_all(path, x, !want, rule, depth + 1, out),
            IrKind::Or(items) | IrKind::And(items) => {
                let any = matches!(ir.kind, IrKind::Or(_)) == want;
                if any {
                    for i in items.iter() {
                        self.satisfy_all(path, i, want, rule, depth + 1, out);
                    }
                    out.truncate(MAX_WAYS);
                } else {
                    let mut ways = vec![path.clone()];
                    for i in items.iter() {
                        let mut next = Vec::new();
                        for p in &ways {
                            self.satisfy_all(p, i, want, rule, depth + 1, &mut next);
                            next.truncate(MAX_WAYS);
                        }
                        if next.is_empty() {
                            return;
                        }
                        ways = next;
                    }
                    out.extend(ways);
                    out.truncate(MAX_WAYS);
                }
            }
            IrKind::Const(Value::Bool(b)) => {
                if *b == want {
                    out.push(path.clone());
                }
            }
            _ => {
                let Some((column, test)) = super::atoms::atom(ir, self.env, rule) else {
                    return;
                };
                if matches!(column, Column::Bool { .. }) {
                    return;
                }
                let test = if want { test } else { test.not() };
                let info = col_info(self.env, self.context, None, &column);
                for reqs in alternatives(&test) {
                    let mut p = path.clone();
                    if self.constrain(&mut p, &info, &reqs).is_some() {
                        out.push(p);
                    }
                }
                out.truncate(MAX_WAYS);
            }
        }
    }

    /// The constraints of `path` and one more step; `None` if no input satisfies both.
    fn apply(&self, path: &PathCons, step: Step) -> Option<PathCons> {
        let (col, reqs) = match step {
            Step::Free => return Some(path.clone()),
            // the first way a boolean test can take its value (see `successors`)
            Step::Bool(..) => return self.successors(path, step).into_iter().next(),
            Step::Region { node, r } => {
                let Some(Node::Ord { col, consts, .. }) = self.c.nodes.get(node as usize) else {
                    return None;
                };
                (*col, region_reqs(consts, r)?)
            }
            Step::LeafRegion { k, r } => {
                let bc = self.bit_leaf()?.cols.get(k as usize)?;
                let super::BitSplit::Ord(consts, _) = &bc.split else {
                    return None;
                };
                (bc.col, region_reqs(consts, r)?)
            }
            Step::LeafOther(k) => {
                let bc = self.bit_leaf()?.cols.get(k as usize)?;
                let super::BitSplit::Set(ids) = &bc.split else {
                    return None;
                };
                (bc.col, vec![Req::Present(true), Req::NotIds(ids.to_vec())])
            }
            Step::Absent(c) => (c, vec![Req::Present(false)]),
            Step::Id(c, i) => (c, vec![Req::Present(true), Req::Id(i)]),
            Step::Other(c, node) => {
                let Some(Node::Set { ids, .. }) = self.c.nodes.get(node as usize) else {
                    return None;
                };
                (c, vec![Req::Present(true), Req::NotIds(ids.to_vec())])
            }
        };
        let info = self.cols.get(col as usize)?;
        let mut next = path.clone();
        self.constrain(&mut next, info, &reqs)?;
        Some(next)
    }

    /// Whether `ir` certainly cannot have the value `want` on any input meeting `path`: a
    /// test of a field that no value the path allows passes, a conjunction with such a
    /// part, a disjunction of such parts. `false` where that cannot be told.
    fn impossible(&self, path: &PathCons, ir: &Ir, want: bool, rule: &str, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        match &ir.kind {
            IrKind::Not(x) => self.impossible(path, x, !want, rule, depth + 1),
            IrKind::Or(items) | IrKind::And(items) => {
                let any = matches!(ir.kind, IrKind::Or(_)) == want;
                let mut parts = items
                    .iter()
                    .map(|i| self.impossible(path, i, want, rule, depth + 1));
                if any {
                    parts.all(|x| x)
                } else {
                    parts.any(|x| x)
                }
            }
            IrKind::Const(Value::Bool(b)) => *b != want,
            _ => {
                let Some((column, test)) = super::atoms::atom(ir, self.env, rule) else {
                    return false;
                };
                if matches!(column, Column::Bool { .. }) {
                    return false;
                }
                let test = if want { test } else { test.not() };
                let info = col_info(self.env, self.context, None, &column);
                let Some(fp) = info.path.as_ref() else {
                    return false;
                };
                let Some((_, _, con)) = path.fields.iter().find(|(p, _, _)| p == fp) else {
                    return false;
                };
                let absent_passes = match &test {
                    Test::Ord { absent, .. } | Test::Set { absent, .. } => *absent,
                    Test::Bool(_) => return false,
                };
                if con.present != Some(true) && absent_passes && info.can_be_absent {
                    return false;
                }
                if con.present == Some(false) {
                    return true;
                }
                match &test {
                    Test::Ord { .. } => {
                        let mut consts = Vec::new();
                        super::constants_of(std::slice::from_ref(&test), &mut consts);
                        consts.extend(con.lo.iter().chain(&con.hi).chain(&con.eq).cloned());
                        consts.sort();
                        consts.dedup();
                        let rank = |c: &OrdVal| consts.binary_search(c).map_or(0, |i| 2 * i + 1);
                        // the regions the path allows: its exact value, or between its bounds
                        let (from, to) = match &con.eq {
                            Some(e) => (rank(e), rank(e)),
                            None => (
                                con.lo.as_ref().map_or(0, |l| rank(l) + 1),
                                con.hi.as_ref().map_or(2 * consts.len(), |h| rank(h) - 1),
                            ),
                        };
                        let ty = info.ty.as_ref();
                        !accepted(std::slice::from_ref(&test), &consts)
                            .into_iter()
                            .any(|(lo, hi)| {
                                (lo.max(from)..=hi.min(to)).any(|r| region_feasible(ty, &consts, r))
                            })
                    }
                    Test::Set { .. } => match con.id {
                        Some(i) => !set_accepts(&test, i),
                        None => !(0..con.size.max(info.size))
                            .any(|i| !con.not_ids.contains(&i) && set_accepts(&test, i)),
                    },
                    Test::Bool(_) => false,
                }
            }
        }
    }

    /// Add `reqs` on the field of column `info` to `path`; `None` if they contradict it.
    fn constrain(&self, path: &mut PathCons, info: &ColInfo, reqs: &[Req]) -> Option<()> {
        let fp = info.path.clone()?;
        let ty = info.ty.clone()?;
        if reqs.contains(&Req::Present(false)) && !info.can_be_absent {
            return None;
        }
        let k = match path.fields.iter().position(|(p, _, _)| *p == fp) {
            Some(k) => k,
            None => {
                path.fields.push((
                    fp,
                    Ty { ty, set: info.set },
                    Con {
                        size: info.size,
                        ..Con::default()
                    },
                ));
                path.fields.len() - 1
            }
        };
        let (_, ty, con) = path.fields.get_mut(k)?;
        if let Some(cur) = info.currency {
            if con.currency.is_some_and(|c| c != cur) {
                return None;
            }
            con.currency = Some(cur);
        }
        for req in reqs {
            match req {
                Req::Present(p) => {
                    if con.present.is_some_and(|q| q != *p) {
                        return None;
                    }
                    con.present = Some(*p);
                }
                Req::Lo(lo) => {
                    if con.lo.as_ref().is_none_or(|l| lo > l) {
                        con.lo = Some(lo.clone());
                    }
                }
                Req::Hi(hi) => {
                    if con.hi.as_ref().is_none_or(|h| hi < h) {
                        con.hi = Some(hi.clone());
                    }
                }
                Req::Eq(v) => {
                    if con.eq.as_ref().is_some_and(|e| e != v) {
                        return None;
                    }
                    con.eq = Some(v.clone());
                }
                Req::Id(i) => {
                    if con.id.is_some_and(|j| j != *i) || con.not_ids.contains(i) {
                        return None;
                    }
                    con.id = Some(*i);
                }
                Req::NotIds(ids) => {
                    con.not_ids.extend(ids.iter().copied());
                    if let Some(j) = con.id {
                        if con.not_ids.contains(&j) {
                            return None;
                        }
                    } else if (0..con.size).all(|i| con.not_ids.contains(&i)) {
                        return None;
                    }
                }
            }
        }
        if let Some(e) = &con.eq {
            if con.lo.as_ref().is_some_and(|l| e <= l) || con.hi.as_ref().is_some_and(|h| e >= h) {
                return None;
            }
        } else if !between_feasible(Some(&ty.ty), con.lo.as_ref(), con.hi.as_ref()) {
            return None;
        }
        Some(())
    }

    /// An example bundle meeting the constraints of `path`, if one can be written.
    fn example(&self, path: &PathCons) -> Option<J> {
        let mut obj = J::object([("id", J::from("example"))]);
        let mut roots = self.roots.clone();
        roots.extend(path.fields.iter().map(|(p, _, _)| p.root));
        if let Some(c) = self.context {
            roots.insert(c);
        }
        for root in roots {
            let schema = self.env.schemas.get(root.0 as usize)?;
            let mut rec = self.placeholder_record(root, 0)?;
            if Some(root) == self.context {
                rec.insert("today", TODAY.into());
                rec.insert("now", NOW.into());
            }
            obj.insert(schema.name.clone(), rec);
        }
        for (fp, ty, con) in &path.fields {
            let value = match con.present {
                Some(false) => None,
                _ => Some(self.pick(fp, ty, con)?),
            };
            self.set(&mut obj, fp, value)?;
        }
        Some(obj)
    }

    /// Write `value` (or remove the field, for `None`) at `fp` in the bundle.
    fn set(&self, obj: &mut J, fp: &FieldPath, value: Option<J>) -> Option<()> {
        let mut schema = self.env.schemas.get(fp.root.0 as usize)?;
        let mut cur = obj.get_mut(&schema.name)?;
        let n = fp.fields.len();
        for (k, f) in fp.fields.iter().enumerate() {
            let field = schema.fields.get(*f as usize)?;
            if k + 1 == n {
                match value {
                    Some(v) => cur.insert(field.name.clone(), v),
                    None => {
                        cur.remove(&field.name);
                    }
                }
                return Some(());
            }
            let Type::Record(s) = &field.ty else {
                return None;
            };
            if value.is_none() && cur.get(&field.name).is_none() {
                return Some(());
            }
            if cur.get(&field.name).is_none() {
                let rec = self.placeholder_record(*s, 1)?;
                cur.insert(field.name.clone(), rec);
            }
            schema = self.env.schemas.get(s.0 as usize)?;
            cur = cur.get_mut(&field.name)?;
        }
        Some(())
    }

    /// A record of schema `s` with a placeholder in every required field.
    fn placeholder_record(&self, s: SchemaId, depth: usize) -> Option<J> {
        if depth > 8 {
            return None;
        }
        let schema = self.env.schemas.get(s.0 as usize)?;
        let mut rec = J::Object(Vec::new());
        if Some(s) == self.context {
            return Some(rec);
        }
        for f in schema.fields.iter().filter(|f| !f.optional) {
            let v = match &f.ty {
                Type::Record(r) => self.placeholder_record(*r, depth + 1)?,
                ty => self.placeholder(ty, None)?,
            };
            rec.insert(f.name.clone(), v);
        }
        Some(rec)
    }

    /// A valid value of type `ty` (money in `currency` where given).
    fn placeholder(&self, ty: &Type, currency: Option<Currency>) -> Option<J> {
        let v = match ty {
            Type::Bool => Value::Bool(false),
            // 1 rather than 0, so that a residual dividing by the field can be evaluated
            Type::Int => Value::Int(1),
            Type::Decimal => Value::Decimal(Decimal::ONE),
            Type::Percent => Value::Percent(Decimal::ZERO),
            Type::Money => Value::Money(Money {
                currency: currency
                    .or(self.env.units.currency)
                    .or(Currency::new("USD"))?,
                amount: Decimal::ZERO,
            }),
            Type::Text | Type::Label => Value::Text(Arc::from("x")),
            Type::Date => return Some(TODAY.into()),
            Type::DateTime => return Some(NOW.into()),
            Type::Duration(kind) => Value::Duration(match kind {
                crate::types::DurationKind::Exact => {
                    crate::value::Duration::Exact(Decimal::ZERO, Default::default())
                }
                crate::types::DurationKind::Calendar => {
                    crate::value::Duration::Months(0, Default::default())
                }
                crate::types::DurationKind::Business => {
                    crate::value::Duration::BusinessDays(Decimal::ZERO)
                }
            }),
            Type::Distance => Value::Distance(Distance {
                value: Decimal::ZERO,
                unit: DistanceUnit::Km,
            }),
            Type::Enum(e) => {
                self.env.enums.get(e.0 as usize)?.variants.first()?;
                Value::Enum(0)
            }
            Type::Code(t) => {
                self.env.tables.get(t.0 as usize)?.codes.first()?;
                Value::Code(0)
            }
            Type::Set(_) => return Some(J::Array(Vec::new())),
            Type::Record(_) | Type::Any => return None,
        };
        Some(crate::facts::value_styled(ty, &v, self.env, false))
    }

    /// A value of field `fp` meeting `con`, as JSON.
    fn pick(&self, fp: &FieldPath, ty: &Ty, con: &Con) -> Option<J> {
        let currency = con.currency.or_else(|| {
            self.guard_currency
                .iter()
                .find(|(p, _)| p == fp)
                .map(|(_, c)| *c)
        });
        if ty.set {
            let id = match con.id {
                Some(i) => i,
                None => (0..con.size).find(|i| !con.not_ids.contains(i))?,
            };
            let v = match &ty.ty {
                Type::Enum(_) => Value::Enum(id),
                Type::Code(_) => Value::Code(id),
                Type::Bool => Value::Bool(id == 1),
                _ => return None,
            };
            return Some(crate::facts::value_styled(&ty.ty, &v, self.env, false));
        }
        if con.eq.is_none() && con.lo.is_none() && con.hi.is_none() {
            return self.placeholder(&ty.ty, currency);
        }
        let v = match &con.eq {
            Some(e) => e.clone(),
            None => pick_between(&ty.ty, con.lo.as_ref(), con.hi.as_ref())?,
        };
        let value = match (&ty.ty, v) {
            (Type::Int, OrdVal::Num(d)) => {
                if !d.fract().is_zero() {
                    return None;
                }
                Value::Int(i64::try_from(d).ok()?)
            }
            (Type::Decimal, OrdVal::Num(d)) => Value::Decimal(d),
            (Type::Percent, OrdVal::Num(d)) => Value::Percent(d),
            (Type::Money, OrdVal::Num(d)) => Value::Money(Money {
                currency: currency
                    .or(self.env.units.currency)
                    .or(Currency::new("USD"))?,
                amount: d,
            }),
            (Type::Distance, OrdVal::Num(d)) => Value::Distance(Distance {
                value: d,
                unit: DistanceUnit::Km,
            }),
            (Type::Duration(kind), OrdVal::Num(d)) => Value::Duration(match kind {
                crate::types::DurationKind::Exact => {
                    crate::value::Duration::Exact(d, Default::default())
                }
                crate::types::DurationKind::Calendar => {
                    crate::value::Duration::Months(i64::try_from(d).ok()?, Default::default())
                }
                crate::types::DurationKind::Business => crate::value::Duration::BusinessDays(d),
            }),
            (Type::Date, OrdVal::Int(days)) => Value::Date(
                chrono::NaiveDate::from_num_days_from_ce_opt(i32::try_from(days).ok()?)?,
            ),
            (Type::DateTime, OrdVal::Int(ns)) => {
                let secs = i64::try_from(ns.div_euclid(1_000_000_000)).ok()?;
                let nanos = u32::try_from(ns.rem_euclid(1_000_000_000)).ok()?;
                let t = chrono::DateTime::from_timestamp(secs, nanos)?;
                Value::DateTime(t.fixed_offset())
            }
            (Type::Text | Type::Label, OrdVal::Text(t)) => Value::Text(t),
            _ => return None,
        };
        Some(crate::facts::value_styled(&ty.ty, &value, self.env, false))
    }

    /// Whether `example` makes the decision fall through (checked by the reference
    /// interpreter).
    fn is_gap(&self, example: &J) -> bool {
        if !self.charge() {
            return false;
        }
        let Ok(facts) = crate::facts::Facts::from_tree(self.env, example) else {
            return false;
        };
        matches!(
            crate::eval::reference::decide(self.checked, &self.d.name, &facts),
            Ok(d) if d.no_match
        )
    }

    /// The first two rules that `example` makes match, if it makes the decision fail with
    /// `not_unique`.
    fn overlap_of(&self, example: &J) -> Option<(String, String)> {
        if !self.charge() {
            return None;
        }
        let facts = crate::facts::Facts::from_tree(self.env, example).ok()?;
        match crate::eval::reference::decide(self.checked, &self.d.name, &facts) {
            Err(EvalError::NotUnique { rules, .. }) => {
                let mut it = rules.into_iter();
                Some((it.next()?, it.next()?))
            }
            _ => None,
        }
    }

    /// Take one confirmation's cost from the rule set's budget; `false` when it is spent.
    fn charge(&self) -> bool {
        match self.budget.get().checked_sub(self.confirm_cost) {
            Some(left) => {
                self.budget.set(left);
                true
            }
            None => false,
        }
    }

    /// The place of rule `name`.
    fn span_of(&self, name: &str) -> Span {
        self.d
            .rules
            .iter()
            .find(|r| r.id == name)
            .map_or(self.d.span, |r| r.span)
    }
}

/// What region `r` among `consts` asks of a field (see [`Node::Ord`]).
fn region_reqs(consts: &[OrdVal], r: usize) -> Option<Vec<Req>> {
    let i = r / 2;
    let mut reqs = vec![Req::Present(true)];
    if r % 2 == 1 {
        reqs.push(Req::Eq(consts.get(i)?.clone()));
    } else {
        if let Some(lo) = i.checked_sub(1).and_then(|k| consts.get(k)) {
            reqs.push(Req::Lo(lo.clone()));
        }
        if let Some(hi) = consts.get(i) {
            reqs.push(Req::Hi(hi.clone()));
        }
    }
    Some(reqs)
}

/// The regions of `consts` the tests of one column accept, as sorted disjoint intervals.
fn accepted(tests: &[Test], consts: &[OrdVal]) -> Vec<(usize, usize)> {
    let regions = 2 * consts.len() + 1;
    let rank = |c: &OrdVal| consts.binary_search(c).map_or(0, |i| 2 * i + 1);
    let mut acc = vec![(0, regions - 1)];
    for t in tests {
        acc = intersect(&acc, &intervals(t, regions, &rank));
    }
    acc
}

/// A value of type `ty` strictly between `lo` and `hi` (unbounded where `None`).
fn pick_between(ty: &Type, lo: Option<&OrdVal>, hi: Option<&OrdVal>) -> Option<OrdVal> {
    let nonneg = matches!(ty, Type::Distance | Type::Duration(_));
    // checked arithmetic throughout: constants come from rule files and may be extreme
    let one = Decimal::ONE;
    let two = Decimal::TWO;
    const SECOND: i128 = 1_000_000_000;
    let v = match (lo, hi) {
        (Some(OrdVal::Num(a)), _) if *ty == Type::Int => OrdVal::Num(a.floor().checked_add(one)?),
        (None, Some(OrdVal::Num(b))) if *ty == Type::Int => OrdVal::Num(b.ceil().checked_sub(one)?),
        (Some(OrdVal::Num(a)), Some(OrdVal::Num(b))) => {
            // a/2 + b/2 cannot overflow where a + b could
            OrdVal::Num(a.checked_div(two)?.checked_add(b.checked_div(two)?)?)
        }
        (Some(OrdVal::Num(a)), None) => OrdVal::Num(a.checked_add(one)?),
        (None, Some(OrdVal::Num(b))) => {
            let below = b.checked_sub(one)?;
            if nonneg && below < Decimal::ZERO {
                OrdVal::Num(b.checked_div(two)?)
            } else {
                OrdVal::Num(below)
            }
        }
        (lo, hi) if *ty == Type::Date => match (lo, hi) {
            (Some(OrdVal::Int(a)), _) => OrdVal::Int(a.checked_add(1)?),
            (None, Some(OrdVal::Int(b))) => OrdVal::Int(b.checked_sub(1)?),
            _ => return None,
        },
        (Some(OrdVal::Int(a)), Some(OrdVal::Int(b))) => match a.checked_add(SECOND) {
            Some(x) if x < *b => OrdVal::Int(x),
            _ => OrdVal::Int(a.checked_add(b.checked_sub(*a)? / 2)?),
        },
        (Some(OrdVal::Int(a)), None) => OrdVal::Int(a.checked_add(SECOND)?),
        (None, Some(OrdVal::Int(b))) => OrdVal::Int(b.checked_sub(SECOND)?),
        (None, Some(OrdVal::Text(b))) => {
            if b.is_empty() {
                return None;
            }
            OrdVal::Text(Arc::from(""))
        }
        (Some(OrdVal::Text(a)), hi) => {
            let candidates = [format!("{a}a"), format!("{a} "), format!("{a}\u{1}")];
            let ok = |c: &str| match hi {
                Some(OrdVal::Text(h)) => c < h.as_ref(),
                _ => true,
            };
            OrdVal::Text(Arc::from(candidates.iter().find(|c| ok(c))?.as_str()))
        }
        _ => return None,
    };
    let inside = lo.is_none_or(|l| v > *l) && hi.is_none_or(|h| v < *h);
    inside.then_some(v)
}

/// The roots each decision reads, itself or through the decisions it depends on: every
/// decision at once, linear in the rules whatever the depth of the chains.
fn roots_read_all(checked: &Checked) -> (Vec<BTreeSet<SchemaId>>, Vec<u64>) {
    let n = checked.decisions.len();
    // what each decision reads itself: roots, and the decisions whose outputs it reads
    let mut direct: Vec<BTreeSet<SchemaId>> = vec![BTreeSet::new(); n];
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, d) in checked.decisions.iter().enumerate() {
        let Some(d) = d else {
            continue;
        };
        let (roots, reads) = (&mut direct[i], &mut deps[i]);
        let mut stack: Vec<&Ir> = Vec::new();
        for r in &d.rules {
            stack.push(&r.when);
            stack.extend(r.then.iter().map(|(_, ir)| ir));
        }
        if let Some(o) = &d.otherwise {
            stack.extend(o.iter().map(|(_, ir)| ir));
        }
        while let Some(ir) = stack.pop() {
            match &ir.kind {
                IrKind::Const(_) => {}
                IrKind::Field { root, .. } => {
                    roots.insert(*root);
                }
                IrKind::Output { decision, .. } => reads.push(*decision as usize),
                IrKind::Get { base: x, .. }
                | IrKind::Attr { code: x, .. }
                | IrKind::Has(x)
                | IrKind::Not(x)
                | IrKind::Neg(x)
                | IrKind::Matches { value: x, .. } => stack.push(x),
                IrKind::And(items) | IrKind::Or(items) | IrKind::List(items) => {
                    stack.extend(items.iter())
                }
                IrKind::Call { args, .. } => stack.extend(args.iter()),
                IrKind::Arith { lhs, rhs, .. } | IrKind::Cmp { lhs, rhs, .. } => {
                    stack.push(lhs);
                    stack.push(rhs);
                }
                IrKind::Contains { container, item } => {
                    stack.push(container);
                    stack.push(item);
                }
                IrKind::In { value, set, .. } => {
                    stack.push(value);
                    match set {
                        InSet::List(items) => stack.extend(items.iter()),
                        InSet::Range(a, b) => {
                            stack.push(a);
                            stack.push(b);
                        }
                        InSet::Codes(_) => {}
                        InSet::Set(s) => stack.push(s),
                    }
                }
            }
        }
        reads.sort_unstable();
        reads.dedup();
    }
    // then the union over the decisions read, each decision once, in post-order without
    // recursion (a chain of 10,000 decisions is as easy as one)
    let mut all: Vec<Option<BTreeSet<SchemaId>>> = vec![None; n];
    // the rules evaluating a decision may touch: its own and those of the decisions it
    // reads, a decision read along two paths counted twice (an upper bound)
    let own = |i: usize| match checked.decisions.get(i) {
        Some(Some(d)) => d.rules.len() as u64 + 1,
        _ => 1,
    };
    let mut costs: Vec<u64> = (0..n).map(own).collect();
    for start in 0..n {
        let mut stack = vec![(start, false)];
        while let Some((i, expanded)) = stack.pop() {
            if i >= n || all[i].is_some() {
                continue;
            }
            if !expanded {
                stack.push((i, true));
                stack.extend(
                    deps[i]
                        .iter()
                        .filter(|&&d| d < n && all[d].is_none())
                        .map(|&d| (d, false)),
                );
                continue;
            }
            // a dependency not done yet is on a cycle (a check error): it adds nothing
            let mut roots = std::mem::take(&mut direct[i]);
            for &d in &deps[i] {
                if let Some(Some(r)) = all.get(d) {
                    roots.extend(r.iter().copied());
                    costs[i] = costs[i].saturating_add(costs[d]);
                }
            }
            all[i] = Some(roots);
        }
    }
    (
        all.into_iter().map(Option::unwrap_or_default).collect(),
        costs,
    )
}
