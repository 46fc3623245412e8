//! Typing expressions (LANGUAGE.md §2, §4): name resolution through roots, nested records,
//! code attributes and decision outputs; `has` guards; operators and built-in functions;
//! static currency and duration-kind checks.

use super::ir::{Builtin, InSet, Ir, IrKind};
use super::{suggest_help, Decisions, Regexes};
use crate::diag::{suggest, Code, Diagnostic, Diagnostics, Span};
use crate::dsl::ast::{self, BinOp, CmpOp, Expr, ExprKind, Literal, Path, Unit};
use crate::types::{DurationKind, Env, Type};
use crate::value::Value;
use std::sync::Arc;

fn node(kind: IrKind, ty: Type, span: Span) -> Ir {
    Ir { kind, ty, span }
}

/// What a rule may read without a `has` guard: dotted paths guarded so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guards(Vec<String>);

impl Guards {
    fn has(&self, path: &str) -> bool {
        self.0.iter().any(|g| g == path)
    }
    fn add(&mut self, path: String) {
        self.0.push(path);
    }
}

/// The guards an expression establishes when it is true: the `has` tests of an `and`
/// chain (used to guard a rule's `then`).
pub(crate) fn guards_when_true(e: &Expr, into: &mut Guards) {
    match &e.kind {
        ExprKind::Has(p) => into.add(p.dotted()),
        ExprKind::And(items) => items.iter().for_each(|i| guards_when_true(i, into)),
        _ => {}
    }
}

/// Typing context of one expression.
pub(crate) struct Checker<'a> {
    pub env: &'a Env,
    pub decisions: &'a Decisions,
    /// Decisions this expression reads, with where (for the dependency graph).
    pub reads: Vec<(usize, Span)>,
    pub diags: &'a mut Diagnostics,
    /// The regexes compiled so far, shared between `matches` tests of the same pattern.
    pub regexes: &'a mut Regexes,
}

const FUNCTIONS: &[&str] = &[
    "lower",
    "upper",
    "len",
    "starts_with",
    "ends_with",
    "days_between",
    "months_between",
    "min",
    "max",
    "round",
    "end_of_month",
    "end_of_quarter",
    "end_of_year",
];

fn is_money_like(t: &Type) -> bool {
    matches!(t, Type::Money)
}

impl<'a> Checker<'a> {
    fn err<T>(&mut self, code: Code, span: Span, msg: impl Into<String>) -> Option<T> {
        self.diags.push(Diagnostic::error(code, msg).at(span));
        None
    }

    fn show(&self, t: &Type) -> String {
        t.display(self.env).to_string()
    }

    /// Check `e` where a `bool` is expected.
    pub fn check_bool(&mut self, e: &Expr, g: &Guards) -> Option<Ir> {
        let ir = self.check(e, Some(&Type::Bool), g)?;
        if ir.ty != Type::Bool {
            let msg = format!("expected a condition (bool), found {}", self.show(&ir.ty));
            return self.err(Code::TypeMismatch, e.span, msg);
        }
        Some(ir)
    }

    /// Check `e` against an expected type, reporting a mismatch.
    pub fn check_against(&mut self, e: &Expr, want: &Type, g: &Guards, what: &str) -> Option<Ir> {
        let ir = self.check(e, Some(want), g)?;
        let t = ir.ty.clone();
        if !compatible(want, &t) {
            let msg = format!(
                "{what} expects {}, found {}",
                self.show(want),
                self.show(&t)
            );
            let mut d = Diagnostic::error(Code::TypeMismatch, msg).at(e.span);
            if let (Type::Duration(a), Type::Duration(b)) = (want, &t) {
                d = d.with_help(duration_help(*a, *b));
            }
            self.diags.push(d);
            return None;
        }
        Some(ir)
    }

    /// The typed IR of `e`, or `None` after reporting why it has none. `expected`
    /// resolves bare enum variants and code literals.
    pub fn check(&mut self, e: &Expr, expected: Option<&Type>, g: &Guards) -> Option<Ir> {
        let span = e.span;
        match &e.kind {
            ExprKind::Literal(l) => self.literal(l, span, expected),
            ExprKind::Path(p) => self.path(p, expected, g, false),
            ExprKind::Has(p) => {
                let (inner, optional) = self.path_for_has(p)?;
                if !optional {
                    self.diags.push(
                        Diagnostic::warning(
                            Code::HasRequired,
                            format!("`has {}` is always true: the field is required", p.dotted()),
                        )
                        .at(span)
                        .with_help("remove the test"),
                    );
                }
                Some(node(IrKind::Has(Box::new(inner)), Type::Bool, span))
            }
            ExprKind::Not(x) => {
                let x = self.check_bool(x, g)?;
                Some(node(IrKind::Not(Box::new(x)), Type::Bool, span))
            }
            ExprKind::And(items) => {
                let mut g = g.clone();
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for i in items {
                    match self.check_bool(i, &g) {
                        Some(ir) => out.push(ir),
                        None => ok = false,
                    }
                    guards_when_true(i, &mut g);
                }
                ok.then(|| node(IrKind::And(out.into()), Type::Bool, span))
            }
            ExprKind::Or(items) => {
                let mut g = g.clone();
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for i in items {
                    match self.check_bool(i, &g) {
                        Some(ir) => out.push(ir),
                        None => ok = false,
                    }
                    // `not has p or E` guards p in E
                    if let ExprKind::Not(inner) = &i.kind {
                        if let ExprKind::Has(p) = &inner.kind {
                            g.add(p.dotted());
                        }
                    }
                }
                ok.then(|| node(IrKind::Or(out.into()), Type::Bool, span))
            }
            ExprKind::List(items) => {
                let want_elem = match expected {
                    Some(Type::Set(inner)) => Some(inner.as_ref().clone()),
                    _ => None,
                };
                let mut elem: Option<Type> = want_elem;
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let ir = self.check(i, elem.as_ref(), g)?;
                    match &elem {
                        None | Some(Type::Any) => elem = Some(ir.ty.clone()),
                        Some(have) if compatible(have, &ir.ty) => {}
                        Some(have) => {
                            let msg = format!(
                                "list elements must have one type: {} and {}",
                                self.show(have),
                                self.show(&ir.ty)
                            );
                            return self.err(Code::TypeMismatch, i.span, msg);
                        }
                    }
                    out.push(ir);
                }
                let ty = Type::Set(Box::new(elem.unwrap_or(Type::Any)));
                Some(node(IrKind::List(out.into()), ty, span))
            }
            ExprKind::Range { lo, .. } => self.err(
                Code::TypeMismatch,
                lo.span,
                "a range `a..b` can only follow `in`",
            ),
            ExprKind::Neg(x) => {
                let x = self.check(x, expected, g)?;
                match x.ty {
                    Type::Int
                    | Type::Decimal
                    | Type::Percent
                    | Type::Money
                    | Type::Distance
                    | Type::Duration(_) => {
                        let ty = x.ty.clone();
                        Some(node(IrKind::Neg(Box::new(x)), ty, span))
                    }
                    ref other => {
                        let msg = format!("cannot negate {}", self.show(other));
                        self.err(Code::TypeMismatch, span, msg)
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span, expected, g),
            ExprKind::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs, span, g),
            ExprKind::In {
                value,
                set,
                negated,
            } => self.in_test(value, set, *negated, span, g),
            ExprKind::Matches { value, regex } => {
                let v = self.check(value, None, g)?;
                if !matches!(v.ty, Type::Text | Type::Code(_)) {
                    let msg = format!("`matches` needs text, found {}", self.show(&v.ty));
                    return self.err(Code::TypeMismatch, value.span, msg);
                }
                let re = self.regexes.of(regex, self.diags)?;
                Some(node(
                    IrKind::Matches {
                        value: Box::new(v),
                        regex: re,
                    },
                    Type::Bool,
                    span,
                ))
            }
            ExprKind::Contains { container, item } => {
                let c = self.check(container, None, g)?;
                let i = match &c.ty {
                    Type::Text => self.check_against(item, &Type::Text, g, "`contains` on text")?,
                    Type::Set(inner) => {
                        let inner = inner.as_ref().clone();
                        self.check_against(item, &inner, g, "`contains` on this set")?
                    }
                    other => {
                        let msg = format!(
                            "`contains` needs a set or text on its left, found {}",
                            self.show(other)
                        );
                        return self.err(Code::TypeMismatch, container.span, msg);
                    }
                };
                Some(node(
                    IrKind::Contains {
                        container: Box::new(c),
                        item: Box::new(i),
                    },
                    Type::Bool,
                    span,
                ))
            }
            ExprKind::Call { name, args } => self.call(name, args, span, expected, g),
        }
    }

    fn literal(&mut self, l: &Literal, span: Span, expected: Option<&Type>) -> Option<Ir> {
        let konst = |v: Value, ty: Type| Some(node(IrKind::Const(v), ty, span));
        match l {
            Literal::Bool(b) => konst(Value::Bool(*b), Type::Bool),
            Literal::Int(i) => konst(Value::Int(*i), Type::Int),
            Literal::Decimal(d) => konst(Value::Decimal(*d), Type::Decimal),
            Literal::Percent(p) => konst(Value::Percent(*p), Type::Percent),
            Literal::Money { currency, amount } => match crate::value::Currency::new(currency) {
                Some(c) => konst(
                    Value::Money(crate::value::Money {
                        currency: c,
                        amount: *amount,
                    }),
                    Type::Money,
                ),
                None => self.err(Code::TypeMismatch, span, "unknown currency"),
            },
            Literal::Quantity { unit, value } => match unit {
                Unit::Km | Unit::Mi => {
                    let d = crate::value::Distance {
                        value: *value,
                        unit: if *unit == Unit::Km {
                            ast::DistanceUnit::Km
                        } else {
                            ast::DistanceUnit::Mi
                        },
                    };
                    if d.km().is_none() {
                        return self.err(Code::InvalidLiteral, span, "this distance is too large");
                    }
                    konst(Value::Distance(d), Type::Distance)
                }
                _ => match super::env::quantity_duration(*value, *unit) {
                    Some(d) => {
                        let kind = super::env::duration_kind(&d);
                        konst(Value::Duration(d), Type::Duration(kind))
                    }
                    None => self.err(Code::InvalidLiteral, span, "this duration is too large"),
                },
            },
            Literal::Date(d) => konst(Value::Date(*d), Type::Date),
            Literal::DateTime(d) => konst(Value::DateTime(*d), Type::DateTime),
            Literal::Clock(_) | Literal::Opening(..) => self.err(
                Code::TypeMismatch,
                span,
                "a time of day only appears in a calendar's `hours`",
            ),
            Literal::Text(t) => match expected {
                Some(Type::Code(table)) => self.code_literal(t, *table, span),
                // a name written as a string (`recalls.ids contains "02V288000"`)
                Some(Type::Label) => konst(Value::Label(Arc::from(t.as_str())), Type::Label),
                _ => konst(Value::Text(Arc::from(t.as_str())), Type::Text),
            },
            Literal::Code(c) => match expected {
                Some(Type::Code(table)) => self.code_literal(c, *table, span),
                Some(Type::Label) => konst(Value::Label(Arc::from(c.as_str())), Type::Label),
                _ => self.err(
                    Code::TypeMismatch,
                    span,
                    format!(
                        "the code `{c}` is not compared with a code field here, so its table is unknown"
                    ),
                ),
            },
        }
    }

    /// A code literal resolved against its table: it must exist and match the format.
    fn code_literal(&mut self, code: &str, table: crate::types::TableId, span: Span) -> Option<Ir> {
        let t = self.env.table(table);
        if let Some(id) = t.code(code) {
            return Some(node(
                IrKind::Const(Value::Code(id)),
                Type::Code(table),
                span,
            ));
        }
        if let Some(f) = &t.format {
            if !f.is_match(code) {
                let mut d = Diagnostic::error(
                    Code::CodeFormat,
                    format!("`{code}` does not match the format of table `{}`", t.name),
                )
                .at(span)
                .with_help(format!("codes of `{}` match /{}/", t.name, f.as_str()));
                if let Some((a, b)) = code.split_once('-') {
                    if f.is_match(a) && f.is_match(b) {
                        d = d.with_help(format!("for a range of codes write `in {a}..{b}`"));
                    }
                }
                self.diags.push(d);
                return None;
            }
        }
        let mut d = Diagnostic::error(
            Code::UnknownCode,
            format!("unknown code `{code}` in table `{}`", t.name),
        )
        .at(span);
        if let Some((a, b)) = code.split_once('-') {
            if t.code(a).is_some() || t.code(b).is_some() {
                d = d.with_help(format!("for a range of codes write `in {a}..{b}`"));
            }
        }
        if d.help.is_none() {
            let names = t.codes.iter().map(|c| c.code.as_str());
            if let Some(s) = suggest(code, names) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
        }
        self.diags.push(d);
        None
    }

    /// The IR of a path any step of which may be absent, without a guard: for clauses
    /// whose evaluation reports an absent value (a warranty's `term … from PATH`).
    pub fn lenient_path(&mut self, p: &Path) -> Option<Ir> {
        self.resolve(p, None, &Guards::default(), true)
            .map(|(ir, _)| ir)
    }

    /// The IR of the path a `has` tests, and whether its last step is optional.
    fn path_for_has(&mut self, p: &Path) -> Option<(Ir, bool)> {
        self.resolve(p, None, &Guards::default(), true)
    }

    fn path(&mut self, p: &Path, expected: Option<&Type>, g: &Guards, in_has: bool) -> Option<Ir> {
        self.resolve(p, expected, g, in_has).map(|(ir, _)| ir)
    }

    /// Resolve a path to its IR and whether its last step is optional. Reading through an
    /// optional step without a guard is reported unless `in_has` (a `has` may test any
    /// step, but the steps before the last must be guarded or required).
    fn resolve(
        &mut self,
        p: &Path,
        expected: Option<&Type>,
        g: &Guards,
        in_has: bool,
    ) -> Option<(Ir, bool)> {
        let first = p.segments.first()?;
        let span = p.span;
        // a bare variant of the expected enum, or a free label
        if p.segments.len() == 1 {
            let enum_id = match expected {
                Some(Type::Enum(id)) => Some(*id),
                Some(Type::Set(inner)) => match inner.as_ref() {
                    Type::Enum(id) => Some(*id),
                    _ => None,
                },
                _ => None,
            };
            if let Some(id) = enum_id {
                if let Some(v) = self.env.enum_def(id).variant(&first.name) {
                    return Some((
                        node(IrKind::Const(Value::Enum(v)), Type::Enum(id), span),
                        false,
                    ));
                }
            }
            if matches!(expected, Some(Type::Label)) {
                let v = Value::Label(Arc::from(first.name.as_str()));
                return Some((node(IrKind::Const(v), Type::Label, span), false));
            }
        }
        let (mut ir, mut optional, mut rest, mut walked) =
            if let Some(sid) = self.env.schema_id(&first.name) {
                let ir = node(
                    IrKind::Field {
                        root: sid,
                        fields: Box::new([]),
                    },
                    Type::Record(sid),
                    first.span,
                );
                (ir, false, &p.segments[1..], first.name.clone())
            } else if let Some(di) = self.decisions.index(&first.name) {
                let Some(out_name) = p.segments.get(1) else {
                    let d = self.decisions.get(di);
                    let example = d.outputs.first().map(|o| o.name.as_str()).unwrap_or("…");
                    let msg = format!(
                        "`{}` is a decision; read one of its outputs, e.g. `{}.{example}`",
                        first.name, first.name
                    );
                    return self.err(Code::UnknownName, first.span, msg);
                };
                let d = self.decisions.get(di);
                let Some(oi) = d.outputs.iter().position(|o| o.name == out_name.name) else {
                    let names: Vec<&str> = d.outputs.iter().map(|o| o.name.as_str()).collect();
                    self.diags.push(
                        Diagnostic::error(
                            Code::UnknownName,
                            format!("decision `{}` has no output `{}`", d.name, out_name.name),
                        )
                        .at(out_name.span)
                        .with_help(suggest_help(
                            &out_name.name,
                            names.iter(),
                            "its outputs",
                        )),
                    );
                    return None;
                };
                let out = &d.outputs[oi];
                self.reads.push((di, span));
                let ir = node(
                    IrKind::Output {
                        decision: di as u32,
                        output: oi as u16,
                    },
                    out.ty.clone(),
                    first.span.to(out_name.span),
                );
                let walked = format!("{}.{}", first.name, out_name.name);
                (ir, out.optional, &p.segments[2..], walked)
            } else {
                let mut names: Vec<String> = self.env.schema_names().map(String::from).collect();
                names.extend(self.decisions.names().map(String::from));
                if let Some(Type::Enum(id)) = expected {
                    let def = self.env.enum_def(*id);
                    let help = match suggest(&first.name, &def.variants) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("expected one of: {}", def.variants.join(", ")),
                    };
                    let msg = format!(
                        "`{}` is not a variant of {}",
                        first.name,
                        self.show(&Type::Enum(*id))
                    );
                    self.diags.push(
                        Diagnostic::error(Code::UnknownName, msg)
                            .at(first.span)
                            .with_help(help),
                    );
                    return None;
                }
                let help = suggest_help(&first.name, names.iter(), "roots and decisions");
                self.diags.push(
                    Diagnostic::error(Code::UnknownName, format!("unknown name `{}`", first.name))
                        .at(first.span)
                        .with_help(help),
                );
                return None;
            };
        if optional && !rest.is_empty() && !g.has(&walked) {
            self.unguarded(&walked, span);
            return None;
        }
        while let Some(seg) = rest.first() {
            rest = &rest[1..];
            let here = ir.span.to(seg.span);
            let (next, opt) = match &ir.ty {
                Type::Record(sid) => {
                    let schema = self.env.schema(*sid);
                    let Some(fi) = schema.field_index(&seg.name) else {
                        let names: Vec<&str> =
                            schema.fields.iter().map(|f| f.name.as_str()).collect();
                        let msg = format!("unknown field `{}` on `{walked}`", seg.name);
                        let help = suggest_help(&seg.name, names.iter(), "its fields");
                        self.diags.push(
                            Diagnostic::error(Code::UnknownName, msg)
                                .at(seg.span)
                                .with_help(help),
                        );
                        return None;
                    };
                    let f = &schema.fields[fi];
                    let (ty, opt) = (f.ty.clone(), f.optional);
                    let kind = match ir.kind {
                        IrKind::Field { root, fields } => {
                            let mut v = fields.into_vec();
                            v.push(fi as u16);
                            IrKind::Field {
                                root,
                                fields: v.into(),
                            }
                        }
                        other => IrKind::Get {
                            base: Box::new(Ir {
                                kind: other,
                                ty: ir.ty.clone(),
                                span: ir.span,
                            }),
                            field: fi as u16,
                        },
                    };
                    (node(kind, ty, here), opt)
                }
                Type::Code(tid) => {
                    let table = self.env.table(*tid);
                    let Some(ai) = table.attribute(&seg.name) else {
                        let names: Vec<&str> =
                            table.attributes.iter().map(|a| a.name.as_str()).collect();
                        let msg = format!(
                            "codes of table `{}` have no attribute `{}`",
                            table.name, seg.name
                        );
                        let help = if names.is_empty() {
                            format!("table `{}` declares no attributes", table.name)
                        } else {
                            suggest_help(&seg.name, names.iter(), "its attributes")
                        };
                        self.diags.push(
                            Diagnostic::error(Code::UnknownName, msg)
                                .at(seg.span)
                                .with_help(help),
                        );
                        return None;
                    };
                    let a = &table.attributes[ai];
                    let (ty, opt, tid) = (a.ty.clone(), a.optional, *tid);
                    let kind = IrKind::Attr {
                        code: Box::new(ir),
                        table: tid,
                        attr: ai as u16,
                    };
                    (node(kind, ty, here), opt)
                }
                other => {
                    let msg = format!(
                        "`{walked}` is {}, which has no field `{}`",
                        self.show(other),
                        seg.name
                    );
                    return self.err(Code::UnknownName, seg.span, msg);
                }
            };
            walked.push('.');
            walked.push_str(&seg.name);
            ir = next;
            optional = opt;
            if optional && !rest.is_empty() && !g.has(&walked) && !in_has {
                self.unguarded(&walked, span);
                return None;
            }
        }
        if let IrKind::Field { fields, .. } = &ir.kind {
            if fields.is_empty() {
                let msg = format!(
                    "`{walked}` is a whole record; read one of its fields, e.g. `{walked}.{}`",
                    match &ir.ty {
                        Type::Record(s) => self
                            .env
                            .schema(*s)
                            .fields
                            .first()
                            .map(|f| f.name.clone())
                            .unwrap_or_default(),
                        _ => String::new(),
                    }
                );
                return self.err(Code::TypeMismatch, span, msg);
            }
        }
        if optional && !in_has && !g.has(&walked) {
            self.unguarded(&walked, span);
            return None;
        }
        ir.span = span;
        Some((ir, optional))
    }

    fn unguarded(&mut self, path: &str, span: Span) {
        self.diags.push(
            Diagnostic::error(
                Code::Unguarded,
                format!("optional `{path}` is read without a `has` guard"),
            )
            .at(span)
            .with_label("may be absent")
            .with_help(format!(
                "test it first: `has {path} and …` (or `not has {path} or …`)"
            )),
        );
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        expected: Option<&Type>,
        g: &Guards,
    ) -> Option<Ir> {
        let l = self.check(lhs, expected.filter(|_| op != BinOp::Div), g)?;
        let r = self.check(rhs, Some(&l.ty), g)?;
        use BinOp::*;
        use Type as T;
        let sym = match op {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
        };
        let out = match (op, &l.ty, &r.ty) {
            (Add | Sub, T::Int, T::Int) => Some(T::Int),
            (Add | Sub | Mul, a, b) if a.is_numeric() && b.is_numeric() => {
                Some(if *a == T::Percent && *b == T::Percent {
                    T::Percent
                } else if *a == T::Int && *b == T::Int {
                    T::Int
                } else {
                    T::Decimal
                })
            }
            (Div, a, b) if a.is_numeric() && b.is_numeric() => Some(T::Decimal),
            (Add | Sub, T::Money, T::Money) => {
                self.same_currency(lhs, rhs, span);
                Some(T::Money)
            }
            (Mul, T::Money, n) | (Mul, n, T::Money) if n.is_numeric() => Some(T::Money),
            (Div, T::Money, n) if n.is_numeric() => Some(T::Money),
            (Div, T::Money, T::Money) => {
                self.same_currency(lhs, rhs, span);
                Some(T::Decimal)
            }
            (Add | Sub, T::Date, T::Duration(_)) => Some(T::Date),
            (Add, T::Duration(_), T::Date) => Some(T::Date),
            (Add | Sub, T::DateTime, T::Duration(_)) => Some(T::DateTime),
            (Sub, T::Date, T::Date) | (Sub, T::DateTime, T::DateTime) => {
                Some(T::Duration(DurationKind::Exact))
            }
            (Add | Sub, T::Duration(a), T::Duration(b)) if a == b => Some(T::Duration(*a)),
            (Add | Sub, T::Duration(a), T::Duration(b)) => {
                let msg = format!(
                    "cannot {} a {} and a {}",
                    if op == Add { "add" } else { "subtract" },
                    self.show(&l.ty),
                    self.show(&r.ty)
                );
                self.diags.push(
                    Diagnostic::error(Code::DurationKinds, msg)
                        .at(span)
                        .with_help(duration_help(*a, *b)),
                );
                return None;
            }
            (Mul, T::Duration(k), n) | (Mul, n, T::Duration(k)) if n.is_numeric() => {
                Some(T::Duration(*k))
            }
            (Div, T::Duration(k), n) if n.is_numeric() => Some(T::Duration(*k)),
            (Div, T::Duration(a), T::Duration(b)) if a == b => Some(T::Decimal),
            (Add | Sub, T::Distance, T::Distance) => Some(T::Distance),
            (Mul, T::Distance, n) | (Mul, n, T::Distance) if n.is_numeric() => Some(T::Distance),
            (Div, T::Distance, n) if n.is_numeric() => Some(T::Distance),
            (Div, T::Distance, T::Distance) => Some(T::Decimal),
            _ => None,
        };
        match out {
            Some(ty) => Some(node(
                IrKind::Arith {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                },
                ty,
                span,
            )),
            None => {
                let msg = format!(
                    "`{sym}` does not apply to {} and {}",
                    self.show(&l.ty),
                    self.show(&r.ty)
                );
                self.err(Code::TypeMismatch, span, msg)
            }
        }
    }

    fn same_currency(&mut self, lhs: &Expr, rhs: &Expr, span: Span) {
        if let (Some(a), Some(b)) = (static_currency(lhs), static_currency(rhs)) {
            if a != b {
                self.diags.push(
                    Diagnostic::error(Code::CurrencyMix, format!("money in {a} and {b} combined"))
                        .at(span)
                        .with_help(
                            "amounts of different currencies cannot be added or compared; convert one first",
                        ),
                );
            }
        }
    }

    fn compare(&mut self, op: CmpOp, lhs: &Expr, rhs: &Expr, span: Span, g: &Guards) -> Option<Ir> {
        // type the side that is not a bare name / literal first, so that variants and
        // codes on the other side resolve against it
        let lhs_first = !is_contextual(lhs) || is_contextual(rhs);
        let (l, r) = if lhs_first {
            let l = self.check(lhs, None, g)?;
            let r = self.check(rhs, Some(&l.ty), g)?;
            (l, r)
        } else {
            let r = self.check(rhs, None, g)?;
            let l = self.check(lhs, Some(&r.ty), g)?;
            (l, r)
        };
        if let (Type::Duration(a), Type::Duration(b)) = (&l.ty, &r.ty) {
            if a != b {
                let msg = format!(
                    "cannot compare a {} with a {}",
                    self.show(&l.ty),
                    self.show(&r.ty)
                );
                self.diags.push(
                    Diagnostic::error(Code::DurationKinds, msg)
                        .at(span)
                        .with_help(duration_help(*a, *b)),
                );
                return None;
            }
        }
        if !comparable(&l.ty, &r.ty) {
            let msg = format!(
                "cannot compare {} with {}",
                self.show(&l.ty),
                self.show(&r.ty)
            );
            return self.err(Code::TypeMismatch, span, msg);
        }
        if !matches!(op, CmpOp::Eq | CmpOp::Ne) && !l.ty.is_ordered() {
            let msg = format!(
                "`{}` needs ordered values; {} has no order",
                op.symbol(),
                self.show(&l.ty)
            );
            return self.err(Code::TypeMismatch, span, msg);
        }
        if is_money_like(&l.ty) {
            self.same_currency(lhs, rhs, span);
        }
        Some(node(
            IrKind::Cmp {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            Type::Bool,
            span,
        ))
    }

    fn in_test(
        &mut self,
        value: &Expr,
        set: &Expr,
        negated: bool,
        span: Span,
        g: &Guards,
    ) -> Option<Ir> {
        let v = self.check(value, None, g)?;
        let set = match &set.kind {
            ExprKind::Range { lo, hi } => {
                if !v.ty.is_ordered() {
                    let msg = format!(
                        "a range needs ordered values; {} has no order",
                        self.show(&v.ty)
                    );
                    return self.err(Code::TypeMismatch, set.span, msg);
                }
                if let Type::Code(t) = v.ty {
                    InSet::Codes(self.code_range(t, lo, hi)?)
                } else {
                    let mut bounds = Vec::with_capacity(2);
                    for b in [lo, hi] {
                        let bt = self.check(b, Some(&v.ty), g)?;
                        if !comparable(&v.ty, &bt.ty) {
                            let msg = format!(
                                "range bound is {}, but the value tested is {}",
                                self.show(&bt.ty),
                                self.show(&v.ty)
                            );
                            return self.err(Code::TypeMismatch, b.span, msg);
                        }
                        bounds.push(bt);
                    }
                    let hi = bounds.pop()?;
                    let lo = bounds.pop()?;
                    InSet::Range(Box::new(lo), Box::new(hi))
                }
            }
            _ => {
                let want = Type::Set(Box::new(v.ty.clone()));
                let s = self.check(set, Some(&want), g)?;
                match &s.ty {
                    Type::Set(inner) if comparable(&v.ty, inner) => {}
                    Type::Set(inner) => {
                        let msg = format!(
                            "{} tested against a list of {}",
                            self.show(&v.ty),
                            self.show(inner)
                        );
                        return self.err(Code::TypeMismatch, set.span, msg);
                    }
                    other => {
                        let msg = format!(
                            "`in` needs a list, a range or a set, found {}",
                            self.show(other)
                        );
                        return self.err(Code::TypeMismatch, set.span, msg);
                    }
                }
                match s.kind {
                    IrKind::List(items) => InSet::List(items),
                    kind => InSet::Set(Box::new(Ir {
                        kind,
                        ty: s.ty,
                        span: s.span,
                    })),
                }
            }
        };
        Some(node(
            IrKind::In {
                negated,
                value: Box::new(v),
                set,
            },
            Type::Bool,
            span,
        ))
    }

    /// The declared codes of table `t` in the lexicographic range `lo..hi`; the bounds
    /// need only satisfy the table's format.
    fn code_range(&mut self, t: crate::types::TableId, lo: &Expr, hi: &Expr) -> Option<Arc<[u32]>> {
        let table = self.env.table(t);
        let mut bounds = Vec::with_capacity(2);
        for b in [lo, hi] {
            let text = match &b.kind {
                ExprKind::Literal(Literal::Code(c) | Literal::Text(c)) => c.clone(),
                _ => {
                    return self.err(
                        Code::TypeMismatch,
                        b.span,
                        "a code range is written with codes, e.g. `P0300..P0399`",
                    )
                }
            };
            if let Some(f) = &table.format {
                if !f.is_match(&text) {
                    let msg = format!(
                        "range bound `{text}` does not match the format of table `{}`",
                        table.name
                    );
                    return self.err(Code::CodeFormat, b.span, msg);
                }
            }
            bounds.push(text);
        }
        let (lo, hi) = (&bounds[0], &bounds[1]);
        let ids: Vec<u32> = table
            .codes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.code.as_str() >= lo.as_str() && c.code.as_str() <= hi.as_str())
            .map(|(i, _)| i as u32)
            .collect();
        Some(ids.into())
    }

    fn call(
        &mut self,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
        expected: Option<&Type>,
        g: &Guards,
    ) -> Option<Ir> {
        let arity = |n: usize, this: &mut Self| -> Option<()> {
            if args.len() != n {
                return this.err(
                    Code::Function,
                    span,
                    format!(
                        "`{}` takes {n} argument{}, found {}",
                        name.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                );
            }
            Some(())
        };
        let what = format!("`{}`", name.name);
        let (func, ty, irs) = match name.name.as_str() {
            "lower" | "upper" => {
                arity(1, self)?;
                let a = self.check_against(&args[0], &Type::Text, g, &what)?;
                let f = if name.name == "lower" {
                    Builtin::Lower
                } else {
                    Builtin::Upper
                };
                (f, Type::Text, vec![a])
            }
            "len" => {
                arity(1, self)?;
                let a = self.check(&args[0], None, g)?;
                if !matches!(a.ty, Type::Text | Type::Set(_)) {
                    let msg = format!("`len` needs text or a set, found {}", self.show(&a.ty));
                    return self.err(Code::TypeMismatch, args[0].span, msg);
                }
                (Builtin::Len, Type::Int, vec![a])
            }
            "starts_with" | "ends_with" => {
                arity(2, self)?;
                let a = self.check_against(&args[0], &Type::Text, g, &what)?;
                let b = self.check_against(&args[1], &Type::Text, g, &what)?;
                let f = if name.name == "starts_with" {
                    Builtin::StartsWith
                } else {
                    Builtin::EndsWith
                };
                (f, Type::Bool, vec![a, b])
            }
            "days_between" | "months_between" => {
                arity(2, self)?;
                let a = self.check_against(&args[0], &Type::Date, g, &what)?;
                let b = self.check_against(&args[1], &Type::Date, g, &what)?;
                let f = if name.name == "days_between" {
                    Builtin::DaysBetween
                } else {
                    Builtin::MonthsBetween
                };
                (f, Type::Int, vec![a, b])
            }
            "end_of_month" | "end_of_quarter" | "end_of_year" => {
                arity(1, self)?;
                let a = self.check_against(&args[0], &Type::Date, g, &what)?;
                let f = match name.name.as_str() {
                    "end_of_month" => Builtin::EndOfMonth,
                    "end_of_quarter" => Builtin::EndOfQuarter,
                    _ => Builtin::EndOfYear,
                };
                (f, Type::Date, vec![a])
            }
            "min" | "max" => {
                arity(2, self)?;
                let a = self.check(&args[0], expected, g)?;
                let b = self.check(&args[1], Some(&a.ty), g)?;
                if !comparable(&a.ty, &b.ty) || !a.ty.is_ordered() {
                    let msg = format!(
                        "`{}` needs two ordered values of one type, found {} and {}",
                        name.name,
                        self.show(&a.ty),
                        self.show(&b.ty)
                    );
                    return self.err(Code::TypeMismatch, span, msg);
                }
                if is_money_like(&a.ty) {
                    self.same_currency(&args[0], &args[1], span);
                }
                let ty = if a.ty == Type::Int && b.ty != Type::Int {
                    b.ty.clone()
                } else {
                    a.ty.clone()
                };
                let f = if name.name == "min" {
                    Builtin::Min
                } else {
                    Builtin::Max
                };
                (f, ty, vec![a, b])
            }
            "round" => {
                arity(2, self)?;
                let a = self.check(&args[0], expected, g)?;
                if !(a.ty.is_numeric() || a.ty == Type::Money) {
                    let msg = format!(
                        "`round` needs a number or money, found {}",
                        self.show(&a.ty)
                    );
                    return self.err(Code::TypeMismatch, args[0].span, msg);
                }
                let places = match &args[1].kind {
                    ExprKind::Literal(Literal::Int(n)) if (0..=28).contains(n) => *n,
                    _ => return self.err(
                        Code::Function,
                        args[1].span,
                        "`round` takes the number of decimal places as a whole number from 0 to 28",
                    ),
                };
                let ty = a.ty.clone();
                let p = node(IrKind::Const(Value::Int(places)), Type::Int, args[1].span);
                (Builtin::Round, ty, vec![a, p])
            }
            other => {
                self.diags.push(
                    Diagnostic::error(Code::Function, format!("unknown function `{other}`"))
                        .at(name.span)
                        .with_help(suggest_help(other, FUNCTIONS.iter(), "functions")),
                );
                return None;
            }
        };
        Some(node(
            IrKind::Call {
                func,
                args: irs.into(),
            },
            ty,
            span,
        ))
    }
}

/// An expression whose type depends on what it is compared with (a bare name that may
/// be a variant, or a code or string literal that may be a code).
fn is_contextual(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Path(p) => p.segments.len() == 1,
        ExprKind::Literal(Literal::Code(_) | Literal::Text(_)) => true,
        ExprKind::List(_) => true,
        _ => false,
    }
}

/// The currency of money built only from literals.
fn static_currency(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::Money { currency, .. }) => Some(currency.clone()),
        ExprKind::Neg(x) => static_currency(x),
        ExprKind::Binary { lhs, rhs, op } => match op {
            BinOp::Add | BinOp::Sub => {
                let a = static_currency(lhs);
                let b = static_currency(rhs);
                if a == b {
                    a
                } else {
                    None
                }
            }
            BinOp::Mul => static_currency(lhs).or_else(|| static_currency(rhs)),
            BinOp::Div => static_currency(lhs),
        },
        _ => None,
    }
}

fn duration_help(a: DurationKind, b: DurationKind) -> String {
    use DurationKind::*;
    match (a, b) {
        (Calendar, _) | (_, Calendar) => "months and years never mix with days or hours: compare dates instead, e.g. `claim.repair_date < product.in_service_date + 36 months`".into(),
        _ => "business time and exact time never mix: count both in one kind".into(),
    }
}

/// Whether a value of type `got` may stand where `want` is expected.
pub(crate) fn compatible(want: &Type, got: &Type) -> bool {
    match (want, got) {
        (a, b) if a == b => true,
        (_, Type::Any) | (Type::Any, _) => true,
        (Type::Decimal, Type::Int | Type::Percent) => true,
        (Type::Set(a), Type::Set(b)) => compatible(a, b),
        (Type::Label, Type::Enum(_)) => true,
        _ => false,
    }
}

/// Whether two types can be compared with `==` or `<`.
pub(crate) fn comparable(a: &Type, b: &Type) -> bool {
    compatible(a, b) || compatible(b, a) || (a.is_numeric() && b.is_numeric())
}
