//! Fuzz evaluation: rule text and a JSON fact bundle, split at the first NUL byte. When the
//! rules load and the bundle validates, every decision of the rule set is evaluated with
//! `RuleSet::decide` and its result rendered as JSON: it may give an evaluation error,
//! never a panic, a hang or a stack overflow. The allocation-free path
//! (`RuleSet::decide_into`, one `Verdict` reused across decisions) must give the same
//! answer.
//!
//! The bundle gets `context.now`/`context.today` where it has none (as the CLI does), so
//! that date arithmetic is reached. Everything runs on a thread with a 2 MiB stack.

#![no_main]

use aftersales::facts::Facts;
use aftersales::RuleSet;
use chrono::DateTime;
use libfuzzer_sys::fuzz_target;

fn run(data: Vec<u8>) {
    let text = String::from_utf8_lossy(&data).into_owned();
    let (rules, bundle) = text.split_once('\0').unwrap_or((text.as_str(), "{}"));
    let Ok(rules) = RuleSet::from_sources([("f.rules".to_string(), rules.to_string())]) else {
        return;
    };
    let Ok(facts) = Facts::from_json_str(rules.env(), bundle) else {
        return;
    };
    let now = DateTime::parse_from_rfc3339("2026-03-01T10:00:00+01:00").expect("a valid instant");
    let facts = facts.with_context_defaults(now);
    let names: Vec<String> = rules.decision_names().map(str::to_string).collect();
    let mut verdict = aftersales::Verdict::new();
    for name in names {
        let decided = rules.decide(&name, &facts);
        if let Ok(decision) = &decided {
            let _ = decision.to_json(rules.checked());
            let _ = decision.to_string();
        }
        let Ok(handle) = rules.handle(&name) else {
            continue;
        };
        let into = rules.decide_into(handle, &facts, &mut verdict).map(|()| {
            let mut d = verdict.to_decision(&rules).expect("the verdict of this rule set");
            d.id = facts.id().map(String::from);
            d
        });
        assert_eq!(into, decided, "decide_into and decide differ on `{name}`");
    }
}

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || run(data))
        .expect("cannot start a thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
});
