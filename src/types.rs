//! The types of the language (LANGUAGE.md §2) and the registries a checked rule set keeps:
//! schemas with their fields, enums with their variants, and code tables with their codes
//! and attributes. Fields, variants and codes are addressed by index.

use crate::diag::Span;
use crate::value::{Currency, DistanceUnit, Value};
use regex::Regex;
use std::collections::HashMap;
use std::fmt;

/// Index of an enum in [`Env::enums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub u32);
/// Index of a code table in [`Env::tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId(pub u32);
/// Index of a schema in [`Env::schemas`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId(pub u32);

/// Kinds of duration, which never mix (LANGUAGE.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationKind {
    /// Minutes, hours, days, weeks.
    Exact,
    /// Months and years.
    Calendar,
    /// Business days and hours.
    Business,
}

/// A type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `decimal`
    Decimal,
    /// `percent`
    Percent,
    /// `money`
    Money,
    /// `text`
    Text,
    /// `date`
    Date,
    /// `datetime`
    DateTime,
    /// a duration of one kind
    Duration(DurationKind),
    /// `distance`
    Distance,
    /// `enum { ... }`
    Enum(EnumId),
    /// `code TABLE`
    Code(TableId),
    /// `set of T`, and list literals
    Set(Box<Type>),
    /// a nested record of a schema
    Record(SchemaId),
    /// a free label (queue, party, flag, team)
    Label,
    /// the element type of `[]`, compatible with anything
    Any,
}

impl Type {
    /// Whether values of the type are numbers (int, decimal, percent).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Decimal | Type::Percent)
    }

    /// Whether values of the type are ordered (`<` makes sense).
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Type::Int
                | Type::Decimal
                | Type::Percent
                | Type::Money
                | Type::Text
                | Type::Date
                | Type::DateTime
                | Type::Duration(_)
                | Type::Distance
                | Type::Code(_)
                | Type::Any
        )
    }

    /// How the type is written, with enum variants and table names resolved.
    pub fn display<'a>(&'a self, env: &'a Env) -> TypeDisplay<'a> {
        TypeDisplay { ty: self, env }
    }
}

/// A type with its registry, for messages.
pub struct TypeDisplay<'a> {
    ty: &'a Type,
    env: &'a Env,
}

impl fmt::Display for TypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ty {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Decimal => f.write_str("decimal"),
            Type::Percent => f.write_str("percent"),
            Type::Money => f.write_str("money"),
            Type::Text => f.write_str("text"),
            Type::Date => f.write_str("date"),
            Type::DateTime => f.write_str("datetime"),
            Type::Duration(DurationKind::Exact) => f.write_str("duration"),
            Type::Duration(DurationKind::Calendar) => f.write_str("calendar duration (months)"),
            Type::Duration(DurationKind::Business) => f.write_str("business duration"),
            Type::Distance => f.write_str("distance"),
            Type::Enum(id) => match self.env.enums.get(id.0 as usize) {
                Some(e) if e.variants.len() <= 6 => {
                    write!(f, "enum {{ {} }}", e.variants.join(", "))
                }
                Some(e) => write!(f, "enum `{}`", e.name),
                None => f.write_str("enum"),
            },
            Type::Code(t) => match self.env.tables.get(t.0 as usize) {
                Some(t) => write!(f, "code {}", t.name),
                None => f.write_str("code"),
            },
            Type::Set(inner) => write!(f, "set of {}", inner.display(self.env)),
            Type::Record(s) => match self.env.schemas.get(s.0 as usize) {
                Some(s) => write!(f, "{}", s.name),
                None => f.write_str("record"),
            },
            Type::Label => f.write_str("name"),
            Type::Any => f.write_str("anything"),
        }
    }
}

/// An enum: its variants in declaration order.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Where it is used, for messages (`product.owner`, `segment.name`).
    pub name: String,
    /// The variants.
    pub variants: Vec<String>,
}

impl EnumDef {
    /// The index of a variant.
    pub fn variant(&self, name: &str) -> Option<u32> {
        self.variants
            .iter()
            .position(|v| v == name)
            .map(|i| i as u32)
    }
}

/// A field of a schema, or an attribute of a code table.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether it may be absent.
    pub optional: bool,
    /// Where it is declared.
    pub span: Option<Span>,
}

/// A schema: a record type, and a root of the facts when declared at top level.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Its name.
    pub name: String,
    /// Its fields in declaration order (prelude first, then each `extend`).
    pub fields: Vec<Field>,
    /// Whether unknown fields are allowed in facts.
    pub open: bool,
    /// Where it is declared.
    pub span: Option<Span>,
    index: HashMap<String, usize>,
}

impl Schema {
    /// A new empty schema.
    pub fn new(name: &str, open: bool, span: Option<Span>) -> Schema {
        Schema {
            name: name.to_string(),
            fields: Vec::new(),
            open,
            span,
            index: HashMap::new(),
        }
    }

    /// Add a field; returns the index of an existing field of that name instead.
    pub fn add_field(&mut self, field: Field) -> Result<usize, usize> {
        if let Some(i) = self.index.get(&field.name) {
            return Err(*i);
        }
        self.index.insert(field.name.clone(), self.fields.len());
        self.fields.push(field);
        Ok(self.fields.len() - 1)
    }

    /// The index of a field.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.field_index(name).and_then(|i| self.fields.get(i))
    }
}

/// One code of a table.
#[derive(Debug, Clone)]
pub struct CodeDef {
    /// The code.
    pub code: String,
    /// Its title.
    pub title: String,
    /// Attribute values, in the order of the table's attributes.
    pub attrs: Vec<Option<Value>>,
}

/// A code table (`codes NAME { ... }`).
#[derive(Debug, Clone)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Its title.
    pub title: String,
    /// The pattern every code must match.
    pub format: Option<Regex>,
    /// Its attributes.
    pub attributes: Vec<Field>,
    /// Its codes, in declaration order.
    pub codes: Vec<CodeDef>,
    /// Where it is declared (the rule set's `codes` item; the prelude's otherwise).
    pub span: Option<Span>,
    /// Whether a rule set's `codes` item filled it already.
    pub filled: bool,
    index: HashMap<String, u32, std::hash::BuildHasherDefault<Fnv>>,
}

/// FNV-1a, for code tables: they are filled from the rules (trusted) and only looked up
/// with input, so a keyed hash buys nothing there, and it cost about 3% of `eval` (three
/// code lookups a claim).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl Table {
    /// A new empty table.
    pub fn new(name: &str, span: Option<Span>) -> Table {
        Table {
            name: name.to_string(),
            title: String::new(),
            format: None,
            attributes: Vec::new(),
            codes: Vec::new(),
            span,
            filled: false,
            index: HashMap::default(),
        }
    }

    /// Add a code; returns the existing index if the code is declared already.
    pub fn add_code(&mut self, def: CodeDef) -> Result<u32, u32> {
        if let Some(i) = self.index.get(&def.code) {
            return Err(*i);
        }
        let i = self.codes.len() as u32;
        self.index.insert(def.code.clone(), i);
        self.codes.push(def);
        Ok(i)
    }

    /// The index of a code.
    pub fn code(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    /// The index of an attribute.
    pub fn attribute(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.name == name)
    }
}

/// The rule set's `units`: defaults for bare numbers in money and distance facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Units {
    /// Currency of bare numbers in money fields (none: such numbers are an error).
    pub currency: Option<Currency>,
    /// Unit of bare numbers in distance fields (kilometres unless declared).
    pub distance: DistanceUnit,
}

impl Default for Units {
    fn default() -> Units {
        Units {
            currency: None,
            distance: DistanceUnit::Km,
        }
    }
}

/// Every schema, enum and code table of a rule set, and its units.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Schemas, prelude first.
    pub schemas: Vec<Schema>,
    /// Enums (inline `enum { ... }` types each get one).
    pub enums: Vec<EnumDef>,
    /// Code tables.
    pub tables: Vec<Table>,
    /// Units.
    pub units: Units,
    schema_index: HashMap<String, SchemaId>,
    table_index: HashMap<String, TableId>,
    /// [`Env::fingerprint`], computed once when first asked for.
    fingerprint: std::sync::OnceLock<u64>,
}

impl Env {
    /// A fingerprint of everything [`crate::facts::Facts`] encode by index: each schema's
    /// name and fields (names, types, optionality, openness), each enum's variants and each
    /// code table's codes, in order. Two loads of the same rules have the same fingerprint;
    /// reordering an enum's variants or a table's codes, or adding a field, changes it.
    /// Facts carry the fingerprint of the schemas they were validated against, and a rule
    /// set refuses facts whose fingerprint is not its own (`foreign_facts`).
    ///
    /// It is computed when first asked for; change the registries before that (the checker
    /// does), never after.
    ///
    /// ```
    /// let env = |text: &str| aftersales::load::check_sources([("a.rules".to_string(),
    ///     text.to_string())]).1;
    /// let us_eu = "extend product { region: enum { us, eu } }";
    /// let eu_us = "extend product { region: enum { eu, us } }";
    /// assert_eq!(env(us_eu).fingerprint(), env(us_eu).fingerprint());
    /// assert_ne!(env(us_eu).fingerprint(), env(eu_us).fingerprint());
    /// ```
    pub fn fingerprint(&self) -> u64 {
        *self.fingerprint.get_or_init(|| {
            use std::hash::{Hash, Hasher};
            // SipHash with fixed keys: the same value for the same registries within
            // one build of the library, which is all a fingerprint is compared across
            let mut h = std::hash::DefaultHasher::new();
            self.schemas.len().hash(&mut h);
            for s in &self.schemas {
                s.name.hash(&mut h);
                s.open.hash(&mut h);
                s.fields.len().hash(&mut h);
                for f in &s.fields {
                    f.name.hash(&mut h);
                    f.ty.hash(&mut h);
                    f.optional.hash(&mut h);
                }
            }
            self.enums.len().hash(&mut h);
            for e in &self.enums {
                e.variants.hash(&mut h);
            }
            self.tables.len().hash(&mut h);
            for t in &self.tables {
                t.name.hash(&mut h);
                t.codes.len().hash(&mut h);
                for c in &t.codes {
                    c.code.hash(&mut h);
                }
            }
            h.finish()
        })
    }

    /// Add a schema (the caller has checked the name is new).
    pub fn add_schema(&mut self, schema: Schema) -> SchemaId {
        self.fingerprint = std::sync::OnceLock::new();
        let id = SchemaId(self.schemas.len() as u32);
        self.schema_index.insert(schema.name.clone(), id);
        self.schemas.push(schema);
        id
    }

    /// A schema by name.
    pub fn schema_id(&self, name: &str) -> Option<SchemaId> {
        self.schema_index.get(name).copied()
    }

    /// A schema by id.
    pub fn schema(&self, id: SchemaId) -> &Schema {
        &self.schemas[id.0 as usize]
    }

    /// A schema by id, to change it.
    pub fn schema_mut(&mut self, id: SchemaId) -> &mut Schema {
        self.fingerprint = std::sync::OnceLock::new();
        &mut self.schemas[id.0 as usize]
    }

    /// Add an enum.
    pub fn add_enum(&mut self, def: EnumDef) -> EnumId {
        self.fingerprint = std::sync::OnceLock::new();
        self.enums.push(def);
        EnumId(self.enums.len() as u32 - 1)
    }

    /// An enum by id.
    pub fn enum_def(&self, id: EnumId) -> &EnumDef {
        &self.enums[id.0 as usize]
    }

    /// Add a code table (the caller has checked the name is new).
    pub fn add_table(&mut self, table: Table) -> TableId {
        self.fingerprint = std::sync::OnceLock::new();
        let id = TableId(self.tables.len() as u32);
        self.table_index.insert(table.name.clone(), id);
        self.tables.push(table);
        id
    }

    /// A table by name.
    pub fn table_id(&self, name: &str) -> Option<TableId> {
        self.table_index.get(name).copied()
    }

    /// A table by id.
    pub fn table(&self, id: TableId) -> &Table {
        &self.tables[id.0 as usize]
    }

    /// A table by id, to change it.
    pub fn table_mut(&mut self, id: TableId) -> &mut Table {
        self.fingerprint = std::sync::OnceLock::new();
        &mut self.tables[id.0 as usize]
    }

    /// Names of every schema that can be written (for suggestions): the record types of
    /// lowered decisions' outputs, whose names are dotted (`coverage.reason`), are left out.
    pub fn schema_names(&self) -> impl Iterator<Item = &str> {
        self.schemas
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| !n.contains('.'))
    }

    /// Names of every table (for suggestions).
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().map(|t| t.name.as_str())
    }
}
