//! A standalone SVG chart of a forecast: the recent history, the point
//! forecast and its prediction interval as a shaded band, with labelled axes
//! and a legend. Written by hand as text (no dependency), valid SVG 1.1.

use crate::host::markup::esc;
use std::fmt::Write as _;

use super::forecast::{ForecastReport, Seasonality, TimeAxis};

/// Size and content of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// History points to show before the forecast; `None` shows
    /// `max(3 × horizon, 48)` of them (all, if fewer).
    pub history_points: Option<usize>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            width: 1000,
            height: 440,
            history_points: None,
        }
    }
}

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` ticks over `range`.
fn nice_step(range: f64, target: f64) -> f64 {
    if range <= 0.0 || !range.is_finite() {
        return 1.0;
    }
    let raw = range / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let f = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    f * mag
}

fn fmt_tick(v: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{v:.0}")
    } else {
        let digits = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
        format!("{v:.digits$}")
    }
}

/// Render the chart of `report` over the tail of `history` (the series the
/// report was made from) as a standalone SVG document.
///
/// ```
/// use aftersales::host::workforce::forecast::{forecast, ForecastConfig, TimeAxis};
/// use aftersales::host::workforce::svg::{forecast_svg, PlotOptions};
/// let y: Vec<f64> = (0..40).map(|t| 10.0 + (t % 4) as f64).collect();
/// let r = forecast(&y, &ForecastConfig::new(8, 4)).unwrap();
/// let svg = forecast_svg(&y, &TimeAxis::Index { first: 0 }, &r, &PlotOptions::default());
/// assert!(svg.starts_with("<?xml"));
/// assert!(svg.contains("<polygon")); // the interval band
/// assert!(svg.trim_end().ends_with("</svg>"));
/// ```
pub fn forecast_svg(
    history: &[f64],
    axis: &TimeAxis,
    report: &ForecastReport,
    opts: &PlotOptions,
) -> String {
    let w = f64::from(opts.width.clamp(300, 10_000));
    let h = f64::from(opts.height.clamp(200, 10_000));
    let n = history.len();
    let horizon = report.points.len();
    let last = n + horizon.max(1) - 1; // last index on the x axis
                                       // Room on the right for half of the last x label (about 6.5 px a character).
    let label_chars = axis.label(last).chars().count() as f64;
    let (ml, mr, mt, mb) = (78.0, (label_chars * 3.25 + 8.0).max(36.0), 58.0, 62.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);

    let default_tail = (3 * horizon).max(48);
    let shown = opts.history_points.unwrap_or(default_tail).min(n);
    let first = n - shown;
    let span = (last - first).max(1) as f64;

    // y range
    let mut ymin = f64::INFINITY;
    let mut ymax = f64::NEG_INFINITY;
    for v in &history[first..] {
        ymin = ymin.min(*v);
        ymax = ymax.max(*v);
    }
    for p in &report.points {
        ymin = ymin.min(p.lower).min(p.value);
        ymax = ymax.max(p.upper).max(p.value);
    }
    if !ymin.is_finite() || !ymax.is_finite() {
        ymin = 0.0;
        ymax = 1.0;
    }
    if ymin >= 0.0 {
        ymin = 0.0;
    }
    if ymax <= ymin {
        ymax = ymin + 1.0;
    }
    let ystep = nice_step(ymax - ymin, 5.0);
    let ylo = (ymin / ystep).floor() * ystep;
    let yhi = (ymax / ystep).ceil() * ystep;
    let yspan = (yhi - ylo).max(f64::MIN_POSITIVE);

    let x = |i: usize| ml + (i.saturating_sub(first)) as f64 / span * pw;
    let y = |v: f64| mt + (yhi - v) / yspan * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#
    );
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let m = &report.model;
    let kind = match m.kind {
        Seasonality::Additive => "additive",
        Seasonality::Multiplicative => "multiplicative",
    };
    let title = format!(
        "Holt-Winters forecast ({kind}, season {}, alpha {:.3}, beta {:.3}, gamma {:.3})",
        m.season, m.smoothing.alpha, m.smoothing.beta, m.smoothing.gamma
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&title));
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="{ml}" y="22" font-size="15" font-weight="bold" fill="#222222">{}</text>"##,
        esc(&title)
    );

    // Horizontal grid and y labels.
    let _ = writeln!(s, r#"<g id="y-axis">"#);
    let ticks = ((yhi - ylo) / ystep).round().clamp(1.0, 50.0) as usize;
    for k in 0..=ticks {
        let v = ylo + k as f64 * ystep;
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{ml:.1}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e3e3e3" stroke-width="1"/>"##,
            ml + pw
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444444">{}</text>"##,
            ml - 6.0,
            yy + 4.0,
            esc(&fmt_tick(v, ystep))
        );
    }
    let _ = writeln!(
        s,
        r##"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle" fill="#222222">Contacts per interval</text>"##,
        mt + ph / 2.0
    );
    let _ = writeln!(s, "</g>");

    // X ticks and labels.
    let _ = writeln!(s, r#"<g id="x-axis">"#);
    // As many ticks as labels fit side by side (about 6.5 px a character).
    let label_w = label_chars * 6.5 + 24.0;
    let xt = ((pw / label_w).floor() as usize)
        .clamp(1, 8)
        .min(last - first)
        .max(1);
    for k in 0..=xt {
        let i = first + ((last - first) * k) / xt;
        let xx = x(i);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#444444" stroke-width="1"/>"##,
            mt + ph,
            mt + ph + 5.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#444444">{}</text>"##,
            mt + ph + 19.0,
            esc(&axis.label(i))
        );
    }
    let xtitle = match axis {
        TimeAxis::Index { .. } => "Interval number",
        TimeAxis::Time { .. } => "Interval start",
    };
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#222222">{xtitle}</text>"##,
        ml + pw / 2.0,
        h - 14.0
    );
    let _ = writeln!(s, "</g>");

    // Interval band.
    if !report.points.is_empty() {
        let mut pts = String::new();
        for p in &report.points {
            let _ = write!(pts, "{:.1},{:.1} ", x(p.index), y(p.upper));
        }
        for p in report.points.iter().rev() {
            let _ = write!(pts, "{:.1},{:.1} ", x(p.index), y(p.lower));
        }
        let _ = writeln!(
            s,
            r##"<polygon id="interval" points="{}" fill="#9ecae1" fill-opacity="0.55" stroke="none"/>"##,
            pts.trim_end()
        );
    }

    // Forecast start marker.
    let xs = x(n.saturating_sub(1).max(first));
    let _ = writeln!(
        s,
        r##"<line x1="{xs:.1}" y1="{mt:.1}" x2="{xs:.1}" y2="{:.1}" stroke="#888888" stroke-dasharray="4 3" stroke-width="1"/>"##,
        mt + ph
    );

    // History line.
    if shown > 0 {
        let mut pts = String::new();
        for (i, v) in history.iter().enumerate().skip(first) {
            let _ = write!(pts, "{:.1},{:.1} ", x(i), y(*v));
        }
        let _ = writeln!(
            s,
            r##"<polyline id="history" points="{}" fill="none" stroke="#333333" stroke-width="1.3" stroke-linejoin="round"/>"##,
            pts.trim_end()
        );
    }
    // Forecast line, joined to the last observation.
    if !report.points.is_empty() {
        let mut pts = String::new();
        if shown > 0 {
            let _ = write!(pts, "{:.1},{:.1} ", x(n - 1), y(history[n - 1]));
        }
        for p in &report.points {
            let _ = write!(pts, "{:.1},{:.1} ", x(p.index), y(p.value));
        }
        let _ = writeln!(
            s,
            r##"<polyline id="forecast" points="{}" fill="none" stroke="#d62728" stroke-width="1.8" stroke-linejoin="round"/>"##,
            pts.trim_end()
        );
    }

    // Axes.
    let _ = writeln!(
        s,
        r##"<line x1="{ml:.1}" y1="{mt:.1}" x2="{ml:.1}" y2="{:.1}" stroke="#222222" stroke-width="1.2"/>"##,
        mt + ph
    );
    let _ = writeln!(
        s,
        r##"<line x1="{ml:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#222222" stroke-width="1.2"/>"##,
        mt + ph,
        ml + pw,
        mt + ph
    );

    // Legend.
    let lx = ml + 8.0;
    let ly = 40.0;
    let level = format!("{:.0}% prediction interval", report.interval.level * 100.0);
    let _ = writeln!(s, r#"<g id="legend">"#);
    let _ = writeln!(
        s,
        r##"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#333333" stroke-width="2"/>"##,
        lx + 22.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" fill="#222222">History</text>"##,
        lx + 28.0,
        ly + 4.0
    );
    let _ = writeln!(
        s,
        r##"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#d62728" stroke-width="2"/>"##,
        lx + 100.0,
        lx + 122.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" fill="#222222">Forecast</text>"##,
        lx + 128.0,
        ly + 4.0
    );
    let _ = writeln!(
        s,
        r##"<rect x="{:.1}" y="{:.1}" width="22" height="10" fill="#9ecae1" fill-opacity="0.55"/>"##,
        lx + 205.0,
        ly - 5.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" fill="#222222">{}</text>"##,
        lx + 233.0,
        ly + 4.0,
        esc(&level)
    );
    let _ = writeln!(s, "</g>");
    let _ = writeln!(s, "</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(0.3, 5.0), 0.1);
        assert_eq!(nice_step(0.0, 5.0), 1.0);
    }
}
