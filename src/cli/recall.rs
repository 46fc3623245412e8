//! `aftersales recall NOTICE.json --products INSTALLED_BASE.csv [RULES] [--today DATE]`
//!
//! For one recall notice, every unit of an installed base (CSV with a header: product
//! fields such as `serial`, `model`, `build_date`, `in_service_date`, `owner`, `market`,
//! and any other columns, such as the owner's contact) is run through the recall's
//! `affects`. JSON Lines on stdout: one line per affected unit (the owner notification
//! list: `{"serial", "recall", "contact": {column: value}}`), an error line in place of a
//! row that cannot be read (`{"line", "error": {"code", "message"}}`), and a last line with
//! the counts and the reports the notice triggers in each market with affected units,
//! with their deadlines. The base is streamed: memory does not grow with it. Exit 0, 1
//! when a row could not be decided, 2 for a notice or rules that cannot be used.

use crate::host::recalls::base::{Notice, UnitOutcome};
use crate::RuleSet;
use chrono::NaiveDate;
use clap::Args;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `aftersales recall`.
#[derive(Debug, Args)]
pub struct RecallArgs {
    /// The notice: `{"recall": ID, "recall_notice": {...}}` (JSON).
    pub notice: PathBuf,
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// The installed base (CSV with a header row).
    #[arg(long)]
    pub products: PathBuf,
    /// `context.today` where the notice does not give it (default: today).
    #[arg(long, value_parser = super::eval::parse_date)]
    pub today: Option<NaiveDate>,
}

/// Run `recall`.
pub fn run(args: &RecallArgs) -> u8 {
    let rules = match RuleSet::load(&args.rules) {
        Ok(r) => r,
        Err(diags) => {
            eprintln!("{diags}");
            return super::EXIT_USAGE;
        }
    };
    let text = match crate::read::text(&args.notice, crate::dsl::MAX_FILE_BYTES as u64) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    // the notice's context, with today where it gives none
    let text = with_today(
        &text,
        args.today
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
    );
    let notice = match Notice::from_json_str(&rules, &text) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}: {e}", args.notice.display());
            return super::EXIT_USAGE;
        }
    };
    let mut reader = match csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&args.products)
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.products.display());
            return super::EXIT_USAGE;
        }
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            eprintln!("error: {}: {e}", args.products.display());
            return super::EXIT_USAGE;
        }
    };
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    // a column that is almost a product field is most likely one misspelt: said, since
    // it would otherwise pass through as contact information and the field stay absent
    if let (Ok(reader), Some(product)) = (
        crate::facts::RowReader::new(rules.env(), "product", &header),
        rules.env().schema_id("product"),
    ) {
        let fields: Vec<&str> = rules
            .env()
            .schema(product)
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        for column in reader.other_columns() {
            if let Some(field) = crate::diag::suggest(column, fields.iter().copied()) {
                eprintln!(
                    "warning: {}: column `{column}` is not a product field (did you mean `{field}`?); it is passed through as contact information",
                    args.products.display()
                );
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut units, mut affected, mut errors) = (0usize, 0usize, 0usize);
    // one affected row per market, for the reports
    let mut by_market: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors += 1;
                let line = e.position().map_or(line, |p| p.line());
                let _ = writeln!(out, "{}", error_line(line, "csv", &e.to_string()));
                continue;
            }
        }
        units += 1;
        let line = record.position().map_or(line, |p| p.line());
        let row: Vec<&str> = record.iter().collect();
        match notice.unit(&header, &row) {
            Ok(UnitOutcome::Affected {
                serial,
                contact,
                market,
            }) => {
                affected += 1;
                by_market
                    .entry(market.unwrap_or_default())
                    .or_insert_with(|| row.iter().map(|c| c.to_string()).collect());
                let j = serde_json::json!({"serial": serial, "recall": notice.recall(), "contact": contact});
                if writeln!(out, "{j}").is_err() {
                    return super::EXIT_OK; // the reader has gone
                }
            }
            Ok(UnitOutcome::Unaffected) => {}
            Err(e) => {
                errors += 1;
                let _ = writeln!(out, "{}", error_line(line, e.code(), &e.to_string()));
            }
        }
    }
    // the reports the notice triggers, per market with affected units
    let mut reports: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for (market, row) in &by_market {
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        match notice.reports(&header, &row) {
            Ok(list) => {
                for r in list {
                    let entry = reports.entry(r.id.clone()).or_insert_with(|| {
                        serde_json::json!({"id": r.id, "title": r.title, "due": r.due,
                                           "immediate": r.immediate, "markets": []})
                    });
                    if let Some(m) = entry["markets"].as_array_mut() {
                        m.push(serde_json::Value::String(market.clone()));
                    }
                }
            }
            Err(e) => {
                errors += 1;
                let _ = writeln!(out, "{}", error_line(0, e.code(), &e.to_string()));
            }
        }
    }
    let summary = serde_json::json!({
        "recall": notice.recall(), "units": units, "affected": affected, "errors": errors,
        "reports": reports.into_values().collect::<Vec<_>>(),
    });
    let _ = writeln!(out, "{summary}");
    let _ = out.flush();
    eprintln!("{units} unit(s), {affected} affected, {errors} error(s)");
    if errors > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

fn error_line(line: u64, code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"line": line, "error": {"code": code, "message": message}})
}

/// The notice's text with `context.today` set where it does not give one.
fn with_today(text: &str, today: NaiveDate) -> String {
    let Ok(mut j) = serde_json::from_str::<serde_json::Value>(text) else {
        return text.to_string(); // reported by the notice's own reading
    };
    if let Some(obj) = j.as_object_mut() {
        let ctx = obj
            .entry("context")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(c) = ctx.as_object_mut() {
            c.entry("today")
                .or_insert_with(|| serde_json::Value::String(today.to_string()));
        }
    }
    j.to_string()
}
