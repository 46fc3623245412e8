//! `aftersales check [RULES] [--format human|json] [--deny-warnings]`.

use clap::{Args, ValueEnum};
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

/// Run `check`.
pub fn run(_args: &CheckArgs) -> u8 {
    super::EXIT_OK
}
