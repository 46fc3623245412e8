//! QA scorecards: validation, scoring, trends and calibration on
//! hand-computed evaluations (tests/data/workforce/staffing/qa_*.yaml).
//!
//! Scorecard weights: greeting 10, verify_identity 0 (auto-fail), diagnosis
//! 30 (of 5), resolution 30 (of 5), hold_etiquette 10 (na allowed), empathy
//! 10 (of 5), summary 10; pass mark 80.
//!
//! E1: 10 + 24 + 30 + 6 + 10 = 80 of 90 (hold na) → 88.89, pass.
//! E2: raw 90, verify_identity 0 → auto-fail, score 0.
//! E3: 10 + 18 + 18 + 0 + 8 + 0 = 54, fail.
//! E4, E5, E6 (C-1004, calibration): 92, 86, 94.

use aftersales::host::workforce::quality::{
    calibration, read_evaluations, trends, EvaluationFormat, EvaluationProblem, Period, Score,
    Scorecard, ScorecardError, ScorecardProblem, ScoredEvaluation,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::process::Command;
use std::str::FromStr;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/workforce/staffing/"
);

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{name}")).unwrap()
}

fn card() -> Scorecard {
    Scorecard::from_yaml(&read("qa_scorecard.yaml")).unwrap()
}

fn scored() -> Vec<ScoredEvaluation> {
    let card = card();
    read_evaluations(&read("qa_evaluations.yaml"), EvaluationFormat::Yaml)
        .unwrap()
        .iter()
        .map(|e| card.score(e.as_ref().unwrap()).unwrap())
        .collect()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn scores_are_hand_computed() {
    let s = scored();
    let scores: Vec<String> = s.iter().map(|e| e.score.round_dp(2).to_string()).collect();
    assert_eq!(scores, ["88.89", "0", "54", "92", "86", "94"]);
    let passed: Vec<bool> = s.iter().map(|e| e.passed).collect();
    assert_eq!(passed, [true, false, false, true, true, true]);
    // E1 exactly: 80 of 90 points.
    assert_eq!(s[0].score, dec("80") * dec("100") / dec("90"));
    assert_eq!(s[0].sections["opening"], Some(dec("100")));
    assert_eq!(s[0].sections["handling"], Some(dec("90")));
    assert_eq!(s[0].sections["closing"], Some(dec("80")));
    // E2: auto-fail keeps the raw score for reference.
    assert_eq!(s[1].raw_score, dec("90"));
    assert_eq!(s[1].auto_failed, ["verify_identity"]);
    assert_eq!(s[0].scores["hold_etiquette"], Score::NotApplicable);
}

#[test]
fn invalid_scorecard_names_every_item() {
    let Err(ScorecardError::Invalid { problems }) =
        Scorecard::from_yaml(&read("qa_scorecard_invalid.yaml"))
    else {
        panic!("the card is invalid");
    };
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "the criterion weights add up to 35, not 100 (opening: 5, handling: 30, closing: 0)",
            "pass_mark 120 is outside 0 to 100",
            "criterion `greeting` appears more than once",
            "criterion `greeting` has a negative weight (-5)",
            "criterion `diagnosis` has weight 0 and is not auto-fail, so it can never change a score",
            "criterion `resolution` has max_score 0; it must be above 0",
            "section `closing` has no criteria",
        ]
    );
    assert!(matches!(
        problems[0],
        ScorecardProblem::WeightsDoNotSum { .. }
    ));
}

#[test]
fn unreadable_scorecards_say_where() {
    let err =
        Scorecard::from_yaml("name: x\npass_mark: 80\nsections:\n  - id: a\n    criterias: []\n")
            .unwrap_err();
    let ScorecardError::Unreadable { message } = &err else {
        panic!("{err}")
    };
    assert!(message.contains("unknown field `criterias`"), "{message}");
    assert!(message.contains("line 5"), "{message}");
    assert!(Scorecard::from_yaml("name: [").is_err());
    // Decimal weights add up exactly: three thirds of 100.
    let thirds = "name: t\npass_mark: 50\nsections: [{id: s, criteria: [\
                  {id: a, weight: 33.33}, {id: b, weight: 33.33}, {id: c, weight: 33.34}]}]";
    assert!(Scorecard::from_yaml(thirds).is_ok());
}

#[test]
fn bad_evaluations_name_the_evaluation_and_criterion() {
    let card = card();
    let evaluations =
        read_evaluations(&read("qa_evaluations_bad.yaml"), EvaluationFormat::Yaml).unwrap();
    assert_eq!(evaluations.len(), 4);
    let problems = card.score(evaluations[0].as_ref().unwrap()).unwrap_err();
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "evaluation `B1`: unknown criterion `greting`",
            "evaluation `B1`: criterion `greeting` is not scored",
            "evaluation `B1`: criterion `diagnosis` scored 7, outside 0 to 5",
            "evaluation `B1`: criterion `summary` is not scored",
        ]
    );
    let problems = card.score(evaluations[1].as_ref().unwrap()).unwrap_err();
    assert_eq!(
        problems,
        [EvaluationProblem::NotApplicableNotAllowed {
            evaluation: "evaluation 2 (interaction C-2002 by q2)".into(),
            criterion: "greeting".into(),
        }]
    );
    assert_eq!(
        evaluations[2].as_ref().unwrap_err().to_string(),
        "evaluation `B3`: `date` must be a date such as 2024-03-04 (got `4 March`)"
    );
    assert_eq!(
        card.score(evaluations[3].as_ref().unwrap()).unwrap().score,
        dec("100")
    );
}

#[test]
fn malformed_entries_and_files() {
    let e = read_evaluations(
        "- {interaction: C, agent: a, evaluator: q, date: 2024-03-04, scores: {greeting: lots}}\n\
         - {agent: a, evaluator: q, date: 2024-03-04, scores: {}}\n",
        EvaluationFormat::Yaml,
    )
    .unwrap();
    assert_eq!(
        e[0].as_ref().unwrap_err().to_string(),
        "evaluation 1: the score of `greeting` must be a number or na (got lots)"
    );
    assert!(e[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("missing field `interaction`"));
    assert!(read_evaluations("just: a map", EvaluationFormat::Yaml).is_err());
    let jsonl = read_evaluations(
        "{\"interaction\":\"C\",\"agent\":\"a\",\"evaluator\":\"q\",\"date\":\"2024-03-04\",\"scores\":{\"greeting\":1}}\n\
         {oops\n",
        EvaluationFormat::JsonLines,
    )
    .unwrap();
    assert_eq!(
        jsonl[0].as_ref().unwrap().scores["greeting"],
        Score::Points(dec("1"))
    );
    assert!(jsonl[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .starts_with("evaluation on line 2:"));
}

#[test]
fn huge_and_tiny_numbers_do_not_overflow() {
    let huge = "79228162514264337593543950335";
    let card = format!(
        "name: h\npass_mark: 80\nsections: [{{id: s, criteria: [{{id: a, weight: '{huge}'}}, {{id: b, weight: '{huge}'}}]}}]"
    );
    let result = Scorecard::from_yaml(&card);
    let Err(ScorecardError::Invalid { problems }) = result else {
        panic!("weights far above 100 are invalid: {result:?}");
    };
    assert!(matches!(
        problems[0],
        ScorecardProblem::WeightsDoNotSum { .. }
    ));
    let card = Scorecard::from_yaml(&format!(
        "name: t\npass_mark: 80\nsections: [{{id: s, criteria: [{{id: a, weight: 100, max_score: '{huge}'}}]}}]"
    ))
    .unwrap();
    let e = read_evaluations(
        &format!(
            "- {{interaction: I, agent: a, evaluator: q, date: 2024-03-04, scores: {{a: '{huge}'}}}}"
        ),
        EvaluationFormat::Yaml,
    )
    .unwrap();
    assert_eq!(
        card.score(e[0].as_ref().unwrap()).unwrap().score,
        dec("100")
    );
    let e = read_evaluations(
        "- {interaction: I, agent: a, evaluator: q, date: 2024-03-04, scores: {a: 1e300}}",
        EvaluationFormat::Yaml,
    )
    .unwrap();
    assert!(e[0].is_err());
    // An integer beyond 64 bits is beyond the YAML reader: the file is
    // reported unreadable with its line and column, not scored wrongly.
    let err = read_evaluations(
        &format!(
            "- {{interaction: I, agent: a, evaluator: q, date: 2024-03-04, scores: {{a: {huge}}}}}"
        ),
        EvaluationFormat::Yaml,
    )
    .unwrap_err();
    assert!(err.message.contains("line 1 column"), "{err}");
}

#[test]
fn nothing_to_score_when_all_weighted_criteria_are_na() {
    let card = Scorecard::from_yaml(
        "name: c\npass_mark: 80\nsections: [{id: s, criteria: [{id: a, weight: 100, na_allowed: true}]}]",
    )
    .unwrap();
    let e = read_evaluations(
        "- {id: X, interaction: C, agent: a, evaluator: q, date: 2024-03-04, scores: {a: na}}",
        EvaluationFormat::Yaml,
    )
    .unwrap();
    let problems = card.score(e[0].as_ref().unwrap()).unwrap_err();
    assert_eq!(
        problems[0].to_string(),
        "evaluation `X`: every weighted criterion is na, so there is nothing to score"
    );
}

#[test]
fn weekly_trends_per_agent() {
    let t = trends(&scored(), Period::Week);
    let rows: Vec<(&str, &str, usize, usize)> = t
        .iter()
        .map(|p| {
            (
                p.agent.as_str(),
                p.period.as_str(),
                p.evaluations,
                p.auto_fails,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("ann", "2024-W10", 2, 1),
            ("ann", "2024-W11", 3, 0),
            ("bob", "2024-W10", 1, 0)
        ]
    );
    let week10 = 800.0 / 9.0 / 2.0; // (88.89 + 0) / 2
    assert!((t[0].mean_score - week10).abs() < 1e-12);
    assert_eq!(t[0].pass_rate, 0.5);
    assert_eq!(t[0].change, None);
    assert!((t[1].mean_score - 272.0 / 3.0).abs() < 1e-12);
    assert!((t[1].change.unwrap() - (272.0 / 3.0 - week10)).abs() < 1e-12);
    assert_eq!((t[2].mean_score, t[2].pass_rate), (54.0, 0.0));
    let monthly = trends(&scored(), Period::Month);
    assert_eq!(monthly.len(), 2);
    assert_eq!(
        (monthly[0].period.as_str(), monthly[0].evaluations),
        ("2024-03", 5)
    );
}

#[test]
fn calibration_variance_between_evaluators() {
    let c = calibration(&scored(), 5.0);
    assert_eq!(c.groups.len(), 1);
    let g = &c.groups[0];
    assert_eq!(g.interaction, "C-1004");
    let scores: Vec<(&str, f64)> = g
        .scores
        .iter()
        .map(|s| (s.evaluator.as_str(), s.score))
        .collect();
    assert_eq!(scores, [("q1", 92.0), ("q2", 86.0), ("q3", 94.0)]);
    let mean = 272.0 / 3.0;
    assert!((g.mean - mean).abs() < 1e-12);
    assert_eq!(g.range, 8.0);
    // Sample variance: Σ (s − mean)² / (3 − 1) = 34.666… / 2.
    let variance = ((92.0 - mean) * (92.0f64 - mean)
        + (86.0 - mean) * (86.0 - mean)
        + (94.0 - mean) * (94.0 - mean))
        / 2.0;
    assert!((g.variance - variance).abs() < 1e-12);
    assert!((g.variance - 52.0 / 3.0).abs() < 1e-12);
    assert!((g.std_dev - (52.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert!(g.verdicts_agree);
    assert_eq!(g.disagreements, ["diagnosis", "empathy"]);
    assert!(!g.within_tolerance);
    assert_eq!(c.outside_tolerance, 1);
    assert_eq!(c.mean_variance, Some(g.variance));
    let bias: Vec<(&str, f64)> = c
        .evaluators
        .iter()
        .map(|e| (e.evaluator.as_str(), e.mean_deviation))
        .collect();
    assert_eq!(bias[0].0, "q1");
    assert!((bias[0].1 - (92.0 - mean)).abs() < 1e-12);
    assert!((bias[1].1 - (86.0 - mean)).abs() < 1e-12);
    assert!((c.evaluators[2].mean_absolute_deviation - (94.0 - mean)).abs() < 1e-12);
    // Within a wider tolerance.
    assert_eq!(calibration(&scored(), 8.0).outside_tolerance, 0);
}

#[test]
fn cli_scores_trends_and_calibration() {
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(["qa", "qa_scorecard.yaml", "qa_evaluations.yaml"])
        .current_dir(DATA)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "E1        C-1001        ann       q1          2024-03-04   88.89  pass",
        "E2        C-1002        ann       q1          2024-03-06    0.00  FAIL  auto-fail: verify_identity",
        "ann       2024-W11            3       90.67     100.0%           0     +46.22",
        "C-1004                 3    90.67     8.00     17.33     4.16  no      diagnosis, empathy",
        "q2                      1           -4.67            4.67",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn cli_reports_bad_evaluations_in_place() {
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args([
            "qa",
            "qa_scorecard.yaml",
            "qa_evaluations_bad.yaml",
            "--json",
        ])
        .current_dir(DATA)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let evaluations = v["evaluations"].as_array().unwrap();
    assert_eq!(evaluations.len(), 4);
    assert_eq!(
        evaluations[0]["errors"][0],
        "evaluation `B1`: unknown criterion `greting`"
    );
    assert_eq!(evaluations[3]["score"], 100.0);
    assert_eq!(evaluations[3]["passed"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("criterion `diagnosis` scored 7, outside 0 to 5"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(["qa", "qa_scorecard_invalid.yaml", "qa_evaluations.yaml"])
        .current_dir(DATA)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("criterion `greeting` has a negative weight (-5)"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The score is the weighted share of points, computed independently in
    /// floating point, always within 0–100, and passes iff ≥ the mark.
    #[test]
    fn score_is_the_weighted_share(
        parts in proptest::collection::vec((1u32..20, 1u32..6, 0u32..6), 1..8),
        pass_mark in 0u32..=100,
    ) {
        let total: u32 = parts.iter().map(|p| p.0).sum();
        // Scale weights so they add up to exactly 100: the last takes the rest.
        let mut weights: Vec<Decimal> = parts.iter().map(|p| Decimal::from(p.0) * Decimal::from(100) / Decimal::from(total)).map(|w| w.round_dp(4)).collect();
        let rest: Decimal = weights[..weights.len() - 1].iter().sum();
        *weights.last_mut().unwrap() = Decimal::from(100) - rest;
        prop_assume!(weights.iter().all(|w| *w > Decimal::ZERO));
        let mut yaml = format!("name: p\npass_mark: {pass_mark}\nsections:\n  - id: s\n    criteria:\n");
        let mut scores = String::new();
        let (mut earned, mut possible) = (0.0f64, 0.0f64);
        for (i, ((_, max, raw), w)) in parts.iter().zip(&weights).enumerate() {
            let s = raw.min(max);
            yaml.push_str(&format!("      - {{id: c{i}, weight: {w}, max_score: {max}}}\n"));
            scores.push_str(&format!("c{i}: {s}, "));
            let wf: f64 = w.to_string().parse().unwrap();
            earned += wf * f64::from(*s) / f64::from(*max);
            possible += wf;
        }
        let card = Scorecard::from_yaml(&yaml).unwrap();
        let e = read_evaluations(&format!("- {{interaction: I, agent: a, evaluator: q, date: 2024-03-04, scores: {{{scores}}}}}"), EvaluationFormat::Yaml).unwrap();
        let s = card.score(e[0].as_ref().unwrap()).unwrap();
        let expected = 100.0 * earned / possible;
        let got: f64 = s.score.to_string().parse().unwrap();
        prop_assert!((got - expected).abs() < 1e-9, "{} vs {}", got, expected);
        prop_assert!((0.0..=100.0).contains(&got));
        prop_assert_eq!(s.passed, s.score >= Decimal::from(pass_mark));
    }
}
