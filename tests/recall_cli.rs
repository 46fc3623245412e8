//! `aftersales recall NOTICE.json --products BASE.csv`: the owner notification list of the
//! affected units, error lines in place of bad rows, and the reports the notice triggers
//! per market, on the files of `rules/examples/`.

#[path = "support/run.rs"]
mod run;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn a_notice_against_the_example_installed_base() {
    let (code, out, err) = run::run_in(
        Some(ROOT),
        &[
            "recall",
            "rules/examples/recall_notice.json",
            "--products",
            "rules/examples/installed_base.csv",
        ],
        "",
    );
    assert_eq!(code, 1, "one bad row: {err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    // the affected units, in the base's order, with the owner's columns
    assert_eq!(lines[0]["serial"], "KMHC851JFPU000101");
    assert_eq!(lines[0]["contact"]["owner_name"], "Ada Lovelace");
    assert_eq!(lines[1]["serial"], "KMHC851JFPU000103");
    // the bad row, in its place, naming its line and the field
    assert_eq!(lines[2]["line"], 7);
    assert_eq!(lines[2]["error"]["code"], "bad_date");
    assert!(lines[2]["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("product.build_date"));
    // the summary: counts and the reports per market
    let s = &lines[3];
    assert_eq!(
        (
            s["units"].as_u64(),
            s["affected"].as_u64(),
            s["errors"].as_u64()
        ),
        (Some(6), Some(2), Some(1))
    );
    let reports: Vec<(&str, &str)> = s["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or(""),
                r["due"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        reports.contains(&("nhtsa_573", "2026-11-30")),
        "{reports:?}"
    );
    assert!(
        reports.contains(&("nhtsa_577", "2027-01-29")),
        "{reports:?}"
    );
    assert!(reports.contains(&("eu_gpsr", "2026-11-20")), "{reports:?}");
    // a notice naming a recall the rules do not have: a usage error with a suggestion
    let dir = std::env::temp_dir().join(format!("aftersales-recall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("notice.json");
    std::fs::write(&bad, r#"{"recall": "R24V12", "recall_notice": {"id": "N", "severity": "safety", "determined_on": "2026-11-20"}}"#).expect("write");
    let (code, _, err) = run::run_in(
        Some(ROOT),
        &[
            "recall",
            bad.to_str().expect("path"),
            "--products",
            "rules/examples/installed_base.csv",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `R24V123`?"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A recall whose `affects` reads the notice (not only the product) is decided with it;
/// one that reads `context.today` reads the notice's day, not the clock's.
#[test]
fn a_recall_that_reads_the_notice_or_the_day_is_decided_with_them() {
    use aftersales::host::recalls::base::{Notice, UnitOutcome};
    let rules = aftersales::RuleSet::from_sources([(
        "r.rules".to_string(),
        r#"recall R1 "Safety only, built in the last year" {
             affects recall_notice.severity == safety and has product.build_date
                     and days_between(product.build_date, context.today) <= 365
             component "x" severity safety remedy "y" announced 2026-01-01
           }"#
        .to_string(),
    )])
    .unwrap_or_else(|e| panic!("{e}"));
    let notice = |severity: &str| {
        Notice::from_json_str(
            &rules,
            &format!(r#"{{"recall": "R1", "recall_notice": {{"id": "N", "severity": "{severity}", "determined_on": "2020-06-01"}}, "context": {{"today": "2020-06-01"}}}}"#),
        )
        .expect("notice")
    };
    let header = ["serial", "model", "build_date", "in_service_date", "owner"];
    let row = ["S1", "M", "2019-12-01", "2020-01-01", "original"];
    assert!(matches!(
        notice("safety").unit(&header, &row),
        Ok(UnitOutcome::Affected { .. })
    ));
    assert_eq!(
        notice("quality").unit(&header, &row).ok(),
        Some(UnitOutcome::Unaffected)
    );
    // built more than a year before the notice's day
    let old = ["S2", "M", "2019-01-01", "2019-02-01", "original"];
    assert_eq!(
        notice("safety").unit(&header, &old).ok(),
        Some(UnitOutcome::Unaffected)
    );
}
