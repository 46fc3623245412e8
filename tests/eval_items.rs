//! The decisions lowered from domain items (LANGUAGE.md §5.3–§5.9), evaluated by the
//! reference interpreter: every output, every reason, every boundary, every error, with
//! expectations computed by hand in the comments. Each case is also decided by the
//! production engine, which reads the items with code of its own: the two must agree.

use aftersales::eval::{reference, EvalError};
use aftersales::facts::Facts;
use aftersales::RuleSet;
use serde_json::{json, Value as J};

const CODES: &str = r#"
units { currency USD distance mi }
codes fault "f" {
  attributes { system: enum { engine, transmission, emissions, electrical, body } }
  P0300 "misfire" { system: engine }
  P0201..P0204 "injector" { system: engine }
  P0420 "catalyst" { system: emissions }
  P0700 "transmission" { system: transmission }
  P0A80 "hybrid battery" { system: electrical }
  B1000 "body module" { system: body }
}
codes claim_type "ct" { WR "warranty" {}  RC "recall" {}  GW "goodwill" {} }
codes labor_op "ops" { attributes { standard_hours: decimal } "36-1100" "ICCU" { standard_hours: 2.4 } }
codes return_reason "rr" { DOA "dead" {}  REMORSE "mind" {}  DEFECT "defect" {} }
"#;

fn rules(src: &str) -> RuleSet {
    RuleSet::from_sources([("t.rules".to_string(), format!("{CODES}\n{src}"))])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn facts(rs: &RuleSet, json: &J) -> Facts {
    Facts::from_json_str(rs.env(), &json.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// The result's JSON (LANGUAGE.md §8), or the error.
fn decide(rs: &RuleSet, decision: &str, bundle: &J) -> Result<J, EvalError> {
    let f = facts(rs, bundle);
    let reference = reference::decide(rs.checked(), decision, &f);
    let engine = rs.decide(decision, &f);
    assert_eq!(
        engine, reference,
        "{decision} on {bundle}: engine and reference differ"
    );
    reference.map(|d| d.to_json(rs.checked()))
}

fn outputs(rs: &RuleSet, decision: &str, bundle: &J) -> J {
    match decide(rs, decision, bundle) {
        Ok(j) => j["outputs"].clone(),
        Err(e) => panic!("{decision}: {e}"),
    }
}

// ---------------------------------------------------------------------------------------
// coverage (§5.3)

const WARRANTIES: &str = r#"
warranty basic "Basic" {
  term 36 months or 36_000 mi
  covers all
  excludes claim.fault.system == emissions
  deductible USD 0
  claim_type WR
}
warranty powertrain "Powertrain" {
  when product.owner == original
  term 60 months or 160_934.4 km          # exactly 100,000 mi
  covers claim.fault.system in [engine, transmission]
  excludes claim.fault == P0300
  deductible USD 100
  claim_type WR
  pays parts 100%, labor 50%
}
warranty battery "Hybrid battery" {
  term 8 years from product.build_date
  covers claim.fault == P0A80
  claim_type GW
}
"#;

/// A claim on a product in service since 2020-02-29 (so that 60 months end on
/// 2025-02-28 and 36 months on 2023-02-28, clamped).
fn claim(owner: &str, fault: &str, repair: &str, odometer: Option<&str>, extra: J) -> J {
    let mut c = json!({"id": "C", "fault": fault, "repair_date": repair});
    if let Some(o) = odometer {
        c["odometer"] = json!(o);
    }
    for (k, v) in extra.as_object().into_iter().flatten() {
        c[k] = v.clone();
    }
    json!({
        "id": "B1",
        "product": {"serial": "S", "model": "M", "in_service_date": "2020-02-29", "owner": owner},
        "claim": c,
    })
}

#[test]
fn the_first_covering_policy_gives_every_output_and_the_others_say_why_not() {
    let rs = rules(WARRANTIES);
    // 2021-06-01: inside basic (ends 2023-02-28) and powertrain; battery not covered
    let b = claim(
        "original",
        "P0201",
        "2021-06-01",
        Some("20000 mi"),
        json!({
            "parts": "USD 200.00", "labor": "USD 150.25"
        }),
    );
    let j = decide(&rs, "coverage", &b).unwrap();
    assert_eq!(
        j,
        json!({
            "id": "B1", "decision": "coverage",
            "outputs": {
                "covered": true, "warranty": "basic", "deductible": "USD 0.00",
                "claim_type": "WR", "expires_on": "2023-02-27",
                "reasons": [{"warranty": "battery", "reason": "not_covered"}],
                "pays": {"parts": "100%", "labor": "100%", "handling": "100%", "sublet": "100%"},
                // basic pays everything: 200.00 + 150.25, no deductible
                "amount": "USD 350.25",
            },
            "rules": ["basic"],
        })
    );
}

#[test]
fn shares_and_the_deductible_make_the_amount_never_below_zero() {
    let rs = rules(WARRANTIES);
    // 2024-01-10: basic expired (2023-02-28), powertrain covers
    let b = claim(
        "original",
        "P0201",
        "2024-01-10",
        Some("50000 mi"),
        json!({
            "parts": "USD 200.00", "labor": "USD 150.25", "sublet": "USD 10.00"
        }),
    );
    let o = outputs(&rs, "coverage", &b);
    assert_eq!(o["warranty"], "powertrain");
    assert_eq!(o["deductible"], "USD 100.00");
    assert_eq!(o["expires_on"], "2025-02-27");
    assert_eq!(
        o["pays"],
        json!({"parts": "100%", "labor": "50%", "handling": "100%", "sublet": "100%"})
    );
    // 200.00 + 75.125 → 75.12 (half-even) + 10.00 = 285.12, less 100 = 185.12
    assert_eq!(o["amount"], "USD 185.12");
    assert_eq!(
        o["reasons"],
        json!([
            {"warranty": "basic", "reason": "expired_time"},
            {"warranty": "battery", "reason": "not_covered"},
        ])
    );
    // 60.00 − 100 is below zero: nothing
    let b = claim(
        "original",
        "P0201",
        "2024-01-10",
        Some("50000 mi"),
        json!({"parts": "USD 60"}),
    );
    assert_eq!(outputs(&rs, "coverage", &b)["amount"], "USD 0.00");
    // no cost at all: zero, in the deductible's currency
    let b = claim(
        "original",
        "P0201",
        "2024-01-10",
        Some("50000 mi"),
        json!({}),
    );
    assert_eq!(outputs(&rs, "coverage", &b)["amount"], "USD 0.00");
}

#[test]
fn every_reason_in_order_when_nothing_covers() {
    let rs = rules(WARRANTIES);
    let reasons = |b: &J| {
        let o = outputs(&rs, "coverage", b);
        assert_eq!(o["covered"], false, "{o}");
        for k in [
            "warranty",
            "deductible",
            "claim_type",
            "expires_on",
            "pays",
            "amount",
        ] {
            assert_eq!(o[k], J::Null, "{k} of {o}");
        }
        o["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["warranty"].as_str().unwrap(),
                    r["reason"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    // an emissions fault of a subsequent owner, in term: excluded, not eligible, not covered
    let b = claim(
        "subsequent",
        "P0420",
        "2021-01-01",
        Some("100 mi"),
        json!({}),
    );
    assert_eq!(
        reasons(&b),
        [
            "basic:excluded",
            "powertrain:not_eligible",
            "battery:not_covered"
        ]
    );
    // P0300 is a powertrain exclusion; basic is past its distance
    let b = claim(
        "original",
        "P0300",
        "2021-01-01",
        Some("36000 mi"),
        json!({}),
    );
    assert_eq!(
        reasons(&b),
        [
            "basic:expired_distance",
            "powertrain:excluded",
            "battery:not_covered"
        ]
    );
    // a body fault after 2025-02-28: basic expired, powertrain does not cover bodies
    let b = claim("original", "B1000", "2025-03-01", Some("100 mi"), json!({}));
    assert_eq!(
        reasons(&b),
        [
            "basic:expired_time",
            "powertrain:not_covered",
            "battery:not_covered"
        ]
    );
    // an engine fault after 100,000 mi: powertrain is past its distance
    let b = claim(
        "original",
        "P0201",
        "2024-01-01",
        Some("100000 mi"),
        json!({}),
    );
    assert_eq!(
        reasons(&b),
        [
            "basic:expired_time",
            "powertrain:expired_distance",
            "battery:not_covered"
        ]
    );
}

#[test]
fn the_last_covered_day_and_the_first_uncovered_one() {
    let rs = rules(WARRANTIES);
    let warranty = |repair: &str, failure: Option<&str>| {
        let extra = failure.map_or(json!({}), |f| json!({"failure_date": f}));
        let o = outputs(
            &rs,
            "coverage",
            &claim("original", "P0201", repair, Some("100 mi"), extra),
        );
        (o["warranty"].clone(), o["expires_on"].clone())
    };
    // 2020-02-29 + 36 months = 2023-02-28 (clamped): the 27th is the last day of basic
    assert_eq!(
        warranty("2023-02-27", None),
        (json!("basic"), json!("2023-02-27"))
    );
    assert_eq!(
        warranty("2023-02-28", None),
        (json!("powertrain"), json!("2025-02-27"))
    );
    // + 60 months = 2025-02-28
    assert_eq!(
        warranty("2025-02-27", None),
        (json!("powertrain"), json!("2025-02-27"))
    );
    assert_eq!(warranty("2025-02-28", None), (J::Null, J::Null));
    // the failure date counts where there is one, not the repair date
    assert_eq!(
        warranty("2023-03-15", Some("2023-02-27")),
        (json!("basic"), json!("2023-02-27"))
    );
    assert_eq!(
        warranty("2023-02-01", Some("2023-02-28")).0,
        json!("powertrain")
    );
}

#[test]
fn distance_limits_are_exclusive_and_exact_across_miles_and_kilometres() {
    let rs = rules(WARRANTIES);
    let warranty = |odometer: &str| {
        outputs(
            &rs,
            "coverage",
            &claim("original", "P0201", "2024-01-01", Some(odometer), json!({})),
        )["warranty"]
            .clone()
    };
    // powertrain: 160,934.4 km, exactly 100,000 mi
    assert_eq!(warranty("99999.9 mi"), "powertrain");
    assert_eq!(
        warranty("100000 mi"),
        J::Null,
        "exactly at the limit is outside"
    );
    assert_eq!(warranty("160934.3 km"), "powertrain");
    assert_eq!(warranty("160934.4 km"), J::Null);
    // basic: 36,000 mi = 57,936.384 km
    let basic = |odometer: &str| {
        outputs(
            &rs,
            "coverage",
            &claim("original", "B1000", "2021-01-01", Some(odometer), json!({})),
        )["warranty"]
            .clone()
    };
    assert_eq!(basic("57936.383 km"), "basic");
    assert_eq!(basic("57936.384 km"), J::Null);
    assert_eq!(basic("35999.999 mi"), "basic");
}

#[test]
fn a_missing_odometer_is_an_error_naming_the_policy_only_where_the_distance_counts() {
    let rs = rules(WARRANTIES);
    let b = claim("original", "P0201", "2021-01-01", None, json!({}));
    let e = decide(&rs, "coverage", &b).unwrap_err();
    assert_eq!(e.code(), "missing_field");
    assert_eq!(e.path().as_deref(), Some("claim.odometer"));
    assert!(
        matches!(&e, EvalError::MissingField { rule, .. } if rule == "basic"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "`claim.odometer` is not given, and `basic` needs it"
    );
    // a body fault of a subsequent owner after basic's time: basic expired in time,
    // powertrain not eligible, battery not covering: no policy reads the odometer
    let b = claim("subsequent", "B1000", "2024-01-01", None, json!({}));
    assert_eq!(outputs(&rs, "coverage", &b)["covered"], false);
}

#[test]
fn from_counts_the_term_from_another_date_and_its_absence_is_named() {
    let rs = rules(WARRANTIES);
    let with_build = |build: Option<&str>, repair: &str| {
        let mut b = claim("original", "P0A80", repair, Some("90000 mi"), json!({}));
        if let Some(d) = build {
            b["product"]["build_date"] = json!(d);
        }
        decide(&rs, "coverage", &b)
    };
    // built 2019-06-30: 8 years end 2027-06-30
    let o = &with_build(Some("2019-06-30"), "2027-06-29").unwrap()["outputs"];
    assert_eq!(
        (&o["warranty"], &o["expires_on"]),
        (&json!("battery"), &json!("2027-06-29"))
    );
    assert_eq!(o["deductible"], J::Null, "no deductible written");
    assert_eq!(o["claim_type"], "GW");
    let o = &with_build(Some("2019-06-30"), "2027-06-30").unwrap()["outputs"];
    assert_eq!(
        o["reasons"][2],
        json!({"warranty": "battery", "reason": "expired_time"})
    );
    let e = with_build(None, "2027-06-29").unwrap_err();
    assert_eq!(
        (e.code(), e.path().as_deref()),
        ("missing_field", Some("product.build_date"))
    );
    assert!(matches!(&e, EvalError::MissingField { rule, .. } if rule == "battery"));
}

#[test]
fn exact_terms_and_terms_without_distance() {
    let rs = rules(r#"warranty goodwill "Goodwill" { term 90 days  covers all }"#);
    let b = |repair: &str| {
        json!({"product": {"serial": "S", "model": "M", "in_service_date": "2026-01-01", "owner": "fleet"},
               "claim": {"id": "C", "fault": "B1000", "repair_date": repair}})
    };
    // 2026-01-01 + 90 days = 2026-04-01: the 31st of March is the last day
    let o = outputs(&rs, "coverage", &b("2026-03-31"));
    assert_eq!(
        (&o["covered"], &o["expires_on"]),
        (&json!(true), &json!("2026-03-31"))
    );
    assert_eq!(o["amount"], "USD 0.00", "no costs, the units' currency");
    assert_eq!(
        outputs(&rs, "coverage", &b("2026-04-01"))["reasons"],
        json!([{"warranty": "goodwill", "reason": "expired_time"}])
    );
}

#[test]
fn costs_in_two_currencies_are_an_error_naming_the_policy() {
    let rs = rules(WARRANTIES);
    let b = claim(
        "original",
        "P0201",
        "2021-01-01",
        Some("100 mi"),
        json!({
            "parts": "USD 10", "labor": "EUR 5"
        }),
    );
    let e = decide(&rs, "coverage", &b).unwrap_err();
    assert_eq!(e.code(), "currency_mix");
    assert!(
        matches!(&e, EvalError::CurrencyMix { rule, .. } if rule == "basic"),
        "{e:?}"
    );
    // a deductible in another currency than the costs
    let b = claim(
        "original",
        "P0201",
        "2024-01-01",
        Some("100 mi"),
        json!({"parts": "EUR 500"}),
    );
    let e = decide(&rs, "coverage", &b).unwrap_err();
    assert!(
        matches!(&e, EvalError::CurrencyMix { rule, left, right, .. }
            if rule == "powertrain" && left == "EUR" && right == "USD"),
        "{e:?}"
    );
}

#[test]
fn a_bundle_without_the_product_names_the_root_and_the_policy() {
    let rs = rules(WARRANTIES);
    let b =
        json!({"claim": {"id": "C", "fault": "P0201", "repair_date": "2021-01-01", "odometer": 5}});
    let e = decide(&rs, "coverage", &b).unwrap_err();
    assert!(
        matches!(&e, EvalError::MissingRoot { root, rule, .. } if root == "product" && rule == "basic"),
        "{e:?}"
    );
}

#[test]
fn other_decisions_read_coverage() {
    let rs = rules(&format!(
        r#"{WARRANTIES}
        decision adjudicate {{
          output action: enum {{ accept, reject }} = accept
          output note: text = ""
          rule not_covered when not coverage.covered then action = reject
          rule short when has coverage.expires_on and coverage.expires_on < claim.repair_date + 30 days
            then note = "expires soon"
          rule reasons when len(coverage.reasons) == 2 and has coverage.amount
                            and coverage.amount > USD 100 and has coverage.pays and coverage.pays.labor < 100%
            then note = "powertrain pays part"
        }}"#
    ));
    let o = outputs(
        &rs,
        "adjudicate",
        &claim("original", "B1000", "2025-03-01", Some("1 mi"), json!({})),
    );
    assert_eq!(o["action"], "reject");
    let o = outputs(
        &rs,
        "adjudicate",
        &claim("original", "B1000", "2023-02-10", Some("1 mi"), json!({})),
    );
    assert_eq!(o, json!({"action": "accept", "note": "expires soon"}));
    let b = claim(
        "original",
        "P0201",
        "2024-01-10",
        Some("1 mi"),
        json!({"parts": "USD 500"}),
    );
    assert_eq!(
        outputs(&rs, "adjudicate", &b)["note"],
        "powertrain pays part"
    );
}

// ---------------------------------------------------------------------------------------
// recovery (§5.4)

const SPLITS: &str = r#"
split default "Manufacturer pays" { remainder oem }
split injectors "Injectors" {
  when has claim.causal_part and claim.causal_part matches /^INJ-/ and claim.fault in P0201..P0204
  party bosch pays parts 100%, labor 70%, handling 0% cap USD 1500
  remainder oem
}
split shared "Shared" {
  when claim.fault == P0700
  party acme pays parts 50%, labor 50%, handling 50%, sublet 50%
  party zf pays parts 25%, labor 25%, sublet 50% cap USD 100.005
  remainder dealer
}
"#;

fn recovery_claim(fault: &str, part: Option<&str>, costs: J) -> J {
    let mut c = json!({"id": "C", "fault": fault, "repair_date": "2026-01-10"});
    if let Some(p) = part {
        c["causal_part"] = json!(p);
    }
    for (k, v) in costs.as_object().into_iter().flatten() {
        c[k] = v.clone();
    }
    json!({"id": "R1", "claim": c})
}

fn alloc(party: &str, parts: &str, labor: &str, handling: &str, sublet: &str, total: &str) -> J {
    let m = |x: &str| J::String(format!("USD {x}"));
    json!({"party": party, "parts": m(parts), "labor": m(labor), "handling": m(handling),
           "sublet": m(sublet), "total": m(total)})
}

#[test]
fn the_first_matching_split_allocates_with_the_remainder_last() {
    let rs = rules(SPLITS);
    let b = recovery_claim(
        "P0202",
        Some("INJ-4471"),
        json!({
            "parts": "USD 412.80", "labor": "USD 180.00", "handling": "USD 25.00"
        }),
    );
    let j = decide(&rs, "recovery", &b).unwrap();
    assert_eq!(
        j,
        json!({
            "id": "R1", "decision": "recovery",
            "outputs": {
                "split": "injectors",
                "allocations": [
                    // labor: 180.00 × 70% = 126.00
                    alloc("bosch", "412.80", "126.00", "0.00", "0.00", "538.80"),
                    alloc("oem", "0.00", "54.00", "25.00", "0.00", "79.00"),
                ],
            },
            "rules": ["injectors"],
        })
    );
}

#[test]
fn a_cap_reduces_parts_first_and_the_remainder_gets_what_is_taken_off() {
    let rs = rules(SPLITS);
    // bosch: parts 1400.00 + labor 300 × 70% = 210.00 → 1610.00, 110.00 over the cap:
    // parts 1290.00, labor 210.00; oem gets the 110.00 of parts and 90.00 of labor
    let b = recovery_claim(
        "P0201",
        Some("INJ-1"),
        json!({"parts": "USD 1400", "labor": "USD 300"}),
    );
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"],
        json!([
            alloc("bosch", "1290.00", "210.00", "0.00", "0.00", "1500.00"),
            alloc("oem", "110.00", "90.00", "0.00", "0.00", "200.00"),
        ])
    );
    // over the cap by more than the parts: labor is reduced next
    let b = recovery_claim(
        "P0201",
        Some("INJ-1"),
        json!({"parts": "USD 100", "labor": "USD 3000"}),
    );
    // bosch: 100.00 + 2100.00 = 2200.00, 700.00 over: parts 0.00, labor 1500.00
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"],
        json!([
            alloc("bosch", "0.00", "1500.00", "0.00", "0.00", "1500.00"),
            alloc("oem", "100.00", "1500.00", "0.00", "0.00", "1600.00"),
        ])
    );
}

#[test]
fn shares_round_half_even_and_add_up_to_the_cent() {
    let rs = rules(SPLITS);
    // P0700: acme 50% of everything, zf 25% of parts and labor, 50% of sublet, capped at
    // 100.00 (USD 100.005 cut down to the cent)
    let b = recovery_claim(
        "P0700",
        None,
        json!({
            "parts": "USD 0.25", "labor": "USD 0.30", "handling": "USD 0.03", "sublet": "USD 0.01"
        }),
    );
    // parts 0.25: acme 0.125 → 0.12, zf 0.0625 → 0.06, dealer 0.07
    // labor 0.30: acme 0.15, zf 0.075 → 0.08 (half-even), dealer 0.07
    // handling 0.03: acme 0.015 → 0.02, dealer 0.01
    // sublet 0.01: acme 0.005 → 0.00, zf 0.005 → 0.00, dealer 0.01
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"],
        json!([
            alloc("acme", "0.12", "0.15", "0.02", "0.00", "0.29"),
            alloc("zf", "0.06", "0.08", "0.00", "0.00", "0.14"),
            alloc("dealer", "0.07", "0.07", "0.01", "0.01", "0.16"),
        ])
    );
    // the cap, cut down to 100.00; a component given with more digits than cents is
    // rounded first: sublet 1000.005 → 1000.00
    let b = recovery_claim("P0700", None, json!({"sublet": "USD 1000.005"}));
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"],
        json!([
            alloc("acme", "0.00", "0.00", "0.00", "500.00", "500.00"),
            alloc("zf", "0.00", "0.00", "0.00", "100.00", "100.00"),
            alloc("dealer", "0.00", "0.00", "0.00", "400.00", "400.00"),
        ])
    );
}

#[test]
fn default_is_the_fallback_wherever_it_is_declared_and_missing_costs_are_zero() {
    let rs = rules(SPLITS);
    // `split default` comes first in the file but is tried last
    let b = recovery_claim("P0300", None, json!({"labor": "USD 80"}));
    let j = decide(&rs, "recovery", &b).unwrap();
    assert_eq!(j["outputs"]["split"], "default");
    assert_eq!(j["rules"], json!(["default"]));
    assert_eq!(
        j["outputs"]["allocations"],
        json!([alloc("oem", "0.00", "80.00", "0.00", "0.00", "80.00")])
    );
    // an injector fault without a causal part is no injector split
    let b = recovery_claim("P0201", None, json!({}));
    assert_eq!(outputs(&rs, "recovery", &b)["split"], "default");
}

#[test]
fn without_default_a_claim_no_split_matches_is_a_no_match() {
    let rs = rules(r#"split only { when claim.fault == P0700 remainder oem }"#);
    let j = decide(&rs, "recovery", &recovery_claim("P0300", None, json!({}))).unwrap();
    assert_eq!(
        j,
        json!({"id": "R1", "decision": "recovery",
               "outputs": {"split": null, "allocations": []}, "rules": [], "no_match": true})
    );
}

#[test]
fn currencies_must_agree_between_components_and_caps() {
    let rs = rules(SPLITS);
    let b = recovery_claim(
        "P0202",
        Some("INJ-1"),
        json!({"parts": "USD 10", "labor": "EUR 10"}),
    );
    let e = decide(&rs, "recovery", &b).unwrap_err();
    assert_eq!(e.code(), "currency_mix");
    assert!(
        matches!(&e, EvalError::CurrencyMix { rule, .. } if rule == "injectors"),
        "{e:?}"
    );
    // a claim in EUR against a cap in USD
    let b = recovery_claim("P0202", Some("INJ-1"), json!({"parts": "EUR 10"}));
    let e = decide(&rs, "recovery", &b).unwrap_err();
    assert!(
        matches!(&e, EvalError::CurrencyMix { rule, left, right, .. }
            if rule == "injectors" && left == "EUR" && right == "USD"),
        "{e:?}"
    );
    // without a cap, any one currency goes, in its own minor unit
    let b = recovery_claim(
        "P0300",
        None,
        json!({"parts": "JPY 1500", "labor": "JPY 2.5"}),
    );
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"][0]["total"],
        "JPY 1502",
        "2.5 yen rounds half-even to 2"
    );
}

#[test]
fn caps_may_be_computed_and_credits_stay_with_the_remainder() {
    // the split's `when` guards its caps
    let rs = rules(
        r#"split half { when has claim.parts
                        party supplier pays parts 100%, labor 100% cap claim.parts * 50%
                        remainder oem }
           split default { party supplier pays labor 100%  remainder oem }"#,
    );
    // cap 100.00 of 200.00 parts + 50.00 labor = 250.00: parts cut by 150.00
    let b = recovery_claim(
        "P0300",
        None,
        json!({"parts": "USD 200", "labor": "USD 50"}),
    );
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"],
        json!([
            alloc("supplier", "50.00", "50.00", "0.00", "0.00", "100.00"),
            alloc("oem", "150.00", "0.00", "0.00", "0.00", "150.00"),
        ])
    );
    // a credit goes to the remainder
    let b = recovery_claim("P0300", None, json!({"labor": "USD -20"}));
    assert_eq!(
        outputs(&rs, "recovery", &b)["allocations"],
        json!([
            alloc("supplier", "0.00", "0.00", "0.00", "0.00", "0.00"),
            alloc("oem", "0.00", "-20.00", "0.00", "0.00", "-20.00"),
        ])
    );
}

// ---------------------------------------------------------------------------------------
// recalls (§5.8)

const RECALLS: &str = r#"
recall R24V123 "Charging control unit" {
  affects product.model in ["IONIQ 5", "IONIQ 6"]
          and has product.build_date and product.build_date in 2021-11-01..2023-03-15
  component "ICCU"  severity safety  remedy "Replace the ICCU" labor_op "36-1100"
  claim_type RC  announced 2024-12-05
}
recall "02V288000" "Every product of the model" { affects product.model == "IONIQ 6" }
recall campaign_all "No affects: every product" { severity quality }
"#;

fn product(model: &str, build: Option<&str>) -> J {
    let mut p = json!({"serial": "S", "model": model, "in_service_date": "2023-05-01", "owner": "original"});
    if let Some(b) = build {
        p["build_date"] = json!(b);
    }
    json!({"id": "P1", "product": p})
}

#[test]
fn recalls_lists_every_recall_that_affects_the_product_in_order() {
    let rs = rules(RECALLS);
    let j = decide(&rs, "recalls", &product("IONIQ 6", Some("2023-03-15"))).unwrap();
    assert_eq!(
        j,
        json!({"id": "P1", "decision": "recalls",
               "outputs": {"ids": ["R24V123", "02V288000", "campaign_all"], "any": true},
               "rules": ["R24V123", "02V288000", "campaign_all"]})
    );
    // built the day after the range, or with no build date: not R24V123
    let o = outputs(&rs, "recalls", &product("IONIQ 5", Some("2023-03-16")));
    assert_eq!(o, json!({"ids": ["campaign_all"], "any": true}));
    let o = outputs(&rs, "recalls", &product("IONIQ 5", None));
    assert_eq!(o["ids"], json!(["campaign_all"]));
    assert_eq!(
        outputs(&rs, "recalls", &product("IONIQ 5", Some("2021-11-01")))["ids"],
        json!(["R24V123", "campaign_all"])
    );
}

#[test]
fn no_recall_is_any_false_not_a_no_match() {
    let rs = rules(r#"recall R1 "r" { affects product.model == "KONA" }"#);
    let j = decide(&rs, "recalls", &product("IONIQ 5", None)).unwrap();
    assert_eq!(j["outputs"], json!({"ids": [], "any": false}));
    assert_eq!((j["rules"].clone(), j.get("no_match")), (json!([]), None));
}

#[test]
fn claims_test_for_an_open_recall_by_id_or_any() {
    let rs = rules(&format!(
        r#"{RECALLS}
        decision claim_kind {{
          output kind: enum {{ warranty, recall, campaign }} = warranty
          rule iccu when recalls.ids contains R24V123 then kind = recall
          rule nhtsa when recalls.ids contains "02V288000" then kind = campaign
        }}"#
    ));
    let kind = |model: &str, build: Option<&str>| {
        outputs(&rs, "claim_kind", &product(model, build))["kind"].clone()
    };
    assert_eq!(kind("IONIQ 5", Some("2022-01-01")), "recall");
    assert_eq!(kind("IONIQ 6", Some("2024-01-01")), "campaign");
    assert_eq!(kind("KONA", None), "warranty");
}

#[test]
fn a_recall_reading_an_absent_root_is_an_error_naming_it() {
    let rs = rules(RECALLS);
    let b = json!({"claim": {"id": "C", "fault": "P0300", "repair_date": "2026-01-01"}});
    let e = decide(&rs, "recalls", &b).unwrap_err();
    assert!(
        matches!(&e, EvalError::MissingRoot { root, rule, .. } if root == "product" && rule == "R24V123"),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------
// returns and disposition (§5.7): plain decisions

const RETURNS: &str = r#"
returns {
  rule doa when return.reason == DOA and days_between(return.delivered_on, context.today) <= 14
    then authorize replace
  rule remorse when return.condition == unopened and days_between(return.delivered_on, context.today) <= 30
    then authorize refund restocking 0%
  rule opened when return.condition == like_new and days_between(return.delivered_on, context.today) <= 30
    then authorize credit restocking 15%
  rule late_defect when return.reason == DEFECT then deny
  otherwise deny "Outside the return window"
}
disposition {
  rule cells when has return.product_category and return.product_category == "battery"
                  and return.condition == damaged then scrap
  rule defective when return.condition == defective then return_to_supplier
  rule resell when return.condition == unopened then restock
  rule refresh when return.condition == like_new then refurbish
  otherwise salvage
}
"#;

fn ret(reason: &str, condition: &str, delivered: &str, category: Option<&str>) -> J {
    let mut r =
        json!({"id": "RT1", "reason": reason, "condition": condition, "delivered_on": delivered});
    if let Some(c) = category {
        r["product_category"] = json!(c);
    }
    json!({"id": "RT1", "context": {"today": "2026-03-01"}, "return": r})
}

#[test]
fn returns_authorize_or_deny_and_record_the_reason_code() {
    let rs = rules(RETURNS);
    // delivered 2026-02-15: 14 days before 2026-03-01, the last day of the DOA window
    let j = decide(
        &rs,
        "return_authorization",
        &ret("DOA", "used", "2026-02-15", None),
    )
    .unwrap();
    assert_eq!(
        j,
        json!({"id": "RT1", "decision": "return_authorization",
               "outputs": {"decision": "authorize", "remedy": "replace", "restocking": "0%",
                           "reason": null, "return_reason": "DOA",
                           "refund": null, "restocking_fee": null},
               "rules": ["doa"]})
    );
    // 15 days: outside the DOA window; used, so no other rule: the window is closed
    let o = outputs(
        &rs,
        "return_authorization",
        &ret("DOA", "used", "2026-02-14", None),
    );
    assert_eq!(
        o,
        json!({"decision": "deny", "remedy": null, "restocking": null,
               "reason": "Outside the return window", "return_reason": "DOA",
               "refund": null, "restocking_fee": null})
    );
    let o = outputs(
        &rs,
        "return_authorization",
        &ret("REMORSE", "unopened", "2026-01-30", None),
    );
    assert_eq!(
        (&o["remedy"], &o["restocking"]),
        (&json!("refund"), &json!("0%"))
    );
    let o = outputs(
        &rs,
        "return_authorization",
        &ret("REMORSE", "like_new", "2026-02-20", None),
    );
    assert_eq!(
        (
            &o["decision"],
            &o["remedy"],
            &o["restocking"],
            &o["return_reason"]
        ),
        (
            &json!("authorize"),
            &json!("credit"),
            &json!("15%"),
            &json!("REMORSE")
        )
    );
    // `deny` without a reason
    let j = decide(
        &rs,
        "return_authorization",
        &ret("DEFECT", "used", "2025-01-01", None),
    )
    .unwrap();
    assert_eq!(j["outputs"]["decision"], "deny");
    assert_eq!(j["outputs"]["reason"], J::Null);
    assert_eq!(j["rules"], json!(["late_defect"]));
}

#[test]
fn dispositions_in_order() {
    let rs = rules(RETURNS);
    let d = |reason: &str, condition: &str, category: Option<&str>| {
        let j = decide(
            &rs,
            "disposition",
            &ret(reason, condition, "2026-02-01", category),
        )
        .unwrap();
        (
            j["outputs"]["disposition"].as_str().unwrap().to_string(),
            j["outputs"]["return_reason"].as_str().unwrap().to_string(),
            j["rules"].clone(),
        )
    };
    assert_eq!(
        d("DEFECT", "damaged", Some("battery")),
        ("scrap".into(), "DEFECT".into(), json!(["cells"]))
    );
    assert_eq!(d("DEFECT", "damaged", Some("audio")).0, "salvage");
    assert_eq!(
        d("DEFECT", "damaged", None),
        ("salvage".into(), "DEFECT".into(), json!([]))
    );
    assert_eq!(d("DOA", "defective", None).0, "return_to_supplier");
    assert_eq!(d("REMORSE", "unopened", None).0, "restock");
    assert_eq!(d("REMORSE", "like_new", None).0, "refurbish");
}

#[test]
fn returns_without_otherwise_can_be_a_no_match_and_need_the_date() {
    let rs = rules(
        r#"returns { rule doa when return.reason == DOA then authorize repair }
           decision refund_due {
             output due: bool = false
             rule r when has return_authorization.decision
                         and return_authorization.decision == authorize
                         and has return_authorization.restocking
                         and return_authorization.restocking < 10%
               then due = true
           }"#,
    );
    let j = decide(
        &rs,
        "return_authorization",
        &ret("REMORSE", "used", "2026-02-01", None),
    )
    .unwrap();
    assert_eq!(j["no_match"], true);
    assert_eq!(j["outputs"]["return_reason"], J::Null);
    assert_eq!(
        outputs(&rs, "refund_due", &ret("DOA", "used", "2026-02-01", None))["due"],
        true
    );
    assert_eq!(
        outputs(
            &rs,
            "refund_due",
            &ret("REMORSE", "used", "2026-02-01", None)
        )["due"],
        false
    );
    // a window needs context.today
    let rs = rules(RETURNS);
    let mut b = ret("DOA", "used", "2026-02-15", None);
    b.as_object_mut().unwrap().remove("context");
    let e = decide(&rs, "return_authorization", &b).unwrap_err();
    assert_eq!(
        (e.code(), e.path().as_deref()),
        ("missing_context", Some("context.today"))
    );
}

#[test]
fn with_otherwise_the_decision_and_reason_code_need_no_guard() {
    // `return_authorization.decision` is always set when `returns` has an `otherwise`;
    // without one it is optional and must be guarded (E0207)
    let reader = r#"decision d { output x: bool = false
        rule r when return_authorization.decision == deny and return_authorization.return_reason == DOA
          then x = true }"#;
    let rs = rules(&format!("{RETURNS}\n{reader}"));
    assert_eq!(
        outputs(&rs, "d", &ret("DOA", "used", "2025-01-01", None))["x"],
        true
    );
    let err = RuleSet::from_sources([(
        "t.rules".to_string(),
        format!("{CODES}\nreturns {{ rule r when return.reason == DOA then authorize refund }}\n{reader}"),
    )])
    .unwrap_err();
    assert_eq!(err.as_slice()[0].code.as_str(), "E0207", "{err}");
}

// ---------------------------------------------------------------------------------------
// segment (§5.6): a plain first-hit decision

const SEGMENTS: &str = r#"
calendar us_office { timezone "America/New_York"  hours mon..fri 08:00-18:00 }
segment platinum when has customer.lifetime_value and customer.lifetime_value >= USD 10000 {
  first_response 1h  resolve 1 business day  escalate_after 30 min
  channels [phone, chat, email]  calendar us_office
}
segment gold when has customer.tier and customer.tier == "gold" {
  first_response 4h  resolve 2 business days
}
segment standard otherwise { first_response 24h  resolve 5 business days  channels [email, web] }
"#;

fn customer(value: Option<&str>, tier: Option<&str>) -> J {
    let mut c = json!({"id": "K1"});
    if let Some(v) = value {
        c["lifetime_value"] = json!(v);
    }
    if let Some(t) = tier {
        c["tier"] = json!(t);
    }
    json!({"id": "K1", "customer": c})
}

#[test]
fn segments_are_tried_in_order_and_give_their_service_levels() {
    let rs = rules(SEGMENTS);
    let j = decide(&rs, "segment", &customer(Some("USD 10000"), Some("gold"))).unwrap();
    assert_eq!(
        j,
        json!({"id": "K1", "decision": "segment",
               "outputs": {"name": "platinum", "first_response": "1h", "resolve": "1 business day",
                           "escalate_after": "30 min", "channels": ["phone", "chat", "email"],
                           "calendar": "us_office", "channel_allowed": null},
               "rules": ["platinum"]})
    );
    let o = outputs(&rs, "segment", &customer(Some("USD 9999.99"), Some("gold")));
    assert_eq!(
        o,
        json!({"name": "gold", "first_response": "4h", "resolve": "2 business days",
               "escalate_after": null, "channels": null, "calendar": null,
               "channel_allowed": null})
    );
    let j = decide(&rs, "segment", &customer(None, None)).unwrap();
    assert_eq!(j["outputs"]["name"], "standard");
    assert_eq!(j["outputs"]["channels"], json!(["email", "web"]));
    assert_eq!(j["rules"], json!([]), "otherwise applied");
    let e = decide(&rs, "segment", &json!({"id": "X"})).unwrap_err();
    assert!(
        matches!(&e, EvalError::MissingRoot { root, rule, .. } if root == "customer" && rule == "platinum"),
        "{e:?}"
    );
}

#[test]
fn other_decisions_read_the_segment_and_its_business_time() {
    let rs = rules(&format!(
        r#"{SEGMENTS}
        decision callback {{
          output call: bool = false
          rule fast when segment.name != standard and has segment.resolve
                         and segment.resolve <= 1 business day
            then call = true
        }}"#
    ));
    let call = |v: Option<&str>| outputs(&rs, "callback", &customer(v, None))["call"].clone();
    assert_eq!(call(Some("USD 20000")), true);
    assert_eq!(call(None), false);
}

/// A customer of lifetime value `value` writing on `channel`.
fn customer_on(value: &str, channel: &str) -> J {
    json!({"id": "K", "customer": {"id": "C", "lifetime_value": value},
           "contact": {"id": "K", "kind": "complaint", "channel": channel, "text": "hi",
                       "received_at": "2026-03-02T10:00:00-05:00"}})
}

#[test]
fn segment_and_routing_say_whether_the_channel_is_offered_to_the_segment() {
    // platinum lists its channels, standard lists its own; chat is offered to platinum
    // and gold only (LANGUAGE.md §5.6); gold lists no channels: every channel but what
    // the channel items restrict
    let rs = rules(&format!(
        r#"{SEGMENTS}
        channel chat {{ segments [platinum, gold] }}
        channel social {{ segments [gold] }}
        queue care "Care" {{ calendar us_office }}
        queue vip_callback "VIP call-back" {{ calendar us_office }}
        route complaint {{
          rule wrong_channel when has segment.channel_allowed and not segment.channel_allowed
            then queue = vip_callback, priority = p2
          otherwise queue = care, priority = p3
        }}"#
    ));
    let allowed = |value: &str, channel: &str| {
        outputs(&rs, "segment", &customer_on(value, channel))["channel_allowed"].clone()
    };
    // platinum: phone, chat, email; chat also lists platinum
    assert_eq!(allowed("USD 20000", "phone"), true);
    assert_eq!(allowed("USD 20000", "chat"), true);
    assert_eq!(
        allowed("USD 20000", "web"),
        false,
        "platinum does not list web"
    );
    assert_eq!(
        allowed("USD 20000", "social"),
        false,
        "social lists gold only"
    );
    // standard: email, web; chat is not offered to it either way
    assert_eq!(allowed("USD 10", "web"), true);
    assert_eq!(allowed("USD 10", "chat"), false);
    assert_eq!(allowed("USD 10", "phone"), false);
    // gold lists no channels: only the channel items restrict it
    let gold = |channel: &str| {
        let mut b = customer_on("USD 10", channel);
        b["customer"]["tier"] = json!("gold");
        outputs(&rs, "segment", &b)["channel_allowed"].clone()
    };
    assert_eq!(gold("sms"), true);
    assert_eq!(gold("social"), true);
    assert_eq!(gold("chat"), true);
    // a segment decided for a customer alone: nothing to say about a channel
    assert_eq!(
        outputs(&rs, "segment", &customer(Some("USD 20000"), None))["channel_allowed"],
        J::Null
    );
    // the route reads it, and gives it
    let route = |value: &str, channel: &str| {
        let o = outputs(&rs, "complaint", &customer_on(value, channel));
        (o["queue"].clone(), o["channel_allowed"].clone())
    };
    assert_eq!(
        route("USD 20000", "web"),
        (json!("vip_callback"), json!(false))
    );
    assert_eq!(route("USD 20000", "chat"), (json!("care"), json!(true)));
    assert_eq!(
        outputs(&rs, "routing", &customer_on("USD 10", "chat"))["channel_allowed"],
        false
    );
}

#[test]
fn without_channel_lists_the_segment_keeps_the_outputs_it_had() {
    let rs = rules("segment everyone otherwise { first_response 8h }");
    let o = outputs(&rs, "segment", &customer(None, None));
    assert!(o.get("channel_allowed").is_none(), "{o}");
}

#[test]
fn a_segment_without_when_always_applies_and_one_otherwise_is_allowed() {
    let rs = rules(
        r#"segment vip when has customer.tier and customer.tier == "vip" { first_response 1h }
           segment everyone { first_response 8h }
           segment never otherwise { first_response 48h }"#,
    );
    let j = decide(&rs, "segment", &customer(None, None)).unwrap();
    assert_eq!(
        (&j["outputs"]["name"], &j["rules"]),
        (&json!("everyone"), &json!(["everyone"]))
    );
    let err = RuleSet::from_sources([(
        "t.rules".to_string(),
        "segment a otherwise { first_response 1h }\nsegment b otherwise { first_response 2h }"
            .to_string(),
    )])
    .unwrap_err();
    assert_eq!(err.as_slice()[0].code.as_str(), "E0103", "{err}");
    assert!(
        err.to_string().contains("second `otherwise` segment"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// reports and opportunities (§5.9)

const REPORTS: &str = r#"
extend product { market: enum { us, eu, other } }
report nhtsa_573 "NHTSA Part 573" {
  when recall_notice.severity == safety and product.market == us
  due 5 business days after recall_notice.determined_on calendar us_federal
}
report eu_gpsr "EU notification" {
  when product.market == eu
  due 30 days after recall_notice.determined_on
}
report quarterly "Quarterly summary" { due 2026-12-31 }
report annual "Annual review" { when recall_notice.severity == quality due 1 year after recall_notice.determined_on }
report note "A note without a deadline" { when recall_notice.severity == compliance }
"#;

fn notice(severity: &str, market: &str, determined: &str) -> J {
    json!({"id": "N1",
           "product": {"serial": "S", "model": "M", "in_service_date": "2023-01-01", "owner": "original", "market": market},
           "recall_notice": {"id": "N1", "severity": severity, "determined_on": determined}})
}

#[test]
fn reports_list_every_due_report_with_its_deadline() {
    let rs = rules(REPORTS);
    // Fri 2026-11-20 + 5 business days: 23, 24, 25, (26 is a holiday) 27, 30
    let j = decide(&rs, "reports", &notice("safety", "us", "2026-11-20")).unwrap();
    assert_eq!(
        j,
        json!({"id": "N1", "decision": "reports",
               "outputs": {"ids": ["nhtsa_573", "quarterly"], "any": true,
                           "id": ["nhtsa_573", "quarterly"],
                           "title": ["NHTSA Part 573", "Quarterly summary"],
                           "due": ["2026-11-30", "2026-12-31"],
                           "immediate": [false, false], "calendar": ["us_federal"]},
               "rules": ["nhtsa_573", "quarterly"]})
    );
    // a Saturday: the first business day strictly after is Monday
    assert_eq!(
        outputs(&rs, "reports", &notice("safety", "us", "2026-12-19"))["due"],
        json!(["2026-12-28", "2026-12-31"]),
        "21, 22, 23, 24, (25) 28"
    );
    // exact days, and calendar years (clamped at the end of February)
    assert_eq!(
        outputs(&rs, "reports", &notice("safety", "eu", "2026-01-15"))["due"],
        json!(["2026-02-14", "2026-12-31"])
    );
    assert_eq!(
        outputs(&rs, "reports", &notice("quality", "other", "2028-02-29"))["due"],
        json!(["2026-12-31", "2029-02-28"])
    );
    // a report without a deadline is listed, and adds no date
    let o = outputs(&rs, "reports", &notice("compliance", "other", "2026-01-15"));
    assert_eq!(
        o,
        json!({"ids": ["quarterly", "note"], "any": true, "id": ["quarterly", "note"],
               "title": ["Quarterly summary", "A note without a deadline"],
               "due": ["2026-12-31"], "immediate": [false, false], "calendar": []})
    );
}

const DEADLINES: &str = r#"
extend recall_notice { determined_at: datetime? }
calendar ny extends us_federal { hours mon..fri 09:00-17:00 }
report by_day "Days" { due 5 business days after recall_notice.determined_on calendar ny }
report at_once "At once" { due immediately after recall_notice.determined_on }
report hours_after "Hours" { when has recall_notice.determined_at due 24 hours after recall_notice.determined_at }
report work_hours "Work hours" { when has recall_notice.determined_at
  due 4 business hours after recall_notice.determined_at calendar ny }
report quarter "Quarter" { due 60 days after end_of_quarter(recall_notice.determined_on) roll forward calendar ny }
report month_end "Month end" { due end_of_month(recall_notice.determined_on) }
report year_end "Year end" { due end_of_year(recall_notice.determined_on) roll forward calendar ny }
"#;

#[test]
fn deadlines_are_dates_or_instants_and_roll_forward() {
    let rs = rules(DEADLINES);
    let b = |on: &str, at: Option<&str>| {
        let mut n = json!({"id": "N", "severity": "safety", "determined_on": on});
        if let Some(at) = at {
            n["determined_at"] = json!(at);
        }
        json!({"recall_notice": n})
    };
    // Friday 2026-12-18 at 15:00 New York
    let o = outputs(
        &rs,
        "reports",
        &b("2026-12-18", Some("2026-12-18T15:00:00-05:00")),
    );
    assert_eq!(
        o["id"],
        json!([
            "by_day",
            "at_once",
            "hours_after",
            "work_hours",
            "quarter",
            "month_end",
            "year_end"
        ])
    );
    assert_eq!(
        o["due"],
        json!([
            "2026-12-28",                // 21, 22, 23, 24, (25 Christmas) 28
            "2026-12-18",                // immediately: the day itself
            "2026-12-19T20:00:00+00:00", // 24 exact hours; no calendar: UTC
            "2026-12-21T11:00:00-05:00", // 2 open hours on Friday, 2 on Monday from 09:00
            "2027-03-01",                // 60 days after 2026-12-31 is Monday March 1
            "2026-12-31",
            "2026-12-31" // Thursday: a business day, no roll
        ])
    );
    assert_eq!(
        o["immediate"],
        json!([false, true, false, false, false, false, false])
    );
    // a date with hours: from the first instant of the day
    let o = outputs(&rs, "reports", &b("2027-06-30", None));
    assert_eq!(
        o["id"],
        json!(["by_day", "at_once", "quarter", "month_end", "year_end"])
    );
    // 60 days after 2027-06-30 is Sunday 08-29: Monday 08-30; 2027-12-31 is a Friday holiday (New Year
    // 2028 observed): rolls to Monday 2028-01-03
    assert_eq!(
        o["due"],
        json!([
            "2027-07-08",
            "2027-06-30",
            "2027-08-30",
            "2027-06-30",
            "2028-01-03"
        ]),
        "by_day: (Jul 1, 2, Jul 5 observed for the 4th) 6, 7, 8 … "
    );
}

#[test]
fn end_of_period_functions_give_the_last_day() {
    let rs = rules(
        r#"decision ends { output m: date? output q: date? output y: date?
             rule r when has recall_notice.determined_on
               then m = end_of_month(recall_notice.determined_on),
                    q = end_of_quarter(recall_notice.determined_on),
                    y = end_of_year(recall_notice.determined_on) }"#,
    );
    for (on, m, q, y) in [
        ("2024-02-10", "2024-02-29", "2024-03-31", "2024-12-31"),
        ("2026-02-10", "2026-02-28", "2026-03-31", "2026-12-31"),
        ("2026-04-01", "2026-04-30", "2026-06-30", "2026-12-31"),
        ("2026-09-30", "2026-09-30", "2026-09-30", "2026-12-31"),
        ("2026-12-31", "2026-12-31", "2026-12-31", "2026-12-31"),
        ("2026-11-15", "2026-11-30", "2026-12-31", "2026-12-31"),
    ] {
        let o = outputs(
            &rs,
            "ends",
            &json!({"recall_notice": {"id": "N", "severity": "safety", "determined_on": on}}),
        );
        assert_eq!(
            (o["m"].as_str(), o["q"].as_str(), o["y"].as_str()),
            (Some(m), Some(q), Some(y)),
            "{on}"
        );
    }
}

#[test]
fn business_time_without_a_calendar_is_an_error_naming_the_report() {
    let rs = rules(r#"report r "r" { due 2 business days after recall_notice.determined_on }"#);
    let b =
        json!({"recall_notice": {"id": "N", "severity": "safety", "determined_on": "2026-01-05"}});
    let e = decide(&rs, "reports", &b).unwrap_err();
    assert!(
        matches!(&e, EvalError::NeedsCalendar { rule, .. } if rule == "r"),
        "{e:?}"
    );
    assert_eq!(e.code(), "needs_calendar");
}

const OPPORTUNITIES: &str = r#"
warranty basic "Basic" { term 36 months covers all }
segment platinum when has customer.lifetime_value and customer.lifetime_value >= USD 10000 { first_response 1h }
segment standard otherwise { first_response 24h }
opportunity extended_warranty "Offer extended warranty" {
  when has coverage.expires_on and coverage.expires_on - context.today <= 90 days
       and segment.name != standard
  team aftermarket_sales  value USD 400
}
opportunity accessories "Accessories" {
  when has claim.parts and claim.parts > USD 1000
  team parts_sales  value claim.parts * 10%
}
opportunity survey "Satisfaction survey" { team care }
"#;

fn shopper(value: Option<&str>, in_service: &str, parts: Option<&str>) -> J {
    let mut c = json!({"id": "C", "fault": "P0300", "repair_date": "2026-02-20"});
    if let Some(p) = parts {
        c["parts"] = json!(p);
    }
    let mut k = json!({"id": "K"});
    if let Some(v) = value {
        k["lifetime_value"] = json!(v);
    }
    json!({"id": "O1", "context": {"today": "2026-03-01"}, "customer": k, "claim": c,
           "product": {"serial": "S", "model": "M", "in_service_date": in_service, "owner": "original"}})
}

#[test]
fn opportunities_list_team_and_value_of_each_that_applies() {
    let rs = rules(OPPORTUNITIES);
    // in service 2023-05-30: basic expires 2026-05-29, 89 days after 2026-03-01
    let j = decide(
        &rs,
        "opportunities",
        &shopper(Some("USD 10000"), "2023-05-30", Some("USD 1200")),
    )
    .unwrap();
    assert_eq!(
        j,
        json!({"id": "O1", "decision": "opportunities",
               "outputs": {"ids": ["extended_warranty", "accessories", "survey"], "any": true,
                           "team": ["aftermarket_sales", "parts_sales", "care"],
                           "value": ["USD 400.00", "USD 120.00"]},
               "rules": ["extended_warranty", "accessories", "survey"]})
    );
    // 2023-06-01: 92 days to go; a standard customer; no parts
    let o = outputs(
        &rs,
        "opportunities",
        &shopper(Some("USD 10000"), "2023-06-01", None),
    );
    assert_eq!(
        o,
        json!({"ids": ["survey"], "any": true, "team": ["care"], "value": []})
    );
    let o = outputs(&rs, "opportunities", &shopper(None, "2023-05-30", None));
    assert_eq!(o["ids"], json!(["survey"]));
}

// ---------------------------------------------------------------------------------------
// routes: skills, service levels from the segment, due instants (§5.5, §5.6)

const ROUTES: &str = r#"
codes complaint_category "c" { SAFETY "safety" {}  BILLING "billing" {} }
calendar office { timezone "America/New_York"  hours mon..fri 08:00-12:00, 13:00-18:00  holidays [2026-03-10] }
calendar chat_hours { timezone "Europe/Berlin"  hours mon..sun 00:00-24:00 }
queue safety_desk "Safety" { calendar office  skills [safety, triage] }
queue general "General" { skills [general] }
segment platinum when has customer.lifetime_value and customer.lifetime_value >= USD 10000 {
  first_response 1h  resolve 1 business day  calendar office
}
segment standard otherwise { first_response 24h  resolve 3 business days  escalate_after 2 business hours }
channel chat { calendar chat_hours }
route complaint {
  rule safety when has contact.category and contact.category == SAFETY
    then queue = safety_desk, priority = p1, first_response = 4 business hours, escalate_after = 2h,
         skills = [safety]
  otherwise queue = general, priority = p3
}
route inquiry { rule never when contact.text == "never" then queue = general }
"#;

fn contact(kind: &str, channel: &str, category: Option<&str>, at: &str, value: Option<&str>) -> J {
    let mut c =
        json!({"id": "K", "kind": kind, "channel": channel, "text": "hello", "received_at": at});
    if let Some(cat) = category {
        c["category"] = json!(cat);
    }
    let mut k = json!({"id": "CU"});
    if let Some(v) = value {
        k["lifetime_value"] = json!(v);
    }
    json!({"id": "K", "contact": c, "customer": k})
}

#[test]
fn a_route_gives_due_instants_on_the_queues_calendar() {
    let rs = rules(ROUTES);
    // Mon 2026-03-09 17:00 New York: 4 business hours = 1 h Monday, Tuesday is a holiday,
    // then 3 h on Wednesday from 08:00 → 11:00; resolve (platinum) 1 business day →
    // Wednesday 17:00; escalate after 2 exact hours → 19:00
    let b = contact(
        "complaint",
        "phone",
        Some("SAFETY"),
        "2026-03-09T17:00:00-04:00",
        Some("USD 50000"),
    );
    let j = decide(&rs, "complaint", &b).unwrap();
    assert_eq!(
        j["outputs"],
        json!({"queue": "safety_desk", "priority": "p1", "skills": ["safety"],
               "first_response": "4 business hours", "resolve": "1 business day",
               "escalate_after": "2h", "escalate_to": null, "flags": null,
               "first_response_due": "2026-03-11T11:00:00-04:00",
               "resolve_due": "2026-03-11T17:00:00-04:00",
               "escalate_at": "2026-03-09T19:00:00-04:00"})
    );
    assert_eq!(j["rules"], json!(["safety"]));
    // `routing` picks the route by contact.kind and gives the same
    let r = decide(&rs, "routing", &b).unwrap();
    assert_eq!(
        (&r["outputs"], &r["rules"]),
        (&j["outputs"], &json!(["complaint"]))
    );
}

#[test]
fn service_levels_not_given_come_from_the_segment_and_skills_from_the_queue() {
    let rs = rules(ROUTES);
    // a standard customer: first response 24 h exact, resolve 3 business days and
    // escalation 2 business hours; the general queue has no calendar, the standard segment
    // neither, the phone channel neither
    let b = contact(
        "complaint",
        "phone",
        None,
        "2026-03-06T10:00:00-05:00",
        None,
    );
    let e = decide(&rs, "complaint", &b).unwrap_err();
    assert!(
        matches!(&e, EvalError::NeedsCalendar { rule, .. } if rule == "complaint"),
        "{e:?}"
    );
    // by chat: the channel's calendar, open all day every day in Berlin
    let b = contact("complaint", "chat", None, "2026-03-06T10:00:00-05:00", None);
    let o = outputs(&rs, "complaint", &b);
    assert_eq!(
        o,
        json!({"queue": "general", "priority": "p3", "skills": ["general"],
               "first_response": "24h", "resolve": "3 business days",
               "escalate_after": "2 business hours", "escalate_to": null, "flags": null,
               "first_response_due": "2026-03-07T10:00:00-05:00",
               // 16:00 in Berlin, three days later
               "resolve_due": "2026-03-09T16:00:00+01:00",
               "escalate_at": "2026-03-06T18:00:00+01:00"})
    );
    // a platinum customer: the segment's calendar
    let b = contact(
        "complaint",
        "phone",
        None,
        "2026-03-06T17:30:00-05:00",
        Some("USD 10000"),
    );
    let o = outputs(&rs, "complaint", &b);
    assert_eq!(
        (&o["first_response_due"], &o["resolve_due"]),
        (
            &json!("2026-03-06T18:30:00-05:00"),
            &json!("2026-03-09T17:30:00-04:00")
        )
    );
}

#[test]
fn a_route_that_matches_nothing_is_a_no_match_without_due_instants() {
    let rs = rules(ROUTES);
    let b = contact("inquiry", "phone", None, "2026-03-06T10:00:00-05:00", None);
    let j = decide(&rs, "inquiry", &b).unwrap();
    assert_eq!(j["no_match"], true);
    assert!(
        j["outputs"].as_object().unwrap().values().all(J::is_null),
        "{j}"
    );
    let r = decide(&rs, "routing", &b).unwrap();
    assert_eq!(r["outputs"]["queue"], J::Null);
}

// ---------------------------------------------------------------------------------------
// what the lowering checks

/// The codes of the diagnostics of a rule set that does not load.
fn errors(src: &str) -> Vec<(String, String)> {
    let err = RuleSet::from_sources([("t.rules".to_string(), format!("{CODES}\n{src}"))])
        .expect_err("does not load");
    err.as_slice()
        .iter()
        .map(|d| (d.code.as_str().to_string(), d.message.clone()))
        .collect()
}

#[test]
fn shares_are_constant_percentages_named_once_and_at_most_100_percent_together() {
    let e = errors(r#"warranty w { term 1 year covers all pays labor 10% + 5% }"#);
    assert_eq!(e[0].0, "E0206", "{e:?}");
    assert!(
        e[0].1.contains("must be a percentage such as `70%`"),
        "{e:?}"
    );
    let e = errors(r#"split s { party a pays parts 10%, parts 20% remainder b }"#);
    assert_eq!(
        e,
        [("E0103".into(), "the share of `parts` is given twice".into())]
    );
    let e = errors(r#"split s { party a pays parts 60% party b pays parts 50% remainder c }"#);
    assert_eq!(
        e,
        [(
            "E0215".into(),
            "the parties of split `s` pay 110% of `parts` together".into()
        )]
    );
    let e = errors(r#"warranty w { term 1 year covers all pays parts 120% }"#);
    assert_eq!(e[0].0, "E0215", "{e:?}");
}

#[test]
fn a_term_counts_from_a_date_and_clauses_are_typed() {
    let e = errors(r#"warranty w { term 1 year from claim.odometer covers all }"#);
    assert_eq!(
        e,
        [(
            "E0206".into(),
            "`from` expects a date, found distance".into()
        )]
    );
    let e = errors(r#"warranty w { term 0 months covers all }"#);
    assert_eq!(e[0].0, "E0216");
    let e = errors(r#"warranty w { term 2 business days covers all }"#);
    assert_eq!(e[0].0, "E0206", "{e:?}");
    let e = errors(r#"split s { party a pays parts 10% cap 5 remainder b }"#);
    assert_eq!(e[0].0, "E0206", "{e:?}");
    let e = errors(
        r#"report r { due 2 business days after recall_notice.determined_on calendar nowhere }"#,
    );
    assert_eq!(e[0].0, "E0201", "{e:?}");
    // what a warranty's `when` establishes guards its later clauses; without it, E0207
    let e = errors(r#"warranty w { term 1 year covers claim.labor_hours > 2 }"#);
    assert_eq!(e[0].0, "E0207", "{e:?}");
    let ok = rules(
        r#"warranty w { when has claim.labor_hours term 1 year covers claim.labor_hours > 2 }"#,
    );
    assert!(ok.has_decision("coverage"));
}

#[test]
fn the_record_types_of_outputs_are_no_roots_of_the_facts() {
    let rs = rules(WARRANTIES);
    let e = Facts::from_json_str(rs.env(), r#"{"coverage.reason": {}}"#).unwrap_err();
    assert_eq!(e.as_slice()[0].code(), "unknown_root", "{e}");
    assert!(!e.to_string().contains("coverage.reason`?"), "{e}");
}

// ---------------------------------------------------------------------------------------
// engine and reference on generated warranties and claims

use proptest::prelude::*;

/// One generated warranty: months, a distance limit, who is eligible, what is excluded,
/// a deductible and the shares it pays.
#[derive(Debug, Clone)]
struct Policy {
    months: u32,
    miles: Option<u32>,
    original_only: bool,
    excluded: Option<&'static str>,
    deductible: Option<u32>,
    pays: [u32; 4],
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        1u32..120,
        prop::option::of(1u32..200_000),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            "engine",
            "emissions",
            "electrical",
        ])),
        prop::option::of(0u32..50_000),
        [0u32..=100, 0u32..=100, 0u32..=100, 0u32..=100],
    )
        .prop_map(
            |(months, miles, original_only, excluded, deductible, pays)| Policy {
                months,
                miles,
                original_only,
                excluded,
                deductible,
                pays,
            },
        )
}

fn warranty_text(i: usize, p: &Policy) -> String {
    let mut t = format!("warranty w{i} \"W{i}\" {{\n");
    if p.original_only {
        t.push_str("  when product.owner == original\n");
    }
    match p.miles {
        Some(m) => t.push_str(&format!("  term {} months or {m} mi\n", p.months)),
        None => t.push_str(&format!("  term {} months\n", p.months)),
    }
    t.push_str("  covers all\n");
    if let Some(x) = p.excluded {
        t.push_str(&format!("  excludes claim.fault.system == {x}\n"));
    }
    if let Some(d) = p.deductible {
        t.push_str(&format!("  deductible USD {}.{:02}\n", d / 100, d % 100));
    }
    let [a, b, c, d] = p.pays;
    t.push_str(&format!(
        "  pays parts {a}%, labor {b}%, handling {c}%, sublet {d}%\n}}\n"
    ));
    t
}

/// A claim: owner, fault, repair day (days after 2020-01-01), odometer, four costs in
/// cents (any of them absent).
type Claim = (bool, &'static str, u32, Option<u32>, [Option<u32>; 4]);

fn a_claim() -> impl Strategy<Value = Claim> {
    (
        any::<bool>(),
        prop::sample::select(vec!["P0300", "P0420", "P0A80", "B1000", "P0700"]),
        0u32..4000,
        prop::option::of(0u32..250_000),
        [
            prop::option::of(0u32..500_000),
            prop::option::of(0u32..500_000),
            prop::option::of(0u32..50_000),
            prop::option::of(0u32..50_000),
        ],
    )
}

fn claim_bundle(c: &Claim) -> J {
    let (original, fault, day, odometer, costs) = c;
    let repair =
        chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(*day));
    let mut claim = json!({"id": "C", "fault": fault, "repair_date": repair.to_string()});
    if let Some(o) = odometer {
        claim["odometer"] = json!(format!("{o} mi"));
    }
    for (name, cents) in ["parts", "labor", "handling", "sublet"].iter().zip(costs) {
        if let Some(x) = cents {
            claim[*name] = json!(format!("USD {}.{:02}", x / 100, x % 100));
        }
    }
    json!({
        "id": "B",
        "product": {"serial": "S", "model": "M", "in_service_date": "2019-06-15",
                    "owner": if *original { "original" } else { "subsequent" }},
        "claim": claim,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// On generated warranties and claims, the engine's coverage is the reference's:
    /// the covering policy, each reason, the end of the term and the amount to the cent.
    #[test]
    fn coverage_by_the_engine_is_the_references(
        policies in prop::collection::vec(policy(), 1..4),
        claims in prop::collection::vec(a_claim(), 1..8),
    ) {
        let text: String = policies.iter().enumerate().map(|(i, p)| warranty_text(i, p)).collect();
        let rs = rules(&text);
        for c in &claims {
            // `decide` asserts that the engine and the reference agree; the one error
            // these claims can give is a distance term without an odometer
            match decide(&rs, "coverage", &claim_bundle(c)) {
                Ok(_) => {}
                Err(EvalError::MissingField { path, .. }) if path == "claim.odometer" => {
                    prop_assert!(c.3.is_none());
                }
                Err(e) => prop_assert!(false, "{text}\n{e}"),
            }
        }
    }
}

/// A generated recall: which models it affects, a build-date window (or none), and
/// whether it leaves `affects` out (every product).
#[derive(Debug, Clone)]
struct Recall {
    models: Vec<&'static str>,
    window: Option<(u32, u32)>,
    all: bool,
}

fn recall() -> impl Strategy<Value = Recall> {
    (
        prop::collection::vec(prop::sample::select(vec!["A1", "B2", "C3", "D4"]), 1..3),
        prop::option::of((0u32..1500, 0u32..800)),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(models, window, all)| Recall {
            models,
            window: window.map(|(a, len)| (a, a + len)),
            all,
        })
}

fn day(n: u32) -> String {
    (chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(n)))
        .to_string()
}

fn recall_text(i: usize, r: &Recall) -> String {
    if r.all {
        return format!("recall rc{i} \"R{i}\" {{ severity quality }}\n");
    }
    let models: Vec<String> = r.models.iter().map(|m| format!("\"{m}\"")).collect();
    let mut affects = format!("product.model in [{}]", models.join(", "));
    if let Some((a, b)) = r.window {
        affects += &format!(
            " and has product.build_date and product.build_date in {}..{}",
            day(a),
            day(b)
        );
    }
    format!("recall rc{i} \"R{i}\" {{ affects {affects} }}\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// On generated recalls and products, the engine's compiled `affects` clauses give the
    /// reference's open recalls, in order; a product without a build date is never in a
    /// dated window.
    #[test]
    fn recalls_by_the_engine_are_the_references(
        recalls in prop::collection::vec(recall(), 1..12),
        products in prop::collection::vec(
            (prop::sample::select(vec!["A1", "B2", "C3", "D4", "E5"]), prop::option::of(0u32..2400)),
            1..10,
        ),
    ) {
        let text: String = recalls.iter().enumerate().map(|(i, r)| recall_text(i, r)).collect();
        let rs = rules(&text);
        for (model, build) in &products {
            let mut p = json!({"serial": "S", "model": model, "in_service_date": "2023-05-01", "owner": "original"});
            if let Some(b) = build {
                p["build_date"] = json!(day(*b));
            }
            // `decide` asserts that the engine and the reference agree
            let got = decide(&rs, "recalls", &json!({"id": "P", "product": p}));
            prop_assert!(got.is_ok(), "{text}\n{got:?}");
        }
    }
}

const REFUNDS: &str = r#"
codes return_reason "r" { REMORSE "Changed mind" {} }
returns {
  rule pct when has return.product_category and return.product_category == "x"
    then authorize refund restocking 12.5%
  rule credit when has return.product_category and return.product_category == "c"
    then authorize credit restocking 7%
  rule fixed when has return.product_category and return.product_category == "f"
    then authorize refund restocking 0%
  otherwise authorize refund restocking 15%
}
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A refund and its restocking fee add up to the value to the smallest unit of its
    /// currency, the refund is in that unit, and the engine agrees with the reference.
    #[test]
    fn refund_and_fee_add_up_to_the_value_to_the_cent(
        cents in 0i64..100_000_000,
        currency in prop_oneof![Just("USD"), Just("JPY"), Just("KWD"), Just("EUR")],
        category in prop_oneof![Just("x"), Just("c"), Just("f"), Just("other")],
    ) {
        let rs = refund_rules();
        let places = match currency { "JPY" => 0, "KWD" => 3, _ => 2 };
        let value = rust_decimal::Decimal::new(cents, places);
        let bundle = json!({"id": "R", "return": {"id": "R", "reason": "REMORSE", "condition": "used",
            "delivered_on": "2026-01-01", "product_category": category,
            "value": format!("{currency} {value}")}});
        // `decide` holds the engine to the reference
        let o = outputs(rs, "return_authorization", &bundle);
        let money = |j: &J| -> rust_decimal::Decimal {
            let s = j.as_str().unwrap_or_else(|| panic!("money: {j}"));
            let (c, a) = s.split_once(' ').expect("CUR amount");
            assert_eq!(c, currency);
            a.parse().expect("amount")
        };
        let (back, fee) = (money(&o["refund"]), money(&o["restocking_fee"]));
        prop_assert_eq!(back + fee, value);
        prop_assert!(back.scale() <= places && fee.scale() <= places, "{back} {fee}");
        let share = match category { "x" => "0.125", "c" => "0.07", "f" => "0", _ => "0.15" };
        let exact = value * (rust_decimal::Decimal::ONE - share.parse::<rust_decimal::Decimal>().expect("share"));
        let unit = rust_decimal::Decimal::new(1, places);
        prop_assert!((back - exact).abs() * rust_decimal::Decimal::TWO <= unit, "{back} vs {exact}");
    }
}

fn refund_rules() -> &'static RuleSet {
    static RS: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RS.get_or_init(|| {
        RuleSet::from_sources([("t.rules".to_string(), REFUNDS.to_string())])
            .unwrap_or_else(|e| panic!("{e}"))
    })
}
