//! [`RuleSet`]: a loaded and checked rule set, the library's entry point.

use crate::check;
use crate::compile::Program;
use crate::diag::{Diagnostics, SourceMap};
use crate::dsl::Parsed;
use crate::types::Env;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A rule set that parsed and checked without errors: immutable, `Send + Sync`, cheap to
/// share in an [`Arc`]. To reload, build a new one and swap the `Arc`; readers holding
/// the old one keep a consistent rule set.
///
/// ```
/// use aftersales::RuleSet;
/// let rules = RuleSet::from_sources([(
///     "adjudicate.rules".to_string(),
///     r#"decision adjudicate {
///          output action: enum { accept, reject } = accept
///          rule late when has claim.submitted_date
///                         and claim.submitted_date > claim.repair_date + 30 days
///            then action = reject
///        }"#
///         .to_string(),
/// )])
/// .unwrap();
/// assert!(rules.has_decision("adjudicate"));
///
/// let broken = RuleSet::from_sources([(
///     "a.rules".to_string(),
///     "decision d { output x: int = 0 rule r when claim.odometr > 5 mi then x = 1 }".to_string(),
/// )]);
/// let err = broken.unwrap_err();
/// assert_eq!(err.as_slice()[0].code.as_str(), "E0201");
/// assert!(err.to_string().contains("a.rules:1:50"), "{err}");
/// ```
///
/// Hot reload: a service keeps the rule set in an `Arc` behind a lock, builds the new one
/// aside (a rule set with errors never replaces a good one) and swaps it in; requests that
/// took the old `Arc` finish on it, later requests see the new one.
///
/// ```
/// use aftersales::{RuleSet, facts::Facts};
/// use std::sync::{Arc, RwLock};
/// let v1 = r#"decision discount { output pct: percent = 0%
///     rule gold when has customer.tier and customer.tier == "gold" then pct = 10% }"#;
/// let live = Arc::new(RwLock::new(Arc::new(
///     RuleSet::from_sources([("d.rules".to_string(), v1.to_string())]).unwrap(),
/// )));
/// let current = || live.read().map(|g| Arc::clone(&g)).unwrap();
/// let before = current(); // a request in flight holds the old rules
///
/// // a broken edit is refused and the live rules stay
/// let broken = RuleSet::from_sources([("d.rules".to_string(), "decision discount {".to_string())]);
/// assert!(broken.is_err());
///
/// let v2 = v1.replace("10%", "15%");
/// let next = Arc::new(RuleSet::from_sources([("d.rules".to_string(), v2)]).unwrap());
/// *live.write().unwrap() = next;
///
/// let facts = |r: &RuleSet| Facts::from_json_str(r.env(),
///     r#"{"customer": {"id": "K1", "tier": "gold"}}"#).unwrap();
/// let pct = |r: &RuleSet| r.decide("discount", &facts(r)).unwrap().to_json(r.checked())["outputs"]["pct"].clone();
/// assert_eq!(pct(&before), "10%");
/// assert_eq!(pct(&current()), "15%");
/// ```
#[derive(Debug, Clone)]
pub struct RuleSet {
    sources: Arc<SourceMap>,
    /// The syntax trees, parsed again from `sources` when first asked for (loading drops
    /// them before compiling); shared by clones.
    files: Arc<OnceLock<Vec<crate::dsl::ast::RuleFile>>>,
    checked: Arc<check::Checked>,
    decisions: Vec<String>,
    warnings: Diagnostics,
    program: Arc<Program>,
    /// Tells this rule set's decision handles from another's.
    serial: u64,
    /// Where `context.today` and `context.now` come from when the facts lack them.
    clock: Clock,
}

/// Where a rule set takes `context.today` and `context.now` from when a bundle (and the
/// host) did not set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// Nowhere: a rule that reads them fails with `missing_context` (evaluation stays pure;
    /// the host sets them with `Facts::with_today` / `with_now`).
    #[default]
    None,
    /// The system clock at each decision (`today` is its UTC date).
    System,
    /// A fixed instant (`today` is its date in its own offset): replays and tests.
    Fixed(chrono::DateTime<chrono::FixedOffset>),
}

/// How a rule set is loaded ([`RuleSet::options`]): what runs after checking and the
/// clock it decides with. The defaults are those of [`RuleSet::load`].
///
/// ```
/// use aftersales::{Clock, RuleSet};
/// let text = r#"decision d { output x: int = 0
///     rule spring effective 2026-03-01..2026-05-31 when customer.id != "" then x = 1 }"#;
/// let source = || [("d.rules".to_string(), text.to_string())];
/// // `check` and CI run the analyses; a service reloading on a change may skip them
/// let checked = RuleSet::from_sources(source()).unwrap();
/// assert_eq!(checked.warnings().warning_count(), 1); // a gap: no `otherwise`
/// let fast = RuleSet::options().analyses(false).from_sources(source()).unwrap();
/// assert_eq!(fast.warnings().warning_count(), 0);
///
/// // a clock fills `context.today` where the bundle and the host did not
/// let at = chrono::DateTime::parse_from_rfc3339("2026-04-01T09:00:00Z").unwrap();
/// let clocked = RuleSet::options().clock(Clock::Fixed(at)).from_sources(source()).unwrap();
/// let facts = clocked.facts_from_json(r#"{"customer": {"id": "K1"}}"#).unwrap();
/// assert_eq!(clocked.decide("d", &facts).unwrap().rules, ["spring"]);
/// // the same rules without a clock: the bundle has no day
/// assert_eq!(fast.decide("d", &facts).unwrap_err().code(), "missing_context");
/// ```
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    stages: crate::load::Stages,
    clock: Clock,
}

impl LoadOptions {
    /// The defaults: analyses on, the compiler's budgets scaled to each decision, no clock.
    pub fn new() -> LoadOptions {
        LoadOptions::default()
    }

    /// Whether the static analyses (unreachable rules, gaps, overlaps) run. They are on
    /// by default and always on in `aftersales check` and `test`; a service reloading
    /// rules that CI checked may turn them off to load faster (overlaps proven by the
    /// analyses are then not errors at load: at run time two matches of a `unique`
    /// decision are still an error).
    pub fn analyses(mut self, on: bool) -> LoadOptions {
        self.stages.analyses = on;
        self
    }

    /// The most nodes one decision's DAG may have before the rest is a bit-vector leaf
    /// (0: scaled to the decision, 4,096 plus 4 per rule).
    pub fn node_budget(mut self, nodes: usize) -> LoadOptions {
        self.stages.budget.nodes = nodes;
        self
    }

    /// The most work (live-row entries) building one decision's DAG may take (0: scaled,
    /// 100,000 plus 16 per rule).
    pub fn work_budget(mut self, work: usize) -> LoadOptions {
        self.stages.budget.work = work;
        self
    }

    /// Where `context.today` and `context.now` come from when the facts lack them.
    pub fn clock(mut self, clock: Clock) -> LoadOptions {
        self.clock = clock;
        self
    }

    /// Load a folder of `.rules` files (or one file) with these options.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<RuleSet, Diagnostics> {
        let mut parsed = check::with_prelude();
        crate::dsl::load_path_into(&mut parsed, path.as_ref());
        RuleSet::finish(parsed, self)
    }

    /// Build a rule set from files held in memory with these options (see
    /// [`RuleSet::from_sources`]).
    pub fn from_sources<I>(&self, sources: I) -> Result<RuleSet, Diagnostics>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut parsed = check::with_prelude();
        crate::dsl::parse_sources_into(&mut parsed, sources);
        RuleSet::finish(parsed, self)
    }
}

/// A decision of one [`RuleSet`], resolved once by name so that hot loops skip the lookup.
///
/// ```
/// use aftersales::{RuleSet, facts::Facts};
/// let rules = RuleSet::from_sources([("a.rules".to_string(), r#"
///     decision vip {
///       output yes: bool = false
///       rule big when has customer.lifetime_value and customer.lifetime_value > USD 10000
///         then yes = true
///     }"#.to_string())]).unwrap();
/// let vip = rules.handle("vip").unwrap();
/// let facts = Facts::from_json_str(rules.env(),
///     r#"{"customer": {"id": "K1", "lifetime_value": "USD 12000"}}"#).unwrap();
/// assert_eq!(rules.decide_with(vip, &facts).unwrap().rules, ["big"]);
/// assert!(rules.handle("vpi").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecisionHandle {
    index: u32,
    serial: u64,
}

static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleSet>();
};

impl RuleSet {
    /// Load a rule set from a folder of `.rules` files (or one file), prelude first, and
    /// check it. Errors (and the warnings found with them) come back as [`Diagnostics`]
    /// whose `Display` renders each with its place.
    pub fn load(path: impl AsRef<Path>) -> Result<RuleSet, Diagnostics> {
        LoadOptions::new().load(path)
    }

    /// Options for loading: skip the static analyses on a hot reload, bound the compiler,
    /// give the rule set a clock. See [`LoadOptions`].
    pub fn options() -> LoadOptions {
        LoadOptions::new()
    }

    /// Build a rule set from files held in memory (a host that keeps rules in a
    /// database): `(name, text)` pairs, loaded in sorted name order after the prelude.
    /// A name ending in `.csv` is a code table's data, not a rule file: `codes t from
    /// "ops.csv"` finds it by its path beside the rule file that names it (or by the
    /// name written), before looking on disk.
    ///
    /// ```
    /// use aftersales::RuleSet;
    /// let rules = RuleSet::from_sources([
    ///     ("policy/ops.rules".to_string(), r#"
    ///         codes fault "Faults" { P0301 "Misfire" {} }
    ///         codes labor_op "Labour operations" from "ops.csv" { attributes { standard_hours: decimal } }
    ///         decision over { output x: bool = false
    ///           rule r when has claim.labor_op and has claim.labor_hours
    ///                       and claim.labor_hours > claim.labor_op.standard_hours then x = true }"#.to_string()),
    ///     ("policy/ops.csv".to_string(), "code,title,standard_hours\n10-2301,Replace coil,0.8\n".to_string()),
    /// ]).unwrap();
    /// let facts = rules.facts_from_json(r#"{"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-01-10",
    ///     "labor_op": "10-2301", "labor_hours": 1.5}}"#).unwrap();
    /// assert!(rules.decide("over", &facts).unwrap().get::<bool>("x").unwrap());
    /// ```
    pub fn from_sources<I>(sources: I) -> Result<RuleSet, Diagnostics>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        LoadOptions::new().from_sources(sources)
    }

    fn finish(parsed: Parsed, options: &LoadOptions) -> Result<RuleSet, Diagnostics> {
        let (checked, diags) = check::check_full(&parsed);
        // Compiling needs the checked IR and the sources only: the syntax trees go first,
        // so that they and the compiled program are never in memory together.
        // [`RuleSet::files`] parses the sources again if it is asked for them.
        let Parsed {
            map,
            files,
            diagnostics,
        } = parsed;
        drop((files, diagnostics));
        let sources = Arc::new(map);
        let (program, diags) =
            crate::load::compile_checked(&checked, &sources, diags, &options.stages);
        let diags = diags.with_sources(Arc::clone(&sources));
        let program = match program {
            Some(p) if !diags.has_errors() => Arc::new(p),
            _ => return Err(diags),
        };
        Ok(RuleSet {
            sources,
            files: Arc::default(),
            decisions: checked.names.clone(),
            program,
            checked: Arc::new(checked),
            warnings: diags,
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            clock: options.clock,
        })
    }

    /// The facts with `context.today` and `context.now` from the rule set's clock where
    /// neither the bundle nor the host gave them; the facts as they are without a clock.
    fn clocked<'f>(
        &self,
        facts: &'f crate::facts::Facts,
    ) -> std::borrow::Cow<'f, crate::facts::Facts> {
        let now = match self.clock {
            Clock::None => return std::borrow::Cow::Borrowed(facts),
            _ if facts.today().is_some() && facts.now().is_some() => {
                return std::borrow::Cow::Borrowed(facts)
            }
            Clock::System => chrono::Utc::now().fixed_offset(),
            Clock::Fixed(t) => t,
        };
        std::borrow::Cow::Owned(facts.clone().with_context_defaults(now))
    }

    /// Evaluate decision `name` for one validated bundle, through the compiled decision DAG
    /// (dependent decisions too, each once per bundle). The answer is the reference
    /// interpreter's, errors included: property tests hold the two to each other.
    pub fn decide(
        &self,
        name: &str,
        facts: &crate::facts::Facts,
    ) -> Result<crate::eval::Decision, crate::eval::EvalError> {
        let h = self.handle(name)?;
        self.decide_with(h, facts)
    }

    /// Resolve a decision by name once, for [`RuleSet::decide_with`]. An unknown name is
    /// an error that suggests the closest.
    pub fn handle(&self, name: &str) -> Result<DecisionHandle, crate::eval::EvalError> {
        match self.decisions.iter().position(|d| d == name) {
            Some(i) => Ok(DecisionHandle {
                index: i as u32,
                serial: self.serial,
            }),
            None => Err(crate::eval::EvalError::unknown_decision(
                name,
                self.decisions.iter().map(String::as_str),
            )),
        }
    }

    /// Evaluate the decision of a handle from [`RuleSet::handle`]. A handle of another rule
    /// set is refused (`unknown_decision`), never misread.
    pub fn decide_with(
        &self,
        decision: DecisionHandle,
        facts: &crate::facts::Facts,
    ) -> Result<crate::eval::Decision, crate::eval::EvalError> {
        let facts = self.admit(decision, facts)?;
        crate::eval::engine::decide_index(
            &self.checked,
            Some(&self.program),
            decision.index as usize,
            &facts,
        )
        .map(|d| d.with_types(&self.checked))
    }

    /// Evaluate the decision of a handle into `out`, storage the caller keeps and reuses:
    /// the allocation-free path (a plain decision allocates nothing once `out` and the
    /// thread's scratch have grown to its size; one lowered from items, one reading other
    /// decisions, and facts whose `context` the rule set's [`Clock`] must complete
    /// allocate for that). Read the result through the [`crate::Verdict`] with this rule set.
    /// Errors are those of [`RuleSet::decide_with`]; on an error `out` holds nothing
    /// readable.
    pub fn decide_into(
        &self,
        decision: DecisionHandle,
        facts: &crate::facts::Facts,
        out: &mut crate::eval::Verdict,
    ) -> Result<(), crate::eval::EvalError> {
        out.decision = None;
        let facts = self.admit(decision, facts)?;
        crate::eval::engine::decide_into(
            &self.checked,
            Some(&self.program),
            decision.index as usize,
            &facts,
            &mut out.outcome,
            &mut out.matched,
        )?;
        out.decision = Some((decision.index, self.serial));
        Ok(())
    }

    /// The position of output `name` of a decision, for [`crate::Verdict::get_at`];
    /// an unknown name is an error that suggests the closest.
    pub fn output_index(
        &self,
        decision: DecisionHandle,
        name: &str,
    ) -> Result<usize, crate::eval::OutputError> {
        self.output_index_of(decision.index as usize, name)
    }

    /// The position of output `name` of a decision, `None` where it has no such output:
    /// [`RuleSet::output_index`] without the error (and its suggestion) for a name that
    /// may not be there.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::load("rules").unwrap();
    /// let routing = rules.handle("routing").unwrap();
    /// assert_eq!(rules.output_position(routing, "queue"), Some(0));
    /// assert_eq!(rules.output_position(routing, "next_reply"), None);
    /// ```
    pub fn output_position(&self, decision: DecisionHandle, name: &str) -> Option<usize> {
        if decision.serial != self.serial {
            return None;
        }
        crate::eval::engine::output_names(&self.checked, decision.index as usize)
            .position(|n| n == name)
    }

    /// The position of output `name` of decision number `i`.
    pub(crate) fn output_index_of(
        &self,
        i: usize,
        name: &str,
    ) -> Result<usize, crate::eval::OutputError> {
        let names = || crate::eval::engine::output_names(&self.checked, i);
        names()
            .position(|n| n == name)
            .ok_or_else(|| crate::eval::OutputError::UnknownOutput {
                decision: self.checked.names.get(i).cloned().unwrap_or_default(),
                name: name.to_string(),
                help: format!("; {}", check::suggest_help(name, names(), "outputs")),
            })
    }

    /// This load's serial (what handles and verdicts are checked against).
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }

    /// The checked rule set, shared (what decisions keep to name their outputs).
    pub(crate) fn types(&self) -> &std::sync::Arc<check::Checked> {
        &self.checked
    }

    /// Evaluate the decision of a handle, as [`RuleSet::decide_with`], and write its
    /// result line into `out` as [`crate::eval::Decision::write_json`] writes it (the
    /// CLI's hot path: no [`crate::eval::Decision`] is built). On an error nothing is
    /// written.
    pub fn decide_json(
        &self,
        decision: DecisionHandle,
        facts: &crate::facts::Facts,
        out: &mut Vec<u8>,
    ) -> Result<(), crate::eval::EvalError> {
        let facts = self.admit(decision, facts)?;
        crate::eval::engine::decide_json(
            &self.checked,
            Some(&self.program),
            decision.index as usize,
            &facts,
            out,
        )
    }

    /// The compiled decisions.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The sizes of decision `name`'s compiled DAG, if it has one.
    pub fn dag_stats(&self, name: &str) -> Option<crate::compile::Stats> {
        self.program.stats_of(&self.checked, name)
    }

    /// Evaluate decision `name` for one validated bundle and explain the result: the
    /// tests made along its path, in order, each with its source text, value, the paths
    /// it read and its place (LANGUAGE.md §5.2; [`crate::eval::explain`] says what a test
    /// is). The decision is the one [`RuleSet::decide`] gives; on an evaluation error the
    /// error alone comes back.
    ///
    /// ```
    /// use aftersales::{RuleSet, facts::Facts};
    /// let rules = RuleSet::from_sources([(
    ///     "adjudicate.rules".to_string(),
    ///     r#"codes fault "Fault codes" { P0301 "Cylinder 1 misfire" {} }
    ///        decision adjudicate {
    ///          output action: enum { accept, reject, review } = accept
    ///          rule late when has claim.submitted_date
    ///                         and claim.submitted_date > claim.repair_date + 30 days
    ///            then action = reject
    ///          rule misfire when claim.fault == P0301 then action = review
    ///        }"#
    ///         .to_string(),
    /// )])
    /// .unwrap();
    /// let facts = Facts::from_json_str(
    ///     rules.env(),
    ///     r#"{"claim": {"id": "C1", "fault": "P0301", "repair_date": "2026-01-10",
    ///                   "submitted_date": "2026-01-20"}}"#,
    /// )
    /// .unwrap();
    /// let (decision, why) = rules.explain("adjudicate", &facts).unwrap();
    /// assert_eq!(decision, rules.decide("adjudicate", &facts).unwrap());
    /// assert_eq!(decision.rules, ["misfire"]);
    /// let text = why.render("adjudicate", rules.checked(), rules.sources());
    /// assert_eq!(
    ///     text.lines().nth(1),
    ///     Some("adjudicate.rules:5:29  late  claim.submitted_date > claim.repair_date + 30 days  \
    ///           → false  (claim.submitted_date = 2026-01-20, claim.repair_date = 2026-01-10)")
    /// );
    /// ```
    pub fn explain(
        &self,
        name: &str,
        facts: &crate::facts::Facts,
    ) -> Result<(crate::eval::Decision, crate::eval::Explanation), crate::eval::EvalError> {
        self.own_facts(facts)?;
        let facts = self.clocked(facts);
        crate::eval::engine::decide_explained(&self.checked, name, &facts).map(|(d, why)| {
            let why = why.with_context(name, &self.checked, &self.sources);
            (d.with_types(&self.checked), why)
        })
    }

    /// An explanation as text, one test a line: `file:line:col  rule  test  → value
    /// (facts read)`.
    pub fn render_explanation(&self, decision: &str, why: &crate::eval::Explanation) -> String {
        why.render(decision, &self.checked, &self.sources)
    }

    /// An explanation as the JSON array `aftersales eval --explain` writes.
    pub fn explanation_json(&self, why: &crate::eval::Explanation) -> serde_json::Value {
        why.to_json(&self.checked, &self.sources)
    }

    /// Validate a JSON bundle against this rule set's schemas (the facts
    /// [`RuleSet::decide`] takes). Every problem is reported at once, each with its path.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::from_sources([("a.rules".to_string(), String::new())]).unwrap();
    /// assert!(rules.facts_from_json(r#"{"customer": {"id": "K1"}}"#).is_ok());
    /// let e = rules.facts_from_json(r#"{"customer": {"idd": "K1"}}"#).unwrap_err();
    /// assert!(e.to_string().contains("did you mean `id`?"), "{e}");
    /// ```
    pub fn facts_from_json(
        &self,
        text: &str,
    ) -> Result<crate::facts::Facts, crate::facts::FactErrors> {
        crate::facts::Facts::from_json_str(self.env(), text)
    }

    /// Validate a bundle already parsed into the crate's exact JSON tree
    /// ([`crate::json::Json::parse`]), as [`RuleSet::facts_from_json`] does its text.
    #[doc(hidden)]
    pub fn facts_from_tree(
        &self,
        tree: &crate::json::Json,
    ) -> Result<crate::facts::Facts, crate::facts::FactErrors> {
        crate::facts::Facts::from_tree(self.env(), tree)
    }

    /// Build facts field by field from typed values, validated against this rule set's
    /// schemas when built ([`crate::facts::FactsBuilder`]).
    pub fn facts(&self) -> crate::facts::FactsBuilder<'_> {
        crate::facts::FactsBuilder::new(self.env())
    }

    /// Validate a YAML bundle against this rule set's schemas.
    pub fn facts_from_yaml(
        &self,
        text: &str,
    ) -> Result<crate::facts::Facts, crate::facts::FactErrors> {
        crate::facts::Facts::from_yaml(self.env(), text)
    }

    /// Validate any `Serialize` value (a host's own structs) against this rule set's
    /// schemas. See [`crate::facts::Facts::from_serialize`].
    pub fn facts_from_serialize<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
    ) -> Result<crate::facts::Facts, crate::facts::FactErrors> {
        crate::facts::Facts::from_serialize(self.env(), value)
    }

    /// Render the response template `name` (`template NAME …`, docs/language.md "Response
    /// templates") for `facts`: the fact roots it reads as the bundle gives them, and the
    /// outputs of the decisions it reads, decided for the bundle. A value it prints that
    /// the bundle does not give is [`TemplateError::Absent`], never an empty string.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::from_sources([("a.rules".to_string(), r#"
    /// decision tier { output name: text = "standard"
    ///   rule gold when has customer.lifetime_value and customer.lifetime_value >= USD 2500
    ///     then name = "gold" }
    /// template hello "Dear customer {{ customer.id }}, you are {{ tier.name }}."
    /// "#.to_string())]).unwrap();
    /// let facts = rules.facts_from_json(r#"{"customer": {"id": "K1", "lifetime_value": "USD 3000"}}"#).unwrap();
    /// assert_eq!(rules.render("hello", &facts).unwrap(), "Dear customer K1, you are gold.");
    /// let err = rules.render("helo", &facts).unwrap_err();
    /// assert_eq!(err.to_string(), "unknown template `helo`; did you mean `hello`?");
    /// ```
    ///
    /// [`TemplateError::Absent`]: crate::TemplateError::Absent
    pub fn render(
        &self,
        name: &str,
        facts: &crate::facts::Facts,
    ) -> Result<String, crate::eval::TemplateError> {
        let owned = self.own_facts(facts).map(|()| self.clocked(facts));
        let facts = match owned {
            Ok(f) => f,
            Err(error) => return Err(crate::eval::TemplateError::Facts(Box::new(error))),
        };
        crate::eval::templates::render(&self.checked, name, &facts, |i| {
            self.decide_with(
                DecisionHandle {
                    index: i as u32,
                    serial: self.serial,
                },
                &facts,
            )
        })
    }

    /// The ids of the rule set's `recall` items, in declaration order.
    pub fn recall_ids(&self) -> Vec<String> {
        use crate::check::ir::ItemKind;
        self.checked
            .items
            .iter()
            .flatten()
            .filter_map(|i| match &i.kind {
                ItemKind::Recalls(list) => Some(list.iter().map(|r| r.id.clone())),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The names of the response templates, in declaration order.
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        self.checked.templates.list.iter().map(|t| t.name.as_str())
    }

    /// `file:line:column` of the rule an evaluation error names, if it names a place.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::from_sources([("a.rules".to_string(),
    ///     "decision d { output x: decimal = 0\n  rule r when customer.id != \"\" then x = 1 / 0 }".to_string())]).unwrap();
    /// let facts = rules.facts_from_json(r#"{"customer": {"id": "K1"}}"#).unwrap();
    /// let err = rules.decide("d", &facts).unwrap_err();
    /// assert_eq!(err.code(), "division_by_zero");
    /// assert_eq!(rules.location_of(&err).as_deref(), Some("a.rules:2:42")); // the division
    /// ```
    pub fn location_of(&self, error: &crate::eval::EvalError) -> Option<String> {
        error.span().map(|s| self.sources.location(s))
    }

    /// Check a handle and facts before deciding: the handle must be this rule set's and
    /// the facts validated against its schemas; then the facts with the clock's context.
    fn admit<'f>(
        &self,
        decision: DecisionHandle,
        facts: &'f crate::facts::Facts,
    ) -> Result<std::borrow::Cow<'f, crate::facts::Facts>, crate::eval::EvalError> {
        if decision.serial != self.serial {
            return Err(crate::eval::EvalError::UnknownDecision {
                name: format!("#{}", decision.index),
                help: " (the handle is of another rule set; resolve it with this one's `handle`)"
                    .to_string(),
            });
        }
        self.own_facts(facts)?;
        Ok(self.clocked(facts))
    }

    /// Refuse facts validated against schemas other than this rule set's.
    fn own_facts(&self, facts: &crate::facts::Facts) -> Result<(), crate::eval::EvalError> {
        let rules = self.env().fingerprint();
        if facts.fingerprint() == rules {
            Ok(())
        } else {
            Err(crate::eval::EvalError::ForeignFacts {
                facts: facts.fingerprint(),
                rules,
            })
        }
    }

    /// The checked IR: environment and decisions, for the compiler and interpreters.
    pub fn checked(&self) -> &check::Checked {
        &self.checked
    }

    /// The schemas, enums, code tables and units of the rule set.
    pub fn env(&self) -> &Env {
        &self.checked.env
    }

    /// Warnings found while checking (a rule set with errors does not load).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The source files, for turning spans into `file:line:column`.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// The parsed files, prelude first. Loading does not keep the syntax trees (they are
    /// not needed to decide); the first call parses the sources again, later calls and
    /// clones of this rule set reuse the result.
    ///
    /// ```
    /// use aftersales::RuleSet;
    /// let text = "decision d { output x: int = 0\n  rule r when has claim.odometer and claim.odometer > 5 mi then x = 1 }";
    /// let sources = || [("a.rules".to_string(), text.to_string())];
    /// let rules = RuleSet::from_sources(sources()).unwrap();
    /// let (parsed, _, _) = aftersales::load::check_sources(sources());
    /// assert_eq!(rules.files().len(), 2); // the prelude, then a.rules
    /// assert_eq!(rules.files(), &parsed.files[..]);
    /// ```
    pub fn files(&self) -> &[crate::dsl::ast::RuleFile] {
        self.files.get_or_init(|| {
            self.sources
                .files()
                .map(|(id, _)| crate::dsl::parse_file(&self.sources, id).0)
                .collect()
        })
    }

    /// Every decision, declared or lowered from items, in declaration order.
    pub fn decision_names(&self) -> impl Iterator<Item = &str> {
        self.decisions.iter().map(String::as_str)
    }

    /// Whether the rule set has a decision of this name.
    pub fn has_decision(&self, name: &str) -> bool {
        self.decisions.iter().any(|d| d == name)
    }

    /// The calendar declared as `name` (LANGUAGE.md §5.6), for business time in a host.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::load("rules").unwrap();
    /// assert_eq!(rules.calendar("us_office").unwrap().name(), "us_office");
    /// assert!(rules.calendar("mars_office").is_none());
    /// ```
    pub fn calendar(&self, name: &str) -> Option<crate::eval::Calendar<'_>> {
        self.checked()
            .calendars
            .iter()
            .find(|c| c.name == name)
            .map(crate::eval::Calendar::new)
    }

    /// Whether the rule set declares queue `name` (`queue NAME { ... }`).
    pub fn has_queue(&self, name: &str) -> bool {
        self.checked().queues.iter().any(|q| q.name == name)
    }

    /// The calendar of queue `name`, where it is declared with one.
    ///
    /// ```
    /// let rules = aftersales::RuleSet::load("rules").unwrap();
    /// assert!(rules.has_queue("product_safety"));
    /// assert_eq!(rules.queue_calendar("product_safety").unwrap().name(), "us_office");
    /// ```
    pub fn queue_calendar(&self, name: &str) -> Option<crate::eval::Calendar<'_>> {
        let checked = self.checked();
        let q = checked.queues.iter().find(|q| q.name == name)?;
        checked
            .calendars
            .get(q.calendar? as usize)
            .map(crate::eval::Calendar::new)
    }

    /// The calendar of channel `name`, where it is declared with one
    /// (`channel NAME { calendar C }`).
    pub fn channel_calendar(&self, name: &str) -> Option<crate::eval::Calendar<'_>> {
        let checked = self.checked();
        let (_, k) = checked.channel_calendars.iter().find(|(c, _)| c == name)?;
        checked
            .calendars
            .get(*k as usize)
            .map(crate::eval::Calendar::new)
    }
}
