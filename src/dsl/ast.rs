//! The typed syntax tree of a rule file. Every node carries a [`Span`]; nothing downstream
//! re-reads source text.

use crate::diag::{FileId, Span};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Weekday};
use rust_decimal::Decimal;

/// A name as written, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A string literal's value (escapes resolved), with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    /// The value.
    pub value: String,
    /// Where it is written (quotes included).
    pub span: Span,
}

/// A regular expression literal `/pattern/flags`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexLit {
    /// The pattern, with `\/` turned into `/`.
    pub pattern: String,
    /// The flags, a subset of `imsx`.
    pub flags: String,
    /// Where it is written.
    pub span: Span,
}

/// One parsed rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    /// The file in the source map.
    pub file: FileId,
    /// Its items in source order.
    pub items: Vec<Item>,
}

/// A top-level item of a rule file (LANGUAGE.md §3, §5).
// Items are few per file and built once; boxing the large ones would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `schema NAME [open] { fields }`
    Schema(SchemaDecl),
    /// `extend NAME [open] { fields }`
    Extend(SchemaDecl),
    /// `units { currency USD distance mi }`
    Units(UnitsDecl),
    /// `codes NAME "title" [from "file.csv"] { ... }`
    Codes(CodesDecl),
    /// `decision NAME [hit POLICY] { outputs, rules, otherwise }`
    Decision(DecisionDecl),
    /// `warranty NAME "title" { ... }`, lowered to decision `coverage`.
    Warranty(WarrantyDecl),
    /// `split NAME "title" { ... }`, lowered to decision `recovery`.
    Split(SplitDecl),
    /// `queue NAME "title" { calendar, skills }`
    Queue(QueueDecl),
    /// `route NAME { rules }`, a decision named `route NAME`'s name.
    Route(RulesDecl),
    /// `calendar NAME { timezone, hours, holidays }`
    Calendar(CalendarDecl),
    /// `segment NAME when EXPR { service levels }`, lowered to decision `segment`.
    Segment(SegmentDecl),
    /// `channel NAME { calendar, segments }`
    Channel(ChannelDecl),
    /// `returns { rules }`, lowered to decision `return_authorization`.
    Returns(RulesDecl),
    /// `disposition { rules }`, lowered to decision `disposition`.
    Disposition(RulesDecl),
    /// `recall ID "title" { ... }`, lowered to decision `recalls`.
    Recall(RecallDecl),
    /// `report NAME "title" { ... }`, lowered to decision `reports`.
    Report(ReportDecl),
    /// `opportunity NAME "title" { ... }`, lowered to decision `opportunities`.
    Opportunity(OpportunityDecl),
    /// `template NAME "text"`, `template NAME """text"""` or `template NAME from "file.j2"`:
    /// a response template rendered with the facts and decisions' outputs.
    Template(TemplateDecl),
}

impl Item {
    /// The keyword of every kind of item, in the grammar's order.
    pub const KEYWORDS: &'static [&'static str] = &[
        "schema",
        "extend",
        "units",
        "codes",
        "decision",
        "warranty",
        "split",
        "queue",
        "route",
        "calendar",
        "segment",
        "channel",
        "returns",
        "disposition",
        "recall",
        "report",
        "opportunity",
    ];

    /// The whole item's place.
    pub fn span(&self) -> Span {
        match self {
            Item::Schema(d) | Item::Extend(d) => d.span,
            Item::Units(d) => d.span,
            Item::Codes(d) => d.span,
            Item::Decision(d) => d.span,
            Item::Warranty(d) => d.span,
            Item::Split(d) => d.span,
            Item::Queue(d) => d.span,
            Item::Route(d) | Item::Returns(d) | Item::Disposition(d) => d.span,
            Item::Calendar(d) => d.span,
            Item::Segment(d) => d.span,
            Item::Channel(d) => d.span,
            Item::Recall(d) => d.span,
            Item::Report(d) => d.span,
            Item::Opportunity(d) => d.span,
            Item::Template(d) => d.span,
        }
    }

    /// The keyword that starts the item (`schema`, `warranty`, …).
    pub fn keyword(&self) -> &'static str {
        match self {
            Item::Schema(_) => "schema",
            Item::Extend(_) => "extend",
            Item::Units(_) => "units",
            Item::Codes(_) => "codes",
            Item::Decision(_) => "decision",
            Item::Warranty(_) => "warranty",
            Item::Split(_) => "split",
            Item::Queue(_) => "queue",
            Item::Route(_) => "route",
            Item::Calendar(_) => "calendar",
            Item::Segment(_) => "segment",
            Item::Channel(_) => "channel",
            Item::Returns(_) => "returns",
            Item::Disposition(_) => "disposition",
            Item::Recall(_) => "recall",
            Item::Report(_) => "report",
            Item::Opportunity(_) => "opportunity",
            Item::Template(_) => "template",
        }
    }
}

/// A schema or an extension of one.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDecl {
    /// The schema's name.
    pub name: Ident,
    /// Whether unknown extra fields are allowed in facts.
    pub open: bool,
    /// The fields, in order.
    pub fields: Vec<FieldDecl>,
    /// The whole item.
    pub span: Span,
}

/// `name: type` in a schema or an `attributes` block.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The field's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written (LANGUAGE.md §2).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// What kind of type.
    pub kind: TypeKind,
    /// `T?`
    pub optional: bool,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of type an author can write.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A built-in type.
    Prim(PrimType),
    /// A schema name (a nested record).
    Named(Ident),
    /// `enum { a, b, c }`
    Enum(Vec<Ident>),
    /// `code TABLE`
    Code(Ident),
    /// `set of T`
    SetOf(Box<TypeExpr>),
}

/// The built-in scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrimType {
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
    /// `duration`
    Duration,
    /// `distance`
    Distance,
}

impl PrimType {
    /// Every built-in type with its name.
    pub const ALL: &'static [(&'static str, PrimType)] = &[
        ("bool", PrimType::Bool),
        ("int", PrimType::Int),
        ("decimal", PrimType::Decimal),
        ("percent", PrimType::Percent),
        ("money", PrimType::Money),
        ("text", PrimType::Text),
        ("date", PrimType::Date),
        ("datetime", PrimType::DateTime),
        ("duration", PrimType::Duration),
        ("distance", PrimType::Distance),
    ];

    /// The built-in type of this name.
    pub fn from_name(name: &str) -> Option<PrimType> {
        PrimType::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    /// The name as written.
    pub fn name(self) -> &'static str {
        PrimType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// Units of distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistanceUnit {
    /// Kilometres.
    Km,
    /// Miles (1 mi = 1.609344 km exactly).
    Mi,
}

/// `units { currency USD  distance mi }`
#[derive(Debug, Clone, PartialEq)]
pub struct UnitsDecl {
    /// The default currency for bare numbers in money fields.
    pub currency: Option<Ident>,
    /// The default distance unit.
    pub distance: Option<(DistanceUnit, Span)>,
    /// The whole item.
    pub span: Span,
}

/// `codes NAME "title" [from "file.csv"] { format, attributes, entries }`
#[derive(Debug, Clone, PartialEq)]
pub struct CodesDecl {
    /// The table's name.
    pub name: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// A CSV file to read codes from, relative to the rule file.
    pub from: Option<Str>,
    /// The pattern every code must match.
    pub format: Option<RegexLit>,
    /// The attributes each code carries.
    pub attributes: Vec<FieldDecl>,
    /// The codes declared inline.
    pub entries: Vec<CodeEntry>,
    /// The whole item.
    pub span: Span,
}

/// A code as written: a code token or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeKey {
    /// The code's text.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// One code (or a range of codes) in a `codes` table.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeEntry {
    /// The code, or the first of a range.
    pub code: CodeKey,
    /// The last code of a range `A..B`.
    pub range_end: Option<CodeKey>,
    /// The code's title.
    pub title: Option<Str>,
    /// Attribute values `{ name: value, ... }`.
    pub attrs: Vec<(Ident, Expr)>,
    /// The whole entry.
    pub span: Span,
}

/// How a decision combines matching rules (LANGUAGE.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HitPolicy {
    /// The first matching rule in order.
    #[default]
    First,
    /// At most one rule may match.
    Unique,
    /// The highest `priority` wins, ties by order.
    Priority,
    /// Every match, in order; optionally aggregated.
    Collect(Option<Aggregate>),
}

/// Aggregations of a `collect` decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregate {
    /// Sum of the output.
    Sum,
    /// Least value.
    Min,
    /// Greatest value.
    Max,
    /// Number of matches.
    Count,
}

/// A decision, or a route, returns or disposition block (rules with a `then`).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionDecl {
    /// The decision's name.
    pub name: Ident,
    /// Its hit policy.
    pub hit: HitPolicy,
    /// Declared outputs.
    pub outputs: Vec<OutputDecl>,
    /// Rules in order.
    pub rules: Vec<RuleDecl>,
    /// What applies when no rule matches.
    pub otherwise: Option<Otherwise>,
    /// The whole item.
    pub span: Span,
}

/// A `route`, `returns` or `disposition` block: rules without declared outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesDecl {
    /// The route's name; for `returns`/`disposition` the keyword itself.
    pub name: Ident,
    /// Rules in order.
    pub rules: Vec<RuleDecl>,
    /// What applies when no rule matches.
    pub otherwise: Option<Otherwise>,
    /// The whole item.
    pub span: Span,
}

/// `output NAME: TYPE [= DEFAULT]`
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDecl {
    /// The output's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// Its default value.
    pub default: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// `rule ID [priority N] [effective A..B] when EXPR then ...`
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    /// The rule's id.
    pub id: Ident,
    /// `priority N`
    pub priority: Option<Expr>,
    /// `effective A..B`
    pub effective: Option<(Expr, Expr)>,
    /// The condition.
    pub when: Expr,
    /// What it sets.
    pub then: Then,
    /// The whole rule.
    pub span: Span,
}

/// `otherwise ...`
#[derive(Debug, Clone, PartialEq)]
pub struct Otherwise {
    /// What it sets.
    pub then: Then,
    /// The whole clause.
    pub span: Span,
}

/// The body of a `then` or `otherwise`.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// `a = x, b = y` (decisions and routes).
    Assign(Vec<Assignment>),
    /// `authorize refund restocking 0%`, `deny "…"`, `scrap` (returns and disposition).
    Action(Action),
}

/// `output = value`
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The output set.
    pub target: Ident,
    /// Its value.
    pub value: Expr,
    /// The whole assignment.
    pub span: Span,
}

/// An action word and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The action (`authorize`, `deny`, `scrap`, …).
    pub verb: Ident,
    /// Its arguments: names and literals.
    pub args: Vec<Expr>,
    /// The whole action.
    pub span: Span,
}

/// `warranty NAME "title" { when, term, covers, excludes, deductible, claim_type, pays }`
#[derive(Debug, Clone, PartialEq)]
pub struct WarrantyDecl {
    /// The policy's id.
    pub name: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// Eligibility.
    pub when: Option<Expr>,
    /// The time (and distance) term.
    pub term: Option<Term>,
    /// What it covers.
    pub covers: Option<Covers>,
    /// What it excludes.
    pub excludes: Option<Expr>,
    /// The deductible.
    pub deductible: Option<Expr>,
    /// The claim type a covered claim gets.
    pub claim_type: Option<Expr>,
    /// Shares paid per cost component (`pays parts 100%, labor 50%`).
    pub pays: Vec<Share>,
    /// The whole item.
    pub span: Span,
}

/// `term D [or X] [from PATH]`
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The time limit.
    pub duration: Expr,
    /// The distance limit.
    pub distance: Option<Expr>,
    /// The start date (default `product.in_service_date`).
    pub from: Option<Path>,
    /// The whole clause.
    pub span: Span,
}

/// `covers all` or `covers EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub enum Covers {
    /// Everything not excluded.
    All(Span),
    /// What the expression accepts.
    Expr(Expr),
}

/// `component PERCENT` in a `pays` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The cost component (`parts`, `labor`, `handling`, `sublet`).
    pub component: Ident,
    /// The share.
    pub value: Expr,
    /// The whole share.
    pub span: Span,
}

/// `split NAME "title" { when, party..., remainder }`
#[derive(Debug, Clone, PartialEq)]
pub struct SplitDecl {
    /// The split's id.
    pub name: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// When it applies.
    pub when: Option<Expr>,
    /// The paying parties, in order.
    pub parties: Vec<Party>,
    /// Who pays the rest.
    pub remainder: Option<Ident>,
    /// The whole item.
    pub span: Span,
}

/// `party NAME pays SHARES [cap MONEY]`
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    /// The party.
    pub name: Ident,
    /// Its shares.
    pub shares: Vec<Share>,
    /// The most it pays in total.
    pub cap: Option<Expr>,
    /// The whole clause.
    pub span: Span,
}

/// `queue NAME "title" { calendar, skills }`
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDecl {
    /// The queue's name.
    pub name: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// Its business-hours calendar.
    pub calendar: Option<Ident>,
    /// The skills it needs.
    pub skills: Vec<Ident>,
    /// The whole item.
    pub span: Span,
}

/// `calendar NAME { timezone, hours, holidays }`
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDecl {
    /// The calendar's name.
    pub name: Ident,
    /// IANA time zone.
    pub timezone: Option<Str>,
    /// `extends C`: the calendar whose holidays (and zone and hours, where not given) it
    /// takes.
    pub extends: Option<Ident>,
    /// Opening hours.
    pub hours: Vec<Hours>,
    /// Holiday rules.
    pub holidays: Vec<HolidayRule>,
    /// The whole item.
    pub span: Span,
}

/// A holiday rule of a calendar (LANGUAGE.md §5.10): a day, shifted by whole days,
/// moved off the weekend where `observed`, in the years between `from` and `until`.
#[derive(Debug, Clone, PartialEq)]
pub struct HolidayRule {
    /// The day it starts from.
    pub day: HolidayDay,
    /// Days added (`+ 1`) or taken away (`- 2`).
    pub shift: i32,
    /// `observed`: a Saturday is kept on the Friday before, a Sunday on the Monday after.
    pub observed: bool,
    /// `from YEAR`: the first year it applies.
    pub from: Option<i32>,
    /// `until YEAR`: the last year it applies.
    pub until: Option<i32>,
    /// The whole rule.
    pub span: Span,
}

/// The day a [`HolidayRule`] starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidayDay {
    /// One date.
    Date(NaiveDate),
    /// The same day of every year (`jul 4`).
    Fixed {
        /// 1 to 12.
        month: u32,
        /// 1 to 31.
        day: u32,
    },
    /// The n-th (1 to 5) or last (`-1`) weekday of a month (`3rd mon of jan`).
    Nth {
        /// 1 to 5, or -1 for the last.
        n: i8,
        /// The weekday.
        weekday: Weekday,
        /// 1 to 12.
        month: u32,
    },
    /// Western (Gregorian) Easter Sunday.
    Easter,
}

/// `hours mon..fri 08:00-18:00[, 13:00-17:00]`
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    /// The days these hours apply to.
    pub days: Vec<Weekday>,
    /// Opening intervals (open, close).
    pub ranges: Vec<(NaiveTime, NaiveTime)>,
    /// The whole clause.
    pub span: Span,
}

/// When a segment applies.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentWhen {
    /// `when EXPR`
    When(Expr),
    /// `otherwise`
    Otherwise(Span),
    /// Neither: always.
    Always,
}

/// `segment NAME when EXPR { first_response, resolve, channels, calendar }`
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDecl {
    /// The segment's name.
    pub name: Ident,
    /// When it applies.
    pub when: SegmentWhen,
    /// First-response service level.
    pub first_response: Option<Expr>,
    /// Resolution service level.
    pub resolve: Option<Expr>,
    /// Escalation delay.
    pub escalate_after: Option<Expr>,
    /// Next-reply service level: from a customer reply that follows an agent reply to the
    /// next agent reply (CONTACTS.md).
    pub next_reply: Option<Expr>,
    /// Channels offered.
    pub channels: Vec<Ident>,
    /// Business-hours calendar.
    pub calendar: Option<Ident>,
    /// The whole item.
    pub span: Span,
}

/// `template NAME …`: a response template (minijinja syntax).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDecl {
    /// The template's name.
    pub name: Ident,
    /// Where its text is.
    pub source: TemplateSource,
    /// The whole item.
    pub span: Span,
}

/// Where a template's text is.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateSource {
    /// Written in the rule file (a string, or a text block with its indentation removed).
    Inline(Str),
    /// `from "file.j2"`: a file, relative to the rule file.
    File(Str),
}

/// `channel NAME { calendar, segments }`
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelDecl {
    /// The channel's name.
    pub name: Ident,
    /// Its calendar.
    pub calendar: Option<Ident>,
    /// The segments it serves.
    pub segments: Vec<Ident>,
    /// The whole item.
    pub span: Span,
}

/// `recall ID "title" { affects, component, severity, remedy, labor_op, claim_type, announced }`
#[derive(Debug, Clone, PartialEq)]
pub struct RecallDecl {
    /// The campaign id (identifier, code token or string).
    pub id: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// Which products it affects.
    pub affects: Option<Expr>,
    /// The component concerned.
    pub component: Option<Str>,
    /// `safety`, `compliance` or `quality`.
    pub severity: Option<Ident>,
    /// The remedy.
    pub remedy: Option<Str>,
    /// The labour operation of the remedy.
    pub labor_op: Option<Expr>,
    /// The claim type of remedy claims.
    pub claim_type: Option<Expr>,
    /// When it was announced.
    pub announced: Option<Expr>,
    /// The whole item.
    pub span: Span,
}

/// `report NAME "title" { when, due, calendar }`
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDecl {
    /// The report's id.
    pub name: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// When it is due at all.
    pub when: Option<Expr>,
    /// The deadline.
    pub due: Option<Due>,
    /// Calendar for business time in the deadline.
    pub calendar: Option<Ident>,
    /// `roll forward`: a deadline that is not a business day of the calendar moves to the
    /// next that is.
    pub roll_forward: Option<Span>,
    /// The whole item.
    pub span: Span,
}

/// `due D [after DATE]`, or `due immediately after X`
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    /// The delay, or an absolute date when `after` is absent (the path `immediately` for
    /// `due immediately after X`).
    pub offset: Expr,
    /// The date it counts from.
    pub after: Option<Expr>,
    /// `due immediately after X`: the deadline is X itself, flagged `immediate`.
    pub immediately: bool,
    /// The whole clause.
    pub span: Span,
}

/// `opportunity NAME "title" { when, team, value }`
#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityDecl {
    /// The opportunity's id.
    pub name: Ident,
    /// Its title.
    pub title: Option<Str>,
    /// When it applies.
    pub when: Option<Expr>,
    /// The team it goes to.
    pub team: Option<Ident>,
    /// Its value.
    pub value: Option<Expr>,
    /// The whole item.
    pub span: Span,
}

/// A dotted path `a.b.c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The segments.
    pub segments: Vec<Ident>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// The path as written, `a.b.c`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// An expression with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The kinds of expression (LANGUAGE.md §4).
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A path through facts, code attributes or decisions; or a bare name.
    Path(Path),
    /// A built-in function call.
    Call {
        /// The function.
        name: Ident,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `a..b` (after `in`, or in `effective`).
    Range {
        /// Lower bound (inclusive).
        lo: Box<Expr>,
        /// Upper bound (inclusive).
        hi: Box<Expr>,
    },
    /// `-x`
    Neg(Box<Expr>),
    /// `not x`
    Not(Box<Expr>),
    /// `a + b` etc.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a == b` etc.
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x [not] in SET` where SET is a list, a range or a path.
    In {
        /// `not in`
        negated: bool,
        /// The value tested.
        value: Box<Expr>,
        /// The list, range or set.
        set: Box<Expr>,
    },
    /// `x matches /re/`
    Matches {
        /// The text tested.
        value: Box<Expr>,
        /// The pattern.
        regex: RegexLit,
    },
    /// `x contains y`
    Contains {
        /// The set or text.
        container: Box<Expr>,
        /// The element or substring.
        item: Box<Expr>,
    },
    /// `has path`
    Has(Path),
    /// `a and b and c`
    And(Vec<Expr>),
    /// `a or b or c`
    Or(Vec<Expr>),
}

/// Units of quantities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days (exact: 24 hours).
    Day,
    /// Weeks (7 days).
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
    /// Business days on a calendar.
    BusinessDay,
    /// Business hours on a calendar.
    BusinessHour,
    /// Kilometres.
    Km,
    /// Miles.
    Mi,
}

impl Unit {
    /// Whether the unit is calendar time (months, years), which takes integers only.
    pub fn is_calendar(self) -> bool {
        matches!(self, Unit::Month | Unit::Year)
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true`, `false`
    Bool(bool),
    /// `42`, `100_000`
    Int(i64),
    /// `1.25`
    Decimal(Decimal),
    /// `70%` (held as 0.70)
    Percent(Decimal),
    /// `EUR 120.50`
    Money {
        /// ISO 4217 code.
        currency: String,
        /// The amount.
        amount: Decimal,
    },
    /// `4h`, `36 months`, `2 business days`, `100_000 mi`
    Quantity {
        /// The number.
        value: Decimal,
        /// The unit.
        unit: Unit,
    },
    /// `2026-01-31`
    Date(NaiveDate),
    /// `2026-01-31T08:00:00Z`
    DateTime(DateTime<FixedOffset>),
    /// `08:00`
    Clock(NaiveTime),
    /// `08:00-18:00`
    Opening(NaiveTime, NaiveTime),
    /// `"text"`
    Text(String),
    /// `P0301`, `WR`
    Code(String),
}
