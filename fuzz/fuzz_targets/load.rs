//! Fuzz loading: any bytes, read as (lossy) UTF-8 rule files split at NUL bytes into up to
//! four files, go through the whole of `RuleSet::from_sources` — parse, name resolution,
//! type checking and the static analyses (gaps, overlaps, unreachable rules) — and end in
//! a rule set or diagnostics, never a panic, a hang or a stack overflow. Every diagnostic
//! is rendered as the CLI would. Loading runs on a thread with a 2 MiB stack.

#![no_main]

use aftersales::RuleSet;
use libfuzzer_sys::fuzz_target;

fn run(data: Vec<u8>) {
    let text = String::from_utf8_lossy(&data).into_owned();
    let sources: Vec<(String, String)> = text
        .splitn(4, '\0')
        .enumerate()
        .map(|(i, t)| (format!("f{i}.rules"), t.to_string()))
        .collect();
    match RuleSet::from_sources(sources) {
        Ok(rules) => {
            let _ = rules.warnings().to_string();
        }
        Err(diags) => {
            let _ = diags.to_string();
        }
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
