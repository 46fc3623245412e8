//! Business time on calendars (issue #15, LANGUAGE.md §5.10): business days are counted,
//! not walked (O(log² h) in the calendar's holidays whatever the span), and business
//! hours skip whole plain weeks. On the bundled `us_office` (America/New_York, 08:00–18:00
//! on weekdays, the U.S. federal holidays) and the prelude's `us_federal`.

use aftersales::value::Duration;
use aftersales::RuleSet;
use chrono::{DateTime, FixedOffset, TimeDelta};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).expect("rules load");
    let office = rules.calendar("us_office").expect("us_office");
    let federal = rules.calendar("us_federal").expect("us_federal");
    let at: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2026-03-02T16:30:00-05:00").expect("instant");
    let mut g = c.benchmark_group("calendar");
    for n in [5u32, 250, 2500] {
        let days = Duration::parse(&format!("{n} business days")).expect("duration");
        g.bench_with_input(BenchmarkId::new("business_days", n), &days, |b, days| {
            b.iter(|| federal.add(black_box(at), black_box(days)))
        });
    }
    for h in [8i64, 2000] {
        let amount = TimeDelta::hours(h);
        g.bench_with_input(BenchmarkId::new("add_hours", h), &amount, |b, amount| {
            b.iter(|| office.add_open(black_box(at), black_box(*amount)))
        });
    }
    for days in [7i64, 365] {
        let to = at + TimeDelta::days(days);
        g.bench_with_input(BenchmarkId::new("open_between_days", days), &to, |b, to| {
            b.iter(|| office.open_between(black_box(at), black_box(*to)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
