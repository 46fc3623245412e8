//! Fuzz the record-keeping host modules on the bundled rules, by the first byte:
//! - `r`: the rest's lines are return bundles, each decided (`ReturnRecord::decide`),
//!   recorded in a `MemoryLedger` and reported; the report's counts must be the records'.
//! - `c`: the rest's lines are claim bundles, run through a claims-history `Session`
//!   (derive, decide `adjudicate`, add) over a `MemoryHistory`, committing every 7.
//! - anything else: the input is an installed-base CSV run against the example recall
//!   notice (`Notice::unit`, cells read straight), each row's outcome compared with its
//!   whole bundle's.
//! Bad input is an error; nothing may panic, hang or overflow the stack.

#![no_main]

use aftersales::host::claims::{MemoryHistory, Session};
use aftersales::host::recalls::base::{Notice, UnitOutcome};
use aftersales::host::returns::{MemoryLedger, Report, ReturnLedger, ReturnRecord};
use aftersales::RuleSet;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")).expect("the rules load")
    })
}

const NOTICE: &str = r#"{"recall": "R24V123", "recall_notice": {"id": "N1", "severity": "safety",
  "determined_on": "2026-11-20", "part_573_filed_on": "2026-11-30"}, "context": {"today": "2026-12-02"}}"#;

fn returns(text: &str) {
    let rules = rules();
    let mut ledger = MemoryLedger::default();
    let mut decided = 0u64;
    for line in text.lines() {
        let Ok(facts) = rules.facts_from_json(line) else {
            continue;
        };
        if let Ok(r) = ReturnRecord::decide(rules, &facts) {
            let _ = r.to_json_line();
            if ledger.record(&[r]).is_ok() {
                decided += 1;
            }
        }
    }
    if let Ok(report) = Report::of_ledger(&ledger, None, None) {
        assert!(report.returns <= decided);
        assert_eq!(report.returns as usize, ledger.len());
        let _ = report.to_string();
    }
}

fn claims(text: &str) {
    let rules = rules();
    let Ok(adjudicate) = rules.handle("adjudicate") else {
        return;
    };
    let mut history = MemoryHistory::default();
    let mut session = Session::new(&mut history);
    for (k, line) in text.lines().enumerate() {
        let Ok(facts) = rules.facts_from_json(line) else {
            continue;
        };
        let Ok(facts) = session.derive(rules, facts, k + 1) else {
            continue;
        };
        if let Ok(d) = rules.decide_with(adjudicate, &facts) {
            let _ = session.add(rules, &facts, &d);
        }
        if k % 7 == 6 {
            let _ = session.commit();
        }
    }
    let _ = session.commit();
}

fn recall(data: &[u8]) {
    let rules = rules();
    let notice = Notice::from_json_str(rules, NOTICE).expect("the notice reads");
    let recalls = rules.handle("recalls").expect("recalls");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let Ok(header) = reader.headers().cloned() else {
        return;
    };
    let header: Vec<&str> = header.iter().collect();
    for record in reader.records().take(200) {
        let Ok(record) = record else {
            continue;
        };
        let row: Vec<&str> = record.iter().collect();
        let fast = notice.unit(&header, &row);
        let whole = rules
            .facts_from_json(&notice.bundle(&header, &row))
            .ok()
            .and_then(|f| rules.decide_with(recalls, &f).ok())
            .map(|d| d.rules.iter().any(|r| r == "R24V123"));
        match (fast, whole) {
            (Ok(UnitOutcome::Affected { .. }), w) => assert_eq!(w, Some(true)),
            (Ok(UnitOutcome::Unaffected), w) => assert_eq!(w, Some(false)),
            (Err(_), _) => {}
        }
    }
}

fn run(data: Vec<u8>) {
    match data.first() {
        Some(b'r') => returns(&String::from_utf8_lossy(&data[1..])),
        Some(b'c') => claims(&String::from_utf8_lossy(&data[1..])),
        _ => recall(&data),
    }
}

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || run(data))
        .expect("cannot start a thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
});
