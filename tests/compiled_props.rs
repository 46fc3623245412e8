//! The compiled engine equals the reference interpreter: on generated rule sets (mixed
//! types, overlapping ranges, `or`/`not`, optional fields behind `has`, every hit policy,
//! `effective` dating, a dependent decision, conditions that can fail at evaluation) and
//! generated bundles (absent roots, absent optional fields, other currencies, zero
//! divisors, no `context.today`), `RuleSet::decide` gives exactly what
//! `eval::reference::decide` gives: outputs, matched rules and errors.

use aftersales::compile::{Budget, Program};
use aftersales::diag::{Code, Severity};
use aftersales::eval::reference;
use aftersales::facts::Facts;
use aftersales::RuleSet;
use proptest::prelude::*;

#[path = "support/decisions.rs"]
mod decisions;
use decisions::{bundle, spec};

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
    for _ in 0..300 {
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
                Budget { nodes: 1, work: 1_000, bit_leaves },
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
