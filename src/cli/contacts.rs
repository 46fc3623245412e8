//! `aftersales contacts replay|ingest|status` (CONTACTS.md): reading the event log and
//! printing the lines; the lifecycle and the clocks are in [`crate::host::contacts`], the
//! history in [`crate::store`].

use super::lines::{each_line, open, open_store, Out};
use crate::host::contacts::{error_line, validate, ContactError, ContactStore, Event, Log};
use crate::store::Store;
use crate::RuleSet;
use chrono::{DateTime, FixedOffset};
use clap::{Args, Subcommand};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Arguments of `aftersales contacts`.
#[derive(Debug, Args)]
pub struct ContactsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ContactsCommand,
}

/// The subcommands of `aftersales contacts`.
#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Replay an event log: one status line per contact, in order of first appearance.
    Replay(ReplayArgs),
    /// Append an event log to the store (durable on return; an event id is stored once).
    Ingest(IngestArgs),
    /// The stored contacts' status lines, as `replay` prints them.
    Status(StatusArgs),
    /// Service levels per group: attainment, median and p90 time, breaches, at risk.
    Report(ReportArgs),
    /// Convert a real service-desk log (servicenow, bpi2013, helpdesk) to contact events.
    Import(ImportArgs),
}

/// Arguments of `aftersales contacts report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The event log (JSON Lines; `-` for standard input); or give `--db`.
    pub events: Option<PathBuf>,
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(long, value_name = "RULES", default_value = "rules")]
    pub rules: PathBuf,
    /// Read the contacts from this store instead of an event log.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Group by `queue`, `priority`, `segment` or `channel`.
    #[arg(long, value_name = "FIELD", default_value = "queue")]
    pub by: String,
    /// As of this instant (RFC 3339). Default: the last event's instant.
    #[arg(long, value_name = "DATETIME", value_parser = parse_at)]
    pub at: Option<DateTime<FixedOffset>>,
    /// Also write an HTML page with the table and SVG charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Arguments of `aftersales contacts import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The log's kind: `servicenow` (ServiceNow incident audit log), `bpi2013` (Volvo IT,
    /// BPI Challenge 2013), `helpdesk` (Italian software company help desk).
    pub source: String,
    /// The log (CSV).
    pub file: PathBuf,
    /// The zone of the log's local times where it writes none (servicenow, helpdesk).
    #[arg(long, value_name = "IANA_ZONE", default_value = "UTC")]
    pub timezone: String,
    /// Write the events to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Arguments of `aftersales contacts ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The event log (JSON Lines; `-` for standard input).
    pub events: PathBuf,
    /// The store (SQLite), created if missing.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// A rule set whose schemas each `received` bundle must fit (a bundle that does not is
    /// an error line and is not stored).
    pub rules: Option<PathBuf>,
}

/// Arguments of `aftersales contacts status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The store (SQLite).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// Report as of this instant (RFC 3339); events after it are left out. Default: the
    /// latest stored event's instant.
    #[arg(long, value_name = "DATETIME", value_parser = parse_at)]
    pub at: Option<DateTime<FixedOffset>>,
    /// Only contacts with a breached clock.
    #[arg(long)]
    pub breached: bool,
    /// Only contacts in this queue.
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,
    /// Only this contact.
    #[arg(long, value_name = "ID")]
    pub contact: Option<String>,
}

/// Events appended to the store per transaction.
const BATCH: usize = 10_000;

/// Arguments of `aftersales contacts replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The event log (JSON Lines; `-` for standard input).
    pub events: PathBuf,
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// Report as of this instant (RFC 3339); events after it are left out. Default: the
    /// last event's instant.
    #[arg(long, value_name = "DATETIME", value_parser = parse_at)]
    pub at: Option<DateTime<FixedOffset>>,
    /// Also append the log to this store, and replay each of its contacts' whole stored
    /// history.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

fn parse_at(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        format!(
            "expected an RFC 3339 date-time with an offset such as 2026-03-02T17:00:00-05:00 ({e})"
        )
    })
}

/// Run `aftersales contacts ...`.
pub fn run(args: &ContactsArgs) -> u8 {
    match &args.command {
        ContactsCommand::Replay(a) => replay(a),
        ContactsCommand::Ingest(a) => ingest(a),
        ContactsCommand::Status(a) => status(a),
        ContactsCommand::Import(a) => import(a),
        ContactsCommand::Report(a) => report(a),
    }
}

fn load(path: &Path) -> Result<RuleSet, u8> {
    RuleSet::load(path).map_err(|diags| {
        eprintln!("{diags}");
        super::EXIT_USAGE
    })
}

fn replay(args: &ReplayArgs) -> u8 {
    let rules = match load(&args.rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let input = match open(&args.events) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let mut log = Log::new(&rules);
    if let Some(at) = args.at {
        log = log.until(at);
    }
    let code = match &args.db {
        None => {
            // closed contacts are written out as soon as every line before them is
            let mut out = Out::new();
            let read = each_line(input, &args.events, |n, line| {
                match line {
                    Ok(text) => log.push_line(n, text),
                    Err(e) => log.push_unreadable(n, ContactError::Invalid(e)),
                }
                if n % 1024 == 0 {
                    log.drain_ready(|l| out.raw(l));
                }
            });
            log.drain_ready(|l| out.raw(l));
            out.finish();
            if let Err(code) = read {
                return code;
            }
            super::EXIT_OK
        }
        Some(db) => {
            // the log into the store, then each of its contacts' whole stored history
            let mut store = match open_store(db, true) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let mut out = Out::new();
            let mut order: Vec<String> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let r = append_lines(input, &args.events, &mut store, None, &mut out, |e| {
                if seen.insert(e.contact.clone()) {
                    order.push(e.contact.clone());
                }
            });
            out.finish();
            let (code, _) = match r {
                Ok(r) => r,
                Err(code) => return code,
            };
            for c in &order {
                match store.events_of(c) {
                    Ok(events) => events.into_iter().for_each(|e| log.push(e)),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return super::EXIT_USAGE;
                    }
                }
            }
            code
        }
    };
    let mut out = Out::new();
    log.each_line(args.at, |l| out.raw(l));
    out.finish();
    let errors = log.error_count();
    // the process ends here: its memory goes back whole, not contact by contact
    std::mem::forget(log);
    if errors > 0 {
        super::EXIT_FINDINGS
    } else {
        code
    }
}

/// Read events from `input` and append them to `store` a batch at a time; a line that is
/// not an event (or, with `rules`, a received bundle that does not fit its schemas) is an
/// error line on `out` and is not stored. `seen` is given each event read. The exit code
/// and (read, stored) counts.
fn append_lines(
    input: Box<dyn Read>,
    path: &Path,
    store: &mut Store,
    rules: Option<&RuleSet>,
    out: &mut Out,
    mut seen: impl FnMut(&Event),
) -> Result<(u8, (usize, usize)), u8> {
    let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
    let (mut read, mut stored, mut bad) = (0usize, 0usize, 0usize);
    let mut failure: Option<String> = None;
    let flush = |batch: &mut Vec<Event>, store: &mut Store, failure: &mut Option<String>| {
        if failure.is_some() || batch.is_empty() {
            batch.clear();
            return 0;
        }
        let n = match store.append(batch) {
            Ok(n) => n,
            Err(e) => {
                *failure = Some(e.to_string());
                0
            }
        };
        batch.clear();
        n
    };
    let r = each_line(input, path, |n, line| {
        let event = match line.map(Event::from_json_str) {
            Ok(Ok(e)) => e,
            Ok(Err(bad_event)) => {
                bad += 1;
                let b = *bad_event;
                out.line(&error_line(
                    b.contact.as_deref(),
                    b.event.as_deref(),
                    &b.error,
                    Some(n),
                ));
                return;
            }
            Err(e) => {
                bad += 1;
                out.line(&error_line(None, None, &ContactError::Invalid(e), Some(n)));
                return;
            }
        };
        if let Some(rules) = rules {
            if let Err(e) = validate(rules, &event) {
                bad += 1;
                out.line(&error_line(
                    Some(&event.contact),
                    event.id.as_deref(),
                    &e,
                    Some(n),
                ));
                return;
            }
        }
        read += 1;
        seen(&event);
        batch.push(event);
        if batch.len() >= BATCH {
            stored += flush(&mut batch, store, &mut failure);
        }
    });
    stored += flush(&mut batch, store, &mut failure);
    r?;
    if let Some(f) = failure {
        eprintln!("error: {f}");
        return Err(super::EXIT_USAGE);
    }
    let code = if bad > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    };
    Ok((code, (read, stored)))
}

fn ingest(args: &IngestArgs) -> u8 {
    let rules = match &args.rules {
        Some(p) => match load(p) {
            Ok(r) => Some(r),
            Err(code) => return code,
        },
        None => None,
    };
    let input = match open(&args.events) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let mut store = match open_store(&args.db, true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut out = Out::new();
    let r = append_lines(
        input,
        &args.events,
        &mut store,
        rules.as_ref(),
        &mut out,
        |_| {},
    );
    out.finish();
    match r {
        Ok((code, (read, stored))) => {
            eprintln!(
                "{}: {read} event(s) accepted, {stored} stored, {} already stored",
                args.db.display(),
                read.saturating_sub(stored)
            );
            code
        }
        Err(code) => code,
    }
}

/// `status`'s output: the store gives each contact's events together, so each contact
/// is printed and forgotten as soon as the next one starts (memory: one contact).
struct Printer<'a, 'r> {
    rules: &'r RuleSet,
    args: &'a StatusArgs,
    at: Option<DateTime<FixedOffset>>,
    out: Out,
    errors: usize,
    current: Option<crate::host::contacts::Contact<'r>>,
}

impl Printer<'_, '_> {
    fn feed(&mut self, e: Event) {
        if self.args.at.is_some_and(|u| e.at > u) {
            return;
        }
        if self.current.as_ref().map(|c| c.id()) != Some(e.contact.as_str()) {
            self.flush();
            self.current = Some(crate::host::contacts::Contact::new(
                self.rules,
                e.contact.clone(),
            ));
        }
        if let Some(c) = self.current.as_mut() {
            let _ = c.apply(e);
        }
    }

    /// Print the contact in hand, if it passes the filters.
    fn flush(&mut self) {
        let Some(c) = self.current.take() else {
            return;
        };
        let args = self.args;
        let status = self
            .at
            .and_then(|at| c.status_at(at))
            .or_else(|| c.status());
        let shown = match &status {
            // never received: its error lines, unless a filter asks for statuses
            None => args.queue.is_none() && !args.breached,
            Some(s) => {
                args.queue
                    .as_ref()
                    .is_none_or(|q| s.queue.as_ref() == Some(q))
                    && (!args.breached || s.any_breached())
            }
        };
        if !shown {
            return;
        }
        for (e, err) in c.errors() {
            self.errors += 1;
            self.out.line(&error_line(Some(c.id()), e, err, None));
        }
        if let Some(s) = status {
            let mut buf = Vec::with_capacity(1024);
            s.write_json(&mut buf);
            self.out.raw(&buf);
        }
    }
}

fn status(args: &StatusArgs) -> u8 {
    let rules = match load(&args.rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let store = match open_store(&args.db, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let fail = |e: crate::store::StoreError| {
        eprintln!("error: {e}");
        super::EXIT_USAGE
    };
    let last = match store.last_at() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut p = Printer {
        rules: &rules,
        args,
        at: args.at.or(last),
        out: Out::new(),
        errors: 0,
        current: None,
    };
    let read = match &args.contact {
        Some(c) => store
            .events_of(c)
            .map(|events| events.into_iter().for_each(|e| p.feed(e))),
        None => store.each_event(&mut |e| p.feed(e)),
    };
    p.flush();
    let Printer { out, errors, .. } = p;
    out.finish();
    if let Err(e) = read {
        return fail(e);
    }
    if errors > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

fn import(args: &ImportArgs) -> u8 {
    use crate::host::contacts::import::{self, ProblemKind, Source};
    let Some(source) = Source::parse(&args.source) else {
        let help = crate::diag::suggest(&args.source, ["servicenow", "bpi2013", "helpdesk"])
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        eprintln!(
            "error: unknown log kind `{}` (servicenow, bpi2013 or helpdesk){help}",
            args.source
        );
        return super::EXIT_USAGE;
    };
    let Ok(tz) = args.timezone.parse::<chrono_tz::Tz>() else {
        eprintln!(
            "error: --timezone `{}` is not an IANA time zone (such as Europe/Rome)",
            args.timezone
        );
        return super::EXIT_USAGE;
    };
    let input = match open(&args.file) {
        Ok(r) => BufReader::with_capacity(1 << 16, r),
        Err(code) => return code,
    };
    let sink: Box<dyn Write> = match &args.out {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", p.display());
                return super::EXIT_USAGE;
            }
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 16, sink);
    let mut buf = Vec::with_capacity(512);
    let mut failed: Option<std::io::Error> = None;
    let mut bad_rows = 0usize;
    let shown = args.file.display().to_string();
    let mut err = std::io::stderr().lock();
    let r = import::import(
        source,
        input,
        tz,
        &mut |e| {
            if failed.is_some() {
                return;
            }
            buf.clear();
            e.to_json().write(&mut buf);
            buf.push(b'\n');
            if let Err(e) = w.write_all(&buf) {
                failed = Some(e);
            }
        },
        &mut |p| {
            if p.kind == ProblemKind::BadRow {
                bad_rows += 1;
            }
            let who = p.contact.map(|c| format!("{c}: ")).unwrap_or_default();
            let _ = writeln!(err, "{shown}:{}: {who}{}", p.line, p.message);
        },
    );
    if failed.is_none() {
        if let Err(e) = w.flush() {
            failed = Some(e);
        }
    }
    if let Some(e) = failed {
        if !super::closed(&e) {
            eprintln!("error: cannot write the events: {e}");
            return super::EXIT_USAGE;
        }
    }
    match r {
        Ok(sum) => {
            let _ = writeln!(
                err,
                "{shown}: {} row(s), {} contact(s), {} event(s), {} problem(s) reported ({bad_rows} row(s) left out)",
                sum.rows, sum.contacts, sum.events, sum.problems
            );
            if bad_rows > 0 {
                super::EXIT_FINDINGS
            } else {
                super::EXIT_OK
            }
        }
        Err(e) => {
            let _ = writeln!(err, "error: {shown}: {e}");
            super::EXIT_USAGE
        }
    }
}

fn report(args: &ReportArgs) -> u8 {
    use crate::host::contacts::report::{GroupBy, Report};
    let Some(by) = GroupBy::parse(&args.by) else {
        eprintln!(
            "error: --by `{}`: group by queue, priority, segment or channel",
            args.by
        );
        return super::EXIT_USAGE;
    };
    let rules = match load(&args.rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut log = Log::new(&rules);
    if let Some(at) = args.at {
        log = log.until(at);
    }
    match (&args.events, &args.db) {
        (Some(path), None) => {
            let input = match open(path) {
                Ok(i) => i,
                Err(code) => return code,
            };
            if let Err(code) = each_line(input, path, |n, line| match line {
                Ok(text) => log.push_line(n, text),
                Err(e) => log.push_unreadable(n, ContactError::Invalid(e)),
            }) {
                return code;
            }
        }
        (None, Some(db)) => {
            let store = match open_store(db, false) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if let Err(e) = store.each_event(&mut |e| log.push(e)) {
                eprintln!("error: {e}");
                return super::EXIT_USAGE;
            }
        }
        _ => {
            eprintln!("error: give an event log or --db FILE (one of the two)");
            return super::EXIT_USAGE;
        }
    }
    let at = log.as_of();
    let mut report = Report::new(by);
    for s in log.statuses(at) {
        report.add(&s);
    }
    report.finish();
    if let Some(path) = &args.html {
        let source = match (&args.events, &args.db) {
            (Some(p), _) | (None, Some(p)) => p.display().to_string(),
            _ => String::new(),
        };
        let page = crate::host::contacts::html::report_html(&report, &source);
        if let Err(e) = std::fs::write(path, page) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return super::EXIT_USAGE;
        }
    }
    let mut out = Out::new();
    for line in report.lines() {
        out.line(&line);
    }
    out.finish();
    let errors = log.error_count();
    if errors > 0 {
        eprintln!("{errors} event(s) could not be applied (`contacts replay` lists them)");
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
