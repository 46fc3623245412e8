//! Converters from real service-desk logs to contact events (CONTACTS.md): a ServiceNow
//! incident audit log, the Volvo IT log of the BPI Challenge 2013, and the help-desk log of
//! an Italian software company. Each row is read with the `csv` crate; the mapping of each
//! source, field by field and state by state, is in `docs/contacts.md`. Where the data
//! contradicts itself (an event earlier than the one before it, activity after closing),
//! each case is reported as a [`Problem`] and the conversion goes on.

use super::event::{By, Event, EventKind, Lifecycle, Priority};
use crate::json::Json;
use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::io::Read;

/// Which log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// ServiceNow's incident audit log (UCI "Incident management process enriched event
    /// log"): one row per update of an incident.
    ServiceNow,
    /// Volvo IT's incident log (BPI Challenge 2013, `VINST`): one row per status change.
    Bpi2013,
    /// The help-desk log of an Italian software company (Polato 2017): one row per
    /// activity.
    Helpdesk,
}

impl Source {
    /// The source named `s` (`servicenow`, `bpi2013`, `helpdesk`).
    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "servicenow" => Source::ServiceNow,
            "bpi2013" => Source::Bpi2013,
            "helpdesk" => Source::Helpdesk,
            _ => return None,
        })
    }
}

/// Why a file could not be converted at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A column the source needs is not in the header.
    #[error("line 1: the header has no column `{column}` (is this a {source_name} log?)")]
    MissingColumn {
        /// The column.
        column: String,
        /// The source expected.
        source_name: &'static str,
    },
    /// The file could not be read as CSV.
    #[error("{0}")]
    Csv(#[from] csv::Error),
}

/// What kind of [`Problem`] a row has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The row could not be read or has a value the mapping does not know: left out.
    BadRow,
    /// The log contradicts itself (an event earlier than the one before it, activity after
    /// closing): reported; what is done is in the message.
    Contradiction,
}

/// A row that could not be converted, or data that contradicts itself: reported, and the
/// conversion goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// The line of the file (1 is the header).
    pub line: u64,
    /// The case, where the row names one.
    pub contact: Option<String>,
    /// What is wrong, and what was done.
    pub message: String,
}

/// What a conversion did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Rows read.
    pub rows: u64,
    /// Events written.
    pub events: u64,
    /// Cases (contacts).
    pub contacts: u64,
    /// Problems reported.
    pub problems: u64,
}

/// One case's conversion state.
#[derive(Debug, Default)]
struct Case {
    seq: u32,
    status: Option<Lifecycle>,
    responded: bool,
    priority: Option<Priority>,
    last_at: Option<DateTime<FixedOffset>>,
    /// ServiceNow: the reopen count last seen.
    reopens: u32,
    /// Activity after closing was reported.
    after_close: bool,
}

/// Converts rows to events.
struct Out<'a> {
    cases: HashMap<String, Case>,
    on_event: &'a mut dyn FnMut(Event),
    on_problem: &'a mut dyn FnMut(Problem),
    summary: Summary,
}

impl Out<'_> {
    fn problem(&mut self, line: u64, contact: Option<&str>, message: String) {
        self.report(ProblemKind::BadRow, line, contact, message);
    }

    fn contradiction(&mut self, line: u64, contact: Option<&str>, message: String) {
        self.report(ProblemKind::Contradiction, line, contact, message);
    }

    fn report(&mut self, kind: ProblemKind, line: u64, contact: Option<&str>, message: String) {
        self.summary.problems += 1;
        (self.on_problem)(Problem {
            kind,
            line,
            contact: contact.map(str::to_string),
            message,
        });
    }

    /// Emit `kind` for `case` at `at`, unless the case is closed (then it is reported).
    fn emit(&mut self, line: u64, case: &str, at: DateTime<FixedOffset>, kind: EventKind) {
        let c = self.cases.entry(case.to_string()).or_default();
        if c.status == Some(Lifecycle::Closed) {
            // reported once a case: closed is final
            if !c.after_close {
                c.after_close = true;
                let what = describe(&kind);
                self.contradiction(
                    line,
                    Some(case),
                    format!("{what} after the case was closed: closed is final, so this and the case's later activity are left out"),
                );
            }
            return;
        }
        let earlier = c.last_at.filter(|l| at < *l);
        c.seq += 1;
        let id = format!("{case}#{}", c.seq);
        c.last_at = Some(c.last_at.map_or(at, |l| l.max(at)));
        match &kind {
            EventKind::Status { to } => c.status = Some(*to),
            EventKind::Received { .. } => c.status = Some(Lifecycle::Open),
            EventKind::Reply { by: By::Agent } => c.responded = true,
            EventKind::Reply { by: By::Customer } => {
                if matches!(c.status, Some(Lifecycle::Pending | Lifecycle::Solved)) {
                    c.status = Some(Lifecycle::Open);
                }
            }
            EventKind::Priority { to } => c.priority = Some(*to),
            _ => {}
        }
        if let Some(l) = earlier {
            self.contradiction(
                line,
                Some(case),
                format!(
                    "event at {} is earlier than the case's previous event ({}); kept (replay applies events in time order)",
                    at.to_rfc3339(),
                    l.to_rfc3339()
                ),
            );
        }
        self.summary.events += 1;
        (self.on_event)(Event {
            id: Some(id),
            contact: case.to_string(),
            at,
            kind,
        });
    }

    fn status(&self, case: &str) -> Option<Lifecycle> {
        self.cases.get(case).and_then(|c| c.status)
    }

    /// Move the case to `to`, if it is not there.
    fn to(&mut self, line: u64, case: &str, at: DateTime<FixedOffset>, to: Lifecycle) {
        if self.status(case) != Some(to) {
            self.emit(line, case, at, EventKind::Status { to });
        }
    }

    /// The first agent action: a public agent reply, once.
    fn respond(&mut self, line: u64, case: &str, at: DateTime<FixedOffset>) {
        if !self.cases.get(case).is_some_and(|c| c.responded) {
            self.emit(line, case, at, EventKind::Reply { by: By::Agent });
        }
    }

    fn priority(&mut self, line: u64, case: &str, at: DateTime<FixedOffset>, p: Option<Priority>) {
        let Some(p) = p else { return };
        let current = self.cases.get(case).and_then(|c| c.priority);
        if current.is_some() && current != Some(p) {
            self.emit(line, case, at, EventKind::Priority { to: p });
        }
    }

    fn receive(
        &mut self,
        line: u64,
        case: &str,
        at: DateTime<FixedOffset>,
        facts: Json,
        priority: Option<Priority>,
    ) {
        self.summary.contacts += 1;
        self.emit(line, case, at, EventKind::Received { facts });
        if let Some(c) = self.cases.get_mut(case) {
            c.priority = priority;
        }
    }

    fn seen(&self, case: &str) -> bool {
        self.cases.contains_key(case)
    }
}

fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::Received { .. } => "`received`".into(),
        EventKind::Reply { by } => format!("a reply by {}", by.as_str()),
        EventKind::Status { to } => format!("status `{to}`"),
        EventKind::Priority { to } => format!("priority `{to}`"),
        EventKind::Transfer { queue } => format!("a transfer to `{queue}`"),
    }
}

/// A local time without a zone, read in `tz` (the earlier of a repeated hour; a time
/// skipped by a change to summer time moves to the first instant after the gap).
fn local(tz: Tz, t: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    let mut at = t;
    for _ in 0..16 {
        match tz.from_local_datetime(&at) {
            LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => {
                return Some(x.with_timezone(&x.offset().fix()))
            }
            LocalResult::None => at = at.checked_add_signed(chrono::TimeDelta::minutes(15))?,
        }
    }
    None
}

/// The bundle of a `received` event.
fn bundle(
    customer: &str,
    channel: &str,
    text: &str,
    topic: Option<&str>,
    p: Option<Priority>,
) -> Json {
    let mut contact = vec![
        ("kind".to_string(), Json::from("complaint")),
        ("channel".to_string(), Json::from(channel)),
        ("text".to_string(), Json::from(text)),
    ];
    if let Some(t) = topic {
        contact.push(("topic".into(), Json::from(t)));
    }
    if let Some(p) = p {
        contact.push(("priority".into(), Json::from(p.as_str())));
    }
    Json::object([
        ("customer", Json::object([("id", Json::from(customer))])),
        ("contact", Json::Object(contact)),
    ])
}

/// The column index of each name in `names`, from the header.
fn columns<const N: usize>(
    header: &csv::StringRecord,
    names: [&str; N],
    source_name: &'static str,
) -> Result<[usize; N], ImportError> {
    let mut out = [0usize; N];
    for (k, name) in names.iter().enumerate() {
        out[k] = header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == *name)
            .ok_or_else(|| ImportError::MissingColumn {
                column: name.to_string(),
                source_name,
            })?;
    }
    Ok(out)
}

/// Convert a log of `source` read from `input` (local times without a zone are read in
/// `tz`): each event to `on_event`, in file order; each problem to `on_problem`.
pub fn import(
    source: Source,
    input: impl Read,
    tz: Tz,
    on_event: &mut dyn FnMut(Event),
    on_problem: &mut dyn FnMut(Problem),
) -> Result<Summary, ImportError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = rdr.headers()?.clone();
    let mut out = Out {
        cases: HashMap::new(),
        on_event,
        on_problem,
        summary: Summary::default(),
    };
    match source {
        Source::ServiceNow => servicenow(&mut rdr, &header, tz, &mut out)?,
        Source::Bpi2013 => bpi2013(&mut rdr, &header, &mut out)?,
        Source::Helpdesk => helpdesk(&mut rdr, &header, tz, &mut out)?,
    }
    Ok(out.summary)
}

/// The rows of `rdr`, each with its line; a row CSV cannot read is a problem.
fn rows<R: Read>(
    rdr: &mut csv::Reader<R>,
    out: &mut Out<'_>,
    mut f: impl FnMut(u64, &csv::StringRecord, &mut Out<'_>),
) {
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => return,
            Ok(true) => {
                out.summary.rows += 1;
                let line = rec.position().map_or(0, |p| p.line());
                f(line, &rec, out);
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.problem(line, None, format!("unreadable row: {e}; left out"));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return;
                }
            }
        }
    }
}

fn field(rec: &csv::StringRecord, k: usize) -> Option<&str> {
    rec.get(k)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "?")
}

fn servicenow<R: Read>(
    rdr: &mut csv::Reader<R>,
    header: &csv::StringRecord,
    tz: Tz,
    out: &mut Out<'_>,
) -> Result<(), ImportError> {
    let [number, state, reopen, caller, opened, updated, kind, category, subcategory, symptom, priority] =
        columns(
            header,
            [
                "number",
                "incident_state",
                "reopen_count",
                "caller_id",
                "opened_at",
                "sys_updated_at",
                "contact_type",
                "category",
                "subcategory",
                "u_symptom",
                "priority",
            ],
            "ServiceNow incident",
        )?;
    let time = |s: Option<&str>| {
        s.and_then(|s| NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M").ok())
            .and_then(|t| local(tz, t))
    };
    rows(rdr, out, |line, rec, out| {
        let Some(case) = field(rec, number) else {
            out.problem(line, None, "no incident number; row left out".into());
            return;
        };
        let Some(at) = time(field(rec, updated)) else {
            out.problem(
                line,
                Some(case),
                format!(
                    "`sys_updated_at` is not a D/M/YYYY HH:MM time ({:?}); row left out",
                    rec.get(updated)
                ),
            );
            return;
        };
        // `1 - Critical` .. `4 - Low`
        let p = field(rec, priority)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| Priority::parse(&format!("p{n}")));
        if !out.seen(case) {
            let received = time(field(rec, opened)).unwrap_or(at);
            let channel = match field(rec, kind) {
                Some("Phone") => "phone",
                Some("Email") => "email",
                Some("Self service") => "web",
                Some("IVR") => "phone",
                _ => "web",
            };
            let text = [
                field(rec, category),
                field(rec, subcategory),
                field(rec, symptom),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
            let facts = bundle(
                field(rec, caller).unwrap_or("unknown"),
                channel,
                if text.is_empty() { "incident" } else { &text },
                field(rec, category),
                p,
            );
            out.receive(line, case, received, facts, p);
        }
        out.priority(line, case, at, p);
        let reopens: u32 = field(rec, reopen).and_then(|s| s.parse().ok()).unwrap_or(0);
        let before = out.cases.get(case).map_or(0, |c| c.reopens);
        if reopens > before {
            if let Some(c) = out.cases.get_mut(case) {
                c.reopens = reopens;
            }
            // the caller reopened a resolved incident
            if out.status(case) == Some(Lifecycle::Solved) {
                out.emit(line, case, at, EventKind::Reply { by: By::Customer });
            }
        }
        match field(rec, state).unwrap_or("") {
            "New" => {}
            "Active" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Open);
            }
            "Awaiting User Info" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Pending);
            }
            "Awaiting Problem" | "Awaiting Vendor" | "Awaiting Evidence" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::OnHold);
            }
            "Resolved" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Solved);
            }
            "Closed" => out.to(line, case, at, Lifecycle::Closed),
            other => out.problem(
                line,
                Some(case),
                format!("unknown incident_state `{other}`; row left out"),
            ),
        }
    });
    Ok(())
}

fn bpi2013<R: Read>(
    rdr: &mut csv::Reader<R>,
    header: &csv::StringRecord,
    out: &mut Out<'_>,
) -> Result<(), ImportError> {
    let [number, when, status, sub, impact, product, country, team] = columns(
        header,
        [
            "SR Number",
            "Change Date+Time",
            "Status",
            "Sub Status",
            "SR Latest Impact",
            "Product",
            "Country",
            "Involved ST",
        ],
        "BPI Challenge 2013 (VINST)",
    )?;
    rows(rdr, out, |line, rec, out| {
        let Some(case) = field(rec, number) else {
            out.problem(line, None, "no SR Number; row left out".into());
            return;
        };
        let Some(at) = field(rec, when).and_then(|s| DateTime::parse_from_rfc3339(s).ok()) else {
            out.problem(
                line,
                Some(case),
                format!(
                    "`Change Date+Time` is not RFC 3339 ({:?}); row left out",
                    rec.get(when)
                ),
            );
            return;
        };
        let p = match field(rec, impact) {
            Some("Major") => Some(Priority::P1),
            Some("High") => Some(Priority::P2),
            Some("Medium") => Some(Priority::P3),
            Some("Low") => Some(Priority::P4),
            _ => None,
        };
        if !out.seen(case) {
            let text = format!(
                "{} incident handled by {}",
                field(rec, product).unwrap_or("product"),
                field(rec, team).unwrap_or("a support team")
            );
            let facts = bundle(
                field(rec, country).unwrap_or("unknown"),
                "web",
                &text,
                field(rec, product),
                p,
            );
            out.receive(line, case, at, facts, p);
        }
        out.priority(line, case, at, p);
        let (st, sb) = (
            field(rec, status).unwrap_or(""),
            field(rec, sub).unwrap_or(""),
        );
        let reopening = matches!(out.status(case), Some(Lifecycle::Solved));
        match (st, sb) {
            ("Queued", _) | ("Accepted", _) if reopening => {
                // activity after resolution: the customer came back
                out.emit(line, case, at, EventKind::Reply { by: By::Customer });
                if st == "Accepted" {
                    out.respond(line, case, at);
                }
            }
            ("Queued", _) => out.to(line, case, at, Lifecycle::Open),
            ("Accepted", "Wait - User" | "Wait - Customer") => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Pending);
            }
            ("Accepted", "Wait" | "Wait - Implementation" | "Wait - Vendor") => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::OnHold);
            }
            ("Accepted", _) => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Open);
            }
            ("Completed", "Resolved" | "In Call") => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Solved);
            }
            ("Completed", "Closed" | "Cancelled") => out.to(line, case, at, Lifecycle::Closed),
            ("Unmatched", _) => out.contradiction(
                line,
                Some(case),
                "status `Unmatched` (an event the log could not match to a state); left out".into(),
            ),
            _ => out.problem(
                line,
                Some(case),
                format!("status `{st}/{sb}` has no meaning for the clocks; row left out"),
            ),
        }
    });
    Ok(())
}

fn helpdesk<R: Read>(
    rdr: &mut csv::Reader<R>,
    header: &csv::StringRecord,
    tz: Tz,
    out: &mut Out<'_>,
) -> Result<(), ImportError> {
    let [number, activity, when, customer, product, level] = columns(
        header,
        [
            "Case ID",
            "Activity",
            "Complete Timestamp",
            "customer",
            "product",
            "service_level",
        ],
        "help desk",
    )?;
    rows(rdr, out, |line, rec, out| {
        let Some(case) = field(rec, number) else {
            out.problem(line, None, "no Case ID; row left out".into());
            return;
        };
        let Some(at) = field(rec, when)
            .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y/%m/%d %H:%M:%S%.f").ok())
            .and_then(|t| local(tz, t))
        else {
            out.problem(
                line,
                Some(case),
                format!(
                    "`Complete Timestamp` is not YYYY/MM/DD HH:MM:SS ({:?}); row left out",
                    rec.get(when)
                ),
            );
            return;
        };
        // `Value 1` .. `Value 4`
        let p = field(rec, level)
            .and_then(|s| s.strip_prefix("Value "))
            .and_then(|n| Priority::parse(&format!("p{n}")));
        if !out.seen(case) {
            let facts = bundle(
                field(rec, customer).unwrap_or("unknown"),
                "web",
                &format!(
                    "ticket about {}",
                    field(rec, product).unwrap_or("a product")
                ),
                field(rec, product),
                p,
            );
            out.receive(line, case, at, facts, p);
        }
        out.priority(line, case, at, p);
        let activity = field(rec, activity).unwrap_or("");
        // a `Wait` lasts until the next activity
        if out.status(case) == Some(Lifecycle::Pending) && activity != "Wait" {
            out.to(line, case, at, Lifecycle::Open);
        }
        match activity {
            "Assign seriousness" | "Insert ticket" | "VERIFIED" => {}
            "Take in charge ticket" => {
                if out.status(case) == Some(Lifecycle::Solved) {
                    out.emit(line, case, at, EventKind::Reply { by: By::Customer });
                }
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Open);
            }
            "Wait" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Pending);
            }
            "Require upgrade" | "Create SW anomaly" | "Schedule intervention" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::OnHold);
            }
            // the anomaly the ticket waited on is fixed: work on the ticket goes on
            "Resolve SW anomaly" => out.to(line, case, at, Lifecycle::Open),
            "Resolve ticket" | "RESOLVED" => {
                out.respond(line, case, at);
                out.to(line, case, at, Lifecycle::Solved);
            }
            "Closed" | "INVALID" | "DUPLICATE" => out.to(line, case, at, Lifecycle::Closed),
            other => out.problem(
                line,
                Some(case),
                format!("unknown activity `{other}`; row left out"),
            ),
        }
    });
    Ok(())
}
