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
        // warnings (an analysis cut short by its budget, E0304) are allowed
        let error = diags
            .as_slice()
            .iter()
            .find(|d| d.severity == aftersales::diag::Severity::Error);
        assert!(error.is_none(), "generated rule set must check: {error:?}");
        group.throughput(Throughput::Bytes(text.len() as u64));
        // parse and check only: `load::check_sources` also compiles and runs the
        // analyses (that is `decide.rs`'s `load`)
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                let mut parsed = aftersales::check::with_prelude();
                aftersales::dsl::parse_sources_into(
                    &mut parsed,
                    [("bench.rules".to_string(), black_box(text.clone()))],
                );
                let checked = aftersales::check::check_full(&parsed);
                (parsed, checked)
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
