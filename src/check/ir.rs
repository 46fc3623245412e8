//! The checked, resolved intermediate representation that compile and eval consume:
//! every name resolved (fields to indices, codes and enum variants to interned integers,
//! decisions and outputs to indices), every regex compiled, every node typed and placed.

use crate::diag::Span;
use crate::dsl::ast::{BinOp, CmpOp, HitPolicy};
use crate::types::{SchemaId, TableId, Type};
use crate::value::Value;
use chrono::NaiveDate;
use std::sync::Arc;

/// A typed expression with its source place (for explanations).
#[derive(Debug, Clone)]
pub struct Ir {
    /// What it computes.
    pub kind: IrKind,
    /// Its type.
    pub ty: Type,
    /// Where it is written.
    pub span: Span,
}

/// The built-in functions (LANGUAGE.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `lower(t)`
    Lower,
    /// `upper(t)`
    Upper,
    /// `len(text or set)`
    Len,
    /// `starts_with(t, prefix)`
    StartsWith,
    /// `ends_with(t, suffix)`
    EndsWith,
    /// `days_between(a, b)`: b − a in days
    DaysBetween,
    /// `months_between(a, b)`: the largest n with a + n months ≤ b
    MonthsBetween,
    /// `min(a, b)`
    Min,
    /// `max(a, b)`
    Max,
    /// `round(x, places)`, half-even
    Round,
}

/// The right-hand side of `in`.
#[derive(Debug, Clone)]
pub enum InSet {
    /// `[a, b, c]`
    List(Box<[Ir]>),
    /// `lo..hi` of an ordered type (inclusive).
    Range(Box<Ir>, Box<Ir>),
    /// A code range `P0300..P0399`, resolved to the declared codes it contains (sorted ids).
    Codes(Arc<[u32]>),
    /// A set-valued expression.
    Set(Box<Ir>),
}

/// The kinds of IR node.
#[derive(Debug, Clone)]
pub enum IrKind {
    /// A constant.
    Const(Value),
    /// A field of a fact root, through nested records: `fields[0]` of the root, then
    /// `fields[1]` of that record, …
    Field {
        /// The root schema.
        root: SchemaId,
        /// Field indices from the root down.
        fields: Box<[u16]>,
    },
    /// A field of a record computed by `base`.
    Get {
        /// The record.
        base: Box<Ir>,
        /// The field index.
        field: u16,
    },
    /// An attribute of the code `code` computes.
    Attr {
        /// The code.
        code: Box<Ir>,
        /// Its table.
        table: TableId,
        /// The attribute's index.
        attr: u16,
    },
    /// An output of a decision for the same bundle (evaluated once, memoised).
    Output {
        /// The decision's index in [`super::Checked::decisions`].
        decision: u32,
        /// The output's index.
        output: u16,
    },
    /// `has path`: whether the path's value is present.
    Has(Box<Ir>),
    /// `not x`
    Not(Box<Ir>),
    /// `a and b and …` (short-circuit)
    And(Box<[Ir]>),
    /// `a or b or …` (short-circuit)
    Or(Box<[Ir]>),
    /// `-x`
    Neg(Box<Ir>),
    /// `a + b`, `a - b`, `a * b`, `a / b`
    Arith {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Ir>,
        /// Right operand.
        rhs: Box<Ir>,
    },
    /// `a == b` etc.
    Cmp {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Ir>,
        /// Right operand.
        rhs: Box<Ir>,
    },
    /// `x [not] in SET`
    In {
        /// `not in`
        negated: bool,
        /// The value tested.
        value: Box<Ir>,
        /// What it is tested against.
        set: InSet,
    },
    /// `x matches /re/`, compiled once here.
    Matches {
        /// The text tested.
        value: Box<Ir>,
        /// The compiled pattern.
        regex: Arc<regex::Regex>,
    },
    /// `x contains y`
    Contains {
        /// Set or text.
        container: Box<Ir>,
        /// Element or substring.
        item: Box<Ir>,
    },
    /// A list literal (`flags = [regulatory]`).
    List(Box<[Ir]>),
    /// A built-in function call.
    Call {
        /// The function.
        func: Builtin,
        /// Its arguments.
        args: Box<[Ir]>,
    },
}

/// An output of a checked decision.
#[derive(Debug, Clone)]
pub struct OutputDef {
    /// Its name.
    pub name: String,
    /// Its type as rules assign it.
    pub ty: Type,
    /// Its default value.
    pub default: Option<Value>,
}

/// One rule of a checked decision.
#[derive(Debug, Clone)]
pub struct CheckedRule {
    /// Its id.
    pub id: String,
    /// Where it is written.
    pub span: Span,
    /// `priority N` (0 when not given).
    pub priority: i64,
    /// `effective A..B`, inclusive.
    pub effective: Option<(NaiveDate, NaiveDate)>,
    /// The condition.
    pub when: Ir,
    /// Assignments: output index and value.
    pub then: Vec<(u16, Ir)>,
}

/// A checked user decision (or route): what the compiler and interpreters evaluate.
#[derive(Debug, Clone)]
pub struct CheckedDecision {
    /// Its name.
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// Its hit policy.
    pub hit: HitPolicy,
    /// Its outputs.
    pub outputs: Vec<OutputDef>,
    /// Its rules in order.
    pub rules: Vec<CheckedRule>,
    /// The assignments of `otherwise`, if any.
    pub otherwise: Option<Vec<(u16, Ir)>>,
}
