//! Broken rule files for the checker's diagnostics (E02xx, and the analyses' E03xx): each
//! file in `tests/lang/checked/` starts with `# expect: CODE LINE:COL` (the first diagnostic after
//! sorting by place), optionally `# message: …` and `# help: …` substrings.

use std::path::{Path, PathBuf};

struct Expect {
    code: String,
    line: usize,
    col: usize,
    message: Option<String>,
    help: Option<String>,
}

fn expectation(text: &str) -> Expect {
    let mut e = Expect {
        code: String::new(),
        line: 0,
        col: 0,
        message: None,
        help: None,
    };
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("# expect: ") {
            let (code, pos) = rest.split_once(' ').expect("`# expect: CODE L:C`");
            let (line, col) = pos.trim().split_once(':').expect("L:C");
            e.code = code.to_string();
            e.line = line.parse().expect("line");
            e.col = col.parse().expect("col");
        } else if let Some(rest) = l.strip_prefix("# message: ") {
            e.message = Some(rest.to_string());
        } else if let Some(rest) = l.strip_prefix("# help: ") {
            e.help = Some(rest.to_string());
        }
    }
    assert!(!e.code.is_empty(), "no `# expect:` line");
    e
}

fn files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/checked");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/lang/checked")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_checked_broken_file_reports_its_diagnostic_at_its_place() {
    let files = files();
    assert!(files.len() >= 25, "only {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let want = expectation(&text);
        let (parsed, _env, diags) = aftersales::load::check_path(path);
        let Some(d) = diags.as_slice().first() else {
            failures.push(format!("{}: no diagnostic", path.display()));
            continue;
        };
        let (line, col) = d
            .span
            .map(|s| parsed.map.line_col(s.file, s.start))
            .unwrap_or((0, 0));
        let mut problems = Vec::new();
        if d.code.as_str() != want.code || (line, col) != (want.line, want.col) {
            problems.push(format!(
                "expected {} at {}:{}, got {} at {}:{}",
                want.code, want.line, want.col, d.code, line, col
            ));
        }
        if let Some(m) = &want.message {
            if !d.message.contains(m.as_str()) {
                problems.push(format!("message {:?} lacks {:?}", d.message, m));
            }
        }
        if let Some(h) = &want.help {
            if !d.help.as_deref().unwrap_or("").contains(h.as_str()) {
                problems.push(format!("help {:?} lacks {:?}", d.help, h));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n{}",
                path.display(),
                problems.join("; "),
                d.render(&parsed.map, false)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_checker_code_has_a_broken_file() {
    let mut covered = std::collections::BTreeSet::new();
    for path in files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        covered.insert(expectation(&text).code);
    }
    for code in aftersales::diag::Code::ALL {
        let c = code.as_str();
        if c.starts_with("E02") || c.starts_with("E03") {
            assert!(
                covered.contains(c),
                "no broken file in tests/lang/checked for {c}"
            );
        }
    }
}
