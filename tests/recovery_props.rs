//! Property tests of supplier recovery (LANGUAGE.md §5.4), at most 256 cases each: over
//! random amounts (in currencies of 0, 2 and 3 decimals, sometimes with a digit more than
//! the currency has), random shares and random caps, the allocations add up to the claim's
//! components to the minor unit, none is negative, no party is over its cap, no party gets
//! more than its share, and the first party gets exactly its rounded share.

use aftersales::eval::reference;
use aftersales::facts::Facts;
use aftersales::value::{Money, Value};
use aftersales::RuleSet;
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

const COMPONENTS: [&str; 4] = ["parts", "labor", "handling", "sublet"];

#[derive(Debug, Clone)]
struct Party {
    /// Shares in hundredths of a percent (basis points), before they are made to fit.
    shares: [u16; 4],
    /// The cap, in minor units of the currency.
    cap: Option<u64>,
}

#[derive(Debug, Clone)]
struct Case {
    currency: &'static str,
    /// Each component in tenths of the minor unit (one digit more than the currency has).
    amounts: [Option<u64>; 4],
    parties: Vec<Party>,
}

fn minor(currency: &str) -> u32 {
    match currency {
        "JPY" => 0,
        "KWD" => 3,
        _ => 2,
    }
}

fn party() -> impl Strategy<Value = Party> {
    (
        prop::array::uniform4(prop_oneof![
            Just(0u16),
            Just(10_000u16),
            Just(5_000u16),
            0u16..=10_000
        ]),
        prop::option::of(prop_oneof![0u64..2_000, 0u64..100_000_000]),
    )
        .prop_map(|(shares, cap)| Party { shares, cap })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec!["USD", "JPY", "KWD"]),
        prop::array::uniform4(prop::option::of(prop_oneof![
            0u64..1_000,
            0u64..1_000_000_000,
            (0u64..10_000_000).prop_map(|x| x * 10), // whole minor units
        ])),
        prop::collection::vec(party(), 0..4),
    )
        .prop_map(|(currency, amounts, mut parties)| {
            // the shares of one component add up to 100% at most
            for c in 0..4 {
                let mut left = 10_000u16;
                for p in &mut parties {
                    p.shares[c] = p.shares[c].min(left);
                    left -= p.shares[c];
                }
            }
            Case {
                currency,
                amounts,
                parties,
            }
        })
}

/// `n` units of 10^-scale, as text.
fn fixed(n: u64, scale: u32) -> String {
    Decimal::new(n as i64, scale).to_string()
}

fn rule_text(c: &Case) -> String {
    let mut s = String::from("codes fault \"f\" { P0300 \"misfire\" {} }\nsplit s {\n");
    for (i, p) in c.parties.iter().enumerate() {
        let shares: Vec<String> = (0..4)
            .filter(|k| p.shares[*k] > 0)
            .map(|k| format!("{} {}%", COMPONENTS[k], fixed(p.shares[k].into(), 2)))
            .collect();
        let shares = if shares.is_empty() {
            "parts 0%".to_string()
        } else {
            shares.join(", ")
        };
        s.push_str(&format!("  party p{i} pays {shares}"));
        if let Some(cap) = p.cap {
            s.push_str(&format!(
                " cap {} {}",
                c.currency,
                fixed(cap, minor(c.currency))
            ));
        }
        s.push('\n');
    }
    s.push_str("  remainder rest\n}\n");
    s
}

fn bundle(c: &Case) -> String {
    let mut claim = serde_json::json!({"id": "C", "fault": "P0300", "repair_date": "2026-01-10"});
    for (k, a) in c.amounts.iter().enumerate() {
        if let Some(a) = a {
            claim[COMPONENTS[k]] =
                format!("{} {}", c.currency, fixed(*a, minor(c.currency) + 1)).into();
        }
    }
    serde_json::json!({ "claim": claim }).to_string()
}

fn half_even(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven)
}

/// The allocations: each party's name and its five amounts.
fn allocations(c: &Case) -> Vec<(String, [Money; 5])> {
    let rs = RuleSet::from_sources([("t.rules".to_string(), rule_text(c))])
        .unwrap_or_else(|e| panic!("{e}\n{}", rule_text(c)));
    let facts = Facts::from_json_str(rs.env(), &bundle(c)).unwrap_or_else(|e| panic!("{e}"));
    let d = reference::decide(rs.checked(), "recovery", &facts).unwrap_or_else(|e| panic!("{e}"));
    // the engine reads the recovery item with code of its own: it must agree
    assert_eq!(
        rs.decide("recovery", &facts).as_ref(),
        Ok(&d),
        "{}",
        rule_text(c)
    );
    let Some(Value::Set(list)) = d.output("allocations") else {
        panic!("no allocations: {d:?}")
    };
    list.iter()
        .map(|r| {
            let Value::Record(f) = r else { panic!("{r:?}") };
            let Some(Value::Label(party)) = &f[0] else {
                panic!("{f:?}")
            };
            let money = |i: usize| match &f[i] {
                Some(Value::Money(m)) => m.clone(),
                other => panic!("{other:?}"),
            };
            (
                party.to_string(),
                [money(1), money(2), money(3), money(4), money(5)],
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn allocations_add_up_and_respect_shares_and_caps(c in case()) {
        let dp = minor(c.currency);
        let rows = allocations(&c);
        // the parties in the order written, the remainder last
        let names: Vec<String> = rows.iter().map(|(p, _)| p.clone()).collect();
        let mut want: Vec<String> = (0..c.parties.len()).map(|i| format!("p{i}")).collect();
        want.push("rest".into());
        prop_assert_eq!(names, want);
        let claim: Vec<Decimal> = c
            .amounts
            .iter()
            .map(|a| half_even(Decimal::new(a.unwrap_or(0) as i64, dp + 1), dp))
            .collect();
        for (k, total) in claim.iter().enumerate() {
            let sum: Decimal = rows.iter().map(|(_, m)| m[k].amount).sum();
            prop_assert_eq!(sum, *total, "component {} of {:?}", COMPONENTS[k], rows);
        }
        // with no cost and no cap, the currency is "none" (there are no `units`)
        let currency = if c.amounts.iter().any(Option::is_some)
            || c.parties.iter().any(|p| p.cap.is_some())
        {
            c.currency
        } else {
            "XXX"
        };
        for (i, (party, m)) in rows.iter().enumerate() {
            for x in m.iter() {
                prop_assert_eq!(x.currency.as_str(), currency);
                prop_assert!(x.amount >= Decimal::ZERO, "{} pays {}", party, x);
                prop_assert_eq!(x.amount, half_even(x.amount, dp), "{} is in minor units", x);
            }
            let sum: Decimal = m[..4].iter().map(|x| x.amount).sum();
            prop_assert_eq!(sum, m[4].amount, "the total of {}", party);
            let Some(p) = c.parties.get(i) else { continue };
            if let Some(cap) = p.cap {
                prop_assert!(m[4].amount <= Decimal::new(cap as i64, dp), "{} over its cap", party);
            }
            for k in 0..4 {
                let share = half_even(claim[k] * Decimal::new(p.shares[k].into(), 4), dp);
                prop_assert!(m[k].amount <= share, "{} gets more than its share", party);
                if i == 0 && p.cap.is_none() {
                    prop_assert_eq!(m[k].amount, share, "the first party gets its share");
                }
            }
        }
    }

    #[test]
    fn a_cap_that_binds_is_met_exactly(c in case()) {
        let dp = minor(c.currency);
        let rows = allocations(&c);
        let claim: Vec<Decimal> = c
            .amounts
            .iter()
            .map(|a| half_even(Decimal::new(a.unwrap_or(0) as i64, dp + 1), dp))
            .collect();
        // the first party takes its share of the whole claim: where that is over its cap,
        // it pays exactly the cap
        if let Some(p) = c.parties.first() {
            let uncapped: Decimal = (0..4)
                .map(|k| half_even(claim[k] * Decimal::new(p.shares[k].into(), 4), dp))
                .sum();
            let paid = rows[0].1[4].amount;
            match p.cap.map(|cap| Decimal::new(cap as i64, dp)) {
                Some(cap) if uncapped > cap => prop_assert_eq!(paid, cap),
                _ => prop_assert_eq!(paid, uncapped),
            }
        }
    }
}
