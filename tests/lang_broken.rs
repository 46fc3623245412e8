//! The corpus of broken rule files in `tests/lang/broken/`: each file says in its header
//! which diagnostic an author must see first, and where.
//!
//! ```text
//! # expect: E0001 8:5              code, then line:column of the first diagnostic
//! # message: found `than`          optional: a substring of its message
//! # help: did you mean `then`?     optional: a substring of its help
//! ```
//!
//! Each file is loaded as the CLI loads it (`load_path`), then, when the parse found no
//! errors, checked for duplicate names; the diagnostics are sorted by place and the first
//! one is compared with the header. Every `.rules` file of `tests/lang/spec/` (the
//! examples of LANGUAGE.md) must give no diagnostic at all.

use aftersales::check::duplicate_names;
use aftersales::diag::{Code, Diagnostics};
use aftersales::dsl::{self, Parsed};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lang/broken");
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lang/spec");

/// What a broken file's header asks for.
#[derive(Debug)]
struct Expect {
    code: String,
    line: usize,
    column: usize,
    message: Option<String>,
    help: Option<String>,
}

fn rule_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    files.sort();
    files
}

/// Read the `# expect:` / `# message:` / `# help:` lines at the top of a file.
fn header(text: &str) -> Result<Expect, String> {
    let mut expect: Option<(String, usize, usize)> = None;
    let mut message = None;
    let mut help = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some(rest) = line.strip_prefix("# ") else {
            break;
        };
        let Some((key, value)) = rest.split_once(':') else {
            break;
        };
        let value = value.trim();
        match key {
            "expect" => {
                let (code, place) = value
                    .split_once(' ')
                    .ok_or_else(|| format!("`# expect: {value}`: want `CODE LINE:COLUMN`"))?;
                let (l, c) = place
                    .split_once(':')
                    .ok_or_else(|| format!("`# expect: {value}`: want `CODE LINE:COLUMN`"))?;
                let l = l.parse().map_err(|_| format!("bad line in `{value}`"))?;
                let c = c.parse().map_err(|_| format!("bad column in `{value}`"))?;
                expect = Some((code.to_string(), l, c));
            }
            "message" => message = Some(value.to_string()),
            "help" => help = Some(value.to_string()),
            _ => break,
        }
    }
    let (code, line, column) = expect.ok_or("no `# expect: CODE LINE:COLUMN` header")?;
    Ok(Expect {
        code,
        line,
        column,
        message,
        help,
    })
}

/// Parse as `aftersales check` does: syntax first, duplicate names when the parse is clean.
fn diagnose(path: &Path) -> (Parsed, Diagnostics) {
    let parsed = dsl::load_path(path);
    let mut diags = parsed.diagnostics.clone();
    if !diags.has_errors() {
        diags.extend(duplicate_names(&parsed.files));
    }
    diags.sort();
    (parsed, diags)
}

/// Every diagnostic as `CODE line:col message [help: …]`, for failure messages.
fn describe(parsed: &Parsed, diags: &Diagnostics) -> String {
    let mut out = String::new();
    for d in diags.as_slice() {
        let place = d
            .span
            .map(|s| {
                let (l, c) = parsed.map.line_col(s.file, s.start);
                format!("{l}:{c}")
            })
            .unwrap_or_else(|| "-".into());
        let _ = write!(out, "\n    {} {place} {}", d.code, d.message);
        if let Some(h) = &d.help {
            let _ = write!(out, " [help: {h}]");
        }
    }
    if out.is_empty() {
        out.push_str("\n    (no diagnostics)");
    }
    out
}

/// Check one broken file; `Err` explains the difference.
fn check_broken(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let want = header(&text)?;
    let (parsed, diags) = diagnose(path);
    let shown = || describe(&parsed, &diags);
    let Some(first) = diags.as_slice().first() else {
        return Err(format!("expected {want:?}, got no diagnostics"));
    };
    let (line, column) = first
        .span
        .map(|s| parsed.map.line_col(s.file, s.start))
        .unwrap_or((0, 0));
    let mut problems = Vec::new();
    if first.code.as_str() != want.code || (line, column) != (want.line, want.column) {
        problems.push(format!(
            "expected {} {}:{}, first diagnostic is {} {line}:{column}",
            want.code, want.line, want.column, first.code
        ));
    }
    if let Some(m) = &want.message {
        if !first.message.contains(m.as_str()) {
            problems.push(format!("message should contain {m:?}"));
        }
    }
    if let Some(h) = &want.help {
        if !first.help.as_deref().unwrap_or("").contains(h.as_str()) {
            problems.push(format!("help should contain {h:?}"));
        }
    }
    if problems.is_empty() {
        Ok(first.code.as_str().to_string())
    } else {
        Err(format!("{}; produced:{}", problems.join("; "), shown()))
    }
}

#[test]
fn broken_files_give_the_expected_first_diagnostic() {
    let files = rule_files(BROKEN);
    let mut failures = Vec::new();
    for path in &files {
        if let Err(e) = check_broken(path) {
            let name = path.file_name().unwrap().to_string_lossy();
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} broken files did not give the expected diagnostic:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn broken_corpus_is_large_and_covers_every_parser_code() {
    let files = rule_files(BROKEN);
    assert!(
        files.len() >= 45,
        "only {} broken files in {BROKEN}",
        files.len()
    );
    let mut covered = BTreeSet::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let want = header(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        covered.insert(want.code);
    }
    // Every code the parser and `duplicate_names` can report for one file's text. The
    // loading codes (E0006 invalid UTF-8, E0007 too large, E0010 unreadable, E0011 empty
    // folder) need generated files and are in tests/robustness.rs. E0109 (unknown type)
    // is not reported by the parser.
    let reachable = [
        Code::Syntax,
        Code::UnterminatedString,
        Code::UnterminatedRegex,
        Code::InvalidEscape,
        Code::TooDeep,
        Code::InvalidLiteral,
        Code::InvalidCharacter,
        Code::RegexFlag,
        Code::Duplicate,
        Code::UnknownClause,
        Code::RepeatedClause,
        Code::MissingClause,
        Code::ClauseForm,
        Code::UnknownHitPolicy,
        Code::ThenForm,
        Code::UnknownAction,
        Code::UnknownUnit,
        Code::CodeRange,
    ];
    let missing: Vec<&str> = reachable
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(missing.is_empty(), "no broken file expects {missing:?}");
}

/// The corpus files that pin line:column under awkward encodings must keep them: an
/// editor or git setting that rewrote them would make those tests pass for nothing.
#[test]
fn broken_corpus_keeps_its_awkward_bytes() {
    let read = |name: &str| std::fs::read(Path::new(BROKEN).join(name)).unwrap();
    let crlf = read("crlf_than_for_then.rules");
    let lf = crlf.iter().filter(|b| **b == b'\n').count();
    let crlf_pairs = crlf.windows(2).filter(|w| w == b"\r\n").count();
    assert!(
        lf > 5 && crlf_pairs == lf,
        "crlf_than_for_then.rules must use CRLF line endings throughout"
    );

    let tab = String::from_utf8(read("tab_before_error.rules")).unwrap();
    let line = tab.lines().find(|l| l.contains("than action")).unwrap();
    assert!(line[..line.find("than action").unwrap()].contains('\t'));

    let utf8 = String::from_utf8(read("utf8_before_error.rules")).unwrap();
    let line = utf8.lines().find(|l| l.contains("than queue")).unwrap();
    let before = &line[..line.find("than queue").unwrap()];
    assert!(
        before.chars().count() < before.len(),
        "a multi-byte character must come before the error on its line"
    );
}

#[test]
fn spec_examples_give_no_diagnostics() {
    let files = rule_files(SPEC);
    assert!(files.len() >= 10, "spec examples missing from {SPEC}");
    let mut failures = Vec::new();
    for path in &files {
        let (parsed, diags) = diagnose(path);
        if !diags.is_empty() {
            failures.push(format!(
                "{}:{}",
                path.file_name().unwrap().to_string_lossy(),
                describe(&parsed, &diags)
            ));
        }
        assert!(
            !parsed.files.is_empty() && !parsed.files[0].items.is_empty(),
            "{} parsed to nothing",
            path.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The whole spec folder loads as one rule set too: no name is declared twice across the
/// examples (they are written to live together).
#[test]
fn spec_folder_loads_as_one_rule_set() {
    let (parsed, diags) = diagnose(Path::new(SPEC));
    assert_eq!(parsed.files.len(), rule_files(SPEC).len());
    assert!(diags.is_empty(), "{}", describe(&parsed, &diags));
}
