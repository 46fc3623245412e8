//! Quality assurance: scorecards in YAML (sections of weighted criteria,
//! auto-fail criteria), scoring of evaluated interactions, per-agent trends
//! and calibration between evaluators who scored the same interaction.
//!
//! A scorecard:
//!
//! ```yaml
//! name: Voice QA
//! pass_mark: 80            # percent
//! sections:
//!   - id: opening
//!     title: Opening
//!     criteria:
//!       - id: greeting
//!         text: Used the standard greeting
//!         weight: 10       # points out of 100 over the whole card
//!         max_score: 1     # scale 0..max_score; default 1 (yes/no)
//!       - id: verify
//!         text: Verified the caller's identity
//!         weight: 0
//!         auto_fail: true  # scored 0 → the whole evaluation scores 0 and fails
//!         na_allowed: false
//! ```
//!
//! Scoring: a criterion scored `s` of `max_score` earns `weight · s / max_score`;
//! criteria marked `na` are left out of both the earned and the possible
//! points; the score is `100 · earned / possible`. An auto-fail criterion
//! scored 0 makes the score 0; an evaluation passes when it is not auto-failed
//! and its score is at least the pass mark.

use chrono::{Datelike, NaiveDate};
use indexmap::IndexMap;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use thiserror::Error;

/// A problem with a scorecard, naming the item.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScorecardProblem {
    /// The scorecard lists no sections.
    #[error("the scorecard has no sections")]
    NoSections,
    /// A section or criterion id is empty.
    #[error("{item} has an empty id")]
    EmptyId {
        /// Which item (e.g. "section 2", "criterion 3 of section `opening`").
        item: String,
    },
    /// Two sections share an id.
    #[error("section `{section}` appears more than once")]
    DuplicateSection {
        /// The section id.
        section: String,
    },
    /// A section lists no criteria.
    #[error("section `{section}` has no criteria")]
    EmptySection {
        /// The section id.
        section: String,
    },
    /// Two criteria share an id.
    #[error("criterion `{criterion}` appears more than once")]
    DuplicateCriterion {
        /// The criterion id.
        criterion: String,
    },
    /// A criterion weight is negative.
    #[error("criterion `{criterion}` has a negative weight ({weight})")]
    NegativeWeight {
        /// The criterion id.
        criterion: String,
        /// Its weight.
        weight: Decimal,
    },
    /// A criterion weighs nothing and is not auto-fail.
    #[error(
        "criterion `{criterion}` has weight 0 and is not auto-fail, so it can never change a score"
    )]
    ZeroWeight {
        /// The criterion id.
        criterion: String,
    },
    /// A criterion's scale does not reach above 0.
    #[error("criterion `{criterion}` has max_score {max_score}; it must be above 0")]
    BadMaxScore {
        /// The criterion id.
        criterion: String,
        /// Its maximum score.
        max_score: Decimal,
    },
    /// The weights do not add up to 100.
    #[error("the criterion weights add up to {total}, not 100 ({by_section})")]
    WeightsDoNotSum {
        /// Their total.
        total: Decimal,
        /// Subtotals per section, `id: total`.
        by_section: String,
    },
    /// The pass mark is not a percentage.
    #[error("pass_mark {pass_mark} is outside 0 to 100")]
    PassMarkOutOfRange {
        /// The pass mark.
        pass_mark: Decimal,
    },
}

/// Why a scorecard cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScorecardError {
    /// The YAML cannot be read (syntax, unknown or missing keys, types).
    #[error("the scorecard cannot be read: {message}")]
    Unreadable {
        /// The parser's message, with its line.
        message: String,
    },
    /// The scorecard reads but is inconsistent.
    #[error("the scorecard is invalid: {}", join(problems))]
    Invalid {
        /// Every problem found.
        problems: Vec<ScorecardProblem>,
    },
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScorecard {
    name: String,
    pass_mark: Decimal,
    sections: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    #[serde(default)]
    title: String,
    criteria: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    #[serde(default)]
    text: String,
    weight: Decimal,
    #[serde(default = "one")]
    max_score: Decimal,
    #[serde(default)]
    auto_fail: bool,
    #[serde(default)]
    na_allowed: bool,
}

fn one() -> Decimal {
    Decimal::ONE
}

/// One criterion of a scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    /// Its id, unique in the scorecard.
    pub id: String,
    /// What the evaluator checks.
    pub text: String,
    /// Points out of the card's 100.
    pub weight: Decimal,
    /// Top of the scale `0..=max_score`.
    pub max_score: Decimal,
    /// Scored 0, it fails the whole evaluation.
    pub auto_fail: bool,
    /// May be marked not applicable.
    pub na_allowed: bool,
}

/// A section of a scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Its id, unique in the scorecard.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its criteria.
    pub criteria: Vec<Criterion>,
}

/// A validated scorecard: ids unique, weights adding up to 100, scales
/// above 0, pass mark a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scorecard {
    name: String,
    pass_mark: Decimal,
    sections: Vec<Section>,
}

impl Scorecard {
    /// Read and validate a scorecard; every problem is reported, each naming
    /// its section or criterion.
    ///
    /// ```
    /// use aftersales::host::workforce::quality::{Scorecard, ScorecardError};
    /// let card = Scorecard::from_yaml(
    ///     "name: Voice\npass_mark: 80\nsections:\n  - id: all\n    criteria:\n\
    ///      \x20     - {id: greeting, weight: 40}\n      - {id: resolution, weight: 50}\n",
    /// );
    /// let Err(ScorecardError::Invalid { problems }) = card else { panic!() };
    /// assert_eq!(problems[0].to_string(), "the criterion weights add up to 90, not 100 (all: 90)");
    /// ```
    pub fn from_yaml(text: &str) -> Result<Self, ScorecardError> {
        let raw: RawScorecard =
            yaml_serde::from_str(text).map_err(|e| ScorecardError::Unreadable {
                message: e.to_string(),
            })?;
        let mut problems = Vec::new();
        if raw.pass_mark < Decimal::ZERO || raw.pass_mark > Decimal::ONE_HUNDRED {
            problems.push(ScorecardProblem::PassMarkOutOfRange {
                pass_mark: raw.pass_mark,
            });
        }
        if raw.sections.is_empty() {
            problems.push(ScorecardProblem::NoSections);
        }
        let mut section_ids = HashSet::new();
        let mut criterion_ids = HashSet::new();
        let mut total = Decimal::ZERO;
        let mut by_section = Vec::new();
        let mut sections = Vec::with_capacity(raw.sections.len());
        for (position, section) in raw.sections.into_iter().enumerate() {
            let id = section.id.trim().to_string();
            if id.is_empty() {
                problems.push(ScorecardProblem::EmptyId {
                    item: format!("section {}", position + 1),
                });
            } else if !section_ids.insert(id.clone()) {
                problems.push(ScorecardProblem::DuplicateSection {
                    section: id.clone(),
                });
            }
            if section.criteria.is_empty() {
                problems.push(ScorecardProblem::EmptySection {
                    section: id.clone(),
                });
            }
            let mut subtotal = Decimal::ZERO;
            let mut criteria = Vec::with_capacity(section.criteria.len());
            for (index, c) in section.criteria.into_iter().enumerate() {
                let cid = c.id.trim().to_string();
                if cid.is_empty() {
                    problems.push(ScorecardProblem::EmptyId {
                        item: format!("criterion {} of section `{id}`", index + 1),
                    });
                } else if !criterion_ids.insert(cid.clone()) {
                    problems.push(ScorecardProblem::DuplicateCriterion {
                        criterion: cid.clone(),
                    });
                }
                if c.weight < Decimal::ZERO {
                    problems.push(ScorecardProblem::NegativeWeight {
                        criterion: cid.clone(),
                        weight: c.weight,
                    });
                } else if c.weight.is_zero() && !c.auto_fail {
                    problems.push(ScorecardProblem::ZeroWeight {
                        criterion: cid.clone(),
                    });
                }
                if c.max_score <= Decimal::ZERO {
                    problems.push(ScorecardProblem::BadMaxScore {
                        criterion: cid.clone(),
                        max_score: c.max_score,
                    });
                }
                // Weights beyond Decimal's range cannot add up to 100: keep
                // the sum saturated rather than overflow.
                subtotal = subtotal.saturating_add(c.weight);
                criteria.push(Criterion {
                    id: cid,
                    text: c.text,
                    weight: c.weight,
                    max_score: c.max_score,
                    auto_fail: c.auto_fail,
                    na_allowed: c.na_allowed,
                });
            }
            total = total.saturating_add(subtotal);
            by_section.push(format!("{id}: {}", subtotal.normalize()));
            sections.push(Section {
                id,
                title: section.title,
                criteria,
            });
        }
        if !sections.is_empty() && total != Decimal::ONE_HUNDRED {
            problems.insert(
                0,
                ScorecardProblem::WeightsDoNotSum {
                    total: total.normalize(),
                    by_section: by_section.join(", "),
                },
            );
        }
        if !problems.is_empty() {
            return Err(ScorecardError::Invalid { problems });
        }
        Ok(Scorecard {
            name: raw.name,
            pass_mark: raw.pass_mark,
            sections,
        })
    }

    /// The scorecard's name.
    ///
    /// ```
    /// # use aftersales::host::workforce::quality::Scorecard;
    /// let card = Scorecard::from_yaml("name: Chat\npass_mark: 75\nsections: [{id: s, criteria: [{id: c, weight: 100}]}]")?;
    /// assert_eq!(card.name(), "Chat");
    /// # Ok::<(), aftersales::host::workforce::quality::ScorecardError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pass mark, a percentage.
    ///
    /// ```
    /// # use aftersales::host::workforce::quality::Scorecard;
    /// # use rust_decimal::Decimal;
    /// let card = Scorecard::from_yaml("name: Chat\npass_mark: 75\nsections: [{id: s, criteria: [{id: c, weight: 100}]}]")?;
    /// assert_eq!(card.pass_mark(), Decimal::from(75));
    /// # Ok::<(), aftersales::host::workforce::quality::ScorecardError>(())
    /// ```
    pub fn pass_mark(&self) -> Decimal {
        self.pass_mark
    }

    /// The sections, in order.
    ///
    /// ```
    /// # use aftersales::host::workforce::quality::Scorecard;
    /// let card = Scorecard::from_yaml("name: Chat\npass_mark: 75\nsections: [{id: s, criteria: [{id: c, weight: 100}]}]")?;
    /// assert_eq!(card.sections()[0].criteria[0].id, "c");
    /// # Ok::<(), aftersales::host::workforce::quality::ScorecardError>(())
    /// ```
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Score one evaluation; every problem is reported, each naming the
    /// evaluation and the criterion.
    ///
    /// ```
    /// use aftersales::host::workforce::quality::{read_evaluations, EvaluationFormat, Scorecard};
    /// let card = Scorecard::from_yaml(
    ///     "name: Voice\npass_mark: 80\nsections:\n  - id: call\n    criteria:\n\
    ///      \x20     - {id: greeting, weight: 40}\n      - {id: resolution, weight: 60, max_score: 5}\n",
    /// )?;
    /// let evals = read_evaluations(
    ///     "- {interaction: C1, agent: ann, evaluator: q1, date: 2024-03-04, scores: {greeting: 1, resolution: 4}}",
    ///     EvaluationFormat::Yaml,
    /// )?;
    /// let scored = card.score(evals[0].as_ref().unwrap()).unwrap();
    /// // 40 + 60 · 4/5 = 88 points of 100.
    /// assert_eq!(scored.score.to_string(), "88");
    /// assert!(scored.passed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn score(
        &self,
        evaluation: &Evaluation,
    ) -> Result<ScoredEvaluation, Vec<EvaluationProblem>> {
        let label = evaluation.label();
        let mut problems = Vec::new();
        let known: HashSet<&str> = self
            .sections
            .iter()
            .flat_map(|s| s.criteria.iter().map(|c| c.id.as_str()))
            .collect();
        for criterion in evaluation.scores.keys() {
            if !known.contains(criterion.as_str()) {
                problems.push(EvaluationProblem::UnknownCriterion {
                    evaluation: label.clone(),
                    criterion: criterion.clone(),
                });
            }
        }
        let mut earned = Decimal::ZERO;
        let mut possible = Decimal::ZERO;
        let mut auto_failed = Vec::new();
        let mut sections = IndexMap::new();
        for section in &self.sections {
            let (mut section_earned, mut section_possible) = (Decimal::ZERO, Decimal::ZERO);
            for c in &section.criteria {
                let problem = |make: fn(String, String) -> EvaluationProblem| {
                    make(label.clone(), c.id.clone())
                };
                match evaluation.scores.get(&c.id) {
                    None => problems.push(problem(|evaluation, criterion| {
                        EvaluationProblem::MissingScore {
                            evaluation,
                            criterion,
                        }
                    })),
                    Some(Score::NotApplicable) if !c.na_allowed => {
                        problems.push(problem(|evaluation, criterion| {
                            EvaluationProblem::NotApplicableNotAllowed {
                                evaluation,
                                criterion,
                            }
                        }))
                    }
                    Some(Score::NotApplicable) => {}
                    Some(Score::Points(points)) => {
                        if *points < Decimal::ZERO || *points > c.max_score {
                            problems.push(EvaluationProblem::OutOfRange {
                                evaluation: label.clone(),
                                criterion: c.id.clone(),
                                score: *points,
                                max_score: c.max_score,
                            });
                            continue;
                        }
                        if c.auto_fail && points.is_zero() {
                            auto_failed.push(c.id.clone());
                        }
                        // points / max_score ≤ 1 and weights sum to 100: no overflow.
                        section_earned += c.weight * (*points / c.max_score);
                        section_possible += c.weight;
                    }
                }
            }
            earned += section_earned;
            possible += section_possible;
            let percent = (!section_possible.is_zero())
                .then(|| section_earned * Decimal::ONE_HUNDRED / section_possible);
            sections.insert(section.id.clone(), percent.map(|p| p.normalize()));
        }
        if problems.is_empty() && possible.is_zero() {
            problems.push(EvaluationProblem::NothingToScore { evaluation: label });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let raw_score = (earned * Decimal::ONE_HUNDRED / possible).normalize();
        let score = if auto_failed.is_empty() {
            raw_score
        } else {
            Decimal::ZERO
        };
        Ok(ScoredEvaluation {
            id: evaluation.short_id(),
            interaction: evaluation.interaction.clone(),
            agent: evaluation.agent.clone(),
            evaluator: evaluation.evaluator.clone(),
            date: evaluation.date,
            passed: auto_failed.is_empty() && score >= self.pass_mark,
            score,
            raw_score,
            auto_failed,
            sections,
            scores: evaluation.scores.clone(),
        })
    }
}

/// The score given to one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Score {
    /// Points on the criterion's scale.
    Points(Decimal),
    /// Not applicable to this interaction (`na`).
    #[serde(serialize_with = "serialize_na")]
    NotApplicable,
}

fn serialize_na<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("na")
}

/// One evaluated interaction, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// 1-based position in its file.
    pub position: usize,
    /// Its id, if given.
    pub id: Option<String>,
    /// The interaction (call, chat) evaluated.
    pub interaction: String,
    /// The agent who handled it.
    pub agent: String,
    /// Who evaluated it.
    pub evaluator: String,
    /// When it was handled.
    pub date: NaiveDate,
    /// Score per criterion id, in file order.
    pub scores: IndexMap<String, Score>,
}

impl Evaluation {
    /// How problems name this evaluation: its id, or its position with
    /// interaction and evaluator.
    ///
    /// ```
    /// use aftersales::host::workforce::quality::{read_evaluations, EvaluationFormat};
    /// let e = read_evaluations("- {interaction: C1, agent: a, evaluator: q1, date: 2024-03-04, scores: {}}", EvaluationFormat::Yaml)?;
    /// assert_eq!(e[0].as_ref().unwrap().label(), "evaluation 1 (interaction C1 by q1)");
    /// # Ok::<(), aftersales::host::workforce::quality::UnreadableFile>(())
    /// ```
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("evaluation `{id}`"),
            None => format!(
                "evaluation {} (interaction {} by {})",
                self.position, self.interaction, self.evaluator
            ),
        }
    }

    /// Its id, or `#position` without one.
    ///
    /// ```
    /// use aftersales::host::workforce::quality::{read_evaluations, EvaluationFormat};
    /// let e = read_evaluations("- {interaction: C1, agent: a, evaluator: q1, date: 2024-03-04, scores: {}}", EvaluationFormat::Yaml)?;
    /// assert_eq!(e[0].as_ref().unwrap().short_id(), "#1");
    /// # Ok::<(), aftersales::host::workforce::quality::UnreadableFile>(())
    /// ```
    pub fn short_id(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("#{}", self.position))
    }
}

/// A problem with one evaluation, naming it and the criterion.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvaluationProblem {
    /// The entry cannot be read (missing key, bad date, bad score text).
    #[error("{evaluation}: {message}")]
    Malformed {
        /// Which evaluation.
        evaluation: String,
        /// What is wrong.
        message: String,
    },
    /// A score for a criterion the scorecard does not have.
    #[error("{evaluation}: unknown criterion `{criterion}`")]
    UnknownCriterion {
        /// Which evaluation.
        evaluation: String,
        /// The criterion id.
        criterion: String,
    },
    /// A criterion of the scorecard without a score.
    #[error("{evaluation}: criterion `{criterion}` is not scored")]
    MissingScore {
        /// Which evaluation.
        evaluation: String,
        /// The criterion id.
        criterion: String,
    },
    /// A score outside the criterion's scale.
    #[error("{evaluation}: criterion `{criterion}` scored {score}, outside 0 to {max_score}")]
    OutOfRange {
        /// Which evaluation.
        evaluation: String,
        /// The criterion id.
        criterion: String,
        /// The score given.
        score: Decimal,
        /// The top of the scale.
        max_score: Decimal,
    },
    /// `na` for a criterion that must be scored.
    #[error("{evaluation}: criterion `{criterion}` cannot be marked na")]
    NotApplicableNotAllowed {
        /// Which evaluation.
        evaluation: String,
        /// The criterion id.
        criterion: String,
    },
    /// Every weighted criterion is `na`.
    #[error("{evaluation}: every weighted criterion is na, so there is nothing to score")]
    NothingToScore {
        /// Which evaluation.
        evaluation: String,
    },
}

/// A file of evaluations that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct UnreadableFile {
    /// What is wrong, with its line where known.
    pub message: String,
}

/// The format of an evaluations file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationFormat {
    /// A YAML (or JSON) list of evaluations.
    Yaml,
    /// One JSON object per line.
    JsonLines,
}

#[derive(Deserialize)]
struct RawEvaluation {
    interaction: String,
    agent: String,
    evaluator: String,
    date: String,
    scores: IndexMap<String, yaml_serde::Value>,
}

fn score_of(value: &yaml_serde::Value) -> Option<Score> {
    match value {
        yaml_serde::Value::Number(n) => n.to_string().parse().ok().map(Score::Points),
        yaml_serde::Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("na") || s.eq_ignore_ascii_case("n/a") {
                Some(Score::NotApplicable)
            } else {
                s.parse().ok().map(Score::Points)
            }
        }
        _ => None,
    }
}

fn evaluation_from(
    position: usize,
    value: yaml_serde::Value,
) -> Result<Evaluation, EvaluationProblem> {
    let id = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
    let name = match &id {
        Some(id) => format!("evaluation `{id}`"),
        None => format!("evaluation {position}"),
    };
    let malformed = |message: String| EvaluationProblem::Malformed {
        evaluation: name.clone(),
        message,
    };
    let raw: RawEvaluation = yaml_serde::from_value(value).map_err(|e| malformed(e.to_string()))?;
    let date = NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d").map_err(|_| {
        malformed(format!(
            "`date` must be a date such as 2024-03-04 (got `{}`)",
            raw.date
        ))
    })?;
    let mut scores = IndexMap::with_capacity(raw.scores.len());
    for (criterion, v) in &raw.scores {
        let score = score_of(v).ok_or_else(|| {
            malformed(format!(
                "the score of `{criterion}` must be a number or na (got {})",
                yaml_serde::to_string(v).unwrap_or_default().trim()
            ))
        })?;
        scores.insert(criterion.clone(), score);
    }
    Ok(Evaluation {
        position,
        id,
        interaction: raw.interaction,
        agent: raw.agent,
        evaluator: raw.evaluator,
        date,
        scores,
    })
}

/// Read evaluations: a YAML list (`Yaml`; JSON arrays are YAML too) or JSON
/// Lines. A bad entry is an error in its place; only a file that is not a
/// list at all fails as a whole.
///
/// ```
/// use aftersales::host::workforce::quality::{read_evaluations, EvaluationFormat};
/// let e = read_evaluations(
///     "- {interaction: C1, agent: ann, evaluator: q1, date: 2024-03-04, scores: {greeting: 1, empathy: na}}\n\
///      - {interaction: C2, agent: ann, evaluator: q1, date: soon, scores: {}}\n",
///     EvaluationFormat::Yaml,
/// )?;
/// assert!(e[0].is_ok());
/// assert_eq!(
///     e[1].as_ref().unwrap_err().to_string(),
///     "evaluation 2: `date` must be a date such as 2024-03-04 (got `soon`)"
/// );
/// # Ok::<(), aftersales::host::workforce::quality::UnreadableFile>(())
/// ```
pub fn read_evaluations(
    text: &str,
    format: EvaluationFormat,
) -> Result<Vec<Result<Evaluation, EvaluationProblem>>, UnreadableFile> {
    match format {
        EvaluationFormat::Yaml => {
            let values: Vec<yaml_serde::Value> =
                yaml_serde::from_str(text).map_err(|e| UnreadableFile {
                    message: format!("expected a list of evaluations: {e}"),
                })?;
            Ok(values
                .into_iter()
                .enumerate()
                .map(|(i, v)| evaluation_from(i + 1, v))
                .collect())
        }
        EvaluationFormat::JsonLines => Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, line)| {
                // A JSON object on one line is a YAML flow mapping: one
                // reader for both keeps numbers as numbers.
                if !line.trim_start().starts_with('{') {
                    return Err(EvaluationProblem::Malformed {
                        evaluation: format!("evaluation on line {}", i + 1),
                        message: "expected a JSON object".into(),
                    });
                }
                yaml_serde::from_str::<yaml_serde::Value>(line)
                    .map_err(|e| EvaluationProblem::Malformed {
                        evaluation: format!("evaluation on line {}", i + 1),
                        message: e.to_string(),
                    })
                    .and_then(|v| evaluation_from(i + 1, v))
            })
            .collect()),
    }
}

/// A scored evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoredEvaluation {
    /// Its id, or `#position` without one.
    pub id: String,
    /// The interaction.
    pub interaction: String,
    /// The agent.
    pub agent: String,
    /// The evaluator.
    pub evaluator: String,
    /// When the interaction was handled.
    pub date: NaiveDate,
    /// Final score in percent (0 when auto-failed).
    pub score: Decimal,
    /// Score in percent before auto-fail.
    pub raw_score: Decimal,
    /// Not auto-failed and at least the pass mark.
    pub passed: bool,
    /// Auto-fail criteria scored 0.
    pub auto_failed: Vec<String>,
    /// Percent per section (`None` when all of it was `na`).
    pub sections: IndexMap<String, Option<Decimal>>,
    /// The scores given.
    pub scores: IndexMap<String, Score>,
}

/// The period trends are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// ISO week, labelled like `2024-W10`.
    Week,
    /// Calendar month, labelled like `2024-03`.
    Month,
}

impl Period {
    /// The label of the period containing `date`.
    ///
    /// ```
    /// use aftersales::host::workforce::quality::Period;
    /// use chrono::NaiveDate;
    /// let d = NaiveDate::from_ymd_opt(2024, 12, 30).unwrap();
    /// assert_eq!(Period::Week.label(d), "2025-W01");
    /// assert_eq!(Period::Month.label(d), "2024-12");
    /// ```
    pub fn label(self, date: NaiveDate) -> String {
        match self {
            Period::Week => {
                let week = date.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Period::Month => format!("{}-{:02}", date.year(), date.month()),
        }
    }
}

/// One agent's QA results in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The agent.
    pub agent: String,
    /// The period label.
    pub period: String,
    /// Evaluations in the period.
    pub evaluations: usize,
    /// Mean final score, percent.
    pub mean_score: f64,
    /// Share of evaluations passed.
    pub pass_rate: f64,
    /// Evaluations auto-failed.
    pub auto_fails: usize,
    /// Mean score minus the agent's previous period's (none for the first).
    pub change: Option<f64>,
}

fn as_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// Per-agent trends: for every agent (in order of first appearance) and
/// period (in time order), count, mean score, pass rate, auto-fails and
/// change from the previous period. Every evaluation counts, calibration
/// duplicates included.
///
/// ```
/// use aftersales::host::workforce::quality::*;
/// let card = Scorecard::from_yaml("name: C\npass_mark: 80\nsections: [{id: s, criteria: [{id: c, weight: 100, max_score: 10}]}]")?;
/// let evals = read_evaluations(
///     "- {interaction: A, agent: ann, evaluator: q, date: 2024-03-04, scores: {c: 7}}\n\
///      - {interaction: B, agent: ann, evaluator: q, date: 2024-03-05, scores: {c: 9}}\n\
///      - {interaction: C, agent: ann, evaluator: q, date: 2024-03-11, scores: {c: 10}}\n",
///     EvaluationFormat::Yaml,
/// )?;
/// let scored: Vec<_> = evals.iter().map(|e| card.score(e.as_ref().unwrap()).unwrap()).collect();
/// let t = trends(&scored, Period::Week);
/// assert_eq!((t[0].period.as_str(), t[0].mean_score, t[0].pass_rate), ("2024-W10", 80.0, 0.5));
/// assert_eq!(t[1].change, Some(20.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn trends(scored: &[ScoredEvaluation], period: Period) -> Vec<TrendPoint> {
    #[derive(Default)]
    struct Tally {
        count: usize,
        sum: Decimal,
        passes: usize,
        auto_fails: usize,
    }
    // Period labels (`2024-W10`, `2024-03`) sort in time order.
    let mut by_agent: IndexMap<&str, BTreeMap<String, Tally>> = IndexMap::new();
    for s in scored {
        let tally = by_agent
            .entry(s.agent.as_str())
            .or_default()
            .entry(period.label(s.date))
            .or_default();
        tally.count += 1;
        tally.sum += s.score;
        tally.passes += usize::from(s.passed);
        tally.auto_fails += usize::from(!s.auto_failed.is_empty());
    }
    let mut points = Vec::new();
    for (agent, periods) in by_agent {
        let mut previous: Option<f64> = None;
        for (label, t) in periods {
            let mean = as_f64(t.sum / Decimal::from(t.count));
            points.push(TrendPoint {
                agent: agent.to_string(),
                period: label,
                evaluations: t.count,
                mean_score: mean,
                pass_rate: t.passes as f64 / t.count as f64,
                auto_fails: t.auto_fails,
                change: previous.map(|p| mean - p),
            });
            previous = Some(mean);
        }
    }
    points
}

/// Evaluators' scores of one interaction scored more than once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationGroup {
    /// The interaction.
    pub interaction: String,
    /// Each evaluator's final score, in file order.
    pub scores: Vec<EvaluatorScore>,
    /// Mean score.
    pub mean: f64,
    /// Highest minus lowest score.
    pub range: f64,
    /// Sample variance of the scores (divisor n − 1).
    pub variance: f64,
    /// Sample standard deviation.
    pub std_dev: f64,
    /// Whether every evaluator reached the same pass/fail verdict.
    pub verdicts_agree: bool,
    /// Criteria the evaluators scored differently (`na` counts as a score).
    pub disagreements: Vec<String>,
    /// Whether the range is within the tolerance.
    pub within_tolerance: bool,
}

/// One evaluator's score of a calibration interaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluatorScore {
    /// The evaluator.
    pub evaluator: String,
    /// Their final score, percent.
    pub score: f64,
}

/// How one evaluator scores relative to the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluatorBias {
    /// The evaluator.
    pub evaluator: String,
    /// Calibration interactions they scored.
    pub interactions: usize,
    /// Mean of (their score − the interaction's mean): positive is lenient.
    pub mean_deviation: f64,
    /// Mean of |their score − the interaction's mean|.
    pub mean_absolute_deviation: f64,
}

/// Calibration between evaluators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Interactions scored by at least two evaluators, in order of first appearance.
    pub groups: Vec<CalibrationGroup>,
    /// Per evaluator, in order of first appearance.
    pub evaluators: Vec<EvaluatorBias>,
    /// Mean of the groups' variances (none without groups).
    pub mean_variance: Option<f64>,
    /// Groups whose range exceeds the tolerance.
    pub outside_tolerance: usize,
}

/// Calibration of evaluators who scored the same interaction: per
/// interaction the mean, range, sample variance and standard deviation of
/// the final scores, whether the verdicts agree, which criteria were scored
/// differently and whether the range is within `tolerance` points; per
/// evaluator the signed and absolute mean deviation from the interactions'
/// means. Only interactions with scores from at least two different
/// evaluators count.
///
/// ```
/// use aftersales::host::workforce::quality::*;
/// let card = Scorecard::from_yaml("name: C\npass_mark: 80\nsections: [{id: s, criteria: [{id: c, weight: 100, max_score: 10}]}]")?;
/// let evals = read_evaluations(
///     "- {interaction: A, agent: ann, evaluator: q1, date: 2024-03-04, scores: {c: 8}}\n\
///      - {interaction: A, agent: ann, evaluator: q2, date: 2024-03-04, scores: {c: 9}}\n",
///     EvaluationFormat::Yaml,
/// )?;
/// let scored: Vec<_> = evals.iter().map(|e| card.score(e.as_ref().unwrap()).unwrap()).collect();
/// let c = calibration(&scored, 5.0);
/// // Scores 80 and 90: mean 85, sample variance ((−5)² + 5²) / 1 = 50.
/// assert_eq!((c.groups[0].mean, c.groups[0].variance), (85.0, 50.0));
/// assert_eq!(c.evaluators[0].mean_deviation, -5.0);
/// assert_eq!(c.outside_tolerance, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn calibration(scored: &[ScoredEvaluation], tolerance: f64) -> Calibration {
    let mut by_interaction: IndexMap<&str, Vec<&ScoredEvaluation>> = IndexMap::new();
    for s in scored {
        by_interaction
            .entry(s.interaction.as_str())
            .or_default()
            .push(s);
    }
    let mut groups = Vec::new();
    let mut bias: IndexMap<&str, (usize, f64, f64)> = IndexMap::new();
    for (interaction, evaluations) in by_interaction {
        let evaluators: HashSet<&str> = evaluations.iter().map(|e| e.evaluator.as_str()).collect();
        if evaluators.len() < 2 {
            continue;
        }
        let scores: Vec<f64> = evaluations.iter().map(|e| as_f64(e.score)).collect();
        let n = scores.len() as f64;
        let mean = scores.iter().sum::<f64>() / n;
        let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
        let mut disagreements: Vec<String> = Vec::new();
        for e in &evaluations {
            for criterion in e.scores.keys() {
                let first = evaluations[0].scores.get(criterion);
                if !disagreements.contains(criterion)
                    && evaluations
                        .iter()
                        .any(|other| other.scores.get(criterion) != first)
                {
                    disagreements.push(criterion.clone());
                }
            }
        }
        for (e, score) in evaluations.iter().zip(&scores) {
            let entry = bias.entry(e.evaluator.as_str()).or_default();
            entry.0 += 1;
            entry.1 += score - mean;
            entry.2 += (score - mean).abs();
        }
        groups.push(CalibrationGroup {
            interaction: interaction.to_string(),
            scores: evaluations
                .iter()
                .zip(&scores)
                .map(|(e, s)| EvaluatorScore {
                    evaluator: e.evaluator.clone(),
                    score: *s,
                })
                .collect(),
            mean,
            range: max - min,
            variance,
            std_dev: variance.sqrt(),
            verdicts_agree: evaluations
                .iter()
                .all(|e| e.passed == evaluations[0].passed),
            disagreements,
            within_tolerance: max - min <= tolerance,
        });
    }
    let mean_variance = (!groups.is_empty())
        .then(|| groups.iter().map(|g| g.variance).sum::<f64>() / groups.len() as f64);
    Calibration {
        outside_tolerance: groups.iter().filter(|g| !g.within_tolerance).count(),
        evaluators: bias
            .into_iter()
            .map(|(evaluator, (count, signed, absolute))| EvaluatorBias {
                evaluator: evaluator.to_string(),
                interactions: count,
                mean_deviation: signed / count as f64,
                mean_absolute_deviation: absolute / count as f64,
            })
            .collect(),
        groups,
        mean_variance,
    }
}
