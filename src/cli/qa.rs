//! `aftersales qa SCORECARD.yaml EVALUATIONS [--period week|month]
//! [--tolerance POINTS] [--json]`: score evaluations against a scorecard,
//! with per-agent trends and calibration between evaluators. Parsing and
//! printing only; the logic is in [`crate::host::workforce::quality`].

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::host::workforce::quality::{
    calibration, read_evaluations, trends, Calibration, EvaluationFormat, Period, Scorecard,
    ScoredEvaluation, TrendPoint,
};
use crate::json::{obj, Json};
use clap::{Args, ValueEnum};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// Trend period on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    /// ISO weeks (`2024-W10`).
    Week,
    /// Calendar months (`2024-03`).
    Month,
}

/// Arguments of `aftersales qa`.
#[derive(Debug, Args)]
pub struct QaArgs {
    /// The scorecard (YAML).
    pub scorecard: PathBuf,
    /// The evaluations: a YAML or JSON list, or JSON Lines (`.jsonl`).
    pub evaluations: PathBuf,
    /// Period of the per-agent trends.
    #[arg(long, value_enum, default_value_t = PeriodArg::Week)]
    pub period: PeriodArg,
    /// Calibration: largest acceptable spread (highest − lowest score) in points.
    #[arg(long, value_name = "POINTS", default_value_t = 5.0, value_parser = parse_tolerance)]
    pub tolerance: f64,
    /// Print one JSON report on stdout.
    #[arg(long)]
    pub json: bool,
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "--tolerance expects a number of points, 0 or more, such as 5 (got `{text}`)"
        )),
    }
}

fn read(path: &Path) -> Result<String, String> {
    crate::read::text(path, crate::read::MAX_INPUT_BYTES)
}

/// A decimal as a JSON number rounded to 10 places.
fn number(d: Decimal) -> Json {
    d.round_dp(10).to_f64().map_or(Json::Null, Json::float)
}

fn evaluation_json(s: &ScoredEvaluation) -> Json {
    let sections = Json::object(
        s.sections
            .iter()
            .map(|(id, p)| (id.clone(), p.map_or(Json::Null, number))),
    );
    obj! {
        "id": s.id,
        "interaction": s.interaction,
        "agent": s.agent,
        "evaluator": s.evaluator,
        "date": s.date.to_string(),
        "score": number(s.score),
        "raw_score": number(s.raw_score),
        "passed": s.passed,
        "auto_failed": s.auto_failed,
        "sections": sections,
    }
}

/// Run `qa`; returns the exit code.
pub fn run(args: &QaArgs) -> u8 {
    match report(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

fn report(args: &QaArgs) -> Result<u8, String> {
    let card = Scorecard::from_yaml(&read(&args.scorecard)?)
        .map_err(|e| format!("{}: {e}", args.scorecard.display()))?;
    let format = match args.evaluations.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "ndjson") => EvaluationFormat::JsonLines,
        _ => EvaluationFormat::Yaml,
    };
    let evaluations = read_evaluations(&read(&args.evaluations)?, format)
        .map_err(|e| format!("{}: {e}", args.evaluations.display()))?;
    // Each entry: its id and its scoring, or its problems.
    let results: Vec<(String, Result<ScoredEvaluation, Vec<String>>)> = evaluations
        .iter()
        .enumerate()
        .map(|(i, e)| match e {
            Ok(e) => (
                e.short_id(),
                card.score(e)
                    .map_err(|problems| problems.iter().map(ToString::to_string).collect()),
            ),
            Err(problem) => (format!("#{}", i + 1), Err(vec![problem.to_string()])),
        })
        .collect();
    let scored: Vec<ScoredEvaluation> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().cloned())
        .collect();
    let failed = results.len() - scored.len();
    for (_, result) in &results {
        if let Err(problems) = result {
            for p in problems {
                eprintln!("error: {}: {p}", args.evaluations.display());
            }
        }
    }
    let period = match args.period {
        PeriodArg::Week => Period::Week,
        PeriodArg::Month => Period::Month,
    };
    let trend = trends(&scored, period);
    let calibrated = calibration(&scored, args.tolerance);
    if args.json {
        let evaluations: Vec<Json> = results
            .iter()
            .map(|(id, r)| match r {
                Ok(s) => evaluation_json(s),
                Err(problems) => obj! {"id": id, "errors": problems},
            })
            .collect();
        let value = obj! {
            "scorecard": card.name(),
            "pass_mark": number(card.pass_mark()),
            "evaluations": evaluations,
            "trends": trend,
            "calibration": calibrated,
        };
        super::write_stdout(&format!("{value}\n"))?;
    } else {
        super::write_stdout(&human(&card, &results, &trend, &calibrated, args.tolerance))?;
    }
    Ok(if failed > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

fn human(
    card: &Scorecard,
    results: &[(String, Result<ScoredEvaluation, Vec<String>>)],
    trend: &[TrendPoint],
    calibrated: &Calibration,
    tolerance: f64,
) -> String {
    let mut out = String::new();
    let scored = results.iter().filter(|(_, r)| r.is_ok()).count();
    let passed = results
        .iter()
        .filter(|(_, r)| r.as_ref().is_ok_and(|s| s.passed))
        .count();
    out.push_str(&format!(
        "{}: {} evaluations scored, {} passed (pass mark {}%), {} with errors\n\n",
        card.name(),
        scored,
        passed,
        card.pass_mark().normalize(),
        results.len() - scored
    ));
    out.push_str(&format!(
        "{:<10}{:<14}{:<10}{:<12}{:<11}{:>7}  result\n",
        "id", "interaction", "agent", "evaluator", "date", "score"
    ));
    for (id, result) in results {
        match result {
            Ok(s) => {
                let mut line = format!(
                    "{:<10}{:<14}{:<10}{:<12}{:<11}{:>7.2}  {}",
                    s.id,
                    s.interaction,
                    s.agent,
                    s.evaluator,
                    s.date.to_string(),
                    s.score.to_f64().unwrap_or(f64::NAN),
                    if s.passed { "pass" } else { "FAIL" }
                );
                if !s.auto_failed.is_empty() {
                    line.push_str(&format!("  auto-fail: {}", s.auto_failed.join(", ")));
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
            Err(problems) => out.push_str(&format!("{id:<10}error: {}\n", problems.join("; "))),
        }
    }
    out.push_str(&format!(
        "\n{:<10}{:<10}{:>11}{:>12}{:>11}{:>12}{:>11}\n",
        "agent", "period", "evaluations", "mean score", "pass rate", "auto-fails", "change"
    ));
    for t in trend {
        let change = t
            .change
            .map_or_else(|| "-".to_string(), |c| format!("{c:+.2}"));
        out.push_str(&format!(
            "{:<10}{:<10}{:>11}{:>12.2}{:>10.1}%{:>12}{:>11}\n",
            t.agent,
            t.period,
            t.evaluations,
            t.mean_score,
            t.pass_rate * 100.0,
            t.auto_fails,
            change
        ));
    }
    if calibrated.groups.is_empty() {
        out.push_str("\nCalibration: no interaction was scored by two or more evaluators\n");
        return out;
    }
    out.push_str(&format!(
        "\nCalibration (tolerance {tolerance} points; variance is the sample variance)\n{:<14}{:>10}{:>9}{:>9}{:>10}{:>9}  {:<8}disagreements\n",
        "interaction", "scores", "mean", "range", "variance", "std dev", "in tol."
    ));
    for g in &calibrated.groups {
        out.push_str(&format!(
            "{:<14}{:>10}{:>9.2}{:>9.2}{:>10.2}{:>9.2}  {:<8}{}\n",
            g.interaction,
            g.scores.len(),
            g.mean,
            g.range,
            g.variance,
            g.std_dev,
            if g.within_tolerance { "yes" } else { "no" },
            g.disagreements.join(", ")
        ));
    }
    out.push_str(&format!(
        "\n{:<12}{:>13}{:>16}{:>16}\n",
        "evaluator", "interactions", "mean deviation", "mean |dev.|"
    ));
    for e in &calibrated.evaluators {
        out.push_str(&format!(
            "{:<12}{:>13}{:>+16.2}{:>16.2}\n",
            e.evaluator, e.interactions, e.mean_deviation, e.mean_absolute_deviation
        ));
    }
    out
}
