//! Contact-volume forecasting with Holt-Winters exponential smoothing
//! (APQC 6.2.1.1).
//!
//! The pipeline is [`parse_history_csv`] → [`forecast`] → [`ForecastReport`]:
//!
//! * **Model.** Holt-Winters with a linear trend and an additive or a
//!   multiplicative season, in the component form of Hyndman &
//!   Athanasopoulos, *Forecasting: Principles and Practice*, §8.3 (the form
//!   statsmodels uses too). For additive seasonality:
//!   `l[t] = α(y[t] − s[t−m]) + (1−α)(l[t−1] + b[t−1])`,
//!   `b[t] = β(l[t] − l[t−1]) + (1−β)b[t−1]`,
//!   `s[t] = γ(y[t] − l[t−1] − b[t−1]) + (1−γ)s[t−m]`, and the forecast made at
//!   time `t` for `h` steps ahead is `l[t] + h·b[t] + s[t − m + 1 + ((h−1) mod m)]`.
//!   The multiplicative form divides by (and multiplies with) the seasonal
//!   index instead.
//! * **Start values** come from the first two seasons: `l`, `b` from the two
//!   season means, the seasonal indices from the detrended average of the two
//!   seasons (see [`HoltWinters::fit`]). Hence a series needs more than two
//!   full seasons.
//! * **Fitting.** α, β, γ ∈ [0, 1] minimise the mean squared error on a
//!   hold-out: the last `V = min(horizon + m, n − 2m)` points (`m` the longest
//!   season tried), forecast `min(horizon, V)` steps ahead from up to 24
//!   origins spread over it, each origin seeing only the data before it. The
//!   search is deterministic: a 5×5×5 grid (0.1 … 0.9), then a compass
//!   (pattern) search halving its step from 0.1 to below 0.001, on a lattice
//!   of 0.0001.
//! * **Selection.** Every candidate (each season length given, additive and,
//!   for a strictly positive series, multiplicative) is fitted; the one with
//!   the smallest hold-out error wins. Two season lengths (daily and weekly)
//!   are therefore *compared*, not combined.
//! * **Accuracy** is a rolling-origin backtest with the fitted parameters
//!   (MAPE, wMAPE, RMSE, MAE) and the **prediction interval** takes, for each
//!   step ahead `h`, the empirical quantiles of the backtest errors at that `h`.

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta};

/// Largest number of points (history rows, gap fills included) accepted.
pub const MAX_POINTS: usize = 2_000_000;
/// Largest forecast horizon accepted, in intervals.
pub const MAX_HORIZON: usize = 1_000_000;
/// Largest season length accepted, in intervals.
pub const MAX_SEASON: usize = 100_000;
/// Largest number of rolling origins in the backtest.
pub const MAX_ORIGINS: usize = 200;

/// Everything that can go wrong while reading a history or forecasting.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ForecastError {
    /// A row of the history CSV could not be read.
    #[error("line {line}: {message}")]
    Parse {
        /// 1-based line number in the file.
        line: usize,
        /// What was wrong with it.
        message: String,
    },
    /// The history has no data rows.
    #[error("the history has no data rows")]
    Empty,
    /// The history has more points than [`MAX_POINTS`].
    #[error("the history has more than {max} points")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The history is too short for the season length.
    #[error(
        "the history has {len} points but season {season} needs at least {needed} \
         (two full seasons to start the model and one more to test it)"
    )]
    TooShort {
        /// Number of points in the history.
        len: usize,
        /// The season length asked for.
        season: usize,
        /// The least number of points that would do.
        needed: usize,
    },
    /// A value in the series is NaN or infinite.
    #[error("value {index} of the series is not a finite number")]
    NonFinite {
        /// 0-based position in the series.
        index: usize,
    },
    /// Multiplicative seasonality was asked for but the series has a zero or negative value.
    #[error(
        "multiplicative seasonality needs a strictly positive series, but value {index} is {value}"
    )]
    NotPositive {
        /// 0-based position of the first offending value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A configuration value is out of range.
    #[error("invalid forecast setting: {0}")]
    Config(String),
    /// No season length was given and none can be inferred from the time stamps.
    #[error(
        "no season length given and none can be inferred from an interval of {0}; pass a season length"
    )]
    NoSeason(String),
    /// The smoothing recursions produced a non-finite number for every candidate.
    #[error("the model diverged (non-finite values) for every candidate; check the data")]
    Diverged,
}

// ---------------------------------------------------------------------------
// History CSV
// ---------------------------------------------------------------------------

/// How a history's rows are placed in time, which also says how to label
/// forecast points.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimeAxis {
    /// Rows are numbered (a volume-only file, or an integer first column).
    Index {
        /// The number of the first row.
        first: i64,
    },
    /// Rows carry time stamps at a fixed interval.
    Time {
        /// Time stamp of the first row.
        first: NaiveDateTime,
        /// Whole seconds between rows.
        step_seconds: i64,
        /// How the time stamps were written (and how forecast ones are written).
        style: TimeStyle,
    },
}

/// The written form of time stamps in a history file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeStyle {
    /// `2024-01-31`.
    Date,
    /// `2024-01-31 08:15` or `2024-01-31 08:15:00` (seconds kept if given).
    DateTimeSpace {
        /// Whether seconds are written.
        seconds: bool,
    },
    /// `2024-01-31T08:15` or `2024-01-31T08:15:00`.
    DateTimeT {
        /// Whether seconds are written.
        seconds: bool,
    },
    /// RFC 3339 with an offset (`2024-01-31T08:15:00+01:00`); converted to UTC
    /// and written back with `Z`.
    Rfc3339Utc,
}

impl TimeAxis {
    /// The label of position `index` (0 = the first history row; forecast
    /// points continue past the last row).
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::TimeAxis;
    /// assert_eq!(TimeAxis::Index { first: 1 }.label(3), "4");
    /// ```
    pub fn label(&self, index: usize) -> String {
        match self {
            TimeAxis::Index { first } => {
                let i = i64::try_from(index).unwrap_or(i64::MAX);
                first.saturating_add(i).to_string()
            }
            TimeAxis::Time {
                first,
                step_seconds,
                style,
            } => {
                let offset = i64::try_from(index)
                    .ok()
                    .and_then(|i| i.checked_mul(*step_seconds))
                    .and_then(TimeDelta::try_seconds)
                    .and_then(|d| first.checked_add_signed(d));
                match offset {
                    Some(t) => format_time(t, *style),
                    None => format!("+{index}"),
                }
            }
        }
    }

    /// The interval between rows in seconds, if the rows are time stamped.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::TimeAxis;
    /// assert_eq!(TimeAxis::Index { first: 0 }.step_seconds(), None);
    /// ```
    pub fn step_seconds(&self) -> Option<i64> {
        match self {
            TimeAxis::Index { .. } => None,
            TimeAxis::Time { step_seconds, .. } => Some(*step_seconds),
        }
    }
}

fn format_time(t: NaiveDateTime, style: TimeStyle) -> String {
    match style {
        TimeStyle::Date => t.format("%Y-%m-%d").to_string(),
        TimeStyle::DateTimeSpace { seconds: false } => t.format("%Y-%m-%d %H:%M").to_string(),
        TimeStyle::DateTimeSpace { seconds: true } => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        TimeStyle::DateTimeT { seconds: false } => t.format("%Y-%m-%dT%H:%M").to_string(),
        TimeStyle::DateTimeT { seconds: true } => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        TimeStyle::Rfc3339Utc => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// Parse one time stamp in any of the accepted forms.
fn parse_time(s: &str) -> Option<(NaiveDateTime, TimeStyle)> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| (t, TimeStyle::Date));
    }
    let forms: [(&str, TimeStyle); 4] = [
        (
            "%Y-%m-%d %H:%M:%S",
            TimeStyle::DateTimeSpace { seconds: true },
        ),
        (
            "%Y-%m-%d %H:%M",
            TimeStyle::DateTimeSpace { seconds: false },
        ),
        ("%Y-%m-%dT%H:%M:%S", TimeStyle::DateTimeT { seconds: true }),
        ("%Y-%m-%dT%H:%M", TimeStyle::DateTimeT { seconds: false }),
    ];
    for (fmt, style) in forms {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some((t, style));
        }
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| (t.naive_utc(), TimeStyle::Rfc3339Utc))
}

/// What to do with intervals missing from a time-stamped history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingIntervals {
    /// A missing interval is an error naming the line after the gap.
    #[default]
    Error,
    /// Missing intervals count as zero contacts (ACD exports often leave out
    /// empty intervals).
    Zero,
}

/// Options for [`parse_history_csv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryOptions {
    /// What to do with gaps in the time stamps.
    pub missing: MissingIntervals,
}

/// A contact-volume history read from a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Contacts per interval, oldest first.
    pub values: Vec<f64>,
    /// Where the rows lie in time.
    pub axis: TimeAxis,
    /// How many missing intervals were filled with zero.
    pub filled: usize,
}

enum Key {
    Index(i64),
    Time(NaiveDateTime, TimeStyle),
}

/// Read a contact-volume history.
///
/// Accepted forms, one row per interval, comma separated:
/// * `timestamp,volume` where the time stamp is `YYYY-MM-DD`,
///   `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]` or RFC 3339 with an
///   offset (converted to UTC);
/// * `index,volume` with consecutive integers;
/// * `volume` alone, one number a line.
///
/// A first line whose last field is not a number is a header. Blank lines and
/// lines starting with `#` are skipped; fields may be double-quoted. Volumes
/// are finite and not negative. Time stamps increase at a fixed interval (the
/// most frequent gap between two rows); a row off that grid is an error, and
/// a missing interval is an error naming the line after it unless
/// [`MissingIntervals::Zero`] is chosen.
///
/// ```
/// use aftersales::host::workforce::forecast::{parse_history_csv, HistoryOptions};
/// let csv = "timestamp,volume\n2024-01-01 00:00,10\n2024-01-01 00:15,12\n";
/// let h = parse_history_csv(csv, &HistoryOptions::default()).unwrap();
/// assert_eq!(h.values, vec![10.0, 12.0]);
/// assert_eq!(h.axis.label(2), "2024-01-01 00:30");
///
/// let bad = "timestamp,volume\n2024-01-01 00:00,10\n2024-01-01 00:15,-3\n";
/// let err = parse_history_csv(bad, &HistoryOptions::default()).unwrap_err();
/// assert!(err.to_string().starts_with("line 3:"));
/// ```
pub fn parse_history_csv(text: &str, opts: &HistoryOptions) -> Result<History, ForecastError> {
    let perr = |line: usize, message: String| ForecastError::Parse { line, message };
    // Pass 1: fields of each data row.
    let mut rows: Vec<(usize, Option<Key>, f64)> = Vec::new();
    let mut width: Option<usize> = None;
    let mut seen_data_or_header = false;
    // `#` starts a comment line
    let mut csv = crate::read::CsvRows::new(text, Some(b'#'));
    while let Some(row) = csv.next_row() {
        let line_no = row.map_err(|(line, msg)| perr(line, msg))?;
        let fields = csv.fields();
        let last = fields.last().copied().unwrap_or("");
        if !seen_data_or_header {
            seen_data_or_header = true;
            if last.parse::<f64>().is_err() {
                // Header line.
                if fields.len() > 2 {
                    return Err(perr(
                        line_no,
                        format!(
                            "expected `timestamp,volume` or `volume`, found {} columns",
                            fields.len()
                        ),
                    ));
                }
                width = Some(fields.len());
                continue;
            }
        }
        if fields.len() > 2 {
            return Err(perr(
                line_no,
                format!(
                    "expected `timestamp,volume` or `volume`, found {} fields",
                    fields.len()
                ),
            ));
        }
        match width {
            None => width = Some(fields.len()),
            Some(w) if w != fields.len() => {
                return Err(perr(
                    line_no,
                    format!(
                        "expected {w} field(s) like the first row, found {}",
                        fields.len()
                    ),
                ))
            }
            Some(_) => {}
        }
        let volume: f64 = last
            .parse()
            .map_err(|_| perr(line_no, format!("volume `{last}` is not a number")))?;
        if !volume.is_finite() {
            return Err(perr(line_no, format!("volume `{last}` is not finite")));
        }
        if volume < 0.0 {
            return Err(perr(
                line_no,
                format!("volume {last} is negative; a contact count cannot be"),
            ));
        }
        let key = if fields.len() == 2 {
            let k = fields[0];
            if let Ok(i) = k.parse::<i64>() {
                Some(Key::Index(i))
            } else if let Some((t, style)) = parse_time(k) {
                Some(Key::Time(t, style))
            } else {
                return Err(perr(
                    line_no,
                    format!(
                        "time stamp `{k}` is not YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], \
                         YYYY-MM-DDTHH:MM[:SS], RFC 3339 or an integer index"
                    ),
                ));
            }
        } else {
            None
        };
        if rows.len() >= MAX_POINTS {
            return Err(ForecastError::TooLarge { max: MAX_POINTS });
        }
        rows.push((line_no, key, volume));
    }
    if rows.is_empty() {
        return Err(ForecastError::Empty);
    }
    // Pass 2: positions in time.
    let first_line = rows[0].0;
    match &rows[0].1 {
        None => Ok(History {
            values: rows.into_iter().map(|r| r.2).collect(),
            axis: TimeAxis::Index { first: 0 },
            filled: 0,
        }),
        Some(Key::Index(first)) => {
            let first = *first;
            let mut stamps = Vec::with_capacity(rows.len());
            for (line, key, _) in &rows {
                match key {
                    Some(Key::Index(i)) => stamps.push((*line, *i)),
                    _ => {
                        return Err(perr(
                            *line,
                            "expected an integer index like the first row".into(),
                        ))
                    }
                }
            }
            let values = place(&rows, &stamps, 1, opts)?;
            let filled = values.len() - rows.len();
            Ok(History {
                values,
                axis: TimeAxis::Index { first },
                filled,
            })
        }
        Some(Key::Time(first, style)) => {
            let (first, style) = (*first, *style);
            let mut stamps = Vec::with_capacity(rows.len());
            for (line, key, _) in &rows {
                match key {
                    Some(Key::Time(t, s)) if *s == style => {
                        stamps.push((*line, t.signed_duration_since(first).num_seconds()))
                    }
                    _ => {
                        return Err(perr(
                            *line,
                            format!(
                            "time stamp written differently from the first row (line {first_line})"
                        ),
                        ))
                    }
                }
            }
            let step = row_step(&stamps)?;
            let values = place(&rows, &stamps, step, opts)?;
            let filled = values.len() - rows.len();
            Ok(History {
                values,
                axis: TimeAxis::Time {
                    first,
                    step_seconds: step.max(1),
                    style,
                },
                filled,
            })
        }
    }
}

/// The interval of the rows: the most frequent difference between
/// consecutive stamps (ties: the one seen first); an error for a stamp that
/// does not increase.
fn row_step(stamps: &[(usize, i64)]) -> Result<i64, ForecastError> {
    let mut counts: std::collections::HashMap<i64, (usize, usize)> =
        std::collections::HashMap::new();
    for (k, w) in stamps.windows(2).enumerate() {
        let d = w[1].1.saturating_sub(w[0].1);
        if d <= 0 {
            return Err(ForecastError::Parse {
                line: w[1].0,
                message: "time stamp is not later than the row before".into(),
            });
        }
        counts.entry(d).or_insert((0, k)).0 += 1;
    }
    Ok(counts
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .map_or(1, |(d, _)| d))
}

/// Put rows at their positions `(stamp - first) / step`, handling gaps.
fn place(
    rows: &[(usize, Option<Key>, f64)],
    stamps: &[(usize, i64)],
    step: i64,
    opts: &HistoryOptions,
) -> Result<Vec<f64>, ForecastError> {
    let mut values = Vec::with_capacity(rows.len());
    let mut prev: Option<i64> = None;
    for ((line, _, v), (_, stamp)) in rows.iter().zip(stamps) {
        if let Some(p) = prev {
            let d = stamp.saturating_sub(p);
            if d <= 0 {
                return Err(ForecastError::Parse {
                    line: *line,
                    message: "time stamp is not later than the row before".into(),
                });
            }
            if d % step != 0 {
                return Err(ForecastError::Parse {
                    line: *line,
                    message: format!(
                        "time stamp is off the {step}-second grid set by the other rows"
                    ),
                });
            }
            let missing = d / step - 1;
            if missing > 0 {
                match opts.missing {
                    MissingIntervals::Error => {
                        return Err(ForecastError::Parse {
                            line: *line,
                            message: format!(
                                "{missing} interval(s) missing before this row; add them \
                                 (e.g. with volume 0) or treat missing intervals as zero"
                            ),
                        })
                    }
                    MissingIntervals::Zero => {
                        let missing = usize::try_from(missing).unwrap_or(usize::MAX);
                        if values.len().saturating_add(missing) >= MAX_POINTS {
                            return Err(ForecastError::TooLarge { max: MAX_POINTS });
                        }
                        values.extend(std::iter::repeat_n(0.0, missing));
                    }
                }
            }
        }
        prev = Some(*stamp);
        values.push(*v);
    }
    Ok(values)
}

/// Season lengths that suit an interval: a day and a week for intervals that
/// divide a day, a week for daily data, a year (52) for weekly data.
///
/// ```
/// use aftersales::host::workforce::forecast::{suggest_seasons, TimeAxis, TimeStyle};
/// let axis = TimeAxis::Time {
///     first: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap(),
///     step_seconds: 900,
///     style: TimeStyle::DateTimeSpace { seconds: false },
/// };
/// assert_eq!(suggest_seasons(&axis), vec![96, 672]);
/// ```
pub fn suggest_seasons(axis: &TimeAxis) -> Vec<usize> {
    const DAY: i64 = 86_400;
    match axis.step_seconds() {
        Some(s) if s > 0 && s < DAY && DAY % s == 0 => {
            let daily = usize::try_from(DAY / s).unwrap_or(0);
            vec![daily, daily * 7]
        }
        Some(DAY) => vec![7],
        Some(s) if s == 7 * DAY => vec![52],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

/// How the seasonal pattern combines with level and trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seasonality {
    /// `level + trend + season`: the swing is the same size at any volume.
    Additive,
    /// `(level + trend) × season`: the swing grows with the volume.
    Multiplicative,
}

impl std::fmt::Display for Seasonality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Seasonality::Additive => "additive",
            Seasonality::Multiplicative => "multiplicative",
        })
    }
}

/// The three smoothing parameters, each in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Smoothing {
    /// Level smoothing α.
    pub alpha: f64,
    /// Trend smoothing β (of the level's change, the `β*` of FPP).
    pub beta: f64,
    /// Seasonal smoothing γ.
    pub gamma: f64,
}

impl Smoothing {
    fn check(&self) -> Result<(), ForecastError> {
        for (name, v) in [
            ("alpha", self.alpha),
            ("beta", self.beta),
            ("gamma", self.gamma),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(ForecastError::Config(format!(
                    "{name} must lie in [0, 1], got {v}"
                )));
            }
        }
        Ok(())
    }
}

/// A Holt-Winters model: kind, season length and smoothing parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelSpec {
    /// Additive or multiplicative season.
    pub kind: Seasonality,
    /// Season length `m` in intervals (at least 2).
    pub season: usize,
    /// α, β, γ.
    pub smoothing: Smoothing,
}

/// A smoothed Holt-Winters state: what is known after the last observation.
#[derive(Debug, Clone, PartialEq)]
pub struct HoltWinters {
    kind: Seasonality,
    level: f64,
    trend: f64,
    /// Ring of seasonal indices; `ring[t % m]` is the latest index for time `t`.
    ring: Vec<f64>,
    /// `t % m` of the next time to observe.
    pos: usize,
}

const TINY: f64 = 1e-12;

impl HoltWinters {
    /// Build a state directly from its components: `seasonal` lists the last
    /// `m` seasonal indices in time order (the last one belongs to the last
    /// observation).
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, Seasonality};
    /// let hw = HoltWinters::from_components(Seasonality::Additive, 10.0, 1.0, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    /// // h = 4 = m uses the last index (4): 10 + 4·1 + 4.
    /// assert_eq!(hw.forecast(4)[3], 18.0);
    /// ```
    pub fn from_components(
        kind: Seasonality,
        level: f64,
        trend: f64,
        seasonal: &[f64],
    ) -> Result<Self, ForecastError> {
        if seasonal.len() < 2 || seasonal.len() > MAX_SEASON {
            return Err(ForecastError::Config(format!(
                "season length must lie in 2..={MAX_SEASON}, got {}",
                seasonal.len()
            )));
        }
        if !level.is_finite() || !trend.is_finite() || seasonal.iter().any(|s| !s.is_finite()) {
            return Err(ForecastError::Config("components must be finite".into()));
        }
        Ok(HoltWinters {
            kind,
            level,
            trend,
            ring: seasonal.to_vec(),
            pos: 0,
        })
    }

    /// Start values from the first two seasons of `y` (which must hold at
    /// least `2m` points). With `A0`, `A1` the means of the two seasons:
    /// `b = (A1 − A0)/m`, level at the end of season one `A0 + b(m−1)/2`, and
    /// index `j` the average over both seasons of the value less (additive) or
    /// over (multiplicative) the season mean, detrended by `b(j − (m−1)/2)`;
    /// multiplicative indices are then scaled to average 1.
    fn start(y: &[f64], m: usize, kind: Seasonality) -> Option<Self> {
        if m < 2 || y.len() < 2 * m {
            return None;
        }
        let mf = m as f64;
        let a0 = y[..m].iter().sum::<f64>() / mf;
        let a1 = y[m..2 * m].iter().sum::<f64>() / mf;
        let b = (a1 - a0) / mf;
        let centre = (mf - 1.0) / 2.0;
        let mut ring = vec![0.0; m];
        for (j, s) in ring.iter_mut().enumerate() {
            let d = b * (j as f64 - centre);
            *s = match kind {
                Seasonality::Additive => 0.5 * ((y[j] - a0) + (y[m + j] - a1)) - d,
                Seasonality::Multiplicative => {
                    let t0 = a0 + d;
                    let t1 = a1 + d;
                    if t0 <= TINY || t1 <= TINY {
                        return None;
                    }
                    0.5 * (y[j] / t0 + y[m + j] / t1)
                }
            };
        }
        if kind == Seasonality::Multiplicative {
            let mean = ring.iter().sum::<f64>() / mf;
            if mean <= TINY || !mean.is_finite() {
                return None;
            }
            ring.iter_mut().for_each(|s| *s /= mean);
        }
        Some(HoltWinters {
            kind,
            level: a0 + b * centre,
            trend: b,
            ring,
            pos: 0,
        })
    }

    /// One-step-ahead forecast of the next observation.
    #[cfg(test)]
    fn predict_next(&self) -> f64 {
        let s = self.ring[self.pos];
        match self.kind {
            Seasonality::Additive => self.level + self.trend + s,
            Seasonality::Multiplicative => (self.level + self.trend) * s,
        }
    }

    /// Take in one observation.
    #[inline]
    fn observe(&mut self, y: f64, p: &Smoothing) {
        let s = self.ring[self.pos];
        let lb = self.level + self.trend;
        let (level, season) = match self.kind {
            Seasonality::Additive => (
                p.alpha * (y - s) + (1.0 - p.alpha) * lb,
                p.gamma * (y - lb) + (1.0 - p.gamma) * s,
            ),
            Seasonality::Multiplicative => (
                p.alpha * (y / s.max(TINY)) + (1.0 - p.alpha) * lb,
                p.gamma * (y / lb.max(TINY)) + (1.0 - p.gamma) * s,
            ),
        };
        self.trend = p.beta * (level - self.level) + (1.0 - p.beta) * self.trend;
        self.level = level;
        self.ring[self.pos] = season;
        self.pos += 1;
        if self.pos == self.ring.len() {
            self.pos = 0;
        }
    }

    fn is_finite(&self) -> bool {
        self.level.is_finite() && self.trend.is_finite() && self.ring.iter().all(|s| s.is_finite())
    }

    /// Smooth the whole series `y` with `spec`: start values from the first
    /// two seasons, then the recursions from the second season on.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, ModelSpec, Seasonality, Smoothing};
    /// let y: Vec<f64> = (0..12).map(|t| 10.0 + [1.0, -1.0, 3.0, -3.0][t % 4]).collect();
    /// let spec = ModelSpec {
    ///     kind: Seasonality::Additive,
    ///     season: 4,
    ///     smoothing: Smoothing { alpha: 0.5, beta: 0.1, gamma: 0.2 },
    /// };
    /// let hw = HoltWinters::fit(&y, &spec).unwrap();
    /// assert_eq!(hw.forecast(4), vec![11.0, 9.0, 13.0, 7.0]);
    /// ```
    pub fn fit(y: &[f64], spec: &ModelSpec) -> Result<Self, ForecastError> {
        spec.smoothing.check()?;
        check_series(y)?;
        let m = spec.season;
        if !(2..=MAX_SEASON).contains(&m) {
            return Err(ForecastError::Config(format!(
                "season length must lie in 2..={MAX_SEASON}, got {m}"
            )));
        }
        if y.len() < 2 * m {
            return Err(ForecastError::TooShort {
                len: y.len(),
                season: m,
                needed: 2 * m,
            });
        }
        if spec.kind == Seasonality::Multiplicative {
            check_positive(y)?;
        }
        let mut hw = Self::start(y, m, spec.kind).ok_or(ForecastError::Diverged)?;
        for &v in &y[m..] {
            hw.observe(v, &spec.smoothing);
        }
        if hw.is_finite() {
            Ok(hw)
        } else {
            Err(ForecastError::Diverged)
        }
    }

    /// Point forecast `h ≥ 1` steps ahead.
    #[inline]
    fn forecast_one(&self, h: usize) -> f64 {
        let m = self.ring.len();
        let s = self.ring[(self.pos + (h - 1) % m) % m];
        let base = self.level + h as f64 * self.trend;
        match self.kind {
            Seasonality::Additive => base + s,
            Seasonality::Multiplicative => base * s,
        }
    }

    /// Point forecasts for steps `1..=horizon` after the last observation
    /// (not clipped). Step `h` uses the seasonal index of time
    /// `t − m + 1 + ((h − 1) mod m)`, `t` being the last observation.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, Seasonality};
    /// let hw = HoltWinters::from_components(Seasonality::Multiplicative, 100.0, 0.0, &[0.5, 1.5]).unwrap();
    /// assert_eq!(hw.forecast(3), vec![50.0, 150.0, 50.0]);
    /// ```
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        (1..=horizon).map(|h| self.forecast_one(h)).collect()
    }

    /// The level after the last observation.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, Seasonality};
    /// let hw = HoltWinters::from_components(Seasonality::Additive, 7.0, 0.5, &[0.0, 0.0]).unwrap();
    /// assert_eq!(hw.level(), 7.0);
    /// ```
    pub fn level(&self) -> f64 {
        self.level
    }

    /// The trend (change per interval) after the last observation.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, Seasonality};
    /// let hw = HoltWinters::from_components(Seasonality::Additive, 7.0, 0.5, &[0.0, 0.0]).unwrap();
    /// assert_eq!(hw.trend(), 0.5);
    /// ```
    pub fn trend(&self) -> f64 {
        self.trend
    }

    /// The last `m` seasonal indices in time order (the last belongs to the
    /// last observation).
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, Seasonality};
    /// let hw = HoltWinters::from_components(Seasonality::Additive, 0.0, 0.0, &[1.0, 2.0, 3.0]).unwrap();
    /// assert_eq!(hw.seasonal(), vec![1.0, 2.0, 3.0]);
    /// ```
    pub fn seasonal(&self) -> Vec<f64> {
        let m = self.ring.len();
        (0..m).map(|i| self.ring[(self.pos + i) % m]).collect()
    }

    /// The kind of seasonality.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::{HoltWinters, Seasonality};
    /// let hw = HoltWinters::from_components(Seasonality::Additive, 0.0, 0.0, &[0.0, 0.0]).unwrap();
    /// assert_eq!(hw.kind(), Seasonality::Additive);
    /// ```
    pub fn kind(&self) -> Seasonality {
        self.kind
    }
}

fn check_series(y: &[f64]) -> Result<(), ForecastError> {
    match y.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(ForecastError::NonFinite { index }),
        None => Ok(()),
    }
}

fn check_positive(y: &[f64]) -> Result<(), ForecastError> {
    match y.iter().position(|v| *v <= 0.0) {
        Some(index) => Err(ForecastError::NotPositive {
            index,
            value: y[index],
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------

/// Mean squared error of the forecasts for steps `1..=hf` made from each
/// origin (an origin `o` forecasts `y[o..o + hf]` from `y[..o]`); infinite
/// when the model diverges. One smoothing pass, stopping at the last origin.
fn rolling_mse(
    y: &[f64],
    m: usize,
    kind: Seasonality,
    p: &Smoothing,
    origins: &[usize],
    hf: usize,
) -> f64 {
    let Some(mut hw) = HoltWinters::start(y, m, kind) else {
        return f64::INFINITY;
    };
    let Some(&last) = origins.last() else {
        return f64::INFINITY;
    };
    let mut next = 0;
    let mut sum = 0.0;
    let mut count = 0usize;
    for t in m..=last {
        while next < origins.len() && origins[next] == t {
            for h in 1..=hf {
                let e = y[t + h - 1] - hw.forecast_one(h);
                sum += e * e;
            }
            count += hf;
            next += 1;
        }
        if t < last {
            hw.observe(y[t], p);
        }
    }
    let mse = sum / count.max(1) as f64;
    if mse.is_finite() {
        mse
    } else {
        f64::INFINITY
    }
}

/// Most origins in the hold-out whose forecasts are scored while fitting.
const FIT_ORIGINS: usize = 24;
/// Most forecast points scored per evaluation while fitting (bounds the
/// work for long horizons: fewer origins then).
const FIT_POINTS: usize = 200_000;
const GRID: [i32; 5] = [1000, 3000, 5000, 7000, 9000];
const MAX_REFINE_EVALS: usize = 600;

/// Deterministic search on a lattice of 0.0001 (parameters are whole
/// ten-thousandths): the best of a 5×5×5 grid, then a best-improvement
/// compass search on `[0, 1]³` whose step halves from 0.1 down to 0.0007.
fn fit_params(
    y: &[f64],
    m: usize,
    kind: Seasonality,
    origins: &[usize],
    hf: usize,
) -> (Smoothing, f64) {
    const UNIT: f64 = 10_000.0;
    let grid: Vec<[i32; 3]> = GRID
        .iter()
        .flat_map(|&a| {
            GRID.iter()
                .flat_map(move |&b| GRID.iter().map(move |&g| [a, b, g]))
        })
        .collect();
    let params = |x: &[i32; 3]| Smoothing {
        alpha: f64::from(x[0]) / UNIT,
        beta: f64::from(x[1]) / UNIT,
        gamma: f64::from(x[2]) / UNIT,
    };
    let eval = |x: &[i32; 3]| rolling_mse(y, m, kind, &params(x), origins, hf);
    let scores: Vec<f64> = grid.par_iter().map(eval).collect();
    let (mut best, mut best_f) = (grid[0], scores[0]);
    for (x, f) in grid.iter().zip(&scores) {
        if *f < best_f {
            best = *x;
            best_f = *f;
        }
    }
    let mut step: i32 = 1000;
    let mut evals = 0;
    while step >= 7 && evals < MAX_REFINE_EVALS && best_f.is_finite() {
        let mut trials: Vec<[i32; 3]> = Vec::with_capacity(6);
        for k in 0..3 {
            for dir in [-1, 1] {
                let mut x = best;
                x[k] = (x[k] + dir * step).clamp(0, 10_000);
                if x[k] != best[k] {
                    trials.push(x);
                }
            }
        }
        evals += trials.len();
        let fs: Vec<f64> = trials.par_iter().map(eval).collect();
        let mut improved = false;
        for (x, f) in trials.iter().zip(&fs) {
            if *f < best_f {
                best = *x;
                best_f = *f;
                improved = true;
            }
        }
        if !improved {
            step /= 2;
        }
    }
    (params(&best), best_f)
}

// ---------------------------------------------------------------------------
// Accuracy
// ---------------------------------------------------------------------------

/// Forecast accuracy over pairs of actual and forecast values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Accuracy {
    /// Number of (actual, forecast) pairs.
    pub points: usize,
    /// Mean absolute percentage error in percent, over the pairs whose actual
    /// is not zero; `None` when every actual is zero.
    pub mape_percent: Option<f64>,
    /// Pairs left out of MAPE because the actual was zero.
    pub mape_skipped_zero_actuals: usize,
    /// Weighted MAPE in percent: `Σ|actual − forecast| / Σ|actual|`; `None`
    /// when every actual is zero.
    pub wmape_percent: Option<f64>,
    /// Root mean squared error, in contacts.
    pub rmse: f64,
    /// Mean absolute error, in contacts.
    pub mae: f64,
}

impl Accuracy {
    /// Accuracy of `forecast` against `actual` (pairs beyond the shorter
    /// slice are ignored).
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::Accuracy;
    /// let a = Accuracy::from_pairs(&[10.0, 0.0, 20.0], &[12.0, 1.0, 15.0]);
    /// assert_eq!(a.mape_skipped_zero_actuals, 1);
    /// assert!((a.mape_percent.unwrap() - 22.5).abs() < 1e-12); // (20% + 25%) / 2
    /// assert!((a.wmape_percent.unwrap() - 800.0 / 30.0).abs() < 1e-12); // 8 / 30
    /// assert!((a.rmse - 10.0_f64.sqrt()).abs() < 1e-12); // (4 + 1 + 25) / 3
    /// ```
    pub fn from_pairs(actual: &[f64], forecast: &[f64]) -> Accuracy {
        let mut acc = Sums::default();
        for (a, f) in actual.iter().zip(forecast) {
            acc.add(*a, *f);
        }
        acc.finish()
    }
}

#[derive(Default)]
struct Sums {
    n: usize,
    ape: f64,
    ape_n: usize,
    skipped: usize,
    abs_err: f64,
    abs_act: f64,
    sq: f64,
}

impl Sums {
    fn add(&mut self, a: f64, f: f64) {
        let e = a - f;
        self.n += 1;
        if a == 0.0 {
            self.skipped += 1;
        } else {
            self.ape += (e / a).abs();
            self.ape_n += 1;
        }
        self.abs_err += e.abs();
        self.abs_act += a.abs();
        self.sq += e * e;
    }

    fn finish(&self) -> Accuracy {
        let n = self.n.max(1) as f64;
        Accuracy {
            points: self.n,
            mape_percent: (self.ape_n > 0).then(|| 100.0 * self.ape / self.ape_n as f64),
            mape_skipped_zero_actuals: self.skipped,
            wmape_percent: (self.abs_act > 0.0).then(|| 100.0 * self.abs_err / self.abs_act),
            rmse: (self.sq / n).sqrt(),
            mae: self.abs_err / n,
        }
    }
}

/// The outcome of the rolling-origin backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Number of forecast origins.
    pub origins: usize,
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// First and last origin (position of the first forecast point).
    pub origin_range: (usize, usize),
    /// Accuracy over every (origin, step) pair.
    pub accuracy: Accuracy,
}

/// Evenly spaced origins in `[lo, hi]`, at most `max`, both ends included.
fn origins(lo: usize, hi: usize, max: usize) -> Vec<usize> {
    let avail = hi - lo + 1;
    let k = avail.min(max).max(1);
    if k == 1 {
        return vec![hi];
    }
    (0..k).map(|i| lo + i * (avail - 1) / (k - 1)).collect()
}

/// Forecasts (clipped when asked) from each origin, with one smoothing pass.
fn backtest_forecasts(
    y: &[f64],
    spec: &ModelSpec,
    origins: &[usize],
    horizon: usize,
    clip: bool,
) -> Option<Vec<Vec<f64>>> {
    let m = spec.season;
    let mut hw = HoltWinters::start(y, m, spec.kind)?;
    let mut out = Vec::with_capacity(origins.len());
    let mut next = 0;
    for t in m..=y.len() {
        while next < origins.len() && origins[next] == t {
            let mut f = hw.forecast(horizon);
            if clip {
                f.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            out.push(f);
            next += 1;
        }
        if t < y.len() {
            hw.observe(y[t], &spec.smoothing);
        }
    }
    (out.len() == origins.len() && out.iter().flatten().all(|v| v.is_finite())).then_some(out)
}

/// Type-7 (linear interpolation, as spreadsheets' PERCENTILE.INC) quantile of
/// sorted data.
fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

// ---------------------------------------------------------------------------
// The whole forecast
// ---------------------------------------------------------------------------

/// Which seasonality to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindChoice {
    /// Try additive, and multiplicative when the series is strictly positive;
    /// keep the one with the smaller hold-out error.
    #[default]
    Auto,
    /// Additive only.
    Additive,
    /// Multiplicative only (the series must be strictly positive).
    Multiplicative,
}

/// Settings of [`forecast`].
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastConfig {
    /// Steps to forecast after the last observation (1..=[`MAX_HORIZON`]).
    pub horizon: usize,
    /// One or two season lengths to try (e.g. 96 and 672 for a day and a
    /// week of 15-minute intervals). A season the history is too short for is
    /// dropped with a note while another remains.
    pub seasons: Vec<usize>,
    /// Which seasonality to try.
    pub kind: KindChoice,
    /// Coverage of the prediction interval, in (0, 1), e.g. 0.8.
    pub level: f64,
    /// Clip forecasts and bounds at zero (volumes cannot be negative).
    pub clip_at_zero: bool,
}

impl ForecastConfig {
    /// A configuration with one season, automatic kind, an 80 % interval and
    /// clipping at zero.
    ///
    /// ```
    /// use aftersales::host::workforce::forecast::ForecastConfig;
    /// let c = ForecastConfig::new(96, 96);
    /// assert_eq!(c.seasons, vec![96]);
    /// assert_eq!(c.level, 0.8);
    /// ```
    pub fn new(horizon: usize, season: usize) -> Self {
        ForecastConfig {
            horizon,
            seasons: vec![season],
            kind: KindChoice::Auto,
            level: 0.8,
            clip_at_zero: true,
        }
    }
}

/// One fitted candidate and its hold-out score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Kind, season and fitted parameters.
    pub model: ModelSpec,
    /// Root mean squared error on the hold-out (`None` if the model diverged).
    pub holdout_rmse: Option<f64>,
}

/// How the prediction interval was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalInfo {
    /// Nominal coverage, e.g. 0.8.
    pub level: f64,
    /// The method, in words.
    pub method: String,
    /// Backtest errors behind each step's bounds (the number of origins).
    pub samples_per_step: usize,
}

/// One forecast point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForecastPoint {
    /// Steps after the last observation (1-based).
    pub step: usize,
    /// Position on the history's axis (`history length + step − 1`).
    pub index: usize,
    /// Point forecast.
    pub value: f64,
    /// Lower bound of the prediction interval.
    pub lower: f64,
    /// Upper bound of the prediction interval.
    pub upper: f64,
}

/// Everything [`forecast`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastReport {
    /// The chosen model.
    pub model: ModelSpec,
    /// Points in the history.
    pub history_len: usize,
    /// Points in the hold-out used to fit and choose.
    pub holdout_points: usize,
    /// Every candidate tried, in order (the chosen one included).
    pub candidates: Vec<Candidate>,
    /// Rolling-origin backtest of the chosen model.
    pub backtest: Backtest,
    /// How the interval was made.
    pub interval: IntervalInfo,
    /// The forecast.
    pub points: Vec<ForecastPoint>,
    /// Things the planner should know (dropped seasons, skipped kinds).
    pub notes: Vec<String>,
}

/// Fit, choose, backtest and forecast.
///
/// ```
/// use aftersales::host::workforce::forecast::{forecast, ForecastConfig};
/// // Four weeks of a daily pattern (season 7) on a level of 100.
/// let week = [120.0, 110.0, 100.0, 105.0, 115.0, 80.0, 70.0];
/// let y: Vec<f64> = (0..28).map(|t| week[t % 7]).collect();
/// let r = forecast(&y, &ForecastConfig::new(7, 7)).unwrap();
/// for (p, w) in r.points.iter().zip(week) {
///     assert!((p.value - w).abs() < 1e-6);
/// }
/// ```
pub fn forecast(y: &[f64], cfg: &ForecastConfig) -> Result<ForecastReport, ForecastError> {
    if cfg.horizon == 0 || cfg.horizon > MAX_HORIZON {
        return Err(ForecastError::Config(format!(
            "horizon must lie in 1..={MAX_HORIZON}, got {}",
            cfg.horizon
        )));
    }
    if !(cfg.level > 0.0 && cfg.level < 1.0) {
        return Err(ForecastError::Config(format!(
            "interval level must lie strictly between 0 and 1, got {}",
            cfg.level
        )));
    }
    if cfg.seasons.is_empty() || cfg.seasons.len() > 2 {
        return Err(ForecastError::Config(
            "give one or two season lengths".into(),
        ));
    }
    for &m in &cfg.seasons {
        if !(2..=MAX_SEASON).contains(&m) {
            return Err(ForecastError::Config(format!(
                "season length must lie in 2..={MAX_SEASON}, got {m}"
            )));
        }
    }
    if y.is_empty() {
        return Err(ForecastError::Empty);
    }
    check_series(y)?;
    let n = y.len();
    let mut notes = Vec::new();

    // Seasons the data can carry.
    let mut seasons: Vec<usize> = Vec::new();
    for &m in &cfg.seasons {
        if seasons.contains(&m) {
            continue;
        }
        if n > 2 * m {
            seasons.push(m);
        } else {
            notes.push(format!(
                "season {m} dropped: {n} points, it needs at least {}",
                2 * m + 1
            ));
        }
    }
    let Some(&m_max) = seasons.iter().max() else {
        let m = cfg.seasons.iter().copied().min().unwrap_or(2);
        return Err(ForecastError::TooShort {
            len: n,
            season: m,
            needed: 2 * m + 1,
        });
    };

    // Kinds.
    let positive = y.iter().all(|v| *v > 0.0);
    let kinds: Vec<Seasonality> = match cfg.kind {
        KindChoice::Additive => vec![Seasonality::Additive],
        KindChoice::Multiplicative => {
            check_positive(y)?;
            vec![Seasonality::Multiplicative]
        }
        KindChoice::Auto => {
            if positive {
                vec![Seasonality::Additive, Seasonality::Multiplicative]
            } else {
                notes.push(
                    "multiplicative seasonality not tried: the series has zero volumes".into(),
                );
                vec![Seasonality::Additive]
            }
        }
    };

    // Common hold-out: the last `v` points, forecast `hf` steps ahead from
    // up to FIT_ORIGINS origins spread over it.
    let v = (cfg.horizon + m_max).min(n - 2 * m_max);
    let hf = cfg.horizon.min(v);
    let fit_origins = origins(n - v, n - hf, (FIT_POINTS / hf).clamp(1, FIT_ORIGINS));

    let mut candidates = Vec::new();
    for &m in &seasons {
        for &kind in &kinds {
            let (smoothing, mse) = fit_params(y, m, kind, &fit_origins, hf);
            candidates.push(Candidate {
                model: ModelSpec {
                    kind,
                    season: m,
                    smoothing,
                },
                holdout_rmse: mse.is_finite().then(|| mse.sqrt()),
            });
        }
    }
    let mut best: Option<&Candidate> = None;
    for c in &candidates {
        if let Some(r) = c.holdout_rmse {
            if best.and_then(|b| b.holdout_rmse).is_none_or(|br| r < br) {
                best = Some(c);
            }
        }
    }
    let model = best.ok_or(ForecastError::Diverged)?.model;
    let m = model.season;

    // Final state and point forecast.
    let hw = HoltWinters::fit(y, &model)?;
    let mut point = hw.forecast(cfg.horizon);

    // Backtest.
    let hb = cfg.horizon.min(n - 2 * m);
    let starts = origins(2 * m, n - hb, MAX_ORIGINS);
    let fc = backtest_forecasts(y, &model, &starts, hb, cfg.clip_at_zero)
        .ok_or(ForecastError::Diverged)?;
    let mut sums = Sums::default();
    // errs[h] holds one error per origin: absolute for additive, relative for multiplicative.
    let mut errs: Vec<Vec<f64>> = vec![Vec::with_capacity(starts.len()); hb];
    for (o, f) in starts.iter().zip(&fc) {
        for (h, fv) in f.iter().enumerate() {
            let a = y[o + h];
            sums.add(a, *fv);
            match model.kind {
                Seasonality::Additive => errs[h].push(a - fv),
                Seasonality::Multiplicative => {
                    if *fv > TINY {
                        errs[h].push((a - fv) / fv);
                    }
                }
            }
        }
    }
    let backtest = Backtest {
        origins: starts.len(),
        horizon: hb,
        origin_range: (
            starts.first().copied().unwrap_or(0),
            starts.last().copied().unwrap_or(0),
        ),
        accuracy: sums.finish(),
    };

    // Interval.
    let lo_p = (1.0 - cfg.level) / 2.0;
    let hi_p = 1.0 - lo_p;
    let bounds: Vec<(f64, f64)> = errs
        .iter_mut()
        .map(|e| {
            e.sort_by(f64::total_cmp);
            (quantile_sorted(e, lo_p), quantile_sorted(e, hi_p))
        })
        .collect();
    if hb < cfg.horizon {
        notes.push(format!(
            "the backtest reaches {hb} steps ahead; steps beyond use the bounds of step {hb}"
        ));
    }
    if starts.len() < 20 {
        notes.push(format!(
            "the interval rests on only {} backtest origin(s); treat it as rough",
            starts.len()
        ));
    }
    let mut points = Vec::with_capacity(cfg.horizon);
    for (i, p) in point.iter_mut().enumerate() {
        let (qlo, qhi) = bounds[i.min(hb - 1)];
        let (mut lower, mut upper) = match model.kind {
            Seasonality::Additive => (*p + qlo, *p + qhi),
            Seasonality::Multiplicative => (*p * (1.0 + qlo), *p * (1.0 + qhi)),
        };
        if cfg.clip_at_zero {
            *p = p.max(0.0);
            lower = lower.max(0.0);
            upper = upper.max(0.0);
        }
        if !(p.is_finite() && lower.is_finite() && upper.is_finite()) {
            return Err(ForecastError::Diverged);
        }
        points.push(ForecastPoint {
            step: i + 1,
            index: n + i,
            value: *p,
            lower,
            upper,
        });
    }
    let method = match model.kind {
        Seasonality::Additive => "empirical quantiles (type 7) of the backtest errors (actual − forecast) at the same step ahead, added to the point forecast",
        Seasonality::Multiplicative => "empirical quantiles (type 7) of the backtest relative errors ((actual − forecast) / forecast) at the same step ahead, applied to the point forecast",
    };
    Ok(ForecastReport {
        model,
        history_len: n,
        holdout_points: v,
        candidates,
        backtest,
        interval: IntervalInfo {
            level: cfg.level,
            method: method.into(),
            samples_per_step: starts.len(),
        },
        points,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_spread_and_include_both_ends() {
        assert_eq!(origins(10, 20, 3), vec![10, 15, 20]);
        assert_eq!(origins(10, 12, 200), vec![10, 11, 12]);
        assert_eq!(origins(5, 5, 200), vec![5]);
        let o = origins(0, 1000, 200);
        assert_eq!(o.len(), 200);
        assert_eq!((o[0], o[199]), (0, 1000));
        assert!(o.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn quantile_type7_matches_hand_values() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert!((quantile_sorted(&s, 0.5) - 2.5).abs() < 1e-12);
        // h = 3 * 0.1 = 0.3 → 1 + 0.3 * 1
        assert!((quantile_sorted(&s, 0.1) - 1.3).abs() < 1e-12);
    }

    #[test]
    fn start_values_are_exact_for_trend_plus_season() {
        let p = [3.0, -1.0, 0.0, -2.0];
        let y: Vec<f64> = (0..8).map(|t| 50.0 + 2.0 * t as f64 + p[t % 4]).collect();
        let hw = HoltWinters::start(&y, 4, Seasonality::Additive).unwrap();
        assert!((hw.trend - 2.0).abs() < 1e-12);
        // level at t = 3 is 50 + 2·3
        assert!((hw.level - 56.0).abs() < 1e-12);
        for (a, b) in hw.ring.iter().zip(p) {
            assert!((a - b).abs() < 1e-12);
        }
        // and the first prediction (t = 4) is exact
        assert!((hw.predict_next() - y[4]).abs() < 1e-12);
    }

    #[test]
    fn gaps_are_errors_or_zeros() {
        let csv = "t,v\n2024-01-01 00:00,1\n2024-01-01 00:15,2\n2024-01-01 00:45,4\n";
        let e = parse_history_csv(csv, &HistoryOptions::default()).unwrap_err();
        assert!(matches!(e, ForecastError::Parse { line: 4, .. }), "{e}");
        let h = parse_history_csv(
            csv,
            &HistoryOptions {
                missing: MissingIntervals::Zero,
            },
        )
        .unwrap();
        assert_eq!(h.values, vec![1.0, 2.0, 0.0, 4.0]);
        assert_eq!(h.filled, 1);
    }
}
