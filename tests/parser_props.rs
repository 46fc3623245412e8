//! Property tests of the parser (proptest, at most 256 cases per property):
//! (a) any text at all gives diagnostics with places inside that text, never a panic;
//! (b) valid files with one to three tokens deleted, duplicated, swapped or replaced give
//!     the same, with sane line:column, and the same result every time;
//! (c) generated well-formed expressions parse without diagnostics to the tree their
//!     precedence says, and redundant parentheses around every sub-expression change
//!     nothing but spans.

use aftersales::check::duplicate_names;
use aftersales::diag::Diagnostics;
use aftersales::dsl::ast::{BinOp, CmpOp, Expr, ExprKind, Item, Literal};
use aftersales::dsl::{self, Parsed};
use proptest::prelude::*;
use proptest::sample::Index;

const CASES: u32 = 256;

// ───────────────────────── shared checks ─────────────────────────

/// Parse as `aftersales check` does and check what every diagnostic says about places:
/// spans inside their file's text (the text as loaded: a leading byte-order mark is not
/// part of it), on character boundaries, at line and column 1 or more.
fn parse_checked(text: &str) -> Result<(Parsed, Diagnostics), TestCaseError> {
    let parsed = dsl::parse_str("prop.rules", text);
    let mut diags = parsed.diagnostics.clone();
    if !diags.has_errors() {
        diags.extend(duplicate_names(&parsed.files));
    }
    let loaded = text.strip_prefix('\u{feff}').unwrap_or(text);
    for d in diags.as_slice() {
        for span in d.span.iter().chain(d.related.iter().map(|r| &r.span)) {
            let file = parsed.map.file(span.file);
            prop_assert!(file.is_some(), "span in an unknown file: {d:?}");
            let source: &str = &file.unwrap().text;
            prop_assert_eq!(source, loaded);
            let (s, e) = (span.start as usize, span.end as usize);
            prop_assert!(
                s <= e && e <= source.len(),
                "span {s}..{e} outside a text of {} bytes: {d:?}",
                source.len()
            );
            prop_assert!(
                source.is_char_boundary(s) && source.is_char_boundary(e),
                "span {s}..{e} cuts a character: {d:?}"
            );
            let (line, col) = parsed.map.line_col(span.file, span.start);
            prop_assert!(line >= 1 && col >= 1, "{line}:{col} for {d:?}");
            prop_assert!(line <= source.split('\n').count());
        }
    }
    Ok((parsed, diags))
}

/// The spec examples, read once.
fn spec_files() -> &'static [String] {
    static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lang/spec");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rules"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    })
}

// ───────────────────────── (a) arbitrary text ─────────────────────────

/// Text from the language's own alphabet (much more likely to get deep into the grammar
/// than uniform unicode), or any unicode at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_ A-Z0-9(){}\\[\\]\".,=<>!+*/%#:?\n\t\\\\-]{0,300}",
        any::<String>(),
        prop::collection::vec(prop::sample::select(VOCABULARY), 0..60).prop_map(|v| v.join(" ")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_text_gives_diagnostics_in_the_text(text in any_text()) {
        parse_checked(&text)?;
    }
}

// ───────────────────────── (b) mutated valid files ─────────────────────────

/// Keywords, operators, literals and junk that a mutation may put in place of a token.
const VOCABULARY: &[&str] = &[
    // reserved and contextual keywords
    "and",
    "or",
    "not",
    "in",
    "matches",
    "contains",
    "has",
    "true",
    "false",
    "when",
    "then",
    "otherwise",
    "rule",
    "schema",
    "extend",
    "open",
    "units",
    "codes",
    "from",
    "format",
    "attributes",
    "decision",
    "hit",
    "output",
    "priority",
    "effective",
    "warranty",
    "term",
    "covers",
    "all",
    "excludes",
    "split",
    "party",
    "pays",
    "cap",
    "remainder",
    "queue",
    "route",
    "calendar",
    "hours",
    "holidays",
    "segment",
    "channel",
    "returns",
    "disposition",
    "authorize",
    "deny",
    "restocking",
    "recall",
    "affects",
    "report",
    "due",
    "after",
    "opportunity",
    "set",
    "of",
    "enum",
    "code",
    "collect",
    "sum",
    "first",
    // operators and punctuation
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "..",
    ".",
    ",",
    ":",
    "=",
    "?",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "%",
    // literals, good and bad
    "0",
    "42",
    "1.25",
    "100_000",
    "70%",
    "USD 120.50",
    "EUR",
    "36 months",
    "3.5 months",
    "4h",
    "2 business days",
    "100_000 mi",
    "2026-01-31",
    "2026-02-30",
    "2026-01-31T08:00:00Z",
    "2026-01-31T25:61Z",
    "08:00",
    "25:00",
    "08:00-18:00",
    "18:00-08:00",
    "24:00",
    "\"text\"",
    "\"\"",
    "\"unterminated",
    "\"bad \\q\"",
    "\"\\u{110000}\"",
    "\"\\u{e9}\"",
    "/^INJ-/",
    "/re/i",
    "/re/ig",
    "/unterminated",
    "P0301",
    "P0301..P0312",
    "B0312..P0301",
    "WR",
    "99999999999999999999",
    "1.0000000000000000000000000000001",
    // junk
    "é",
    "“",
    "€",
    "🚗",
    "\u{0}",
    "\u{feff}",
    "#",
    "# comment\n",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "&&",
    "'",
    "@",
    "\\",
    ";",
    "$",
    "`",
    "~",
    "^",
    "|",
    "{{{{",
    "))))",
    "not not not",
];

/// Split a text into tokens at whitespace/punctuation boundaries: runs of word characters,
/// runs of whitespace, and single other characters. Joining the tokens gives the text.
fn tokens(text: &str) -> Vec<&str> {
    let class = |c: char| {
        if c.is_whitespace() {
            0
        } else if c.is_alphanumeric() || c == '_' {
            1
        } else {
            2
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if i > start && (prev != Some(k) || k == 2) {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    Replace(Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Duplicate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<Index>(), prop::sample::select(VOCABULARY))
            .prop_map(|(a, w)| Mutation::Replace(a, w)),
    ]
}

/// Apply mutations to the non-whitespace tokens of `text`.
fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(String::from).collect();
    for m in mutations {
        let words: Vec<usize> = (0..toks.len())
            .filter(|&i| !toks[i].trim().is_empty())
            .collect();
        if words.is_empty() {
            break;
        }
        match m {
            Mutation::Delete(i) => {
                toks.remove(*i.get(&words));
            }
            Mutation::Duplicate(i) => {
                let at = *i.get(&words);
                let t = toks[at].clone();
                toks.insert(at, t);
            }
            Mutation::Swap(a, b) => toks.swap(*a.get(&words), *b.get(&words)),
            Mutation::Replace(i, w) => toks[*i.get(&words)] = (*w).to_string(),
        }
    }
    toks.concat()
}

#[test]
fn tokens_rebuild_the_text() {
    for text in spec_files() {
        let toks = tokens(text);
        assert_eq!(&toks.concat(), text);
        let words = toks.iter().filter(|t| !t.trim().is_empty()).count();
        assert!(words > 20, "{words} tokens");
        assert!(toks.contains(&"{") && toks.contains(&"}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn mutated_valid_files_give_sane_deterministic_diagnostics(
        file in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..=3),
    ) {
        let files = spec_files();
        let text = mutate(file.get::<String>(files), &mutations);
        let (p1, d1) = parse_checked(&text)?;
        let (p2, d2) = parse_checked(&text)?;
        prop_assert_eq!(&d1, &d2, "diagnostics differ between two parses of the same text");
        prop_assert_eq!(&p1.files, &p2.files, "trees differ between two parses of the same text");
    }
}

// ───────────────────────── (c) generated expressions ─────────────────────────

/// A generated expression: what the text should parse to.
#[derive(Debug, Clone)]
enum G {
    /// Source text and the printed form of what it should parse to.
    Leaf(String, String),
    Not(Box<G>),
    Neg(Box<G>),
    And(Vec<G>),
    Or(Vec<G>),
    Cmp(&'static str, Box<G>, Box<G>),
    Arith(&'static str, Box<G>, Box<G>),
    InList(bool, Box<G>, Vec<G>),
    InRange(bool, Box<G>, Box<G>, Box<G>),
    Contains(Box<G>, Box<G>),
    Matches(Box<G>, &'static str, &'static str, &'static str),
    Call(&'static str, Vec<G>),
    List(Vec<G>),
}

const PATHS: &[&str] = &[
    "x",
    "claim.fault",
    "claim.fault.system",
    "claim.odometer",
    "product.owner",
    "coverage.covered",
    "segment.name",
    "return.condition",
    "context.today",
    "original",
];

/// (source, printed form) of the leaves.
fn leaves() -> Vec<(String, String)> {
    let lit = |src: &str, printed: &str| (src.to_string(), printed.to_string());
    let mut v = vec![
        lit("42", "int:42"),
        lit("100_000", "int:100000"),
        lit("1.25", "dec:1.25"),
        lit("70%", "pct:0.7"),
        lit("EUR 120.50", "money:EUR 120.5"),
        lit("USD 0", "money:USD 0"),
        lit("36 months", "qty:36 Month"),
        lit("4h", "qty:4 Hour"),
        lit("1.5 h", "qty:1.5 Hour"),
        lit("2 business days", "qty:2 BusinessDay"),
        lit("100_000 mi", "qty:100000 Mi"),
        lit("2026-01-31", "date:2026-01-31"),
        lit("2026-01-31T08:00:00Z", "datetime:2026-01-31T08:00:00+00:00"),
        lit(
            "2026-01-31T08:00+01:00",
            "datetime:2026-01-31T08:00:00+01:00",
        ),
        lit("08:00", "clock:08:00:00"),
        lit("\"\"", "text:\"\""),
        lit("\"IONIQ 5\"", "text:\"IONIQ 5\""),
        lit(
            "\"say \\\"hi\\\"\\n\\u{e9}\"",
            &format!("text:{:?}", "say \"hi\"\né"),
        ),
        lit("P0301", "code:P0301"),
        lit("WR", "code:WR"),
        lit("B1-004", "code:B1-004"),
        lit("true", "bool:true"),
        lit("false", "bool:false"),
    ];
    for p in PATHS {
        v.push((p.to_string(), format!("path:{p}")));
        v.push((format!("has {p}"), format!("has:{p}")));
    }
    v
}

fn gen_expr() -> impl Strategy<Value = G> {
    let leaf = prop::sample::select(leaves()).prop_map(|(s, p)| G::Leaf(s, p));
    leaf.prop_recursive(5, 40, 4, |e| {
        let be = || e.clone().prop_map(Box::new);
        // n-ary chains never hold a chain of the same operator directly: the parser
        // flattens `(a and b) and c` into one chain, which is the same expression
        let not_and = e
            .clone()
            .prop_filter("and in and", |g| !matches!(g, G::And(_)));
        let not_or = e
            .clone()
            .prop_filter("or in or", |g| !matches!(g, G::Or(_)));
        prop_oneof![
            be().prop_map(G::Not),
            be().prop_map(G::Neg),
            prop::collection::vec(not_and, 2..5).prop_map(G::And),
            prop::collection::vec(not_or, 2..5).prop_map(G::Or),
            (
                prop::sample::select(&["==", "!=", "<", "<=", ">", ">="][..]),
                be(),
                be()
            )
                .prop_map(|(op, l, r)| G::Cmp(op, l, r)),
            (prop::sample::select(&["+", "-", "*", "/"][..]), be(), be())
                .prop_map(|(op, l, r)| G::Arith(op, l, r)),
            (any::<bool>(), be(), prop::collection::vec(e.clone(), 0..4))
                .prop_map(|(n, v, items)| G::InList(n, v, items)),
            (any::<bool>(), be(), be(), be()).prop_map(|(n, v, lo, hi)| G::InRange(n, v, lo, hi)),
            (be(), be()).prop_map(|(c, i)| G::Contains(c, i)),
            (
                be(),
                prop::sample::select(
                    &[
                        ("/^INJ-/", "^INJ-", ""),
                        ("/\\b(fire|smoke)\\b/i", "\\b(fire|smoke)\\b", "i"),
                        ("/a\\/b/ms", "a/b", "ms"),
                    ][..]
                )
            )
                .prop_map(|(v, (src, pat, flags))| G::Matches(v, src, pat, flags)),
            (
                prop::sample::select(&["days_between", "len", "lower", "max"][..]),
                prop::collection::vec(e.clone(), 0..3)
            )
                .prop_map(|(f, args)| G::Call(f, args)),
            prop::collection::vec(e, 0..4).prop_map(G::List),
        ]
    })
}

/// Binding strength of the outermost operator of `g` (LANGUAGE.md §4): higher binds
/// tighter; atoms are 9.
fn prec(g: &G) -> u8 {
    match g {
        G::Or(_) => 1,
        G::And(_) => 2,
        G::Not(_) => 3,
        G::Cmp(..) | G::InList(..) | G::InRange(..) | G::Contains(..) | G::Matches(..) => 4,
        G::Arith("+" | "-", ..) => 6,
        G::Arith(..) => 7,
        G::Neg(_) => 8,
        G::Leaf(..) | G::Call(..) | G::List(_) => 9,
    }
}

/// Print `g` with as few parentheses as its precedence needs (`full`: false), or with
/// parentheses around every sub-expression (`full`: true).
fn print(g: &G, full: bool) -> String {
    // print a child that must bind at least as tightly as `min`
    let child = |c: &G, min: u8| {
        let s = print(c, full);
        if full || prec(c) < min {
            format!("({s})")
        } else {
            s
        }
    };
    let list = |items: &[G]| {
        let parts: Vec<String> = items.iter().map(|i| child(i, 0)).collect();
        format!("[{}]", parts.join(", "))
    };
    let not = |n: bool| if n { "not in" } else { "in" };
    match g {
        G::Leaf(src, _) => src.clone(),
        G::Not(x) => format!("not {}", child(x, 3)),
        G::Neg(x) => format!("- {}", child(x, 8)),
        G::And(v) => v
            .iter()
            .map(|x| child(x, 3))
            .collect::<Vec<_>>()
            .join(" and "),
        G::Or(v) => v
            .iter()
            .map(|x| child(x, 2))
            .collect::<Vec<_>>()
            .join(" or "),
        G::Cmp(op, l, r) => format!("{} {op} {}", child(l, 6), child(r, 6)),
        G::Arith(op, l, r) => {
            let p = prec(g);
            format!("{} {op} {}", child(l, p), child(r, p + 1))
        }
        G::InList(n, v, items) => format!("{} {} {}", child(v, 6), not(*n), list(items)),
        G::InRange(n, v, lo, hi) => {
            let range = format!("{}..{}", child(lo, 6), child(hi, 6));
            let range = if full { format!("({range})") } else { range };
            format!("{} {} {range}", child(v, 6), not(*n))
        }
        G::Contains(c, i) => format!("{} contains {}", child(c, 6), child(i, 6)),
        G::Matches(v, src, _, _) => format!("{} matches {src}", child(v, 6)),
        G::Call(f, args) => {
            let parts: Vec<String> = args.iter().map(|a| child(a, 0)).collect();
            format!("{f}({})", parts.join(", "))
        }
        G::List(items) => list(items),
    }
}

/// The tree `g` stands for, in the printed form of [`shape`].
fn expected(g: &G) -> String {
    let all = |v: &[G]| v.iter().map(expected).collect::<Vec<_>>().join(" ");
    match g {
        G::Leaf(_, printed) => printed.clone(),
        G::Not(x) => format!("(not {})", expected(x)),
        G::Neg(x) => format!("(neg {})", expected(x)),
        G::And(v) => format!("(and {})", all(v)),
        G::Or(v) => format!("(or {})", all(v)),
        G::Cmp(op, l, r) => format!("({op} {} {})", expected(l), expected(r)),
        G::Arith(op, l, r) => format!("({op} {} {})", expected(l), expected(r)),
        G::InList(n, v, items) => {
            format!(
                "(in{} {} (list {}))",
                if *n { "!" } else { "" },
                expected(v),
                all(items)
            )
        }
        G::InRange(n, v, lo, hi) => format!(
            "(in{} {} (range {} {}))",
            if *n { "!" } else { "" },
            expected(v),
            expected(lo),
            expected(hi)
        ),
        G::Contains(c, i) => format!("(contains {} {})", expected(c), expected(i)),
        G::Matches(v, _, pat, flags) => format!("(matches {} /{pat}/{flags})", expected(v)),
        G::Call(f, args) => format!("(call {f} {})", all(args)),
        G::List(items) => format!("(list {})", all(items)),
    }
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Bool(b) => format!("bool:{b}"),
        Literal::Int(i) => format!("int:{i}"),
        Literal::Decimal(d) => format!("dec:{}", d.normalize()),
        Literal::Percent(d) => format!("pct:{}", d.normalize()),
        Literal::Money { currency, amount } => format!("money:{currency} {}", amount.normalize()),
        Literal::Quantity { value, unit } => format!("qty:{} {unit:?}", value.normalize()),
        Literal::Date(d) => format!("date:{d}"),
        Literal::DateTime(d) => format!("datetime:{}", d.to_rfc3339()),
        Literal::Clock(t) => format!("clock:{t}"),
        Literal::Opening(a, b) => format!("opening:{a}-{b}"),
        Literal::Text(t) => format!("text:{t:?}"),
        Literal::Code(c) => format!("code:{c}"),
    }
}

/// A parsed expression printed without its spans.
fn shape(e: &Expr) -> String {
    let all = |v: &[Expr]| v.iter().map(shape).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Path(p) => format!("path:{}", p.dotted()),
        ExprKind::Has(p) => format!("has:{}", p.dotted()),
        ExprKind::Call { name, args } => format!("(call {} {})", name.name, all(args)),
        ExprKind::List(items) => format!("(list {})", all(items)),
        ExprKind::Range { lo, hi } => format!("(range {} {})", shape(lo), shape(hi)),
        ExprKind::Neg(x) => format!("(neg {})", shape(x)),
        ExprKind::Not(x) => format!("(not {})", shape(x)),
        ExprKind::Binary { op, lhs, rhs } => {
            let op = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
            };
            format!("({op} {} {})", shape(lhs), shape(rhs))
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let op = match op {
                CmpOp::Eq => "==",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            format!("({op} {} {})", shape(lhs), shape(rhs))
        }
        ExprKind::In {
            negated,
            value,
            set,
        } => format!(
            "(in{} {} {})",
            if *negated { "!" } else { "" },
            shape(value),
            shape(set)
        ),
        ExprKind::Matches { value, regex } => {
            format!(
                "(matches {} /{}/{})",
                shape(value),
                regex.pattern,
                regex.flags
            )
        }
        ExprKind::Contains { container, item } => {
            format!("(contains {} {})", shape(container), shape(item))
        }
        ExprKind::And(v) => format!("(and {})", all(v)),
        ExprKind::Or(v) => format!("(or {})", all(v)),
    }
}

/// Parse `expr` as a rule's condition; its printed shape, or the diagnostics.
fn parse_condition(expr: &str) -> Result<String, String> {
    let text = format!("decision d {{ rule r when {expr} then a = 1 }}");
    let parsed = dsl::parse_str("expr.rules", &text);
    if !parsed.diagnostics.is_empty() {
        let msgs: Vec<String> = parsed
            .diagnostics
            .as_slice()
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        return Err(format!("{text}\n{}", msgs.join("\n")));
    }
    match parsed.files[0].items.first() {
        Some(Item::Decision(d)) if d.rules.len() == 1 => Ok(shape(&d.rules[0].when)),
        other => Err(format!("{text}\nnot one decision with one rule: {other:?}")),
    }
}

#[test]
fn precedence_of_the_spec() {
    // LANGUAGE.md §4: `not a and b` is `(not a) and b`, `not x == y` is `not (x == y)`
    let cases = [
        ("not a and b", "(and (not path:a) path:b)"),
        ("not x == y", "(not (== path:x path:y))"),
        ("a or b and c", "(or path:a (and path:b path:c))"),
        (
            "a + b * c == d - e",
            "(== (+ path:a (* path:b path:c)) (- path:d path:e))",
        ),
        ("- a * b", "(* (neg path:a) path:b)"),
        ("a - b - c", "(- (- path:a path:b) path:c)"),
        (
            "x in P0300..P0399",
            "(in path:x (range code:P0300 code:P0399))",
        ),
        ("x not in [a, b]", "(in! path:x (list path:a path:b))"),
        ("not has a or b", "(or (not has:a) path:b)"),
        ("a + b matches /x/", "(matches (+ path:a path:b) /x/)"),
    ];
    for (src, want) in cases {
        assert_eq!(parse_condition(src).as_deref(), Ok(want), "{src}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn generated_expressions_parse_to_their_tree(g in gen_expr()) {
        let minimal = print(&g, false);
        let parsed = parse_condition(&minimal).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&parsed, &expected(&g), "{}", minimal);
        let full = format!("({})", print(&g, true));
        let reparsed = parse_condition(&full).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&reparsed, &parsed, "{}", full);
    }
}
