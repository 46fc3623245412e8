//! The validator: walks a JSON value along the rule set's schemas, building the slots of
//! [`Facts`](super::Facts) and collecting every problem with its path.

use super::error::{FactError, FactErrorKind as K};
use super::json::{Node, View};
use super::scalar::{self, DistErr, DurErr, MoneyErr, NumErr};
use crate::diag::suggest;
use crate::types::{DurationKind, Env, Schema, SchemaId, Type};
use crate::value::Value;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

/// How deep records and sets may nest below a root.
pub(crate) const MAX_DEPTH: u32 = 64;

/// Where a value is, kept on the stack while walking; rendered only for errors.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    /// The reserved key `id`.
    Id,
    /// A root (or the reserved `context`).
    Root { name: &'a str, sid: u32 },
    /// A field of a record; `order` is the field's index (unknown keys come after).
    Key {
        parent: &'a Path<'a>,
        name: &'a str,
        order: u32,
    },
    /// An element of a set.
    Index { parent: &'a Path<'a>, index: usize },
}

impl Path<'_> {
    /// `claim.odometer`, `contact.tags[2]`, `claim["odd key"]`.
    pub(crate) fn render(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    fn write(&self, s: &mut String) {
        match self {
            Path::Id => s.push_str("id"),
            Path::Root { name, .. } => s.push_str(name),
            Path::Key { parent, name, .. } => {
                parent.write(s);
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    s.push('.');
                    s.push_str(name);
                } else {
                    s.push('[');
                    s.push_str(&quote(name));
                    s.push(']');
                }
            }
            Path::Index { parent, index } => {
                parent.write(s);
                let _ = write!(s, "[{index}]");
            }
        }
    }

    /// The sort key: top-level problems, then `id`, then roots by schema, fields by index.
    fn key(&self, out: &mut Vec<u32>) {
        match self {
            Path::Id => out.push(2),
            Path::Root { sid, .. } => out.extend([3, *sid]),
            Path::Key { parent, order, .. } => {
                parent.key(out);
                out.push(*order);
            }
            Path::Index { parent, index } => {
                parent.key(out);
                out.push(u32::try_from(*index).unwrap_or(u32::MAX));
            }
        }
    }
}

/// What the walk found so far.
pub(crate) struct Builder<'e> {
    pub(crate) env: &'e Env,
    errors: Vec<(Vec<u32>, FactError)>,
    /// Keep a list's repeated elements (an expected output list that lines up with
    /// another, such as `reports.immediate`); facts' sets drop them.
    pub(crate) keep_duplicates: bool,
}

impl<'e> Builder<'e> {
    pub(crate) fn new(env: &'e Env) -> Self {
        Builder {
            env,
            errors: Vec::new(),
            keep_duplicates: false,
        }
    }

    /// Every problem, sorted (stably) by place.
    pub(crate) fn into_errors(mut self) -> Vec<FactError> {
        self.errors.sort_by(|a, b| a.0.cmp(&b.0));
        self.errors.into_iter().map(|(_, e)| e).collect()
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub(crate) fn error(&mut self, kind: K, path: &Path<'_>, message: String) {
        let mut key = Vec::new();
        path.key(&mut key);
        self.errors
            .push((key, FactError::new(kind, path.render(), message)));
    }

    /// A problem of the bundle as a whole, ordered by `key` among the others.
    pub(crate) fn top_error(&mut self, kind: K, key: Vec<u32>, message: String) {
        self.errors.push((key, FactError::new(kind, "", message)));
    }

    /// A problem of a top-level key `path`, ordered by `key` among the others.
    pub(crate) fn top_error_at(&mut self, kind: K, key: Vec<u32>, path: &str, message: String) {
        self.errors.push((key, FactError::new(kind, path, message)));
    }

    /// The bundle's id: a string, or a number kept as its text.
    pub(crate) fn id<'n, N: Node<'n>>(&mut self, v: N) -> Option<Arc<str>> {
        match v.view() {
            View::Null => None,
            View::String(s) | View::Number(s) => Some(Arc::from(s)),
            View::Host(n) => Some(Arc::from(n.to_string())),
            _ => {
                self.error(
                    K::BadId,
                    &Path::Id,
                    format!("expected a string or a number, found {}", found(v)),
                );
                None
            }
        }
    }

    /// The slots of one record of `schema`. `context` makes `today` and `now` optional
    /// (the host sets what the bundle leaves out).
    pub(crate) fn record<'n, N: Node<'n>>(
        &mut self,
        schema: &Schema,
        obj: N,
        path: &Path<'_>,
        depth: u32,
        context: bool,
    ) -> Box<[Option<Value>]> {
        let fields = &schema.fields;
        let n = fields.len();
        let mut slots: Box<[Option<Value>]> = (0..n).map(|_| None).collect();
        let mut next = 0usize;
        let mut seen = Seen::new(n);
        for (pos, (k, v)) in obj.entries().enumerate() {
            let idx = field_of(schema, k, next);
            match idx {
                Some(i) => {
                    next = i + 1;
                    if !seen.insert(i) {
                        let p = Path::Key {
                            parent: path,
                            name: k,
                            order: u32::try_from(n + pos).unwrap_or(u32::MAX),
                        };
                        self.error(K::DuplicateKey, &p, duplicate(k));
                        continue;
                    }
                    if matches!(v.view(), View::Null) {
                        continue;
                    }
                    let p = Path::Key {
                        parent: path,
                        name: k,
                        order: i as u32,
                    };
                    slots[i] = self.value(&fields[i].ty, v, &p, depth + 1);
                }
                None if schema.open => {}
                None => {
                    let p = Path::Key {
                        parent: path,
                        name: k,
                        order: u32::try_from(n + pos).unwrap_or(u32::MAX),
                    };
                    let help = match suggest(k, fields.iter().map(|f| f.name.as_str())) {
                        Some(s) => format!("; did you mean `{s}`?"),
                        None => String::new(),
                    };
                    self.error(
                        K::UnknownField,
                        &p,
                        format!("unknown field `{k}` of `{}`{help}", schema.name),
                    );
                }
            }
        }
        for (i, f) in fields.iter().enumerate() {
            if slots[i].is_some() || f.optional {
                continue;
            }
            if context && (f.name == "today" || f.name == "now") {
                continue;
            }
            let given = obj.get(&f.name);
            if given.is_some_and(|v| !matches!(v.view(), View::Null)) {
                continue; // present but wrong: reported already
            }
            let p = Path::Key {
                parent: path,
                name: &f.name,
                order: i as u32,
            };
            let what = expected(&f.ty, self.env);
            let msg = if given.is_some() {
                format!("required field `{}` is null; expected {what}", f.name)
            } else {
                format!("missing required field `{}` ({what})", f.name)
            };
            self.error(K::MissingField, &p, msg);
        }
        slots
    }

    /// One value of type `ty`; `None` (with an error recorded) when it is not one.
    pub(crate) fn value<'n, N: Node<'n>>(
        &mut self,
        ty: &Type,
        v: N,
        path: &Path<'_>,
        depth: u32,
    ) -> Option<Value> {
        if depth > MAX_DEPTH {
            self.error(
                K::TooDeep,
                path,
                format!("records and sets nest deeper than {MAX_DEPTH} levels"),
            );
            return None;
        }
        // a host's number is read from its text, as any other (written on the stack)
        let mut text = NumText::default();
        let long;
        let view = match v.view() {
            View::Host(n) => match text.of(n) {
                Some(t) => View::Number(t),
                None => {
                    long = n.to_string();
                    View::Number(&long)
                }
            },
            other => other,
        };
        let r = match (ty, view) {
            (Type::Bool, View::Bool(b)) => Ok(Value::Bool(b)),
            (Type::Text, View::String(s) | View::Number(s)) => Ok(Value::Text(Arc::from(s))),
            (Type::Label, View::String(s)) => Ok(Value::Label(Arc::from(s))),
            (Type::Int, View::Number(n)) => self.int(n, v, path),
            (Type::Int, View::String(s)) if looks_numeric(s) => self.int(s, v, path),
            (Type::Decimal, View::Number(n)) => self.decimal(n, path).map(Value::Decimal),
            (Type::Decimal, View::String(s)) if looks_numeric(s) => {
                self.decimal(s, path).map(Value::Decimal)
            }
            (Type::Percent, View::Number(n)) => self.decimal(n, path).map(Value::Percent),
            (Type::Percent, View::String(s)) => self.percent(s, path),
            (Type::Money, View::Number(n)) => self.money(n, true, path),
            (Type::Money, View::String(s)) => self.money(s, false, path),
            (Type::Distance, View::Number(n)) => self.distance(n, true, path),
            (Type::Distance, View::String(s)) => self.distance(s, false, path),
            (Type::Duration(kind), View::String(s)) => self.duration(s, *kind, path),
            // an element of a list that holds dates and instants (a `reports` deadline)
            (Type::Any, View::String(s)) if s.contains('T') => self.datetime(s, path),
            (Type::Any, View::String(s)) => self.date(s, path),
            (Type::Date, View::String(s)) => self.date(s, path),
            (Type::DateTime, View::String(s)) => self.datetime(s, path),
            (Type::Enum(e), View::String(s)) => self.variant(*e, s, path),
            (Type::Code(t), View::String(s) | View::Number(s)) => self.code(*t, s, path),
            (Type::Set(inner), View::Array(len)) => {
                let mut out = Vec::with_capacity(len);
                let mut ok = true;
                for (i, item) in v.items().enumerate() {
                    let p = Path::Index {
                        parent: path,
                        index: i,
                    };
                    match self.value(inner, item, &p, depth + 1) {
                        Some(x) => out.push(x),
                        None => ok = false,
                    }
                }
                if ok {
                    if !self.keep_duplicates {
                        dedupe(&mut out);
                    }
                    Ok(Value::Set(Arc::from(out)))
                } else {
                    Err(())
                }
            }
            (Type::Record(sid), View::Object(_)) => match self.env.schemas.get(sid.0 as usize) {
                Some(schema) => {
                    let slots = self.record(schema, v, path, depth, false);
                    Ok(Value::Record(Arc::from(slots)))
                }
                None => self.wrong(ty, v, path),
            },
            _ => self.wrong(ty, v, path),
        };
        r.ok()
    }

    fn wrong<'n, N: Node<'n>>(&mut self, ty: &Type, v: N, path: &Path<'_>) -> Result<Value, ()> {
        let msg = format!("expected {}, found {}", expected(ty, self.env), found(v));
        self.error(K::WrongType, path, msg);
        Err(())
    }

    fn int<'n, N: Node<'n>>(&mut self, s: &str, v: N, path: &Path<'_>) -> Result<Value, ()> {
        match scalar::exact_int(s) {
            Ok(i) => Ok(Value::Int(i)),
            Err(NumErr::Fraction) => {
                let msg = format!("expected an integer, found {}", found(v));
                self.error(K::NotAnInteger, path, msg);
                Err(())
            }
            Err(NumErr::Range) => {
                let msg = format!(
                    "{} is out of range for an integer (at most 64 bits)",
                    short(s)
                );
                self.error(K::OutOfRange, path, msg);
                Err(())
            }
            Err(NumErr::Syntax) => {
                let msg = format!("expected an integer such as 42, found {}", found(v));
                self.error(K::BadNumber, path, msg);
                Err(())
            }
        }
    }

    fn decimal(&mut self, s: &str, path: &Path<'_>) -> Result<Decimal, ()> {
        scalar::exact_decimal(s).map_err(|e| self.num_error(e, s, path))
    }

    fn num_error(&mut self, e: NumErr, s: &str, path: &Path<'_>) {
        match e {
            NumErr::Range => self.error(
                K::OutOfRange,
                path,
                format!(
                    "{} is out of range for a decimal (28 significant digits at most)",
                    short(s)
                ),
            ),
            _ => self.error(
                K::BadNumber,
                path,
                format!("expected a number such as 1.25, found {}", quote_short(s)),
            ),
        }
    }

    fn percent(&mut self, s: &str, path: &Path<'_>) -> Result<Value, ()> {
        match scalar::percent(s) {
            Ok(d) => Ok(Value::Percent(d)),
            Err(NumErr::Range) => {
                self.num_error(NumErr::Range, s, path);
                Err(())
            }
            Err(_) => {
                let msg = format!(
                    "expected a percent such as \"70%\" (or the fraction 0.7 as a number), found {}",
                    quote_short(s)
                );
                self.error(K::BadPercent, path, msg);
                Err(())
            }
        }
    }

    fn money(&mut self, s: &str, number: bool, path: &Path<'_>) -> Result<Value, ()> {
        let bare = if number {
            match scalar::exact_decimal(s) {
                Ok(d) => d,
                Err(e) => {
                    self.num_error(e, s, path);
                    return Err(());
                }
            }
        } else {
            match scalar::money(s) {
                Ok(m) => return Ok(Value::Money(m)),
                Err(MoneyErr::Bare(d)) => d,
                Err(MoneyErr::Range) => {
                    self.num_error(NumErr::Range, s, path);
                    return Err(());
                }
                Err(MoneyErr::Shape) => {
                    let msg = format!(
                        "expected money such as \"EUR 120.50\" (an upper-case ISO 4217 code, a space, an amount), found {}",
                        quote_short(s)
                    );
                    self.error(K::BadMoney, path, msg);
                    return Err(());
                }
            }
        };
        match self.env.units.currency {
            Some(currency) => Ok(Value::Money(crate::value::Money {
                currency,
                amount: bare,
            })),
            None => {
                let shown = if number {
                    s.to_string()
                } else {
                    quote_short(s)
                };
                let msg = format!(
                    "a bare amount ({shown}) needs a currency: write it as \"USD {}\" or declare `units {{ currency USD }}` in the rule set",
                    short(s.trim())
                );
                self.error(K::NoDefaultCurrency, path, msg);
                Err(())
            }
        }
    }

    fn distance(&mut self, s: &str, number: bool, path: &Path<'_>) -> Result<Value, ()> {
        let default = self.env.units.distance;
        let r = if number {
            match scalar::exact_decimal(s) {
                Ok(d) => scalar::distance_of(d, default),
                Err(NumErr::Range) => Err(DistErr::Range),
                Err(_) => Err(DistErr::Shape),
            }
        } else {
            scalar::distance(s, default)
        };
        let d = match r {
            Ok(d) => return Ok(Value::Distance(d)),
            Err(e) => e,
        };
        // only for a message: a distance read well builds no text
        let shown = if number {
            s.to_string()
        } else {
            quote_short(s)
        };
        match d {
            DistErr::Shape => {
                self.error(
                    K::BadDistance,
                    path,
                    format!("expected a distance such as \"41000 mi\" or \"12 km\", found {shown}"),
                );
                Err(())
            }
            DistErr::Negative => {
                self.error(
                    K::BadDistance,
                    path,
                    format!("a distance cannot be negative, found {shown}"),
                );
                Err(())
            }
            DistErr::Range => {
                self.error(
                    K::OutOfRange,
                    path,
                    format!("{shown} is out of range for a distance"),
                );
                Err(())
            }
        }
    }

    fn duration(&mut self, s: &str, kind: DurationKind, path: &Path<'_>) -> Result<Value, ()> {
        let ty = Type::Duration(kind);
        match scalar::duration(s, kind) {
            Ok(d) => Ok(Value::Duration(d)),
            Err(DurErr::Range) => {
                self.error(
                    K::OutOfRange,
                    path,
                    format!("{} is out of range for a duration", quote_short(s)),
                );
                Err(())
            }
            Err(e) => {
                let why = match e {
                    DurErr::Kind(DurationKind::Calendar) => " (a calendar duration)",
                    DurErr::Kind(DurationKind::Business) => " (a business duration)",
                    DurErr::Kind(DurationKind::Exact) => " (an exact duration)",
                    DurErr::Fraction => " (months and years are whole numbers)",
                    DurErr::Negative => " (a duration cannot be negative)",
                    _ => "",
                };
                let msg = format!(
                    "expected {}, found {}{why}",
                    expected(&ty, self.env),
                    quote_short(s)
                );
                self.error(K::BadDuration, path, msg);
                Err(())
            }
        }
    }

    fn date(&mut self, s: &str, path: &Path<'_>) -> Result<Value, ()> {
        match scalar::date(s) {
            Ok(d) => Ok(Value::Date(d)),
            Err(no_such_day) => {
                let why = if no_such_day {
                    " (no such day)"
                } else if scalar::datetime(s).is_some() {
                    " (a date-time; write the date alone)"
                } else {
                    ""
                };
                let msg = format!(
                    "expected a date such as \"2026-01-31\", found {}{why}",
                    quote_short(s)
                );
                self.error(K::BadDate, path, msg);
                Err(())
            }
        }
    }

    fn datetime(&mut self, s: &str, path: &Path<'_>) -> Result<Value, ()> {
        match scalar::datetime(s) {
            Some(t) => Ok(Value::DateTime(t)),
            None => {
                let why = if scalar::date(s).is_ok() {
                    " (a date without a time and offset)"
                } else {
                    ""
                };
                let msg = format!(
                    "expected an RFC 3339 date-time such as \"2026-01-31T08:00:00Z\", found {}{why}",
                    quote_short(s)
                );
                self.error(K::BadDatetime, path, msg);
                Err(())
            }
        }
    }

    fn variant(&mut self, e: crate::types::EnumId, s: &str, path: &Path<'_>) -> Result<Value, ()> {
        let Some(def) = self.env.enums.get(e.0 as usize) else {
            return self.wrong(
                &Type::Enum(e),
                &crate::json::Json::String(s.to_string()),
                path,
            );
        };
        if let Some(i) = def.variant(s) {
            return Ok(Value::Enum(i));
        }
        let help = match suggest(s, &def.variants) {
            Some(v) => format!("; did you mean \"{v}\"?"),
            None => format!("; expected one of {}", list(&def.variants, 12)),
        };
        let msg = format!("unknown variant {}{help}", quote_short(s));
        self.error(K::UnknownVariant, path, msg);
        Err(())
    }

    fn code(&mut self, t: crate::types::TableId, s: &str, path: &Path<'_>) -> Result<Value, ()> {
        let Some(table) = self.env.tables.get(t.0 as usize) else {
            return self.wrong(
                &Type::Code(t),
                &crate::json::Json::String(s.to_string()),
                path,
            );
        };
        if let Some(i) = table.code(s) {
            return Ok(Value::Code(i));
        }
        let help = if table.codes.is_empty() {
            format!("; the table `{}` has no codes", table.name)
        } else if table.codes.len() <= SUGGEST_CODES_UP_TO {
            match suggest(s, table.codes.iter().map(|c| c.code.as_str())) {
                Some(c) => format!("; did you mean \"{c}\"?"),
                None => String::new(),
            }
        } else {
            String::new()
        };
        let msg = format!(
            "unknown code {} in table `{}`{help}",
            quote_short(s),
            table.name
        );
        self.error(K::UnknownCode, path, msg);
        Err(())
    }
}

/// How many fields past the last one matched a key is looked for before hashing, in a
/// schema of more than [`SCAN_FIELDS`] fields.
const LOOK_AHEAD: usize = 4;

/// Schemas of at most this many fields find a key's field by comparing names, not by
/// hashing.
const SCAN_FIELDS: usize = 48;

/// The index of the field named `k`. Keys usually come in schema order, some optional
/// ones left out: the search starts at `next`, the field after the last one matched.
fn field_of(schema: &Schema, k: &str, next: usize) -> Option<usize> {
    let fields = &schema.fields;
    if fields.len() <= SCAN_FIELDS {
        let (before, after) = fields.split_at(next.min(fields.len()));
        return after
            .iter()
            .position(|f| same(&f.name, k))
            .map(|i| next + i)
            .or_else(|| before.iter().position(|f| same(&f.name, k)));
    }
    fields
        .iter()
        .enumerate()
        .skip(next)
        .take(LOOK_AHEAD)
        .find(|(_, f)| same(&f.name, k))
        .map(|(i, _)| i)
        .or_else(|| schema.field_index(k))
}

/// Whether two names are equal: lengths first, then (up to 16 bytes) two overlapping
/// words, without a call to `memcmp`, which costs more than that for names of a few bytes.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The four bytes of `s` at `i` as a number (the caller knows they are there).
#[inline]
fn word4(s: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(s.get(i..i + 4)?.try_into().ok()?))
}

/// The eight bytes of `s` at `i` as a number (the caller knows they are there).
#[inline]
fn word8(s: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(s.get(i..i + 8)?.try_into().ok()?))
}

/// Tables larger than this get no "did you mean" (it would cost too much per bad record).
const SUGGEST_CODES_UP_TO: usize = 20_000;

/// The context schema used when the rule set has none (its checks failed early).
pub(crate) fn fallback_context() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = Schema::new("context", false, None);
        for (name, ty) in [("today", Type::Date), ("now", Type::DateTime)] {
            let _ = s.add_field(crate::types::Field {
                name: name.to_string(),
                ty,
                optional: false,
                span: None,
            });
        }
        s
    })
}

/// A string a number field may take in place of a JSON number.
fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    t.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// What a type's JSON encoding looks like, for messages.
pub(crate) fn expected(ty: &Type, env: &Env) -> String {
    match ty {
        Type::Bool => "true or false".into(),
        Type::Int => "an integer such as 42".into(),
        Type::Decimal => "a number such as 1.25".into(),
        Type::Percent => "a percent such as \"70%\" (or the fraction 0.7)".into(),
        Type::Money => "money such as \"EUR 120.50\"".into(),
        Type::Text => "text (a string)".into(),
        Type::Date => "a date such as \"2026-01-31\"".into(),
        Type::DateTime => "a date-time such as \"2026-01-31T08:00:00Z\"".into(),
        Type::Duration(DurationKind::Exact) => "a duration such as \"1.5h\" or \"3 days\"".into(),
        Type::Duration(DurationKind::Calendar) => {
            "a calendar duration such as \"36 months\"".into()
        }
        Type::Duration(DurationKind::Business) => {
            "a business duration such as \"2 business days\"".into()
        }
        Type::Distance => "a distance such as \"41000 mi\"".into(),
        Type::Enum(e) => match env.enums.get(e.0 as usize) {
            Some(def) => format!("one of {}", list(&def.variants, 8)),
            None => "an enum variant (a string)".into(),
        },
        Type::Code(t) => match env.tables.get(t.0 as usize) {
            Some(table) => format!("a code of table `{}` (a string)", table.name),
            None => "a code (a string)".into(),
        },
        Type::Set(inner) => format!("an array (a set of {})", inner.display(env)),
        Type::Record(s) => match env.schemas.get(s.0 as usize) {
            Some(schema) => format!("an object (a `{}` record)", schema.name),
            None => "an object".into(),
        },
        Type::Label => "a name (a string)".into(),
        Type::Any => "a value".into(),
    }
}

/// `"a", "b", "c"`, or the first `max` of them and a count.
fn list(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        let _ = write!(s, " (and {} more)", items.len() - max);
    }
    s
}

/// The text of a host's `serde_json::Number`, written into a buffer on the stack (an
/// `i64`, a `u64` or the shortest `f64` text fit; a longer one, which only a host's
/// `arbitrary_precision` makes, is `None` and written out on the heap instead).
pub(crate) struct NumText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for NumText {
    fn default() -> NumText {
        NumText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl std::fmt::Write for NumText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl NumText {
    /// The text of `n`.
    fn of(&mut self, n: &serde_json::Number) -> Option<&str> {
        use std::fmt::Write as _;
        self.len = 0;
        write!(self, "{n}").ok()?;
        std::str::from_utf8(self.bytes.get(..self.len)?).ok()
    }
}

/// A JSON value as a message shows it: short values quoted, containers by kind.
pub(crate) fn found<'n, N: Node<'n>>(v: N) -> String {
    match v.view() {
        View::Null => "null".into(),
        View::Bool(b) => b.to_string(),
        View::Number(n) => short(n),
        View::Host(n) => short(&n.to_string()),
        View::String(s) => quote_short(s),
        View::Array(0) => "an empty array".into(),
        View::Array(_) => "an array".into(),
        View::Object(0) => "an empty object".into(),
        View::Object(_) => "an object".into(),
    }
}

const SHORT: usize = 40;

/// The text, cut to a readable length.
fn short(s: &str) -> String {
    if s.chars().count() <= SHORT {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(SHORT - 1).collect();
        t.push('…');
        t
    }
}

/// A JSON string literal of the text.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// A JSON string literal of the text, cut to a readable length.
fn quote_short(s: &str) -> String {
    quote(&short(s))
}

/// Remove repeated elements of a set, keeping the first of each in order.
fn dedupe(values: &mut Vec<Value>) {
    if values.len() < 2 {
        return;
    }
    if values.len() <= 16 {
        let mut i = 1;
        while i < values.len() {
            if values[..i].contains(&values[i]) {
                values.remove(i);
            } else {
                i += 1;
            }
        }
        return;
    }
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(values.len());
    let mut keep = vec![true; values.len()];
    for i in 0..values.len() {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        hash_value(&values[i], &mut h);
        let bucket = seen.entry(h.finish()).or_default();
        if bucket.iter().any(|&j| values[j] == values[i]) {
            keep[i] = false;
        } else {
            bucket.push(i);
        }
    }
    let mut k = keep.iter();
    values.retain(|_| k.next().copied().unwrap_or(true));
}

/// A hash consistent with `Value`'s equality.
fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    std::mem::discriminant(v).hash(h);
    match v {
        Value::Bool(b) => b.hash(h),
        Value::Int(i) => i.hash(h),
        Value::Decimal(d) | Value::Percent(d) => d.hash(h),
        Value::Money(m) => m.hash(h),
        Value::Text(t) | Value::Label(t) => t.hash(h),
        Value::Date(d) => d.hash(h),
        Value::DateTime(t) => t.hash(h),
        Value::Duration(d) => d.hash(h),
        Value::Distance(d) => d.hash(h),
        Value::Enum(i) | Value::Code(i) => i.hash(h),
        Value::Set(items) => {
            items.len().hash(h);
            for x in items.iter() {
                hash_value(x, h);
            }
        }
        Value::Record(slots) => {
            slots.len().hash(h);
            for s in slots.iter() {
                match s {
                    Some(x) => hash_value(x, h),
                    None => 0u8.hash(h),
                }
            }
        }
    }
}

/// The schema id of a root, if `name` is one. The record types of lowered decisions'
/// outputs (`coverage.reason`: dotted names) are no roots.
pub(crate) fn root_id(env: &Env, name: &str) -> Option<SchemaId> {
    if env.schemas.len() <= 16 {
        // a few short names: comparing is cheaper than hashing
        let i = env.schemas.iter().position(|s| same(&s.name, name))?;
        return Some(SchemaId(i as u32)).filter(|_| !name.contains('.'));
    }
    env.schema_id(name).filter(|_| !name.contains('.'))
}

/// The message of a key given twice in one object.
pub(crate) fn duplicate(key: &str) -> String {
    format!(
        "key `{key}` is given twice; a bundle whose meaning depends on which of the two \
         a reader keeps is refused"
    )
}

/// The fields (or roots) of one object seen so far: a bit each, in a word for up to 64.
pub(crate) enum Seen {
    Word(u64),
    Many(Vec<bool>),
}

impl Seen {
    pub(crate) fn new(n: usize) -> Seen {
        if n <= 64 {
            Seen::Word(0)
        } else {
            Seen::Many(vec![false; n])
        }
    }

    /// Mark `i`; `false` when it was marked already.
    #[inline]
    pub(crate) fn insert(&mut self, i: usize) -> bool {
        match self {
            Seen::Word(w) => {
                let bit = 1u64 << (i % 64);
                let new = *w & bit == 0;
                *w |= bit;
                new
            }
            Seen::Many(v) => match v.get_mut(i) {
                Some(b) => !std::mem::replace(b, true),
                None => true,
            },
        }
    }
}
