//! Parse benchmarks: generated first-hit rule sets of 100, 1,000 and 10,000 rules.
//! Targets: 10,000 rules parsed in under 150 ms (issue #2); parse + check of 10,000
//! rules under 400 ms (issue #3).

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
            // the tree is dropped outside the timing: loading keeps it
            b.iter_with_large_drop(|| aftersales::dsl::parse_str("bench.rules", black_box(text)))
        });
    }
    group.finish();
}

fn parse_and_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_check");
    group.sample_size(10);
    for n in [100usize, 1_000, 10_000] {
        let text = common::first_hit_rule_set(n, 7);
        let (_, _, diags) = aftersales::load::check_sources([("bench.rules".into(), text.clone())]);
        assert!(
            diags.is_empty(),
            "generated rule set must check: {:?}",
            diags.as_slice().first()
        );
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                aftersales::load::check_sources([("bench.rules".into(), black_box(text.clone()))])
            })
        });
    }
    group.finish();
}

/// The reference parser (pest) on the same input, for the ratio.
fn parse_reference(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_pest_reference");
    group.sample_size(10);
    let n = 1_000usize;
    let text = common::first_hit_rule_set(n, 7);
    let mut map = aftersales::diag::SourceMap::new();
    let file = map.add("bench.rules", text.as_str());
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_with_large_drop(|| aftersales::dsl::parse_file_with_pest(black_box(&map), file))
    });
    group.finish();
}

criterion_group!(benches, parse, parse_and_check, parse_reference);
criterion_main!(benches);
