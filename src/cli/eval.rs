//! `aftersales eval [RULES] --decision NAME [--input FILE|-] [--explain] [--today DATE] [--now DATETIME]`
//!
//! Input is JSON (one object or an array of objects), JSONL (one object per line) or YAML
//! (one document, or a sequence), chosen by the file's extension or, on standard input,
//! by its first line. Output is one JSON line per input record, in input order (LANGUAGE.md
//! §8); a record that cannot be evaluated gives an error line in its place and the run goes
//! on. JSONL is streamed: memory stays flat whatever the input's size. `--explain` adds
//! each result's `"explanation"` (LANGUAGE.md §8). A `.jsonl` (`.ndjson`) file read with
//! standard error on a terminal shows a progress bar there (by bytes read); never when
//! standard error is not a terminal.

use crate::eval::error_json;
use crate::facts::parse_json;
use crate::facts::Facts;
use crate::host::claims::{Session, SessionError};
use crate::json::Json;
use crate::RuleSet;
use chrono::{DateTime, FixedOffset, NaiveDate};
use clap::Args;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

/// Arguments of `aftersales eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// The decision to evaluate.
    #[arg(long)]
    pub decision: String,
    /// The input file (`-` for standard input).
    #[arg(long, default_value = "-")]
    pub input: String,
    /// Add to each result the tests made along its path (`"explanation"`).
    #[arg(long)]
    pub explain: bool,
    /// `context.today` for bundles that do not give it (default: today).
    #[arg(long, value_parser = parse_date)]
    pub today: Option<NaiveDate>,
    /// `context.now` for bundles that do not give it (default: now), RFC 3339.
    #[arg(long, value_parser = parse_now)]
    pub now: Option<DateTime<FixedOffset>>,
    /// Derive each claim's previous repair of the same fault from the claims history in
    /// this store, and record the claims decided there (created if missing).
    #[arg(long, value_name = "FILE", conflicts_with = "history")]
    pub record: Option<PathBuf>,
    /// Derive each claim's previous repair from this store's claims history without
    /// recording anything.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
}

pub(super) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date such as 2026-01-31, found `{s}`"))
}

pub(super) fn parse_now(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s)
        .map_err(|_| format!("expected a date-time such as 2026-01-31T08:00:00Z, found `{s}`"))
}

/// Lines of JSONL evaluated together (on all cores) before they are written.
const BATCH: usize = 4096;

/// What the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Jsonl,
    Yaml,
}

/// Run `eval`: exit 0 if every record was evaluated, 1 if any was not, 2 for a rule set
/// that does not load, an unknown decision, or unreadable input.
pub fn run(args: &EvalArgs) -> u8 {
    let rules = match RuleSet::load(&args.rules) {
        Ok(r) => r,
        Err(diags) => {
            eprintln!("{diags}");
            return super::EXIT_USAGE;
        }
    };
    if !rules.has_decision(&args.decision) {
        let help = crate::diag::suggest(&args.decision, rules.decision_names())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        eprintln!(
            "error: the rule set has no decision `{}`{help}",
            args.decision
        );
        return super::EXIT_USAGE;
    }
    let now = args
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let mut ctx = Ctx {
        rules: &rules,
        decision: &args.decision,
        handle: rules.handle(&args.decision),
        now,
        today: args.today,
        explain: args.explain,
        failed: 0,
        total: 0,
        closed: false,
    };
    let mut store = match (&args.record, &args.history) {
        (Some(path), _) => Some((crate::store::Store::open(path), true)),
        (None, Some(path)) => Some((crate::store::Store::open_existing(path), false)),
        (None, None) => None,
    };
    let mut history = match store.as_mut() {
        Some((Ok(store), write)) => Some(History {
            session: if *write {
                Session::new(store)
            } else {
                Session::new(store).read_only()
            },
            write: *write,
            records: 0,
        }),
        Some((Err(e), _)) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
        None => None,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = if args.input == "-" {
        let stdin = std::io::stdin();
        ctx.stream(
            BufReader::new(stdin.lock()),
            None,
            history.as_mut(),
            &mut out,
        )
    } else {
        let kind = match std::path::Path::new(&args.input)
            .extension()
            .and_then(|e| e.to_str())
        {
            Some("jsonl" | "ndjson") => Some(Kind::Jsonl),
            Some("json") => Some(Kind::Json),
            Some("yaml" | "yml") => Some(Kind::Yaml),
            _ => None,
        };
        match std::fs::File::open(&args.input) {
            Ok(f) => {
                let bar = (kind == Some(Kind::Jsonl))
                    .then(|| progress_bar(&f))
                    .flatten();
                let r = ctx.stream(
                    BufReader::new(Counted::new(f, bar.clone())),
                    kind,
                    history.as_mut(),
                    &mut out,
                );
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                r
            }
            Err(e) => Err(format!("cannot read `{}`: {e}", args.input)),
        }
    };
    let _ = out.flush();
    if let Err(e) = result {
        eprintln!("error: {e}");
        return super::EXIT_USAGE;
    }
    eprintln!(
        "{} record(s), {} evaluated, {} failed{}",
        ctx.total,
        ctx.total - ctx.failed,
        ctx.failed,
        if ctx.closed {
            " (standard output was closed: stopped there)"
        } else {
            ""
        }
    );
    if ctx.failed > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

/// A run against the claims history of a store (`--record`, `--history`).
struct History<'s> {
    session: Session<'s, crate::store::Store>,
    /// Whether the decided claims are recorded (`--record`).
    write: bool,
    /// Records read so far.
    records: usize,
}

impl History<'_> {
    /// Record what the run decided since the last commit (`--record`); with `--history`
    /// the run's claims stay in memory, for the claims after them.
    fn commit(&mut self) -> Result<(), String> {
        if self.write {
            self.session.commit().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Lines read together: their text one after the other, and where each non-blank one is.
#[derive(Default)]
struct Batch {
    text: String,
    lines: Vec<Line>,
    /// The bytes of the line being read.
    raw: Vec<u8>,
}

/// One record line of a [`Batch`].
#[derive(Clone)]
enum Line {
    /// Its text, in [`Batch::text`].
    Text(std::ops::Range<usize>),
    /// A line that is not UTF-8: where its first bad byte is.
    NotUtf8(usize),
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn line(&self, r: &std::ops::Range<usize>) -> &str {
        self.text.get(r.clone()).unwrap_or_default()
    }
}

/// Read up to [`BATCH`] non-blank lines into `batch` (emptied first), starting with
/// `first` when it is not blank (`Err(at)`: a first line that is not UTF-8, with where its
/// first bad byte is); empty at the end of the input.
fn read_batch(
    input: &mut impl BufRead,
    first: Result<&str, usize>,
    batch: &mut Batch,
) -> Result<(), String> {
    batch.text.clear();
    batch.lines.clear();
    match first {
        Ok(first) if first.trim().is_empty() => {}
        Ok(first) => {
            batch.text.push_str(first);
            batch.lines.push(Line::Text(0..first.len()));
        }
        Err(at) => batch.lines.push(Line::NotUtf8(at)),
    }
    while batch.lines.len() < BATCH {
        batch.raw.clear();
        let n = input
            .read_until(b'\n', &mut batch.raw)
            .map_err(|e| format!("cannot read the input: {e}"))?;
        if n == 0 {
            break;
        }
        // a line that is not UTF-8 is a record that fails, in its place; the rest go on
        match std::str::from_utf8(&batch.raw) {
            Ok(line) if line.trim().is_empty() => {}
            Ok(line) => {
                let start = batch.text.len();
                batch.text.push_str(line);
                batch.lines.push(Line::Text(start..batch.text.len()));
            }
            Err(e) => batch.lines.push(Line::NotUtf8(e.valid_up_to())),
        }
    }
    Ok(())
}

/// Lines of a batch one task evaluates and writes into one buffer.
const CHUNK: usize = 256;

/// The `id` of a raw record, as text.
fn id_of(v: &Json) -> Option<String> {
    match v.get("id")? {
        Json::String(s) | Json::Number(s) => Some(s.clone()),
        _ => None,
    }
}

/// The output lines of a chunk of a batch, and how many records they are and failed.
struct Chunk {
    text: Vec<u8>,
    lines: usize,
    failed: usize,
}

struct Ctx<'a> {
    rules: &'a RuleSet,
    decision: &'a str,
    /// The decision, resolved once.
    handle: Result<crate::DecisionHandle, crate::eval::EvalError>,
    now: DateTime<FixedOffset>,
    today: Option<NaiveDate>,
    explain: bool,
    failed: usize,
    total: usize,
    /// Standard output was closed by its reader.
    closed: bool,
}

/// A bytes-based progress bar on standard error for a file, only when standard error is
/// a terminal (never in pipes, so scripts and tests see no bar bytes).
pub(super) fn progress_bar(file: &std::fs::File) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let len = file.metadata().ok()?.len();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} ({eta} left)")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// A reader that counts the bytes read and moves a progress bar; the bar is moved once
/// per 1 MiB read, so the count costs an addition per read call.
pub(super) struct Counted<R> {
    inner: R,
    bar: Option<indicatif::ProgressBar>,
    read: u64,
    shown: u64,
}

impl<R> Counted<R> {
    pub(super) fn new(inner: R, bar: Option<indicatif::ProgressBar>) -> Self {
        Counted {
            inner,
            bar,
            read: 0,
            shown: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            self.read += n as u64;
            if self.read - self.shown >= 1 << 20 || n == 0 {
                bar.set_position(self.read);
                self.shown = self.read;
            }
        }
        Ok(n)
    }
}

impl Ctx<'_> {
    /// Read records and write one line each. With no known kind, the first non-blank line
    /// decides: a whole JSON value on it means JSONL; `[`, `{` spanning lines means JSON;
    /// anything else YAML.
    fn stream(
        &mut self,
        mut input: impl BufRead,
        kind: Option<Kind>,
        mut history: Option<&mut History<'_>>,
        out: &mut impl Write,
    ) -> Result<(), String> {
        // the first non-blank line; one that is not UTF-8 is a JSONL record that fails
        let mut first = String::new();
        let mut first_bad: Option<usize> = None;
        let mut raw = Vec::new();
        loop {
            raw.clear();
            let n = input
                .read_until(b'\n', &mut raw)
                .map_err(|e| format!("cannot read the input: {e}"))?;
            match String::from_utf8(std::mem::take(&mut raw)) {
                Ok(line) => first = line,
                Err(e) => {
                    first_bad = Some(e.utf8_error().valid_up_to());
                    first.clear();
                    break;
                }
            }
            if n == 0 || !first.trim().is_empty() {
                break;
            }
        }
        let kind = kind.or(first_bad.map(|_| Kind::Jsonl));
        let kind = kind.unwrap_or_else(|| {
            let t = first.trim();
            if t.starts_with('{') && parse_json(t).is_ok() {
                Kind::Jsonl
            } else if t.starts_with('{') || t.starts_with('[') {
                Kind::Json
            } else {
                Kind::Yaml
            }
        });
        match kind {
            Kind::Jsonl => {
                // batches of lines, evaluated on all cores (each result serialised there
                // too) while the next batch is read, written in input order: memory stays
                // bounded by two batches whatever the input's size
                // each task writes the lines of a chunk of the batch into one buffer
                let mut batch = Batch::default();
                let mut next = Batch::default();
                read_batch(
                    &mut input,
                    first_bad.map_or(Ok(first.as_str()), Err),
                    &mut batch,
                )?;
                while !batch.is_empty() {
                    if let Some(h) = history.as_deref_mut() {
                        // one record after another: each sees the claims before it
                        let mut text = Vec::with_capacity(batch.lines.len() * 160);
                        let mut failed = 0;
                        for line in &batch.lines {
                            let raw = match line {
                                Line::Text(r) => batch.line(r).trim(),
                                Line::NotUtf8(_) => "",
                            };
                            let facts = match line {
                                Line::Text(_) => Facts::from_json_str(self.rules.env(), raw),
                                Line::NotUtf8(at) => Err(crate::FactErrors::one(
                                    crate::FactError::new(
                                        crate::facts::FactErrorKind::Syntax,
                                        "",
                                        format!(
                                            "the line is not UTF-8 text (a bad byte at byte {} of the line)",
                                            at + 1
                                        ),
                                    ),
                                )),
                            };
                            // the id is read again only for the error line of bad facts
                            let id = || parse_json(raw).ok().as_ref().and_then(id_of);
                            failed +=
                                usize::from(self.record_with_history(h, facts, id, &mut text));
                            text.push(b'\n');
                        }
                        // printed only once recorded: nothing printed is lost to a kill
                        h.commit()?;
                        self.total += batch.lines.len();
                        self.failed += failed;
                        if !self.emit(out, &text)? {
                            return Ok(());
                        }
                        read_batch(&mut input, Ok(""), &mut next)?;
                        std::mem::swap(&mut batch, &mut next);
                        continue;
                    }
                    let this: &Ctx<'_> = self;
                    let mut results: Vec<Chunk> = Vec::new();
                    let mut read = Ok(());
                    rayon::in_place_scope(|scope| {
                        let (batch, results) = (&batch, &mut results);
                        scope.spawn(move |_| {
                            *results = batch
                                .lines
                                .par_chunks(CHUNK)
                                .map(|lines| {
                                    let mut chunk = Chunk {
                                        text: Vec::with_capacity(lines.len() * 160),
                                        lines: lines.len(),
                                        failed: 0,
                                    };
                                    for line in lines {
                                        let failed = match line {
                                            Line::Text(r) => {
                                                let raw = batch.line(r).trim();
                                                let facts =
                                                    Facts::from_json_str(this.rules.env(), raw);
                                                this.record(
                                                    facts,
                                                    || id_of(&parse_json(raw).ok()?),
                                                    &mut chunk.text,
                                                )
                                            }
                                            Line::NotUtf8(at) => {
                                                let msg = format!(
                                                    "the line is not UTF-8 text (a bad byte at byte {} of the line)",
                                                    at + 1
                                                );
                                                let line = error_json(
                                                    None,
                                                    this.decision,
                                                    crate::facts::FactErrorKind::Syntax.as_str(),
                                                    &msg,
                                                    Some(""),
                                                );
                                                line.write(&mut chunk.text);
                                                true
                                            }
                                        };
                                        chunk.text.push(b'\n');
                                        chunk.failed += usize::from(failed);
                                    }
                                    chunk
                                })
                                .collect();
                        });
                        read = read_batch(&mut input, Ok(""), &mut next);
                    });
                    for chunk in results {
                        self.total += chunk.lines;
                        self.failed += chunk.failed;
                        if !self.emit(out, &chunk.text)? {
                            return Ok(());
                        }
                    }
                    read?;
                    std::mem::swap(&mut batch, &mut next);
                }
                Ok(())
            }
            Kind::Json | Kind::Yaml => {
                if first_bad.is_some() {
                    return Err("cannot read the input: it is not UTF-8 text".into());
                }
                let rest = crate::read::capped(&mut input, crate::read::MAX_INPUT_BYTES)
                    .map_err(|e| format!("cannot read the input: {e}"))?;
                let mut text = first;
                text.push_str(
                    std::str::from_utf8(&rest)
                        .map_err(|_| "cannot read the input: it is not UTF-8 text".to_string())?,
                );
                // no records (an empty input, or YAML of comments only): no output lines
                if text.trim().is_empty() {
                    return Ok(());
                }
                // facts of each record with its id, then each decided (on all cores)
                let records: Vec<crate::facts::Validated> = if kind == Kind::Json {
                    Facts::from_json_str_each(self.rules.env(), &text)
                        .map_err(|e| format!("the input is not valid JSON: {e}"))?
                } else {
                    let values = match crate::facts::yaml::parse(&text) {
                        Ok(Json::Array(items)) => items,
                        Ok(Json::Null) => Vec::new(),
                        Ok(v) => vec![v],
                        Err(e) => return Err(format!("the input is not valid YAML: {e}")),
                    };
                    values
                        .par_iter()
                        .map(|r| (Facts::from_tree(self.rules.env(), r), id_of(r)))
                        .collect()
                };
                if let Some(h) = history {
                    let mut results = Vec::with_capacity(records.len());
                    for (facts, id) in records {
                        let mut line = Vec::new();
                        let failed = self.record_with_history(h, facts, || id, &mut line);
                        results.push((line, failed));
                    }
                    h.commit()?;
                    return self.write(results, out);
                }
                let results: Vec<(Vec<u8>, bool)> = records
                    .into_par_iter()
                    .map(|(facts, id)| {
                        let mut line = Vec::new();
                        let failed = self.record(facts, || id, &mut line);
                        (line, failed)
                    })
                    .collect();
                self.write(results, out)
            }
        }
    }

    /// Write results in order and count them.
    fn write(&mut self, results: Vec<(Vec<u8>, bool)>, out: &mut impl Write) -> Result<(), String> {
        for (mut line, failed) in results {
            self.total += 1;
            self.failed += usize::from(failed);
            line.push(b'\n');
            if !self.emit(out, &line)? {
                break;
            }
        }
        Ok(())
    }

    /// Write result lines; `Ok(false)` when the reader of standard output has gone
    /// (`aftersales eval ... | head`): the run then stops quietly, its exit code given by
    /// the records written (the records counted so far).
    fn emit(&mut self, out: &mut impl Write, bytes: &[u8]) -> Result<bool, String> {
        match out.write_all(bytes) {
            Ok(()) => Ok(true),
            Err(e) if super::closed(&e) => {
                self.closed = true;
                Ok(false)
            }
            Err(e) => Err(format!("cannot write the output: {e}")),
        }
    }

    /// The facts with `--today` where the bundle gives no `context.today`, and the clock
    /// for the rest of the context.
    fn completed(&self, mut f: Facts) -> Facts {
        if let Some(t) = self.today {
            if !f.bundle_gave_today() {
                f.set_today(t);
            }
        }
        f.with_context_defaults(self.now)
    }

    /// Write the error line of a record that could not be decided; `true` (it failed).
    fn eval_error(&self, id: Option<&str>, e: &crate::EvalError, out: &mut Vec<u8>) -> bool {
        error_json(
            id,
            self.decision,
            e.code(),
            &e.to_string(),
            e.path().as_deref(),
        )
        .write(out);
        true
    }

    /// [`Ctx::record`] for a run with a claims history: the claim's previous repair derived
    /// from the history and the claims before it (`--record`/`--history`), then decided
    /// and added to the run.
    fn record_with_history(
        &self,
        h: &mut History<'_>,
        facts: Result<Facts, crate::facts::FactErrors>,
        id: impl FnOnce() -> Option<String>,
        out: &mut Vec<u8>,
    ) -> bool {
        h.records += 1;
        let f = match facts {
            Ok(f) => self.completed(f),
            Err(e) => return self.record(Err(e), id, out),
        };
        // the id for an error line; the facts themselves move into the derivation
        let bundle = f.id().map(str::to_string);
        let fail = |code: &str, message: &str, out: &mut Vec<u8>| {
            error_json(bundle.as_deref(), self.decision, code, message, None).write(out);
            true
        };
        let f = match h.session.derive(self.rules, f, h.records) {
            Ok(f) => f,
            Err(SessionError::Claim(e)) => return fail(e.code(), &e.to_string(), out),
            Err(SessionError::History(e)) => return fail("history", &e.to_string(), out),
        };
        let decided = match &self.handle {
            Err(e) => Err(e.clone()),
            Ok(_) if self.explain => self
                .rules
                .explain(self.decision, &f)
                .map(|(d, why)| (d, Some(why))),
            Ok(handle) => self.rules.decide_with(*handle, &f).map(|d| (d, None)),
        };
        match decided {
            Ok((d, why)) => {
                let mut line = d.json(self.rules.checked());
                if let Some(why) = why {
                    line.insert(
                        "explanation",
                        why.json(self.rules.checked(), self.rules.sources()),
                    );
                }
                match h.session.add(self.rules, &f, &d) {
                    Ok(()) => {
                        line.write(out);
                        false
                    }
                    Err(e) => fail("history", &e.to_string(), out),
                }
            }
            Err(e) => self.eval_error(f.id(), &e, out),
        }
    }

    /// Write the output line of one record into `out` (without its newline), and say
    /// whether it failed; `id` recovers the record's `id` when its facts do not validate.
    fn record(
        &self,
        facts: Result<Facts, crate::facts::FactErrors>,
        id: impl FnOnce() -> Option<String>,
        out: &mut Vec<u8>,
    ) -> bool {
        match facts {
            Err(errs) => {
                let (code, path) = errs
                    .first()
                    .map(|e| (e.code(), Some(e.path.as_str())))
                    .unwrap_or(("invalid_facts", None));
                let line = error_json(
                    id().as_deref(),
                    self.decision,
                    code,
                    &errs.to_string(),
                    path,
                );
                line.write(out);
                true
            }
            Ok(f) => {
                let f = self.completed(f);
                let result = if self.explain {
                    self.rules.explain(self.decision, &f).map(|(d, why)| {
                        let mut line = d.json(self.rules.checked());
                        line.insert(
                            "explanation",
                            why.json(self.rules.checked(), self.rules.sources()),
                        );
                        line.write(out);
                    })
                } else {
                    self.handle
                        .clone()
                        .and_then(|h| self.rules.decide_json(h, &f, out))
                };
                match result {
                    Ok(()) => false,
                    Err(e) => self.eval_error(f.id(), &e, out),
                }
            }
        }
    }
}
