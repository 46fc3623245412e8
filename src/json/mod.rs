//! The crate's own JSON value, [`Json`]: numbers as their exact text (`"12.50"` stays
//! `12.50`, a 30-digit decimal keeps every digit), objects in the order they were written.
//!
//! The crate reads and writes every JSON document through it rather than through
//! `serde_json::Value`, so that it needs neither of serde_json's `arbitrary_precision` and
//! `preserve_order` features: cargo unifies features across a build, and turning those on
//! would change `serde_json::Value`'s numbers and maps for every other crate linked into a
//! host. `serde_json` still escapes the strings this module writes and parses the numbers
//! that a conversion to `serde_json::Value` needs.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

pub(crate) mod ser;

/// A JSON value with exact numbers and ordered objects.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// The exact text of a number (`"12"`, `"0.10"`, `"-3.5e2"`).
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// Entries in the order written. Documents this crate builds never repeat a key; a
    /// parsed one may (the facts validator reports it).
    Object(Vec<(String, Json)>),
}

static NULL: Json = Json::Null;

/// An object from `"key": value` pairs, in order, each value anything `Serialize`
/// (through [`Json::of`]): `obj!{"id": id, "line": 3, "errors": obj!{"n": 1}}`.
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {
        $crate::json::Json::Object(vec![$(($k.to_string(), $crate::json::Json::of(&$v))),*])
    };
}
pub(crate) use obj;

impl Json {
    /// Parse a whole JSON text, numbers kept as their exact text, entries in order (a
    /// repeated key kept); the error gives line and column.
    pub fn parse(text: &str) -> Result<Json, String> {
        crate::facts::parse_json(text)
    }

    /// An object from its entries, in order.
    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Any serializable value (structs in field order, maps in their order, numbers
    /// exact, floats that are not finite as `null`); `null` for what `serde_json` could
    /// not write either (a map whose keys are not text, numbers or bools).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Json {
        ser::of(value).unwrap_or_default()
    }

    /// A number from a float, written as `serde_json` writes it (`null` when not finite).
    pub fn float(x: f64) -> Json {
        serde_json::Number::from_f64(x).map_or(Json::Null, |n| Json::Number(n.to_string()))
    }

    /// The value of `key`, if this is an object that has it (the first, should it repeat).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(o) => o.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value of `key` to change, if this is an object that has it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(o) => o.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Set `key` in an object (replacing its value, or appending it); nothing for a
    /// value that is not an object.
    pub fn insert(&mut self, key: impl Into<String>, value: Json) {
        if let Json::Object(o) = self {
            let key = key.into();
            match o.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v = value,
                None => o.push((key, value)),
            }
        }
    }

    /// Remove `key` from an object, giving back its value.
    pub fn remove(&mut self, key: &str) -> Option<Json> {
        match self {
            Json::Object(o) => {
                let at = o.iter().position(|(k, _)| k == key)?;
                Some(o.remove(at).1)
            }
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The compact text (as `serde_json::to_string` writes it), appended to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(true) => out.extend_from_slice(b"true"),
            Json::Bool(false) => out.extend_from_slice(b"false"),
            Json::Number(n) => out.extend_from_slice(n.as_bytes()),
            Json::String(s) => write_str(out, s),
            Json::Array(a) => {
                out.push(b'[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    v.write(out);
                }
                out.push(b']');
            }
            Json::Object(o) => {
                out.push(b'{');
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, k);
                    out.push(b':');
                    v.write(out);
                }
                out.push(b'}');
            }
        }
    }

    /// The indented text (as `serde_json::to_string_pretty` writes it: two spaces).
    pub fn pretty(&self) -> String {
        let mut out = Vec::new();
        self.write_pretty(&mut out, 0);
        String::from_utf8(out).unwrap_or_default()
    }

    fn write_pretty(&self, out: &mut Vec<u8>, depth: usize) {
        let indent = |out: &mut Vec<u8>, d: usize| {
            out.push(b'\n');
            out.extend(std::iter::repeat_n(b' ', 2 * d));
        };
        match self {
            Json::Array(a) if !a.is_empty() => {
                out.push(b'[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    indent(out, depth + 1);
                    v.write_pretty(out, depth + 1);
                }
                indent(out, depth);
                out.push(b']');
            }
            Json::Object(o) if !o.is_empty() => {
                out.push(b'{');
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    indent(out, depth + 1);
                    write_str(out, k);
                    out.extend_from_slice(b": ");
                    v.write_pretty(out, depth + 1);
                }
                indent(out, depth);
                out.push(b'}');
            }
            other => other.write(out),
        }
    }

    /// The same document as a `serde_json::Value`. Its numbers are as exact as the
    /// `serde_json` of the build keeps them (without its `arbitrary_precision` feature a
    /// decimal becomes the nearest `f64`; a number no `f64` holds becomes its text), and
    /// its objects as ordered as that build keeps them.
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Json::Null => J::Null,
            Json::Bool(b) => J::Bool(*b),
            Json::Number(n) => n
                .parse::<serde_json::Number>()
                .map_or_else(|_| J::String(n.clone()), J::Number),
            Json::String(s) => J::String(s.clone()),
            Json::Array(a) => J::Array(a.iter().map(Json::to_serde).collect()),
            Json::Object(o) => {
                J::Object(o.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect())
            }
        }
    }
}

/// A string as a JSON string literal, escaped as `serde_json` escapes it.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    // writing into a Vec cannot fail
    let _ = serde_json::to_writer(out, s);
}

/// Whether `s` is a number as JSON writes one (RFC 8259 §6).
pub(crate) fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

impl std::ops::Index<&str> for Json {
    type Output = Json;

    /// The value of `key`, `null` when absent or not an object.
    fn index(&self, key: &str) -> &Json {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Json {
    type Output = Json;

    /// The element at `i`, `null` when absent or not an array.
    fn index(&self, i: usize) -> &Json {
        match self {
            Json::Array(a) => a.get(i).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
}

impl fmt::Display for Json {
    /// The compact text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        self.write(&mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

impl Serialize for Json {
    /// Numbers that are integers as integers; other numbers as their exact text through
    /// `serde_json`'s raw values (so `serde_json::to_string` writes `12.50` as given, and
    /// `serde_json::to_value` reads it as that build of `serde_json` reads numbers).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    return s.serialize_i64(i);
                }
                if let Ok(u) = n.parse::<u64>() {
                    return s.serialize_u64(u);
                }
                match serde_json::value::RawValue::from_string(n.clone()) {
                    Ok(raw) => raw.serialize(s),
                    Err(_) => s.serialize_str(n),
                }
            }
            Json::String(t) => s.serialize_str(t),
            Json::Array(a) => s.collect_seq(a),
            Json::Object(o) => {
                let mut m = s.serialize_map(Some(o.len()))?;
                for (k, v) in o {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(s)
    }
}

impl From<&String> for Json {
    fn from(s: &String) -> Json {
        Json::String(s.clone())
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl From<$t> for Json {
            fn from(i: $t) -> Json {
                Json::Number(i.to_string())
            }
        }
    )*};
}
integers!(i32, i64, i128, u8, u16, u32, u64, u128, usize);

impl From<f64> for Json {
    fn from(x: f64) -> Json {
        Json::float(x)
    }
}

impl From<rust_decimal::Decimal> for Json {
    fn from(d: rust_decimal::Decimal) -> Json {
        Json::Number(d.to_string())
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Json {
        v.map_or(Json::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(v: Vec<T>) -> Json {
        Json::Array(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order_are_kept() {
        let j = Json::object([
            ("z", Json::Number("12.50".into())),
            ("a", Json::Number("123456789012345678901234567.5".into())),
            ("m", Json::from("é\"\n")),
        ]);
        assert_eq!(
            j.to_string(),
            r#"{"z":12.50,"a":123456789012345678901234567.5,"m":"é\"\n"}"#
        );
        assert_eq!(serde_json::to_string(&j).unwrap(), j.to_string());
        let back: serde_json::Value = serde_json::from_str(&j.to_string()).unwrap();
        assert_eq!(back, j.to_serde());
    }

    #[test]
    fn pretty_is_serde_jsons_pretty() {
        let j = Json::object([
            (
                "a",
                Json::Array(vec![
                    1.into(),
                    Json::Array(vec![]),
                    Json::object::<String>([]),
                ]),
            ),
            ("b", Json::object([("c", Json::Null)])),
        ]);
        let serde = serde_json::to_string_pretty(&j.to_serde()).unwrap();
        assert_eq!(j.pretty(), serde);
    }

    #[test]
    fn numbers_are_recognised() {
        for ok in ["0", "-0", "12", "0.5", "1e9", "1.5E-3", "-12.50"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", ".5", "5.", "+1", "1e", "0x10", "1.5.2", " 1"] {
            assert!(!is_number(bad), "{bad}");
        }
    }
}
