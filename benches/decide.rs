//! The compiled engine: `RuleSet::decide` through the decision DAG on the generated
//! first-hit decision of 100, 1,000 and 10,000 rules over 8 fields of mixed types (the same
//! rule sets and bundles as `benches/eval.rs`, whose `reference_decide` is the baseline);
//! loading (parse + check + compile) 10,000 rules; and an adversarial rule set of many
//! independent ranges over many fields, where the node budget must keep the DAG bounded.

use aftersales::facts::Facts;
use aftersales::RuleSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;

mod common;

fn bundles(rules: &RuleSet, make: fn(u64) -> String) -> Vec<Facts> {
    (0..64)
        .map(|s| Facts::from_json_str(rules.env(), &make(s)).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide");
    for n in [100usize, 1_000, 10_000] {
        let rules =
            RuleSet::from_sources([("bench.rules".to_string(), common::first_hit_rule_set(n, 7))])
                .unwrap_or_else(|e| panic!("{e}"));
        let bundles = bundles(&rules, common::item_bundle);
        let tier = rules.handle("tier").unwrap_or_else(|e| panic!("{e}"));
        // the compiled answer is the reference answer on every bundle
        for f in &bundles {
            let compiled = rules.decide_with(tier, f);
            let reference = aftersales::eval::reference::decide(rules.checked(), "tier", f);
            assert_eq!(compiled, reference);
        }
        if let Some(s) = rules.dag_stats("tier") {
            eprintln!("decide/{n}: {s:?}");
        }
        let mut i = 0usize;
        group.bench_with_input(BenchmarkId::from_parameter(n), &bundles, |b, bundles| {
            b.iter(|| {
                i = (i + 1) % bundles.len();
                rules.decide_with(black_box(tier), black_box(&bundles[i]))
            })
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let text = common::first_hit_rule_set(n, 7);
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                RuleSet::from_sources([("bench.rules".to_string(), text.clone())])
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    }
    group.finish();
}

fn adversarial(c: &mut Criterion) {
    let mut group = c.benchmark_group("adversarial");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let text = common::adversarial_rule_set(n, 11);
        let rules = RuleSet::from_sources([("adv.rules".to_string(), text.clone())])
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(s) = rules.dag_stats("grid") {
            eprintln!("adversarial/{n}: {s:?}");
        }
        let bundles = bundles(&rules, common::grid_bundle);
        let grid = rules.handle("grid").unwrap_or_else(|e| panic!("{e}"));
        for f in &bundles {
            let compiled = rules.decide_with(grid, f);
            let reference = aftersales::eval::reference::decide(rules.checked(), "grid", f);
            assert_eq!(compiled, reference);
        }
        let mut i = 0usize;
        group.bench_with_input(BenchmarkId::new("decide", n), &bundles, |b, bundles| {
            b.iter(|| {
                i = (i + 1) % bundles.len();
                rules.decide_with(black_box(grid), black_box(&bundles[i]))
            })
        });
        group.bench_with_input(BenchmarkId::new("load", n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                RuleSet::from_sources([("adv.rules".to_string(), text.clone())])
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    }
    group.finish();
}

/// Issue #13's neutral table (`common::neutral_rule_set`): decide and load at three sizes.
/// Prints how deep the first hit is and how many bundles fall through, so that the shape
/// can be checked against the issue's (median hit at 20–30% of the table, 10–15% through).
fn neutral(c: &mut Criterion) {
    let mut group = c.benchmark_group("neutral/decide");
    for n in [100usize, 1_000, 10_000] {
        let rules =
            RuleSet::from_sources([("neutral.rules".to_string(), common::neutral_rule_set(n, 13))])
                .unwrap_or_else(|e| panic!("{e}"));
        let bundles: Vec<Facts> = (0..256)
            .map(|s| {
                Facts::from_json_str(rules.env(), &common::neutral_bundle(s))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let h = rules.handle("neutral").unwrap_or_else(|e| panic!("{e}"));
        let mut depths = Vec::new();
        for f in &bundles {
            let compiled = rules.decide_with(h, f);
            let reference = aftersales::eval::reference::decide(rules.checked(), "neutral", f);
            assert_eq!(compiled, reference);
            let rule = compiled
                .ok()
                .and_then(|d| d.get::<i64>("hit").ok())
                .unwrap_or(-1);
            depths.push(rule);
        }
        let through = depths.iter().filter(|d| **d < 0).count();
        let mut hit: Vec<i64> = depths.into_iter().filter(|d| *d >= 0).collect();
        hit.sort_unstable();
        let median = hit.get(hit.len() / 2).copied().unwrap_or(-1);
        let p90 = hit.get(hit.len() * 9 / 10).copied().unwrap_or(-1);
        eprintln!(
            "neutral/{n}: first hit median {:.0}%, p90 {:.0}% of the table, {:.0}% fall through; {:?}",
            100.0 * median as f64 / n as f64,
            100.0 * p90 as f64 / n as f64,
            100.0 * through as f64 / bundles.len() as f64,
            rules.dag_stats("neutral")
        );
        let mut i = 0usize;
        group.bench_with_input(
            BenchmarkId::new("decide_with", n),
            &bundles,
            |b, bundles| {
                b.iter(|| {
                    i = (i + 1) % bundles.len();
                    rules.decide_with(black_box(h), black_box(&bundles[i]))
                })
            },
        );
        // the allocation-free path: into a verdict kept from one bundle to the next
        let mut verdict = aftersales::Verdict::new();
        group.bench_with_input(
            BenchmarkId::new("decide_into", n),
            &bundles,
            |b, bundles| {
                b.iter(|| {
                    i = (i + 1) % bundles.len();
                    let r = rules.decide_into(black_box(h), black_box(&bundles[i]), &mut verdict);
                    black_box(verdict.value(0));
                    r
                })
            },
        );
    }
    group.finish();
    let mut group = c.benchmark_group("neutral/load");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let text = common::neutral_rule_set(n, 13);
        // `NEUTRAL_RULES_DIR=dir` writes the table, to measure `aftersales check` on it
        // (peak memory with /usr/bin/time -v)
        if let Ok(dir) = std::env::var("NEUTRAL_RULES_DIR") {
            let _ = std::fs::create_dir_all(format!("{dir}/{n}"));
            let _ = std::fs::write(format!("{dir}/{n}/neutral.rules"), &text);
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                RuleSet::from_sources([("neutral.rules".to_string(), text.clone())])
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    }
    group.finish();
}

/// The threshold table (`common::threshold_rule_set`) loaded at 1 to 100,000 rules: time
/// (and, with `THRESHOLD_RULES_DIR=dir`, the tables written out to measure `aftersales
/// check`'s peak memory) must grow no worse than n log n.
fn thresholds(c: &mut Criterion) {
    let mut group = c.benchmark_group("thresholds/load");
    group.sample_size(10);
    for n in [1usize, 100, 1_000, 10_000, 100_000] {
        let text = common::threshold_rule_set(n);
        if let Ok(dir) = std::env::var("THRESHOLD_RULES_DIR") {
            let _ = std::fs::create_dir_all(format!("{dir}/{n}"));
            let _ = std::fs::write(format!("{dir}/{n}/thresholds.rules"), &text);
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                RuleSet::from_sources([("t.rules".to_string(), text.clone())])
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    }
    group.finish();
}

/// The per-decision floor: a decision of one rule on one field, both paths.
fn floor(c: &mut Criterion) {
    let rules = RuleSet::from_sources([(
        "one.rules".to_string(),
        "decision one { output x: int = 0 rule r when customer.id == \"K1\" then x = 1 }"
            .to_string(),
    )])
    .unwrap_or_else(|e| panic!("{e}"));
    let facts = rules
        .facts_from_json(r#"{"id": "B1", "customer": {"id": "K1"}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let h = rules.handle("one").unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("floor/one_rule");
    group.bench_function("decide_with", |b| {
        b.iter(|| rules.decide_with(black_box(h), black_box(&facts)))
    });
    let mut verdict = aftersales::Verdict::new();
    group.bench_function("decide_into", |b| {
        b.iter(|| {
            let r = rules.decide_into(black_box(h), black_box(&facts), &mut verdict);
            black_box(verdict.value(0));
            r
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    decide,
    load,
    adversarial,
    neutral,
    thresholds,
    floor
);
criterion_main!(benches);
