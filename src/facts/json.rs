//! The JSON read by `Facts::from_json_str`: a strict RFC 8259 parser into a flat
//! document (every node is 12 bytes in one arena; strings without escapes and every number
//! are spans of the input), and the [`Node`] view the validator walks, implemented for that
//! document and for `serde_json::Value`.
//!
//! Building a `serde_json::Value` with this crate's `preserve_order` and
//! `arbitrary_precision` features costs about three times what validating it does (an
//! `IndexMap` per object, a `String` per number). This parser fills an arena and, for
//! strings with escapes, a buffer; a thread keeps both from one text to the next
//! ([`Buffers`]), so that reading a stream of bundles allocates nothing for its JSON. It accepts exactly the texts `serde_json`
//! accepts (property tests hold it to that), keeps a repeated key as an entry of its own
//! (the validator refuses it: `duplicate_key`, where `serde_json` would keep the last
//! value), and nesting is limited to 127 levels as in `serde_json`.

use crate::json::Json;

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
    /// A number of a host's `serde_json::Value`, which holds no text: as exact as that
    /// build of `serde_json` keeps numbers (the validator writes it out).
    Host(&'a serde_json::Number),
    String(&'a str),
    /// An array with this many elements.
    Array(usize),
    /// An object with this many entries.
    Object(usize),
}

impl<'a> Node<'a> for &'a serde_json::Value {
    fn view(self) -> View<'a> {
        use serde_json::Value as J;
        match self {
            J::Null => View::Null,
            J::Bool(b) => View::Bool(*b),
            J::Number(n) => View::Host(n),
            J::String(s) => View::String(s),
            J::Array(a) => View::Array(a.len()),
            J::Object(o) => View::Object(o.len()),
        }
    }

    fn items(self) -> impl Iterator<Item = Self> {
        let items: &'a [serde_json::Value] = match self {
            serde_json::Value::Array(a) => a,
            _ => &[],
        };
        items.iter()
    }

    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        let map = match self {
            serde_json::Value::Object(o) => Some(o),
            _ => None,
        };
        map.into_iter()
            .flat_map(|o| o.iter().map(|(k, v)| (k.as_str(), v)))
    }

    fn get(self, key: &str) -> Option<Self> {
        match self {
            serde_json::Value::Object(o) => o.get(key),
            _ => None,
        }
    }
}

/// The kinds of node (as `u32`, so that a [`Slot`] has no padding and copies as whole
/// words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
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

/// The buffers a parse fills: kept from one text to the next by [`Buffers::take`] and
/// [`Buffers::give_back`], so that a thread reading many texts allocates them once.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    /// The strings that had escapes, decoded one after the other.
    unescaped: String,
    /// Every node but the root, each container's elements (or keys and values) together.
    nodes: Vec<Slot>,
    /// Elements and entries of the containers being read, innermost last.
    stack: Vec<Slot>,
}

std::thread_local! {
    /// This thread's buffers, while no parse holds them.
    static BUFFERS: std::cell::Cell<Buffers> = const {
        std::cell::Cell::new(Buffers {
            unescaped: String::new(),
            nodes: Vec::new(),
            stack: Vec::new(),
        })
    };
}

/// Buffers larger than this many nodes are dropped after use rather than kept.
const KEEP_NODES: usize = 1 << 16;

impl Buffers {
    /// This thread's buffers (fresh ones if a parse holds them already).
    pub(crate) fn take() -> Buffers {
        BUFFERS.with(std::cell::Cell::take)
    }

    /// Keep the buffers for this thread's next parse, unless one text made them large.
    pub(crate) fn give_back(self) {
        if self.nodes.capacity() <= KEEP_NODES
            && self.stack.capacity() <= KEEP_NODES
            && self.unescaped.capacity() <= 16 * KEEP_NODES
        {
            BUFFERS.with(|c| c.set(self));
        }
    }
}

/// A parsed JSON text, in the [`Buffers`] it was parsed into.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    text: &'a str,
    unescaped: &'a str,
    nodes: &'a [Slot],
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

    #[inline]
    fn str_of(&self, s: Slot) -> &'a str {
        let (a, b) = (s.a as usize, s.b as usize);
        let src = match s.tag {
            Tag::Escaped => self.unescaped,
            _ => self.text,
        };
        src.get(a..a + b).unwrap_or("")
    }
}

/// A value of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref<'d> {
    doc: &'d Doc<'d>,
    slot: Slot,
}

impl<'d> Node<'d> for Ref<'d> {
    #[inline]
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

    #[inline]
    fn items(self) -> impl Iterator<Item = Self> {
        let items: &'d [Slot] = match self.slot.tag {
            Tag::Array => {
                let start = self.slot.a as usize;
                let n = self.slot.b as usize;
                self.doc.nodes.get(start..start + n).unwrap_or(&[])
            }
            _ => &[],
        };
        let doc = self.doc;
        items.iter().map(move |&slot| Ref { doc, slot })
    }

    #[inline]
    fn entries(self) -> impl Iterator<Item = (&'d str, Self)> {
        let items: &'d [Slot] = match self.slot.tag {
            Tag::Object => {
                let start = self.slot.a as usize;
                let n = self.slot.b as usize;
                self.doc.nodes.get(start..start + 2 * n).unwrap_or(&[])
            }
            _ => &[],
        };
        let doc = self.doc;
        items.chunks_exact(2).map(move |kv| {
            let (key, slot) = match kv {
                [k, v] => (doc.str_of(*k), *v),
                _ => ("", NULL),
            };
            (key, Ref { doc, slot })
        })
    }
}

/// Deepest nesting of arrays and objects (as `serde_json`, which refuses 128).
const MAX_NESTING: usize = 127;

/// Parse JSON text into `bufs` (emptied first). The error says what was expected, with
/// line and column (columns count characters).
pub(crate) fn parse<'a>(text: &'a str, bufs: &'a mut Buffers) -> Result<Doc<'a>, String> {
    if u32::try_from(text.len()).is_err() {
        return Err("the text is larger than 4 GiB".to_string());
    }
    bufs.unescaped.clear();
    bufs.nodes.clear();
    bufs.stack.clear();
    // about one node per 10 bytes of a typical bundle: most need no growing
    bufs.nodes.reserve(text.len() / 10 + 8);
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        depth: 0,
        failed: ("", 0),
        bufs,
    };
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    p.ws();
    let root = p.value().and_then(|()| {
        p.ws();
        if p.i < p.s.len() {
            Err(p.fail("trailing characters"))
        } else {
            Ok(p.bufs.stack.pop().unwrap_or(NULL))
        }
    });
    match root {
        Ok(root) => {
            let bufs: &'a Buffers = p.bufs;
            Ok(Doc {
                text,
                unescaped: &bufs.unescaped,
                nodes: &bufs.nodes,
                root,
            })
        }
        Err(Fail) => Err(p.message()),
    }
}

/// The text is not JSON: what and where are in [`Parser::failed`].
struct Fail;

struct Parser<'a, 'b> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
    /// What was expected, and where, once the text is known bad.
    failed: (&'static str, usize),
    bufs: &'b mut Buffers,
}

const CONTROL: &str = "control character (\\u0000-\\u001F) found while parsing a string";

/// A position as `u32` (the text is known to be shorter than 4 GiB: no truncation).
#[inline]
fn pos(i: usize) -> u32 {
    i as u32
}

/// A byte in every lane of a word.
const fn lanes(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte of `w` that is `"`, `\` or a control character; exact up to
/// the lowest such byte (above it a borrow may mark others), which is all that is read.
#[inline]
fn specials(w: u64) -> u64 {
    let q = w ^ lanes(b'"');
    let e = w ^ lanes(b'\\');
    let quote = q.wrapping_sub(lanes(1)) & !q;
    let escape = e.wrapping_sub(lanes(1)) & !e;
    let control = w.wrapping_sub(lanes(0x20)) & !w;
    (quote | escape | control) & lanes(0x80)
}

/// Where the first `"`, `\` or control character at or after `i` is (`s.len()` if none),
/// eight bytes at a time.
#[inline]
fn string_run(s: &[u8], mut i: usize) -> usize {
    while let Some(word) = s.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let m = specials(u64::from_le_bytes(word));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    s.len()
}

impl Parser<'_, '_> {
    /// Note what was expected here; the parse stops.
    #[cold]
    fn fail(&mut self, what: &'static str) -> Fail {
        self.failed = (what, self.i);
        Fail
    }

    /// The message of the failure: what, at which line and column.
    fn message(&self) -> String {
        let (what, at) = self.failed;
        let at = at.min(self.s.len());
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

    #[inline]
    fn ws(&mut self) {
        let s = self.s;
        let mut i = self.i;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = s.get(i) {
            i += 1;
        }
        self.i = i;
    }

    fn lit(&mut self, word: &[u8], tag: Tag) -> Result<Slot, Fail> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(Slot { tag, a: 0, b: 0 })
        } else {
            Err(self.fail("expected value"))
        }
    }

    /// Read one value and push its slot on the stack (slots go through the stack, not
    /// through return values: reading back a whole slot written field by field stalls).
    fn value(&mut self) -> Result<(), Fail> {
        let slot = match self.s.get(self.i) {
            Some(b'"') => self.string()?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b'{') => return self.object(),
            Some(b'[') => return self.array(),
            Some(b'n') => self.lit(b"null", Tag::Null)?,
            Some(b't') => self.lit(b"true", Tag::True)?,
            Some(b'f') => self.lit(b"false", Tag::False)?,
            None => return Err(self.fail("EOF while parsing a value")),
            Some(_) => return Err(self.fail("expected value")),
        };
        self.bufs.stack.push(slot);
        Ok(())
    }

    /// [`Parser::value`] for an element or an entry's value: strings and numbers (most
    /// values) read here, without the call to `value`, whose frame is large.
    #[inline]
    fn element(&mut self) -> Result<(), Fail> {
        let slot = match self.s.get(self.i) {
            Some(b'"') => self.string()?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return self.value(),
        };
        self.bufs.stack.push(slot);
        Ok(())
    }

    /// One level deeper, at the `[` or `{` that opens it.
    #[inline]
    fn enter(&mut self) -> Result<(), Fail> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.fail("recursion limit exceeded"));
        }
        self.i += 1;
        Ok(())
    }

    /// Move the slots above `base` on the stack to the arena, as one container's block,
    /// and push the container in their place.
    #[inline]
    fn close(&mut self, base: usize, tag: Tag, count: usize) {
        self.depth -= 1;
        let bufs = &mut *self.bufs;
        let start = bufs.nodes.len();
        if let Some(block) = bufs.stack.get(base..) {
            bufs.nodes.extend_from_slice(block);
        }
        bufs.stack.truncate(base);
        bufs.stack.push(Slot {
            tag,
            a: pos(start),
            b: pos(count),
        });
    }

    fn array(&mut self) -> Result<(), Fail> {
        self.enter()?; // [
        self.ws();
        let base = self.bufs.stack.len();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            self.close(base, Tag::Array, 0);
            return Ok(());
        }
        loop {
            self.ws();
            self.element()?;
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    let n = self.bufs.stack.len() - base;
                    self.close(base, Tag::Array, n);
                    return Ok(());
                }
                None => return Err(self.fail("EOF while parsing a list")),
                Some(_) => return Err(self.fail("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<(), Fail> {
        self.enter()?; // {
        self.ws();
        let base = self.bufs.stack.len();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.close(base, Tag::Object, 0);
            return Ok(());
        }
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b'"') => {}
                None => return Err(self.fail("EOF while parsing an object")),
                Some(_) => return Err(self.fail("key must be a string")),
            }
            let key = self.string()?;
            self.ws();
            match self.s.get(self.i) {
                Some(b':') => self.i += 1,
                None => return Err(self.fail("EOF while parsing an object")),
                Some(_) => return Err(self.fail("expected `:`")),
            }
            self.ws();
            self.bufs.stack.push(key);
            // a repeated key is kept as an entry of its own: the validator refuses it
            // with its path (`duplicate_key`), where a reader that keeps one of the two
            // would decide on a value another reader does not see
            self.element()?;
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    let n = (self.bufs.stack.len() - base) / 2;
                    self.close(base, Tag::Object, n);
                    return Ok(());
                }
                None => return Err(self.fail("EOF while parsing an object")),
                Some(_) => return Err(self.fail("expected `,` or `}`")),
            }
        }
    }

    fn number(&mut self) -> Result<Slot, Fail> {
        let s = self.s;
        let start = self.i;
        let mut i = start;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(s, i + 1),
            _ => {
                self.i = i;
                return Err(self.fail("invalid number"));
            }
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            if !s.get(i).is_some_and(u8::is_ascii_digit) {
                self.i = i;
                return Err(self.fail("invalid number"));
            }
            i = digits(s, i);
        }
        if let Some(b'e' | b'E') = s.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = s.get(i) {
                i += 1;
            }
            if !s.get(i).is_some_and(u8::is_ascii_digit) {
                self.i = i;
                return Err(self.fail("invalid number"));
            }
            i = digits(s, i);
        }
        self.i = i;
        Ok(Slot {
            tag: Tag::Number,
            a: pos(start),
            b: pos(i - start),
        })
    }

    #[inline]
    fn string(&mut self) -> Result<Slot, Fail> {
        let start = self.i + 1; // past the "
                                // the fast path: no escapes
        let end = string_run(self.s, start);
        if self.s.get(end) == Some(&b'"') {
            self.i = end + 1;
            return Ok(Slot {
                tag: Tag::Str,
                a: pos(start),
                b: pos(end - start),
            });
        }
        self.i = end;
        self.escaped(start)
    }

    /// The rest of a string that began at `start` and has stopped at `self.i` before the
    /// end of its first run (a `\`, a control character, or the end of the text).
    #[cold]
    fn escaped(&mut self, start: usize) -> Result<Slot, Fail> {
        match self.s.get(self.i) {
            None => return Err(self.fail("EOF while parsing a string")),
            Some(b'\\') => {}
            Some(_) => return Err(self.fail(CONTROL)),
        }
        let out_start = self.bufs.unescaped.len();
        let mut run = start;
        loop {
            // runs end before an ASCII byte or at the end: they are whole characters
            if let Some(text) = self.text.get(run..self.i) {
                self.bufs.unescaped.push_str(text);
            }
            match self.s.get(self.i) {
                None => return Err(self.fail("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Slot {
                        tag: Tag::Escaped,
                        a: pos(out_start),
                        b: pos(self.bufs.unescaped.len() - out_start),
                    });
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.fail("EOF while parsing a string"));
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
                            return Err(self.fail("invalid escape"));
                        }
                    };
                    self.bufs.unescaped.push(c);
                }
                Some(_) => return Err(self.fail(CONTROL)),
            }
            run = self.i;
            self.i = string_run(self.s, run);
        }
    }

    fn hex4(&mut self) -> Result<u32, Fail> {
        let Some(h) = self.s.get(self.i..self.i + 4) else {
            self.i = self.s.len();
            return Err(self.fail("EOF while parsing a string"));
        };
        let mut n = 0u32;
        for &c in h {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.fail("invalid escape")),
            };
            n = n * 16 + u32::from(d);
        }
        self.i += 4;
        Ok(n)
    }

    fn unicode_escape(&mut self) -> Result<char, Fail> {
        let n = self.hex4()?;
        match n {
            0xD800..=0xDBFF => {
                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                    return Err(self.fail("lone leading surrogate in hex escape"));
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(self.fail("lone leading surrogate in hex escape"));
                }
                let c = 0x10000 + ((n - 0xD800) << 10) + (lo - 0xDC00);
                char::from_u32(c).ok_or_else(|| self.fail("invalid unicode code point"))
            }
            0xDC00..=0xDFFF => Err(self.fail("lone trailing surrogate in hex escape")),
            _ => char::from_u32(n).ok_or_else(|| self.fail("invalid unicode code point")),
        }
    }
}

/// Past the ASCII digits at and after `i`.
#[inline]
fn digits(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// A value of the document as a [`Json`] (numbers as their text, entries in order, a
/// repeated key kept).
pub(crate) fn to_json(r: Ref<'_>) -> Json {
    match r.view() {
        View::Null => Json::Null,
        View::Bool(b) => Json::Bool(b),
        View::Number(n) => Json::Number(n.to_string()),
        View::Host(n) => Json::Number(n.to_string()),
        View::String(s) => Json::String(s.to_string()),
        View::Array(_) => Json::Array(r.items().map(to_json).collect()),
        View::Object(_) => Json::Object(
            r.entries()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// Parse a whole JSON text into a [`Json`]; the error gives line and column.
pub(crate) fn parse_json(text: &str) -> Result<Json, String> {
    let mut bufs = Buffers::take();
    let out = parse(text, &mut bufs).map(|d| to_json(d.root()));
    bufs.give_back();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parse into fresh buffers and convert.
    fn ours(text: &str) -> Result<Json, String> {
        let mut bufs = Buffers::default();
        parse(text, &mut bufs).map(|d| to_json(d.root()))
    }

    /// Both accept or both refuse `text`, and read the same value; except that a number
    /// beyond `f64` is read by this parser (as its text: the validator says it is out of
    /// range) where `serde_json` without `arbitrary_precision` refuses the document.
    fn same_as_serde(text: &str) {
        let ours = ours(text);
        let theirs = serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}'));
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(&a.to_serde(), b, "{text:?}"),
            (Err(_), Err(_)) => {}
            (Ok(_), Err(e)) if e.to_string().contains("number out of range") => {}
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
        assert!(ours(&deep).unwrap_err().contains("recursion limit"));
        let ok = "[".repeat(127) + &"]".repeat(127);
        same_as_serde(&("[".repeat(128) + &"]".repeat(128)));
        same_as_serde(&ok);
    }

    #[test]
    fn errors_have_a_place() {
        let e = ours("{\"a\": 1,\n  \"é\": }").unwrap_err();
        assert_eq!(e, "expected value at line 2 column 8");
    }

    fn arb_json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?".prop_map(Json::Number),
            any::<String>().prop_map(Json::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                prop::collection::vec((any::<String>(), inner), 0..6).prop_map(Json::Object),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn reads_back_what_it_writes(v in arb_json()) {
            let compact = v.to_string();
            prop_assert_eq!(ours(&compact), Ok(v.clone()));
            let pretty = v.pretty();
            prop_assert_eq!(ours(&pretty), Ok(v));
        }

        #[test]
        fn a_damaged_text_is_refused_by_both_or_by_neither(
            v in arb_json(),
            at in any::<prop::sample::Index>(),
            with in prop::sample::select(vec!["", "\"", "\\", ",", ":", "]", "}", "[", "{", "0", "-", ".", "e", " ", "\n", "\u{1}", "x", "é"]),
        ) {
            let text = v.to_string();
            let cut = at.index(text.len() + 1);
            if text.is_char_boundary(cut) {
                let next = text[cut..].chars().next().map_or(cut, |c| cut + c.len_utf8());
                same_as_serde(&format!("{}{}{}", &text[..cut], with, &text[next..]));
                same_as_serde(&format!("{}{}{}", &text[..cut], with, &text[cut..]));
            }
        }

        #[test]
        fn the_word_scan_finds_what_a_byte_scan_finds(
            bytes in prop::collection::vec(prop::sample::select(vec![b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xa0, 0xe2, 0xff, 0]), 0..40),
            from in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let naive = bytes[from..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map_or(bytes.len(), |p| from + p);
            prop_assert_eq!(string_run(&bytes, from), naive);
        }

        #[test]
        fn accepts_what_serde_json_accepts(text in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ \n]{0,24}") {
            same_as_serde(&text);
        }
    }
}
