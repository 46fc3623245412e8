//! Contacts over time (issue #14): `replay` of a JSONL event log (parse, route, clocks,
//! status lines), `ingest` into the SQLite store, and one contact's status read back from
//! a store of 1,000,000 events. The log is generated here: contacts of 5–10 events (a
//! received bundle of either kind, replies, pending, reopenings, transfers, priority
//! changes, solved, and for four in five a close a day or two later) on the bundled
//! rules, arriving over a month.

use aftersales::host::contacts::{Contact, ContactStore, Event, Log};
use aftersales::store::Store;
use aftersales::RuleSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// `contacts` contacts' events, interleaved as they would arrive (by contact start).
fn log(contacts: usize) -> Vec<String> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let base = chrono::DateTime::parse_from_rfc3339("2026-03-02T08:00:00-05:00").expect("base");
    let mut out = Vec::new();
    for k in 0..contacts {
        let mut t = base + chrono::TimeDelta::minutes((k as i64 * 43_200) / contacts as i64);
        let kind = if next(4) == 0 { "inquiry" } else { "complaint" };
        let text = [
            "My charger is broken",
            "Where is my part",
            "claim was denied",
            "smoke from the port",
        ][next(4) as usize];
        let ltv = [
            "",
            r#", "lifetime_value": "USD 18500""#,
            r#", "lifetime_value": "USD 3000""#,
        ][next(3) as usize];
        out.push(format!(
            r#"{{"id": "E{k}-0", "contact": "K{k}", "at": "{}", "type": "received", "facts": {{"customer": {{"id": "C{k}"{ltv}}}, "contact": {{"kind": "{kind}", "channel": "email", "text": "{text}"}}}}}}"#,
            t.to_rfc3339()
        ));
        let steps = 4 + next(5);
        for i in 1..=steps {
            t += chrono::TimeDelta::minutes(1 + next(600) as i64);
            let what = match (i, next(8)) {
                (i, _) if i == steps => r#""type": "status", "to": "solved""#,
                (_, 0 | 1) => r#""type": "reply", "by": "agent""#,
                (_, 2 | 3) => r#""type": "reply", "by": "customer""#,
                (_, 4) => r#""type": "status", "to": "pending""#,
                (_, 5) => r#""type": "reply", "by": "internal""#,
                (_, 6) => r#""type": "transfer", "queue": "billing_desk""#,
                _ => r#""type": "priority", "to": "p2""#,
            };
            out.push(format!(
                r#"{{"id": "E{k}-{i}", "contact": "K{k}", "at": "{}", {what}}}"#,
                t.to_rfc3339()
            ));
        }
        // four in five are closed a day or two after they are solved
        if next(5) != 0 {
            t += chrono::TimeDelta::minutes(1440 + next(1440) as i64);
            out.push(format!(
                r#"{{"id": "E{k}-c", "contact": "K{k}", "at": "{}", "type": "status", "to": "closed"}}"#,
                t.to_rfc3339()
            ));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).expect("rules");
    let lines = log(10_000);
    let mut g = c.benchmark_group("contacts");
    g.sample_size(10);
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("replay_jsonl", lines.len()),
        &lines,
        |b, lines| {
            b.iter(|| {
                // as the command does: closed contacts written out as they close
                let mut log = Log::new(&rules);
                let mut bytes = 0usize;
                for (n, l) in lines.iter().enumerate() {
                    log.push_line(n + 1, l);
                    if n % 1024 == 0 {
                        log.drain_ready(|line| bytes += line.len());
                    }
                }
                log.each_line(None, |line| bytes += line.len());
                assert_eq!(log.error_count(), 0);
                black_box(bytes)
            })
        },
    );
    let events: Vec<Event> = lines
        .iter()
        .map(|l| Event::from_json_str(l).expect("event"))
        .collect();
    let dir = std::env::temp_dir().join(format!("aftersales-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut round = 0;
    g.bench_with_input(
        BenchmarkId::new("ingest", events.len()),
        &events,
        |b, events| {
            b.iter(|| {
                round += 1;
                let mut store = Store::open(dir.join(format!("i{round}.db"))).expect("store");
                for chunk in events.chunks(10_000) {
                    store.append(chunk).expect("appended");
                }
            })
        },
    );
    // one contact's status from a store of ~1,000,000 events
    let big = log(140_000);
    let mut store = Store::open(dir.join("big.db")).expect("store");
    let all: Vec<Event> = big
        .iter()
        .map(|l| Event::from_json_str(l).expect("event"))
        .collect();
    for chunk in all.chunks(50_000) {
        store.append(chunk).expect("appended");
    }
    let n = store.event_count().expect("counted");
    g.throughput(Throughput::Elements(1));
    let mut k = 0usize;
    g.bench_function(BenchmarkId::new("status_one", n), |b| {
        b.iter(|| {
            k = (k + 7919) % 140_000;
            let events = store.events_of(&format!("K{k}")).expect("read");
            let c = Contact::replay(&rules, events);
            black_box(c.status())
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
