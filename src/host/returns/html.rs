//! The page `returns report --html` writes: the totals, a bar chart of dispositions and
//! one table per grouping. A small fixed page, no script, no dependency.

use super::report::{Amounts, Group, Report};
use crate::host::markup::esc;
use std::fmt::Write as _;

fn pct(a: Option<f64>) -> String {
    a.map_or_else(|| "–".to_string(), |a| format!("{:.1}%", 100.0 * a))
}

/// Colours of the dispositions (a colour-blind-safe palette).
fn colour(disposition: &str) -> &'static str {
    match disposition {
        "restock" => "#009E73",
        "refurbish" => "#56B4E9",
        "return_to_supplier" => "#E69F00",
        "salvage" => "#CC79A7",
        "scrap" => "#D55E00",
        _ => "#999999",
    }
}

/// The money cells of a group: one line per currency.
fn money_cells(amounts: &[Amounts]) -> String {
    let col = |f: &dyn Fn(&Amounts) -> String| {
        if amounts.is_empty() {
            return "<td>–</td>".to_string();
        }
        let lines: Vec<String> = amounts.iter().map(f).collect();
        format!("<td>{}</td>", lines.join("<br>"))
    };
    [
        col(&|a| a.value.to_string()),
        col(&|a| a.refunded.to_string()),
        col(&|a| a.restocking_fees.to_string()),
        col(&|a| a.resale_value.to_string()),
        col(&|a| a.charged_to_suppliers.to_string()),
    ]
    .concat()
}

const MONEY_HEAD: &str = "<th>Value</th><th>Refunded</th><th>Fees kept</th>\
<th>Resale value</th><th>To suppliers</th>";

fn table(h: &mut String, title: &str, id: &str, groups: &[Group]) {
    let mut head = title.to_string();
    if let Some(first) = head.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let _ = write!(
        h,
        "<h2>By {title}</h2>\n<table id=\"{id}\"><thead><tr><th>{head}</th><th>Returns</th>\
         <th>Authorized</th><th>Denied</th>{MONEY_HEAD}</tr></thead><tbody>\n"
    );
    for g in groups {
        let _ = writeln!(
            h,
            "<tr data-key=\"{k}\"><th scope=\"row\">{k}</th><td>{n}</td><td>{a}</td><td>{d}</td>{m}</tr>",
            k = esc(&g.key),
            n = g.returns,
            a = g.authorized,
            d = g.denied,
            m = money_cells(&g.amounts)
        );
    }
    if groups.is_empty() {
        h.push_str("<tr><td colspan=\"9\">none</td></tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

/// A horizontal bar per disposition, its length the share of authorized returns.
fn disposition_chart(h: &mut String, report: &Report) {
    let total: u64 = report.by_disposition.iter().map(|g| g.returns).sum();
    let (w, bar, gap, label) = (640.0, 22.0, 8.0, 150.0);
    let height = report.by_disposition.len() as f64 * (bar + gap) + gap;
    let _ = writeln!(
        h,
        "<svg id=\"dispositions\" role=\"img\" aria-label=\"Authorized returns by disposition\" \
         width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\">"
    );
    for (i, g) in report.by_disposition.iter().enumerate() {
        let y = gap + i as f64 * (bar + gap);
        let share = if total > 0 {
            g.returns as f64 / total as f64
        } else {
            0.0
        };
        let len = (w - label - 90.0) * share;
        let _ = writeln!(
            h,
            "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"13\">{name}</text>\
             <rect class=\"bar\" data-key=\"{name}\" data-count=\"{n}\" x=\"{label}\" y=\"{y}\" width=\"{len:.1}\" height=\"{bar}\" fill=\"{c}\"><title>{name}: {n}</title></rect>\
             <text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"12\">{n} ({p:.1}%)</text>",
            x = label - 6.0,
            ty = y + bar * 0.72,
            name = esc(&g.key),
            c = colour(&g.key),
            n = g.returns,
            tx = label + len + 6.0,
            p = 100.0 * share,
        );
    }
    h.push_str("</svg>\n");
}

/// The report as a standalone HTML page; `source` names the ledger.
pub fn report_html(report: &Report, source: &str) -> String {
    let mut h = String::new();
    let day = |d: Option<chrono::NaiveDate>, open: &str| {
        d.map_or_else(|| open.to_string(), |d| d.to_string())
    };
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Returns report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; font-size: 13px; }}
th[scope=row] {{ text-align: left; }}
.figures td {{ text-align: left; }}
</style></head><body>
<h1>Returns report</h1>
<p>Ledger <code>{source}</code>, returns decided from {from} to {to}.</p>
<table class="figures" id="summary"><tbody>
<tr><th scope="row">Returns decided</th><td>{returns}</td></tr>
<tr><th scope="row">Authorized</th><td>{authorized}</td></tr>
<tr><th scope="row">Denied</th><td>{denied}</td></tr>
<tr><th scope="row">Scrapped</th><td>{scrapped} ({scrap_rate} of dispositions)</td></tr>
<tr><th scope="row">Salvaged</th><td>{salvaged} ({salvage_rate} of dispositions)</td></tr>
</tbody></table>
<h2>Totals</h2>
<table id="totals"><thead><tr><th>Currency</th>{MONEY_HEAD}</tr></thead><tbody>
"#,
        source = esc(source),
        from = day(report.from, "the start"),
        to = day(report.to, "the end"),
        returns = report.returns,
        authorized = report.authorized,
        denied = report.denied,
        scrapped = report.scrapped,
        scrap_rate = pct(report.scrap_rate),
        salvaged = report.salvaged,
        salvage_rate = pct(report.salvage_rate),
    );
    for a in &report.totals {
        let _ = writeln!(
            h,
            "<tr data-key=\"{c}\"><th scope=\"row\">{c}</th>{m}</tr>",
            c = esc(&a.currency),
            m = money_cells(std::slice::from_ref(a))
        );
    }
    if report.totals.is_empty() {
        h.push_str("<tr><td colspan=\"6\">no money</td></tr>\n");
    }
    h.push_str("</tbody></table>\n<h2>Dispositions</h2>\n");
    disposition_chart(&mut h, report);
    table(&mut h, "reason", "by-reason", &report.by_reason);
    table(
        &mut h,
        "disposition",
        "by-disposition",
        &report.by_disposition,
    );
    table(&mut h, "product", "by-product", &report.by_product);
    table(&mut h, "supplier", "by-supplier", &report.by_supplier);
    h.push_str("</body></html>\n");
    h
}
