//! `aftersales fmt`: the canonical layout keeps the meaning (the same parse tree, token for
//! token, only white space moved) and is a fixed point (`fmt(fmt(x)) == fmt(x)`), on every
//! rule file of the project and on generated rule sets with their lines re-indented at
//! random; `fmt --check` exits 1 with a diff, `fmt` rewrites the files.

#[path = "support/run.rs"]
mod run;

#[path = "../benches/common/mod.rs"]
mod common;

use aftersales::dsl::{concrete_tree, format, Engine};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A parse tree without its places: each node's rule and size, and the text of each
/// node without children.
fn shape(text: &str) -> Option<Vec<(String, u32, Option<String>)>> {
    let tree = concrete_tree(text, Engine::Fast)?;
    Some(
        tree.into_iter()
            .map(|(rule, start, end, below)| {
                let leaf = (below == 1).then(|| text[start as usize..end as usize].to_string());
                (rule, below, leaf)
            })
            .collect(),
    )
}

fn check(name: &str, text: &str) {
    let Some(before) = shape(text) else {
        assert!(
            format(text).is_err(),
            "{name}: formats a text that does not parse"
        );
        return;
    };
    let once = format(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let after = shape(&once)
        .unwrap_or_else(|| panic!("{name}: the formatted text does not parse:\n{once}"));
    if before != after {
        let k = before
            .iter()
            .zip(&after)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{name}: the tree changed at node {k}: {:?} / {:?}\n{once}",
            before.get(k),
            after.get(k)
        );
    }
    let twice = format(&once).expect("formats again");
    assert_eq!(twice, once, "{name}: not a fixed point");
    assert!(
        once.ends_with('\n') && !once.ends_with("\n\n"),
        "{name}: one line break at the end"
    );
    assert!(
        once.lines().all(|l| l == l.trim_end()),
        "{name}: trailing white space"
    );
}

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            rule_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rules") {
            out.push(p);
        }
    }
}

#[test]
fn every_rule_file_of_the_project_keeps_its_meaning_and_is_a_fixed_point() {
    let mut files = Vec::new();
    for dir in ["rules", "tests", "examples", "src/prelude"] {
        rule_files(&Path::new(ROOT).join(dir), &mut files);
    }
    assert!(files.len() > 20, "{}", files.len());
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        check(&f.display().to_string(), &text);
    }
}

#[test]
fn the_layout_is_the_documented_one() {
    let text = "schema part{\nid:text\n   cost : money?   # what it cost\n}\n\n\n\ndecision d hit first {\n\n output x:int=0\n  output y : enum{a,b}=a\n rule r1 when has part.cost and part.cost>USD 10\n          and days_between( 2026-01-01 ,context.today)<= 30\n     then x=-1 , y=b\n  # the rest\n  otherwise x=2\n\n}\n";
    let want = "schema part {\n  id: text\n  cost: money?    # what it cost\n}\n\ndecision d hit first {\n  output x: int = 0\n  output y: enum { a, b } = a\n  rule r1 when has part.cost and part.cost > USD 10\n    and days_between(2026-01-01, context.today) <= 30\n    then x = -1, y = b\n  # the rest\n  otherwise x = 2\n}\n";
    assert_eq!(format(text).expect("formats"), want);
    check("doc", text);
}

/// A text with every line's indentation changed and blank lines and trailing spaces added
/// at random (nothing inside a token moves: generated rule sets have no text blocks).
fn shuffled(text: &str, seed: u64) -> String {
    let mut rng = common::Lcg::new(seed);
    let mut out = String::new();
    for line in text.lines() {
        if rng.below(6) == 0 {
            out.push('\n');
        }
        out.push_str(&" ".repeat(rng.below(9) as usize));
        out.push_str(line.trim_start());
        out.push_str(&" ".repeat(rng.below(3) as usize));
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Generated rule sets, re-indented at random: the same tree, and a fixed point.
    #[test]
    fn generated_rule_sets_keep_their_meaning(seed in 0u64..1_000_000, n in 1usize..40) {
        for text in [
            common::first_hit_rule_set(n, seed),
            common::neutral_rule_set(n, seed),
            common::adversarial_rule_set(n, seed),
        ] {
            check("generated", &text);
            check("re-indented", &shuffled(&text, seed));
        }
    }
}

#[test]
fn check_mode_shows_a_diff_and_fmt_rewrites() {
    let dir = std::env::temp_dir().join(format!("aftersales-fmt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    let messy = "decision d {\noutput x:int=0\n}\n";
    std::fs::write(dir.join("a.rules"), messy).expect("written");
    std::fs::write(dir.join("sub/b.rules"), format(messy).expect("formats")).expect("written");
    std::fs::write(dir.join("notes.txt"), "not rules {").expect("written");
    let d = dir.to_str().expect("utf-8");
    let (code, out, _) = run::run_in(None, &["fmt", "--check", d], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("a.rules")
            && out.contains("-output x:int=0")
            && out.contains("+  output x: int = 0"),
        "{out}"
    );
    assert!(!out.contains("b.rules"), "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.join("a.rules")).expect("read"),
        messy,
        "--check writes nothing"
    );
    let (code, _, err) = run::run_in(None, &["fmt", d], "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 of 2 file(s) reformatted"), "{err}");
    let (code, _, _) = run::run_in(None, &["fmt", "--check", d], "");
    assert_eq!(code, 0);
    // a file that does not parse is left as it is, and said
    std::fs::write(dir.join("c.rules"), "decision {").expect("written");
    let (code, _, err) = run::run_in(None, &["fmt", d], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("c.rules") && err.contains("does not parse"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
