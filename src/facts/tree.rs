//! Facts from a host's own values, without JSON: any `T: Serialize` is serialized into a
//! [`Tree`] (numbers kept as their exact text, maps in the order given, repeated keys kept
//! so that the validator refuses them), which the validator walks as it walks parsed JSON.
//! [`FactsBuilder`](super::FactsBuilder) builds the same tree field by field.

use super::json::{Node, View};
use serde::ser::{self, Serialize};
use std::fmt;

/// A value as the validator reads it: JSON's shapes, numbers as exact text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tree {
    Null,
    Bool(bool),
    /// The exact text of a number (`"12"`, `"0.10"`, `"-3.5e2"`).
    Number(String),
    String(String),
    Array(Vec<Tree>),
    /// Entries in the order given; a key may repeat (the validator says so).
    Object(Vec<(String, Tree)>),
}

impl<'a> Node<'a> for &'a Tree {
    fn view(self) -> View<'a> {
        match self {
            Tree::Null => View::Null,
            Tree::Bool(b) => View::Bool(*b),
            Tree::Number(n) => View::Number(n),
            Tree::String(s) => View::String(s),
            Tree::Array(a) => View::Array(a.len()),
            Tree::Object(o) => View::Object(o.len()),
        }
    }

    fn items(self) -> impl Iterator<Item = Self> {
        let items: &'a [Tree] = match self {
            Tree::Array(a) => a,
            _ => &[],
        };
        items.iter()
    }

    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        let entries: &'a [(String, Tree)] = match self {
            Tree::Object(o) => o,
            _ => &[],
        };
        entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Tree {
    /// Set `value` at the dotted `path` below this object (making the objects on the way),
    /// replacing what the path held. `Err` with the prefix that is not an object.
    pub(crate) fn set(&mut self, path: &[&str], value: Tree) -> Result<(), String> {
        let Some((first, rest)) = path.split_first() else {
            *self = value;
            return Ok(());
        };
        if matches!(self, Tree::Null) {
            *self = Tree::Object(Vec::new());
        }
        let Tree::Object(entries) = self else {
            return Err(String::new());
        };
        let at = match entries.iter().position(|(k, _)| k == first) {
            Some(i) => i,
            None => {
                entries.push(((*first).to_string(), Tree::Null));
                entries.len() - 1
            }
        };
        entries[at].1.set(rest, value).map_err(|e| {
            if e.is_empty() {
                (*first).to_string()
            } else {
                format!("{first}.{e}")
            }
        })
    }
}

/// Why a value could not be turned into facts (a map with keys that are not text, a
/// number that is not finite).
#[derive(Debug)]
pub(crate) struct TreeError(pub(crate) String);

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TreeError {}

impl ser::Error for TreeError {
    fn custom<T: fmt::Display>(msg: T) -> TreeError {
        TreeError(msg.to_string())
    }
}

/// Serialize `value` into a [`Tree`].
pub(crate) fn to_tree<T: Serialize + ?Sized>(value: &T) -> Result<Tree, TreeError> {
    value.serialize(TreeSerializer)
}

/// The serializer into a [`Tree`]: structs and maps are objects, sequences and tuples
/// arrays, unit and `None` null, a unit variant its name, a newtype variant
/// `{name: value}` (as `serde_json` writes them).
pub(crate) struct TreeSerializer;

fn number(text: String) -> Tree {
    Tree::Number(text)
}

/// The serializer's methods for integers: each as its decimal text.
macro_rules! integers {
    ($($name:ident: $t:ty),* $(,)?) => {
        $(fn $name(self, v: $t) -> Result<Tree, TreeError> {
            Ok(number(v.to_string()))
        })*
    };
}

impl ser::Serializer for TreeSerializer {
    type Ok = Tree;
    type Error = TreeError;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Variant<Seq>;
    type SerializeMap = Map;
    type SerializeStruct = Map;
    type SerializeStructVariant = Variant<Map>;

    fn serialize_bool(self, v: bool) -> Result<Tree, TreeError> {
        Ok(Tree::Bool(v))
    }
    integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    }
    fn serialize_f32(self, v: f32) -> Result<Tree, TreeError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Tree, TreeError> {
        if !v.is_finite() {
            return Err(TreeError(format!("the number {v} is not finite")));
        }
        // Rust writes the shortest text that reads back as the same f64 (0.1 is "0.1"),
        // never with an exponent
        Ok(number(format!("{v}")))
    }
    fn serialize_char(self, v: char) -> Result<Tree, TreeError> {
        Ok(Tree::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Tree, TreeError> {
        Ok(Tree::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Tree, TreeError> {
        Ok(Tree::Array(
            v.iter().map(|b| number(b.to_string())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Tree, TreeError> {
        Ok(Tree::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Tree, TreeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Tree, TreeError> {
        Ok(Tree::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Tree, TreeError> {
        Ok(Tree::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Tree, TreeError> {
        Ok(Tree::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Tree, TreeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Tree, TreeError> {
        Ok(Tree::Object(vec![(
            variant.to_string(),
            value.serialize(self)?,
        )]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, TreeError> {
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq, TreeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, TreeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Seq>, TreeError> {
        Ok(Variant(variant, Seq(Vec::with_capacity(len))))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map, TreeError> {
        Ok(Map {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map, TreeError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Map>, TreeError> {
        Ok(Variant(variant, self.serialize_map(Some(len))?))
    }
}

/// An array being built.
pub(crate) struct Seq(Vec<Tree>);

impl ser::SerializeSeq for Seq {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        self.0.push(value.serialize(TreeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Tree, TreeError> {
        Ok(Tree::Array(self.0))
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Tree, TreeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Tree, TreeError> {
        ser::SerializeSeq::end(self)
    }
}

/// An object being built: its entries, and a key waiting for its value.
pub(crate) struct Map {
    entries: Vec<(String, Tree)>,
    key: Option<String>,
}

/// A map key: text, or a number or bool written as text (as `serde_json` does).
struct KeySerializer;

impl KeySerializer {
    fn scalar(tree: Tree) -> Result<String, TreeError> {
        match tree {
            Tree::String(s) | Tree::Number(s) => Ok(s),
            Tree::Bool(b) => Ok(b.to_string()),
            _ => Err(TreeError(
                "a map key must be text, a number or a bool".into(),
            )),
        }
    }
}

impl ser::SerializeMap for Map {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TreeError> {
        let tree = key.serialize(TreeSerializer)?;
        self.key = Some(KeySerializer::scalar(tree)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| TreeError("a map value without its key".into()))?;
        self.entries.push((key, value.serialize(TreeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Tree, TreeError> {
        Ok(Tree::Object(self.entries))
    }
}

impl ser::SerializeStruct for Map {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TreeError> {
        self.entries
            .push((key.to_string(), value.serialize(TreeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Tree, TreeError> {
        Ok(Tree::Object(self.entries))
    }
}

/// A variant holding a tuple or a struct: `{name: [..]}` or `{name: {..}}`.
pub(crate) struct Variant<T>(&'static str, T);

impl ser::SerializeTupleVariant for Variant<Seq> {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        ser::SerializeSeq::serialize_element(&mut self.1, value)
    }
    fn end(self) -> Result<Tree, TreeError> {
        Ok(Tree::Object(vec![(
            self.0.to_string(),
            ser::SerializeSeq::end(self.1)?,
        )]))
    }
}

impl ser::SerializeStructVariant for Variant<Map> {
    type Ok = Tree;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TreeError> {
        ser::SerializeStruct::serialize_field(&mut self.1, key, value)
    }
    fn end(self) -> Result<Tree, TreeError> {
        Ok(Tree::Object(vec![(
            self.0.to_string(),
            ser::SerializeStruct::end(self.1)?,
        )]))
    }
}
