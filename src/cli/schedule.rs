//! `aftersales schedule REQUIREMENTS.csv --shifts SHIFTS.yaml [--json] [--time-limit S] [--greedy]`.
//!
//! Reads `interval,required` rows and shift templates, builds the covering
//! problem and solves it with [`crate::host::workforce::schedule::solve`].
//! Prints the shifts used as CSV (`shift,agents,paid_hours,cost`) on stdout
//! and a summary on stderr, or with `--json` one JSON document on stdout.
//! Exit code 1 when some interval needing agents is covered by no shift.

use crate::json::{obj, Json};
use clap::Args;
use std::path::PathBuf;

use crate::host::workforce::schedule::{
    build_problem, parse_requirements_csv, parse_shifts_yaml, solve, CoverProblem, MethodChoice,
    Requirements, Schedule, ScheduleError, SolveOptions,
};

use super::write_stdout;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Arguments of `aftersales schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Requirements CSV: `interval,required` with `HH:MM` or `YYYY-MM-DD HH:MM` intervals.
    pub requirements: PathBuf,
    /// Shift templates (YAML): start times, length, breaks, cost.
    #[arg(long, value_name = "SHIFTS.yaml")]
    pub shifts: PathBuf,
    /// Print the schedule as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Time budget of the MIP (and of the LP relaxation), in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub time_limit: f64,
    /// Use the greedy heuristic instead of the MIP.
    #[arg(long)]
    pub greedy: bool,
}

enum Failure {
    Usage(String),
    Findings(String),
}

/// Run `schedule`; returns the exit code (0 solved, 1 an interval no shift
/// covers, 2 bad input or arguments).
///
/// ```
/// use aftersales::cli::schedule::{run, ScheduleArgs};
/// use aftersales::cli::EXIT_USAGE;
/// let args = ScheduleArgs {
///     requirements: "no-such-requirements.csv".into(),
///     shifts: "no-such-shifts.yaml".into(),
///     json: false,
///     time_limit: 10.0,
///     greedy: false,
/// };
/// assert_eq!(run(&args), EXIT_USAGE);
/// ```
pub fn run(args: &ScheduleArgs) -> u8 {
    match run_inner(args) {
        Ok(()) => EXIT_OK,
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            EXIT_USAGE
        }
        Err(Failure::Findings(m)) => {
            eprintln!("{m}");
            EXIT_FINDINGS
        }
    }
}

fn run_inner(args: &ScheduleArgs) -> Result<(), Failure> {
    let rname = args.requirements.display().to_string();
    let sname = args.shifts.display().to_string();
    let rtext = crate::read::text(&args.requirements, crate::read::MAX_INPUT_BYTES)
        .map_err(Failure::Usage)?;
    let stext =
        crate::read::text(&args.shifts, crate::read::MAX_INPUT_BYTES).map_err(Failure::Usage)?;
    let req =
        parse_requirements_csv(&rtext).map_err(|e| Failure::Usage(format!("{rname}: {e}")))?;
    let spec = parse_shifts_yaml(&stext).map_err(|e| Failure::Usage(format!("{sname}: {e}")))?;
    let problem =
        build_problem(&req, &spec).map_err(|e| Failure::Usage(format!("{sname}: {e}")))?;
    let opts = SolveOptions {
        method: if args.greedy {
            MethodChoice::Greedy
        } else {
            MethodChoice::Auto
        },
        time_limit_seconds: args.time_limit,
        ..SolveOptions::default()
    };
    let schedule = match solve(&problem, &opts) {
        Ok(s) => s,
        Err(ScheduleError::Uncoverable { intervals }) => {
            let labels: Vec<&str> = intervals
                .iter()
                .filter_map(|&i| req.labels.get(i).map(String::as_str))
                .collect();
            return Err(Failure::Findings(format!(
                "{rname}: no shift in {sname} covers these intervals that need agents: {}",
                labels.join(", ")
            )));
        }
        Err(e) => return Err(Failure::Usage(e.to_string())),
    };
    if args.json {
        let doc = json_document(&req, &problem, &schedule);
        let mut text = doc.pretty();
        text.push('\n');
        write_stdout(&text).map_err(Failure::Usage)
    } else {
        print_human(&rname, &req, &problem, &schedule);
        let mut out = String::from("shift,agents,paid_hours,cost\n");
        for (s, &a) in problem.shifts.iter().zip(&schedule.agents) {
            if a > 0 {
                out.push_str(&format!(
                    "{},{a},{},{}\n",
                    s.name,
                    num(s.paid_hours * f64::from(a)),
                    num(s.cost * f64::from(a))
                ));
            }
        }
        write_stdout(&out).map_err(Failure::Usage)
    }
}

fn json_document(req: &Requirements, p: &CoverProblem, s: &Schedule) -> Json {
    let shifts: Vec<Json> = p
        .shifts
        .iter()
        .zip(&s.agents)
        .filter(|(_, &a)| a > 0)
        .map(|(sh, &a)| {
            obj! {
                "shift": sh.name,
                "agents": a,
                "paid_hours_each": sh.paid_hours,
                "cost_each": sh.cost,
            }
        })
        .collect();
    let intervals: Vec<Json> = req
        .labels
        .iter()
        .zip(&p.required)
        .zip(&s.coverage)
        .map(|((l, &r), &c)| {
            obj! {
                "interval": l,
                "required": r,
                "scheduled": c,
                "over": c.saturating_sub(r),
            }
        })
        .collect();
    obj! {
        "method": s.method,
        "method_text": s.method.to_string(),
        "cost": s.cost,
        "paid_hours": s.paid_hours,
        "agents": s.agents.iter().map(|&a| u64::from(a)).sum::<u64>(),
        "lp_bound": s.lp_bound,
        "gap_percent": s.gap_percent,
        "candidate_shifts": p.shifts.len(),
        "shifts": shifts,
        "intervals": intervals,
        "notes": s.notes,
    }
}

fn print_human(name: &str, req: &Requirements, p: &CoverProblem, s: &Schedule) {
    let over: u64 = s
        .coverage
        .iter()
        .zip(&p.required)
        .map(|(&c, &r)| u64::from(c.saturating_sub(r)))
        .sum();
    eprintln!(
        "{name}: {} intervals of {} min, {} candidate shifts",
        req.required.len(),
        req.step_minutes,
        p.shifts.len()
    );
    eprintln!("method: {}", s.method);
    eprintln!(
        "cost: {}   paid hours: {}   agents: {}",
        num(s.cost),
        num(s.paid_hours),
        s.agents.iter().map(|&a| u64::from(a)).sum::<u64>()
    );
    match (s.lp_bound, s.gap_percent) {
        (Some(b), Some(g)) => eprintln!("LP bound: {b:.3}   gap: {g:.2}%"),
        _ => eprintln!("LP bound: not available"),
    }
    eprintln!("over-coverage: {over} agent-intervals above requirement");
    for n in &s.notes {
        eprintln!("note: {n}");
    }
}

/// A number for people: up to four decimals, trailing zeros dropped.
fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}
