//! Fuzz contacts: the input's lines are contact events (any bytes), fed to a `Log` over a
//! small service-desk rule set (business and wall-clock targets, two calendars, a priority
//! route), closed contacts written out as they close, then every line written. Bad lines
//! are error lines; nothing may panic, hang or overflow the stack. Each contact replayed
//! alone from its own events must give the line the log gave.
//!
//! With a first byte of `#`, the rest is a CSV log given to the three importers instead.

#![no_main]

use aftersales::host::contacts::{import, Contact, Event, Log};
use aftersales::RuleSet;
use libfuzzer_sys::fuzz_target;

const RULES: &str = r#"
calendar east { timezone "America/New_York"  hours mon..fri 09:00-17:00  holidays [2026-03-09] }
calendar west { timezone "America/Los_Angeles"  hours mon..fri 09:00-17:00 }
queue desk_east "East desk" { calendar east }
queue desk_west "West desk" { calendar west }
segment standard otherwise { first_response 24h  next_reply 4 business hours  resolve 2 business days  channels [email, phone] }
route complaint {
  rule urgent when has contact.priority and contact.priority == p1
    then queue = desk_east, priority = p1, first_response = 1h, resolve = 4 business hours
  otherwise queue = desk_east, priority = p3, first_response = 8 business hours,
    resolve = 16 business hours, escalate_after = 4h, escalate_to = lead
}
route inquiry { otherwise queue = desk_west, priority = p4, resolve = 48h }
"#;

fn run(data: Vec<u8>) {
    if data.first() == Some(&b'#') {
        for source in [
            import::Source::ServiceNow,
            import::Source::Bpi2013,
            import::Source::Helpdesk,
        ] {
            let _ = import::import(
                source,
                &data[1..],
                chrono_tz::UTC,
                &mut |e| {
                    let _ = e.to_json();
                },
                &mut |_| {},
            );
        }
        return;
    }
    let rules = RuleSet::from_sources([("f.rules".to_string(), RULES.to_string())])
        .expect("the fuzz rules load");
    let text = String::from_utf8_lossy(&data);
    let mut log = Log::new(&rules);
    let mut events: Vec<Event> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        log.push_line(n + 1, line);
        if let Ok(e) = Event::from_json_str(line) {
            events.push(e);
        }
        log.drain_ready(|_| {});
    }
    log.each_line(None, |_| {});
    let _ = log.error_count();
    // a contact still in the log, replayed alone, is the same contact
    for c in log.contacts() {
        let mine: Vec<Event> = events.iter().filter(|e| e.contact == c.id()).cloned().collect();
        let alone = Contact::replay(&rules, mine);
        assert_eq!(alone.status(), c.status(), "contact {}", c.id());
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
