//! Contacts over time (CONTACTS.md): the lifecycle, the service-level clocks and their
//! JSON, error lines in place, and the clocks' invariants over generated histories.

use aftersales::host::contacts::{ClockState, Contact, ContactStatus, Event, Log};
use aftersales::RuleSet;
use chrono::{DateTime, FixedOffset, TimeDelta};
use proptest::prelude::*;
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The spec's example log (CONTACTS.md), routed by the bundled rules.
const K1: &str = r#"{"id": "E1", "contact": "K1", "at": "2026-03-02T16:30:00-05:00", "type": "received", "facts": {"customer": {"id": "CU1", "lifetime_value": "USD 18500"}, "contact": {"kind": "complaint", "channel": "phone", "text": "The charging port started to smoke"}}}
{"id": "E2", "contact": "K1", "at": "2026-03-02T17:05:00-05:00", "type": "reply", "by": "agent"}
{"id": "E3", "contact": "K1", "at": "2026-03-02T17:06:00-05:00", "type": "status", "to": "pending"}
{"id": "E4", "contact": "K1", "at": "2026-03-03T09:12:00-05:00", "type": "reply", "by": "customer"}
{"id": "E5", "contact": "K1", "at": "2026-03-04T11:00:00-05:00", "type": "status", "to": "solved"}
"#;

/// Two queues on calendars in two zones, targets in wall-clock and business time, a
/// priority route.
const DESK: &str = r#"
calendar east { timezone "America/New_York"  hours mon..fri 09:00-17:00  holidays [2026-03-09] }
calendar west { timezone "America/Los_Angeles"  hours mon..fri 09:00-17:00 }
queue desk_east "East desk" { calendar east }
queue desk_west "West desk" { calendar west }
segment standard otherwise { first_response 24h  resolve 2 business days  channels [email, phone] }
route complaint {
  rule urgent when has contact.priority and contact.priority == p1
    then queue = desk_east, priority = p1, first_response = 1h, resolve = 4 business hours
  otherwise queue = desk_east, priority = p3, first_response = 8 business hours,
    resolve = 16 business hours, escalate_after = 4h, escalate_to = lead
}
route inquiry { otherwise queue = desk_west, priority = p4, resolve = 48h }
"#;

fn bundled() -> RuleSet {
    RuleSet::load(format!("{ROOT}/rules")).expect("the bundled rules load")
}

fn desk() -> RuleSet {
    RuleSet::from_sources([("desk.rules".to_string(), DESK.to_string())]).expect("desk rules")
}

fn events(text: &str) -> Vec<Event> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Event::from_json_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("an instant")
}

#[path = "support/run.rs"]
mod run;

fn replay_cli(args: &[&str], stdin: &str) -> (i32, Vec<serde_json::Value>) {
    let mut all = vec!["contacts", "replay"];
    all.extend_from_slice(args);
    let (code, out, _) = run::run_in(Some(ROOT), &all, stdin);
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (code, lines)
}

#[test]
fn the_spec_example_replays_to_the_spec_line() {
    let expected = json!({"contact": "K1", "status": "solved", "queue": "product_safety", "priority": "p1",
     "segment": "platinum", "calendar": "us_office", "received_at": "2026-03-02T16:30:00-05:00",
     "clocks": {
       "first_response": {"target": "4h", "state": "met", "due": "2026-03-02T20:30:00-05:00",
                          "stopped_at": "2026-03-02T17:05:00-05:00", "elapsed_s": 2100},
       "resolve": {"target": "2 business days", "state": "met", "due": "2026-03-05T08:36:00-05:00",
                   "stopped_at": "2026-03-04T11:00:00-05:00", "elapsed_s": 44640, "paused_s": 7560}},
     "escalation": {"at": "2026-03-02T18:30:00-05:00", "to": "safety_lead", "fired": false},
     "events": 5});
    let rules = bundled();
    let k1 = Contact::replay(&rules, events(K1));
    assert_eq!(k1.status().expect("received").to_json(), expected);
    // the command line prints the same, from a file and from standard input
    let path = std::env::temp_dir().join(format!("k1-{}.jsonl", std::process::id()));
    std::fs::write(&path, K1).expect("written");
    let (code, lines) = replay_cli(&[path.to_str().expect("utf-8"), "rules"], "");
    assert_eq!((code, lines), (0, vec![expected.clone()]));
    let (code, lines) = replay_cli(&["-"], K1);
    assert_eq!((code, lines), (0, vec![expected]));
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_routing_decisions_due_instants_are_the_clocks() {
    // one business-time arithmetic: what `routing` says is due is what the clocks say
    let rules = bundled();
    let k1 = Contact::replay(&rules, events(K1).into_iter().take(1));
    let s = k1.status().expect("received");
    let facts = rules
        .facts_from_json(r#"{"customer": {"id": "CU1", "lifetime_value": "USD 18500"}, "contact": {"id": "K1", "kind": "complaint", "channel": "phone", "text": "The charging port started to smoke", "received_at": "2026-03-02T16:30:00-05:00"}}"#)
        .expect("facts");
    let d = rules.decide("routing", &facts).expect("routed");
    let due = |name: &str| d.get::<DateTime<FixedOffset>>(name).expect("an instant");
    assert_eq!(
        s.first_response.expect("clock").due,
        due("first_response_due")
    );
    assert_eq!(s.resolve.expect("clock").due, due("resolve_due"));
    assert_eq!(s.escalation.expect("escalation").at, due("escalate_at"));
}

#[test]
fn as_of_an_instant_clocks_run_on_breach_at_their_due_and_escalation_fires() {
    let rules = bundled();
    let k1 = Contact::replay(&rules, events(K1).into_iter().take(1));
    // nobody answered: at 21:00 the 4h first response (due 20:30) has breached
    let s = k1
        .status_at(at("2026-03-02T21:00:00-05:00"))
        .expect("received");
    let first = s.first_response.expect("clock");
    assert_eq!(first.state, ClockState::Breached);
    assert_eq!(first.due, at("2026-03-02T20:30:00-05:00"));
    assert_eq!(
        first.elapsed,
        TimeDelta::minutes(270),
        "a breached clock keeps counting"
    );
    assert!(s.escalation.expect("escalation").fired);
    // at 18:00 it is running, and the escalation (18:30) has not fired
    let s = k1
        .status_at(at("2026-03-02T18:00:00-05:00"))
        .expect("received");
    assert_eq!(s.first_response.expect("clock").state, ClockState::Running);
    assert!(!s.escalation.expect("escalation").fired);
    // the command line's --at: the reply at 17:05 is after 17:00, so left out
    let (code, lines) = replay_cli(&["-", "rules", "--at", "2026-03-02T17:00:00-05:00"], K1);
    assert_eq!(code, 0);
    assert_eq!(lines[0]["status"], "open");
    assert_eq!(lines[0]["events"], 1);
    assert_eq!(lines[0]["clocks"]["first_response"]["state"], "running");
    assert_eq!(lines[0]["clocks"]["first_response"]["elapsed_s"], 1800);
}

#[test]
fn bad_events_are_error_lines_in_their_place_and_the_rest_goes_on() {
    let log = r#"{"id": "X1", "contact": "K9", "at": "2026-03-02T10:00:00-05:00", "type": "reply", "by": "agent"}
{"id": "E1", "contact": "K1", "at": "2026-03-02T10:00:00-05:00", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "inquiry", "channel": "email", "text": "hello"}}}
not json
{"id": "E2", "contact": "K1", "at": "2026-03-02T10:05:00-05:00", "type": "received", "facts": {}}
{"id": "E3", "contact": "K1", "at": "2026-03-02T10:06:00-05:00", "type": "repyl", "by": "agent"}
{"id": "E4", "contact": "K1", "at": "2026-03-02T10:07:00-05:00", "type": "transfer", "queue": "billing_dsk"}
{"id": "E5", "contact": "K1", "at": "2026-03-02T10:08:00-05:00", "type": "priority", "to": "p9"}
{"id": "E6", "contact": "K1", "at": "2026-03-02T10:09:00-05:00", "type": "status", "to": "closed"}
{"id": "E7", "contact": "K1", "at": "2026-03-02T10:10:00-05:00", "type": "reply", "by": "customer"}
{"id": "E6", "contact": "K1", "at": "2026-03-02T10:11:00-05:00", "type": "reply", "by": "customer"}
"#;
    let (code, lines) = replay_cli(&["-"], log);
    assert_eq!(code, 1);
    let codes: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["event"].as_str().unwrap_or("-").to_string(),
                l["error"]["code"].as_str().unwrap_or("status").to_string(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = codes
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("X1", "not_received"),
            ("E2", "already_received"),
            ("E4", "unknown_queue"),
            ("E7", "closed"),
            ("-", "status"),
            ("-", "syntax"),
            ("E3", "unknown_type"),
            ("E5", "unknown_value"),
        ]
    );
    assert_eq!(lines[0]["contact"], "K9");
    assert!(
        lines[2]["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("billing_desk"),
        "{}",
        lines[2]
    );
    assert!(
        lines[6]["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("did you mean `reply`?"),
        "{}",
        lines[6]
    );
    assert_eq!(lines[5]["line"], 3);
    // the contact itself: received, then closed; the repeated id E6 was applied once
    assert_eq!(lines[4]["status"], "closed");
    assert_eq!(lines[4]["events"], 2);
}

#[test]
fn events_out_of_order_in_the_file_apply_in_time_order() {
    let rules = bundled();
    let mut shuffled = events(K1);
    shuffled.reverse();
    let a = Contact::replay(&rules, events(K1)).status();
    let b = Contact::replay(&rules, shuffled).status();
    assert_eq!(a, b);
    assert!(b.is_some());
}

#[test]
fn a_reopened_contact_resumes_resolve_and_counts_the_solved_time_as_paused() {
    let rules = desk();
    let log = r#"{"contact": "K", "at": "2026-03-02T10:00:00-05:00", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "inquiry", "channel": "email", "text": "hello"}}}
{"contact": "K", "at": "2026-03-02T11:00:00-05:00", "type": "status", "to": "solved"}
{"contact": "K", "at": "2026-03-02T15:00:00-05:00", "type": "reply", "by": "customer"}
{"contact": "K", "at": "2026-03-02T16:00:00-05:00", "type": "status", "to": "solved"}
"#;
    let s = Contact::replay(&rules, events(log))
        .status()
        .expect("received");
    let r = s.resolve.expect("48h wall-clock resolve");
    assert_eq!(r.state, ClockState::Met);
    assert_eq!(r.elapsed, TimeDelta::hours(2));
    assert_eq!(r.paused, TimeDelta::hours(4));
    assert_eq!(r.due, at("2026-03-04T14:00:00-05:00"), "48h + 4h paused");
    assert_eq!(r.stopped_at, Some(at("2026-03-02T16:00:00-05:00")));
}

#[test]
fn a_transfer_counts_the_time_left_on_the_new_queues_calendar() {
    let rules = desk();
    // received Tue 09:00 New York: 16 business hours → due Wed 17:00 New York
    let log = r#"{"contact": "K", "at": "2026-03-03T09:00:00-05:00", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "complaint", "channel": "email", "text": "broken"}}}
{"contact": "K", "at": "2026-03-03T13:00:00-05:00", "type": "transfer", "queue": "desk_west"}
"#;
    let s = Contact::replay(&rules, events(log))
        .status_at(at("2026-03-03T13:00:00-05:00"))
        .expect("received");
    assert_eq!(s.queue.as_deref(), Some("desk_west"));
    assert_eq!(s.calendar.as_deref(), Some("west"));
    let r = s.resolve.expect("resolve");
    // 4 h counted in New York; 12 h left, from 10:00 Los Angeles: 7 h Tuesday, 5 h Wednesday
    assert_eq!(r.elapsed, TimeDelta::hours(4));
    assert_eq!(r.due, at("2026-03-04T14:00:00-08:00"));
}

#[test]
fn a_priority_event_routes_again_and_keeps_the_time_counted() {
    let rules = desk();
    let log = r#"{"contact": "K", "at": "2026-03-03T09:00:00-05:00", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "complaint", "channel": "email", "text": "broken"}}}
{"contact": "K", "at": "2026-03-03T09:30:00-05:00", "type": "priority", "to": "p1"}
"#;
    let s = Contact::replay(&rules, events(log))
        .status_at(at("2026-03-03T09:45:00-05:00"))
        .expect("received");
    assert_eq!(s.priority.as_deref(), Some("p1"));
    let f = s.first_response.expect("first response");
    assert_eq!(f.target.to_string(), "1h");
    assert_eq!(
        f.due,
        at("2026-03-03T10:00:00-05:00"),
        "received + the new target"
    );
    assert_eq!(f.elapsed, TimeDelta::minutes(45));
    let r = s.resolve.expect("resolve");
    assert_eq!(r.due, at("2026-03-03T13:00:00-05:00"));
}

#[test]
fn next_reply_cycles_are_counted_and_breaches_tallied() {
    let rules = RuleSet::from_sources([(
        "nr.rules".to_string(),
        r#"segment standard otherwise { first_response 1h  next_reply 2h  channels [email] }
route inquiry { otherwise queue = q, priority = p4 }
queue q "Q" {}
"#
        .to_string(),
    )])
    .expect("next_reply is a service level of a segment");
    let log = r#"{"contact": "K", "at": "2026-03-03T09:00:00Z", "type": "received", "facts": {"customer": {"id": "C"}, "contact": {"kind": "inquiry", "channel": "email", "text": "hi"}}}
{"contact": "K", "at": "2026-03-03T09:10:00Z", "type": "reply", "by": "agent"}
{"contact": "K", "at": "2026-03-03T10:00:00Z", "type": "reply", "by": "customer"}
{"contact": "K", "at": "2026-03-03T13:00:00Z", "type": "reply", "by": "agent"}
{"contact": "K", "at": "2026-03-03T14:00:00Z", "type": "reply", "by": "customer"}
{"contact": "K", "at": "2026-03-03T14:30:00Z", "type": "reply", "by": "agent"}
"#;
    let s = Contact::replay(&rules, events(log))
        .status()
        .expect("received");
    let n = s.next_reply.expect("cycles");
    assert_eq!((n.cycles, n.breached_cycles), (2, 1));
    assert_eq!(n.clock.state, ClockState::Met);
}

// ---------------------------------------------------------------------------------------
// invariants over generated histories

/// One generated event after receipt: minutes after the previous event, and what.
#[derive(Debug, Clone)]
enum Step {
    Agent,
    Customer,
    Internal,
    Pending,
    OnHold,
    Open,
    Solved,
    TransferWest,
    TransferEast,
    Priority1,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Agent),
        3 => Just(Step::Customer),
        1 => Just(Step::Internal),
        2 => Just(Step::Pending),
        1 => Just(Step::OnHold),
        1 => Just(Step::Open),
        2 => Just(Step::Solved),
        1 => Just(Step::TransferWest),
        1 => Just(Step::TransferEast),
        1 => Just(Step::Priority1),
    ]
}

fn history(kind: &'static str) -> impl Strategy<Value = Vec<Event>> {
    // starts around the March DST change and the 2026-03-09 holiday, and in November
    let start = prop_oneof![
        Just("2026-03-05T08:00:00-05:00"),
        Just("2026-03-06T16:45:00-05:00"),
        Just("2026-10-30T12:00:00-04:00"),
    ];
    (
        start,
        0i64..600,
        prop::collection::vec((prop_oneof![Just(0i64), 0i64..3000], step()), 0..14),
    )
        .prop_map(move |(start, offset, steps)| {
            let t0 = at(start) + TimeDelta::minutes(offset);
            let mut text = format!(
                r#"{{"id": "R", "contact": "K", "at": "{}", "type": "received", "facts": {{"customer": {{"id": "C"}}, "contact": {{"kind": "{kind}", "channel": "email", "text": "t"}}}}}}"#,
                t0.to_rfc3339()
            );
            let mut t = t0;
            for (i, (gap, s)) in steps.into_iter().enumerate() {
                t += TimeDelta::minutes(gap);
                let what = match s {
                    Step::Agent => r#""type": "reply", "by": "agent""#,
                    Step::Customer => r#""type": "reply", "by": "customer""#,
                    Step::Internal => r#""type": "reply", "by": "internal""#,
                    Step::Pending => r#""type": "status", "to": "pending""#,
                    Step::OnHold => r#""type": "status", "to": "on_hold""#,
                    Step::Open => r#""type": "status", "to": "open""#,
                    Step::Solved => r#""type": "status", "to": "solved""#,
                    Step::TransferWest => r#""type": "transfer", "queue": "desk_west""#,
                    Step::TransferEast => r#""type": "transfer", "queue": "desk_east""#,
                    Step::Priority1 => r#""type": "priority", "to": "p1""#,
                };
                text.push_str(&format!(
                    "\n{{\"id\": \"E{i}\", \"contact\": \"K\", \"at\": \"{}\", {what}}}",
                    t.to_rfc3339()
                ));
            }
            events(&text)
        })
}

fn without_event_count(s: Option<ContactStatus>) -> Option<ContactStatus> {
    s.map(|mut s| {
        s.events = 0;
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Replaying, applying one by one, applying in any order, and feeding a log give
    /// the same contact.
    #[test]
    fn replay_is_apply_one_by_one_in_any_order(h in history("complaint"), seed in any::<u64>()) {
        let rules = desk();
        let whole = Contact::replay(&rules, h.clone());
        prop_assert!(whole.status().is_some(), "received and routed");
        let mut one = Contact::new(&rules, "K");
        for e in h.clone() {
            let _ = one.apply(e);
        }
        prop_assert_eq!(whole.status(), one.status());
        // a permutation (events at equal instants keep their relative order)
        let mut shuffled = h.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            let j = (x % (i as u64 + 1)) as usize;
            if shuffled[i].at != shuffled[j].at {
                shuffled.swap(i, j);
            }
        }
        let is_sorted_within_ties = {
            let mut ok = true;
            for (a, b) in h.iter().enumerate().flat_map(|(i, a)| h[i + 1..].iter().map(move |b| (a, b))) {
                if a.at == b.at {
                    let pa = shuffled.iter().position(|e| e.id == a.id);
                    let pb = shuffled.iter().position(|e| e.id == b.id);
                    ok &= pa < pb;
                }
            }
            ok
        };
        if is_sorted_within_ties {
            prop_assert_eq!(Contact::replay(&rules, shuffled).status(), whole.status());
        }
        let mut log = Log::new(&rules);
        for e in h {
            log.push(e);
        }
        prop_assert_eq!(log.statuses(None).next(), whole.status());
    }

    /// An internal note anywhere changes nothing but the event count.
    #[test]
    fn an_internal_note_changes_nothing(h in history("complaint"), k in any::<prop::sample::Index>()) {
        let rules = desk();
        let base = Contact::replay(&rules, h.clone());
        let i = k.index(h.len());
        let mut with = h.clone();
        let mut note = with[i].clone();
        note.id = Some("NOTE".into());
        note.kind = aftersales::host::contacts::EventKind::Reply { by: aftersales::host::contacts::By::Internal };
        with.insert(i + 1, note);
        let end = with.iter().map(|e| e.at).max();
        prop_assert_eq!(
            without_event_count(base.status_at(end.unwrap_or(h[0].at))),
            without_event_count(Contact::replay(&rules, with).status_at(end.unwrap_or(h[0].at)))
        );
    }

    /// Every clock: a met clock stopped at or before its due instant, a breached one
    /// breached at its due instant, before its stop; wall-clock time counted and paused
    /// adds up to the clock's span; business time from receipt to the due instant is the
    /// target plus the time paused (on one calendar).
    #[test]
    fn clocks_keep_their_invariants(h in history("inquiry"), h2 in history("complaint"), later in 0i64..5000) {
        let rules = desk();
        for h in [h, h2] {
            let transferred = h.iter().any(|e| matches!(e.kind, aftersales::host::contacts::EventKind::Transfer { .. }));
            let c = Contact::replay(&rules, h.clone());
            let last = c.last_at().expect("every generated contact is received and routed");
            let now = last + TimeDelta::minutes(later);
            let s = c.status_at(now).expect("received");
            let received = s.received_at;
            for clock in [s.first_response.clone(), s.resolve.clone()].into_iter().flatten() {
                let end = clock.stopped_at.unwrap_or(now);
                match clock.state {
                    ClockState::Met => prop_assert!(end <= clock.due, "{clock:?}"),
                    ClockState::Breached => prop_assert!(clock.due < end, "{clock:?}"),
                    ClockState::Running | ClockState::Paused => {
                        prop_assert!(clock.stopped_at.is_none());
                        prop_assert!(now <= clock.due, "{clock:?}");
                    }
                }
                prop_assert!(clock.due >= received);
                let target = clock.target.to_string();
                if !target.contains("business") {
                    prop_assert_eq!(clock.elapsed + clock.paused, end - received, "{:?}", clock);
                } else if target.contains("hours") && !transferred && clock.state != ClockState::Breached {
                    let cal = rules.calendar(s.calendar.as_deref().unwrap_or("")).expect("a calendar");
                    let hours: i64 = target.split(' ').next().and_then(|n| n.parse().ok()).expect("n");
                    let open = cal.open_between(received, clock.due).expect("in range");
                    prop_assert_eq!(open, TimeDelta::hours(hours) + clock.paused, "{:?}", clock);
                }
            }
        }
    }
}

#[test]
fn an_escalation_does_not_fire_once_the_contact_is_solved() {
    let rules = bundled();
    let mut log = events(K1);
    log.truncate(1);
    log.extend(events(
        r#"{"id": "S", "contact": "K1", "at": "2026-03-02T17:00:00-05:00", "type": "status", "to": "solved"}"#,
    ));
    let k1 = Contact::replay(&rules, log);
    // escalate_at is 18:30; solved at 17:00 with no agent reply
    let s = k1
        .status_at(at("2026-03-02T20:00:00-05:00"))
        .expect("received");
    assert!(!s.escalation.expect("escalation").fired);
}

/// Lines of `text` pushed into a log, draining after each: (written early, the rest).
fn log_lines(
    text: &str,
    drain_every: usize,
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>, usize) {
    let rules = desk();
    let mut log = Log::new(&rules);
    let mut written = Vec::new();
    for (n, l) in text.lines().enumerate() {
        log.push_line(n + 1, l);
        if (n + 1) % drain_every == 0 {
            log.drain_ready(|l| {
                written.push(serde_json::from_slice::<serde_json::Value>(l).expect("JSON"))
            });
        }
    }
    (written, log.lines(None), log.error_count())
}

#[test]
fn a_closed_contact_is_final_a_day_after_its_close_and_a_later_event_is_an_error_in_place() {
    let received = |c: &str, at: &str| {
        format!(
            r#"{{"id": "{c}1", "contact": "{c}", "at": "{at}", "type": "received", "facts": {{"customer": {{"id": "C"}}, "contact": {{"kind": "inquiry", "channel": "email", "text": "x"}}}}}}"#
        )
    };
    let text = [
        received("A", "2026-03-03T09:00:00Z"),
        received("B", "2026-03-03T09:05:00Z"),
        r#"{"id": "A2", "contact": "A", "at": "2026-03-03T10:00:00Z", "type": "status", "to": "closed"}"#.into(),
        // late in the file, before the close in time: applied in `at` order
        r#"{"id": "A3", "contact": "A", "at": "2026-03-03T09:30:00Z", "type": "reply", "by": "agent"}"#.into(),
        // the log reads a day past A's close: A is final
        r#"{"id": "B2", "contact": "B", "at": "2026-03-04T10:00:00Z", "type": "reply", "by": "agent"}"#.into(),
        r#"{"id": "A4", "contact": "A", "at": "2026-03-03T09:40:00Z", "type": "reply", "by": "customer"}"#.into(),
    ]
    .join("\n");
    // whatever how often the log is drained, the same lines in the same order
    let mut seen = Vec::new();
    for every in [1, 2, 1000] {
        let (written, rest, errors) = log_lines(&text, every);
        let all: Vec<serde_json::Value> = written.iter().chain(&rest).cloned().collect();
        assert_eq!(all.len(), 3, "{all:#?}");
        assert_eq!(
            (all[0]["contact"].as_str(), all[0]["status"].as_str()),
            (Some("A"), Some("closed"))
        );
        // A3 was applied before the close: the first response was met at 09:30
        assert_eq!(
            all[0]["clocks"]["first_response"]["stopped_at"],
            "2026-03-03T09:30:00+00:00"
        );
        assert_eq!(all[0]["events"], 3);
        assert_eq!(all[1]["contact"], "B");
        // A4 came for a final contact: the error line `closed`, in its place
        assert_eq!(
            (all[2]["error"]["code"].as_str(), all[2]["event"].as_str()),
            (Some("closed"), Some("A4"))
        );
        assert_eq!(errors, 1);
        if every == 1 {
            // drained after each line: A was written out as soon as it was final
            assert_eq!(written.len(), 1);
        }
        seen.push(all);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn a_closed_contact_is_final_ten_thousand_events_after_its_close_when_time_stands_still() {
    use aftersales::host::contacts::LATE_LINES;
    let received = |c: &str| {
        format!(
            r#"{{"id": "{c}-1", "contact": "{c}", "at": "2026-03-03T09:00:00Z", "type": "received", "facts": {{"customer": {{"id": "C"}}, "contact": {{"kind": "inquiry", "channel": "email", "text": "x"}}}}}}"#
        )
    };
    // A closes; then `others` events of other contacts at the same instant; then an
    // event for A from before its close
    let text = |others: usize| {
        let mut lines = vec![
            received("A"),
            r#"{"id": "A2", "contact": "A", "at": "2026-03-03T10:00:00Z", "type": "status", "to": "closed"}"#.to_string(),
        ];
        lines.extend((0..others).map(|k| received(&format!("K{k}"))));
        lines.push(r#"{"id": "A3", "contact": "A", "at": "2026-03-03T09:30:00Z", "type": "reply", "by": "agent"}"#.into());
        lines.join("\n")
    };
    // `LATE_LINES - 1` events after the close: A3 still applies in its place in time
    let (written, rest, errors) = log_lines(&text(LATE_LINES - 1), 1);
    assert_eq!(errors, 0);
    let a = written
        .iter()
        .chain(&rest)
        .find(|l| l["contact"] == "A")
        .expect("A");
    assert_eq!(a["events"], 3);
    // one more: A is final, A3 is the error line `closed` at the end
    let (written, rest, errors) = log_lines(&text(LATE_LINES), 1);
    assert_eq!(errors, 1);
    let all: Vec<_> = written.iter().chain(&rest).collect();
    assert_eq!(all[0]["events"], 2);
    let last = all.last().expect("lines");
    assert_eq!(
        (last["error"]["code"].as_str(), last["event"].as_str()),
        (Some("closed"), Some("A3"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Damaged event lines (cut short, bytes replaced, lines repeated) never panic a log;
    /// they are error lines, and every contact the log keeps is the contact its own
    /// events give alone.
    #[test]
    fn damaged_logs_are_error_lines_never_a_panic(
        h in history("complaint"),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u8>()), 0..6),
    ) {
        let rules = desk();
        let mut lines: Vec<String> = h
            .iter()
            .map(|e| {
                let mut buf = Vec::new();
                e.to_json().write(&mut buf);
                String::from_utf8(buf).expect("utf-8")
            })
            .collect();
        for (line, at, byte) in cuts {
            let k = line.index(lines.len());
            let mut bytes = lines[k].clone().into_bytes();
            let p = at.index(bytes.len().max(1));
            match byte % 3 {
                0 => bytes.truncate(p),
                1 => { if p < bytes.len() { bytes[p] = byte; } }
                _ => { let copy = lines[k].clone(); lines.push(copy); }
            }
            lines[k] = String::from_utf8_lossy(&bytes).into_owned();
        }
        let mut log = Log::new(&rules);
        let mut events = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            log.push_line(n + 1, l);
            if let Ok(e) = Event::from_json_str(l) {
                events.push(e);
            }
            log.drain_ready(|_| {});
        }
        let mut count = 0;
        log.each_line(None, |l| {
            count += 1;
            assert!(serde_json::from_slice::<serde_json::Value>(l).is_ok());
        });
        for c in log.contacts() {
            let mine: Vec<Event> = events.iter().filter(|e| e.contact == c.id()).cloned().collect();
            prop_assert_eq!(Contact::replay(&rules, mine).status(), c.status());
        }
    }
}
