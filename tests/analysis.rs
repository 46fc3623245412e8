//! Static analyses (LANGUAGE.md §5.2, §6): unreachable rules name what shadows them, gaps
//! and overlaps come with an example bundle, and every example, fed back to the reference
//! interpreter, reproduces its finding.

use aftersales::check;
use aftersales::compile::analysis::{analyse, Finding, FindingKind};
use aftersales::compile::Program;
use aftersales::diag::{Code, Severity};
use aftersales::eval::{reference, EvalError};
use aftersales::facts::Facts;
use aftersales::RuleSet;
use proptest::prelude::*;

#[path = "support/decisions.rs"]
mod decisions;

const CODES: &str = r#"
codes fault "Fault codes" { P0300 "Random misfire" {} P0301 "Cylinder 1 misfire" {} }
extend claim { visits: int }
"#;

/// A rule set (after `CODES`) parsed and checked; its only diagnostics are findings.
fn checked_of(rules: &str) -> (aftersales::dsl::Parsed, check::Checked) {
    let (parsed, _, diags) =
        aftersales::load::check_sources([("a.rules".to_string(), format!("{CODES}{rules}"))]);
    assert!(
        diags
            .as_slice()
            .iter()
            .all(|d| d.code.as_str().starts_with("E03")),
        "{diags}"
    );
    let (checked, _) = check::check_full(&parsed);
    (parsed, checked)
}

/// The findings of a rule set (which may not load), with the checked rules.
fn findings(rules: &str) -> (check::Checked, Vec<Finding>) {
    let (parsed, checked) = checked_of(rules);
    let program = Program::compile(&checked, &parsed.map);
    let f = analyse(&checked, &program);
    (checked, f)
}

fn of(f: &[Finding], kind: FindingKind) -> Vec<&Finding> {
    f.iter().filter(|x| x.kind == kind).collect()
}

/// Feed a finding's example back: a gap gives `no_match`, an overlap `not_unique` naming
/// both rules.
fn reproduces(checked: &check::Checked, f: &Finding) -> Result<(), String> {
    let Some(example) = f.example.as_ref().map(|e| e.to_serde()) else {
        return Ok(());
    };
    let facts = Facts::from_json(&checked.env, &example).map_err(|e| format!("{example}: {e}"))?;
    let got = reference::decide(checked, &f.decision, &facts);
    match (f.kind, &got) {
        (FindingKind::Gap, Ok(d)) if d.no_match => Ok(()),
        (FindingKind::Overlap, Err(EvalError::NotUnique { rules, .. }))
            if f.rules.iter().all(|r| rules.contains(r)) =>
        {
            Ok(())
        }
        _ => Err(format!("{:?} example {example} gave {got:?}", f.kind)),
    }
}

#[test]
fn a_rule_shadowed_by_one_earlier_rule_names_it() {
    let (_, f) = findings(
        "decision d {
           output x: int = 0
           rule recent when has product.model_year and product.model_year > 2018 then x = 1
           rule newer when has product.model_year and product.model_year > 2020 then x = 2
           otherwise x = 0
         }",
    );
    let u = of(&f, FindingKind::Unreachable);
    assert_eq!(u.len(), 1, "{f:?}");
    assert_eq!(u[0].rules, ["newer"]);
    assert_eq!(u[0].shadowed_by, ["recent"]);
    assert!(u[0]
        .diagnostic()
        .message
        .contains("earlier rule `recent` takes all its inputs"));
    assert_eq!(u[0].diagnostic().severity, Severity::Warning);
}

#[test]
fn a_rule_shadowed_by_two_rules_together_names_both() {
    let (_, f) = findings(
        "decision d {
           output x: int = 0
           rule old when has product.model_year and product.model_year <= 2020 then x = 1
           rule young when has product.model_year and product.model_year > 2019
             and product.owner == original then x = 2
           rule fleet when has product.model_year and product.model_year > 2019
             and product.owner != original then x = 3
           rule mid when has product.model_year and product.model_year in 2018..2022 then x = 4
           otherwise x = 0
         }",
    );
    let u = of(&f, FindingKind::Unreachable);
    assert_eq!(u.len(), 1, "{f:?}");
    assert_eq!(u[0].rules, ["mid"]);
    assert_eq!(u[0].shadowed_by, ["old", "young", "fleet"]);
    assert!(u[0]
        .diagnostic()
        .message
        .contains("earlier rules `old`, `young`, `fleet` take all its inputs"));
}

#[test]
fn contradictory_conditions_are_unreachable_under_every_policy() {
    for hit in ["", "hit collect", "hit priority", "hit unique"] {
        let (_, f) = findings(&format!(
            "decision d {hit} {{
               output x: int = 0
               rule ok when claim.visits < 2 then x = 1
               rule never when claim.visits > 5 and claim.visits < 4 then x = 2
               rule gap when claim.visits > 5 and claim.visits < 7
                 and claim.repair_date < 2026-01-01 then x = 3
               rule hole when claim.visits > 5 and claim.visits < 6 then x = 4
               otherwise x = 0
             }}"
        ));
        let u = of(&f, FindingKind::Unreachable);
        let names: Vec<&str> = u.iter().map(|x| x.rules[0].as_str()).collect();
        // `hole` needs an int strictly between 5 and 6
        assert_eq!(names, ["never", "hole"], "{hit}: {f:?}");
        assert!(u.iter().all(|x| x.shadowed_by.is_empty()), "{hit}: {f:?}");
        assert!(u[0]
            .diagnostic()
            .message
            .contains("its conditions can never all hold"));
    }
}

#[test]
fn a_gap_in_an_int_range_has_an_example_in_the_hole() {
    let (checked, f) = findings(
        "decision d {
           output x: int = 0
           rule few when claim.visits < 3 then x = 1
           rule many when claim.visits > 5 then x = 2
         }",
    );
    let g = of(&f, FindingKind::Gap);
    assert_eq!(g.len(), 1, "one gap per decision: {f:?}");
    assert!(g[0].proven);
    let visits = g[0].example.as_ref().unwrap().to_serde()["claim"]["visits"]
        .as_i64()
        .unwrap();
    assert!((3..=5).contains(&visits), "{visits}");
    reproduces(&checked, g[0]).unwrap();
    let d = g[0].diagnostic();
    assert_eq!((d.code, d.severity), (Code::Gap, Severity::Warning));
    assert!(d.help.unwrap().contains("\"visits\":"));
}

/// `effective` and a test of `context.today` read one field: the gap past both (a date
/// after the rule's window and after the test's constant) is found, with such a date.
#[test]
fn a_gap_past_an_effective_window_and_a_date_test_is_found() {
    let (checked, f) = findings(
        "decision d {
           output x: int = 0
           rule winter effective 2026-01-01..2026-02-01 when product.owner == original then x = 1
           rule early when not (context.today > 2026-02-10) then x = 2
         }",
    );
    let g = of(&f, FindingKind::Gap);
    assert_eq!(g.len(), 1, "{f:?}");
    assert!(g[0].proven);
    let today = g[0].example.as_ref().unwrap().to_serde()["context"]["today"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(today.as_str() > "2026-02-10", "{today}");
    reproduces(&checked, g[0]).unwrap();
}

/// A boolean test true through either side of its `or`: the gap that needs the second
/// side (owner not original, fault P0301) is found.
#[test]
fn a_gap_through_the_second_side_of_an_or_is_found() {
    let (checked, f) = findings(
        "decision d {
           output x: int = 0
           rule neither when not (product.owner == original or claim.fault == P0301) then x = 1
           rule original when product.owner == original then x = 2
         }",
    );
    let g = of(&f, FindingKind::Gap);
    assert_eq!(g.len(), 1, "{f:?}");
    assert!(g[0].proven);
    let e = g[0].example.as_ref().unwrap().to_serde();
    assert_eq!(e["claim"]["fault"], "P0301");
    assert_ne!(e["product"]["owner"], "original");
    reproduces(&checked, g[0]).unwrap();
}

/// A rule and one whose boolean test is its complement cover every input: no gap, not
/// even an unproven one.
#[test]
fn a_test_and_its_complement_leave_no_gap() {
    let (_, f) = findings(
        "decision d {
           output x: int = 0
           rule old when has product.model_year and product.model_year < 2018 then x = 1
           rule other when not (has product.model_year and product.model_year < 2018) then x = 2
         }",
    );
    assert!(of(&f, FindingKind::Gap).is_empty(), "{f:?}");
}

#[test]
fn a_gap_on_an_enum_variant_names_the_variant() {
    let (checked, f) = findings(
        "decision d {
           output x: int = 0
           rule a when product.owner == original then x = 1
           rule b when product.owner in [fleet] then x = 2
         }",
    );
    let g = of(&f, FindingKind::Gap);
    assert_eq!(g.len(), 1, "{f:?}");
    assert_eq!(
        g[0].example.as_ref().unwrap().to_serde()["product"]["owner"],
        "subsequent"
    );
    reproduces(&checked, g[0]).unwrap();
}

#[test]
fn no_gap_with_otherwise_or_when_rules_cover_everything() {
    let (_, f) = findings(
        "decision d {
           output x: int = 0
           rule a when product.owner == original then x = 1
           rule b when product.owner != original then x = 2
         }
         decision e {
           output x: int = 0
           rule a when claim.visits < 3 then x = 1
           otherwise x = 2
         }",
    );
    assert!(of(&f, FindingKind::Gap).is_empty(), "{f:?}");
}

#[test]
fn overlapping_ranges_of_a_unique_decision_are_an_error_that_stops_the_load() {
    let text = format!(
        "{CODES}
         decision d hit unique {{
           output x: int = 0
           rule a when claim.repair_date >= 2026-03-01 then x = 1
           rule b when claim.repair_date <= 2026-03-31 and claim.repair_date > 2026-02-01
             then x = 2
           otherwise x = 0
         }}"
    );
    let err = RuleSet::from_sources([("a.rules".to_string(), text.clone())]).unwrap_err();
    let d = &err.as_slice()[0];
    assert_eq!((d.code, d.severity), (Code::Overlap, Severity::Error));
    assert!(d.message.contains("`a` and `b`"), "{}", d.message);
    // the second rule is the place, the first is related
    assert!(err.to_string().contains("a.rules:8:"), "{err}");
    assert_eq!(d.related.len(), 1);
    let (checked, f) = findings(&text[CODES.len()..]);
    let o = of(&f, FindingKind::Overlap);
    assert_eq!(o.len(), 1, "{f:?}");
    assert!(o[0].proven);
    assert_eq!(o[0].rules, ["a", "b"]);
    let day = o[0].example.as_ref().unwrap().to_serde()["claim"]["repair_date"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ("2026-03-01"..="2026-03-31").contains(&day.as_str()),
        "{day}"
    );
    reproduces(&checked, o[0]).unwrap();
    // and the JSON help holds the example on one line
    let help = d.help.clone().unwrap();
    assert!(
        help.starts_with("for example: {") && !help.contains('\n'),
        "{help}"
    );
}

#[test]
fn an_overlap_that_residuals_decide_is_a_warning_and_the_rules_load() {
    let text = format!(
        "{CODES}
         decision d hit unique {{
           output x: int = 0
           rule a when claim.visits > 2 and claim.visits * 0 > 1 then x = 1
           rule b when claim.visits > 1 then x = 2
           otherwise x = 0
         }}"
    );
    let rules = RuleSet::from_sources([("a.rules".to_string(), text)]).unwrap();
    let w: Vec<_> = rules
        .warnings()
        .as_slice()
        .iter()
        .filter(|d| d.code == Code::Overlap)
        .collect();
    assert_eq!(w.len(), 1, "{}", rules.warnings());
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0]
        .message
        .contains("may overlap; could not prove or refute"));
}

#[test]
fn an_overlap_proven_through_a_residual_is_still_an_error() {
    let (checked, f) = findings(
        "decision d hit unique {
           output x: int = 0
           rule a when claim.visits > 2 and claim.visits * 2 > 1 then x = 1
           rule b when claim.visits > 1 then x = 2
           otherwise x = 0
         }",
    );
    let o = of(&f, FindingKind::Overlap);
    assert_eq!(o.len(), 1, "{f:?}");
    assert!(o[0].proven, "{f:?}");
    reproduces(&checked, o[0]).unwrap();
}

#[test]
fn the_check_cli_path_reports_the_findings_in_json() {
    let (parsed, _, diags) = aftersales::load::check_sources([(
        "a.rules".to_string(),
        "decision d { output x: int = 0 rule a when product.owner == fleet then x = 1 }"
            .to_string(),
    )]);
    let d = &diags.as_slice()[0];
    let j = d.to_json(&parsed.map);
    assert_eq!(j["code"], "E0302");
    assert_eq!(j["severity"], "warning");
    assert_eq!(
        (j["line"].as_u64(), j["column"].as_u64()),
        (Some(1), Some(10))
    );
}

/// A decision of 10,000 rules: the analysis finishes and finds what it must. (Its time is
/// measured by the `load` benchmarks, not asserted here: a timed assertion fails on a
/// busy machine, and failed once the compile it was compared with got faster.)
#[test]
fn a_ten_thousand_rule_decision_is_analysed() {
    let mut text = String::from("decision big {\n  output x: int = 0\n");
    for i in 0..10_000 {
        text += &format!(
            "  rule r{i} when claim.visits == {} and product.owner {} original then x = {}\n",
            i / 2,
            ["==", "!="][i % 2],
            i % 7
        );
    }
    text += "  rule late when claim.visits == 17 then x = 1\n}\n";
    let (parsed, _, _) =
        aftersales::load::check_sources([("a.rules".to_string(), format!("{CODES}{text}"))]);
    let (checked, _) = check::check_full(&parsed);
    let program = Program::compile(&checked, &parsed.map);
    let f = analyse(&checked, &program);
    let u = of(&f, FindingKind::Unreachable);
    assert_eq!(u.len(), 1, "{:?}", u);
    assert_eq!(u[0].rules, ["late"]);
    assert_eq!(u[0].shadowed_by, ["r34", "r35"]);
    let g = of(&f, FindingKind::Gap);
    assert_eq!(g.len(), 1);
    assert!(g[0].proven);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// On generated decisions: every example reproduces its finding, and no rule reported
    /// unreachable is ever matched by the reference interpreter.
    #[test]
    fn examples_reproduce_and_unreachable_rules_never_match(
        s in decisions::spec(),
        bundles in prop::collection::vec(decisions::bundle(), 16),
    ) {
        let text = s.text();
        let (parsed, _, diags) = aftersales::load::check_sources([("p.rules".to_string(), text.clone())]);
        prop_assert!(
            diags.as_slice().iter().all(|d| d.severity == Severity::Warning || d.code == Code::Overlap),
            "{}\n{}", text, diags
        );
        let (checked, _) = check::check_full(&parsed);
        let program = Program::compile(&checked, &parsed.map);
        let f = analyse(&checked, &program);
        for x in &f {
            if let Err(e) = reproduces(&checked, x) {
                return Err(TestCaseError::fail(format!("{text}\n{e}")));
            }
            if x.kind != FindingKind::Unreachable {
                prop_assert_eq!(x.proven, x.example.is_some());
            }
        }
        let dead: Vec<(&str, &str)> = f
            .iter()
            .filter(|x| x.kind == FindingKind::Unreachable)
            .map(|x| (x.decision.as_str(), x.rules[0].as_str()))
            .collect();
        let gap_in: Vec<&str> = of(&f, FindingKind::Gap)
            .iter()
            .map(|x| x.decision.as_str())
            .collect();
        for b in &bundles {
            let facts = Facts::from_json_str(&checked.env, b)
                .map_err(|e| TestCaseError::fail(format!("bundle {b}: {e}")))?;
            for name in ["d", "dep"] {
                if !checked.names.iter().any(|n| n == name) {
                    continue;
                }
                let matched = match reference::decide(&checked, name, &facts) {
                    Ok(d) => {
                        // an input that matches no rule: the analysis saw the gap
                        prop_assert!(
                            !d.no_match || gap_in.contains(&name),
                            "{} matched nothing on {} but no gap was reported\n{}", name, b, text
                        );
                        d.rules
                    }
                    Err(EvalError::NotUnique { rules, .. }) => rules,
                    Err(_) => continue,
                };
                for r in &matched {
                    prop_assert!(
                        !dead.contains(&(name, r.as_str())),
                        "rule {} of {} reported unreachable but matched {}\n{}", r, name, b, text
                    );
                }
            }
        }
    }
}

/// 10,000 rules all shadowed by the first: each is reported, naming it (the time it takes
/// is the `load` benchmarks' to measure).
#[test]
fn ten_thousand_shadowed_rules_are_each_named() {
    let mut text = String::from(
        "decision big {\n  output x: int = 0\n  rule any when claim.visits >= 0 then x = 1\n",
    );
    for i in 0..10_000 {
        text += &format!(
            "  rule r{i} when claim.visits == {i} and product.owner != fleet then x = 2\n"
        );
    }
    text += "  otherwise x = 0\n}\n";
    let (parsed, _, _) =
        aftersales::load::check_sources([("a.rules".to_string(), format!("{CODES}{text}"))]);
    let (checked, _) = check::check_full(&parsed);
    let program = Program::compile(&checked, &parsed.map);
    let f = analyse(&checked, &program);
    assert_eq!(f.len(), 10_000);
    assert!(f
        .iter()
        .all(|x| x.kind == FindingKind::Unreachable && x.shadowed_by == ["any"] && !x.truncated));
}

/// Extreme constants neither panic nor give a wrong example.
#[test]
fn extreme_constants_are_handled() {
    let (checked, f) = findings(
        "decision d {
           output x: int = 0
           rule a when claim.visits > 9223372036854775806 then x = 1
           rule b when claim.visits < -9223372036854775807 then x = 2
           rule c when has claim.labor_hours and claim.labor_hours > 7922816251426433759354395033.4
             then x = 3
           rule e when has claim.labor_hours and claim.labor_hours < -7922816251426433759354395033.4
             then x = 4
         }",
    );
    for x in &f {
        reproduces(&checked, x).unwrap();
    }
    assert_eq!(of(&f, FindingKind::Gap).len(), 1);
}

/// The decision compiled to one bit-vector leaf (its DAG budget set to one node), clustered
/// or not.
fn leaf_program(
    parsed: &aftersales::dsl::Parsed,
    checked: &check::Checked,
    clustered: bool,
) -> Program {
    use aftersales::compile::{Budget, Clustering};
    let budget = Budget {
        nodes: 1,
        clustering: if clustered {
            Clustering::Always
        } else {
            Clustering::Never
        },
        ..Budget::default()
    };
    Program::compile_with_budget(checked, &parsed.map, budget)
}

/// The unreachable rules of a list of findings, each with the rules that shadow it.
fn unreachable_of(f: &[Finding]) -> Vec<(String, String, Vec<String>)> {
    let mut v: Vec<_> = of(f, FindingKind::Unreachable)
        .into_iter()
        .map(|x| {
            (
                x.decision.clone(),
                x.rules[0].clone(),
                x.shadowed_by.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A decision too large for its DAG is analysed on its bit-vector leaf: the same
    /// unreachable rules, shadowed by the same rules, a gap and an overlap where the full
    /// DAG proves one, and every example reproduces its finding.
    #[test]
    fn a_bit_leaf_is_analysed_as_its_full_dag_is(
        s in decisions::spec(),
        clustered in any::<bool>(),
    ) {
        let text = s.text();
        let (parsed, _, _) = aftersales::load::check_sources([("p.rules".to_string(), text.clone())]);
        let (checked, _) = check::check_full(&parsed);
        let full = analyse(&checked, &Program::compile(&checked, &parsed.map));
        let program = leaf_program(&parsed, &checked, clustered);
        let leaf = analyse(&checked, &program);
        for name in ["d", "dep"] {
            if let Some(st) = program.stats_of(&checked, name) {
                prop_assert!(st.budget_hit, "{} compiled to a full DAG", name);
            }
        }
        prop_assert_eq!(unreachable_of(&leaf), unreachable_of(&full), "{}", text);
        for x in &leaf {
            if let Err(e) = reproduces(&checked, x) {
                return Err(TestCaseError::fail(format!("{text}\n{e}")));
            }
        }
        // a gap the full DAG proves is found on the leaf
        let gaps = |f: &[Finding], proven: bool| -> Vec<String> {
            of(f, FindingKind::Gap)
                .iter()
                .filter(|x| x.proven || !proven)
                .map(|x| x.decision.clone())
                .collect()
        };
        for d in gaps(&full, true) {
            prop_assert!(gaps(&leaf, false).contains(&d), "gap in {} not found on the leaf\n{}", d, text);
        }
        // a proven overlap of the full DAG is seen on the leaf too
        let proven = |f: &[Finding]| f.iter().any(|x| x.kind == FindingKind::Overlap && x.proven);
        prop_assert!(!proven(&full) || !of(&leaf, FindingKind::Overlap).is_empty(), "{}", text);
    }
}

/// 3,000-rule fault-code tables compiled to bit-vector leaves (clustered and not), with a
/// rule shadowed by two earlier ones, one whose conditions contradict, a gap and an
/// overlap: each is found as on the full DAG, and each example reproduces.
#[test]
fn a_table_past_the_dag_budget_is_still_analysed() {
    let mut text = String::from("decision big hit unique {\n  output x: int = 0\n");
    for i in 0..3_000 {
        // visit bands of 10 per fault code, two bands apart: 0..9, 20..29, ...
        text += &format!(
            "  rule r{i} when claim.visits in {}..{} and claim.fault == {} then x = {}\n",
            (i / 2) * 20,
            (i / 2) * 20 + 9,
            ["P0300", "P0301"][i % 2],
            i % 5
        );
    }
    text += "  rule over when claim.visits in 105..114 and claim.fault == P0300 then x = 1\n";
    text += "  rule never when claim.visits > 10 and claim.visits < 5 then x = 2\n}\n";
    text += "decision firsts {\n  output x: int = 0\n";
    for i in 0..3_000 {
        text += &format!(
            "  rule r{i} when claim.visits in {}..{} and claim.fault != P0300 then x = 1\n",
            i * 10,
            i * 10 + 9,
        );
    }
    text += "  rule late when claim.visits in 15..24 and claim.fault == P0301 then x = 2\n";
    text += "  otherwise x = 0\n}\n";
    let (parsed, checked) = checked_of(&text);
    for clustered in [false, true] {
        let program = leaf_program(&parsed, &checked, clustered);
        for name in ["big", "firsts"] {
            let st = program.stats_of(&checked, name).unwrap();
            assert!(
                st.bit_bytes > 0 && st.clustered == clustered,
                "{name}: {st:?}"
            );
        }
        let f = analyse(&checked, &program);
        let u = unreachable_of(&f);
        assert_eq!(
            u,
            [
                ("big".to_string(), "never".to_string(), vec![]),
                (
                    "firsts".to_string(),
                    "late".to_string(),
                    vec!["r1".to_string(), "r2".to_string()]
                ),
            ]
        );
        let g = of(&f, FindingKind::Gap);
        assert_eq!(g.len(), 1, "{f:?}");
        assert_eq!(g[0].decision, "big");
        assert!(g[0].proven);
        let o = of(&f, FindingKind::Overlap);
        assert_eq!(o.len(), 1, "{o:?}");
        assert_eq!(o[0].rules, ["r10", "over"]);
        assert!(o[0].proven);
        for x in &f {
            reproduces(&checked, x).unwrap();
        }
    }
}
