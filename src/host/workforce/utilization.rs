//! Utilization from agent state logs: occupancy, utilization, schedule
//! adherence and overall labour effectiveness (OLE), per agent and overall.
//!
//! A state log lists `agent,state,start,end` events (CSV with a header, or
//! JSON Lines with those keys); a schedule lists `agent,activity,start,end`.
//! Per agent, events must come in time order and must not overlap: an event
//! that starts before the previous one of the same agent is reported as
//! [`LogError::OutOfOrder`], one that starts before the previous one ends as
//! [`LogError::Overlap`], each with its line, and is left out — never merged.
//!
//! The formulas, with `H` handle time (on contact + after-contact work), `R`
//! ready time (`H` + available), `Pd` paid time (scheduled work and break
//! time, or without a schedule the logged-in time `R` + break):
//!
//! * occupancy `= H / R`;
//! * utilization `= H / Pd`;
//! * adherence `= time in the scheduled state / scheduled time`;
//! * OLE `= availability × performance × quality`, with availability `R / Pd`,
//!   performance `contacts × standard handle time / R` (the agent's own
//!   average handle time when no standard is given, which makes it `H / R`)
//!   and quality the share of contacts of acceptable quality (1 unless given).
//!
//! Overall figures are ratios of the summed times, not averages of ratios.

use super::staffing::{column_index, numbered_lines, split_csv_record};
use chrono::{DateTime, NaiveDateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;

/// The state an agent is in, as logged by the ACD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Logged in and waiting for a contact.
    Available,
    /// Talking to a customer (hold included).
    OnContact,
    /// Wrapping up a contact (after-contact work, ACW).
    AfterContactWork,
    /// On a break (paid, logged in but not taking contacts).
    Break,
    /// Logged out.
    Offline,
}

impl AgentState {
    /// Whether the agent is working: available, on contact or in ACW.
    ///
    /// ```
    /// use aftersales::host::workforce::utilization::AgentState;
    /// assert!(AgentState::AfterContactWork.is_working());
    /// assert!(!AgentState::Break.is_working());
    /// ```
    pub fn is_working(self) -> bool {
        matches!(
            self,
            AgentState::Available | AgentState::OnContact | AgentState::AfterContactWork
        )
    }
}

impl FromStr for AgentState {
    type Err = String;

    /// `available`, `on_contact`, `after_contact_work` (or `acw`), `break`,
    /// `offline`; case and `-`/space versus `_` do not matter.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match normalise(text).as_str() {
            "available" => Ok(AgentState::Available),
            "on_contact" => Ok(AgentState::OnContact),
            "after_contact_work" | "acw" => Ok(AgentState::AfterContactWork),
            "break" => Ok(AgentState::Break),
            "offline" => Ok(AgentState::Offline),
            _ => Err(format!(
                "unknown state `{text}`; expected available, on_contact, after_contact_work (acw), break or offline"
            )),
        }
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AgentState::Available => "available",
            AgentState::OnContact => "on_contact",
            AgentState::AfterContactWork => "after_contact_work",
            AgentState::Break => "break",
            AgentState::Offline => "offline",
        })
    }
}

/// A scheduled activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Handling contacts: adherent when available, on contact or in ACW.
    Work,
    /// A paid break: adherent when on break.
    Break,
    /// Unpaid time off inside the shift (lunch): adherent when offline or
    /// not logged at all.
    Off,
}

impl FromStr for Activity {
    type Err = String;

    /// `work`, `break` or `off`; case does not matter.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match normalise(text).as_str() {
            "work" => Ok(Activity::Work),
            "break" => Ok(Activity::Break),
            "off" => Ok(Activity::Off),
            _ => Err(format!(
                "unknown activity `{text}`; expected work, break or off"
            )),
        }
    }
}

fn normalise(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// A timed entry of one agent: a logged state or a scheduled activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry<K> {
    /// 1-based line in its file.
    pub line: usize,
    /// The agent.
    pub agent: String,
    /// The state or activity.
    pub kind: K,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends (not before `start`).
    pub end: DateTime<Utc>,
}

impl<K> Entry<K> {
    fn millis(&self) -> i64 {
        (self.end - self.start).num_milliseconds()
    }
}

/// A problem with one line of a state log or schedule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LogError {
    /// The file as a whole cannot be read (empty, header without a column).
    #[error("line {line}: {message}")]
    File {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The line cannot be read.
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The entry starts before the previous entry of the same agent.
    #[error(
        "line {line}: entry of agent `{agent}` starts at {start}, before the entry on line \
         {previous_line} which starts at {previous_start}; entries must be in time order"
    )]
    OutOfOrder {
        /// 1-based line of the entry.
        line: usize,
        /// The agent.
        agent: String,
        /// Its start.
        start: String,
        /// Line of the previous entry of the agent.
        previous_line: usize,
        /// Start of the previous entry.
        previous_start: String,
    },
    /// The entry starts before the previous entry of the same agent ends.
    #[error(
        "line {line}: entry of agent `{agent}` starts at {start}, before the entry on line \
         {previous_line} ends at {previous_end}; entries must not overlap"
    )]
    Overlap {
        /// 1-based line of the entry.
        line: usize,
        /// The agent.
        agent: String,
        /// Its start.
        start: String,
        /// Line of the previous entry of the agent.
        previous_line: usize,
        /// End of the previous entry.
        previous_end: String,
    },
}

impl LogError {
    /// The 1-based line the problem is on.
    ///
    /// ```
    /// use aftersales::host::workforce::utilization::LogError;
    /// let e = LogError::Malformed { line: 4, message: "bad".into() };
    /// assert_eq!(e.line(), 4);
    /// ```
    pub fn line(&self) -> usize {
        match self {
            LogError::File { line, .. }
            | LogError::Malformed { line, .. }
            | LogError::OutOfOrder { line, .. }
            | LogError::Overlap { line, .. } => *line,
        }
    }
}

/// The format of a log or schedule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// CSV with a header naming `agent`, the state/activity column, `start`, `end`.
    Csv,
    /// One JSON object per line with those keys.
    JsonLines,
}

/// Entries of one kind that passed every check, in file order, with the
/// problems of the lines left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Entries<K> {
    /// The accepted entries.
    pub entries: Vec<Entry<K>>,
    /// Every line that was left out, and why.
    pub problems: Vec<LogError>,
}

/// A checked agent state log.
pub type StateLog = Entries<AgentState>;
/// A checked schedule.
pub type Schedule = Entries<Activity>;

/// A time such as `2024-03-04T09:00:00Z`, `2024-03-04T09:00:00+01:00`,
/// `2024-03-04 09:00:00` or `2024-03-04T09:00` (times without an offset are
/// taken as UTC).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|t| t.and_utc())
}

#[derive(Deserialize)]
struct JsonEntry {
    agent: String,
    #[serde(alias = "activity")]
    state: String,
    start: String,
    end: String,
}

fn build_entry<K: FromStr<Err = String>>(
    line: usize,
    agent: &str,
    kind: &str,
    start: &str,
    end: &str,
) -> Result<Entry<K>, LogError> {
    let malformed = |message: String| LogError::Malformed { line, message };
    let agent = agent.trim();
    if agent.is_empty() {
        return Err(malformed("the agent is empty".into()));
    }
    let kind = kind.parse::<K>().map_err(malformed)?;
    let time = |text: &str, name: &str| {
        parse_time(text).ok_or_else(|| {
            malformed(format!(
                "`{name}` is not a date and time such as 2024-03-04T09:00:00Z (got `{text}`)"
            ))
        })
    };
    let start = time(start, "start")?;
    let end = time(end, "end")?;
    if end < start {
        return Err(malformed(format!(
            "the entry ends at {end} before it starts at {start}"
        )));
    }
    Ok(Entry {
        line,
        agent: agent.to_string(),
        kind,
        start,
        end,
    })
}

/// Read entries and check their order: `kind_column` names the state or
/// activity column. Lines that cannot be read, are out of order or overlap
/// are reported and left out; only an empty CSV or a header without the
/// columns fails the whole file.
fn read_entries<K: FromStr<Err = String>>(
    text: &str,
    format: LogFormat,
    kind_column: &str,
) -> Result<Entries<K>, LogError> {
    let mut lines = numbered_lines(text);
    let mut parsed: Vec<Result<Entry<K>, LogError>> = Vec::new();
    match format {
        LogFormat::JsonLines => {
            for (line, text) in lines {
                parsed.push(
                    serde_json::from_str::<JsonEntry>(text)
                        .map_err(|e| LogError::Malformed {
                            line,
                            message: format!("not a {kind_column} entry: {e}"),
                        })
                        .and_then(|j| build_entry(line, &j.agent, &j.state, &j.start, &j.end)),
                );
            }
        }
        LogFormat::Csv => {
            let Some((header_line, header)) = lines.next() else {
                return Err(LogError::File {
                    line: 1,
                    message: format!(
                        "the file is empty; expected a header agent,{kind_column},start,end"
                    ),
                });
            };
            let header = split_csv_record(header).map_err(|message| LogError::File {
                line: header_line,
                message,
            })?;
            let mut at = [0usize; 4];
            for (slot, name) in at.iter_mut().zip(["agent", kind_column, "start", "end"]) {
                *slot = column_index(&header, name).ok_or_else(|| LogError::File {
                    line: header_line,
                    message: format!(
                        "the header has no `{name}` column (expected agent,{kind_column},start,end)"
                    ),
                })?;
            }
            for (line, text) in lines {
                let entry = split_csv_record(text)
                    .map_err(|message| LogError::Malformed { line, message })
                    .and_then(|fields| {
                        let get = |i: usize| fields.get(at[i]).map(String::as_str).unwrap_or("");
                        if fields.len() <= at.iter().copied().max().unwrap_or(0) {
                            return Err(LogError::Malformed {
                                line,
                                message: format!(
                                    "the row has {} fields; expected agent,{kind_column},start,end",
                                    fields.len()
                                ),
                            });
                        }
                        build_entry(line, get(0), get(1), get(2), get(3))
                    });
                parsed.push(entry);
            }
        }
    }
    Ok(check_sequence(parsed))
}

/// Keep the entries that follow the previous accepted entry of their agent.
fn check_sequence<K>(parsed: Vec<Result<Entry<K>, LogError>>) -> Entries<K> {
    let mut entries: Vec<Entry<K>> = Vec::with_capacity(parsed.len());
    let mut problems = Vec::new();
    let mut last_of: HashMap<String, usize> = HashMap::new();
    for item in parsed {
        let entry = match item {
            Ok(e) => e,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if let Some(&index) = last_of.get(&entry.agent) {
            let previous = &entries[index];
            if entry.start < previous.start {
                problems.push(LogError::OutOfOrder {
                    line: entry.line,
                    agent: entry.agent.clone(),
                    start: entry.start.to_rfc3339(),
                    previous_line: previous.line,
                    previous_start: previous.start.to_rfc3339(),
                });
                continue;
            }
            if entry.start < previous.end {
                problems.push(LogError::Overlap {
                    line: entry.line,
                    agent: entry.agent.clone(),
                    start: entry.start.to_rfc3339(),
                    previous_line: previous.line,
                    previous_end: previous.end.to_rfc3339(),
                });
                continue;
            }
        }
        last_of.insert(entry.agent.clone(), entries.len());
        entries.push(entry);
    }
    Entries { entries, problems }
}

/// Read and check an agent state log (`agent,state,start,end`).
///
/// ```
/// use aftersales::host::workforce::utilization::{read_state_log, LogFormat};
/// let log = read_state_log(
///     "agent,state,start,end\n\
///      ann,available,2024-03-04T09:00,2024-03-04T09:10\n\
///      ann,on_contact,2024-03-04T09:05,2024-03-04T09:20\n",
///     LogFormat::Csv,
/// )?;
/// assert_eq!(log.entries.len(), 1);
/// assert_eq!(log.problems[0].line(), 3); // overlaps line 2
/// # Ok::<(), aftersales::host::workforce::utilization::LogError>(())
/// ```
pub fn read_state_log(text: &str, format: LogFormat) -> Result<StateLog, LogError> {
    read_entries(text, format, "state")
}

/// Read and check a schedule (`agent,activity,start,end`; activity `work`,
/// `break` or `off`).
///
/// ```
/// use aftersales::host::workforce::utilization::{read_schedule, Activity, LogFormat};
/// let s = read_schedule(
///     "agent,activity,start,end\nann,work,2024-03-04T09:00,2024-03-04T12:00\n",
///     LogFormat::Csv,
/// )?;
/// assert_eq!(s.entries[0].kind, Activity::Work);
/// # Ok::<(), aftersales::host::workforce::utilization::LogError>(())
/// ```
pub fn read_schedule(text: &str, format: LogFormat) -> Result<Schedule, LogError> {
    read_entries(text, format, "activity")
}

/// Optional inputs of the OLE calculation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UtilizationOptions {
    /// Standard (target) handle time per contact; performance is then
    /// `contacts × standard / ready time`. Without it each agent's own
    /// average handle time is the standard.
    pub standard_handle_time: Option<Duration>,
    /// Quality per agent, a fraction in `[0, 1]` (e.g. the QA pass rate);
    /// agents not listed count as 1.
    pub quality: IndexMap<String, f64>,
}

/// Seconds spent in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StateSeconds {
    /// Available.
    pub available: f64,
    /// On contact.
    pub on_contact: f64,
    /// After-contact work.
    pub after_contact_work: f64,
    /// On break.
    #[serde(rename = "break")]
    pub break_: f64,
    /// Offline.
    pub offline: f64,
}

impl StateSeconds {
    fn add(&mut self, state: AgentState, seconds: f64) {
        match state {
            AgentState::Available => self.available += seconds,
            AgentState::OnContact => self.on_contact += seconds,
            AgentState::AfterContactWork => self.after_contact_work += seconds,
            AgentState::Break => self.break_ += seconds,
            AgentState::Offline => self.offline += seconds,
        }
    }

    fn absorb(&mut self, other: &StateSeconds) {
        self.available += other.available;
        self.on_contact += other.on_contact;
        self.after_contact_work += other.after_contact_work;
        self.break_ += other.break_;
        self.offline += other.offline;
    }

    /// Handle time: on contact plus after-contact work.
    ///
    /// ```
    /// use aftersales::host::workforce::utilization::StateSeconds;
    /// let s = StateSeconds { on_contact: 300.0, after_contact_work: 60.0, ..Default::default() };
    /// assert_eq!(s.handle(), 360.0);
    /// ```
    pub fn handle(&self) -> f64 {
        self.on_contact + self.after_contact_work
    }

    /// Ready time: handle time plus available time.
    ///
    /// ```
    /// use aftersales::host::workforce::utilization::StateSeconds;
    /// let s = StateSeconds { available: 40.0, on_contact: 60.0, ..Default::default() };
    /// assert_eq!(s.ready(), 100.0);
    /// ```
    pub fn ready(&self) -> f64 {
        self.available + self.handle()
    }
}

/// The figures of one agent, or of all agents together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentUtilization {
    /// The agent (`*` for the overall line).
    pub agent: String,
    /// Seconds per state.
    pub seconds: StateSeconds,
    /// Contacts handled (on-contact entries).
    pub contacts: u64,
    /// Paid seconds: scheduled work and break, or logged-in time without a schedule.
    pub paid_seconds: f64,
    /// Scheduled seconds (all activities), when the agent has a schedule.
    pub scheduled_seconds: Option<f64>,
    /// Seconds in the scheduled state, when the agent has a schedule.
    pub adherent_seconds: Option<f64>,
    /// Handle / ready time.
    pub occupancy: Option<f64>,
    /// Handle / paid time.
    pub utilization: Option<f64>,
    /// Adherent / scheduled time.
    pub adherence: Option<f64>,
    /// Ready / paid time.
    pub availability: Option<f64>,
    /// Contacts × standard handle time / ready time.
    pub performance: Option<f64>,
    /// Share of contacts of acceptable quality.
    pub quality: f64,
    /// Availability × performance × quality.
    pub ole: Option<f64>,
}

/// Utilization of every agent (in order of first appearance) and overall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UtilizationReport {
    /// One line per agent.
    pub agents: Vec<AgentUtilization>,
    /// All agents together.
    pub overall: AgentUtilization,
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

#[derive(Default)]
struct Totals {
    seconds: StateSeconds,
    contacts: u64,
    scheduled: Option<(f64, f64, f64)>, // (paid, scheduled, adherent)
    standard_work: f64,
    quality_weight: f64,
    quality_sum: f64,
}

impl Totals {
    fn figures(&self, agent: String, quality: f64, standard: Option<f64>) -> AgentUtilization {
        let s = self.seconds;
        let logged_in = s.ready() + s.break_;
        let paid = self.scheduled.map_or(logged_in, |(paid, _, _)| paid);
        let availability = ratio(s.ready(), paid);
        let performance = match standard {
            Some(_) => ratio(self.standard_work, s.ready()),
            None => ratio(s.handle(), s.ready()),
        };
        let ole = availability.zip(performance).map(|(a, p)| a * p * quality);
        AgentUtilization {
            agent,
            seconds: s,
            contacts: self.contacts,
            paid_seconds: paid,
            scheduled_seconds: self.scheduled.map(|(_, scheduled, _)| scheduled),
            adherent_seconds: self.scheduled.map(|(_, _, adherent)| adherent),
            occupancy: ratio(s.handle(), s.ready()),
            utilization: ratio(s.handle(), paid),
            adherence: self
                .scheduled
                .and_then(|(_, scheduled, adherent)| ratio(adherent, scheduled)),
            availability,
            performance,
            quality,
            ole,
        }
    }
}

/// Milliseconds of `segment` adherent to its activity, given the agent's
/// accepted events (sorted and disjoint), starting the scan at `*cursor`.
fn adherent_millis(
    segment: &Entry<Activity>,
    events: &[&Entry<AgentState>],
    cursor: &mut usize,
) -> i64 {
    while *cursor < events.len() && events[*cursor].end <= segment.start {
        *cursor += 1;
    }
    let mut matching = 0i64;
    let mut logged_in = 0i64;
    for event in events[*cursor..]
        .iter()
        .take_while(|e| e.start < segment.end)
    {
        let overlap = (event.end.min(segment.end) - event.start.max(segment.start))
            .num_milliseconds()
            .max(0);
        let adherent = match segment.kind {
            Activity::Work => event.kind.is_working(),
            Activity::Break => event.kind == AgentState::Break,
            Activity::Off => false,
        };
        if adherent {
            matching += overlap;
        }
        if event.kind != AgentState::Offline {
            logged_in += overlap;
        }
    }
    match segment.kind {
        Activity::Off => segment.millis() - logged_in,
        Activity::Work | Activity::Break => matching,
    }
}

/// Occupancy, utilization, adherence and OLE per agent and overall (see the
/// module documentation for the formulas).
///
/// ```
/// use aftersales::host::workforce::utilization::*;
/// let log = read_state_log(
///     "agent,state,start,end\n\
///      ann,available,2024-03-04T09:00,2024-03-04T09:15\n\
///      ann,on_contact,2024-03-04T09:15,2024-03-04T09:45\n\
///      ann,after_contact_work,2024-03-04T09:45,2024-03-04T10:00\n",
///     LogFormat::Csv,
/// )?;
/// let report = analyze(&log, None, &UtilizationOptions::default());
/// // 45 minutes handling out of 60 ready.
/// assert_eq!(report.agents[0].occupancy, Some(0.75));
/// # Ok::<(), aftersales::host::workforce::utilization::LogError>(())
/// ```
pub fn analyze(
    log: &StateLog,
    schedule: Option<&Schedule>,
    options: &UtilizationOptions,
) -> UtilizationReport {
    let standard = options.standard_handle_time.map(|d| d.as_secs_f64());
    let mut per_agent: IndexMap<&str, (Totals, Vec<&Entry<AgentState>>)> = IndexMap::new();
    for event in &log.entries {
        let (totals, events) = per_agent.entry(event.agent.as_str()).or_default();
        totals
            .seconds
            .add(event.kind, event.millis() as f64 / 1000.0);
        if event.kind == AgentState::OnContact {
            totals.contacts += 1;
        }
        events.push(event);
    }
    let mut segments_of: IndexMap<&str, Vec<&Entry<Activity>>> = IndexMap::new();
    for segment in schedule.map(|s| s.entries.as_slice()).unwrap_or_default() {
        segments_of
            .entry(segment.agent.as_str())
            .or_default()
            .push(segment);
        per_agent.entry(segment.agent.as_str()).or_default();
    }
    let mut overall = Totals::default();
    let mut agents = Vec::with_capacity(per_agent.len());
    for (agent, (mut totals, events)) in per_agent {
        if let Some(segments) = segments_of.get(agent) {
            // i128: many entries of the widest dates cannot overflow the sums.
            let (mut paid, mut scheduled, mut adherent) = (0i128, 0i128, 0i128);
            let mut cursor = 0;
            for segment in segments {
                scheduled += i128::from(segment.millis());
                if segment.kind != Activity::Off {
                    paid += i128::from(segment.millis());
                }
                adherent += i128::from(adherent_millis(segment, &events, &mut cursor));
            }
            totals.scheduled = Some((
                paid as f64 / 1000.0,
                scheduled as f64 / 1000.0,
                adherent as f64 / 1000.0,
            ));
        }
        let quality = options.quality.get(agent).copied().unwrap_or(1.0);
        let own_aht = ratio(totals.seconds.handle(), totals.contacts as f64).unwrap_or(0.0);
        totals.standard_work = totals.contacts as f64 * standard.unwrap_or(own_aht);
        // Overall sums: times, contacts, schedules; quality weighted by contacts.
        overall.contacts += totals.contacts;
        overall.standard_work += totals.standard_work;
        overall.quality_weight += totals.contacts as f64;
        overall.quality_sum += totals.contacts as f64 * quality;
        overall.seconds.absorb(&totals.seconds);
        let logged_in = totals.seconds.ready() + totals.seconds.break_;
        let (paid, scheduled, adherent) = totals.scheduled.unwrap_or((logged_in, 0.0, 0.0));
        let (p, s, a) = overall.scheduled.unwrap_or((0.0, 0.0, 0.0));
        overall.scheduled = Some((p + paid, s + scheduled, a + adherent));
        agents.push(totals.figures(agent.to_string(), quality, standard));
    }
    let overall_quality = ratio(overall.quality_sum, overall.quality_weight).unwrap_or(1.0);
    let has_schedule = agents.iter().any(|a| a.scheduled_seconds.is_some());
    let mut overall_line = overall.figures("*".to_string(), overall_quality, standard);
    if !has_schedule {
        overall_line.scheduled_seconds = None;
        overall_line.adherent_seconds = None;
        overall_line.adherence = None;
    }
    UtilizationReport {
        agents,
        overall: overall_line,
    }
}

/// Read a quality file: CSV `agent,quality` with quality a fraction (`0.92`)
/// or a percentage (`92%`). Bad rows are reported by line.
///
/// ```
/// use aftersales::host::workforce::utilization::read_quality_csv;
/// let (q, problems) = read_quality_csv("agent,quality\nann,92%\nbob,0.8\ncy,1.5\n")?;
/// assert_eq!(q.get("ann"), Some(&0.92));
/// assert_eq!(problems[0].line(), 4);
/// # Ok::<(), aftersales::host::workforce::utilization::LogError>(())
/// ```
pub fn read_quality_csv(text: &str) -> Result<(IndexMap<String, f64>, Vec<LogError>), LogError> {
    let mut lines = numbered_lines(text);
    let Some((header_line, header)) = lines.next() else {
        return Err(LogError::File {
            line: 1,
            message: "the file is empty; expected a header agent,quality".into(),
        });
    };
    let header = split_csv_record(header).map_err(|message| LogError::File {
        line: header_line,
        message,
    })?;
    let (Some(agent_at), Some(quality_at)) = (
        column_index(&header, "agent"),
        column_index(&header, "quality"),
    ) else {
        return Err(LogError::File {
            line: header_line,
            message: "the header must name the columns agent,quality".into(),
        });
    };
    let mut quality = IndexMap::new();
    let mut problems = Vec::new();
    for (line, text) in lines {
        let parsed = split_csv_record(text).ok().and_then(|fields| {
            let agent = fields.get(agent_at)?.clone();
            let raw = fields.get(quality_at)?;
            let value = match raw.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
                None => raw.parse::<f64>().ok()?,
            };
            ((0.0..=1.0).contains(&value) && !agent.is_empty()).then_some((agent, value))
        });
        match parsed {
            Some((agent, value)) => {
                quality.insert(agent, value);
            }
            None => problems.push(LogError::Malformed {
                line,
                message: "expected an agent and a quality from 0 to 1 (or 0% to 100%)".into(),
            }),
        }
    }
    Ok((quality, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_several_forms() {
        let t = parse_time("2024-03-04T09:00:00Z").unwrap();
        assert_eq!(parse_time("2024-03-04 09:00"), Some(t));
        assert_eq!(parse_time("2024-03-04T10:00:00+01:00"), Some(t));
        assert_eq!(parse_time("2024-03-04T09:00:00.000"), Some(t));
        assert_eq!(parse_time("09:00"), None);
    }

    #[test]
    fn states_and_activities_parse_leniently() {
        assert_eq!(
            "ACW".parse::<AgentState>(),
            Ok(AgentState::AfterContactWork)
        );
        assert_eq!(
            "On-Contact".parse::<AgentState>(),
            Ok(AgentState::OnContact)
        );
        assert!("lunch"
            .parse::<AgentState>()
            .unwrap_err()
            .contains("unknown state `lunch`"));
        assert_eq!(" Off ".parse::<Activity>(), Ok(Activity::Off));
    }
}
