//! `aftersales utilization LOG [--schedule FILE] [--standard-aht 300s]
//! [--quality FILE.csv] [--json]`: occupancy, utilization, adherence and OLE
//! from an agent state log. Parsing and printing only; the maths is in
//! [`crate::host::workforce::utilization`].

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::host::workforce::utilization::{
    analyze, read_quality_csv, read_schedule, read_state_log, AgentUtilization, LogError,
    LogFormat, UtilizationOptions,
};
use crate::json::obj;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `aftersales utilization`.
#[derive(Debug, Args)]
pub struct UtilizationArgs {
    /// Agent state log: CSV `agent,state,start,end`, or JSON Lines (`.jsonl`).
    pub log: PathBuf,
    /// Schedule: CSV `agent,activity,start,end` (work, break, off), or `.jsonl`.
    #[arg(long, value_name = "FILE")]
    pub schedule: Option<PathBuf>,
    /// Standard handle time per contact for OLE performance, such as 300s.
    #[arg(long, value_name = "DURATION", value_parser = parse_standard_aht)]
    pub standard_aht: Option<Duration>,
    /// Quality per agent for OLE: CSV `agent,quality` (0.92 or 92%).
    #[arg(long, value_name = "FILE.csv")]
    pub quality: Option<PathBuf>,
    /// Print one JSON report on stdout.
    #[arg(long)]
    pub json: bool,
}

fn parse_standard_aht(text: &str) -> Result<Duration, String> {
    super::staff::parse_duration_arg(text).ok_or_else(|| {
        format!("--standard-aht expects a duration above zero such as 300s or 5m (got `{text}`)")
    })
}

fn format_of(path: &Path) -> LogFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "json" | "ndjson") => LogFormat::JsonLines,
        _ => LogFormat::Csv,
    }
}

fn read(path: &Path) -> Result<String, String> {
    crate::read::text(path, crate::read::MAX_INPUT_BYTES)
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
}

fn table_row(name: &str, a: &AgentUtilization) -> String {
    format!(
        "{name:<10}{:>8}{:>11}{:>13}{:>11}{:>14}{:>13}{:>9}{:>8}",
        a.contacts,
        cell(a.occupancy),
        cell(a.utilization),
        cell(a.adherence),
        cell(a.availability),
        cell(a.performance),
        cell(Some(a.quality)),
        cell(a.ole),
    )
}

/// Run `utilization`; returns the exit code.
pub fn run(args: &UtilizationArgs) -> u8 {
    match report(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

fn report(args: &UtilizationArgs) -> Result<u8, String> {
    let file_error = |path: &Path, e: LogError| format!("{}: {e}", path.display());
    let log = read_state_log(&read(&args.log)?, format_of(&args.log))
        .map_err(|e| file_error(&args.log, e))?;
    let mut problems: Vec<(&Path, LogError)> = log
        .problems
        .iter()
        .map(|p| (args.log.as_path(), p.clone()))
        .collect();
    let schedule = match &args.schedule {
        Some(path) => {
            let s =
                read_schedule(&read(path)?, format_of(path)).map_err(|e| file_error(path, e))?;
            problems.extend(s.problems.iter().map(|p| (path.as_path(), p.clone())));
            Some(s)
        }
        None => None,
    };
    let mut options = UtilizationOptions {
        standard_handle_time: args.standard_aht,
        ..UtilizationOptions::default()
    };
    if let Some(path) = &args.quality {
        let (quality, bad) = read_quality_csv(&read(path)?).map_err(|e| file_error(path, e))?;
        problems.extend(bad.into_iter().map(|p| (path.as_path(), p)));
        options.quality = quality;
    }
    let report = analyze(&log, schedule.as_ref(), &options);
    for (path, problem) in &problems {
        eprintln!("error: {}: {problem}", path.display());
    }
    if args.json {
        let problems: Vec<_> = problems
            .iter()
            .map(|(path, p)| obj! {"file": path.display().to_string(), "line": p.line(), "message": p.to_string()})
            .collect();
        let value = obj! {"agents": report.agents, "overall": report.overall, "problems": problems};
        super::write_stdout(&format!("{value}\n"))?;
    } else {
        let mut text = format!(
            "{:<10}{:>8}{:>11}{:>13}{:>11}{:>14}{:>13}{:>9}{:>8}\n",
            "agent",
            "contacts",
            "occupancy",
            "utilization",
            "adherence",
            "availability",
            "performance",
            "quality",
            "OLE"
        );
        for agent in &report.agents {
            text.push_str(&table_row(&agent.agent, agent));
            text.push('\n');
        }
        text.push_str(&table_row("overall", &report.overall));
        text.push('\n');
        super::write_stdout(&text)?;
    }
    Ok(if problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}
