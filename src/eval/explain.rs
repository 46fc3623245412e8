//! Explanations (LANGUAGE.md §5.2, §8): the tests a decision made along its path, for the
//! person who wrote the rules.
//!
//! A **test** is each atomic boolean operand the interpreter evaluated in a rule's `when`:
//! a comparison, `in`, `matches`, `contains`, `has`, a call returning bool, a bool-valued
//! path or literal. The `and` / `or` wrappers are not tests themselves; their operands
//! are, in the order evaluated (short-circuit: operands never evaluated are not listed).
//! `not X` over an atomic `X` is one test whose text is `not X` and whose value is the
//! negated one (what the rule used); `not (A and B)` lists `A` and `B` with their own
//! values. A rule that `effective` excludes on `context.today` gives one step with the
//! text `effective A..B` and the value `false`.
//!
//! Steps come in evaluation order: the rules tried before the winner (first hit), every
//! rule (priority, unique, collect), and the tests of dependent decisions where they were
//! first read, tagged with their own decision (a dependent decision runs once per bundle,
//! so its steps appear once).
//!
//! ```
//! use aftersales::{RuleSet, facts::Facts};
//! let rules = RuleSet::from_sources([("a.rules".to_string(), r#"
//! codes fault "Fault codes" { P0301 "Cylinder 1 misfire" {} }
//! decision adjudicate {
//!   output action: enum { accept, reject } = accept
//!   rule late when has claim.submitted_date
//!                  and claim.submitted_date > claim.repair_date + 30 days
//!     then action = reject
//! }"#.to_string())]).unwrap();
//! let facts = Facts::from_json_str(rules.env(), r#"{"claim": {"id": "C1", "fault": "P0301",
//!     "repair_date": "2026-01-10", "submitted_date": "2026-03-01"}}"#).unwrap();
//! let (decision, why) = rules.explain("adjudicate", &facts).unwrap();
//! assert_eq!(decision.rules, ["late"]);
//! let texts: Vec<String> = why.steps.iter().map(|s| s.text(rules.sources())).collect();
//! assert_eq!(texts, ["has claim.submitted_date",
//!                    "claim.submitted_date > claim.repair_date + 30 days"]);
//! assert!(why.steps.iter().all(|s| s.value));
//! let json = why.to_json(rules.checked(), rules.sources());
//! assert_eq!(json[1]["seen"]["claim.submitted_date"], "2026-03-01");
//! assert_eq!(json[1]["at"], "a.rules:5:3");
//! ```

use crate::check::Checked;
use crate::diag::{SourceMap, Span};
use crate::json::Json as J;
use crate::types::Type;
use crate::value::Value;
use chrono::NaiveDate;

/// The tests a decision made for one bundle, in evaluation order.
///
/// One from [`crate::RuleSet::explain`] knows its rule set, so `Display` gives the text
/// of [`Explanation::render`] and `Serialize` the JSON of [`Explanation::to_json`].
#[derive(Clone, Default)]
pub struct Explanation {
    /// Every test made, in order (see the module documentation for what counts).
    pub steps: Vec<Step>,
    /// The decision explained and the rule set's types and sources, when known.
    context: Option<Context>,
}

/// What an explanation needs to write itself: the decision explained, and the rule set's
/// types and sources.
#[derive(Clone)]
struct Context {
    decision: String,
    checked: std::sync::Arc<Checked>,
    sources: std::sync::Arc<SourceMap>,
}

impl PartialEq for Explanation {
    /// The same steps (what the explanation knows of its rule set takes no part).
    fn eq(&self, other: &Explanation) -> bool {
        self.steps == other.steps
    }
}

impl std::fmt::Debug for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explanation")
            .field("steps", &self.steps)
            .finish()
    }
}

impl std::fmt::Display for Explanation {
    /// One line per step as [`Explanation::render`] writes them; the steps' debug form
    /// when the explanation does not know its rule set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.context {
            Some(c) => f.write_str(&self.render(&c.decision, &c.checked, &c.sources)),
            None => write!(f, "{:?}", self.steps),
        }
    }
}

impl serde::Serialize for Explanation {
    /// The JSON array of [`Explanation::to_json`] (an empty array when the explanation
    /// does not know its rule set).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.context {
            Some(c) => self.json(&c.checked, &c.sources).serialize(s),
            None => J::Array(Vec::new()).serialize(s),
        }
    }
}

/// One test made, with what it read and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The decision whose rule made the test: the one explained, or a decision it reads.
    pub decision: String,
    /// The id of the rule whose `when` made the test.
    pub rule: String,
    /// Where that rule is written (its start is the `at` of the JSON form).
    pub rule_span: Span,
    /// What was tested.
    pub test: Test,
    /// The test's value: `true` if it held.
    pub value: bool,
    /// The fact paths and decision outputs the test read, in the order read, with their
    /// values (`None` for an absent optional value). Only the outermost path is listed:
    /// `claim.fault.system`, not also `claim.fault`. A path read twice is listed twice.
    pub seen: Vec<Seen>,
}

/// What a [`Step`] tested.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// An expression of a rule's `when`, written at this span.
    Expr(Span),
    /// The rule's `effective FROM..TO` excluded it: `context.today` was outside.
    Effective {
        /// The first day the rule applies.
        from: NaiveDate,
        /// The last day the rule applies.
        to: NaiveDate,
        /// `context.today` of the bundle.
        today: NaiveDate,
    },
    /// A warranty's term: the time limit (`claim.repair_date < product.in_service_date +
    /// 36 months`), or the distance limit (`claim.odometer < 36_000 mi`).
    Term {
        /// The limit as written (`36 months`, `36_000 mi`).
        limit: Span,
        /// The path compared with the limit (`claim.repair_date`, `claim.failure_date`,
        /// `claim.odometer`).
        lhs: &'static str,
        /// For the time limit, the start path (`product.in_service_date`) and the first
        /// day the term no longer covers.
        start: Option<(String, NaiveDate)>,
    },
}

/// A path a test read, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// Where the path is written in the test (its text is the path: `claim.odometer`).
    pub span: Span,
    /// The path's type, for writing its value.
    pub ty: Type,
    /// Its value; `None` when absent.
    pub value: Option<Value>,
    /// The path, for one read by an item rather than written in a test (a warranty's
    /// term reads `claim.repair_date`); `None`: the text at `span`.
    pub label: Option<String>,
}

impl Seen {
    /// The path as written: `claim.odometer`, `coverage.covered`.
    pub fn path<'s>(&'s self, sources: &'s SourceMap) -> &'s str {
        match &self.label {
            Some(l) => l,
            None => sources.snippet(self.span),
        }
    }
}

impl Step {
    /// The test's source text, on one line (whitespace that spans lines becomes one
    /// space, comments inside the test are dropped): `claim.odometer < 100_000 mi`; for an
    /// `effective` exclusion, `effective 2026-01-01..2026-12-31`.
    pub fn text(&self, sources: &SourceMap) -> String {
        match &self.test {
            Test::Expr(span) => one_line(sources.snippet(*span)),
            Test::Effective { from, to, .. } => format!("effective {from}..{to}"),
            Test::Term { limit, lhs, start } => {
                let limit = one_line(sources.snippet(*limit));
                match start {
                    Some((from, ends)) => format!("{lhs} < {from} + {limit} ({ends})"),
                    None => format!("{lhs} < {limit}"),
                }
            }
        }
    }

    /// `file:line:col` of the rule that made the test (LANGUAGE.md §8's `at`).
    pub fn at(&self, sources: &SourceMap) -> String {
        sources.location(self.rule_span)
    }

    /// `file:line:col` of the test itself (of the rule, for an `effective` exclusion).
    pub fn test_at(&self, sources: &SourceMap) -> String {
        match &self.test {
            Test::Expr(span) => sources.location(*span),
            Test::Effective { .. } => sources.location(self.rule_span),
            Test::Term { limit, .. } => sources.location(*limit),
        }
    }

    /// The paths read and their values in the JSON encoding of §8, each path once (the
    /// first read); an `effective` exclusion reads `context.today`.
    fn seen_json(&self, checked: &Checked, sources: &SourceMap) -> Vec<(String, J)> {
        let mut out: Vec<(String, J)> = Vec::new();
        if let Test::Effective { today, .. } = &self.test {
            out.push(("context.today".into(), J::String(today.to_string())));
        }
        for s in &self.seen {
            let path = s.path(sources);
            if out.iter().any(|(p, _)| p == path) {
                continue;
            }
            let v = s.value.as_ref().map_or(J::Null, |v| {
                crate::facts::value_styled(&s.ty, v, &checked.env, true)
            });
            out.push((path.to_string(), v));
        }
        out
    }
}

impl Explanation {
    /// An explanation of these steps, not yet knowing its rule set.
    pub(crate) fn of(steps: Vec<Step>) -> Explanation {
        Explanation {
            steps,
            context: None,
        }
    }

    /// The explanation of `decision`, knowing its rule set (for `Display` and `Serialize`).
    pub(crate) fn with_context(
        mut self,
        decision: &str,
        checked: &std::sync::Arc<Checked>,
        sources: &std::sync::Arc<SourceMap>,
    ) -> Explanation {
        self.context = Some(Context {
            decision: decision.to_string(),
            checked: std::sync::Arc::clone(checked),
            sources: std::sync::Arc::clone(sources),
        });
        self
    }

    /// The steps that decided `decision`'s result: of each rule of `decision` whose tests
    /// all held (the rules in `winners`), every test; of every other rule, the last test it
    /// made (the one that ruled it out: `and` stops at the first false operand). Tests of
    /// the decisions it reads are left out (their outputs appear in what the kept tests
    /// read). What `aftersales test` prints under a failure unless asked for everything.
    ///
    /// ```
    /// use aftersales::RuleSet;
    /// let rules = RuleSet::from_sources([("a.rules".to_string(), r#"
    /// decision d {
    ///   output x: int = 0
    ///   rule a when has customer.tier and customer.tier == "gold" then x = 1
    ///   rule b when has customer.country and customer.country == "DE" then x = 2
    /// }"#.to_string())]).unwrap();
    /// let facts = rules.facts_from_json(r#"{"customer": {"id": "K", "tier": "silver", "country": "DE"}}"#).unwrap();
    /// let (d, why) = rules.explain("d", &facts).unwrap();
    /// assert_eq!(why.steps.len(), 4);
    /// let short = why.decisive("d", &d.rules);
    /// let texts: Vec<String> = short.steps.iter().map(|s| s.text(rules.sources())).collect();
    /// assert_eq!(texts, ["customer.tier == \"gold\"", "has customer.country", "customer.country == \"DE\""]);
    /// ```
    pub fn decisive(&self, decision: &str, winners: &[String]) -> Explanation {
        let own = |s: &Step| s.decision == decision;
        let steps = self
            .steps
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                own(s)
                    && (winners.contains(&s.rule)
                        || !self.steps[i + 1..]
                            .iter()
                            .any(|t| own(t) && t.rule == s.rule))
            })
            .map(|(_, s)| s.clone())
            .collect();
        Explanation {
            steps,
            context: self.context.clone(),
        }
    }

    /// The JSON form of LANGUAGE.md §8: an array, one object per step, in order:
    /// `{"decision", "rule", "test", "value", "seen", "at", "test_at"}` — `test` the
    /// source text, `value` a bool, `seen` an object from each path read to its value
    /// (encoded as outputs are; `null` when absent), `at` the rule's `file:line:col` and
    /// `test_at` the test's.
    pub fn to_json(&self, checked: &Checked, sources: &SourceMap) -> serde_json::Value {
        self.json(checked, sources).to_serde()
    }

    /// The JSON of [`Explanation::to_json`], exact and in order.
    pub(crate) fn json(&self, checked: &Checked, sources: &SourceMap) -> J {
        J::Array(
            self.steps
                .iter()
                .map(|s| {
                    J::object([
                        ("decision", J::from(&s.decision)),
                        ("rule", J::from(&s.rule)),
                        ("test", J::from(s.text(sources))),
                        ("value", J::from(s.value)),
                        ("seen", J::Object(s.seen_json(checked, sources))),
                        ("at", J::from(s.at(sources))),
                        ("test_at", J::from(s.test_at(sources))),
                    ])
                })
                .collect(),
        )
    }

    /// One line per step, for people: where the test is written, the rule (prefixed
    /// `decision/` when the step belongs to another decision than `decision`), the
    /// test, its value and what it read:
    ///
    /// `a.rules:4:18  late  claim.submitted_date > claim.repair_date + 30 days  → true
    /// (claim.submitted_date = 2026-03-01, claim.repair_date = 2026-01-10)`
    ///
    /// Text values are written bare, absent values as `absent`. Each line ends with `\n`.
    pub fn render(&self, decision: &str, checked: &Checked, sources: &SourceMap) -> String {
        let mut out = String::new();
        for s in &self.steps {
            let rule = if s.decision == decision {
                s.rule.clone()
            } else {
                format!("{}/{}", s.decision, s.rule)
            };
            out.push_str(&format!(
                "{}  {}  {}  → {}",
                s.test_at(sources),
                rule,
                s.text(sources),
                s.value
            ));
            let seen = s.seen_json(checked, sources);
            if !seen.is_empty() {
                let parts: Vec<String> = seen
                    .iter()
                    .map(|(p, v)| {
                        let v = match v {
                            J::String(t) => t.clone(),
                            J::Null => "absent".to_string(),
                            other => other.to_string(),
                        };
                        format!("{p} = {v}")
                    })
                    .collect();
                out.push_str(&format!("  ({})", parts.join(", ")));
            }
            out.push('\n');
        }
        out
    }
}

/// The text of a test on one line: a run of whitespace that holds a line break becomes
/// one space, and a `#` comment (outside string and regex literals) is dropped. Strings
/// and regexes never hold a raw line break (LANGUAGE.md §1), so this never alters one.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // inside "…" or /…/ (a regex follows `matches`), and whether the last char was `\`
    let mut quote: Option<char> = None;
    let mut escaped = false;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' => {
                quote = Some('"');
                out.push(c);
            }
            '/' if out.trim_end().ends_with("matches") => {
                quote = Some('/');
                out.push(c);
            }
            '#' => {
                // a comment: skip to the end of the line
                while chars.peek().is_some_and(|n| *n != '\n') {
                    chars.next();
                }
            }
            c if c.is_whitespace() => {
                let mut run = String::from(c);
                while let Some(n) = chars.peek().copied().filter(|n| n.is_whitespace()) {
                    run.push(n);
                    chars.next();
                }
                if run.contains('\n') {
                    let trimmed = out.trim_end().len();
                    out.truncate(trimmed);
                    out.push(' ');
                } else {
                    out.push_str(&run);
                }
            }
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn tests_spread_over_lines_are_shown_on_one() {
        assert_eq!(one_line("a  in [x,\n      y]"), "a  in [x, y]");
        assert_eq!(one_line("a in [x, # first\n  y]"), "a in [x, y]");
        assert_eq!(one_line(r#"t == "a # b""#), r#"t == "a # b""#);
        assert_eq!(one_line(r#"t == "a \" # b""#), r#"t == "a \" # b""#);
        assert_eq!(one_line("t matches /a#b/i"), "t matches /a#b/i");
        assert_eq!(one_line("a / b # c\n > 2"), "a / b > 2");
    }
}
