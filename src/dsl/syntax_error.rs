//! Turning pest's "expected rules" into a diagnostic in the author's words:
//! `expected \`then\` or an operator, found \`than\``, with a suggestion where the word
//! found is close to a keyword that fits.

use super::parser::Rule;
use crate::diag::{suggest, Code, Diagnostic, FileId, SourceMap};
use pest::error::{Error, ErrorVariant, InputLocation};

/// What an expected rule is called in a message, and a keyword it stands for (used for
/// "did you mean" suggestions).
fn describe(rule: Rule) -> (&'static str, Option<&'static str>) {
    use Rule::*;
    match rule {
        ident | rule_id => ("a name", None),
        code_lit | code_key => ("a code such as `P0301`", None),
        currency => ("a currency code such as `USD`", None),
        number | num_part | digits => ("a number", None),
        percent => ("a percentage such as `70%`", None),
        money => ("an amount of money such as `USD 120.50`", None),
        quantity => ("a quantity such as `36 months` or `4h`", None),
        unit => ("a unit", None),
        date => ("a date such as `2026-01-31`", None),
        datetime => ("a date and time such as `2026-01-31T08:00:00Z`", None),
        clock => ("a time such as `08:00`", None),
        opening => ("opening hours such as `08:00-18:00`", None),
        weekday | weekdays => (
            "a weekday (`mon` … `sun`) or a range such as `mon..fri`",
            None,
        ),
        string | title | string_inner => ("a string in double quotes", None),
        string_close => ("`\"` to close the string", None),
        text_block | text_block_inner => ("a text block in `\"\"\"`", None),
        text_block_close => ("`\"\"\"` to close the text block", None),
        string_escape => ("an escape sequence", None),
        regex | regex_body => ("a regular expression such as `/^INJ-/`", None),
        regex_close => ("`/` to close the regular expression", None),
        regex_flags => ("regular expression flags (`i`, `m`, `s`, `x`)", None),
        lbrace => ("`{`", None),
        rbrace => ("`}`", None),
        lbrack => ("`[`", None),
        rbrack => ("`]`", None),
        lparen => ("`(`", None),
        rparen => ("`)`", None),
        comma => ("`,`", None),
        colon => ("`:`", None),
        dot => ("`.`", None),
        dotdot => ("`..`", None),
        assign => ("`=`", None),
        qmark => ("`?`", None),
        op_eq | op_ne | op_le | op_ge | op_lt | op_gt | op_add | op_sub | op_mul | op_div => {
            ("an operator", None)
        }
        op_neg => ("an expression", None),
        k_and => ("`and`", Some("and")),
        k_or => ("`or`", Some("or")),
        k_not => ("`not`", Some("not")),
        k_in => ("`in`", Some("in")),
        k_matches => ("`matches`", Some("matches")),
        k_contains => ("`contains`", Some("contains")),
        k_has => ("`has`", Some("has")),
        k_true | k_false => ("an expression", None),
        k_when => ("`when`", Some("when")),
        k_then => ("`then`", Some("then")),
        k_otherwise => ("`otherwise`", Some("otherwise")),
        k_rule => ("`rule`", Some("rule")),
        k_schema | k_extend | k_units | k_codes | k_decision | k_warranty | k_split | k_queue
        | k_route | k_calendar | k_segment | k_channel | k_returns | k_disposition | k_recall
        | k_report | k_opportunity | schema_item | extend_item | units_item | codes_item
        | decision_item | warranty_item | split_item | queue_item | route_item | calendar_item
        | segment_item | channel_item | returns_item | disposition_item | recall_item
        | report_item | opportunity_item | k_template | template_item | file => ("an item", None),
        not_in | matches_op => ("an operator", None),
        k_open => ("`open`", Some("open")),
        k_from => ("`from`", Some("from")),
        k_format => ("`format`", Some("format")),
        k_attributes => ("`attributes`", Some("attributes")),
        k_hit => ("`hit`", Some("hit")),
        k_output => ("`output`", Some("output")),
        k_priority => ("`priority`", Some("priority")),
        k_effective => ("`effective`", Some("effective")),
        k_term => ("`term`", Some("term")),
        k_covers => ("`covers`", Some("covers")),
        k_all => ("`all`", Some("all")),
        k_party => ("`party`", Some("party")),
        k_pays => ("`pays`", Some("pays")),
        k_cap => ("`cap`", Some("cap")),
        k_hours => ("`hours`", Some("hours")),
        k_extends => ("`extends`", Some("extends")),
        k_holidays | holidays_clause => ("`holidays`", Some("holidays")),
        k_observed => ("`observed`", Some("observed")),
        k_easter => ("`easter`", Some("easter")),
        k_until => ("`until`", Some("until")),
        holiday => (
            "a holiday such as `2026-12-24`, `jul 4 observed` or `3rd mon of jan`",
            None,
        ),
        month => ("a month (`jan` … `dec`)", None),
        ordinal => ("`1st` … `5th` or `last`", None),
        month_day => ("a day of a month such as `jul 4`", None),
        nth_weekday => ("a weekday of a month such as `3rd mon of jan`", None),
        day_of_month => ("a day of the month (1 to 31)", None),
        holiday_shift => ("an offset in days such as `+ 1`", None),
        day_count => ("a number of days", None),
        year => ("a year such as `2021`", None),
        k_due => ("`due`", Some("due")),
        k_after => ("`after`", Some("after")),
        k_set | set_of => ("`set of`", None),
        k_of => ("`of`", Some("of")),
        k_enum | enum_type => ("`enum { … }`", None),
        k_code | code_type => ("`code TABLE`", None),
        type_expr | type_base => ("a type", None),
        field_decl => ("a field such as `odometer: distance?`", None),
        prop_clause | when_clause | term_clause | covers_clause | pays_clause | party_clause
        | hours_clause | due_clause | format_clause | attributes_clause => ("a clause", None),
        code_entry => ("a code entry", None),
        attr_values | attr_value => ("attribute values `{ name: value }`", None),
        output_decl => ("`output`", Some("output")),
        rule_decl => ("`rule`", Some("rule")),
        otherwise_clause => ("`otherwise`", Some("otherwise")),
        then_body | assignments | assignment => ("`output = value`", None),
        action | action_arg => ("an action", None),
        hit_policy => ("`hit`", Some("hit")),
        rule_mod => ("`priority`/`effective`", None),
        share => ("a cost share such as `labor 70%`", None),
        recall_id => ("a recall id", None),
        EOI => ("end of file", None),
        _ => ("an expression", None),
    }
}

/// Words that are never names (LANGUAGE.md §9).
const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "matches",
    "contains",
    "has",
    "true",
    "false",
    "when",
    "then",
    "otherwise",
    "rule",
];

/// The token-ish text found at `pos`, for "found …".
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("end of file".into(), 0);
    };
    if first == '\n' || first == '\r' {
        return ("end of line".into(), 0);
    }
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    let word = &rest[..len.min(40)];
    (format!("`{}`", word.escape_debug()), len)
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Convert a pest error at `file` into a diagnostic.
pub(crate) fn convert(map: &SourceMap, file: FileId, text: &str, e: &Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives: Vec<Rule> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let (found, found_len) = found_at(text, pos);
    let span = map.span(
        file,
        pos,
        pos + found_len.max(1).min(text.len().saturating_sub(pos)),
    );

    if positives.contains(&Rule::string_close) {
        // point at the opening quote
        let line_start = text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let open = text[line_start..pos.min(text.len())]
            .rfind('"')
            .map_or(pos, |i| line_start + i);
        return Diagnostic::error(Code::UnterminatedString, "unterminated string")
            .at(map.span(file, open, open + 1))
            .with_label("this string is never closed")
            .with_help("close it with `\"` on the same line (write a line break as `\\n`)");
    }
    if positives.contains(&Rule::regex_close) {
        let line_start = text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let open = text[line_start..pos.min(text.len())]
            .find('/')
            .map_or(pos, |i| line_start + i);
        return Diagnostic::error(Code::UnterminatedRegex, "unterminated regular expression")
            .at(map.span(file, open, open + 1))
            .with_label("this regular expression is never closed")
            .with_help("close it with `/` on the same line; write a `/` inside it as `\\/`");
    }
    if positives.contains(&Rule::regex_flags) {
        // the flags run from `pos`; name the first one that is not a flag
        let rest = text.get(pos..).unwrap_or("");
        let skip = rest
            .find(|c: char| !matches!(c, 'i' | 'm' | 's' | 'x'))
            .unwrap_or(rest.len());
        let at = pos + skip;
        let flag = text.get(at..).and_then(|r| r.chars().next()).unwrap_or('?');
        if flag.is_ascii_alphanumeric() || flag == '_' {
            return Diagnostic::error(
                Code::RegexFlag,
                format!("unknown regular expression flag `{flag}`"),
            )
            .at(map.span(file, at, at + 1))
            .with_help("flags are `i` (ignore case), `m` (multi-line), `s` (dot matches newline) and `x` (verbose)");
        }
    }
    // `36 moons`, `36_000 miles`: a number and a word that is no unit, before the error
    if let Some((start, end, word, unit)) = unknown_unit(text, pos, found_len) {
        return Diagnostic::error(Code::QuantityUnit, format!("unknown unit `{word}`"))
            .at(map.span(file, start, end))
            .with_label("not a unit")
            .with_help(match unit {
                Some(u) => format!("did you mean `{u}`? {UNIT_LIST}"),
                None => UNIT_LIST.to_string(),
            });
    }
    // A character that starts no token at all.
    if let Some(ch) = text.get(pos..).and_then(|r| r.chars().next()) {
        let starts_token = ch.is_ascii_alphanumeric()
            || ch.is_ascii_whitespace()
            || "_\"/#()[]{},:.=!<>+-*%?".contains(ch);
        if !starts_token {
            return Diagnostic::error(
                Code::InvalidCharacter,
                format!(
                    "unexpected character `{}`",
                    if ch == '\'' {
                        "'".to_string()
                    } else {
                        ch.escape_debug().to_string()
                    }
                ),
            )
            .at(map.span(file, pos, pos + ch.len_utf8()))
            .with_help(match ch {
                '&' => "write `and`",
                '|' => "write `or`",
                '≥' => "write `>=`",
                '≤' => "write `<=`",
                '≠' => "write `!=`",
                '$' | '€' | '£' => {
                    "write money with its currency code, e.g. `USD 100` or `EUR 120.50`"
                }
                '\'' | '‘' | '’' | '“' | '”' => {
                    "strings are written in straight double quotes: \"…\""
                }
                c if c.is_alphabetic() => "names are lower-case ASCII letters, digits and `_`",
                _ => "this character has no meaning here; remove it, or put text in double quotes",
            });
        }
    }

    let mut wanted: Vec<&str> = Vec::new();
    let mut keywords: Vec<&str> = Vec::new();
    let mut wants_item = false;
    for r in &positives {
        let (desc, kw) = describe(*r);
        if desc == "an item" {
            wants_item = true;
        }
        if let Some(k) = kw {
            keywords.push(k);
        }
        if !wanted.contains(&desc) {
            wanted.push(desc);
        }
    }
    // Items are listed by name once, not as "an item" many times.
    if wants_item {
        wanted.retain(|d| *d != "an item" && *d != "end of file");
        wanted.insert(
            0,
            "an item (`schema`, `codes`, `decision`, `warranty`, `split`, `route`, …)",
        );
        keywords.extend(super::ast::Item::KEYWORDS);
    }
    // "an expression" covers everything an expression can start with.
    if wanted.contains(&"an expression") {
        wanted.retain(|d| {
            !matches!(
                *d,
                "`[`"
                    | "`(`"
                    | "`not`"
                    | "`has`"
                    | "a name"
                    | "a number"
                    | "a string in double quotes"
                    | "a code such as `P0301`"
                    | "a percentage such as `70%`"
                    | "an amount of money such as `USD 120.50`"
                    | "a quantity such as `36 months` or `4h`"
                    | "a date such as `2026-01-31`"
                    | "a date and time such as `2026-01-31T08:00:00Z`"
                    | "a time such as `08:00`"
                    | "opening hours such as `08:00-18:00`"
            )
        });
    }
    // "an operator" covers the operator keywords; list structure words first.
    if wanted.contains(&"an operator") {
        wanted.retain(|d| {
            !matches!(
                *d,
                "`..`" | "`not`" | "`in`" | "`matches`" | "`contains`" | "`and`" | "`or`"
            )
        });
    }
    wanted.sort_by_key(|d| match *d {
        "an operator" => 1,
        d if d.starts_with('`') => 0,
        _ => 2,
    });
    // After a number, "a unit" is always possible and rarely what the author forgot.
    if wanted.len() > 1 {
        wanted.retain(|d| *d != "a unit");
    }
    // Lots of alternatives: keep the most telling ones.
    if wanted.len() > 6 {
        wanted.truncate(6);
        wanted.push("…");
    }
    let message = if wanted.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_alternatives(&wanted))
    };
    let mut d = Diagnostic::error(Code::Syntax, message)
        .at(span)
        .with_label("unexpected here");
    let word = found.trim_matches('`');
    let expects_name = positives
        .iter()
        .any(|r| matches!(r, Rule::ident | Rule::rule_id));
    if word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !word.is_empty() {
        if let Some(s) = suggest(word, keywords.iter()) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else if expects_name && RESERVED.contains(&word) {
            d = d.with_help(format!(
                "`{word}` is a reserved word (LANGUAGE.md §9) and cannot be used as a name"
            ));
        } else if expects_name && word.chars().any(|c| c.is_ascii_uppercase()) {
            d = d.with_help(format!(
                "names are lower-case letters, digits and `_`: write `{}`",
                word.to_ascii_lowercase()
            ));
        }
    }
    if d.help.is_none()
        && found == "`=`"
        && positives
            .iter()
            .any(|r| matches!(r, Rule::op_eq | Rule::op_ne | Rule::op_lt))
    {
        d = d.with_help("compare with `==`; a single `=` sets an output after `then`");
    }
    if d.help.is_none() && found == "`=`" && positives.contains(&Rule::assign) {
        d = d.with_help("set an output with a single `=`: `then action = reject`; `==` compares");
    }
    // `then a = 1 b = 2`: a comma is missing between assignments
    if d.help.is_none()
        && positives.contains(&Rule::comma)
        && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        let after = text.get(pos + found_len..).unwrap_or("").trim_start();
        if after.starts_with('=') && !after.starts_with("==") {
            d = d.with_help(format!("separate assignments with `,`: `…, {word} = …`"));
        }
    }
    // `rule when …`: the rule's name is missing
    if found == "`when`" && positives.contains(&Rule::rule_id) {
        d.help = Some("a rule needs a name: `rule NAME when …`".into());
    }
    if d.help.is_none() && found == "end of file" {
        d = d.with_help("the file ends in the middle of an item; is a `}` missing?");
    }
    d
}

/// The units a quantity may have, for the help of an unknown one.
const UNIT_LIST: &str = "the units are `min`, `h`, `d`, `weeks`, `months`, `years`, \
`business days`, `business hours`, `km` and `mi`";

/// Words a quantity's unit is mistyped as, and the unit meant.
const UNIT_ALIASES: &[(&str, &str)] = &[
    ("mile", "mi"),
    ("miles", "mi"),
    ("kms", "km"),
    ("kilometer", "km"),
    ("kilometers", "km"),
    ("kilometre", "km"),
    ("kilometres", "km"),
    ("hr", "h"),
    ("hrs", "h"),
    ("mins", "min"),
    ("wk", "weeks"),
    ("wks", "weeks"),
    ("mo", "months"),
    ("mos", "months"),
    ("mth", "months"),
    ("mths", "months"),
    ("yr", "years"),
    ("yrs", "years"),
    ("y", "years"),
    ("dys", "days"),
];

/// The unit names, for suggestions.
const UNIT_NAMES: &[&str] = &[
    "min", "minute", "minutes", "h", "hour", "hours", "d", "day", "days", "week", "weeks", "month",
    "months", "year", "years", "km", "mi",
];

/// Words that may follow a number in valid rules (clause keywords, ordinals), never taken
/// for a mistyped unit.
const AFTER_NUMBER: &[&str] = &[
    "st",
    "nd",
    "rd",
    "th",
    "then",
    "when",
    "and",
    "or",
    "not",
    "in",
    "rule",
    "otherwise",
    "effective",
    "priority",
    "from",
    "until",
    "observed",
    "of",
    "calendar",
    "roll",
    "after",
];

/// A number followed by a word that is no unit but reads as a mistyped one (`36 moons`,
/// `36_000 miles`, `3 yeers`), between the last brace before the error and the error's
/// token: its span, the word and the unit meant. Other words after a number (a clause
/// keyword such as `claim_type` after `deductible USD 0`) are left to the syntax error.
fn unknown_unit(
    text: &str,
    pos: usize,
    found_len: usize,
) -> Option<(usize, usize, String, Option<&'static str>)> {
    let end = (pos + found_len).min(text.len());
    let from = text.get(..pos)?.rfind(['{', '}']).map_or(0, |i| i + 1);
    let window = text.get(from..end)?.as_bytes();
    let mut best = None;
    let mut i = 0;
    while i < window.len() {
        let b = window[i];
        // a number starts at a digit that does not continue a word
        let starts_number = b.is_ascii_digit()
            && (i == 0 || !(window[i - 1].is_ascii_alphanumeric() || window[i - 1] == b'_'));
        if !starts_number {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < window.len()
            && (window[j].is_ascii_digit() || window[j] == b'_' || window[j] == b'.')
        {
            j += 1;
        }
        let mut k = j;
        while k < window.len() && (window[k] == b' ' || window[k] == b'\t') {
            k += 1;
        }
        let word_start = k;
        while k < window.len() && (window[k].is_ascii_alphanumeric() || window[k] == b'_') {
            k += 1;
        }
        if k > word_start && window[word_start].is_ascii_alphabetic() {
            let word = std::str::from_utf8(&window[word_start..k]).unwrap_or("");
            let lower = word.to_ascii_lowercase();
            let known = UNIT_NAMES.contains(&word) || word == "business";
            if !known && !AFTER_NUMBER.contains(&lower.as_str()) {
                let meant = UNIT_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == lower)
                    .map(|(_, u)| *u)
                    .or_else(|| {
                        UNIT_NAMES
                            .iter()
                            .copied()
                            .filter(|u| u.len() >= 3)
                            .map(|u| (crate::diag::edit_distance(&lower, u), u))
                            .filter(|(d, u)| *d <= (u.len() / 2).max(1))
                            .min_by_key(|(d, _)| *d)
                            .map(|(_, u)| u)
                    })
                    .or_else(|| {
                        (lower != word && UNIT_NAMES.contains(&lower.as_str())).then(|| {
                            UNIT_NAMES
                                .iter()
                                .copied()
                                .find(|u| *u == lower)
                                .unwrap_or("mi")
                        })
                    });
                if meant.is_some() {
                    best = Some((from + word_start, from + k, word.to_string(), meant));
                }
            }
        }
        i = k.max(j).max(i + 1);
    }
    best
}
