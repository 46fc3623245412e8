//! Fact bundles (LANGUAGE.md §3): JSON, YAML or any `T: Serialize` validated against a
//! rule set's schemas into [`Facts`], the flat form the evaluator reads.
//!
//! Every problem in a bundle is reported at once, each with a stable code, the JSON path
//! it is at and what was expected ([`FactErrors`]). `docs/facts.md` lists the encodings,
//! the codes and the order problems come in.
//!
//! ```
//! use aftersales::{facts::Facts, value::Value};
//! let rules = "units { currency USD distance mi }  codes fault \"Faults\" { P0301 \"Misfire\" {} }";
//! let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), rules.to_string())]);
//! let claim = env.schema_id("claim").unwrap();
//! let odometer = env.schema(claim).field_index("odometer").unwrap();
//!
//! let facts = Facts::from_json_str(&env, r#"{"id": "C1",
//!     "claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-02-20", "odometer": 41000}}"#).unwrap();
//! assert_eq!(facts.id(), Some("C1"));
//! let Some(Value::Distance(d)) = facts.get(claim, odometer) else { panic!() };
//! assert_eq!(d.to_string(), "41000 mi");
//! assert_eq!(d.km(), Some(rust_decimal::Decimal::new(65_983_104, 3)));
//!
//! let errors = Facts::from_json_str(&env, r#"{"claim": {"id": "C2", "fault": "P0310",
//!     "repair_date": "2026-02-30", "odometer": true}}"#).unwrap_err();
//! assert_eq!(errors.to_string(), "\
//! claim.fault: unknown code \"P0310\" in table `fault`; did you mean \"P0301\"?
//! claim.repair_date: expected a date such as \"2026-01-31\", found \"2026-02-30\" (no such day)
//! claim.odometer: expected a distance such as \"41000 mi\", found true");
//! ```

mod build;
mod encode;
pub(crate) use encode::value_styled;
pub(crate) use json::parse_json;
mod error;
mod json;
mod row;
mod scalar;
mod tree;
pub(crate) mod yaml;

pub use error::{FactError, FactErrorKind, FactErrors};

use crate::json::Json;
use crate::types::{Env, SchemaId};
use crate::value::Value;
use build::{Builder, Path};
use chrono::{DateTime, FixedOffset, NaiveDate};
use error::FactErrorKind as K;
use json::{Node, View};
pub use row::RowReader;
use serde::Serialize;
use std::sync::Arc;

/// A validated fact bundle.
///
/// Each root present in the bundle holds its fields in schema order, absent optional
/// fields as `None`, so that reading field `i` of root `s` is two indexings
/// ([`Facts::get`]). Nested records are [`Value::Record`]s, sets [`Value::Set`]s, text is
/// shared `Arc<str>`. The reserved key `context` is a root like the others (the prelude
/// declares its schema), and [`Facts::today`] / [`Facts::now`] read it; the host may set
/// or override both ([`Facts::with_today`], [`Facts::with_now`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    roots: Vec<Option<Box<[Option<Value>]>>>,
    id: Option<Arc<str>>,
    today: Option<NaiveDate>,
    now: Option<DateTime<FixedOffset>>,
    bundle_today: bool,
    bundle_now: bool,
    context: Option<ContextSlots>,
    /// [`Env::fingerprint`] of the schemas the facts were validated against.
    fingerprint: u64,
}

/// Facts built field by field from typed values ([`crate::RuleSet::facts`]), validated
/// against the schemas when built, with the errors the JSON path gives (each with its
/// path). A value is anything `Serialize`: `bool`, integers, `Decimal`, [`crate::Money`],
/// [`crate::Distance`], `NaiveDate`, `DateTime`, text, lists, and whole records.
///
/// ```
/// use aftersales::{Money, RuleSet};
/// use chrono::NaiveDate;
/// let rules = RuleSet::from_sources([("a.rules".to_string(),
///     "codes fault \"Faults\" { P0301 \"Misfire\" {} }".to_string())]).unwrap();
/// let facts = rules.facts()
///     .set("id", "B1")
///     .set("claim.id", "C1")
///     .set("claim.fault", "P0301")
///     .set("claim.repair_date", &NaiveDate::from_ymd_opt(2026, 2, 20).unwrap())
///     .set("claim.parts", &"USD 86.40".parse::<Money>().unwrap())
///     .set("context.today", &NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(facts.id(), Some("B1"));
/// let err = rules.facts().set("claim.id", "C1").set("claim.odometr", &41_000).build().unwrap_err();
/// let found: Vec<(&str, &str)> = err.as_slice().iter().map(|e| (e.code(), e.path.as_str())).collect();
/// assert!(found.contains(&("unknown_field", "claim.odometr")), "{err}");
/// assert!(found.contains(&("missing_field", "claim.fault")), "{err}");
/// ```
#[derive(Debug, Clone)]
pub struct FactsBuilder<'e> {
    env: &'e Env,
    tree: crate::json::Json,
    problems: Vec<FactError>,
}

impl<'e> FactsBuilder<'e> {
    /// An empty bundle for the schemas of `env`.
    pub fn new(env: &'e Env) -> FactsBuilder<'e> {
        FactsBuilder {
            env,
            tree: crate::json::Json::Object(Vec::new()),
            problems: Vec::new(),
        }
    }

    /// Set the field at the dotted `path` (`claim.odometer`, `id`, `context.today`, or a
    /// whole root such as `claim` from a struct) to `value`; a later `set` of the same path
    /// replaces it.
    pub fn set<T: Serialize + ?Sized>(mut self, path: &str, value: &T) -> FactsBuilder<'e> {
        let parts: Vec<&str> = path.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            self.problems.push(FactError::new(
                K::WrongType,
                path,
                format!("`{path}` is not a path such as `claim.odometer`"),
            ));
            return self;
        }
        match tree::to_tree(value) {
            Ok(t) => {
                if let Err(at) = self.tree.set(&parts, t) {
                    self.problems.push(FactError::new(
                        K::WrongType,
                        path,
                        format!("`{at}` was set to a value that is not a record, so `{path}` cannot be set"),
                    ));
                }
            }
            Err(e) => self.problems.push(FactError::new(
                K::NotSerializable,
                path,
                format!("cannot be turned into facts: {e}"),
            )),
        }
        self
    }

    /// Validate what was set against the schemas: the facts, or every problem.
    pub fn build(self) -> Result<Facts, FactErrors> {
        if !self.problems.is_empty() {
            return Err(FactErrors::new(self.problems));
        }
        Facts::from_node(self.env, &self.tree)
    }
}

/// One bundle of a batch: its facts (or what is wrong with it) and its `id`, if any.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub(crate) type Validated = (Result<Facts, FactErrors>, Option<String>);

/// Where `context.today` and `context.now` live among the roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContextSlots {
    schema: usize,
    len: usize,
    today: Option<usize>,
    now: Option<usize>,
}

impl ContextSlots {
    fn of(env: &Env) -> Option<ContextSlots> {
        // the prelude declares `context` first: a scan finds it at once, without hashing
        let (sid, schema) = env
            .schemas
            .iter()
            .enumerate()
            .find(|(_, s)| build::same(&s.name, "context"))?;
        let field = |name: &str| {
            schema
                .fields
                .iter()
                .position(|f| build::same(&f.name, name))
        };
        Some(ContextSlots {
            schema: sid,
            len: schema.fields.len(),
            today: field("today"),
            now: field("now"),
        })
    }
}

impl Facts {
    /// An empty bundle for `env`: no roots, no id, no context.
    ///
    /// ```
    /// # let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
    /// let f = aftersales::facts::Facts::empty(&env);
    /// assert!(f.root(env.schema_id("claim").unwrap()).is_none());
    /// ```
    pub fn empty(env: &Env) -> Facts {
        Facts {
            roots: (0..env.schemas.len()).map(|_| None).collect(),
            id: None,
            today: None,
            now: None,
            bundle_today: false,
            bundle_now: false,
            context: ContextSlots::of(env),
            fingerprint: env.fingerprint(),
        }
    }

    /// The fingerprint ([`Env::fingerprint`]) of the schemas these facts were validated
    /// against. A rule set decides only facts with its own fingerprint: facts built before
    /// a hot swap to rules whose schemas differ are refused (`foreign_facts`), never misread.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Validate a JSON value against the rule set's schemas.
    ///
    /// ```
    /// use aftersales::facts::Facts;
    /// use serde_json::json;
    /// let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
    /// let f = Facts::from_json(&env, &json!({"id": 17, "context": {"today": "2026-03-01"},
    ///     "customer": {"id": "K1", "since": "2020-05-01"}})).unwrap();
    /// assert_eq!(f.id(), Some("17"));
    /// assert_eq!(f.today().unwrap().to_string(), "2026-03-01");
    ///
    /// let e = Facts::from_json(&env, &json!({"customer": {"id": "K1", "sinse": "2020-05-01"}})).unwrap_err();
    /// let e = e.first().unwrap();
    /// assert_eq!((e.code(), e.path.as_str()), ("unknown_field", "customer.sinse"));
    /// assert!(e.message.contains("did you mean `since`?"));
    /// ```
    pub fn from_json(env: &Env, v: &serde_json::Value) -> Result<Facts, FactErrors> {
        Facts::from_node(env, v)
    }

    /// Validate a parsed [`Json`] document (numbers as their exact text).
    pub(crate) fn from_tree(env: &Env, v: &Json) -> Result<Facts, FactErrors> {
        Facts::from_node(env, v)
    }

    fn from_node<'n, N: Node<'n>>(env: &Env, v: N) -> Result<Facts, FactErrors> {
        let mut b = Builder::new(env);
        let facts = bundle(&mut b, v);
        if b.has_errors() {
            Err(FactErrors::new(b.into_errors()))
        } else {
            Ok(facts)
        }
    }

    /// Parse JSON text and validate it. A syntax error is one problem (code `syntax`)
    /// whose message gives the line and column.
    ///
    /// ```
    /// use aftersales::facts::Facts;
    /// let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
    /// let e = Facts::from_json_str(&env, "{\"claim\": {\n  \"id\": \"C1\",,\n}}").unwrap_err();
    /// assert_eq!(e.first().unwrap().code(), "syntax");
    /// assert!(e.to_string().contains("line 2 column"), "{e}");
    /// ```
    pub fn from_json_str(env: &Env, text: &str) -> Result<Facts, FactErrors> {
        // the parse's buffers are this thread's, kept from one bundle to the next
        let mut bufs = json::Buffers::take();
        let r = match json::parse(text, &mut bufs) {
            Ok(doc) => Facts::from_node(env, doc.root()),
            Err(e) => Err(FactErrors::one(FactError::new(
                K::Syntax,
                "",
                format!("invalid JSON: {e}"),
            ))),
        };
        bufs.give_back();
        r
    }

    /// Parse a JSON text holding one bundle or an array of bundles, and validate each with
    /// the parser of [`Facts::from_json_str`] (so that a key repeated in a bundle is that
    /// bundle's `duplicate_key`): one result per bundle in order, each with the bundle's
    /// `id` where it has a string or number one (for the error line of a bundle that does
    /// not validate). A syntax error is the whole text's.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn from_json_str_each(env: &Env, text: &str) -> Result<Vec<Validated>, String> {
        let mut bufs = json::Buffers::take();
        let r = match json::parse(text, &mut bufs) {
            Ok(doc) => {
                let root = doc.root();
                let one = |node: json::Ref<'_>| {
                    let id = match node.get("id").map(|v| v.view()) {
                        Some(View::String(s) | View::Number(s)) => Some(s.to_string()),
                        _ => None,
                    };
                    (Facts::from_node(env, node), id)
                };
                Ok(match root.view() {
                    View::Array(_) => root.items().map(one).collect(),
                    _ => vec![one(root)],
                })
            }
            Err(e) => Err(format!("invalid JSON: {e}")),
        };
        bufs.give_back();
        r
    }

    /// Parse YAML text and validate it. Unquoted YAML dates (`2026-03-01`) and
    /// date-times arrive as strings and are read as such; YAML numbers are read exactly
    /// from their text (`0.10` stays `0.10`), never through a float; `.inf` and `.nan`
    /// are reported as the strings they are, not taken for `null`.
    ///
    /// ```
    /// use aftersales::facts::Facts;
    /// let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(),
    ///     "units { currency EUR }".to_string())]);
    /// let f = Facts::from_yaml(&env, "context: { today: 2026-03-01 }\ncustomer: { id: K1, lifetime_value: 1200.10 }\n").unwrap();
    /// let customer = env.schema_id("customer").unwrap();
    /// let value = aftersales::value::Money::parse("EUR 1200.10").unwrap();
    /// assert_eq!(f.get(customer, 1), Some(&aftersales::value::Value::Money(value)));
    /// assert_eq!(f.today().unwrap().to_string(), "2026-03-01");
    /// ```
    pub fn from_yaml(env: &Env, text: &str) -> Result<Facts, FactErrors> {
        match yaml::parse(text) {
            Ok(v) => Facts::from_node(env, &v),
            Err(e) => Err(FactErrors::one(FactError::new(
                K::Syntax,
                "",
                format!("invalid YAML: {e}"),
            ))),
        }
    }

    /// Validate any serializable value (a host's own structs), without JSON: the value is
    /// serialized straight into the tree the validator walks, numbers as their exact text.
    /// `chrono` dates and date-times serialize as the strings facts expect, and
    /// `rust_decimal::Decimal` as a numeric string, which number, money and distance
    /// fields accept; an `f64` arrives as its shortest round-trip text (`0.1` is 0.1);
    /// [`crate::Money`] and [`crate::Distance`] as their text. A map whose keys repeat is
    /// refused (`duplicate_key`), as in JSON.
    ///
    /// ```
    /// use aftersales::facts::Facts;
    /// #[derive(serde::Serialize)]
    /// struct Customer { id: String, tier: Option<String> }
    /// #[derive(serde::Serialize)]
    /// struct Bundle { customer: Customer }
    /// let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
    /// let f = Facts::from_serialize(&env, &Bundle { customer: Customer { id: "K1".into(), tier: None } }).unwrap();
    /// assert!(f.get(env.schema_id("customer").unwrap(), 0).is_some());
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(
        env: &Env,
        value: &T,
    ) -> Result<Facts, FactErrors> {
        match tree::to_tree(value) {
            Ok(t) => Facts::from_node(env, &t),
            Err(e) => Err(FactErrors::one(FactError::new(
                K::NotSerializable,
                "",
                format!("cannot be turned into facts: {e}"),
            ))),
        }
    }

    /// The fields of a root in schema order, or `None` when the bundle does not have it.
    pub fn root(&self, schema: SchemaId) -> Option<&[Option<Value>]> {
        self.roots.get(schema.0 as usize)?.as_deref()
    }

    /// Field `field` (its index in the schema) of root `schema`, if present.
    pub fn get(&self, schema: SchemaId, field: usize) -> Option<&Value> {
        self.root(schema)?.get(field)?.as_ref()
    }

    /// Every root the bundle has, in schema order.
    pub fn roots(&self) -> impl Iterator<Item = (SchemaId, &[Option<Value>])> {
        self.roots
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((SchemaId(i as u32), r.as_deref()?)))
    }

    /// The bundle's `id` (a number is kept as its text), echoed in results.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// `context.today`: from the bundle, or as the host set it.
    pub fn today(&self) -> Option<NaiveDate> {
        self.today
    }

    /// `context.now`: from the bundle, or as the host set it.
    pub fn now(&self) -> Option<DateTime<FixedOffset>> {
        self.now
    }

    /// Whether the bundle itself gave `context.today`.
    pub fn bundle_gave_today(&self) -> bool {
        self.bundle_today
    }

    /// Whether the bundle itself gave `context.now`.
    pub fn bundle_gave_now(&self) -> bool {
        self.bundle_now
    }

    /// Set (or override) `context.today`.
    ///
    /// ```
    /// # let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
    /// use chrono::NaiveDate;
    /// let f = aftersales::facts::Facts::from_json_str(&env, "{}").unwrap();
    /// let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    /// let f = f.with_today(day);
    /// assert_eq!((f.today(), f.bundle_gave_today()), (Some(day), false));
    /// ```
    pub fn with_today(mut self, today: NaiveDate) -> Facts {
        self.set_today(today);
        self
    }

    /// Set (or override) `context.now`.
    pub fn with_now(mut self, now: DateTime<FixedOffset>) -> Facts {
        self.set_now(now);
        self
    }

    /// Set `context.now` and `context.today` where neither the bundle nor the host
    /// ([`Facts::with_today`], [`Facts::with_now`]) gave them: `now` to `now`, and `today`
    /// to the date of the `now` the facts hold (the bundle's or the host's) if any, else of
    /// `now` (in its own offset). What the CLI does with the current time: the bundle's
    /// own context wins, then `--today`/`--now`, then the clock.
    ///
    /// ```
    /// # let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(), String::new())]);
    /// use chrono::DateTime;
    /// let f = aftersales::facts::Facts::from_json_str(&env, r#"{"context": {"today": "2026-03-01"}}"#).unwrap();
    /// let f = f.with_context_defaults(DateTime::parse_from_rfc3339("2027-01-01T10:00:00+01:00").unwrap());
    /// assert_eq!(f.today().unwrap().to_string(), "2026-03-01");
    /// assert_eq!(f.now().unwrap().to_rfc3339(), "2027-01-01T10:00:00+01:00");
    ///
    /// // a day the host set is not replaced by the clock's
    /// let g = aftersales::facts::Facts::from_json_str(&env, "{}").unwrap()
    ///     .with_today(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
    ///     .with_context_defaults(DateTime::parse_from_rfc3339("2027-01-01T10:00:00Z").unwrap());
    /// assert_eq!(g.today().unwrap().to_string(), "2026-03-01");
    /// ```
    pub fn with_context_defaults(mut self, now: DateTime<FixedOffset>) -> Facts {
        if !self.bundle_now && self.now.is_none() {
            self.set_now(now);
        }
        if !self.bundle_today && self.today.is_none() {
            let at = self.now.unwrap_or(now);
            self.set_today(at.date_naive());
        }
        self
    }

    /// Set (or override) field `field` of root `root` to `value`, validated against the
    /// field's type exactly as the bundle's own value would be: what a host derives from
    /// its own records (a claim's previous repair) without rebuilding the bundle. The root
    /// must be in the bundle; `env` must be the schemas the facts were validated against.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let rules = aftersales::RuleSet::load("rules").unwrap();
    /// let mut f = rules.facts_from_json(r#"{"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-02-27"}}"#).unwrap();
    /// let day = NaiveDate::from_ymd_opt(2026, 2, 20).unwrap();
    /// f.set_field(rules.env(), "claim", "previous_repair_same_fault", &day).unwrap();
    /// let claim = rules.env().schema_id("claim").unwrap();
    /// let k = rules.env().schema(claim).field_index("previous_repair_same_fault").unwrap();
    /// assert_eq!(f.get(claim, k), Some(&aftersales::Value::Date(day)));
    /// let e = f.set_field(rules.env(), "claim", "repair_date", &"soon").unwrap_err();
    /// assert_eq!(e.first().unwrap().path, "claim.repair_date");
    /// ```
    pub fn set_field<T: Serialize + ?Sized>(
        &mut self,
        env: &Env,
        root: &str,
        field: &str,
        value: &T,
    ) -> Result<(), FactErrors> {
        let path = format!("{root}.{field}");
        let problem = |kind, message: String| FactErrors::one(FactError::new(kind, &path, message));
        if env.fingerprint() != self.fingerprint {
            return Err(problem(
                K::WrongType,
                "the facts were validated against other schemas".into(),
            ));
        }
        let Some(sid) = env.schema_id(root) else {
            return Err(problem(K::UnknownField, format!("no schema `{root}`")));
        };
        let schema = env.schema(sid);
        let Some(k) = schema.field_index(field) else {
            return Err(problem(
                K::UnknownField,
                format!("`{root}` has no field `{field}`"),
            ));
        };
        let ty = &schema.fields[k].ty;
        let tree = tree::to_tree(value).map_err(|e| {
            problem(
                K::NotSerializable,
                format!("cannot be turned into facts: {e}"),
            )
        })?;
        let v = decode_value(env, ty, &tree, &path)?;
        match self.roots.get_mut(sid.0 as usize) {
            Some(Some(slots)) => match slots.get_mut(k) {
                Some(slot) => {
                    *slot = Some(v);
                    Ok(())
                }
                None => Err(problem(K::WrongType, "the facts' root is malformed".into())),
            },
            _ => Err(problem(
                K::MissingField,
                format!("the bundle has no `{root}`"),
            )),
        }
    }

    /// Set (or override) `context.today` in place.
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = Some(today);
        if let Some(c) = self.context {
            if let Some(i) = c.today {
                self.context_slot(c, i, Value::Date(today));
            }
        }
    }

    /// Set (or override) `context.now` in place.
    pub fn set_now(&mut self, now: DateTime<FixedOffset>) {
        self.now = Some(now);
        if let Some(c) = self.context {
            if let Some(i) = c.now {
                self.context_slot(c, i, Value::DateTime(now));
            }
        }
    }

    /// Unset `context.today`, whoever set it (the bundle or the host): a rule that reads
    /// it then fails with `missing_context`.
    pub fn clear_today(&mut self) {
        self.today = None;
        self.bundle_today = false;
        if let Some(c) = self.context {
            if let Some(i) = c.today {
                self.clear_context_slot(c, i);
            }
        }
    }

    /// Unset `context.now`, whoever set it.
    pub fn clear_now(&mut self) {
        self.now = None;
        self.bundle_now = false;
        if let Some(c) = self.context {
            if let Some(i) = c.now {
                self.clear_context_slot(c, i);
            }
        }
    }

    fn clear_context_slot(&mut self, c: ContextSlots, i: usize) {
        if let Some(Some(slots)) = self.roots.get_mut(c.schema) {
            if let Some(slot) = slots.get_mut(i) {
                *slot = None;
            }
        }
    }

    fn context_slot(&mut self, c: ContextSlots, i: usize, v: Value) {
        if let Some(root) = self.roots.get_mut(c.schema) {
            let slots = root.get_or_insert_with(|| (0..c.len).map(|_| None).collect());
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(v);
            }
        }
    }

    /// The bundle in the JSON encodings it is read from, so that
    /// `Facts::from_json(env, &f.to_json(env))` gives `f` back. Money, dates and the like
    /// are strings and keep every digit; a `decimal` fact is a JSON number, as exact as the
    /// build's `serde_json` keeps numbers ([`Facts::to_json_string`] is always exact).
    ///
    /// ```
    /// use aftersales::facts::Facts;
    /// let (_, env, _) = aftersales::load::check_sources([("a.rules".to_string(),
    ///     "units { distance mi }".to_string())]);
    /// let f = Facts::from_json_str(&env, r#"{"id": "B7", "customer": {"id": "K1", "lifetime_value": "EUR 0.10"}}"#).unwrap();
    /// assert_eq!(f.to_json_string(&env), r#"{"id":"B7","customer":{"id":"K1","lifetime_value":"EUR 0.10"}}"#);
    /// let j = f.to_json(&env);
    /// assert_eq!(Facts::from_json(&env, &j).unwrap(), f);
    /// ```
    pub fn to_json(&self, env: &Env) -> serde_json::Value {
        encode::bundle(self, env).to_serde()
    }

    /// The bundle as [`Facts::to_json`] writes it, as exact JSON text (every digit of
    /// every number, roots in schema order).
    pub fn to_json_string(&self, env: &Env) -> String {
        encode::bundle(self, env).to_string()
    }
}

/// Decode one JSON value as type `ty` with the decoders facts use (money, distances,
/// dates, enum variants and codes of `env`), reporting problems at `path` (the name shown
/// in messages, e.g. an output's name). Fixtures read expected outputs with it.
pub(crate) fn decode_value(
    env: &Env,
    ty: &crate::types::Type,
    v: &Json,
    path: &str,
) -> Result<Value, FactErrors> {
    let mut b = Builder::new(env);
    b.keep_duplicates = true;
    let p = Path::Root { name: path, sid: 0 };
    match b.value(ty, v, &p, 0) {
        Some(x) if !b.has_errors() => Ok(x),
        _ if b.has_errors() => Err(FactErrors::new(b.into_errors())),
        _ => Err(FactErrors::one(FactError::new(
            K::WrongType,
            path,
            format!("expected {}", build::expected(ty, env)),
        ))),
    }
}

/// Walk a whole bundle.
fn bundle<'n, N: Node<'n>>(b: &mut Builder<'_>, v: N) -> Facts {
    let env = b.env;
    let mut facts = Facts::empty(env);
    if !matches!(v.view(), View::Object(_)) {
        b.top_error(
            K::WrongType,
            vec![0],
            format!(
                "expected an object whose keys are roots ({}), `id` and `context`; found {}",
                root_list(env),
                build::found(v)
            ),
        );
        return facts;
    }
    // each root once; `id` and a `context` the rule set does not declare after them
    let mut seen = build::Seen::new(env.schemas.len() + 2);
    for (pos, (k, v)) in v.entries().enumerate() {
        let sid = build::root_id(env, k);
        let is_context = k == "context";
        let slot = match (k, sid) {
            ("id", _) => Some(env.schemas.len()),
            (_, Some(s)) => Some(s.0 as usize),
            _ if is_context => Some(env.schemas.len() + 1),
            _ => None,
        };
        if slot.is_some_and(|i| !seen.insert(i)) {
            let key = vec![1, u32::try_from(pos).unwrap_or(u32::MAX)];
            b.top_error_at(K::DuplicateKey, key, k, build::duplicate(k));
            continue;
        }
        if k == "id" {
            facts.id = b.id(v);
            continue;
        }
        let schema = match sid {
            Some(s) => &env.schemas[s.0 as usize],
            None if is_context => build::fallback_context(),
            None => {
                let names = env.schema_names().chain(["id"]);
                let help = match crate::diag::suggest(k, names) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => format!("; the roots are {}", root_list(env)),
                };
                let key = vec![1, u32::try_from(pos).unwrap_or(u32::MAX)];
                b.top_error(
                    K::UnknownRoot,
                    key,
                    format!("unknown top-level key `{k}`{help}"),
                );
                continue;
            }
        };
        let path = Path::Root {
            name: &schema.name,
            sid: sid.map_or(u32::MAX, |s| s.0),
        };
        match v.view() {
            View::Null => continue,
            View::Object(_) => {}
            _ => {
                let msg = format!(
                    "expected an object (a `{}` record), found {}",
                    schema.name,
                    build::found(v)
                );
                b.error(K::WrongType, &path, msg);
                continue;
            }
        }
        let slots = b.record(schema, v, &path, 0, is_context);
        if is_context {
            let field = |name: &str| {
                schema
                    .field_index(name)
                    .and_then(|i| slots.get(i)?.as_ref())
            };
            if let Some(Value::Date(d)) = field("today") {
                facts.today = Some(*d);
                facts.bundle_today = true;
            }
            if let Some(Value::DateTime(t)) = field("now") {
                facts.now = Some(*t);
                facts.bundle_now = true;
            }
        }
        if let Some(s) = sid {
            facts.roots[s.0 as usize] = Some(slots);
        }
    }
    facts
}

/// `product`, `claim`, ... for messages (every schema but `context`).
fn root_list(env: &Env) -> String {
    let names: Vec<&str> = env.schema_names().filter(|n| *n != "context").collect();
    if names.is_empty() {
        return "none declared".to_string();
    }
    let mut s = names
        .iter()
        .take(10)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 10 {
        s.push_str(&format!(" and {} more", names.len() - 10));
    }
    s
}
