//! The compiled engine equals the reference interpreter: on generated rule sets (mixed
//! types, overlapping ranges, `or`/`not`, optional fields behind `has`, every hit policy,
//! `effective` dating, a dependent decision, conditions that can fail at evaluation) and
//! generated bundles (absent roots, absent optional fields, other currencies, zero
//! divisors, no `context.today`), `RuleSet::decide` gives exactly what
//! `eval::reference::decide` gives: outputs, matched rules and errors.

use aftersales::compile::{Budget, Clustering, Program};
use aftersales::diag::{Code, Severity};
use aftersales::eval::reference;
use aftersales::facts::Facts;
use aftersales::RuleSet;
use proptest::prelude::*;

#[path = "support/decisions.rs"]
mod decisions;
use decisions::{bundle, spec, wide_spec};

fn check_equal(rules: &RuleSet, bundles: &[String]) -> Result<(), TestCaseError> {
    for b in bundles {
        let facts = Facts::from_json_str(rules.env(), b)
            .map_err(|e| TestCaseError::fail(format!("bundle {b}: {e}")))?;
        for name in ["d", "dep"] {
            if !rules.has_decision(name) {
                continue;
            }
            let compiled = rules.decide(name, &facts);
            let reference = reference::decide(rules.checked(), name, &facts);
            prop_assert_eq!(&compiled, &reference, "decision {} on bundle {}", name, b);
        }
    }
    Ok(())
}

/// Load a generated rule set. A `hit unique` decision whose rules can both match is now an
/// overlap error (E0303) at load: such a rule set is skipped (`Ok(None)`), but only when
/// every error is that overlap; any other error fails the test.
fn load(text: &str) -> Result<Option<RuleSet>, TestCaseError> {
    match RuleSet::from_sources([("p.rules".to_string(), text.to_string())]) {
        Ok(r) => Ok(Some(r)),
        Err(e) => {
            let errors: Vec<_> = e
                .as_slice()
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            if !errors.is_empty() && errors.iter().all(|d| d.code == Code::Overlap) {
                Ok(None)
            } else {
                Err(TestCaseError::fail(format!("{text}\n{e}")))
            }
        }
    }
}

/// Skipping overlapping unique decisions must leave plenty of unique decisions that load
/// and are compared with the reference interpreter.
#[test]
fn unique_decisions_that_load_are_still_exercised() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut loaded, mut skipped) = (0, 0);
    for _ in 0..400 {
        let mut s = spec().new_tree(&mut runner).expect("a spec").current();
        s.hit = 1; // hit unique
        let bundles: Vec<String> = (0..6)
            .map(|_| bundle().new_tree(&mut runner).expect("a bundle").current())
            .collect();
        match load(&s.text()).expect("only overlap errors") {
            Some(rules) => {
                loaded += 1;
                check_equal(&rules, &bundles).expect("compiled equals reference");
            }
            None => skipped += 1,
        }
    }
    assert!(
        loaded >= 50,
        "only {loaded} unique rule sets loaded ({skipped} skipped)"
    );
    assert!(skipped >= 1, "no overlapping unique rule set was generated");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn compiled_equals_reference(s in spec(), bundles in prop::collection::vec(bundle(), 12)) {
        let Some(rules) = load(&s.text())? else {
            return Ok(());
        };
        check_equal(&rules, &bundles)?;
    }

    /// With a tiny node budget the DAG gives way to a bit-vector leaf, or a scanned list of
    /// rows; answers stay the same.
    #[test]
    fn budget_leaves_equal_reference(s in spec(), bundles in prop::collection::vec(bundle(), 8)) {
        let Some(rules) = load(&s.text())? else {
            return Ok(());
        };
        for bit_leaves in [true, false] {
            let program = Program::compile_with_budget(
                rules.checked(),
                rules.sources(),
                Budget { nodes: 1, work: 1_000, bit_leaves, clustering: Clustering::Never },
            );
            prop_assert!(program.stats_of(rules.checked(), "d").is_some_and(|s| s.budget_hit));
            for b in &bundles {
                let facts = Facts::from_json_str(rules.env(), b)
                    .map_err(|e| TestCaseError::fail(format!("bundle {b}: {e}")))?;
                let compiled = program.decide(rules.checked(), "d", &facts);
                let reference = reference::decide(rules.checked(), "d", &facts);
                prop_assert_eq!(&compiled, &reference, "bundle {} bit_leaves {}", b, bit_leaves);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Bit-vector leaves of many rows (several chunks of 512 rows, rows matching late in
    /// the table, every hit policy) give the reference interpreter's answers.
    #[test]
    fn wide_bit_leaves_equal_reference(
        s in wide_spec(520..1400),
        bundles in prop::collection::vec(bundle(), 24),
    ) {
        let Some(rules) = load(&s.text())? else {
            return Ok(());
        };
        // rows in rule order, and rows ordered by their most selective column
        for clustering in [Clustering::Never, Clustering::Always] {
            let program = Program::compile_with_budget(
                rules.checked(),
                rules.sources(),
                Budget { nodes: 1, work: 1_000, bit_leaves: true, clustering },
            );
            let stats = program.stats_of(rules.checked(), "d");
            prop_assert!(
                stats.as_ref().is_some_and(|s| s.budget_hit
                    && s.bit_bytes > 0
                    && (clustering == Clustering::Always || !s.clustered)),
                "{:?}",
                stats
            );
            for b in &bundles {
                let facts = Facts::from_json_str(rules.env(), b)
                    .map_err(|e| TestCaseError::fail(format!("bundle {b}: {e}")))?;
                let compiled = program.decide(rules.checked(), "d", &facts);
                let reference = reference::decide(rules.checked(), "d", &facts);
                prop_assert_eq!(&compiled, &reference, "bundle {} {:?}", b, clustering);
            }
        }
    }
}

/// A large table whose rules each take a narrow band of one field is clustered by that
/// field (its rows ordered by the band), and still answers as the reference interpreter:
/// first match in rule order, every match for `collect`.
#[test]
fn large_tables_cluster_by_their_most_selective_column() {
    for hit in ["hit first", "hit collect"] {
        let mut text = String::from("schema item {\n  qty: int\n  price: money\n}\n");
        text += &format!("decision tier {hit} {{\n  output tier: int = 0\n");
        // bands in a scrambled order, so rule order is not band order
        for i in 0..3_000u32 {
            let lo = (i * 7_919) % 1_000;
            let price = (i * 104_729) % 5_000;
            text += &format!(
                "  rule r{i} when item.qty >= {lo} and item.qty < {} and item.price > USD {price}\n    then tier = {i}\n",
                lo + 12
            );
        }
        text += "}\n";
        let rules = RuleSet::from_sources([("t.rules".to_string(), text)]).expect("loads");
        let stats = rules.dag_stats("tier").expect("compiled");
        assert!(stats.budget_hit && stats.clustered, "{stats:?}");
        for q in (0..1_020).step_by(7) {
            let bundle = format!(
                r#"{{"id": "B", "item": {{"qty": {q}, "price": "USD {}.{:02}"}}}}"#,
                (q * 37) % 5_200,
                q % 100
            );
            let facts = Facts::from_json_str(rules.env(), &bundle).expect("bundle");
            let compiled = rules.decide("tier", &facts);
            let reference = reference::decide(rules.checked(), "tier", &facts);
            assert_eq!(compiled, reference, "{hit} on {bundle}");
        }
    }
}

#[path = "../benches/common/mod.rs"]
mod common;

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Issue #13's neutral first-hit table (a generator the engine was not shaped on:
    /// wide integer ranges, two-decimal amounts, enums, a code list, deep first hits):
    /// the compiled engine, through its bit-vector leaf and the direct reads of integers,
    /// decimals, money and enums, and the allocation-free path give the reference's
    /// answer on every bundle.
    #[test]
    fn the_neutral_table_decides_as_the_reference(n in 10usize..400, seed in 0u64..1_000) {
        let rules = RuleSet::from_sources([("n.rules".to_string(), common::neutral_rule_set(n, seed))])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let h = rules.handle("neutral").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut verdict = aftersales::Verdict::new();
        for b in 0..64 {
            let text = common::neutral_bundle(seed * 1_000 + b);
            let facts = Facts::from_json_str(rules.env(), &text)
                .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            let compiled = rules.decide_with(h, &facts);
            let reference = reference::decide(rules.checked(), "neutral", &facts);
            prop_assert_eq!(&compiled, &reference, "bundle {}", text);
            rules.decide_into(h, &facts, &mut verdict).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut d = verdict.to_decision(&rules).expect("the verdict of this rule set");
            d.id = facts.id().map(String::from);
            prop_assert_eq!(Ok(&d), compiled.as_ref());
        }
    }
}
