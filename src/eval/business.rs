//! Business time on a calendar (LANGUAGE.md §5.6): a business day is a weekday with
//! opening hours that is not a holiday (a short day counts); `N business days after D` is
//! the N-th business day strictly after D, in the calendar's zone; business hours count
//! only open time.

use crate::check::ir::CheckedCalendar;
use chrono::{
    DateTime, Datelike, Duration as Delta, FixedOffset, LocalResult, NaiveDate, NaiveDateTime,
    NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Most days a computation walks before it gives up (about 2,700 years): business time
/// never loops for ever, whatever the calendar and the amount.
const MAX_DAYS: usize = 1_000_000;

/// Whether `d` is in the years a calendar has business time for (LANGUAGE.md §5.10).
fn in_range(d: NaiveDate) -> bool {
    crate::check::CALENDAR_YEARS.contains(&d.year())
}

/// Whether `d` is a business day of `cal`.
pub(crate) fn is_business_day(cal: &CheckedCalendar, d: NaiveDate) -> bool {
    !cal.hours[d.weekday().num_days_from_monday() as usize].is_empty()
        && cal.holidays.binary_search(&d).is_err()
}

/// Whether the calendar has any business day at all.
fn has_open_days(cal: &CheckedCalendar) -> bool {
    cal.hours.iter().any(|h| !h.is_empty())
}

/// The `n`-th business day strictly after `d` (`n` = 0: `d` itself; a negative `n` counts
/// back, strictly before `d`; a fraction counts as a whole day more: 1.5 business days
/// end on the second). `None` when the calendar has no business day, or past the range.
pub(crate) fn days_after(cal: &CheckedCalendar, d: NaiveDate, n: Decimal) -> Option<NaiveDate> {
    let whole = if n.is_sign_negative() {
        n.floor()
    } else {
        n.ceil()
    };
    let mut left = whole.abs().to_usize()?;
    if left == 0 {
        return Some(d);
    }
    if !has_open_days(cal) || left > MAX_DAYS {
        return None;
    }
    let back = whole.is_sign_negative();
    let mut day = d;
    for _ in 0..MAX_DAYS
        .saturating_add(cal.holidays.len())
        .saturating_mul(7)
    {
        day = if back {
            day.pred_opt()?
        } else {
            day.succ_opt()?
        };
        if !in_range(day) {
            return None;
        }
        if is_business_day(cal, day) {
            left -= 1;
            if left == 0 {
                return Some(day);
            }
        }
    }
    None
}

/// The first instant of day `d` in `tz` (a midnight that does not exist: the first
/// instant after it).
pub(crate) fn start_of_day(tz: Tz, d: NaiveDate) -> Option<DateTime<FixedOffset>> {
    let t = local(tz, d, NaiveTime::MIN)?;
    Some(t.with_timezone(&t.offset().fix()))
}

/// `d` when it is a business day of `cal`, else the first business day after it; `None`
/// past the range or for a calendar with no business day.
pub(crate) fn next_business_day(cal: &CheckedCalendar, d: NaiveDate) -> Option<NaiveDate> {
    if !has_open_days(cal) {
        return None;
    }
    let mut day = d;
    for _ in 0..MAX_DAYS {
        if !in_range(day) {
            return None;
        }
        if is_business_day(cal, day) {
            return Some(day);
        }
        day = day.succ_opt()?;
    }
    None
}

/// The instant of local time `t` on day `d` in `tz`: the earlier of two in a repeated hour,
/// the first valid instant after a skipped one.
fn local(tz: Tz, d: NaiveDate, t: NaiveTime) -> Option<DateTime<Tz>> {
    let mut at = NaiveDateTime::new(d, t);
    // a gap is at most a few hours: step over it a quarter of an hour at a time
    for _ in 0..16 {
        match tz.from_local_datetime(&at) {
            LocalResult::Single(x) => return Some(x),
            LocalResult::Ambiguous(a, _) => return Some(a),
            LocalResult::None => at = at.checked_add_signed(Delta::minutes(15))?,
        }
    }
    None
}

/// The opening intervals of day `d` as instants `[open, close)`.
fn intervals(cal: &CheckedCalendar, d: NaiveDate) -> Vec<(DateTime<Tz>, DateTime<Tz>)> {
    if !is_business_day(cal, d) {
        return Vec::new();
    }
    let tz = cal.timezone;
    cal.hours[d.weekday().num_days_from_monday() as usize]
        .iter()
        .filter_map(|(open, close)| {
            let start = local(tz, d, *open)?;
            let end = match close {
                Some(c) => local(tz, d, *c)?,
                None => local(tz, d.succ_opt()?, NaiveTime::MIN)?,
            };
            (end > start).then_some((start, end))
        })
        .collect()
}

/// `at` plus `n` business days: the same local clock time on the `n`-th business day after
/// the local date of `at`, in the calendar's zone.
pub(crate) fn add_days(
    cal: &CheckedCalendar,
    at: DateTime<FixedOffset>,
    n: Decimal,
) -> Option<DateTime<FixedOffset>> {
    let here = at.with_timezone(&cal.timezone);
    let day = days_after(cal, here.date_naive(), n)?;
    let there = local(cal.timezone, day, here.time())?;
    Some(there.with_timezone(&there.offset().fix()))
}

/// `at` plus `hours` business hours: counting only the calendar's open time from `at`.
pub(crate) fn add_hours(
    cal: &CheckedCalendar,
    at: DateTime<FixedOffset>,
    hours: Decimal,
) -> Option<DateTime<FixedOffset>> {
    let nanos = hours
        .checked_mul(Decimal::from(3_600_000_000_000i64))?
        .round()
        .to_i64()?;
    add_open(cal, at, Delta::nanoseconds(nanos))
}

/// `at` plus `amount` of the calendar's open time (`None` for a negative amount, a
/// calendar with no open day, or past the range). The result is in the calendar's offset;
/// an amount of zero from a closed instant is the next opening.
pub(crate) fn add_open(
    cal: &CheckedCalendar,
    at: DateTime<FixedOffset>,
    amount: Delta,
) -> Option<DateTime<FixedOffset>> {
    if amount < Delta::zero() || !has_open_days(cal) {
        return None;
    }
    let mut left = amount;
    let start = at.with_timezone(&Utc);
    let mut day = at.with_timezone(&cal.timezone).date_naive();
    for _ in 0..MAX_DAYS {
        if !in_range(day) {
            return None;
        }
        for (open, close) in intervals(cal, day) {
            let (open, close) = (open.with_timezone(&Utc), close.with_timezone(&Utc));
            let from = open.max(start);
            if close <= from {
                continue;
            }
            let room = close - from;
            if left <= room {
                let done = from.checked_add_signed(left)?.with_timezone(&cal.timezone);
                return Some(done.with_timezone(&done.offset().fix()));
            }
            left -= room;
        }
        day = day.succ_opt()?;
    }
    None
}

/// The calendar's open time between `from` and `to` (zero when `to` is not after
/// `from`); `None` past the range.
pub(crate) fn open_between(
    cal: &CheckedCalendar,
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
) -> Option<Delta> {
    let (a, b) = (from.with_timezone(&Utc), to.with_timezone(&Utc));
    if b <= a {
        return Some(Delta::zero());
    }
    // a day's intervals end by its midnight: counting starts on `from`'s local date
    let mut day = from.with_timezone(&cal.timezone).date_naive();
    let last = to.with_timezone(&cal.timezone).date_naive();
    let mut total = Delta::zero();
    for _ in 0..MAX_DAYS {
        if day > last {
            return Some(total);
        }
        if !in_range(day) {
            return None;
        }
        for (open, close) in intervals(cal, day) {
            let (open, close) = (
                open.with_timezone(&Utc).max(a),
                close.with_timezone(&Utc).min(b),
            );
            if close > open {
                total += close - open;
            }
        }
        day = day.succ_opt()?;
    }
    None
}

/// Whether `at` falls in an opening interval of the calendar.
pub(crate) fn is_open(cal: &CheckedCalendar, at: DateTime<FixedOffset>) -> bool {
    let t = at.with_timezone(&Utc);
    intervals(cal, at.with_timezone(&cal.timezone).date_naive())
        .into_iter()
        .any(|(open, close)| open.with_timezone(&Utc) <= t && t < close.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(tz: &str, holidays: &[&str]) -> CheckedCalendar {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let mut hours: [Vec<(NaiveTime, Option<NaiveTime>)>; 7] = Default::default();
        for h in hours.iter_mut().take(5) {
            h.push((t("08:00"), Some(t("12:00"))));
            h.push((t("13:00"), Some(t("18:00"))));
        }
        hours[5].push((t("09:00"), Some(t("12:00")))); // a short Saturday
        CheckedCalendar {
            name: "c".into(),
            span: crate::diag::Span {
                file: crate::diag::FileId(0),
                start: 0,
                end: 0,
            },
            timezone: tz.parse().unwrap(),
            hours,
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn business_days_skip_sundays_and_holidays_and_count_short_days() {
        let c = cal("America/New_York", &["2026-11-26"]);
        // Wed 2026-11-25 + 1: Thursday is Thanksgiving, so Friday
        assert_eq!(
            days_after(&c, date("2026-11-25"), Decimal::ONE),
            Some(date("2026-11-27"))
        );
        // + 2: the short Saturday counts
        assert_eq!(
            days_after(&c, date("2026-11-25"), Decimal::TWO),
            Some(date("2026-11-28"))
        );
        // + 3: Sunday is closed, Monday
        assert_eq!(
            days_after(&c, date("2026-11-25"), Decimal::new(3, 0)),
            Some(date("2026-11-30"))
        );
        // strictly after: from a Sunday, 1 is Monday
        assert_eq!(
            days_after(&c, date("2026-11-29"), Decimal::ONE),
            Some(date("2026-11-30"))
        );
        assert_eq!(
            days_after(&c, date("2026-11-29"), Decimal::ZERO),
            Some(date("2026-11-29"))
        );
        assert_eq!(
            days_after(&c, date("2026-11-30"), Decimal::NEGATIVE_ONE),
            Some(date("2026-11-28"))
        );
        assert_eq!(
            days_after(&c, date("2026-11-25"), Decimal::new(15, 1)),
            Some(date("2026-11-28"))
        );
        let closed = CheckedCalendar {
            hours: Default::default(),
            ..c
        };
        assert_eq!(days_after(&closed, date("2026-11-25"), Decimal::ONE), None);
    }

    #[test]
    fn business_hours_count_only_open_time_in_the_calendars_zone() {
        let c = cal("America/New_York", &[]);
        // Fri 16:30 New York + 4 business hours: 1.5 h on Friday, 2.5 h on the short
        // Saturday from 09:00 → 11:30
        assert_eq!(
            add_hours(&c, at("2026-03-06T16:30:00-05:00"), Decimal::new(4, 0)),
            Some(at("2026-03-07T11:30:00-05:00"))
        );
        // given in UTC, answered in the calendar's offset; lunch is closed
        assert_eq!(
            add_hours(&c, at("2026-03-02T16:00:00Z"), Decimal::ONE),
            Some(at("2026-03-02T12:00:00-05:00")),
            "11:00 + 1h of open time: done at the close, 12:00"
        );
        assert_eq!(
            add_hours(&c, at("2026-03-02T16:30:00Z"), Decimal::ONE),
            Some(at("2026-03-02T13:30:00-05:00")),
            "11:30-12:00, then 13:00-13:30"
        );
        // before opening: counting starts at 08:00
        assert_eq!(
            add_hours(&c, at("2026-03-02T06:00:00-05:00"), Decimal::new(5, 1)),
            Some(at("2026-03-02T08:30:00-05:00"))
        );
        // across the change to summer time (2026-03-08): Fri 17:00 EST + 1h + 3h (Sat)
        // + 1h Monday 08:00 EDT → 09:00 EDT
        assert_eq!(
            add_hours(&c, at("2026-03-06T17:00:00-05:00"), Decimal::new(5, 0)),
            Some(at("2026-03-09T09:00:00-04:00"))
        );
        assert_eq!(
            add_hours(&c, at("2026-03-06T17:00:00-05:00"), Decimal::ZERO),
            Some(at("2026-03-06T17:00:00-05:00"))
        );
    }

    #[test]
    fn business_days_on_instants_keep_the_local_clock_time() {
        let c = cal("America/New_York", &[]);
        // Fri 2026-03-06 10:00 EST + 2 business days: Sat, Mon at 10:00 EDT
        assert_eq!(
            add_days(&c, at("2026-03-06T15:00:00Z"), Decimal::TWO),
            Some(at("2026-03-09T10:00:00-04:00"))
        );
    }
}
