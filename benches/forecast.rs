//! Forecasting and scheduling benchmarks (issue #6 point 7).
//!
//! * Holt-Winters fit + backtest + forecast of a two-year 15-minute history
//!   (70,080 points), season 96 alone and seasons 96 and 672 compared; target
//!   under 2 s each.
//! * Scheduling a realistic week of 30-minute requirements (336 intervals,
//!   214 candidate shifts) with the MIP, and with the greedy heuristic.
//!
//! Run short: `cargo bench --bench forecast -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use aftersales::host::workforce::forecast::{forecast, ForecastConfig};
use aftersales::host::workforce::schedule::{
    build_problem, parse_requirements_csv, parse_shifts_yaml, solve, MethodChoice, SolveOptions,
};
use criterion::{criterion_group, criterion_main, Criterion};

/// Two years of 15-minute contact counts: a daily double peak, quieter
/// weekends, growth of 20 % a year and deterministic noise; strictly
/// positive so both seasonal kinds are tried.
fn two_year_history() -> Vec<f64> {
    let mut state: u64 = 42;
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    (0..70_080)
        .map(|t| {
            let hour = (t % 96) as f64 / 4.0;
            let day = (t / 96) % 7;
            let shape = 2.0
                + 30.0 * (-((hour - 11.0) / 2.5f64).powi(2)).exp()
                + 22.0 * (-((hour - 15.5) / 2.5f64).powi(2)).exp();
            let week = if day >= 5 { 0.45 } else { 1.0 };
            let growth = 1.0 + 0.2 * t as f64 / 35_040.0;
            (shape * week * growth * (1.0 + 0.15 * noise())).max(0.5)
        })
        .collect()
}

fn bench_forecast(c: &mut Criterion) {
    let y = two_year_history();
    let mut g = c.benchmark_group("forecast_2y_15min");
    g.sample_size(10);
    g.bench_function("season_96_horizon_96", |b| {
        let cfg = ForecastConfig::new(96, 96);
        b.iter(|| forecast(black_box(&y), &cfg).map(|r| r.points.len()))
    });
    g.bench_function("seasons_96_672_horizon_672", |b| {
        let mut cfg = ForecastConfig::new(672, 96);
        cfg.seasons = vec![96, 672];
        b.iter(|| forecast(black_box(&y), &cfg).map(|r| r.points.len()))
    });
    g.finish();
}

fn bench_schedule(c: &mut Criterion) {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/workforce/forecast/"
    );
    let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).unwrap_or_default();
    let (Ok(req), Ok(spec)) = (
        parse_requirements_csv(&read("week_requirements.csv")),
        parse_shifts_yaml(&read("week_shifts.yaml")),
    ) else {
        eprintln!("week fixtures missing; scheduling benchmark skipped");
        return;
    };
    let Ok(problem) = build_problem(&req, &spec) else {
        return;
    };
    let mut g = c.benchmark_group("schedule_week_30min");
    g.sample_size(10);
    g.bench_function("mip", |b| {
        let opts = SolveOptions::default();
        b.iter(|| solve(black_box(&problem), &opts).map(|s| s.cost))
    });
    g.bench_function("greedy", |b| {
        let opts = SolveOptions {
            method: MethodChoice::Greedy,
            ..SolveOptions::default()
        };
        b.iter(|| solve(black_box(&problem), &opts).map(|s| s.cost))
    });
    g.finish();
}

criterion_group!(benches, bench_forecast, bench_schedule);
criterion_main!(benches);
