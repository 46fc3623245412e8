//! Issue #12, "no silent wrong answer": each test here failed on the code before its fix.
//! - `--today` / `--now` are honoured by `eval` (the clock's date used to win);
//! - a user `decision` named like a lowered decision is the user's decision, or an E0101
//!   when an item lowers to the same name (it used to be silently replaced);
//! - facts validated against one rule set are refused by a rule set whose schemas differ
//!   (they used to be misread).

use aftersales::facts::Facts;
use aftersales::RuleSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[path = "../benches/common/mod.rs"]
mod common;

/// A folder in the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("aftersales-trust-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        TempDir(dir)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("written");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[path = "support/run.rs"]
mod run;
use run::run_in;

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    run_in(None, args, stdin)
}

/// The `phase` output of each result line.
fn phases(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            v["outputs"]["phase"].as_str().unwrap_or("?").to_string()
        })
        .collect()
}

const ASOF: &str = r#"
decision asof {
  output phase: text = "none"
  rule spring effective 2026-01-01..2026-06-30 when customer.id != "" then phase = "spring"
}
"#;

#[test]
fn eval_honours_today_and_now_and_the_bundle_context_wins() {
    let dir = TempDir::new("today");
    let rules = dir.write("asof.rules", ASOF);
    // the first record has no context; the second gives its own day, outside the window
    let jsonl = "{\"customer\":{\"id\":\"K1\"}}\n{\"customer\":{\"id\":\"K2\"},\"context\":{\"today\":\"2026-12-01\"}}\n";
    let json = "[{\"customer\":{\"id\":\"K1\"}},\n {\"customer\":{\"id\":\"K2\"},\"context\":{\"today\":\"2026-12-01\"}}]\n";
    let yaml = "- customer: { id: K1 }\n- customer: { id: K2 }\n  context: { today: 2026-12-01 }\n";
    let files = [
        dir.write("in.jsonl", jsonl),
        dir.write("in.json", json),
        dir.write("in.yaml", yaml),
    ];
    for flags in [["--today", "2026-03-01"], ["--now", "2026-03-01T10:00:00Z"]] {
        for (text, file) in [jsonl, json, yaml].iter().zip(&files) {
            let base = [
                "eval",
                rules.as_str(),
                "--decision",
                "asof",
                flags[0],
                flags[1],
            ];
            let (code, out, err) = run(&[&base[..], &["--input", "-"]].concat(), text);
            assert_eq!(code, 0, "{err}");
            assert_eq!(phases(&out), ["spring", "none"], "stdin, {flags:?}: {text}");
            let (code, out, err) = run(&[&base[..], &["--input", file.as_str()]].concat(), "");
            assert_eq!(code, 0, "{err}");
            assert_eq!(phases(&out), ["spring", "none"], "{file}, {flags:?}");
        }
    }
    // `--today` wins over the day of `--now`
    let (_, out, _) = run(
        &[
            "eval",
            &rules,
            "--decision",
            "asof",
            "--now",
            "2026-12-01T10:00:00Z",
            "--today",
            "2026-03-01",
        ],
        jsonl,
    );
    assert_eq!(phases(&out), ["spring", "none"]);
}

#[test]
fn the_context_defaults_keep_a_day_the_host_set() {
    let rules = RuleSet::from_sources([("asof.rules".to_string(), ASOF.to_string())]).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let later = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap();
    let facts = Facts::from_json_str(rules.env(), r#"{"customer": {"id": "K1"}}"#)
        .unwrap()
        .with_today(day)
        .with_context_defaults(later);
    assert_eq!(facts.today(), Some(day));
    let d = rules.decide("asof", &facts).unwrap();
    assert_eq!(d.rules, ["spring"]);
}

const USER_ROUTING: &str = r#"
decision routing {
  output q: text = "none"
  rule gold when has customer.tier and customer.tier == "gold" then q = "vip"
}
"#;

#[test]
fn a_user_decision_named_like_a_lowered_one_is_the_users_decision() {
    for name in [
        "routing",
        "coverage",
        "recovery",
        "segment",
        "recalls",
        "reports",
        "opportunities",
        "return_authorization",
        "disposition",
    ] {
        let text = USER_ROUTING.replace("routing", name);
        let rules = RuleSet::from_sources([("u.rules".to_string(), text)])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let facts =
            Facts::from_json_str(rules.env(), r#"{"customer": {"id": "K1", "tier": "gold"}}"#)
                .unwrap();
        let d = rules
            .decide(name, &facts)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.rules, ["gold"], "{name}");
        assert!(!d.no_match, "{name}");
    }
}

#[test]
fn a_user_decision_and_an_item_of_the_same_name_are_a_duplicate() {
    let items = [
        (
            "routing",
            "queue q1 \"Q\" {}\nroute complaint { otherwise queue = q1, priority = p3 }",
        ),
        ("coverage", "warranty basic { term 36 months covers all }"),
        ("recovery", "split default { remainder oem }"),
        (
            "recalls",
            "recall R1 \"r\" { affects product.serial == \"x\" severity safety }",
        ),
    ];
    for (name, item) in items {
        let text = format!("{}\n{item}\n", USER_ROUTING.replace("routing", name));
        let err = RuleSet::from_sources([("u.rules".to_string(), text)])
            .expect_err(name)
            .to_string();
        assert!(err.contains("E0101"), "{name}: {err}");
        assert!(
            err.contains(&format!("decision `{name}` is declared twice")),
            "{name}: {err}"
        );
        assert!(
            err.contains("u.rules:2:10"),
            "{name}: the user's decision is pointed at: {err}"
        );
    }
}

const REGION_US_EU: &str = r#"
extend product { region: enum { us, eu } }
decision market {
  output label: text = "other"
  rule us when product.region == us then label = "US"
  rule eu when product.region == eu then label = "EU"
}
"#;

#[test]
fn facts_of_another_rule_set_are_refused_not_misread() {
    let load =
        |text: &str| RuleSet::from_sources([("m.rules".to_string(), text.to_string())]).unwrap();
    let before = load(REGION_US_EU);
    let after = load(&REGION_US_EU.replace("enum { us, eu }", "enum { eu, us }"));
    let bundle = r#"{"product": {"serial": "S1", "model": "M", "in_service_date": "2024-01-01",
        "owner": "original", "region": "us"}}"#;
    let facts = Facts::from_json_str(before.env(), bundle).unwrap();
    assert_eq!(before.decide("market", &facts).unwrap().rules, ["us"]);

    // a hot swap to rules whose enum is reordered: the old facts are refused
    let err = after.decide("market", &facts).unwrap_err();
    assert_eq!(err.code(), "foreign_facts", "{err}");
    let err = after.explain("market", &facts).unwrap_err();
    assert_eq!(err.code(), "foreign_facts");
    let h = after.handle("market").unwrap();
    assert_eq!(
        after.decide_with(h, &facts).unwrap_err().code(),
        "foreign_facts"
    );

    // facts built after the swap are decided right
    let fresh = Facts::from_json_str(after.env(), bundle).unwrap();
    assert_eq!(after.decide("market", &fresh).unwrap().rules, ["us"]);

    // two loads of the same rules are compatible
    let again = load(REGION_US_EU);
    assert_eq!(again.decide("market", &facts).unwrap().rules, ["us"]);
}

const COLLECT_MIN: &str = r#"
decision lowest hit collect min {
  output n: int
  rule gold when has customer.tier and customer.tier == "gold" then n = 3
  rule any_tier when has customer.tier then n = 7
  otherwise n = 10
}
decision reads_lowest {
  output big: bool = false
  rule r when lowest.n > 5 then big = true
}
decision highest hit collect max {
  output n: int = 42
  rule tier when has customer.tier then n = 3
}
"#;

#[test]
fn collect_min_with_otherwise_always_has_a_value_and_a_default_is_kept_on_no_match() {
    // `lowest.n` is read without a `has` guard: it always has a value (was E0207)
    let rules = RuleSet::from_sources([("c.rules".to_string(), COLLECT_MIN.to_string())])
        .unwrap_or_else(|e| panic!("{e}"));
    let decide = |name: &str, bundle: &str| {
        let facts = Facts::from_json_str(rules.env(), bundle).unwrap();
        let d = rules.decide(name, &facts).unwrap();
        let json = serde_json::to_value(d.to_json(rules.checked())).unwrap();
        json
    };
    let gold = r#"{"customer": {"id": "K1", "tier": "gold"}}"#;
    let none = r#"{"customer": {"id": "K2"}}"#;
    assert_eq!(decide("lowest", gold)["outputs"]["n"], 3);
    assert_eq!(decide("lowest", none)["outputs"]["n"], 10);
    assert_eq!(decide("reads_lowest", none)["outputs"]["big"], true);
    assert_eq!(decide("reads_lowest", gold)["outputs"]["big"], false);
    // no match, no `otherwise`: the declared default, not null
    let h = decide("highest", none);
    assert_eq!(h["no_match"], true, "{h}");
    assert_eq!(h["outputs"]["n"], 42, "{h}");
    assert_eq!(decide("highest", gold)["outputs"]["n"], 3);
}

#[test]
fn a_mistyped_unit_is_reported_at_the_unit_with_the_unit_meant() {
    for (clause, word, meant, col) in [
        ("term 36 moons or 36_000 mi", "moons", "months", 11),
        ("term 60 moons", "moons", "months", 11),
        ("term 36 months or 36_000 miles", "miles", "mi", 28),
        ("term 3 yeers", "yeers", "years", 10),
    ] {
        let text = format!("warranty w {{\n  {clause}\n  covers all\n}}\n");
        let err = RuleSet::from_sources([("w.rules".to_string(), text)]).unwrap_err();
        let d = &err.as_slice()[0];
        assert_eq!(d.code.as_str(), "E0013", "{clause}: {err}");
        let shown = err.to_string();
        assert!(shown.contains(&format!("unknown unit `{word}`")), "{shown}");
        assert!(
            shown.contains(&format!("w.rules:2:{col}")),
            "{clause}: {shown}"
        );
        assert!(
            shown.contains(&format!("did you mean `{meant}`?")),
            "{shown}"
        );
    }
}

// ---------------------------------------------------------------------------
// Robustness: each found by attacking the CLI; each failed before its fix.

/// Run `aftersales ARGS` from the project's folder (so that `rules/` is the default).
fn run_here(args: &[&str], stdin: &str) -> (i32, String, String) {
    run_in(Some(env!("CARGO_MANIFEST_DIR")), args, stdin)
}

/// `n` decisions, each reading the one before: `d0` … `d{n-1}`.
fn chain(n: usize) -> String {
    let mut text = String::from(
        "decision d0 { output x: int = 0 rule r when customer.id != \"\" then x = 1 otherwise x = 0 }\n",
    );
    for i in 1..n {
        text.push_str(&format!(
            "decision d{i} {{ output x: int = 0 rule r when d{p}.x > 0 then x = d{p}.x + 1 otherwise x = 0 }}\n",
            p = i - 1
        ));
    }
    text
}

#[test]
fn a_long_chain_of_dependent_decisions_is_evaluated_not_a_crash() {
    let dir = TempDir::new("chain");
    let rules = dir.write("chain.rules", &chain(10_000));
    let input = dir.write("in.jsonl", &"{\"customer\":{\"id\":\"K\"}}\n".repeat(3));
    // on the worker threads of a batch, one by one from stdin, and explained
    let (code, out, err) = run(
        &["eval", &rules, "--decision", "d9999", "--input", &input],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3);
    assert!(out.lines().all(|l| l.contains("\"x\":10000")), "{out}");
    let (code, out, err) = run(
        &["eval", &rules, "--decision", "d9999", "--explain"],
        "{\"customer\":{\"id\":\"K\"}}\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"x\":10000"));
    // and through the fixture runner
    let fixture = dir.write(
        "chain.yaml",
        "decision: d9999\ncases:\n  - name: the end of the chain\n    facts: { customer: { id: K } }\n    expect: { x: 10000 }\n",
    );
    let (code, out, err) = run(&["test", &rules, &fixture], "");
    assert_eq!(code, 0, "{out}{err}");
    // in the library, on a thread with a small stack
    let text = chain(3_000);
    let ok = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let rules = RuleSet::from_sources([("c.rules".to_string(), text)]).unwrap();
            let facts = Facts::from_json_str(rules.env(), r#"{"customer": {"id": "K"}}"#).unwrap();
            rules.decide("d2999", &facts).map(|d| d.rules)
        })
        .expect("a thread")
        .join()
        .expect("no overflow");
    assert_eq!(ok.unwrap(), ["r"]);
}

#[test]
fn empty_input_is_zero_records_for_every_format() {
    let dir = TempDir::new("empty");
    for ext in ["jsonl", "json", "yaml"] {
        let file = dir.write(&format!("empty.{ext}"), "");
        let (code, out, err) =
            run_here(&["eval", "--decision", "adjudicate", "--input", &file], "");
        assert_eq!((code, out.as_str()), (0, ""), "{ext}: {err}");
        let file = dir.write(&format!("blank.{ext}"), "\n  \n");
        let (code, out, err) =
            run_here(&["eval", "--decision", "adjudicate", "--input", &file], "");
        assert_eq!((code, out.as_str()), (0, ""), "{ext}: {err}");
    }
    let (code, out, err) = run_here(&["eval", "--decision", "adjudicate"], "");
    assert_eq!((code, out.as_str()), (0, ""), "stdin: {err}");
    let (code, out, err) = run_here(
        &["eval", "--decision", "adjudicate"],
        "# nothing but a comment\n",
    );
    assert_eq!((code, out.as_str()), (0, ""), "stdin: {err}");
}

#[test]
fn a_closed_standard_output_ends_eval_quietly() {
    let line = std::fs::read_to_string(format!(
        "{}/rules/examples/claims.jsonl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let input = line.repeat(2_000);
    for from_stdin in [false, true] {
        let dir = TempDir::new(if from_stdin {
            "pipe-stdin"
        } else {
            "pipe-file"
        });
        let file = dir.write("many.jsonl", &input);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftersales"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["eval", "--decision", "adjudicate", "--today", "2026-03-01"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if from_stdin {
            cmd.stdin(std::fs::File::open(&file).unwrap());
        } else {
            cmd.args(["--input", &file]).stdin(Stdio::null());
        }
        let mut child = cmd.spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        let n = std::io::Read::read(&mut stdout, &mut first).unwrap();
        assert!(n > 0);
        drop(stdout); // as `| head -1` does
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            !err.contains("panicked") && !err.contains("error:"),
            "{err}"
        );
    }
}

#[test]
fn a_repeated_key_in_a_bundle_is_refused_with_its_path() {
    let dir = TempDir::new("dup");
    let bundle = r#"{"id":"D1","product":{"serial":"S","model":"M","in_service_date":"2024-01-01","owner":"original","market":"us"},"claim":{"id":"C1","fault":"P0301","repair_date":"2026-01-10","labor_hours":0.8,"labor_hours":50}}"#;
    let good = bundle.replace(r#","labor_hours":50"#, "");
    let jsonl = dir.write("dup.jsonl", &format!("{bundle}\n{good}\n"));
    let json = dir.write("dup.json", &format!("[{bundle},\n{good}]"));
    for file in [&jsonl, &json] {
        let (code, out, err) = run_here(&["eval", "--decision", "adjudicate", "--input", file], "");
        assert_eq!(code, 1, "{file}: {err}");
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(lines[0]["error"]["code"], "duplicate_key", "{file}: {out}");
        assert_eq!(lines[0]["error"]["path"], "claim.labor_hours");
        assert_eq!(lines[0]["id"], "D1");
        assert!(lines[1]["outputs"].is_object(), "the rest goes on: {out}");
    }
    // a root given twice
    let twice = r#"{"customer": {"id": "K1"}, "customer": {"id": "K2"}}"#;
    let rules = RuleSet::load(format!("{}/rules", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let e = Facts::from_json_str(rules.env(), twice).unwrap_err();
    assert_eq!(e.first().unwrap().code(), "duplicate_key");
    assert_eq!(e.first().unwrap().path, "customer");
    // YAML forbids repeated keys too: in a batch, that record is an error line naming
    // the path, and the rest goes on
    let yaml = dir.write("dup.yaml", &format!("- {bundle}\n- {good}\n"));
    let (code, out, err) = run_here(&["eval", "--decision", "adjudicate", "--input", &yaml], "");
    assert_eq!(code, 1, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["id"], "D1");
    assert_eq!(lines[0]["error"]["code"], "duplicate_key", "{out}");
    assert_eq!(lines[0]["error"]["path"], "claim.labor_hours");
    assert!(lines[1]["outputs"].is_object(), "the rest goes on: {out}");
    // and a fixture file, one document, is refused naming the key and its line
    let fixture = dir.write(
        "dup.test.yaml",
        "decision: adjudicate\ncases:\n  - name: a\n    name: b\n    facts: {}\n",
    );
    let rules = format!("{}/rules", env!("CARGO_MANIFEST_DIR"));
    let (code, out, err) = run_here(&["test", &rules, &fixture], "");
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("duplicate key `name`"),
        "{out}{err}"
    );
}

#[test]
fn broken_symbolic_links_and_endless_files_are_reported() {
    let dir = TempDir::new("links");
    dir.write(
        "a.rules",
        "decision d { output x: int = 0 otherwise x = 1 }\n",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/nonexistent/b.rules", dir.0.join("b.rules")).unwrap();
        std::os::unix::fs::symlink("c.rules", dir.0.join("c.rules")).unwrap();
        let (code, _, err) = run(&["check", dir.0.to_str().unwrap()], "");
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("E0010") && err.contains("b.rules") && err.contains("c.rules"),
            "{err}"
        );
    }
    // a special file that reports size 0 and never ends is read up to the limit only
    if std::path::Path::new("/dev/zero").exists() {
        let (code, _, err) = run(&["check", "/dev/zero"], "");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("E0007"), "{err}");
        let (code, _, err) = run(&["test", "/dev/zero", "tests/fixtures"], "");
        assert_eq!(code, 2, "{err}");
    }
}

#[test]
fn a_reversed_effective_range_is_an_error() {
    let text = "decision d { output x: int = 0\n  rule r effective 2026-12-31..2026-01-01 when customer.id != \"\" then x = 1\n  otherwise x = 2 }\n";
    let err = RuleSet::from_sources([("e.rules".to_string(), text.to_string())]).unwrap_err();
    let d = &err.as_slice()[0];
    assert_eq!(d.code.as_str(), "E0105", "{err}");
    assert!(err.to_string().contains("e.rules:2:20"), "{err}");
    assert!(
        err.to_string().contains("effective 2026-01-01..2026-12-31"),
        "{err}"
    );
}

#[test]
fn misleading_messages_now_say_what_is_wrong() {
    let dir = TempDir::new("messages");
    let one_row = dir.write("one.csv", "timestamp,volume\n2026-01-05T08:00:00Z,10\n");
    let (code, _, err) = run(&["forecast", &one_row, "--horizon", "3"], "");
    assert_eq!(code, 2);
    assert!(err.contains("1 row(s)") && !err.contains("604800"), "{err}");

    let (code, _, err) = run(
        &[
            "staff",
            "--volume",
            "-100",
            "--interval",
            "30m",
            "--aht",
            "180s",
            "--target",
            "80%/20s",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("0 or more") && !err.contains("unexpected argument"),
        "{err}"
    );

    let cal = dir.write(
        "cal.rules",
        "calendar nohours { timezone \"America/New_York\" }\nqueue q1 \"Q\" { calendar nohours }\n\
         route complaint { otherwise queue = q1, priority = p3, first_response = 4 business hours }\n",
    );
    let (code, _, err) = run(&["check", &cal], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("E0104") && err.contains("has no `hours`") && !err.contains("overflow"),
        "{err}"
    );
}

#[test]
fn a_gap_example_is_printed_unwrapped_on_its_own_line() {
    let dir = TempDir::new("gap");
    let rules = dir.write("asof.rules", ASOF);
    let (_, _, err) = run(&["check", &rules], "");
    let example = err
        .lines()
        .skip_while(|l| l.trim() != "example:")
        .nth(1)
        .unwrap_or_else(|| panic!("{err}"));
    let v: serde_json::Value =
        serde_json::from_str(example).unwrap_or_else(|e| panic!("{e}: {example}"));
    assert_eq!(v["customer"]["id"], "x");
    assert!(v["context"]["now"]
        .as_str()
        .unwrap_or("")
        .starts_with("2026-01-01T"));
}

// ---------------------------------------------------------------------------
// Facts without JSON: from a host's structs and field by field.

#[derive(serde::Serialize)]
struct HostCustomer {
    id: String,
    lifetime_value: Option<aftersales::Money>,
    tier: Option<String>,
    since: Option<chrono::NaiveDate>,
}

#[derive(serde::Serialize)]
struct HostBundle {
    id: u64,
    customer: HostCustomer,
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// A host struct decided through `from_serialize` (no JSON in between) gives the facts
    /// its JSON text gives, to the cent.
    #[test]
    fn facts_from_a_struct_are_the_facts_of_its_json(
        id in 0u64..1_000_000,
        cents in proptest::option::of(0i64..10_000_000_000),
        tier in proptest::option::of("[a-z]{1,8}"),
        day in proptest::option::of(0u32..20_000),
    ) {
        let rules = RuleSet::from_sources([("a.rules".to_string(), String::new())]).unwrap();
        let bundle = HostBundle {
            id,
            customer: HostCustomer {
                id: format!("K{id}"),
                lifetime_value: cents.map(|c| aftersales::Money::parse(&format!("USD {}", rust_decimal::Decimal::new(c, 2))).unwrap()),
                tier,
                since: day.map(|d| chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(d.into())),
            },
        };
        let direct = rules.facts_from_serialize(&bundle).unwrap();
        let text = serde_json::to_string(&bundle).unwrap();
        let parsed = rules.facts_from_json(&text).unwrap();
        proptest::prop_assert_eq!(direct, parsed);
    }
}

#[test]
fn facts_built_field_by_field_validate_as_json_does() {
    let rules = RuleSet::load(format!("{}/rules", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let built = rules
        .facts()
        .set("id", "C1")
        .set("product.serial", "1FM")
        .set("product.make", "FORD")
        .set("product.model", "ESCAPE")
        .set("product.in_service_date", &day("2024-05-10"))
        .set("product.owner", "original")
        .set("product.market", "us")
        .set("claim.id", "C1")
        .set("claim.claim_type", "WR")
        .set("claim.fault", "P0301")
        .set("claim.repair_date", &day("2026-02-20"))
        .set(
            "claim.odometer",
            &"21400 mi".parse::<aftersales::Distance>().unwrap(),
        )
        .set("claim.labor_hours", &rust_decimal::Decimal::new(8, 1))
        .set(
            "claim.parts",
            &"USD 86.40".parse::<aftersales::Money>().unwrap(),
        )
        .set("context.today", &day("2026-03-01"))
        .build()
        .unwrap();
    let json = rules
        .facts_from_json(
            r#"{"id": "C1", "product": {"serial": "1FM", "make": "FORD", "model": "ESCAPE",
            "in_service_date": "2024-05-10", "owner": "original", "market": "us"},
            "claim": {"id": "C1", "claim_type": "WR", "fault": "P0301", "repair_date": "2026-02-20",
            "odometer": "21400 mi", "labor_hours": 0.8, "parts": "USD 86.40"},
            "context": {"today": "2026-03-01"}}"#,
        )
        .unwrap();
    assert_eq!(built, json);
    let d = rules.decide("adjudicate", &built).unwrap();
    assert_eq!(d.get::<&str>("action").unwrap(), "accept");
    // the same errors as the JSON path, each with its path
    let e = rules
        .facts()
        .set("claim.id", "C1")
        .set("claim.fault", "P9999")
        .set("claim.repair_date", "2026-02-30")
        .build()
        .unwrap_err();
    let found: Vec<(&str, &str)> = e
        .as_slice()
        .iter()
        .map(|e| (e.code(), e.path.as_str()))
        .collect();
    assert!(found.contains(&("unknown_code", "claim.fault")), "{e}");
    assert!(
        found.contains(&("bad_date", "claim.repair_date"))
            || found.iter().any(|(_, p)| *p == "claim.repair_date"),
        "{e}"
    );
    // a path through a value that is not a record
    let e = rules
        .facts()
        .set("claim", &5)
        .set("claim.id", "C1")
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("`claim` was set to a value that is not a record"),
        "{e}"
    );
}

#[test]
fn a_map_with_a_repeated_key_is_refused_from_a_struct_too() {
    // a `Vec` of pairs serialized as a map can repeat a key, as JSON text can
    struct Pairs(Vec<(&'static str, &'static str)>);
    impl serde::Serialize for Pairs {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }
    #[derive(serde::Serialize)]
    struct B {
        customer: Pairs,
    }
    let rules = RuleSet::from_sources([("a.rules".to_string(), String::new())]).unwrap();
    let e = rules
        .facts_from_serialize(&B {
            customer: Pairs(vec![("id", "K1"), ("id", "K2")]),
        })
        .unwrap_err();
    assert_eq!(e.first().unwrap().code(), "duplicate_key");
    assert_eq!(e.first().unwrap().path, "customer.id");
}

/// The threshold table (`rule rI when customer.v >= I`): the root of its DAG splits
/// into one region per rule, each keeping every earlier rule alive, so materialising every
/// child before looking at the budget again took O(n²) time and memory (20,000 rules:
/// 43 s and 6.4 GB; 40,000 failed to allocate). The build now stops at the budget, and
/// the decision still answers as the reference interpreter does.
#[test]
fn a_table_of_thresholds_is_compiled_within_its_budget() {
    let n = 20_000usize;
    let rules =
        RuleSet::from_sources([("t.rules".to_string(), common::threshold_rule_set(n))]).unwrap();
    let stats = rules.dag_stats("d").expect("compiled");
    assert!(stats.budget_hit, "{stats:?}");
    // the scaled work budget (100,000 + 16 per rule) and at most one node more
    assert!(stats.work <= 100_000 + 16 * n + n, "{stats:?}");
    for v in [-5i64, 0, 1, 19_999, 25_000] {
        let facts = rules
            .facts_from_json(&format!(r#"{{"customer": {{"id": "K", "v": {v}}}}}"#))
            .unwrap();
        let compiled = rules.decide("d", &facts).unwrap();
        let reference = aftersales::eval::reference::decide(rules.checked(), "d", &facts).unwrap();
        assert_eq!(compiled, reference, "v = {v}");
    }
}

/// Issue #13: "if an analysis cannot fit the budget, ... `check` says so". A first-hit table
/// past its DAG budget whose rules all but the first are unreachable went without a word.
#[test]
fn an_analysis_cut_short_by_its_budget_says_so() {
    for n in [2_000usize, 20_000] {
        let rules = RuleSet::from_sources([("t.rules".to_string(), common::threshold_rule_set(n))])
            .unwrap();
        let w = rules.warnings().to_string();
        assert!(w.contains("warning[E0304]"), "{n}: {w}");
        assert!(w.contains("were not checked for reachability"), "{n}: {w}");
    }
    // a decision the analyses settle has no such warning
    let small = RuleSet::from_sources([(
        "s.rules".to_string(),
        "extend customer { v: int }\ndecision d { output x: int = 0\n  rule a when customer.v >= 0 then x = 1\n  rule b when customer.v >= 5 then x = 2\n  otherwise x = 0 }\n".to_string(),
    )])
    .unwrap();
    let w = small.warnings().to_string();
    assert!(w.contains("E0301") && !w.contains("E0304"), "{w}");
}

/// Linking the crate leaves `serde_json` as the host has it: numbers are `f64`/`i64` and
/// maps sorted, unless the host itself turns on `arbitrary_precision` or
/// `preserve_order` (cargo unifies features, so a library that turned them on would
/// change every `serde_json::Value` in the host's binary). The crate's own JSON stays
/// exact and ordered all the same.
#[test]
fn serde_json_is_left_as_the_host_has_it_and_results_stay_exact() {
    let host: serde_json::Value = serde_json::from_str(r#"{"b": 0.10, "a": 1}"#).unwrap();
    assert_eq!(
        host.to_string(),
        r#"{"a":1,"b":0.1}"#,
        "serde_json's arbitrary_precision or preserve_order is on in this build"
    );
    let rules = RuleSet::from_sources([("d.rules".to_string(), rules_source_of_exact())]).unwrap();
    let facts = rules
        .facts_from_json(r#"{"id": "B1", "customer": {"id": "K1"}}"#)
        .unwrap();
    let d = rules.decide("d", &facts).unwrap();
    let want = r#"{"id":"B1","decision":"d","outputs":{"exact":123456789012345678.125,"hours":1.50,"fee":"USD 12.50"},"rules":["r"]}"#;
    assert_eq!(d.to_string(), want);
    assert_eq!(serde_json::to_string(&d).unwrap(), want);
    let mut out = Vec::new();
    d.write_json(rules.checked(), &mut out);
    assert_eq!(String::from_utf8(out).unwrap(), want);
    // the CLI writes the same line
    let dir = TempDir::new("exact");
    let file = dir.write("d.rules", &rules_source_of_exact());
    let (code, out, err) = run(
        &["eval", &file, "--decision", "d"],
        r#"{"id": "B1", "customer": {"id": "K1"}}"#,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), want);
    // a decimal output read into a host struct keeps what f64 can hold
    #[derive(serde::Deserialize)]
    struct Out {
        hours: f64,
    }
    assert_eq!(d.deserialize::<Out>().unwrap().hours, 1.5);
}

fn rules_source_of_exact() -> String {
    r#"decision d {
         output exact: decimal = 0
         output hours: decimal = 0
         output fee: money = USD 0
         rule r when customer.id == "K1"
           then exact = 123456789012345678.125, hours = 1.50, fee = USD 12.5 }"#
        .to_string()
}
