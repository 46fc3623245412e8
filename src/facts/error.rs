//! Problems found in a fact bundle: each with a stable code, the JSON path it is at, and
//! a message saying what was expected and what was found.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! fact_error_kinds {
    ($( $(#[$doc:meta])* $name:ident = $code:literal; )*) => {
        /// The kind of a [`FactError`]; [`FactErrorKind::as_str`] is its stable code
        /// (what a fixture's `expect_error` names). `docs/facts.md` documents each one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FactErrorKind {
            $( $(#[$doc])* $name, )*
        }

        impl FactErrorKind {
            /// Every kind, in the order `docs/facts.md` lists them.
            pub const ALL: &'static [FactErrorKind] = &[$(FactErrorKind::$name),*];

            /// The stable code, e.g. `"wrong_type"`.
            ///
            /// ```
            /// use aftersales::facts::FactErrorKind;
            /// assert_eq!(FactErrorKind::MissingField.as_str(), "missing_field");
            /// ```
            pub fn as_str(self) -> &'static str {
                match self { $(FactErrorKind::$name => $code,)* }
            }
        }
    };
}

fact_error_kinds! {
    /// The text is not valid JSON or YAML (the message has the line and column).
    Syntax = "syntax";
    /// A value given to `Facts::from_serialize` could not be turned into JSON.
    NotSerializable = "not_serializable";
    /// A JSON value of a kind the field's type never takes (`true` for a distance, an
    /// array for a date, anything but an object for a record or the whole bundle).
    WrongType = "wrong_type";
    /// A top-level key that is neither a root (a schema) nor `id` or `context`.
    UnknownRoot = "unknown_root";
    /// A key that is not a field of a schema that is not `open`.
    UnknownField = "unknown_field";
    /// A key given twice in one object (`"labor_hours": 0.8, "labor_hours": 50`): readers
    /// disagree on which one counts, so the bundle is refused.
    DuplicateKey = "duplicate_key";
    /// A required field that is absent or `null`.
    MissingField = "missing_field";
    /// The bundle's `id` is neither a string nor a number.
    BadId = "bad_id";
    /// Text where a number was expected that is not a number (`"12,5"`, `"NaN"`).
    BadNumber = "bad_number";
    /// A fractional number for an `int` field.
    NotAnInteger = "not_an_integer";
    /// A well-formed number too large (or too precise) for its type: beyond 64 bits for
    /// `int`, beyond 28 significant digits for decimals, money, percents and distances.
    OutOfRange = "out_of_range";
    /// A string for a `percent` field that is not a number followed by `%`.
    BadPercent = "bad_percent";
    /// A string for a `money` field that is not `"EUR 120.50"` (or a bare number).
    BadMoney = "bad_money";
    /// A bare number for a `money` field where the rule set declares no `units currency`.
    NoDefaultCurrency = "no_default_currency";
    /// A string for a `distance` field that is not `"41000 mi"`, `"12 km"` or a bare
    /// non-negative number.
    BadDistance = "bad_distance";
    /// A string for a duration field that is not a duration of the field's kind.
    BadDuration = "bad_duration";
    /// A string for a `date` field that is not a real day written `YYYY-MM-DD`.
    BadDate = "bad_date";
    /// A string for a `datetime` field that is not an RFC 3339 date-time.
    BadDatetime = "bad_datetime";
    /// A code that is not in the field's code table.
    UnknownCode = "unknown_code";
    /// A string that is not a variant of the field's enum.
    UnknownVariant = "unknown_variant";
    /// Records or sets nested deeper than the limit (64 levels).
    TooDeep = "too_deep";
}

impl fmt::Display for FactErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a fact bundle.
///
/// Its `Display` is `path: message` (just the message at the top level). Its serde form
/// is the `error` object of LANGUAGE.md §8: `{"code", "message", "path"}`.
///
/// ```
/// use aftersales::facts::{FactError, FactErrorKind};
/// let e = FactError::new(FactErrorKind::WrongType, "claim.odometer",
///     "expected a distance such as \"41000 mi\", found true");
/// assert_eq!(e.code(), "wrong_type");
/// assert_eq!(e.to_string(), "claim.odometer: expected a distance such as \"41000 mi\", found true");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FactError {
    /// The JSON path: `claim.odometer`, `contact.tags[2]`, `product` for a whole root,
    /// `id`, or empty for the bundle as a whole.
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
    kind: FactErrorKind,
}

impl FactError {
    /// A problem of `kind` at `path`.
    pub fn new(kind: FactErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        FactError {
            path: path.into(),
            message: message.into(),
            kind,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> FactErrorKind {
        self.kind
    }

    /// Its stable code, e.g. `"missing_field"`.
    pub fn code(&self) -> &'static str {
        self.kind.as_str()
    }
}

impl fmt::Display for FactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl Serialize for FactError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("FactError", 3)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("path", &self.path)?;
        st.end()
    }
}

/// Every problem found in one fact bundle (never empty), in the order `docs/facts.md`
/// describes: problems of the bundle as a whole first, then by root, field and element
/// in schema order. `Display` writes one problem per line.
///
/// ```
/// use aftersales::facts::Facts;
/// let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
/// let errs = Facts::from_json_str(&env, r#"{"claim": {"odometer": true}, "prodct": {}}"#).unwrap_err();
/// let codes: Vec<&str> = errs.iter().map(|e| e.code()).collect();
/// assert_eq!(codes, ["unknown_root", "missing_field", "missing_field", "missing_field", "wrong_type"]);
/// assert_eq!(errs.to_string().lines().count(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FactErrors {
    errors: Vec<FactError>,
}

impl FactErrors {
    /// Wrap a list of problems.
    pub fn new(errors: Vec<FactError>) -> Self {
        FactErrors { errors }
    }

    /// One problem alone.
    pub fn one(error: FactError) -> Self {
        FactErrors {
            errors: vec![error],
        }
    }

    /// The problems, in order.
    pub fn as_slice(&self) -> &[FactError] {
        &self.errors
    }

    /// The problems, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, FactError> {
        self.errors.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are none (never true of a value returned by `Facts`).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first problem, the one a single-error report (LANGUAGE.md §8) shows.
    pub fn first(&self) -> Option<&FactError> {
        self.errors.first()
    }

    /// The problems, by value.
    pub fn into_vec(self) -> Vec<FactError> {
        self.errors
    }
}

impl fmt::Display for FactErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl IntoIterator for FactErrors {
    type Item = FactError;
    type IntoIter = std::vec::IntoIter<FactError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a FactErrors {
    type Item = &'a FactError;
    type IntoIter = std::slice::Iter<'a, FactError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl Serialize for FactErrors {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.errors.serialize(s)
    }
}
