//! Property tests of the checker: random well-typed conditions check without a
//! diagnostic, and single-token mutations of the bundled rule set check or give
//! diagnostics whose places lie in the files — never a panic.

use proptest::prelude::*;
use support::tokens;

mod support;
use std::path::Path;

/// A comparison that is well typed by construction; optional fields come with their
/// `has` guard in the same `and` chain.
fn leaf() -> impl Strategy<Value = String> {
    let n = 0u32..10_000;
    prop_oneof![
        (
            n.clone(),
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="])
        )
            .prop_map(|(n, op)| format!(
                "(has product.model_year and product.model_year {op} {n})"
            )),
        (1u32..400, prop::sample::select(vec!["days", "weeks", "h"]))
            .prop_map(|(n, u)| format!("claim.repair_date < context.today + {n} {u}")),
        (1u32..120)
            .prop_map(|n| format!("claim.repair_date < product.in_service_date + {n} months")),
        (1u32..5000).prop_map(|n| format!("(has claim.parts and claim.parts > USD {n}.50)")),
        (1u32..100_000).prop_map(|n| format!("(has claim.odometer and claim.odometer < {n} mi)")),
        prop::sample::select(vec!["original", "subsequent", "fleet"])
            .prop_map(|v| format!("product.owner == {v}")),
        prop::sample::select(vec!["original", "fleet"])
            .prop_map(|v| format!("product.owner in [{v}, subsequent]")),
        "[A-Z]{1,3}".prop_map(|p| format!("claim.id matches /^{p}/i")),
        "[a-z]{1,5}".prop_map(|p| format!("starts_with(lower(claim.id), \"{p}\")")),
        (0u32..30).prop_map(|n| format!("len(claim.id) > {n}")),
        (0i32..60).prop_map(|n| format!("days_between(claim.repair_date, context.today) >= {n}")),
        (1u32..9).prop_map(|n| format!("claim.fault in P030{n}..P0312")),
        Just("claim.fault.system == engine".to_string()),
        Just("(has claim.labor_hours and claim.labor_hours * 1.2 > 3)".to_string()),
        Just(
            "(not has claim.submitted_date or claim.submitted_date > claim.repair_date)"
                .to_string()
        ),
        Just("(has claim.dealer and claim.dealer contains \"D\")".to_string()),
        Just("round(max(1.25, 2), 1) > min(0.5, 3)".to_string()),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

const TABLES: &str = r#"
codes fault "f" {
  attributes { system: enum { engine, body } }
  P0300..P0312 "misfire" { system: engine }
}
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn well_typed_conditions_check_clean(c in condition()) {
        // with an `otherwise` (no gap warning); a generated condition may contradict itself,
        // which the analyses report as an unreachable rule (E0301), not a type problem
        let rules = format!(
            "{TABLES}\ndecision d {{ output x: int = 0\n  rule r when {c} then x = 1\n  otherwise x = 0 }}"
        );
        let (parsed, _env, diags) = aftersales::load::check_sources([("p.rules".into(), rules.clone())]);
        prop_assert!(
            diags.as_slice().iter().all(|d| d.code == aftersales::diag::Code::UnreachableRule),
            "{}\n{}",
            rules,
            diags.as_slice().iter().map(|d| d.render(&parsed.map, false)).collect::<String>()
        );
    }
}

fn bundled() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("rules/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("readable"),
            )
        })
        .collect();
    out.sort();
    out
}

const VOCAB: &[&str] = &[
    "claim",
    "product",
    "coverage",
    ".",
    "fault",
    "system",
    "==",
    "<",
    "and",
    "or",
    "not",
    "has",
    "in",
    "[",
    "]",
    "(",
    ")",
    "USD 5",
    "5",
    "36 months",
    "4h",
    "2026-01-01",
    "P0301",
    "\"x\"",
    "engine",
    "original",
    "then",
    "=",
    "x",
    "covered",
    "/a/",
    "matches",
    "+",
    "-",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_rule_sets_check_or_report_in_place(
        file in 0usize..16, at in 0usize..100_000, op in 0usize..3, word in 0usize..VOCAB.len(),
    ) {
        let mut files = bundled();
        let n = files.len();
        let (_, text) = &mut files[file % n];
        let mut toks = tokens(text);
        let i = at % toks.len().max(1);
        match op {
            0 => { toks.remove(i); }
            1 => { toks[i] = VOCAB[word].to_string(); }
            _ => { toks.insert(i, VOCAB[word].to_string()); }
        }
        *text = toks.concat();
        let (parsed, _env, diags) = aftersales::load::check_sources(files);
        for d in diags.as_slice() {
            if let Some(s) = d.span {
                let f = parsed.map.file(s.file).expect("a span's file is in the map");
                prop_assert!(s.start <= s.end && (s.end as usize) <= f.text.len(), "{d:?}");
                let (line, col) = parsed.map.line_col(s.file, s.start);
                prop_assert!(line >= 1 && col >= 1);
            }
        }
    }
}
