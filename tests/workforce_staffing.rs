//! Staffing maths against published values and independent implementations:
//! exact decimal sums of the textbook Erlang formulas, the plain Erlang B
//! recursion from zero, and a birth–death chain with a tagged-customer
//! analysis for Erlang A.

use aftersales::host::workforce::erlang::{
    erlang_b, erlang_c, ErlangA, ErlangC, StaffingError, Traffic, Workload, MAX_TRAFFIC_ERLANGS,
};
use aftersales::host::workforce::staffing::{
    evaluate, plan, plan_intervals_csv, read_intervals_csv, required_agents, scheduled_agents,
    ServiceTarget, StaffingPolicy,
};
use proptest::prelude::*;
use rust_decimal::prelude::*;
use rust_decimal::Decimal;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn load(traffic: f64, aht: u64) -> Workload {
    Workload::from_traffic(Traffic::new(traffic).unwrap(), secs(aht)).unwrap()
}

fn policy(level: f64, within: u64) -> StaffingPolicy {
    StaffingPolicy::new(ServiceTarget::new(level, secs(within)).unwrap())
}

fn published() -> Workload {
    Workload::new(100.0, secs(1800), secs(180)).unwrap()
}

// ---------------------------------------------------------------------------
// Independent references
// ---------------------------------------------------------------------------

/// Erlang C by the textbook formula, in exact decimal arithmetic (28
/// significant digits): `C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))`.
fn erlang_c_decimal(traffic: Decimal, agents: u32) -> Decimal {
    let n = Decimal::from(agents);
    let mut term = Decimal::ONE; // A^k / k!
    let mut below = Decimal::ZERO;
    for k in 0..agents {
        below += term;
        term = term * traffic / Decimal::from(k + 1);
    }
    let waiting = term * n / (n - traffic);
    waiting / (below + waiting)
}

/// Erlang B by the plain recursion from zero, no warm start.
fn erlang_b_plain(traffic: f64, agents: u64) -> f64 {
    let mut b = 1.0f64;
    for k in 1..=agents {
        b = traffic * b / (k as f64 + traffic * b);
    }
    b
}

/// Erlang A by its birth–death chain, truncated far in the tail, and the
/// fate of a tagged arrival who finds `j` contacts queued ahead: each phase
/// with `k` ahead ends at rate `Nμ + kθ` (an agent frees up or someone ahead
/// hangs up) or `θ` (the tagged contact hangs up).
struct ChainA {
    p_wait: f64,
    p_abandon: f64,
    asa: f64,
    /// Arrival-state probabilities `π_k` and the chain's rates.
    pi: Vec<f64>,
    agents: usize,
    mu: f64,
    theta: f64,
}

impl ChainA {
    fn new(traffic: f64, agents: usize, aht: f64, patience: f64) -> Self {
        let mu = 1.0 / aht;
        let theta = 1.0 / patience;
        let lambda = traffic * mu;
        let states = agents + 4000;
        let mut pi = vec![1.0f64; states];
        for k in 1..states {
            let death = if k <= agents {
                k as f64 * mu
            } else {
                agents as f64 * mu + (k - agents) as f64 * theta
            };
            pi[k] = pi[k - 1] * lambda / death;
        }
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        let p_wait: f64 = pi[agents..].iter().sum();
        let queue: f64 = pi[agents..]
            .iter()
            .enumerate()
            .map(|(j, p)| j as f64 * p)
            .sum();
        let p_abandon = theta * queue / lambda;
        let chain = ChainA {
            p_wait,
            p_abandon,
            asa: 0.0,
            pi,
            agents,
            mu,
            theta,
        };
        // Mean wait of answered contacts: Σ over the phases passed of
        // P(reach phase) · E[sojourn] · P(answered from that phase).
        let mut answered = 0.0;
        let mut wait_answered = 0.0;
        for (j, p) in chain.pi[agents..].iter().enumerate().take(3000) {
            let (s, w) = chain.fate(j);
            answered += p * s;
            wait_answered += p * w;
        }
        answered += chain.pi[..agents].iter().sum::<f64>();
        ChainA {
            asa: wait_answered / answered,
            ..chain
        }
    }

    fn advance(&self, k: usize) -> f64 {
        self.agents as f64 * self.mu + k as f64 * self.theta
    }

    /// (P(answered), E[wait · 1{answered}]) for an arrival with `j` ahead.
    fn fate(&self, j: usize) -> (f64, f64) {
        // s[k] = P(answered from phase k) = Π_{m≤k} adv_m / (adv_m + θ).
        let mut s = Vec::with_capacity(j + 1);
        let mut acc = 1.0;
        for k in 0..=j {
            acc *= self.advance(k) / (self.advance(k) + self.theta);
            s.push(acc);
        }
        let mut reach = 1.0;
        let mut wait = 0.0;
        for k in (0..=j).rev() {
            let out = self.advance(k) + self.theta;
            wait += reach * s[k] / out;
            reach *= self.advance(k) / out;
        }
        (s[j], wait)
    }

    /// P(answered within t) by uniformisation of the tagged contact's chain.
    fn service_level(&self, t: f64) -> f64 {
        let immediate: f64 = self.pi[..self.agents].iter().sum();
        let jmax = 400usize;
        let rate = self.advance(jmax) + self.theta;
        let mean = rate * t;
        let steps = (mean + 12.0 * mean.sqrt() + 30.0) as usize;
        // dist[k] = P(tagged contact in phase k); answered mass accumulates.
        let mut dist: Vec<f64> = self.pi[self.agents..self.agents + jmax + 1].to_vec();
        let mut answered = 0.0;
        let mut weight = (-mean).exp();
        let mut within = 0.0;
        for m in 0..=steps {
            within += weight * answered;
            let mut next = vec![0.0; jmax + 1];
            let mut newly = 0.0;
            for k in 0..=jmax {
                let adv = self.advance(k) / rate;
                let stay = 1.0 - adv - self.theta / rate;
                next[k] += dist[k] * stay;
                if k == 0 {
                    newly += dist[0] * adv;
                } else {
                    next[k - 1] += dist[k] * adv;
                }
            }
            dist = next;
            answered += newly;
            weight *= mean / (m + 1) as f64;
        }
        immediate + within
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

// ---------------------------------------------------------------------------
// Published values
// ---------------------------------------------------------------------------

#[test]
fn published_check_fourteen_agents() {
    let s = required_agents(&published(), &policy(0.8, 20)).unwrap();
    assert_eq!(s.traffic_erlangs, 10.0);
    assert_eq!(s.agents, 14);
    assert_eq!(s.scheduled_agents, 14);
    assert_eq!(format!("{:.3}", s.service_level), "0.888");
    assert_eq!(format!("{:.3}", s.p_wait), "0.174");
    assert_eq!(format!("{:.3}", s.occupancy), "0.714");
    assert_eq!(format!("{:.2}", s.asa_seconds), "7.84");
    assert!(s.meets_target);
}

#[test]
fn published_check_with_shrinkage_and_thirteen_agents() {
    let shrunk = policy(0.8, 20).with_shrinkage(0.3).unwrap();
    assert_eq!(
        required_agents(&published(), &shrunk)
            .unwrap()
            .scheduled_agents,
        20
    );
    let thirteen = evaluate(&published(), 13, &policy(0.8, 20)).unwrap();
    assert_eq!(format!("{:.4}", thirteen.service_level), "0.7956");
    assert!(!thirteen.meets_target);
}

#[test]
fn erlang_b_matches_textbook_table() {
    // Erlang B table (1% grade of service): 10 lines carry 4.461 E,
    // 100 lines 84.06 E; 2% with 50 lines: 40.26 E.
    for (lines, erlangs, grade) in [(10, 4.461, 0.01), (100, 84.06, 0.01), (50, 40.26, 0.02)] {
        let b = erlang_b(Traffic::new(erlangs).unwrap(), lines);
        assert!(
            (b - grade).abs() < grade * 0.005,
            "B({lines}, {erlangs}) = {b}"
        );
    }
}

#[test]
fn erlang_b_edge_values() {
    let one = Traffic::new(1.0).unwrap();
    assert_eq!(erlang_b(one, 0), 1.0);
    assert_eq!(erlang_b(one, 1), 0.5);
    assert_eq!(erlang_b(Traffic::new(0.0).unwrap(), 3), 0.0);
    // Astronomically many lines: blocking underflows to exactly zero.
    assert_eq!(erlang_b(one, u32::MAX), 0.0);
}

// ---------------------------------------------------------------------------
// Against the independent references
// ---------------------------------------------------------------------------

#[test]
fn erlang_c_matches_exact_decimal_sums() {
    for (traffic, agents) in [
        ("0.5", 1u32),
        ("1.25", 2),
        ("10", 11),
        ("10", 14),
        ("7.3", 9),
        ("19.99", 20),
        ("25", 32),
        ("40.5", 48),
    ] {
        let exact = erlang_c_decimal(Decimal::from_str(traffic).unwrap(), agents)
            .to_f64()
            .unwrap();
        let ours = erlang_c(Traffic::new(traffic.parse().unwrap()).unwrap(), agents).unwrap();
        assert!(
            close(ours, exact, 1e-13),
            "C({agents}, {traffic}): {ours} vs {exact}"
        );
    }
}

#[test]
fn erlang_b_matches_plain_recursion_at_large_traffic() {
    for (traffic, agents) in [
        (1_000.0, 1_050u32),
        (20_000.0, 20_100),
        (100_000.0, 100_250),
        (100_000.0, 99_000),
        (100_000.0, 101_500),
        (55_555.5, 55_555),
    ] {
        let plain = erlang_b_plain(traffic, u64::from(agents));
        let ours = erlang_b(Traffic::new(traffic).unwrap(), agents);
        assert!(
            close(ours, plain, 1e-11),
            "B({agents}, {traffic}): {ours} vs {plain}"
        );
    }
}

#[test]
fn staffing_at_one_hundred_thousand_erlangs() {
    // 100,000 Erlangs of 300 s calls, 80% in 20 s.
    let w = load(100_000.0, 300);
    let s = required_agents(&w, &policy(0.8, 20)).unwrap();
    assert!(s.agents > 100_000 && s.agents < 100_400, "{s:?}");
    assert!(s.service_level >= 0.8 && s.service_level < 0.81);
    // One agent fewer misses, per the plain recursion from zero.
    let below = f64::from(s.agents - 1);
    let b = erlang_b_plain(100_000.0, u64::from(s.agents - 1));
    let c = below * b / (below - 100_000.0 * (1.0 - b));
    let sl_below = 1.0 - c * (-(below - 100_000.0) * 20.0 / 300.0).exp();
    assert!(sl_below < 0.8, "{sl_below}");
    // ... and the solver's own figure agrees with the plain recursion.
    let n = f64::from(s.agents);
    let b = erlang_b_plain(100_000.0, u64::from(s.agents));
    let c = n * b / (n - 100_000.0 * (1.0 - b));
    assert!(close(s.p_wait, c, 1e-10), "{} vs {c}", s.p_wait);
}

#[test]
fn erlang_a_matches_birth_death_chain() {
    // (traffic, agents, aht, patience): underloaded, critical, overloaded.
    for (traffic, agents, aht, patience) in [
        (10.0, 14u32, 180.0, 300.0),
        (10.0, 10, 180.0, 60.0),
        (20.0, 15, 180.0, 120.0),
        (3.0, 2, 240.0, 90.0),
        (0.4, 1, 60.0, 600.0),
        (30.0, 33, 300.0, 45.0),
    ] {
        let chain = ChainA::new(traffic, agents as usize, aht, patience);
        let q = ErlangA::new(
            &Workload::from_traffic(Traffic::new(traffic).unwrap(), Duration::from_secs_f64(aht))
                .unwrap(),
            agents,
            Duration::from_secs_f64(patience),
        )
        .unwrap();
        let case = format!("A={traffic} N={agents} aht={aht} patience={patience}");
        assert!(
            close(q.p_wait(), chain.p_wait, 1e-11),
            "{case}: p_wait {} vs {}",
            q.p_wait(),
            chain.p_wait
        );
        assert!(
            close(q.p_abandon(), chain.p_abandon, 1e-10),
            "{case}: p_abandon {} vs {}",
            q.p_abandon(),
            chain.p_abandon
        );
        assert!(
            close(q.asa_seconds(), chain.asa, 1e-10),
            "{case}: asa {} vs {}",
            q.asa_seconds(),
            chain.asa
        );
        for t in [0.0, 10.0, 20.0, 60.0] {
            let ours = q.service_level(Duration::from_secs_f64(t));
            let reference = chain.service_level(t);
            assert!(
                (ours - reference).abs() < 1e-10,
                "{case} t={t}: {ours} vs {reference}"
            );
        }
    }
}

#[test]
fn erlang_a_without_agents_or_traffic() {
    let w = published();
    let none = ErlangA::new(&w, 0, secs(60)).unwrap();
    assert_eq!(
        (
            none.p_wait(),
            none.p_abandon(),
            none.service_level(secs(20))
        ),
        (1.0, 1.0, 0.0)
    );
    let idle = ErlangA::new(&load(0.0, 180), 3, secs(60)).unwrap();
    assert_eq!(
        (idle.p_wait(), idle.p_abandon(), idle.service_level(secs(0))),
        (0.0, 0.0, 1.0)
    );
    assert!(ErlangA::new(&w, 3, Duration::ZERO).is_err());
}

#[test]
fn erlang_a_is_stable_at_large_sizes() {
    // 100,000 Erlangs, patient and impatient callers, under- and overloaded.
    for (agents, patience) in [
        (100_300u32, 600u64),
        (95_000, 60),
        (100_000, 1_000_000),
        (150_000, 5),
    ] {
        let q = ErlangA::new(&load(100_000.0, 300), agents, secs(patience)).unwrap();
        let sl = q.service_level(secs(20));
        for v in [q.p_wait(), q.p_abandon(), sl, q.occupancy()] {
            assert!(
                (0.0..=1.0).contains(&v),
                "N={agents} patience={patience}: {v}"
            );
        }
        assert!(q.asa_seconds().is_finite() && q.asa_seconds() >= 0.0);
    }
    // Overloaded by 5%: at least 5% must abandon, and all agents are busy.
    let over = ErlangA::new(&load(100_000.0, 300), 95_000, secs(60)).unwrap();
    assert!(over.p_abandon() >= 0.05 - 1e-9 && over.occupancy() > 0.999);
}

// ---------------------------------------------------------------------------
// Solver rules
// ---------------------------------------------------------------------------

#[test]
fn unstable_and_infeasible_are_clear_errors() {
    let w = published();
    assert_eq!(
        evaluate(&w, 10, &policy(0.8, 20)),
        Err(StaffingError::Unstable {
            traffic: 10.0,
            agents: 10
        })
    );
    let err = required_agents(&w, &policy(1.0, 20)).unwrap_err();
    assert!(matches!(err, StaffingError::Infeasible { .. }), "{err}");
    assert!(err.to_string().contains("100%"));
    // ... also with abandonment.
    let patient = policy(1.0, 20).with_patience(secs(300)).unwrap();
    assert!(matches!(
        required_agents(&w, &patient),
        Err(StaffingError::Infeasible { .. })
    ));
}

#[test]
fn zero_volume_needs_zero_agents() {
    let w = Workload::new(0.0, secs(1800), secs(180)).unwrap();
    for p in [
        policy(0.8, 20),
        policy(1.0, 20),
        policy(0.8, 20).with_patience(secs(60)).unwrap(),
    ] {
        let s = required_agents(&w, &p).unwrap();
        assert_eq!((s.agents, s.scheduled_agents), (0, 0));
        assert_eq!(
            (s.service_level, s.p_wait, s.asa_seconds, s.occupancy),
            (1.0, 0.0, 0.0, 0.0)
        );
    }
}

#[test]
fn occupancy_cap_adds_agents() {
    // 10 Erlangs at most 65% busy: 10 / 0.65 = 15.38 → 16 agents.
    let capped = policy(0.8, 20).with_max_occupancy(0.65).unwrap();
    let s = required_agents(&published(), &capped).unwrap();
    assert_eq!(s.agents, 16);
    assert!(s.occupancy <= 0.65);
    // Exactly at the cap counts as meeting it: 17 Erlangs at 85% is 20 agents.
    let s = required_agents(
        &load(17.0, 180),
        &policy(0.5, 20).with_max_occupancy(0.85).unwrap(),
    )
    .unwrap();
    assert_eq!(s.agents, 20);
    assert!(s.meets_target);
}

#[test]
fn shrinkage_rounding_is_exact() {
    assert_eq!(scheduled_agents(21, 0.3), Ok(30));
    assert_eq!(scheduled_agents(14, 0.3), Ok(20));
    assert_eq!(scheduled_agents(0, 0.3), Ok(0));
    assert_eq!(scheduled_agents(7, 0.0), Ok(7));
    assert!(scheduled_agents(7, 1.0).is_err());
    assert!(scheduled_agents(u32::MAX, 0.5).is_err());
}

#[test]
fn service_level_at_zero_seconds_is_one_minus_p_wait() {
    let s = required_agents(&published(), &policy(0.8, 0)).unwrap();
    let q = ErlangC::new(&published(), s.agents).unwrap();
    assert_eq!(s.service_level, 1.0 - q.p_wait());
    assert!(s.service_level >= 0.8);
    let fewer = ErlangC::new(&published(), s.agents - 1).unwrap();
    assert!(1.0 - fewer.p_wait() < 0.8);
}

#[test]
fn erlang_a_staffing_is_minimal() {
    let p = policy(0.8, 20).with_patience(secs(300)).unwrap();
    let s = required_agents(&published(), &p).unwrap();
    assert!(s.meets_target);
    assert!(s.p_abandon.is_some());
    let fewer = evaluate(&published(), s.agents - 1, &p).unwrap();
    assert!(!fewer.meets_target, "{s:?} {fewer:?}");
    // Abandonment relieves the queue: never more agents than Erlang C.
    assert!(s.agents <= 14);
}

#[test]
fn bad_inputs_are_rejected() {
    assert!(Traffic::new(f64::NAN).is_err());
    assert!(Traffic::new(MAX_TRAFFIC_ERLANGS * 2.0).is_err());
    assert!(Workload::new(-1.0, secs(1800), secs(180)).is_err());
    assert!(Workload::new(1.0, Duration::ZERO, secs(180)).is_err());
    assert!(Workload::new(1.0, secs(1800), Duration::ZERO).is_err());
    assert!(ServiceTarget::new(0.0, secs(20)).is_err());
    assert!(ServiceTarget::new(f64::NAN, secs(20)).is_err());
    assert!(policy(0.8, 20).with_max_occupancy(1.5).is_err());
    assert!(policy(0.8, 20).with_shrinkage(-0.1).is_err());
}

#[test]
fn plan_keeps_order_and_errors_in_place() {
    let w = [load(10.0, 180), load(0.0, 180), load(250.0, 300)];
    let results = plan(&w, &policy(0.8, 20));
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().map(|s| s.agents), Ok(14));
    assert_eq!(results[1].as_ref().map(|s| s.agents), Ok(0));
    let big = results[2].as_ref().unwrap();
    assert_eq!(big, &required_agents(&w[2], &policy(0.8, 20)).unwrap());
}

#[test]
fn interval_csv_reports_bad_rows_by_line() {
    let csv = "start,volume,aht_seconds\n\
               2024-01-01T09:00,100,180\n\
               2024-01-01T09:30,abc,180\n\
               \n\
               2024-01-01T10:00,120\n\
               2024-01-01T10:30,50,-3\n\
               \"2024-01-01T11:00\",0,180\n";
    let plan = plan_intervals_csv(csv, secs(1800), &policy(0.8, 20)).unwrap();
    let lines: Vec<usize> = plan.iter().map(|p| p.row.line).collect();
    assert_eq!(lines, [2, 3, 5, 6, 7]);
    assert_eq!(plan[0].outcome.as_ref().map(|s| s.agents), Ok(14));
    let messages: Vec<String> = plan[1..4]
        .iter()
        .map(|p| p.outcome.as_ref().unwrap_err().to_string())
        .collect();
    assert_eq!(
        messages[0],
        "line 3: `volume` must be a number, not negative (got `abc`)"
    );
    assert_eq!(messages[1], "line 5: the row has no `aht_seconds` field");
    assert!(
        messages[2].starts_with("line 6: `aht_seconds`"),
        "{}",
        messages[2]
    );
    assert_eq!(plan[1].row.start, "2024-01-01T09:30");
    assert_eq!(plan[4].row.start, "2024-01-01T11:00");
    assert_eq!(plan[4].outcome.as_ref().map(|s| s.agents), Ok(0));
}

#[test]
fn interval_csv_header_must_name_columns() {
    let err = read_intervals_csv("start,calls,aht_seconds\n09:00,1,2\n").unwrap_err();
    assert_eq!(err.line, 1);
    assert!(err.message.contains("`volume`"), "{err}");
    assert!(read_intervals_csv("").is_err());
    // Column order is free; unknown columns are ignored.
    let rows = read_intervals_csv("aht_seconds,queue,volume\n240,sales,30\n").unwrap();
    let d = rows[0].demand.as_ref().unwrap();
    assert_eq!(
        (d.volume, d.aht, rows[0].start.as_str()),
        (30.0, secs(240), "")
    );
}

#[test]
fn extreme_inputs_neither_panic_nor_hang() {
    let started = std::time::Instant::now();
    let traffics = [0.0, 1e-300, 1e-6, 0.5, 977.3, MAX_TRAFFIC_ERLANGS];
    let ahts = [Duration::from_nanos(1), secs(1), secs(1_000_000_000)];
    let patiences = [
        None,
        Some(Duration::from_nanos(1)),
        Some(secs(300)),
        Some(Duration::MAX),
    ];
    for &traffic in &traffics {
        for &aht in &ahts {
            let w = Workload::from_traffic(Traffic::new(traffic).unwrap(), aht).unwrap();
            for &patience in &patiences {
                for (level, within) in [
                    (0.8, secs(20)),
                    (0.999_999, Duration::ZERO),
                    (0.5, Duration::MAX),
                ] {
                    let mut p = StaffingPolicy::new(ServiceTarget::new(level, within).unwrap())
                        .with_max_occupancy(0.9)
                        .unwrap()
                        .with_shrinkage(0.35)
                        .unwrap();
                    if let Some(patience) = patience {
                        p = p.with_patience(patience).unwrap();
                    }
                    let case = format!(
                        "A={traffic} aht={aht:?} patience={patience:?} target={level}/{within:?}"
                    );
                    let mut results = vec![(None, required_agents(&w, &p))];
                    for agents in [0, 1, 1000, u32::MAX] {
                        results.push((Some(agents), evaluate(&w, agents, &p)));
                    }
                    for (agents, r) in results {
                        match r {
                            Ok(s) => {
                                for v in [
                                    s.p_wait,
                                    s.service_level,
                                    s.occupancy,
                                    s.p_abandon.unwrap_or(0.0),
                                ] {
                                    assert!((0.0..=1.0).contains(&v), "{case}: {s:?}");
                                }
                                assert!(
                                    s.asa_seconds >= 0.0 && !s.asa_seconds.is_nan(),
                                    "{case}: {s:?}"
                                );
                            }
                            // Only the gross-up of u32::MAX agents is out of range.
                            Err(StaffingError::InvalidInput { what }) => {
                                assert_eq!(agents, Some(u32::MAX), "{case}: {what}");
                            }
                            Err(_) => {}
                        }
                    }
                }
            }
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn service_level_rises_with_agents(traffic in 0.01f64..5_000.0, extra in 0u32..60, t in 0u64..120, aht in 30u64..900) {
        let w = load(traffic, aht);
        let n = traffic.floor() as u32 + 1 + extra;
        let fewer = ErlangC::new(&w, n).unwrap();
        let more = ErlangC::new(&w, n + 1).unwrap();
        prop_assert!(more.service_level(secs(t)) >= fewer.service_level(secs(t)));
        prop_assert!(more.p_wait() <= fewer.p_wait());
        prop_assert!(more.asa_seconds() <= fewer.asa_seconds());
    }

    #[test]
    fn required_agents_is_the_first_that_meets(traffic in 0.01f64..3_000.0, level in 0.05f64..0.99, t in 0u64..90, aht in 30u64..900) {
        let w = load(traffic, aht);
        let p = policy(level, t);
        let s = required_agents(&w, &p).unwrap();
        prop_assert!(s.service_level >= level - 1e-12);
        let below = s.agents - 1;
        if f64::from(below) > traffic {
            prop_assert!(ErlangC::new(&w, below).unwrap().service_level(secs(t)) < level);
        }
    }

    #[test]
    fn erlang_c_matches_decimal_reference(traffic_cents in 1u32..3_000, extra in 1u32..12) {
        let traffic = Decimal::new(i64::from(traffic_cents), 2);
        let agents = (traffic_cents / 100) + extra;
        let exact = erlang_c_decimal(traffic, agents).to_f64().unwrap();
        let ours = erlang_c(Traffic::new(traffic.to_f64().unwrap()).unwrap(), agents).unwrap();
        // rust_decimal keeps 28 decimal places: absolute 1e-26 at the bottom.
        prop_assert!(close(ours, exact, 1e-12) || (ours - exact).abs() < 1e-26, "{} {}", ours, exact);
    }

    #[test]
    fn scheduled_agents_is_the_exact_ceiling(agents in 0u32..100_000, percent in 0u32..100) {
        // Smallest m with m · (100 − p) ≥ 100 · agents, in integers.
        let keep = u64::from(100 - percent);
        let exact = (100 * u64::from(agents)).div_ceil(keep);
        prop_assert_eq!(u64::from(scheduled_agents(agents, f64::from(percent) / 100.0).unwrap()), exact);
    }

    #[test]
    fn erlang_a_tends_to_erlang_c(traffic in 0.1f64..500.0, extra in 0u32..40, t in 0u64..60) {
        // Erlang A differs from Erlang C by O(AHT / patience): a hundredfold
        // patience must shrink the gap about a hundredfold.
        let w = load(traffic, 180);
        let n = (traffic + 0.05).ceil() as u32 + extra;
        let c = ErlangC::new(&w, n).unwrap();
        let mut previous = f64::INFINITY;
        for patience in [1e8, 1e10, 1e12, 1e14] {
            let a = ErlangA::new(&w, n, Duration::from_secs_f64(patience)).unwrap();
            let gap = (a.service_level(secs(t)) - c.service_level(secs(t))).abs()
                + (a.p_wait() - c.p_wait()).abs()
                + (a.asa_seconds() - c.asa_seconds()).abs() / 180.0;
            prop_assert!(gap <= 0.05 * previous + 1e-12, "gap {} after {}", gap, previous);
            previous = gap;
        }
        prop_assert!(previous < 1e-5, "still {} apart", previous);
    }

    #[test]
    fn erlang_a_staffing_is_the_first_that_meets(
        traffic in 0.1f64..3_000.0,
        level in 0.05f64..0.99,
        t in 0u64..90,
        patience in 5u64..3_000,
        cap in proptest::option::of(0.5f64..1.0),
    ) {
        let w = load(traffic, 240);
        let mut p = policy(level, t).with_patience(secs(patience)).unwrap();
        if let Some(cap) = cap {
            p = p.with_max_occupancy(cap).unwrap();
        }
        let s = required_agents(&w, &p).unwrap();
        prop_assert!(s.meets_target, "{:?}", s);
        prop_assert!(s.agents >= 1);
        let fewer = evaluate(&w, s.agents - 1, &p).unwrap();
        prop_assert!(!fewer.meets_target, "{} agents also meet: {:?}", s.agents - 1, fewer);
    }

    #[test]
    fn erlang_a_improves_with_agents(traffic in 0.1f64..2_000.0, n in 0u32..2_100, patience in 5u64..2_000, t in 0u64..60) {
        let w = load(traffic, 240);
        let fewer = ErlangA::new(&w, n, secs(patience)).unwrap();
        let more = ErlangA::new(&w, n + 1, secs(patience)).unwrap();
        prop_assert!(more.service_level(secs(t)) >= fewer.service_level(secs(t)) - 1e-12);
        prop_assert!(more.p_abandon() <= fewer.p_abandon() + 1e-12);
        if n > 0 {
            prop_assert!(more.occupancy() <= fewer.occupancy() + 1e-12);
        }
    }
}
