//! Operations on values: exact arithmetic, date and duration arithmetic, comparisons.
//! Every operation checks for overflow; none panics.

use crate::dsl::ast::{BinOp, DistanceUnit};
use crate::value::{Distance, Duration, Money, TimeUnit, Value};
use chrono::{Months, NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// Why an operation failed (the interpreter adds the rule and span).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OpError {
    DivisionByZero,
    CurrencyMix(String, String),
    Overflow(&'static str),
    NeedsCalendar,
    /// Operands of types the checker would have refused.
    Type,
}

type R = Result<Value, OpError>;

/// A number as a decimal (ints, decimals and percents mix as decimals).
fn num(v: &Value) -> Option<Decimal> {
    match v {
        Value::Int(i) => Some(Decimal::from(*i)),
        Value::Decimal(d) | Value::Percent(d) => Some(*d),
        _ => None,
    }
}

fn dec_op(op: BinOp, a: Decimal, b: Decimal) -> Result<Decimal, OpError> {
    let r = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div => {
            if b.is_zero() {
                return Err(OpError::DivisionByZero);
            }
            a.checked_div(b)
        }
    };
    r.ok_or(OpError::Overflow("number"))
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Add whole months, clamping to the end of the month (2020-02-29 + 60 months = 2025-02-28).
pub(crate) fn add_months(d: NaiveDate, months: i64) -> Option<NaiveDate> {
    let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        d.checked_add_months(m)
    } else {
        d.checked_sub_months(m)
    }
}

/// A date moved by an exact duration: whole days count; a part of a day is dropped.
fn add_exact_to_date(d: NaiveDate, seconds: Decimal, sign: i64) -> Option<NaiveDate> {
    let days = (seconds / Decimal::from(SECONDS_PER_DAY)).trunc();
    let days = i64::try_from(days).ok()?.checked_mul(sign)?;
    d.checked_add_signed(TimeDelta::try_days(days)?)
}

fn time_delta(seconds: Decimal) -> Option<TimeDelta> {
    let nanos = seconds.checked_mul(Decimal::from(1_000_000_000))?.trunc();
    Some(TimeDelta::nanoseconds(i64::try_from(nanos).ok()?))
}

/// `a op b` for values the checker has typed.
pub(crate) fn arith(op: BinOp, a: &Value, b: &Value) -> R {
    use Value as V;
    match (a, b) {
        (V::Int(x), V::Int(y)) if op != BinOp::Div => {
            let r = match op {
                BinOp::Add => x.checked_add(*y),
                BinOp::Sub => x.checked_sub(*y),
                _ => x.checked_mul(*y),
            };
            r.map(V::Int).ok_or(OpError::Overflow("integer"))
        }
        (V::Percent(x), V::Percent(y)) if op != BinOp::Div => dec_op(op, *x, *y).map(V::Percent),
        (V::Money(m), V::Money(n)) => {
            if m.currency != n.currency {
                return Err(OpError::CurrencyMix(
                    m.currency.to_string(),
                    n.currency.to_string(),
                ));
            }
            match op {
                BinOp::Add | BinOp::Sub => Ok(V::Money(Money {
                    currency: m.currency,
                    amount: dec_op(op, m.amount, n.amount)?,
                })),
                BinOp::Div => dec_op(op, m.amount, n.amount).map(V::Decimal),
                BinOp::Mul => Err(OpError::Type),
            }
        }
        (V::Money(m), n) if num(n).is_some() && matches!(op, BinOp::Mul | BinOp::Div) => {
            Ok(V::Money(Money {
                currency: m.currency,
                amount: dec_op(op, m.amount, num(n).ok_or(OpError::Type)?)?,
            }))
        }
        (n, V::Money(m)) if num(n).is_some() && op == BinOp::Mul => Ok(V::Money(Money {
            currency: m.currency,
            amount: dec_op(op, num(n).ok_or(OpError::Type)?, m.amount)?,
        })),
        (V::Date(d), V::Duration(dur)) | (V::Duration(dur), V::Date(d))
            if matches!(op, BinOp::Add | BinOp::Sub) =>
        {
            let sign = if op == BinOp::Sub { -1 } else { 1 };
            let r = match dur {
                Duration::Months(m, _) => {
                    add_months(*d, m.checked_mul(sign).ok_or(OpError::Overflow("date"))?)
                }
                Duration::Exact(s, _) => add_exact_to_date(*d, *s, sign),
                Duration::BusinessDays(_) | Duration::BusinessHours(_) => {
                    return Err(OpError::NeedsCalendar)
                }
            };
            r.map(V::Date).ok_or(OpError::Overflow("date"))
        }
        (V::DateTime(t), V::Duration(dur)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            let r = match dur {
                Duration::Exact(s, _) => time_delta(*s).and_then(|delta| {
                    if op == BinOp::Add {
                        t.checked_add_signed(delta)
                    } else {
                        t.checked_sub_signed(delta)
                    }
                }),
                Duration::Months(m, _) => {
                    let signed = if op == BinOp::Sub {
                        m.checked_neg()
                    } else {
                        Some(*m)
                    };
                    let signed = signed.ok_or(OpError::Overflow("date"))?;
                    let months = Months::new(
                        u32::try_from(signed.unsigned_abs())
                            .map_err(|_| OpError::Overflow("date"))?,
                    );
                    if signed >= 0 {
                        t.checked_add_months(months)
                    } else {
                        t.checked_sub_months(months)
                    }
                }
                _ => return Err(OpError::NeedsCalendar),
            };
            r.map(V::DateTime).ok_or(OpError::Overflow("date"))
        }
        (V::Date(x), V::Date(y)) if op == BinOp::Sub => {
            let days = (*x - *y).num_days();
            Ok(V::Duration(Duration::Exact(
                Decimal::from(days)
                    .checked_mul(Decimal::from(SECONDS_PER_DAY))
                    .ok_or(OpError::Overflow("duration"))?,
                TimeUnit::Auto,
            )))
        }
        (V::DateTime(x), V::DateTime(y)) if op == BinOp::Sub => {
            let d = *x - *y;
            let nanos = d.num_nanoseconds().ok_or(OpError::Overflow("duration"))?;
            Ok(V::Duration(Duration::Exact(
                Decimal::new(nanos, 9).normalize(),
                TimeUnit::Auto,
            )))
        }
        (V::Duration(x), V::Duration(y)) => duration_op(op, x, y),
        (V::Duration(x), n) if num(n).is_some() && matches!(op, BinOp::Mul | BinOp::Div) => {
            scale_duration(op, x, num(n).ok_or(OpError::Type)?)
        }
        (n, V::Duration(x)) if num(n).is_some() && op == BinOp::Mul => {
            scale_duration(op, x, num(n).ok_or(OpError::Type)?)
        }
        (V::Distance(x), V::Distance(y)) => {
            let (a, b) = (
                x.km().ok_or(OpError::Overflow("distance"))?,
                y.km().ok_or(OpError::Overflow("distance"))?,
            );
            match op {
                BinOp::Add | BinOp::Sub => {
                    let value = if x.unit == y.unit {
                        dec_op(op, x.value, y.value)?
                    } else {
                        dec_op(op, a, b)?
                    };
                    let unit = if x.unit == y.unit {
                        x.unit
                    } else {
                        DistanceUnit::Km
                    };
                    Ok(V::Distance(Distance { value, unit }))
                }
                BinOp::Div => dec_op(op, a, b).map(V::Decimal),
                BinOp::Mul => Err(OpError::Type),
            }
        }
        (V::Distance(x), n) if num(n).is_some() && matches!(op, BinOp::Mul | BinOp::Div) => {
            Ok(V::Distance(Distance {
                value: dec_op(op, x.value, num(n).ok_or(OpError::Type)?)?,
                unit: x.unit,
            }))
        }
        (n, V::Distance(x)) if num(n).is_some() && op == BinOp::Mul => Ok(V::Distance(Distance {
            value: dec_op(op, num(n).ok_or(OpError::Type)?, x.value)?,
            unit: x.unit,
        })),
        (x, y) => match (num(x), num(y)) {
            (Some(a), Some(b)) => dec_op(op, a, b).map(V::Decimal),
            _ => Err(OpError::Type),
        },
    }
}

fn duration_op(op: BinOp, x: &Duration, y: &Duration) -> R {
    use Duration as D;
    // a sum or difference is written in the unit of its left operand where it can be
    let (pair, unit) = match (x, y) {
        (D::Exact(a, u), D::Exact(b, _)) => ((*a, *b, 0u8), *u),
        (D::Months(a, u), D::Months(b, _)) => ((Decimal::from(*a), Decimal::from(*b), 1), *u),
        (D::BusinessDays(a), D::BusinessDays(b)) => ((*a, *b, 2), TimeUnit::Auto),
        (D::BusinessHours(a), D::BusinessHours(b)) => ((*a, *b, 3), TimeUnit::Auto),
        _ => return Err(OpError::Type),
    };
    let (a, b, kind) = pair;
    let r = dec_op(op, a, b)?;
    if op == BinOp::Div {
        return Ok(Value::Decimal(r));
    }
    Ok(Value::Duration(match kind {
        0 => D::Exact(r, unit),
        1 => D::Months(
            i64::try_from(r.trunc()).map_err(|_| OpError::Overflow("duration"))?,
            unit,
        ),
        2 => D::BusinessDays(r),
        _ => D::BusinessHours(r),
    }))
}

fn scale_duration(op: BinOp, x: &Duration, n: Decimal) -> R {
    use Duration as D;
    Ok(Value::Duration(match x {
        D::Exact(s, u) => D::Exact(dec_op(op, *s, n)?, *u),
        D::Months(m, u) => D::Months(
            i64::try_from(dec_op(op, Decimal::from(*m), n)?.trunc())
                .map_err(|_| OpError::Overflow("duration"))?,
            *u,
        ),
        D::BusinessDays(d) => D::BusinessDays(dec_op(op, *d, n)?),
        D::BusinessHours(h) => D::BusinessHours(dec_op(op, *h, n)?),
    }))
}

/// `-v`
pub(crate) fn negate(v: &Value) -> R {
    use Value as V;
    Ok(match v {
        V::Int(i) => V::Int(i.checked_neg().ok_or(OpError::Overflow("integer"))?),
        V::Decimal(d) => V::Decimal(-*d),
        V::Percent(d) => V::Percent(-*d),
        V::Money(m) => V::Money(Money {
            currency: m.currency,
            amount: -m.amount,
        }),
        V::Distance(d) => V::Distance(Distance {
            value: -d.value,
            unit: d.unit,
        }),
        V::Duration(d) => V::Duration(match d {
            Duration::Exact(s, u) => Duration::Exact(-*s, *u),
            Duration::Months(m, u) => {
                Duration::Months(m.checked_neg().ok_or(OpError::Overflow("duration"))?, *u)
            }
            Duration::BusinessDays(x) => Duration::BusinessDays(-*x),
            Duration::BusinessHours(x) => Duration::BusinessHours(-*x),
        }),
        _ => return Err(OpError::Type),
    })
}

/// The order of two values of one (comparable) type. `code_text` gives a code's text for
/// ordering codes lexicographically.
pub(crate) fn compare(
    a: &Value,
    b: &Value,
    code_text: &dyn Fn(u32) -> Option<String>,
) -> Result<Ordering, OpError> {
    compare_by(a, b, &|x, y| code_text(x).cmp(&code_text(y)))
}

/// [`compare`], with two different codes ordered by `code_order` (their texts' order,
/// found without building them).
pub(crate) fn compare_by(
    a: &Value,
    b: &Value,
    code_order: &dyn Fn(u32, u32) -> Ordering,
) -> Result<Ordering, OpError> {
    use Value as V;
    Ok(match (a, b) {
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        (V::Money(m), V::Money(n)) => {
            if m.currency != n.currency {
                return Err(OpError::CurrencyMix(
                    m.currency.to_string(),
                    n.currency.to_string(),
                ));
            }
            m.amount.cmp(&n.amount)
        }
        (V::Text(x), V::Text(y)) => x.cmp(y),
        (V::Label(x), V::Label(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        (V::DateTime(x), V::DateTime(y)) => x.cmp(y),
        (V::Duration(x), V::Duration(y)) => match (x, y) {
            (Duration::Exact(p, _), Duration::Exact(q, _)) => p.cmp(q),
            (Duration::Months(p, _), Duration::Months(q, _)) => p.cmp(q),
            (Duration::BusinessDays(p), Duration::BusinessDays(q))
            | (Duration::BusinessHours(p), Duration::BusinessHours(q)) => p.cmp(q),
            _ => return Err(OpError::Type),
        },
        (V::Distance(x), V::Distance(y)) => x
            .km()
            .ok_or(OpError::Overflow("distance"))?
            .cmp(&y.km().ok_or(OpError::Overflow("distance"))?),
        (V::Enum(x), V::Enum(y)) => x.cmp(y),
        (V::Code(x), V::Code(y)) => {
            if x == y {
                Ordering::Equal
            } else {
                code_order(*x, *y)
            }
        }
        (V::Set(x), V::Set(y)) => {
            if x == y {
                Ordering::Equal
            } else {
                x.len().cmp(&y.len()).then(Ordering::Less)
            }
        }
        (x, y) => match (num(x), num(y)) {
            (Some(p), Some(q)) => p.cmp(&q),
            _ => return Err(OpError::Type),
        },
    })
}

/// Months from `a` to `b`: the largest n with a + n months ≤ b.
pub(crate) fn months_between(a: NaiveDate, b: NaiveDate) -> Option<i64> {
    use chrono::Datelike;
    let guess = (b.year() as i64 - a.year() as i64) * 12 + (b.month() as i64 - a.month() as i64);
    // the true answer is guess or guess - 1
    for n in [guess + 1, guess, guess - 1, guess - 2] {
        if add_months(a, n)? <= b {
            return Some(n);
        }
    }
    None
}

/// The last day of the period of `months` months (1: a month, 3: a calendar quarter, 12: a
/// year) that `d` falls in; periods start in January.
pub(crate) fn end_of_month(d: NaiveDate, months: u32) -> NaiveDate {
    use chrono::Datelike;
    let months = months.clamp(1, 12);
    let last = (d.month() - 1) / months * months + months;
    // the last day of month `last`: its 28th plus the days left in it
    let mut day = NaiveDate::from_ymd_opt(d.year(), last, 28).unwrap_or(d);
    while let Some(next) = day.succ_opt().filter(|n| n.month() == last) {
        day = next;
    }
    day
}
