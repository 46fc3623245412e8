//! Typing expressions (LANGUAGE.md §2, §4): name resolution through roots, nested records,
//! code attributes and decision outputs; `has` guards; operators and built-in functions;
//! static currency and duration-kind checks.

use super::{regex_of, suggest_help, Decisions};
use crate::diag::{suggest, Code, Diagnostic, Diagnostics, Span};
use crate::dsl::ast::{self, BinOp, CmpOp, Expr, ExprKind, Literal, Path, Unit};
use crate::types::{DurationKind, Env, Type};

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
];

fn is_money_like(t: &Type) -> bool {
    matches!(t, Type::Money)
}

impl<'a> Checker<'a> {
    fn err(&mut self, code: Code, span: Span, msg: impl Into<String>) -> Option<Type> {
        self.diags.push(Diagnostic::error(code, msg).at(span));
        None
    }

    fn show(&self, t: &Type) -> String {
        t.display(self.env).to_string()
    }

    /// Check `e` where a `bool` is expected.
    pub fn check_bool(&mut self, e: &Expr, g: &Guards) {
        if let Some(t) = self.check(e, Some(&Type::Bool), g) {
            if t != Type::Bool {
                let msg = format!("expected a condition (bool), found {}", self.show(&t));
                self.err(Code::TypeMismatch, e.span, msg);
            }
        }
    }

    /// Check `e` against an expected type, reporting a mismatch.
    pub fn check_against(&mut self, e: &Expr, want: &Type, g: &Guards, what: &str) -> Option<Type> {
        let t = self.check(e, Some(want), g)?;
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
        Some(t)
    }

    /// The type of `e`, or `None` after reporting why it has none. `expected` resolves
    /// bare enum variants and code literals.
    pub fn check(&mut self, e: &Expr, expected: Option<&Type>, g: &Guards) -> Option<Type> {
        match &e.kind {
            ExprKind::Literal(l) => self.literal(l, e.span, expected),
            ExprKind::Path(p) => self.path(p, expected, g, false),
            ExprKind::Has(p) => {
                let optional = self.path_optional(p);
                if optional == Some(false) {
                    self.diags.push(
                        Diagnostic::warning(
                            Code::HasRequired,
                            format!("`has {}` is always true: the field is required", p.dotted()),
                        )
                        .at(e.span)
                        .with_help("remove the test"),
                    );
                }
                Some(Type::Bool)
            }
            ExprKind::Not(x) => {
                self.check_bool(x, g);
                Some(Type::Bool)
            }
            ExprKind::And(items) => {
                let mut g = g.clone();
                for i in items {
                    self.check_bool(i, &g);
                    guards_when_true(i, &mut g);
                }
                Some(Type::Bool)
            }
            ExprKind::Or(items) => {
                let mut g = g.clone();
                for i in items {
                    self.check_bool(i, &g);
                    // `not has p or E` guards p in E
                    if let ExprKind::Not(inner) = &i.kind {
                        if let ExprKind::Has(p) = &inner.kind {
                            g.add(p.dotted());
                        }
                    }
                }
                Some(Type::Bool)
            }
            ExprKind::List(items) => {
                let want_elem = match expected {
                    Some(Type::Set(inner)) => Some(inner.as_ref().clone()),
                    _ => None,
                };
                let mut elem: Option<Type> = want_elem.clone();
                for i in items {
                    let t = self.check(i, elem.as_ref(), g)?;
                    match &elem {
                        None | Some(Type::Any) => elem = Some(t),
                        Some(have) if compatible(have, &t) => {}
                        Some(have) => {
                            let msg = format!(
                                "list elements must have one type: {} and {}",
                                self.show(have),
                                self.show(&t)
                            );
                            return self.err(Code::TypeMismatch, i.span, msg);
                        }
                    }
                }
                Some(Type::Set(Box::new(elem.unwrap_or(Type::Any))))
            }
            ExprKind::Range { lo, .. } => self.err(
                Code::TypeMismatch,
                lo.span,
                "a range `a..b` can only follow `in`",
            ),
            ExprKind::Neg(x) => {
                let t = self.check(x, expected, g)?;
                match t {
                    Type::Int | Type::Decimal | Type::Percent | Type::Money | Type::Distance => {
                        Some(t)
                    }
                    Type::Duration(_) => Some(t),
                    other => {
                        let msg = format!("cannot negate {}", self.show(&other));
                        self.err(Code::TypeMismatch, e.span, msg)
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, expected, g),
            ExprKind::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs, e.span, g),
            ExprKind::In { value, set, .. } => self.in_test(value, set, g),
            ExprKind::Matches { value, regex } => {
                let t = self.check(value, None, g)?;
                if !matches!(t, Type::Text | Type::Code(_)) {
                    let msg = format!("`matches` needs text, found {}", self.show(&t));
                    self.err(Code::TypeMismatch, value.span, msg);
                }
                regex_of(regex, self.diags);
                Some(Type::Bool)
            }
            ExprKind::Contains { container, item } => {
                let t = self.check(container, None, g)?;
                match t {
                    Type::Text => {
                        self.check_against(item, &Type::Text, g, "`contains` on text")?;
                    }
                    Type::Set(inner) => {
                        self.check_against(item, &inner, g, "`contains` on this set")?;
                    }
                    other => {
                        let msg = format!(
                            "`contains` needs a set or text on its left, found {}",
                            self.show(&other)
                        );
                        return self.err(Code::TypeMismatch, container.span, msg);
                    }
                }
                Some(Type::Bool)
            }
            ExprKind::Call { name, args } => self.call(name, args, e.span, expected, g),
        }
    }

    fn literal(&mut self, l: &Literal, span: Span, expected: Option<&Type>) -> Option<Type> {
        Some(match l {
            Literal::Bool(_) => Type::Bool,
            Literal::Int(_) => Type::Int,
            Literal::Decimal(_) => Type::Decimal,
            Literal::Percent(_) => Type::Percent,
            Literal::Money { currency, .. } => {
                if crate::value::Currency::new(currency).is_none() {
                    return self.err(Code::TypeMismatch, span, "unknown currency");
                }
                Type::Money
            }
            Literal::Quantity { unit, value } => match unit {
                Unit::Km | Unit::Mi => Type::Distance,
                Unit::Month | Unit::Year => {
                    let _ = value;
                    Type::Duration(DurationKind::Calendar)
                }
                Unit::BusinessDay | Unit::BusinessHour => Type::Duration(DurationKind::Business),
                _ => Type::Duration(DurationKind::Exact),
            },
            Literal::Date(_) => Type::Date,
            Literal::DateTime(_) => Type::DateTime,
            Literal::Clock(_) | Literal::Opening(..) => {
                return self.err(
                    Code::TypeMismatch,
                    span,
                    "a time of day only appears in a calendar's `hours`",
                )
            }
            Literal::Text(t) => match expected {
                Some(Type::Code(table)) => return self.code_literal(t, *table, span),
                _ => Type::Text,
            },
            Literal::Code(c) => match expected {
                Some(Type::Code(table)) => return self.code_literal(c, *table, span),
                Some(Type::Label) => Type::Label,
                _ => {
                    return self.err(
                        Code::TypeMismatch,
                        span,
                        format!(
                            "the code `{c}` is not compared with a code field here, so its table is unknown"
                        ),
                    )
                }
            },
        })
    }

    /// A code literal resolved against its table: it must exist and match the format.
    fn code_literal(
        &mut self,
        code: &str,
        table: crate::types::TableId,
        span: Span,
    ) -> Option<Type> {
        let t = self.env.table(table);
        if t.code(code).is_some() {
            return Some(Type::Code(table));
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

    /// Whether a path ends in an optional field (`None` if it does not resolve).
    fn path_optional(&mut self, p: &Path) -> Option<bool> {
        let mut diags = Diagnostics::new();
        let mut inner = Checker {
            env: self.env,
            decisions: self.decisions,
            reads: Vec::new(),
            diags: &mut diags,
        };
        let r = inner.resolve(p, None, &Guards::default(), true);
        let reads = std::mem::take(&mut inner.reads);
        if diags.has_errors() {
            self.diags.extend(diags);
            return None;
        }
        self.reads.extend(reads);
        r.map(|(_, opt)| opt)
    }

    fn path(
        &mut self,
        p: &Path,
        expected: Option<&Type>,
        g: &Guards,
        in_has: bool,
    ) -> Option<Type> {
        self.resolve(p, expected, g, in_has).map(|(t, _)| t)
    }

    /// Resolve a path to its type and whether its last step is optional. Reading an
    /// optional step without a guard is reported unless `in_has`.
    fn resolve(
        &mut self,
        p: &Path,
        expected: Option<&Type>,
        g: &Guards,
        in_has: bool,
    ) -> Option<(Type, bool)> {
        let first = p.segments.first()?;
        // a bare variant of the expected enum
        if p.segments.len() == 1 {
            if let Some(Type::Enum(id)) = expected {
                if self.env.enum_def(*id).variant(&first.name).is_some() {
                    return Some((Type::Enum(*id), false));
                }
            }
            if let Some(Type::Set(inner)) = expected {
                if let Type::Enum(id) = inner.as_ref() {
                    if self.env.enum_def(*id).variant(&first.name).is_some() {
                        return Some((Type::Enum(*id), false));
                    }
                }
            }
            if matches!(expected, Some(Type::Label)) {
                return Some((Type::Label, false));
            }
        }
        let (mut ty, mut optional, mut rest) = if let Some(sid) = self.env.schema_id(&first.name) {
            (Type::Record(sid), false, &p.segments[1..])
        } else if let Some(di) = self.decisions.index(&first.name) {
            let Some(out_name) = p.segments.get(1) else {
                return self
                    .err(
                        Code::UnknownName,
                        first.span,
                        format!(
                            "`{}` is a decision; read one of its outputs, e.g. `{}.{}`",
                            first.name,
                            first.name,
                            self.decisions
                                .get(di)
                                .outputs
                                .first()
                                .map(|o| o.name.as_str())
                                .unwrap_or("…")
                        ),
                    )
                    .map(|t| (t, false));
            };
            let d = self.decisions.get(di);
            let Some(out) = d.outputs.iter().find(|o| o.name == out_name.name) else {
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
            self.reads.push((di, p.span));
            (out.ty.clone(), out.optional, &p.segments[2..])
        } else {
            let mut names: Vec<String> = self.env.schema_names().map(String::from).collect();
            names.extend(self.decisions.names().map(String::from));
            let mut help = suggest_help(&first.name, names.iter(), "roots and decisions");
            if let Some(Type::Enum(id)) = expected {
                let def = self.env.enum_def(*id);
                help = match suggest(&first.name, &def.variants) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expected one of: {}", def.variants.join(", ")),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!(
                            "`{}` is not a variant of {}",
                            first.name,
                            self.show(&Type::Enum(*id))
                        ),
                    )
                    .at(first.span)
                    .with_help(help),
                );
                return None;
            }
            self.diags.push(
                Diagnostic::error(Code::UnknownName, format!("unknown name `{}`", first.name))
                    .at(first.span)
                    .with_help(help),
            );
            return None;
        };
        let mut walked = match self.decisions.index(&first.name) {
            Some(_) if self.env.schema_id(&first.name).is_none() => {
                format!("{}.{}", first.name, p.segments[1].name)
            }
            _ => first.name.clone(),
        };
        if optional && !rest.is_empty() && !g.has(&walked) {
            self.unguarded(&walked, p.span);
            return None;
        }
        while let Some(seg) = rest.first() {
            rest = &rest[1..];
            let (next, opt) = match &ty {
                Type::Record(sid) => {
                    let schema = self.env.schema(*sid);
                    match schema.field(&seg.name) {
                        Some(f) => (f.ty.clone(), f.optional),
                        None => {
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
                        }
                    }
                }
                Type::Code(tid) => {
                    let table = self.env.table(*tid);
                    match table.attribute(&seg.name) {
                        Some(i) => (table.attributes[i].ty.clone(), table.attributes[i].optional),
                        None => {
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
                        }
                    }
                }
                other => {
                    let msg = format!(
                        "`{walked}` is {}, which has no field `{}`",
                        self.show(other),
                        seg.name
                    );
                    return self
                        .err(Code::UnknownName, seg.span, msg)
                        .map(|t| (t, false));
                }
            };
            walked.push('.');
            walked.push_str(&seg.name);
            ty = next;
            optional = opt;
            if optional && !rest.is_empty() && !g.has(&walked) && !in_has {
                self.unguarded(&walked, p.span);
                return None;
            }
        }
        if optional && !in_has && !g.has(&walked) {
            self.unguarded(&walked, p.span);
            return None;
        }
        Some((ty, optional))
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
    ) -> Option<Type> {
        let l = self.check(lhs, expected.filter(|_| op != BinOp::Div), g)?;
        let r = self.check(rhs, Some(&l), g)?;
        use BinOp::*;
        use Type as T;
        let sym = match op {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
        };
        let out = match (op, &l, &r) {
            (Add | Sub, T::Int, T::Int) => Some(T::Int),
            (Add | Sub | Mul, a, b) if a.is_numeric() && b.is_numeric() => {
                Some(if *a == T::Percent && *b == T::Percent {
                    T::Percent
                } else {
                    T::Decimal
                })
            }
            (Mul, T::Int, T::Int) => Some(T::Int),
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
            (Add | Sub, T::DateTime, T::Duration(k)) if *k != DurationKind::Calendar => {
                Some(T::DateTime)
            }
            (Add | Sub, T::DateTime, T::Duration(DurationKind::Calendar)) => Some(T::DateTime),
            (Sub, T::Date, T::Date) | (Sub, T::DateTime, T::DateTime) => {
                Some(T::Duration(DurationKind::Exact))
            }
            (Add | Sub, T::Duration(a), T::Duration(b)) if a == b => Some(T::Duration(*a)),
            (Add | Sub, T::Duration(a), T::Duration(b)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::DurationKinds,
                        format!(
                            "cannot {} a {} and a {}",
                            if op == Add { "add" } else { "subtract" },
                            self.show(&l),
                            self.show(&r)
                        ),
                    )
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
            Some(t) => Some(t),
            None => {
                let msg = format!(
                    "`{sym}` does not apply to {} and {}",
                    self.show(&l),
                    self.show(&r)
                );
                self.err(Code::TypeMismatch, span, msg)
            }
        }
    }

    fn same_currency(&mut self, lhs: &Expr, rhs: &Expr, span: Span) {
        if let (Some(a), Some(b)) = (static_currency(lhs), static_currency(rhs)) {
            if a != b {
                self.diags.push(
                    Diagnostic::error(
                        Code::CurrencyMix,
                        format!("money in {a} and {b} combined"),
                    )
                    .at(span)
                    .with_help("amounts of different currencies cannot be added or compared; convert one first"),
                );
            }
        }
    }

    fn compare(
        &mut self,
        op: CmpOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        g: &Guards,
    ) -> Option<Type> {
        // type the side that is not a bare name / literal first, so that variants and
        // codes on the other side resolve against it
        let lhs_first = !is_contextual(lhs) || is_contextual(rhs);
        let (l, r) = if lhs_first {
            let l = self.check(lhs, None, g)?;
            let r = self.check(rhs, Some(&l), g)?;
            (l, r)
        } else {
            let r = self.check(rhs, None, g)?;
            let l = self.check(lhs, Some(&r), g)?;
            (l, r)
        };
        if let (Type::Duration(a), Type::Duration(b)) = (&l, &r) {
            if a != b {
                self.diags.push(
                    Diagnostic::error(
                        Code::DurationKinds,
                        format!(
                            "cannot compare a {} with a {}",
                            self.show(&l),
                            self.show(&r)
                        ),
                    )
                    .at(span)
                    .with_help(duration_help(*a, *b)),
                );
                return None;
            }
        }
        if !comparable(&l, &r) {
            let msg = format!("cannot compare {} with {}", self.show(&l), self.show(&r));
            return self.err(Code::TypeMismatch, span, msg);
        }
        if !matches!(op, CmpOp::Eq | CmpOp::Ne) && !l.is_ordered() {
            let msg = format!(
                "`{}` needs ordered values; {} has no order",
                op.symbol(),
                self.show(&l)
            );
            return self.err(Code::TypeMismatch, span, msg);
        }
        if is_money_like(&l) {
            self.same_currency(lhs, rhs, span);
        }
        Some(Type::Bool)
    }

    fn in_test(&mut self, value: &Expr, set: &Expr, g: &Guards) -> Option<Type> {
        let v = self.check(value, None, g)?;
        match &set.kind {
            ExprKind::Range { lo, hi } => {
                if !v.is_ordered() {
                    let msg = format!(
                        "a range needs ordered values; {} has no order",
                        self.show(&v)
                    );
                    return self.err(Code::TypeMismatch, set.span, msg);
                }
                for b in [lo, hi] {
                    // code range bounds need only satisfy the format
                    if let (Type::Code(t), ExprKind::Literal(Literal::Code(c) | Literal::Text(c))) =
                        (&v, &b.kind)
                    {
                        let table = self.env.table(*t);
                        if let Some(f) = &table.format {
                            if !f.is_match(c) {
                                let msg = format!(
                                    "range bound `{c}` does not match the format of table `{}`",
                                    table.name
                                );
                                self.err(Code::CodeFormat, b.span, msg);
                            }
                        }
                        continue;
                    }
                    let bt = self.check(b, Some(&v), g)?;
                    if !comparable(&v, &bt) {
                        let msg = format!(
                            "range bound is {}, but the value tested is {}",
                            self.show(&bt),
                            self.show(&v)
                        );
                        self.err(Code::TypeMismatch, b.span, msg);
                    }
                }
            }
            _ => {
                let want = Type::Set(Box::new(v.clone()));
                let s = self.check(set, Some(&want), g)?;
                match &s {
                    Type::Set(inner) if comparable(&v, inner) => {}
                    Type::Set(inner) => {
                        let msg = format!(
                            "{} tested against a list of {}",
                            self.show(&v),
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
            }
        }
        Some(Type::Bool)
    }

    fn call(
        &mut self,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
        expected: Option<&Type>,
        g: &Guards,
    ) -> Option<Type> {
        let arity = |n: usize, this: &mut Self| -> Option<()> {
            if args.len() != n {
                this.err(
                    Code::Function,
                    span,
                    format!(
                        "`{}` takes {n} argument{}, found {}",
                        name.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                );
                return None;
            }
            Some(())
        };
        match name.name.as_str() {
            "lower" | "upper" => {
                arity(1, self)?;
                self.check_against(&args[0], &Type::Text, g, &format!("`{}`", name.name))?;
                Some(Type::Text)
            }
            "len" => {
                arity(1, self)?;
                let t = self.check(&args[0], None, g)?;
                if !matches!(t, Type::Text | Type::Set(_)) {
                    let msg = format!("`len` needs text or a set, found {}", self.show(&t));
                    return self.err(Code::TypeMismatch, args[0].span, msg);
                }
                Some(Type::Int)
            }
            "starts_with" | "ends_with" => {
                arity(2, self)?;
                self.check_against(&args[0], &Type::Text, g, &format!("`{}`", name.name))?;
                self.check_against(&args[1], &Type::Text, g, &format!("`{}`", name.name))?;
                Some(Type::Bool)
            }
            "days_between" | "months_between" => {
                arity(2, self)?;
                self.check_against(&args[0], &Type::Date, g, &format!("`{}`", name.name))?;
                self.check_against(&args[1], &Type::Date, g, &format!("`{}`", name.name))?;
                Some(Type::Int)
            }
            "min" | "max" => {
                arity(2, self)?;
                let a = self.check(&args[0], expected, g)?;
                let b = self.check(&args[1], Some(&a), g)?;
                if !comparable(&a, &b) || !a.is_ordered() {
                    let msg = format!(
                        "`{}` needs two ordered values of one type, found {} and {}",
                        name.name,
                        self.show(&a),
                        self.show(&b)
                    );
                    return self.err(Code::TypeMismatch, span, msg);
                }
                if is_money_like(&a) {
                    self.same_currency(&args[0], &args[1], span);
                }
                Some(if a == Type::Int && b != Type::Int {
                    b
                } else {
                    a
                })
            }
            "round" => {
                arity(2, self)?;
                let t = self.check(&args[0], expected, g)?;
                if !(t.is_numeric() || t == Type::Money) {
                    let msg = format!("`round` needs a number or money, found {}", self.show(&t));
                    return self.err(Code::TypeMismatch, args[0].span, msg);
                }
                match &args[1].kind {
                    ExprKind::Literal(Literal::Int(n)) if (0..=28).contains(n) => {}
                    _ => return self.err(
                        Code::Function,
                        args[1].span,
                        "`round` takes the number of decimal places as a whole number from 0 to 28",
                    ),
                }
                Some(t)
            }
            other => {
                self.diags.push(
                    Diagnostic::error(Code::Function, format!("unknown function `{other}`"))
                        .at(name.span)
                        .with_help(suggest_help(other, FUNCTIONS.iter(), "functions")),
                );
                None
            }
        }
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
