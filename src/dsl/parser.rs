//! From text to [`RuleFile`]: bounds checks, the pest grammar, and the AST builder that
//! validates clause names and literal values as it goes.

use super::ast::*;
use super::cst::Cst;
use super::syntax_error;
use crate::diag::{suggest, Code, Diagnostic, Diagnostics, FileId, SourceMap, Span};
use chrono::{DateTime, NaiveDate, NaiveTime, Weekday};
use pest::Parser as _;
use rust_decimal::Decimal;
use std::collections::HashMap;

#[allow(missing_docs)]
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/aftersales.pest"]
    pub struct RulesParser;
}

pub(crate) use grammar::Rule;
use grammar::RulesParser;

type Pair<'i> = super::cst::Node<'i>;

/// Deepest nesting of brackets `( [ {` a rule file may have.
pub const MAX_NESTING: usize = 32;
/// Deepest expression tree (operators included) a rule may have.
pub const MAX_EXPR_DEPTH: usize = 128;
/// Most binary operators in one expression.
const MAX_CHAIN: usize = 256;
/// Largest rule file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// Parse one file of a source map. On a syntax error the returned file has no items and
/// the diagnostics say why; other problems (unknown clauses, bad literals) are reported
/// while the rest of the file is still built.
pub fn parse_file(map: &SourceMap, file: FileId) -> (RuleFile, Diagnostics) {
    let mut diags = Diagnostics::new();
    let empty = RuleFile {
        file,
        items: Vec::new(),
    };
    let Some(src) = map.file(file) else {
        return (empty, diags);
    };
    let text: &str = &src.text;
    if text.len() > MAX_FILE_BYTES {
        diags.push(
            Diagnostic::error(
                Code::FileTooLarge,
                format!(
                    "rule file is {} bytes; the largest accepted is {} bytes",
                    text.len(),
                    MAX_FILE_BYTES
                ),
            )
            .with_path(src.name.clone()),
        );
        return (empty, diags);
    }
    if let Some(d) = check_nesting(map, file, text) {
        diags.push(d);
        return (empty, diags);
    }
    // The fast parser first; pest (the reference) for anything it does not accept, so
    // that errors are always pest's.
    let cst = match Cst::fast(text) {
        Some(cst) => cst,
        None => match RulesParser::parse(Rule::file, text) {
            Ok(pairs) => Cst::from_pest(text, pairs),
            Err(e) => {
                diags.push(syntax_error::convert(map, file, text, &e));
                return (empty, diags);
            }
        },
    };
    let (file, mut more) = build(map, file, &cst);
    diags.extend(std::mem::take(&mut more));
    (file, diags)
}

/// Build the AST of a file from its concrete syntax tree.
fn build(map: &SourceMap, file: FileId, cst: &Cst<'_>) -> (RuleFile, Diagnostics) {
    let mut b = Builder {
        map,
        file,
        diags: Diagnostics::new(),
        depth: 0,
        depth_reported: false,
    };
    let mut items = Vec::new();
    if let Some(root) = cst.root() {
        for item in root.into_inner() {
            if let Some(i) = b.item(item) {
                items.push(i);
            }
        }
    }
    (RuleFile { file, items }, b.diags)
}

/// Which parser to use (for the equivalence tests and benchmarks).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The hand-written parser of the same grammar.
    Fast,
    /// pest, the reference.
    Pest,
}

/// The concrete syntax tree of `text` from one parser, as `(rule name, start, end,
/// descendants)` in pre-order; `None` if that parser rejects the text. For the tests that
/// hold the two parsers equal.
#[doc(hidden)]
pub fn concrete_tree(text: &str, engine: Engine) -> Option<Vec<(String, u32, u32, u32)>> {
    if text.len() > MAX_FILE_BYTES {
        return None;
    }
    let cst = match engine {
        Engine::Fast => Cst::fast(text)?,
        Engine::Pest => Cst::from_pest(text, RulesParser::parse(Rule::file, text).ok()?),
    };
    Some(
        cst.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    format!("{:?}", n.rule),
                    n.start,
                    n.end,
                    n.sub_end - i as u32,
                )
            })
            .collect(),
    )
}

/// Parse with pest only (the reference parser), for benchmarks and tests.
#[doc(hidden)]
pub fn parse_file_with_pest(map: &SourceMap, file: FileId) -> (RuleFile, Diagnostics) {
    let Some(src) = map.file(file) else {
        return (
            RuleFile {
                file,
                items: Vec::new(),
            },
            Diagnostics::new(),
        );
    };
    match RulesParser::parse(Rule::file, &src.text) {
        Ok(pairs) => build(map, file, &Cst::from_pest(&src.text, pairs)),
        Err(e) => {
            let mut d = Diagnostics::new();
            d.push(syntax_error::convert(map, file, &src.text, &e));
            (
                RuleFile {
                    file,
                    items: Vec::new(),
                },
                d,
            )
        }
    }
}

/// The text of a text block as it is meant: a line break right after the opening `"""`
/// is dropped, the indentation common to the lines that are not blank is removed, and a
/// last line of blanks only (the indentation of the closing `"""`) is left empty.
pub(crate) fn dedent(raw: &str) -> String {
    let raw = raw
        .strip_prefix("\r\n")
        .or_else(|| raw.strip_prefix('\n'))
        .unwrap_or(raw);
    let blank = |l: &str| l.trim().is_empty();
    let indent = raw
        .split('\n')
        .filter(|l| !blank(l))
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = raw.split('\n').collect();
    let last = lines.len() - 1;
    let mut out = String::with_capacity(raw.len());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if blank(line) {
            // a blank line keeps no blanks (and the closing line none)
            if i < last {
                out.push_str(line.trim_start_matches([' ', '\t']));
            }
            continue;
        }
        // `indent` bytes are blanks (ASCII) on every line that is not blank
        out.push_str(line.get(indent..).unwrap_or(line));
    }
    out
}

/// Find brackets nested deeper than [`MAX_NESTING`] before pest sees them, skipping
/// comments and strings, so that no input can exhaust the stack.
fn check_nesting(map: &SourceMap, file: FileId, text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    // the last word seen, to know when a `/` opens a regex (after `matches` or `format`)
    let mut word_end = 0usize;
    let mut word_start = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() || b == b'_' {
            word_start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            word_end = i;
            continue;
        }
        match b {
            b'/' if matches!(&text[word_start..word_end], "matches" | "format")
                && text[word_end..i].trim().is_empty() =>
            {
                // a regex literal: skip to its closing `/` on the same line
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'/' | b'\n') {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if text[i..].starts_with("\"\"\"") => {
                // a text block: to its closing `"""` (or the end)
                i = text[i + 3..]
                    .find("\"\"\"")
                    .map_or(bytes.len(), |k| i + 3 + k + 2);
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n') {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::error(
                            Code::TooDeep,
                            format!("brackets nested more than {MAX_NESTING} levels deep"),
                        )
                        .at(map.span(file, i, i + 1))
                        .with_label("too deep here")
                        .with_help("split the expression into several rules or decisions"),
                    );
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Which clause names an item accepts, and which it has seen.
struct Clauses {
    item: &'static str,
    allowed: &'static [&'static str],
    /// Words that continue a clause of this item (`after` in `due … after …`): a misspelt
    /// one is parsed as an unknown clause, so they are suggested too.
    extra: &'static [&'static str],
    seen: HashMap<&'static str, Span>,
    /// Clauses suggested for a misspelt one, so that they are not also reported missing.
    suggested: Vec<String>,
}

impl Clauses {
    fn new(item: &'static str, allowed: &'static [&'static str]) -> Clauses {
        let extra: &'static [&'static str] = match item {
            "report" => &["after"],
            "warranty" => &["or", "from", "all"],
            "split" => &["pays", "cap"],
            _ => &[],
        };
        Clauses {
            item,
            allowed,
            extra,
            seen: HashMap::new(),
            suggested: Vec::new(),
        }
    }
}

struct Builder<'m> {
    map: &'m SourceMap,
    file: FileId,
    diags: Diagnostics,
    /// Current depth of expression building (bounded by `MAX_EXPR_DEPTH`).
    depth: usize,
    /// Whether the current top-level expression was reported too deep already.
    depth_reported: bool,
}

/// The month of `jan` … `dec`.
fn month_of(s: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    MONTHS.iter().position(|m| *m == s).map(|k| k as u32 + 1)
}

fn inner(p: Pair<'_>) -> Vec<Pair<'_>> {
    p.into_inner().collect()
}

/// How many children of `p` are `rule` nodes: the exact capacity of a list built from
/// them (a `Vec` grown by pushes holds up to twice what it needs, for the AST's lifetime).
fn count_of(p: Pair<'_>, rule: Rule) -> usize {
    p.into_inner().filter(|x| x.as_rule() == rule).count()
}

fn unit_of(text: &str) -> Option<Unit> {
    let words: Vec<&str> = text.split_whitespace().collect();
    Some(match words.as_slice() {
        ["business", "day" | "days"] => Unit::BusinessDay,
        ["business", "hour" | "hours"] => Unit::BusinessHour,
        ["min" | "minute" | "minutes"] => Unit::Minute,
        ["h" | "hour" | "hours"] => Unit::Hour,
        ["d" | "day" | "days"] => Unit::Day,
        ["week" | "weeks"] => Unit::Week,
        ["month" | "months"] => Unit::Month,
        ["year" | "years"] => Unit::Year,
        ["km"] => Unit::Km,
        ["mi"] => Unit::Mi,
        _ => return None,
    })
}

fn weekday_of(text: &str) -> Option<Weekday> {
    Some(match text {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

impl<'m> Builder<'m> {
    fn span(&self, p: &Pair<'_>) -> Span {
        let s = p.as_span();
        self.map.span(self.file, s.start(), s.end())
    }

    fn ident(&self, p: &Pair<'_>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(p),
        }
    }

    fn error(&mut self, code: Code, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.push_mut(Diagnostic::error(code, msg).at(span))
    }

    /// Note a clause; report an unknown or repeated one. Returns the canonical name.
    fn clause(&mut self, set: &mut Clauses, name: &Ident) -> Option<&'static str> {
        let Some(canon) = set.allowed.iter().find(|a| **a == name.name).copied() else {
            let mut d = Diagnostic::error(
                Code::UnknownClause,
                format!("unknown clause `{}` in {}", name.name, set.item),
            )
            .at(name.span)
            .with_label("not a clause of this item");
            d = match suggest(&name.name, set.allowed.iter().chain(set.extra.iter())) {
                Some(s) => {
                    let help = format!("did you mean `{s}`?");
                    set.suggested.push(s);
                    d.with_help(help)
                }
                None => d.with_help(format!(
                    "{} clauses are: {}",
                    set.item,
                    set.allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diags.push(d);
            return None;
        };
        if let Some(first) = set.seen.get(canon) {
            let first = *first;
            self.diags.push(
                Diagnostic::error(
                    Code::RepeatedClause,
                    format!("clause `{canon}` given twice in {}", set.item),
                )
                .at(name.span)
                .with_label("given again here")
                .with_related(first, "first given here"),
            );
            return None;
        }
        set.seen.insert(canon, name.span);
        Some(canon)
    }

    fn require(&mut self, set: &Clauses, name: &'static str, item_span: Span, what: &str) {
        if !set.seen.contains_key(name) && !set.suggested.iter().any(|s| s == name) {
            self.diags.push(
                Diagnostic::error(
                    Code::MissingClause,
                    format!("{what} has no `{name}` clause, which it requires"),
                )
                .at(item_span)
                .with_label(format!("`{name}` missing"))
                .with_help(match name {
                    "term" => "add a term such as `term 36 months or 36_000 mi`",
                    "covers" => "add `covers all` or `covers claim.fault.system in [engine]`",
                    "remainder" => "add `remainder NAME`: the party that pays what is left",
                    _ => "add the clause",
                }),
            );
        }
    }

    fn item_head(&self, p: &Pair<'_>) -> Span {
        self.span(p)
    }

    // ───────────────────────── items ─────────────────────────

    fn item(&mut self, p: Pair<'_>) -> Option<Item> {
        let span = self.item_head(&p);
        match p.as_rule() {
            Rule::schema_item => Some(Item::Schema(self.schema(p, span))),
            Rule::extend_item => Some(Item::Extend(self.schema(p, span))),
            Rule::units_item => Some(Item::Units(self.units(p, span))),
            Rule::codes_item => Some(Item::Codes(self.codes(p, span))),
            Rule::decision_item => Some(Item::Decision(self.decision(p, span))),
            Rule::warranty_item => Some(Item::Warranty(self.warranty(p, span))),
            Rule::split_item => Some(Item::Split(self.split(p, span))),
            Rule::queue_item => Some(Item::Queue(self.queue(p, span))),
            Rule::route_item => Some(Item::Route(self.rules_block(p, span, "route", true))),
            Rule::calendar_item => Some(Item::Calendar(self.calendar(p, span))),
            Rule::segment_item => Some(Item::Segment(self.segment(p, span))),
            Rule::channel_item => Some(Item::Channel(self.channel(p, span))),
            Rule::returns_item => Some(Item::Returns(self.rules_block(p, span, "returns", false))),
            Rule::disposition_item => Some(Item::Disposition(self.rules_block(
                p,
                span,
                "disposition",
                false,
            ))),
            Rule::recall_item => Some(Item::Recall(self.recall(p, span))),
            Rule::report_item => Some(Item::Report(self.report(p, span))),
            Rule::opportunity_item => Some(Item::Opportunity(self.opportunity(p, span))),
            Rule::template_item => Some(Item::Template(self.template(p, span))),
            _ => None,
        }
    }

    fn schema(&mut self, p: Pair<'_>, span: Span) -> SchemaDecl {
        let mut name = None;
        let mut open = false;
        let mut fields = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::k_open => open = true,
                Rule::field_decl => fields.push(self.field(c)),
                _ => {}
            }
        }
        SchemaDecl {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            open,
            fields,
            span,
        }
    }

    fn missing_ident(&self, span: Span) -> Ident {
        Ident {
            name: String::new(),
            span,
        }
    }

    fn field(&mut self, p: Pair<'_>) -> FieldDecl {
        let span = self.span(&p);
        let mut name = None;
        let mut ty = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::type_expr => ty = Some(self.type_expr(c)),
                _ => {}
            }
        }
        FieldDecl {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            ty: ty.unwrap_or(TypeExpr {
                kind: TypeKind::Prim(PrimType::Text),
                optional: false,
                span,
            }),
            span,
        }
    }

    fn type_expr(&mut self, p: Pair<'_>) -> TypeExpr {
        let span = self.span(&p);
        let mut sets = Vec::new();
        let mut base = None;
        let mut optional = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::set_of => sets.push(self.span(&c)),
                Rule::type_base => base = Some(self.type_base(c)),
                Rule::qmark => optional = true,
                _ => {}
            }
        }
        let mut kind = base.unwrap_or(TypeKind::Prim(PrimType::Text));
        // `set of set of T?`: the `?` applies to the whole type.
        let base_span = span;
        for _ in sets.iter().rev() {
            kind = TypeKind::SetOf(Box::new(TypeExpr {
                kind,
                optional: false,
                span: base_span,
            }));
        }
        TypeExpr {
            kind,
            optional,
            span,
        }
    }

    fn type_base(&mut self, p: Pair<'_>) -> TypeKind {
        let Some(c) = p.into_inner().next() else {
            return TypeKind::Prim(PrimType::Text);
        };
        match c.as_rule() {
            Rule::enum_type => {
                let mut variants: Vec<Ident> = Vec::new();
                for v in c.into_inner().filter(|v| v.as_rule() == Rule::ident) {
                    let id = self.ident(&v);
                    if let Some(first) = variants.iter().find(|x| x.name == id.name) {
                        let first = first.span;
                        self.diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                format!("variant `{}` declared twice in this enum", id.name),
                            )
                            .at(id.span)
                            .with_label("declared again here")
                            .with_related(first, "first declared here"),
                        );
                        continue;
                    }
                    variants.push(id);
                }
                TypeKind::Enum(variants)
            }
            Rule::code_type => {
                let table = c
                    .into_inner()
                    .find(|x| x.as_rule() == Rule::ident)
                    .map(|x| self.ident(&x));
                match table {
                    Some(t) => TypeKind::Code(t),
                    None => TypeKind::Prim(PrimType::Text),
                }
            }
            Rule::ident => {
                let id = self.ident(&c);
                match PrimType::from_name(&id.name) {
                    Some(t) => TypeKind::Prim(t),
                    None => TypeKind::Named(id),
                }
            }
            _ => TypeKind::Prim(PrimType::Text),
        }
    }

    fn units(&mut self, p: Pair<'_>, span: Span) -> UnitsDecl {
        let mut set = Clauses::new("units", &["currency", "distance"]);
        let mut currency = None;
        let mut distance = None;
        for c in p.into_inner().filter(|c| c.as_rule() == Rule::prop_clause) {
            let (name, value) = self.prop(c);
            match self.clause(&mut set, &name) {
                Some("currency") => match &value.kind {
                    ExprKind::Literal(Literal::Code(code))
                        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) =>
                    {
                        currency = Some(Ident {
                            name: code.clone(),
                            span: value.span,
                        })
                    }
                    _ => {
                        self.error(
                            Code::UnknownUnit,
                            value.span,
                            "expected a three-letter ISO 4217 currency code such as `USD`",
                        );
                    }
                },
                Some("distance") => match self.as_ident(&value).as_deref() {
                    Some("km") => distance = Some((DistanceUnit::Km, value.span)),
                    Some("mi") => distance = Some((DistanceUnit::Mi, value.span)),
                    _ => {
                        self.error(
                            Code::UnknownUnit,
                            value.span,
                            "expected a distance unit: `km` or `mi`",
                        );
                    }
                },
                _ => {}
            }
        }
        UnitsDecl {
            currency,
            distance,
            span,
        }
    }

    fn codes(&mut self, p: Pair<'_>, span: Span) -> CodesDecl {
        let mut name = None;
        let mut title = None;
        let mut from = None;
        let mut format = None;
        let mut attributes = Vec::new();
        let mut entries = Vec::new();
        let mut seen_from = false;
        let mut format_span: Option<Span> = None;
        let mut attrs_span: Option<Span> = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::title => title = self.title(c),
                Rule::k_from => seen_from = true,
                Rule::string if seen_from => from = Some(self.string(c)),
                Rule::format_clause => {
                    let s = self.span(&c);
                    if let Some(first) = format_span {
                        self.repeated("format", "codes", s, first);
                    }
                    format_span = Some(s);
                    format = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::regex)
                        .map(|r| self.regex(r));
                }
                Rule::attributes_clause => {
                    let s = self.span(&c);
                    if let Some(first) = attrs_span {
                        self.repeated("attributes", "codes", s, first);
                    }
                    attrs_span = Some(s);
                    for f in c.into_inner().filter(|x| x.as_rule() == Rule::field_decl) {
                        attributes.push(self.field(f));
                    }
                }
                Rule::code_entry => entries.push(self.code_entry(c)),
                _ => {}
            }
        }
        CodesDecl {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            title,
            from,
            format,
            attributes,
            entries,
            span,
        }
    }

    fn repeated(&mut self, clause: &str, item: &str, again: Span, first: Span) {
        self.diags.push(
            Diagnostic::error(
                Code::RepeatedClause,
                format!("clause `{clause}` given twice in {item}"),
            )
            .at(again)
            .with_label("given again here")
            .with_related(first, "first given here"),
        );
    }

    fn code_key(&mut self, p: Pair<'_>) -> CodeKey {
        let span = self.span(&p);
        match p.into_inner().next() {
            Some(c) if c.as_rule() == Rule::string => {
                let s = self.string(c);
                CodeKey {
                    text: s.value,
                    span,
                }
            }
            Some(c) => CodeKey {
                text: c.as_str().to_string(),
                span,
            },
            None => CodeKey {
                text: String::new(),
                span,
            },
        }
    }

    fn code_entry(&mut self, p: Pair<'_>) -> CodeEntry {
        let span = self.span(&p);
        let mut keys = Vec::new();
        let mut title = None;
        let mut attrs = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::code_key => keys.push(self.code_key(c)),
                Rule::title => title = self.title(c),
                Rule::attr_values => {
                    for a in c.into_inner().filter(|x| x.as_rule() == Rule::attr_value) {
                        let mut name = None;
                        let mut value = None;
                        for x in a.into_inner() {
                            match x.as_rule() {
                                Rule::ident => name = Some(self.ident(&x)),
                                Rule::expr => value = Some(self.top_expr(x)),
                                _ => {}
                            }
                        }
                        if let (Some(n), Some(v)) = (name, value) {
                            attrs.push((n, v));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut keys = keys.into_iter();
        let code = keys.next().unwrap_or(CodeKey {
            text: String::new(),
            span,
        });
        let range_end = keys.next();
        if let Some(end) = &range_end {
            if let Err(msg) = crate::dsl::code_range_check(&code.text, &end.text) {
                self.error(Code::CodeRange, code.span.to(end.span), msg);
            }
        }
        CodeEntry {
            code,
            range_end,
            title,
            attrs,
            span,
        }
    }

    fn hit_policy(&mut self, p: Pair<'_>) -> HitPolicy {
        let names: Vec<Ident> = p
            .into_inner()
            .filter(|x| x.as_rule() == Rule::ident)
            .map(|x| self.ident(&x))
            .collect();
        let policies = ["first", "unique", "priority", "collect"];
        let Some(first) = names.first() else {
            return HitPolicy::First;
        };
        let policy = match first.name.as_str() {
            "first" => HitPolicy::First,
            "unique" => HitPolicy::Unique,
            "priority" => HitPolicy::Priority,
            "collect" => HitPolicy::Collect(None),
            other => {
                let help = suggest(other, policies)
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        "hit policies are `first`, `unique`, `priority`, `collect`".into()
                    });
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownHitPolicy,
                        format!("unknown hit policy `{other}`"),
                    )
                    .at(first.span)
                    .with_help(help),
                );
                return HitPolicy::First;
            }
        };
        match (policy, names.get(1)) {
            (p, None) => p,
            (HitPolicy::Collect(_), Some(agg)) => {
                let a = match agg.name.as_str() {
                    "sum" => Aggregate::Sum,
                    "min" => Aggregate::Min,
                    "max" => Aggregate::Max,
                    "count" => Aggregate::Count,
                    other => {
                        let help = suggest(other, ["sum", "min", "max", "count"])
                            .map(|s| format!("did you mean `{s}`?"))
                            .unwrap_or_else(|| {
                                "aggregations are `sum`, `min`, `max`, `count`".into()
                            });
                        self.diags.push(
                            Diagnostic::error(
                                Code::UnknownHitPolicy,
                                format!("unknown aggregation `{other}` for `collect`"),
                            )
                            .at(agg.span)
                            .with_help(help),
                        );
                        return HitPolicy::Collect(None);
                    }
                };
                HitPolicy::Collect(Some(a))
            }
            (p, Some(extra)) => {
                self.error(
                    Code::UnknownHitPolicy,
                    extra.span,
                    format!(
                        "only `collect` takes an aggregation; found `{}`",
                        extra.name
                    ),
                );
                p
            }
        }
    }

    fn decision(&mut self, p: Pair<'_>, span: Span) -> DecisionDecl {
        let mut name = None;
        let mut hit = HitPolicy::First;
        let mut outputs: Vec<OutputDecl> = Vec::new();
        let mut rules = Vec::with_capacity(count_of(p, Rule::rule_decl));
        let mut otherwise: Option<Otherwise> = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::hit_policy => hit = self.hit_policy(c),
                Rule::output_decl => {
                    let o = self.output(c);
                    if let Some(first) = outputs.iter().find(|x| x.name.name == o.name.name) {
                        let first = first.name.span;
                        self.diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                format!("output `{}` declared twice", o.name.name),
                            )
                            .at(o.name.span)
                            .with_label("declared again here")
                            .with_related(first, "first declared here"),
                        );
                    } else {
                        outputs.push(o);
                    }
                }
                Rule::rule_decl => rules.push(self.rule(c, true, "decision")),
                Rule::otherwise_clause => {
                    let o = self.otherwise(c, true, "decision");
                    self.set_otherwise(&mut otherwise, o, "decision");
                }
                _ => {}
            }
        }
        DecisionDecl {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            hit,
            outputs,
            rules,
            otherwise,
            span,
        }
    }

    fn set_otherwise(&mut self, slot: &mut Option<Otherwise>, o: Otherwise, item: &str) {
        if let Some(first) = slot {
            let item = match item {
                "returns" | "disposition" => format!("`{item}`"),
                other => format!("this {other}"),
            };
            self.repeated("otherwise", &item, o.span, first.span);
        } else {
            *slot = Some(o);
        }
    }

    fn output(&mut self, p: Pair<'_>) -> OutputDecl {
        let span = self.span(&p);
        let mut name = None;
        let mut ty = None;
        let mut default = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::type_expr => ty = Some(self.type_expr(c)),
                Rule::expr => default = Some(self.top_expr(c)),
                _ => {}
            }
        }
        OutputDecl {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            ty: ty.unwrap_or(TypeExpr {
                kind: TypeKind::Prim(PrimType::Text),
                optional: false,
                span,
            }),
            default,
            span,
        }
    }

    fn rule(&mut self, p: Pair<'_>, assign: bool, item: &str) -> RuleDecl {
        let span = self.span(&p);
        let mut id = None;
        let mut priority = None;
        let mut effective = None;
        let mut when = None;
        let mut then = None;
        let mut mods: HashMap<&'static str, Span> = HashMap::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::rule_id => id = Some(self.ident(&c)),
                Rule::rule_mod => {
                    let mspan = self.span(&c);
                    let parts = inner(c);
                    let Some(kw) = parts.first() else { continue };
                    let key = if kw.as_rule() == Rule::k_priority {
                        "priority"
                    } else {
                        "effective"
                    };
                    if let Some(first) = mods.get(key) {
                        let first = *first;
                        self.repeated(key, "rule", mspan, first);
                        continue;
                    }
                    mods.insert(key, mspan);
                    let exprs: Vec<Expr> = parts
                        .into_iter()
                        .filter(|x| x.as_rule() == Rule::arith)
                        .map(|x| self.checked(x, Self::expr))
                        .collect();
                    let mut exprs = exprs.into_iter();
                    if key == "priority" {
                        priority = exprs.next();
                    } else if let (Some(a), Some(b)) = (exprs.next(), exprs.next()) {
                        effective = Some((a, b));
                    }
                }
                Rule::when_clause => {
                    when = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::expr)
                        .map(|x| self.top_expr(x))
                }
                Rule::then_body => then = Some(self.then_body(c, assign, item)),
                _ => {}
            }
        }
        let when = when.unwrap_or(Expr {
            kind: ExprKind::Literal(Literal::Bool(true)),
            span,
        });
        RuleDecl {
            id: id.unwrap_or_else(|| self.missing_ident(span)),
            priority,
            effective,
            when,
            then: then.unwrap_or(Then::Assign(Vec::new())),
            span,
        }
    }

    fn otherwise(&mut self, p: Pair<'_>, assign: bool, item: &str) -> Otherwise {
        let span = self.span(&p);
        let then = p
            .into_inner()
            .find(|x| x.as_rule() == Rule::then_body)
            .map(|x| self.then_body(x, assign, item))
            .unwrap_or(Then::Assign(Vec::new()));
        Otherwise { then, span }
    }

    fn then_body(&mut self, p: Pair<'_>, assign: bool, item: &str) -> Then {
        let span = self.span(&p);
        let Some(c) = p.into_inner().next() else {
            return Then::Assign(Vec::new());
        };
        let then = match c.as_rule() {
            Rule::assignments => {
                let mut list = Vec::with_capacity(count_of(c, Rule::assignment));
                for a in c.into_inner().filter(|x| x.as_rule() == Rule::assignment) {
                    let aspan = self.span(&a);
                    let mut target = None;
                    let mut value = None;
                    for x in a.into_inner() {
                        match x.as_rule() {
                            Rule::ident => target = Some(self.ident(&x)),
                            Rule::expr => value = Some(self.top_expr(x)),
                            _ => {}
                        }
                    }
                    if let (Some(t), Some(v)) = (target, value) {
                        list.push(Assignment {
                            target: t,
                            value: v,
                            span: aspan,
                        });
                    }
                }
                Then::Assign(list)
            }
            _ => {
                let aspan = self.span(&c);
                let mut parts = c.into_inner();
                let verb = parts
                    .next()
                    .map(|v| self.ident(&v))
                    .unwrap_or_else(|| self.missing_ident(aspan));
                let args = parts
                    .filter_map(|a| a.into_inner().next())
                    .map(|a| self.action_arg(a))
                    .collect();
                Then::Action(Action {
                    verb,
                    args,
                    span: aspan,
                })
            }
        };
        match (&then, assign) {
            (Then::Action(a), true) => {
                let mut d = Diagnostic::error(
                    Code::ThenForm,
                    format!(
                        "a {item} sets its outputs with `name = value`; found `{}` without `=`",
                        a.verb.name
                    ),
                )
                .at(span)
                .with_label("expected `output = value, ...`");
                if item == "decision" || item == "route" {
                    d = d.with_help("write e.g. `then action = reject, reason = \"...\"`");
                }
                self.diags.push(d);
            }
            (Then::Assign(_), false) => {
                let help = if item == "returns" {
                    "write `then authorize refund`, `then authorize replace restocking 15%` or `then deny \"reason\"`"
                } else {
                    "write one of `restock`, `refurbish`, `salvage`, `scrap`, `return_to_supplier`"
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::ThenForm,
                        format!("{item} rules take an action, not assignments"),
                    )
                    .at(span)
                    .with_help(help),
                );
            }
            (Then::Action(a), false) => self.check_action(a, item),
            _ => {}
        }
        then
    }

    fn check_action(&mut self, a: &Action, item: &str) {
        let verbs: &[&str] = if item == "returns" {
            &["authorize", "deny"]
        } else {
            &[
                "restock",
                "refurbish",
                "salvage",
                "scrap",
                "return_to_supplier",
            ]
        };
        if !verbs.contains(&a.verb.name.as_str()) {
            let help = suggest(&a.verb.name, verbs.iter())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "{item} actions are: {}",
                        verbs
                            .iter()
                            .map(|v| format!("`{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownAction,
                    format!("unknown {item} action `{}`", a.verb.name),
                )
                .at(a.verb.span)
                .with_help(help),
            );
            return;
        }
        if item != "returns" {
            if let Some(extra) = a.args.first() {
                self.error(
                    Code::UnknownAction,
                    extra.span,
                    format!("`{}` takes no arguments", a.verb.name),
                );
            }
            return;
        }
        if a.verb.name == "deny" {
            match a.args.as_slice() {
                [] => {}
                [Expr {
                    kind: ExprKind::Literal(Literal::Text(_)),
                    ..
                }] => {}
                [first, ..] => {
                    self.error(
                        Code::UnknownAction,
                        first.span,
                        "`deny` takes one optional reason string: `deny \"Outside the return window\"`",
                    );
                }
            }
            return;
        }
        // authorize KIND [restocking PERCENT]
        let kinds = ["refund", "replace", "repair", "credit"];
        let mut args = a.args.iter();
        match args
            .next()
            .and_then(|e| self.as_ident(e).map(|n| (n, e.span)))
        {
            Some((k, s)) if !kinds.contains(&k.as_str()) => {
                let help = suggest(&k, kinds)
                    .map(|x| format!("did you mean `{x}`?"))
                    .unwrap_or_else(|| "use `refund`, `replace`, `repair` or `credit`".into());
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownAction,
                        format!("unknown remedy `{k}` for `authorize`"),
                    )
                    .at(s)
                    .with_help(help),
                );
                return;
            }
            Some(_) => {}
            None => {
                self.error(
                    Code::UnknownAction,
                    a.span,
                    "`authorize` needs a remedy: `refund`, `replace`, `repair` or `credit`",
                );
                return;
            }
        }
        match (args.next(), args.next(), args.next()) {
            (None, _, _) => {}
            (Some(kw), Some(_), None) if self.as_ident(kw).as_deref() == Some("restocking") => {}
            (Some(x), _, _) => {
                self.error(
                    Code::UnknownAction,
                    x.span,
                    "after the remedy only `restocking PERCENT` may follow, e.g. `restocking 15%`",
                );
            }
        }
    }

    fn action_arg(&mut self, p: Pair<'_>) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::ident => Expr {
                kind: ExprKind::Path(Path {
                    segments: vec![self.ident(&p)],
                    span,
                }),
                span,
            },
            _ => self.literal(p),
        }
    }

    fn rules_block(&mut self, p: Pair<'_>, span: Span, item: &str, assign: bool) -> RulesDecl {
        let mut name = None;
        let mut rules = Vec::new();
        let mut otherwise = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::k_returns | Rule::k_disposition => name = Some(self.ident(&c)),
                Rule::rule_decl => rules.push(self.rule(c, assign, item)),
                Rule::otherwise_clause => {
                    let o = self.otherwise(c, assign, item);
                    self.set_otherwise(&mut otherwise, o, item);
                }
                Rule::output_decl => {
                    let s = self.span(&c);
                    self.error(
                        Code::UnknownClause,
                        s,
                        format!("a {item} has fixed outputs; `output` is only for `decision`"),
                    );
                }
                _ => {}
            }
        }
        RulesDecl {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            rules,
            otherwise,
            span,
        }
    }

    fn prop(&mut self, p: Pair<'_>) -> (Ident, Expr) {
        let span = self.span(&p);
        let mut name = None;
        let mut value = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)),
                Rule::expr => value = Some(self.top_expr(c)),
                _ => {}
            }
        }
        (
            name.unwrap_or_else(|| self.missing_ident(span)),
            value.unwrap_or(Expr {
                kind: ExprKind::Literal(Literal::Bool(true)),
                span,
            }),
        )
    }

    fn when(&mut self, set: &mut Clauses, p: Pair<'_>) -> Option<Expr> {
        let kw = p.into_inner().next().map(|k| self.ident(&k))?;
        self.clause(set, &kw)?;
        p.into_inner()
            .find(|x| x.as_rule() == Rule::expr)
            .map(|x| self.top_expr(x))
    }

    /// A bare name (`safety`, `us_office`): a one-segment path.
    fn as_ident(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => Some(p.segments[0].name.clone()),
            _ => None,
        }
    }

    fn want_ident(&mut self, e: &Expr, clause: &str) -> Option<Ident> {
        match &e.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => Some(p.segments[0].clone()),
            _ => {
                self.error(
                    Code::ClauseForm,
                    e.span,
                    format!("`{clause}` takes a name, e.g. `{clause} us_office`"),
                );
                None
            }
        }
    }

    fn want_idents(&mut self, e: &Expr, clause: &str) -> Vec<Ident> {
        if let ExprKind::List(items) = &e.kind {
            let mut out = Vec::new();
            for i in items {
                if let Some(id) = self.want_ident(i, clause) {
                    out.push(id);
                }
            }
            return out;
        }
        self.error(
            Code::ClauseForm,
            e.span,
            format!("`{clause}` takes a list of names, e.g. `{clause} [a, b]`"),
        );
        Vec::new()
    }

    fn want_str(&mut self, e: &Expr, clause: &str) -> Option<Str> {
        match &e.kind {
            ExprKind::Literal(Literal::Text(t)) => Some(Str {
                value: t.clone(),
                span: e.span,
            }),
            _ => {
                self.error(
                    Code::ClauseForm,
                    e.span,
                    format!("`{clause}` takes a string in double quotes"),
                );
                None
            }
        }
    }

    fn share(&mut self, p: Pair<'_>) -> Share {
        let span = self.span(&p);
        let mut component = None;
        let mut value = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => component = Some(self.ident(&c)),
                Rule::arith => value = Some(self.checked(c, Self::expr)),
                _ => {}
            }
        }
        let component = component.unwrap_or_else(|| self.missing_ident(span));
        let comps = ["parts", "labor", "handling", "sublet"];
        if !comps.contains(&component.name.as_str()) {
            let help = suggest(&component.name, comps)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    "cost components are `parts`, `labor`, `handling`, `sublet`".into()
                });
            self.diags.push(
                Diagnostic::error(
                    Code::ClauseForm,
                    format!("unknown cost component `{}`", component.name),
                )
                .at(component.span)
                .with_help(help),
            );
        }
        Share {
            component,
            value: value.unwrap_or(Expr {
                kind: ExprKind::Literal(Literal::Percent(Decimal::ZERO)),
                span,
            }),
            span,
        }
    }

    fn warranty(&mut self, p: Pair<'_>, span: Span) -> WarrantyDecl {
        const ALLOWED: &[&str] = &[
            "when",
            "term",
            "covers",
            "excludes",
            "deductible",
            "claim_type",
            "pays",
        ];
        let mut set = Clauses::new("warranty", ALLOWED);
        let mut w = WarrantyDecl {
            name: self.missing_ident(span),
            title: None,
            when: None,
            term: None,
            covers: None,
            excludes: None,
            deductible: None,
            claim_type: None,
            pays: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => w.name = self.ident(&c),
                Rule::title => w.title = self.title(c),
                Rule::when_clause => {
                    if let Some(e) = self.when(&mut set, c) {
                        w.when = Some(e);
                    }
                }
                Rule::term_clause => {
                    let tspan = self.span(&c);
                    let parts = inner(c);
                    let Some(kw) = parts.first().map(|k| self.ident(k)) else {
                        continue;
                    };
                    if self.clause(&mut set, &kw).is_none() {
                        continue;
                    }
                    let mut duration = None;
                    let mut distance = None;
                    let mut from = None;
                    for x in parts {
                        match x.as_rule() {
                            Rule::arith if duration.is_none() => {
                                duration = Some(self.checked(x, Self::expr))
                            }
                            Rule::arith => distance = Some(self.checked(x, Self::expr)),
                            Rule::path => from = Some(self.path(x)),
                            _ => {}
                        }
                    }
                    if let Some(duration) = duration {
                        w.term = Some(Term {
                            duration,
                            distance,
                            from,
                            span: tspan,
                        });
                    }
                }
                Rule::covers_clause => {
                    let parts = inner(c);
                    let Some(kw) = parts.first().map(|k| self.ident(k)) else {
                        continue;
                    };
                    if self.clause(&mut set, &kw).is_none() {
                        continue;
                    }
                    for x in parts {
                        match x.as_rule() {
                            Rule::k_all => w.covers = Some(Covers::All(self.span(&x))),
                            Rule::expr => w.covers = Some(Covers::Expr(self.top_expr(x))),
                            _ => {}
                        }
                    }
                }
                Rule::pays_clause => {
                    let parts = inner(c);
                    let Some(kw) = parts.first().map(|k| self.ident(k)) else {
                        continue;
                    };
                    if self.clause(&mut set, &kw).is_none() {
                        continue;
                    }
                    for x in parts.into_iter().filter(|x| x.as_rule() == Rule::share) {
                        let s = self.share(x);
                        w.pays.push(s);
                    }
                }
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("excludes") => w.excludes = Some(value),
                        Some("deductible") => w.deductible = Some(value),
                        Some("claim_type") => w.claim_type = Some(value),
                        Some("when") => w.when = Some(value),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let what = format!("warranty `{}`", w.name.name);
        self.require(&set, "term", w.name.span, &what);
        self.require(&set, "covers", w.name.span, &what);
        w
    }

    fn split(&mut self, p: Pair<'_>, span: Span) -> SplitDecl {
        let mut set = Clauses::new("split", &["when", "party", "remainder"]);
        let mut s = SplitDecl {
            name: self.missing_ident(span),
            title: None,
            when: None,
            parties: Vec::new(),
            remainder: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => s.name = self.ident(&c),
                Rule::title => s.title = self.title(c),
                Rule::when_clause => {
                    if let Some(e) = self.when(&mut set, c) {
                        s.when = Some(e);
                    }
                }
                Rule::party_clause => {
                    let pspan = self.span(&c);
                    let mut name = None;
                    let mut shares = Vec::new();
                    let mut cap = None;
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::ident => name = Some(self.ident(&x)),
                            Rule::share => shares.push(self.share(x)),
                            Rule::arith => cap = Some(self.checked(x, Self::expr)),
                            _ => {}
                        }
                    }
                    let name = name.unwrap_or_else(|| self.missing_ident(pspan));
                    if let Some(first) = s.parties.iter().find(|q| q.name.name == name.name) {
                        let first = first.name.span;
                        self.diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                format!("party `{}` named twice in this split", name.name),
                            )
                            .at(name.span)
                            .with_related(first, "first named here"),
                        );
                        continue;
                    }
                    s.parties.push(Party {
                        name,
                        shares,
                        cap,
                        span: pspan,
                    });
                }
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    if let Some("remainder") = self.clause(&mut set, &name) {
                        s.remainder = self.want_ident(&value, "remainder");
                    }
                }
                _ => {}
            }
        }
        let what = format!("split `{}`", s.name.name);
        self.require(&set, "remainder", s.name.span, &what);
        s
    }

    fn queue(&mut self, p: Pair<'_>, span: Span) -> QueueDecl {
        let mut set = Clauses::new("queue", &["calendar", "skills"]);
        let mut q = QueueDecl {
            name: self.missing_ident(span),
            title: None,
            calendar: None,
            skills: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => q.name = self.ident(&c),
                Rule::title => q.title = self.title(c),
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("calendar") => q.calendar = self.want_ident(&value, "calendar"),
                        Some("skills") => q.skills = self.want_idents(&value, "skills"),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        q
    }

    fn calendar(&mut self, p: Pair<'_>, span: Span) -> CalendarDecl {
        let mut set = Clauses::new("calendar", &["timezone", "holidays"]);
        let mut cal = CalendarDecl {
            name: self.missing_ident(span),
            extends: None,
            timezone: None,
            hours: Vec::new(),
            holidays: Vec::new(),
            span,
        };
        let mut named = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident if !named => {
                    cal.name = self.ident(&c);
                    named = true;
                }
                Rule::ident => cal.extends = Some(self.ident(&c)),
                Rule::holidays_clause => {
                    let hspan = self.span(&c);
                    if let Some(first) = set.seen.get("holidays") {
                        let first = *first;
                        self.diags.push(
                            Diagnostic::error(
                                Code::RepeatedClause,
                                "`holidays` is given twice in calendar",
                            )
                            .at(hspan)
                            .with_related(first, "first given here")
                            .with_help("list every holiday in one `holidays [...]`"),
                        );
                    } else {
                        set.seen.insert("holidays", hspan);
                    }
                    for h in c.into_inner().filter(|x| x.as_rule() == Rule::holiday) {
                        if let Some(rule) = self.holiday(h) {
                            cal.holidays.push(rule);
                        }
                    }
                }
                Rule::hours_clause => {
                    let hspan = self.span(&c);
                    let mut days = Vec::new();
                    let mut ranges = Vec::new();
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::weekdays => days = self.weekdays(x),
                            Rule::opening => {
                                let s = self.span(&x);
                                if let Some((a, b)) = self.opening(x.as_str(), s) {
                                    ranges.push((a, b));
                                }
                            }
                            _ => {}
                        }
                    }
                    cal.hours.push(Hours {
                        days,
                        ranges,
                        span: hspan,
                    });
                }
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    if let Some("timezone") = self.clause(&mut set, &name) {
                        cal.timezone = self.want_str(&value, "timezone");
                    }
                }
                _ => {}
            }
        }
        cal
    }

    /// One holiday rule; `None` (reported) for a day that cannot be (`feb 30`).
    fn holiday(&mut self, p: Pair<'_>) -> Option<HolidayRule> {
        let span = self.span(&p);
        let mut rule = HolidayRule {
            day: HolidayDay::Easter,
            shift: 0,
            observed: false,
            from: None,
            until: None,
            span,
        };
        let mut bound: Option<bool> = None; // true: `from`, false: `until`
        let mut ok = true;
        for x in p.into_inner() {
            let xspan = self.span(&x);
            match x.as_rule() {
                Rule::date => match NaiveDate::parse_from_str(x.as_str(), "%Y-%m-%d") {
                    Ok(d) => rule.day = HolidayDay::Date(d),
                    Err(_) => {
                        self.error(
                            Code::InvalidLiteral,
                            xspan,
                            format!("`{}` is not a calendar date", x.as_str()),
                        );
                        ok = false;
                    }
                },
                Rule::month_day => {
                    let parts = inner(x);
                    let month = parts.first().and_then(|m| month_of(m.as_str()));
                    let day = parts.get(1).and_then(|d| d.as_str().parse::<u32>().ok());
                    match (month, day) {
                        // 2000 is a leap year: `feb 29` is a day (of leap years)
                        (Some(m), Some(d)) if NaiveDate::from_ymd_opt(2000, m, d).is_some() => {
                            rule.day = HolidayDay::Fixed { month: m, day: d }
                        }
                        _ => {
                            self.error(
                                Code::InvalidLiteral,
                                xspan,
                                format!("`{}` is not a day of the year", x.as_str()),
                            );
                            ok = false;
                        }
                    }
                }
                Rule::nth_weekday => {
                    let parts = inner(x);
                    let n = match parts.first().map(|o| o.as_str()) {
                        Some("last") => -1,
                        Some(o) => o[..1].parse::<i8>().unwrap_or(1),
                        None => 1,
                    };
                    let weekday = parts
                        .iter()
                        .find(|q| q.as_rule() == Rule::weekday)
                        .and_then(|w| weekday_of(w.as_str()));
                    let month = parts
                        .iter()
                        .find(|q| q.as_rule() == Rule::month)
                        .and_then(|m| month_of(m.as_str()));
                    if let (Some(weekday), Some(month)) = (weekday, month) {
                        rule.day = HolidayDay::Nth { n, weekday, month };
                    }
                }
                Rule::k_easter => rule.day = HolidayDay::Easter,
                Rule::holiday_shift => {
                    let parts = inner(x);
                    let sign = if parts.first().map(|s| s.as_str()) == Some("-") {
                        -1
                    } else {
                        1
                    };
                    let n = parts
                        .iter()
                        .find(|q| q.as_rule() == Rule::day_count)
                        .and_then(|d| d.as_str().parse::<i32>().ok())
                        .unwrap_or(0);
                    rule.shift = sign * n;
                }
                Rule::k_observed => rule.observed = true,
                Rule::k_from => bound = Some(true),
                Rule::k_until => bound = Some(false),
                Rule::year => {
                    let y = x.as_str().parse::<i32>().ok();
                    match bound {
                        Some(true) => rule.from = y,
                        _ => rule.until = y,
                    }
                }
                _ => {}
            }
        }
        if let (Some(a), Some(b)) = (rule.from, rule.until) {
            if a > b {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!(
                        "holiday `{}` applies from {a} until {b}: no year",
                        p.as_str()
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(rule)
    }

    fn weekdays(&mut self, p: Pair<'_>) -> Vec<Weekday> {
        let has_range = p.into_inner().any(|x| x.as_rule() == Rule::dotdot);
        let days: Vec<Weekday> = p
            .into_inner()
            .filter(|x| x.as_rule() == Rule::weekday)
            .filter_map(|x| weekday_of(x.as_str()))
            .collect();
        if has_range {
            if let [a, b] = days.as_slice() {
                let mut out = vec![*a];
                let mut d = *a;
                while d != *b && out.len() < 7 {
                    d = d.succ();
                    out.push(d);
                }
                return out;
            }
        }
        days
    }

    fn opening(&mut self, text: &str, span: Span) -> Option<(NaiveTime, NaiveTime)> {
        let (a, b) = text.split_once('-')?;
        let a = self.clock(a, span)?;
        let b = self.clock(b, span)?;
        if b <= a && b != NaiveTime::MIN {
            self.error(
                Code::InvalidLiteral,
                span,
                format!("opening hours `{text}` close before they open"),
            );
            return None;
        }
        Some((a, b))
    }

    fn clock(&mut self, text: &str, span: Span) -> Option<NaiveTime> {
        let parsed = NaiveTime::parse_from_str(text, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"));
        match parsed {
            Ok(t) => Some(t),
            Err(_) if text == "24:00" || text == "24:00:00" => Some(NaiveTime::MIN),
            Err(_) => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a time of day (00:00 to 23:59)"),
                );
                None
            }
        }
    }

    fn segment(&mut self, p: Pair<'_>, span: Span) -> SegmentDecl {
        let mut set = Clauses::new(
            "segment",
            &[
                "first_response",
                "resolve",
                "escalate_after",
                "next_reply",
                "channels",
                "calendar",
            ],
        );
        let mut s = SegmentDecl {
            name: self.missing_ident(span),
            when: SegmentWhen::Always,
            first_response: None,
            resolve: None,
            escalate_after: None,
            next_reply: None,
            channels: Vec::new(),
            calendar: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => s.name = self.ident(&c),
                Rule::when_clause => {
                    if let Some(e) = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::expr)
                        .map(|x| self.top_expr(x))
                    {
                        s.when = SegmentWhen::When(e);
                    }
                }
                Rule::k_otherwise => s.when = SegmentWhen::Otherwise(self.span(&c)),
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("first_response") => s.first_response = Some(value),
                        Some("resolve") => s.resolve = Some(value),
                        Some("escalate_after") => s.escalate_after = Some(value),
                        Some("next_reply") => s.next_reply = Some(value),
                        Some("channels") => s.channels = self.want_idents(&value, "channels"),
                        Some("calendar") => s.calendar = self.want_ident(&value, "calendar"),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        s
    }

    fn template(&mut self, p: Pair<'_>, span: Span) -> TemplateDecl {
        let mut name = self.missing_ident(span);
        let mut source = TemplateSource::Inline(Str {
            value: String::new(),
            span,
        });
        let mut from = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = self.ident(&c),
                Rule::k_from => from = true,
                Rule::string if from => source = TemplateSource::File(self.string(c)),
                Rule::string => source = TemplateSource::Inline(self.string(c)),
                Rule::text_block => {
                    let span = self.span(&c);
                    let raw = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::text_block_inner)
                        .map_or("", |x| x.as_str());
                    source = TemplateSource::Inline(Str {
                        value: dedent(raw),
                        span,
                    });
                }
                _ => {}
            }
        }
        TemplateDecl { name, source, span }
    }

    fn channel(&mut self, p: Pair<'_>, span: Span) -> ChannelDecl {
        let mut set = Clauses::new("channel", &["calendar", "segments"]);
        let mut ch = ChannelDecl {
            name: self.missing_ident(span),
            calendar: None,
            segments: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => ch.name = self.ident(&c),
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("calendar") => ch.calendar = self.want_ident(&value, "calendar"),
                        Some("segments") => ch.segments = self.want_idents(&value, "segments"),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        ch
    }

    fn recall(&mut self, p: Pair<'_>, span: Span) -> RecallDecl {
        let mut set = Clauses::new(
            "recall",
            &[
                "affects",
                "component",
                "severity",
                "remedy",
                "labor_op",
                "claim_type",
                "announced",
            ],
        );
        let mut r = RecallDecl {
            id: self.missing_ident(span),
            title: None,
            affects: None,
            component: None,
            severity: None,
            remedy: None,
            labor_op: None,
            claim_type: None,
            announced: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::recall_id => {
                    let ispan = self.span(&c);
                    r.id = match c.into_inner().next() {
                        Some(x) if x.as_rule() == Rule::string => {
                            let s = self.string(x);
                            Ident {
                                name: s.value,
                                span: ispan,
                            }
                        }
                        Some(x) => self.ident(&x),
                        None => self.missing_ident(ispan),
                    };
                }
                Rule::title => r.title = self.title(c),
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("affects") => r.affects = Some(value),
                        Some("component") => r.component = self.want_str(&value, "component"),
                        Some("severity") => {
                            r.severity = self.want_ident(&value, "severity");
                            if let Some(sev) = &r.severity {
                                let all = ["safety", "compliance", "quality"];
                                if !all.contains(&sev.name.as_str()) {
                                    let help = suggest(&sev.name, all)
                                        .map(|s| format!("did you mean `{s}`?"))
                                        .unwrap_or_else(|| {
                                            "use `safety`, `compliance` or `quality`".into()
                                        });
                                    let sp = sev.span;
                                    let msg = format!("unknown recall severity `{}`", sev.name);
                                    self.error(Code::ClauseForm, sp, msg).help = Some(help);
                                }
                            }
                        }
                        Some("remedy") => r.remedy = self.want_str(&value, "remedy"),
                        Some("labor_op") => r.labor_op = Some(value),
                        Some("claim_type") => r.claim_type = Some(value),
                        Some("announced") => r.announced = Some(value),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        r
    }

    fn report(&mut self, p: Pair<'_>, span: Span) -> ReportDecl {
        let mut set = Clauses::new("report", &["when", "due", "calendar", "roll"]);
        let mut r = ReportDecl {
            name: self.missing_ident(span),
            title: None,
            when: None,
            due: None,
            calendar: None,
            roll_forward: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => r.name = self.ident(&c),
                Rule::title => r.title = self.title(c),
                Rule::when_clause => {
                    if let Some(e) = self.when(&mut set, c) {
                        r.when = Some(e);
                    }
                }
                Rule::due_clause => {
                    let dspan = self.span(&c);
                    let parts = inner(c);
                    let Some(kw) = parts.first().map(|k| self.ident(k)) else {
                        continue;
                    };
                    if self.clause(&mut set, &kw).is_none() {
                        continue;
                    }
                    let mut sums = parts
                        .into_iter()
                        .filter(|x| x.as_rule() == Rule::arith)
                        .map(|x| self.checked(x, Self::expr))
                        .collect::<Vec<_>>()
                        .into_iter();
                    if let Some(offset) = sums.next() {
                        let immediately = matches!(&offset.kind,
                            ExprKind::Path(p) if p.segments.len() == 1 && p.segments[0].name == "immediately");
                        let after = sums.next();
                        if immediately && after.is_none() {
                            self.error(
                                Code::ClauseForm,
                                offset.span,
                                "`due immediately` counts from something: `due immediately after recall_notice.determined_on`",
                            );
                        }
                        r.due = Some(Due {
                            offset,
                            after,
                            immediately,
                            span: dspan,
                        });
                    }
                }
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("calendar") => r.calendar = self.want_ident(&value, "calendar"),
                        Some("roll") => {
                            if matches!(&value.kind,
                                ExprKind::Path(p) if p.segments.len() == 1 && p.segments[0].name == "forward")
                            {
                                r.roll_forward = Some(name.span.to(value.span));
                            } else {
                                self.error(
                                    Code::ClauseForm,
                                    value.span,
                                    "`roll` takes `forward`: `roll forward` moves a deadline that is not a business day to the next one",
                                );
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        r
    }

    fn opportunity(&mut self, p: Pair<'_>, span: Span) -> OpportunityDecl {
        let mut set = Clauses::new("opportunity", &["when", "team", "value"]);
        let mut o = OpportunityDecl {
            name: self.missing_ident(span),
            title: None,
            when: None,
            team: None,
            value: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => o.name = self.ident(&c),
                Rule::title => o.title = self.title(c),
                Rule::when_clause => {
                    if let Some(e) = self.when(&mut set, c) {
                        o.when = Some(e);
                    }
                }
                Rule::prop_clause => {
                    let (name, value) = self.prop(c);
                    match self.clause(&mut set, &name) {
                        Some("team") => o.team = self.want_ident(&value, "team"),
                        Some("value") => o.value = Some(value),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        o
    }

    // ───────────────────────── literals ─────────────────────────

    fn title(&mut self, p: Pair<'_>) -> Option<Str> {
        p.into_inner().next().map(|s| self.string(s))
    }

    fn string(&mut self, p: Pair<'_>) -> Str {
        let span = self.span(&p);
        let raw = p
            .into_inner()
            .find(|x| x.as_rule() == Rule::string_inner)
            .map(|x| (x.as_str(), x.as_span().start()))
            .unwrap_or(("", 0));
        let value = self.unescape(raw.0, raw.1);
        Str { value, span }
    }

    fn unescape(&mut self, raw: &str, base: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((i, ch)) = chars.next() {
            if ch != '\\' {
                out.push(ch);
                continue;
            }
            let bad = |b: &mut Self, len: usize, msg: String| {
                let s = b.map.span(b.file, base + i, base + i + len);
                b.diags.push(
                    Diagnostic::error(Code::InvalidEscape, msg)
                        .at(s)
                        .with_help("strings allow \\\", \\\\, \\n, \\t and \\u{…}"),
                );
            };
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'u')) => {
                    let rest = &raw[i + 2..];
                    let close = rest.find('}');
                    let ok = rest.starts_with('{')
                        && close.is_some_and(|c| (2..=7).contains(&c))
                        && close.is_some_and(|c| rest[1..c].bytes().all(|b| b.is_ascii_hexdigit()))
                        && close
                            .and_then(|c| u32::from_str_radix(&rest[1..c], 16).ok())
                            .and_then(char::from_u32)
                            .map(|c| out.push(c))
                            .is_some();
                    if ok {
                        let c = close.unwrap_or(0);
                        for _ in 0..=c {
                            chars.next();
                        }
                    } else {
                        bad(
                            self,
                            2,
                            "invalid unicode escape: write `\\u{` then 1 to 6 hex digits of a valid character, then `}`".into(),
                        );
                    }
                }
                Some((_, other)) => bad(
                    self,
                    1 + other.len_utf8(),
                    format!("unknown escape `\\{other}` in string"),
                ),
                None => bad(self, 1, "a string cannot end with a lone `\\`".into()),
            }
        }
        out
    }

    fn regex(&mut self, p: Pair<'_>) -> RegexLit {
        let span = self.span(&p);
        let mut pattern = String::new();
        let mut flags = String::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::regex_body => pattern = c.as_str().replace("\\/", "/"),
                Rule::regex_flags => flags = c.as_str().to_string(),
                _ => {}
            }
        }
        RegexLit {
            pattern,
            flags,
            span,
        }
    }

    fn decimal(&mut self, text: &str, span: Span) -> Decimal {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        // exact: more digits than a decimal holds is an error, never a silent rounding
        match Decimal::from_str_exact(&clean) {
            Ok(d) => d,
            Err(_) => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("number `{text}` is too large or too precise (at most 28 digits)"),
                );
                Decimal::ZERO
            }
        }
    }

    fn literal(&mut self, p: Pair<'_>) -> Expr {
        let span = self.span(&p);
        let text = p.as_str();
        let lit = match p.as_rule() {
            Rule::k_true => Literal::Bool(true),
            Rule::k_false => Literal::Bool(false),
            Rule::number => {
                if text.contains('.') {
                    Literal::Decimal(self.decimal(text, span))
                } else {
                    let clean: String = text.chars().filter(|c| *c != '_').collect();
                    match clean.parse::<i64>() {
                        Ok(i) => Literal::Int(i),
                        Err(_) => {
                            self.error(
                                Code::InvalidLiteral,
                                span,
                                format!(
                                    "integer `{text}` is too large (the largest is {})",
                                    i64::MAX
                                ),
                            );
                            Literal::Int(0)
                        }
                    }
                }
            }
            Rule::percent => {
                let d = self.decimal(text.trim_end_matches('%'), span);
                Literal::Percent(d / Decimal::ONE_HUNDRED)
            }
            Rule::money => {
                let mut parts = p.into_inner();
                let currency = parts
                    .next()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default();
                let amount = parts
                    .next()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                let amount = self.decimal(&amount, span);
                Literal::Money { currency, amount }
            }
            Rule::quantity => {
                let mut parts = p.into_inner();
                let num = parts
                    .next()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                let unit_text = parts
                    .next()
                    .map(|u| u.as_str().to_string())
                    .unwrap_or_default();
                let value = self.decimal(&num, span);
                let unit = unit_of(&unit_text).unwrap_or(Unit::Day);
                if unit.is_calendar() && !value.fract().is_zero() {
                    self.error(
                        Code::InvalidLiteral,
                        span,
                        format!("`{text}`: months and years are whole numbers; write days or split the term"),
                    );
                }
                Literal::Quantity { value, unit }
            }
            Rule::date => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Literal::Date(d),
                Err(_) => {
                    self.error(
                        Code::InvalidLiteral,
                        span,
                        format!("`{text}` is not a calendar date"),
                    );
                    Literal::Date(NaiveDate::MIN)
                }
            },
            Rule::datetime => {
                // RFC 3339 wants seconds; the language lets them be left out.
                let fixed = if text.len() >= 16 && text.as_bytes().get(16) != Some(&b':') {
                    format!("{}:00{}", &text[..16], &text[16..])
                } else {
                    text.to_string()
                };
                match DateTime::parse_from_rfc3339(&fixed) {
                    Ok(d) => Literal::DateTime(d),
                    Err(_) => {
                        self.error(
                            Code::InvalidLiteral,
                            span,
                            format!("`{text}` is not a valid date and time"),
                        );
                        Literal::Bool(false)
                    }
                }
            }
            Rule::clock => Literal::Clock(self.clock(text, span).unwrap_or(NaiveTime::MIN)),
            Rule::opening => match self.opening(text, span) {
                Some((a, b)) => Literal::Opening(a, b),
                None => Literal::Opening(NaiveTime::MIN, NaiveTime::MIN),
            },
            Rule::string => Literal::Text(self.string(p).value),
            Rule::code_lit => Literal::Code(text.to_string()),
            _ => Literal::Bool(false),
        };
        Expr {
            kind: ExprKind::Literal(lit),
            span,
        }
    }

    // ───────────────────────── expressions ─────────────────────────

    /// Build a top-level expression and bound its depth.
    fn top_expr(&mut self, p: Pair<'_>) -> Expr {
        self.checked(p, Self::expr)
    }

    fn checked(&mut self, p: Pair<'_>, f: fn(&mut Self, Pair<'_>) -> Expr) -> Expr {
        self.depth_reported = false;
        let e = f(self, p);
        if self.depth_reported {
            return e;
        }
        let depth = expr_depth(&e);
        if depth > MAX_EXPR_DEPTH {
            self.error(
                Code::TooDeep,
                e.span,
                format!(
                    "expression nested {depth} levels deep; the most supported is {MAX_EXPR_DEPTH}"
                ),
            )
            .help = Some("split it into several rules, or name parts of it as decisions".into());
            return Expr {
                kind: ExprKind::Literal(Literal::Bool(false)),
                span: e.span,
            };
        }
        self.check_ranges(&e);
        e
    }

    /// A range `a..b` means something only after `in` (and in `effective`).
    fn check_ranges(&mut self, e: &Expr) {
        let mut stack = vec![(e, false)];
        while let Some((e, allowed)) = stack.pop() {
            if let ExprKind::Range { .. } = e.kind {
                if !allowed {
                    self.error(
                        Code::Syntax,
                        e.span,
                        "a range `a..b` can only follow `in`, as in `claim.fault in P0300..P0399`",
                    );
                }
            }
            if let ExprKind::In { value, set, .. } = &e.kind {
                stack.push((value, false));
                stack.push((set, true));
                continue;
            }
            for_each_child(e, |c| stack.push((c, false)));
        }
    }

    /// Build an expression from its flat operand/operator sequence (`expr` or `arith`).
    fn expr(&mut self, p: Pair<'_>) -> Expr {
        let span = self.span(&p);
        let toks = p.into_inner();
        // Bound runs of prefix operators (`not not not …`) and the operator count, so that
        // neither the climb below nor later passes can recurse without limit.
        let mut run = 0usize;
        let mut infix = 0usize;
        for t in toks.clone() {
            match t.as_rule() {
                Rule::k_not | Rule::op_neg => {
                    run += 1;
                    if run > MAX_PREFIX_RUN {
                        let s = self.span(&t);
                        self.error(
                            Code::TooDeep,
                            s,
                            format!("more than {MAX_PREFIX_RUN} `not` or `-` in a row"),
                        )
                        .help = Some("two `not`s cancel out; remove them in pairs".into());
                        return fallback(span);
                    }
                }
                Rule::k_and | Rule::k_or => run = 0,
                r if infix_power(r).is_some() => {
                    run = 0;
                    infix += 1;
                    if infix > MAX_CHAIN {
                        self.error(
                            Code::TooDeep,
                            span,
                            format!("more than {MAX_CHAIN} operators in one expression"),
                        )
                        .help = Some("split it into several rules or decisions".into());
                        return fallback(span);
                    }
                }
                _ => run = 0,
            }
        }
        self.climb(&mut toks.peekable(), 0, span)
    }

    /// Precedence climbing, with its recursion bounded: past [`MAX_EXPR_DEPTH`] levels
    /// the expression is reported (once) and replaced, so no input can exhaust the stack.
    fn climb<'c>(
        &mut self,
        toks: &mut std::iter::Peekable<super::cst::Children<'c>>,
        min_bp: u8,
        span: Span,
    ) -> Expr {
        if self.depth >= MAX_EXPR_DEPTH {
            if !self.depth_reported {
                self.depth_reported = true;
                self.error(
                    Code::TooDeep,
                    span,
                    format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
                )
                .help =
                    Some("split it into several rules, or name parts of it as decisions".into());
            }
            // consume the rest of this operand sequence without recursing
            for _ in toks.by_ref() {}
            return fallback(span);
        }
        self.depth += 1;
        let e = self.climb_inner(toks, min_bp, span);
        self.depth -= 1;
        e
    }

    fn climb_inner<'c>(
        &mut self,
        toks: &mut std::iter::Peekable<super::cst::Children<'c>>,
        min_bp: u8,
        span: Span,
    ) -> Expr {
        let Some(first) = toks.next() else {
            return fallback(span);
        };
        let mut lhs = match first.as_rule() {
            Rule::k_not => {
                let s = self.span(&first);
                let rhs = self.climb(toks, BP_NOT, span);
                Expr {
                    span: s.to(rhs.span),
                    kind: ExprKind::Not(Box::new(rhs)),
                }
            }
            Rule::op_neg => {
                let s = self.span(&first);
                let rhs = self.climb(toks, BP_NEG, span);
                Expr {
                    span: s.to(rhs.span),
                    kind: ExprKind::Neg(Box::new(rhs)),
                }
            }
            _ => self.primary(first),
        };
        while let Some(op) = toks.peek().copied() {
            let rule = op.as_rule();
            if rule == Rule::matches_op {
                if BP_CMP < min_bp {
                    break;
                }
                toks.next();
                let Some(r) = op.into_inner().find(|x| x.as_rule() == Rule::regex) else {
                    continue;
                };
                let regex = self.regex(r);
                lhs = Expr {
                    span: lhs.span.to(regex.span),
                    kind: ExprKind::Matches {
                        value: Box::new(lhs),
                        regex,
                    },
                };
                continue;
            }
            let Some((l_bp, r_bp)) = infix_power(rule) else {
                break;
            };
            if l_bp < min_bp {
                break;
            }
            toks.next();
            let rhs = self.climb(toks, r_bp, span);
            let span = lhs.span.to(rhs.span);
            let kind = match rule {
                Rule::k_or => match lhs.kind {
                    ExprKind::Or(mut v) if lhs.span.start == span.start => {
                        v.push(rhs);
                        ExprKind::Or(v)
                    }
                    k => ExprKind::Or(vec![
                        Expr {
                            kind: k,
                            span: lhs.span,
                        },
                        rhs,
                    ]),
                },
                Rule::k_and => match lhs.kind {
                    ExprKind::And(mut v) => {
                        v.push(rhs);
                        ExprKind::And(v)
                    }
                    k => ExprKind::And(vec![
                        Expr {
                            kind: k,
                            span: lhs.span,
                        },
                        rhs,
                    ]),
                },
                Rule::op_eq
                | Rule::op_ne
                | Rule::op_lt
                | Rule::op_le
                | Rule::op_gt
                | Rule::op_ge => ExprKind::Compare {
                    op: match rule {
                        Rule::op_eq => CmpOp::Eq,
                        Rule::op_ne => CmpOp::Ne,
                        Rule::op_lt => CmpOp::Lt,
                        Rule::op_le => CmpOp::Le,
                        Rule::op_gt => CmpOp::Gt,
                        _ => CmpOp::Ge,
                    },
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                Rule::k_in | Rule::not_in => ExprKind::In {
                    negated: rule == Rule::not_in,
                    value: Box::new(lhs),
                    set: Box::new(rhs),
                },
                Rule::k_contains => ExprKind::Contains {
                    container: Box::new(lhs),
                    item: Box::new(rhs),
                },
                Rule::dotdot => ExprKind::Range {
                    lo: Box::new(lhs),
                    hi: Box::new(rhs),
                },
                _ => ExprKind::Binary {
                    op: match rule {
                        Rule::op_add => BinOp::Add,
                        Rule::op_sub => BinOp::Sub,
                        Rule::op_mul => BinOp::Mul,
                        _ => BinOp::Div,
                    },
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            };
            lhs = Expr { kind, span };
        }
        // an `and`/`or` chain is complete here: give back what its pushes over-allocated
        if let ExprKind::And(v) | ExprKind::Or(v) = &mut lhs.kind {
            v.shrink_to_fit();
        }
        lhs
    }

    fn primary(&mut self, p: Pair<'_>) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::has_test => match p.into_inner().find(|x| x.as_rule() == Rule::path) {
                Some(path) => Expr {
                    kind: ExprKind::Has(self.path(path)),
                    span,
                },
                None => fallback(span),
            },
            Rule::paren => match p.into_inner().find(|x| x.as_rule() == Rule::expr) {
                Some(e) => {
                    let mut e = self.expr(e);
                    e.span = span;
                    e
                }
                None => fallback(span),
            },
            Rule::list => {
                let items = p
                    .into_inner()
                    .filter(|x| x.as_rule() == Rule::expr)
                    .map(|x| self.expr(x))
                    .collect();
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            }
            Rule::ref_expr => {
                let mut segments = Vec::with_capacity(count_of(p, Rule::ident));
                let mut args = None;
                for x in p.into_inner() {
                    match x.as_rule() {
                        Rule::ident => segments.push(self.ident(&x)),
                        Rule::call_args => {
                            args = Some(
                                x.into_inner()
                                    .filter(|a| a.as_rule() == Rule::expr)
                                    .map(|a| self.expr(a))
                                    .collect::<Vec<_>>(),
                            )
                        }
                        _ => {}
                    }
                }
                match args {
                    None => Expr {
                        kind: ExprKind::Path(Path { segments, span }),
                        span,
                    },
                    Some(args) => {
                        if segments.len() > 1 {
                            self.error(
                                Code::Syntax,
                                span,
                                "only built-in functions can be called, by their bare name (`days_between(a, b)`)",
                            );
                        }
                        let name = segments
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| self.missing_ident(span));
                        Expr {
                            kind: ExprKind::Call { name, args },
                            span,
                        }
                    }
                }
            }
            _ => self.literal(p),
        }
    }

    fn path(&mut self, p: Pair<'_>) -> Path {
        let span = self.span(&p);
        let mut segments = Vec::with_capacity(count_of(p, Rule::ident));
        for x in p.into_inner().filter(|x| x.as_rule() == Rule::ident) {
            segments.push(self.ident(&x));
        }
        Path { segments, span }
    }
}

fn fallback(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Literal(Literal::Bool(false)),
        span,
    }
}

/// Longest run of prefix operators accepted.
const MAX_PREFIX_RUN: usize = 16;
const BP_NOT: u8 = 6;
const BP_CMP: u8 = 8;
const BP_NEG: u8 = 16;

/// Left and right binding power of an infix operator (LANGUAGE.md §4 precedence).
fn infix_power(rule: Rule) -> Option<(u8, u8)> {
    Some(match rule {
        Rule::k_or => (2, 3),
        Rule::k_and => (4, 5),
        Rule::op_eq
        | Rule::op_ne
        | Rule::op_lt
        | Rule::op_le
        | Rule::op_gt
        | Rule::op_ge
        | Rule::k_in
        | Rule::not_in
        | Rule::k_contains => (BP_CMP, BP_CMP + 1),
        Rule::dotdot => (10, 11),
        Rule::op_add | Rule::op_sub => (12, 13),
        Rule::op_mul | Rule::op_div => (14, 15),
        _ => return None,
    })
}

/// The depth of an expression tree, computed without recursion.
pub(crate) fn expr_depth(e: &Expr) -> usize {
    let mut max = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        for_each_child(e, |c| stack.push((c, d + 1)));
    }
    max
}

/// Call `f` on each direct sub-expression of `e`.
pub(crate) fn for_each_child<'a>(e: &'a Expr, mut f: impl FnMut(&'a Expr)) {
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Has(_) => {}
        ExprKind::Call { args, .. } => args.iter().for_each(f),
        ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => {
            items.iter().for_each(f)
        }
        ExprKind::Range { lo, hi } => {
            f(lo);
            f(hi);
        }
        ExprKind::Neg(x) | ExprKind::Not(x) => f(x),
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        ExprKind::In { value, set, .. } => {
            f(value);
            f(set);
        }
        ExprKind::Matches { value, .. } => f(value),
        ExprKind::Contains { container, item } => {
            f(container);
            f(item);
        }
    }
}
