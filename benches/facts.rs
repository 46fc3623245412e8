//! Fact bundle validation: a typical claim bundle (`id`, `context`, a `product` of 6
//! fields and a `claim` of 12) validated from a parsed `serde_json::Value`, and from one
//! line of text (as in JSONL), both with this crate's parser and through a
//! `serde_json::Value` for comparison.
//! Budget (DESIGN.md): the whole eval pipeline at 200,000 bundles/s/core, so validation
//! must stay well under 5 µs.

use aftersales::facts::Facts;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const RULES: &str = r#"
units { currency USD distance mi }
codes fault "Fault codes" {
  P0300 "Random misfire" {}  P0301 "Misfire, cylinder 1" {}  P0302 "Misfire, cylinder 2" {}
  P0420 "Catalyst efficiency" {}  B1004 "Airbag circuit" {}
}
codes claim_type "Claim types" { WR "Warranty repair" {}  GW "Goodwill" {}  RC "Recall" {} }
codes labor_op "Labour operations" { L100 "Replace coil" {}  L200 "Replace plug" {} }
"#;

const BUNDLE: &str = r#"{
  "id": "C-2026-000123",
  "context": {"today": "2026-03-01", "now": "2026-03-01T09:30:00Z"},
  "product": {"serial": "KM8K1", "model": "IONIQ 5", "model_year": 2023,
              "category": "ev", "in_service_date": "2023-02-01", "owner": "original"},
  "claim": {"id": "C1", "claim_type": "WR", "fault": "P0301", "labor_op": "L100",
            "causal_part": "27301-2B100", "supplier": "ACME", "failure_date": "2026-02-18",
            "repair_date": "2026-02-20", "odometer": "41000 mi", "labor_hours": 1.5,
            "parts": "USD 120.50", "labor": 80}
}"#;

fn facts(c: &mut Criterion) {
    let (_, env, diags) =
        aftersales::load::check_sources([("bench.rules".to_string(), RULES.to_string())]);
    assert!(!diags.has_errors(), "{:?}", diags.as_slice());
    let value: serde_json::Value = serde_json::from_str(BUNDLE).unwrap();
    assert!(Facts::from_json(&env, &value).is_ok());
    let mut group = c.benchmark_group("facts");
    group.bench_function("from_json", |b| {
        b.iter(|| Facts::from_json(black_box(&env), black_box(&value)))
    });
    // as one line of JSONL
    let line = value.to_string();
    group.bench_function("from_json_str", |b| {
        b.iter(|| Facts::from_json_str(black_box(&env), black_box(&line)))
    });
    group.bench_function("serde_json_value_then_from_json", |b| {
        b.iter(|| {
            let v = serde_json::from_str::<serde_json::Value>(black_box(&line));
            v.map(|v| Facts::from_json(&env, &v))
        })
    });
    group.finish();
}

criterion_group!(benches, facts);
criterion_main!(benches);
