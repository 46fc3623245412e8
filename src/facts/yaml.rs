//! YAML text to a [`Json`] with numbers kept exact.
//!
//! `yaml_serde` hands every YAML float to the visitor as an `f64`, so `0.10` would come
//! through as `0.1` and `123456789012345678901234567.5` would lose digits. When the first
//! read finds such a number (or a `null`, which is also what `.inf` and `.nan` become), the
//! text is read a second time, walking the same tree, and each of those scalars is read
//! as its exact text with `deserialize_str`, which `yaml_serde` allows for any scalar.

use crate::json::{is_number, Json as J};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Parse YAML text; the error is `yaml_serde`'s message, with line and column. A key
/// repeated within one mapping is kept as an entry of its own, as the JSON reader keeps
/// it, so that the facts validator refuses that one record (`duplicate_key`, with its
/// path) and a batch goes on with the others.
pub(crate) fn parse(text: &str) -> Result<J, String> {
    read(text, false).map_err(|e| e.to_string())
}

/// Parse YAML text, refusing a key repeated in one mapping (YAML 1.2 §3.2.1.1: keys are
/// unique); the error is `yaml_serde`'s, whose `location()` gives line and column.
pub(crate) fn parse_located(text: &str) -> Result<J, yaml_serde::Error> {
    read(text, true)
}

fn read(text: &str, refuse_repeats: bool) -> Result<J, yaml_serde::Error> {
    let first: J =
        Strict { refuse_repeats }.deserialize(yaml_serde::Deserializer::from_str(text))?;
    if !needs_exact_pass(&first) {
        return Ok(first);
    }
    let de = yaml_serde::Deserializer::from_str(text);
    // the second read follows the first one's tree; should it ever fail, keep the first
    Ok(Exact(&first).deserialize(de).unwrap_or(first))
}

/// Whether the tree has a number that went through a float, or a null.
fn needs_exact_pass(v: &J) -> bool {
    match v {
        J::Null => true,
        J::Number(n) => n.contains(['.', 'e', 'E']),
        J::Array(a) => a.iter().any(needs_exact_pass),
        J::Object(m) => m.iter().any(|(_, v)| needs_exact_pass(v)),
        J::Bool(_) | J::String(_) => false,
    }
}

/// Deserializes the node that the first read gave as `.0`, from the same place.
struct Exact<'a>(&'a J);

impl<'de> DeserializeSeed<'de> for Exact<'_> {
    type Value = J;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        match self.0 {
            J::Number(_) | J::Null => d.deserialize_str(ScalarText(self.0)),
            J::Array(items) => d.deserialize_seq(Seq(items)),
            J::Object(map) => d.deserialize_map(Obj(map)),
            other => {
                IgnoredAny::deserialize(d)?;
                Ok(other.clone())
            }
        }
    }
}

/// The exact text of a scalar the first read saw as a number or null.
struct ScalarText<'a>(&'a J);

impl<'de> Visitor<'de> for ScalarText<'_> {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<J, E> {
        Ok(exact_scalar(s, self.0))
    }
}

/// A YAML scalar's text as JSON: an exact number where it is one; `.inf` and `.nan` as
/// strings (so that they are reported, not taken for `null`); otherwise what the first
/// read gave.
fn exact_scalar(s: &str, first: &J) -> J {
    let t = s.trim();
    let unsigned = t.trim_start_matches(['+', '-']);
    if matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    ) {
        return J::String(t.to_string());
    }
    if first.is_null() {
        return J::Null;
    }
    if is_number(t) {
        return J::Number(t.to_string());
    }
    // YAML floats JSON does not write: `+1.5`, `.5`, `-.5`, `5.`
    let (sign, body) = match t.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let mut fixed = String::with_capacity(t.len() + 2);
    fixed.push_str(sign);
    if body.starts_with('.') {
        fixed.push('0');
    }
    fixed.push_str(body);
    if body.ends_with('.') {
        fixed.push('0');
    }
    if is_number(&fixed) {
        J::Number(fixed)
    } else {
        first.clone()
    }
}

struct Seq<'a>(&'a [J]);

impl<'de> Visitor<'de> for Seq<'_> {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::with_capacity(self.0.len());
        for item in self.0 {
            match seq.next_element_seed(Exact(item))? {
                Some(v) => out.push(v),
                None => return Err(de::Error::custom("sequence shorter than at first read")),
            }
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("sequence longer than at first read"));
        }
        Ok(J::Array(out))
    }
}

struct Obj<'a>(&'a [(String, J)]);

impl<'de> Visitor<'de> for Obj<'_> {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        // the entries come in the order of the first read (a repeated key included)
        let mut out = Vec::with_capacity(self.0.len());
        let mut first = self.0.iter();
        while let Some(k) = map.next_key::<String>()? {
            let Some((_, node)) = first.next().filter(|(seen, _)| *seen == k) else {
                return Err(de::Error::custom("key not seen at first read"));
            };
            let v = map.next_value_seed(Exact(node))?;
            out.push((k, v));
        }
        Ok(J::Object(out))
    }
}

/// The first read: a [`Json`], refusing a key repeated in one mapping if
/// `refuse_repeats` (`yaml_serde` puts the path and the place in front of the message).
#[derive(Clone, Copy)]
struct Strict {
    refuse_repeats: bool,
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = J;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<J, E> {
        Ok(v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<J, E> {
        Ok(v.into())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<J, E> {
        Ok(v.into())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<J, E> {
        Ok(v.into())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<J, E> {
        // not finite: null, read again as its text by the exact pass
        Ok(J::float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<J, E> {
        Ok(J::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<J, E> {
        Ok(J::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(J::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out: Vec<(String, J)> = Vec::new();
        let mut keys = std::collections::HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if self.refuse_repeats && !keys.insert(k.clone()) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{k}`: a document whose meaning depends on which of the \
                     two a reader keeps is refused"
                )));
            }
            let v = map.next_value_seed(self)?;
            out.push((k, v));
        }
        Ok(J::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_exact() {
        let v = parse("a: 0.10\nb: 123456789012345678901234567.5\nc: 42\nd: [1.50, {e: 2.0}]\nf: .inf\ng: ~\nh: -.5\ni: 2026-03-01\nj: +1.5\n").unwrap();
        assert_eq!(v["a"].to_string(), "0.10");
        assert_eq!(v["b"].to_string(), "123456789012345678901234567.5");
        assert_eq!(v["c"].to_string(), "42");
        assert_eq!(v["d"][0].to_string(), "1.50");
        assert_eq!(v["d"][1]["e"].to_string(), "2.0");
        assert_eq!(v["f"], J::String(".inf".into()));
        assert_eq!(v["g"], J::Null);
        assert_eq!(v["h"].to_string(), "-0.5");
        assert_eq!(v["i"], J::String("2026-03-01".into()));
        assert_eq!(v["j"].to_string(), "1.5");
    }

    #[test]
    fn anchors_and_aliases_follow() {
        let v = parse("a: &x 0.30\nb: *x\nc: &y [0.1, 0.20]\nd: *y\n").unwrap();
        assert_eq!(v["b"].to_string(), "0.30");
        assert_eq!(v["d"][1].to_string(), "0.20");
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let e = parse("a: [1, 2\nb: 3").unwrap_err();
        assert!(e.contains("line"), "{e}");
    }
}
