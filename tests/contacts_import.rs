//! `contacts import servicenow|bpi2013|helpdesk` on excerpts of the real logs, replayed
//! against the example service-desk rules; contradictions reported and the rest kept;
//! `contacts report` per group.
#![cfg(feature = "import")]

use aftersales::host::contacts::import::{import, Problem, ProblemKind, Source};
use aftersales::host::contacts::{By, Contact, Event, EventKind, Lifecycle};
use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn convert(source: Source, text: &str) -> (Vec<Event>, Vec<Problem>) {
    let (mut events, mut problems) = (Vec::new(), Vec::new());
    import(
        source,
        text.as_bytes(),
        chrono_tz::UTC,
        &mut |e| events.push(e),
        &mut |p| problems.push(p),
    )
    .expect("converted");
    (events, problems)
}

fn cases(path: &str, column: &str) -> BTreeSet<String> {
    let mut r = csv::Reader::from_path(format!("{ROOT}/{path}")).expect("csv");
    let k = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == column)
        .expect("column");
    r.records()
        .map(|x| x.expect("row")[k].to_string())
        .collect()
}

#[test]
fn each_real_log_converts_and_replays_without_an_error_line() {
    let rules = aftersales::RuleSet::load(format!("{ROOT}/examples/service_desk")).expect("rules");
    for (source, file, column) in [
        (
            "servicenow",
            "tests/data/servicedesk/servicenow.csv",
            "number",
        ),
        ("bpi2013", "tests/data/servicedesk/bpi2013.csv", "SR Number"),
        ("helpdesk", "tests/data/servicedesk/helpdesk.csv", "Case ID"),
    ] {
        let out = run(&["contacts", "import", source, file]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{source}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let events: Vec<Event> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| Event::from_json_str(l).unwrap_or_else(|e| panic!("{source}: {l}: {e}")))
            .collect();
        let contacts: BTreeSet<String> = events.iter().map(|e| e.contact.clone()).collect();
        assert_eq!(
            contacts,
            cases(file, column),
            "{source}: one contact per case"
        );
        let mut log = aftersales::host::contacts::Log::new(&rules);
        for e in events {
            log.push(e);
        }
        assert_eq!(log.error_count(), 0, "{source}: every event applies");
        let lines = log.lines(None);
        assert_eq!(lines.len(), contacts.len());
        assert!(
            lines
                .iter()
                .all(|l| l["clocks"]["resolve"]["state"].is_string()),
            "{source}"
        );
        // the summary names the file
        assert!(String::from_utf8_lossy(&out.stderr).contains(file));
    }
}

#[test]
fn servicenow_states_map_to_the_lifecycle() {
    let text = "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at
INC1,New,true,0,0,0,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,2/3/2016 09:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,3 - Moderate,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Active,true,0,0,1,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,2/3/2016 09:20,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,3 - Moderate,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Awaiting User Info,true,0,0,2,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,2/3/2016 10:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,2 - High,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Active,true,0,0,3,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,2/3/2016 12:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,2 - High,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Resolved,true,0,0,4,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,2/3/2016 15:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,2 - High,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Active,true,0,1,5,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,3/3/2016 09:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,2 - High,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Closed,false,0,1,6,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,9/3/2016 10:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,2 - High,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC1,Active,true,0,1,7,true,Caller 1,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,9/3/2016 11:00,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,2 - High,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
INC2,New,true,0,0,0,true,Caller 2,Opened by  1,2/3/2016 09:00,?,?,Updated by 1,not a time,Phone,Location 1,Category 1,Subcategory 1,Symptom 1,?,2 - Medium,2 - Medium,3 - Moderate,Group 1,?,true,false,Do Not Notify,?,?,?,?,?,?,?,9/3/2016 10:00
";
    let (events, problems) = convert(Source::ServiceNow, text);
    let kinds: Vec<&EventKind> = events.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds[0], EventKind::Received { .. }));
    assert_eq!(
        kinds[1..].to_vec(),
        [
            &EventKind::Reply { by: By::Agent },
            &EventKind::Priority {
                to: aftersales::host::contacts::Priority::P2
            },
            &EventKind::Status {
                to: Lifecycle::Pending
            },
            &EventKind::Status {
                to: Lifecycle::Open
            },
            &EventKind::Status {
                to: Lifecycle::Solved
            },
            &EventKind::Reply { by: By::Customer },
            &EventKind::Status {
                to: Lifecycle::Closed
            },
        ]
    );
    // activity after closing: reported once, left out; a bad time: the row left out
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        (problems[0].kind, problems[0].line),
        (ProblemKind::Contradiction, 9)
    );
    assert!(problems[0].message.contains("after the case was closed"));
    assert_eq!(
        (problems[1].kind, problems[1].line),
        (ProblemKind::BadRow, 10)
    );
    assert_eq!(problems[1].contact.as_deref(), Some("INC2"));
    // the contact: first response at 09:20, resolve paused 10:00-12:00
    let rules = aftersales::RuleSet::load(format!("{ROOT}/examples/service_desk")).expect("rules");
    let s = Contact::replay(&rules, events).status().expect("received");
    assert_eq!(s.status, Lifecycle::Closed);
    assert_eq!(s.priority.as_deref(), Some("p2"));
    assert_eq!(s.first_response.expect("clock").elapsed.num_minutes(), 20);
}

#[test]
fn helpdesk_waits_end_at_the_next_activity_and_a_late_row_is_reported() {
    let text = "Case ID,Activity,Resource,Complete Timestamp,Variant,Variant index,Variant,seriousness,customer,product,responsible_section,seriousness_2,service_level,service_type,support_section,workgroup
Case 1,Assign seriousness,Value 1,2012/10/09 09:00:00.000,Variant 1,1,Variant 1,Value 1,Value 7,Value 2,Value 1,Value 1,Value 3,Value 1,Value 1,Value 1
Case 1,Take in charge ticket,Value 1,2012/10/09 10:00:00.000,Variant 1,1,Variant 1,Value 1,Value 7,Value 2,Value 1,Value 1,Value 3,Value 1,Value 1,Value 1
Case 1,Wait,Value 1,2012/10/09 11:00:00.000,Variant 1,1,Variant 1,Value 1,Value 7,Value 2,Value 1,Value 1,Value 3,Value 1,Value 1,Value 1
Case 1,Resolve ticket,Value 1,2012/10/10 09:00:00.000,Variant 1,1,Variant 1,Value 1,Value 7,Value 2,Value 1,Value 1,Value 3,Value 1,Value 1,Value 1
Case 1,Closed,Value 1,2012/10/09 08:00:00.000,Variant 1,1,Variant 1,Value 1,Value 7,Value 2,Value 1,Value 1,Value 3,Value 1,Value 1,Value 1
";
    let (events, problems) = convert(Source::Helpdesk, text);
    let kinds: Vec<&EventKind> = events.iter().skip(1).map(|e| &e.kind).collect();
    assert_eq!(
        kinds,
        [
            &EventKind::Reply { by: By::Agent },
            &EventKind::Status {
                to: Lifecycle::Pending
            },
            &EventKind::Status {
                to: Lifecycle::Open
            },
            &EventKind::Status {
                to: Lifecycle::Solved
            },
            &EventKind::Status {
                to: Lifecycle::Closed
            },
        ]
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Contradiction);
    assert!(
        problems[0].message.contains("earlier than"),
        "{}",
        problems[0].message
    );
    match &events[0].kind {
        EventKind::Received { facts } => {
            assert_eq!(facts.to_serde()["contact"]["priority"], "p3");
            assert_eq!(facts.to_serde()["customer"]["id"], "Value 7");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_of_another_kind_is_a_clear_error_naming_the_column() {
    let out = run(&[
        "contacts",
        "import",
        "servicenow",
        "tests/data/servicedesk/helpdesk.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("helpdesk.csv") && err.contains("no column `number`"),
        "{err}"
    );
    let out = run(&["contacts", "import", "servicenw", "x.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `servicenow`?"));
}

#[test]
fn report_aggregates_clocks_per_group() {
    let log = r#"{"contact": "A", "at": "2026-03-03T09:00:00Z", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "complaint", "channel": "email", "text": "x", "priority": "p1"}}}
{"contact": "A", "at": "2026-03-03T09:10:00Z", "type": "reply", "by": "agent"}
{"contact": "A", "at": "2026-03-03T12:00:00Z", "type": "status", "to": "solved"}
{"contact": "B", "at": "2026-03-03T09:00:00Z", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "complaint", "channel": "email", "text": "x", "priority": "p1"}}}
{"contact": "B", "at": "2026-03-03T09:30:00Z", "type": "reply", "by": "agent"}
{"contact": "B", "at": "2026-03-03T15:00:00Z", "type": "status", "to": "solved"}
{"contact": "C", "at": "2026-03-03T09:00:00Z", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "complaint", "channel": "phone", "text": "x", "priority": "p3"}}}
"#;
    let path = std::env::temp_dir().join(format!("report-{}.jsonl", std::process::id()));
    std::fs::write(&path, log).expect("written");
    let out = run(&[
        "contacts",
        "report",
        path.to_str().expect("utf-8"),
        "--rules",
        "examples/service_desk",
        "--by",
        "priority",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "p1, p3, total");
    let p1 = &lines[0];
    assert_eq!(
        (p1["group"].as_str(), p1["contacts"].as_u64()),
        (Some("p1"), Some(2))
    );
    // 15 min first response: A met (10 min), B breached (30 min)
    let fr = &p1["clocks"]["first_response"];
    assert_eq!(
        (
            fr["finished"].as_u64(),
            fr["met"].as_u64(),
            fr["breached"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(fr["attainment"], 0.5);
    assert_eq!(fr["median_elapsed_s"], 600);
    assert_eq!(fr["p90_elapsed_s"], 1800);
    // 4h resolve: A 3h met, B 6h breached
    assert_eq!(p1["clocks"]["resolve"]["attainment"], 0.5);
    // escalation after 1h: neither fired (both answered before)
    assert_eq!(p1["escalated"], 0);
    // C is still open at 15:00: its 4 business hour first response ran out at 13:00
    let p3 = &lines[1];
    assert_eq!(p3["unresolved"], 1);
    assert_eq!(p3["clocks"]["first_response"]["breached"], 1);
    assert_eq!(
        p3["clocks"]["first_response"]["attainment"],
        serde_json::Value::Null
    );
    assert_eq!(
        (lines[2]["total"].as_bool(), lines[2]["contacts"].as_u64()),
        (Some(true), Some(3))
    );
    let by_channel = run(&[
        "contacts",
        "report",
        path.to_str().expect("utf-8"),
        "--rules",
        "examples/service_desk",
        "--by",
        "channel",
    ]);
    let groups: Vec<String> = String::from_utf8_lossy(&by_channel.stdout)
        .lines()
        .filter_map(|l| {
            serde_json::from_str::<serde_json::Value>(l).ok()?["group"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(groups, ["email", "phone"]);
    let _ = std::fs::remove_file(path);
}
