//! `aftersales staff` end to end: flags, JSON and table output, exit codes,
//! interval CSVs.

use aftersales::host::workforce::erlang::Workload;
use aftersales::host::workforce::staffing::{required_agents, ServiceTarget, StaffingPolicy};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

#[path = "support/keys.rs"]
mod keys;
use keys::keys_in_order;

fn staff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .arg("staff")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PUBLISHED: [&str; 8] = [
    "--volume",
    "100",
    "--interval",
    "30m",
    "--aht",
    "180s",
    "--target",
    "80%/20s",
];

fn published_with(extra: &[&str]) -> Output {
    let mut args = PUBLISHED.to_vec();
    args.extend_from_slice(extra);
    staff(&args)
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).expect("stdout is one JSON object")
}

#[test]
fn published_check_as_json() {
    let out = published_with(&["--shrinkage", "30%", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(
        keys_in_order(&stdout(&out)),
        [
            "traffic_erlangs",
            "agents",
            "scheduled_agents",
            "p_wait",
            "service_level",
            "asa_seconds",
            "occupancy"
        ]
    );
    assert_eq!(v["traffic_erlangs"], 10.0);
    assert_eq!(v["agents"], 14);
    assert_eq!(v["scheduled_agents"], 20);
    assert_eq!(v["service_level"].as_f64(), Some(0.888_350_019_2));
    assert_eq!(v["p_wait"].as_f64(), Some(0.174_131_933_6));
    assert_eq!(v["occupancy"].as_f64(), Some(0.714_285_714_3));
    assert_eq!(v["asa_seconds"].as_f64(), Some(7.835_937_011_8));
}

#[test]
fn thirteen_agents_are_evaluated() {
    let out = published_with(&["--agents", "13", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["agents"], 13);
    assert_eq!(
        format!("{:.4}", v["service_level"].as_f64().unwrap()),
        "0.7956"
    );
}

#[test]
fn shrinkage_of_twenty_one_agents_is_thirty() {
    // 21 / 0.7 is 30.000000000000004 in floating point: still 30 scheduled.
    let out = published_with(&["--agents", "21", "--shrinkage", "30%", "--json"]);
    assert_eq!(json(&out)["scheduled_agents"], 30);
}

#[test]
fn patience_adds_abandonment() {
    let out = published_with(&["--patience", "300s", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(
        keys_in_order(&stdout(&out)).last().map(String::as_str),
        Some("p_abandon")
    );
    let p = v["p_abandon"].as_f64().unwrap();
    assert!(p > 0.0 && p < 0.05, "{p}");
    assert!(v["service_level"].as_f64().unwrap() >= 0.8);
}

#[test]
fn human_table_on_stdout() {
    let out = published_with(&["--shrinkage", "30%"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "Staffing for 100 contacts per 30m at 180s handling time, target 80% within 20s\n"
        ),
        "{text}"
    );
    for line in [
        "  traffic           10.0000 Erlangs\n",
        "  agents            14\n",
        "  scheduled agents  20 (30% shrinkage)\n",
        "  service level     0.8884\n",
        "  probability wait  0.1741\n",
        "  ASA               7.84 s\n",
        "  occupancy         0.7143\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn usage_errors_say_what_form_is_expected() {
    for (flag, value, expected) in [
        (
            "--target",
            "80/20s",
            "--target expects PERCENT/SECONDS such as 80%/20s",
        ),
        (
            "--target",
            "80%",
            "--target expects PERCENT/SECONDS such as 80%/20s",
        ),
        ("--shrinkage", "0.3", "--shrinkage expects a percentage"),
        (
            "--max-occupancy",
            "120%",
            "--max-occupancy expects a percentage",
        ),
        ("--patience", "soon", "--patience expects a duration"),
    ] {
        let mut args = PUBLISHED.to_vec();
        if flag == "--target" {
            args[7] = value;
        } else {
            args.extend([flag, value]);
        }
        let out = staff(&args);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(
            stderr(&out).contains(expected),
            "{flag} {value}: {}",
            stderr(&out)
        );
    }
    let out = staff(&[
        "--volume",
        "100",
        "--interval",
        "30",
        "--aht",
        "180s",
        "--target",
        "80%/20s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--interval expects a duration such as 30m"));
}

#[test]
fn unstable_and_infeasible_exit_one() {
    let out = published_with(&["--agents", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unstable queue: 10 Erlangs of traffic with 10 agents"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    let out = staff(&[
        "--volume",
        "100",
        "--interval",
        "30m",
        "--aht",
        "180s",
        "--target",
        "100%/20s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("infeasible"), "{}", stderr(&out));
}

#[test]
fn zero_volume_needs_zero_agents() {
    let out = staff(&[
        "--volume",
        "0",
        "--interval",
        "30m",
        "--aht",
        "180s",
        "--target",
        "80%/20s",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(
        (v["agents"].as_u64(), v["scheduled_agents"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn a_week_of_intervals_in_one_run() {
    let out = staff(&[
        "--intervals",
        "tests/data/workforce/staffing/week_15min.csv",
        "--interval",
        "15m",
        "--target",
        "80%/20s",
        "--shrinkage",
        "30%",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 7 * 96);
    assert_eq!(
        lines[0],
        "line,start,volume,aht_seconds,traffic_erlangs,agents,scheduled_agents,p_wait,service_level,asa_seconds,occupancy,error"
    );
    // Line 42 of the input: 2024-03-04T10:00, 242 contacts at 300 s.
    let row: Vec<&str> = lines[41].split(',').collect();
    assert_eq!(&row[..4], ["42", "2024-03-04T10:00", "242", "300"]);
    let policy = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20)).unwrap())
        .with_shrinkage(0.3)
        .unwrap();
    let w = Workload::new(242.0, Duration::from_secs(900), Duration::from_secs(300)).unwrap();
    let s = required_agents(&w, &policy).unwrap();
    assert_eq!(row[5], s.agents.to_string());
    assert_eq!(row[6], s.scheduled_agents.to_string());
    assert_eq!(row[11], "");
    // Night intervals need nobody.
    assert!(
        lines[1].starts_with("2,2024-03-04T00:00,0,240,0,0,0,"),
        "{}",
        lines[1]
    );
}

#[test]
fn bad_rows_are_errors_in_place_and_exit_one() {
    let dir = std::env::temp_dir().join(format!("aftersales-staff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("plan.csv");
    let out = staff(&[
        "--intervals",
        "tests/data/workforce/staffing/bad_rows.csv",
        "--interval",
        "15m",
        "--target",
        "80%/20s",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("line 3: `volume` must be a number, not negative (got `lots`)"),
        "{err}"
    );
    assert!(
        err.contains("3 of 6 intervals could not be staffed"),
        "{err}"
    );
    let written = std::fs::read_to_string(&out_file).unwrap();
    let rows: Vec<&str> = written.lines().collect();
    assert_eq!(rows.len(), 7);
    assert!(
        rows[1].starts_with("2,2024-03-04T09:00,100,180,20,24,24,"),
        "{}",
        rows[1]
    );
    assert_eq!(
        rows[2],
        "3,2024-03-04T09:15,,,,,,,,,,\"line 3: `volume` must be a number, not negative (got `lots`)\""
    );
    assert!(
        rows[3].ends_with(",line 4: the row has no `aht_seconds` field"),
        "{}",
        rows[3]
    );
    assert!(rows[4].starts_with("5,") && rows[4].contains("above zero"));
    assert!(rows[5].starts_with("6,2024-03-04T10:00,0,180,0,0,0,"));
    assert!(
        rows[6].starts_with("7,2024-03-04T10:15,200,300,66.6666666667,74,74,"),
        "{}",
        rows[6]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn intervals_as_json_lines() {
    let out = staff(&[
        "--intervals",
        "tests/data/workforce/staffing/bad_rows.csv",
        "--interval",
        "15m",
        "--target",
        "80%/20s",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["agents"], 24);
    assert_eq!(lines[1]["line"], 3);
    assert!(lines[1]["error"].as_str().unwrap().starts_with("line 3:"));
}

#[test]
fn missing_files_and_headers_are_usage_errors() {
    let out = staff(&[
        "--intervals",
        "no/such/file.csv",
        "--interval",
        "15m",
        "--target",
        "80%/20s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read no/such/file.csv"));
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/workforce/staffing/week_15min.csv")
        .exists());
    let out = staff(&[
        "--intervals",
        "Cargo.toml",
        "--interval",
        "15m",
        "--target",
        "80%/20s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 1: the header has no `volume` column"),
        "{}",
        stderr(&out)
    );
}
