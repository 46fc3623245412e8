//! The load pipeline, one direction: parse ([`crate::dsl`]) → check ([`crate::check`]) →
//! compile ([`crate::compile`]) → analyse ([`crate::compile::analysis`]). The stages never
//! call the ones after them; this module strings them together for [`crate::RuleSet`],
//! `aftersales check` and the tests.

use crate::check::{check_full, with_prelude, Checked};
use crate::compile::{Budget, Program};
use crate::diag::{Diagnostics, SourceMap};
use crate::dsl::Parsed;
use crate::types::Env;

/// Load a rule set from a folder or file, prelude first, and check it.
pub fn check_path(path: &std::path::Path) -> (Parsed, Env, Diagnostics) {
    let mut parsed = with_prelude();
    crate::dsl::load_path_into(&mut parsed, path);
    let (env, diags) = check(&parsed);
    (parsed, env, diags)
}

/// Parse rule files held in memory (sorted by name, prelude first) and check them.
pub fn check_sources<I>(sources: I) -> (Parsed, Env, Diagnostics)
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut parsed = with_prelude();
    crate::dsl::parse_sources_into(&mut parsed, sources);
    let (env, diags) = check(&parsed);
    (parsed, env, diags)
}

/// Check a parsed rule set whose first file is the prelude. Returns the environment and
/// every diagnostic (syntax ones included, and the analyses of [`check_compiled`]), sorted
/// by place.
pub fn check(parsed: &Parsed) -> (Env, Diagnostics) {
    let (checked, _, diags) = check_compiled(parsed);
    (checked.env, diags)
}

/// As [`check_full`]; then, if there are no errors, compile every decision (once: the
/// program is returned for the caller to keep) and analyse the DAGs for unreachable
/// rules, gaps and overlaps ([`crate::compile::analysis`], codes `E0301`–`E0303`). The
/// program is `None` when checking found errors.
///
/// ```
/// let (parsed, _, _) = aftersales::load::check_sources(Vec::<(String, String)>::new());
/// let (checked, program, diags) = aftersales::load::check_compiled(&parsed);
/// assert!(program.is_some() && diags.is_empty());
/// # let _ = checked;
/// ```
pub fn check_compiled(parsed: &Parsed) -> (Checked, Option<Program>, Diagnostics) {
    let (checked, diags) = check_full(parsed);
    let (program, diags) = compile_checked(&checked, &parsed.map, diags, &Stages::default());
    (checked, program, diags)
}

/// What the load does after checking: the compiler's budget, and whether the static
/// analyses run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stages {
    pub(crate) budget: Budget,
    pub(crate) analyses: bool,
}

impl Default for Stages {
    fn default() -> Stages {
        Stages {
            budget: Budget::default(),
            analyses: true,
        }
    }
}

/// The second half of [`check_compiled`], for a caller that drops the syntax trees once
/// [`check_full`] is done with them: unless `diags` (from [`check_full`]) has errors,
/// compile every decision and (unless told not to) add the analyses' findings.
pub(crate) fn compile_checked(
    checked: &Checked,
    map: &SourceMap,
    mut diags: Diagnostics,
    stages: &Stages,
) -> (Option<Program>, Diagnostics) {
    if diags.has_errors() {
        return (None, diags);
    }
    let program = Program::compile_with_budget(checked, map, stages.budget);
    if stages.analyses {
        let findings = crate::compile::analysis::analyse(checked, &program);
        diags.extend(crate::compile::analysis::diagnostics(&findings));
    }
    diags.sort();
    (Some(program), diags)
}
