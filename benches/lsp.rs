//! The language server's refresh (issue #16): a change to one file of a rule set re-checks
//! the folder (`lsp::analysis::Analysis::of`: parse, names, types; the diagnostics the
//! editor shows), on the generated 10,000-rule table of `benches/common` (goal < 300 ms).

#[path = "common/mod.rs"]
mod common;

use aftersales::lsp::analysis::Analysis;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lsp");
    g.sample_size(10);
    for n in [1_000usize, 10_000] {
        let text = common::neutral_rule_set(n, 7);
        g.bench_with_input(BenchmarkId::new("refresh", n), &text, |b, text| {
            b.iter(|| {
                let a = Analysis::of(vec![("table.rules".to_string(), text.clone())]);
                assert!(a
                    .diagnostics
                    .iter()
                    .all(|d| d.severity != aftersales::diag::Severity::Error));
                a
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
