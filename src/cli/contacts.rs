//! `aftersales contacts replay EVENTS.jsonl [RULES] [--at DATETIME]` (CONTACTS.md):
//! reading the event log and printing the lines; the lifecycle and the clocks are in
//! [`crate::host::contacts`].

use crate::host::contacts::{ContactError, Log};
use crate::RuleSet;
use chrono::{DateTime, FixedOffset};
use clap::{Args, Subcommand};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Longest event line read (a longer one is an error line, and the log goes on).
const MAX_LINE: u64 = 16 * 1024 * 1024;

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
}

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
    }
}

fn load(path: &Path) -> Result<RuleSet, u8> {
    RuleSet::load(path).map_err(|diags| {
        eprintln!("{diags}");
        super::EXIT_USAGE
    })
}

fn open(path: &Path) -> Result<Box<dyn Read>, u8> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    std::fs::File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| {
            eprintln!("error: cannot read {}: {e}", path.display());
            super::EXIT_USAGE
        })
}

/// Feed every line of `input` to `f` (its number, its text); a line too long or not
/// UTF-8 is an error line in its place.
fn each_line(
    input: Box<dyn Read>,
    path: &Path,
    mut f: impl FnMut(usize, Result<&str, ContactError>),
) -> Result<(), u8> {
    let mut r = BufReader::with_capacity(1 << 16, input);
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        n += 1;
        let read = (&mut r).take(MAX_LINE).read_until(b'\n', &mut buf);
        match read {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return Err(super::EXIT_USAGE);
            }
        }
        if buf.last() != Some(&b'\n') && buf.len() as u64 >= MAX_LINE {
            // skip the rest of the line
            let mut rest = Vec::new();
            loop {
                rest.clear();
                match (&mut r).take(MAX_LINE).read_until(b'\n', &mut rest) {
                    Ok(0) => break,
                    Ok(_) if rest.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            f(
                n,
                Err(ContactError::Invalid(format!(
                    "line longer than {MAX_LINE} bytes"
                ))),
            );
            continue;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t.trim(),
            Err(e) => {
                f(n, Err(ContactError::Invalid(format!("not UTF-8: {e}"))));
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        f(n, Ok(text));
    }
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
    let read = each_line(input, &args.events, |n, line| match line {
        Ok(text) => log.push_line(n, text),
        Err(e) => log.push_unreadable(n, e),
    });
    if let Err(code) = read {
        return code;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut buf = Vec::with_capacity(1024);
    let mut closed = false;
    let mut write = |j: crate::json::Json| {
        if closed {
            return;
        }
        buf.clear();
        j.write(&mut buf);
        buf.push(b'\n');
        if let Err(e) = out.write_all(&buf) {
            closed = true;
            if !super::closed(&e) {
                eprintln!("error: cannot write to stdout: {e}");
            }
        }
    };
    log.each_line(args.at, &mut write);
    let _ = out.flush();
    if log.error_count() > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
