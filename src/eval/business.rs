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

/// Counting business days without walking them: `W(k)` open weekdays among days 1..=k
/// (day numbers from 0001-01-01, a Monday, as day 1), less the holidays on open weekdays
/// up to day k (a binary search), is `B(k)`, the business days up to day k.
struct Counter<'c> {
    /// Open weekdays a week.
    per_week: i64,
    /// `before[r]`: open weekdays among weekdays `0..r` (Monday = 0).
    before: [i64; 8],
    /// The weekdays (Monday = 0) that are open, in order (the first `per_week`).
    open: [i64; 7],
    /// Holidays on open weekdays, as day numbers, sorted.
    holidays: &'c [i32],
}

impl Counter<'_> {
    fn of(cal: &CheckedCalendar) -> Option<Counter<'_>> {
        let mut before = [0i64; 8];
        let mut open = [0i64; 7];
        for (r, h) in cal.hours.iter().enumerate() {
            before[r + 1] = before[r] + i64::from(!h.is_empty());
            if !h.is_empty() {
                open[before[r] as usize] = r as i64;
            }
        }
        (before[7] > 0).then(|| Counter {
            per_week: before[7],
            before,
            open,
            holidays: &cal.open_holidays,
        })
    }

    /// `W(k)`: open weekdays among days 1..=k (k ≥ 0).
    fn weekdays(&self, k: i64) -> i64 {
        let (weeks, r) = (k.div_euclid(7), k.rem_euclid(7));
        weeks * self.per_week + self.before[r as usize]
    }

    /// The smallest day k with `W(k) = m` (m ≥ 1): the m-th open weekday.
    fn nth_weekday(&self, m: i64) -> i64 {
        let (weeks, r) = (
            (m - 1).div_euclid(self.per_week),
            (m - 1).rem_euclid(self.per_week),
        );
        weeks * 7 + self.open[r as usize] + 1
    }

    /// Holidays on open weekdays up to day k.
    fn holidays_to(&self, k: i64) -> i64 {
        self.holidays.partition_point(|&h| i64::from(h) <= k) as i64
    }

    /// `B(k)`: business days among days 1..=k.
    fn business(&self, k: i64) -> i64 {
        self.weekdays(k) - self.holidays_to(k)
    }

    /// The smallest day with `B = t` (t ≥ 1), a business day. The j-th candidate is the
    /// `(t + j)`-th open weekday; the answer is the first whose holidays so far number
    /// exactly j. From one candidate to the next at most one more holiday is passed (the
    /// next candidate itself), so `holidays_to(candidate(j)) − j` falls by 0 or 1 a step
    /// and the first j where it reaches 0 is found by galloping then bisection from the
    /// holidays up to the first candidate: O(log² h), and O(log h) when few holidays lie
    /// in between.
    fn day_of(&self, t: i64) -> Option<i64> {
        let candidate = |j: i64| self.nth_weekday(t + j);
        let surplus = |j: i64| self.holidays_to(candidate(j)) - j;
        let all = self.holidays.len() as i64;
        // the answer's j is at least the holidays up to the first candidate
        let mut lo = self.holidays_to(candidate(0));
        if surplus(lo) <= 0 {
            return Some(candidate(lo));
        }
        let mut step = 1;
        let mut hi = loop {
            let hi = (lo + step).min(all);
            if surplus(hi) <= 0 {
                break hi;
            }
            if hi == all {
                return None;
            }
            lo = hi + 1;
            step *= 2;
        };
        if lo > hi {
            lo = hi;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if surplus(mid) <= 0 {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(candidate(lo))
    }
}

/// Below this many business days the days are walked (a binary search each, about 20 ns
/// a day); from it on they are counted (about 400 ns whatever the number).
const WALK_BELOW: i64 = 24;

/// The `n`-th business day strictly after `d` (`n` = 0: `d` itself; a negative `n` counts
/// back, strictly before `d`; a fraction counts as a whole day more: 1.5 business days
/// end on the second). `None` when the calendar has no business day, or past the range.
/// A few days are walked; more are counted ([`counted_days`]): O(log² h) in the
/// calendar's h holidays, whatever `n`.
pub(crate) fn days_after(cal: &CheckedCalendar, d: NaiveDate, n: Decimal) -> Option<NaiveDate> {
    let whole = if n.is_sign_negative() {
        n.floor()
    } else {
        n.ceil()
    };
    let n = whole.to_i64()?;
    if n.abs() < WALK_BELOW {
        walked_days(cal, d, n)
    } else {
        counted_days(cal, d, n)
    }
}

/// [`days_after`] by walking the days one by one.
fn walked_days(cal: &CheckedCalendar, d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n == 0 {
        return Some(d);
    }
    if !in_range(d) || Counter::of(cal).is_none() {
        return None;
    }
    let mut left = n.abs();
    let mut day = d;
    loop {
        day = if n < 0 {
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
}

/// [`days_after`] by counting: the business day numbered `t` from day 1 is the answer.
fn counted_days(cal: &CheckedCalendar, d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n == 0 {
        return Some(d);
    }
    let left = n.checked_abs()?;
    if !in_range(d) || left > MAX_DAYS as i64 {
        return None;
    }
    let c = Counter::of(cal)?;
    let k = i64::from(d.num_days_from_ce());
    let t = if n < 0 {
        c.business(k - 1) - left + 1
    } else {
        c.business(k) + left
    };
    if t < 1 {
        return None;
    }
    let day = NaiveDate::from_num_days_from_ce_opt(i32::try_from(c.day_of(t)?).ok()?)?;
    in_range(day).then_some(day)
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
    if !in_range(d) {
        return None;
    }
    if is_business_day(cal, d) {
        return Some(d);
    }
    days_after(cal, d, Decimal::ONE)
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

/// A calendar's open time in a week without holidays or clock changes: the sum of its
/// weekdays' opening intervals on the local clock.
fn weekly_open(cal: &CheckedCalendar) -> Delta {
    cal.hours
        .iter()
        .flatten()
        .map(|(open, close)| match close {
            Some(c) => *c - *open,
            None => Delta::days(1) - (*open - NaiveTime::MIN),
        })
        .fold(Delta::zero(), |a, b| a + b)
}

/// Whether the seven local days from `d` have the calendar's nominal open time
/// ([`weekly_open`]): no holiday on an open weekday (a binary search) and no clock change
/// from the UTC midnight before `d` to the one after the week (which holds the local week
/// whatever the zone's offset): the same offset at each of those ten midnights.
fn plain_week(cal: &CheckedCalendar, d: NaiveDate) -> bool {
    let k = d.num_days_from_ce();
    let from = cal.open_holidays.partition_point(|&h| h < k);
    if cal.open_holidays.get(from).is_some_and(|&h| h < k + 7) {
        return false;
    }
    let offset = |day: NaiveDate| {
        let utc = NaiveDateTime::new(day, NaiveTime::MIN);
        cal.timezone.offset_from_utc_datetime(&utc).fix()
    };
    let first = offset(d - Delta::days(1));
    (0..=8).all(|k| offset(d + Delta::days(k)) == first)
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
    let first = at.with_timezone(&cal.timezone).date_naive();
    let mut day = first;
    let week = weekly_open(cal);
    for _ in 0..MAX_DAYS {
        if !in_range(day) {
            return None;
        }
        // whole weeks after the first day at once, while more than a week is left
        while day > first && left > week && in_range(day + Delta::days(7)) && plain_week(cal, day) {
            left -= week;
            day += Delta::days(7);
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
    let first = from.with_timezone(&cal.timezone).date_naive();
    let mut day = first;
    let last = to.with_timezone(&cal.timezone).date_naive();
    let mut total = Delta::zero();
    let week = weekly_open(cal);
    for _ in 0..MAX_DAYS {
        if day > last {
            return Some(total);
        }
        if !in_range(day) {
            return None;
        }
        // whole weeks strictly between the first and the last day at once
        while day > first && day + Delta::days(7) < last && plain_week(cal, day) {
            total += week;
            day += Delta::days(7);
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
        CheckedCalendar::new(
            "c".into(),
            crate::diag::Span {
                file: crate::diag::FileId(0),
                start: 0,
                end: 0,
            },
            tz.parse().unwrap(),
            hours,
            holidays.iter().map(|d| d.parse().unwrap()).collect(),
        )
    }

    /// Open time between two instants as it was measured before whole weeks were
    /// skipped: every day walked.
    fn walked_between(
        cal: &CheckedCalendar,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
    ) -> Delta {
        let (a, b) = (from.with_timezone(&Utc), to.with_timezone(&Utc));
        let mut day = from.with_timezone(&cal.timezone).date_naive();
        let last = to.with_timezone(&cal.timezone).date_naive();
        let mut total = Delta::zero();
        while b > a && day <= last {
            for (open, close) in intervals(cal, day) {
                let (open, close) = (
                    open.with_timezone(&Utc).max(a),
                    close.with_timezone(&Utc).min(b),
                );
                if close > open {
                    total += close - open;
                }
            }
            day = day.succ_opt().unwrap();
        }
        total
    }

    #[test]
    fn open_time_skipping_whole_weeks_is_the_walked_time() {
        // zones with clock changes of an hour, of half an hour (Lord Howe), at odd times
        // (Chatham), none; opening hours by day, by night and round the clock
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let zones = [
            "UTC",
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Europe/London",
        ];
        for (z, zone) in zones.iter().enumerate() {
            for shape in 0..3 {
                let mut hours: [Vec<(NaiveTime, Option<NaiveTime>)>; 7] = Default::default();
                for (w, h) in hours.iter_mut().enumerate() {
                    match shape {
                        0 if w < 5 => h.push((t("09:00"), Some(t("17:30")))),
                        1 => h.push((t("00:00"), None)),
                        2 if w % 2 == 0 => {
                            h.push((t("01:00"), Some(t("03:30"))));
                            h.push((t("22:00"), None));
                        }
                        _ => {}
                    }
                }
                let holidays: Vec<NaiveDate> = (0..200)
                    .map(|_| date("2020-01-01") + Delta::days(next(12 * 366) as i64))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let c = CheckedCalendar::new(
                    "c".into(),
                    crate::diag::Span {
                        file: crate::diag::FileId(0),
                        start: 0,
                        end: 0,
                    },
                    zone.parse().unwrap(),
                    hours,
                    holidays,
                );
                for _ in 0..40 {
                    let from = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
                        + Delta::minutes(next(10 * 365 * 1440) as i64);
                    let from = from.with_timezone(&FixedOffset::east_opt(3600 * z as i32).unwrap());
                    let to = from + Delta::minutes(next(400 * 1440) as i64);
                    let measured = open_between(&c, from, to).unwrap();
                    assert_eq!(
                        measured,
                        walked_between(&c, from, to),
                        "{zone} {shape} {from} {to}"
                    );
                    let due = add_open(&c, from, measured).unwrap();
                    assert_eq!(
                        walked_between(&c, from, due),
                        measured,
                        "{zone} {shape} {from}"
                    );
                    if measured > Delta::zero() {
                        // the due instant is the first with that much open time behind it
                        let before = due - Delta::nanoseconds(1);
                        assert!(
                            walked_between(&c, from, before) < measured,
                            "{zone} {shape} {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn counted_business_days_are_the_walked_ones() {
        // calendars with holidays in runs, on open and closed weekdays, one or seven open
        // weekdays; starts on holidays, on closed days, near the range's ends
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for shape in 0..24u64 {
            let mut hours: [Vec<(NaiveTime, Option<NaiveTime>)>; 7] = Default::default();
            for (w, h) in hours.iter_mut().enumerate() {
                if shape % 6 == 0 && w != 5 || (shape % 6 != 0 && next(3) > 0) {
                    continue;
                }
                h.push((t("09:00"), Some(t("17:00"))));
            }
            let mut holidays: Vec<NaiveDate> = Vec::new();
            let mut day = date("1899-12-01");
            while day < date("2201-02-01") {
                day += Delta::days(1 + next(40) as i64);
                let run = if next(10) == 0 { 1 + next(30) } else { 1 };
                for k in 0..run {
                    holidays.push(day + Delta::days(k as i64));
                }
            }
            holidays.sort();
            holidays.dedup();
            let c = CheckedCalendar::new(
                "c".into(),
                crate::diag::Span {
                    file: crate::diag::FileId(0),
                    start: 0,
                    end: 0,
                },
                chrono_tz::UTC,
                hours,
                holidays,
            );
            for _ in 0..300 {
                let d = date("1900-01-01") + Delta::days(next(301 * 366) as i64);
                let n = next(900) as i64 - 450;
                let expected = walked_days(&c, d, n);
                assert_eq!(
                    days_after(&c, d, Decimal::from(n)),
                    expected,
                    "shape {shape}, {d} {n}"
                );
                assert_eq!(counted_days(&c, d, n), expected, "shape {shape}, {d} {n}");
                let small = n % WALK_BELOW;
                assert_eq!(
                    counted_days(&c, d, small),
                    walked_days(&c, d, small),
                    "shape {shape}, {d} {small}"
                );
            }
            for (d, n) in [("1900-01-03", -5), ("2200-12-28", 9), ("2200-12-31", 0)] {
                assert_eq!(
                    days_after(&c, date(d), Decimal::from(n)),
                    walked_days(&c, date(d), n)
                );
                assert_eq!(counted_days(&c, date(d), n), walked_days(&c, date(d), n));
            }
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
        let closed = CheckedCalendar::new(
            c.name.clone(),
            c.span,
            c.timezone,
            Default::default(),
            c.holidays.clone(),
        );
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
