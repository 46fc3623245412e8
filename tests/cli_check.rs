//! `aftersales check` as CI jobs and editors call it (DESIGN.md, CLI contract): exit 0
//! when clean, 1 on findings, 2 when the rule set cannot be read; `--format json` prints
//! one JSON object per diagnostic on stdout, human output goes to stderr.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_aftersales");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn check(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("check")
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("cannot run the aftersales binary")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("killed by a signal")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is not UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is not UTF-8")
}

/// Every stdout line as a JSON object.
fn json_lines(out: &Output) -> Vec<serde_json::Map<String, Value>> {
    stdout(out)
        .lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(m)) => m,
            other => panic!("not a JSON object: {l:?} ({other:?})"),
        })
        .collect()
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("aftersales-cli-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn clean_rule_set_exits_0() {
    let out = check(&["tests/lang/spec"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "human output belongs on stderr");
    let files = std::fs::read_dir(Path::new(ROOT).join("tests/lang/spec"))
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            p.extension().is_some_and(|x| x == "rules")
        })
        .count();
    let err = stderr(&out);
    let summary = format!("{files} file(s), 0 error(s), 0 warning(s)");
    assert!(err.contains(&summary), "{err}");
}

#[test]
fn clean_rule_set_in_json_prints_nothing() {
    let out = check(&["tests/lang/spec", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn broken_file_exits_1_with_the_diagnostic_on_stderr() {
    let out = check(&["tests/lang/broken/syntax_than_for_then.rules"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains("error[E0001]: expected `then`"), "{err}");
    assert!(err.contains("found `than`"), "{err}");
    assert!(
        err.contains("tests/lang/broken/syntax_than_for_then.rules:8:5"),
        "{err}"
    );
    assert!(err.contains("did you mean `then`?"), "{err}");
    assert!(err.contains("1 file(s), 1 error(s), 0 warning(s)"), "{err}");
}

#[test]
fn duplicate_names_are_findings_too() {
    let out = check(&["tests/lang/broken/duplicate_warranty.rules"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("error[E0101]"), "{}", stderr(&out));
}

#[test]
fn missing_path_exits_2() {
    let out = check(&["tests/lang/no-such-folder"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("E0010"), "{}", stderr(&out));
}

#[test]
fn empty_folder_exits_2() {
    let dir = TempDir::new("empty");
    std::fs::write(dir.0.join("README.md"), "no rules yet\n").unwrap();
    let out = check(&[dir.path()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("E0011"), "{}", stderr(&out));

    let out = check(&[dir.path(), "--format", "json"]);
    assert_eq!(code(&out), 2);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["code"], "E0011");
    assert_eq!(lines[0]["file"], dir.path());
    assert!(lines[0]["line"].is_null() && lines[0]["column"].is_null());
}

#[test]
fn json_is_one_object_per_diagnostic_with_the_documented_keys() {
    let out = check(&["tests/lang/broken", "--format", "json"]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert!(lines.len() >= 45, "one line per broken file at least");
    let required = [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
    ];
    let mut seen_help = false;
    let mut seen_related = false;
    for obj in &lines {
        for k in required {
            assert!(obj.contains_key(k), "no `{k}` in {obj:?}");
        }
        for k in obj.keys() {
            assert!(
                required.contains(&k.as_str()) || k == "help" || k == "related",
                "unexpected key `{k}` in {obj:?}"
            );
        }
        let code = obj["code"].as_str().unwrap();
        assert!(
            code.len() == 5
                && code.starts_with('E')
                && code[1..].bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
        assert!(matches!(
            obj["severity"].as_str(),
            Some("error" | "warning")
        ));
        assert!(!obj["message"].as_str().unwrap().is_empty());
        let file = obj["file"].as_str().unwrap();
        assert!(Path::new(ROOT).join(file).is_file(), "{file}");
        let n = |k: &str| {
            obj[k]
                .as_u64()
                .unwrap_or_else(|| panic!("`{k}` is not a number in {obj:?}"))
        };
        assert!(n("line") >= 1 && n("column") >= 1);
        assert!((n("end_line"), n("end_column")) >= (n("line"), n("column")));
        if let Some(h) = obj.get("help") {
            seen_help = true;
            assert!(!h.as_str().unwrap().is_empty());
        }
        if let Some(r) = obj.get("related") {
            seen_related = true;
            for rel in r.as_array().unwrap() {
                assert!(rel["line"].as_u64().unwrap() >= 1);
                assert!(rel["column"].as_u64().unwrap() >= 1);
                assert!(rel["file"].is_string() && rel["message"].is_string());
            }
        }
    }
    assert!(seen_help && seen_related);
    // JSON is for machines: nothing human on stdout, the summary stays off it
    assert!(!stdout(&out).contains("file(s)"));
}

#[test]
fn json_places_are_those_of_the_source() {
    let out = check(&[
        "tests/lang/broken/utf8_before_error.rules",
        "--format",
        "json",
    ]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let d = &lines[0];
    assert_eq!(d["code"], "E0001");
    assert_eq!(d["file"], "tests/lang/broken/utf8_before_error.rules");
    // `than` after `"Café – crème"`: columns in characters
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(42))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(6), Some(46))
    );
    assert_eq!(d["help"], "did you mean `then`?");

    let out = check(&[
        "tests/lang/broken/duplicate_rule_id.rules",
        "--format",
        "json",
    ]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let rel = &lines[0]["related"][0];
    assert_eq!(
        (rel["line"].as_u64(), rel["column"].as_u64()),
        (Some(5), Some(8))
    );
    assert_eq!(rel["message"], "first declared here");
}

#[test]
fn deny_warnings_passes_a_clean_rule_set() {
    // The parser reports no warnings yet; a clean rule set stays clean.
    let out = check(&["tests/lang/spec", "--deny-warnings"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = check(&["tests/lang/broken/clause_covres.rules", "--deny-warnings"]);
    assert_eq!(code(&out), 1);
}

/// The static analyses (E0301–E0303) are findings of `check` like any other: warnings for
/// unreachable rules and gaps (exit 0, or 1 with `--deny-warnings`), an error for a proven
/// overlap, each with its example bundle in the help as one line of JSON.
#[test]
fn analyses_are_reported_by_check_in_both_formats() {
    let dir = TempDir::new("analysis");
    let file = format!("{}/a.rules", dir.path());
    std::fs::write(
        &file,
        "decision d {\n  output x: int = 0\n  rule a when product.owner == original then x = 1\n  \
         rule b when product.owner == original then x = 2\n}\n",
    )
    .unwrap();
    let out = check(&[&file, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = json_lines(&out);
    let codes: Vec<&str> = lines.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["E0302", "E0301"], "{lines:?}");
    let help = lines[0]["help"].as_str().unwrap();
    let example = help
        .strip_prefix("for example: ")
        .and_then(|h| h.split("; ").next())
        .unwrap();
    let bundle: Value = serde_json::from_str(example).unwrap();
    assert_ne!(bundle["product"]["owner"], "original");
    assert!(lines[1]["message"]
        .as_str()
        .unwrap()
        .contains("earlier rule `a` takes all its inputs"));
    assert_eq!(code(&check(&[&file, "--deny-warnings"])), 1);

    std::fs::write(
        &file,
        "decision d hit unique {\n  output x: int = 0\n  rule a when product.owner == original then x = 1\n  \
         rule b when product.owner != fleet then x = 2\n  otherwise x = 0\n}\n",
    )
    .unwrap();
    let out = check(&[&file]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("error[E0303]"), "{err}");
    assert!(err.contains("a.rules:4:3"), "{err}");
}
