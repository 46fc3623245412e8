//! The surface language: the pest grammar (`grammar/aftersales.pest`), a typed AST with
//! spans ([`ast`]), the parser with pointed diagnostics, and loading a rule set from a
//! folder (files in sorted path order, LANGUAGE.md preamble).
//!
//! ```
//! use aftersales::dsl;
//! let parsed = dsl::parse_str("inline.rules", r#"
//!     decision adjudicate hit first {
//!       output action: enum { accept, reject }
//!       rule late when claim.repair_date > 2026-01-01 then action = reject
//!       otherwise action = accept
//!     }
//! "#);
//! assert!(parsed.diagnostics.is_empty());
//! assert_eq!(parsed.files[0].items.len(), 1);
//!
//! let broken = dsl::parse_str("broken.rules", "decision d { rule r when x > then a = 1 }");
//! let d = &broken.diagnostics.as_slice()[0];
//! assert_eq!(d.code.as_str(), "E0001");
//! assert!(d.message.starts_with("expected an expression"), "{}", d.message);
//! ```

pub mod ast;
mod cst;
mod fmt;
mod parser;
mod syntax_error;

#[doc(hidden)]
pub use fmt::{format, FormatError};
pub use parser::{concrete_tree, parse_file_with_pest, Engine};
#[allow(unused_imports)]
pub(crate) use parser::{expr_depth, for_each_child};
pub use parser::{parse_file, MAX_EXPR_DEPTH, MAX_FILE_BYTES, MAX_NESTING};

use crate::diag::{Code, Diagnostic, Diagnostics, SourceMap};
use ast::RuleFile;
use std::path::{Path, PathBuf};

/// A parsed rule set: its sources, each file's syntax tree, and every diagnostic found.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The source files, for turning spans into places.
    pub map: SourceMap,
    /// One syntax tree per file, in load order.
    pub files: Vec<RuleFile>,
    /// Everything found wrong so far.
    pub diagnostics: Diagnostics,
}

impl Parsed {
    /// Parse one more file held in memory and add it.
    pub fn add_source(&mut self, name: &str, text: &str) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        self.add(name.to_string(), text.to_string());
    }

    fn add(&mut self, name: String, text: String) {
        let id = self.map.add(name, text);
        let (file, diags) = parse_file(&self.map, id);
        self.files.push(file);
        self.diagnostics.extend(diags);
    }
}

/// Parse one rule file held in memory.
pub fn parse_str(name: &str, text: &str) -> Parsed {
    parse_sources([(name.to_string(), text.to_string())])
}

/// Parse rule files held in memory (a host that keeps rules in a database). They are
/// loaded in sorted name order, as files of a folder are.
pub fn parse_sources<I>(sources: I) -> Parsed
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut parsed = Parsed::default();
    parse_sources_into(&mut parsed, sources);
    parsed
}

/// Parse rule files held in memory, in sorted name order, adding them to `parsed`.
pub fn parse_sources_into<I>(parsed: &mut Parsed, sources: I)
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut sources: Vec<(String, String)> = sources.into_iter().collect();
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, text) in sources {
        // a code table's CSV kept with the rules (`codes t from "ops.csv"`), not a rule file
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".j2") {
            parsed.map.add_data(name, text);
        } else {
            parsed.add_source(&name, &text);
        }
    }
}

/// Deepest folder nesting followed when looking for `.rules` files.
const MAX_DIR_DEPTH: usize = 16;

/// Load and parse a rule set: a folder of `.rules` files (searched recursively, read in
/// sorted path order) or a single file. Problems reading files are diagnostics
/// ([`Code::Io`], [`Code::NoRuleFiles`], [`Code::InvalidUtf8`], [`Code::FileTooLarge`]).
pub fn load_path(path: &Path) -> Parsed {
    let mut parsed = Parsed::default();
    load_path_into(&mut parsed, path);
    parsed
}

/// Load and parse a rule set as [`load_path`] does, adding its files to `parsed`.
pub fn load_path_into(parsed: &mut Parsed, path: &Path) {
    let shown = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            parsed.diagnostics.push(
                Diagnostic::error(Code::Io, format!("cannot read `{shown}`: {e}")).with_path(shown),
            );
            return;
        }
    };
    let mut files = Vec::new();
    if meta.is_dir() {
        collect_rule_files(path, 0, &mut files, &mut parsed.diagnostics);
        files.sort();
        if files.is_empty() && !parsed.diagnostics.has_errors() {
            parsed.diagnostics.push(
                Diagnostic::error(
                    Code::NoRuleFiles,
                    format!("no `.rules` files in folder `{shown}`"),
                )
                .with_path(shown)
                .with_help("a rule set is a folder of files whose names end in `.rules`"),
            );
        }
    } else {
        files.push(path.to_path_buf());
    }
    for f in files {
        read_one(&f, parsed);
    }
}

fn collect_rule_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, diags: &mut Diagnostics) {
    let mut seen = std::collections::HashSet::new();
    collect_in(dir, depth, out, diags, &mut seen);
}

/// Walk `dir`, following each real folder once (a symlink to a folder already walked, a
/// cycle among them, is skipped) and refusing folders nested too deep with a diagnostic.
fn collect_in(
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
    diags: &mut Diagnostics,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    if let Ok(real) = std::fs::canonicalize(dir) {
        if !seen.insert(real) {
            return;
        }
    }
    if depth > MAX_DIR_DEPTH {
        let shown = dir.display().to_string();
        diags.push(
            Diagnostic::error(
                Code::Io,
                format!("folder `{shown}` is nested more than {MAX_DIR_DEPTH} levels deep; its rule files were not read"),
            )
            .with_path(shown)
            .with_help("move the rule files into a shallower folder"),
        );
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let shown = dir.display().to_string();
            diags.push(
                Diagnostic::error(Code::Io, format!("cannot read folder `{shown}`: {e}"))
                    .with_path(shown),
            );
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        let rules_name = p.extension().is_some_and(|e| e == "rules");
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => collect_in(&p, depth + 1, out, diags, seen),
            Ok(m) if m.is_file() && rules_name => out.push(p),
            Ok(_) => {}
            // a symbolic link that dangles or loops, named as a rule file (or with no
            // extension, as a folder would be): the author meant something to be read
            Err(e) if rules_name || p.extension().is_none() => {
                let shown = p.display().to_string();
                let target = std::fs::read_link(&p)
                    .map(|t| format!(" (a symbolic link to `{}`)", t.display()))
                    .unwrap_or_default();
                diags.push(
                    Diagnostic::error(Code::Io, format!("cannot read `{shown}`{target}: {e}"))
                        .with_path(shown)
                        .with_help("fix or remove the link"),
                );
            }
            Err(_) => {}
        }
    }
}

fn read_one(path: &Path, parsed: &mut Parsed) {
    let shown = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES as u64 => {
            parsed.diagnostics.push(
                Diagnostic::error(
                    Code::FileTooLarge,
                    format!(
                        "rule file is {} bytes; the largest accepted is {} bytes",
                        m.len(),
                        MAX_FILE_BYTES
                    ),
                )
                .with_path(shown),
            );
            return;
        }
        _ => {}
    }
    // read at most one byte past the limit, whatever size the file reports (`/dev/zero`,
    // a pipe and some special files report 0)
    let read = std::fs::File::open(path).and_then(|f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    let bytes = match read {
        Ok(b) if b.len() > MAX_FILE_BYTES => {
            parsed.diagnostics.push(
                Diagnostic::error(
                    Code::FileTooLarge,
                    format!(
                        "rule file is larger than the largest accepted, {MAX_FILE_BYTES} bytes"
                    ),
                )
                .with_path(shown),
            );
            return;
        }
        Ok(b) => b,
        Err(e) => {
            parsed.diagnostics.push(
                Diagnostic::error(Code::Io, format!("cannot read `{shown}`: {e}")).with_path(shown),
            );
            return;
        }
    };
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            parsed.add(shown, text);
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes().get(at).copied().unwrap_or(0);
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = parsed.map.add(shown, lossy);
            let span = parsed.map.span(id, at, at + 3);
            parsed.diagnostics.push(
                Diagnostic::error(
                    Code::InvalidUtf8,
                    format!("file is not valid UTF-8: byte 0x{byte:02X} at byte offset {at}"),
                )
                .at(span)
                .with_help("save the file as UTF-8"),
            );
        }
    }
}

/// Largest number of codes one range `A..B` in a table may expand to.
pub const MAX_CODE_RANGE: u64 = 100_000;

fn split_code(code: &str) -> (&str, &str) {
    let digits = code
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    code.split_at(code.len() - digits)
}

/// Check a table range `A..B`: same prefix, same number of trailing digits, `A <= B`,
/// and at most [`MAX_CODE_RANGE`] codes. Returns the number of codes.
pub fn code_range_check(a: &str, b: &str) -> Result<u64, String> {
    let (pa, da) = split_code(a);
    let (pb, db) = split_code(b);
    if da.is_empty() || db.is_empty() {
        return Err(format!(
            "code range `{a}..{b}` needs codes ending in digits, counted from the first to the last"
        ));
    }
    if pa != pb || da.len() != db.len() {
        return Err(format!(
            "code range `{a}..{b}`: both ends must have the same prefix and the same number of trailing digits"
        ));
    }
    let (Ok(x), Ok(y)) = (da.parse::<u64>(), db.parse::<u64>()) else {
        return Err(format!("code range `{a}..{b}` has too many digits"));
    };
    if x > y {
        return Err(format!("code range `{a}..{b}` runs backwards"));
    }
    let n = y - x + 1;
    if n > MAX_CODE_RANGE {
        return Err(format!(
            "code range `{a}..{b}` has {n} codes; the most one range may have is {MAX_CODE_RANGE}"
        ));
    }
    Ok(n)
}

/// Expand a table range `A..B` into its codes by counting the trailing digits
/// (LANGUAGE.md §5.1).
///
/// ```
/// let codes = aftersales::dsl::expand_code_range("P0301", "P0303").unwrap();
/// assert_eq!(codes, ["P0301", "P0302", "P0303"]);
/// assert!(aftersales::dsl::expand_code_range("P0301", "B0303").is_err());
/// ```
pub fn expand_code_range(a: &str, b: &str) -> Result<Vec<String>, String> {
    code_range_check(a, b)?;
    let (prefix, da) = split_code(a);
    let (_, db) = split_code(b);
    let width = da.len();
    let (x, y) = (
        da.parse::<u64>().map_err(|e| e.to_string())?,
        db.parse::<u64>().map_err(|e| e.to_string())?,
    );
    Ok((x..=y).map(|n| format!("{prefix}{n:0width$}")).collect())
}

#[cfg(test)]
mod tests {
    use super::ast::*;
    use super::parse_str;

    fn only_item(text: &str) -> Item {
        let parsed = parse_str("t.rules", text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed.files.into_iter().next().unwrap().items.remove(0)
    }

    #[test]
    fn recall_keeps_every_clause() {
        let Item::Recall(r) = only_item(
            r#"recall R24V123 "t" { affects product.model == "X" component "c" severity safety
               remedy "r" labor_op "36-1100" claim_type RC announced 2024-12-05 }"#,
        ) else {
            panic!("not a recall")
        };
        assert!(r.affects.is_some());
        assert_eq!(r.component.unwrap().value, "c");
        assert_eq!(r.severity.unwrap().name, "safety");
        assert!(r.labor_op.is_some() && r.claim_type.is_some() && r.announced.is_some());
    }

    #[test]
    fn precedence_follows_the_spec() {
        // `not a and b` is `(not a) and b`; `not x == y` is `not (x == y)`
        let Item::Decision(d) = only_item(
            "decision d { rule r when not a and b then x = 1 rule s when not x == y then x = 2
             rule t when a or b and c then x = 3 rule u when 1 + 2 * 3 > 4 then x = 4 }",
        ) else {
            panic!()
        };
        assert!(
            matches!(&d.rules[0].when.kind, ExprKind::And(v) if matches!(v[0].kind, ExprKind::Not(_)))
        );
        assert!(
            matches!(&d.rules[1].when.kind, ExprKind::Not(inner) if matches!(inner.kind, ExprKind::Compare { .. }))
        );
        assert!(
            matches!(&d.rules[2].when.kind, ExprKind::Or(v) if v.len() == 2 && matches!(v[1].kind, ExprKind::And(_)))
        );
        let ExprKind::Compare { lhs, .. } = &d.rules[3].when.kind else {
            panic!()
        };
        assert!(
            matches!(&lhs.kind, ExprKind::Binary { op: BinOp::Add, rhs, .. } if matches!(rhs.kind, ExprKind::Binary { op: BinOp::Mul, .. }))
        );
    }

    #[test]
    fn literals_have_their_values() {
        let Item::Decision(d) = only_item(
            "decision d { rule r when x in [EUR 120.50, 70%, 4 h, 36 months, 2 business days, 100_000 mi, 2026-01-31, \"a\\u{e9}\\n\", P0300-P0399] then x = 1 }",
        ) else {
            panic!()
        };
        let ExprKind::In { set, .. } = &d.rules[0].when.kind else {
            panic!()
        };
        let ExprKind::List(items) = &set.kind else {
            panic!()
        };
        let lits: Vec<&Literal> = items
            .iter()
            .map(|e| match &e.kind {
                ExprKind::Literal(l) => l,
                _ => panic!("not a literal"),
            })
            .collect();
        use rust_decimal::Decimal;
        assert_eq!(
            *lits[0],
            Literal::Money {
                currency: "EUR".into(),
                amount: Decimal::new(12050, 2)
            }
        );
        assert_eq!(*lits[1], Literal::Percent(Decimal::new(70, 2)));
        assert_eq!(
            *lits[2],
            Literal::Quantity {
                value: Decimal::new(4, 0),
                unit: Unit::Hour
            }
        );
        assert_eq!(
            *lits[3],
            Literal::Quantity {
                value: Decimal::new(36, 0),
                unit: Unit::Month
            }
        );
        assert_eq!(
            *lits[4],
            Literal::Quantity {
                value: Decimal::new(2, 0),
                unit: Unit::BusinessDay
            }
        );
        assert_eq!(
            *lits[5],
            Literal::Quantity {
                value: Decimal::new(100_000, 0),
                unit: Unit::Mi
            }
        );
        assert!(matches!(lits[6], Literal::Date(_)));
        assert_eq!(*lits[7], Literal::Text("a\u{e9}\n".into()));
        assert_eq!(*lits[8], Literal::Code("P0300-P0399".into()));
    }
}
