//! `aftersales test`: fixture files run against a rule set, with exit codes, a readable
//! diff for failures, diagnostics with file and line for malformed fixtures, JUnit XML and
//! rule coverage. The fixtures are in tests/data/fixtures/.

use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const RULES: &str = "tests/data/fixtures/rules";

fn test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .arg("test")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A file in the system's temporary folder, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(tag: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!(
            "aftersales-cli-test-{tag}-{}.xml",
            std::process::id()
        )))
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap_or("")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn passing_fixtures_exit_0_with_a_line_per_case_and_a_summary() {
    let out = test(&[RULES, "tests/data/fixtures/good"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(
        text.contains("ok   tests/data/fixtures/good/refund.yaml: a loyal customer gets 50\n"),
        "{text}"
    );
    // files of a folder in sorted order, each case in file order
    let refund = text.find("good/refund.yaml").unwrap_or(usize::MAX);
    let tags = text.find("good/tags.yaml").unwrap_or(0);
    assert!(refund < tags, "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("ok ")).count(), 5);
    assert_eq!(text.lines().last(), Some("5 passed, 0 failed"));
}

#[test]
fn the_bundled_fixtures_pass_with_the_defaults() {
    // RULES defaults to `rules` and FIXTURES to `tests/fixtures`
    let out = test(&[]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains("tests/fixtures/adjudicate.yaml"), "{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

#[test]
fn a_failing_case_shows_what_was_expected_and_what_came() {
    let out = test(&[RULES, "tests/data/fixtures/failing/refund.yaml"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(
        text.contains("ok   tests/data/fixtures/failing/refund.yaml: passes"),
        "{text}"
    );
    let expected = "\
FAIL tests/data/fixtures/failing/refund.yaml:7: wrong amount & rule
       output `amount`: expected \"USD 10.00\", got \"USD 50.00\"
       output `fault`: expected \"P0301\", got \"P0420\"
       rule: expected otherwise, got loyal
       explanation (the tests that decided; --explain full for all):
       tests/data/fixtures/rules/refunds.rules:16:10  loyal  has customer.lifetime_value  → true  (customer.lifetime_value = USD 1500.00)
       tests/data/fixtures/rules/refunds.rules:16:42  loyal  customer.lifetime_value >= USD 1000  → true  (customer.lifetime_value = USD 1500.00)
FAIL tests/data/fixtures/failing/refund.yaml:12: an error that does not come
       error: expected missing_root, got none (the decision gave otherwise)
       explanation (the tests that decided; --explain full for all):
       tests/data/fixtures/rules/refunds.rules:16:10  loyal  has customer.lifetime_value  → false  (customer.lifetime_value = absent)
";
    assert!(text.contains(expected), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 2 failed"));
}

#[test]
fn malformed_fixtures_are_reported_with_file_and_line_and_the_run_goes_on() {
    let out = test(&[RULES, "tests/data/fixtures/malformed"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    let dir = "tests/data/fixtures/malformed";
    // bad YAML: the parser's line and column
    assert!(
        text.contains(&format!("error: {dir}/bad_yaml.yaml:5:5: invalid YAML: ")),
        "{text}"
    );
    // an unknown decision, at its line, with a suggestion
    assert!(
        text.contains(&format!(
            "error: {dir}/unknown_decision.yaml:2: the rule set has no decision `refnd`; did you mean `refund`?"
        )),
        "{text}"
    );
    // the other case of a file with a bad case still runs
    assert!(
        text.contains(&format!("ok   {dir}/unknown_output.yaml: runs and passes")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{dir}/unknown_output.yaml:7: case `misspelt output`: decision `refund` has no output `amout`; did you mean `amount`?"
        )),
        "{text}"
    );
    // an expected value that is not of the output's type
    assert!(
        text.contains(&format!(
            "{dir}/wrong_type.yaml:3: case `money that is not money`: expected value of output `amount`: expected money such as"
        )),
        "{text}"
    );
    // facts that do not validate, without expect_error
    assert!(
        text.contains(&format!(
            "{dir}/wrong_type.yaml:7: case `facts that do not validate`: the facts do not validate"
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "customer.since: expected a date such as \"2026-01-31\", found \"yesterday\""
        ),
        "{text}"
    );
    // an unknown key: the line of the key itself
    assert!(
        text.contains(&format!(
            "{dir}/wrong_type.yaml:14: case `unknown key`: unknown key `expect_rules` in a case; did you mean `expect_rule`?"
        )),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("1 passed, 4 failed, 2 fixture file(s) with errors")
    );
}

#[test]
fn json_format_is_one_object_per_case() {
    let out = test(&[RULES, "tests/data/fixtures/failing", "--format", "json"]);
    assert_eq!(code(&out), 1);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    let statuses: Vec<&str> = lines
        .iter()
        .take(3)
        .map(|l| l["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["ok", "fail", "fail"]);
    assert_eq!(lines[1]["case"], "wrong amount & rule");
    assert_eq!(lines[1]["line"], 7);
    assert_eq!(lines[1]["decision"], "refund");
    assert_eq!(
        lines[1]["diff"][0],
        "output `amount`: expected \"USD 10.00\", got \"USD 50.00\""
    );
    assert_eq!(lines[1]["result"]["outputs"]["amount"], "USD 50.00");
    assert_eq!(lines[3]["summary"]["passed"], 1);
    assert_eq!(lines[3]["summary"]["failed"], 2);
}

/// An XML element: its name, its attributes and its text (entities decoded).
type Element = (String, Vec<(String, String)>, String);

/// A minimal XML reader: checks the document is well formed (tags balanced, attribute
/// values quoted, no raw `<` or stray `&` in text) and returns the elements as
/// (name, attributes, text) with entities decoded.
fn parse_xml(xml: &str) -> Vec<Element> {
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').expect("an entity ends with ;") + i;
            let ent = &rest[i + 1..end];
            let c = match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let n = ent.strip_prefix('#').expect("a known entity");
                    char::from_u32(n.parse().expect("a decimal reference")).expect("a char")
                }
            };
            out.push(c);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut stack: Vec<usize> = Vec::new();
    let mut elements: Vec<Element> = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        assert!(!text.contains('>'), "raw > in text: {text}");
        if let Some(&top) = stack.last() {
            elements[top].2.push_str(&unescape(text));
        } else {
            assert!(text.trim().is_empty(), "text outside the root: {text}");
        }
        if lt == rest.len() {
            break;
        }
        let gt = rest[lt..].find('>').expect("a tag ends") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().expect("a closing tag closes an open one");
            assert_eq!(elements[open].0, name, "tags balance");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut attrs = Vec::new();
        while !attrs_text.trim().is_empty() {
            let (k, v) = attrs_text
                .trim_start()
                .split_once("=\"")
                .expect("key=\"value\"");
            let end = v.find('"').expect("a closing quote");
            assert!(!v[..end].contains('<'), "raw < in an attribute");
            attrs.push((k.to_string(), unescape(&v[..end])));
            attrs_text = &v[end + 1..];
        }
        elements.push((name.to_string(), attrs, String::new()));
        if !self_closing {
            stack.push(elements.len() - 1);
        }
    }
    assert!(stack.is_empty(), "every tag is closed");
    elements
}

fn attr<'a>(e: &'a Element, key: &str) -> &'a str {
    e.1.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[test]
fn junit_is_well_formed_with_a_testcase_per_case_and_the_diff() {
    let junit = TempFile::new("junit");
    let out = test(&[
        RULES,
        "tests/data/fixtures/failing",
        "tests/data/fixtures/malformed/unknown_decision.yaml",
        "--junit",
        junit.path(),
    ]);
    assert_eq!(code(&out), 1);
    let xml = std::fs::read_to_string(&junit.0).expect("the report is written");
    let elements = parse_xml(&xml);
    let root = &elements[0];
    assert_eq!(root.0, "testsuites");
    assert_eq!(attr(root, "tests"), "4");
    assert_eq!(attr(root, "failures"), "2");
    assert_eq!(attr(root, "errors"), "1");
    let suites: Vec<&str> = elements
        .iter()
        .filter(|e| e.0 == "testsuite")
        .map(|e| attr(e, "name"))
        .collect();
    assert_eq!(
        suites,
        [
            "tests/data/fixtures/failing/refund.yaml",
            "tests/data/fixtures/malformed/unknown_decision.yaml"
        ]
    );
    let cases: Vec<&Element> = elements.iter().filter(|e| e.0 == "testcase").collect();
    assert_eq!(cases.len(), 4);
    assert_eq!(attr(cases[1], "name"), "wrong amount & rule");
    assert_eq!(attr(cases[1], "classname"), "refund");
    let failure = elements
        .iter()
        .find(|e| e.0 == "failure")
        .expect("a failure element");
    assert_eq!(
        attr(failure, "message"),
        "output `amount`: expected \"USD 10.00\", got \"USD 50.00\""
    );
    assert!(
        failure.2.starts_with(
            "output `amount`: expected \"USD 10.00\", got \"USD 50.00\"\n\
             output `fault`: expected \"P0301\", got \"P0420\"\n\
             rule: expected otherwise, got loyal\nexplanation:\n"
        ),
        "{}",
        failure.2
    );
    assert!(
        failure
            .2
            .contains("loyal  customer.lifetime_value >= USD 1000  → true"),
        "{}",
        failure.2
    );
    let error = elements
        .iter()
        .find(|e| e.0 == "error")
        .expect("an error element for the malformed file");
    assert!(error.2.contains("no decision `refnd`"), "{}", error.2);
}

#[test]
fn coverage_lists_the_rules_no_case_reached() {
    let out = test(&[RULES, "tests/data/fixtures/failing", "--coverage"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    let expected = "\
coverage: 2 of 4 rule(s) reached by no case:
  tags: first  tests/data/fixtures/rules/refunds.rules:23:3
  tags: tiered  tests/data/fixtures/rules/refunds.rules:24:3
";
    assert!(text.contains(expected), "{text}");

    // `otherwise` counts as its own entry
    let out = test(&[RULES, "tests/data/fixtures/good/tags.yaml", "--coverage"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "coverage alone never fails: {text}");
    assert!(
        text.contains("  refund: otherwise  tests/data/fixtures/rules/refunds.rules:18:3\n"),
        "{text}"
    );
}

#[test]
fn require_coverage_fails_only_when_a_rule_is_not_reached() {
    let out = test(&[RULES, "tests/data/fixtures/good", "--require-coverage"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("coverage: all 4 rule(s) reached"));

    let junit = TempFile::new("coverage");
    let out = test(&[
        RULES,
        "tests/data/fixtures/good/refund.yaml",
        "--require-coverage",
        "--junit",
        junit.path(),
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let xml = std::fs::read_to_string(&junit.0).expect("the report is written");
    let elements = parse_xml(&xml);
    let suite = elements
        .iter()
        .find(|e| e.0 == "testsuite" && attr(e, "name") == "coverage")
        .expect("a coverage suite");
    assert_eq!(attr(suite, "failures"), "2");
}

#[test]
fn paths_that_cannot_be_read_exit_2() {
    let out = test(&[RULES, "tests/data/fixtures/no_such_folder"]);
    assert_eq!(code(&out), 2);
    let out = test(&["no/such/rules", "tests/data/fixtures/good"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn a_rule_set_with_errors_exits_1() {
    let out = test(&["tests/lang/broken", "tests/data/fixtures/good"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
}

/// Issue #12, the CI face of `test`: each of these failed before.
#[test]
fn warnings_are_printed_and_denied_on_request() {
    let dir = std::env::temp_dir().join(format!("aftersales-cli-test-warn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // a decision without `otherwise` that some inputs fall through: a gap warning
    std::fs::write(
        dir.join("gap.rules"),
        "decision d { output x: int = 0\n  rule a when customer.id == \"K1\" then x = 1 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("d.yaml"),
        "decision: d\ncases:\n  - name: k1\n    facts: { customer: { id: K1 } }\n    expect: { x: 1 }\n",
    )
    .unwrap();
    let rules = dir.to_string_lossy().into_owned();
    let fixture = dir.join("d.yaml").to_string_lossy().into_owned();
    let out = test(&[&rules, &fixture]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("warning[E0302]") && err.contains("1 warning(s)"),
        "{err}"
    );
    let out = test(&[&rules, &fixture, "--deny-warnings"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("(denied)"), "{err}");
    assert!(
        stdout(&out).contains("1 passed, 0 failed"),
        "the cases still run"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_is_written_when_the_rules_do_not_load() {
    let junit = TempFile::new("junit-load");
    let out = test(&[
        "tests/lang/broken",
        "tests/data/fixtures/good",
        "--junit",
        junit.path(),
    ]);
    assert_eq!(code(&out), 1);
    let xml = std::fs::read_to_string(&junit.0).expect("the report is written");
    let elements = parse_xml(&xml);
    assert_eq!(attr(&elements[0], "errors"), "1");
    let case = elements.iter().find(|e| e.0 == "testcase").expect("a case");
    assert_eq!(attr(case, "name"), "the rule set loads");
    assert!(xml.contains("<error message=\"error[E"), "{xml}");
}

#[test]
fn failures_only_and_the_explanation_levels() {
    let out = test(&[
        RULES,
        "tests/data/fixtures/failing/refund.yaml",
        "--failures-only",
    ]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1);
    assert!(!text.contains("ok   "), "{text}");
    assert!(
        text.contains("FAIL tests/data/fixtures/failing/refund.yaml:7"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1 passed, 2 failed"));
    let full = stdout(&test(&[
        RULES,
        "tests/data/fixtures/failing/refund.yaml",
        "--explain",
        "full",
    ]));
    assert!(full.contains("       explanation:\n"), "{full}");
    assert!(!full.contains("the tests that decided"), "{full}");
}

#[test]
fn junit_cases_and_suites_carry_times() {
    let junit = TempFile::new("junit-time");
    let out = test(&[RULES, "tests/data/fixtures/good", "--junit", junit.path()]);
    assert_eq!(code(&out), 0);
    let xml = std::fs::read_to_string(&junit.0).expect("the report is written");
    for e in parse_xml(&xml) {
        if ["testsuites", "testsuite", "testcase"].contains(&e.0.as_str()) {
            let t: f64 = attr(&e, "time").parse().unwrap_or(-1.0);
            assert!(t >= 0.0, "{} has no time: {xml}", e.0);
        }
    }
}
