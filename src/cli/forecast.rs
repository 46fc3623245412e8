//! `aftersales forecast HISTORY.csv --horizon N [--season N] [--json] [--plot FILE.svg]`.
//!
//! Reads the history, runs [`crate::host::workforce::forecast::forecast`] and
//! prints: with `--json` one JSON document on stdout; otherwise the forecast
//! as CSV (`timestamp,forecast,lower,upper`) on stdout and a summary for
//! people on stderr.

use crate::json::{obj, Json};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

use crate::host::workforce::forecast::{
    forecast, parse_history_csv, suggest_seasons, ForecastConfig, ForecastReport, History,
    HistoryOptions, KindChoice, MissingIntervals,
};
use crate::host::workforce::svg::{forecast_svg, PlotOptions};

use super::{write_stdout, EXIT_OK, EXIT_USAGE};

/// Seasonality to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Additive and (for a strictly positive series) multiplicative; keep the better.
    Auto,
    /// Additive only.
    Additive,
    /// Multiplicative only.
    Multiplicative,
}

/// Arguments of `aftersales forecast`.
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// History CSV (`timestamp,volume`, `index,volume` or `volume`); `-` reads stdin.
    pub history: PathBuf,
    /// Intervals to forecast after the last row.
    #[arg(long)]
    pub horizon: usize,
    /// Season length in intervals; give it twice (e.g. 96 and 672) to let the
    /// hold-out choose. Default: a day and a week, inferred from the time stamps.
    #[arg(long = "season")]
    pub seasons: Vec<usize>,
    /// Seasonality.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    pub kind: KindArg,
    /// Coverage of the prediction interval, in (0, 1).
    #[arg(long, default_value_t = 0.8)]
    pub level: f64,
    /// Count intervals missing from the time stamps as zero contacts instead of failing.
    #[arg(long)]
    pub fill_missing: bool,
    /// Print the model, accuracy and forecast as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also write an SVG chart of history, forecast and interval to this file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

fn read_input(path: &std::path::Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let bytes = crate::read::capped(std::io::stdin().lock(), crate::read::MAX_INPUT_BYTES)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        String::from_utf8(bytes).map_err(|_| "cannot read stdin: it is not UTF-8 text".to_string())
    } else {
        crate::read::text(path, crate::read::MAX_INPUT_BYTES)
    }
}

/// Run `forecast`; returns the exit code (0 done, 2 bad input or arguments).
///
/// ```
/// use aftersales::cli::forecast::{run, ForecastArgs, KindArg};
/// use aftersales::cli::EXIT_USAGE;
/// let args = ForecastArgs {
///     history: "no-such-history.csv".into(),
///     horizon: 4,
///     seasons: vec![],
///     kind: KindArg::Auto,
///     level: 0.8,
///     fill_missing: false,
///     json: true,
///     plot: None,
/// };
/// assert_eq!(run(&args), EXIT_USAGE);
/// ```
pub fn run(args: &ForecastArgs) -> u8 {
    match run_inner(args) {
        Ok(()) => EXIT_OK,
        Err(msg) => {
            eprintln!("error: {msg}");
            EXIT_USAGE
        }
    }
}

fn run_inner(args: &ForecastArgs) -> Result<(), String> {
    let name = args.history.display().to_string();
    let text = read_input(&args.history)?;
    let opts = HistoryOptions {
        missing: if args.fill_missing {
            MissingIntervals::Zero
        } else {
            MissingIntervals::Error
        },
    };
    let history = parse_history_csv(&text, &opts).map_err(|e| format!("{name}: {e}"))?;
    if history.values.len() < 2 {
        return Err(format!(
            "{name}: the history has {} row(s); a forecast needs at least two (and, to model a \
             season, two seasons of rows)",
            history.values.len()
        ));
    }
    let seasons = if args.seasons.is_empty() {
        let s = suggest_seasons(&history.axis);
        if s.is_empty() {
            return Err(format!(
                "{name}: no time stamps to infer a season from; pass --season N"
            ));
        }
        s
    } else {
        args.seasons.clone()
    };
    let cfg = ForecastConfig {
        horizon: args.horizon,
        seasons,
        kind: match args.kind {
            KindArg::Auto => KindChoice::Auto,
            KindArg::Additive => KindChoice::Additive,
            KindArg::Multiplicative => KindChoice::Multiplicative,
        },
        level: args.level,
        clip_at_zero: true,
    };
    let report = forecast(&history.values, &cfg).map_err(|e| format!("{name}: {e}"))?;
    if let Some(path) = &args.plot {
        let svg = forecast_svg(
            &history.values,
            &history.axis,
            &report,
            &PlotOptions::default(),
        );
        std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if args.json {
        let doc = json_document(&history, &report);
        let mut text = doc.pretty();
        text.push('\n');
        write_stdout(&text)
    } else {
        print_human(&name, &history, &report);
        let mut out = String::from("timestamp,forecast,lower,upper\n");
        for p in &report.points {
            out.push_str(&format!(
                "{},{:.3},{:.3},{:.3}\n",
                history.axis.label(p.index),
                p.value,
                p.lower,
                p.upper
            ));
        }
        write_stdout(&out)
    }
}

fn json_document(history: &History, r: &ForecastReport) -> Json {
    let points: Vec<Json> = r
        .points
        .iter()
        .map(|p| {
            obj! {
                "step": p.step,
                "timestamp": history.axis.label(p.index),
                "forecast": p.value,
                "lower": p.lower,
                "upper": p.upper,
            }
        })
        .collect();
    obj! {
        "model": obj! {
            "kind": r.model.kind,
            "season": r.model.season,
            "alpha": r.model.smoothing.alpha,
            "beta": r.model.smoothing.beta,
            "gamma": r.model.smoothing.gamma,
        },
        "history": obj! {
            "points": r.history_len,
            "first": history.axis.label(0),
            "last": history.axis.label(r.history_len.saturating_sub(1)),
            "step_seconds": history.axis.step_seconds(),
            "filled_missing": history.filled,
        },
        "selection": obj! {
            "holdout_points": r.holdout_points,
            "candidates": r.candidates,
        },
        "accuracy": obj! {
            "method": "rolling-origin backtest with the fitted parameters",
            "origins": r.backtest.origins,
            "horizon": r.backtest.horizon,
            "first_origin": history.axis.label(r.backtest.origin_range.0),
            "last_origin": history.axis.label(r.backtest.origin_range.1),
            "points": r.backtest.accuracy.points,
            "mape_percent": r.backtest.accuracy.mape_percent,
            "mape_skipped_zero_actuals": r.backtest.accuracy.mape_skipped_zero_actuals,
            "wmape_percent": r.backtest.accuracy.wmape_percent,
            "rmse": r.backtest.accuracy.rmse,
            "mae": r.backtest.accuracy.mae,
        },
        "interval": r.interval,
        "forecast": points,
        "notes": r.notes,
    }
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.2}%"))
}

fn print_human(name: &str, history: &History, r: &ForecastReport) {
    let m = &r.model;
    eprintln!(
        "{name}: {} points{}",
        r.history_len,
        if history.filled > 0 {
            format!(" ({} missing intervals counted as zero)", history.filled)
        } else {
            String::new()
        }
    );
    eprintln!(
        "model: Holt-Winters {}, season {}, alpha {:.4}, beta {:.4}, gamma {:.4}",
        m.kind, m.season, m.smoothing.alpha, m.smoothing.beta, m.smoothing.gamma
    );
    eprintln!(
        "chosen on a hold-out of the last {} points from:",
        r.holdout_points
    );
    for c in &r.candidates {
        eprintln!(
            "  {:<14} season {:<6} hold-out RMSE {}",
            c.model.kind.to_string(),
            c.model.season,
            c.holdout_rmse
                .map_or_else(|| "diverged".to_string(), |x| format!("{x:.3}"))
        );
    }
    let b = &r.backtest;
    let a = &b.accuracy;
    eprintln!(
        "backtest: {} origins x {} steps ({} points): MAPE {}{}, wMAPE {}, RMSE {:.3}, MAE {:.3}",
        b.origins,
        b.horizon,
        a.points,
        opt_pct(a.mape_percent),
        if a.mape_skipped_zero_actuals > 0 {
            format!(" (skipping {} zero actuals)", a.mape_skipped_zero_actuals)
        } else {
            String::new()
        },
        opt_pct(a.wmape_percent),
        a.rmse,
        a.mae
    );
    eprintln!(
        "interval: {:.0}% from {}",
        r.interval.level * 100.0,
        r.interval.method
    );
    for n in &r.notes {
        eprintln!("note: {n}");
    }
}
