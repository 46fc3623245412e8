//! The command-line interface: argument parsing and printing only; every
//! decision is made by the library.
//!
//! Exit codes (DESIGN.md): 0 all good, 1 findings (check errors, failed
//! fixtures, records that could not be evaluated), 2 usage or I/O error.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod check;
pub mod contacts;
pub mod doc;
pub mod eval;
pub mod fmt;
pub mod forecast;
pub mod import;
mod lines;
pub mod qa;
pub mod recall;
pub mod reply;
pub mod returns;
pub mod schedule;
pub mod staff;
pub mod test;
pub mod utilization;

/// Exit code: everything went well.
pub const EXIT_OK: u8 = 0;
/// Exit code: the run worked but found problems (diagnostics, failed records).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: bad usage or an I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Compiled, explainable after-sales decision rules.
#[derive(Debug, Parser)]
#[command(name = "aftersales", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `aftersales`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check a rule set; report every problem with its place.
    Check(check::CheckArgs),
    /// The warranty booklet of the rules, in plain language (Markdown or HTML).
    Doc(doc::DocArgs),
    /// A language server for rule files over stdio (for editors).
    Lsp,
    /// Rewrite rule files in the canonical layout (`--check`: show a diff, write nothing).
    Fmt(fmt::FmtArgs),
    /// Evaluate a decision for each bundle of a JSON, JSONL or YAML input; JSONL out.
    Eval(eval::EvalArgs),
    /// Render a response template (`template NAME …`) for each bundle.
    Reply(reply::ReplyArgs),
    /// A recall notice against an installed base: affected units, owners, reports due.
    Recall(recall::RecallArgs),
    /// Returns: decide and record them in the ledger (RMA numbers); report on the ledger.
    Returns(returns::ReturnsArgs),
    /// Run fixture files (expected results for given facts) against a rule set, for CI.
    Test(test::TestArgs),
    /// Contacts over time: replay an event log through routing and service-level clocks.
    Contacts(contacts::ContactsArgs),
    /// Turn external data into rule files (NHTSA recalls into `recall` items).
    Import(import::ImportArgs),
    /// Forecast contact volumes per interval with Holt-Winters.
    Forecast(forecast::ForecastArgs),
    /// Choose shifts covering agents required per interval at least cost.
    Schedule(schedule::ScheduleArgs),
    /// Agents needed to meet a service level (Erlang C, or Erlang A with patience).
    Staff(staff::StaffArgs),
    /// Occupancy, utilization, adherence and OLE from agent state logs.
    Utilization(utilization::UtilizationArgs),
    /// Score QA evaluations against a scorecard; trends and calibration.
    Qa(qa::QaArgs),
}

/// Write to stdout; a closed pipe (`aftersales ... | head`) is not an error: the reader
/// has what it wanted, and the command ends quietly with the exit code it has.
pub(crate) fn write_stdout(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if closed(&e) => Ok(()),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}

/// Whether a write failed because the reader of standard output has gone.
pub(crate) fn closed(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Parse the process arguments and run the chosen subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(run(cli))
}

/// Run a parsed command line and return its exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Doc(args) => doc::run(&args),
        Command::Lsp => match crate::lsp::run_stdio() {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_USAGE
            }
        },
        Command::Reply(args) => reply::run(&args),
        Command::Recall(args) => recall::run(&args),
        Command::Returns(args) => returns::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Contacts(args) => contacts::run(&args),
        Command::Forecast(args) => forecast::run(&args),
        Command::Schedule(args) => schedule::run(&args),
        Command::Staff(args) => staff::run(&args),
        Command::Utilization(args) => utilization::run(&args),
        Command::Qa(args) => qa::run(&args),
    }
}
