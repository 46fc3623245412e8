//! Utilization, adherence and OLE on a hand-computed log
//! (tests/data/workforce/staffing/agent_states.csv and schedule.csv).
//!
//! ann, 09:00–13:00, schedule work 09:00–11:00, break 11:00–11:15, work
//! 11:15–12:00, off 12:00–12:30, work 12:30–13:00 (240 min scheduled, 210 paid):
//!   available 10 + 10 + 25 = 45 min, on contact 30 + 45 + 40 = 115 (3
//!   contacts), ACW 10 + 20 = 30, break 15, offline 30.
//!   H = 145, R = 190. Adherent: 120 (work) + 10 (break from 11:05) + 40 (work
//!   from 11:20) + 30 (off) + 25 (work from 12:35) = 225 of 240.
//! bob, no schedule: available 30, on contact 30 + 30 (2 contacts), ACW 10,
//!   break 10: H = 70, R = 100, logged in 110. Lines 11–13 are an overlap, an
//!   out-of-order entry and an unknown state.

use aftersales::host::workforce::utilization::{
    analyze, read_quality_csv, read_schedule, read_state_log, Activity, AgentState, LogError,
    LogFormat, UtilizationOptions,
};
use indexmap::IndexMap;
use std::process::Command;
use std::time::Duration;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/workforce/staffing/"
);

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{name}")).unwrap()
}

fn assert_close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 1e-12, "{actual} vs {expected}");
}

#[test]
fn problems_are_reported_with_their_lines() {
    let log = read_state_log(&read("agent_states.csv"), LogFormat::Csv).unwrap();
    assert_eq!(log.entries.len(), 15);
    let lines: Vec<usize> = log.problems.iter().map(LogError::line).collect();
    assert_eq!(lines, [11, 12, 13]);
    assert!(
        matches!(&log.problems[0], LogError::Overlap { previous_line: 10, agent, .. } if agent == "bob")
    );
    assert!(matches!(
        &log.problems[1],
        LogError::OutOfOrder {
            previous_line: 10,
            ..
        }
    ));
    assert_eq!(
        log.problems[0].to_string(),
        "line 11: entry of agent `bob` starts at 2024-03-04T10:15:00+00:00, before the entry on \
         line 10 ends at 2024-03-04T10:20:00+00:00; entries must not overlap"
    );
    assert!(log.problems[2]
        .to_string()
        .starts_with("line 13: unknown state `lunch`"));
}

#[test]
fn hand_computed_figures_per_agent_and_overall() {
    let log = read_state_log(&read("agent_states.csv"), LogFormat::Csv).unwrap();
    let schedule = read_schedule(&read("schedule.csv"), LogFormat::Csv).unwrap();
    assert!(schedule.problems.is_empty());
    let mut quality = IndexMap::new();
    quality.insert("ann".to_string(), 0.9);
    let options = UtilizationOptions {
        standard_handle_time: None,
        quality,
    };
    let report = analyze(&log, Some(&schedule), &options);
    let names: Vec<&str> = report.agents.iter().map(|a| a.agent.as_str()).collect();
    assert_eq!(names, ["ann", "bob"]);

    let ann = &report.agents[0];
    assert_eq!(ann.seconds.available, 45.0 * 60.0);
    assert_eq!(ann.seconds.on_contact, 115.0 * 60.0);
    assert_eq!(ann.seconds.after_contact_work, 30.0 * 60.0);
    assert_eq!(ann.seconds.break_, 15.0 * 60.0);
    assert_eq!(ann.seconds.offline, 30.0 * 60.0);
    assert_eq!(ann.contacts, 3);
    assert_eq!(ann.paid_seconds, 210.0 * 60.0);
    assert_eq!(ann.scheduled_seconds, Some(240.0 * 60.0));
    assert_eq!(ann.adherent_seconds, Some(225.0 * 60.0));
    assert_close(ann.occupancy, 145.0 / 190.0);
    assert_close(ann.utilization, 145.0 / 210.0);
    assert_close(ann.adherence, 225.0 / 240.0);
    assert_close(ann.availability, 190.0 / 210.0);
    assert_close(ann.performance, 145.0 / 190.0);
    assert_eq!(ann.quality, 0.9);
    assert_close(ann.ole, 145.0 / 210.0 * 0.9);

    let bob = &report.agents[1];
    assert_eq!((bob.contacts, bob.paid_seconds), (2, 110.0 * 60.0));
    assert_eq!((bob.scheduled_seconds, bob.adherence), (None, None));
    assert_close(bob.occupancy, 0.7);
    assert_close(bob.utilization, 70.0 / 110.0);
    assert_close(bob.availability, 100.0 / 110.0);
    assert_eq!(bob.quality, 1.0);
    assert_close(bob.ole, 70.0 / 110.0);

    let all = &report.overall;
    assert_eq!(all.agent, "*");
    assert_eq!(all.contacts, 5);
    assert_close(all.occupancy, 215.0 / 290.0);
    assert_close(all.utilization, 215.0 / 320.0);
    assert_close(all.availability, 290.0 / 320.0);
    assert_close(all.adherence, 225.0 / 240.0);
    // Quality weighted by contacts: (3 × 0.9 + 2 × 1) / 5.
    assert!((all.quality - 0.94).abs() < 1e-15);
    assert_close(all.ole, 215.0 / 320.0 * 0.94);
}

#[test]
fn standard_handle_time_sets_performance() {
    let log = read_state_log(&read("agent_states.csv"), LogFormat::Csv).unwrap();
    let options = UtilizationOptions {
        standard_handle_time: Some(Duration::from_secs(45 * 60)),
        quality: IndexMap::new(),
    };
    let report = analyze(&log, None, &options);
    // ann: 3 contacts × 45 min over 190 min ready; bob: 2 × 45 over 100.
    assert_close(report.agents[0].performance, 135.0 / 190.0);
    assert_close(report.agents[1].performance, 0.9);
    // Without a schedule ann's paid time is her logged-in time, 205 min.
    assert_eq!(report.agents[0].paid_seconds, 205.0 * 60.0);
    assert_close(report.agents[0].ole, 190.0 / 205.0 * 135.0 / 190.0);
    assert_close(report.overall.performance, 225.0 / 290.0);
    assert_eq!(report.overall.adherence, None);
}

#[test]
fn json_lines_log_reads_the_same() {
    let csv = read_state_log(&read("agent_states.csv"), LogFormat::Csv).unwrap();
    let jsonl = read_state_log(&read("agent_states.jsonl"), LogFormat::JsonLines).unwrap();
    // The JSON Lines file has no header: every line number is one less.
    let shifted: Vec<_> = jsonl
        .entries
        .iter()
        .map(|e| (e.line + 1, e.agent.clone(), e.kind, e.start, e.end))
        .collect();
    let expected: Vec<_> = csv
        .entries
        .iter()
        .map(|e| (e.line, e.agent.clone(), e.kind, e.start, e.end))
        .collect();
    assert_eq!(shifted, expected);
    let lines: Vec<usize> = jsonl.problems.iter().map(LogError::line).collect();
    assert_eq!(lines, [10, 11, 12]);
    let broken = read_state_log("{\"agent\": \"ann\"}\nnot json\n", LogFormat::JsonLines).unwrap();
    assert_eq!(
        broken
            .problems
            .iter()
            .map(LogError::line)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(
        broken.problems[0]
            .to_string()
            .contains("missing field `state`"),
        "{}",
        broken.problems[0]
    );
}

#[test]
fn malformed_lines_name_the_problem() {
    let log = read_state_log(
        "agent,state,start,end\n\
         ann,available,yesterday,2024-03-04T09:00\n\
         ann,available,2024-03-04T10:00,2024-03-04T09:00\n\
         ,available,2024-03-04T10:00,2024-03-04T11:00\n\
         ann,available\n",
        LogFormat::Csv,
    )
    .unwrap();
    let messages: Vec<String> = log.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 4);
    assert!(
        messages[0].starts_with("line 2: `start` is not a date and time"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].starts_with("line 3: the entry ends at"),
        "{}",
        messages[1]
    );
    assert_eq!(messages[2], "line 4: the agent is empty");
    assert!(
        messages[3].starts_with("line 5: the row has 2 fields"),
        "{}",
        messages[3]
    );
    let err = read_state_log("who,what\n", LogFormat::Csv).unwrap_err();
    assert_eq!(err.line(), 1);
    assert!(err.to_string().contains("no `agent` column"));
}

#[test]
fn schedule_entries_are_checked_too() {
    let s = read_schedule(
        "agent,activity,start,end\n\
         ann,work,2024-03-04T09:00,2024-03-04T12:00\n\
         ann,break,2024-03-04T11:00,2024-03-04T11:15\n\
         ann,nap,2024-03-04T12:00,2024-03-04T12:15\n",
        LogFormat::Csv,
    )
    .unwrap();
    assert_eq!(s.entries.len(), 1);
    assert_eq!(s.entries[0].kind, Activity::Work);
    assert!(matches!(s.problems[0], LogError::Overlap { line: 3, .. }));
    assert!(s.problems[1].to_string().contains("unknown activity `nap`"));
}

#[test]
fn agents_without_time_have_no_ratios() {
    let log = read_state_log(
        "agent,state,start,end\ncy,offline,2024-03-04T09:00,2024-03-04T10:00\n",
        LogFormat::Csv,
    )
    .unwrap();
    let report = analyze(&log, None, &UtilizationOptions::default());
    let cy = &report.agents[0];
    assert_eq!(cy.seconds.offline, 3600.0);
    assert_eq!((cy.occupancy, cy.utilization, cy.ole), (None, None, None));
    assert_eq!(AgentState::Offline.to_string(), "offline");
}

#[test]
fn widest_dates_do_not_overflow() {
    let mut log = String::from("agent,state,start,end\n");
    let mut schedule = String::from("agent,activity,start,end\n");
    for i in 0..200 {
        // Back-to-back entries 20 years apart from year 0001 to 9999.
        let (from, to) = (1 + 40 * i, 41 + 40 * i);
        log.push_str(&format!(
            "z,available,{from:04}-01-01T00:00,{to:04}-01-01T00:00\n"
        ));
        schedule.push_str(&format!(
            "z,work,{from:04}-01-01T00:00,{to:04}-01-01T00:00\n"
        ));
    }
    let log = read_state_log(&log, LogFormat::Csv).unwrap();
    let schedule = read_schedule(&schedule, LogFormat::Csv).unwrap();
    assert!(log.problems.is_empty() && schedule.problems.is_empty());
    let report = analyze(&log, Some(&schedule), &UtilizationOptions::default());
    assert_eq!(report.agents[0].adherence, Some(1.0));
    assert_eq!(report.agents[0].occupancy, Some(0.0));
}

#[test]
fn quality_file() {
    let (q, problems) = read_quality_csv(&read("quality.csv")).unwrap();
    assert_eq!(q.get("ann"), Some(&0.9));
    assert!(problems.is_empty());
}

#[test]
fn cli_prints_table_and_exits_one_on_problems() {
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args([
            "utilization",
            "agent_states.csv",
            "--schedule",
            "schedule.csv",
            "--quality",
            "quality.csv",
        ])
        .current_dir(DATA)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("agent_states.csv: line 11: entry of agent `bob`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("agent_states.csv: line 13: unknown state `lunch`"),
        "{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "agent     contacts  occupancy  utilization  adherence  availability  performance  quality     OLE"
    );
    assert_eq!(
        lines[1],
        "ann              3     0.7632       0.6905     0.9375        0.9048       0.7632   0.9000  0.6214"
    );
    assert_eq!(
        lines[2],
        "bob              2     0.7000       0.6364          -        0.9091       0.7000   1.0000  0.6364"
    );
    assert_eq!(
        lines[3],
        "overall          5     0.7414       0.6719     0.9375        0.9062       0.7414   0.9400  0.6316"
    );
}

#[test]
fn cli_json_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args([
            "utilization",
            "agent_states.jsonl",
            "--json",
            "--standard-aht",
            "45m",
        ])
        .current_dir(DATA)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["agents"][0]["agent"], "ann");
    assert_eq!(v["agents"][0]["contacts"], 3);
    assert_eq!(v["agents"][0]["seconds"]["break"], 900.0);
    assert_eq!(v["overall"]["adherence"], serde_json::Value::Null);
    assert_eq!(v["problems"].as_array().unwrap().len(), 3);
    assert_eq!(v["problems"][0]["line"], 10);
    assert_eq!(v["problems"][2]["file"], "agent_states.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(["utilization", "missing.csv"])
        .current_dir(DATA)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
