//! The reference interpreter on decisions over validated fact bundles: what a policy
//! author expects each rule, hit policy and error to do.

use aftersales::eval::{reference, Decision, EvalError};
use aftersales::facts::Facts;
use aftersales::types::Type;
use aftersales::value::Value;
use aftersales::RuleSet;

const CODES: &str = r#"
units { currency USD distance mi }
codes fault "f" {
  attributes { system: enum { engine, body } }
  P0300..P0312 "misfire" { system: engine }
  B1000 "body module" { system: body }
}
"#;

fn rules(src: &str) -> RuleSet {
    RuleSet::from_sources([("t.rules".to_string(), format!("{CODES}\n{src}"))])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn facts(rs: &RuleSet, json: &str) -> Facts {
    Facts::from_json_str(rs.env(), json).unwrap_or_else(|e| panic!("{e}"))
}

/// The name of an enum output's value.
fn variant(rs: &RuleSet, d: &Decision, output: &str) -> String {
    let i = rs
        .checked()
        .names
        .iter()
        .position(|n| *n == d.decision)
        .unwrap();
    let def = rs.checked().decisions[i].as_ref().unwrap();
    let o = def.outputs.iter().find(|o| o.name == output).unwrap();
    let (Type::Enum(e), Some(Value::Enum(v))) = (&o.ty, d.output(output)) else {
        panic!("{output} is not an enum value: {:?}", d.output(output))
    };
    rs.env().enum_def(*e).variants[*v as usize].clone()
}

const CLAIM: &str = r#""claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-01-10""#;

#[test]
fn first_hit_picks_the_first_matching_rule_and_otherwise_applies_when_none_does() {
    let rs = rules(
        r#"decision adjudicate hit first {
             output action: enum { accept, reject, review }
             output reason: text = ""
             rule late when has claim.submitted_date and claim.submitted_date > claim.repair_date + 30 days
               then action = reject, reason = "late"
             rule engine when claim.fault.system == engine then action = review
             otherwise action = accept
           }"#,
    );
    let late = facts(
        &rs,
        &format!(r#"{{{CLAIM}, "submitted_date": "2026-02-10"}}}}"#),
    );
    let d = reference::decide(rs.checked(), "adjudicate", &late).unwrap();
    assert_eq!(
        (variant(&rs, &d, "action").as_str(), d.rules.as_slice()),
        ("reject", &["late".to_string()][..])
    );
    assert_eq!(d.output("reason"), Some(&Value::Text("late".into())));
    // exactly 30 days after is not late: the engine rule decides
    let on_time = facts(
        &rs,
        &format!(r#"{{{CLAIM}, "submitted_date": "2026-02-09"}}}}"#),
    );
    let d = reference::decide(rs.checked(), "adjudicate", &on_time).unwrap();
    assert_eq!(variant(&rs, &d, "action"), "review");
    // a body fault, on time: otherwise
    let body = facts(
        &rs,
        r#"{"claim": {"id": "C2", "fault": "B1000", "repair_date": "2026-01-10"}}"#,
    );
    let d = reference::decide(rs.checked(), "adjudicate", &body).unwrap();
    assert_eq!(
        (
            variant(&rs, &d, "action").as_str(),
            d.rules.len(),
            d.no_match
        ),
        ("accept", 0, false)
    );
    assert_eq!(
        d.output("reason"),
        Some(&Value::Text("".into())),
        "the default stays"
    );
}

#[test]
fn calendar_months_clamp_to_the_end_of_the_month() {
    // LANGUAGE.md §1: 2020-02-29 + 60 months = 2025-02-28
    let rs = rules(
        r#"decision in_term { output inside: bool = false
             rule r when claim.repair_date < product.in_service_date + 60 months then inside = true }"#,
    );
    let with = |repair: &str| {
        facts(
            &rs,
            &format!(
                r#"{{"product": {{"serial": "S", "model": "M", "in_service_date": "2020-02-29", "owner": "original"}},
                    "claim": {{"id": "C", "fault": "P0300", "repair_date": "{repair}"}}}}"#
            ),
        )
    };
    let inside = |repair: &str| {
        reference::decide(rs.checked(), "in_term", &with(repair))
            .unwrap()
            .output("inside")
            .cloned()
    };
    assert_eq!(inside("2025-02-27"), Some(Value::Bool(true)));
    assert_eq!(inside("2025-02-28"), Some(Value::Bool(false)));
}

#[test]
fn unique_priority_and_collect_policies() {
    // two rules of a unique decision matching one claim: the checker proves the overlap
    // (E0303) so the rule set does not load, and the interpreter reports it at run time
    let unique = r#"decision u hit unique { output n: int = 0
             rule a when claim.fault in P0300..P0305 then n = 1
             rule b when claim.fault.system == engine then n = 2 }"#;
    let source = [("t.rules".to_string(), format!("{CODES}\n{unique}"))];
    let err = RuleSet::from_sources(source.clone()).unwrap_err();
    assert!(
        err.as_slice()
            .iter()
            .any(|d| d.code.as_str() == "E0303" && d.severity == aftersales::diag::Severity::Error),
        "{err}"
    );
    let (parsed, _, _) = aftersales::load::check_sources(source);
    let (checked, _) = aftersales::check::check_full(&parsed);
    let f = Facts::from_json_str(&checked.env, &format!("{{{CLAIM}}}}}")).unwrap();
    match reference::decide(&checked, "u", &f) {
        Err(EvalError::NotUnique { rules, .. }) => assert_eq!(rules, ["a", "b"]),
        other => panic!("expected a unique violation, got {other:?}"),
    }
    let rs = rules(
        r#"decision p hit priority { output n: int = 0
             rule low priority 1 when true then n = 1
             rule high priority 9 when claim.fault.system == engine then n = 9
             rule tie priority 9 when true then n = 8 }
           decision c hit collect { output n: int = 0
             rule a when true then n = 1
             rule b when claim.fault == P0301 then n = 2
             rule z when false then n = 3 }
           decision s hit collect sum { output n: int
             rule a when true then n = 5
             rule b when true then n = 7 }
           decision k hit collect count { output n: int
             rule a when true then n = 5
             rule b when false then n = 7 }"#,
    );
    let f = facts(&rs, &format!("{{{CLAIM}}}}}"));
    let d = reference::decide(rs.checked(), "p", &f).unwrap();
    assert_eq!(
        (d.output("n"), d.rules.as_slice()),
        (Some(&Value::Int(9)), &["high".to_string()][..]),
        "ties go by order"
    );
    let d = reference::decide(rs.checked(), "c", &f).unwrap();
    assert_eq!(
        d.output("n"),
        Some(&Value::Set(vec![Value::Int(1), Value::Int(2)].into()))
    );
    assert_eq!(d.rules, ["a", "b"]);
    assert_eq!(
        reference::decide(rs.checked(), "s", &f)
            .unwrap()
            .output("n"),
        Some(&Value::Int(12))
    );
    assert_eq!(
        reference::decide(rs.checked(), "k", &f)
            .unwrap()
            .output("count"),
        Some(&Value::Int(1))
    );
}

#[test]
fn no_match_keeps_the_defaults_and_says_so() {
    let rs = rules(r#"decision d { output n: int = 4  rule r when false then n = 1 }"#);
    let d = reference::decide(rs.checked(), "d", &facts(&rs, "{}")).unwrap();
    assert!(d.no_match);
    assert_eq!((d.output("n"), d.rules.len()), (Some(&Value::Int(4)), 0));
}

#[test]
fn evaluation_errors_name_their_rule() {
    let rs = rules(
        r#"decision money { output x: money = USD 0
             rule mix when has claim.parts and claim.parts > USD 10 then x = claim.parts }
           decision div { output x: decimal = 0
             rule zero when has claim.labor_hours then x = 10 / claim.labor_hours }
           decision root { output x: bool = false
             rule needs_product when product.owner == fleet then x = true }
           decision dated { output x: bool = false
             rule in_2026 effective 2026-01-01..2026-12-31 when true then x = true }"#,
    );
    let eur = facts(&rs, &format!(r#"{{{CLAIM}, "parts": "EUR 20"}}}}"#));
    match reference::decide(rs.checked(), "money", &eur) {
        Err(EvalError::CurrencyMix {
            left, right, rule, ..
        }) => {
            assert_eq!(
                (left.as_str(), right.as_str(), rule.as_str()),
                ("EUR", "USD", "mix")
            )
        }
        other => panic!("{other:?}"),
    }
    let usd = facts(&rs, &format!(r#"{{{CLAIM}, "parts": 20}}}}"#));
    assert!(
        reference::decide(rs.checked(), "money", &usd)
            .unwrap()
            .rules
            == ["mix"],
        "a bare number is in the units currency"
    );
    let zero = facts(&rs, &format!(r#"{{{CLAIM}, "labor_hours": 0}}}}"#));
    assert!(
        matches!(reference::decide(rs.checked(), "div", &zero), Err(EvalError::DivisionByZero { rule, .. }) if rule == "zero")
    );
    let no_product = facts(&rs, &format!("{{{CLAIM}}}}}"));
    match reference::decide(rs.checked(), "root", &no_product) {
        Err(e @ EvalError::MissingRoot { .. }) => {
            assert_eq!(e.code(), "missing_root");
            assert!(e.to_string().contains("`product`"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        reference::decide(rs.checked(), "dated", &facts(&rs, "{}")),
        Err(EvalError::MissingContext { field: "today", .. })
    ));
    let today = |d: &str| facts(&rs, &format!(r#"{{"context": {{"today": "{d}"}}}}"#));
    assert_eq!(
        reference::decide(rs.checked(), "dated", &today("2026-12-31"))
            .unwrap()
            .rules,
        ["in_2026"]
    );
    assert!(
        reference::decide(rs.checked(), "dated", &today("2027-01-01"))
            .unwrap()
            .no_match
    );
}

#[test]
fn decisions_read_other_decisions_and_builtins_compute() {
    let rs = rules(
        r#"decision base { output tier: int = 0  rule r when claim.fault in P0300..P0302 then tier = 2 }
           decision top { output x: int = 0
             rule r when base.tier > 1 and days_between(claim.repair_date, context.today) == 20
                     and months_between(2020-01-31, 2020-02-29) == 1
                     and months_between(2020-01-31, 2020-03-31) == 2
                     and round(2.345, 2) == 2.34 and round(USD 2.675, 2) == USD 2.68
                     and lower("AbC") == "abc" and len([1, 2, 3]) == 3
                     and has claim.odometer and claim.odometer < 100 km
               then x = base.tier * 10 }"#,
    );
    let f = facts(
        &rs,
        &format!(r#"{{{CLAIM}, "odometer": "62 mi"}}, "context": {{"today": "2026-01-30"}}}}"#),
    );
    let d = reference::decide(rs.checked(), "top", &f).unwrap();
    assert_eq!(
        (d.output("x"), d.rules.as_slice()),
        (Some(&Value::Int(20)), &["r".to_string()][..])
    );
}
