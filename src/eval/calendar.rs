//! A rule set's business-hours calendars as hosts see them (LANGUAGE.md §5.6): the same
//! business-time arithmetic the rules' `first_response_due` and `resolve_due` use, for the
//! host modules that follow a contact through time.

use super::business;
use super::value_ops;
use crate::check::ir::CheckedCalendar;
use crate::dsl::ast::BinOp;
use crate::value::Duration;
use crate::value::Value;
use chrono::{DateTime, Duration as Delta, FixedOffset};

/// A calendar declared by a rule set (`calendar NAME { timezone, hours, holidays }`), found
/// with [`crate::RuleSet::calendar`]. Business time counts only its open time, in its zone.
///
/// ```
/// use chrono::DateTime;
/// let rules = aftersales::RuleSet::from_sources([("c.rules".to_string(), r#"
/// calendar office { timezone "America/New_York"  hours mon..fri 08:00-18:00 }
/// "#.to_string())]).unwrap();
/// let office = rules.calendar("office").unwrap();
/// let fri = DateTime::parse_from_rfc3339("2026-03-06T17:00:00-05:00").unwrap();
/// // one open hour on Friday, one on Monday morning
/// let two_hours = chrono::TimeDelta::hours(2);
/// let due = office.add_open(fri, two_hours).unwrap();
/// assert_eq!(due.to_rfc3339(), "2026-03-09T09:00:00-04:00");
/// assert_eq!(office.open_between(fri, due), Some(two_hours));
/// assert!(!office.is_open(DateTime::parse_from_rfc3339("2026-03-07T10:00:00-05:00").unwrap()));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'r> {
    cal: &'r CheckedCalendar,
}

impl<'r> Calendar<'r> {
    pub(crate) fn new(cal: &'r CheckedCalendar) -> Calendar<'r> {
        Calendar { cal }
    }

    /// Its name.
    pub fn name(&self) -> &'r str {
        &self.cal.name
    }

    /// Its IANA time zone.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.cal.timezone
    }

    /// Whether `date` is a business day: a weekday with opening hours that is not a
    /// holiday (LANGUAGE.md §5.6).
    pub fn is_business_day(&self, date: chrono::NaiveDate) -> bool {
        business::is_business_day(self.cal, date)
    }

    /// Its holidays from `from` to `to`, both included, in order (the days its holiday
    /// rules give, observed where they say so; 1899 to 2201 at most).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let rules = aftersales::RuleSet::from_sources([("c.rules".to_string(),
    ///     "units { distance mi }".to_string())]).unwrap();
    /// let federal = rules.calendar("us_federal").unwrap(); // the prelude's
    /// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    /// let days: Vec<NaiveDate> = federal.holidays(d("2027-11-01"), d("2028-01-31")).collect();
    /// // Veterans Day, Thanksgiving, Christmas (Saturday: Friday), New Year's Day 2028
    /// // (Saturday: Friday 2027-12-31), Martin Luther King Jr. Day
    /// assert_eq!(days, [d("2027-11-11"), d("2027-11-25"), d("2027-12-24"), d("2027-12-31"),
    ///                   d("2028-01-17")]);
    /// ```
    pub fn holidays(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> impl Iterator<Item = chrono::NaiveDate> + 'r {
        let list = &self.cal.holidays;
        let start = list.partition_point(|d| *d < from);
        let end = list.partition_point(|d| *d <= to);
        list.get(start..end.max(start))
            .unwrap_or_default()
            .iter()
            .copied()
    }

    /// Whether `at` falls within its opening hours on a business day.
    pub fn is_open(&self, at: DateTime<FixedOffset>) -> bool {
        business::is_open(self.cal, at)
    }

    /// `at` plus `duration`: business days and hours on this calendar (as a route's due
    /// instants are computed), any other duration in wall-clock time. `None` past the
    /// calendar's range, or for business time on a calendar with no open day.
    pub fn add(
        &self,
        at: DateTime<FixedOffset>,
        duration: &Duration,
    ) -> Option<DateTime<FixedOffset>> {
        match *duration {
            Duration::BusinessDays(n) => business::add_days(self.cal, at, n),
            Duration::BusinessHours(h) => business::add_hours(self.cal, at, h),
            _ => add_wall(at, duration),
        }
    }

    /// `at` plus `amount` of open time; the result is in the calendar's offset. A zero
    /// amount from a closed instant is the next opening; a negative one is `None`.
    pub fn add_open(
        &self,
        at: DateTime<FixedOffset>,
        amount: Delta,
    ) -> Option<DateTime<FixedOffset>> {
        business::add_open(self.cal, at, amount)
    }

    /// The open time between `from` and `to`; zero when `to` is not after `from`.
    pub fn open_between(
        &self,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
    ) -> Option<Delta> {
        business::open_between(self.cal, from, to)
    }
}

/// `at` plus a wall-clock duration (exact time, or calendar months), as the rules' own
/// arithmetic adds it; `None` for business time, which needs a calendar, and past the
/// range.
///
/// ```
/// use aftersales::value::Duration;
/// let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T16:30:00-05:00").unwrap();
/// let later = aftersales::eval::add_wall(at, &Duration::parse("4h").unwrap()).unwrap();
/// assert_eq!(later.to_rfc3339(), "2026-03-02T20:30:00-05:00");
/// assert_eq!(aftersales::eval::add_wall(at, &Duration::parse("1 business day").unwrap()), None);
/// ```
pub fn add_wall(at: DateTime<FixedOffset>, duration: &Duration) -> Option<DateTime<FixedOffset>> {
    match value_ops::arith(
        BinOp::Add,
        &Value::DateTime(at),
        &Value::Duration(*duration),
    ) {
        Ok(Value::DateTime(t)) => Some(t),
        _ => None,
    }
}
