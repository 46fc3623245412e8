//! Campaigns written as `recall` items of the rules language (LANGUAGE.md §5.8).
//!
//! Each campaign becomes
//!
//! ```text
//! # NHTSA campaign 02V288000: FORD MOTOR COMPANY, manufacturer campaign 02S41, 2 records, 291854 units
//! recall R02V288000 "CERTAIN PASSENGER VEHICLES EQUIPPED WITH ZETEC ENGINES, LOOSE OR BROKEN …" {
//!   affects has product.make and product.make == "FORD" and product.model == "FOCUS"
//!     and has product.model_year and product.model_year in 2000..2001
//!     and has product.build_date and product.build_date in 1999-07-19..2001-05-31
//!   component "ELECTRICAL SYSTEM:BATTERY:CABLES"
//!   severity safety
//!   remedy "DEALERS WILL INSPECT THE BATTERY CABLES …"
//!   announced 2002-11-06
//! }
//! ```
//!
//! with one parenthesised alternative per [`AffectedGroup`] joined by `or` where there are
//! several. Optional product fields are read behind `has`, so a product whose make, model
//! year or build date is unknown is not affected by a clause that tests it.

use super::campaign::{AffectedGroup, Campaign, Years};
use std::fmt::Write as _;

/// The longest title, in characters, before it is shortened.
pub const TITLE_MAX: usize = 120;
/// The longest remedy, in characters, before it is shortened.
pub const REMEDY_MAX: usize = 300;
/// The longest component, in characters, before it is shortened.
pub const COMPONENT_MAX: usize = 200;

/// A rule file holding one `recall` item per campaign, after a header comment naming
/// `source` (the file the records came from).
///
/// ```
/// use aftersales::host::recalls::{group_campaigns, parse_flat_file, write_rules};
/// let mut f = vec![""; 24];
/// (f[0], f[1], f[2], f[3], f[4]) = ("1", "24V123000", "HYUNDAI", "IONIQ 5", "2022");
/// f[19] = "THE \"ICCU\" MAY FAIL.";
/// let text = write_rules(&group_campaigns(&parse_flat_file(&f.join("\t")).records), "recalls.txt");
/// assert!(text.contains(r#"recall R24V123000 "THE \"ICCU\" MAY FAIL." {"#), "{text}");
/// let rules = aftersales::RuleSet::from_sources([("nhtsa.rules".to_string(), text)]).unwrap();
/// assert!(rules.has_decision("recalls"));
/// ```
pub fn write_rules(campaigns: &[Campaign], source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# NHTSA recall campaigns imported by `aftersales import nhtsa-recalls` from {}:",
        comment_text(source)
    );
    let _ = writeln!(
        out,
        "# {} recalls. Generated: re-import rather than edit.",
        campaigns.len()
    );
    for c in campaigns {
        out.push('\n');
        out.push_str(&recall_item(c));
    }
    out
}

/// The campaigns as rule files of at most `max_bytes` each (a rule file may hold at most
/// [`crate::dsl::MAX_FILE_BYTES`]): the items in order, each file with the header of
/// [`write_rules`] and its part number. One part when everything fits. A campaign whose
/// item alone is larger than the limit is an error naming it.
///
/// ```
/// use aftersales::host::recalls::{group_campaigns, parse_flat_file, write_rules_parts};
/// let line = |id: &str| {
///     let mut f = vec![""; 24];
///     (f[0], f[1], f[2], f[3], f[4]) = ("1", id, "FORD", "FOCUS", "2006");
///     f.join("\t")
/// };
/// let text = [line("06V043000"), line("07V001000"), line("08V002000")].join("\n");
/// let campaigns = group_campaigns(&parse_flat_file(&text).records);
/// let whole = write_rules_parts(&campaigns, "FLAT_RCL.txt", 1 << 20).unwrap();
/// assert_eq!(whole.len(), 1);
/// let parts = write_rules_parts(&campaigns, "FLAT_RCL.txt", 700).unwrap();
/// assert!(parts.len() > 1 && parts.iter().all(|p| p.len() <= 700));
/// assert!(write_rules_parts(&campaigns, "FLAT_RCL.txt", 100).is_err());
/// ```
pub fn write_rules_parts(
    campaigns: &[Campaign],
    source: &str,
    max_bytes: usize,
) -> Result<Vec<String>, String> {
    let header = |part: usize, count: usize| {
        format!(
            "# NHTSA recall campaigns imported by `aftersales import nhtsa-recalls` from {}:\n\
             # {count} recalls (part {part}). Generated: re-import rather than edit.\n",
            comment_text(source)
        )
    };
    let whole = write_rules(campaigns, source);
    if whole.len() <= max_bytes {
        return Ok(vec![whole]);
    }
    // room for the header of a part (its counts are at most 20 digits each)
    let room = max_bytes.saturating_sub(header(0, 0).len() + 40);
    let mut parts: Vec<(String, usize)> = Vec::new();
    let mut body = String::new();
    let mut count = 0;
    for c in campaigns {
        let item = format!("\n{}", recall_item(c));
        if item.len() > room {
            return Err(format!(
                "the recall item of campaign {} alone is {} bytes, more than a rule file may hold",
                c.number,
                item.len()
            ));
        }
        if body.len() + item.len() > room {
            parts.push((std::mem::take(&mut body), count));
            count = 0;
        }
        body.push_str(&item);
        count += 1;
    }
    if count > 0 {
        parts.push((body, count));
    }
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, (body, count))| header(i + 1, count) + &body)
        .collect())
}

/// One campaign as a `recall` item, with a comment line before it.
///
/// ```
/// use aftersales::host::recalls::{group_campaigns, parse_flat_file, recall_item};
/// let mut f = vec![""; 24];
/// (f[0], f[1], f[2], f[3], f[4]) = ("1", "06V043000", "VOLKSWAGEN", "BEETLE", "2006");
/// (f[6], f[15], f[18]) = ("EQUIPMENT:OTHER:LABELS", "20060209", "110");
/// let c = &group_campaigns(&parse_flat_file(&f.join("\t")).records)[0];
/// let item = recall_item(c);
/// assert!(item.contains("  severity compliance\n"), "{item}");
/// assert!(item.contains("  announced 2006-02-09\n"), "{item}");
/// assert!(item.contains(r#"  component "EQUIPMENT:OTHER:LABELS""#), "{item}");
/// ```
pub fn recall_item(c: &Campaign) -> String {
    let mut out = String::new();
    let mut about = vec![if c.manufacturer.is_empty() {
        "manufacturer not given".to_string()
    } else {
        c.manufacturer.clone()
    }];
    if !c.mfr_campaign.is_empty() {
        about.push(format!("manufacturer campaign {}", c.mfr_campaign));
    }
    about.push(format!(
        "{} record{}",
        c.records,
        if c.records == 1 { "" } else { "s" }
    ));
    if let Some(n) = c.potentially_affected {
        about.push(format!("{n} units"));
    }
    let _ = writeln!(
        out,
        "# NHTSA campaign {}: {}",
        c.number,
        comment_text(&about.join(", "))
    );
    let _ = writeln!(
        out,
        "recall {} {} {{",
        c.recall_id(),
        string_literal(&title(c))
    );
    let _ = writeln!(out, "  affects {}", affects_expr(&c.groups));
    if !c.components.is_empty() {
        let component = shorten(&c.components.join("; "), COMPONENT_MAX);
        let _ = writeln!(out, "  component {}", string_literal(&component));
    }
    let _ = writeln!(out, "  severity {}", c.severity().as_str());
    if !c.corrective_action.trim().is_empty() {
        let remedy = shorten(&c.corrective_action, REMEDY_MAX);
        let _ = writeln!(out, "  remedy {}", string_literal(&remedy));
    }
    if let Some(d) = c.report_received {
        let _ = writeln!(out, "  announced {}", d.format("%Y-%m-%d"));
    }
    out.push_str("}\n");
    out
}

fn title(c: &Campaign) -> String {
    let text = [c.defect.as_str(), c.consequence.as_str()]
        .into_iter()
        .chain(c.components.iter().map(String::as_str))
        .find(|t| !t.trim().is_empty());
    match text {
        Some(t) => shorten(t, TITLE_MAX),
        None => format!("NHTSA recall campaign {}", c.number),
    }
}

/// The `affects` expression of a campaign's groups: one alternative per group, joined by
/// `or` (each in parentheses where there are several), each continued over indented lines.
///
/// ```
/// use aftersales::host::recalls::{affects_expr, AffectedGroup, Years};
/// let g = AffectedGroup {
///     make: "HYUNDAI".into(),
///     models: vec!["IONIQ 5".into(), "IONIQ 6".into()],
///     years: Years::Only(vec![2022, 2023]),
///     built_from: None,
///     built_to: None,
/// };
/// assert_eq!(
///     affects_expr(&[g]),
///     "has product.make and product.make == \"HYUNDAI\" and product.model in [\"IONIQ 5\", \"IONIQ 6\"]\n    \
///      and has product.model_year and product.model_year in 2022..2023"
/// );
/// ```
pub fn affects_expr(groups: &[AffectedGroup]) -> String {
    match groups {
        [] => "false".to_string(),
        [one] => group_expr(one, "    "),
        many => many
            .iter()
            .map(|g| format!("({})", group_expr(g, "       ")))
            .collect::<Vec<_>>()
            .join("\n    or "),
    }
}

fn group_expr(g: &AffectedGroup, indent: &str) -> String {
    let mut first = format!(
        "has product.make and product.make == {}",
        string_literal(&g.make)
    );
    match g.models.as_slice() {
        [] => {}
        [one] => {
            let _ = write!(first, " and product.model == {}", string_literal(one));
        }
        many => {
            let list: Vec<String> = many.iter().map(|m| string_literal(m)).collect();
            let _ = write!(first, " and product.model in [{}]", list.join(", "));
        }
    }
    let mut lines = vec![first];
    if let Years::Only(years) = &g.years {
        let test = match years.as_slice() {
            [] => None,
            [one] => Some(format!("== {one}")),
            [lo, .., hi] if contiguous(years) => Some(format!("in {lo}..{hi}")),
            all => Some(format!(
                "in [{}]",
                all.iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        if let Some(test) = test {
            lines.push(format!(
                "and has product.model_year and product.model_year {test}"
            ));
        }
    }
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let built = match (g.built_from, g.built_to) {
        (Some(a), Some(b)) => Some(format!("in {}..{}", day(a), day(b))),
        (Some(a), None) => Some(format!(">= {}", day(a))),
        (None, Some(b)) => Some(format!("<= {}", day(b))),
        (None, None) => None,
    };
    if let Some(test) = built {
        lines.push(format!(
            "and has product.build_date and product.build_date {test}"
        ));
    }
    lines.join(&format!("\n{indent}"))
}

fn contiguous(years: &[u16]) -> bool {
    years.windows(2).all(|w| match w {
        [a, b] => a.checked_add(1) == Some(*b),
        _ => true,
    })
}

/// A string literal of the rules language holding `text`: `"` and `\` escaped, control
/// characters other than whitespace as `\u{..}` (whitespace is collapsed first by
/// [`shorten`]; here a tab or newline becomes `\t` or `\n`).
///
/// ```
/// use aftersales::host::recalls::string_literal;
/// assert_eq!(string_literal(r#"THE "CHECK ENGINE" LIGHT \ LAMP"#), r#""THE \"CHECK ENGINE\" LIGHT \\ LAMP""#);
/// assert_eq!(string_literal("a\u{7}b\n"), r#""a\u{7}b\n""#);
/// ```
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` with its whitespace collapsed, cut to at most `max` characters: as many whole
/// sentences as fit, else the first sentence cut at a word boundary and ended with `…`.
/// A sentence ends at `. ` before a letter, except after a common abbreviation (`NO.`,
/// `INC.`, `U.S.`).
///
/// ```
/// use aftersales::host::recalls::shorten;
/// assert_eq!(shorten("ONE.  TWO\tTHREE. FOUR FIVE.", 16), "ONE. TWO THREE.");
/// assert_eq!(shorten("A VERY LONG SENTENCE INDEED", 12), "A VERY LONG…");
/// assert_eq!(shorten("SHORT", 12), "SHORT");
/// // `NO. 120` does not end a sentence
/// assert_eq!(shorten("FMVSS NO. 120 IS NOT MET. OWNERS", 28), "FMVSS NO. 120 IS NOT MET.");
/// ```
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    // whole sentences: cut after the last sentence end that keeps the text within max
    let mut cut = None;
    for (i, _) in text.match_indices(". ") {
        if sentence_ends_at(&text, i) && text.get(..=i).map_or(0, |s| s.chars().count()) <= max {
            cut = Some(i);
        }
    }
    if let Some(i) = cut {
        if let Some(s) = text.get(..=i) {
            return s.to_string();
        }
    }
    let keep = max.saturating_sub(1);
    let head: String = text.chars().take(keep).collect();
    let next_is_space = text.chars().nth(keep).is_some_and(char::is_whitespace);
    let head = match head.rfind(' ') {
        Some(i) if !next_is_space && i > 0 => head.get(..i).unwrap_or(&head).to_string(),
        _ => head,
    };
    format!("{}…", head.trim_end_matches([' ', ',', ';', ':']))
}

/// Words NHTSA summaries abbreviate with a period mid-sentence (`STANDARD NO. 120`).
const ABBREVIATIONS: [&str; 14] = [
    "NO", "NOS", "INC", "CO", "CORP", "LTD", "ST", "U.S", "APPROX", "E.G", "I.E", "MR", "DR", "VS",
];

/// Whether the period at byte `dot` (followed by a space) ends a sentence: the next word
/// starts with a letter, and the word before is not an abbreviation.
fn sentence_ends_at(text: &str, dot: usize) -> bool {
    let next_is_letter = text
        .get(dot + 2..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_alphabetic);
    let word = text
        .get(..dot)
        .and_then(|before| before.rsplit([' ', '(']).next())
        .unwrap_or("");
    next_is_letter && !ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
}

fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
