//! The allocation-free path: `RuleSet::decide_into` into a `Verdict` kept from one bundle
//! to the next allocates nothing once the verdict has grown to the decision's size, and
//! gives what `decide_with` gives.

use aftersales::{RuleSet, Verdict};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the allocations made on the thread that asks.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

std::thread_local! {
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

const RULES: &str = r#"
decision tier hit first {
  output level: enum { bronze, silver, gold }
  output credit: money = USD 0
  rule big when has customer.lifetime_value and customer.lifetime_value > USD 10000
    then level = gold, credit = USD 25.50
  rule mid when has customer.lifetime_value and customer.lifetime_value > USD 1000
    then level = silver
  otherwise level = bronze
}
"#;

#[test]
fn deciding_into_a_kept_verdict_allocates_nothing_and_agrees_with_decide_with() {
    let rules = RuleSet::from_sources([("t.rules".to_string(), RULES.to_string())]).unwrap();
    let tier = rules.handle("tier").unwrap();
    let level = rules.output_index(tier, "level").unwrap();
    let bundles: Vec<_> = ["USD 50", "USD 5000", "USD 50000"]
        .iter()
        .map(|v| {
            rules
                .facts_from_json(&format!(
                    r#"{{"customer": {{"id": "K1", "lifetime_value": "{v}"}}}}"#
                ))
                .unwrap()
        })
        .collect();
    let mut verdict = Verdict::new();
    // the first round grows the verdict and the thread's scratch
    for f in &bundles {
        rules.decide_into(tier, f, &mut verdict).unwrap();
    }
    for (f, want) in bundles.iter().zip(["bronze", "silver", "gold"]) {
        let mut result = Ok(());
        let n = allocations(|| result = rules.decide_into(tier, f, &mut verdict));
        result.unwrap();
        assert_eq!(n, 0, "deciding {want} allocated {n} times");
        let name: &str = verdict.get_at(&rules, level).unwrap();
        assert_eq!(name, want);
        // the same result as the convenient path, rules named
        let mut d = verdict
            .to_decision(&rules)
            .expect("the verdict of this rule set");
        let full = rules.decide_with(tier, f).unwrap();
        assert_eq!(d.get::<&str>("level").unwrap(), want);
        d = {
            let mut d = d;
            d.id = full.id.clone();
            d
        };
        assert_eq!(d, full);
    }
    // an unknown output name suggests the closest
    let e = rules.output_index(tier, "levl").unwrap_err();
    assert!(e.to_string().contains("did you mean `level`?"), "{e}");
    // a verdict is read with the rule set that decided it
    let other = RuleSet::from_sources([("t.rules".to_string(), RULES.to_string())]).unwrap();
    let e = verdict.get_at::<&str>(&other, level).unwrap_err();
    assert!(e.to_string().contains("another rule set"), "{e}");
    // a failed decision leaves nothing to read
    let foreign = other
        .facts_from_json(r#"{"customer": {"id": "K1"}}"#)
        .unwrap();
    let mut fresh = Verdict::new();
    assert!(fresh.get_at::<&str>(&rules, level).is_err());
    let h_other = other.handle("tier").unwrap();
    assert!(rules.decide_into(h_other, &foreign, &mut fresh).is_err());
    let e = fresh.get_at::<&str>(&rules, level).unwrap_err();
    assert!(e.to_string().contains("holds no decision"), "{e}");
    assert!(fresh.to_decision(&rules).is_err());
    assert!(verdict.to_decision(&other).is_err());
}
