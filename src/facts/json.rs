//! The JSON read by `Facts::from_json_str`: a strict RFC 8259 parser into a borrowed tree
//! (strings without escapes and every number are slices of the input), and the [`Node`]
//! view the validator walks, implemented for that tree and for `serde_json::Value`.
//!
//! Building a `serde_json::Value` with this crate's `preserve_order` and
//! `arbitrary_precision` features costs about three times what validating it does (an
//! `IndexMap` per object, a `String` per number); this tree costs one `Vec` per object or
//! array. It accepts exactly the texts `serde_json` accepts (a property test holds it to
//! that), a duplicate key replaces the earlier value in place as `serde_json` does, and
//! nesting is limited to 127 levels as in `serde_json`.

use serde_json::Value as J;
use std::borrow::Cow;
use std::collections::HashMap;

/// What the validator needs to know of a JSON value.
pub(crate) trait Node: Sized {
    /// The entries of an object, in input order.
    type Entries<'a>: Iterator<Item = (&'a str, &'a Self)>
    where
        Self: 'a;
    /// Its kind, with what it holds.
    fn view(&self) -> View<'_, Self>;
    /// The entries, if it is an object.
    fn entries(&self) -> Option<Self::Entries<'_>>;
    /// The value of a key, if it is an object that has it.
    fn get(&self, key: &str) -> Option<&Self>;
}

/// A JSON value as the validator sees it.
pub(crate) enum View<'n, N> {
    Null,
    Bool(bool),
    /// The exact text of a number.
    Number(&'n str),
    String(&'n str),
    Array(&'n [N]),
    /// An object with this many entries.
    Object(usize),
}

type JsonEntry<'a> = (&'a String, &'a J);

fn json_entry<'a>((k, v): JsonEntry<'a>) -> (&'a str, &'a J) {
    (k.as_str(), v)
}

impl Node for J {
    type Entries<'a> =
        std::iter::Map<serde_json::map::Iter<'a>, fn(JsonEntry<'a>) -> (&'a str, &'a J)>;

    fn view(&self) -> View<'_, J> {
        match self {
            J::Null => View::Null,
            J::Bool(b) => View::Bool(*b),
            J::Number(n) => View::Number(n.as_str()),
            J::String(s) => View::String(s),
            J::Array(a) => View::Array(a),
            J::Object(o) => View::Object(o.len()),
        }
    }

    fn entries<'a>(&'a self) -> Option<Self::Entries<'a>> {
        let f: fn(JsonEntry<'a>) -> (&'a str, &'a J) = json_entry;
        match self {
            J::Object(o) => Some(o.iter().map(f)),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Object(o) => o.get(key),
            _ => None,
        }
    }
}

/// A parsed JSON value borrowing from its text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tree<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Tree<'a>>),
    Object(Vec<(Cow<'a, str>, Tree<'a>)>),
}

type TreeEntry<'a, 't> = &'a (Cow<'t, str>, Tree<'t>);

fn tree_entry<'a, 't>(e: TreeEntry<'a, 't>) -> (&'a str, &'a Tree<'t>) {
    (e.0.as_ref(), &e.1)
}

impl<'t> Node for Tree<'t> {
    type Entries<'a>
        = std::iter::Map<
        std::slice::Iter<'a, (Cow<'t, str>, Tree<'t>)>,
        fn(TreeEntry<'a, 't>) -> (&'a str, &'a Tree<'t>),
    >
    where
        Self: 'a;

    fn view(&self) -> View<'_, Tree<'t>> {
        match self {
            Tree::Null => View::Null,
            Tree::Bool(b) => View::Bool(*b),
            Tree::Number(n) => View::Number(n),
            Tree::String(s) => View::String(s),
            Tree::Array(a) => View::Array(a),
            Tree::Object(o) => View::Object(o.len()),
        }
    }

    fn entries<'a>(&'a self) -> Option<Self::Entries<'a>> {
        let f: fn(TreeEntry<'a, 't>) -> (&'a str, &'a Tree<'t>) = tree_entry;
        match self {
            Tree::Object(o) => Some(o.iter().map(f)),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Tree<'t>> {
        match self {
            Tree::Object(o) => o.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Deepest nesting of arrays and objects (as `serde_json`, which refuses 128).
const MAX_NESTING: usize = 127;

/// Parse JSON text. The error says what was expected, with line and column (columns
/// count characters).
pub(crate) fn parse(text: &str) -> Result<Tree<'_>, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        depth: 0,
        items: Vec::new(),
        // under 1 KiB: a larger request makes glibc consolidate its free lists each time
        entries: Vec::with_capacity(16),
    };
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
    /// Elements of the arrays being read, innermost last.
    items: Vec<Tree<'a>>,
    /// Entries of the objects being read, innermost last.
    entries: Vec<(Cow<'a, str>, Tree<'a>)>,
}

const CONTROL: &str = "control character (\\u0000-\\u001F) found while parsing a string";

/// One of 64 bits for a key, from its length and its first and last bytes.
fn key_bit(k: &str) -> u64 {
    let b = k.as_bytes();
    let h = b
        .len()
        .wrapping_mul(31)
        .wrapping_add(usize::from(b.first().copied().unwrap_or(0)))
        .wrapping_add(usize::from(b.last().copied().unwrap_or(0)).wrapping_mul(7));
    1u64 << (h % 64)
}

impl<'a> Parser<'a> {
    fn err(&self, what: &str) -> String {
        let at = self.i.min(self.s.len());
        let before = &self.s[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // count characters, not bytes (continuation bytes do not start one)
        let column = before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
            + 1;
        format!("{what} at line {line} column {column}")
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn lit(&mut self, word: &[u8], v: Tree<'a>) -> Result<Tree<'a>, String> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("expected value"))
        }
    }

    fn value(&mut self) -> Result<Tree<'a>, String> {
        match self.s.get(self.i) {
            None => Err(self.err("EOF while parsing a value")),
            Some(b'n') => self.lit(b"null", Tree::Null),
            Some(b't') => self.lit(b"true", Tree::Bool(true)),
            Some(b'f') => self.lit(b"false", Tree::Bool(false)),
            Some(b'"') => self.string().map(Tree::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => self.nested(Self::array),
            Some(b'{') => self.nested(Self::object),
            Some(_) => Err(self.err("expected value")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Tree<'a>, String>) -> Result<Tree<'a>, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err("recursion limit exceeded"));
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn array(&mut self) -> Result<Tree<'a>, String> {
        self.i += 1; // [
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Tree::Array(Vec::new()));
        }
        // elements go on a shared stack first, so that each array is allocated once, at
        // its final size
        let base = self.items.len();
        loop {
            self.ws();
            let v = self.value()?;
            self.items.push(v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Tree::Array(self.items.split_off(base)));
                }
                None => return Err(self.err("EOF while parsing a list")),
                Some(_) => return Err(self.err("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Tree<'a>, String> {
        self.i += 1; // {
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Tree::Object(Vec::new()));
        }
        let base = self.entries.len();
        // a cheap summary of the keys so far: most keys need no search for a repeat
        let mut seen_bits = 0u64;
        let mut index: Option<HashMap<Cow<'a, str>, usize>> = None;
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b'"') => {}
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("key must be a string")),
            }
            let key = self.string()?;
            self.ws();
            match self.s.get(self.i) {
                Some(b':') => self.i += 1,
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("expected `:`")),
            }
            self.ws();
            let v = self.value()?;
            // a repeated key replaces the earlier value in its place, as in serde_json
            let bit = key_bit(&key);
            let mine = &mut self.entries[base..];
            let seen = if seen_bits & bit == 0 {
                None
            } else if let Some(ix) = &index {
                ix.get(&key).copied()
            } else {
                mine.iter().position(|(k, _)| *k == key)
            };
            seen_bits |= bit;
            match seen {
                Some(at) => mine[at].1 = v,
                None => {
                    let at = mine.len();
                    if let Some(ix) = &mut index {
                        ix.insert(key.clone(), at);
                    } else if at >= 32 {
                        let mut ix: HashMap<_, _> = mine
                            .iter()
                            .enumerate()
                            .map(|(i, (k, _))| (k.clone(), i))
                            .collect();
                        ix.insert(key.clone(), at);
                        index = Some(ix);
                    }
                    self.entries.push((key, v));
                }
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Tree::Object(self.entries.split_off(base)));
                }
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("expected `,` or `}`")),
            }
        }
    }

    fn number(&mut self) -> Result<Tree<'a>, String> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("invalid number")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                return Err(self.err("invalid number"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if !self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                return Err(self.err("invalid number"));
            }
            self.digits();
        }
        Ok(Tree::Number(&self.text[start..self.i]))
    }

    fn digits(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
    }

    /// Where the next `"`, `\\` or control character is, from `self.i`.
    fn string_run(&self) -> usize {
        let rest = &self.s[self.i..];
        rest.iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .map_or(self.s.len(), |p| self.i + p)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.i += 1; // "
        let start = self.i;
        // the fast path: no escapes
        self.i = self.string_run();
        match self.s.get(self.i) {
            None => return Err(self.err("EOF while parsing a string")),
            Some(b'"') => {
                let s = &self.text[start..self.i];
                self.i += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err(CONTROL)),
        }
        let mut out = String::with_capacity(self.i - start + 16);
        out.push_str(&self.text[start..self.i]);
        loop {
            let run = self.i;
            self.i = self.string_run();
            out.push_str(&self.text[run..self.i]);
            match self.s.get(self.i) {
                None => return Err(self.err("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("EOF while parsing a string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            out.push(c);
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("invalid escape"));
                        }
                    }
                }
                Some(_) => return Err(self.err(CONTROL)),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let Some(h) = self.s.get(self.i..self.i + 4) else {
            self.i = self.s.len();
            return Err(self.err("EOF while parsing a string"));
        };
        let mut n = 0u32;
        for &c in h {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.err("invalid escape")),
            };
            n = n * 16 + u32::from(d);
        }
        self.i += 4;
        Ok(n)
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let n = self.hex4()?;
        match n {
            0xD800..=0xDBFF => {
                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                    return Err(self.err("lone leading surrogate in hex escape"));
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(self.err("lone leading surrogate in hex escape"));
                }
                let c = 0x10000 + ((n - 0xD800) << 10) + (lo - 0xDC00);
                char::from_u32(c).ok_or_else(|| self.err("invalid unicode code point"))
            }
            0xDC00..=0xDFFF => Err(self.err("lone trailing surrogate in hex escape")),
            _ => char::from_u32(n).ok_or_else(|| self.err("invalid unicode code point")),
        }
    }
}

/// The tree as a `serde_json::Value` (tests compare the two parsers with it).
#[cfg(test)]
pub(crate) fn to_value(t: &Tree<'_>) -> J {
    use std::str::FromStr;
    match t {
        Tree::Null => J::Null,
        Tree::Bool(b) => J::Bool(*b),
        Tree::Number(n) => J::Number(serde_json::Number::from_str(n).unwrap()),
        Tree::String(s) => J::String(s.to_string()),
        Tree::Array(a) => J::Array(a.iter().map(to_value).collect()),
        Tree::Object(o) => J::Object(
            o.iter()
                .map(|(k, v)| (k.to_string(), to_value(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same_as_serde(text: &str) {
        let ours = parse(text).map(|t| to_value(&t));
        let theirs = serde_json::from_str::<J>(text.trim_start_matches('\u{feff}'));
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        for t in [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1.5",
            "1e5",
            "1E+5",
            "-1.0e-5",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "\"\"",
            "\"a\\u00e9\\ud83d\\ude00\\n\"",
            "\"\\ud83d\"",
            "\"\\udc00\"",
            "\"\\x\"",
            "\"a\tb\"",
            "[]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{}",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "{\"a\":1,\"a\":2,\"b\":3}",
            " [ 1 , { } ] ",
            "[1] x",
            "nul",
            "truex",
            "\"\\u12\"",
            "\"é\"",
            "\u{feff}{}",
            "123456789012345678901234567890",
            "1e400",
            "[\"\\/\"]",
        ] {
            same_as_serde(t);
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).unwrap_err().contains("recursion limit"));
        let ok = "[".repeat(127) + &"]".repeat(127);
        same_as_serde(&("[".repeat(128) + &"]".repeat(128)));
        same_as_serde(&ok);
    }

    #[test]
    fn errors_have_a_place() {
        let e = parse("{\"a\": 1,\n  \"é\": }").unwrap_err();
        assert_eq!(e, "expected value at line 2 column 8");
    }

    fn arb_json() -> impl Strategy<Value = J> {
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?"
                .prop_map(|s| J::Number(s.parse().unwrap())),
            any::<String>().prop_map(J::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(J::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| J::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn reads_what_serde_json_writes(v in arb_json()) {
            let compact = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(parse(&compact).map(|t| to_value(&t)), Ok(v.clone()));
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(parse(&pretty).map(|t| to_value(&t)), Ok(v));
        }

        #[test]
        fn a_damaged_text_is_refused_by_both_or_by_neither(
            v in arb_json(),
            at in any::<prop::sample::Index>(),
            with in prop::sample::select(vec!["", "\"", "\\", ",", ":", "]", "}", "[", "{", "0", "-", ".", "e", " ", "\n", "\u{1}", "x", "é"]),
        ) {
            let text = serde_json::to_string(&v).unwrap();
            let cut = at.index(text.len() + 1);
            if text.is_char_boundary(cut) {
                let next = text[cut..].chars().next().map_or(cut, |c| cut + c.len_utf8());
                same_as_serde(&format!("{}{}{}", &text[..cut], with, &text[next..]));
                same_as_serde(&format!("{}{}{}", &text[..cut], with, &text[cut..]));
            }
        }

        #[test]
        fn accepts_what_serde_json_accepts(text in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ \n]{0,24}") {
            same_as_serde(&text);
        }
    }
}
