//! The atomic tests the compiler branches on: a rule's condition, read as a conjunction,
//! becomes tests on columns — a field of ordered values split into intervals, a field of
//! enum variants, codes or booleans tested as sets, or any other side-effect-free boolean
//! expression evaluated as a whole — followed by a *residual*: the conjuncts from the first
//! one that could fail at evaluation time (arithmetic, a dependent decision, …), which are
//! evaluated in order, exactly as the reference interpreter does.

use crate::check::ir::{Builtin, InSet, Ir, IrKind};
use crate::dsl::ast::CmpOp;
use crate::eval::value_ops;
use crate::types::{Env, SchemaId, TableId, Type};
use crate::value::{Currency, Duration, Value};
use chrono::Datelike;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::sync::Arc;

/// A field reached from a fact root through nested records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FieldPath {
    pub root: SchemaId,
    pub fields: Box<[u16]>,
}

impl FieldPath {
    fn of(ir: &Ir) -> Option<FieldPath> {
        match &ir.kind {
            IrKind::Field { root, fields } if !fields.is_empty() => Some(FieldPath {
                root: *root,
                fields: fields.clone(),
            }),
            _ => None,
        }
    }
}

/// A value of an ordered column, as the compiler compares it: numbers (int, decimal,
/// percent, money amounts, exact durations, distances in km) as decimals, dates and
/// date-times as integers, texts as texts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum OrdVal {
    Num(Decimal),
    Int(i128),
    Text(Arc<str>),
}

/// A value read from the facts for an ordered column (borrowed text).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Probe<'a> {
    Num(Decimal),
    Int(i128),
    Text(&'a str),
}

impl Probe<'_> {
    /// The order of the probe against a constant; `None` when they are of different kinds.
    pub fn cmp(&self, c: &OrdVal) -> Option<Ordering> {
        match (self, c) {
            (Probe::Num(a), OrdVal::Num(b)) => Some(a.cmp(b)),
            (Probe::Int(a), OrdVal::Int(b)) => Some(a.cmp(b)),
            (Probe::Text(a), OrdVal::Text(b)) => Some((*a).cmp(b.as_ref())),
            _ => None,
        }
    }
}

/// The probe of a fact value; `None` where the value has no order the compiler handles.
pub(crate) fn probe(v: &Value) -> Option<Probe<'_>> {
    Some(match v {
        Value::Int(i) => Probe::Num(Decimal::from(*i)),
        Value::Decimal(d) | Value::Percent(d) => Probe::Num(*d),
        Value::Money(m) => Probe::Num(m.amount),
        Value::Date(d) => Probe::Int(i128::from(d.num_days_from_ce())),
        Value::DateTime(t) => Probe::Int(
            i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()),
        ),
        Value::Duration(Duration::Exact(d, _))
        | Value::Duration(Duration::BusinessDays(d))
        | Value::Duration(Duration::BusinessHours(d)) => Probe::Num(*d),
        Value::Duration(Duration::Months(n, _)) => Probe::Num(Decimal::from(*n)),
        Value::Distance(d) => Probe::Num(d.km()?),
        Value::Text(t) | Value::Label(t) => Probe::Text(t),
        _ => return None,
    })
}

fn ord_val(v: &Value) -> Option<OrdVal> {
    Some(match probe(v)? {
        Probe::Num(d) => OrdVal::Num(d),
        Probe::Int(i) => OrdVal::Int(i),
        Probe::Text(t) => OrdVal::Text(Arc::from(t)),
    })
}

/// What a set column holds: enum variants, codes of a table, or booleans (0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Domain {
    Enum(u32),
    Code(TableId),
    Bool,
}

/// A column: what one atomic test reads.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    /// An ordered field; money columns are per currency (a fact of another currency sends
    /// the bundle to the reference interpreter, which reports the currency mix).
    Ord {
        path: FieldPath,
        money: Option<Currency>,
        distance: bool,
    },
    /// A field of enum variants, codes or booleans.
    Set { path: FieldPath, domain: Domain },
    /// `context.today`, as `effective` reads it.
    Today,
    /// Any other boolean expression that cannot fail once its roots are present.
    Bool { ir: Ir, rule: String },
}

impl Column {
    /// The identity of the column: two tests on equal keys share the column.
    pub fn key(&self, text: &dyn Fn(&Ir) -> String) -> String {
        match self {
            Column::Ord {
                path,
                money,
                distance,
            } => format!("o{:?}{:?}{money:?}{distance}", path.root, path.fields),
            Column::Set { path, domain } => format!("s{:?}{:?}{domain:?}", path.root, path.fields),
            Column::Today => "t".into(),
            Column::Bool { ir, .. } => format!("b{}", text(ir)),
        }
    }
}

/// One primitive test of an ordered column.
#[derive(Debug, Clone)]
pub(crate) enum Prim {
    Cmp(CmpOp, OrdVal),
    List(Box<[OrdVal]>),
    Range(OrdVal, OrdVal),
    /// Any present value (`has`).
    Any,
}

/// A test on one column.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// `prim` (negated if asked) on a present value; `absent` when the value is absent.
    Ord {
        prim: Prim,
        negated: bool,
        absent: bool,
    },
    /// Membership of the value's id in `ids` (negated if asked); `absent` when absent.
    Set {
        ids: Box<[u32]>,
        negated: bool,
        absent: bool,
    },
    /// The boolean column must have this value.
    Bool(bool),
}

impl Test {
    pub(crate) fn not(self) -> Test {
        match self {
            Test::Ord {
                prim,
                negated,
                absent,
            } => Test::Ord {
                prim,
                negated: !negated,
                absent: !absent,
            },
            Test::Set {
                ids,
                negated,
                absent,
            } => Test::Set {
                ids,
                negated: !negated,
                absent: !absent,
            },
            Test::Bool(b) => Test::Bool(!b),
        }
    }
}

/// Reads facts through an expression: whether it is a field, or an attribute of a code field.
enum Access {
    Field(FieldPath),
    Attr {
        base: FieldPath,
        table: TableId,
        attr: u16,
    },
}

fn access(ir: &Ir) -> Option<Access> {
    match &ir.kind {
        IrKind::Field { .. } => FieldPath::of(ir).map(Access::Field),
        IrKind::Attr { code, table, attr } => Some(Access::Attr {
            base: FieldPath::of(code)?,
            table: *table,
            attr: *attr,
        }),
        _ => None,
    }
}

fn constant(ir: &Ir) -> Option<&Value> {
    match &ir.kind {
        IrKind::Const(v) => Some(v),
        _ => None,
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

/// Whether an ordering satisfies a comparison operator.
pub(crate) fn holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// The right-hand side of a comparison or membership, with constants only.
enum Rhs<'a> {
    Cmp(CmpOp, &'a Value),
    List(Vec<&'a Value>),
    Range(&'a Value, &'a Value),
    Codes(&'a [u32]),
    Any,
}

/// The column and test of an atomic conjunct, if it is one.
pub(crate) fn atom(ir: &Ir, env: &Env, rule: &str) -> Option<(Column, Test)> {
    match &ir.kind {
        IrKind::Not(x) => {
            let (c, t) = atom(x, env, rule)?;
            Some((c, t.not()))
        }
        IrKind::Cmp { op, lhs, rhs } => {
            if let (Some(a), Some(v)) = (access(lhs), constant(rhs)) {
                shape(a, &lhs.ty, Rhs::Cmp(*op, v), false, env)
            } else if let (Some(v), Some(a)) = (constant(lhs), access(rhs)) {
                shape(a, &rhs.ty, Rhs::Cmp(flip(*op), v), false, env)
            } else {
                None
            }
        }
        IrKind::In {
            negated,
            value,
            set,
        } => {
            let a = access(value)?;
            let rhs = match set {
                InSet::List(items) => Rhs::List(items.iter().map(constant).collect::<Option<_>>()?),
                InSet::Range(lo, hi) => Rhs::Range(constant(lo)?, constant(hi)?),
                InSet::Codes(ids) => Rhs::Codes(ids),
                InSet::Set(_) => return None,
            };
            shape(a, &value.ty, rhs, *negated, env)
        }
        IrKind::Has(p) => match access(p)? {
            Access::Field(path) => shape(Access::Field(path), &p.ty, Rhs::Any, false, env),
            Access::Attr { .. } => None,
        },
        IrKind::Field { .. } if ir.ty == Type::Bool => {
            let v = Value::Bool(true);
            shape(access(ir)?, &ir.ty, Rhs::Cmp(CmpOp::Eq, &v), false, env)
        }
        _ => None,
    }
    .or_else(|| {
        infallible(ir).then(|| {
            (
                Column::Bool {
                    ir: ir.clone(),
                    rule: rule.to_string(),
                },
                Test::Bool(true),
            )
        })
    })
}

/// The test of `access rhs` (negated for `not in`): absent values fail a comparison and
/// pass a `not in`, as in the reference interpreter.
fn shape(a: Access, ty: &Type, rhs: Rhs<'_>, negated: bool, env: &Env) -> Option<(Column, Test)> {
    let absent = negated;
    match a {
        Access::Attr { base, table, attr } => {
            // a test of a code's attribute is a set of codes of its table
            let t = env.table(table);
            let mut ids = Vec::new();
            for (i, c) in t.codes.iter().enumerate() {
                let accept = match c.attrs.get(attr as usize).cloned().flatten() {
                    Some(v) => eval_rhs(&v, &rhs, ty, env)? != negated,
                    None => absent,
                };
                if accept {
                    ids.push(i as u32);
                }
            }
            Some((
                Column::Set {
                    path: base,
                    domain: Domain::Code(table),
                },
                Test::Set {
                    ids: ids.into(),
                    negated: false,
                    absent,
                },
            ))
        }
        Access::Field(path) => {
            let domain = match ty {
                Type::Enum(e) => Some(Domain::Enum(e.0)),
                Type::Code(t) => Some(Domain::Code(*t)),
                Type::Bool => Some(Domain::Bool),
                _ => None,
            };
            if let Some(domain) = domain {
                let ids = set_ids(&rhs, ty, domain, env)?;
                let (ids, neg) = match (&rhs, ids) {
                    (Rhs::Cmp(CmpOp::Ne, _), ids) => (ids, !negated),
                    (Rhs::Any, _) => (Vec::new(), !negated),
                    (_, ids) => (ids, negated),
                };
                return Some((
                    Column::Set { path, domain },
                    Test::Set {
                        ids: ids.into(),
                        negated: neg,
                        absent,
                    },
                ));
            }
            let (money, distance) = match ty {
                Type::Money => {
                    let cur = match &rhs {
                        Rhs::Cmp(_, Value::Money(m)) | Rhs::Range(Value::Money(m), _) => {
                            Some(m.currency)
                        }
                        Rhs::List(items) => match items.first() {
                            Some(Value::Money(m)) => Some(m.currency),
                            _ => None,
                        },
                        _ => None,
                    };
                    // every constant must be of the one currency of the column
                    let all = |v: &Value| matches!(v, Value::Money(m) if Some(m.currency) == cur);
                    let ok = match &rhs {
                        Rhs::Cmp(_, v) => all(v),
                        Rhs::Range(a, b) => all(a) && all(b),
                        Rhs::List(items) => items.iter().all(|v| all(v)),
                        Rhs::Any => true,
                        Rhs::Codes(_) => false,
                    };
                    if !ok {
                        return None;
                    }
                    (cur, false)
                }
                Type::Distance => (None, true),
                t if t.is_ordered() => (None, false),
                _ => return None,
            };
            let prim = match rhs {
                Rhs::Cmp(op, v) => Prim::Cmp(op, ord_val(v)?),
                Rhs::List(items) => {
                    Prim::List(items.into_iter().map(ord_val).collect::<Option<_>>()?)
                }
                Rhs::Range(a, b) => Prim::Range(ord_val(a)?, ord_val(b)?),
                Rhs::Any => Prim::Any,
                Rhs::Codes(_) => return None,
            };
            // a money column without constants (`has claim.parts`) reads no currency
            if money.is_none() && ty == &Type::Money && !matches!(prim, Prim::Any) {
                return None;
            }
            Some((
                Column::Ord {
                    path,
                    money,
                    distance,
                },
                Test::Ord {
                    prim,
                    negated,
                    absent,
                },
            ))
        }
    }
}

/// Whether a present value `v` satisfies `rhs` (before negation); `None` if the comparison
/// can fail (mixed currencies, overflow), so the test is not compiled.
fn eval_rhs(v: &Value, rhs: &Rhs<'_>, ty: &Type, env: &Env) -> Option<bool> {
    let text = |c: u32| match ty {
        Type::Code(t) => env.table(*t).codes.get(c as usize).map(|d| d.code.clone()),
        _ => None,
    };
    let cmp = |a: &Value, b: &Value| value_ops::compare(a, b, &text).ok();
    Some(match rhs {
        Rhs::Cmp(op, c) => holds(*op, cmp(v, c)?),
        Rhs::List(items) => {
            let mut found = false;
            for c in items {
                if cmp(v, c)? == Ordering::Equal {
                    found = true;
                }
            }
            found
        }
        Rhs::Range(lo, hi) => cmp(v, lo)? != Ordering::Less && cmp(v, hi)? != Ordering::Greater,
        Rhs::Codes(ids) => match v {
            Value::Code(c) => ids.binary_search(c).is_ok(),
            _ => false,
        },
        Rhs::Any => true,
    })
}

/// The ids of a set domain that satisfy `rhs` (for `!=`: the ids equal to its constant).
fn set_ids(rhs: &Rhs<'_>, ty: &Type, domain: Domain, env: &Env) -> Option<Vec<u32>> {
    let id = |v: &Value| match v {
        Value::Enum(i) | Value::Code(i) => Some(*i),
        Value::Bool(b) => Some(u32::from(*b)),
        _ => None,
    };
    let mut ids = match rhs {
        Rhs::Cmp(CmpOp::Eq | CmpOp::Ne, v) => vec![id(v)?],
        Rhs::List(items) => items.iter().map(|v| id(v)).collect::<Option<Vec<_>>>()?,
        Rhs::Codes(ids) => ids.to_vec(),
        Rhs::Any => Vec::new(),
        Rhs::Cmp(..) | Rhs::Range(..) => {
            // order tests on a finite domain: enumerate it
            let size = match domain {
                Domain::Enum(e) => env.enum_def(crate::types::EnumId(e)).variants.len(),
                Domain::Code(t) => env.table(t).codes.len(),
                Domain::Bool => 2,
            };
            let mut out = Vec::new();
            for i in 0..size as u32 {
                let v = match domain {
                    Domain::Enum(_) => Value::Enum(i),
                    Domain::Code(_) => Value::Code(i),
                    Domain::Bool => Value::Bool(i == 1),
                };
                if eval_rhs(&v, rhs, ty, env)? {
                    out.push(i);
                }
            }
            out
        }
    };
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// Whether evaluating `ir` can never fail once the roots it reads (and the context fields)
/// are present: no arithmetic, no dependent decision, no money or distance comparison.
pub(crate) fn infallible(ir: &Ir) -> bool {
    let all = |items: &[Ir]| items.iter().all(infallible);
    let plain = |t: &Type| !matches!(t, Type::Money | Type::Distance | Type::Any);
    match &ir.kind {
        IrKind::Const(_) | IrKind::Field { .. } => true,
        IrKind::Get { base, .. } => infallible(base),
        IrKind::Attr { code, .. } => infallible(code),
        IrKind::Has(x) | IrKind::Not(x) => infallible(x),
        IrKind::And(items) | IrKind::Or(items) | IrKind::List(items) => all(items),
        IrKind::Cmp { lhs, rhs, .. } => {
            plain(&lhs.ty) && plain(&rhs.ty) && infallible(lhs) && infallible(rhs)
        }
        IrKind::In { value, set, .. } => {
            plain(&value.ty)
                && infallible(value)
                && match set {
                    InSet::List(items) => all(items),
                    InSet::Range(a, b) => infallible(a) && infallible(b),
                    InSet::Codes(_) => true,
                    InSet::Set(s) => infallible(s),
                }
        }
        IrKind::Matches { value, .. } => infallible(value),
        IrKind::Contains { container, item } => {
            plain(&item.ty) && infallible(container) && infallible(item)
        }
        IrKind::Call { func, args } => {
            matches!(
                func,
                Builtin::Lower
                    | Builtin::Upper
                    | Builtin::Len
                    | Builtin::StartsWith
                    | Builtin::EndsWith
                    | Builtin::DaysBetween
            ) && all(args)
        }
        IrKind::Output { .. } | IrKind::Neg(_) | IrKind::Arith { .. } => false,
    }
}

/// The fact paths an infallible expression reads (for the guards that make it so).
pub(crate) fn paths(ir: &Ir, out: &mut Vec<FieldPath>) {
    let each = |items: &[Ir], out: &mut Vec<FieldPath>| items.iter().for_each(|i| paths(i, out));
    match &ir.kind {
        IrKind::Field { .. } => out.extend(FieldPath::of(ir)),
        IrKind::Const(_) | IrKind::Output { .. } => {}
        IrKind::Get { base: x, .. }
        | IrKind::Attr { code: x, .. }
        | IrKind::Has(x)
        | IrKind::Not(x)
        | IrKind::Neg(x)
        | IrKind::Matches { value: x, .. } => paths(x, out),
        IrKind::And(items) | IrKind::Or(items) | IrKind::List(items) => each(items, out),
        IrKind::Call { args, .. } => each(args, out),
        IrKind::Arith { lhs, rhs, .. } | IrKind::Cmp { lhs, rhs, .. } => {
            paths(lhs, out);
            paths(rhs, out);
        }
        IrKind::Contains { container, item } => {
            paths(container, out);
            paths(item, out);
        }
        IrKind::In { value, set, .. } => {
            paths(value, out);
            match set {
                InSet::List(items) => each(items, out),
                InSet::Range(a, b) => {
                    paths(a, out);
                    paths(b, out);
                }
                InSet::Codes(_) => {}
                InSet::Set(s) => paths(s, out),
            }
        }
    }
}

/// The conjuncts of a condition, in order.
pub(crate) fn conjuncts(ir: &Ir) -> &[Ir] {
    match &ir.kind {
        IrKind::And(items) => items,
        _ => std::slice::from_ref(ir),
    }
}
