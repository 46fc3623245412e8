//! `aftersales fmt [PATHS...] [--check]`: rewrite rule files in the canonical layout
//! ([`crate::dsl::format`]); with `--check`, write nothing, print a unified diff of each
//! file that is not in it and exit 1. A file that does not parse is left as it is (exit 2).

use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `aftersales fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Rule files, or folders searched for `.rules` files.
    #[arg(default_value = "rules")]
    pub paths: Vec<PathBuf>,
    /// Write nothing: print a diff for each file not in the layout, and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() || p.extension().is_some_and(|e| e == "rules") {
                collect(&p, out)?;
            }
        }
        Ok(())
    } else if path.exists() {
        out.push(path.to_path_buf());
        Ok(())
    } else {
        Err(format!("{}: no such file or folder", path.display()))
    }
}

/// Run `fmt`.
pub fn run(args: &FmtArgs) -> u8 {
    let mut files = Vec::new();
    for p in &args.paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    }
    let (mut changed, mut broken) = (0usize, 0usize);
    let mut diffs = String::new();
    for f in &files {
        let text = match crate::read::text(f, crate::dsl::MAX_FILE_BYTES as u64) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                broken += 1;
                continue;
            }
        };
        let formatted = match crate::dsl::format(&text) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                broken += 1;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if args.check {
            let name = f.display().to_string();
            diffs.push_str(
                &similar::TextDiff::from_lines(&text, &formatted)
                    .unified_diff()
                    .context_radius(2)
                    .header(&name, &format!("{name} (formatted)"))
                    .to_string(),
            );
        } else if let Err(e) = std::fs::write(f, formatted) {
            eprintln!("error: cannot write {}: {e}", f.display());
            broken += 1;
        }
    }
    if let Err(e) = super::write_stdout(&diffs) {
        eprintln!("error: {e}");
        return super::EXIT_USAGE;
    }
    if args.check {
        eprintln!("{changed} of {} file(s) not formatted", files.len());
    } else {
        eprintln!("{changed} of {} file(s) reformatted", files.len());
    }
    if broken > 0 {
        super::EXIT_USAGE
    } else if args.check && changed > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
