//! Typed access to a [`Decision`]'s outputs: [`Decision::get`] reads one output as a Rust
//! type ([`FromOutput`]), naming enum variants and codes (never their indices), and
//! [`Decision::deserialize`] reads them all into a host struct.

use super::Decision;
use crate::check::Checked;
use crate::types::{Env, Type};
use crate::value::{Distance, Money, Value};
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// Why an output could not be read as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The decision has no output of that name.
    #[error("decision `{decision}` has no output `{name}`{help}")]
    UnknownOutput {
        /// The decision.
        decision: String,
        /// The name asked for.
        name: String,
        /// "; did you mean `x`?" or the list of outputs.
        help: String,
    },
    /// The output has no value (nothing set it and it has no default): read it as an
    /// `Option`.
    #[error("output `{name}` of decision `{decision}` has no value; read it as an `Option`")]
    Absent {
        /// The decision.
        decision: String,
        /// The output.
        name: String,
    },
    /// The output's value is not of the type asked for.
    #[error("output `{name}` of decision `{decision}` is {found}, not {wanted}")]
    WrongType {
        /// The decision.
        decision: String,
        /// The output.
        name: String,
        /// What was asked for.
        wanted: &'static str,
        /// What the output holds.
        found: String,
    },
    /// The outputs do not deserialize into the host's type.
    #[error("the outputs of decision `{decision}` do not fit the type asked for: {message}")]
    Deserialize {
        /// The decision.
        decision: String,
        /// serde's message.
        message: String,
    },
    /// The decision was built without its rule set's types (by the reference
    /// interpreter, not [`crate::RuleSet::decide`]), so names cannot be given.
    #[error("decision `{0}` does not know its rule set's types; decide it with `RuleSet::decide`")]
    NoTypes(String),
    /// A [`crate::Verdict`] read before a decision succeeded into it, or with a rule set
    /// other than the one that decided it.
    #[error("the verdict {0}")]
    Verdict(&'static str),
}

/// One output as its rule set types it: the value (if any), its type and the registries
/// that name its variants and codes.
#[derive(Debug, Clone)]
pub struct Output<'a> {
    value: Option<&'a Value>,
    ty: Cow<'a, Type>,
    env: &'a Env,
}

impl<'a> Output<'a> {
    /// An output of type `ty` holding `value`.
    pub(crate) fn new(value: Option<&'a Value>, ty: Cow<'a, Type>, env: &'a Env) -> Output<'a> {
        Output { value, ty, env }
    }

    /// The raw value (enum variants and codes as indices into their enum or table).
    pub fn raw(&self) -> Option<&'a Value> {
        self.value
    }

    /// The output's JSON, as LANGUAGE.md §8 writes it (variants and codes by name, money
    /// in minor units), `null` when absent.
    pub fn to_json(&self) -> serde_json::Value {
        self.json().to_serde()
    }

    /// The output's exact §8 JSON.
    fn json(&self) -> crate::json::Json {
        match self.value {
            Some(v) => crate::facts::value_styled(&self.ty, v, self.env, true),
            None => crate::json::Json::Null,
        }
    }

    /// The name of an enum variant or a code, if the value is one.
    pub fn name(&self) -> Option<&'a str> {
        match (self.value?, self.ty.as_ref()) {
            (Value::Enum(i), Type::Enum(e)) => self
                .env
                .enums
                .get(e.0 as usize)?
                .variants
                .get(*i as usize)
                .map(String::as_str),
            (Value::Code(i), Type::Code(t)) => self
                .env
                .tables
                .get(t.0 as usize)?
                .codes
                .get(*i as usize)
                .map(|c| c.code.as_str()),
            _ => None,
        }
    }

    /// What the output holds, for messages.
    pub(crate) fn found(&self) -> String {
        match self.value {
            None => "absent".to_string(),
            Some(_) => format!("a {}", self.ty.display(self.env)),
        }
    }

    /// The elements of a set or list output, each typed.
    fn items(&self) -> Option<impl Iterator<Item = Output<'a>> + use<'a>> {
        let (Some(Value::Set(items)), Type::Set(inner)) = (self.value, self.ty.as_ref()) else {
            return None;
        };
        let (env, inner) = (self.env, inner.as_ref().clone());
        Some(items.iter().map(move |v| Output {
            value: Some(v),
            ty: Cow::Owned(inner.clone()),
            env,
        }))
    }
}

impl std::fmt::Display for Output<'_> {
    /// The output as LANGUAGE.md §8 writes it, without quotes around text: `review`,
    /// `USD 25.50`, `2026-03-01`, `4h`, `[a, b]` (absent: `null`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.json() {
            crate::json::Json::String(s) => f.write_str(&s),
            other => write!(f, "{other}"),
        }
    }
}

impl serde::Serialize for Output<'_> {
    /// The output's §8 JSON ([`Output::to_json`]).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(s)
    }
}

/// A Rust type an output can be read as with [`Decision::get`]: `bool`; `i64`, `i32`,
/// `u32`, `u64`, `usize` (from `int`); `Decimal` (from `int`, `decimal`, `percent` as a
/// fraction); [`Money`]; [`Distance`]; `NaiveDate`; `DateTime<FixedOffset>`; `&str` and
/// `String` (text, labels, and enum variants and codes by name; `String` also takes any
/// other value as its §8 text); `Vec<T>` of a list output; `Option<T>` for an output that
/// may be absent; and `serde_json::Value` (the §8 JSON).
pub trait FromOutput<'a>: Sized {
    /// What the type is, for messages ("a bool").
    const WANTED: &'static str;

    /// Read `out`; `None` when it is not of this type (or absent).
    fn from_output(out: Output<'a>) -> Option<Self>;
}

impl<'a, T: FromOutput<'a>> FromOutput<'a> for Option<T> {
    const WANTED: &'static str = T::WANTED;

    fn from_output(out: Output<'a>) -> Option<Self> {
        match out.value {
            None => Some(None),
            Some(_) => T::from_output(out).map(Some),
        }
    }
}

impl<'a, T: FromOutput<'a>> FromOutput<'a> for Vec<T> {
    const WANTED: &'static str = "a list";

    fn from_output(out: Output<'a>) -> Option<Self> {
        out.items()?.map(T::from_output).collect()
    }
}

macro_rules! from_value {
    ($t:ty, $wanted:literal, |$v:ident| $body:expr) => {
        impl<'a> FromOutput<'a> for $t {
            const WANTED: &'static str = $wanted;

            fn from_output(out: Output<'a>) -> Option<Self> {
                let $v = out.value?;
                $body
            }
        }
    };
}

from_value!(bool, "a bool", |v| match v {
    Value::Bool(b) => Some(*b),
    _ => None,
});
from_value!(i64, "an int", |v| match v {
    Value::Int(i) => Some(*i),
    _ => None,
});
from_value!(i32, "an int that fits an i32", |v| match v {
    Value::Int(i) => i32::try_from(*i).ok(),
    _ => None,
});
from_value!(u32, "an int that fits a u32", |v| match v {
    Value::Int(i) => u32::try_from(*i).ok(),
    _ => None,
});
from_value!(u64, "an int that fits a u64", |v| match v {
    Value::Int(i) => u64::try_from(*i).ok(),
    _ => None,
});
from_value!(usize, "an int that fits a usize", |v| match v {
    Value::Int(i) => usize::try_from(*i).ok(),
    _ => None,
});
from_value!(Decimal, "a number", |v| match v {
    Value::Int(i) => Some(Decimal::from(*i)),
    Value::Decimal(d) | Value::Percent(d) => Some(*d),
    _ => None,
});
from_value!(Money, "money", |v| match v {
    Value::Money(m) => Some(m.clone()),
    _ => None,
});
from_value!(Distance, "a distance", |v| match v {
    Value::Distance(d) => Some(*d),
    _ => None,
});
from_value!(NaiveDate, "a date", |v| match v {
    Value::Date(d) => Some(*d),
    _ => None,
});
from_value!(DateTime<FixedOffset>, "a date-time", |v| match v {
    Value::DateTime(t) => Some(*t),
    _ => None,
});

impl<'a> FromOutput<'a> for &'a str {
    const WANTED: &'static str = "a text, name or code";

    fn from_output(out: Output<'a>) -> Option<Self> {
        match out.value? {
            Value::Text(t) | Value::Label(t) => Some(t),
            Value::Enum(_) | Value::Code(_) => out.name(),
            _ => None,
        }
    }
}

impl<'a> FromOutput<'a> for String {
    const WANTED: &'static str = "a value with a text form";

    fn from_output(out: Output<'a>) -> Option<Self> {
        if let Some(s) = <&str>::from_output(out.clone()) {
            return Some(s.to_string());
        }
        use crate::json::Json;
        match out.json() {
            Json::String(s) => Some(s),
            Json::Null | Json::Array(_) | Json::Object(_) => None,
            other => Some(other.to_string()),
        }
    }
}

impl<'a> FromOutput<'a> for serde_json::Value {
    const WANTED: &'static str = "a value";

    fn from_output(out: Output<'a>) -> Option<Self> {
        Some(out.to_json())
    }
}

impl Decision {
    /// The rule set's types this decision was decided with, if it knows them.
    fn types(&self) -> Result<&Checked, OutputError> {
        self.types
            .as_deref()
            .ok_or_else(|| OutputError::NoTypes(self.decision.clone()))
    }

    /// Output `name` with its type, or an error that suggests the closest name.
    pub fn output_typed(&self, name: &str) -> Result<Output<'_>, OutputError> {
        let checked = self.types()?;
        let k = self.outputs.iter().position(|(n, _)| n == name);
        let ty = k.and_then(|k| super::output_type(checked, checked.index(&self.decision)?, k));
        match (k, ty) {
            (Some(k), Some(ty)) => Ok(Output {
                value: self.outputs.get(k).and_then(|(_, v)| v.as_ref()),
                ty,
                env: &checked.env,
            }),
            _ => Err(self.unknown(name)),
        }
    }

    fn unknown(&self, name: &str) -> OutputError {
        OutputError::UnknownOutput {
            decision: self.decision.clone(),
            name: name.to_string(),
            help: format!(
                "; {}",
                crate::check::suggest_help(
                    name,
                    self.outputs.iter().map(|(n, _)| n.as_str()),
                    "outputs"
                )
            ),
        }
    }

    /// Output `name` as a Rust type ([`FromOutput`]): enum variants and codes by name,
    /// money as [`Money`], dates as `chrono` types. An unknown name is an error that
    /// suggests the closest; an absent value is an error unless `T` is an `Option`.
    ///
    /// ```
    /// use aftersales::{RuleSet, Money};
    /// let rules = RuleSet::from_sources([("d.rules".to_string(), r#"
    ///     decision offer {
    ///       output action: enum { accept, review } = accept
    ///       output credit: money = USD 0
    ///       output note: text?
    ///       rule big when has customer.lifetime_value and customer.lifetime_value > USD 10000
    ///         then action = review, credit = USD 25.50
    ///     }"#.to_string())]).unwrap();
    /// let facts = rules.facts_from_json(r#"{"customer": {"id": "K1", "lifetime_value": "USD 12000"}}"#).unwrap();
    /// let d = rules.decide("offer", &facts).unwrap();
    /// assert_eq!(d.get::<&str>("action").unwrap(), "review");
    /// assert_eq!(d.get::<Money>("credit").unwrap(), "USD 25.50".parse::<Money>().unwrap());
    /// assert_eq!(d.get::<Option<String>>("note").unwrap(), None);
    /// // one output with its type: Display and Serialize give its §8 form
    /// assert_eq!(d.output_typed("credit").unwrap().to_string(), "USD 25.50");
    /// assert_eq!(serde_json::to_value(d.output_typed("action").unwrap()).unwrap(), "review");
    /// let err = d.get::<bool>("actoin").unwrap_err();
    /// assert!(err.to_string().contains("did you mean `action`?"), "{err}");
    /// assert!(d.get::<bool>("action").is_err()); // an enum is not a bool
    /// ```
    pub fn get<'a, T: FromOutput<'a>>(&'a self, name: &str) -> Result<T, OutputError> {
        let out = self.output_typed(name)?;
        match T::from_output(out.clone()) {
            Some(v) => Ok(v),
            None if out.value.is_none() => Err(OutputError::Absent {
                decision: self.decision.clone(),
                name: name.to_string(),
            }),
            None => Err(OutputError::WrongType {
                decision: self.decision.clone(),
                name: name.to_string(),
                wanted: T::WANTED,
                found: out.found(),
            }),
        }
    }

    /// Every output into a host type with serde, from the outputs' JSON (LANGUAGE.md §8:
    /// names for variants and codes, `"USD 25.50"` for money, ISO dates; absent outputs
    /// are `null`).
    ///
    /// ```
    /// use aftersales::RuleSet;
    /// #[derive(serde::Deserialize)]
    /// struct Offer { action: String, pct: String }
    /// let rules = RuleSet::from_sources([("d.rules".to_string(), r#"
    ///     decision offer { output action: enum { accept, review } = accept  output pct: percent = 0%
    ///       rule gold when has customer.tier and customer.tier == "gold" then pct = 10% }"#
    ///     .to_string())]).unwrap();
    /// let facts = rules.facts_from_json(r#"{"customer": {"id": "K1", "tier": "gold"}}"#).unwrap();
    /// let offer: Offer = rules.decide("offer", &facts).unwrap().deserialize().unwrap();
    /// assert_eq!((offer.action.as_str(), offer.pct.as_str()), ("accept", "10%"));
    /// ```
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, OutputError> {
        let checked = self.types()?;
        // from the exact text, so that a host's own number types see every digit
        let outputs = self.json(checked)["outputs"].to_string();
        serde_json::from_str(&outputs).map_err(|e| OutputError::Deserialize {
            decision: self.decision.clone(),
            message: e.to_string(),
        })
    }
}

impl serde::Serialize for Decision {
    /// The JSON of LANGUAGE.md §8 (`{"id", "decision", "outputs", "rules"}`, plus
    /// `"no_match": true`); a decision that does not know its rule set's types writes
    /// enum variants and codes as their indices.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.types.as_deref() {
            Some(checked) => self.json(checked).serialize(s),
            None => self.json(&Checked::default()).serialize(s),
        }
    }
}

impl std::fmt::Display for Decision {
    /// The compact JSON of [`serde::Serialize`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = match self.types.as_deref() {
            Some(checked) => self.json(checked),
            None => self.json(&Checked::default()),
        };
        write!(f, "{json}")
    }
}
