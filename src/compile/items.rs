//! The clauses of domain items compiled as rules are (LANGUAGE.md §5.3, §5.8, §5.9): a
//! warranty's `when`, `covers` and `excludes`, a recall's `affects`, a report's or an
//! opportunity's `when`. Each kind of clause of an item decision becomes a clause set: a
//! `collect` decision whose rules are the clauses, one per item that has one, compiled
//! into the same DAG or bit-vector leaf as any decision. The engine asks a set for every
//! clause that holds at once (`eval::items` then does what the items mean with them); on
//! an error, or when an explanation is recorded, it reads the clauses one by one instead.

use super::{Budget, CompiledDecision};
use crate::check::ir::{CheckedDecision, CheckedRule, Ir, ItemKind};
use crate::dsl::ast::HitPolicy;
use crate::types::Env;

/// One kind of clause of an item decision, compiled.
#[derive(Debug, Clone)]
pub(crate) struct ClauseSet {
    /// The clauses as the rules of a `collect` decision (what the compiled form's
    /// residuals and fall-back scan read).
    pub(crate) decision: CheckedDecision,
    /// The compiled form.
    pub(crate) compiled: CompiledDecision,
    /// For each rule of `decision`, the item (its place in the item's list) it is the
    /// clause of.
    pub(crate) items: Vec<u32>,
}

/// The clause sets of one item decision, in the order its kind reads them: coverage
/// `when`, `covers`, `excludes`; recalls `affects`; reports and opportunities `when`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledItem {
    pub(crate) sets: Vec<ClauseSet>,
}

/// The clause sets of an item decision; `None` for kinds whose clauses are not compiled
/// (recovery splits and routes, which stop at the first that applies or are rules).
pub(crate) fn compile(
    kind: &ItemKind,
    name: &str,
    span: crate::diag::Span,
    env: &Env,
    text: &dyn Fn(&Ir) -> String,
    budget: Budget,
) -> Option<CompiledItem> {
    let set = |clauses: Vec<(u32, &str, &Ir)>| -> ClauseSet {
        let rules = clauses
            .iter()
            .map(|(_, id, ir)| CheckedRule {
                id: (*id).to_string(),
                span: ir.span,
                priority: 0,
                effective: None,
                when: (*ir).clone(),
                then: Vec::new(),
            })
            .collect();
        let decision = CheckedDecision {
            name: name.to_string(),
            span,
            hit: HitPolicy::Collect(None),
            outputs: Vec::new(),
            rules,
            otherwise: None,
        };
        let compiled = CompiledDecision::build(&decision, env, text, budget);
        ClauseSet {
            decision,
            compiled,
            items: clauses.iter().map(|(k, _, _)| *k).collect(),
        }
    };
    let of = |list: Vec<(u32, &str, Option<&Ir>)>| {
        set(list
            .into_iter()
            .filter_map(|(k, id, ir)| Some((k, id, ir?)))
            .collect())
    };
    let sets = match kind {
        ItemKind::Coverage(c) => {
            let clause = |pick: fn(&crate::check::ir::CheckedWarranty) -> Option<&Ir>| {
                of(c.policies
                    .iter()
                    .enumerate()
                    .map(|(k, w)| (k as u32, w.id.as_str(), pick(w)))
                    .collect())
            };
            vec![
                clause(|w| w.when.as_ref()),
                clause(|w| w.covers.as_ref()),
                clause(|w| w.excludes.as_ref()),
            ]
        }
        ItemKind::Recalls(list) => vec![of(list
            .iter()
            .enumerate()
            .map(|(k, r)| (k as u32, r.id.as_str(), r.affects.as_ref()))
            .collect())],
        ItemKind::Reports(list) => vec![of(list
            .iter()
            .enumerate()
            .map(|(k, r)| (k as u32, r.id.as_str(), r.when.as_ref()))
            .collect())],
        ItemKind::Opportunities(list) => vec![of(list
            .iter()
            .enumerate()
            .map(|(k, o)| (k as u32, o.id.as_str(), o.when.as_ref()))
            .collect())],
        ItemKind::Recovery(_) | ItemKind::Route(_) | ItemKind::Segment(_) | ItemKind::Refund(_) => {
            return None
        }
    };
    Some(CompiledItem { sets })
}
