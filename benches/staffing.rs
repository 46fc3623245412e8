//! Staffing benchmark: a year of 15-minute intervals (35,040 required-agent
//! solves) of a large contact centre, with realistic daily and weekly
//! shapes, seasonal peaks and interval-to-interval noise. Volumes run from
//! zero at night to about 30,000 contacts per interval at the busiest peak
//! (about 10,000 Erlangs), AHT from 240 s to 420 s, target 80% in 20 s.
//! Target (DESIGN.md): under 1 s for the year.

use aftersales::host::workforce::erlang::Workload;
use aftersales::host::workforce::staffing::{plan, required_agents, ServiceTarget, StaffingPolicy};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

const INTERVALS_PER_DAY: usize = 96;
const DAYS: usize = 365;

/// A deterministic year of interval workloads.
fn year() -> Vec<Workload> {
    let interval = Duration::from_secs(15 * 60);
    let mut seed: u64 = 0x5eed_cafe;
    let mut noise = move || {
        // xorshift64*: reproducible noise in [0.9, 1.1).
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        0.9 + 0.2 * ((seed >> 11) as f64 / (1u64 << 53) as f64)
    };
    let mut loads = Vec::with_capacity(INTERVALS_PER_DAY * DAYS);
    for day in 0..DAYS {
        let weekday = [1.0, 0.95, 0.9, 0.9, 0.85, 0.45, 0.3][day % 7];
        // Seasonal peak in winter, trough in summer: 2,000 to 30,000 at peak.
        let season = 16_000.0 + 14_000.0 * (2.0 * std::f64::consts::PI * day as f64 / 365.0).cos();
        for slot in 0..INTERVALS_PER_DAY {
            let hour = slot as f64 / 4.0;
            // Open 07:00–22:00, a morning and an afternoon peak.
            let shape = if !(7.0..22.0).contains(&hour) {
                0.0
            } else {
                0.15 + (-(hour - 10.5f64).powi(2) / 4.0).exp()
                    + 0.8 * (-(hour - 15.0f64).powi(2) / 6.0).exp()
            };
            let volume = (season * weekday * shape * noise()).round();
            let aht = Duration::from_secs_f64(240.0 + 180.0 * (slot % 7) as f64 / 6.0);
            loads
                .push(Workload::new(volume, interval, aht).expect("generated workloads are valid"));
        }
    }
    loads
}

fn bench(c: &mut Criterion) {
    let loads = year();
    let policy =
        StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20)).expect("valid"))
            .with_shrinkage(0.3)
            .expect("valid");
    let peak = loads
        .iter()
        .map(|w| w.traffic().erlangs())
        .fold(0.0, f64::max);
    eprintln!("{} intervals, peak traffic {peak:.0} Erlangs", loads.len());
    let mut group = c.benchmark_group("staffing");
    group.sample_size(10);
    group.bench_function("year_15min_sequential", |b| {
        b.iter(|| {
            let mut agents = 0u64;
            for w in &loads {
                agents += u64::from(required_agents(black_box(w), &policy).map_or(0, |s| s.agents));
            }
            agents
        })
    });
    group.bench_function("year_15min_parallel", |b| {
        b.iter(|| plan(black_box(&loads), &policy).len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
