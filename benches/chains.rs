//! Shapes that were quadratic or crashed (issue #12): a chain of decisions each reading the
//! one before (evaluated without recursion limits; the analyses' cost linear in the chain),
//! and an explanation of one `and` of many tests on one long line (columns found without
//! counting the line again for every step). Each is measured at two sizes ten times apart:
//! linear costs grow about ten times.

use aftersales::RuleSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;

/// `n` decisions, `d{i}` reading `d{i-1}`; with `otherwise` (no gaps) or without (every
/// decision has a gap the analyses look for).
fn chain(n: usize, otherwise: bool) -> String {
    let other = if otherwise { " otherwise x = 0" } else { "" };
    let mut text = format!(
        "decision d0 {{ output x: int = 0 rule r when customer.id != \"\" then x = 1{other} }}\n"
    );
    for i in 1..n {
        text.push_str(&format!(
            "decision d{i} {{ output x: int = 0 rule r when d{p}.x > 0 then x = d{p}.x + 1{other} }}\n",
            p = i - 1
        ));
    }
    text
}

fn load_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain/load");
    group.sample_size(10);
    for (n, otherwise) in [
        (1_000, true),
        (10_000, true),
        (1_000, false),
        (10_000, false),
    ] {
        let text = chain(n, otherwise);
        let id = format!("{n}{}", if otherwise { "" } else { "_gaps" });
        group.bench_with_input(BenchmarkId::from_parameter(id), &text, |b, text| {
            b.iter_with_large_drop(|| {
                RuleSet::from_sources([("chain.rules".to_string(), text.clone())])
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    }
    group.finish();
}

fn decide_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain/decide");
    for n in [100usize, 1_000] {
        let rules = RuleSet::from_sources([("chain.rules".to_string(), chain(n, true))])
            .unwrap_or_else(|e| panic!("{e}"));
        let facts = rules
            .facts_from_json(r#"{"customer": {"id": "K1"}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let last = rules
            .handle(&format!("d{}", n - 1))
            .unwrap_or_else(|e| panic!("{e}"));
        let d = rules
            .decide_with(last, &facts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.get::<i64>("x").unwrap_or(0), n as i64);
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| rules.decide_with(black_box(last), black_box(&facts)))
        });
    }
    group.finish();
}

fn explain_long_and(c: &mut Criterion) {
    let mut group = c.benchmark_group("explain/and");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let terms = vec!["has customer.tier"; n].join(" and ");
        let text = format!(
            "decision d {{ output x: int = 0\n  rule r when {terms} then x = 1\n  otherwise x = 2 }}\n"
        );
        let rules = RuleSet::from_sources([("and.rules".to_string(), text)])
            .unwrap_or_else(|e| panic!("{e}"));
        let facts = rules
            .facts_from_json(r#"{"customer": {"id": "K1", "tier": "gold"}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let (_, why) = rules
                    .explain("d", black_box(&facts))
                    .unwrap_or_else(|e| panic!("{e}"));
                rules.explanation_json(&why)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load_chain, decide_chain, explain_long_and);
criterion_main!(benches);
