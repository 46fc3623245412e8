//! Fact bundles (issue #3 item 5): JSON, YAML and `Serialize` values validated against
//! the rule set's schemas, every problem at once with its code, path and message.

use aftersales::facts::{FactErrorKind, FactErrors, Facts};
use aftersales::json::Json;
use aftersales::types::{Env, SchemaId};
use aftersales::value::{Currency, Distance, DistanceUnit, Duration, Money, TimeUnit, Value};
use chrono::{DateTime, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

/// A rule set with units, codes, extensions of every kind, a nested record, a recursive
/// schema and an open schema.
const RULES: &str = r#"
units { currency USD distance mi }
codes fault "Faults" { P0300 "Random misfire" {} P0301 "Misfire, cylinder 1" {} P0302 "Misfire, cylinder 2" {} }
codes claim_type "Claim types" { WR "Warranty repair" {} GW "Goodwill" {} }
schema note { author: text, at: datetime? }
schema node { next: node? }
schema telemetry open { vin: text, speed: decimal? }
extend claim { tags: set of text?, share: percent?, downtime: duration?, note: note?, flagged: bool?, visits: int? }
extend contact { tags: set of text? }
schema sample {
  b: bool
  i: int
  d: decimal
  p: percent
  m: money
  t: text
  day: date
  at: datetime
  du: duration
  di: distance
  e: enum { red, green, blue }
  c: code fault
  tags: set of text
  sub: note?
  opt: int?
}
"#;

fn env_of(rules: &str) -> Env {
    let (_, env, diags) =
        aftersales::load::check_sources([("a.rules".to_string(), rules.to_string())]);
    assert!(!diags.has_errors(), "{:?}", diags.as_slice());
    env
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| env_of(RULES))
}

/// The same without `units` and with few codes.
fn bare_env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| env_of("codes fault \"Faults\" { P0301 \"Misfire\" {} }"))
}

fn sid(env: &Env, name: &str) -> SchemaId {
    env.schema_id(name).unwrap()
}

fn field<'f>(env: &Env, f: &'f Facts, root: &str, name: &str) -> Option<&'f Value> {
    let s = sid(env, root);
    f.get(s, env.schema(s).field_index(name).unwrap())
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn claim(extra: serde_json::Value) -> serde_json::Value {
    let mut c = json!({"id": "C1", "fault": "P0301", "repair_date": "2026-02-20"});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    json!({ "claim": c })
}

fn errors(env: &Env, v: &serde_json::Value) -> FactErrors {
    match Facts::from_json(env, v) {
        Ok(f) => panic!("expected errors, got {f:?}"),
        Err(e) => e,
    }
}

/// The one error of a bundle: (code, path, message).
fn one_error(env: &Env, v: &serde_json::Value) -> (String, String, String) {
    let e = errors(env, v);
    assert_eq!(e.len(), 1, "{e}");
    let e = &e.as_slice()[0];
    (e.code().to_string(), e.path.clone(), e.message.clone())
}

#[test]
fn a_valid_claim_bundle() {
    let env = env();
    let v = json!({
        "id": "B1",
        "context": {"today": "2026-03-01", "now": "2026-03-01T09:30:00+01:00"},
        "product": {"serial": "KM8K1", "model": "IONIQ 5", "in_service_date": "2023-02-01", "owner": "original", "model_year": 2023},
        "claim": {"id": "C1", "claim_type": "WR", "fault": "P0301", "repair_date": "2026-02-20",
                  "odometer": "41000 mi", "labor_hours": 1.5, "parts": "USD 120.50", "labor": 80,
                  "tags": ["urgent", "repeat"], "share": "70%", "downtime": "3 days",
                  "note": {"author": "ana"}, "flagged": false, "visits": 2, "dealer": null}
    });
    let f = Facts::from_json(env, &v).unwrap();
    assert_eq!(f.id(), Some("B1"));
    assert_eq!(f.today(), NaiveDate::from_ymd_opt(2026, 3, 1));
    assert_eq!(
        f.now(),
        Some(DateTime::parse_from_rfc3339("2026-03-01T09:30:00+01:00").unwrap())
    );
    assert!(f.bundle_gave_today() && f.bundle_gave_now());
    let c = |n| field(env, &f, "claim", n);
    assert_eq!(c("id"), Some(&Value::Text(Arc::from("C1"))));
    assert_eq!(c("claim_type"), Some(&Value::Code(0)));
    assert_eq!(c("fault"), Some(&Value::Code(1)));
    assert_eq!(
        c("repair_date"),
        Some(&Value::Date(NaiveDate::from_ymd_opt(2026, 2, 20).unwrap()))
    );
    assert_eq!(c("labor_hours"), Some(&Value::Decimal(dec("1.5"))));
    assert_eq!(c("share"), Some(&Value::Percent(dec("0.7"))));
    assert_eq!(
        c("downtime"),
        Some(&Value::Duration(Duration::Exact(
            dec("259200"),
            TimeUnit::Day
        )))
    );
    assert_eq!(c("flagged"), Some(&Value::Bool(false)));
    assert_eq!(c("visits"), Some(&Value::Int(2)));
    assert_eq!(c("dealer"), None, "null is absent");
    assert_eq!(c("supplier"), None);
    let Some(Value::Set(tags)) = c("tags") else {
        panic!()
    };
    assert_eq!(tags.len(), 2);
    let Some(Value::Record(note)) = c("note") else {
        panic!()
    };
    assert_eq!(note[0], Some(Value::Text(Arc::from("ana"))));
    assert_eq!(note[1], None);
    assert_eq!(
        field(env, &f, "product", "owner"),
        Some(&Value::Enum(0)),
        "variants by index"
    );
    // roots in schema order, fields in schema order, absent roots absent
    let claim_root = f.root(sid(env, "claim")).unwrap();
    assert_eq!(claim_root.len(), env.schema(sid(env, "claim")).fields.len());
    assert!(f.root(sid(env, "customer")).is_none());
    let present: Vec<&str> = f
        .roots()
        .map(|(s, _)| env.schema(s).name.as_str())
        .collect();
    assert_eq!(present, ["context", "product", "claim"]);
    // the context is a root like the others
    assert_eq!(
        field(env, &f, "context", "today"),
        Some(&Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()))
    );
}

#[test]
fn each_kind_of_problem() {
    let env = env();
    // (bundle, code, path, part of the message)
    let cases: Vec<(serde_json::Value, &str, &str, &str)> = vec![
        (
            claim(json!({"odometer": true})),
            "wrong_type",
            "claim.odometer",
            r#"expected a distance such as "41000 mi", found true"#,
        ),
        (
            json!([1, 2]),
            "wrong_type",
            "",
            "expected an object whose keys are roots",
        ),
        (
            json!({"claim": "C1"}),
            "wrong_type",
            "claim",
            "expected an object (a `claim` record), found \"C1\"",
        ),
        (
            claim(json!({"tags": "urgent"})),
            "wrong_type",
            "claim.tags",
            "expected an array (a set of text), found \"urgent\"",
        ),
        (
            claim(json!({"tags": ["a", 3, true]})),
            "wrong_type",
            "claim.tags[2]",
            "expected text (a string), found true",
        ),
        (
            claim(json!({"repair_date": 20260220})),
            "wrong_type",
            "claim.repair_date",
            "found 20260220",
        ),
        (
            claim(json!({"flagged": "yes"})),
            "wrong_type",
            "claim.flagged",
            "expected true or false, found \"yes\"",
        ),
        (
            claim(json!({"note": {"author": ["x"]}})),
            "wrong_type",
            "claim.note.author",
            "found an array",
        ),
        (
            json!({"prodcut": {}}),
            "unknown_root",
            "",
            "unknown top-level key `prodcut`; did you mean `product`?",
        ),
        (
            claim(json!({"odometr": "1 km"})),
            "unknown_field",
            "claim.odometr",
            "unknown field `odometr` of `claim`; did you mean `odometer`?",
        ),
        (
            claim(json!({"note": {"author": "a", "when": "x"}})),
            "unknown_field",
            "claim.note.when",
            "unknown field `when` of `note`",
        ),
        (
            claim(json!({"odd key": 1})),
            "unknown_field",
            "claim[\"odd key\"]",
            "unknown field `odd key`",
        ),
        (
            json!({"claim": {"id": "C1", "fault": "P0301"}}),
            "missing_field",
            "claim.repair_date",
            "missing required field `repair_date` (a date such as \"2026-01-31\")",
        ),
        (
            claim(json!({"repair_date": null})),
            "missing_field",
            "claim.repair_date",
            "required field `repair_date` is null",
        ),
        (
            claim(json!({"note": {}})),
            "missing_field",
            "claim.note.author",
            "missing required field `author`",
        ),
        (
            json!({"id": {"n": 1}}),
            "bad_id",
            "id",
            "expected a string or a number, found an object",
        ),
        (
            claim(json!({"labor_hours": "12,5"})),
            "bad_number",
            "claim.labor_hours",
            "expected a number such as 1.25, found \"12,5\"",
        ),
        (
            claim(json!({"visits": 1.5})),
            "not_an_integer",
            "claim.visits",
            "expected an integer, found 1.5",
        ),
        (
            claim(json!({"visits": 9223372036854775808u64})),
            "out_of_range",
            "claim.visits",
            "out of range for an integer",
        ),
        (
            claim(json!({"parts": "USD 123456789012345678901234567890"})),
            "out_of_range",
            "claim.parts",
            "out of range",
        ),
        (
            claim(json!({"share": "70 percent"})),
            "bad_percent",
            "claim.share",
            "expected a percent such as \"70%\"",
        ),
        (
            claim(json!({"parts": "120.50 EUR"})),
            "bad_money",
            "claim.parts",
            "expected money such as \"EUR 120.50\"",
        ),
        (
            claim(json!({"parts": "eur 120.50"})),
            "bad_money",
            "claim.parts",
            "found \"eur 120.50\"",
        ),
        (
            claim(json!({"odometer": "41000 miles"})),
            "bad_distance",
            "claim.odometer",
            "expected a distance such as \"41000 mi\" or \"12 km\", found \"41000 miles\"",
        ),
        (
            claim(json!({"odometer": -5})),
            "bad_distance",
            "claim.odometer",
            "cannot be negative",
        ),
        (
            claim(json!({"downtime": "36 months"})),
            "bad_duration",
            "claim.downtime",
            "found \"36 months\" (a calendar duration)",
        ),
        (
            claim(json!({"downtime": "3 fortnights"})),
            "bad_duration",
            "claim.downtime",
            "expected a duration such as \"1.5h\" or \"3 days\"",
        ),
        (
            claim(json!({"downtime": 3})),
            "wrong_type",
            "claim.downtime",
            "found 3",
        ),
        (
            claim(json!({"repair_date": "2026-02-30"})),
            "bad_date",
            "claim.repair_date",
            "found \"2026-02-30\" (no such day)",
        ),
        (
            claim(json!({"repair_date": "20/02/2026"})),
            "bad_date",
            "claim.repair_date",
            "expected a date such as \"2026-01-31\"",
        ),
        (
            claim(json!({"repair_date": "2026-02-20T10:00:00Z"})),
            "bad_date",
            "claim.repair_date",
            "(a date-time; write the date alone)",
        ),
        (
            claim(json!({"note": {"author": "a", "at": "2026-02-20"}})),
            "bad_datetime",
            "claim.note.at",
            "(a date without a time and offset)",
        ),
        (
            json!({"context": {"now": "yesterday"}}),
            "bad_datetime",
            "context.now",
            "expected an RFC 3339 date-time",
        ),
        (
            claim(json!({"fault": "P0310"})),
            "unknown_code",
            "claim.fault",
            "unknown code \"P0310\" in table `fault`; did you mean \"P0300\"?",
        ),
        (
            claim(json!({"fault": "B1-004"})),
            "unknown_code",
            "claim.fault",
            "unknown code \"B1-004\" in table `fault`",
        ),
        (
            claim(json!({"claim_type": "XX"})),
            "unknown_code",
            "claim.claim_type",
            "unknown code \"XX\" in table `claim_type`",
        ),
        (
            claim(json!({"labor_op": "L1"})),
            "unknown_code",
            "claim.labor_op",
            "the table `labor_op` has no codes",
        ),
        (
            json!({"product": {"serial": "S", "model": "M", "in_service_date": "2023-02-01", "owner": "orignal"}}),
            "unknown_variant",
            "product.owner",
            "unknown variant \"orignal\"; did you mean \"original\"?",
        ),
        (
            json!({"product": {"serial": "S", "model": "M", "in_service_date": "2023-02-01", "owner": "rental"}}),
            "unknown_variant",
            "product.owner",
            "expected one of \"original\", \"subsequent\", \"fleet\"",
        ),
    ];
    for (v, code, path, msg) in cases {
        let (c, p, m) = one_error(env, &v);
        assert_eq!((c.as_str(), p.as_str()), (code, path), "{v}: {m}");
        assert!(m.contains(msg), "{v}: {m:?} does not contain {msg:?}");
    }
    // a number beyond any f64, which only the text path can carry
    let e = Facts::from_json_str(
        env,
        r#"{"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-02-20", "labor_hours": 1e400}}"#,
    )
    .unwrap_err();
    let e = &e.as_slice()[0];
    assert_eq!(
        (e.code(), e.path.as_str()),
        ("out_of_range", "claim.labor_hours")
    );
    assert!(
        e.message.contains("out of range for a decimal"),
        "{}",
        e.message
    );
    // without `units currency`, a bare amount is an error
    let (c, p, m) = one_error(
        bare_env(),
        &json!({"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-02-20", "parts": 120.5}}),
    );
    assert_eq!(
        (c.as_str(), p.as_str()),
        ("no_default_currency", "claim.parts")
    );
    assert!(m.contains("write it as \"USD 120.5\""), "{m}");
    // text syntax errors and values that are not JSON
    let e = Facts::from_json_str(env, "{\"claim\": {\n  \"id\": }").unwrap_err();
    assert_eq!(e.as_slice()[0].code(), "syntax");
    assert!(e.to_string().contains("line 2 column"), "{e}");
    let e = Facts::from_yaml(env, "claim: [1, 2\nproduct: 3").unwrap_err();
    assert_eq!(e.as_slice()[0].code(), "syntax");
    assert!(e.to_string().contains("line"), "{e}");
    let mut weird = std::collections::HashMap::new();
    weird.insert((1u8, 2u8), 3u8);
    let e = Facts::from_serialize(env, &weird).unwrap_err();
    assert_eq!(e.as_slice()[0].code(), "not_serializable");
}

/// Issue #12: readers disagree on a repeated key (first, last, error); a bundle whose
/// meaning depends on the reader is refused, each repeat with its path.
#[test]
fn a_repeated_key_is_refused_with_its_path() {
    let env = env();
    let text = r#"{"claim": {"id": "C0", "fault": "P0300", "repair_date": "2026-02-20", "id": "C1"},
                   "id": "B1", "id": "B2"}"#;
    let e = Facts::from_json_str(env, text).unwrap_err();
    let found: Vec<(&str, &str)> = e
        .as_slice()
        .iter()
        .map(|e| (e.code(), e.path.as_str()))
        .collect();
    assert_eq!(
        found,
        [("duplicate_key", "id"), ("duplicate_key", "claim.id")],
        "{e}"
    );
    assert!(e.to_string().contains("key `id` is given twice"), "{e}");
}

#[test]
fn too_deep_is_an_error_not_a_crash() {
    let env = env();
    let mut v = json!({});
    for _ in 0..200 {
        v = json!({ "next": v });
    }
    let e = errors(env, &json!({ "node": v }));
    assert_eq!(e.len(), 1);
    assert_eq!(e.as_slice()[0].code(), "too_deep");
    assert!(e.as_slice()[0].path.starts_with("node.next.next."));
    // 60 levels are fine
    let mut v = json!({});
    for _ in 0..60 {
        v = json!({ "next": v });
    }
    assert!(Facts::from_json(env, &json!({ "node": v })).is_ok());
    // the JSON parser's own limit is a syntax error
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let e = Facts::from_json_str(env, &deep).unwrap_err();
    assert_eq!(e.as_slice()[0].code(), "syntax");
}

#[test]
fn every_problem_at_once_in_a_stable_order() {
    let env = env();
    // keys in a scrambled order: problems still come top level first, then by root and
    // field in schema order (unknown keys after the schema's fields, in input order)
    let v: serde_json::Value = serde_json::from_str(
        r#"{
        "claim": {"zzz": 1, "odometer": true, "fault": "P0399", "tags": ["a", {}, "b", false], "id": "C1", "parts": "1 EUR"},
        "product": {"owner": "fleat", "serial": "S", "model": "M"},
        "id": [1],
        "custmer": {},
        "context": {"today": "2026-13-01"},
        "whatever": 1
    }"#,
    )
    .unwrap();
    let e = errors(env, &v);
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.path.as_str(), e.code())).collect();
    assert_eq!(
        got,
        [
            ("", "unknown_root"), // custmer
            ("", "unknown_root"), // whatever
            ("id", "bad_id"),
            ("context.today", "bad_date"),
            ("product.in_service_date", "missing_field"),
            ("product.owner", "unknown_variant"),
            ("claim.fault", "unknown_code"),
            ("claim.repair_date", "missing_field"),
            ("claim.odometer", "wrong_type"),
            ("claim.parts", "bad_money"),
            ("claim.tags[1]", "wrong_type"),
            ("claim.tags[3]", "wrong_type"),
            ("claim.zzz", "unknown_field"),
        ]
    );
    assert!(e.as_slice()[0].message.contains("did you mean `customer`?"));
    // Display: one per line, `path: message`
    let text = e.to_string();
    assert_eq!(text.lines().count(), 13);
    assert!(text.contains("claim.odometer: expected a distance such as \"41000 mi\", found true"));
    // the same bundle with its keys in another order gives the same list
    let mut reordered = serde_json::Map::new();
    let obj = v.as_object().unwrap();
    for k in ["whatever", "context", "custmer", "product", "id", "claim"] {
        reordered.insert(k.to_string(), obj[k].clone());
    }
    let e2 = errors(env, &serde_json::Value::Object(reordered));
    let got2: Vec<(&str, &str)> = e2.iter().map(|e| (e.path.as_str(), e.code())).collect();
    // only the two unknown roots swap, as they keep input order
    assert_eq!(got2[0..2], got[0..2]);
    assert_eq!(got2[2..], got[2..]);
    // the serde form is LANGUAGE.md §8's error object
    let j = serde_json::to_value(&e.as_slice()[2]).unwrap();
    assert_eq!(j["code"], "bad_id");
    assert_eq!(j["path"], "id");
}

#[test]
fn numbers_are_exact() {
    let env = env();
    let f = Facts::from_json_str(
        env,
        r#"{"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-02-20",
            "parts": "USD 0.10", "labor": 0.20, "labor_hours": 0.1, "share": 0.3}}"#,
    )
    .unwrap();
    let money = |n| match field(env, &f, "claim", n) {
        Some(Value::Money(m)) => m.clone(),
        other => panic!("{other:?}"),
    };
    let (parts, labor) = (money("parts"), money("labor"));
    assert_eq!(parts.currency, Currency::new("USD").unwrap());
    assert_eq!(
        labor.currency,
        Currency::new("USD").unwrap(),
        "units currency"
    );
    assert_eq!(parts.amount + labor.amount, dec("0.30"));
    assert_eq!((parts.amount + labor.amount).to_string(), "0.30");
    assert_eq!(
        field(env, &f, "claim", "labor_hours"),
        Some(&Value::Decimal(Decimal::new(1, 1)))
    );
    assert_eq!(
        field(env, &f, "claim", "share"),
        Some(&Value::Percent(Decimal::new(3, 1)))
    );
    // more digits than a double holds
    let f = Facts::from_json_str(
        env,
        r#"{"telemetry": {"vin": "V", "speed": 1234567890.123456789012345678}}"#,
    )
    .unwrap();
    assert_eq!(
        field(env, &f, "telemetry", "speed"),
        Some(&Value::Decimal(dec("1234567890.123456789012345678")))
    );
    // exponents are exact too
    let f = Facts::from_json_str(env, r#"{"telemetry": {"vin": "V", "speed": 12.5e-3}}"#).unwrap();
    assert_eq!(
        field(env, &f, "telemetry", "speed"),
        Some(&Value::Decimal(dec("0.0125")))
    );
}

#[test]
fn miles_are_exact_kilometres() {
    let env = env();
    let f = Facts::from_json(env, &claim(json!({"odometer": "41000 mi"}))).unwrap();
    let Some(Value::Distance(d)) = field(env, &f, "claim", "odometer") else {
        panic!()
    };
    assert_eq!(d.km(), Some(dec("65983.104")));
    let f2 = Facts::from_json(env, &claim(json!({"odometer": "65983.104 km"}))).unwrap();
    let Some(Value::Distance(d2)) = field(env, &f2, "claim", "odometer") else {
        panic!()
    };
    assert_eq!(d.km(), d2.km());
    assert_eq!(d2.unit, DistanceUnit::Km);
}

#[test]
fn units_give_bare_numbers_their_meaning() {
    // with `units { currency USD distance mi }`
    let env = env();
    let f = Facts::from_json(env, &claim(json!({"parts": 120.5, "odometer": 41000}))).unwrap();
    assert_eq!(
        field(env, &f, "claim", "parts"),
        Some(&Value::Money(Money::parse("USD 120.5").unwrap()))
    );
    assert_eq!(
        field(env, &f, "claim", "odometer"),
        Some(&Value::Distance(Distance {
            value: dec("41000"),
            unit: DistanceUnit::Mi
        }))
    );
    // a currency written out wins over the default
    let f = Facts::from_json(env, &claim(json!({"parts": "EUR 120.50"}))).unwrap();
    assert_eq!(
        field(env, &f, "claim", "parts"),
        Some(&Value::Money(Money::parse("EUR 120.50").unwrap()))
    );
    // without `units`: distances in km, bare money an error, written money fine
    let env = bare_env();
    let c = |extra: serde_json::Value| {
        let mut c = json!({"id": "C1", "fault": "P0301", "repair_date": "2026-02-20"});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        json!({ "claim": c })
    };
    let f = Facts::from_json(env, &c(json!({"odometer": 12, "parts": "USD 1"}))).unwrap();
    assert_eq!(
        field(env, &f, "claim", "odometer"),
        Some(&Value::Distance(Distance {
            value: dec("12"),
            unit: DistanceUnit::Km
        }))
    );
    for bare in [json!(120.5), json!("120.50")] {
        let (code, path, _) = one_error(env, &c(json!({ "parts": bare })));
        assert_eq!(
            (code.as_str(), path.as_str()),
            ("no_default_currency", "claim.parts")
        );
    }
}

#[test]
fn open_schemas_ignore_unknown_fields() {
    let env = env();
    let f = Facts::from_json(
        env,
        &json!({"telemetry": {"vin": "V1", "rpm": 3000, "extra": {"deep": [1, 2]}}}),
    )
    .unwrap();
    let root = f.root(sid(env, "telemetry")).unwrap();
    assert_eq!(root.len(), 2);
    assert_eq!(root[0], Some(Value::Text(Arc::from("V1"))));
    // but known fields are still checked, and required ones still required
    let e = errors(env, &json!({"telemetry": {"speed": "fast", "rpm": 1}}));
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.path.as_str(), e.code())).collect();
    assert_eq!(
        got,
        [
            ("telemetry.vin", "missing_field"),
            ("telemetry.speed", "wrong_type")
        ]
    );
    // a closed schema does not ignore them
    let (code, path, _) = one_error(env, &json!({"note": {"author": "a", "rpm": 1}}));
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("unknown_field", "note.rpm")
    );
}

#[test]
fn context_and_id() {
    let env = env();
    // today and now may be left to the host
    // (a number no `f64` holds exactly: from text, which keeps every digit)
    let f = Facts::from_json_str(env, r#"{"id": 1234567890123456789012, "context": {}}"#).unwrap();
    assert_eq!(
        f.id(),
        Some("1234567890123456789012"),
        "a number id keeps its text"
    );
    assert_eq!((f.today(), f.now()), (None, None));
    assert!(!f.bundle_gave_today() && !f.bundle_gave_now());
    let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let now = DateTime::parse_from_rfc3339("2026-03-01T08:00:00-05:00").unwrap();
    let f = f.with_today(day).with_now(now);
    assert_eq!((f.today(), f.now()), (Some(day), Some(now)));
    assert!(!f.bundle_gave_today(), "the host set it");
    assert_eq!(
        field(env, &f, "context", "today"),
        Some(&Value::Date(day)),
        "the context root follows"
    );
    assert_eq!(
        field(env, &f, "context", "now"),
        Some(&Value::DateTime(now))
    );
    // the host can override what the bundle gave
    let f = Facts::from_json(env, &json!({"context": {"today": "2025-01-01"}})).unwrap();
    assert!(f.bundle_gave_today());
    let f = f.with_today(day);
    assert_eq!(f.today(), Some(day));
    // defaults fill only what is missing
    let f = Facts::from_json(
        env,
        &json!({"context": {"now": "2026-06-30T23:30:00-02:00"}}),
    )
    .unwrap()
    .with_context_defaults(now);
    assert_eq!(f.now().unwrap().to_rfc3339(), "2026-06-30T23:30:00-02:00");
    assert_eq!(f.today(), NaiveDate::from_ymd_opt(2026, 6, 30));
    // a bundle with no context has no context root until the host sets one
    let f = Facts::from_json(env, &json!({})).unwrap();
    assert!(f.root(sid(env, "context")).is_none());
    assert!(f.with_today(day).root(sid(env, "context")).is_some());
    // null id, null root, null context: absent
    let f = Facts::from_json(env, &json!({"id": null, "claim": null, "context": null})).unwrap();
    assert_eq!(f.id(), None);
    assert!(f.root(sid(env, "claim")).is_none());
    // date-times may leave out the seconds, as in rules
    let f = Facts::from_json(env, &json!({"context": {"now": "2026-01-31T08:00Z"}})).unwrap();
    assert_eq!(f.now().unwrap().to_rfc3339(), "2026-01-31T08:00:00+00:00");
}

#[test]
fn yaml_bundles() {
    let env = env();
    // the fixture of LANGUAGE.md §7, with unquoted dates and codes
    let text = r#"
id: case-1
context: { today: 2026-03-01, now: 2026-03-01T08:00:00Z }
product: { serial: "KM8K1", model: "IONIQ 5", in_service_date: 2023-02-01, owner: original, model_year: 2023 }
claim:
  id: C1
  fault: P0301
  repair_date: 2026-02-20
  odometer: "41000 mi"
  parts: USD 0.10
  labor: 0.20
  labor_hours: 1.50
  share: 70%
  downtime: 1.5h
  tags: [a, b]
"#;
    let f = Facts::from_yaml(env, text).unwrap();
    assert_eq!(f.today(), NaiveDate::from_ymd_opt(2026, 3, 1));
    assert!(f.now().is_some());
    assert_eq!(
        field(env, &f, "product", "in_service_date"),
        Some(&Value::Date(NaiveDate::from_ymd_opt(2023, 2, 1).unwrap()))
    );
    assert_eq!(
        field(env, &f, "product", "model_year"),
        Some(&Value::Int(2023))
    );
    let Some(Value::Money(labor)) = field(env, &f, "claim", "labor") else {
        panic!()
    };
    // a YAML float is read from its text: 0.20 keeps its two places
    assert_eq!(labor.amount.to_string(), "0.20");
    let Some(Value::Decimal(h)) = field(env, &f, "claim", "labor_hours") else {
        panic!()
    };
    assert_eq!(h.to_string(), "1.50");
    assert_eq!(
        field(env, &f, "claim", "share"),
        Some(&Value::Percent(dec("0.7")))
    );
    assert_eq!(
        field(env, &f, "claim", "downtime"),
        Some(&Value::Duration(Duration::Exact(
            dec("5400"),
            TimeUnit::Hour
        )))
    );
    // numbers a double cannot hold stay exact
    let f = Facts::from_yaml(
        env,
        "telemetry: { vin: V, speed: 1234567890.123456789012345678 }",
    )
    .unwrap();
    assert_eq!(
        field(env, &f, "telemetry", "speed"),
        Some(&Value::Decimal(dec("1234567890.123456789012345678")))
    );
    // .inf is not taken for null
    let e = Facts::from_yaml(env, "telemetry: { vin: V, speed: .inf }").unwrap_err();
    assert_eq!(
        (e.as_slice()[0].code(), e.as_slice()[0].path.as_str()),
        ("wrong_type", "telemetry.speed")
    );
    assert!(e.as_slice()[0].message.ends_with("found \".inf\""), "{e}");
    // a YAML number for a text field is read as its text
    let f = Facts::from_yaml(env, "customer: { id: 10023 }").unwrap();
    assert_eq!(
        field(env, &f, "customer", "id"),
        Some(&Value::Text(Arc::from("10023")))
    );
    // YAML problems have the same paths
    let e = Facts::from_yaml(
        env,
        "claim: { id: C1, fault: P0399, repair_date: 2026-02-30 }",
    )
    .unwrap_err();
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.path.as_str(), e.code())).collect();
    assert_eq!(
        got,
        [
            ("claim.fault", "unknown_code"),
            ("claim.repair_date", "bad_date")
        ]
    );
    // an empty document is not a bundle
    let e = Facts::from_yaml(env, "").unwrap_err();
    assert_eq!(e.as_slice()[0].code(), "wrong_type");
}

#[test]
fn from_a_rust_struct() {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Owner {
        Original,
        Subsequent,
        Fleet,
    }
    #[derive(serde::Serialize)]
    struct Product {
        serial: String,
        model: String,
        model_year: Option<i32>,
        in_service_date: NaiveDate,
        owner: Owner,
    }
    #[derive(serde::Serialize)]
    struct Claim {
        id: String,
        fault: String,
        repair_date: NaiveDate,
        odometer: String,
        labor_hours: Decimal,
        parts: Decimal,
        labor: f64,
        tags: Vec<String>,
    }
    #[derive(serde::Serialize)]
    struct Bundle {
        id: u64,
        product: Product,
        claim: Claim,
    }
    let env = env();
    let b = Bundle {
        id: 7,
        product: Product {
            serial: "KM8K1".into(),
            model: "IONIQ 5".into(),
            model_year: None,
            in_service_date: NaiveDate::from_ymd_opt(2023, 2, 1).unwrap(),
            owner: Owner::Fleet,
        },
        claim: Claim {
            id: "C1".into(),
            fault: "P0301".into(),
            repair_date: NaiveDate::from_ymd_opt(2026, 2, 20).unwrap(),
            odometer: "41000 mi".into(),
            labor_hours: dec("1.25"),
            parts: dec("120.50"),
            labor: 0.1,
            tags: vec!["x".into(), "x".into(), "y".into()],
        },
    };
    let f = Facts::from_serialize(env, &b).unwrap();
    assert_eq!(f.id(), Some("7"));
    assert_eq!(field(env, &f, "product", "owner"), Some(&Value::Enum(2)));
    assert_eq!(field(env, &f, "product", "model_year"), None);
    assert_eq!(
        field(env, &f, "claim", "labor_hours"),
        Some(&Value::Decimal(dec("1.25")))
    );
    assert_eq!(
        field(env, &f, "claim", "parts"),
        Some(&Value::Money(Money::parse("USD 120.50").unwrap()))
    );
    // an f64 arrives as its shortest text: 0.1 is exactly 0.1
    assert_eq!(
        field(env, &f, "claim", "labor"),
        Some(&Value::Money(Money::parse("USD 0.1").unwrap()))
    );
    // a set holds each element once
    let Some(Value::Set(tags)) = field(env, &f, "claim", "tags") else {
        panic!()
    };
    assert_eq!(
        tags.as_ref(),
        [Value::Text(Arc::from("x")), Value::Text(Arc::from("y"))]
    );
}

#[test]
fn odd_inputs_do_not_panic() {
    let env = env();
    for text in [
        "",
        "null",
        "true",
        "1",
        "\"x\"",
        "[]",
        "{}",
        "[{}]",
        "{\"claim\": {}}",
        "{\"claim\": []}",
        "{\"id\": 1e999999}",
        "{\"claim\": {\"labor_hours\": -1e-99999}}",
        "{\"claim\": {\"labor_hours\": \"NaN\"}}",
        "{\"claim\": {\"labor_hours\": \"-\"}}",
        "{\"claim\": {\"odometer\": \"inf km\"}}",
        "{\"claim\": {\"odometer\": \" mi\"}}",
        "{\"claim\": {\"parts\": \"USD \"}}",
        "{\"claim\": {\"parts\": \"USD\"}}",
        "{\"claim\": {\"parts\": \"   \"}}",
        "{\"claim\": {\"downtime\": \"h\"}}",
        "{\"claim\": {\"downtime\": \"1e9999 weeks\"}}",
        "{\"claim\": {\"share\": \"%\"}}",
        "{\"claim\": {\"share\": 1e28}}",
        "{\"claim\": {\"visits\": -0}}",
        "{\"claim\": {\"repair_date\": \"9999-99-99\"}}",
        "{\"claim\": {\"repair_date\": \"2026-02-2é\"}}",
        "{\"contact\": {\"received_at\": \"2026-01-31T25:00:00Z\"}}",
        "{\"contact\": {\"received_at\": \"2026-01-31T08:00é\"}}",
        "{\"contact\": {\"received_at\": \"2026-01-31T08:00+99:99\"}}",
        "{\"claim\": {\"odometer\": \"79228162514264337593543950335 mi\"}}",
        "{\"claim\": {\"odometer\": 79228162514264337593543950335}}",
        "{\"claim\": {\"fault\": \"\"}}",
        "{\"\": 1}",
    ] {
        let _ = Facts::from_json_str(env, text);
        let _ = Facts::from_yaml(env, text);
    }
    let e = Facts::from_json_str(env, "[]").unwrap_err();
    assert_eq!(
        (e.as_slice()[0].code(), e.as_slice()[0].path.as_str()),
        ("wrong_type", "")
    );
    // an int field and a 64-bit edge
    let f = Facts::from_json(env, &claim(json!({"visits": i64::MIN}))).unwrap();
    assert_eq!(
        field(env, &f, "claim", "visits"),
        Some(&Value::Int(i64::MIN))
    );
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/facts.md"))
        .expect("docs/facts.md exists");
    for k in FactErrorKind::ALL {
        assert!(
            doc.contains(&format!("| `{}` |", k.as_str())),
            "docs/facts.md does not list `{}`",
            k.as_str()
        );
    }
    let mut seen = std::collections::HashSet::new();
    assert!(FactErrorKind::ALL.iter().all(|k| seen.insert(k.as_str())));
}

// ---------------------------------------------------------------------------------------
// Properties

/// Keys worth generating: roots, fields, reserved keys, typos.
const KEYS: &[&str] = &[
    "id",
    "context",
    "today",
    "now",
    "product",
    "claim",
    "customer",
    "contact",
    "note",
    "node",
    "next",
    "telemetry",
    "sample",
    "serial",
    "model",
    "owner",
    "fault",
    "odometer",
    "parts",
    "labor",
    "tags",
    "share",
    "repair_date",
    "in_service_date",
    "author",
    "vin",
    "b",
    "i",
    "d",
    "p",
    "m",
    "t",
    "day",
    "at",
    "du",
    "di",
    "e",
    "c",
    "sub",
    "opt",
    "x",
    "",
];

/// Strings worth generating: encodings that are almost right and some that are right.
const STRINGS: &[&str] = &[
    "",
    "2026-01-31",
    "2026-02-30",
    "2026-01-31T08:00:00Z",
    "EUR 120.50",
    "USD 0.10",
    "120.50",
    "41000 mi",
    "12 km",
    "-1 km",
    "1.5h",
    "3 days",
    "36 months",
    "70%",
    "NaN",
    "inf",
    "-",
    "P0301",
    "P0399",
    "original",
    "fleat",
    "1e400",
    "9223372036854775808",
    "é",
    "\u{0}",
    "red",
];

/// The exact text of a JSON number (beyond what an `f64` holds, too).
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|u| u.to_string()),
        (any::<i64>(), 0u32..30).prop_map(|(m, s)| Decimal::new(m, s.min(28)).to_string()),
        (1u32..99, -400i32..400).prop_map(|(m, e)| format!("{m}e{e}")),
        "[1-9][0-9]{0,60}(\\.[0-9]{1,40})?",
    ]
}

/// Any JSON document, numbers exact, a key possibly repeated.
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number_text().prop_map(Json::Number),
        prop::sample::select(STRINGS).prop_map(|s| Json::String(s.to_string())),
        ".{0,12}".prop_map(Json::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(Json::object),
        ]
    })
}

fn path_is_rooted(env: &Env, path: &str) -> bool {
    path.is_empty()
        || path == "id"
        || env.schema_names().any(|r| {
            path == r
                || path
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        })
}

/// A valid `sample` record as JSON, with the values it must give.
#[derive(Debug, Clone)]
struct Sample {
    json: Json,
    expect: Vec<(&'static str, Option<Value>)>,
}

fn sample() -> impl Strategy<Value = Sample> {
    let currencies = prop::sample::select(vec!["USD", "EUR", "JPY", "KWD"]);
    (
        (
            any::<bool>(),
            any::<i64>(),
            any::<i64>(),
            0u32..=28,
            any::<i32>(),
            0u32..=6,
        ),
        (
            currencies,
            any::<i64>(),
            0u32..=4,
            any::<bool>(),
            any::<bool>(),
        ),
        (
            ".{0,16}",
            0i32..=3_000_000,
            0i64..=86_399,
            -86_399i32..=86_399,
        ),
        (
            0u64..1_000_000,
            prop::sample::select(vec![
                ("min", 60i64),
                ("h", 3600),
                ("days", 86_400),
                ("week", 604_800),
                ("s", 1),
            ]),
        ),
        (
            0u64..10_000_000_000,
            0u32..=6,
            prop::option::of(any::<bool>()),
        ),
        (
            0u32..3,
            0u32..3,
            prop::collection::btree_set("[a-z]{1,4}", 0..5),
        ),
        (
            prop::option::of(".{1,8}"),
            prop::option::of(any::<i64>()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (b, i, dm, ds, pm, ps),
                (cur, mm, ms, bare, pct),
                (t, days, secs, off),
                (dun, (uname, usecs)),
                (dim, dis, diu),
                (e, c, tags),
                (author, opt, opt_null),
            )| {
                let d = Decimal::new(dm, ds);
                let p = Decimal::new(i64::from(pm), ps);
                let amount = Decimal::new(mm, ms);
                let day = NaiveDate::from_num_days_from_ce_opt(days.max(1)).unwrap();
                let offset = chrono::FixedOffset::east_opt(off - off % 60).unwrap();
                let at = chrono::NaiveDateTime::new(
                    day,
                    chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, 0).unwrap(),
                )
                .and_local_timezone(offset)
                .single()
                .unwrap();
                let di = Decimal::new(dim as i64, dis);
                let (m_json, m_val) = if bare {
                    (
                        Json::from(amount),
                        Money {
                            currency: Currency::new("USD").unwrap(),
                            amount,
                        },
                    )
                } else {
                    (
                        Json::from(format!("{cur} {amount}")),
                        Money {
                            currency: Currency::new(cur).unwrap(),
                            amount,
                        },
                    )
                };
                let p_json = if pct {
                    let hundred = p * Decimal::ONE_HUNDRED;
                    Json::from(format!("{hundred}%"))
                } else {
                    Json::from(p)
                };
                let (di_json, di_unit) = match diu {
                    None => (Json::from(di), DistanceUnit::Mi),
                    Some(true) => (Json::from(format!("{di} km")), DistanceUnit::Km),
                    Some(false) => (Json::from(format!("{di}mi")), DistanceUnit::Mi),
                };
                let mut obj = Json::object([
                    ("b", Json::from(b)),
                    ("i", Json::from(i)),
                    ("d", Json::from(d)),
                    ("p", p_json),
                    ("m", m_json),
                    ("t", Json::from(t.clone())),
                    ("day", Json::from(day.format("%Y-%m-%d").to_string())),
                    ("at", Json::from(at.to_rfc3339())),
                    ("du", Json::from(format!("{dun} {uname}"))),
                    ("di", di_json),
                    ("e", Json::from(["red", "green", "blue"][e as usize])),
                    ("c", Json::from(["P0300", "P0301", "P0302"][c as usize])),
                    ("tags", Json::from(tags.iter().collect::<Vec<_>>())),
                ]);
                let sub = author.as_ref().map(|a| {
                    obj.insert("sub", Json::object([("author", Json::from(a))]));
                    Value::Record(Arc::from(vec![
                        Some(Value::Text(Arc::from(a.as_str()))),
                        None,
                    ]))
                });
                match opt {
                    Some(o) => obj.insert("opt", Json::from(o)),
                    None if opt_null => obj.insert("opt", Json::Null),
                    None => {}
                }
                let expect = vec![
                    ("b", Some(Value::Bool(b))),
                    ("i", Some(Value::Int(i))),
                    ("d", Some(Value::Decimal(d))),
                    ("p", Some(Value::Percent(p))),
                    ("m", Some(Value::Money(m_val))),
                    ("t", Some(Value::Text(Arc::from(t.as_str())))),
                    ("day", Some(Value::Date(day))),
                    ("at", Some(Value::DateTime(at))),
                    (
                        "du",
                        Some(Value::Duration(Duration::Exact(
                            Decimal::from(dun) * Decimal::from(usecs),
                            TimeUnit::Auto,
                        ))),
                    ),
                    (
                        "di",
                        Some(Value::Distance(Distance {
                            value: di,
                            unit: di_unit,
                        })),
                    ),
                    ("e", Some(Value::Enum(e))),
                    ("c", Some(Value::Code(c))),
                    (
                        "tags",
                        Some(Value::Set(
                            tags.iter()
                                .map(|s| Value::Text(Arc::from(s.as_str())))
                                .collect(),
                        )),
                    ),
                    ("sub", sub),
                    ("opt", opt.map(Value::Int)),
                ];
                Sample {
                    json: Json::object([("sample", obj)]),
                    expect,
                }
            },
        )
}

/// JSON text as YAML (a flow mapping), with what is not printable ASCII escaped the way
/// YAML's double-quoted scalars escape it.
fn yaml_text(v: &Json) -> String {
    let mut out = String::new();
    for ch in v.to_string().chars() {
        match ch as u32 {
            0x20..=0x7e => out.push(ch),
            c if c <= 0xffff => out.push_str(&format!("\\u{c:04x}")),
            c => out.push_str(&format!("\\U{c:08x}")),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics_and_paths_are_rooted(v in json_value()) {
        let env = env();
        // as a whole bundle, and as each root
        let mut bundles = vec![v.clone()];
        for root in ["claim", "product", "sample", "node", "context", "telemetry"] {
            bundles.push(Json::object([(root, v.clone())]));
        }
        for b in &bundles {
            // the text path (its own parser) and the serialize path agree exactly
            let from_text = Facts::from_json_str(env, &b.to_string());
            prop_assert_eq!(&from_text, &Facts::from_serialize(env, b));
            match from_text {
                Ok(f) => {
                    // what was accepted encodes and reads back the same
                    let again = Facts::from_json_str(env, &f.to_json_string(env));
                    prop_assert_eq!(again.as_ref(), Ok(&f));
                }
                Err(errs) => {
                    prop_assert!(!errs.is_empty());
                    for e in &errs {
                        prop_assert!(path_is_rooted(env, &e.path), "{}", e);
                        prop_assert!(!e.message.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn valid_bundles_round_trip(s in sample()) {
        let env = env();
        let f = Facts::from_json_str(env, &s.json.to_string());
        prop_assert!(f.is_ok(), "{}: {}", s.json, f.unwrap_err());
        let f = f.unwrap();
        for (name, want) in &s.expect {
            prop_assert_eq!(field(env, &f, "sample", name), want.as_ref(), "field {}", name);
        }
        let again = Facts::from_json_str(env, &f.to_json_string(env)).unwrap();
        prop_assert_eq!(&again, &f);
        // and from a host's own value, through `Serialize`
        prop_assert_eq!(&Facts::from_serialize(env, &s.json).unwrap(), &f);
        // and the same through YAML text: JSON's flow style with plain numbers (so that
        // YAML floats are read), everything outside printable ASCII escaped
        let yaml = yaml_text(&s.json);
        let y = Facts::from_yaml(env, &yaml);
        prop_assert!(y.is_ok(), "{}: {}", yaml, y.unwrap_err());
        for (name, want) in &s.expect {
            prop_assert_eq!(field(env, y.as_ref().unwrap(), "sample", name), want.as_ref(), "yaml field {}", name);
        }
    }
}
