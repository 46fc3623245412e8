//! The JSON read by `Facts::from_json_str`: a strict RFC 8259 parser into a flat
//! document (every node is 12 bytes in one arena; strings without escapes and every number
//! are spans of the input), and the [`Node`] view the validator walks, implemented for that
//! document and for `serde_json::Value`.
//!
//! Building a `serde_json::Value` with this crate's `preserve_order` and
//! `arbitrary_precision` features costs about three times what validating it does (an
//! `IndexMap` per object, a `String` per number). This parser allocates the arena, and a
//! buffer only if some string has escapes. It accepts exactly the texts `serde_json`
//! accepts (property tests hold it to that), a repeated key replaces the earlier value in
//! place as in `serde_json`, and nesting is limited to 127 levels as in `serde_json`.

use serde_json::Value as J;
use std::collections::HashMap;

/// What the validator needs to know of a JSON value: a cheap handle (`Copy`) that lives
/// as long as the document it points into.
pub(crate) trait Node<'a>: Copy {
    /// Its kind, with what it holds.
    fn view(self) -> View<'a>;
    /// The elements, if it is an array.
    fn items(self) -> impl Iterator<Item = Self>;
    /// The entries in input order, if it is an object.
    fn entries(self) -> impl Iterator<Item = (&'a str, Self)>;
    /// The value of a key, if it is an object that has it.
    fn get(self, key: &str) -> Option<Self> {
        self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// A JSON value as the validator sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View<'a> {
    Null,
    Bool(bool),
    /// The exact text of a number.
    Number(&'a str),
    String(&'a str),
    /// An array with this many elements.
    Array(usize),
    /// An object with this many entries.
    Object(usize),
}

impl<'a> Node<'a> for &'a J {
    fn view(self) -> View<'a> {
        match self {
            J::Null => View::Null,
            J::Bool(b) => View::Bool(*b),
            J::Number(n) => View::Number(n.as_str()),
            J::String(s) => View::String(s),
            J::Array(a) => View::Array(a.len()),
            J::Object(o) => View::Object(o.len()),
        }
    }

    fn items(self) -> impl Iterator<Item = Self> {
        let items: &'a [J] = match self {
            J::Array(a) => a,
            _ => &[],
        };
        items.iter()
    }

    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        let map = match self {
            J::Object(o) => Some(o),
            _ => None,
        };
        map.into_iter()
            .flat_map(|o| o.iter().map(|(k, v)| (k.as_str(), v)))
    }

    fn get(self, key: &str) -> Option<Self> {
        match self {
            J::Object(o) => o.get(key),
            _ => None,
        }
    }
}

/// The kinds of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Null,
    True,
    False,
    /// `text[a..a + b]`
    Number,
    /// `text[a..a + b]`
    Str,
    /// `unescaped[a..a + b]`
    Escaped,
    /// `nodes[a..a + b]`
    Array,
    /// `nodes[a..a + 2b]`: key, value, key, value, ...
    Object,
}

/// One node: its kind and two numbers whose meaning depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    tag: Tag,
    a: u32,
    b: u32,
}

const NULL: Slot = Slot {
    tag: Tag::Null,
    a: 0,
    b: 0,
};

/// A parsed JSON text.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    text: &'a str,
    /// The strings that had escapes, decoded one after the other.
    unescaped: String,
    nodes: Vec<Slot>,
    root: Slot,
}

impl<'a> Doc<'a> {
    /// The root value.
    pub(crate) fn root(&self) -> Ref<'_> {
        Ref {
            doc: self,
            slot: self.root,
        }
    }

    fn str_of(&self, s: Slot) -> &str {
        let (a, b) = (s.a as usize, s.b as usize);
        let src = match s.tag {
            Tag::Escaped => self.unescaped.as_str(),
            _ => self.text,
        };
        src.get(a..a + b).unwrap_or("")
    }

    fn node(&self, i: usize) -> Slot {
        self.nodes.get(i).copied().unwrap_or(NULL)
    }
}

/// A value of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref<'d> {
    doc: &'d Doc<'d>,
    slot: Slot,
}

impl<'d> Node<'d> for Ref<'d> {
    fn view(self) -> View<'d> {
        let s = self.slot;
        match s.tag {
            Tag::Null => View::Null,
            Tag::True => View::Bool(true),
            Tag::False => View::Bool(false),
            Tag::Number => View::Number(self.doc.str_of(s)),
            Tag::Str | Tag::Escaped => View::String(self.doc.str_of(s)),
            Tag::Array => View::Array(s.b as usize),
            Tag::Object => View::Object(s.b as usize),
        }
    }

    fn items(self) -> impl Iterator<Item = Self> {
        let (start, n) = match self.slot.tag {
            Tag::Array => (self.slot.a as usize, self.slot.b as usize),
            _ => (0, 0),
        };
        let doc = self.doc;
        (start..start + n).map(move |i| Ref {
            doc,
            slot: doc.node(i),
        })
    }

    fn entries(self) -> impl Iterator<Item = (&'d str, Self)> {
        let (start, n) = match self.slot.tag {
            Tag::Object => (self.slot.a as usize, self.slot.b as usize),
            _ => (0, 0),
        };
        let doc = self.doc;
        (0..n).map(move |k| {
            let i = start + 2 * k;
            let key = doc.str_of(doc.node(i));
            (
                key,
                Ref {
                    doc,
                    slot: doc.node(i + 1),
                },
            )
        })
    }
}

/// Deepest nesting of arrays and objects (as `serde_json`, which refuses 128).
const MAX_NESTING: usize = 127;

/// Parse JSON text. The error says what was expected, with line and column (columns
/// count characters).
pub(crate) fn parse(text: &str) -> Result<Doc<'_>, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        depth: 0,
        stack: Vec::with_capacity(32),
        doc: Doc {
            text,
            unescaped: String::new(),
            // about one node per 10 bytes of a typical bundle: most need no growing
            nodes: Vec::with_capacity(text.len() / 10 + 8),
            root: NULL,
        },
    };
    if u32::try_from(text.len()).is_err() {
        return Err("the text is larger than 4 GiB".to_string());
    }
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    p.ws();
    let root = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("trailing characters"));
    }
    p.doc.root = root;
    Ok(p.doc)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
    /// Elements and entries of the containers being read, innermost last.
    stack: Vec<Slot>,
    doc: Doc<'a>,
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

/// A position as `u32` (the text is known to be shorter than 4 GiB).
fn pos(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
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

    fn lit(&mut self, word: &[u8], tag: Tag) -> Result<Slot, String> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(Slot { tag, a: 0, b: 0 })
        } else {
            Err(self.err("expected value"))
        }
    }

    fn value(&mut self) -> Result<Slot, String> {
        match self.s.get(self.i) {
            None => Err(self.err("EOF while parsing a value")),
            Some(b'n') => self.lit(b"null", Tag::Null),
            Some(b't') => self.lit(b"true", Tag::True),
            Some(b'f') => self.lit(b"false", Tag::False),
            Some(b'"') => self.string(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => self.nested(Self::array),
            Some(b'{') => self.nested(Self::object),
            Some(_) => Err(self.err("expected value")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Slot, String>) -> Result<Slot, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err("recursion limit exceeded"));
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Move the slots above `base` on the stack to the arena, as one container's block.
    fn close(&mut self, base: usize, tag: Tag, count: usize) -> Slot {
        let start = self.doc.nodes.len();
        self.doc.nodes.extend(self.stack.drain(base..));
        Slot {
            tag,
            a: pos(start),
            b: pos(count),
        }
    }

    fn array(&mut self) -> Result<Slot, String> {
        self.i += 1; // [
        self.ws();
        let base = self.stack.len();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(self.close(base, Tag::Array, 0));
        }
        loop {
            self.ws();
            let v = self.value()?;
            self.stack.push(v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    let n = self.stack.len() - base;
                    return Ok(self.close(base, Tag::Array, n));
                }
                None => return Err(self.err("EOF while parsing a list")),
                Some(_) => return Err(self.err("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Slot, String> {
        self.i += 1; // {
        self.ws();
        let base = self.stack.len();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(self.close(base, Tag::Object, 0));
        }
        // a cheap summary of the keys so far: most keys need no search for a repeat
        let mut seen_bits = 0u64;
        // where each key is, once there are too many for a linear search
        let mut index: Option<HashMap<String, usize>> = None;
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
            let k = self.doc.str_of(key);
            let bit = key_bit(k);
            let count = (self.stack.len() - base) / 2;
            let seen = if seen_bits & bit == 0 {
                None
            } else if let Some(ix) = &index {
                ix.get(k).copied()
            } else {
                (0..count).find(|&j| self.doc.str_of(self.stack[base + 2 * j]) == k)
            };
            seen_bits |= bit;
            match seen {
                Some(j) => self.stack[base + 2 * j + 1] = v,
                None => {
                    if let Some(ix) = &mut index {
                        ix.insert(k.to_string(), count);
                    } else if count >= 32 {
                        let mut ix: HashMap<String, usize> = (0..count)
                            .map(|j| (self.doc.str_of(self.stack[base + 2 * j]).to_string(), j))
                            .collect();
                        ix.insert(k.to_string(), count);
                        index = Some(ix);
                    }
                    self.stack.push(key);
                    self.stack.push(v);
                }
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    let n = (self.stack.len() - base) / 2;
                    return Ok(self.close(base, Tag::Object, n));
                }
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("expected `,` or `}`")),
            }
        }
    }

    fn number(&mut self) -> Result<Slot, String> {
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
        Ok(Slot {
            tag: Tag::Number,
            a: pos(start),
            b: pos(self.i - start),
        })
    }

    fn digits(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
    }

    /// Where the next `"`, `\` or control character is, from `self.i`.
    fn string_run(&self) -> usize {
        let rest = &self.s[self.i..];
        rest.iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .map_or(self.s.len(), |p| self.i + p)
    }

    fn string(&mut self) -> Result<Slot, String> {
        self.i += 1; // "
        let start = self.i;
        // the fast path: no escapes
        self.i = self.string_run();
        match self.s.get(self.i) {
            None => return Err(self.err("EOF while parsing a string")),
            Some(b'"') => {
                self.i += 1;
                return Ok(Slot {
                    tag: Tag::Str,
                    a: pos(start),
                    b: pos(self.i - 1 - start),
                });
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err(CONTROL)),
        }
        let out_start = self.doc.unescaped.len();
        self.doc.unescaped.push_str(&self.text[start..self.i]);
        loop {
            let run = self.i;
            self.i = self.string_run();
            self.doc.unescaped.push_str(&self.text[run..self.i]);
            match self.s.get(self.i) {
                None => return Err(self.err("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Slot {
                        tag: Tag::Escaped,
                        a: pos(out_start),
                        b: pos(self.doc.unescaped.len() - out_start),
                    });
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("EOF while parsing a string"));
                    };
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.i -= 1;
                            return Err(self.err("invalid escape"));
                        }
                    };
                    self.doc.unescaped.push(c);
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

/// A value of the document as a `serde_json::Value` (tests compare the two parsers).
#[cfg(test)]
pub(crate) fn to_value(r: Ref<'_>) -> J {
    use std::str::FromStr;
    match r.view() {
        View::Null => J::Null,
        View::Bool(b) => J::Bool(b),
        View::Number(n) => J::Number(serde_json::Number::from_str(n).unwrap()),
        View::String(s) => J::String(s.to_string()),
        View::Array(_) => J::Array(r.items().map(to_value).collect()),
        View::Object(_) => J::Object(
            r.entries()
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
        let ours = parse(text).map(|d| to_value(d.root()));
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
            prop_assert_eq!(parse(&compact).map(|d| to_value(d.root())), Ok(v.clone()));
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(parse(&pretty).map(|d| to_value(d.root())), Ok(v));
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
