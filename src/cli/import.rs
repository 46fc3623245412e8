//! `aftersales import nhtsa-recalls FILE [--out DIR]`: NHTSA recall records as `recall`
//! items. Parsing arguments and printing only; the import is
//! [`crate::host::recalls`].
//!
//! The rule text goes to `DIR/recalls_nhtsa.rules` with `--out`, else to stdout. Each line
//! that could not be read is reported on stderr as `FILE:LINE: what is wrong`, then a
//! summary `imported N recalls from M records (K lines skipped)`. Exit 0, 1 when a line
//! was skipped (the rest is still written), 2 on an I/O error.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::host::recalls::{group_campaigns, parse_flat_bytes, write_rules, write_rules_parts};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// The name of the file written into `--out DIR`.
pub const NHTSA_RULES_FILE: &str = "recalls_nhtsa.rules";

/// Arguments of `aftersales import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What to import.
    #[command(subcommand)]
    pub source: ImportSource,
}

/// The sources `aftersales import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// NHTSA recall flat file (FLAT_RCL, 24 or 27 tab-separated fields) → `recall` items.
    NhtsaRecalls(NhtsaArgs),
}

/// Arguments of `aftersales import nhtsa-recalls`.
#[derive(Debug, Args)]
pub struct NhtsaArgs {
    /// The flat file (FLAT_RCL.txt or an extract of it).
    pub file: PathBuf,
    /// Write DIR/recalls_nhtsa.rules (DIR is created) instead of printing to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Run `import`; returns the exit code.
pub fn run(args: &ImportArgs) -> u8 {
    match &args.source {
        ImportSource::NhtsaRecalls(a) => match nhtsa(a) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("error: {message}");
                EXIT_USAGE
            }
        },
    }
}

fn nhtsa(args: &NhtsaArgs) -> Result<u8, String> {
    let bytes = crate::read::bytes(&args.file, crate::read::MAX_INPUT_BYTES)?;
    let file = parse_flat_bytes(&bytes);
    let campaigns = group_campaigns(&file.records);
    let source = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    match &args.out {
        Some(dir) => {
            let parts = write_rules_parts(&campaigns, &source, crate::dsl::MAX_FILE_BYTES)?;
            write_out(dir, &parts)?;
        }
        None => {
            let text = write_rules(&campaigns, &source);
            if text.len() > crate::dsl::MAX_FILE_BYTES {
                eprintln!(
                    "warning: the output is {} bytes, more than one rule file may hold ({} bytes); \
                     use --out DIR to write it as several files",
                    text.len(),
                    crate::dsl::MAX_FILE_BYTES
                );
            }
            super::write_stdout(&text)?;
        }
    }
    for problem in &file.problems {
        eprintln!("{}:{}: {problem}", args.file.display(), problem.line());
    }
    eprintln!(
        "imported {} recalls from {} records ({} lines skipped)",
        campaigns.len(),
        file.records.len(),
        file.problems.len()
    );
    Ok(if file.problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

/// Write the parts: `recalls_nhtsa.rules` when there is one, else `recalls_nhtsa_001.rules`
/// and on, each under the rule file limit; the files of an earlier import are removed first
/// (they would declare the same recalls twice).
fn write_out(dir: &Path, parts: &[String]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stem = NHTSA_RULES_FILE.trim_end_matches(".rules");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let earlier = name == NHTSA_RULES_FILE
                || name
                    .strip_prefix(&format!("{stem}_"))
                    .and_then(|r| r.strip_suffix(".rules"))
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if earlier {
                let p = e.path();
                std::fs::remove_file(&p)
                    .map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
            }
        }
    }
    for (i, text) in parts.iter().enumerate() {
        let path = if parts.len() == 1 {
            dir.join(NHTSA_RULES_FILE)
        } else {
            dir.join(format!("{stem}_{:03}.rules", i + 1))
        };
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
