//! `aftersales test [RULES] [FIXTURES...] [--junit FILE] [--coverage] [--require-coverage]
//! [--format human|json] [--deny-warnings] [--failures-only] [--explain short|full]`: run
//! fixture files (LANGUAGE.md §7) against a rule set.
//! Printing and arguments only; the work is in [`crate::fixtures`].

use crate::fixtures::{self, CaseReport, Coverage, FileReport, Outcome, Summary};
use crate::json::{obj, Json};
use crate::RuleSet;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Output format of `aftersales test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A line per case (`ok` / `FAIL`), a diff under each failure, a summary.
    Human,
    /// One JSON object per case, then coverage and summary objects.
    Json,
}

/// Arguments of `aftersales test`.
#[derive(Debug, Args)]
#[command(after_help = "\
RULES defaults to `rules`. The other positionals are fixture files or folders; a folder \
is searched recursively for *.yaml and *.yml files (sorted, hidden ones skipped). With \
no fixtures given, `tests/fixtures` is used.

The rule set's warnings are printed on stderr first. A failure shows the differences, then \
the tests that decided the result (--explain full: every test made). When the rules do not \
load, --junit still writes a report with one error case holding the diagnostics.

Exit codes: 0 every case passed; 1 a case failed, a fixture file or case is malformed, \
the rule set has errors, (with --deny-warnings) it has warnings, or (with \
--require-coverage) a rule is reached by no case; 2 usage or I/O error (a path or rule \
file that cannot be read).")]
pub struct TestArgs {
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// Fixture files or folders (default: `tests/fixtures`).
    pub fixtures: Vec<PathBuf>,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// After the run, list the rules (and `otherwise` clauses) no case reached.
    #[arg(long)]
    pub coverage: bool,
    /// Like --coverage, and fail (exit 1) when a rule is reached by no case.
    #[arg(long)]
    pub require_coverage: bool,
    /// How to print the results (on standard output).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) when the rule set has warnings (unreachable rules, gaps, ...), as
    /// `check --deny-warnings` does: one command for CI.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print only the cases that fail (and the summary).
    #[arg(long)]
    pub failures_only: bool,
    /// How much of the evaluation to show under a failure: the tests that decided it
    /// (`short`), or every test made (`full`).
    #[arg(long, value_enum, default_value_t = Explain::Short)]
    pub explain: Explain,
}

/// How much explanation `aftersales test` prints under a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Explain {
    /// The deciding rule's tests, and the test that ruled out each other rule.
    Short,
    /// Every test made, in order, with the decisions read.
    Full,
}

/// Run `test` and return the exit code.
pub fn run(args: &TestArgs) -> u8 {
    let rules = match RuleSet::load(&args.rules) {
        Ok(r) => r,
        Err(diags) => {
            eprintln!("{diags}");
            // CI still gets a report saying why nothing ran
            if let Some(path) = &args.junit {
                let xml = fixtures::junit_load_error(
                    &args.rules.display().to_string(),
                    &diags.to_string(),
                );
                if let Err(e) = std::fs::write(path, xml) {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    return super::EXIT_USAGE;
                }
            }
            let io = diags.as_slice().iter().any(|d| d.code.is_unreadable());
            return if io {
                super::EXIT_USAGE
            } else {
                super::EXIT_FINDINGS
            };
        }
    };
    // the rule set's warnings, as `check` prints them
    let warnings = rules.warnings();
    if !warnings.as_slice().is_empty() {
        let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
        for d in warnings.as_slice() {
            eprintln!("{}", d.render(rules.sources(), color));
        }
        eprintln!(
            "{}: {} warning(s){}",
            args.rules.display(),
            warnings.warning_count(),
            if args.deny_warnings { " (denied)" } else { "" }
        );
    }
    let paths = if args.fixtures.is_empty() {
        vec![PathBuf::from("tests/fixtures")]
    } else {
        args.fixtures.clone()
    };
    let files = match fixtures::discover(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    if files.is_empty() {
        eprintln!("error: no fixture files (*.yaml, *.yml) found");
        return super::EXIT_USAGE;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut reports = Vec::with_capacity(files.len());
    for f in &files {
        let report = fixtures::run_file(&rules, f);
        let _ = match args.format {
            Format::Human => print_human(&mut out, &report, args),
            Format::Json => print_json(&mut out, &report, &rules, args),
        };
        reports.push(report);
    }
    let want_coverage = args.coverage || args.require_coverage;
    let cov = want_coverage.then(|| fixtures::coverage(&rules, &reports));
    let summary = Summary::of(&reports);
    let _ = match args.format {
        Format::Human => print_human_end(&mut out, cov.as_ref(), &summary),
        Format::Json => print_json_end(&mut out, cov.as_ref(), &summary),
    };
    let _ = out.flush();
    if let Some(path) = &args.junit {
        let cov_suite = if args.require_coverage {
            cov.as_ref()
        } else {
            None
        };
        let xml = fixtures::junit_xml(&reports, cov_suite);
        if let Err(e) = std::fs::write(path, xml) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return super::EXIT_USAGE;
        }
    }
    let io_problem = reports
        .iter()
        .any(|r| matches!(r.error, Some(fixtures::FixtureError::Io { .. })));
    let uncovered = args.require_coverage && cov.as_ref().is_some_and(|c| !c.uncovered.is_empty());
    let denied = args.deny_warnings && !warnings.as_slice().is_empty();
    if io_problem {
        super::EXIT_USAGE
    } else if !summary.all_passed() || uncovered || denied {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

fn print_human(out: &mut impl Write, r: &FileReport, args: &TestArgs) -> std::io::Result<()> {
    if let Some(e) = &r.error {
        writeln!(out, "error: {e}")?;
    }
    for c in &r.cases {
        match c.failure_text_with(args.explain == Explain::Full) {
            None if args.failures_only => {}
            None => writeln!(out, "ok   {}: {}", r.file, c.name)?,
            Some(text) => {
                writeln!(out, "FAIL {}:{}: {}", r.file, c.line, c.name)?;
                for line in text.lines() {
                    writeln!(out, "       {line}")?;
                }
            }
        }
    }
    Ok(())
}

fn print_human_end(
    out: &mut impl Write,
    cov: Option<&Coverage>,
    summary: &Summary,
) -> std::io::Result<()> {
    if let Some(cov) = cov {
        if cov.uncovered.is_empty() {
            writeln!(out, "coverage: all {} rule(s) reached", cov.total)?;
        } else {
            writeln!(
                out,
                "coverage: {} of {} rule(s) reached by no case:",
                cov.uncovered.len(),
                cov.total
            )?;
            for u in &cov.uncovered {
                writeln!(out, "  {}: {}  {}", u.decision, u.rule, u.location)?;
            }
        }
    }
    writeln!(out, "{summary}")
}

fn status(c: &CaseReport) -> &'static str {
    match c.outcome {
        Outcome::Passed => "ok",
        Outcome::Failed(_) => "fail",
        Outcome::Invalid(_) => "error",
    }
}

fn print_json(
    out: &mut impl Write,
    r: &FileReport,
    rules: &RuleSet,
    args: &TestArgs,
) -> std::io::Result<()> {
    if let Some(e) = &r.error {
        let line = obj! {
            "file": &r.file, "line": e.line(), "case": Json::Null, "decision": r.decision.clone(),
            "status": "error", "diff": vec![e.to_string()],
        };
        writeln!(out, "{line}")?;
    }
    for c in &r.cases {
        if args.failures_only && c.passed() {
            continue;
        }
        let diff: Vec<String> = c
            .failure_text_with(args.explain == Explain::Full)
            .map(|t| t.lines().map(String::from).collect())
            .unwrap_or_default();
        let mut line = obj! {
            "file": &r.file, "line": c.line, "case": &c.name, "decision": r.decision.clone(),
            "status": status(c), "diff": diff,
        };
        if let Some(d) = &c.result {
            line.insert("result", d.json(rules.checked()));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn print_json_end(
    out: &mut impl Write,
    cov: Option<&Coverage>,
    summary: &Summary,
) -> std::io::Result<()> {
    if let Some(cov) = cov {
        for u in &cov.uncovered {
            let line = obj! {"uncovered": obj! {
            "decision": &u.decision, "rule": &u.rule, "location": &u.location}};
            writeln!(out, "{line}")?;
        }
    }
    let line = obj! {"summary": obj! {
        "passed": summary.passed,
        "failed": summary.failed,
        "file_errors": summary.file_errors,
        "uncovered": cov.map(|c| c.uncovered.len()),
    }};
    writeln!(out, "{line}")
}
