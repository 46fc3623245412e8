//! A recall notice against an installed base (issue #15): units decided per second by
//! `host::recalls::base::Notice::unit` (the row's product facts built from its cells, the
//! recall's `affects` decided) over a generated base of 100,000 vehicles on the bundled
//! rules, one in four affected.

use aftersales::host::recalls::base::{Notice, UnitOutcome};
use aftersales::RuleSet;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn base(n: usize) -> Vec<Vec<String>> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let models = ["IONIQ 5", "IONIQ 6", "KONA", "TUCSON"];
    (0..n)
        .map(|k| {
            let y = 2020 + next(5) as i32;
            let build =
                chrono::NaiveDate::from_ymd_opt(y, 1 + next(12) as u32, 1 + next(28) as u32)
                    .expect("date");
            vec![
                format!("KMH{k:014}"),
                "HYUNDAI".into(),
                models[next(4) as usize].into(),
                y.to_string(),
                build.to_string(),
                (build + chrono::TimeDelta::days(30)).to_string(),
                ["original", "subsequent", "fleet"][next(3) as usize].into(),
                ["us", "eu", "other"][next(3) as usize].into(),
                format!("Owner {k}"),
                format!("owner{k}@example.com"),
            ]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).expect("rules");
    let notice = Notice::from_json_str(
        &rules,
        r#"{"recall": "R24V123", "recall_notice": {"id": "N", "severity": "safety", "determined_on": "2026-11-20"}, "context": {"today": "2026-12-02"}}"#,
    )
    .expect("notice");
    let header = [
        "serial",
        "make",
        "model",
        "model_year",
        "build_date",
        "in_service_date",
        "owner",
        "market",
        "owner_name",
        "owner_email",
    ];
    let rows = base(100_000);
    let mut g = c.benchmark_group("recall");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("units/100000", |b| {
        b.iter(|| {
            let mut affected = 0usize;
            for row in &rows {
                let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                if let Ok(UnitOutcome::Affected { .. }) = notice.unit(&header, &cells) {
                    affected += 1;
                }
            }
            black_box(affected)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
