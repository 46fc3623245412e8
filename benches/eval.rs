//! Evaluation benchmarks: the reference interpreter deciding a first-hit decision of
//! 100, 1,000 and 10,000 rules over 8 fields of mixed types (the baseline the compiled
//! engine of issue #4 must beat by 20× at 1,000 rules).

use aftersales::eval::reference;
use aftersales::facts::Facts;
use aftersales::RuleSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;

mod common;

fn decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("reference_decide");
    group.sample_size(20);
    for n in [100usize, 1_000, 10_000] {
        let rules =
            RuleSet::from_sources([("bench.rules".to_string(), common::first_hit_rule_set(n, 7))])
                .unwrap_or_else(|e| panic!("{e}"));
        let bundles: Vec<Facts> = (0..64)
            .map(|s| {
                Facts::from_json_str(rules.env(), &common::item_bundle(s))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        // every bundle must evaluate
        for f in &bundles {
            reference::decide(rules.checked(), "tier", f).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut i = 0usize;
        group.bench_with_input(BenchmarkId::from_parameter(n), &bundles, |b, bundles| {
            b.iter(|| {
                i = (i + 1) % bundles.len();
                reference::decide(black_box(rules.checked()), "tier", black_box(&bundles[i]))
            })
        });
    }
    group.finish();
}

/// Validating a bundle from its JSONL line, the other half of `aftersales eval`.
fn facts(c: &mut Criterion) {
    let rules =
        RuleSet::from_sources([("bench.rules".to_string(), common::first_hit_rule_set(10, 7))])
            .unwrap_or_else(|e| panic!("{e}"));
    let line = common::item_bundle(3);
    c.bench_function("facts_from_jsonl_line", |b| {
        b.iter(|| Facts::from_json_str(rules.env(), black_box(&line)))
    });
}

criterion_group!(benches, decide, facts);
criterion_main!(benches);
