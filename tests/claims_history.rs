//! Claims history (SAP's duplicate check): `eval --record` derives each claim's previous
//! repair of the same fault on the same serial from the claims recorded before it (in the
//! store, or earlier in the same input), so the rules' `duplicate` rule (a repair within 30
//! days of the previous one) fires without the host supplying the date; a rerun is
//! idempotent; a rejected claim is not a previous repair; the same claim id twice in one
//! input is an error line; the host's own value wins. A property test holds the session
//! (memory and SQLite) to a reference model of "the latest earlier claim".
#![cfg(feature = "store")]

#[path = "support/run.rs"]
mod run;

use aftersales::host::claims::{
    ClaimHistory, ClaimKey, ClaimRecord, MemoryHistory, PriorClaim, Session,
};
use aftersales::store::Store;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::path::PathBuf;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aftersales-claims-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

/// A claim bundle: `serial`, `fault`, repair day, parts cost (`0` for none).
fn claim(id: &str, serial: &str, fault: &str, day: &str, parts: &str) -> String {
    format!(
        r#"{{"id": "{id}", "context": {{"today": "2026-04-01"}}, "product": {{"serial": "{serial}", "make": "FORD", "model": "ESCAPE", "model_year": 2024, "in_service_date": "2024-05-10", "owner": "original", "market": "us"}}, "claim": {{"id": "{id}", "claim_type": "WR", "fault": "{fault}", "repair_date": "{day}", "odometer": "21400 mi", "parts": "USD {parts}"}}}}"#
    )
}

/// Run `eval --decision adjudicate` on `input` with `flag DB`: exit code, (id, reason or
/// error code) per line, stderr.
fn adjudicate(
    input: &str,
    flag: &str,
    db: &std::path::Path,
) -> (i32, Vec<(String, String)>, String) {
    let (code, out, err) = run::run_in(
        Some(ROOT),
        &[
            "eval",
            "--decision",
            "adjudicate",
            flag,
            db.to_str().expect("utf-8"),
        ],
        input,
    );
    let lines = out
        .lines()
        .map(|l| {
            let j: serde_json::Value = serde_json::from_str(l).expect("JSON");
            let what = j["outputs"]["reason"]
                .as_str()
                .or(j["error"]["code"].as_str())
                .unwrap_or("?")
                .to_string();
            (j["id"].as_str().unwrap_or("").to_string(), what)
        })
        .collect();
    (code, lines, err)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_repair_claimed_again_within_the_rules_window_is_a_duplicate_from_history() {
    let d = dir("window");
    let db = d.join("s.db");
    // first run: the original repair
    let first = claim("C1", "VIN1", "P0301", "2026-02-20", "86.40");
    let (code, lines, err) = adjudicate(&first, "--record", &db);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines, pairs(&[("C1", "ACCEPTED")]));
    // a later run: the same serial and fault 7 days on is the same repair claimed twice;
    // another fault, another serial, or 31 days on (past the rules' 30) is not
    let later = [
        claim("C2", "VIN1", "P0301", "2026-02-27", "50.00"),
        claim("C3", "VIN1", "P0325", "2026-02-27", "50.00"),
        claim("C4", "VIN2", "P0301", "2026-02-27", "50.00"),
        claim("C5", "VIN1", "P0420", "2026-03-01", "50.00"),
        claim("C6", "VIN1", "P0420", "2026-04-01", "50.00"),
    ]
    .join("\n");
    let (code, lines, err) = adjudicate(&later, "--record", &db);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        lines,
        pairs(&[
            ("C2", "DUPLICATE"),
            ("C3", "ACCEPTED"),
            ("C4", "ACCEPTED"),
            ("C5", "ACCEPTED"),
            ("C6", "ACCEPTED"),
        ])
    );
    // the repair after C2's (rejected) is measured from C1's, the latest accepted one
    let again = claim("C7", "VIN1", "P0301", "2026-03-23", "50.00");
    let (_, lines, _) = adjudicate(&again, "--record", &db);
    assert_eq!(lines, pairs(&[("C7", "ACCEPTED")]), "31 days after C1");
    // a rerun of both files answers the same and records nothing new
    let count = || {
        let store = Store::open_existing(&db).expect("opens");
        let mut n = 0;
        for id in ["C1", "C2", "C3", "C4", "C5", "C6", "C7"] {
            n += usize::from(store.first_recorded(id).expect("reads").is_some());
        }
        n
    };
    assert_eq!(count(), 7);
    let (code, lines, _) = adjudicate(&later, "--record", &db);
    assert_eq!(code, 0);
    assert_eq!(lines[0], ("C2".to_string(), "DUPLICATE".to_string()));
    let (_, lines, _) = adjudicate(&first, "--record", &db);
    assert_eq!(
        lines,
        pairs(&[("C1", "ACCEPTED")]),
        "C2 and C7 repaired later: not before C1"
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn in_one_input_the_claims_before_count_a_rejected_one_does_not_and_a_claim_twice_is_an_error() {
    let d = dir("batch");
    let db = d.join("s.db");
    let input = [
        // rejected (no cost): not a repair paid, so not a previous repair
        claim("D1", "VIN9", "P0301", "2026-03-01", "0.00"),
        claim("D2", "VIN9", "P0301", "2026-03-02", "20.00"),
        // the same day as D2, after it in the input: D2 came first
        claim("D3", "VIN9", "P0301", "2026-03-02", "20.00"),
        // D2 again: the same claim twice in one input
        claim("D2", "VIN9", "P0301", "2026-03-02", "20.00"),
    ]
    .join("\n");
    let (code, lines, err) = adjudicate(&input, "--record", &db);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        lines,
        pairs(&[
            ("D1", "NO_COST"),
            ("D2", "ACCEPTED"),
            ("D3", "DUPLICATE"),
            ("D2", "duplicate_claim"),
        ])
    );
    let (_, out, _) = run::run_in(
        Some(ROOT),
        &[
            "eval",
            "--decision",
            "adjudicate",
            "--record",
            db.to_str().expect("utf-8"),
            "--explain",
        ],
        &claim("D4", "VIN9", "P0301", "2026-03-03", "20.00"),
    );
    // the derived facts are what the explanation shows the rule reading
    assert!(out.contains("previous_repair_same_fault"), "{out}");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_hosts_own_history_wins_and_history_alone_records_nothing() {
    let d = dir("host");
    let db = d.join("s.db");
    let (code, _, _) = adjudicate(
        &claim("E1", "VIN5", "P0301", "2026-03-01", "10.00"),
        "--record",
        &db,
    );
    assert_eq!(code, 0);
    // the host says the previous repair was long ago: its value is used, not history's
    let own = claim("E2", "VIN5", "P0301", "2026-03-05", "10.00").replace(
        r#""repair_date""#,
        r#""previous_repair_same_fault": "2025-01-01", "repair_date""#,
    );
    let (_, lines, _) = adjudicate(&own, "--history", &db);
    assert_eq!(lines, pairs(&[("E2", "ACCEPTED")]));
    // without it, history's E1 makes E2 a duplicate; --history does not record E2
    let plain = claim("E2", "VIN5", "P0301", "2026-03-05", "10.00");
    let (_, lines, _) = adjudicate(&plain, "--history", &db);
    assert_eq!(lines, pairs(&[("E2", "DUPLICATE")]));
    let store = Store::open_existing(&db).expect("opens");
    assert_eq!(store.first_recorded("E2").expect("reads"), None);
    drop(store);
    // --history never creates a store
    let (code, _, err) = adjudicate(&plain, "--history", &d.join("none.db"));
    assert_eq!(code, 2);
    assert!(err.contains("no such store"), "{err}");
    let _ = std::fs::remove_dir_all(d);
}

/// A claim of the model: id, serial, fault, day, rejected.
type Step = (usize, usize, usize, u32, bool);

fn key(s: &Step) -> ClaimKey {
    ClaimKey {
        claim_id: format!("C{}", s.0),
        serial: format!("S{}", s.1),
        fault: format!("F{}", s.2),
        repair_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day")
            + chrono::Days::new(u64::from(s.3)),
    }
}

/// The reference: every claim added so far (committed or not), in order. The previous
/// claim of `k`: among other ids first added before it, whose latest versions are on the
/// same serial and fault and not rejected, the latest by (day, first added).
fn reference(added: &[Step], k: &Step) -> Option<(String, NaiveDate)> {
    let first = |id: usize| added.iter().position(|s| s.0 == id);
    let own = first(k.0).unwrap_or(usize::MAX);
    let mut ids: Vec<usize> = added.iter().map(|s| s.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter(|&id| id != k.0)
        .filter_map(|id| {
            let latest = added.iter().rev().find(|s| s.0 == id)?;
            let f = first(id)?;
            let ok = latest.1 == k.1 && latest.2 == k.2 && !latest.4 && f < own;
            ok.then_some((latest.3, f, id))
        })
        .max()
        .map(|(_, _, id)| {
            let s = added.iter().rev().find(|s| s.0 == id).expect("added");
            (format!("C{id}"), key(s).repair_date)
        })
}

fn runs() -> impl Strategy<Value = Vec<Vec<(Step, bool)>>> {
    // runs of claims (ids unique within a run), each with whether to commit after it
    let step = (
        0usize..12,
        0usize..2,
        0usize..2,
        0u32..6,
        prop::bool::weighted(0.3),
    );
    prop::collection::vec(
        prop::collection::vec((step, prop::bool::weighted(0.2)), 0..14).prop_map(|mut run| {
            let mut seen = std::collections::HashSet::new();
            run.retain(|((id, ..), _)| seen.insert(*id));
            run
        }),
        1..4,
    )
}

fn check<H: ClaimHistory>(history: &mut H, runs: &[Vec<(Step, bool)>]) -> Result<(), TestCaseError>
where
    H::Error: std::fmt::Debug,
{
    let mut added: Vec<Step> = Vec::new();
    for run in runs {
        let mut session = Session::new(history);
        for (step, commit) in run {
            let k = key(step);
            let got: Option<PriorClaim> = session.previous(&k).expect("reads");
            prop_assert_eq!(
                got.map(|p| (p.claim_id, p.repair_date)),
                reference(&added, step),
                "claim {:?} after {:?}",
                step,
                &added
            );
            session
                .add_record(ClaimRecord {
                    key: k,
                    decision: "adjudicate".into(),
                    rejected: step.4,
                    outcome: format!("{}", step.4),
                })
                .expect("adds");
            added.push(*step);
            if *commit {
                session.commit().expect("commits");
            }
        }
        session.commit().expect("commits");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The session answers "the latest earlier claim" as the reference does, over a
    /// history in memory and in SQLite, across runs and commits at any point.
    #[test]
    fn the_previous_claim_is_the_references(runs in runs()) {
        check(&mut MemoryHistory::default(), &runs)?;
        let d = dir("prop");
        let mut store = Store::open(d.join("p.db")).expect("opens");
        check(&mut store, &runs)?;
        drop(store);
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_rerun_of_claims_in_any_order_answers_as_the_first_run_did() {
    let d = dir("rerun");
    let db = d.join("s.db");
    // 300 claims on 20 serials and 3 faults, repair days out of order
    let input: Vec<String> = (0..300)
        .map(|k| {
            let day = format!("2026-02-{:02}", 1 + (k * 7919) % 28);
            let parts = if k % 11 == 0 { "0.00" } else { "40.00" };
            claim(
                &format!("R{k}"),
                &format!("VIN{}", k % 20),
                ["P0301", "P0325", "P0420"][k % 3],
                &day,
                parts,
            )
        })
        .collect();
    let input = input.join("\n");
    let (code, first, err) = adjudicate(&input, "--record", &db);
    assert_eq!(code, 0, "{err}");
    assert!(first.iter().any(|(_, r)| r == "DUPLICATE"));
    assert!(first.iter().any(|(_, r)| r == "NO_COST"));
    let (_, again, _) = adjudicate(&input, "--record", &db);
    assert_eq!(again, first);
    let (_, read_only, _) = adjudicate(&input, "--history", &db);
    assert_eq!(read_only, first);
    let _ = std::fs::remove_dir_all(d);
}
