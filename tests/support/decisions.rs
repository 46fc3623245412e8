//! The generator of decisions and bundles shared by `compiled_props` and `analysis`:
//! rule sets with mixed types, overlapping ranges, `or`/`not`, optional fields behind
//! `has`, every hit policy, `effective` dating, a dependent decision and conditions that
//! can fail at evaluation; bundles with absent roots and fields, other currencies, zero
//! divisors and no `context.today`.
#![allow(dead_code)]

use proptest::prelude::*;

const OWNERS: [&str; 3] = ["original", "subsequent", "fleet"];
const MODELS: [&str; 3] = ["IONIQ 5", "KONA", "TUCSON"];

const HEADER: &str = r#"
codes fault "Fault codes" {
  attributes { system: enum { engine, emissions } }
  P0300 "Random misfire" { system: engine }
  P0301..P0303 "Cylinder misfire" { system: engine }
  P0304 "Catalyst" { system: emissions }
  P0305 "Oxygen sensor" { system: emissions }
}
"#;

/// One atomic condition: a kind and a parameter choosing its constants.
#[derive(Debug, Clone, Copy)]
pub struct Atom {
    pub kind: u8,
    pub p: u8,
}

const KINDS: u8 = 25;

impl Atom {
    fn text(self, dep: bool) -> String {
        let p = self.p as usize;
        match self.kind {
            0 => format!("product.owner == {}", OWNERS[p % 3]),
            1 => format!("product.owner not in [{}]", OWNERS[p % 3]),
            2 => format!(
                "has product.model_year and product.model_year >= {}",
                2018 + p % 6
            ),
            3 => format!(
                "has product.model_year and product.model_year in {}..{}",
                2018 + p % 4,
                2019 + p % 4 + p / 4
            ),
            4 => format!("claim.fault == P030{}", p % 6),
            5 => format!("claim.fault in P030{}..P030{}", p % 3, 3 + p % 3),
            6 => format!("claim.fault.system == {}", ["engine", "emissions"][p % 2]),
            7 => format!("claim.repair_date >= 2026-0{}-{}", 1 + p % 3, 10 + p % 5),
            8 => format!(
                "claim.repair_date in 2026-01-{}..2026-02-{}",
                10 + p % 9,
                10 + p % 9
            ),
            9 => format!("has claim.parts and claim.parts > USD {}", 100 * p),
            10 => format!(
                "has claim.odometer and claim.odometer < {} {}",
                30_000 + 5_000 * p,
                if p.is_multiple_of(2) { "mi" } else { "km" }
            ),
            11 => format!("has claim.dealer and claim.dealer matches /^D{}/", p % 3),
            12 => format!("product.model == \"{}\"", MODELS[p % 3]),
            13 => format!("has claim.labor_hours and 10 / claim.labor_hours > {}", p),
            14 => format!(
                "has claim.submitted_date and claim.submitted_date > claim.repair_date + {} days",
                10 * p
            ),
            15 => format!(
                "(product.owner == original or claim.fault == P030{})",
                p % 6
            ),
            16 => format!("not (claim.fault == P030{})", p % 6),
            17 => "has customer.tier and customer.tier == \"gold\"".to_string(),
            18 if dep => format!("dep.level >= {}", p % 3),
            18 => format!("claim.fault != P030{}", p % 6),
            19 => format!(
                "claim.repair_date < product.in_service_date + {} months",
                12 * p
            ),
            20 => format!("(not has claim.parts or claim.parts < USD {})", 50 * p),
            21 => format!("context.today > 2026-02-{}", 10 + p % 9),
            22 => format!(
                "has product.model_year and product.model_year < {}",
                2018 + p % 6
            ),
            23 => format!("claim.fault > P030{}", p % 6),
            _ => format!("has claim.labor_hours and claim.labor_hours <= {}", p % 4),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub atoms: Vec<Atom>,
    pub negate_first: bool,
    pub effective: Option<(u8, u8)>,
    pub priority: u8,
    pub level: u8,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub hit: u8,
    pub rules: Vec<RuleSpec>,
    pub otherwise: bool,
    pub dep_rules: Vec<RuleSpec>,
}

pub const HITS: [&str; 8] = [
    "",
    "hit unique",
    "hit priority",
    "hit collect",
    "hit collect sum",
    "hit collect min",
    "hit collect max",
    "hit collect count",
];

fn rule_text(i: usize, r: &RuleSpec, dep: bool, tag: bool) -> String {
    let mut conds: Vec<String> = r.atoms.iter().map(|a| a.text(dep)).collect();
    if r.negate_first {
        if let Some(c) = conds.first_mut() {
            *c = format!("not ({c})");
        }
    }
    let mut s = format!("  rule r{i}");
    if r.priority > 0 {
        s += &format!(" priority {}", r.priority);
    }
    if let Some((a, b)) = r.effective {
        s += &format!(
            " effective 2026-01-{:02}..2026-02-{:02}",
            1 + a % 28,
            1 + b % 28
        );
    }
    s += &format!(
        "\n    when {}\n    then level = {}",
        conds.join(" and "),
        r.level
    );
    if tag {
        s += &format!(", tag = \"r{i}\"");
    }
    s + "\n"
}

impl Spec {
    pub fn text(&self) -> String {
        let mut s = HEADER.to_string();
        let dep = !self.dep_rules.is_empty();
        if dep {
            s += "decision dep {\n  output level: int = 0\n";
            for (i, r) in self.dep_rules.iter().enumerate() {
                s += &rule_text(i, r, false, false);
            }
            s += "}\n";
        }
        let hit = HITS[self.hit as usize % HITS.len()];
        let single = hit.starts_with("hit collect ");
        s += &format!("decision d {hit} {{\n  output level: int = 0\n");
        if !single {
            s += "  output tag: text = \"\"\n";
        }
        for (i, r) in self.rules.iter().enumerate() {
            s += &rule_text(i, r, dep, !single);
        }
        if self.otherwise {
            s += "  otherwise level = 99\n";
        }
        s + "}\n"
    }
}

fn atom() -> impl Strategy<Value = Atom> {
    (0..KINDS, 0u8..8).prop_map(|(kind, p)| Atom { kind, p })
}

fn rule() -> impl Strategy<Value = RuleSpec> {
    (
        prop::collection::vec(atom(), 1..4),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.2, (0u8..28, 0u8..28)),
        prop_oneof![4 => Just(0u8), 1 => 1u8..4],
        0u8..5,
    )
        .prop_map(
            |(atoms, negate_first, effective, priority, level)| RuleSpec {
                atoms,
                negate_first,
                effective,
                priority,
                level,
            },
        )
}

/// A small rule set (1 to 11 rules).
pub fn spec() -> impl Strategy<Value = Spec> {
    wide_spec(1..12)
}

/// A rule set of `rules` rules (and a small dependent decision): with more than 512 rules
/// a bit-vector leaf spans several chunks of words.
pub fn wide_spec(rules: std::ops::Range<usize>) -> impl Strategy<Value = Spec> {
    (
        0u8..8,
        prop::collection::vec(rule(), rules),
        any::<bool>(),
        prop::collection::vec(rule(), 0..3),
    )
        .prop_map(|(hit, rules, otherwise, dep_rules)| Spec {
            hit,
            rules,
            otherwise,
            dep_rules,
        })
}

fn date(day: u16, year: i32) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(day))))
        .unwrap_or_default();
    d.to_string()
}

/// A bundle as JSON text.
pub fn bundle() -> impl Strategy<Value = String> {
    let product = prop::option::weighted(
        0.9,
        (
            0usize..3,
            prop::option::of(2016i64..2026),
            0usize..3,
            0u16..2000,
        ),
    );
    let claim = prop::option::weighted(
        0.95,
        (
            0u8..6,
            0u16..120,
            prop::option::of(0u16..80),
            // near the constants of the conditions, to hit their boundaries
            prop::option::of((0u32..8, 0u32..3, any::<bool>())),
            prop::option::of((0u32..9, 0u32..3, prop::bool::weighted(0.1))),
            prop::option::of(0u8..4),
            prop::option::of(0usize..4),
        ),
    );
    let customer = prop::option::weighted(0.3, prop::option::of(any::<bool>()));
    let today = prop::option::weighted(0.9, 0u16..90);
    (product, claim, customer, today).prop_map(|(product, claim, customer, today)| {
        let mut o = serde_json::Map::new();
        o.insert("id".into(), "B".into());
        if let Some((model, year, owner, since)) = product {
            let mut p = serde_json::json!({
                "serial": "S1",
                "model": MODELS[model],
                "owner": OWNERS[owner],
                "in_service_date": date(since, 2020),
            });
            if let Some(y) = year {
                p["model_year"] = y.into();
            }
            o.insert("product".into(), p);
        }
        if let Some((fault, repair, submitted, odo, parts, hours, dealer)) = claim {
            let mut c = serde_json::json!({
                "id": "C1",
                "fault": format!("P030{fault}"),
                "repair_date": date(repair, 2026),
            });
            if let Some(s) = submitted {
                c["submitted_date"] = date(repair + s, 2026).into();
            }
            if let Some((k, delta, mi)) = odo {
                let n = 30_000 + 5_000 * k + delta - 1;
                c["odometer"] = format!("{n} {}", if mi { "mi" } else { "km" }).into();
            }
            if let Some((k, delta, eur)) = parts {
                let n = f64::from(50 * k) + f64::from(delta) - 1.0;
                let n = if n < 0.0 { 0.0 } else { n };
                c["parts"] = format!("{} {n}", if eur { "EUR" } else { "USD" }).into();
            }
            if let Some(h) = hours {
                c["labor_hours"] = serde_json::Value::from(h);
            }
            if let Some(d) = dealer {
                c["dealer"] = ["D0-1", "D1-7", "D2", "X9"][d].into();
            }
            o.insert("claim".into(), c);
        }
        if let Some(tier) = customer {
            let mut c = serde_json::json!({"id": "K1"});
            if let Some(gold) = tier {
                c["tier"] = if gold { "gold" } else { "silver" }.into();
            }
            o.insert("customer".into(), c);
        }
        if let Some(t) = today {
            o.insert(
                "context".into(),
                serde_json::json!({ "today": date(t, 2026) }),
            );
        }
        serde_json::Value::Object(o).to_string()
    })
}
