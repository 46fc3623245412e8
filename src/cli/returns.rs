//! `aftersales returns record RETURNS.jsonl [RULES] --db FILE [--today DATE]` and
//! `aftersales returns report --db FILE [--from DATE] [--to DATE] [--json] [--html FILE]`:
//! reading the lines and printing them; deciding, the ledger and the report are
//! [`crate::host::returns`], the file [`crate::store`].

use super::lines::{each_line, open, open_store, Out};
use crate::host::returns::{html, Recorded, Report, ReturnLedger, ReturnRecord};
use crate::RuleSet;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `aftersales returns`.
#[derive(Debug, Args)]
pub struct ReturnsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ReturnsCommand,
}

/// The subcommands of `aftersales returns`.
#[derive(Debug, Subcommand)]
pub enum ReturnsCommand {
    /// Decide each return (authorization, refund, disposition) and record it in the
    /// ledger under an RMA number (durable on return; a return id is recorded once).
    Record(RecordArgs),
    /// Counts and money of the recorded returns by reason, disposition, product, supplier.
    Report(ReportArgs),
}

/// Arguments of `aftersales returns record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The returns: one bundle per line (`return`, `context`, and `product` where known);
    /// `-` for standard input.
    pub returns: PathBuf,
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// The store (created if missing).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// `context.today` for bundles that do not give it (default: today).
    #[arg(long, value_parser = super::eval::parse_date)]
    pub today: Option<NaiveDate>,
}

/// Arguments of `aftersales returns report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The store.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// First day included (returns decided on or after it).
    #[arg(long, value_parser = super::eval::parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day included.
    #[arg(long, value_parser = super::eval::parse_date)]
    pub to: Option<NaiveDate>,
    /// The report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write an HTML page with the tables and a chart of dispositions.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Run `returns`.
pub fn run(args: &ReturnsArgs) -> u8 {
    match &args.command {
        ReturnsCommand::Record(a) => record(a),
        ReturnsCommand::Report(a) => report(a),
    }
}

/// Returns decided before they are recorded together (one transaction).
const BATCH: usize = 1024;

/// One recorded return's line.
#[derive(Serialize)]
struct RecordLine<'a> {
    line: usize,
    status: &'static str,
    rma: Option<&'a str>,
    #[serde(flatten)]
    record: &'a ReturnRecord,
}

fn error_line(line: usize, id: Option<&str>, code: &str, message: &str) -> String {
    serde_json::json!({"line": line, "id": id, "error": {"code": code, "message": message}})
        .to_string()
}

/// What a line became: a decided return (to record), or its error line.
enum Pending {
    Decided(usize, Box<ReturnRecord>),
    Failed(String),
}

#[derive(Default)]
struct Counts {
    read: usize,
    recorded: usize,
    existing: usize,
    conflicts: usize,
    failed: usize,
}

/// The return's id as the line gives it, for the error line of a line that does not
/// validate.
fn id_of(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let id = v.get("return")?.get("id").or_else(|| v.get("id"))?;
    match id {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decide(rules: &RuleSet, today: NaiveDate, n: usize, text: &str) -> Pending {
    let facts = match rules.facts_from_json(text) {
        Ok(f) => f,
        Err(e) => {
            let (code, message) = match e.first() {
                Some(f) if !f.path.is_empty() => (f.code(), format!("{}: {}", f.path, f.message)),
                Some(f) => (f.code(), f.message.clone()),
                None => ("invalid_facts", e.to_string()),
            };
            return Pending::Failed(error_line(n, id_of(text).as_deref(), code, &message));
        }
    };
    let facts = if facts.bundle_gave_today() {
        facts
    } else {
        facts.with_today(today)
    };
    match ReturnRecord::decide(rules, &facts) {
        Ok(r) => Pending::Decided(n, Box::new(r)),
        Err(e) => Pending::Failed(error_line(
            n,
            id_of(text).as_deref(),
            e.code(),
            &e.to_string(),
        )),
    }
}

/// Record the batch's decided returns in one transaction and print every line of it in
/// input order. `Err` with the store's error when the transaction failed: nothing of the
/// batch was recorded, and nothing of it is printed.
fn flush(
    batch: &mut Vec<Pending>,
    ledger: &mut impl ReturnLedger,
    out: &mut Out,
    counts: &mut Counts,
) -> Result<(), String> {
    let records: Vec<ReturnRecord> = batch
        .iter()
        .filter_map(|p| match p {
            Pending::Decided(_, r) => Some((**r).clone()),
            Pending::Failed(_) => None,
        })
        .collect();
    let done = ledger.record(&records).map_err(|e| e.to_string())?;
    let mut done = done.into_iter();
    for p in batch.drain(..) {
        match p {
            Pending::Failed(line) => {
                counts.failed += 1;
                out.raw(line.as_bytes());
            }
            Pending::Decided(n, r) => {
                let (status, rma, conflict) = match done.next() {
                    Some(Recorded::New { rma }) => {
                        counts.recorded += 1;
                        ("recorded", rma, None)
                    }
                    Some(Recorded::Existing { rma }) => {
                        counts.existing += 1;
                        ("existing", rma, None)
                    }
                    Some(Recorded::Conflict { rma, stored }) => {
                        counts.conflicts += 1;
                        ("conflict", rma, Some(stored))
                    }
                    None => {
                        return Err("the ledger answered fewer records than it was given".into())
                    }
                };
                let text = match conflict {
                    None => serde_json::to_string(&RecordLine {
                        line: n,
                        status,
                        rma: rma.as_deref(),
                        record: &r,
                    })
                    .unwrap_or_default(),
                    Some(stored) => {
                        let message = format!(
                            "return `{}` is already recorded{} as {} {} on {}, not as {} {} now; \
                             the ledger is append-only and keeps the first",
                            r.id,
                            rma.as_deref()
                                .map(|m| format!(" ({m})"))
                                .unwrap_or_default(),
                            stored.decision,
                            stored
                                .remedy
                                .as_deref()
                                .or(stored.disposition.as_deref())
                                .unwrap_or(""),
                            stored.decided_on,
                            r.decision,
                            r.remedy
                                .as_deref()
                                .or(r.disposition.as_deref())
                                .unwrap_or(""),
                        );
                        serde_json::json!({"line": n, "id": r.id, "rma": rma,
                            "error": {"code": "conflict", "message": message}})
                        .to_string()
                    }
                };
                out.raw(text.as_bytes());
            }
        }
    }
    Ok(())
}

fn record(args: &RecordArgs) -> u8 {
    let rules = match RuleSet::load(&args.rules) {
        Ok(r) => r,
        Err(diags) => {
            eprintln!("{diags}");
            return super::EXIT_USAGE;
        }
    };
    if !rules.has_decision("return_authorization") {
        eprintln!(
            "error: {}: the rules have no `returns` item (decision `return_authorization`)",
            args.rules.display()
        );
        return super::EXIT_USAGE;
    }
    let input = match open(&args.returns) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let mut store = match open_store(&args.db, true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let mut out = Out::new();
    let mut counts = Counts::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut failure: Option<String> = None;
    let read = each_line(input, &args.returns, |n, line| {
        if failure.is_some() {
            return;
        }
        counts.read += 1;
        batch.push(match line {
            Ok(text) => decide(&rules, today, n, text),
            Err(e) => Pending::Failed(error_line(n, None, "unreadable", &e)),
        });
        if batch.len() >= BATCH {
            failure = flush(&mut batch, &mut store, &mut out, &mut counts).err();
        }
    });
    if failure.is_none() {
        failure = flush(&mut batch, &mut store, &mut out, &mut counts).err();
    }
    out.finish();
    if let Err(code) = read {
        return code;
    }
    if let Some(e) = failure {
        eprintln!("error: {e}");
        return super::EXIT_USAGE;
    }
    eprintln!(
        "{}: {} return(s) read: {} recorded, {} already recorded, {} in conflict, {} failed",
        args.db.display(),
        counts.read,
        counts.recorded,
        counts.existing,
        counts.conflicts,
        counts.failed
    );
    if counts.failed + counts.conflicts > 0 {
        1
    } else {
        0
    }
}

fn report(args: &ReportArgs) -> u8 {
    if let (Some(f), Some(t)) = (args.from, args.to) {
        if f > t {
            eprintln!("error: --from {f} is after --to {t}");
            return super::EXIT_USAGE;
        }
    }
    let store = match open_store(&args.db, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = match Report::of_ledger(&store, args.from, args.to) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    if let Some(path) = &args.html {
        let page = html::report_html(&report, &args.db.display().to_string());
        if let Err(e) = std::fs::write(path, page) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return super::EXIT_USAGE;
        }
    }
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&report).unwrap_or_default();
        t.push('\n');
        t
    } else {
        report.to_string()
    };
    match super::write_stdout(&text) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            super::EXIT_USAGE
        }
    }
}
