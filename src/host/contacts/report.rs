//! `contacts report`: contacts and their clocks aggregated per group (queue, priority,
//! segment or channel): attainment (met ÷ finished), median and 90th percentile time
//! counted by finished clocks, breaches, and clocks at risk.

use super::clock::{ClockState, ClockStatus};
use super::contact::ContactStatus;
use crate::json::Json;
use crate::value::Duration;
use chrono::{DateTime, FixedOffset, TimeDelta};

/// What to group contacts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Their queue.
    Queue,
    /// Their priority.
    Priority,
    /// Their customer segment.
    Segment,
    /// Their channel.
    Channel,
}

impl GroupBy {
    /// The grouping named `s` (`queue`, `priority`, `segment`, `channel`).
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "queue" => GroupBy::Queue,
            "priority" => GroupBy::Priority,
            "segment" => GroupBy::Segment,
            "channel" => GroupBy::Channel,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Queue => "queue",
            GroupBy::Priority => "priority",
            GroupBy::Segment => "segment",
            GroupBy::Channel => "channel",
        }
    }
}

/// One clock's figures over a group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClockFigures {
    /// Clocks that stopped (met, or breached and then stopped).
    pub finished: usize,
    /// Clocks met.
    pub met: usize,
    /// Clocks breached (stopped or not).
    pub breached: usize,
    /// Clocks still running or paused, not breached.
    pub open: usize,
    /// Open clocks past 80% of their time to the due instant.
    pub at_risk: usize,
    /// Time counted by each finished clock, sorted.
    pub(crate) elapsed: Vec<TimeDelta>,
}

impl ClockFigures {
    fn add(&mut self, c: &ClockStatus, received: DateTime<FixedOffset>, at: DateTime<FixedOffset>) {
        match c.state {
            ClockState::Met => self.met += 1,
            ClockState::Breached => self.breached += 1,
            ClockState::Running | ClockState::Paused => {
                self.open += 1;
                if at_risk(c, received, at) {
                    self.at_risk += 1;
                }
            }
        }
        if c.stopped_at.is_some() {
            self.finished += 1;
            self.elapsed.push(c.elapsed);
        }
    }

    /// Met ÷ finished (`None` when none finished).
    pub fn attainment(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.met as f64 / self.finished as f64)
    }

    /// The `q`-quantile (nearest rank) of the time counted by finished clocks.
    pub fn elapsed_quantile(&self, q: f64) -> Option<TimeDelta> {
        if self.elapsed.is_empty() {
            return None;
        }
        let rank = (q * self.elapsed.len() as f64).ceil().max(1.0) as usize;
        self.elapsed.get(rank.min(self.elapsed.len()) - 1).copied()
    }

    fn json(&self) -> Json {
        let secs = |d: Option<TimeDelta>| d.map_or(Json::Null, |d| Json::of(&d.num_seconds()));
        Json::object([
            ("finished", Json::of(&self.finished)),
            ("met", Json::of(&self.met)),
            ("breached", Json::of(&self.breached)),
            (
                "attainment",
                self.attainment().map_or(Json::Null, |a| {
                    Json::float((a * 10_000.0).round() / 10_000.0)
                }),
            ),
            ("median_elapsed_s", secs(self.elapsed_quantile(0.5))),
            ("p90_elapsed_s", secs(self.elapsed_quantile(0.9))),
            ("open", Json::of(&self.open)),
            ("at_risk", Json::of(&self.at_risk)),
        ])
    }
}

/// Whether an open clock has used more than 80% of its time to its due instant: of its
/// target where the target is a fixed amount (wall-clock time, business hours), else of
/// the wall-clock window from receipt to the due instant.
fn at_risk(c: &ClockStatus, received: DateTime<FixedOffset>, at: DateTime<FixedOffset>) -> bool {
    let target = match c.target {
        Duration::Exact(s, _) => rust_decimal::prelude::ToPrimitive::to_f64(&s),
        Duration::BusinessHours(h) => {
            rust_decimal::prelude::ToPrimitive::to_f64(&h).map(|h| h * 3600.0)
        }
        _ => None,
    };
    match target {
        Some(t) if t > 0.0 => c.elapsed.num_milliseconds() as f64 / 1000.0 > 0.8 * t,
        _ => {
            let window = (c.due - received).num_seconds() as f64;
            window > 0.0 && (at - received).num_seconds() as f64 > 0.8 * window
        }
    }
}

/// The figures of one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupFigures {
    /// The group's value (`None`: the contacts without one; for the total line, all).
    pub group: Option<String>,
    /// Contacts.
    pub contacts: usize,
    /// Contacts not solved or closed.
    pub unresolved: usize,
    /// `first_response`.
    pub first_response: ClockFigures,
    /// `next_reply` (cycles: the current or last of each contact).
    pub next_reply: ClockFigures,
    /// `resolve`.
    pub resolve: ClockFigures,
    /// Escalations fired.
    pub escalated: usize,
}

impl GroupFigures {
    fn add(&mut self, s: &ContactStatus) {
        self.contacts += 1;
        if !matches!(
            s.status,
            super::Lifecycle::Solved | super::Lifecycle::Closed
        ) {
            self.unresolved += 1;
        }
        if let Some(c) = &s.first_response {
            self.first_response.add(c, s.received_at, s.at);
        }
        if let Some(n) = &s.next_reply {
            self.next_reply.add(&n.clock, s.received_at, s.at);
        }
        if let Some(c) = &s.resolve {
            self.resolve.add(c, s.received_at, s.at);
        }
        if s.escalation.as_ref().is_some_and(|e| e.fired) {
            self.escalated += 1;
        }
    }

    /// The group's report line.
    pub fn json(&self, by: GroupBy) -> Json {
        Json::object([
            ("by", Json::from(by.as_str())),
            ("group", Json::from(self.group.as_deref())),
            ("contacts", Json::of(&self.contacts)),
            ("unresolved", Json::of(&self.unresolved)),
            (
                "clocks",
                Json::object([
                    ("first_response", self.first_response.json()),
                    ("next_reply", self.next_reply.json()),
                    ("resolve", self.resolve.json()),
                ]),
            ),
            ("escalated", Json::of(&self.escalated)),
        ])
    }
}

/// Contacts' statuses aggregated per group, groups in order of first appearance, and the
/// total over all.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the groups are.
    pub by: GroupBy,
    /// Each group.
    pub groups: Vec<GroupFigures>,
    /// All contacts.
    pub total: GroupFigures,
    /// `resolve` per group and week of receipt (the Monday, UTC): (met, finished).
    pub weekly: std::collections::BTreeMap<(chrono::NaiveDate, Option<String>), (usize, usize)>,
    /// The instant the statuses are as of (the latest seen).
    pub as_of: Option<DateTime<FixedOffset>>,
}

impl Report {
    /// An empty report grouped `by`.
    pub fn new(by: GroupBy) -> Report {
        Report {
            by,
            groups: Vec::new(),
            total: GroupFigures::default(),
            weekly: std::collections::BTreeMap::new(),
            as_of: None,
        }
    }

    /// Count one contact.
    pub fn add(&mut self, s: &ContactStatus) {
        let key = match self.by {
            GroupBy::Queue => s.queue.clone(),
            GroupBy::Priority => s.priority.clone(),
            GroupBy::Segment => s.segment.clone(),
            GroupBy::Channel => s.channel.clone(),
        };
        let k = match self.groups.iter().position(|g| g.group == key) {
            Some(k) => k,
            None => {
                self.groups.push(GroupFigures {
                    group: key.clone(),
                    ..GroupFigures::default()
                });
                self.groups.len() - 1
            }
        };
        if let Some(r) = s.resolve.as_ref().filter(|r| r.stopped_at.is_some()) {
            let day = s.received_at.naive_utc().date();
            let monday = day
                - chrono::Days::new(u64::from(
                    chrono::Datelike::weekday(&day).num_days_from_monday(),
                ));
            let w = self.weekly.entry((monday, key.clone())).or_default();
            w.1 += 1;
            if r.state == ClockState::Met {
                w.0 += 1;
            }
        }
        self.as_of = Some(self.as_of.map_or(s.at, |a| a.max(s.at)));
        if let Some(g) = self.groups.get_mut(k) {
            g.add(s);
        }
        self.total.add(s);
    }

    /// Sort each group's times (call once every contact is added).
    pub fn finish(&mut self) {
        for g in self
            .groups
            .iter_mut()
            .chain(std::iter::once(&mut self.total))
        {
            for c in [&mut g.first_response, &mut g.next_reply, &mut g.resolve] {
                c.elapsed.sort_unstable();
            }
        }
        self.groups.sort_by(|a, b| a.group.cmp(&b.group));
    }

    /// The report lines: one per group (sorted by name), then the total (`"group": null`,
    /// `"total": true`).
    pub fn lines(&self) -> Vec<Json> {
        let mut out: Vec<Json> = self.groups.iter().map(|g| g.json(self.by)).collect();
        let mut total = self.total.json(self.by);
        total.insert("total", Json::Bool(true));
        out.push(total);
        out
    }
}
