//! The checked, resolved intermediate representation that compile and eval consume:
//! every name resolved (fields to indices, codes and enum variants to interned integers,
//! decisions and outputs to indices), every regex compiled, every node typed and placed.

use crate::diag::Span;
use crate::dsl::ast::{BinOp, CmpOp, HitPolicy};
use crate::types::{SchemaId, TableId, Type};
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::sync::Arc;

/// A typed expression with its source place (for explanations).
#[derive(Debug, Clone)]
pub struct Ir {
    /// What it computes.
    pub kind: IrKind,
    /// Its type.
    pub ty: Type,
    /// Where it is written.
    pub span: Span,
}

/// The built-in functions (LANGUAGE.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `lower(t)`
    Lower,
    /// `upper(t)`
    Upper,
    /// `len(text or set)`
    Len,
    /// `starts_with(t, prefix)`
    StartsWith,
    /// `ends_with(t, suffix)`
    EndsWith,
    /// `days_between(a, b)`: b − a in days
    DaysBetween,
    /// `months_between(a, b)`: the largest n with a + n months ≤ b
    MonthsBetween,
    /// `min(a, b)`
    Min,
    /// `max(a, b)`
    Max,
    /// `round(x, places)`, half-even
    Round,
    /// `end_of_month(d)`: the last day of d's month
    EndOfMonth,
    /// `end_of_quarter(d)`: the last day of d's calendar quarter
    EndOfQuarter,
    /// `end_of_year(d)`: December 31 of d's year
    EndOfYear,
}

/// The right-hand side of `in`.
#[derive(Debug, Clone)]
pub enum InSet {
    /// `[a, b, c]`
    List(Box<[Ir]>),
    /// `lo..hi` of an ordered type (inclusive).
    Range(Box<Ir>, Box<Ir>),
    /// A code range `P0300..P0399`, resolved to the declared codes it contains (sorted ids).
    Codes(Arc<[u32]>),
    /// A set-valued expression.
    Set(Box<Ir>),
}

/// The kinds of IR node.
#[derive(Debug, Clone)]
pub enum IrKind {
    /// A constant.
    Const(Value),
    /// A field of a fact root, through nested records: `fields[0]` of the root, then
    /// `fields[1]` of that record, …
    Field {
        /// The root schema.
        root: SchemaId,
        /// Field indices from the root down.
        fields: Box<[u16]>,
    },
    /// A field of a record computed by `base`.
    Get {
        /// The record.
        base: Box<Ir>,
        /// The field index.
        field: u16,
    },
    /// An attribute of the code `code` computes.
    Attr {
        /// The code.
        code: Box<Ir>,
        /// Its table.
        table: TableId,
        /// The attribute's index.
        attr: u16,
    },
    /// An output of a decision for the same bundle (evaluated once, memoised).
    Output {
        /// The decision's index in [`super::Checked::decisions`].
        decision: u32,
        /// The output's index.
        output: u16,
    },
    /// `has path`: whether the path's value is present.
    Has(Box<Ir>),
    /// `not x`
    Not(Box<Ir>),
    /// `a and b and …` (short-circuit)
    And(Box<[Ir]>),
    /// `a or b or …` (short-circuit)
    Or(Box<[Ir]>),
    /// `-x`
    Neg(Box<Ir>),
    /// `a + b`, `a - b`, `a * b`, `a / b`
    Arith {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Ir>,
        /// Right operand.
        rhs: Box<Ir>,
    },
    /// `a == b` etc.
    Cmp {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Ir>,
        /// Right operand.
        rhs: Box<Ir>,
    },
    /// `x [not] in SET`
    In {
        /// `not in`
        negated: bool,
        /// The value tested.
        value: Box<Ir>,
        /// What it is tested against.
        set: InSet,
    },
    /// `x matches /re/`, compiled once here.
    Matches {
        /// The text tested.
        value: Box<Ir>,
        /// The compiled pattern.
        regex: Arc<regex::Regex>,
    },
    /// `x contains y`
    Contains {
        /// Set or text.
        container: Box<Ir>,
        /// Element or substring.
        item: Box<Ir>,
    },
    /// A list literal (`flags = [regulatory]`).
    List(Box<[Ir]>),
    /// A built-in function call.
    Call {
        /// The function.
        func: Builtin,
        /// Its arguments.
        args: Box<[Ir]>,
    },
}

/// An output of a checked decision.
#[derive(Debug, Clone)]
pub struct OutputDef {
    /// Its name.
    pub name: String,
    /// Its type as rules assign it.
    pub ty: Type,
    /// Its default value.
    pub default: Option<Value>,
}

/// One rule of a checked decision.
#[derive(Debug, Clone)]
pub struct CheckedRule {
    /// Its id.
    pub id: String,
    /// Where it is written.
    pub span: Span,
    /// `priority N` (0 when not given).
    pub priority: i64,
    /// `effective A..B`, inclusive.
    pub effective: Option<(NaiveDate, NaiveDate)>,
    /// The condition.
    pub when: Ir,
    /// Assignments: output index and value.
    pub then: Vec<(u16, Ir)>,
}

/// A checked user decision (or route): what the compiler and interpreters evaluate.
#[derive(Debug, Clone)]
pub struct CheckedDecision {
    /// Its name.
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// Its hit policy.
    pub hit: HitPolicy,
    /// Its outputs.
    pub outputs: Vec<OutputDef>,
    /// Its rules in order.
    pub rules: Vec<CheckedRule>,
    /// The assignments of `otherwise`, if any.
    pub otherwise: Option<Vec<(u16, Ir)>>,
}

/// The cost components of a claim (money fields of `claim`), in the order a recovery
/// `cap` reduces them (LANGUAGE.md §5.4).
pub const COMPONENTS: [&str; 4] = ["parts", "labor", "handling", "sublet"];

/// A share of each cost component, as a fraction (70% is 0.70), in [`COMPONENTS`] order.
pub type Shares = [Decimal; 4];

/// A decision lowered from domain items whose semantics are more than rules tried in
/// order with fixed outputs (LANGUAGE.md §5.3, §5.4, §5.8, §5.9). Items that are only
/// that (`returns`, `disposition`, `segment`) lower to a plain [`CheckedDecision`].
/// Evaluated by `eval::items` for any expression evaluator.
#[derive(Debug, Clone)]
pub struct ItemDecision {
    /// The decision's name (`coverage`, `recovery`, …).
    pub name: String,
    /// Where its first item is declared.
    pub span: Span,
    /// Its outputs, in the order results list them, typed as other decisions read them.
    pub outputs: Vec<OutputDef>,
    /// What it evaluates.
    pub kind: ItemKind,
}

/// The kinds of lowered item decision.
// One per lowered decision, built once: boxing the larger ones would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ItemKind {
    /// `coverage`: the warranty policies.
    Coverage(Coverage),
    /// `recovery`: the supplier splits.
    Recovery(Recovery),
    /// `recalls`: every recall whose `affects` holds.
    Recalls(Vec<CheckedRecall>),
    /// `reports`: every report that is due, with its deadline.
    Reports(Vec<CheckedReport>),
    /// `opportunities`: every opportunity that applies, with team and value.
    Opportunities(Vec<CheckedOpportunity>),
    /// A route (`route NAME`): its rules are the plain decision at the same index of
    /// [`super::Checked::decisions`]; this completes their outputs.
    Route(RouteSla),
    /// `segment`: its rules are the plain decision at the same index of
    /// [`super::Checked::decisions`]; this adds `channel_allowed`.
    Segment(SegmentChannels),
    /// `return_authorization`: its rules are the plain decision at the same index; this
    /// adds `refund` and `restocking_fee`.
    Refund(RefundOutputs),
}

/// What completes `return_authorization` (LANGUAGE.md §5.7): for a `refund` or `credit`
/// remedy, `refund` is `return.value` less the restocking percentage, rounded half-even
/// to the currency's minor unit, and `restocking_fee` the rest of the value.
#[derive(Debug, Clone)]
pub struct RefundOutputs {
    /// `return.value`, where the rule set's `return` has a money `value`.
    pub value: Option<Ir>,
    /// The places of `remedy`, `restocking`, `refund` and `restocking_fee` among the
    /// outputs.
    pub remedy: u16,
    /// See `remedy`.
    pub restocking: u16,
    /// See `remedy`.
    pub refund: u16,
    /// See `remedy`.
    pub fee: u16,
}

/// Whether the contact's channel is offered to its segment (LANGUAGE.md §5.6): the
/// segment's `channels` list, when it has one, names the channel, and the channel's
/// `segments` list, when it has one, names the segment. Absent when the bundle has no
/// contact or no segment applies.
#[derive(Debug, Clone)]
pub struct SegmentChannels {
    /// `contact.channel`, when the rule set's `contact` has an enum `channel`.
    pub channel: Option<Ir>,
    /// The place of `channels` among the segment's outputs.
    pub channels_output: u16,
    /// The place of `channel_allowed` among the segment's outputs.
    pub allowed_output: u16,
    /// Per variant of `contact.channel`: the segments (variants of `segment.name`) its
    /// `channel` item offers it to, when the item lists them.
    pub offered_to: Vec<Option<Vec<u32>>>,
}

impl SegmentChannels {
    /// Whether channel `channel` (a variant of `contact.channel`) is offered to segment
    /// `segment` (a variant of `segment.name`) whose `channels` output is `channels`
    /// (absent: every channel).
    pub fn allowed(&self, segment: u32, channels: Option<&Value>, channel: u32) -> bool {
        let by_segment = match channels {
            Some(Value::Set(list)) => list.contains(&Value::Enum(channel)),
            _ => true,
        };
        let by_channel = match self.offered_to.get(channel as usize) {
            Some(Some(segments)) => segments.contains(&segment),
            _ => true,
        };
        by_segment && by_channel
    }
}

/// What completes a route's outputs once its rules have given theirs (LANGUAGE.md §5.5,
/// §5.6): `skills` from the queue, a service level not given from the customer's segment,
/// and the instants `first_response_due`, `resolve_due`, `escalate_at` from
/// `contact.received_at`, business time on the queue's calendar, else the segment's, else
/// the channel's.
#[derive(Debug, Clone)]
pub struct RouteSla {
    /// `contact.received_at`.
    pub received_at: Ir,
    /// `contact.channel`.
    pub channel: Ir,
    /// The outputs of decision `segment`, when there is one.
    pub segment: Option<SegmentOutputs>,
    /// Each queue, in the order of the variants of output `queue`.
    pub queues: Vec<QueueDef>,
    /// The calendar of each channel, in the order of the variants of `contact.channel`
    /// (index in [`super::Checked::calendars`]).
    pub channel_calendars: Vec<Option<u32>>,
}

/// Reads of the outputs of decision `segment`.
#[derive(Debug, Clone)]
pub struct SegmentOutputs {
    /// `segment.first_response`
    pub first_response: Ir,
    /// `segment.resolve`
    pub resolve: Ir,
    /// `segment.escalate_after`
    pub escalate_after: Ir,
    /// `segment.calendar`
    pub calendar: Ir,
    /// `segment.channel_allowed`, where the segment has that output.
    pub channel_allowed: Option<Ir>,
}

/// A queue (`queue NAME { calendar, skills }`).
#[derive(Debug, Clone)]
pub struct QueueDef {
    /// Its name.
    pub name: String,
    /// Its calendar (index in [`super::Checked::calendars`]).
    pub calendar: Option<u32>,
    /// The skills it needs.
    pub skills: Vec<String>,
}

/// The claim fields the lowered decisions read (LANGUAGE.md §3), as IR.
#[derive(Debug, Clone)]
pub struct ClaimFields {
    /// `claim.failure_date` (optional).
    pub failure_date: Ir,
    /// `claim.repair_date`.
    pub repair_date: Ir,
    /// `claim.odometer` (optional).
    pub odometer: Ir,
    /// `claim.parts`, `claim.labor`, `claim.handling`, `claim.sublet` (optional money).
    pub costs: [Ir; 4],
}

/// Decision `coverage`: the warranty policies in declaration order.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The policies, in declaration order.
    pub policies: Vec<CheckedWarranty>,
    /// The claim fields the policies' terms and amounts read.
    pub claim: ClaimFields,
}

/// One warranty policy (`warranty NAME { ... }`).
#[derive(Debug, Clone)]
pub struct CheckedWarranty {
    /// Its id.
    pub id: String,
    /// Its variant in the enum of output `coverage.warranty`.
    pub variant: u32,
    /// Where its name is written.
    pub span: Span,
    /// Eligibility (`when`); none: every claim.
    pub when: Option<Ir>,
    /// `covers EXPR`; none: `covers all`.
    pub covers: Option<Ir>,
    /// `excludes EXPR`.
    pub excludes: Option<Ir>,
    /// The term.
    pub term: CheckedTerm,
    /// `deductible MONEY`.
    pub deductible: Option<Ir>,
    /// `claim_type CODE`.
    pub claim_type: Option<Ir>,
    /// `pays …`: the share of each cost component it pays (100% where not named).
    pub pays: Shares,
}

/// `term D [or X] [from PATH]`.
#[derive(Debug, Clone)]
pub struct CheckedTerm {
    /// The time limit D (an exact or calendar duration).
    pub duration: Ir,
    /// The distance limit X.
    pub distance: Option<Ir>,
    /// The start date: the `from` path, else `product.in_service_date`.
    pub from: Ir,
    /// The start path as written (`product.in_service_date`), for errors.
    pub from_path: String,
    /// The whole clause.
    pub span: Span,
}

/// Decision `recovery`: the splits in the order they are tried (`split default` last).
#[derive(Debug, Clone)]
pub struct Recovery {
    /// The splits, `default` last.
    pub splits: Vec<CheckedSplit>,
    /// The cost components of the claim.
    pub costs: [Ir; 4],
}

/// One supplier split (`split NAME { ... }`).
#[derive(Debug, Clone)]
pub struct CheckedSplit {
    /// Its id.
    pub id: String,
    /// Its variant in the enum of output `recovery.split`.
    pub variant: u32,
    /// Where its name is written.
    pub span: Span,
    /// When it applies; none: always.
    pub when: Option<Ir>,
    /// The paying parties, in the order written.
    pub parties: Vec<CheckedParty>,
    /// The party that pays the rest.
    pub remainder: String,
}

/// `party NAME pays SHARES [cap MONEY]`.
#[derive(Debug, Clone)]
pub struct CheckedParty {
    /// The party.
    pub name: String,
    /// Its share of each component (0% where not named).
    pub shares: Shares,
    /// The most it pays in total.
    pub cap: Option<Ir>,
    /// The whole clause.
    pub span: Span,
}

/// One recall campaign (`recall ID { affects … }`).
#[derive(Debug, Clone)]
pub struct CheckedRecall {
    /// Its id.
    pub id: String,
    /// Where its id is written.
    pub span: Span,
    /// Which products it affects; none: every product.
    pub affects: Option<Ir>,
}

/// One regulatory report (`report NAME { when, due, calendar }`).
#[derive(Debug, Clone)]
pub struct CheckedReport {
    /// Its id.
    pub id: String,
    /// Where its name is written.
    pub span: Span,
    /// When it is due at all; none: always.
    pub when: Option<Ir>,
    /// Its deadline.
    pub due: Option<CheckedDue>,
    /// Its title, else its id.
    pub title: String,
    /// Its calendar's name.
    pub calendar: Option<String>,
    /// `roll forward`: the calendar (index in [`super::Checked::calendars`]) on whose next
    /// business day a deadline that is not one moves to.
    pub roll: Option<u32>,
}

/// A report's deadline (LANGUAGE.md §5.9): a date, or an instant.
#[derive(Debug, Clone)]
pub enum CheckedDue {
    /// `due DATE` (or a date-time)
    On(Ir),
    /// `due D after X [roll forward] [calendar C]`
    After {
        /// The delay (exact, calendar or business).
        offset: Ir,
        /// The date or date-time it counts from.
        after: Ir,
        /// The calendar business time counts on (index in [`super::Checked::calendars`]).
        calendar: Option<u32>,
        /// Whether the deadline is an instant (counted from a date-time, or in hours).
        instant: bool,
    },
    /// `due immediately after X`: X itself, flagged `immediate`.
    Immediately(Ir),
}

/// One opportunity (`opportunity NAME { when, team, value }`).
#[derive(Debug, Clone)]
pub struct CheckedOpportunity {
    /// Its id.
    pub id: String,
    /// Where its name is written.
    pub span: Span,
    /// When it applies; none: always.
    pub when: Option<Ir>,
    /// The team it goes to.
    pub team: Option<String>,
    /// Its value.
    pub value: Option<Ir>,
}

/// A business-hours calendar (`calendar NAME { timezone, hours, holidays }`, §5.6).
#[derive(Debug, Clone)]
pub struct CheckedCalendar {
    /// Its name.
    pub name: String,
    /// Where its name is written.
    pub span: Span,
    /// Its IANA time zone (UTC when not given).
    pub timezone: chrono_tz::Tz,
    /// Opening intervals `[open, close)` of each weekday, Monday first, sorted; a close of
    /// `None` is the end of the day (`24:00`).
    pub hours: [Vec<(chrono::NaiveTime, Option<chrono::NaiveTime>)>; 7],
    /// Closed dates, sorted.
    pub holidays: Vec<NaiveDate>,
    /// The holidays that fall on weekdays with opening hours (those that close a day that
    /// would be open), as day numbers from 0001-01-01 (day 1), sorted: what counting
    /// business days subtracts.
    pub open_holidays: Vec<i32>,
}

impl CheckedCalendar {
    /// A calendar of `hours` and `holidays` (sorted), with its [`CheckedCalendar::open_holidays`].
    pub fn new(
        name: String,
        span: Span,
        timezone: chrono_tz::Tz,
        hours: [Vec<(chrono::NaiveTime, Option<chrono::NaiveTime>)>; 7],
        holidays: Vec<NaiveDate>,
    ) -> CheckedCalendar {
        use chrono::Datelike;
        let open_holidays = holidays
            .iter()
            .copied()
            .filter(|d| !hours[d.weekday().num_days_from_monday() as usize].is_empty())
            .map(|d| d.num_days_from_ce())
            .collect();
        CheckedCalendar {
            name,
            span,
            timezone,
            hours,
            holidays,
            open_holidays,
        }
    }
}

/// The response templates of a rule set (docs/language.md, "Response templates"), compiled
/// once: the minijinja environment that renders them, and what each reads.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    /// The environment holding every template that checked, by name.
    pub env: minijinja::Environment<'static>,
    /// Every template that checked, in declaration order.
    pub list: Vec<CheckedTemplate>,
}

/// One checked response template.
#[derive(Debug, Clone)]
pub struct CheckedTemplate {
    /// Its name.
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// Its text (minijinja syntax).
    pub source: Arc<str>,
    /// The fact roots it reads.
    pub roots: Vec<SchemaId>,
    /// The decisions whose outputs it reads (indices of [`super::Checked::names`]).
    pub decisions: Vec<u32>,
}
