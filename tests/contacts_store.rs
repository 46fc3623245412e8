//! The contacts store (SQLite): `contacts ingest` is idempotent and durable, survives a
//! kill at any moment with nothing acknowledged lost, lets two writers in, refuses a
//! foreign or corrupt file by name; `contacts status` reads it back as `replay` prints it.
#![cfg(feature = "store")]

use aftersales::host::contacts::ContactStore;
use aftersales::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aftersales-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// `n` contacts of five events each, one JSON line an event, ids unique.
fn log(n: usize) -> String {
    let mut s = String::new();
    for k in 0..n {
        let day = 2 + (k % 3);
        s.push_str(&format!(
            r#"{{"id": "E{k}-1", "contact": "K{k}", "at": "2026-03-0{day}T09:00:00-05:00", "type": "received", "facts": {{"customer": {{"id": "C{k}"}}, "contact": {{"kind": "complaint", "channel": "email", "text": "broken"}}}}}}
{{"id": "E{k}-2", "contact": "K{k}", "at": "2026-03-0{day}T09:30:00-05:00", "type": "reply", "by": "agent"}}
{{"id": "E{k}-3", "contact": "K{k}", "at": "2026-03-0{day}T09:31:00-05:00", "type": "status", "to": "pending"}}
{{"id": "E{k}-4", "contact": "K{k}", "at": "2026-03-0{day}T11:00:00-05:00", "type": "reply", "by": "customer"}}
{{"id": "E{k}-5", "contact": "K{k}", "at": "2026-03-0{day}T15:00:00-05:00", "type": "status", "to": "solved"}}
"#
        ));
    }
    s
}

fn count(db: &Path) -> u64 {
    Store::open_existing(db)
        .and_then(|s| s.event_count())
        .expect("the store opens")
}

#[test]
fn ingest_is_idempotent_and_status_reads_back_what_replay_prints() {
    let d = dir("idem");
    let (events, db) = (d.join("e.jsonl"), d.join("s.db"));
    std::fs::write(&events, log(40)).expect("written");
    let (e, s) = (events.to_str().expect("utf-8"), db.to_str().expect("utf-8"));
    let first = run(&["contacts", "ingest", e, "--db", s, "rules"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("200 stored"));
    let again = run(&["contacts", "ingest", e, "--db", s]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 stored, 200 already stored"));
    assert_eq!(count(&db), 200);
    let replay = run(&["contacts", "replay", e, "rules"]);
    let status = run(&["contacts", "status", "--db", s, "rules"]);
    assert_eq!(status.status.code(), Some(0));
    assert_eq!(lines(&replay).len(), 40);
    assert_eq!(lines(&replay), lines(&status));
    // one contact, by index
    let one = run(&["contacts", "status", "--db", s, "rules", "--contact", "K7"]);
    let one = lines(&one);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["contact"], "K7");
    // filters: every contact's 24h first response was met, none breached
    let breached = run(&["contacts", "status", "--db", s, "rules", "--breached"]);
    assert!(lines(&breached).is_empty());
    let queue = run(&[
        "contacts",
        "status",
        "--db",
        s,
        "rules",
        "--queue",
        "care_general",
    ]);
    assert_eq!(lines(&queue).len(), 40);
    let none = run(&[
        "contacts",
        "status",
        "--db",
        s,
        "rules",
        "--queue",
        "billing_desk",
    ]);
    assert!(lines(&none).is_empty());
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_bad_line_is_an_error_line_and_is_not_stored_and_a_bad_bundle_neither() {
    let d = dir("bad");
    let (events, db) = (d.join("e.jsonl"), d.join("s.db"));
    let text = format!(
        "{}not json\n{}\n",
        log(1),
        r#"{"id": "X", "contact": "K2", "at": "2026-03-02T09:00:00-05:00", "type": "received", "facts": {"customer": {"idd": "C"}}}"#
    );
    std::fs::write(&events, text).expect("written");
    let (e, s) = (events.to_str().expect("utf-8"), db.to_str().expect("utf-8"));
    let out = run(&["contacts", "ingest", e, "--db", s, "rules"]);
    assert_eq!(out.status.code(), Some(1));
    let errs = lines(&out);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0]["line"], 6);
    assert_eq!(errs[0]["error"]["code"], "syntax");
    assert_eq!(
        (errs[1]["event"].as_str(), errs[1]["line"].as_u64()),
        (Some("X"), Some(7))
    );
    assert_eq!(count(&db), 5);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_foreign_or_corrupt_database_is_a_clear_error_naming_the_file() {
    let d = dir("foreign");
    let garbage = d.join("garbage.db");
    std::fs::write(&garbage, "this is not a database, just text").expect("written");
    let other = d.join("other.db");
    {
        let c = rusqlite::Connection::open(&other).expect("sqlite");
        c.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)")
            .expect("a table");
    }
    for (db, says) in [
        (&garbage, "not a database"),
        (&other, "not an aftersales store"),
    ] {
        let out = run(&[
            "contacts",
            "ingest",
            "-",
            "--db",
            db.to_str().expect("utf-8"),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(db.to_str().expect("utf-8")) && err.contains(says),
            "{err}"
        );
        let e = Store::open(db).expect_err("refused");
        assert!(e.to_string().contains(says), "{e}");
    }
    // the foreign database was not written to
    let c = rusqlite::Connection::open(&other).expect("sqlite");
    let tables: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("counted");
    assert_eq!(tables, 1);
    // a store from a newer version is refused
    let newer = d.join("newer.db");
    drop(Store::open(&newer).expect("created"));
    rusqlite::Connection::open(&newer)
        .and_then(|c| c.pragma_update(None, "user_version", 99))
        .expect("bumped");
    let e = Store::open(&newer).expect_err("refused");
    assert!(e.to_string().contains("newer"), "{e}");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_killed_ingest_rerun_stores_every_event_exactly_once() {
    let d = dir("kill");
    let (events, db) = (d.join("e.jsonl"), d.join("s.db"));
    let contacts = 40_000; // 200,000 events
    std::fs::write(&events, log(contacts)).expect("written");
    let (e, s) = (events.to_str().expect("utf-8"), db.to_str().expect("utf-8"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .args(["contacts", "ingest", e, "--db", s])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("started");
    // kill it once some batches are in, mid-way
    let mut seen = 0;
    for _ in 0..2000 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        if db.exists() {
            seen = Store::open_existing(&db)
                .and_then(|s| s.event_count())
                .unwrap_or(0);
            if seen > 0 {
                break;
            }
        }
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    let after_kill = count(&db);
    assert!(after_kill >= seen, "nothing committed is lost");
    assert_eq!(
        after_kill % 10_000,
        0,
        "a batch is all or nothing: {after_kill}"
    );
    let rerun = run(&["contacts", "ingest", e, "--db", s]);
    assert_eq!(rerun.status.code(), Some(0));
    assert_eq!(count(&db), 5 * contacts as u64);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn two_processes_ingesting_at_once_both_succeed_and_nothing_is_lost() {
    let d = dir("two");
    let db = d.join("s.db");
    let (a, b) = (d.join("a.jsonl"), d.join("b.jsonl"));
    std::fs::write(&a, log(4000)).expect("written");
    // the other writer's contacts are numbered from 100000
    std::fs::write(
        &b,
        log(4000)
            .replace("\"K", "\"K1000")
            .replace("\"E", "\"E1000"),
    )
    .expect("written");
    let s = db.to_str().expect("utf-8");
    // both open a store that does not exist yet: one creates it, the other waits
    let spawn = |f: &Path| {
        Command::new(env!("CARGO_BIN_EXE_aftersales"))
            .current_dir(ROOT)
            .args(["contacts", "ingest", f.to_str().expect("utf-8"), "--db", s])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("started")
    };
    let (p, q) = (spawn(&a), spawn(&b));
    let (p, q) = (
        p.wait_with_output().expect("ran"),
        q.wait_with_output().expect("ran"),
    );
    assert_eq!(
        p.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&p.stderr)
    );
    assert_eq!(
        q.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&q.stderr)
    );
    assert_eq!(count(&db), 40_000);
    let store = Store::open_existing(&db).expect("opens");
    assert_eq!(store.contacts().expect("listed").len(), 8000);
    let _ = std::fs::remove_dir_all(d);
}
