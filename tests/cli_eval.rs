//! `aftersales eval`: one JSON line per input record, in order, an error line in place of a
//! record that cannot be evaluated, exit 1 if any failed; the same results from JSONL,
//! JSON and YAML input and from standard input.

use std::io::Write;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn eval(args: &[&str], stdin: Option<&str>) -> (i32, Vec<serde_json::Value>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftersales"));
    cmd.current_dir(ROOT)
        .arg("eval")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    // write standard input from another thread, so that a large input cannot deadlock
    // against the output filling its pipe
    let feeder = child.stdin.take().map(|mut pipe| {
        let text = stdin.unwrap_or("").to_string();
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        })
    });
    let out = child.wait_with_output().expect("finishes");
    if let Some(f) = feeder {
        f.join().expect("stdin written");
    }
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check_results(lines: &[serde_json::Value]) {
    assert_eq!(lines.len(), 4, "{lines:?}");
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["C1", "C2", "C3", "C4"], "input order is kept");
    assert_eq!(lines[0]["outputs"]["action"], "accept");
    assert_eq!(lines[0]["outputs"]["reason"], "ACCEPTED");
    assert_eq!(lines[0]["rules"], serde_json::json!([]));
    assert_eq!(lines[1]["outputs"]["action"], "reject");
    assert_eq!(lines[1]["outputs"]["reason"], "LATE_SUBMISSION");
    assert_eq!(lines[1]["rules"], serde_json::json!(["late_submission"]));
    assert_eq!(lines[2]["outputs"]["action"], "review");
    assert_eq!(lines[2]["outputs"]["reason"], "LABOR_OVER");
    assert_eq!(lines[2]["decision"], "adjudicate");
    // the bad record: an error line in its place, naming the path
    assert_eq!(lines[3]["error"]["code"], "missing_field");
    assert_eq!(lines[3]["error"]["path"], "product.market");
    assert!(lines[3]["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("unknown code \"P9999\""));
}

#[test]
fn jsonl_json_and_yaml_inputs_give_the_same_lines() {
    for input in ["claims_with_bad.jsonl", "claims.json", "claims.yaml"] {
        let path = format!("tests/data/eval/{input}");
        let (code, lines, err) = eval(
            &[
                "--decision",
                "adjudicate",
                "--input",
                &path,
                "--today",
                "2026-03-01",
            ],
            None,
        );
        assert_eq!(code, 1, "{input}: {err}");
        check_results(&lines);
        assert!(err.contains("4 record(s), 3 evaluated, 1 failed"), "{err}");
        // standard error is a pipe here: no progress bar, not a byte of one
        assert!(
            !err.contains('\u{1b}') && !err.contains('\r') && !err.contains('█'),
            "{err:?}"
        );
    }
}

#[test]
fn standard_input_is_sniffed() {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/data/eval/claims_with_bad.jsonl"))
        .expect("data");
    let (code, lines, _) = eval(
        &["rules", "--decision", "adjudicate", "--today", "2026-03-01"],
        Some(&text),
    );
    assert_eq!(code, 1);
    check_results(&lines);
}

#[test]
fn the_bundled_example_evaluates_cleanly() {
    for (decision, input, n) in [
        ("adjudicate", "claims", 16),
        ("coverage", "claims", 16),
        ("recovery", "claims", 16),
        ("recalls", "claims", 16),
        ("return_authorization", "returns", 8),
        ("disposition", "returns", 8),
        ("segment", "contacts", 3),
        ("routing", "contacts", 3),
        ("reports", "notices", 2),
        ("opportunities", "opportunities", 2),
    ] {
        let input = format!("rules/examples/{input}.jsonl");
        let (code, lines, err) = eval(
            &[
                "--decision",
                decision,
                "--input",
                &input,
                "--today",
                "2026-03-01",
            ],
            None,
        );
        assert_eq!(code, 0, "{decision}: {err}");
        assert_eq!(lines.len(), n);
        assert!(lines.iter().all(|l| l.get("error").is_none()), "{lines:?}");
    }
}

#[test]
fn the_bundled_example_claims_show_every_adjudication_outcome() {
    let (code, lines, err) = eval(
        &[
            "--decision",
            "adjudicate",
            "--input",
            "rules/examples/claims.jsonl",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let reasons: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["outputs"]["reason"].as_str().unwrap_or(""))
        .collect();
    // every code of the `reject_reason` table (rules/10_codes.rules)
    for code in [
        "ACCEPTED",
        "CAMPAIGN",
        "NO_CLAIM_TYPE",
        "BEFORE_IN_SERVICE",
        "LATE_SUBMISSION",
        "NO_COST",
        "DUPLICATE",
        "NOT_IN_CAMPAIGN",
        "OPEN_RECALL",
        "GOODWILL",
        "NOT_COVERED",
        "LABOR_OVER",
    ] {
        assert!(
            reasons.contains(code),
            "no example claim gives {code}: {reasons:?}"
        );
    }
    let actions: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["outputs"]["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions.into_iter().collect::<Vec<_>>(),
        ["accept", "reject", "review"]
    );
    // a claim on a recalled product becomes a campaign claim
    let c7 = lines
        .iter()
        .find(|l| l["id"] == "C7")
        .cloned()
        .unwrap_or_default();
    assert_eq!(c7["outputs"]["claim_type"], "RC", "{c7}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = eval(
        &[
            "--decision",
            "adjudicat",
            "--input",
            "rules/examples/claims.jsonl",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `adjudicate`?"), "{err}");
    let (code, _, err) = eval(
        &["--decision", "adjudicate", "--input", "no/such/file.jsonl"],
        None,
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn many_records_keep_their_order_across_parallel_batches() {
    let samples: Vec<serde_json::Value> =
        std::fs::read_to_string(format!("{ROOT}/tests/data/eval/claims_with_bad.jsonl"))
            .expect("data")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
    let n = 9_001; // more than two batches of 4,096
    let mut text = String::new();
    for i in 0..n {
        let mut rec = samples[i % samples.len()].clone();
        rec["id"] = serde_json::Value::String(format!("R{i}"));
        text.push_str(&rec.to_string());
        text.push('\n');
    }
    let (code, lines, err) = eval(
        &["--decision", "adjudicate", "--today", "2026-03-01"],
        Some(&text),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines.len(), n);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["id"].as_str(), Some(format!("R{i}").as_str()), "line {i}");
        assert_eq!(
            l.get("error").is_some(),
            i % samples.len() == 3,
            "line {i}: {l}"
        );
    }
    let failed = (0..n).filter(|i| i % samples.len() == 3).count();
    assert!(
        err.contains(&format!(
            "{n} record(s), {} evaluated, {failed} failed",
            n - failed
        )),
        "{err}"
    );
}

/// A line that is not UTF-8 is a record that fails in its place (a `syntax` error line),
/// first line included, from a file or standard input, and every other record goes on.
#[test]
fn a_line_that_is_not_utf8_fails_alone() {
    let good = r#"{"id": "G", "product": {"serial": "S1", "model": "IONIQ 5", "in_service_date": "2024-01-10", "owner": "original", "market": "us"}, "claim": {"id": "C1", "claim_type": "WR", "fault": "P0301", "repair_date": "2026-02-20", "odometer": "20000 mi", "parts": "USD 100.00"}}"#;
    let mut bytes = Vec::new();
    for i in 0..5_000 {
        if i % 1_000 == 0 {
            bytes.extend_from_slice(b"{\"id\": \"B\xff\"}\n");
        } else {
            bytes.extend_from_slice(good.replace("\"G\"", &format!("\"G{i}\"")).as_bytes());
            bytes.push(b'\n');
        }
    }
    let dir = std::env::temp_dir().join(format!("aftersales-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("in.jsonl");
    std::fs::write(&path, &bytes).expect("written");
    for from_file in [true, false] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftersales"));
        cmd.current_dir(ROOT)
            .args(["eval", "--decision", "adjudicate", "--today", "2026-03-01"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if from_file {
            cmd.arg("--input").arg(&path).stdin(Stdio::null());
        } else {
            cmd.stdin(std::fs::File::open(&path).expect("open"));
        }
        let out = cmd.output().expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(lines.len(), 5_000);
        for (i, l) in lines.iter().enumerate() {
            if i % 1_000 == 0 {
                assert_eq!(l["error"]["code"], "syntax", "{l}");
                assert!(l["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("not UTF-8")));
            } else {
                assert_eq!(l["id"], format!("G{i}"), "{l}");
                assert!(l.get("outputs").is_some(), "{l}");
            }
        }
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("5000 record(s), 4995 evaluated, 5 failed"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
