//! Explanations (LANGUAGE.md §5.2, §8): each test a decision made along its path, with
//! its source text, value, the facts it read and its place — for first-hit, priority,
//! collect and dependent decisions, through the library and `aftersales eval --explain`.

use aftersales::eval::EvalError;
use aftersales::facts::Facts;
use aftersales::RuleSet;
use serde_json::{json, Value as J};
use std::process::{Command, Stdio};

#[path = "support/keys.rs"]
mod keys;
use keys::keys_in_order;

const SRC: &str = r#"units { currency USD distance mi }
codes fault "f" {
  attributes { system: enum { engine, body } }
  P0300..P0312 "misfire" { system: engine }
  B1000 "body module" { system: body }
}
decision eligible {
  output ok: bool = false
  rule recent when claim.repair_date >= product.in_service_date
                   and months_between(product.in_service_date, claim.repair_date) < 36
    then ok = true
}
decision adjudicate hit first {
  output action: enum { accept, reject, review }
  output reason: text = ""
  rule late when has claim.submitted_date and claim.submitted_date > claim.repair_date + 30 days
    then action = reject, reason = "late"
  rule old when not eligible.ok then action = reject, reason = "old"
  rule promo effective 2025-01-01..2025-12-31 when claim.fault.system == engine
    then action = accept
  rule engine when claim.fault.system in [engine] and eligible.ok
                   and has claim.odometer and claim.odometer < 100_000 mi
    then action = review
  otherwise action = accept
}
decision triage hit priority {
  output level: int = 0
  rule base when true then level = 1
  rule body priority 5 when claim.fault.system == body then level = 5
  rule far priority 3 when has claim.odometer and claim.odometer > 50_000 mi then level = 3
}
decision flags hit collect {
  output flag: text
  rule misfire when claim.fault in P0300..P0312 then flag = "misfire"
  rule far when not has claim.odometer or claim.odometer >= 60000 mi then flag = "far"
  rule web when starts_with(claim.id, "W") then flag = "web"
}
decision gapped {
  output x: int = 0
  rule body when claim.fault == B1000 then x = 1
}
"#;

fn rules() -> RuleSet {
    RuleSet::from_sources([("t.rules".to_string(), SRC.to_string())])
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `t.rules:line:col` of the first occurrence of `needle` in the source.
fn at(needle: &str) -> String {
    location(find(0, needle))
}

/// The offset of the first `needle` at or after `from`.
fn find(from: usize, needle: &str) -> usize {
    match SRC[from..].find(needle) {
        Some(i) => from + i,
        None => panic!("`{needle}` is not in the source after {from}"),
    }
}

/// `t.rules:line:col` of the first `needle` in rule `rule` of decision `decision` (of the
/// rule itself when `needle` is `None`).
fn at_in(decision: &str, rule: &str, needle: Option<&str>) -> String {
    let d = find(0, &format!("decision {decision} "));
    let r = find(d, &format!("rule {rule} "));
    location(needle.map_or(r, |n| find(r, n)))
}

fn location(offset: usize) -> String {
    let before = &SRC[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("t.rules:{line}:{col}")
}

/// A bundle: claim fields (JSON object members), the product's in-service date, today.
fn bundle(rs: &RuleSet, claim: &str, in_service: &str, today: &str) -> Facts {
    let json = format!(
        r#"{{"id": "B", "claim": {{{claim}}},
            "product": {{"serial": "S1", "model": "M", "in_service_date": "{in_service}",
                         "owner": "original"}},
            "context": {{"today": "{today}"}}}}"#
    );
    Facts::from_json_str(rs.env(), &json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn explain(rs: &RuleSet, decision: &str, facts: &Facts) -> (aftersales::eval::Decision, J) {
    let (d, why) = rs
        .explain(decision, facts)
        .unwrap_or_else(|e| panic!("{decision}: {e}"));
    (d, why.to_json(rs.checked(), rs.sources()))
}

/// One expected step.
fn step(decision: &str, rule: &str, test: &str, value: bool, seen: J) -> J {
    json!({
        "decision": decision,
        "rule": rule,
        "test": test,
        "value": value,
        "seen": seen,
        "at": at_in(decision, rule, None),
        "test_at": at_in(decision, rule, Some(test)),
    })
}

const CLAIM_A: &str = r#""id": "C1", "fault": "P0301", "repair_date": "2026-01-10",
    "submitted_date": "2026-01-20", "odometer": "41000 mi""#;

#[test]
fn first_hit_lists_the_rules_tried_before_the_winner_and_the_dependent_decision() {
    let rs = rules();
    let facts = bundle(&rs, CLAIM_A, "2024-06-01", "2026-03-01");
    let (d, steps) = explain(&rs, "adjudicate", &facts);
    assert_eq!(d.rules, ["engine"]);
    let mut promo = step(
        "adjudicate",
        "promo",
        "effective 2025-01-01..2025-12-31",
        false,
        json!({"context.today": "2026-03-01"}),
    );
    promo["test_at"] = json!(at_in("adjudicate", "promo", None));
    let expected = json!([
        step(
            "adjudicate",
            "late",
            "has claim.submitted_date",
            true,
            json!({"claim.submitted_date": "2026-01-20"})
        ),
        step(
            "adjudicate",
            "late",
            "claim.submitted_date > claim.repair_date + 30 days",
            false,
            json!({"claim.submitted_date": "2026-01-20", "claim.repair_date": "2026-01-10"})
        ),
        // `eligible` runs when `old` first reads it: its tests come first, tagged with it
        step(
            "eligible",
            "recent",
            "claim.repair_date >= product.in_service_date",
            true,
            json!({"claim.repair_date": "2026-01-10", "product.in_service_date": "2024-06-01"})
        ),
        step(
            "eligible",
            "recent",
            "months_between(product.in_service_date, claim.repair_date) < 36",
            true,
            json!({"product.in_service_date": "2024-06-01", "claim.repair_date": "2026-01-10"})
        ),
        step(
            "adjudicate",
            "old",
            "not eligible.ok",
            false,
            json!({"eligible.ok": true})
        ),
        promo,
        step(
            "adjudicate",
            "engine",
            "claim.fault.system in [engine]",
            true,
            json!({"claim.fault.system": "engine"})
        ),
        // read again: memoised, so `eligible`'s tests are not listed twice
        step(
            "adjudicate",
            "engine",
            "eligible.ok",
            true,
            json!({"eligible.ok": true})
        ),
        step(
            "adjudicate",
            "engine",
            "has claim.odometer",
            true,
            json!({"claim.odometer": "41000 mi"})
        ),
        step(
            "adjudicate",
            "engine",
            "claim.odometer < 100_000 mi",
            true,
            json!({"claim.odometer": "41000 mi"})
        ),
    ]);
    assert_eq!(
        steps,
        expected,
        "{}",
        serde_json::to_string_pretty(&steps).unwrap_or_default()
    );
}

#[test]
fn a_guard_that_fails_stops_the_rule_and_the_winner_shows_its_true_tests() {
    let rs = rules();
    // no submitted date, repaired more than 36 months in: `old` wins
    let claim = r#""id": "C2", "fault": "B1000", "repair_date": "2026-01-10""#;
    let facts = bundle(&rs, claim, "2020-01-01", "2025-06-01");
    let (d, steps) = explain(&rs, "adjudicate", &facts);
    assert_eq!(d.rules, ["old"]);
    let expected = json!([
        // short-circuit: the comparison after the failed `has` is not made
        step(
            "adjudicate",
            "late",
            "has claim.submitted_date",
            false,
            json!({"claim.submitted_date": null})
        ),
        step(
            "eligible",
            "recent",
            "claim.repair_date >= product.in_service_date",
            true,
            json!({"claim.repair_date": "2026-01-10", "product.in_service_date": "2020-01-01"})
        ),
        step(
            "eligible",
            "recent",
            "months_between(product.in_service_date, claim.repair_date) < 36",
            false,
            json!({"product.in_service_date": "2020-01-01", "claim.repair_date": "2026-01-10"})
        ),
        step(
            "adjudicate",
            "old",
            "not eligible.ok",
            true,
            json!({"eligible.ok": false})
        ),
    ]);
    assert_eq!(
        steps,
        expected,
        "{}",
        serde_json::to_string_pretty(&steps).unwrap_or_default()
    );
}

#[test]
fn priority_tries_every_rule_and_collect_lists_every_match_with_its_tests() {
    let rs = rules();
    let facts = bundle(&rs, CLAIM_A, "2024-06-01", "2026-03-01");
    let (d, steps) = explain(&rs, "triage", &facts);
    assert_eq!(d.rules, ["base"]);
    let expected = json!([
        step("triage", "base", "true", true, json!({})),
        step(
            "triage",
            "body",
            "claim.fault.system == body",
            false,
            json!({"claim.fault.system": "engine"})
        ),
        step(
            "triage",
            "far",
            "has claim.odometer",
            true,
            json!({"claim.odometer": "41000 mi"})
        ),
        step(
            "triage",
            "far",
            "claim.odometer > 50_000 mi",
            false,
            json!({"claim.odometer": "41000 mi"})
        ),
    ]);
    assert_eq!(
        steps,
        expected,
        "{}",
        serde_json::to_string_pretty(&steps).unwrap_or_default()
    );

    let claim = r#""id": "W7", "fault": "P0305", "repair_date": "2026-01-10""#;
    let facts = bundle(&rs, claim, "2024-06-01", "2026-03-01");
    let (d, steps) = explain(&rs, "flags", &facts);
    assert_eq!(d.rules, ["misfire", "far", "web"]);
    let expected = json!([
        step(
            "flags",
            "misfire",
            "claim.fault in P0300..P0312",
            true,
            json!({"claim.fault": "P0305"})
        ),
        // `or` stops at its first true operand
        step(
            "flags",
            "far",
            "not has claim.odometer",
            true,
            json!({"claim.odometer": null})
        ),
        step(
            "flags",
            "web",
            "starts_with(claim.id, \"W\")",
            true,
            json!({"claim.id": "W7"})
        ),
    ]);
    assert_eq!(
        steps,
        expected,
        "{}",
        serde_json::to_string_pretty(&steps).unwrap_or_default()
    );
}

#[test]
fn the_rendering_gives_one_line_per_test_with_place_value_and_facts() {
    let rs = rules();
    let facts = bundle(&rs, CLAIM_A, "2024-06-01", "2026-03-01");
    let (_, why) = rs
        .explain("adjudicate", &facts)
        .unwrap_or_else(|e| panic!("{e}"));
    let text = why.render("adjudicate", rs.checked(), rs.sources());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), why.steps.len());
    assert_eq!(
        lines[1],
        format!(
            "{}  late  claim.submitted_date > claim.repair_date + 30 days  → false  \
             (claim.submitted_date = 2026-01-20, claim.repair_date = 2026-01-10)",
            at("claim.submitted_date > claim.repair_date")
        )
    );
    // a dependent decision's steps name it
    assert!(
        lines[2].contains("  eligible/recent  claim.repair_date >= "),
        "{}",
        lines[2]
    );
    assert!(lines[5].ends_with(
        "promo  effective 2025-01-01..2025-12-31  → false  (context.today = 2026-03-01)"
    ));
}

/// Bundles over the inputs the rules test: faults, odometers, dates, ids, absent fields.
fn many_bundles(rs: &RuleSet) -> Vec<Facts> {
    let mut out = Vec::new();
    for fault in ["P0300", "P0312", "B1000"] {
        for odo in [None, Some("41000 mi"), Some("60000 mi"), Some("100000 mi")] {
            for submitted in [None, Some("2026-01-20"), Some("2026-03-01")] {
                for in_service in ["2020-01-01", "2024-06-01", "2026-02-01"] {
                    for today in ["2025-06-01", "2026-03-01"] {
                        let mut claim = format!(
                            r#""id": "{}", "fault": "{fault}", "repair_date": "2026-01-10""#,
                            if today.starts_with("2025") {
                                "W1"
                            } else {
                                "C1"
                            }
                        );
                        if let Some(o) = odo {
                            claim.push_str(&format!(r#", "odometer": "{o}""#));
                        }
                        if let Some(s) = submitted {
                            claim.push_str(&format!(r#", "submitted_date": "{s}""#));
                        }
                        out.push(bundle(rs, &claim, in_service, today));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn explaining_never_changes_the_result_and_a_winner_passed_all_its_tests() {
    let rs = rules();
    let bundles = many_bundles(&rs);
    assert_eq!(bundles.len(), 216);
    let mut outcomes = std::collections::BTreeSet::new();
    for facts in &bundles {
        for decision in ["adjudicate", "triage", "flags", "gapped", "eligible"] {
            let plain = rs.decide(decision, facts);
            let explained = rs.explain(decision, facts);
            assert_eq!(
                plain,
                explained.clone().map(|(d, _)| d),
                "{decision} on {:?}",
                facts.id()
            );
            let Ok((d, why)) = explained else { continue };
            outcomes.insert((decision, d.rules.clone()));
            // the winner's conditions are `and` chains: every test of it held
            if decision == "adjudicate" || decision == "triage" {
                for winner in &d.rules {
                    let mine: Vec<_> = why
                        .steps
                        .iter()
                        .filter(|s| s.decision == decision && s.rule == *winner)
                        .collect();
                    assert!(
                        !mine.is_empty(),
                        "{decision}: the winner {winner} made tests"
                    );
                    assert!(mine.iter().all(|s| s.value), "{decision}: {winner}");
                }
            }
            // first hit: no test of a rule after the winner was made
            if decision == "adjudicate" {
                if let Some(last) = why.steps.iter().rev().find(|s| s.decision == decision) {
                    let expected_last = d.rules.first().map_or("engine", String::as_str);
                    assert_eq!(last.rule, expected_last);
                }
            }
        }
    }
    // the bundles reach every rule of the first-hit decision
    for rule in ["late", "old", "engine"] {
        assert!(
            outcomes.contains(&("adjudicate", vec![rule.to_string()])),
            "{rule}: {outcomes:?}"
        );
    }
    assert!(outcomes.contains(&("adjudicate", vec![])));
}

#[test]
fn an_evaluation_error_comes_back_alone_as_decide_gives_it() {
    let rs = rules();
    let facts = Facts::from_json_str(
        rs.env(),
        r#"{"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-01-10"}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let err = rs.explain("adjudicate", &facts).map(|(d, _)| d);
    assert!(matches!(err, Err(EvalError::MissingRoot { ref root, .. }) if root == "product"));
    assert_eq!(err, rs.decide("adjudicate", &facts));
}

/// Run `aftersales eval` on the test rules with `--explain`; stdout lines and stderr.
fn cli(decision: &str, input: &str) -> (i32, Vec<J>, String) {
    let (code, lines, err) = cli_text(decision, input);
    let lines = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (code, lines, err)
}

/// `aftersales eval --explain` on `input`: exit code, stdout lines, stderr.
fn cli_text(decision: &str, input: &str) -> (i32, Vec<String>, String) {
    let dir = std::env::temp_dir().join(format!("aftersales-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let rules_path = dir.join(format!("t-{decision}.rules"));
    std::fs::write(&rules_path, SRC).unwrap_or_else(|e| panic!("{e}"));
    let input_path = dir.join(format!("in-{decision}.jsonl"));
    std::fs::write(&input_path, input).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .arg("eval")
        .arg(&rules_path)
        .args([
            "--decision",
            decision,
            "--explain",
            "--today",
            "2026-03-01",
            "--input",
        ])
        .arg(&input_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn eval_explain_adds_the_explanation_after_rules_and_no_match() {
    let product = r#""product": {"serial": "S", "model": "M", "in_service_date": "2024-06-01", "owner": "original"}"#;
    let claim_a = CLAIM_A.replace('\n', " ");
    let input = [
        format!(r#"{{"id": "A", "claim": {{{claim_a}}}, {product}}}"#),
        format!(
            r#"{{"id": "N", "claim": {{"id": "C", "fault": "P0301", "repair_date": "2026-01-10"}}, {product}}}"#
        ),
        r#"{"id": "E", "claim": {"id": "C", "fault": "P9999", "repair_date": "2026-01-10"}}"#
            .to_string(),
    ]
    .join("\n");
    let (code, lines, err) = cli("gapped", &input);
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines.len(), 3, "{lines:?}");
    let (_, text, _) = cli_text("gapped", &input);
    assert_eq!(
        keys_in_order(&text[1]),
        [
            "id",
            "decision",
            "outputs",
            "rules",
            "no_match",
            "explanation"
        ]
    );
    let step = &lines[1]["explanation"][0];
    assert_eq!(step["decision"], "gapped");
    assert_eq!(step["rule"], "body");
    assert_eq!(step["test"], "claim.fault == B1000");
    assert_eq!(step["value"], false);
    assert_eq!(step["seen"], json!({"claim.fault": "P0301"}));
    let place = at_in("gapped", "body", None).replacen("t.rules", "t-gapped.rules", 1);
    assert!(
        step["at"].as_str().unwrap_or("").ends_with(&place),
        "{step}"
    );
    // the record that cannot be evaluated: an error line, unchanged, no explanation
    assert_eq!(keys_in_order(&text[2]), ["id", "decision", "error"]);

    let (code, lines, err) = cli("adjudicate", &input);
    assert_eq!(code, 1, "{err}");
    let (_, text, _) = cli_text("adjudicate", &input);
    assert_eq!(
        keys_in_order(&text[0]),
        ["id", "decision", "outputs", "rules", "explanation"]
    );
    assert_eq!(lines[0]["rules"], json!(["engine"]));
    let explanation = lines[0]["explanation"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(explanation.len(), 10);
    assert_eq!(
        explanation[1]["test"],
        "claim.submitted_date > claim.repair_date + 30 days"
    );
    assert_eq!(
        explanation[1]["seen"],
        json!({"claim.submitted_date": "2026-01-20", "claim.repair_date": "2026-01-10"})
    );
    // no progress bar in a pipe
    assert!(!err.contains('\u{1b}') && !err.contains('█'), "{err:?}");
}

/// A decision lowered from items explains itself too: the clauses of each policy tried,
/// under the policy's id, placed at the clause.
#[test]
fn coverage_explains_the_clauses_of_each_policy() {
    let rules = aftersales::RuleSet::load("rules").unwrap_or_else(|e| panic!("{e}"));
    let line =
        std::fs::read_to_string("rules/examples/claims.jsonl").unwrap_or_else(|e| panic!("{e}"));
    let first = line.lines().next().unwrap_or_default();
    let facts = aftersales::facts::Facts::from_json_str(rules.env(), first)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_today(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default());
    let (d, why) = rules
        .explain("coverage", &facts)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Some(d.clone()), rules.decide("coverage", &facts).ok());
    let winner = d.rules.first().cloned().unwrap_or_default();
    assert!(!why.steps.is_empty());
    // every clause of the covering policy that was tested held
    let steps: Vec<_> = why.steps.iter().filter(|s| s.rule == winner).collect();
    assert!(!steps.is_empty(), "{winner}");
    assert!(steps.iter().all(|s| s.value && s.decision == "coverage"));
    let text = why.render("coverage", rules.checked(), rules.sources());
    assert!(text.contains("rules/20_warranty.rules:"), "{text}");
}

/// A warranty's term explains itself: the time limit as the comparison it makes (with
/// the day the term ends) and the distance limit, with the dates and odometer read, so
/// that a claim rejected as expired shows why.
#[test]
fn a_policys_term_is_explained_with_its_end_and_the_odometer() {
    let rules = aftersales::RuleSet::load("rules").unwrap_or_else(|e| panic!("{e}"));
    let claim = |in_service: &str, odometer: &str| {
        let line = format!(
            r#"{{"id": "T1", "product": {{"serial": "S1", "make": "FORD", "model": "F-150", "in_service_date": "{in_service}", "owner": "original", "market": "us"}}, "claim": {{"id": "T1", "claim_type": "WR", "fault": "P0301", "repair_date": "2026-02-20", "odometer": "{odometer}", "parts": "USD 100.00"}}}}"#
        );
        aftersales::facts::Facts::from_json_str(rules.env(), &line)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_today(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default())
    };
    let terms = |facts: &aftersales::facts::Facts| {
        let (_, why) = rules
            .explain("coverage", facts)
            .unwrap_or_else(|e| panic!("{e}"));
        let j = why.to_json(rules.checked(), rules.sources());
        j.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| {
                s["rule"] == "ford_basic" && s["test"].as_str().is_some_and(|t| t.contains(" < "))
            })
            .collect::<Vec<J>>()
    };
    // in service 2022-05-10: 36 months end on 2025-05-10, before the repair
    let expired = terms(&claim("2022-05-10", "21400 mi"));
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(
        expired[0]["test"],
        "claim.repair_date < product.in_service_date + 36 months (2025-05-10)"
    );
    assert_eq!(expired[0]["value"], false);
    assert_eq!(
        expired[0]["seen"],
        json!({"claim.repair_date": "2026-02-20", "product.in_service_date": "2022-05-10"})
    );
    // in time, but past 36,000 miles
    let far = terms(&claim("2025-01-10", "41000 mi"));
    assert_eq!(far.len(), 2, "{far:?}");
    assert_eq!(far[0]["value"], true);
    assert_eq!(far[1]["test"], "claim.odometer < 36_000 mi");
    assert_eq!(far[1]["value"], false);
    assert_eq!(far[1]["seen"], json!({"claim.odometer": "41000 mi"}));
    assert!(far[1]["test_at"]
        .as_str()
        .is_some_and(|t| t.starts_with("rules/20_warranty.rules:")));
}
