//! The returns ledger end to end: `returns record` decides each return with the bundled
//! rules, gives authorized ones a stable RMA number, is idempotent per return id, refuses
//! a changed outcome for a recorded id, puts an error line in place of a bad return; a
//! killed run loses nothing acknowledged; `returns report` adds up to the cent (a property
//! test holds its totals to the records' sums), by reason, disposition, product and
//! supplier, over a period, as text, JSON and an HTML page rendered in Chromium.
#![cfg(feature = "store")]

#[path = "support/run.rs"]
mod run;

use aftersales::host::returns::{MemoryLedger, Recorded, Report, ReturnLedger, ReturnRecord};
use aftersales::store::Store;
use aftersales::Money;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aftersales-returns-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

fn run(args: &[&str], stdin: &str) -> (i32, Vec<serde_json::Value>, String) {
    let (code, out, err) = run::run_in(Some(ROOT), args, stdin);
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (code, lines, err)
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8")
}

#[test]
fn the_example_returns_are_decided_numbered_and_recorded_once() {
    let d = dir("example");
    let db = d.join("r.db");
    let (code, lines, err) = run(
        &[
            "returns",
            "record",
            "rules/examples/returns.jsonl",
            "--db",
            s(&db),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("8 return(s) read: 8 recorded"), "{err}");
    let by_id: BTreeMap<&str, &serde_json::Value> = lines
        .iter()
        .map(|l| (l["id"].as_str().expect("an id"), l))
        .collect();
    assert_eq!(by_id.len(), 8);
    // price less 15%, half-even to the cent; the fee is the rest
    let rt2 = by_id["RT2"];
    assert_eq!(rt2["status"], "recorded");
    assert_eq!(rt2["remedy"], "refund");
    assert_eq!(rt2["restocking"], "15%");
    assert_eq!(rt2["refund"], "USD 169.99");
    assert_eq!(rt2["restocking_fee"], "USD 30.00");
    assert_eq!(rt2["disposition"], "refurbish");
    // a defective part goes back to the supplier that is charged for it
    assert_eq!(by_id["RT5"]["disposition"], "return_to_supplier");
    assert_eq!(by_id["RT5"]["supplier"], "Voltaic Parts Ltd");
    // a damaged battery is scrapped; a denied return has no RMA number and no disposition
    assert_eq!(by_id["RT6"]["disposition"], "scrap");
    assert_eq!(by_id["RT3"]["decision"], "deny");
    assert!(by_id["RT3"]["rma"].is_null() && by_id["RT3"]["disposition"].is_null());
    assert_eq!(by_id["RT3"]["denial"], "Outside the return window");
    let rmas: Vec<&str> = lines.iter().filter_map(|l| l["rma"].as_str()).collect();
    assert_eq!(rmas.len(), 6);
    assert_eq!(rmas.iter().collect::<HashSet<_>>().len(), 6, "unique");
    assert!(rmas.iter().all(|r| r.starts_with("RMA-") && r.len() == 12));

    // again: nothing added, the same numbers
    let (code, again, err) = run(
        &[
            "returns",
            "record",
            "rules/examples/returns.jsonl",
            "--db",
            s(&db),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 recorded, 8 already recorded"), "{err}");
    for (a, b) in lines.iter().zip(&again) {
        assert_eq!(b["status"], "existing");
        assert_eq!(a["rma"], b["rma"], "an RMA number is stable");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_bad_return_is_an_error_line_in_its_place_and_the_rest_is_recorded() {
    let d = dir("bad");
    let db = d.join("r.db");
    let input = r#"{"context": {"today": "2026-03-01"}, "return": {"id": "A1", "reason": "REMORSE", "condition": "unopened", "delivered_on": "2026-02-20", "value": "USD 10.00"}}
{"context": {"today": "2026-03-01"}, "return": {"id": "A2", "reason": "REMORSE", "condition": "unopend", "delivered_on": "2026-02-20"}}
not json
{"context": {"today": "2026-03-01"}, "return": {"id": "A3", "reason": "DOA", "condition": "defective", "delivered_on": "2026-02-25", "value": "USD 5.00"}}
{"context": {"today": "2026-03-01"}, "return": {"id": "A4", "reason": "DOA", "condition": "used", "delivered_on": "2026-02-25"}}
"#;
    let (code, lines, err) = run(&["returns", "record", "-", "--db", s(&db)], input);
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines.len(), 5, "one line per input line");
    assert_eq!(lines[0]["status"], "recorded");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["id"], "A2");
    assert_eq!(lines[1]["error"]["code"], "unknown_variant", "{}", lines[1]);
    assert!(lines[1]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("return.condition") && m.contains("unopened")));
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[2]["error"]["code"], "syntax");
    // defective goods go back to their supplier, and this return names none
    assert_eq!(lines[3]["error"]["code"], "missing_supplier");
    assert!(lines[3]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("return.supplier")));
    assert_eq!(lines[4]["status"], "recorded");
    assert!(
        err.contains("2 recorded, 0 already recorded, 0 in conflict, 3 failed"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_recorded_return_decided_differently_later_is_a_conflict_and_the_first_is_kept() {
    let d = dir("conflict");
    let db = d.join("r.db");
    let first = r#"{"context": {"today": "2026-03-01"}, "return": {"id": "B1", "reason": "REMORSE", "condition": "like_new", "delivered_on": "2026-02-20", "value": "USD 100.00"}}"#;
    let (code, lines, _) = run(&["returns", "record", "-", "--db", s(&db)], first);
    assert_eq!(code, 0);
    let rma = lines[0]["rma"].clone();
    // the same return recorded again a day later is the same return
    let later = first.replace("2026-03-01", "2026-03-02");
    let (code, lines, _) = run(&["returns", "record", "-", "--db", s(&db)], &later);
    assert_eq!(
        (code, &lines[0]["status"]),
        (0, &serde_json::json!("existing"))
    );
    assert_eq!(lines[0]["rma"], rma);
    // the same id with another condition: refused, the ledger keeps the first
    let changed = first.replace("like_new", "unopened");
    let (code, lines, err) = run(&["returns", "record", "-", "--db", s(&db)], &changed);
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines[0]["error"]["code"], "conflict");
    assert_eq!(lines[0]["rma"], rma);
    // the same id twice in one batch, differently: the second is the conflict
    let (code, lines, _) = run(
        &["returns", "record", "-", "--db", s(&d.join("two.db"))],
        &format!("{first}\n{changed}\n"),
    );
    assert_eq!(code, 1);
    assert_eq!(lines[0]["status"], "recorded");
    assert_eq!(lines[1]["error"]["code"], "conflict");
    let store = Store::open_existing(&db).expect("opens");
    let report = Report::of_ledger(&store, None, None).expect("reads");
    assert_eq!(report.returns, 1);
    assert_eq!(report.totals[0].restocking_fees.to_string(), "USD 15.00");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_report_adds_up_by_group_and_period_as_text_json_and_html() {
    let d = dir("report");
    let db = d.join("r.db");
    let page = d.join("returns.html");
    let (code, _, _) = run(
        &[
            "returns",
            "record",
            "rules/examples/returns.jsonl",
            "--db",
            s(&db),
        ],
        "",
    );
    assert_eq!(code, 0);
    let (code, out, err) = run::run_in(
        Some(ROOT),
        &[
            "returns",
            "report",
            "--db",
            s(&db),
            "--json",
            "--html",
            s(&page),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(
        (
            r["returns"].as_u64(),
            r["authorized"].as_u64(),
            r["denied"].as_u64()
        ),
        (Some(8), Some(6), Some(2))
    );
    assert_eq!(
        (r["scrapped"].as_u64(), r["salvaged"].as_u64()),
        (Some(1), Some(1))
    );
    let usd = r["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|a| a["currency"] == "USD"))
        .expect("USD totals");
    // refunds: 169.99 (RT2) + 59.95 (RT4); fees 30.00; resale: refurbished 199.99 +
    // restocked 59.95; to suppliers: RT5's 39.50
    assert_eq!(usd["refunded"], "USD 229.94");
    assert_eq!(usd["restocking_fees"], "USD 30.00");
    assert_eq!(usd["resale_value"], "USD 259.94");
    assert_eq!(usd["charged_to_suppliers"], "USD 39.50");
    let eur = r["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|a| a["currency"] == "EUR"))
        .expect("EUR totals: currencies are never added together");
    assert_eq!(eur["refunded"], "EUR 38.34");
    let reasons: Vec<(&str, u64)> = r["by_reason"]
        .as_array()
        .expect("by_reason")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap_or(""),
                g["returns"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [("REMORSE", 4), ("DOA", 2), ("DEFECT", 1), ("WRONG", 1)]
    );
    assert_eq!(r["by_supplier"][0]["key"], "Voltaic Parts Ltd");

    // a period: 2026-03-02 alone holds RT4, RT5, RT6
    let (code, out, _) = run::run_in(
        Some(ROOT),
        &[
            "returns",
            "report",
            "--db",
            s(&db),
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-02",
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("returns decided (2026-03-02 to 2026-03-02): 3 (3 authorized, 0 denied)"),
        "{out}"
    );
    assert!(out.contains("scrapped 1 (33.3% of dispositions)"), "{out}");

    // a store that is not there is not created by a report
    let (code, _, err) = run::run_in(
        Some(ROOT),
        &["returns", "report", "--db", s(&d.join("none.db"))],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("none.db: no such store"), "{err}");

    let Some(browser) = run::chromium() else {
        eprintln!("SKIPPED: no chromium on this machine (.ci/run installs Debian's `chromium`)");
        return;
    };
    let dom = run::dump_dom(&browser, &page);
    assert!(dom.contains("<h1>Returns report</h1>"), "{dom}");
    for key in [
        "REMORSE",
        "DOA",
        "DEFECT",
        "WRONG",
        "audio",
        "battery",
        "charger",
        "Voltaic Parts Ltd",
    ] {
        assert!(
            dom.contains(&format!(r#"<tr data-key="{key}">"#)),
            "row of {key}"
        );
    }
    // one bar per disposition, counting the authorized returns
    let bars: u64 = dom
        .split(r#"class="bar" data-key=""#)
        .skip(1)
        .filter_map(|rest| {
            rest.split("data-count=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum();
    assert_eq!(dom.matches(r#"class="bar""#).count(), 5);
    assert_eq!(bars, 6);
    let shot = PathBuf::from(ROOT).join("target/returns-report.png");
    run::screenshot(&browser, &page, &shot, (1000, 1200));
    let _ = std::fs::remove_dir_all(d);
}

/// `n` returns, one JSON line each, ids unique, all authorized (unopened within 30 days).
fn many(n: usize) -> String {
    (0..n)
        .map(|k| {
            format!(
                r#"{{"context": {{"today": "2026-03-01"}}, "return": {{"id": "M{k}", "reason": "REMORSE", "condition": "unopened", "delivered_on": "2026-02-20", "value": "USD {}.{:02}"}}}}
"#,
                k % 500,
                k % 100
            )
        })
        .collect()
}

#[test]
fn a_killed_record_run_loses_nothing_it_printed_and_a_rerun_completes_it() {
    let d = dir("kill");
    let (input, db) = (d.join("r.jsonl"), d.join("r.db"));
    let n = 60_000;
    std::fs::write(&input, many(n)).expect("written");
    let out_path = d.join("out.jsonl");
    let out = std::fs::File::create(&out_path).expect("created");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .args(["returns", "record", s(&input), "--db", s(&db)])
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("started");
    let count = |db: &std::path::Path| {
        let store = Store::open_existing(db).expect("opens");
        let mut ids = HashSet::new();
        store
            .each_return(None, None, &mut |_, r| {
                ids.insert(r.id);
            })
            .expect("reads");
        ids
    };
    for _ in 0..4000 {
        std::thread::sleep(std::time::Duration::from_millis(2));
        if db.exists() && !count(&db).is_empty() {
            break;
        }
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    let after = count(&db);
    assert_eq!(
        after.len() % 1024,
        0,
        "a batch is all or nothing: {}",
        after.len()
    );
    // every line printed was recorded before it was printed
    let printed = std::fs::read_to_string(&out_path).expect("read");
    for l in printed.lines() {
        let Ok(j) = serde_json::from_str::<serde_json::Value>(l) else {
            continue; // the last line may be cut by the kill
        };
        let id = j["id"].as_str().expect("an id");
        assert!(after.contains(id), "{id} was printed but not recorded");
    }
    let (code, _, err) = run(&["returns", "record", s(&input), "--db", s(&db)], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(count(&db).len(), n);
    let _ = std::fs::remove_dir_all(d);
}

/// Currencies with 2, 0 and 3 minor units.
const CURRENCIES: [(&str, u32); 3] = [("USD", 2), ("JPY", 0), ("KWD", 3)];
const DISPOSITIONS: [&str; 5] = [
    "restock",
    "refurbish",
    "salvage",
    "scrap",
    "return_to_supplier",
];

fn money(cur: usize, minor: i64) -> Money {
    let (code, dp) = CURRENCIES[cur];
    let amount = rust_decimal::Decimal::new(minor, dp);
    Money::parse(&format!("{code} {amount}")).expect("money")
}

prop_compose! {
    fn record(k: usize)(
        authorized in prop::bool::weighted(0.8),
        cur in 0..3usize,
        value in 0i64..10_000_000,
        fee_per_mille in 0i64..400,
        refund in prop::bool::ANY,
        disposition in 0..5usize,
        reason in 0..3usize,
        day in 0u32..60,
        product in prop::option::of(0..4usize),
    ) -> ReturnRecord {
        let fee = value * fee_per_mille / 1000;
        ReturnRecord {
            id: format!("P{k}"),
            decided_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day") + chrono::Days::new(u64::from(day)),
            reason: ["DOA", "REMORSE", "WRONG"][reason].to_string(),
            decision: if authorized { "authorize" } else { "deny" }.to_string(),
            remedy: authorized.then(|| if refund { "refund" } else { "replace" }.to_string()),
            restocking: None,
            denial: (!authorized).then(|| "no".to_string()),
            value: Some(money(cur, value)),
            refund: (authorized && refund).then(|| money(cur, value - fee)),
            restocking_fee: (authorized && refund).then(|| money(cur, fee)),
            disposition: authorized.then(|| DISPOSITIONS[disposition].to_string()),
            supplier: (authorized && disposition == 4).then(|| format!("S{}", value % 3)),
            product: product.map(|p| format!("model {p}")),
        }
    }
}

fn records() -> impl Strategy<Value = Vec<ReturnRecord>> {
    (0usize..60).prop_flat_map(|n| (0..n).map(record).collect::<Vec<_>>())
}

/// Sums in integer minor units, per currency: (value, refunded, fees, resale, to suppliers).
fn sums(records: &[&ReturnRecord]) -> BTreeMap<String, [i128; 5]> {
    let minor = |m: &Money| {
        let dp = CURRENCIES
            .iter()
            .find(|c| c.0 == m.currency.as_str())
            .expect("known")
            .1;
        let scaled = m.amount * rust_decimal::Decimal::from(10i64.pow(dp));
        assert!(scaled.fract().is_zero());
        i128::try_from(scaled).expect("fits")
    };
    let mut out: BTreeMap<String, [i128; 5]> = BTreeMap::new();
    for r in records.iter().filter(|r| r.decision == "authorize") {
        let cur = |m: &Money| m.currency.as_str().to_string();
        if let Some(v) = &r.value {
            let e = out.entry(cur(v)).or_default();
            e[0] += minor(v);
            match r.disposition.as_deref() {
                Some("restock" | "refurbish") => e[3] += minor(v),
                Some("return_to_supplier") => e[4] += minor(v),
                _ => {}
            }
        }
        if let Some(m) = &r.refund {
            out.entry(cur(m)).or_default()[1] += minor(m);
        }
        if let Some(m) = &r.restocking_fee {
            out.entry(cur(m)).or_default()[2] += minor(m);
        }
    }
    out
}

fn report_sums(amounts: &[aftersales::host::returns::Amounts]) -> BTreeMap<String, [i128; 5]> {
    let minor = |m: &Money| {
        let dp = CURRENCIES
            .iter()
            .find(|c| c.0 == m.currency.as_str())
            .expect("known")
            .1;
        i128::try_from(m.amount * rust_decimal::Decimal::from(10i64.pow(dp))).expect("fits")
    };
    amounts
        .iter()
        .map(|a| {
            (
                a.currency.clone(),
                [
                    minor(&a.value),
                    minor(&a.refunded),
                    minor(&a.restocking_fees),
                    minor(&a.resale_value),
                    minor(&a.charged_to_suppliers),
                ],
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The report's totals are the records' sums to the minor unit, per currency, each
    /// grouping's groups add up to the totals, and the store's report is the memory
    /// ledger's; RMA numbers are unique, given to authorized returns only.
    #[test]
    fn the_report_is_the_sum_of_its_records(records in records(), from in 0u32..60, len in 0u32..60) {
        let mut mem = MemoryLedger::default();
        let done = mem.record(&records).expect("infallible");
        let rmas: Vec<&String> = done.iter().filter_map(|d| match d {
            Recorded::New { rma } => rma.as_ref(),
            _ => None,
        }).collect();
        prop_assert_eq!(rmas.len(), records.iter().filter(|r| r.authorized()).count());
        prop_assert_eq!(rmas.iter().collect::<HashSet<_>>().len(), rmas.len());

        let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day");
        let (f, t) = (start + chrono::Days::new(u64::from(from)), start + chrono::Days::new(u64::from(from + len)));
        let inside: Vec<&ReturnRecord> = records.iter().filter(|r| r.decided_on >= f && r.decided_on <= t).collect();
        let report = Report::of_ledger(&mem, Some(f), Some(t)).expect("sums");
        prop_assert_eq!(report.returns as usize, inside.len());
        prop_assert_eq!(report_sums(&report.totals), sums(&inside));
        for groups in [&report.by_reason, &report.by_disposition, &report.by_product] {
            let mut added: BTreeMap<String, [i128; 5]> = BTreeMap::new();
            for g in groups {
                for (c, s) in report_sums(&g.amounts) {
                    let e = added.entry(c).or_default();
                    for k in 0..5 { e[k] += s[k]; }
                }
            }
            prop_assert_eq!(&added, &report_sums(&report.totals));
        }
        prop_assert_eq!(report.by_reason.iter().map(|g| g.returns).sum::<u64>(), report.returns);

        let d = dir("prop");
        let mut store = Store::open(d.join("p.db")).expect("opens");
        let stored = store.record(&records).expect("records");
        prop_assert_eq!(&stored, &done);
        prop_assert_eq!(Report::of_ledger(&store, Some(f), Some(t)).expect("sums"), report);
        drop(store);
        let _ = std::fs::remove_dir_all(d);
    }
}
