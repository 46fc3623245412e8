//! Bad input of every kind ends in diagnostics: never a panic, a hang or a stack overflow
//! (DESIGN.md, "Reliability and bad input").
//!
//! Each case runs on its own thread with a 2 MiB stack (the size of a test thread, and
//! less than a host service's worker may have) and must finish within a generous time,
//! so that a hang fails the test instead of stalling CI.

use aftersales::check::duplicate_names;
use aftersales::diag::{Code, Diagnostic, Diagnostics};
use aftersales::dsl::ast::{ExprKind, Item};
use aftersales::dsl::{self, Parsed, MAX_FILE_BYTES};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const STACK: usize = 2 * 1024 * 1024;
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// Run `f` on a thread with a 2 MiB stack; fail if it panics or takes too long.
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(what.to_string())
        .stack_size(STACK)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(TIME_LIMIT) {
        Ok(v) => {
            handle.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // the thread ended without sending: it panicked (or overflowed its stack,
            // which aborts the whole process)
            match handle.join() {
                Err(e) => std::panic::resume_unwind(e),
                Ok(()) => panic!("{what}: ended without a result"),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {TIME_LIMIT:?}")
        }
    }
}

/// Parse one in-memory file on a bounded thread, then run the duplicate-name check when
/// the parse is clean (as `aftersales check` does); every span must lie in the text.
fn parse(what: &str, text: String) -> (Parsed, Diagnostics) {
    bounded(what, move || {
        let parsed = dsl::parse_str("robust.rules", &text);
        let mut diags = parsed.diagnostics.clone();
        if !diags.has_errors() {
            diags.extend(duplicate_names(&parsed.files));
        }
        diags.sort();
        assert_spans_in_text(&parsed, &diags);
        (parsed, diags)
    })
}

fn assert_spans_in_text(parsed: &Parsed, diags: &Diagnostics) {
    for d in diags.as_slice() {
        for span in d.span.iter().chain(d.related.iter().map(|r| &r.span)) {
            let file = parsed
                .map
                .file(span.file)
                .unwrap_or_else(|| panic!("span in an unknown file: {d:?}"));
            assert!(
                span.start <= span.end && span.end as usize <= file.text.len(),
                "span {span:?} outside the text ({} bytes): {d:?}",
                file.text.len()
            );
        }
    }
}

fn first(diags: &Diagnostics) -> &Diagnostic {
    diags
        .as_slice()
        .first()
        .expect("expected at least one diagnostic")
}

fn place(parsed: &Parsed, d: &Diagnostic) -> (usize, usize) {
    let s = d.span.expect("diagnostic without a place");
    parsed.map.line_col(s.file, s.start)
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "aftersales-robustness-{}-{tag}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load(what: &str, path: PathBuf) -> Parsed {
    bounded(what, move || dsl::load_path(&path))
}

/// xorshift64*: fixed pseudo-random bytes, the same on every run.
fn junk(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

fn spec_files() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lang/spec");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

// ───────────────────────── empty and trivial files ─────────────────────────

#[test]
fn empty_file_is_an_empty_rule_file() {
    for text in ["", "\u{feff}", "\n\n", "   \t\r\n"] {
        let (parsed, diags) = parse("empty", text.to_string());
        assert!(diags.is_empty(), "{text:?}: {diags:?}");
        assert_eq!(parsed.files.len(), 1);
        assert!(parsed.files[0].items.is_empty());
    }
}

#[test]
fn only_comments_is_an_empty_rule_file() {
    let text =
        "# coverage rules, to be written\n#\n   # indented # twice\n# last line without newline";
    let (parsed, diags) = parse("comments", text.to_string());
    assert!(diags.is_empty(), "{diags:?}");
    assert!(parsed.files[0].items.is_empty());
}

// ───────────────────────── junk ─────────────────────────

#[test]
fn binary_junk_gives_errors_not_panics() {
    for seed in 1..=24u64 {
        let len = [1usize, 7, 64, 512, 4096, 65536][(seed % 6) as usize];
        let bytes = junk(seed, len);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (_, diags) = parse("junk", text);
        assert!(
            diags.has_errors(),
            "seed {seed}: junk of {len} bytes parsed clean"
        );
    }
    // junk after a valid item, and junk inside an expression
    let mut text = String::from("decision d { rule r when claim.fault == P0300 and ");
    text.push_str(&String::from_utf8_lossy(&junk(99, 300)));
    text.push_str(" then a = 1 }");
    let (_, diags) = parse("junk in a rule", text);
    assert!(diags.has_errors());
}

#[test]
fn invalid_utf8_names_the_byte_and_its_place() {
    let dir = TempDir::new("utf8");
    let bytes: &[u8] = b"decision greeting {\n  otherwise text = \"Caf\xE9 au lait\"\n}\n";
    let at = bytes.iter().position(|b| *b == 0xE9).unwrap();
    let path = dir.write("latin1.rules", bytes);
    let parsed = load("invalid utf-8", path);
    let diags = parsed.diagnostics.as_slice();
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d.code, Code::InvalidUtf8);
    assert!(
        d.message.contains(&format!("byte offset {at}")) && d.message.contains("0xE9"),
        "{}",
        d.message
    );
    // line 2, after `  otherwise text = "Caf`
    let col = "  otherwise text = \"Caf".chars().count() + 1;
    assert_eq!(place(&parsed, d), (2, col));
    assert!(
        parsed.files.is_empty(),
        "a file that is not UTF-8 is not parsed"
    );
}

#[test]
fn invalid_utf8_in_one_file_does_not_hide_the_others() {
    let dir = TempDir::new("utf8-folder");
    dir.write("a.rules", "decision a { otherwise x = 1 }\n");
    dir.write("b.rules", b"# r\xFCckruf\n");
    dir.write("c.rules", "decision a { otherwise x = 2 }\n");
    let parsed = load("utf-8 folder", dir.0.clone());
    assert_eq!(parsed.files.len(), 2);
    let codes: Vec<Code> = parsed
        .diagnostics
        .as_slice()
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, [Code::InvalidUtf8]);
}

// ───────────────────────── size ─────────────────────────

/// A 10 MB rule set of ordinary decisions parses without a diagnostic.
#[test]
fn ten_megabytes_of_valid_rules_parse() {
    let mut text = String::with_capacity(10_500_000);
    let mut d = 0;
    while text.len() < 10_000_000 {
        text.push_str(&format!(
            "decision adjudicate_{d} hit first {{\n  output action: enum {{ accept, reject, review }}\n  output reason: text = \"\"\n"
        ));
        for r in 0..40 {
            text.push_str(&format!(
                "  rule late_{r} when has claim.submitted_date and claim.submitted_date > claim.repair_date + {r} days\n       and claim.fault in [P0300, P0301, P0420] and not (claim.labor_hours > 2.5)\n    then action = reject, reason = \"Submitted more than {r} days after the repair\"\n"
            ));
        }
        text.push_str("  otherwise action = accept\n}\n");
        d += 1;
    }
    let decisions = d;
    let (parsed, diags) = parse("10 MB", text);
    assert!(diags.is_empty(), "{:?}", &diags.as_slice()[..1]);
    assert_eq!(parsed.files[0].items.len(), decisions);
}

#[test]
fn file_over_the_size_limit_is_refused_before_reading() {
    let dir = TempDir::new("big");
    let path = dir.0.join("huge.rules");
    let f = std::fs::File::create(&path).unwrap();
    // sparse: no 32 MB written to disk
    f.set_len(MAX_FILE_BYTES as u64 + 1).unwrap();
    drop(f);
    let parsed = load("too large", path.clone());
    let diags = parsed.diagnostics.as_slice();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, Code::FileTooLarge);
    assert!(diags[0].message.contains(&(MAX_FILE_BYTES + 1).to_string()));
    assert_eq!(diags[0].path.as_deref(), Some(&*path.display().to_string()));
    assert!(parsed.files.is_empty());
}

#[test]
fn text_over_the_size_limit_is_refused_in_memory_too() {
    let text = " ".repeat(MAX_FILE_BYTES + 1);
    let (_, diags) = parse("too large in memory", text);
    assert_eq!(first(&diags).code, Code::FileTooLarge);
}

#[test]
fn a_very_long_line_renders_a_short_window() {
    // a generated 2 MB line with an error at its end
    let mut text = String::from("decision d { rule r when claim.fault in [");
    while text.len() < 2_000_000 {
        text.push_str("P0300, ");
    }
    text.push_str("P0301] than a = 1 }");
    let at = text.find("than").unwrap();
    let (parsed, diags) = parse("long line", text);
    let d = first(&diags);
    assert_eq!(d.code, Code::Syntax);
    assert_eq!(place(&parsed, d), (1, at + 1));
    let shown = d.render(&parsed.map, false);
    assert!(shown.len() < 4_000, "rendered {} bytes", shown.len());
    assert!(shown.contains("than a = 1"), "{shown}");
}

// ───────────────────────── depth ─────────────────────────

fn in_rule(cond: &str) -> String {
    format!("decision d {{\n  output a: int\n  rule r when {cond} then a = 1\n}}\n")
}

#[test]
fn brackets_nested_ten_thousand_deep() {
    let n = 10_000;
    let cases = [
        (
            "parentheses",
            in_rule(&format!("{}x{}", "(".repeat(n), ")".repeat(n))),
        ),
        (
            "lists",
            in_rule(&format!("x in {}1{}", "[".repeat(n), "]".repeat(n))),
        ),
        ("braces", format!("{}{}", "{".repeat(n), "}".repeat(n))),
        ("unclosed", in_rule(&"(".repeat(n))),
    ];
    for (what, text) in cases {
        let (_, diags) = parse(what, text);
        assert_eq!(first(&diags).code, Code::TooDeep, "{what}: {diags:?}");
    }
}

#[test]
fn ten_thousand_prefix_operators() {
    for (what, op) in [("not", "not "), ("minus", "- ")] {
        let text = in_rule(&format!("{}x", op.repeat(10_000)));
        let (_, diags) = parse(what, text);
        assert_eq!(first(&diags).code, Code::TooDeep, "{what}: {diags:?}");
    }
}

#[test]
fn ten_thousand_binary_operators() {
    for (what, op) in [("plus", "x+"), ("times", "x*"), ("compare", "x == ")] {
        let text = in_rule(&format!("{}x > 0", op.repeat(10_000)));
        let (_, diags) = parse(what, text);
        assert_eq!(first(&diags).code, Code::TooDeep, "{what}: {diags:?}");
    }
}

/// `and` and `or` are n-ary: a long chain is flat, not deep.
#[test]
fn ten_thousand_ands_and_ors_parse() {
    for (op, is_and) in [(" and ", true), (" or ", false)] {
        let operands: Vec<String> = (0..=10_000).map(|i| format!("has claim.f{i}")).collect();
        let (parsed, diags) = parse(op.trim(), in_rule(&operands.join(op)));
        assert!(diags.is_empty(), "{op}: {diags:?}");
        let Item::Decision(d) = &parsed.files[0].items[0] else {
            panic!("not a decision")
        };
        let n = match (&d.rules[0].when.kind, is_and) {
            (ExprKind::And(v), true) | (ExprKind::Or(v), false) => v.len(),
            (other, _) => panic!("{op}: not a flat chain: {other:?}"),
        };
        assert_eq!(n, 10_001);
    }
}

// ───────────────────────── line ends ─────────────────────────

#[test]
fn unterminated_string_at_end_of_file_without_newline() {
    let text = "decision d {\n  output reason: text = \"Submitted late";
    let quote = text.lines().nth(1).unwrap().find('"').unwrap();
    let (parsed, diags) = parse("eof string", text.to_string());
    let d = first(&diags);
    assert_eq!(d.code, Code::UnterminatedString);
    assert_eq!(place(&parsed, d), (2, quote + 1));
}

#[test]
fn crlf_files_parse_like_lf_files_with_the_same_places() {
    for (name, lf) in spec_files() {
        let crlf = lf.replace('\n', "\r\n");
        let (p_lf, d_lf) = parse("lf", lf);
        let (p_crlf, d_crlf) = parse("crlf", crlf);
        assert!(d_crlf.is_empty(), "{name} with CRLF: {d_crlf:?}");
        assert!(d_lf.is_empty());
        let places = |p: &Parsed| -> Vec<(usize, usize)> {
            p.files[0]
                .items
                .iter()
                .map(|i| p.map.line_col(i.span().file, i.span().start))
                .collect()
        };
        assert!(!places(&p_lf).is_empty());
        assert_eq!(places(&p_lf), places(&p_crlf), "{name}");
    }
}

// ───────────────────────── folders ─────────────────────────

#[test]
fn folder_without_rule_files() {
    let dir = TempDir::new("empty-folder");
    dir.write("README.md", "# rules go here\n");
    dir.write("notes.txt", "decision d { otherwise a = 1 }\n");
    let parsed = load("empty folder", dir.0.clone());
    let diags = parsed.diagnostics.as_slice();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, Code::NoRuleFiles);
    assert!(diags[0].span.is_none());
    assert_eq!(
        diags[0].path.as_deref(),
        Some(&*dir.0.display().to_string())
    );
    assert!(parsed.files.is_empty());
}

#[test]
fn path_that_does_not_exist() {
    let dir = TempDir::new("missing");
    let path = dir.0.join("no-such-rules");
    let parsed = load("missing path", path.clone());
    let diags = parsed.diagnostics.as_slice();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, Code::Io);
    assert!(
        diags[0].message.contains("no-such-rules"),
        "{}",
        diags[0].message
    );
    assert!(parsed.files.is_empty());
}

#[test]
fn nested_folders_are_read_recursively_in_sorted_path_order() {
    let dir = TempDir::new("nested");
    // written out of order on purpose
    dir.write("c/f.rules", "decision f { otherwise a = 1 }\n");
    dir.write("c/d/e.rules", "decision e { otherwise a = 1 }\n");
    dir.write("b.rules", "decision b { otherwise a = 1 }\n");
    dir.write("a/x.rules", "decision x { otherwise a = 1 }\n");
    dir.write("a/notes.txt", "not rules\n");
    dir.write(".git/hidden.rules", "this is not loaded (\n");
    let parsed = load("nested", dir.0.clone());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let names: Vec<String> = parsed
        .files
        .iter()
        .map(|f| {
            let name = &parsed.map.file(f.file).unwrap().name;
            Path::new(name)
                .strip_prefix(&dir.0)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(names, ["a/x.rules", "b.rules", "c/d/e.rules", "c/f.rules"]);
}

#[test]
fn prefix_operators_inside_nested_parentheses_are_bounded() {
    // each limit alone is respected (16 prefixes in a row, 31 brackets deep), but
    // together they nest ~500 levels: a clear E0005, never a stack overflow
    for op in ["not ", "- "] {
        let text = format!(
            "decision d {{ rule r when {}x{} > 1 then a = 1 }}",
            format!("{}(", op.repeat(16)).repeat(31),
            ")".repeat(31)
        );
        let (parsed, diags) = parse("prefixes in parentheses", text);
        assert_spans_in_text(&parsed, &diags);
        assert_eq!(first(&diags).code.as_str(), "E0005");
    }
}

#[test]
fn brackets_inside_regexes_do_not_count_as_nesting() {
    let rules: String = (0..40)
        .map(|i| format!("  rule r{i} when contact.text matches /call \\(555/ then queue = q\n"))
        .collect();
    let text = format!("route complaint {{\n{rules}}}\n");
    let (_, diags) = parse("regex brackets", text);
    assert!(diags.is_empty(), "{diags:?}");
}

#[cfg(unix)]
#[test]
fn folder_symlink_cycles_are_walked_once_and_deep_folders_are_reported() {
    let root = std::env::temp_dir().join(format!("aftersales-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("temp dir");
    std::fs::write(root.join("a.rules"), "decision d { otherwise a = 1 }\n").expect("write");
    std::os::unix::fs::symlink(&root, root.join("self")).expect("symlink");
    std::os::unix::fs::symlink(&root, root.join("again")).expect("symlink");
    let parsed = aftersales::dsl::load_path(&root);
    assert_eq!(parsed.files.len(), 1, "the file is read once");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);

    let mut deep = root.join("deep");
    for i in 0..20 {
        deep = deep.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&deep).expect("deep dirs");
    std::fs::write(deep.join("b.rules"), "decision e { otherwise a = 1 }\n").expect("write");
    let parsed = aftersales::dsl::load_path(&root);
    let d = first(&parsed.diagnostics);
    assert_eq!(d.code.as_str(), "E0010");
    assert!(d.message.contains("nested more than"), "{}", d.message);
    let _ = std::fs::remove_dir_all(&root);
}
