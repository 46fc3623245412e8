//! A contact through time: its events applied in order, its routing, its clocks.

use super::clock::{due, ClockState, ClockStatus, Timer, TimerError};
use super::event::{By, Event, EventKind, Lifecycle};
use super::ContactError;
use crate::eval::Calendar;
use crate::json::Json;
use crate::value::{Duration, Value};
use crate::RuleSet;
use chrono::{DateTime, FixedOffset};

type Instant = DateTime<FixedOffset>;

/// One contact: the events applied so far (kept in `at` order, equal instants in the
/// order they came) and the state they give. Its state is a pure function of those
/// events: applying them one by one, in chunks, or out of order gives what
/// [`Contact::replay`] gives.
///
/// ```
/// use aftersales::host::contacts::{Contact, Event};
/// let rules = aftersales::RuleSet::load("rules").unwrap();
/// let log = [
///     r#"{"id": "E1", "contact": "K1", "at": "2026-03-02T16:30:00-05:00", "type": "received", "facts": {"customer": {"id": "CU1", "lifetime_value": "USD 18500"}, "contact": {"kind": "complaint", "channel": "phone", "text": "The charging port started to smoke"}}}"#,
///     r#"{"id": "E2", "contact": "K1", "at": "2026-03-02T17:05:00-05:00", "type": "reply", "by": "agent"}"#,
/// ];
/// let events: Vec<Event> = log.iter().map(|l| Event::from_json_str(l).unwrap()).collect();
/// let k1 = Contact::replay(&rules, events);
/// let status = k1.status().unwrap();
/// assert_eq!(status.queue.as_deref(), Some("product_safety"));
/// let first = status.first_response.as_ref().unwrap();
/// assert_eq!(first.state.as_str(), "met");
/// assert_eq!(first.elapsed.num_seconds(), 35 * 60);
/// ```
#[derive(Debug, Clone)]
pub struct Contact<'r> {
    rules: &'r RuleSet,
    id: String,
    log: Vec<Logged>,
    /// The bundles of its `received` events (a second one is an error line, but a late
    /// event can make it the first).
    bundles: Vec<Bundle>,
    state: Option<State<'r>>,
}

/// The bundle of a `received` event, kept as compact JSON text with its defaults filled
/// in (a tenth of its tree's memory), and what the clocks read of it.
#[derive(Debug, Clone)]
struct Bundle {
    /// The facts, as routing reads them.
    text: Box<str>,
    /// `contact.received_at`, where it is an instant.
    received_at: Option<Instant>,
    /// `contact.channel`.
    channel: Option<Box<str>>,
}

impl Bundle {
    fn new(id: &str, at: Instant, facts: Json) -> Bundle {
        let facts = with_defaults(id, at, facts);
        let contact = facts.get("contact");
        let field = |name: &str| contact.and_then(|c| c.get(name)).and_then(Json::as_str);
        Bundle {
            received_at: field("received_at").and_then(|s| DateTime::parse_from_rfc3339(s).ok()),
            channel: field("channel").map(Box::from),
            text: facts.to_string().into_boxed_str(),
        }
    }
}

/// An applied event, kept compactly (its contact is the contact's; a bundle is in
/// [`Contact::bundles`]).
#[derive(Debug, Clone)]
struct Logged {
    id: Option<Box<str>>,
    at: Instant,
    kind: Kept,
    error: Option<Box<ContactError>>,
}

#[derive(Debug, Clone)]
enum Kept {
    /// `received`, with its bundle's index.
    Received(usize),
    /// Any other event.
    Other(EventKind),
}

/// What routing gave (the `routing` decision, and `segment` where the rule set has one).
#[derive(Debug, Clone, Default)]
struct Routed {
    queue: Option<String>,
    priority: Option<String>,
    first_response: Option<Duration>,
    next_reply: Option<Duration>,
    resolve: Option<Duration>,
    escalate_after: Option<Duration>,
    escalate_to: Option<String>,
    segment: Option<String>,
    segment_calendar: Option<String>,
}

#[derive(Debug, Clone)]
struct Cycles<'r> {
    target: Duration,
    current: Option<Timer<'r>>,
    cycles: u32,
    breached: u32,
}

#[derive(Debug, Clone)]
struct State<'r> {
    status: Lifecycle,
    /// The bundle it was received with (index in [`Contact::bundles`]).
    bundle: usize,
    received_at: Instant,
    channel: Option<String>,
    queue: Option<String>,
    priority: Option<String>,
    segment: Option<String>,
    segment_calendar: Option<String>,
    calendar: Option<Calendar<'r>>,
    first_response: Option<Timer<'r>>,
    /// Boxed: most rule sets give no next-reply target, and a cycle is a clock's size.
    next_reply: Option<Box<Cycles<'r>>>,
    resolve: Option<Timer<'r>>,
    escalation: Option<(Instant, Option<String>)>,
    first_agent_reply: Option<Instant>,
    /// When it was solved or closed (cleared by a reopening): an escalation not yet
    /// fired by then does not fire.
    ended: Option<Instant>,
    last_public: Option<By>,
    events: usize,
    last_at: Instant,
}

/// The `next_reply` clock: every cycle from a customer reply that follows an agent reply
/// to the next agent reply.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyCycles {
    /// The current cycle, or the last one.
    pub clock: ClockStatus,
    /// Cycles begun.
    pub cycles: u32,
    /// Cycles breached (the current one included, where it has breached).
    pub breached_cycles: u32,
}

/// The escalation of a contact (`escalate_after`, `escalate_to`).
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// When it fires, unless an agent replied by then.
    pub at: Instant,
    /// To whom (`escalate_to`), where the rules say.
    pub to: Option<String>,
    /// Whether it has fired as of the status's instant.
    pub fired: bool,
}

/// A contact as of an instant: what `aftersales contacts replay` prints for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactStatus {
    /// The contact's id.
    pub contact: String,
    /// Its status.
    pub status: Lifecycle,
    /// Its queue (from routing, or its last transfer).
    pub queue: Option<String>,
    /// Its priority (from routing, or its last `priority` event).
    pub priority: Option<String>,
    /// The customer's segment, where the rule set has segments.
    pub segment: Option<String>,
    /// The calendar its business time counts on: the queue's, else the segment's, else
    /// the channel's.
    pub calendar: Option<String>,
    /// Its channel (`contact.channel` of its bundle; not in the status line).
    pub channel: Option<String>,
    /// When it was received.
    pub received_at: Instant,
    /// `first_response`, where routing gives it a target.
    pub first_response: Option<ClockStatus>,
    /// `next_reply`, once a cycle has begun, where routing gives it a target.
    pub next_reply: Option<ReplyCycles>,
    /// `resolve`, where routing gives it a target.
    pub resolve: Option<ClockStatus>,
    /// The escalation, where routing gives `escalate_after`.
    pub escalation: Option<Escalation>,
    /// Events applied (errors not counted).
    pub events: usize,
    /// The instant the status is as of.
    pub at: Instant,
}

impl ContactStatus {
    /// Whether any of its clocks has breached (a `next_reply` cycle included).
    pub fn any_breached(&self) -> bool {
        let breached = |c: &ClockStatus| c.state == ClockState::Breached;
        self.first_response.as_ref().is_some_and(breached)
            || self.resolve.as_ref().is_some_and(breached)
            || self
                .next_reply
                .as_ref()
                .is_some_and(|n| n.breached_cycles > 0)
    }
}

impl<'r> Contact<'r> {
    /// A contact with no event yet.
    pub fn new(rules: &'r RuleSet, id: impl Into<String>) -> Contact<'r> {
        Contact {
            rules,
            id: id.into(),
            log: Vec::new(),
            bundles: Vec::new(),
            state: None,
        }
    }

    /// The contact built from its events (all for one contact; any order: they are
    /// applied in `at` order). Events in error are kept with their error
    /// ([`Contact::errors`]); the others apply.
    pub fn replay(rules: &'r RuleSet, events: impl IntoIterator<Item = Event>) -> Contact<'r> {
        let mut events = events.into_iter().peekable();
        let id = events.peek().map(|e| e.contact.clone()).unwrap_or_default();
        let mut c = Contact::new(rules, id);
        for e in events {
            let _ = c.apply(e);
        }
        c
    }

    /// Its id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Apply one more event. An event with an id already applied is ignored; an event
    /// earlier than the last applied one is put in its place and the events after it
    /// applied again. The error, where there is one, is this event's (it is kept, and
    /// listed by [`Contact::errors`]; the state is as if it had not come).
    pub fn apply(&mut self, event: Event) -> Result<(), ContactError> {
        if event.contact != self.id {
            return Err(ContactError::WrongContact {
                expected: self.id.clone(),
                found: event.contact,
            });
        }
        if let Some(id) = &event.id {
            if self
                .log
                .iter()
                .any(|l| l.id.as_deref() == Some(id.as_str()))
            {
                return Ok(());
            }
        }
        let kind = match event.kind {
            EventKind::Received { facts } => {
                // kept with its defaults filled in, as routing reads it
                self.bundles.push(Bundle::new(&self.id, event.at, facts));
                Kept::Received(self.bundles.len() - 1)
            }
            other => Kept::Other(other),
        };
        let logged = Logged {
            id: event.id.map(String::into_boxed_str),
            at: event.at,
            kind,
            error: None,
        };
        let in_order = self.log.last().is_none_or(|l| l.at <= event.at);
        if in_order {
            let r = apply_one(
                self.rules,
                &mut self.state,
                &self.bundles,
                logged.at,
                &logged.kind,
            );
            self.log.push(Logged {
                error: r.clone().err().map(Box::new),
                ..logged
            });
            return r;
        }
        // after every event at or before its instant, then everything again
        let k = self.log.partition_point(|l| l.at <= event.at);
        self.log.insert(k, logged);
        self.state = None;
        for l in self.log.iter_mut() {
            l.error = apply_one(self.rules, &mut self.state, &self.bundles, l.at, &l.kind)
                .err()
                .map(Box::new);
        }
        match self.log.get(k).and_then(|l| l.error.clone()) {
            Some(e) => Err(*e),
            None => Ok(()),
        }
    }

    /// The events in error, in `at` order: each one's id (where it has one) and error.
    pub fn errors(&self) -> impl Iterator<Item = (Option<&str>, &ContactError)> {
        self.log
            .iter()
            .filter_map(|l| l.error.as_deref().map(|e| (l.id.as_deref(), e)))
    }

    /// Whether it is closed (final).
    pub fn is_closed(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|s| s.status == Lifecycle::Closed)
    }

    /// The instant of its last applied event.
    pub fn last_at(&self) -> Option<Instant> {
        self.state.as_ref().map(|s| s.last_at)
    }

    /// Its status as of its last event; `None` until it has been received.
    pub fn status(&self) -> Option<ContactStatus> {
        self.last_at().and_then(|at| self.status_at(at))
    }

    /// Its status as of `at` (not earlier than its last event: clocks run on to `at`);
    /// `None` until it has been received.
    pub fn status_at(&self, at: Instant) -> Option<ContactStatus> {
        let s = self.state.as_ref()?;
        let at = at.max(s.last_at);
        let next_reply = s.next_reply.as_ref().and_then(|n| {
            let clock = n.current.as_ref()?.status(at);
            let open_breach =
                u32::from(clock.state == ClockState::Breached && clock.stopped_at.is_none());
            Some(ReplyCycles {
                cycles: n.cycles,
                breached_cycles: n.breached + open_breach,
                clock,
            })
        });
        Some(ContactStatus {
            contact: self.id.clone(),
            status: s.status,
            queue: s.queue.clone(),
            priority: s.priority.clone(),
            segment: s.segment.clone(),
            calendar: s.calendar.map(|c| c.name().to_string()),
            channel: s.channel.clone(),
            received_at: s.received_at,
            first_response: s.first_response.as_ref().map(|t| t.status(at)),
            next_reply,
            resolve: s.resolve.as_ref().map(|t| t.status(at)),
            escalation: s.escalation.as_ref().map(|(when, to)| Escalation {
                at: *when,
                to: to.clone(),
                fired: at >= *when
                    && s.first_agent_reply.is_none_or(|r| r > *when)
                    && s.ended.is_none_or(|e| e > *when),
            }),
            events: s.events,
            at,
        })
    }
}

/// The bundle a `received` event routes: its facts, with `contact.id` defaulting to the
/// contact's id and `contact.received_at` to the event's instant (CONTACTS.md).
pub(crate) fn received_bundle(id: &str, at: Instant, facts: &Json) -> Json {
    with_defaults(id, at, facts.clone())
}

/// [`received_bundle`] in place.
fn with_defaults(id: &str, at: Instant, mut facts: Json) -> Json {
    if facts.get("contact").is_none() {
        facts.insert("contact", Json::Object(Vec::new()));
    }
    if let Some(c) = facts.get_mut("contact") {
        if matches!(c, Json::Object(_)) {
            if c.get("id").is_none() {
                c.insert("id", Json::String(id.to_string()));
            }
            if c.get("received_at").is_none() {
                c.insert("received_at", Json::String(at.to_rfc3339()));
            }
        }
    }
    facts
}

/// Apply `e` to `state`; on an error `state` is left as it was.
fn apply_one<'r>(
    rules: &'r RuleSet,
    state: &mut Option<State<'r>>,
    bundles: &[Bundle],
    at: Instant,
    kind: &Kept,
) -> Result<(), ContactError> {
    let kind = match kind {
        Kept::Other(k) => k,
        Kept::Received(b) => {
            if state.is_some() {
                return Err(ContactError::AlreadyReceived);
            }
            return receive(rules, state, bundles, *b, at);
        }
    };
    let Some(s) = state.as_mut() else {
        return Err(ContactError::NotReceived);
    };
    other_event(rules, s, bundles, at, kind)
}

/// `received`: route the bundle, start the clocks.
fn receive<'r>(
    rules: &'r RuleSet,
    state: &mut Option<State<'r>>,
    bundles: &[Bundle],
    bundle: usize,
    at: Instant,
) -> Result<(), ContactError> {
    {
        let b = bundles.get(bundle).ok_or(ContactError::NotReceived)?;
        let received_at = b.received_at.unwrap_or(at);
        let channel = b.channel.as_deref().map(str::to_string);
        let facts = rules
            .facts_from_json(&b.text)
            .map_err(ContactError::Facts)?;
        let r = route(rules, facts, at)?;
        let calendar = pick_calendar(
            rules,
            r.queue.as_deref(),
            r.segment_calendar.as_deref(),
            channel.as_deref(),
        );
        let timer = |d: Option<Duration>, clock: &'static str| -> Result<_, ContactError> {
            d.map(|d| Timer::start(d, calendar, received_at).map_err(|e| timer_error(e, clock)))
                .transpose()
        };
        let escalation = match r.escalate_after {
            Some(d) => Some((
                due(&d, calendar, received_at).map_err(|e| timer_error(e, "escalate_after"))?,
                r.escalate_to.clone(),
            )),
            None => None,
        };
        *state = Some(State {
            status: Lifecycle::Open,
            received_at,
            channel,
            queue: r.queue,
            priority: r.priority,
            segment: r.segment,
            segment_calendar: r.segment_calendar,
            calendar,
            first_response: timer(r.first_response, "first_response")?,
            next_reply: r.next_reply.map(|target| {
                Box::new(Cycles {
                    target,
                    current: None,
                    cycles: 0,
                    breached: 0,
                })
            }),
            resolve: timer(r.resolve, "resolve")?,
            escalation,
            first_agent_reply: None,
            ended: None,
            last_public: None,
            events: 1,
            last_at: at,
            bundle,
        });
        Ok(())
    }
}

/// Any event but `received`, on a received contact.
fn other_event<'r>(
    rules: &'r RuleSet,
    s: &mut State<'r>,
    bundles: &[Bundle],
    at: Instant,
    kind: &EventKind,
) -> Result<(), ContactError> {
    if s.status == Lifecycle::Closed {
        return Err(ContactError::Closed);
    }
    match kind {
        EventKind::Received { .. } => return Err(ContactError::AlreadyReceived),
        EventKind::Reply { by: By::Internal } => {}
        EventKind::Reply { by: By::Agent } => {
            if let Some(t) = s.first_response.as_mut() {
                t.stop(at);
            }
            if let Some(n) = s.next_reply.as_mut() {
                if let Some(t) = n.current.as_mut() {
                    if !t.stopped() {
                        t.stop(at);
                        if t.status(at).state == ClockState::Breached {
                            n.breached += 1;
                        }
                    }
                }
            }
            s.first_agent_reply.get_or_insert(at);
            s.last_public = Some(By::Agent);
        }
        EventKind::Reply { by: By::Customer } => {
            if matches!(s.status, Lifecycle::Pending | Lifecycle::Solved) {
                s.status = Lifecycle::Open;
                s.ended = None;
                if let Some(t) = s.resolve.as_mut() {
                    t.resume(at);
                }
            }
            if s.last_public == Some(By::Agent) {
                if let Some(n) = s.next_reply.as_mut() {
                    let running = n.current.as_ref().is_some_and(|t| !t.stopped());
                    if !running {
                        n.current = Some(
                            Timer::start(n.target, s.calendar, at)
                                .map_err(|e| timer_error(e, "next_reply"))?,
                        );
                        n.cycles += 1;
                    }
                }
            }
            s.last_public = Some(By::Customer);
        }
        EventKind::Status { to } => {
            let waiting = matches!(s.status, Lifecycle::Pending | Lifecycle::Solved);
            if let Some(t) = s.resolve.as_mut() {
                match to {
                    Lifecycle::Open | Lifecycle::OnHold if waiting => t.resume(at),
                    Lifecycle::Pending if s.status == Lifecycle::Solved => {
                        t.resume(at);
                        t.pause(at);
                    }
                    Lifecycle::Pending if s.status != Lifecycle::Pending => t.pause(at),
                    Lifecycle::Solved | Lifecycle::Closed => t.stop(at),
                    _ => {}
                }
            }
            if *to == Lifecycle::Closed {
                // closing ends every clock still running
                if let Some(t) = s.first_response.as_mut() {
                    t.stop(at);
                }
                if let Some(t) = s.next_reply.as_mut().and_then(|n| n.current.as_mut()) {
                    if !t.stopped() {
                        t.stop(at);
                        if t.status(at).state == ClockState::Breached {
                            if let Some(n) = s.next_reply.as_mut() {
                                n.breached += 1;
                            }
                        }
                    }
                }
            }
            match to {
                Lifecycle::Solved | Lifecycle::Closed => {
                    s.ended.get_or_insert(at);
                }
                _ => s.ended = None,
            }
            s.status = *to;
        }
        EventKind::Priority { to } => {
            let b = bundles.get(s.bundle).ok_or(ContactError::NotReceived)?;
            // the bundle was written from JSON: it reads back
            let mut facts = Json::parse(&b.text).map_err(|_| ContactError::NotReceived)?;
            if let Some(c) = facts.get_mut("contact") {
                c.insert("priority", Json::String(to.as_str().to_string()));
            }
            let facts = rules.facts_from_tree(&facts).map_err(ContactError::Facts)?;
            let r = route(rules, facts, at)?;
            let (received, cal) = (s.received_at, s.calendar);
            // check every new target first, so that an error changes nothing
            for (d, clock) in [
                (&r.first_response, "first_response"),
                (&r.resolve, "resolve"),
                (&r.next_reply, "next_reply"),
                (&r.escalate_after, "escalate_after"),
            ] {
                if let Some(d) = d {
                    due(d, cal, received).map_err(|e| timer_error(e, clock))?;
                }
            }
            for (slot, d) in [
                (&mut s.first_response, r.first_response),
                (&mut s.resolve, r.resolve),
            ] {
                if let Some(d) = d {
                    match slot {
                        Some(t) => {
                            let _ = t.retarget(d, cal, at);
                        }
                        None => {
                            // a clock the old routing did not have counts from receipt
                            *slot = Timer::start(d, cal, received).ok();
                        }
                    }
                }
            }
            if let Some(d) = r.next_reply {
                match s.next_reply.as_mut() {
                    Some(n) => {
                        n.target = d;
                        if let Some(t) = n.current.as_mut().filter(|t| !t.stopped()) {
                            let _ = t.retarget(d, cal, at);
                        }
                    }
                    None => {
                        s.next_reply = Some(Box::new(Cycles {
                            target: d,
                            current: None,
                            cycles: 0,
                            breached: 0,
                        }))
                    }
                }
            }
            if let Some(d) = r.escalate_after {
                if let Ok(when) = due(&d, cal, received) {
                    s.escalation = Some((when, r.escalate_to.clone()));
                }
            }
            s.priority = Some(to.as_str().to_string());
            s.segment = r.segment;
            s.segment_calendar = r.segment_calendar;
        }
        EventKind::Transfer { queue } => {
            if !rules.has_queue(queue) {
                let known: Vec<&str> = rules
                    .checked()
                    .queues
                    .iter()
                    .map(|q| q.name.as_str())
                    .collect();
                return Err(ContactError::UnknownQueue {
                    queue: queue.clone(),
                    help: crate::diag::suggest(queue, known.iter().copied())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default(),
                });
            }
            let cal = pick_calendar(
                rules,
                Some(queue),
                s.segment_calendar.as_deref(),
                s.channel.as_deref(),
            );
            for t in [s.first_response.as_mut(), s.resolve.as_mut()]
                .into_iter()
                .flatten()
            {
                t.rebase(cal, at);
            }
            if let Some(t) = s.next_reply.as_mut().and_then(|n| n.current.as_mut()) {
                t.rebase(cal, at);
            }
            s.queue = Some(queue.clone());
            s.calendar = cal;
        }
    }
    s.events += 1;
    s.last_at = at;
    Ok(())
}

fn timer_error(e: TimerError, clock: &str) -> ContactError {
    match e {
        TimerError::NeedsCalendar => ContactError::NeedsCalendar {
            clock: clock.to_string(),
        },
        TimerError::Overflow => ContactError::Overflow {
            clock: clock.to_string(),
        },
    }
}

/// The queue's calendar, else the segment's, else the channel's (LANGUAGE.md §5.6).
fn pick_calendar<'r>(
    rules: &'r RuleSet,
    queue: Option<&str>,
    segment_calendar: Option<&str>,
    channel: Option<&str>,
) -> Option<Calendar<'r>> {
    queue
        .and_then(|q| rules.queue_calendar(q))
        .or_else(|| segment_calendar.and_then(|c| rules.calendar(c)))
        .or_else(|| channel.and_then(|c| rules.channel_calendar(c)))
}

/// Route the bundle: the `routing` decision, and `segment` where there is one.
fn route(rules: &RuleSet, facts: crate::Facts, at: Instant) -> Result<Routed, ContactError> {
    let bundle = facts.with_context_defaults(at);
    // decided into a verdict, outputs read by position: no owned `Decision` is built
    let mut v = crate::Verdict::new();
    let text = |v: &crate::Verdict, h, name: &str| {
        let k = rules.output_position(h, name)?;
        v.get_at::<Option<&str>>(rules, k)
            .ok()
            .flatten()
            .map(str::to_string)
    };
    let duration = |v: &crate::Verdict, h, name: &str| match rules
        .output_position(h, name)
        .and_then(|k| v.value(k))
    {
        Some(Value::Duration(x)) => Some(*x),
        _ => None,
    };
    let h = rules.handle("routing").map_err(ContactError::Eval)?;
    rules
        .decide_into(h, &bundle, &mut v)
        .map_err(ContactError::Eval)?;
    let mut r = Routed {
        queue: text(&v, h, "queue"),
        priority: text(&v, h, "priority"),
        first_response: duration(&v, h, "first_response"),
        next_reply: duration(&v, h, "next_reply"),
        resolve: duration(&v, h, "resolve"),
        escalate_after: duration(&v, h, "escalate_after"),
        escalate_to: text(&v, h, "escalate_to"),
        ..Routed::default()
    };
    if let Ok(seg) = rules.handle("segment") {
        rules
            .decide_into(seg, &bundle, &mut v)
            .map_err(ContactError::Eval)?;
        r.segment = text(&v, seg, "name");
        r.segment_calendar = text(&v, seg, "calendar");
        if r.next_reply.is_none() {
            r.next_reply = duration(&v, seg, "next_reply");
        }
    }
    Ok(r)
}
