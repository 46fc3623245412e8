//! Contact events as CONTACTS.md writes them: one JSON object a line.

use super::ContactError;
use crate::json::Json;
use chrono::{DateTime, FixedOffset};
use std::fmt;

/// One event of a contact's life (CONTACTS.md, "Events").
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its id, unique per log where given: an event seen twice is applied once.
    pub id: Option<String>,
    /// The contact it belongs to.
    pub contact: String,
    /// When it happened.
    pub at: DateTime<FixedOffset>,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] records.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The contact arrived, with its fact bundle (LANGUAGE.md §3); it is routed here.
    Received {
        /// The bundle, as written (numbers exact, keys in order).
        facts: Json,
    },
    /// A reply: public (`agent`, `customer`) or an internal note.
    Reply {
        /// Who replied.
        by: By,
    },
    /// A change of status.
    Status {
        /// The new status.
        to: Lifecycle,
    },
    /// A change of priority: the contact is routed again with `contact.priority` set.
    Priority {
        /// The new priority.
        to: Priority,
    },
    /// A move to another (declared) queue, whose calendar counts business time from then.
    Transfer {
        /// The queue.
        queue: String,
    },
}

/// Who wrote a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// A public reply by an agent.
    Agent,
    /// A reply by the customer.
    Customer,
    /// An internal note: no effect on any clock.
    Internal,
}

/// A contact's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Being worked on.
    Open,
    /// Waiting on the customer (pauses `resolve`).
    Pending,
    /// Waiting on a third party (does not pause `resolve`).
    OnHold,
    /// Solved: `resolve` stops; a customer reply reopens the contact.
    Solved,
    /// Closed: final.
    Closed,
}

/// A contact's priority, `p1` (most urgent) to `p4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// `p1`
    P1,
    /// `p2`
    P2,
    /// `p3`
    P3,
    /// `p4`
    P4,
}

impl Lifecycle {
    /// Its name as events and status lines write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Open => "open",
            Lifecycle::Pending => "pending",
            Lifecycle::OnHold => "on_hold",
            Lifecycle::Solved => "solved",
            Lifecycle::Closed => "closed",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Lifecycle> {
        Some(match s {
            "open" => Lifecycle::Open,
            "pending" => Lifecycle::Pending,
            "on_hold" => Lifecycle::OnHold,
            "solved" => Lifecycle::Solved,
            "closed" => Lifecycle::Closed,
            _ => return None,
        })
    }
}

impl Priority {
    /// `p1`..`p4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "p1",
            Priority::P2 => "p2",
            Priority::P3 => "p3",
            Priority::P4 => "p4",
        }
    }

    /// The priority named `s`.
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s {
            "p1" => Priority::P1,
            "p2" => Priority::P2,
            "p3" => Priority::P3,
            "p4" => Priority::P4,
            _ => return None,
        })
    }
}

impl By {
    /// `agent`, `customer` or `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            By::Agent => "agent",
            By::Customer => "customer",
            By::Internal => "internal",
        }
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event line that could not be read, with what it did name (its contact and id), so
/// that its error line says which contact and event it was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct BadEvent {
    /// The contact the line names, where it names one.
    pub contact: Option<String>,
    /// The event id the line gives, where it gives one.
    pub event: Option<String>,
    /// What is wrong.
    pub error: ContactError,
}

impl Event {
    /// Read one event from its JSON line.
    ///
    /// ```
    /// use aftersales::host::contacts::{Event, EventKind, By};
    /// let e = Event::from_json_str(
    ///     r#"{"id": "E2", "contact": "K1", "at": "2026-03-02T17:05:00-05:00", "type": "reply", "by": "agent"}"#,
    /// ).unwrap();
    /// assert_eq!(e.kind, EventKind::Reply { by: By::Agent });
    /// let bad = Event::from_json_str(r#"{"contact": "K1", "at": "2026-03-02T17:05:00-05:00", "type": "reply", "by": "robot"}"#)
    ///     .unwrap_err();
    /// assert_eq!(bad.error.code(), "unknown_value");
    /// assert_eq!(bad.contact.as_deref(), Some("K1"));
    /// ```
    pub fn from_json_str(line: &str) -> Result<Event, Box<BadEvent>> {
        // the common case, read without building a tree: every key a string (the bundle
        // aside, kept as its text); anything else takes the full path, whose errors name
        // what is wrong
        if let Ok(raw) = serde_json::from_str::<Raw<'_>>(line) {
            let fields = Fields {
                id: raw.id.as_deref(),
                contact: Some(&raw.contact),
                at: Some(&raw.at),
                ty: Some(&raw.ty),
                facts: raw.facts.map(|f| FactsIn::Text(f.get())),
                by: raw.by.as_deref(),
                to: raw.to.as_deref(),
                queue: raw.queue.as_deref(),
            };
            return build(&fields);
        }
        let tree = Json::parse(line).map_err(|m| {
            Box::new(BadEvent {
                contact: None,
                event: None,
                error: ContactError::Syntax(m),
            })
        })?;
        Event::from_tree(tree)
    }

    /// Read one event from a parsed JSON object.
    pub fn from_tree(tree: Json) -> Result<Event, Box<BadEvent>> {
        let Json::Object(entries) = tree else {
            return Err(Box::new(BadEvent {
                contact: None,
                event: None,
                error: ContactError::Invalid("an event is a JSON object".into()),
            }));
        };
        let text = |key: &str| -> Option<&str> {
            entries
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_str())
        };
        let fail = |error: ContactError| {
            Box::new(BadEvent {
                contact: text("contact").map(str::to_string),
                event: text("id").map(str::to_string),
                error,
            })
        };
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in &entries {
            if seen.contains(&k.as_str()) {
                return Err(fail(ContactError::Invalid(format!(
                    "key `{k}` is given twice"
                ))));
            }
            seen.push(k);
            let known = matches!(
                k.as_str(),
                "id" | "contact" | "at" | "type" | "facts" | "by" | "to" | "queue"
            );
            if !known {
                return Err(fail(ContactError::Invalid(format!(
                    "unknown key `{k}` (an event has id, contact, at, type, and facts, by, to or queue)"
                ))));
            }
            if k != "facts" && !matches!(v, Json::String(_)) && !(k == "id" && v.is_null()) {
                return Err(fail(ContactError::Invalid(format!(
                    "`{k}` must be a string"
                ))));
            }
        }
        let fields = Fields {
            id: text("id"),
            contact: text("contact"),
            at: text("at"),
            ty: text("type"),
            facts: entries
                .iter()
                .find(|(k, _)| k == "facts")
                .map(|(_, v)| FactsIn::Tree(v)),
            by: text("by"),
            to: text("to"),
            queue: text("queue"),
        };
        build(&fields)
    }

    /// The event as a JSON line (the form [`Event::from_json_str`] reads).
    pub fn to_json(&self) -> Json {
        let mut o = vec![];
        if let Some(id) = &self.id {
            o.push(("id".to_string(), Json::String(id.clone())));
        }
        o.push(("contact".into(), Json::String(self.contact.clone())));
        o.push(("at".into(), Json::String(self.at.to_rfc3339())));
        let (ty, rest): (&str, Option<(&str, Json)>) = match &self.kind {
            EventKind::Received { facts } => ("received", Some(("facts", facts.clone()))),
            EventKind::Reply { by } => ("reply", Some(("by", Json::from(by.as_str())))),
            EventKind::Status { to } => ("status", Some(("to", Json::from(to.as_str())))),
            EventKind::Priority { to } => ("priority", Some(("to", Json::from(to.as_str())))),
            EventKind::Transfer { queue } => {
                ("transfer", Some(("queue", Json::from(queue.as_str()))))
            }
        };
        o.push(("type".into(), Json::from(ty)));
        if let Some((k, v)) = rest {
            o.push((k.to_string(), v));
        }
        Json::Object(o)
    }
}

/// An event line as serde reads it, borrowing its strings where it can.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw<'a> {
    #[serde(default, borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    contact: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    at: std::borrow::Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    ty: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    facts: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    by: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    to: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    queue: Option<std::borrow::Cow<'a, str>>,
}

/// The bundle of a `received` event: a parsed tree, or its text.
enum FactsIn<'a> {
    Tree(&'a Json),
    Text(&'a str),
}

/// An event's fields, read by either path.
struct Fields<'a> {
    id: Option<&'a str>,
    contact: Option<&'a str>,
    at: Option<&'a str>,
    ty: Option<&'a str>,
    facts: Option<FactsIn<'a>>,
    by: Option<&'a str>,
    to: Option<&'a str>,
    queue: Option<&'a str>,
}

/// The event of `f` (its keys already known to be the event's, its values strings).
fn build(f: &Fields<'_>) -> Result<Event, Box<BadEvent>> {
    let fail = |error: ContactError| {
        Box::new(BadEvent {
            contact: f.contact.map(str::to_string),
            event: f.id.map(str::to_string),
            error,
        })
    };
    let Some(who) = f.contact.map(str::to_string) else {
        return Err(fail(ContactError::Invalid("`contact` is missing".into())));
    };
    let at = match f.at {
        None => return Err(fail(ContactError::Invalid("`at` is missing".into()))),
        Some(s) => DateTime::parse_from_rfc3339(s).map_err(|e| {
            fail(ContactError::Invalid(format!(
                "`at` is not an RFC 3339 date-time with an offset (`{s}`: {e})"
            )))
        })?,
    };
    let needs = |key: &str| {
        match key {
            "by" => f.by,
            "to" => f.to,
            _ => f.queue,
        }
        .ok_or_else(|| {
            fail(ContactError::Invalid(format!(
                "a `{}` event needs `{key}`",
                f.ty.unwrap_or_default()
            )))
        })
    };
    let unknown = |key: &str, value: &str, known: &str| {
        fail(ContactError::UnknownValue {
            key: key.to_string(),
            value: value.to_string(),
            help: crate::diag::suggest(value, known.split(' '))
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default()
                + "one of: "
                + &known.replace(' ', ", "),
        })
    };
    let kind = match f.ty {
        None => return Err(fail(ContactError::Invalid("`type` is missing".into()))),
        Some("received") => {
            let facts = match &f.facts {
                None => Json::Object(Vec::new()),
                Some(FactsIn::Tree(t)) => (*t).clone(),
                Some(FactsIn::Text(t)) => Json::parse(t)
                    .map_err(|m| fail(ContactError::Syntax(format!("in `facts`: {m}"))))?,
            };
            if !matches!(facts, Json::Object(_)) {
                return Err(fail(ContactError::Invalid(
                    "`facts` must be an object (the contact's bundle)".into(),
                )));
            }
            EventKind::Received { facts }
        }
        Some("reply") => EventKind::Reply {
            by: match needs("by")? {
                "agent" => By::Agent,
                "customer" => By::Customer,
                "internal" => By::Internal,
                other => return Err(unknown("by", other, "agent customer internal")),
            },
        },
        Some("status") => {
            let to = needs("to")?;
            EventKind::Status {
                to: Lifecycle::parse(to)
                    .ok_or_else(|| unknown("to", to, "open pending on_hold solved closed"))?,
            }
        }
        Some("priority") => {
            let to = needs("to")?;
            EventKind::Priority {
                to: Priority::parse(to).ok_or_else(|| unknown("to", to, "p1 p2 p3 p4"))?,
            }
        }
        Some("transfer") => EventKind::Transfer {
            queue: needs("queue")?.to_string(),
        },
        Some(other) => {
            return Err(fail(ContactError::UnknownType {
                found: other.to_string(),
                help: crate::diag::suggest(
                    other,
                    ["received", "reply", "status", "priority", "transfer"],
                )
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default(),
            }))
        }
    };
    Ok(Event {
        id: f.id.map(str::to_string),
        contact: who,
        at,
        kind,
    })
}
