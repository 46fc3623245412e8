//! [`Verdict`]: a decision's result in storage the caller keeps, for the allocation-free
//! path ([`crate::RuleSet::decide_into`]).

use super::items::Outcome;
use super::output::{FromOutput, Output, OutputError};
use super::Decision;
use crate::RuleSet;

/// The result of one decision, decided into storage the caller keeps and reuses
/// ([`RuleSet::decide_into`]): its outputs' values by position and the rules that gave
/// them by position, so that deciding allocates nothing once the storage has grown to the
/// decision's size. Read it with the rule set that decided it: outputs by name or
/// position, typed as [`crate::Decision::get`] reads them; rules by name.
///
/// ```
/// use aftersales::{RuleSet, Verdict};
/// let rules = RuleSet::from_sources([("d.rules".to_string(), r#"
///     decision offer {
///       output action: enum { accept, review } = accept
///       output credit: money = USD 0
///       rule big when has customer.lifetime_value and customer.lifetime_value > USD 10000
///         then action = review, credit = USD 25.50
///     }"#.to_string())]).unwrap();
/// let offer = rules.handle("offer").unwrap();
/// let action = rules.output_index(offer, "action").unwrap();
/// let mut verdict = Verdict::new();
/// for value in ["USD 12000", "USD 50"] {
///     let facts = rules.facts_from_json(&format!(
///         r#"{{"customer": {{"id": "K1", "lifetime_value": "{value}"}}}}"#)).unwrap();
///     rules.decide_into(offer, &facts, &mut verdict).unwrap();
///     let name: &str = verdict.get_at(&rules, action).unwrap();
///     assert_eq!(name, if value == "USD 12000" { "review" } else { "accept" });
/// }
/// // the last one matched no rule
/// assert!(verdict.no_match() && verdict.rules(&rules).count() == 0);
/// assert_eq!(verdict.to_decision(&rules).unwrap().to_string(),
///     r#"{"id":null,"decision":"offer","outputs":{"action":"accept","credit":"USD 0.00"},"rules":[],"no_match":true}"#);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Verdict {
    /// The decision's index in its rule set, and that rule set's serial.
    pub(crate) decision: Option<(u32, u64)>,
    pub(crate) outcome: Outcome,
    /// Scratch: the rules that matched.
    pub(crate) matched: Vec<usize>,
}

impl Verdict {
    /// Empty storage; it grows to the size of the decisions decided into it.
    pub fn new() -> Verdict {
        Verdict::default()
    }

    /// Whether nothing matched (and no `otherwise` stood in).
    pub fn no_match(&self) -> bool {
        self.outcome.no_match
    }

    /// The raw value of output `k` (in declaration order), if set. Enum variants and
    /// codes are indices: read them by name with [`Verdict::get_at`].
    pub fn value(&self, k: usize) -> Option<&crate::Value> {
        self.outcome.values.get(k).and_then(Option::as_ref)
    }

    /// How many outputs the decision has.
    pub fn len(&self) -> usize {
        self.outcome.values.len()
    }

    /// Whether the decision has no outputs (nothing was decided into it yet).
    pub fn is_empty(&self) -> bool {
        self.outcome.values.is_empty()
    }

    /// The decision this verdict holds, checked against `rules`.
    fn index(&self, rules: &RuleSet) -> Result<usize, OutputError> {
        match self.decision {
            Some((i, serial)) if serial == rules.serial() => Ok(i as usize),
            Some(_) => Err(OutputError::Verdict(
                "was decided by another rule set: read it with the rule set that decided it",
            )),
            None => Err(OutputError::Verdict(
                "holds no decision (nothing decided into it yet, or the last decision failed)",
            )),
        }
    }

    /// Output `k` with its type, to read as [`Output`] does.
    pub fn output_at<'r>(
        &'r self,
        rules: &'r RuleSet,
        k: usize,
    ) -> Result<Output<'r>, OutputError> {
        let i = self.index(rules)?;
        let checked = rules.checked();
        match super::output_type(checked, i, k) {
            Some(ty) => Ok(Output::new(self.value(k), ty, &checked.env)),
            None => Err(OutputError::UnknownOutput {
                decision: checked.names.get(i).cloned().unwrap_or_default(),
                name: format!("#{k}"),
                help: format!("; the decision has {} outputs", self.len()),
            }),
        }
    }

    /// Output `k` as a Rust type ([`FromOutput`]), as [`crate::Decision::get`] reads
    /// it: enum variants and codes by name.
    pub fn get_at<'r, T: FromOutput<'r>>(
        &'r self,
        rules: &'r RuleSet,
        k: usize,
    ) -> Result<T, OutputError> {
        let out = self.output_at(rules, k)?;
        let name = || {
            super::engine::output_names(rules.checked(), self.decision.map_or(0, |d| d.0 as usize))
                .nth(k)
                .unwrap_or("")
                .to_string()
        };
        let decision = || {
            rules
                .checked()
                .names
                .get(self.decision.map_or(0, |d| d.0 as usize))
                .cloned()
                .unwrap_or_default()
        };
        match T::from_output(out.clone()) {
            Some(v) => Ok(v),
            None if out.raw().is_none() => Err(OutputError::Absent {
                decision: decision(),
                name: name(),
            }),
            None => Err(OutputError::WrongType {
                decision: decision(),
                name: name(),
                wanted: T::WANTED,
                found: out.found(),
            }),
        }
    }

    /// Output `name` as a Rust type (the name looked up among the decision's outputs;
    /// resolve it once with [`RuleSet::output_index`] and use [`Verdict::get_at`] where
    /// every nanosecond counts).
    pub fn get<'r, T: FromOutput<'r>>(
        &'r self,
        rules: &'r RuleSet,
        name: &str,
    ) -> Result<T, OutputError> {
        let i = self.index(rules)?;
        let k = rules.output_index_of(i, name)?;
        self.get_at(rules, k)
    }

    /// The rules (or items) whose outputs were used, by name.
    pub fn rules<'r>(&'r self, rules: &'r RuleSet) -> impl Iterator<Item = &'r str> + 'r {
        let i = self.index(rules).ok();
        self.outcome
            .rules
            .iter()
            .filter_map(move |k| Some(super::items::rule_name(rules.checked(), i?, *k)))
    }

    /// The result as a [`Decision`] (names and all), as [`RuleSet::decide_with`] gives
    /// it but without the bundle's id (the verdict does not keep it: set it from
    /// `facts.id()` where wanted). An error for a verdict of another rule set, or one
    /// that holds no decision.
    pub fn to_decision(&self, rules: &RuleSet) -> Result<Decision, OutputError> {
        let i = self.index(rules)?;
        Ok(
            super::engine::named(rules.checked(), i, self.outcome.clone())
                .with_types(rules.types()),
        )
    }
}
