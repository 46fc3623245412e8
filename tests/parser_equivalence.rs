//! The fast parser and pest (the reference parser of `grammar/aftersales.pest`) must agree:
//! on every input, both reject it, or both accept it with the same concrete syntax tree
//! (rules, spans, nesting).

use aftersales::dsl::{concrete_tree, Engine};
use proptest::prelude::*;
use support::tokens;

mod support;
use std::path::Path;

#[path = "../benches/common/mod.rs"]
mod common;

fn agree(name: &str, text: &str) {
    let fast = concrete_tree(text, Engine::Fast);
    let pest = concrete_tree(text, Engine::Pest);
    match (&fast, &pest) {
        (Some(f), Some(p)) if f == p => {}
        (None, None) => {}
        (Some(f), Some(p)) => {
            let i = f
                .iter()
                .zip(p.iter())
                .position(|(a, b)| a != b)
                .unwrap_or(f.len().min(p.len()));
            panic!(
                "{name}: trees differ at node {i}: fast {:?} / pest {:?}\n--- text ---\n{text}",
                f.get(i),
                p.get(i)
            );
        }
        _ => panic!(
            "{name}: fast {} but pest {}\n--- text ---\n{text}",
            if fast.is_some() { "accepts" } else { "rejects" },
            if pest.is_some() { "accepts" } else { "rejects" },
        ),
    }
}

fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![(
        "prelude".to_string(),
        aftersales::check::PRELUDE.to_string(),
    )];
    for dir in ["rules", "tests/lang/spec", "tests/lang/broken"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "rules") {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push((p.display().to_string(), text));
                }
            }
        }
    }
    out
}

#[test]
fn both_parsers_agree_on_every_corpus_file() {
    let files = corpus();
    assert!(files.len() >= 20, "corpus too small: {}", files.len());
    for (name, text) in &files {
        agree(name, text);
    }
}

#[test]
fn both_parsers_agree_on_generated_rule_sets() {
    for seed in 0..5 {
        let text = common::first_hit_rule_set(200, seed);
        agree(&format!("generated seed {seed}"), &text);
    }
}

#[test]
fn both_parsers_agree_on_tricky_lexemes() {
    let cases = [
        "decision d { rule r when x in [1..2] then a = 1 }",
        "decision d { rule r when a.b . c == 1 then a = 1 }",
        "decision d { rule r when x == 5min then a = 1 }",
        "decision d { rule r when x == 5 mins then a = 1 }",
        "decision d { rule r when x == 2 business  days then a = 1 }",
        "decision d { rule r when x == 2 business dayz then a = 1 }",
        "decision d { rule r when x matches /a\\/b\\\n/ then a = 1 }",
        "decision d { rule r when x matches /a\\/ then a = 1 }",
        "decision d { rule r when x == \"a\\\" then a = 1 }",
        "decision d { rule r when x == 2026-01-31T08:00Z then a = 1 }",
        "decision d { rule r when x == 2026-01-31T08:00:00.123+01:00 then a = 1 }",
        "decision d { rule r when x == 08:00-18:00 then a = 1 }",
        "decision d { rule r when x == USD  5 then a = 1 }",
        "decision d { rule r when x == USD5 then a = 1 }",
        "decision d { rule r when x == P0300-P0399.A then a = 1 }",
        "decision d { rule r when not not - - x then a = 1 }",
        "decision d { rule r when x not in [a, b,] then a = 1 }",
        "returns { rule r when x then authorize refund restocking 15% otherwise deny \"no\" }",
        "returns { rule r when x then authorize USD 5 5h 5 h }",
        "calendar c { hours [mon, wed,] 08:00-12:00, 13:00-17:00 hours [] 08:00-09:00 }",
        "calendar c { hours fri..mon 08:00-12:00 }",
        "schema s open { a: set of set of code t?, b: enum { x, y, }, c: code }",
        "warranty w { term 3 years or 36_000 mi from product.x covers all. }",
        "warranty w { term 3 years covers allx }",
        "codes t \"T\" from \"x.csv\" { format /^[A-Z]+$/i P1..P3 \"r\" { a: 1, } \"10-1\" {} }",
        "# only a comment",
        "",
        "   \n\t\r\n",
        "decision d hit collect sum { output n: int rule r when x then n = 1 }",
        "segment s when x { first_response 1h } segment t otherwise { } segment u { }",
        "recall \"02V288000\" \"t\" { affects x } recall R1 { } recall r_2 { }",
        "report r { due 5 business days after x calendar c } report s { due 2026-01-01 }",
        "split s { party a pays parts 100%, labor 70% cap EUR 1500 remainder oem }",
        "decision d { rule r priority 5 effective 2026-01-01..2026-12-31 when x then a = 1 }",
        "decision d { rule r when f(x, g(y)) and h() then a = 1 }",
        "decision d { rule r when x.y(z) then a = 1 }",
        "decision d { rule r when (((x))) then a = [ ] }",
        "decision d { rule r when x then a = 1, b = 2 otherwise a = 3 }",
        "decision d { rule r when x then a b c }",
        "units { currency USD distance mi }",
        "decision d { rule r when x == 1.5x then a = 1 }",
        "decision d { rule r when x >= 1 and y <= 2 or z != 3 and w == 4 then a = 1 }",
        "template t \"Hi {{ contact.id }}\\n\"",
        "template t \"\"\"\n  Dear {{ x }},\n  \"quoted\" \"\" text\n  \"\"\"",
        "template t \"\"\"unclosed {{ x }}",
        "template t \"\"\"\"\"\"",
        "template t \"\"\"a\"\"\"\"",
        "template t from \"a.j2\" template u from",
        "template t from template u \"x\"",
        "template t",
        "template \"x\"",
        "calendar c extends d { holidays [jan 1 observed, 3rd mon of jan from 1986, last thu of nov until 1941, easter - 2, easter + 39, 4th thu of nov + 1, 2026-12-24, dec 31 from 2027 until 2030,] }",
        "calendar c { holidays [] holidays [jan 1] }",
        "calendar c { holidays [jan 123] }",
        "calendar c { holidays [jan1] }",
        "calendar c { holidays [6th mon of jan] }",
        "calendar c { holidays [1st mon of] }",
        "calendar c { holidays [easter + ] }",
        "calendar c { holidays [easter +1000] }",
        "calendar c { holidays [jul 4 observed observed] }",
        "calendar c { holidays [jul 4 from 21] }",
        "calendar c { holidays [jul 4 until 2021 from 2020] }",
        "calendar c extends { }",
        "calendar c extends d e { }",
        "calendar c { holidays = [jan 1] }",
    ];
    for (i, c) in cases.iter().enumerate() {
        agree(&format!("case {i}"), c);
    }
}

const VOCAB: &[&str] = &[
    "rule",
    "when",
    "then",
    "otherwise",
    "and",
    "or",
    "not",
    "in",
    "has",
    "matches",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "..",
    "=",
    "==",
    "<",
    "-",
    "/",
    "\"",
    "#",
    "%",
    "x",
    "P0301",
    "USD 5",
    "5",
    "5 h",
    "36 months",
    "2026-01-31",
    "08:00",
    "08:00-18:00",
    "/a/i",
    "\"s\"",
    "true",
    "mon",
    "business days",
    "all",
    "term",
    "party",
    "hours",
    "\n",
    " ",
    "?",
    ":",
    // edges of the lexical rules
    "/a/g",
    "/a/ix",
    "/a\\/b/",
    "5x",
    "1.",
    "1._",
    "1.5_0",
    "P0-",
    "P0.A",
    "P0..P9",
    "08:0",
    "08:00:0",
    "2026-01-31T",
    "2026-01-31T08:00",
    "2026-01-31T08:00:00.5Z",
    "USD 5x",
    "USD5",
    "\\",
    "business dayz",
    "business  hours",
    "mins",
    "5min",
    "5 weeks",
    "\"\\q\"",
    "allx",
    "all.",
    "x.y",
    "a..b",
    "not in",
    "- -",
    "5%",
    "5 %",
    "km",
    "EUR 1_000.50",
    "sat..sun",
    "\"\"\"",
    "\"\"\"{{ x }}\"\"\"",
    "from",
    "template",
    "jan 1",
    "last mon of may",
    "3rd thu of nov + 1",
    "easter - 2",
    "observed",
    "until 2030",
    "holidays",
    "extends",
];

/// Characters inserted by the character-level mutation.
const CHARS: &str = "abgimsxT_-.:/\\\"%059 \n#A{}()[],=<>!";

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn both_parsers_agree_on_mutated_files(
        file in 0usize..64,
        edits in proptest::collection::vec((0usize..10_000, 0usize..5, 0usize..VOCAB.len()), 1..4),
    ) {
        let files = corpus();
        let (name, text) = &files[file % files.len()];
        let mut toks = tokens(text);
        for (at, op, word) in edits {
            if toks.is_empty() { break; }
            let i = at % toks.len();
            match op {
                0 => { toks.remove(i); }
                1 => { let t = toks[i].clone(); toks.insert(i, t); }
                2 => { let j = (i + 1) % toks.len(); toks.swap(i, j); }
                3 => { toks[i] = VOCAB[word].to_string(); }
                _ => {
                    // insert one character inside or beside a token
                    let c: Vec<char> = CHARS.chars().collect();
                    let ch = c[word % c.len()];
                    let t = &mut toks[i];
                    let at = t.char_indices().map(|(k, _)| k).nth(word % (t.chars().count() + 1)).unwrap_or(t.len());
                    t.insert(at, ch);
                }
            }
        }
        let mutated: String = toks.concat();
        agree(&format!("mutation of {name}"), &mutated);
    }
}

/// Templates with slots where a lexeme of VOCAB is put, so that most results are valid
/// and the two lexers are compared on every edge lexeme in every context.
const TEMPLATES: &[&str] = &[
    "decision d { rule r when {} then a = 1 }",
    "decision d { rule r when x == {} then a = {} }",
    "decision d { rule r when x in [{}, {}] then a = 1 }",
    "decision d { rule r when x matches {} then a = 1 }",
    "decision d { rule r when {} {} then a = 1 }",
    "returns { rule r when x then authorize {} {} }",
    "calendar c { hours {} {} }",
    "codes t { {} \"t\" {} }",
    "warranty w { term {} covers {} }",
    "schema s { a: {} }",
    "split s { party p pays parts {} cap {} }",
    "recall {} { affects {} }",
    "template t {} template u {}",
    "calendar c { holidays [{}, {}] }",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn both_parsers_agree_on_lexemes_in_context(
        t in 0usize..TEMPLATES.len(),
        words in proptest::collection::vec(0usize..VOCAB.len(), 2),
    ) {
        let mut text = TEMPLATES[t].to_string();
        for w in &words {
            if let Some(at) = text.find("{}") {
                text.replace_range(at..at + 2, VOCAB[*w]);
            }
        }
        agree(&format!("template {t}"), &text);
    }
}
