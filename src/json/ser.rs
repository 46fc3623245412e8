//! A serializer into [`Json`]: any `T: Serialize` becomes the crate's own JSON value,
//! numbers as their exact text and fields in the order serialized.

use super::Json;
use serde::ser::{self, Serialize};
use std::fmt;

/// Why a value could not be turned into facts (a map with keys that are not text, a
/// number that is not finite).
#[derive(Debug)]
pub(crate) struct SerError(pub(crate) String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> SerError {
        SerError(msg.to_string())
    }
}

/// Serialize `value` into a [`Json`] as facts: a number that is not finite is an error.
pub(crate) fn to_tree<T: Serialize + ?Sized>(value: &T) -> Result<Json, SerError> {
    value.serialize(JsonSerializer { lenient: false })
}

/// Serialize `value` into a [`Json`] for output: a number that is not finite is `null`,
/// as `serde_json` writes it; `None` only where `serde_json` would fail too (a map whose
/// keys are not text, numbers or bools).
pub(crate) fn of<T: Serialize + ?Sized>(value: &T) -> Option<Json> {
    value.serialize(JsonSerializer { lenient: true }).ok()
}

/// The name `serde_json` gives the struct a raw value serializes as.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// The serializer into a [`Json`]: structs and maps are objects, sequences and tuples
/// arrays, unit and `None` null, a unit variant its name, a newtype variant
/// `{name: value}` (as `serde_json` writes them).
#[derive(Clone, Copy)]
pub(crate) struct JsonSerializer {
    /// Whether a number that is not finite is `null` (output) rather than an error (facts).
    lenient: bool,
}

fn number(text: String) -> Json {
    Json::Number(text)
}

/// The serializer's methods for integers: each as its decimal text.
macro_rules! integers {
    ($($name:ident: $t:ty),* $(,)?) => {
        $(fn $name(self, v: $t) -> Result<Json, SerError> {
            Ok(number(v.to_string()))
        })*
    };
}

impl ser::Serializer for JsonSerializer {
    type Ok = Json;
    type Error = SerError;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Variant<Seq>;
    type SerializeMap = Map;
    type SerializeStruct = Map;
    type SerializeStructVariant = Variant<Map>;

    fn serialize_bool(self, v: bool) -> Result<Json, SerError> {
        Ok(Json::Bool(v))
    }
    integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    }
    fn serialize_f32(self, v: f32) -> Result<Json, SerError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Json, SerError> {
        if !v.is_finite() {
            if self.lenient {
                return Ok(Json::Null);
            }
            return Err(SerError(format!("the number {v} is not finite")));
        }
        // Rust writes the shortest text that reads back as the same f64 (0.1 is "0.1"),
        // never with an exponent
        Ok(number(format!("{v}")))
    }
    fn serialize_char(self, v: char) -> Result<Json, SerError> {
        Ok(Json::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Json, SerError> {
        Ok(Json::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, SerError> {
        Ok(Json::Array(
            v.iter().map(|b| number(b.to_string())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Json, SerError> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Json, SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, SerError> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Json, SerError> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Json, SerError> {
        Ok(Json::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Json, SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Json, SerError> {
        Ok(Json::Object(vec![(
            variant.to_string(),
            value.serialize(self)?,
        )]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, SerError> {
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0)), self))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Seq>, SerError> {
        Ok(Variant(variant, Seq(Vec::with_capacity(len), self)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map, SerError> {
        Ok(Map {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
            ser: self,
            raw: false,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Map, SerError> {
        let mut map = self.serialize_map(Some(len))?;
        // a number `Json` (or `serde_json`) serializes as its raw text
        map.raw = name == RAW_VALUE;
        Ok(map)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Map>, SerError> {
        Ok(Variant(variant, self.serialize_map(Some(len))?))
    }
}

/// An array being built.
pub(crate) struct Seq(Vec<Json>, JsonSerializer);

impl ser::SerializeSeq for Seq {
    type Ok = Json;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.0.push(value.serialize(self.1)?);
        Ok(())
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Array(self.0))
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Json;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Json, SerError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Json, SerError> {
        ser::SerializeSeq::end(self)
    }
}

/// An object being built: its entries, and a key waiting for its value.
pub(crate) struct Map {
    entries: Vec<(String, Json)>,
    key: Option<String>,
    ser: JsonSerializer,
    /// Whether this is a raw value's struct: its one field is JSON text.
    raw: bool,
}

/// A map key: text, or a number or bool written as text (as `serde_json` does).
struct KeySerializer;

impl KeySerializer {
    fn scalar(tree: Json) -> Result<String, SerError> {
        match tree {
            Json::String(s) | Json::Number(s) => Ok(s),
            Json::Bool(b) => Ok(b.to_string()),
            _ => Err(SerError(
                "a map key must be text, a number or a bool".into(),
            )),
        }
    }
}

impl ser::SerializeMap for Map {
    type Ok = Json;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        let tree = key.serialize(self.ser)?;
        self.key = Some(KeySerializer::scalar(tree)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerError("a map value without its key".into()))?;
        self.entries.push((key, value.serialize(self.ser)?));
        Ok(())
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Object(self.entries))
    }
}

impl ser::SerializeStruct for Map {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.entries
            .push((key.to_string(), value.serialize(self.ser)?));
        Ok(())
    }
    fn end(self) -> Result<Json, SerError> {
        if self.raw {
            return match self.entries.into_iter().next() {
                Some((_, Json::String(text))) if super::is_number(text.trim()) => {
                    Ok(Json::Number(text.trim().to_string()))
                }
                _ => Err(SerError("a raw JSON value other than a number".into())),
            };
        }
        Ok(Json::Object(self.entries))
    }
}

/// A variant holding a tuple or a struct: `{name: [..]}` or `{name: {..}}`.
pub(crate) struct Variant<T>(&'static str, T);

impl ser::SerializeTupleVariant for Variant<Seq> {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.1, value)
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Object(vec![(
            self.0.to_string(),
            ser::SerializeSeq::end(self.1)?,
        )]))
    }
}

impl ser::SerializeStructVariant for Variant<Map> {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.1, key, value)
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Object(vec![(
            self.0.to_string(),
            ser::SerializeStruct::end(self.1)?,
        )]))
    }
}
