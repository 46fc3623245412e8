//! The page `contacts report --html` writes: the report's table and two SVG charts
//! (resolution attainment per group and week; the distribution of time to first response
//! and to resolution). Written as text like the workforce charts: a small fixed page, no
//! script, no dependency.

use super::report::{ClockFigures, Report};
use crate::host::markup::esc;
use std::fmt::Write as _;

fn pct(a: Option<f64>) -> String {
    a.map_or_else(|| "–".to_string(), |a| format!("{:.1}%", 100.0 * a))
}

fn hours(d: Option<chrono::TimeDelta>) -> String {
    d.map_or_else(
        || "–".to_string(),
        |d| format!("{:.1} h", d.num_seconds() as f64 / 3600.0),
    )
}

/// Colours for the groups' lines (a colour-blind-safe palette), repeated past eight.
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
];

/// Bins of the elapsed-time distribution, in hours (the last is open-ended).
const BINS: [(f64, &str); 8] = [
    (0.25, "< 15 min"),
    (1.0, "15 min–1 h"),
    (4.0, "1–4 h"),
    (8.0, "4–8 h"),
    (24.0, "8–24 h"),
    (72.0, "1–3 d"),
    (168.0, "3–7 d"),
    (f64::INFINITY, "> 7 d"),
];

/// The report as a standalone HTML page.
pub fn report_html(report: &Report, source: &str) -> String {
    let by = report.by.as_str();
    let mut h = String::new();
    let as_of = report
        .as_of
        .map_or_else(|| "–".to_string(), |t| t.to_rfc3339());
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Service levels by {by}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; font-size: 13px; }}
th:first-child, td:first-child {{ text-align: left; }}
thead th {{ background: #f3f3f3; }}
tr.total td {{ font-weight: bold; }}
svg text {{ font-size: 12px; fill: #222; }}
</style></head>
<body>
<h1>Service levels by {by}</h1>
<p id="summary">{source}: {contacts} contacts, as of <time>{as_of}</time>.</p>
<table id="groups">
<thead><tr><th>{by}</th><th>contacts</th><th>unresolved</th>
<th>first response met</th><th>median first response</th><th>first responses breached</th>
<th>resolve met</th><th>median resolve</th><th>p90 resolve</th><th>resolves breached</th><th>open at risk</th><th>escalated</th></tr></thead>
<tbody>
"#,
        source = esc(source),
        contacts = report.total.contacts,
    );
    let row = |h: &mut String, name: &str, class: &str, g: &super::report::GroupFigures| {
        let (f, r): (&ClockFigures, &ClockFigures) = (&g.first_response, &g.resolve);
        let _ = writeln!(
            h,
            r#"<tr class="{class}" data-group="{name}"><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            g.contacts,
            g.unresolved,
            pct(f.attainment()),
            hours(f.elapsed_quantile(0.5)),
            f.breached,
            pct(r.attainment()),
            hours(r.elapsed_quantile(0.5)),
            hours(r.elapsed_quantile(0.9)),
            r.breached,
            f.at_risk + r.at_risk + g.next_reply.at_risk,
            g.escalated,
            name = esc(name),
        );
    };
    for g in &report.groups {
        row(&mut h, g.group.as_deref().unwrap_or("(none)"), "group", g);
    }
    row(&mut h, "all", "total", &report.total);
    h.push_str("</tbody></table>\n");
    h.push_str(&attainment_chart(report));
    h.push_str(&elapsed_chart(report));
    h.push_str("</body></html>\n");
    h
}

/// Resolution attainment (met ÷ finished) per group and week of receipt, one line a
/// group.
fn attainment_chart(report: &Report) -> String {
    let weeks: Vec<chrono::NaiveDate> = {
        let mut w: Vec<_> = report.weekly.keys().map(|(d, _)| *d).collect();
        w.dedup();
        w
    };
    let (width, height, left, top, bottom, right) = (900.0, 340.0, 60.0, 20.0, 50.0, 170.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let x = |i: usize| {
        if weeks.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (weeks.len() - 1) as f64
        }
    };
    let y = |a: f64| top + plot_h * (1.0 - a);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<h2>Resolution attainment per week</h2>
<svg id="attainment" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="resolve attainment per {by} and week">
"#,
        by = report.by.as_str()
    );
    for k in 0..=4 {
        let a = k as f64 / 4.0;
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{x2}" y2="{yy:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{p}%</text>"##,
            yy = y(a),
            x2 = left + plot_w,
            tx = left - 6.0,
            ty = y(a) + 4.0,
            p = k * 25
        );
    }
    let step = weeks.len().div_ceil(8).max(1);
    for (i, w) in weeks.iter().enumerate().step_by(step) {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x(i),
            top + plot_h + 18.0,
            w.format("%Y-%m-%d")
        );
    }
    for (gi, g) in report.groups.iter().enumerate() {
        let colour = PALETTE[gi % PALETTE.len()];
        let mut points = Vec::new();
        for (i, w) in weeks.iter().enumerate() {
            if let Some((met, finished)) = report.weekly.get(&(*w, g.group.clone())) {
                if *finished > 0 {
                    points.push((x(i), y(*met as f64 / *finished as f64)));
                }
            }
        }
        let name = esc(g.group.as_deref().unwrap_or("(none)"));
        let pts: Vec<String> = points
            .iter()
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline class="series" data-group="{name}" fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{name}</title></polyline>"#,
            pts.join(" ")
        );
        for (a, b) in &points {
            let _ = writeln!(
                s,
                r#"<circle cx="{a:.1}" cy="{b:.1}" r="2.5" fill="{colour}"/>"#
            );
        }
        let ly = top + 16.0 * gi as f64 + 8.0;
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="4" fill="{colour}"/><text class="legend" x="{:.1}" y="{:.1}">{name}</text>"#,
            left + plot_w + 16.0,
            ly - 4.0,
            left + plot_w + 32.0,
            ly + 1.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// How long finished clocks took: counts per bin, first response and resolve side by side.
fn elapsed_chart(report: &Report) -> String {
    let count = |c: &ClockFigures| {
        let mut n = [0usize; BINS.len()];
        for d in &c.elapsed {
            let h = d.num_seconds() as f64 / 3600.0;
            let k = BINS
                .iter()
                .position(|(edge, _)| h < *edge)
                .unwrap_or(BINS.len() - 1);
            n[k] += 1;
        }
        n
    };
    let series = [
        (
            "first_response",
            "#0072B2",
            count(&report.total.first_response),
        ),
        ("resolve", "#D55E00", count(&report.total.resolve)),
    ];
    let max = series
        .iter()
        .flat_map(|(_, _, n)| n.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (width, height, left, top, bottom) = (900.0, 320.0, 60.0, 30.0, 50.0);
    let plot_h = height - top - bottom;
    let slot = (width - left - 20.0) / BINS.len() as f64;
    let bar = slot * 0.38;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<h2>Time to first response and to resolution</h2>
<svg id="elapsed" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="distribution of time counted by finished clocks">
<text x="{left}" y="16">contacts per bin of time counted (the clock's own kind of time); max {m}</text>
"#,
        m = max as usize
    );
    for (k, (_, label)) in BINS.iter().enumerate() {
        let cx = left + slot * (k as f64 + 0.5);
        let _ = writeln!(
            s,
            r#"<text x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            top + plot_h + 18.0,
            esc(label)
        );
        for (j, (name, colour, n)) in series.iter().enumerate() {
            let hgt = plot_h * n[k] as f64 / max;
            let _ = writeln!(
                s,
                r#"<rect class="bar" data-clock="{name}" data-bin="{k}" data-count="{c}" x="{:.1}" y="{:.1}" width="{bar:.1}" height="{hgt:.1}" fill="{colour}"><title>{name}: {c}</title></rect>"#,
                cx - bar + bar * j as f64,
                top + plot_h - hgt,
                c = n[k]
            );
        }
    }
    for (j, (name, colour, _)) in series.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="10" fill="{colour}"/><text class="legend" x="{:.1}" y="{:.1}">{name}</text>"#,
            width - 170.0,
            top + 16.0 * j as f64,
            width - 152.0,
            top + 16.0 * j as f64 + 9.0
        );
    }
    s.push_str("</svg>\n");
    s
}
