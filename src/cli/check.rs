//! `aftersales check [RULES] [--format human|json] [--deny-warnings]`.

use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rendered for people, on stderr.
    Human,
    /// One JSON object per line, on stdout.
    Json,
}

/// Arguments of `aftersales check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) on warnings as well as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Run `check`: print every diagnostic, then exit 0 (clean), 1 (errors, or warnings with
/// `--deny-warnings`) or 2 (the rule set could not be read).
pub fn run(args: &CheckArgs) -> u8 {
    // as `crate::load::check_path`, but the syntax trees are dropped once checked, before the
    // decisions are compiled and analysed, so that a large rule set's trees and compiled
    // form are never in memory together
    let mut parsed = crate::check::with_prelude();
    crate::dsl::load_path_into(&mut parsed, &args.rules);
    let (checked, diags) = crate::check::check_full(&parsed);
    // the prelude is not the author's file
    let files = parsed.files.len().saturating_sub(1);
    let map = parsed.map;
    drop(parsed.files);
    let (_, diags) =
        crate::load::compile_checked(&checked, &map, diags, &crate::load::Stages::default());
    drop(checked);
    let io_problem = diags.as_slice().iter().any(|d| d.code.is_unreadable());
    match args.format {
        Format::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for d in diags.as_slice() {
                let _ = writeln!(out, "{}", d.json(&map));
            }
        }
        Format::Human => {
            let color = std::io::stderr().is_terminal();
            let mut err = std::io::stderr().lock();
            for d in diags.as_slice() {
                let _ = writeln!(err, "{}", d.render(&map, color));
            }
            let _ = writeln!(
                err,
                "{}: {} file(s), {} error(s), {} warning(s)",
                args.rules.display(),
                files,
                diags.error_count(),
                diags.warning_count()
            );
        }
    }
    if io_problem {
        super::EXIT_USAGE
    } else if diags.has_errors() || (args.deny_warnings && diags.warning_count() > 0) {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
