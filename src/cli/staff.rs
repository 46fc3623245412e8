//! `aftersales staff`: agents needed for one interval, or for every interval
//! of a CSV. Parsing and printing only; the maths is in
//! [`crate::host::workforce::staffing`].
//!
//! ```text
//! aftersales staff --volume 100 --interval 30m --aht 180s --target 80%/20s
//!     [--agents N] [--max-occupancy 85%] [--shrinkage 30%] [--patience 300s] [--json]
//! aftersales staff --intervals FILE.csv --interval 15m --target 80%/20s [--out FILE.csv] [--json] ...
//! ```

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::host::workforce::erlang::{StaffingError, Workload};
use crate::host::workforce::staffing::{
    evaluate, plan_intervals_csv, required_agents, PlannedInterval, ServiceTarget, Staffing,
    StaffingPolicy,
};
use crate::json::Json;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// A service-level target as written on the command line (`80%/20s`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetArg {
    /// Share answered in time, as a fraction.
    pub level: f64,
    /// The answer-time threshold.
    pub within: Duration,
}

/// Arguments of `aftersales staff`.
#[derive(Debug, Args)]
pub struct StaffArgs {
    /// Contacts offered in the interval.
    #[arg(long, value_parser = parse_volume, allow_hyphen_values = true, required_unless_present = "intervals", conflicts_with = "intervals")]
    pub volume: Option<f64>,
    /// Length of each interval, such as 30m, 15m, 1h or 1800s.
    #[arg(long, value_parser = parse_interval)]
    pub interval: Duration,
    /// Average handling time, such as 180s or 3m.
    #[arg(long, value_parser = parse_aht, allow_hyphen_values = true, required_unless_present = "intervals", conflicts_with = "intervals")]
    pub aht: Option<Duration>,
    /// Service-level target PERCENT/SECONDS, such as 80%/20s.
    #[arg(long, value_name = "PERCENT/SECONDS", value_parser = parse_target)]
    pub target: TargetArg,
    /// Evaluate this many agents instead of solving for the fewest.
    #[arg(long, value_name = "N", conflicts_with = "intervals")]
    pub agents: Option<u32>,
    /// Highest occupancy allowed, such as 85%.
    #[arg(long, value_name = "PERCENT", value_parser = parse_max_occupancy, allow_hyphen_values = true)]
    pub max_occupancy: Option<f64>,
    /// Share of paid time not available for contacts, such as 30%.
    #[arg(long, value_name = "PERCENT", value_parser = parse_shrinkage, allow_hyphen_values = true)]
    pub shrinkage: Option<f64>,
    /// Mean customer patience, such as 300s: callers abandon (Erlang A).
    #[arg(long, value_parser = parse_patience, allow_hyphen_values = true)]
    pub patience: Option<Duration>,
    /// Print JSON (one object; JSON Lines with --intervals).
    #[arg(long)]
    pub json: bool,
    /// A CSV of intervals with columns start,volume,aht_seconds.
    #[arg(long, value_name = "FILE.csv")]
    pub intervals: Option<PathBuf>,
    /// Write the requirements CSV here instead of stdout.
    #[arg(long, value_name = "FILE.csv", requires = "intervals")]
    pub out: Option<PathBuf>,
}

// ---------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------

/// A duration such as `180s`, `3m`, `1h30m` or `2.5min`; a bare number is
/// seconds only when `bare_seconds`.
fn parse_duration(text: &str, bare_seconds: bool) -> Option<Duration> {
    let text = text.trim();
    if bare_seconds {
        if let Ok(seconds) = text.parse::<f64>() {
            return Duration::try_from_secs_f64(seconds).ok();
        }
    }
    let mut total = 0.0f64;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            _ => return None,
        };
        rest = rest[unit_end..].trim_start();
        total += value * factor;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// A duration above zero with a unit (`300s`, `5m`), for other commands.
pub(crate) fn parse_duration_arg(text: &str) -> Option<Duration> {
    parse_duration(text, false).filter(|d| !d.is_zero())
}

/// A percentage such as `85%` or `12.5%`, as a fraction.
fn parse_percent(text: &str) -> Option<f64> {
    let number = text.trim().strip_suffix('%')?.trim();
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some(value / 100.0)
}

fn parse_volume(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "--volume expects a number of contacts, 0 or more, such as 100 (got `{text}`)"
        )),
    }
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    parse_duration_arg(text).ok_or_else(|| {
        format!("--interval expects a duration such as 30m, 15m or 1h (got `{text}`)")
    })
}

fn parse_aht(text: &str) -> Result<Duration, String> {
    parse_duration_arg(text).ok_or_else(|| {
        format!("--aht expects a duration above zero such as 180s or 3m (got `{text}`)")
    })
}

fn parse_patience(text: &str) -> Result<Duration, String> {
    parse_duration(text, false)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            format!("--patience expects a duration above zero such as 300s or 5m (got `{text}`)")
        })
}

fn parse_target(text: &str) -> Result<TargetArg, String> {
    let expected = || format!("--target expects PERCENT/SECONDS such as 80%/20s (got `{text}`)");
    let (level, within) = text.split_once('/').ok_or_else(expected)?;
    let level = parse_percent(level).ok_or_else(expected)?;
    let within = parse_duration(within, true).ok_or_else(expected)?;
    if !(level > 0.0 && level <= 1.0) {
        return Err(format!(
            "--target expects a percentage above 0% and at most 100%, such as 80%/20s (got `{text}`)"
        ));
    }
    Ok(TargetArg { level, within })
}

fn parse_max_occupancy(text: &str) -> Result<f64, String> {
    parse_percent(text)
        .filter(|v| *v > 0.0 && *v <= 1.0)
        .ok_or_else(|| {
            format!("--max-occupancy expects a percentage above 0% and at most 100%, such as 85% (got `{text}`)")
        })
}

fn parse_shrinkage(text: &str) -> Result<f64, String> {
    parse_percent(text)
        .filter(|v| (0.0..1.0).contains(v))
        .ok_or_else(|| {
            format!("--shrinkage expects a percentage from 0% to below 100%, such as 30% (got `{text}`)")
        })
}

fn policy(args: &StaffArgs) -> Result<StaffingPolicy, StaffingError> {
    let mut policy =
        StaffingPolicy::new(ServiceTarget::new(args.target.level, args.target.within)?);
    if let Some(cap) = args.max_occupancy {
        policy = policy.with_max_occupancy(cap)?;
    }
    if let Some(shrinkage) = args.shrinkage {
        policy = policy.with_shrinkage(shrinkage)?;
    }
    if let Some(patience) = args.patience {
        policy = policy.with_patience(patience)?;
    }
    Ok(policy)
}

// ---------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------

/// `x` rounded to 10 decimal places, printed in its shortest form.
fn rounded(x: f64) -> f64 {
    format!("{x:.10}").parse().unwrap_or(x)
}

fn number(x: f64) -> Json {
    Json::float(rounded(x))
}

/// The JSON object of one staffing, keys in the documented order.
fn staffing_json(s: &Staffing) -> Vec<(String, Json)> {
    let mut m = vec![
        ("traffic_erlangs".to_string(), number(s.traffic_erlangs)),
        ("agents".to_string(), s.agents.into()),
        ("scheduled_agents".to_string(), s.scheduled_agents.into()),
        ("p_wait".to_string(), number(s.p_wait)),
        ("service_level".to_string(), number(s.service_level)),
        ("asa_seconds".to_string(), number(s.asa_seconds)),
        ("occupancy".to_string(), number(s.occupancy)),
    ];
    if let Some(p) = s.p_abandon {
        m.push(("p_abandon".to_string(), number(p)));
    }
    m
}

fn seconds_text(d: Duration) -> String {
    format!("{}s", rounded(d.as_secs_f64()))
}

/// `1h`, `30m` or `180s`: the largest unit that divides the duration.
fn duration_text(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    if seconds > 0.0 && seconds % 3600.0 == 0.0 {
        format!("{}h", seconds / 3600.0)
    } else if seconds > 0.0 && seconds % 60.0 == 0.0 {
        format!("{}m", seconds / 60.0)
    } else {
        seconds_text(d)
    }
}

fn percent_text(fraction: f64) -> String {
    format!("{}%", rounded(fraction * 100.0))
}

/// The short human table of one staffing.
fn staffing_table(args: &StaffArgs, s: &Staffing, evaluated: bool) -> String {
    let mut out = String::new();
    let target = &args.target;
    out.push_str(&format!(
        "{} for {} contacts per {} at {} handling time, target {} within {}\n",
        if evaluated { "Evaluation" } else { "Staffing" },
        rounded(args.volume.unwrap_or(0.0)),
        duration_text(args.interval),
        seconds_text(args.aht.unwrap_or_default()),
        percent_text(target.level),
        seconds_text(target.within),
    ));
    let mut row = |label: &str, value: String| out.push_str(&format!("  {label:<18}{value}\n"));
    row("traffic", format!("{:.4} Erlangs", s.traffic_erlangs));
    row("agents", s.agents.to_string());
    row(
        "scheduled agents",
        match args.shrinkage {
            Some(shrinkage) => format!(
                "{} ({} shrinkage)",
                s.scheduled_agents,
                percent_text(shrinkage)
            ),
            None => format!("{} (no shrinkage)", s.scheduled_agents),
        },
    );
    row("service level", format!("{:.4}", s.service_level));
    row("probability wait", format!("{:.4}", s.p_wait));
    row("ASA", format!("{:.2} s", s.asa_seconds));
    row("occupancy", format!("{:.4}", s.occupancy));
    if let Some(p) = s.p_abandon {
        row("abandonment", format!("{p:.4}"));
    }
    if evaluated {
        row(
            "meets target",
            if s.meets_target { "yes" } else { "no" }.to_string(),
        );
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One output CSV line of an interval (`with_abandon` adds `p_abandon`).
fn interval_csv_line(row: &PlannedInterval, with_abandon: bool) -> String {
    let mut fields = vec![row.row.line.to_string(), csv_field(&row.row.start)];
    match &row.row.demand {
        Ok(d) => {
            fields.push(rounded(d.volume).to_string());
            fields.push(rounded(d.aht.as_secs_f64()).to_string());
        }
        Err(_) => fields.extend([String::new(), String::new()]),
    }
    let metrics = if with_abandon { 8 } else { 7 };
    match &row.outcome {
        Ok(s) => {
            fields.push(rounded(s.traffic_erlangs).to_string());
            fields.push(s.agents.to_string());
            fields.push(s.scheduled_agents.to_string());
            for v in [s.p_wait, s.service_level, s.asa_seconds, s.occupancy] {
                fields.push(rounded(v).to_string());
            }
            if with_abandon {
                fields.push(
                    s.p_abandon
                        .map(|p| rounded(p).to_string())
                        .unwrap_or_default(),
                );
            }
            fields.push(String::new());
        }
        Err(e) => {
            fields.extend(std::iter::repeat_n(String::new(), metrics));
            fields.push(csv_field(&e.to_string()));
        }
    }
    fields.join(",")
}

fn interval_json_line(row: &PlannedInterval) -> String {
    let mut m = vec![
        ("line".to_string(), Json::from(row.row.line)),
        ("start".to_string(), Json::from(&row.row.start)),
    ];
    match &row.outcome {
        Ok(s) => m.extend(staffing_json(s)),
        Err(e) => m.push(("error".to_string(), Json::from(e.to_string()))),
    }
    Json::Object(m).to_string()
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

fn exit_code(error: &StaffingError) -> u8 {
    match error {
        StaffingError::InvalidInput { .. } => EXIT_USAGE,
        StaffingError::Unstable { .. } | StaffingError::Infeasible { .. } => EXIT_FINDINGS,
    }
}

/// Run `staff`; returns the exit code.
pub fn run(args: &StaffArgs) -> u8 {
    let policy = match policy(args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code(&e);
        }
    };
    match &args.intervals {
        Some(path) => run_intervals(args, path, &policy),
        None => run_single(args, &policy),
    }
}

fn run_single(args: &StaffArgs, policy: &StaffingPolicy) -> u8 {
    let (Some(volume), Some(aht)) = (args.volume, args.aht) else {
        eprintln!("error: --volume and --aht are required without --intervals");
        return EXIT_USAGE;
    };
    let result = Workload::new(volume, args.interval, aht).and_then(|w| match args.agents {
        Some(n) => evaluate(&w, n, policy),
        None => required_agents(&w, policy),
    });
    match result {
        Ok(s) => {
            let text = if args.json {
                format!("{}\n", Json::Object(staffing_json(&s)))
            } else {
                staffing_table(args, &s, args.agents.is_some())
            };
            match super::write_stdout(&text) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_USAGE
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            if matches!(e, StaffingError::Unstable { .. }) {
                eprintln!("hint: add more agents, or --patience to let callers abandon (Erlang A)");
            }
            exit_code(&e)
        }
    }
}

fn run_intervals(args: &StaffArgs, path: &std::path::Path, policy: &StaffingPolicy) -> u8 {
    let text = match crate::read::text(path, crate::read::MAX_INPUT_BYTES) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let rows = match plan_intervals_csv(&text, args.interval, policy) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return EXIT_USAGE;
        }
    };
    let with_abandon = args.patience.is_some();
    let mut out = String::with_capacity(rows.len() * 96);
    if !args.json {
        out.push_str("line,start,volume,aht_seconds,traffic_erlangs,agents,scheduled_agents,p_wait,service_level,asa_seconds,occupancy");
        if with_abandon {
            out.push_str(",p_abandon");
        }
        out.push_str(",error\n");
    }
    let mut failed = 0usize;
    for row in &rows {
        if let Err(e) = &row.outcome {
            failed += 1;
            eprintln!("error: {}: {e}", path.display());
        }
        out.push_str(&if args.json {
            interval_json_line(row)
        } else {
            interval_csv_line(row, with_abandon)
        });
        out.push('\n');
    }
    let written = match &args.out {
        Some(file) => {
            std::fs::write(file, out).map_err(|e| format!("cannot write {}: {e}", file.display()))
        }
        None => super::write_stdout(&out),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return EXIT_USAGE;
    }
    if failed > 0 {
        eprintln!("{failed} of {} intervals could not be staffed", rows.len());
        return EXIT_FINDINGS;
    }
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(
            parse_duration("30m", false),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(
            parse_duration("1h30m", false),
            Some(Duration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("2.5min", false),
            Some(Duration::from_secs(150))
        );
        assert_eq!(parse_duration("180", false), None);
        assert_eq!(parse_duration("180", true), Some(Duration::from_secs(180)));
        assert_eq!(parse_duration("20x", false), None);
        assert_eq!(parse_duration("", false), None);
        assert_eq!(parse_duration("-5s", false), None);
    }

    #[test]
    fn targets_need_percent_and_seconds() {
        assert_eq!(
            parse_target("80%/20s"),
            Ok(TargetArg {
                level: 0.8,
                within: Duration::from_secs(20)
            })
        );
        assert_eq!(parse_target("90%/0").map(|t| t.within), Ok(Duration::ZERO));
        for bad in ["80", "80/20s", "80%", "80%/x", "0%/20s", "120%/20s"] {
            assert!(
                parse_target(bad).unwrap_err().contains("--target expects"),
                "{bad}"
            );
        }
    }

    #[test]
    fn rounding_keeps_ten_decimals() {
        assert_eq!(rounded(0.888_350_019_179_466_9), 0.888_350_019_2);
        assert_eq!(rounded(10.0), 10.0);
        assert_eq!(rounded(30.000_000_000_000_004), 30.0);
    }
}
