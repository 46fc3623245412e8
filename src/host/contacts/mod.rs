//! Contacts over time (CONTACTS.md): a contact's events — received, replies, status
//! changes, priority changes, transfers — applied in order; its routing through the rule
//! set's `routing` decision; and its service-level clocks (`first_response`, `next_reply`,
//! `resolve` paused while pending, the escalation), in wall-clock time or in business time
//! on the contact's calendar, with the same business-time arithmetic as the rules' own
//! due instants ([`crate::eval::Calendar`]).
//!
//! [`Contact`] follows one contact; [`Log`] follows every contact of an event log, as
//! `aftersales contacts replay` does.
//!
//! ```
//! use aftersales::host::contacts::Log;
//! let rules = aftersales::RuleSet::load("rules").unwrap();
//! let mut log = Log::new(&rules);
//! log.push_line(1, r#"{"id": "E1", "contact": "K1", "at": "2026-03-02T16:30:00-05:00", "type": "received", "facts": {"customer": {"id": "CU1"}, "contact": {"kind": "inquiry", "channel": "email", "text": "Where is my part?"}}}"#);
//! log.push_line(2, r#"{"id": "E2", "contact": "K1", "at": "2026-03-02T16:20:00-05:00", "type": "reply", "by": "robot"}"#);
//! let lines = log.lines(None);
//! assert_eq!(lines[0]["contact"], "K1");
//! assert_eq!(lines[0]["status"], "open");
//! assert_eq!(lines[1]["error"]["code"], "unknown_value");
//! assert_eq!(lines[1]["line"], 2);
//! ```

mod clock;
mod contact;
mod event;
pub mod html;
#[cfg(feature = "import")]
pub mod import;
pub mod report;

pub use clock::{ClockState, ClockStatus};
pub use contact::{Contact, ContactStatus, Escalation, ReplyCycles};
pub use event::{BadEvent, By, Event, EventKind, Lifecycle, Priority};

use crate::json::Json;
use crate::RuleSet;
use chrono::{DateTime, FixedOffset};
use std::collections::HashMap;

/// Why an event could not be applied. Each is an error line in the event's place; the
/// rest of the log goes on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContactError {
    /// The line is not JSON.
    #[error("{0}")]
    Syntax(String),
    /// A field is missing or of the wrong kind.
    #[error("{0}")]
    Invalid(String),
    /// `type` is none of the five.
    #[error("unknown event type `{found}`{help}")]
    UnknownType {
        /// The type given.
        found: String,
        /// A suggestion.
        help: String,
    },
    /// `by` or `to` is not one of its values.
    #[error("unknown `{key}` value `{value}`: {help}")]
    UnknownValue {
        /// `by` or `to`.
        key: String,
        /// The value given.
        value: String,
        /// The values it may take.
        help: String,
    },
    /// An event for a contact with no `received` before it.
    #[error("the contact has not been received: an event before its `received` event")]
    NotReceived,
    /// A second `received`.
    #[error("the contact was already received")]
    AlreadyReceived,
    /// An event after `closed`.
    #[error("the contact is closed: no event may follow `closed`")]
    Closed,
    /// A transfer to a queue the rules do not declare.
    #[error("transfer to undeclared queue `{queue}`{help}")]
    UnknownQueue {
        /// The queue.
        queue: String,
        /// A suggestion.
        help: String,
    },
    /// An event of another contact given to [`Contact::apply`].
    #[error("event of contact `{found}` applied to contact `{expected}`")]
    WrongContact {
        /// The contact applied to.
        expected: String,
        /// The event's contact.
        found: String,
    },
    /// The `received` bundle does not fit the rule set's schemas.
    #[error("{0}")]
    Facts(crate::facts::FactErrors),
    /// Routing failed.
    #[error("{0}")]
    Eval(crate::eval::EvalError),
    /// A business-time target and no calendar: no queue, segment or channel calendar.
    #[error("clock `{clock}` has a business-time target and the contact has no calendar (none on its queue, segment or channel)")]
    NeedsCalendar {
        /// The clock.
        clock: String,
    },
    /// A due instant out of range.
    #[error("the due instant of clock `{clock}` is out of range")]
    Overflow {
        /// The clock.
        clock: String,
    },
}

impl ContactError {
    /// Its stable code: `syntax`, `invalid_event`, `unknown_type`, `unknown_value`,
    /// `not_received`, `already_received`, `closed`, `unknown_queue`, `wrong_contact`,
    /// `needs_calendar`, `overflow`, or the code of the facts' or the routing's error.
    pub fn code(&self) -> &'static str {
        match self {
            ContactError::Syntax(_) => "syntax",
            ContactError::Invalid(_) => "invalid_event",
            ContactError::UnknownType { .. } => "unknown_type",
            ContactError::UnknownValue { .. } => "unknown_value",
            ContactError::NotReceived => "not_received",
            ContactError::AlreadyReceived => "already_received",
            ContactError::Closed => "closed",
            ContactError::UnknownQueue { .. } => "unknown_queue",
            ContactError::WrongContact { .. } => "wrong_contact",
            ContactError::Facts(e) => e.first().map_or("invalid_facts", |f| f.code()),
            ContactError::Eval(e) => e.code(),
            ContactError::NeedsCalendar { .. } => "needs_calendar",
            ContactError::Overflow { .. } => "overflow",
        }
    }
}

/// The error line of an event (CONTACTS.md): `{"contact", "event", "error": {"code",
/// "message"}}`, with `"line"` where the event came from a numbered line.
pub fn error_line(
    contact: Option<&str>,
    event: Option<&str>,
    error: &ContactError,
    line: Option<usize>,
) -> Json {
    let mut o = Json::object([
        ("contact", Json::from(contact)),
        ("event", Json::from(event)),
        (
            "error",
            Json::object([
                ("code", Json::from(error.code())),
                ("message", Json::String(error.to_string())),
            ]),
        ),
    ]);
    if let Some(n) = line {
        o.insert("line", Json::of(&n));
    }
    o
}

/// Writes a JSON object's entries straight into a buffer (a status line is written for
/// every contact: no tree is built for it).
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    fn new(out: &'o mut Vec<u8>) -> Obj<'o> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        crate::json::write_str(self.out, k);
        self.out.push(b':');
        self.out
    }

    fn str(&mut self, k: &str, v: &str) {
        let out = self.key(k);
        crate::json::write_str(out, v);
    }

    fn opt(&mut self, k: &str, v: Option<&str>) {
        match v {
            Some(v) => self.str(k, v),
            None => self.key(k).extend_from_slice(b"null"),
        }
    }

    fn num(&mut self, k: &str, v: i64) {
        let out = self.key(k);
        out.extend_from_slice(v.to_string().as_bytes());
    }

    fn instant(&mut self, k: &str, t: &DateTime<FixedOffset>) {
        self.str(k, &t.to_rfc3339());
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

impl ClockStatus {
    /// The clock as a status line writes it: `target`, `state`, `due`, `stopped_at`
    /// (stopped clocks), `elapsed_s`, `paused_s` where `paused` is asked for, then
    /// `extra` entries.
    fn write(&self, out: &mut Vec<u8>, paused: bool, extra: &[(&str, i64)]) {
        let mut o = Obj::new(out);
        o.str("target", &self.target.to_string());
        o.str("state", self.state.as_str());
        o.instant("due", &self.due);
        if let Some(t) = &self.stopped_at {
            o.instant("stopped_at", t);
        }
        o.num("elapsed_s", self.elapsed.num_seconds());
        if paused {
            o.num("paused_s", self.paused.num_seconds());
        }
        for (k, v) in extra {
            o.num(k, *v);
        }
        o.end();
    }
}

impl ContactStatus {
    /// The status line (CONTACTS.md, "Command line").
    pub fn to_json(&self) -> serde_json::Value {
        let mut buf = Vec::new();
        self.write_json(&mut buf);
        serde_json::from_slice(&buf).unwrap_or_default()
    }

    /// Append the status line's compact JSON (no newline) to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::new(out);
        o.str("contact", &self.contact);
        o.str("status", self.status.as_str());
        o.opt("queue", self.queue.as_deref());
        o.opt("priority", self.priority.as_deref());
        o.opt("segment", self.segment.as_deref());
        o.opt("calendar", self.calendar.as_deref());
        o.instant("received_at", &self.received_at);
        {
            let clocks = o.key("clocks");
            let mut c = Obj::new(clocks);
            if let Some(x) = &self.first_response {
                x.write(c.key("first_response"), false, &[]);
            }
            if let Some(n) = &self.next_reply {
                n.clock.write(
                    c.key("next_reply"),
                    false,
                    &[
                        ("cycles", i64::from(n.cycles)),
                        ("breached_cycles", i64::from(n.breached_cycles)),
                    ],
                );
            }
            if let Some(x) = &self.resolve {
                x.write(c.key("resolve"), true, &[]);
            }
            c.end();
        }
        if let Some(e) = &self.escalation {
            let mut x = Obj::new(o.key("escalation"));
            x.instant("at", &e.at);
            x.opt("to", e.to.as_deref());
            x.key("fired")
                .extend_from_slice(if e.fired { b"true" } else { b"false" });
            x.end();
        }
        o.num("events", i64::try_from(self.events).unwrap_or(i64::MAX));
        o.end();
    }
}

/// Check a `received` event's bundle against the rule set's schemas (as routing will read
/// it, `contact.id` and `contact.received_at` defaulted); `Ok` for any other event.
pub fn validate(rules: &RuleSet, event: &Event) -> Result<(), ContactError> {
    match &event.kind {
        EventKind::Received { facts } => rules
            .facts_from_tree(&contact::received_bundle(&event.contact, event.at, facts))
            .map(|_| ())
            .map_err(ContactError::Facts),
        _ => Ok(()),
    }
}

/// Where a contact's event history is kept: the engine's side of the embedded store
/// (`aftersales::store::Store`, SQLite), so that a service can keep the same append-only
/// history in its own database. Events are never updated or deleted; an event id seen
/// again is ignored.
pub trait ContactStore {
    /// Why the store failed.
    type Error: std::error::Error;

    /// Append events in one transaction (all or none); how many were new.
    fn append(&mut self, events: &[Event]) -> Result<usize, Self::Error>;

    /// Every contact, in order of first appearance.
    fn contacts(&self) -> Result<Vec<String>, Self::Error>;

    /// Whether the store holds any event of `contact`.
    fn has_contact(&self, contact: &str) -> Result<bool, Self::Error>;

    /// One contact's events, in `at` order (equal instants in the order stored).
    fn events_of(&self, contact: &str) -> Result<Vec<Event>, Self::Error>;

    /// Every event: contacts in order of first appearance, each's events in `at` order.
    fn each_event(&self, f: &mut dyn FnMut(Event)) -> Result<(), Self::Error>;

    /// The instant of the latest event stored, as it was written.
    fn last_at(&self) -> Result<Option<DateTime<FixedOffset>>, Self::Error>;
}

/// Where an output line of a [`Log`] comes from, in order of first appearance.
#[derive(Debug, Clone)]
enum Slot {
    Contact(usize),
    Bad(usize, Box<BadEvent>),
    /// An event for a contact already closed and written out.
    Late(String, Option<String>),
    /// A closed contact made final: what its lines say. Its events are forgotten.
    Done(Box<Final>),
}

/// What is kept of a final contact: its error lines' content and its status.
#[derive(Debug, Clone)]
struct Final {
    id: String,
    errors: Vec<(Option<String>, ContactError)>,
    status: Option<ContactStatus>,
}

/// How long, in the log's own time (the latest `at` read), a closed contact waits for
/// events that come later in the file but belong before its close: they are still
/// applied in `at` order. Past it, the contact is final (see [`Log`]).
pub const LATE_EVENTS: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// How many events a closed contact waits for, in the file, for events that belong
/// before its close (whichever of this and [`LATE_EVENTS`] comes first): a log whose
/// instants do not advance still forgets its closed contacts.
pub const LATE_LINES: usize = 10_000;

/// Every contact of an event log, in order of first appearance: what `aftersales
/// contacts replay` prints. Events are applied as they come (each contact in `at` order);
/// an event whose id its contact has seen before is ignored.
///
/// A closed contact becomes final once the log has read an event [`LATE_EVENTS`] (24
/// hours) past its close, or [`LATE_LINES`] (10,000) events after it, whichever first: the log then keeps only what its lines say and forgets its
/// events, and [`Log::drain_ready`] writes out the lines that can no longer change (final
/// contacts, bad lines) as soon as every line before them is written, so that memory
/// follows the contacts still open (and the statuses of final contacts that wait for an
/// earlier contact still open). An event that comes for a final contact is the error
/// line `closed` in its place, whatever its instant; until then, an event that comes late
/// in the file is applied in `at` order. What is final depends only on the events read,
/// never on how often `drain_ready` is called.
#[derive(Debug)]
pub struct Log<'r> {
    rules: &'r RuleSet,
    /// `None`: written out and forgotten (boxed, so that a forgotten contact's slot is a
    /// word).
    contacts: Vec<Option<Box<Contact<'r>>>>,
    index: HashMap<String, usize>,
    slots: std::collections::VecDeque<Slot>,
    /// The slot of each contact, counted from the first slot ever (see `popped`).
    slot_of: Vec<usize>,
    /// Slots written out and removed from the front of `slots`.
    popped: usize,
    /// Contacts that closed, by the instant they closed (the earliest first).
    closing: std::collections::BinaryHeap<std::cmp::Reverse<(i64, usize)>>,
    /// Contacts that closed, by the count of events read when they closed.
    closed_lines: std::collections::VecDeque<(usize, usize)>,
    /// Events read.
    read: usize,
    until: Option<DateTime<FixedOffset>>,
    last: Option<DateTime<FixedOffset>>,
    /// Error lines already written out.
    written_errors: usize,
}

impl<'r> Log<'r> {
    /// An empty log over `rules`.
    pub fn new(rules: &'r RuleSet) -> Log<'r> {
        Log {
            rules,
            contacts: Vec::new(),
            index: HashMap::new(),
            slots: std::collections::VecDeque::new(),
            slot_of: Vec::new(),
            popped: 0,
            closing: std::collections::BinaryHeap::new(),
            closed_lines: std::collections::VecDeque::new(),
            read: 0,
            until: None,
            last: None,
            written_errors: 0,
        }
    }

    /// Ignore events after `at` (`--at`: the log as of that instant).
    pub fn until(mut self, at: DateTime<FixedOffset>) -> Log<'r> {
        self.until = Some(at);
        self
    }

    /// Read and apply the event on line `line`; a line that is not an event is an error
    /// line in its place.
    pub fn push_line(&mut self, line: usize, text: &str) {
        match Event::from_json_str(text) {
            Ok(e) => self.push(e),
            Err(bad) => self.slots.push_back(Slot::Bad(line, bad)),
        }
    }

    /// A line that could not be read at all (too long, not text): an error line in its
    /// place.
    pub fn push_unreadable(&mut self, line: usize, error: ContactError) {
        self.slots.push_back(Slot::Bad(
            line,
            Box::new(BadEvent {
                contact: None,
                event: None,
                error,
            }),
        ));
    }

    /// Apply an event.
    pub fn push(&mut self, event: Event) {
        if self.until.is_some_and(|u| event.at > u) {
            return;
        }
        self.last = Some(self.last.map_or(event.at, |l| l.max(event.at)));
        self.read += 1;
        let k = match self.index.get(&event.contact) {
            Some(k) => *k,
            None => {
                let k = self.contacts.len();
                self.contacts.push(Some(Box::new(Contact::new(
                    self.rules,
                    event.contact.clone(),
                ))));
                self.index.insert(event.contact.clone(), k);
                self.slot_of.push(self.popped + self.slots.len());
                self.slots.push_back(Slot::Contact(k));
                k
            }
        };
        match self.contacts.get_mut(k) {
            Some(Some(c)) => {
                let was_closed = c.is_closed();
                let _ = c.apply(event);
                if !was_closed && c.is_closed() {
                    if let Some(at) = c.last_at() {
                        self.closing.push(std::cmp::Reverse((at.timestamp(), k)));
                    }
                    self.closed_lines.push_back((self.read, k));
                }
            }
            _ => self.slots.push_back(Slot::Late(event.contact, event.id)),
        }
        self.finalize();
    }

    /// Make final the closed contacts the log has read [`LATE_EVENTS`] past: keep their
    /// lines, forget their events.
    fn finalize(&mut self) {
        let Some(last) = self.last else { return };
        let horizon = last.timestamp() - LATE_EVENTS.num_seconds();
        loop {
            let k = match (
                self.closing.peek().copied(),
                self.closed_lines.front().copied(),
            ) {
                (Some(std::cmp::Reverse((closed, k))), _) if closed <= horizon => {
                    self.closing.pop();
                    k
                }
                (_, Some((read, k))) if read + LATE_LINES <= self.read => {
                    self.closed_lines.pop_front();
                    k
                }
                _ => return,
            };
            let Some(slot) = self.slot_of.get(k).and_then(|s| s.checked_sub(self.popped)) else {
                continue;
            };
            let Some(Some(c)) = self.contacts.get_mut(k).map(Option::take) else {
                continue;
            };
            // a closed contact's status is the same whatever the instant it is read at
            let done = Final {
                id: c.id().to_string(),
                errors: c
                    .errors()
                    .map(|(e, err)| (e.map(str::to_string), err.clone()))
                    .collect(),
                status: c.status(),
            };
            if let Some(s) = self.slots.get_mut(slot) {
                *s = Slot::Done(Box::new(done));
            }
        }
    }

    /// The status of each contact not yet written out, as of `at` (default
    /// [`Log::as_of`]), in order of first appearance: final contacts' as they closed.
    pub fn statuses(
        &self,
        at: Option<DateTime<FixedOffset>>,
    ) -> impl Iterator<Item = ContactStatus> + '_ {
        let at = at.or(self.as_of());
        self.slots.iter().filter_map(move |slot| match slot {
            Slot::Done(done) => done.status.clone(),
            Slot::Contact(k) => match (self.contacts.get(*k), at) {
                (Some(Some(c)), Some(at)) => c.status_at(at),
                (Some(Some(c)), None) => c.status(),
                _ => None,
            },
            Slot::Bad(..) | Slot::Late(..) => None,
        })
    }

    /// The contacts not yet final, in order of first appearance.
    pub fn contacts(&self) -> impl Iterator<Item = &Contact<'r>> {
        self.contacts.iter().flatten().map(|c| &**c)
    }

    /// The instant the log is reported as of: `--at`, else its last event's.
    pub fn as_of(&self) -> Option<DateTime<FixedOffset>> {
        self.until.or(self.last)
    }

    /// The output lines, as of `at` (default [`Log::as_of`]): for each contact in order of
    /// first appearance, its events' error lines then its status line (none for a contact
    /// never received); a line that was not an event, in its place.
    pub fn lines(&self, at: Option<DateTime<FixedOffset>>) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        self.each_line(at, |line| {
            out.push(serde_json::from_slice(line).unwrap_or_default());
        });
        out
    }

    /// The lines of one slot.
    fn slot_lines(
        &self,
        slot: &Slot,
        at: Option<DateTime<FixedOffset>>,
        buf: &mut Vec<u8>,
        f: &mut impl FnMut(&[u8]),
    ) {
        let mut json = |j: Json, buf: &mut Vec<u8>| {
            buf.clear();
            j.write(buf);
            f(buf);
        };
        match slot {
            Slot::Bad(line, bad) => json(
                error_line(
                    bad.contact.as_deref(),
                    bad.event.as_deref(),
                    &bad.error,
                    Some(*line),
                ),
                buf,
            ),
            Slot::Late(contact, id) => json(
                error_line(Some(contact), id.as_deref(), &ContactError::Closed, None),
                buf,
            ),
            Slot::Done(done) => {
                for (e, err) in &done.errors {
                    json(error_line(Some(&done.id), e.as_deref(), err, None), buf);
                }
                if let Some(s) = &done.status {
                    buf.clear();
                    s.write_json(buf);
                    f(buf);
                }
            }
            Slot::Contact(k) => {
                let Some(Some(c)) = self.contacts.get(*k) else {
                    return;
                };
                for (e, err) in c.errors() {
                    json(error_line(Some(c.id()), e, err, None), buf);
                }
                let status = match at {
                    Some(at) => c.status_at(at),
                    None => c.status(),
                };
                if let Some(s) = status {
                    buf.clear();
                    s.write_json(buf);
                    f(buf);
                }
            }
        }
    }

    /// Each output line of [`Log::lines`] not yet written out: its compact JSON text
    /// (no newline).
    pub fn each_line(&self, at: Option<DateTime<FixedOffset>>, mut f: impl FnMut(&[u8])) {
        let at = at.or(self.as_of());
        let mut buf = Vec::with_capacity(1024);
        for slot in &self.slots {
            self.slot_lines(slot, at, &mut buf, &mut f);
        }
    }

    /// Write out the lines that can no longer change, from the front: bad lines and final
    /// contacts; stop at the first contact not final. What is left comes from
    /// [`Log::each_line`].
    pub fn drain_ready(&mut self, mut f: impl FnMut(&[u8])) {
        let mut buf = Vec::with_capacity(1024);
        while let Some(front) = self.slots.front() {
            if matches!(front, Slot::Contact(_)) {
                return;
            }
            let Some(slot) = self.slots.pop_front() else {
                return;
            };
            self.popped += 1;
            self.written_errors += self.slot_errors(&slot);
            self.slot_lines(&slot, None, &mut buf, &mut f);
        }
    }

    fn slot_errors(&self, slot: &Slot) -> usize {
        match slot {
            Slot::Bad(..) | Slot::Late(..) => 1,
            Slot::Done(done) => done.errors.len(),
            Slot::Contact(k) => match self.contacts.get(*k) {
                Some(Some(c)) => c.errors().count(),
                _ => 0,
            },
        }
    }

    /// How many error lines the log holds (written out or not).
    pub fn error_count(&self) -> usize {
        self.written_errors
            + self
                .slots
                .iter()
                .map(|s| self.slot_errors(s))
                .sum::<usize>()
    }
}
