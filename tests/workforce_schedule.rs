//! Shift scheduling: the Union Airways textbook case, brute-force optima of
//! small instances, the greedy fallback, file parsing and the CLI.

use aftersales::host::workforce::schedule::{
    build_problem, greedy, parse_requirements_csv, parse_shifts_yaml, solve, CandidateShift,
    CoverProblem, Method, MethodChoice, ScheduleError, SolveOptions,
};
use proptest::prelude::*;
use std::process::Command;

fn shift(name: &str, cost: f64, covers: &[usize]) -> CandidateShift {
    CandidateShift {
        name: name.into(),
        cost,
        paid_hours: 8.0,
        covers: covers.to_vec(),
    }
}

/// Hillier & Lieberman, *Introduction to Operations Research*, §3.4 (Union
/// Airways personnel scheduling). Ten periods: 6–8, 8–10, 10–12, 12–2, 2–4,
/// 4–6, 6–8, 8–10, 10–12, 12–6; shift 1 (6 am–2 pm) covers periods 1–4,
/// shift 2 (8 am–4 pm) 2–5, shift 3 (noon–8 pm) 4–7, shift 4 (4 pm–midnight)
/// 6–9, shift 5 (10 pm–6 am) 9–10. Daily cost per agent 170, 160, 175, 180,
/// 195. The textbook optimum: 48, 31, 39, 43, 15 agents at $30,610 a day.
fn union_airways() -> CoverProblem {
    CoverProblem {
        required: vec![48, 79, 65, 87, 64, 73, 82, 43, 52, 15],
        shifts: vec![
            shift("shift 1", 170.0, &[0, 1, 2, 3]),
            shift("shift 2", 160.0, &[1, 2, 3, 4]),
            shift("shift 3", 175.0, &[3, 4, 5, 6]),
            shift("shift 4", 180.0, &[5, 6, 7, 8]),
            shift("shift 5", 195.0, &[8, 9]),
        ],
    }
}

#[test]
fn union_airways_textbook_optimum() {
    let p = union_airways();
    let s = solve(&p, &SolveOptions::default()).unwrap();
    assert_eq!(s.method, Method::MipOptimal);
    assert_eq!(s.cost, 30_610.0);
    assert_eq!(s.agents, vec![48, 31, 39, 43, 15]);
    // Independent check of the cost: 48·170 + 31·160 + 39·175 + 43·180 + 15·195.
    assert_eq!(8160.0 + 4960.0 + 6825.0 + 7740.0 + 2925.0, 30_610.0);
    // The LP relaxation has the same (integral) optimum: no gap.
    let bound = s.lp_bound.unwrap();
    assert!((bound - 30_610.0).abs() < 1e-6, "LP bound {bound}");
    assert!(s.gap_percent.unwrap() < 1e-6);
    assert_eq!(s.coverage, vec![48, 79, 79, 118, 70, 82, 82, 43, 58, 15]);
    assert!(p.is_covered(&s.agents));
}

#[test]
fn union_airways_greedy_covers_and_is_no_cheaper() {
    let p = union_airways();
    let opts = SolveOptions {
        method: MethodChoice::Greedy,
        ..SolveOptions::default()
    };
    let s = solve(&p, &opts).unwrap();
    assert_eq!(s.method, Method::Greedy);
    assert!(p.is_covered(&s.agents));
    assert!(s.cost >= 30_610.0);
    assert!(s.notes.iter().any(|n| n.contains("greedy")));
    // The bound is still reported, and the gap is the greedy cost over it.
    let g = s.gap_percent.unwrap();
    assert!((g - 100.0 * (s.cost - 30_610.0) / 30_610.0).abs() < 1e-6);
}

#[test]
fn over_budget_falls_back_to_greedy_and_says_so() {
    let p = union_airways();
    let opts = SolveOptions {
        max_mip_shifts: 3,
        ..SolveOptions::default()
    };
    let s = solve(&p, &opts).unwrap();
    assert_eq!(s.method, Method::Greedy);
    assert_eq!(s.lp_bound, None);
    assert!(s.notes.iter().any(|n| n.contains("budget")));
    assert!(p.is_covered(&s.agents));
    assert_eq!(s.agents, greedy(&p).unwrap());
}

#[test]
fn uncoverable_interval_is_an_error() {
    let mut p = union_airways();
    p.required.push(3); // an 11th period nobody works
    assert_eq!(
        solve(&p, &SolveOptions::default()).unwrap_err(),
        ScheduleError::Uncoverable {
            intervals: vec![10]
        }
    );
    p.required[10] = 0; // needing nobody is fine
    assert_eq!(solve(&p, &SolveOptions::default()).unwrap().cost, 30_610.0);
}

#[test]
fn bad_instances_are_errors() {
    let mut p = union_airways();
    p.shifts[0].cost = -1.0;
    assert!(matches!(
        p.validate(),
        Err(ScheduleError::BadShift { index: 0, .. })
    ));
    let mut p = union_airways();
    p.shifts[2].covers.push(99);
    assert!(matches!(
        p.validate(),
        Err(ScheduleError::BadShift { index: 2, .. })
    ));
    let mut p = union_airways();
    p.shifts[1].covers.push(1);
    assert!(matches!(
        p.validate(),
        Err(ScheduleError::BadShift { index: 1, .. })
    ));
    let p = union_airways();
    let opts = SolveOptions {
        time_limit_seconds: 0.0,
        ..SolveOptions::default()
    };
    assert!(matches!(solve(&p, &opts), Err(ScheduleError::Config(_))));
}

/// Smallest cost over every x with 0 ≤ x[j] ≤ max requirement it covers.
fn brute_force(p: &CoverProblem) -> f64 {
    let ub: Vec<u32> = p
        .shifts
        .iter()
        .map(|s| s.covers.iter().map(|&i| p.required[i]).max().unwrap_or(0))
        .collect();
    let mut x = vec![0u32; ub.len()];
    let mut best = f64::INFINITY;
    loop {
        if p.is_covered(&x) {
            best = best.min(p.cost(&x));
        }
        // odometer
        let mut k = 0;
        loop {
            if k == x.len() {
                return best;
            }
            if x[k] < ub[k] {
                x[k] += 1;
                break;
            }
            x[k] = 0;
            k += 1;
        }
    }
}

fn small_problem() -> impl Strategy<Value = CoverProblem> {
    (3usize..7).prop_flat_map(|n| {
        (
            prop::collection::vec(0u32..4, n),
            prop::collection::vec((0usize..n, 1usize..4, 1u32..10), 2..5),
        )
            .prop_map(move |(required, raw)| {
                let mut shifts: Vec<CandidateShift> = raw
                    .into_iter()
                    .enumerate()
                    .map(|(j, (start, len, cost))| CandidateShift {
                        name: format!("s{j}"),
                        cost: f64::from(cost),
                        paid_hours: len as f64,
                        covers: (start..(start + len).min(n)).collect(),
                    })
                    .collect();
                // one shift per interval keeps every instance feasible
                for i in 0..n {
                    shifts.push(CandidateShift {
                        name: format!("single{i}"),
                        cost: 9.5,
                        paid_hours: 1.0,
                        covers: vec![i],
                    });
                }
                CoverProblem { required, shifts }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The MIP equals the brute-force optimum, covers every interval, and
    /// lies between the LP bound and the greedy cost.
    #[test]
    fn mip_is_optimal_on_small_instances(p in small_problem()) {
        let s = solve(&p, &SolveOptions::default()).unwrap();
        prop_assert_eq!(s.method, Method::MipOptimal);
        prop_assert!(p.is_covered(&s.agents));
        let best = brute_force(&p);
        prop_assert!((s.cost - best).abs() < 1e-9, "MIP {} vs brute force {}", s.cost, best);
        let bound = s.lp_bound.unwrap();
        prop_assert!(bound <= s.cost + 1e-6);
        let g = greedy(&p).unwrap();
        prop_assert!(p.cost(&g) + 1e-9 >= s.cost);
        prop_assert_eq!(s.coverage, p.coverage(&s.agents));
    }

    /// The greedy heuristic always covers every interval, and no single agent
    /// can be removed from its answer.
    #[test]
    fn greedy_always_covers_and_is_minimal(p in small_problem()) {
        let x = greedy(&p).unwrap();
        prop_assert!(p.is_covered(&x));
        for j in 0..x.len() {
            if x[j] > 0 && !p.shifts[j].covers.is_empty() {
                let mut y = x.clone();
                y[j] -= 1;
                prop_assert!(!p.is_covered(&y), "agent on shift {} is redundant", j);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

fn data(name: &str) -> String {
    format!(
        "{}/tests/data/workforce/forecast/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

#[test]
fn union_airways_from_files_gives_the_same_optimum() {
    let req = parse_requirements_csv(&read("union_airways_requirements.csv")).unwrap();
    assert_eq!(req.required.len(), 24);
    assert_eq!(req.step_minutes, 60);
    let spec = parse_shifts_yaml(&read("union_airways_shifts.yaml")).unwrap();
    let p = build_problem(&req, &spec).unwrap();
    assert_eq!(p.shifts.len(), 5);
    // shift 5 starts at 22:00 (row 16) and wraps past midnight to 05:00 (row 23)
    assert_eq!(p.shifts[4].covers, (16..24).collect::<Vec<_>>());
    let s = solve(&p, &SolveOptions::default()).unwrap();
    assert_eq!(s.cost, 30_610.0);
    assert_eq!(s.agents, vec![48, 31, 39, 43, 15]);
}

#[test]
fn breaks_are_off_duty_and_unpaid_breaks_unpaid() {
    let req = parse_requirements_csv(
        "interval,required\n08:00,1\n08:30,1\n09:00,1\n09:30,1\n10:00,1\n10:30,1\n",
    )
    .unwrap();
    let spec = parse_shifts_yaml(
        "shifts:\n  - name: s\n    start: \"08:00\"\n    length: 3h\n    breaks:\n      - {after: 1h, length: 30m}\n      - {after: 2h, length: 30m, paid: true}\n",
    )
    .unwrap();
    let p = build_problem(&req, &spec).unwrap();
    assert_eq!(p.shifts.len(), 1);
    assert_eq!(p.shifts[0].covers, vec![0, 1, 3, 5]);
    assert_eq!(p.shifts[0].paid_hours, 2.5);
    assert_eq!(p.shifts[0].cost, 2.5);
    // Intervals 2 and 4 are never covered by this shift.
    assert_eq!(
        solve(&p, &SolveOptions::default()).unwrap_err(),
        ScheduleError::Uncoverable {
            intervals: vec![2, 4]
        }
    );
}

#[test]
fn shifts_outside_a_partial_day_are_dropped_and_ranges_expand() {
    // 08:00–12:00 is not a whole day, so nothing wraps.
    let req =
        parse_requirements_csv("interval,required\n08:00,1\n09:00,2\n10:00,2\n11:00,1\n").unwrap();
    let spec = parse_shifts_yaml(
        "shifts:\n  - {name: s, start: {from: \"07:00\", to: \"11:00\", every: 1h}, length: 2h}\n",
    )
    .unwrap();
    let p = build_problem(&req, &spec).unwrap();
    let names: Vec<&str> = p.shifts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["s 08:00", "s 09:00", "s 10:00"]);
    let s = solve(&p, &SolveOptions::default()).unwrap();
    // 08–10 once, 09–11 once, 10–12 once: 3 shifts of 2 h = 6 paid hours.
    assert_eq!(s.cost, 6.0);
}

#[test]
fn dated_requirements_and_weekday_filters() {
    // Saturday 2024-03-09 and Sunday 2024-03-10, 4-hourly.
    let mut csv = String::from("interval,required\n");
    for d in ["2024-03-09", "2024-03-10"] {
        for h in [0, 4, 8, 12, 16, 20] {
            csv.push_str(&format!(
                "{d} {h:02}:00,{}\n",
                if (8..16).contains(&h) { 2 } else { 0 }
            ));
        }
    }
    let req = parse_requirements_csv(&csv).unwrap();
    assert_eq!(req.step_minutes, 240);
    let spec = parse_shifts_yaml(
        "shifts:\n  - {name: wkd, start: \"08:00\", length: 8h, days: [sat]}\n  - {name: any, start: \"08:00\", length: 8h, cost: 100}\n",
    )
    .unwrap();
    let p = build_problem(&req, &spec).unwrap();
    let names: Vec<&str> = p.shifts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "wkd 2024-03-09 08:00",
            "any 2024-03-09 08:00",
            "any 2024-03-10 08:00"
        ]
    );
    let s = solve(&p, &SolveOptions::default()).unwrap();
    assert_eq!(s.agents, vec![2, 0, 2]);
    assert_eq!(s.cost, 2.0 * 8.0 + 2.0 * 100.0);
}

#[test]
fn file_errors_name_the_problem() {
    let e = parse_requirements_csv("interval,required\n08:00,1\n08:30,x\n").unwrap_err();
    assert!(
        matches!(e, ScheduleError::Requirements { line: 3, .. }),
        "{e}"
    );
    let e = parse_requirements_csv("interval,required\n08:00,1\n08:30,-1\n").unwrap_err();
    assert!(
        matches!(e, ScheduleError::Requirements { line: 3, .. }),
        "{e}"
    );
    let e = parse_requirements_csv("interval,required\n08:00,1\n08:30,1\n09:30,1\n").unwrap_err();
    assert!(
        matches!(e, ScheduleError::Requirements { line: 4, .. }),
        "{e}"
    );
    let e = parse_requirements_csv("interval,required\nmonday,1\n").unwrap_err();
    assert!(
        matches!(e, ScheduleError::Requirements { line: 2, .. }),
        "{e}"
    );
    assert_eq!(
        parse_requirements_csv("interval,required\n"),
        Err(ScheduleError::NoIntervals)
    );
    // 25 hourly time-of-day rows are more than a day: the 25th row is named.
    let mut day = String::from("interval,required\n");
    for h in 0..25 {
        day.push_str(&format!("{:02}:00,1\n", h % 24));
    }
    let e = parse_requirements_csv(&day).unwrap_err();
    assert!(
        matches!(e, ScheduleError::Requirements { line: 26, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("24 hours"));

    let req = parse_requirements_csv("interval,required\n08:00,1\n08:30,1\n").unwrap();
    for (yaml, word) in [
        ("shifts:\n  - {name: s, start: \"08:00\", lenght: 1h}\n", "lenght"),
        ("shifts:\n  - {name: s, start: \"08:10\", length: 1h}\n", "grid"),
        ("shifts:\n  - {name: s, start: \"08:00\", length: 45m}\n", "multiple"),
        ("shifts:\n  - {name: s, start: \"8 am\", length: 1h}\n", "HH:MM"),
        ("shifts:\n  - {name: s, start: \"08:00\", length: 1h, days: [mon]}\n", "dated"),
        (
            "shifts:\n  - {name: s, start: \"08:00\", length: 1h, breaks: [{after: 30m, length: 1h}]}\n",
            "past the end",
        ),
        ("shifts: []\n", "no shifts"),
    ] {
        let e = parse_shifts_yaml(yaml).and_then(|spec| build_problem(&req, &spec));
        let msg = e.expect_err(yaml).to_string();
        assert!(msg.contains(word), "{yaml}: {msg}");
    }
}

#[test]
fn realistic_week_is_covered_with_a_small_gap() {
    let req = parse_requirements_csv(&read("week_requirements.csv")).unwrap();
    assert_eq!(req.required.len(), 7 * 48);
    let spec = parse_shifts_yaml(&read("week_shifts.yaml")).unwrap();
    let p = build_problem(&req, &spec).unwrap();
    assert_eq!(p.shifts.len(), 17 * 7 + 2 * 7 + 11 * 5 + 13 * 2);
    let s = solve(&p, &SolveOptions::default()).unwrap();
    assert!(p.is_covered(&s.agents));
    assert!(matches!(
        s.method,
        Method::MipOptimal | Method::MipTimeLimit
    ));
    let bound = s.lp_bound.unwrap();
    assert!(bound <= s.cost + 1e-6);
    assert!(s.gap_percent.unwrap() < 5.0, "gap {:?}", s.gap_percent);
    // Paid hours are the cost here (hourly cost 1).
    assert!((s.paid_hours - s.cost).abs() < 1e-9);
    let g = greedy(&p).unwrap();
    assert!(p.cost(&g) >= s.cost - 1e-9);
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

fn aftersales(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(args)
        .output()
        .expect("the aftersales binary runs")
}

#[test]
fn cli_union_airways_json() {
    let out = aftersales(&[
        "schedule",
        &data("union_airways_requirements.csv"),
        "--shifts",
        &data("union_airways_shifts.yaml"),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["method"], "mip_optimal");
    assert_eq!(v["cost"].as_f64(), Some(30_610.0));
    assert_eq!(v["agents"].as_u64(), Some(176));
    assert!(v["gap_percent"].as_f64().unwrap() < 1e-6);
    let shifts = v["shifts"].as_array().unwrap();
    let agents: Vec<u64> = shifts
        .iter()
        .map(|s| s["agents"].as_u64().unwrap())
        .collect();
    assert_eq!(agents, vec![48, 31, 39, 43, 15]);
    let intervals = v["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 24);
    assert_eq!(intervals[0]["interval"], "06:00");
    assert!(intervals
        .iter()
        .all(|i| i["scheduled"].as_u64() >= i["required"].as_u64()));
}

#[test]
fn cli_greedy_says_so_and_uncovered_exits_1() {
    let out = aftersales(&[
        "schedule",
        &data("union_airways_requirements.csv"),
        "--shifts",
        &data("union_airways_shifts.yaml"),
        "--greedy",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("method: greedy heuristic"), "{err}");
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().next(), Some("shift,agents,paid_hours,cost"));

    let dir = std::env::temp_dir().join(format!("aftersales-sched-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shifts = dir.join("day_only.yaml");
    std::fs::write(
        &shifts,
        "shifts:\n  - {name: day, start: \"06:00\", length: 8h}\n",
    )
    .unwrap();
    let out = aftersales(&[
        "schedule",
        &data("union_airways_requirements.csv"),
        "--shifts",
        shifts.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("14:00") && err.contains("05:00"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
