//! Conditions and values of the rules in plain English, for the booklet.

use crate::dsl::ast::{BinOp, CmpOp, Expr, ExprKind, Literal, Path, Unit};
use rust_decimal::Decimal;

/// `100000` as `100,000`; decimals keep their fraction.
pub(crate) fn number(d: Decimal) -> String {
    let d = d.normalize();
    let text = d.abs().to_string();
    let (whole, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    // separators from five digits on: "100,000 miles", but "2023" and "1000"
    let grouped = whole.len() > 4;
    for (k, c) in whole.chars().enumerate() {
        if grouped && k > 0 && (whole.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if d.is_sign_negative() {
        format!("-{out}")
    } else {
        out
    }
}

/// A quantity in words: `36 months` as "3 years", `100_000 mi` as "100,000 miles".
pub(crate) fn quantity(value: Decimal, unit: Unit) -> String {
    let plural = |one: &str, many: &str| {
        if value == Decimal::ONE {
            format!("1 {one}")
        } else {
            format!("{} {many}", number(value))
        }
    };
    match unit {
        Unit::Month if value >= Decimal::from(12) && (value % Decimal::from(12)).is_zero() => {
            let years = value / Decimal::from(12);
            if years == Decimal::ONE {
                "1 year".into()
            } else {
                format!("{} years", number(years))
            }
        }
        Unit::Minute => plural("minute", "minutes"),
        Unit::Hour => plural("hour", "hours"),
        Unit::Day => plural("day", "days"),
        Unit::Week => plural("week", "weeks"),
        Unit::Month => plural("month", "months"),
        Unit::Year => plural("year", "years"),
        Unit::BusinessDay => plural("business day", "business days"),
        Unit::BusinessHour => plural("business hour", "business hours"),
        Unit::Km => plural("kilometre", "kilometres"),
        Unit::Mi => plural("mile", "miles"),
    }
}

/// A name as words: `service_plan` as "service plan" (and the prelude's dates as nouns:
/// `delivered_on` as "delivery").
pub(crate) fn words(name: &str) -> String {
    match name {
        "delivered_on" => "delivery".into(),
        "requested_on" => "request".into(),
        "in_service_date" => "in-service date".into(),
        "sublet" => "sublet work".into(),
        "determined_on" => "defect determination".into(),
        "determined_at" => "moment of the defect determination".into(),
        "part_573_filed_on" => "Part 573 filing".into(),
        "regulated_as" => "regulatory regime".into(),
        "remedial_action" => "need for remedial action".into(),
        _ => name.replace('_', " "),
    }
}

/// A path as words: `product.make` as "the make", `claim.fault.system` as "the fault's
/// system", `context.today` as "the day".
pub(crate) fn path(p: &Path) -> String {
    let names: Vec<&str> = p.segments.iter().map(|s| s.name.as_str()).collect();
    match names.as_slice() {
        ["context", "today"] => "today".into(),
        ["context", "now"] => "now".into(),
        [_root, rest @ ..] if !rest.is_empty() => {
            let parts: Vec<String> = rest.iter().map(|s| words(s)).collect();
            format!("the {}", parts.join("'s "))
        }
        [one] => words(one),
        _ => String::new(),
    }
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Literal::Int(i) => number(Decimal::from(*i)),
        Literal::Decimal(d) => number(*d),
        Literal::Percent(p) => format!("{}%", number(*p * Decimal::ONE_HUNDRED)),
        Literal::Money { currency, amount } => {
            let m = crate::value::Money::parse(&format!("{currency} {amount}"));
            m.map_or_else(|| format!("{currency} {amount}"), |m| m.to_string())
        }
        Literal::Quantity { value, unit } => quantity(*value, *unit),
        Literal::Date(d) => d.format("%B %-d, %Y").to_string(),
        Literal::DateTime(t) => t.to_rfc3339(),
        Literal::Clock(t) => t.format("%H:%M").to_string(),
        Literal::Opening(a, b) => format!("{}–{}", a.format("%H:%M"), b.format("%H:%M")),
        Literal::Text(t) => format!("“{t}”"),
        Literal::Code(c) => c.clone(),
    }
}

/// A list of words joined as English does: "a", "a and b", "a, b and c".
pub(crate) fn join(items: &[String], conj: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }
}

/// A value (an operand) in words.
pub(crate) fn value(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Path(p) => path(p),
        ExprKind::List(items) => join(&items.iter().map(value).collect::<Vec<_>>(), "or"),
        ExprKind::Range { lo, hi } => format!("from {} to {}", value(lo), value(hi)),
        ExprKind::Neg(x) => format!("minus {}", value(x)),
        ExprKind::Binary { op, lhs, rhs } => {
            let op = match op {
                BinOp::Add => "plus",
                BinOp::Sub => "minus",
                BinOp::Mul => "times",
                BinOp::Div => "divided by",
            };
            format!("{} {op} {}", value(lhs), value(rhs))
        }
        ExprKind::Call { name, args } => match (name.name.as_str(), args.as_slice()) {
            ("days_between", [a, b]) => format!("the days from {} to {}", value(a), value(b)),
            ("end_of_month" | "end_of_quarter" | "end_of_year", [a]) => {
                let period = name.name.trim_start_matches("end_of_");
                match &a.kind {
                    ExprKind::Path(p) if p.dotted() == "context.today" => {
                        format!("the end of the current {period}")
                    }
                    _ => format!("the end of the {period} of {}", value(a)),
                }
            }
            (f, args) => format!(
                "{}({})",
                words(f),
                args.iter().map(value).collect::<Vec<_>>().join(", ")
            ),
        },
        _ => condition(e),
    }
}

/// The paths a condition tests with more than `has`.
fn tested(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Path(p) => out.push(p.dotted()),
        ExprKind::Compare { lhs, rhs, .. } | ExprKind::Binary { lhs, rhs, .. } => {
            tested(lhs, out);
            tested(rhs, out);
        }
        ExprKind::In { value, set, .. } => {
            tested(value, out);
            tested(set, out);
        }
        ExprKind::Matches { value, .. } => tested(value, out),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| tested(a, out)),
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().for_each(|x| tested(x, out)),
        _ => {}
    }
}

/// A condition in words. `has x` next to a test of `x` is left out (the test says it).
pub(crate) fn condition(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Compare { op, lhs, rhs } => {
            // `days_between(X, today) <= N`: "within N days of X"
            if let (ExprKind::Call { name, args }, CmpOp::Le | CmpOp::Lt) = (&lhs.kind, op) {
                if let ("days_between", [from, to]) = (name.name.as_str(), args.as_slice()) {
                    if matches!(&to.kind, ExprKind::Path(p) if p.dotted() == "context.today") {
                        return format!("within {} days of {}", value(rhs), value(from));
                    }
                }
            }
            let op = match op {
                CmpOp::Eq => "is",
                CmpOp::Ne => "is not",
                CmpOp::Lt => "is less than",
                CmpOp::Le => "is at most",
                CmpOp::Gt => "is more than",
                CmpOp::Ge => "is at least",
            };
            format!("{} {op} {}", value(lhs), value(rhs))
        }
        ExprKind::In {
            negated,
            value: v,
            set,
        } => {
            let not = if *negated { " not" } else { "" };
            match &set.kind {
                ExprKind::Range { .. } => format!("{} is{not} {}", value(v), value(set)),
                ExprKind::List(items) => {
                    let items: Vec<String> = items.iter().map(value).collect();
                    format!("{} is{not} {}", value(v), join(&items, "or"))
                }
                _ => format!("{} is{not} one of {}", value(v), value(set)),
            }
        }
        ExprKind::Matches { value: v, regex } => {
            format!("{} matches the pattern /{}/", value(v), regex.pattern)
        }
        ExprKind::Contains { container, item } => {
            format!("{} includes {}", value(container), value(item))
        }
        ExprKind::Has(p) => format!("{} is given", path(p)),
        ExprKind::Not(x) => match &x.kind {
            ExprKind::Has(p) => format!("{} is not given", path(p)),
            ExprKind::Path(p) => format!("there is no {}", path(p).trim_start_matches("the ")),
            _ => format!("not ({})", condition(x)),
        },
        ExprKind::And(xs) => {
            let mut used = Vec::new();
            for x in xs {
                if !matches!(x.kind, ExprKind::Has(_)) {
                    tested(x, &mut used);
                }
            }
            let parts: Vec<String> = xs
                .iter()
                .filter(|x| !matches!(&x.kind, ExprKind::Has(p) if used.contains(&p.dotted())))
                .map(|x| match &x.kind {
                    ExprKind::Or(_) => format!("({})", condition(x)),
                    _ => condition(x),
                })
                .collect();
            join(&parts, "and")
        }
        ExprKind::Or(xs) => {
            let parts: Vec<String> = xs
                .iter()
                .map(|x| match &x.kind {
                    ExprKind::And(_) => format!("({})", condition(x)),
                    _ => condition(x),
                })
                .collect();
            join(&parts, "or")
        }
        ExprKind::Literal(Literal::Bool(true)) => "always".into(),
        _ => value(e),
    }
}
