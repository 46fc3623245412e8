//! Facts from a host's own values, without JSON: any `T: Serialize` is serialized into a
//! [`Json`] (numbers kept as their exact text, maps in the order given, repeated keys kept
//! so that the validator refuses them), which the validator walks as it walks parsed JSON.
//! [`FactsBuilder`](super::FactsBuilder) builds the same tree field by field.

use super::json::{Node, View};
use crate::json::Json;

impl<'a> Node<'a> for &'a Json {
    fn view(self) -> View<'a> {
        match self {
            Json::Null => View::Null,
            Json::Bool(b) => View::Bool(*b),
            Json::Number(n) => View::Number(n),
            Json::String(s) => View::String(s),
            Json::Array(a) => View::Array(a.len()),
            Json::Object(o) => View::Object(o.len()),
        }
    }

    fn items(self) -> impl Iterator<Item = Self> {
        let items: &'a [Json] = match self {
            Json::Array(a) => a,
            _ => &[],
        };
        items.iter()
    }

    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        let entries: &'a [(String, Json)] = match self {
            Json::Object(o) => o,
            _ => &[],
        };
        entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Json {
    /// Set `value` at the dotted `path` below this object (making the objects on the way),
    /// replacing what the path held. `Err` with the prefix that is not an object.
    pub(crate) fn set(&mut self, path: &[&str], value: Json) -> Result<(), String> {
        let Some((first, rest)) = path.split_first() else {
            *self = value;
            return Ok(());
        };
        if matches!(self, Json::Null) {
            *self = Json::Object(Vec::new());
        }
        let Json::Object(entries) = self else {
            return Err(String::new());
        };
        let at = match entries.iter().position(|(k, _)| k == first) {
            Some(i) => i,
            None => {
                entries.push(((*first).to_string(), Json::Null));
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

pub(crate) use crate::json::ser::to_tree;
