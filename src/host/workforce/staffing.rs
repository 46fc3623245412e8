//! Staffing: the agents an interval needs to meet a service-level target,
//! with an optional occupancy cap, shrinkage and customer patience; whole
//! interval plans (a week or a year of intervals) from a CSV.
//!
//! Without patience the queue is Erlang C ([`ErlangC`]); with a mean patience
//! it is Erlang A ([`ErlangA`]). The required number of agents is the
//! smallest that meets the service level *and* keeps occupancy at or below the
//! cap; the scheduled number grosses it up for shrinkage,
//! `⌈agents / (1 − shrinkage)⌉`.

use super::erlang::{
    erlang_c_first_meeting, invalid, ErlangA, ErlangC, StaffingError, Workload, COMPARISON_SLACK,
};
use rayon::prelude::*;
use serde::Serialize;
use std::time::Duration;
use thiserror::Error;

/// A service-level target: `level` of the contacts answered within `within`
/// (the "80/20" of contact centres is `level = 0.8`, `within = 20 s`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceTarget {
    level: f64,
    within: Duration,
}

impl ServiceTarget {
    /// A target of `level` (a fraction in `(0, 1]`) answered within `within`.
    /// A level of 1 is accepted here but no staffing can meet it.
    ///
    /// ```
    /// use aftersales::host::workforce::staffing::ServiceTarget;
    /// use std::time::Duration;
    /// let t = ServiceTarget::new(0.8, Duration::from_secs(20))?;
    /// assert_eq!(t.level(), 0.8);
    /// assert!(ServiceTarget::new(1.5, Duration::from_secs(20)).is_err());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn new(level: f64, within: Duration) -> Result<Self, StaffingError> {
        if !(level > 0.0 && level <= 1.0) {
            return Err(invalid(format!(
                "service level target must be above 0% and at most 100% (got {level})"
            )));
        }
        Ok(ServiceTarget { level, within })
    }

    /// The share of contacts to answer in time, in `(0, 1]`.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::ServiceTarget;
    /// # use std::time::Duration;
    /// assert_eq!(ServiceTarget::new(0.9, Duration::from_secs(15))?.level(), 0.9);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn level(&self) -> f64 {
        self.level
    }

    /// The answer-time threshold.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::ServiceTarget;
    /// # use std::time::Duration;
    /// let t = ServiceTarget::new(0.9, Duration::from_secs(15))?;
    /// assert_eq!(t.within(), Duration::from_secs(15));
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn within(&self) -> Duration {
        self.within
    }
}

/// How an interval is staffed: the target plus optional occupancy cap,
/// shrinkage and mean customer patience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaffingPolicy {
    target: ServiceTarget,
    max_occupancy: Option<f64>,
    shrinkage: f64,
    patience: Option<Duration>,
}

impl StaffingPolicy {
    /// A policy with only a service-level target: no occupancy cap, no
    /// shrinkage, callers who never abandon (Erlang C).
    ///
    /// ```
    /// use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
    /// assert_eq!(p.shrinkage(), 0.0);
    /// assert_eq!(p.max_occupancy(), None);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn new(target: ServiceTarget) -> Self {
        StaffingPolicy {
            target,
            max_occupancy: None,
            shrinkage: 0.0,
            patience: None,
        }
    }

    /// Cap occupancy at `ratio`, a fraction in `(0, 1]`.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?)
    ///     .with_max_occupancy(0.85)?;
    /// assert_eq!(p.max_occupancy(), Some(0.85));
    /// assert!(p.with_max_occupancy(0.0).is_err());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn with_max_occupancy(mut self, ratio: f64) -> Result<Self, StaffingError> {
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(invalid(format!(
                "maximum occupancy must be above 0% and at most 100% (got {ratio})"
            )));
        }
        self.max_occupancy = Some(ratio);
        Ok(self)
    }

    /// Shrinkage: the share of paid time agents are not available for
    /// contacts (breaks, training, absence), a fraction in `[0, 1)`.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?)
    ///     .with_shrinkage(0.3)?;
    /// assert_eq!(p.shrinkage(), 0.3);
    /// assert!(p.with_shrinkage(1.0).is_err());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn with_shrinkage(mut self, ratio: f64) -> Result<Self, StaffingError> {
        check_shrinkage(ratio)?;
        self.shrinkage = ratio;
        Ok(self)
    }

    /// Callers abandon after an exponentially distributed patience with mean
    /// `patience` (longer than zero): the queue becomes Erlang A.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?)
    ///     .with_patience(Duration::from_secs(300))?;
    /// assert_eq!(p.patience(), Some(Duration::from_secs(300)));
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn with_patience(mut self, patience: Duration) -> Result<Self, StaffingError> {
        if patience.is_zero() {
            return Err(invalid("patience must be longer than zero"));
        }
        self.patience = Some(patience);
        Ok(self)
    }

    /// The service-level target.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let t = ServiceTarget::new(0.8, Duration::from_secs(20))?;
    /// assert_eq!(StaffingPolicy::new(t).target(), t);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn target(&self) -> ServiceTarget {
        self.target
    }

    /// The occupancy cap, if any.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
    /// assert_eq!(p.max_occupancy(), None);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn max_occupancy(&self) -> Option<f64> {
        self.max_occupancy
    }

    /// The shrinkage, a fraction in `[0, 1)`.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
    /// assert_eq!(p.shrinkage(), 0.0);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn shrinkage(&self) -> f64 {
        self.shrinkage
    }

    /// The mean patience, if callers abandon.
    ///
    /// ```
    /// # use aftersales::host::workforce::staffing::{ServiceTarget, StaffingPolicy};
    /// # use std::time::Duration;
    /// let p = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
    /// assert_eq!(p.patience(), None);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn patience(&self) -> Option<Duration> {
        self.patience
    }
}

fn check_shrinkage(ratio: f64) -> Result<(), StaffingError> {
    if !(0.0..1.0).contains(&ratio) {
        return Err(invalid(format!(
            "shrinkage must be at least 0% and below 100% (got {ratio})"
        )));
    }
    Ok(())
}

/// The staffing of one interval and how it performs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Staffing {
    /// Offered traffic in Erlangs.
    pub traffic_erlangs: f64,
    /// Agents on the phones (productive, after shrinkage).
    pub agents: u32,
    /// Agents to schedule so that `agents` remain after shrinkage.
    pub scheduled_agents: u32,
    /// Probability that a contact waits at all.
    pub p_wait: f64,
    /// Share of contacts answered within the target time.
    pub service_level: f64,
    /// Average speed of answer in seconds (Erlang A: of the answered contacts).
    pub asa_seconds: f64,
    /// Share of agent time spent handling contacts.
    pub occupancy: f64,
    /// Average number of contacts waiting.
    pub queue_length: f64,
    /// Probability that a contact abandons (only with a patience).
    pub p_abandon: Option<f64>,
    /// Whether the service level and occupancy cap are met.
    pub meets_target: bool,
}

/// `⌈x⌉`, except that a value within a relative `1e-12` of an integer is that
/// integer: `21 / 0.7 = 30.000000000000004` is 30, not 31.
pub(crate) fn ceil_tolerant(x: f64) -> f64 {
    let nearest = x.round();
    if (x - nearest).abs() <= COMPARISON_SLACK * nearest.abs().max(1.0) {
        nearest
    } else {
        x.ceil()
    }
}

/// Agents to schedule so that `agents` remain after `shrinkage`:
/// `⌈agents / (1 − shrinkage)⌉`, immune to binary rounding.
///
/// ```
/// use aftersales::host::workforce::staffing::scheduled_agents;
/// // 21 / 0.7 is 30.000000000000004 in floating point; the answer is 30.
/// assert_eq!(scheduled_agents(21, 0.3)?, 30);
/// assert_eq!(scheduled_agents(14, 0.3)?, 20);
/// assert_eq!(scheduled_agents(15, 0.3)?, 22);
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
pub fn scheduled_agents(agents: u32, shrinkage: f64) -> Result<u32, StaffingError> {
    check_shrinkage(shrinkage)?;
    let gross = ceil_tolerant(f64::from(agents) / (1.0 - shrinkage));
    if gross > f64::from(u32::MAX) {
        return Err(invalid(format!(
            "{agents} agents at {shrinkage} shrinkage exceed {} scheduled agents",
            u32::MAX
        )));
    }
    Ok(gross as u32)
}

/// Whether `service_level` and `occupancy` meet the policy, with the same
/// slack the solver uses.
fn meets(policy: &StaffingPolicy, service_level: f64, occupancy: f64) -> bool {
    service_level >= policy.target.level - COMPARISON_SLACK
        && policy
            .max_occupancy
            .is_none_or(|cap| occupancy <= cap + COMPARISON_SLACK)
}

fn from_erlang_c(
    q: &ErlangC,
    traffic: f64,
    policy: &StaffingPolicy,
) -> Result<Staffing, StaffingError> {
    let service_level = q.service_level(policy.target.within);
    Ok(Staffing {
        traffic_erlangs: traffic,
        agents: q.agents(),
        scheduled_agents: scheduled_agents(q.agents(), policy.shrinkage)?,
        p_wait: q.p_wait(),
        service_level,
        asa_seconds: q.asa_seconds(),
        occupancy: q.occupancy(),
        queue_length: q.queue_length(),
        p_abandon: None,
        meets_target: meets(policy, service_level, q.occupancy()),
    })
}

fn from_erlang_a(
    q: &ErlangA,
    traffic: f64,
    policy: &StaffingPolicy,
) -> Result<Staffing, StaffingError> {
    let service_level = q.service_level(policy.target.within);
    Ok(Staffing {
        traffic_erlangs: traffic,
        agents: q.agents(),
        scheduled_agents: scheduled_agents(q.agents(), policy.shrinkage)?,
        p_wait: q.p_wait(),
        service_level,
        asa_seconds: q.asa_seconds(),
        occupancy: q.occupancy(),
        queue_length: q.queue_length(),
        p_abandon: Some(q.p_abandon()),
        meets_target: meets(policy, service_level, q.occupancy()),
    })
}

/// How `agents` perform on `workload` under `policy` (Erlang C, or Erlang A
/// with a patience). Erlang C fails with [`StaffingError::Unstable`] unless
/// the agents exceed the traffic.
///
/// ```
/// use aftersales::host::workforce::erlang::Workload;
/// use aftersales::host::workforce::staffing::{evaluate, ServiceTarget, StaffingPolicy};
/// use std::time::Duration;
/// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
/// let policy = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
/// let s = evaluate(&load, 13, &policy)?;
/// assert_eq!(format!("{:.4}", s.service_level), "0.7956");
/// assert!(!s.meets_target);
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
pub fn evaluate(
    workload: &Workload,
    agents: u32,
    policy: &StaffingPolicy,
) -> Result<Staffing, StaffingError> {
    match policy.patience {
        None => {
            let q = ErlangC::new(workload, agents)?;
            from_erlang_c(&q, workload.traffic().erlangs(), policy)
        }
        Some(patience) => {
            let q = ErlangA::new(workload, agents, patience)?;
            from_erlang_a(&q, workload.traffic().erlangs(), policy)
        }
    }
}

/// The fewest agents that meet the policy's service level (and occupancy
/// cap) on `workload`, with their performance. Zero traffic needs zero
/// agents; a 100% target is [`StaffingError::Infeasible`].
///
/// The published check — 100 calls per 30 minutes, 180 s handling, 80% in
/// 20 s, 30% shrinkage:
///
/// ```
/// use aftersales::host::workforce::erlang::Workload;
/// use aftersales::host::workforce::staffing::{required_agents, ServiceTarget, StaffingPolicy};
/// use std::time::Duration;
/// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
/// let policy = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?)
///     .with_shrinkage(0.3)?;
/// let s = required_agents(&load, &policy)?;
/// assert_eq!((s.agents, s.scheduled_agents), (14, 20));
/// assert_eq!(format!("{:.3} {:.3} {:.3}", s.service_level, s.p_wait, s.occupancy), "0.888 0.174 0.714");
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
pub fn required_agents(
    workload: &Workload,
    policy: &StaffingPolicy,
) -> Result<Staffing, StaffingError> {
    let a = workload.traffic().erlangs();
    if a == 0.0 {
        return evaluate(workload, 0, policy);
    }
    if policy.target.level >= 1.0 {
        return Err(StaffingError::Infeasible {
            reason: format!(
                "a 100% service level within {} s cannot be met: with any number of agents \
                 some contacts wait longer",
                policy.target.within.as_secs_f64()
            ),
        });
    }
    match policy.patience {
        None => {
            // Erlang C needs N > A; the cap needs N ≥ A / cap.
            let mut min_agents = a.floor() + 1.0;
            if let Some(cap) = policy.max_occupancy {
                min_agents = min_agents.max(ceil_tolerant(a / cap));
            }
            if min_agents > f64::from(u32::MAX) {
                return Err(StaffingError::Infeasible {
                    reason: format!("more than {} agents would be needed", u32::MAX),
                });
            }
            let q = erlang_c_first_meeting(
                workload,
                min_agents as u64,
                policy.target.level,
                policy.target.within,
            )?;
            from_erlang_c(&q, a, policy)
        }
        Some(patience) => {
            let q = erlang_a_first_meeting(workload, patience, policy)?;
            from_erlang_a(&q, a, policy)
        }
    }
}

/// The smallest `N` whose Erlang A service level and occupancy meet the
/// policy. Both measures improve with every agent added (checked by property
/// tests), so the answer is where they cross their targets.
///
/// The bracket starts from the Erlang C answer above (doubled until it meets)
/// and, below, either no agents at all or the fluid model's estimate
/// `A · max(target, e^{−t / patience})`, which is close when callers are
/// impatient. It is then narrowed by regula falsi with the Illinois
/// correction on the logit of the service level (the service level is
/// S-shaped in `N`, its logit nearly straight), every fourth step a
/// bisection: a handful of evaluations, never more than about `4·log2(N)`.
fn erlang_a_first_meeting(
    workload: &Workload,
    patience: Duration,
    policy: &StaffingPolicy,
) -> Result<ErlangA, StaffingError> {
    let target = policy.target.level;
    let logit = |p: f64| {
        let p = p.clamp(1e-300, 1.0 - 1e-16);
        (p / (1.0 - p)).ln()
    };
    // (meets, a value rising with N that crosses 0 where the binding
    // constraint is met, the queue).
    let probe = |n: u64| -> Result<(bool, f64, ErlangA), StaffingError> {
        let agents = u32::try_from(n).map_err(|_| StaffingError::Infeasible {
            reason: format!("more than {} agents would be needed", u32::MAX),
        })?;
        let q = ErlangA::new(workload, agents, patience)?;
        let service_level = q.service_level(policy.target.within);
        let ok = meets(policy, service_level, q.occupancy());
        let level_gap = service_level - target;
        let value = match policy.max_occupancy {
            Some(cap) if cap - q.occupancy() < level_gap => cap - q.occupancy(),
            _ => logit(service_level) - logit(target),
        };
        Ok((ok, value, q))
    };
    let without_patience = StaffingPolicy {
        patience: None,
        ..*policy
    };
    // With no agents nobody is answered: the target (above 0) is missed.
    let (mut lo, mut lo_value) = (0u64, logit(0.0) - logit(target));
    let mut hi = u64::from(required_agents(workload, &without_patience)?.agents).max(1);
    let (mut ok, mut hi_value, mut best) = probe(hi)?;
    while !ok {
        (lo, lo_value) = (hi, hi_value);
        hi = hi.saturating_mul(2);
        (ok, hi_value, best) = probe(hi)?;
    }
    let a = workload.traffic().erlangs();
    let fluid =
        a * target.max((-policy.target.within.as_secs_f64() / patience.as_secs_f64()).exp());
    let fluid = fluid.floor() as u64;
    if fluid > lo && fluid < hi {
        let (ok, value, q) = probe(fluid)?;
        if ok {
            (hi, hi_value, best) = (fluid, value, q);
        } else {
            (lo, lo_value) = (fluid, value);
        }
    }
    let mut step = 0u32;
    let mut last_moved_hi: Option<bool> = None;
    while hi - lo > 1 {
        step += 1;
        let mid = if step.is_multiple_of(4) || hi_value <= lo_value {
            lo + (hi - lo) / 2
        } else {
            let fraction = -lo_value / (hi_value - lo_value);
            let estimate = lo as f64 + fraction * (hi - lo) as f64;
            (estimate.ceil() as u64).clamp(lo + 1, hi - 1)
        };
        let (ok, value, q) = probe(mid)?;
        if ok {
            (hi, hi_value, best) = (mid, value.max(0.0), q);
            if last_moved_hi == Some(true) {
                lo_value *= 0.5;
            }
            last_moved_hi = Some(true);
        } else {
            (lo, lo_value) = (mid, value.min(0.0));
            if last_moved_hi == Some(false) {
                hi_value *= 0.5;
            }
            last_moved_hi = Some(false);
        }
    }
    Ok(best)
}

/// Required agents for many intervals at once, in parallel; results in input
/// order, one per workload.
///
/// ```
/// use aftersales::host::workforce::erlang::Workload;
/// use aftersales::host::workforce::staffing::{plan, ServiceTarget, StaffingPolicy};
/// use std::time::Duration;
/// let half_hour = Duration::from_secs(1800);
/// let aht = Duration::from_secs(180);
/// let loads = [Workload::new(0.0, half_hour, aht)?, Workload::new(100.0, half_hour, aht)?];
/// let policy = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
/// let agents: Vec<u32> = plan(&loads, &policy).into_iter().map(|r| r.map(|s| s.agents)).collect::<Result<_, _>>()?;
/// assert_eq!(agents, [0, 14]);
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
pub fn plan(
    workloads: &[Workload],
    policy: &StaffingPolicy,
) -> Vec<Result<Staffing, StaffingError>> {
    workloads
        .par_iter()
        .map(|w| required_agents(w, policy))
        .collect()
}

/// A bad row of an input file, named by its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct RowError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong with the row.
    pub message: String,
}

/// Split one CSV record (RFC 4180 quoting, no line breaks inside fields).
pub(crate) fn split_csv_record(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            fields.push(std::mem::take(&mut field).trim().to_string());
            at_start = true;
        } else {
            if !c.is_whitespace() {
                at_start = false;
            }
            field.push(c);
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_string());
    }
    fields.push(field.trim().to_string());
    Ok(fields)
}

/// The numbered, non-blank lines of a text file (BOM and `\r` removed).
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
}

/// Column positions of a CSV header, found by name (case-insensitive).
pub(crate) fn column_index(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h.eq_ignore_ascii_case(name))
}

/// The demand of one interval, read from a CSV row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalDemand {
    /// Contacts offered in the interval.
    pub volume: f64,
    /// Average handling time.
    pub aht: Duration,
}

/// One data row of an interval CSV: where it is, its label and its demand
/// or what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    /// 1-based line of the row in its file.
    pub line: usize,
    /// The interval's label as written (its start time, usually); empty
    /// without a `start` column or when the row could not be split.
    pub start: String,
    /// The demand, or the row's error.
    pub demand: Result<IntervalDemand, RowError>,
}

/// One row of an interval plan: the row as read and its staffing, or the
/// error in its place.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedInterval {
    /// The row as read.
    pub row: IntervalRow,
    /// The staffing, or what went wrong with this row.
    pub outcome: Result<Staffing, RowError>,
}

/// Read a CSV of intervals with the columns `volume` and `aht_seconds`
/// (required) and `start` (optional label), in any order; other columns are
/// ignored. A bad row carries its own [`RowError`] in place; only an empty
/// file or a header without the required columns fails the whole file.
///
/// ```
/// use aftersales::host::workforce::staffing::read_intervals_csv;
/// let rows = read_intervals_csv("start,volume,aht_seconds\n09:00,100,180\n09:30,x,180\n")?;
/// assert_eq!(rows[0].demand.as_ref().map(|d| d.volume), Ok(100.0));
/// assert_eq!((rows[1].line, rows[1].start.as_str()), (3, "09:30"));
/// assert!(rows[1].demand.is_err());
/// # Ok::<(), aftersales::host::workforce::staffing::RowError>(())
/// ```
pub fn read_intervals_csv(text: &str) -> Result<Vec<IntervalRow>, RowError> {
    let mut lines = numbered_lines(text);
    let Some((header_line, header)) = lines.next() else {
        return Err(RowError {
            line: 1,
            message: "the file is empty; expected a header with volume and aht_seconds".into(),
        });
    };
    let header = split_csv_record(header).map_err(|message| RowError {
        line: header_line,
        message,
    })?;
    let column = |name: &str| {
        column_index(&header, name).ok_or_else(|| RowError {
            line: header_line,
            message: format!(
                "the header has no `{name}` column (expected columns start,volume,aht_seconds)"
            ),
        })
    };
    let volume_at = column("volume")?;
    let aht_at = column("aht_seconds")?;
    let start_at = column_index(&header, "start");
    Ok(lines
        .map(|(line, text)| read_interval_row(line, text, start_at, volume_at, aht_at))
        .collect())
}

fn read_interval_row(
    line: usize,
    text: &str,
    start_at: Option<usize>,
    volume_at: usize,
    aht_at: usize,
) -> IntervalRow {
    let error = |message: String| RowError { line, message };
    let fields = match split_csv_record(text) {
        Ok(fields) => fields,
        Err(message) => {
            return IntervalRow {
                line,
                start: String::new(),
                demand: Err(error(message)),
            }
        }
    };
    let field = |at: usize, name: &str| {
        fields
            .get(at)
            .map(String::as_str)
            .ok_or_else(|| error(format!("the row has no `{name}` field")))
    };
    let number = |at: usize, name: &str| -> Result<f64, RowError> {
        let raw = field(at, name)?;
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err(error(format!(
                "`{name}` must be a number, not negative (got `{raw}`)"
            ))),
        }
    };
    let start = start_at
        .and_then(|at| fields.get(at))
        .cloned()
        .unwrap_or_default();
    let demand = (|| {
        let volume = number(volume_at, "volume")?;
        let aht_seconds = number(aht_at, "aht_seconds")?;
        let aht = Duration::try_from_secs_f64(aht_seconds)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                error(format!(
                    "`aht_seconds` must be a number of seconds above zero (got `{aht_seconds}`)"
                ))
            })?;
        Ok(IntervalDemand { volume, aht })
    })();
    IntervalRow {
        line,
        start,
        demand,
    }
}

/// Required agents for every interval of a CSV (see [`read_intervals_csv`]),
/// each `interval` long, in parallel and in input order. A malformed row or a
/// row that cannot be staffed carries its error in place; the others still
/// compute.
///
/// ```
/// use aftersales::host::workforce::staffing::{plan_intervals_csv, ServiceTarget, StaffingPolicy};
/// use std::time::Duration;
/// let csv = "start,volume,aht_seconds\n09:00,100,180\n09:30,oops,180\n10:00,0,180\n";
/// let policy = StaffingPolicy::new(ServiceTarget::new(0.8, Duration::from_secs(20))?);
/// let plan = plan_intervals_csv(csv, Duration::from_secs(1800), &policy)?;
/// assert_eq!(plan[0].outcome.as_ref().map(|s| s.agents), Ok(14));
/// assert!(plan[1].outcome.as_ref().is_err_and(|e| e.line == 3));
/// assert_eq!(plan[2].outcome.as_ref().map(|s| s.agents), Ok(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan_intervals_csv(
    text: &str,
    interval: Duration,
    policy: &StaffingPolicy,
) -> Result<Vec<PlannedInterval>, RowError> {
    let rows = read_intervals_csv(text)?;
    Ok(rows
        .into_par_iter()
        .map(|row| {
            let outcome = match &row.demand {
                Err(e) => Err(e.clone()),
                Ok(demand) => Workload::new(demand.volume, interval, demand.aht)
                    .and_then(|w| required_agents(&w, policy))
                    .map_err(|e| RowError {
                        line: row.line,
                        message: e.to_string(),
                    }),
            };
            PlannedInterval { row, outcome }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_tolerant_absorbs_binary_rounding_only() {
        assert_eq!(21.0 / 0.7, 30.000000000000004);
        assert_eq!(ceil_tolerant(21.0 / 0.7), 30.0);
        assert_eq!(ceil_tolerant(30.0001), 31.0);
        assert_eq!(ceil_tolerant(29.5), 30.0);
        assert_eq!(ceil_tolerant(0.0), 0.0);
        assert_eq!(ceil_tolerant(1e-9), 1.0);
    }

    #[test]
    fn csv_records_split_with_quotes() {
        assert_eq!(
            split_csv_record(r#"a, "b,c" ,"d""e",,"#),
            Ok(vec![
                "a".into(),
                "b,c".into(),
                "d\"e".into(),
                String::new(),
                String::new()
            ])
        );
        assert!(split_csv_record(r#"a,"b"#).is_err());
    }
}
