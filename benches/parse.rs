//! Parse benchmarks: generated first-hit rule sets of 100, 1,000 and 10,000 rules.
//! Target (issue #2): 10,000 rules parsed in under 150 ms.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

mod common;

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for n in [100usize, 1_000, 10_000] {
        let text = common::first_hit_rule_set(n, 7);
        let parsed = aftersales::dsl::parse_str("bench.rules", &text);
        assert!(
            parsed.diagnostics.is_empty(),
            "generated rule set must parse: {:?}",
            parsed.diagnostics.as_slice().first()
        );
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| aftersales::dsl::parse_str("bench.rules", black_box(text)))
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
