//! `aftersales doc [RULES] [--format md|html] [--out FILE]`: the warranty booklet of a rule
//! set ([`crate::host::booklet`]).

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The booklet's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown.
    Md,
    /// A standalone HTML page.
    Html,
}

/// Arguments of `aftersales doc`.
#[derive(Debug, Args)]
pub struct DocArgs {
    /// The rule set: a folder of `.rules` files, or one file.
    #[arg(default_value = "rules")]
    pub rules: PathBuf,
    /// The format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Write the booklet to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Run `doc`.
pub fn run(args: &DocArgs) -> u8 {
    let rules = match crate::RuleSet::load(&args.rules) {
        Ok(r) => r,
        Err(diags) => {
            eprintln!("{diags}");
            return super::EXIT_USAGE;
        }
    };
    let text = match args.format {
        Format::Md => crate::host::booklet::markdown(&rules),
        Format::Html => crate::host::booklet::html(&rules),
    };
    let written = match &args.out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => super::write_stdout(&text),
    };
    match written {
        Ok(()) => super::EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            super::EXIT_USAGE
        }
    }
}
