//! Shift scheduling by set covering (APQC 6.2.1): how many agents to put on
//! each candidate shift so that every interval has at least the agents it
//! requires, at the least cost (by default, the least paid hours).
//!
//! The model is Dantzig's (1954) set-covering formulation of shift
//! scheduling: one integer variable `x[j] ≥ 0` per candidate shift `j` (the
//! agents working it), minimise `Σ cost[j]·x[j]` subject to
//! `Σ_{j covers i} x[j] ≥ required[i]` for every interval `i`. A shift
//! "covers" the intervals it is on duty for, breaks excluded.
//!
//! [`solve`] solves it with good_lp and its pure-Rust microlp solver under a
//! size and time budget, also solves the LP relaxation for a lower bound (and
//! so a gap), and falls back to a greedy heuristic ([`greedy`]) when the MIP
//! is too big, fails, or finds nothing in time. The result says which method
//! produced it.
//!
//! [`parse_requirements_csv`], [`parse_shifts_yaml`] and [`build_problem`]
//! turn files (`interval,required` and a YAML list of shift templates) into a
//! [`CoverProblem`].

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use good_lp::{
    microlp, variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus,
    SolverModel, Variable, WithInitialSolution, WithTimeLimit,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Largest number of intervals in a requirement.
pub const MAX_INTERVALS: usize = 100_000;
/// Largest number of candidate shifts.
pub const MAX_SHIFTS: usize = 200_000;
/// Largest total number of (shift, interval) coverage entries.
pub const MAX_COVERAGE_ENTRIES: usize = 20_000_000;
/// Largest number of days a requirement may span.
pub const MAX_DAYS: i64 = 3_660;
/// Largest requirement of one interval.
pub const MAX_REQUIRED: u32 = 1_000_000;

/// Everything that can go wrong while reading or solving a schedule.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ScheduleError {
    /// A row of the requirements CSV could not be read.
    #[error("line {line}: {message}")]
    Requirements {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// The requirements file has no data rows.
    #[error("the requirements have no data rows")]
    NoIntervals,
    /// The shifts file could not be read.
    #[error("shifts: {0}")]
    Shifts(String),
    /// The problem is larger than the limits.
    #[error("the problem is too large: {0}")]
    TooLarge(String),
    /// A candidate shift is malformed (cost, coverage).
    #[error("shift {index}: {message}")]
    BadShift {
        /// 0-based candidate index.
        index: usize,
        /// What was wrong.
        message: String,
    },
    /// Some intervals need agents but no shift covers them.
    #[error("no shift covers interval(s) {} that need agents", list(.intervals))]
    Uncoverable {
        /// 0-based intervals that need agents and that no shift covers.
        intervals: Vec<usize>,
    },
    /// A setting is out of range.
    #[error("invalid schedule setting: {0}")]
    Config(String),
}

fn list(v: &[usize]) -> String {
    let shown: Vec<String> = v.iter().take(20).map(|i| i.to_string()).collect();
    if v.len() > 20 {
        format!("{} and {} more", shown.join(", "), v.len() - 20)
    } else {
        shown.join(", ")
    }
}

// ---------------------------------------------------------------------------
// The covering problem
// ---------------------------------------------------------------------------

/// One candidate shift: a way to employ an agent, and the intervals an agent
/// on it covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateShift {
    /// A name for people, e.g. `early Mon 06:00`.
    pub name: String,
    /// Cost of one agent on this shift (paid hours × hourly cost by default).
    pub cost: f64,
    /// Paid hours of one agent on this shift.
    pub paid_hours: f64,
    /// The intervals (0-based, each at most once) the agent is on duty for.
    pub covers: Vec<usize>,
}

/// A set-covering instance: requirements per interval and candidate shifts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverProblem {
    /// Agents required in each interval.
    pub required: Vec<u32>,
    /// Candidate shifts.
    pub shifts: Vec<CandidateShift>,
}

/// Which solution method to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodChoice {
    /// The MIP within budget, else the greedy heuristic.
    #[default]
    Auto,
    /// The greedy heuristic only (the LP bound is still computed).
    Greedy,
}

/// Budgets and choices for [`solve`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SolveOptions {
    /// Which method to use.
    pub method: MethodChoice,
    /// Wall-clock budget of the MIP search, in seconds (and, separately, of
    /// the LP relaxation).
    pub time_limit_seconds: f64,
    /// Largest number of candidate shifts for which the MIP is attempted.
    pub max_mip_shifts: usize,
    /// Largest number of coverage entries for which the MIP is attempted.
    pub max_mip_entries: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            method: MethodChoice::Auto,
            time_limit_seconds: 10.0,
            max_mip_shifts: 5_000,
            max_mip_entries: 500_000,
        }
    }
}

/// How a schedule was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The MIP was solved to proven optimality.
    MipOptimal,
    /// The MIP hit its time limit; this is its best solution (not proven optimal).
    MipTimeLimit,
    /// The greedy heuristic (the MIP was skipped, failed, or was worse).
    Greedy,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::MipOptimal => "MIP (microlp), proven optimal",
            Method::MipTimeLimit => "MIP (microlp), best found within the time limit",
            Method::Greedy => "greedy heuristic",
        })
    }
}

/// A solved schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// Agents on each candidate shift (same order as the problem's shifts).
    pub agents: Vec<u32>,
    /// Total cost `Σ cost·agents`.
    pub cost: f64,
    /// Total paid hours.
    pub paid_hours: f64,
    /// Agents on duty in each interval.
    pub coverage: Vec<u32>,
    /// How it was obtained.
    pub method: Method,
    /// Optimal cost of the LP relaxation, a lower bound on any schedule's
    /// cost (`None` if the LP was not solved within its budget).
    pub lp_bound: Option<f64>,
    /// `(cost − lp_bound) / lp_bound` in percent (0 when both are 0).
    pub gap_percent: Option<f64>,
    /// Things the planner should know (why a fallback was used).
    pub notes: Vec<String>,
}

impl CoverProblem {
    /// Check the instance: sizes, costs, coverage indices, and that every
    /// interval needing agents is covered by some shift.
    ///
    /// ```
    /// use aftersales::host::workforce::schedule::{CandidateShift, CoverProblem, ScheduleError};
    /// let p = CoverProblem {
    ///     required: vec![1, 2],
    ///     shifts: vec![CandidateShift { name: "a".into(), cost: 1.0, paid_hours: 1.0, covers: vec![0] }],
    /// };
    /// assert_eq!(p.validate(), Err(ScheduleError::Uncoverable { intervals: vec![1] }));
    /// ```
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let n = self.required.len();
        if n == 0 {
            return Err(ScheduleError::NoIntervals);
        }
        if n > MAX_INTERVALS {
            return Err(ScheduleError::TooLarge(format!(
                "{n} intervals (at most {MAX_INTERVALS})"
            )));
        }
        if self.shifts.len() > MAX_SHIFTS {
            return Err(ScheduleError::TooLarge(format!(
                "{} candidate shifts (at most {MAX_SHIFTS})",
                self.shifts.len()
            )));
        }
        if let Some(i) = self.required.iter().position(|r| *r > MAX_REQUIRED) {
            return Err(ScheduleError::TooLarge(format!(
                "interval {i} requires more than {MAX_REQUIRED} agents"
            )));
        }
        let mut entries = 0usize;
        let mut covered = vec![false; n];
        for (j, s) in self.shifts.iter().enumerate() {
            if !s.cost.is_finite() || s.cost < 0.0 {
                return Err(ScheduleError::BadShift {
                    index: j,
                    message: format!("cost {} must be finite and not negative", s.cost),
                });
            }
            if !s.paid_hours.is_finite() || s.paid_hours < 0.0 {
                return Err(ScheduleError::BadShift {
                    index: j,
                    message: format!(
                        "paid hours {} must be finite and not negative",
                        s.paid_hours
                    ),
                });
            }
            entries = entries.saturating_add(s.covers.len());
            if entries > MAX_COVERAGE_ENTRIES {
                return Err(ScheduleError::TooLarge(format!(
                    "more than {MAX_COVERAGE_ENTRIES} coverage entries"
                )));
            }
            let mut seen = BTreeSet::new();
            for &i in &s.covers {
                if i >= n {
                    return Err(ScheduleError::BadShift {
                        index: j,
                        message: format!("covers interval {i} but there are only {n}"),
                    });
                }
                if !seen.insert(i) {
                    return Err(ScheduleError::BadShift {
                        index: j,
                        message: format!("covers interval {i} twice"),
                    });
                }
                covered[i] = true;
            }
        }
        let uncovered: Vec<usize> = (0..n)
            .filter(|&i| self.required[i] > 0 && !covered[i])
            .collect();
        if !uncovered.is_empty() {
            return Err(ScheduleError::Uncoverable {
                intervals: uncovered,
            });
        }
        Ok(())
    }

    /// Agents on duty per interval for `agents` per shift.
    ///
    /// ```
    /// use aftersales::host::workforce::schedule::{CandidateShift, CoverProblem};
    /// let s = |c: Vec<usize>| CandidateShift { name: String::new(), cost: 1.0, paid_hours: 1.0, covers: c };
    /// let p = CoverProblem { required: vec![0, 0, 0], shifts: vec![s(vec![0, 1]), s(vec![1, 2])] };
    /// assert_eq!(p.coverage(&[2, 3]), vec![2, 5, 3]);
    /// ```
    pub fn coverage(&self, agents: &[u32]) -> Vec<u32> {
        let mut c = vec![0u32; self.required.len()];
        for (s, &a) in self.shifts.iter().zip(agents) {
            for &i in &s.covers {
                if let Some(v) = c.get_mut(i) {
                    *v = v.saturating_add(a);
                }
            }
        }
        c
    }

    /// Whether `agents` meets every requirement.
    ///
    /// ```
    /// use aftersales::host::workforce::schedule::{CandidateShift, CoverProblem};
    /// let s = CandidateShift { name: String::new(), cost: 1.0, paid_hours: 1.0, covers: vec![0, 1] };
    /// let p = CoverProblem { required: vec![2, 1], shifts: vec![s] };
    /// assert!(p.is_covered(&[2]));
    /// assert!(!p.is_covered(&[1]));
    /// ```
    pub fn is_covered(&self, agents: &[u32]) -> bool {
        self.coverage(agents)
            .iter()
            .zip(&self.required)
            .all(|(c, r)| c >= r)
    }

    /// Total cost of `agents`.
    ///
    /// ```
    /// use aftersales::host::workforce::schedule::{CandidateShift, CoverProblem};
    /// let s = CandidateShift { name: String::new(), cost: 8.5, paid_hours: 8.0, covers: vec![0] };
    /// let p = CoverProblem { required: vec![1], shifts: vec![s] };
    /// assert_eq!(p.cost(&[2]), 17.0);
    /// ```
    pub fn cost(&self, agents: &[u32]) -> f64 {
        self.shifts
            .iter()
            .zip(agents)
            .map(|(s, &a)| s.cost * f64::from(a))
            .sum()
    }

    fn paid_hours(&self, agents: &[u32]) -> f64 {
        self.shifts
            .iter()
            .zip(agents)
            .map(|(s, &a)| s.paid_hours * f64::from(a))
            .sum()
    }

    /// For each shift, the most agents it can usefully take: the largest
    /// requirement among the intervals it covers.
    fn upper_bounds(&self) -> Vec<u32> {
        self.shifts
            .iter()
            .map(|s| {
                s.covers
                    .iter()
                    .map(|&i| self.required[i])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }
}

/// The greedy heuristic for weighted set multicover (Chvátal's rule): while
/// some interval is short of agents, take the shift with the most short
/// intervals per unit cost (ties: the earlier shift) and add as many agents
/// to it as the smallest shortfall among its short intervals; afterwards drop
/// agents that are not needed, most expensive shifts first. It always covers
/// a valid instance, runs at most one round per interval, and carries no
/// optimality guarantee beyond the harmonic-number bound of the rule.
///
/// ```
/// use aftersales::host::workforce::schedule::{greedy, CandidateShift, CoverProblem};
/// let s = |c: Vec<usize>, cost: f64| CandidateShift { name: String::new(), cost, paid_hours: cost, covers: c };
/// let p = CoverProblem { required: vec![2, 2, 1], shifts: vec![s(vec![0, 1], 2.0), s(vec![1, 2], 2.0), s(vec![2], 1.0)] };
/// let x = greedy(&p).unwrap();
/// assert!(p.is_covered(&x));
/// assert_eq!(x, vec![2, 0, 1]);
/// ```
pub fn greedy(problem: &CoverProblem) -> Result<Vec<u32>, ScheduleError> {
    problem.validate()?;
    let mut residual: Vec<u32> = problem.required.clone();
    let mut x = vec![0u32; problem.shifts.len()];
    // Each round zeroes the residual of at least one interval.
    for _ in 0..=problem.required.len() {
        let mut best: Option<(usize, f64)> = None;
        for (j, s) in problem.shifts.iter().enumerate() {
            let short = s.covers.iter().filter(|&&i| residual[i] > 0).count();
            if short == 0 {
                continue;
            }
            let score = if s.cost > 0.0 {
                short as f64 / s.cost
            } else {
                f64::INFINITY
            };
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((j, score));
            }
        }
        let Some((j, _)) = best else { break };
        let covers = &problem.shifts[j].covers;
        let k = covers
            .iter()
            .map(|&i| residual[i])
            .filter(|&r| r > 0)
            .min()
            .unwrap_or(1);
        x[j] = x[j].saturating_add(k);
        for &i in covers {
            residual[i] = residual[i].saturating_sub(k);
        }
    }
    remove_redundant(problem, &mut x);
    Ok(x)
}

/// Drop agents whose removal keeps every interval covered, most expensive
/// shifts first.
fn remove_redundant(problem: &CoverProblem, x: &mut [u32]) {
    let mut coverage = problem.coverage(x);
    let mut order: Vec<usize> = (0..x.len()).filter(|&j| x[j] > 0).collect();
    order.sort_by(|&a, &b| {
        problem.shifts[b]
            .cost
            .total_cmp(&problem.shifts[a].cost)
            .then(a.cmp(&b))
    });
    for j in order {
        let covers = &problem.shifts[j].covers;
        let slack = covers
            .iter()
            .map(|&i| coverage[i] - problem.required[i].min(coverage[i]))
            .min()
            .unwrap_or(x[j]);
        let r = slack.min(x[j]);
        if r > 0 {
            x[j] -= r;
            for &i in covers {
                coverage[i] -= r;
            }
        }
    }
}

enum Relax {
    Integer,
    Continuous,
}

struct Solved {
    values: Vec<f64>,
    status: SolutionStatus,
}

fn solve_model(
    problem: &CoverProblem,
    relax: Relax,
    upper: &[u32],
    time_limit: f64,
    start: Option<&[u32]>,
) -> Result<Solved, ResolutionError> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = upper
        .iter()
        .map(|&ub| {
            let def = variable().min(0).max(f64::from(ub));
            vars.add(match relax {
                Relax::Integer => def.integer(),
                Relax::Continuous => def,
            })
        })
        .collect();
    let objective: Expression = problem
        .shifts
        .iter()
        .zip(&x)
        .map(|(s, v)| s.cost * *v)
        .sum();
    let mut covering: Vec<Vec<usize>> = vec![Vec::new(); problem.required.len()];
    for (j, s) in problem.shifts.iter().enumerate() {
        for &i in &s.covers {
            covering[i].push(j);
        }
    }
    let mut model = vars.minimise(objective).using(microlp);
    model = model.with_time_limit(time_limit);
    if let Some(start) = start {
        model = model.with_initial_solution(x.iter().zip(start).map(|(v, &a)| (*v, f64::from(a))));
    }
    for (i, &r) in problem.required.iter().enumerate() {
        if r == 0 {
            continue;
        }
        let lhs: Expression = covering[i].iter().map(|&j| x[j]).sum();
        model.add_constraint(lhs.geq(f64::from(r)));
    }
    let solution = model.solve()?;
    Ok(Solved {
        values: x.iter().map(|v| solution.value(*v)).collect(),
        status: solution.status(),
    })
}

/// Solve the covering problem: the MIP (warm-started with the greedy
/// solution) within the budgets of `opts`, the LP relaxation for a bound,
/// and the greedy heuristic as the fallback.
///
/// ```
/// use aftersales::host::workforce::schedule::{solve, CandidateShift, CoverProblem, Method, SolveOptions};
/// let s = |c: Vec<usize>, cost: f64| CandidateShift { name: String::new(), cost, paid_hours: cost, covers: c };
/// // Two intervals needing 3 and 2 agents; a long shift (cost 5) or two short ones (cost 3 each).
/// let p = CoverProblem { required: vec![3, 2], shifts: vec![s(vec![0, 1], 5.0), s(vec![0], 3.0), s(vec![1], 3.0)] };
/// let sch = solve(&p, &SolveOptions::default()).unwrap();
/// assert_eq!(sch.method, Method::MipOptimal);
/// assert_eq!(sch.agents, vec![2, 1, 0]);
/// assert_eq!(sch.cost, 13.0);
/// ```
pub fn solve(problem: &CoverProblem, opts: &SolveOptions) -> Result<Schedule, ScheduleError> {
    if !(opts.time_limit_seconds.is_finite() && opts.time_limit_seconds > 0.0) {
        return Err(ScheduleError::Config(format!(
            "time limit must be a positive number of seconds, got {}",
            opts.time_limit_seconds
        )));
    }
    problem.validate()?;
    let mut notes = Vec::new();
    let greedy_x = greedy(problem)?;
    let greedy_cost = problem.cost(&greedy_x);
    let upper = problem.upper_bounds();
    let entries: usize = problem.shifts.iter().map(|s| s.covers.len()).sum();
    let within_budget =
        problem.shifts.len() <= opts.max_mip_shifts && entries <= opts.max_mip_entries;

    // LP relaxation: a lower bound on every schedule.
    let lp_bound = if within_budget {
        match solve_model(
            problem,
            Relax::Continuous,
            &upper,
            opts.time_limit_seconds,
            None,
        ) {
            Ok(s) if matches!(s.status, SolutionStatus::Optimal) => {
                let v: f64 = problem
                    .shifts
                    .iter()
                    .zip(&s.values)
                    .map(|(sh, x)| sh.cost * x)
                    .sum();
                v.is_finite().then_some(v)
            }
            Ok(_) => {
                notes.push("the LP relaxation hit its time limit; no bound".into());
                None
            }
            Err(e) => {
                notes.push(format!("the LP relaxation failed ({e}); no bound"));
                None
            }
        }
    } else {
        None
    };

    let mut best = (greedy_x, Method::Greedy);
    if opts.method == MethodChoice::Greedy {
        notes.push("greedy heuristic chosen by the caller".into());
    } else if !within_budget {
        notes.push(format!(
            "MIP skipped: {} shifts / {entries} coverage entries exceed the budget of {} / {}; greedy heuristic used",
            problem.shifts.len(),
            opts.max_mip_shifts,
            opts.max_mip_entries
        ));
    } else {
        match solve_model(
            problem,
            Relax::Integer,
            &upper,
            opts.time_limit_seconds,
            Some(&best.0),
        ) {
            Ok(s) => {
                let x: Vec<u32> = s
                    .values
                    .iter()
                    .map(|v| {
                        let r = v.round();
                        if r.is_finite() && r > 0.0 {
                            r.min(f64::from(MAX_REQUIRED)) as u32
                        } else {
                            0
                        }
                    })
                    .collect();
                if !problem.is_covered(&x) {
                    notes.push(
                        "the MIP solution did not cover every interval after rounding; greedy heuristic used"
                            .into(),
                    );
                } else if problem.cost(&x) <= greedy_cost + 1e-9 {
                    let method = if matches!(s.status, SolutionStatus::Optimal) {
                        Method::MipOptimal
                    } else {
                        notes.push(format!(
                            "the MIP hit its time limit of {} s; its best solution is used",
                            opts.time_limit_seconds
                        ));
                        Method::MipTimeLimit
                    };
                    best = (x, method);
                } else {
                    notes.push("the MIP's best solution cost more than the greedy one; greedy heuristic used".into());
                }
            }
            Err(e) => notes.push(format!("the MIP failed ({e}); greedy heuristic used")),
        }
    }
    let (agents, method) = best;
    let cost = problem.cost(&agents);
    let gap_percent = lp_bound.map(|b| {
        if b > 0.0 {
            (100.0 * (cost - b) / b).max(0.0)
        } else {
            0.0
        }
    });
    Ok(Schedule {
        coverage: problem.coverage(&agents),
        paid_hours: problem.paid_hours(&agents),
        cost,
        agents,
        method,
        lp_bound,
        gap_percent,
        notes,
    })
}

// ---------------------------------------------------------------------------
// Files: requirements CSV and shifts YAML
// ---------------------------------------------------------------------------

/// Requirements per interval, read from a CSV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirements {
    /// The interval labels as written.
    pub labels: Vec<String>,
    /// Agents required per interval (fractions rounded up).
    pub required: Vec<u32>,
    /// Minutes per interval.
    pub step_minutes: u32,
    /// The date of the first row (`None` for a time-of-day profile).
    pub first_date: Option<NaiveDate>,
    /// Minute of the day of the first row.
    pub first_minute: u32,
}

impl Requirements {
    /// The span in minutes (`intervals × step`).
    ///
    /// ```
    /// use aftersales::host::workforce::schedule::parse_requirements_csv;
    /// let r = parse_requirements_csv("interval,required\n08:00,2\n08:30,3\n").unwrap();
    /// assert_eq!(r.span_minutes(), 60);
    /// ```
    pub fn span_minutes(&self) -> u64 {
        self.required.len() as u64 * u64::from(self.step_minutes)
    }
}

fn minute_of(t: NaiveTime) -> u32 {
    use chrono::Timelike;
    t.hour() * 60 + t.minute()
}

/// Read `interval,required` rows.
///
/// The interval is a time of day `HH:MM` (a one-day profile, which may run
/// past midnight, at most 24 hours) or a date and time `YYYY-MM-DD HH:MM`
/// (also with `T` or seconds; any number of days). Rows are consecutive and
/// evenly spaced, the spacing being set by the first two rows (a single row
/// is one hour). The requirement is a non-negative number; a fraction is
/// rounded up, since whole agents must meet it. A first line whose last field
/// is not a number is a header; blank lines and `#` lines are skipped.
///
/// ```
/// use aftersales::host::workforce::schedule::parse_requirements_csv;
/// let r = parse_requirements_csv("interval,required\n22:00,3\n23:00,2.2\n00:00,1\n").unwrap();
/// assert_eq!(r.required, vec![3, 3, 1]);
/// assert_eq!(r.step_minutes, 60);
/// let e = parse_requirements_csv("interval,required\n22:00,3\n23:30,2\n00:00,1\n").unwrap_err();
/// assert!(e.to_string().starts_with("line 4:"));
/// ```
pub fn parse_requirements_csv(text: &str) -> Result<Requirements, ScheduleError> {
    let perr = |line: usize, message: String| ScheduleError::Requirements { line, message };
    let mut labels = Vec::new();
    let mut required = Vec::new();
    // (line, absolute minute since the first row's midnight)
    let mut stamps: Vec<(usize, i64)> = Vec::new();
    let mut first: Option<(Option<NaiveDate>, u32)> = None;
    let mut header_allowed = true;
    // `#` starts a comment line
    let mut csv = crate::read::CsvRows::new(text, Some(b'#'));
    while let Some(row) = csv.next_row() {
        let line = row.map_err(|(line, msg)| perr(line, msg))?;
        let fields = csv.fields();
        if header_allowed {
            header_allowed = false;
            if fields.len() == 2 && fields[1].parse::<f64>().is_err() {
                continue;
            }
        }
        if fields.len() != 2 {
            return Err(perr(
                line,
                format!(
                    "expected `interval,required`, found {} fields",
                    fields.len()
                ),
            ));
        }
        let r: f64 = fields[1]
            .parse()
            .map_err(|_| perr(line, format!("requirement `{}` is not a number", fields[1])))?;
        if !r.is_finite() || r < 0.0 {
            return Err(perr(
                line,
                format!("requirement {} must be a non-negative number", fields[1]),
            ));
        }
        if r > f64::from(MAX_REQUIRED) {
            return Err(perr(
                line,
                format!("requirement {} exceeds {MAX_REQUIRED}", fields[1]),
            ));
        }
        let key = fields[0];
        let (date, minute) = if let Ok(t) = NaiveTime::parse_from_str(key, "%H:%M") {
            (None, minute_of(t))
        } else {
            let dt = [
                "%Y-%m-%d %H:%M",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%dT%H:%M:%S",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(key, f).ok())
            .ok_or_else(|| {
                perr(
                    line,
                    format!("interval `{key}` is not HH:MM or YYYY-MM-DD HH:MM"),
                )
            })?;
            (Some(dt.date()), minute_of(dt.time()))
        };
        let (d0, m0) = *first.get_or_insert((date, minute));
        let abs = match (d0, date) {
            (None, None) => {
                // Time of day: the first occurrence after the previous row
                // (so a profile may run past midnight).
                match stamps.last() {
                    None => i64::from(m0),
                    Some(&(_, prev)) => {
                        let m = i64::from(minute);
                        let days = if m > prev { 0 } else { (prev - m) / 1440 + 1 };
                        let a = m + days * 1440;
                        if a - i64::from(m0) >= 1440 {
                            return Err(perr(
                                line,
                                "time-of-day rows span more than 24 hours; write dates (YYYY-MM-DD HH:MM)"
                                    .into(),
                            ));
                        }
                        a
                    }
                }
            }
            (Some(d0), Some(d)) => (d - d0).num_days().saturating_mul(1440) + i64::from(minute),
            _ => return Err(perr(
                line,
                "interval written differently from the first row (time of day vs date and time)"
                    .into(),
            )),
        };
        if required.len() >= MAX_INTERVALS {
            return Err(ScheduleError::TooLarge(format!(
                "more than {MAX_INTERVALS} intervals"
            )));
        }
        stamps.push((line, abs));
        labels.push(key.to_string());
        required.push(r.ceil() as u32);
    }
    let Some((first_date, first_minute)) = first else {
        return Err(ScheduleError::NoIntervals);
    };
    let step = if stamps.len() >= 2 {
        stamps[1].1 - stamps[0].1
    } else {
        60
    };
    if step <= 0 {
        return Err(perr(
            stamps.get(1).map_or(0, |s| s.0),
            "interval is not later than the row before".into(),
        ));
    }
    for w in stamps.windows(2) {
        if w[1].1 - w[0].1 != step {
            return Err(perr(
                w[1].0,
                format!("interval does not follow the row before by {step} minutes (rows must be consecutive and evenly spaced)"),
            ));
        }
    }
    let step_minutes = u32::try_from(step).map_err(|_| perr(0, "interval too long".into()))?;
    if first_date.is_none() && required.len() as u64 * u64::from(step_minutes) > 1440 {
        return Err(perr(
            stamps.last().map_or(0, |s| s.0),
            "time-of-day rows span more than 24 hours; write dates (YYYY-MM-DD HH:MM)".into(),
        ));
    }
    Ok(Requirements {
        labels,
        required,
        step_minutes,
        first_date,
        first_minute,
    })
}

/// A duration written as `8h`, `30m`, `7h30m` or `1h 15m`.
fn parse_duration(s: &str) -> Result<u32, String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut any = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            let v: u64 = num
                .parse()
                .map_err(|_| format!("duration `{s}` is not like 8h, 30m or 7h30m"))?;
            num.clear();
            total = total.saturating_add(match c {
                'h' => v.saturating_mul(60),
                'm' => v,
                _ => return Err(format!("duration `{s}` is not like 8h, 30m or 7h30m")),
            });
            any = true;
        }
    }
    if !num.is_empty() || !any {
        return Err(format!(
            "duration `{s}` needs a unit (h or m), e.g. 8h or 30m"
        ));
    }
    u32::try_from(total)
        .ok()
        .filter(|m| *m <= 7 * 1440)
        .ok_or_else(|| format!("duration `{s}` is longer than a week"))
}

fn parse_clock(s: &str) -> Result<u32, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map(minute_of)
        .map_err(|_| format!("start `{s}` is not a time of day HH:MM"))
}

/// Start times of a shift template: one time, a list, or a range.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Starts {
    /// One start time, `"06:00"`.
    One(String),
    /// Several start times.
    List(Vec<String>),
    /// Every `every` from `from` to `to` inclusive (`to` may be past midnight: `to` < `from` wraps).
    Range {
        /// First start, `HH:MM`.
        from: String,
        /// Last start, `HH:MM`.
        to: String,
        /// Spacing, e.g. `30m`.
        every: String,
    },
}

/// A break inside a shift, at a fixed offset from the shift's start.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BreakSpec {
    /// Offset from the shift start, e.g. `4h`.
    pub after: String,
    /// Length, e.g. `30m`.
    pub length: String,
    /// Whether the break is paid (default: unpaid).
    #[serde(default)]
    pub paid: bool,
}

/// A shift template: a length, start times, breaks, and a cost.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftTemplate {
    /// Name shown in the output.
    pub name: String,
    /// Start time(s) of day.
    #[serde(alias = "starts")]
    pub start: Starts,
    /// Length including breaks, e.g. `8h` or `8h30m`.
    pub length: String,
    /// Breaks (off duty, so not covering).
    #[serde(default)]
    pub breaks: Vec<BreakSpec>,
    /// Cost of one agent on one shift; default: paid hours × hourly cost.
    #[serde(default)]
    pub cost: Option<f64>,
    /// Cost per paid hour for this template (overrides the file's).
    #[serde(default)]
    pub hourly_cost: Option<f64>,
    /// Weekdays the shift may start on (`mon` … `sun`); dated requirements only. Default: every day.
    #[serde(default)]
    pub days: Option<Vec<String>>,
}

/// The shifts file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// Cost per paid hour (default 1, so the cost is paid hours).
    #[serde(default)]
    pub hourly_cost: Option<f64>,
    /// Whether a requirement spanning whole days repeats (a shift running
    /// past the end continues at the start). Default true.
    #[serde(default)]
    pub wrap: Option<bool>,
    /// The shift templates.
    pub shifts: Vec<ShiftTemplate>,
}

/// Read a shifts file (YAML; JSON is YAML too).
///
/// ```yaml
/// hourly_cost: 1.0      # optional: cost = paid hours × hourly cost
/// wrap: true            # optional: a whole-day requirement repeats
/// shifts:
///   - name: early
///     start: {from: "06:00", to: "09:00", every: 30m}   # or "06:00", or a list
///     length: 8h30m
///     breaks: [{after: 4h, length: 30m, paid: false}]
///   - name: night
///     start: "22:00"
///     length: 8h
///     cost: 195         # optional: cost of one agent on one shift
///     days: [mon, tue, wed, thu, fri]
/// ```
///
/// ```
/// use aftersales::host::workforce::schedule::parse_shifts_yaml;
/// let s = parse_shifts_yaml("shifts:\n  - {name: day, start: \"08:00\", length: 8h}\n").unwrap();
/// assert_eq!(s.shifts[0].name, "day");
/// assert!(parse_shifts_yaml("shifts:\n  - {name: day, length: 8h}\n").is_err());
/// ```
pub fn parse_shifts_yaml(text: &str) -> Result<ShiftSpec, ScheduleError> {
    if text.len() > 16 * 1024 * 1024 {
        return Err(ScheduleError::Shifts("file larger than 16 MiB".into()));
    }
    let spec: ShiftSpec =
        yaml_serde::from_str(text).map_err(|e| ScheduleError::Shifts(e.to_string()))?;
    if spec.shifts.is_empty() {
        return Err(ScheduleError::Shifts("no shifts".into()));
    }
    Ok(spec)
}

fn weekday(s: &str) -> Result<Weekday, String> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| format!("day `{s}` is not a weekday (mon … sun)"))
}

/// Expand the templates over the requirement's intervals into candidate
/// shifts.
///
/// Starts are times of day, repeated on every day of the requirement (or the
/// template's `days`). A requirement spanning whole days wraps (unless
/// `wrap: false`): a shift running past its end continues at its start, as
/// in a repeating day or week. Otherwise a shift must lie inside the
/// requirement. Starts, lengths and breaks must lie on the interval grid.
/// A shift covers the intervals it is on duty for, breaks excluded; its paid
/// hours are its length less unpaid breaks.
///
/// ```
/// use aftersales::host::workforce::schedule::{build_problem, parse_requirements_csv, parse_shifts_yaml};
/// let req = parse_requirements_csv("interval,required\n08:00,1\n09:00,2\n10:00,2\n11:00,1\n").unwrap();
/// let spec = parse_shifts_yaml("shifts:\n  - {name: s, start: [\"08:00\", \"09:00\"], length: 2h}\n").unwrap();
/// let p = build_problem(&req, &spec).unwrap();
/// assert_eq!(p.shifts.len(), 2);
/// assert_eq!(p.shifts[1].covers, vec![1, 2]);
/// assert_eq!(p.shifts[1].paid_hours, 2.0);
/// ```
pub fn build_problem(req: &Requirements, spec: &ShiftSpec) -> Result<CoverProblem, ScheduleError> {
    let serr = |m: String| ScheduleError::Shifts(m);
    let n = req.required.len();
    let step = i64::from(req.step_minutes.max(1));
    let span = n as i64 * step;
    let a0 = i64::from(req.first_minute);
    let cyclic = span % 1440 == 0 && spec.wrap.unwrap_or(true);
    let default_hourly = spec.hourly_cost.unwrap_or(1.0);
    let mut shifts: Vec<CandidateShift> = Vec::new();
    let mut entries = 0usize;
    for t in &spec.shifts {
        let name = &t.name;
        let length =
            i64::from(parse_duration(&t.length).map_err(|e| serr(format!("{name}: {e}")))?);
        if length == 0 || length % step != 0 {
            return Err(serr(format!(
                "{name}: length {} is not a positive multiple of the {step}-minute interval",
                t.length
            )));
        }
        if cyclic && length > span {
            return Err(serr(format!(
                "{name}: length {} is longer than the requirement",
                t.length
            )));
        }
        // Off-duty offsets (in intervals from the start) and unpaid minutes.
        let mut off: BTreeSet<i64> = BTreeSet::new();
        let mut unpaid = 0i64;
        for b in &t.breaks {
            let after = i64::from(
                parse_duration(&b.after).map_err(|e| serr(format!("{name}: break {e}")))?,
            );
            let blen = i64::from(
                parse_duration(&b.length).map_err(|e| serr(format!("{name}: break {e}")))?,
            );
            if after % step != 0 || blen % step != 0 || blen == 0 {
                return Err(serr(format!(
                    "{name}: break at {} of {} is not on the {step}-minute interval grid",
                    b.after, b.length
                )));
            }
            if after + blen > length {
                return Err(serr(format!(
                    "{name}: break at {} of {} runs past the end of the shift",
                    b.after, b.length
                )));
            }
            for k in (after / step)..((after + blen) / step) {
                if !off.insert(k) {
                    return Err(serr(format!("{name}: breaks overlap")));
                }
            }
            if !b.paid {
                unpaid += blen;
            }
        }
        let paid_hours = (length - unpaid) as f64 / 60.0;
        let cost = match t.cost {
            Some(c) => c,
            None => paid_hours * t.hourly_cost.unwrap_or(default_hourly),
        };
        if !cost.is_finite() || cost < 0.0 {
            return Err(serr(format!(
                "{name}: cost {cost} must be finite and not negative"
            )));
        }
        let starts: Vec<u32> = match &t.start {
            Starts::One(s) => vec![parse_clock(s).map_err(|e| serr(format!("{name}: {e}")))?],
            Starts::List(v) => v
                .iter()
                .map(|s| parse_clock(s).map_err(|e| serr(format!("{name}: {e}"))))
                .collect::<Result<_, _>>()?,
            Starts::Range { from, to, every } => {
                let f = parse_clock(from).map_err(|e| serr(format!("{name}: {e}")))?;
                let mut to_m = parse_clock(to).map_err(|e| serr(format!("{name}: {e}")))?;
                let e = parse_duration(every).map_err(|e| serr(format!("{name}: {e}")))?;
                if e == 0 {
                    return Err(serr(format!("{name}: `every` must be positive")));
                }
                if to_m < f {
                    to_m += 1440;
                }
                (f..=to_m).step_by(e as usize).map(|m| m % 1440).collect()
            }
        };
        let days: Option<Vec<Weekday>> = match &t.days {
            None => None,
            Some(d) => {
                if req.first_date.is_none() {
                    return Err(serr(format!(
                        "{name}: `days` needs dated requirements (YYYY-MM-DD HH:MM)"
                    )));
                }
                Some(
                    d.iter()
                        .map(|s| weekday(s).map_err(|e| serr(format!("{name}: {e}"))))
                        .collect::<Result<_, _>>()?,
                )
            }
        };
        let day_count = (a0 + span + 1439) / 1440;
        if day_count > MAX_DAYS {
            return Err(ScheduleError::TooLarge(format!(
                "the requirement spans {day_count} days (at most {MAX_DAYS})"
            )));
        }
        let mut seen_pos: BTreeSet<i64> = BTreeSet::new();
        for d in 0..day_count.max(1) {
            let date = req
                .first_date
                .and_then(|d0| d0.checked_add_signed(chrono::TimeDelta::days(d)));
            if let (Some(days), Some(date)) = (&days, date) {
                if !days.contains(&date.weekday()) {
                    continue;
                }
            }
            for &s in &starts {
                let abs = d * 1440 + i64::from(s);
                let rel = abs - a0;
                if rel.rem_euclid(step) != 0 {
                    return Err(serr(format!(
                        "{name}: start {:02}:{:02} is not on the {step}-minute interval grid",
                        s / 60,
                        s % 60
                    )));
                }
                let pos = if cyclic {
                    rel.rem_euclid(span) / step
                } else if rel >= 0 && rel + length <= span {
                    rel / step
                } else {
                    continue;
                };
                if !seen_pos.insert(pos) {
                    continue;
                }
                let covers: Vec<usize> = (0..length / step)
                    .filter(|k| !off.contains(k))
                    .map(|k| ((pos + k) % (n as i64)) as usize)
                    .collect();
                entries = entries.saturating_add(covers.len());
                if shifts.len() >= MAX_SHIFTS || entries > MAX_COVERAGE_ENTRIES {
                    return Err(ScheduleError::TooLarge(format!(
                        "more than {MAX_SHIFTS} candidate shifts or {MAX_COVERAGE_ENTRIES} coverage entries"
                    )));
                }
                let start_label = req.labels.get(pos as usize).cloned().unwrap_or_default();
                shifts.push(CandidateShift {
                    name: format!("{name} {start_label}"),
                    cost,
                    paid_hours,
                    covers,
                });
            }
        }
    }
    Ok(CoverProblem {
        required: req.required.clone(),
        shifts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8h"), Ok(480));
        assert_eq!(parse_duration("7h30m"), Ok(450));
        assert_eq!(parse_duration("1h 15m"), Ok(75));
        assert_eq!(parse_duration("45m"), Ok(45));
        assert!(parse_duration("8").is_err());
        assert!(parse_duration("8x").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(parse_duration("200h").is_err());
    }

    #[test]
    fn greedy_round_count_is_bounded_and_covers() {
        let s = |c: Vec<usize>, cost: f64| CandidateShift {
            name: String::new(),
            cost,
            paid_hours: cost,
            covers: c,
        };
        let p = CoverProblem {
            required: vec![MAX_REQUIRED, 1, MAX_REQUIRED],
            shifts: vec![
                s(vec![0, 1], 2.0),
                s(vec![1, 2], 2.0),
                s(vec![0, 1, 2], 3.0),
            ],
        };
        let x = greedy(&p).unwrap();
        assert!(p.is_covered(&x));
        // Hand trace: shift 0 (tie, earlier) takes 1, shift 2 takes M − 1, shift 1 takes 1;
        // nothing is redundant.
        assert_eq!(x, vec![1, 1, MAX_REQUIRED - 1]);
    }
}
