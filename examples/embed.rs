//! Embedding the engine in a Rust service: the bundled rules loaded once, facts built from
//! the service's own serde types, typed outputs, and a hot swap of the rules while worker
//! threads keep deciding.
//!
//! Run it with `cargo run --release --example embed` (CI runs it).

use aftersales::{Decision, Money, RuleSet};
use chrono::NaiveDate;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// The service's own view of a vehicle.
#[derive(Serialize)]
struct Product {
    serial: String,
    make: String,
    model: String,
    model_year: i32,
    in_service_date: NaiveDate,
    owner: &'static str,
    market: &'static str,
}

/// The service's own warranty claim.
#[derive(Serialize)]
struct Claim {
    id: String,
    claim_type: &'static str,
    fault: &'static str,
    repair_date: NaiveDate,
    submitted_date: NaiveDate,
    odometer: &'static str,
    parts: Money,
    labor: Money,
}

#[derive(Serialize)]
struct Bundle {
    id: String,
    product: Product,
    claim: Claim,
}

/// A claim `n` days after the repair it is submitted, for a vehicle delivered on `delivered`.
fn claim(id: &str, delivered: NaiveDate, submitted_after: i64) -> Bundle {
    let repair = NaiveDate::from_ymd_opt(2026, 2, 20).expect("a date");
    Bundle {
        id: id.to_string(),
        product: Product {
            serial: format!("1FMCU9GN4RUA{id}"),
            make: "FORD".into(),
            model: "ESCAPE".into(),
            model_year: 2024,
            in_service_date: delivered,
            owner: "original",
            market: "us",
        },
        claim: Claim {
            id: id.to_string(),
            claim_type: "WR",
            fault: "P0301",
            repair_date: repair,
            submitted_date: repair + chrono::Duration::days(submitted_after),
            odometer: "21400 mi",
            parts: "USD 86.40".parse().expect("money"),
            labor: "USD 112.00".parse().expect("money"),
        },
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let rules = RuleSet::load(folder)?;
    let delivered = NaiveDate::from_ymd_opt(2024, 5, 10).expect("a date");

    // facts from the service's own types: no JSON text in between
    let on_time = rules.facts_from_serialize(&claim("C1", delivered, 5))?;
    let late = rules.facts_from_serialize(&claim("C2", delivered, 45))?;

    // typed outputs: variants and codes by name
    let d: Decision = rules.decide("adjudicate", &on_time)?;
    println!("{d}");
    assert_eq!(d.get::<&str>("action")?, "accept");
    let d = rules.decide("adjudicate", &late)?;
    assert_eq!(d.get::<&str>("action")?, "reject");
    assert_eq!(d.get::<&str>("reason")?, "LATE_SUBMISSION");
    let coverage = rules.decide("coverage", &on_time)?;
    assert!(coverage.get::<bool>("covered")?);
    println!(
        "covered by {} until {}",
        coverage.get::<&str>("warranty")?,
        coverage.get::<NaiveDate>("expires_on")?
    );

    // hot swap: workers decide in a loop on whatever rules are live; the main thread
    // swaps in a rule set that accepts submissions up to 60 days late
    let live = Arc::new(RwLock::new(Arc::new(rules)));
    let stop = Arc::new(AtomicBool::new(false));
    let (accepted, rejected) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let (live, stop) = (Arc::clone(&live), Arc::clone(&stop));
            let (accepted, rejected) = (Arc::clone(&accepted), Arc::clone(&rejected));
            std::thread::spawn(move || -> Result<usize, aftersales::Error> {
                let mut n = 0;
                // the hot path: each worker decides into a verdict it keeps (nothing is
                // allocated per decision once it has grown)
                let mut verdict = aftersales::Verdict::new();
                while !stop.load(Ordering::Relaxed) || n == 0 {
                    let rules = live.read().map(|g| Arc::clone(&g)).expect("the lock");
                    // facts are built with the rule set that decides them
                    let facts =
                        rules.facts_from_serialize(&claim(&format!("W{w}-{n}"), delivered, 45))?;
                    // handles and output positions belong to their rule set too
                    let adjudicate = rules.handle("adjudicate")?;
                    let action = rules.output_index(adjudicate, "action")?;
                    rules.decide_into(adjudicate, &facts, &mut verdict)?;
                    match verdict.get_at::<&str>(&rules, action)? {
                        "accept" => accepted.fetch_add(1, Ordering::Relaxed),
                        _ => rejected.fetch_add(1, Ordering::Relaxed),
                    };
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();

    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let name = path.to_string_lossy().into_owned();
        let text = if name.ends_with("30_adjudicate.rules") {
            text.replace("claim.repair_date + 30 days", "claim.repair_date + 60 days")
        } else {
            text
        };
        // code tables `from "labor_ops.csv"` are read beside the rule file that names them
        if name.ends_with(".rules") {
            sources.push((name, text));
        }
    }
    let next = Arc::new(RuleSet::from_sources(sources)?);
    *live.write().expect("the lock") = next;
    std::thread::sleep(std::time::Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for w in workers {
        total += w.join().expect("a worker")?;
    }
    let (a, r) = (
        accepted.load(Ordering::Relaxed),
        rejected.load(Ordering::Relaxed),
    );
    println!("{total} decisions across the swap: {r} rejected before it, {a} accepted after it");
    assert_eq!(a + r, total);
    assert!(a > 0 && r > 0, "both rule sets decided");
    Ok(())
}
