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

/// A unit's product facts are read from its cells straight (no JSON written): the outcome
/// is the one of its whole bundle written out and validated, on rows good and bad.
#[test]
fn units_read_from_their_cells_are_decided_as_their_bundles_are() {
    use aftersales::host::recalls::base::{Notice, UnitOutcome};
    let rules = aftersales::RuleSet::load(format!("{ROOT}/rules")).expect("rules");
    let text = std::fs::read_to_string(format!("{ROOT}/rules/examples/recall_notice.json"))
        .expect("notice");
    let notice = Notice::from_json_str(&rules, &text).expect("notice");
    let recalls = rules.handle("recalls").expect("recalls");
    let header = [
        "serial",
        "make",
        "model",
        "model_year",
        "build_date",
        "in_service_date",
        "owner",
        "market",
        "owner_email",
    ];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let pick = |k: u64, list: &[&'static str]| list[k as usize % list.len()];
    let mut affected = 0;
    for k in 0..3000 {
        let cells: Vec<String> = vec![
            format!("KMH{k:014}"),
            pick(next(3), &["HYUNDAI", "", " KIA "]).into(),
            pick(next(5), &["IONIQ 5", "IONIQ 6", "KONA", " IONIQ 5 ", ""]).into(),
            pick(next(4), &["2022", "2023", "20x3", ""]).into(),
            pick(
                next(6),
                &[
                    "2021-12-01",
                    "2022-06-15",
                    "2023-03-15",
                    "2023-03-16",
                    "2022-02-30",
                    "",
                ],
            )
            .into(),
            pick(next(3), &["2023-01-01", "2023-13-01", ""]).into(),
            pick(next(4), &["original", "subsequent", "fleet", "leased"]).into(),
            pick(next(4), &["us", "eu", "other", "mars"]).into(),
            format!("owner{k}@example.com"),
        ];
        let row: Vec<&str> = cells.iter().map(String::as_str).collect();
        let fast = notice.unit(&header, &row);
        let whole = rules
            .facts_from_json(&notice.bundle(&header, &row))
            .map_err(|e| e.first().map(|f| f.code()).unwrap_or("").to_string())
            .and_then(|f| {
                rules
                    .decide_with(recalls, &f)
                    .map_err(|e| e.code().to_string())
            })
            .map(|d| d.rules.contains(&"R24V123".to_string()));
        match (&fast, &whole) {
            (Ok(UnitOutcome::Affected { .. }), Ok(true)) => affected += 1,
            (Ok(UnitOutcome::Unaffected), Ok(false)) => {}
            (Err(e), Err(code)) => assert_eq!(e.code(), code, "row {k}: {row:?}"),
            _ => panic!("row {k}: {row:?}: cells {fast:?}, bundle {whole:?}"),
        }
    }
    assert!(affected > 50, "{affected}");
}

#[test]
fn a_misspelt_product_column_is_pointed_out() {
    let dir = std::env::temp_dir().join(format!("aftersales-recall-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let base = dir.join("base.csv");
    let text = std::fs::read_to_string(format!("{ROOT}/rules/examples/installed_base.csv"))
        .expect("base")
        .replacen("build_date", "build_dat", 1);
    std::fs::write(&base, text).expect("written");
    let (_, _, err) = run::run_in(
        Some(ROOT),
        &[
            "recall",
            "rules/examples/recall_notice.json",
            "--products",
            base.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(
        err.contains("column `build_dat` is not a product field (did you mean `build_date`?)"),
        "{err}"
    );
    assert!(
        !err.contains("owner_email"),
        "contact columns are not warned about: {err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
