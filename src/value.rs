//! Runtime values: exact decimals for numbers, money, distances and durations; dates and
//! date-times; enum variants and codes as interned indices.
//!
//! ```
//! use aftersales::value::{Money, Distance, DistanceUnit};
//! use rust_decimal::Decimal;
//! let m = Money::parse("EUR 120.50").unwrap();
//! assert_eq!(m.to_string(), "EUR 120.50");
//! let d = Distance::parse("41000 mi", DistanceUnit::Km).unwrap();
//! assert_eq!(d.km(), Some(Decimal::new(65_983_104, 3))); // 41000 × 1.609344 exactly
//! ```

use crate::json::Json;
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use std::fmt;
use std::sync::Arc;

pub use crate::dsl::ast::DistanceUnit;

/// An amount of money in one currency, exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Money {
    /// ISO 4217 code, three upper-case letters.
    pub currency: Currency,
    /// The amount.
    pub amount: Decimal,
}

/// A three-letter ISO 4217 currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The code if `s` is three ASCII upper-case letters.
    pub fn new(s: &str) -> Option<Currency> {
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_uppercase()) {
            Some(Currency([b[0], b[1], b[2]]))
        } else {
            None
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point of the currency's minor unit (ISO 4217).
    pub fn minor_units(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "XAF" | "XOF" | "HUF" | "UGX" | "PYG"
            | "RWF" | "KMF" | "GNF" | "DJF" | "VUV" | "XPF" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "IQD" | "LYD" | "TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Money {
    /// Parse `"EUR 120.50"`.
    pub fn parse(s: &str) -> Option<Money> {
        let (cur, amount) = s.trim().split_once(char::is_whitespace)?;
        Some(Money {
            currency: Currency::new(cur)?,
            amount: parse_decimal(amount.trim())?,
        })
    }

    /// The amount rounded half-even to the currency's minor unit.
    pub fn rounded(&self) -> Money {
        Money {
            currency: self.currency,
            amount: self.amount.round_dp_with_strategy(
                self.currency.minor_units(),
                rust_decimal::RoundingStrategy::MidpointNearestEven,
            ),
        }
    }
}

impl fmt::Display for Money {
    /// `USD 0.00`: always with the currency's minor units.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.rounded();
        let dp = self.currency.minor_units() as usize;
        write!(f, "{} {:.*}", self.currency, dp, r.amount)
    }
}

/// A text that is not the value asked for ([`Money`]'s or [`Distance`]'s `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: expected {expected}, found \"{found}\"")]
pub struct ParseValueError {
    what: &'static str,
    expected: &'static str,
    found: String,
}

impl std::str::FromStr for Money {
    type Err = ParseValueError;

    /// `"USD 12.50"`: a three-letter ISO 4217 code, white space, an exact decimal.
    ///
    /// ```
    /// use aftersales::Money;
    /// let m: Money = "USD 12.5".parse().unwrap();
    /// assert_eq!(m.to_string(), "USD 12.50");
    /// assert!("12.50".parse::<Money>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Money, ParseValueError> {
        Money::parse(s).ok_or_else(|| ParseValueError {
            what: "money",
            expected: "a currency code and an amount such as \"USD 12.50\"",
            found: s.to_string(),
        })
    }
}

impl serde::Serialize for Money {
    /// As LANGUAGE.md §8 writes money: `"USD 12.50"` (the currency's minor units).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::str::FromStr for Distance {
    type Err = ParseValueError;

    /// `"41000 mi"` or `"12.5 km"`; the unit is required.
    ///
    /// ```
    /// use aftersales::Distance;
    /// let d: Distance = "41000 mi".parse().unwrap();
    /// assert_eq!(d.to_string(), "41000 mi");
    /// assert!("41000".parse::<Distance>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Distance, ParseValueError> {
        let t = s.trim();
        let err = || ParseValueError {
            what: "distance",
            expected: "a number and a unit such as \"41000 mi\" or \"12.5 km\"",
            found: s.to_string(),
        };
        if !(t.ends_with("km") || t.ends_with("mi")) {
            return Err(err());
        }
        Distance::parse(t, DistanceUnit::Km).ok_or_else(err)
    }
}

impl serde::Serialize for Distance {
    /// As LANGUAGE.md §8 writes distances: `"41000 mi"`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parse a decimal as written in rules or facts: digits, optional `_`, optional sign.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() || clean.contains(['e', 'E']) {
        return None;
    }
    // exact: a number with more digits than a decimal holds is refused, never rounded
    Decimal::from_str_exact(&clean).ok()
}

/// Kilometres in a mile, exactly.
pub fn km_per_mile() -> Decimal {
    Decimal::new(1_609_344, 6)
}

/// A distance, exact, remembered in the unit it was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Distance {
    /// The number as given.
    pub value: Decimal,
    /// Its unit.
    pub unit: DistanceUnit,
}

impl Distance {
    /// The distance in kilometres (exact: 1 mi = 1.609344 km); `None` if it is too large
    /// for a decimal.
    pub fn km(&self) -> Option<Decimal> {
        match self.unit {
            DistanceUnit::Km => Some(self.value),
            DistanceUnit::Mi => self.value.checked_mul(km_per_mile()),
        }
    }

    /// Parse `"41000 mi"`, `"12.5 km"`, or a bare number in `default` units.
    pub fn parse(s: &str, default: DistanceUnit) -> Option<Distance> {
        let s = s.trim();
        let (num, unit) = match s.strip_suffix("km") {
            Some(n) => (n, DistanceUnit::Km),
            None => match s.strip_suffix("mi") {
                Some(n) => (n, DistanceUnit::Mi),
                None => (s, default),
            },
        };
        let d = Distance {
            value: parse_decimal(num.trim())?,
            unit,
        };
        d.km()?;
        Some(d)
    }
}

impl fmt::Display for Distance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            DistanceUnit::Km => "km",
            DistanceUnit::Mi => "mi",
        };
        write!(f, "{} {}", self.value.normalize(), u)
    }
}

/// Durations: exact (seconds), calendar (months) or business time (on a calendar).
///
/// Exact and calendar durations remember the unit they were written in ([`TimeUnit`]), so
/// that `24h` is written back as `24h` and `1 day` as `1 day`; the unit takes no part in
/// equality, order or hashing (`24h == 1 day`).
#[derive(Debug, Clone, Copy)]
pub enum Duration {
    /// Exact time, in seconds, and the unit to write it in.
    Exact(Decimal, TimeUnit),
    /// Calendar months (a year is 12), and the unit to write them in.
    Months(i64, TimeUnit),
    /// Business days on a calendar.
    BusinessDays(Decimal),
    /// Business hours on a calendar.
    BusinessHours(Decimal),
}

/// The unit a duration is written in (see [`Duration`]'s `Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeUnit {
    /// The largest unit the amount is a whole number of (days, hours, minutes, seconds;
    /// years or months): for computed durations.
    #[default]
    Auto,
    /// `s`
    Second,
    /// `min`
    Minute,
    /// `h`
    Hour,
    /// `day(s)`
    Day,
    /// `week(s)`
    Week,
    /// `month(s)`
    Month,
    /// `year(s)`
    Year,
}

impl TimeUnit {
    /// Seconds in one unit of exact time (`None` for calendar units and `Auto`).
    fn seconds(self) -> Option<i64> {
        match self {
            TimeUnit::Second => Some(1),
            TimeUnit::Minute => Some(60),
            TimeUnit::Hour => Some(3600),
            TimeUnit::Day => Some(86_400),
            TimeUnit::Week => Some(604_800),
            TimeUnit::Auto | TimeUnit::Month | TimeUnit::Year => None,
        }
    }
}

impl PartialEq for Duration {
    fn eq(&self, other: &Duration) -> bool {
        match (self, other) {
            (Duration::Exact(a, _), Duration::Exact(b, _)) => a == b,
            (Duration::Months(a, _), Duration::Months(b, _)) => a == b,
            (Duration::BusinessDays(a), Duration::BusinessDays(b)) => a == b,
            (Duration::BusinessHours(a), Duration::BusinessHours(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Duration {}

impl std::hash::Hash for Duration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Duration::Exact(d, _) | Duration::BusinessDays(d) | Duration::BusinessHours(d) => {
                d.hash(state)
            }
            Duration::Months(m, _) => m.hash(state),
        }
    }
}

impl Duration {
    /// Parse the literal text of a duration: `"1.5h"`, `"3 days"`, `"36 months"`,
    /// `"2 business days"`, `"90 min"`, `"1 week"`.
    pub fn parse(s: &str) -> Option<Duration> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '-'))
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n = parse_decimal(num.trim())?;
        let words: Vec<&str> = unit.split_whitespace().collect();
        let secs = |k: i64, u: TimeUnit| {
            n.checked_mul(Decimal::from(k))
                .map(|s| Duration::Exact(s, u))
        };
        match words.as_slice() {
            ["min" | "minute" | "minutes"] => secs(60, TimeUnit::Minute),
            ["h" | "hour" | "hours"] => secs(3600, TimeUnit::Hour),
            ["d" | "day" | "days"] => secs(86_400, TimeUnit::Day),
            ["week" | "weeks"] => secs(604_800, TimeUnit::Week),
            ["s" | "sec" | "second" | "seconds"] => secs(1, TimeUnit::Second),
            ["month" | "months"] if n.fract().is_zero() => {
                i64::try_from(n.mantissa() / 10i128.pow(n.scale()))
                    .ok()
                    .map(|m| Duration::Months(m, TimeUnit::Month))
            }
            ["year" | "years"] if n.fract().is_zero() => {
                i64::try_from(n.mantissa() / 10i128.pow(n.scale()))
                    .ok()
                    .and_then(|y| y.checked_mul(12))
                    .map(|m| Duration::Months(m, TimeUnit::Year))
            }
            ["business", "day" | "days"] => Some(Duration::BusinessDays(n)),
            ["business", "hour" | "hours"] => Some(Duration::BusinessHours(n)),
            _ => None,
        }
    }
}

impl fmt::Display for Duration {
    /// The literal text: `4h`, `30 days`, `90 min`, `36 months`, `2 business days`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn plural(n: Decimal, one: &str, many: &str) -> String {
            if n == Decimal::ONE {
                format!("1 {one}")
            } else {
                format!("{} {many}", n.normalize())
            }
        }
        match *self {
            // in the unit it was written in, when the amount is a whole number of it, or a
            // number of hours with at most two decimals (`1.5h`)
            Duration::Exact(s, unit)
                if unit.seconds().is_some_and(|k| {
                    let n = s / Decimal::from(k);
                    (s % Decimal::from(k)).is_zero() || (unit == TimeUnit::Hour && n.scale() <= 2)
                }) =>
            {
                let k = Decimal::from(unit.seconds().unwrap_or(1));
                let n = s / k;
                match unit {
                    TimeUnit::Second => write!(f, "{} s", n.normalize()),
                    TimeUnit::Minute => write!(f, "{} min", n.normalize()),
                    TimeUnit::Hour => write!(f, "{}h", n.normalize()),
                    TimeUnit::Week => f.write_str(&plural(n, "week", "weeks")),
                    _ => f.write_str(&plural(n, "day", "days")),
                }
            }
            Duration::Months(m, TimeUnit::Month) => {
                f.write_str(&plural(Decimal::from(m), "month", "months"))
            }
            Duration::Exact(s, _) => {
                let day = Decimal::from(86_400);
                let hour = Decimal::from(3600);
                let min = Decimal::from(60);
                if !s.is_zero() && (s % day).is_zero() {
                    f.write_str(&plural(s / day, "day", "days"))
                } else if (s % hour).is_zero() || (s / hour).scale() <= 2 && !(s % min).is_zero() {
                    write!(f, "{}h", (s / hour).normalize())
                } else if (s % min).is_zero() {
                    write!(f, "{} min", (s / min).normalize())
                } else {
                    write!(f, "{} s", s.normalize())
                }
            }
            Duration::Months(m, _) if m % 12 == 0 && m != 0 => {
                f.write_str(&plural(Decimal::from(m / 12), "year", "years"))
            }
            Duration::Months(m, _) => f.write_str(&plural(Decimal::from(m), "month", "months")),
            Duration::BusinessDays(n) => f.write_str(&plural(n, "business day", "business days")),
            Duration::BusinessHours(n) => {
                f.write_str(&plural(n, "business hour", "business hours"))
            }
        }
    }
}

/// A value of any type of the language.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `decimal`
    Decimal(Decimal),
    /// `percent`, held as a fraction (70% is 0.70)
    Percent(Decimal),
    /// `money`
    Money(Money),
    /// `text`
    Text(Arc<str>),
    /// `date`
    Date(NaiveDate),
    /// `datetime`
    DateTime(DateTime<FixedOffset>),
    /// `duration` (exact, calendar or business)
    Duration(Duration),
    /// `distance`
    Distance(Distance),
    /// An enum variant: its index in its enum.
    Enum(u32),
    /// A code: its index in its table.
    Code(u32),
    /// A free label (queue names, parties, flags).
    Label(Arc<str>),
    /// `set of T` and lists
    Set(Arc<[Value]>),
    /// A nested record: its fields in schema order (`None` for an absent optional field).
    Record(Arc<[Option<Value>]>),
}

impl Value {
    /// The JSON of a value that says what it is by itself (LANGUAGE.md §8: numbers,
    /// `"70%"`, `"USD 12.50"` — in minor units when `minor_units`, else as given — dates,
    /// `"24h"`, `"12 km"`); `None` for enum variants, codes, sets and records, whose JSON
    /// needs their type.
    pub(crate) fn scalar_json(&self, minor_units: bool) -> Option<Json> {
        Some(match self {
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Decimal(d) => Json::from(*d),
            Value::Percent(p) => match p.checked_mul(Decimal::ONE_HUNDRED) {
                Some(x) => Json::String(format!("{}%", x.normalize())),
                None => Json::from(*p),
            },
            Value::Money(m) if minor_units => Json::String(m.to_string()),
            Value::Money(m) => Json::String(format!("{} {}", m.currency, m.amount)),
            Value::Text(t) | Value::Label(t) => Json::String(t.to_string()),
            Value::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
            Value::DateTime(t) => Json::String(t.to_rfc3339()),
            Value::Duration(d) => Json::String(d.to_string()),
            Value::Distance(d) => {
                let unit = match d.unit {
                    DistanceUnit::Km => "km",
                    DistanceUnit::Mi => "mi",
                };
                Json::String(format!("{} {unit}", d.value))
            }
            Value::Enum(_) | Value::Code(_) | Value::Set(_) | Value::Record(_) => return None,
        })
    }

    /// The §8 JSON of the value on its own. An enum variant or a code is an index into
    /// its rule set's registry, which a bare value does not know: it is written `"#3"`
    /// (the typed [`Output`](crate::Output) and [`Decision`](crate::Decision) name
    /// them); a record is the array of its fields in schema order.
    fn json(&self) -> Json {
        if let Some(j) = self.scalar_json(true) {
            return j;
        }
        match self {
            Value::Enum(i) | Value::Code(i) => Json::String(format!("#{i}")),
            Value::Set(items) => Json::Array(items.iter().map(Value::json).collect()),
            Value::Record(fields) => Json::Array(
                fields
                    .iter()
                    .map(|f| f.as_ref().map_or(Json::Null, Value::json))
                    .collect(),
            ),
            _ => Json::Null,
        }
    }
}

impl fmt::Display for Value {
    /// The value as §8 writes it, text without quotes: `true`, `12.50`, `70%`,
    /// `USD 12.50`, `2026-03-01`, `24h`, `12 km`, `[a, b]`; an enum variant or a code,
    /// which a bare value knows only by its index, `#3`.
    ///
    /// ```
    /// use aftersales::{Money, Value};
    /// assert_eq!(Value::Money("EUR 5.5".parse::<Money>().unwrap()).to_string(), "EUR 5.50");
    /// assert_eq!(serde_json::to_string(&Value::Int(3)).unwrap(), "3");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.json() {
            Json::String(s) => f.write_str(&s),
            other => write!(f, "{other}"),
        }
    }
}

impl serde::Serialize for Value {
    /// The value's §8 JSON (see [`Value`]'s `Display` for enum variants and codes).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A duration is written back in the unit it was written in (`24h` stays `24h`, the
    /// spec's segment example), equal to the same time in any other unit; computed ones
    /// take the largest whole unit.
    #[test]
    fn durations_keep_the_unit_they_were_written_in() {
        for text in [
            "24h",
            "48h",
            "1.5h",
            "1 day",
            "3 days",
            "2 weeks",
            "90 min",
            "36 months",
            "1 month",
            "3 years",
            "1 year",
            "45 s",
        ] {
            let d = Duration::parse(text).expect(text);
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(Duration::parse("24h"), Duration::parse("1 day"));
        assert_eq!(Duration::parse("36 months"), Duration::parse("3 years"));
        assert_ne!(Duration::parse("25h"), Duration::parse("1 day"));
        let computed = |secs: i64| Duration::Exact(Decimal::from(secs), TimeUnit::Auto);
        assert_eq!(computed(86_400 * 3).to_string(), "3 days");
        assert_eq!(computed(5400).to_string(), "90 min");
        assert_eq!(Duration::Months(24, TimeUnit::Auto).to_string(), "2 years");
        // a whole number of hours written in days falls back to the largest whole unit
        let day_and_hour = Duration::Exact(Decimal::from(90_000), TimeUnit::Day);
        assert_eq!(day_and_hour.to_string(), "25h");
    }

    #[test]
    fn huge_quantities_are_refused_not_overflowed() {
        assert_eq!(Duration::parse("79228162514264337593543950335 weeks"), None);
        assert_eq!(
            Duration::parse("2 weeks"),
            Some(Duration::Exact(Decimal::from(1_209_600), TimeUnit::Week))
        );
        assert_eq!(
            Distance::parse("79228162514264337593543950335 mi", DistanceUnit::Km),
            None
        );
        let max = Distance {
            value: Decimal::MAX,
            unit: DistanceUnit::Mi,
        };
        assert_eq!(max.km(), None);
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        assert_eq!(parse_decimal("0.10"), Some(Decimal::new(10, 2)));
        assert_eq!(parse_decimal("100_000.5"), Some(Decimal::new(1_000_005, 1)));
        assert_eq!(parse_decimal("1.000000000000000000000000000001"), None);
        assert_eq!(parse_decimal("1e5"), None);
        assert_eq!(
            Money::parse("USD 0.10").map(|m| m.to_string()),
            Some("USD 0.10".into())
        );
        assert_eq!(
            Money::parse("JPY 1500").map(|m| m.to_string()),
            Some("JPY 1500".into())
        );
        assert_eq!(Money::parse("usd 5"), None);
    }
}
