//! Exact parsers for the scalar encodings of facts (LANGUAGE.md §3): decimals from the
//! text of JSON numbers, money, distances, durations, percents, dates and date-times.
//! None of them goes through a float, and none can panic or overflow.

use crate::types::DurationKind;
use crate::value::{km_per_mile, Currency, Distance, DistanceUnit, Duration, Money, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Why text is not a number of the wanted kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumErr {
    /// Not written as a number.
    Syntax,
    /// A number, but beyond what the type holds.
    Range,
    /// A number with a fractional part where an integer is wanted.
    Fraction,
}

/// Most digits of an exponent we look at (larger ones are out of range anyway).
const MAX_EXPONENT: i64 = 64;

/// Whether `s` is written as a number: `-?D(\.D)?([eE][+-]?D)?` where `D` is digits,
/// optionally grouped by single `_` between digits. Returns whether it has `_`.
fn number_syntax(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut underscores = false;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let digits = |i: &mut usize, allow_us: bool, us: &mut bool| -> bool {
        let start = *i;
        while *i < b.len() {
            match b[*i] {
                b'0'..=b'9' => *i += 1,
                b'_' if allow_us
                    && *i > start
                    && b.get(*i + 1).is_some_and(|c| c.is_ascii_digit()) =>
                {
                    *us = true;
                    *i += 1
                }
                _ => break,
            }
        }
        *i > start
    };
    if !digits(&mut i, true, &mut underscores) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i, true, &mut underscores) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let mut none = false;
        if !digits(&mut i, false, &mut none) {
            return None;
        }
    }
    (i == b.len()).then_some(underscores)
}

/// The exact decimal written by `s` (the text of a JSON number, or a number in a string).
pub(crate) fn exact_decimal(s: &str) -> Result<Decimal, NumErr> {
    if let Some(d) = small_decimal(s) {
        return Ok(d);
    }
    let underscores = number_syntax(s).ok_or(NumErr::Syntax)?;
    if underscores {
        let clean: String = s.chars().filter(|c| *c != '_').collect();
        return exact_decimal_checked(&clean);
    }
    exact_decimal_checked(s)
}

/// `-?digits(.digits)?` of at most 18 bytes after the sign (so at most 18 digits: the
/// mantissa fits an `i64`), read in one pass: the very decimal `Decimal::from_str_exact`
/// gives (same mantissa and scale). `None` for anything else, and for a negative zero:
/// the general path reads those.
#[inline]
fn small_decimal(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let mut m: i64 = 0;
    let mut scale: Option<usize> = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => m = m * 10 + i64::from(c - b'0'),
            b'.' if scale.is_none() && i > 0 && i + 1 < b.len() => scale = Some(b.len() - i - 1),
            _ => return None,
        }
    }
    if negative {
        if m == 0 {
            return None;
        }
        m = -m;
    }
    let scale = u32::try_from(scale.unwrap_or(0)).ok()?;
    Decimal::try_new(m, scale).ok()
}

/// `exact_decimal` on text whose syntax is known good and has no `_`.
fn exact_decimal_checked(s: &str) -> Result<Decimal, NumErr> {
    let (base, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa = plain_decimal(base)?;
    let Some(exp) = exp else {
        return Ok(mantissa);
    };
    let exp_digits = exp.trim_start_matches(['+', '-']).trim_start_matches('0');
    let negative = exp.starts_with('-');
    if mantissa.is_zero() {
        return Ok(Decimal::ZERO);
    }
    if exp_digits.len() > 3 {
        return Err(NumErr::Range);
    }
    let e: i64 = exp_digits.parse::<i64>().unwrap_or(0);
    if e > MAX_EXPONENT {
        return Err(NumErr::Range);
    }
    let m = mantissa.normalize();
    if negative {
        let scale = i64::from(m.scale()) + e;
        if scale > i64::from(Decimal::MAX_SCALE) {
            return Err(NumErr::Range);
        }
        let mut r = m;
        r.set_scale(scale as u32).map_err(|_| NumErr::Range)?;
        Ok(r)
    } else {
        let scale = i64::from(m.scale());
        if e <= scale {
            let mut r = m;
            r.set_scale((scale - e) as u32).map_err(|_| NumErr::Range)?;
            Ok(r)
        } else {
            let mut r = m;
            r.set_scale(0).map_err(|_| NumErr::Range)?; // integer mantissa
            let mut left = e - scale;
            let ten = Decimal::TEN;
            while left > 0 {
                r = r.checked_mul(ten).ok_or(NumErr::Range)?;
                left -= 1;
            }
            Ok(r)
        }
    }
}

/// `-?digits(.digits)?` exactly; more than 28 fractional digits is fine when the extra
/// ones are zeros.
fn plain_decimal(s: &str) -> Result<Decimal, NumErr> {
    match Decimal::from_str_exact(s) {
        Ok(d) => Ok(d),
        Err(_) => {
            // trailing zeros past the precision carry no information
            if let Some((int, frac)) = s.split_once('.') {
                let trimmed = frac.trim_end_matches('0');
                if trimmed.len() < frac.len() {
                    let t = if trimmed.is_empty() {
                        int.to_string()
                    } else {
                        format!("{int}.{trimmed}")
                    };
                    return Decimal::from_str_exact(&t).map_err(|_| NumErr::Range);
                }
            }
            Err(NumErr::Range)
        }
    }
}

/// The integer written by `s`; integral decimals (`42.0`, `1e2`) count.
pub(crate) fn exact_int(s: &str) -> Result<i64, NumErr> {
    let b = s.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        return s.parse::<i64>().map_err(|_| NumErr::Syntax);
    }
    let d = exact_decimal(s)?;
    if !d.fract().is_zero() {
        return Err(NumErr::Fraction);
    }
    d.trunc().to_i64().ok_or(NumErr::Range)
}

/// A percent as text: `"70%"` is 0.70 exactly.
pub(crate) fn percent(s: &str) -> Result<Decimal, NumErr> {
    let num = s.trim().strip_suffix('%').ok_or(NumErr::Syntax)?;
    let d = exact_decimal(num.trim_end())?;
    let mut r = d;
    let scale = d.scale() + 2;
    if scale <= Decimal::MAX_SCALE {
        r.set_scale(scale).map_err(|_| NumErr::Range)?;
        Ok(r)
    } else {
        d.checked_div(Decimal::ONE_HUNDRED).ok_or(NumErr::Range)
    }
}

/// Why a money string is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MoneyErr {
    /// Not `CUR amount`: the message says so.
    Shape,
    /// A bare number (no currency) that is otherwise fine.
    Bare(Decimal),
    /// The amount is out of range.
    Range,
}

/// Money as text: `"EUR 120.50"`; a bare number comes back as `MoneyErr::Bare`.
pub(crate) fn money(s: &str) -> Result<Money, MoneyErr> {
    match small_money(s) {
        Some(m) => Ok(m),
        None => money_general(s),
    }
}

/// [`money`] without its shortcut for the common shape.
fn money_general(s: &str) -> Result<Money, MoneyErr> {
    let t = s.trim();
    match t.split_once(char::is_whitespace) {
        Some((cur, amount)) => {
            let currency = Currency::new(cur).ok_or(MoneyErr::Shape)?;
            let amount = exact_decimal(amount.trim_start()).map_err(|e| match e {
                NumErr::Range => MoneyErr::Range,
                _ => MoneyErr::Shape,
            })?;
            Ok(Money { currency, amount })
        }
        None => match exact_decimal(t) {
            Ok(d) => Err(MoneyErr::Bare(d)),
            Err(NumErr::Range) => Err(MoneyErr::Range),
            Err(_) => Err(MoneyErr::Shape),
        },
    }
}

/// The usual shape of money, `"USD 120.50"`: three capitals, a space and a small decimal
/// (nothing to trim), read as [`money`] reads it; `None` for anything else.
#[inline]
fn small_money(s: &str) -> Option<Money> {
    if s.as_bytes().get(3) != Some(&b' ') {
        return None;
    }
    let currency = Currency::new(s.get(..3)?)?;
    let amount = small_decimal(s.get(4..)?)?;
    Some(Money { currency, amount })
}

/// Why a distance is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DistErr {
    /// Not a number and a unit.
    Shape,
    /// Below zero.
    Negative,
    /// Too large (its kilometres would overflow).
    Range,
}

/// A distance from a number (already exact) and its unit, checked.
pub(crate) fn distance_of(value: Decimal, unit: DistanceUnit) -> Result<Distance, DistErr> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(DistErr::Negative);
    }
    if unit == DistanceUnit::Mi && value.checked_mul(km_per_mile()).is_none() {
        return Err(DistErr::Range);
    }
    Ok(Distance { value, unit })
}

/// A distance as text: `"41000 mi"`, `"12 km"`, `"12km"`, or a bare number in `default`.
pub(crate) fn distance(s: &str, default: DistanceUnit) -> Result<Distance, DistErr> {
    // the usual shape, "41000 mi": a small decimal, a space, a unit (nothing to trim)
    let unit = if let Some(n) = s.strip_suffix(" mi") {
        Some((n, DistanceUnit::Mi))
    } else {
        s.strip_suffix(" km").map(|n| (n, DistanceUnit::Km))
    };
    if let Some(value) = unit.and_then(|(n, u)| Some((small_decimal(n)?, u))) {
        return distance_of(value.0, value.1);
    }
    let t = s.trim();
    let (num, unit) = if let Some(n) = t.strip_suffix("km") {
        (n.trim_end(), DistanceUnit::Km)
    } else if let Some(n) = t.strip_suffix("mi") {
        (n.trim_end(), DistanceUnit::Mi)
    } else {
        (t, default)
    };
    let value = exact_decimal(num).map_err(|e| match e {
        NumErr::Range => DistErr::Range,
        _ => DistErr::Shape,
    })?;
    distance_of(value, unit)
}

/// Why a duration is bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DurErr {
    /// Not a number and a duration unit.
    Shape,
    /// A duration, but of another kind than the field's.
    Kind(DurationKind),
    /// Calendar durations count whole months.
    Fraction,
    /// Below zero.
    Negative,
    /// Too large.
    Range,
}

/// A duration as its literal text (`"1.5h"`, `"3 days"`, `"36 months"`, `"2 business
/// days"`), which must be of `kind`.
pub(crate) fn duration(s: &str, kind: DurationKind) -> Result<Duration, DurErr> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '-'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mut words = unit.split_whitespace();
    let (w1, w2, w3) = (words.next(), words.next(), words.next());
    if w3.is_some() {
        return Err(DurErr::Shape);
    }
    enum U {
        Secs(i64, TimeUnit),
        Months(i64, TimeUnit),
        BDays,
        BHours,
    }
    let u = match (w1, w2) {
        (Some("s" | "sec" | "secs" | "second" | "seconds"), None) => U::Secs(1, TimeUnit::Second),
        (Some("min" | "mins" | "minute" | "minutes"), None) => U::Secs(60, TimeUnit::Minute),
        (Some("h" | "hour" | "hours"), None) => U::Secs(3600, TimeUnit::Hour),
        (Some("d" | "day" | "days"), None) => U::Secs(86_400, TimeUnit::Day),
        (Some("week" | "weeks"), None) => U::Secs(604_800, TimeUnit::Week),
        (Some("month" | "months"), None) => U::Months(1, TimeUnit::Month),
        (Some("year" | "years"), None) => U::Months(12, TimeUnit::Year),
        (Some("business"), Some("day" | "days")) => U::BDays,
        (Some("business"), Some("hour" | "hours")) => U::BHours,
        _ => return Err(DurErr::Shape),
    };
    let found = match u {
        U::Secs(..) => DurationKind::Exact,
        U::Months(..) => DurationKind::Calendar,
        U::BDays | U::BHours => DurationKind::Business,
    };
    if found != kind {
        return Err(DurErr::Kind(found));
    }
    let n = exact_decimal(num.trim()).map_err(|e| match e {
        NumErr::Range => DurErr::Range,
        _ => DurErr::Shape,
    })?;
    if n.is_sign_negative() && !n.is_zero() {
        return Err(DurErr::Negative);
    }
    match u {
        U::Secs(k, unit) => n
            .checked_mul(Decimal::from(k))
            .map(|s| Duration::Exact(s, unit))
            .ok_or(DurErr::Range),
        U::Months(k, unit) => {
            if !n.fract().is_zero() {
                return Err(DurErr::Fraction);
            }
            n.trunc()
                .to_i64()
                .and_then(|m| m.checked_mul(k))
                .map(|m| Duration::Months(m, unit))
                .ok_or(DurErr::Range)
        }
        U::BDays => Ok(Duration::BusinessDays(n)),
        U::BHours => Ok(Duration::BusinessHours(n)),
    }
}

/// A date written exactly `YYYY-MM-DD`; `Err(true)` when well-formed but no such day.
pub(crate) fn date(s: &str) -> Result<NaiveDate, bool> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(false);
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(false);
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(true)
}

/// An RFC 3339 date-time; the seconds may be left out (`2026-01-31T08:00Z`), as in rules.
pub(crate) fn datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    // YYYY-MM-DDTHH:MM then an offset: insert ":00"
    let b = s.as_bytes();
    if b.len() > 16 && b[13] == b':' && matches!(b[16], b'Z' | b'z' | b'+' | b'-') {
        let with_secs = format!("{}:00{}", &s[..16], &s[16..]);
        return DateTime::parse_from_rfc3339(&with_secs).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(exact_decimal("0.1"), Ok(d("0.1")));
        assert_eq!(exact_decimal("120.50").unwrap().scale(), 2);
        assert_eq!(exact_decimal("-0"), Ok(Decimal::ZERO));
        assert_eq!(exact_decimal("1e2"), Ok(d("100")));
        assert_eq!(exact_decimal("1.5E+3"), Ok(d("1500")));
        assert_eq!(exact_decimal("25e-3"), Ok(d("0.025")));
        assert_eq!(exact_decimal("100_000"), Ok(d("100000")));
        assert_eq!(
            exact_decimal("1.000000000000000000000000000000000"),
            Ok(Decimal::ONE)
        );
        assert_eq!(exact_decimal("0e99999999999"), Ok(Decimal::ZERO));
        for bad in [
            "", "-", "1.", ".5", "+1", "1e", "NaN", "inf", "1_", "_1", "1__0", "0x10",
        ] {
            assert_eq!(exact_decimal(bad), Err(NumErr::Syntax), "{bad}");
        }
        for big in [
            "1e400",
            "1e-400",
            "123456789012345678901234567890",
            "0.00000000000000000000000000000001",
            "7922816251426433759354395033.6e1",
            "1e99999999999999999999",
        ] {
            assert_eq!(exact_decimal(big), Err(NumErr::Range), "{big}");
        }
    }

    #[test]
    fn small_decimals_are_read_as_the_general_path_reads_them() {
        for s in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1861.60",
            "-12.5",
            "007",
            "000.000",
            "1.",
            ".5",
            "1.2.3",
            "-",
            "",
            "999999999999999999",
            "99999999999999999.9",
            "9999999999999999999",
            "-999999999999999999",
            "1_0",
            "1e5",
            "+1",
            "0.000000000000000001",
        ] {
            let general = plain_decimal(s).ok().filter(|_| number_syntax(s).is_some());
            if let Some(d) = small_decimal(s) {
                assert_eq!(Some(d.serialize()), general.map(|g| g.serialize()), "{s}");
            }
        }
        assert!(small_decimal("1861.60").is_some());
    }

    proptest::proptest! {
        #[test]
        fn small_decimals_match_from_str_exact(s in "-?[0-9]{1,12}(\\.[0-9]{1,8})?") {
            if let Some(d) = small_decimal(&s) {
                let general = Decimal::from_str_exact(&s).unwrap();
                proptest::prop_assert_eq!(d.serialize(), general.serialize());
                proptest::prop_assert_eq!(d.to_string(), general.to_string());
            } else {
                proptest::prop_assert!(s.starts_with('-') || s.len() > 18);
            }
        }
    }

    #[test]
    fn ints() {
        assert_eq!(exact_int("42"), Ok(42));
        assert_eq!(exact_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(exact_int("9223372036854775808"), Err(NumErr::Range));
        assert_eq!(exact_int("42.0"), Ok(42));
        assert_eq!(exact_int("1e3"), Ok(1000));
        assert_eq!(exact_int("1.5"), Err(NumErr::Fraction));
        assert_eq!(exact_int("x"), Err(NumErr::Syntax));
    }

    #[test]
    fn percents_money_distances() {
        assert_eq!(percent("70%"), Ok(d("0.70")));
        assert_eq!(percent("12.5 %"), Ok(d("0.125")));
        assert_eq!(percent("70"), Err(NumErr::Syntax));
        let m = money("USD 0.10").unwrap();
        assert_eq!((m.currency.as_str(), m.amount), ("USD", d("0.10")));
        assert_eq!(money("120.50"), Err(MoneyErr::Bare(d("120.50"))));
        assert_eq!(money("usd 1"), Err(MoneyErr::Shape));
        assert_eq!(money("USD 1e400"), Err(MoneyErr::Range));
        let km = distance("41000 mi", DistanceUnit::Km)
            .unwrap()
            .km()
            .unwrap();
        assert_eq!(km, d("65983.104"));
        assert_eq!(
            distance("12km", DistanceUnit::Mi).unwrap().unit,
            DistanceUnit::Km
        );
        assert_eq!(
            distance("12", DistanceUnit::Mi).unwrap().unit,
            DistanceUnit::Mi
        );
        assert_eq!(distance("-1 km", DistanceUnit::Km), Err(DistErr::Negative));
        assert_eq!(
            distance("79228162514264337593543950335 mi", DistanceUnit::Km),
            Err(DistErr::Range)
        );
        assert_eq!(distance("12 miles", DistanceUnit::Km), Err(DistErr::Shape));
        // the usual shapes take a shorter way to the same values
        for s in [
            "USD 120.50",
            "USD -0.0",
            "USD 1.",
            "USD  1",
            "usd 1",
            "EUR 1e3",
            "USD 1_000",
            "GBP 12 ",
            "JPY 1500",
        ] {
            let general = money_general(s);
            assert_eq!(
                money(s).map(|m| (m.currency, m.amount.serialize())),
                general.map(|m| (m.currency, m.amount.serialize())),
                "{s}"
            );
        }
        for s in [
            "41000 mi", "12 km", "-1 km", "0 mi", "-0 mi", "1. km", " 1 km", "1  km", "9 mi ",
        ] {
            let fast = distance(s, DistanceUnit::Km);
            let t = s.trim();
            let general = if let Some(n) = t.strip_suffix("km") {
                exact_decimal(n.trim_end()).map(|d| distance_of(d, DistanceUnit::Km))
            } else if let Some(n) = t.strip_suffix("mi") {
                exact_decimal(n.trim_end()).map(|d| distance_of(d, DistanceUnit::Mi))
            } else {
                Err(NumErr::Syntax)
            };
            match general {
                Ok(g) => assert_eq!(fast, g, "{s}"),
                Err(_) => assert!(fast.is_err(), "{s}"),
            }
        }
    }

    #[test]
    fn durations() {
        use DurationKind::*;
        assert_eq!(
            duration("1.5h", Exact),
            Ok(Duration::Exact(d("5400"), TimeUnit::Hour))
        );
        assert_eq!(
            duration("3 days", Exact),
            Ok(Duration::Exact(d("259200"), TimeUnit::Day))
        );
        assert_eq!(
            duration("36 months", Calendar),
            Ok(Duration::Months(36, TimeUnit::Month))
        );
        assert_eq!(
            duration("2 years", Calendar),
            Ok(Duration::Months(24, TimeUnit::Year))
        );
        assert_eq!(
            duration("2 business days", Business),
            Ok(Duration::BusinessDays(d("2")))
        );
        assert_eq!(duration("36 months", Exact), Err(DurErr::Kind(Calendar)));
        assert_eq!(duration("1.5 months", Calendar), Err(DurErr::Fraction));
        assert_eq!(duration("-3 days", Exact), Err(DurErr::Negative));
        assert_eq!(duration("3", Exact), Err(DurErr::Shape));
        assert_eq!(duration("3 fortnights", Exact), Err(DurErr::Shape));
        assert_eq!(
            duration("79228162514264337593543950335 weeks", Exact),
            Err(DurErr::Range)
        );
        assert_eq!(
            duration("9999999999999999999 years", Calendar),
            Err(DurErr::Range)
        );
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            date("2026-01-31"),
            Ok(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())
        );
        assert_eq!(date("2026-02-30"), Err(true));
        assert_eq!(date("2026-1-31"), Err(false));
        assert_eq!(date("２026-01-31"), Err(false));
        assert!(datetime("2026-01-31T08:00:00Z").is_some());
        assert!(datetime("2026-01-31T08:00:00+01:00").is_some());
        assert!(datetime("2026-01-31T08:00Z").is_some());
        assert!(datetime("2026-01-31T08:00+01:00").is_some());
        assert!(datetime("2026-01-31").is_none());
        assert!(datetime("2026-01-31T08:00").is_none());
    }
}
