//! Claims history (SAP's duplicate check): the claims a host has decided, kept so that a
//! new claim's `claim.previous_repair_same_fault` (the repair date of the latest earlier
//! claim on the same product serial with the same fault) and `claim.previous_claim_same_fault`
//! (that claim's id) are derived from history instead of supplied by the host. The rules
//! then name the window (`rules/30_adjudicate.rules`: a repair up to 30 days after the
//! previous one is the same repair claimed twice).
//!
//! What counts as "earlier": a claim of another id, on the same serial with the same
//! fault, first recorded before this one (claims earlier in the same run count as
//! recorded), whose latest recorded outcome is not a rejection (a claim rejected for, say,
//! missing costs and corrected under a new number is not a duplicate of the rejected one);
//! of those, the one with the latest repair date (then the latest recorded). Ordering by
//! when claims were first recorded, not by repair date, makes a rerun answer as the first
//! run did, and catches the pair whichever repair was claimed first. A claim id given
//! twice in one run is an error (`duplicate_claim`), whatever the rules say.
//!
//! The embedded store ([`crate::store::Store`]) and [`MemoryHistory`] implement
//! [`ClaimHistory`]; a [`Session`] runs a batch against either, seeing the claims of the
//! batch that came before. The CLI is `aftersales eval --record FILE` (or `--history FILE`
//! to derive without recording).
//!
//! ```
//! use aftersales::host::claims::{MemoryHistory, Session};
//! let rules = aftersales::RuleSet::load("rules").unwrap();
//! let claim = |id: &str, day: &str| format!(r#"{{"context": {{"today": "2026-03-01"}},
//!   "product": {{"serial": "VIN1", "make": "FORD", "model": "ESCAPE", "model_year": 2024,
//!                "in_service_date": "2024-05-10", "owner": "original", "market": "us"}},
//!   "claim": {{"id": "{id}", "claim_type": "WR", "fault": "P0301", "repair_date": "{day}",
//!              "odometer": "21400 mi", "parts": "USD 86.40"}}}}"#);
//! let mut history = MemoryHistory::default();
//! let mut session = Session::new(&mut history);
//! let mut decided = Vec::new();
//! for (k, (id, day)) in [("C1", "2026-02-20"), ("C9", "2026-02-27")].into_iter().enumerate() {
//!     let facts = rules.facts_from_json(&claim(id, day)).unwrap();
//!     let facts = session.derive(&rules, facts, k + 1).unwrap();
//!     let d = rules.decide("adjudicate", &facts).unwrap();
//!     session.add(&rules, &facts, &d).unwrap();
//!     decided.push(d.get::<String>("reason").unwrap());
//! }
//! session.commit().unwrap();
//! assert_eq!(decided, ["ACCEPTED", "DUPLICATE"]);
//! assert_eq!(history.len(), 2);
//! ```

use crate::value::Value;
use crate::{Decision, FactErrors, Facts, RuleSet};
use chrono::NaiveDate;
use std::collections::HashMap;

/// What identifies a claim for the duplicate check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimKey {
    /// `claim.id`.
    pub claim_id: String,
    /// `product.serial` (the VIN for a vehicle).
    pub serial: String,
    /// `claim.fault`, the code.
    pub fault: String,
    /// `claim.repair_date`.
    pub repair_date: NaiveDate,
}

impl ClaimKey {
    /// The key of a bundle's claim; `None` when the bundle has no claim or no product.
    pub fn of(rules: &RuleSet, facts: &Facts) -> Option<ClaimKey> {
        let env = rules.env();
        let field = |root: &str, name: &str| {
            let sid = env.schema_id(root)?;
            let k = env.schema(sid).field_index(name)?;
            Some((sid, k, facts.get(sid, k)?))
        };
        let text = |root: &str, name: &str| match field(root, name)? {
            (_, _, Value::Text(t) | Value::Label(t)) => Some(t.to_string()),
            _ => None,
        };
        let fault = match field("claim", "fault")? {
            (sid, k, Value::Code(c)) => match &env.schema(sid).fields[k].ty {
                crate::types::Type::Code(t) => env
                    .tables
                    .get(t.0 as usize)?
                    .codes
                    .get(*c as usize)?
                    .code
                    .clone(),
                _ => return None,
            },
            (_, _, Value::Text(t)) => t.to_string(),
            _ => return None,
        };
        let repair_date = match field("claim", "repair_date")? {
            (_, _, Value::Date(d)) => *d,
            _ => return None,
        };
        Some(ClaimKey {
            claim_id: text("claim", "id")?,
            serial: text("product", "serial")?,
            fault,
            repair_date,
        })
    }
}

/// An earlier claim on the same serial with the same fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorClaim {
    /// Its id.
    pub claim_id: String,
    /// Its repair date.
    pub repair_date: NaiveDate,
    /// Where it was first recorded in the history (increasing with the order claims were
    /// first recorded in): what orders claims repaired on the same day.
    pub first: u64,
}

/// A decided claim, as history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRecord {
    /// What identifies it.
    pub key: ClaimKey,
    /// The decision it went through.
    pub decision: String,
    /// Whether the decision rejected it (an output `action` of `reject`).
    pub rejected: bool,
    /// The result line (LANGUAGE.md §8 JSON), for the record.
    pub outcome: String,
}

/// The claims a host has decided. [`ClaimHistory::previous`] answers by the rule of the
/// module's documentation.
pub trait ClaimHistory {
    /// What can go wrong reading or writing it.
    type Error: std::error::Error;

    /// The earlier claim of `claim` by the module's rule (another id, the same serial and
    /// fault, first recorded before it, its latest outcome not a rejection; the latest
    /// repair date of those, then the latest first recorded), leaving out the claim ids
    /// `skip` says (those a session holds newer outcomes of).
    fn previous(
        &self,
        claim: &ClaimKey,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<PriorClaim>, Self::Error>;

    /// Where claim `claim_id` was first recorded ([`PriorClaim::first`]), if it was.
    fn first_recorded(&self, claim_id: &str) -> Result<Option<u64>, Self::Error>;

    /// Record decided claims, all or nothing. A claim whose latest recorded outcome is the
    /// same is not recorded again (so a rerun adds nothing); a different one is appended
    /// as its latest. How many were added.
    fn record(&mut self, claims: &[ClaimRecord]) -> Result<usize, Self::Error>;
}

/// Why a claim cannot go through history.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The claim id was given earlier in the same run.
    #[error(
        "claim `{claim}` was already given as record {first} of this run: the same claim twice"
    )]
    Twice {
        /// The claim's id.
        claim: String,
        /// Which record of the run it was first (counted from 1).
        first: usize,
    },
    /// The derived fields could not be set (schemas without them).
    #[error("{0}")]
    Facts(#[from] FactErrors),
}

impl ClaimError {
    /// A stable code for an error line.
    pub fn code(&self) -> &'static str {
        match self {
            ClaimError::Twice { .. } => "duplicate_claim",
            ClaimError::Facts(e) => e.first().map_or("invalid_facts", |f| f.code()),
        }
    }
}

/// Where a claim stands in the order claims were first recorded: those in the history
/// before those of the run, the run's in the order given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Stored(u64),
    Run(usize),
}

/// A decided claim of the run, not yet committed.
#[derive(Debug)]
struct Pending {
    record: ClaimRecord,
    place: Place,
}

/// A batch run against a history: each claim sees the history and the claims of the run
/// before it, by the same rule; what the run decides is recorded on [`Session::commit`].
#[derive(Debug)]
pub struct Session<'h, H: ClaimHistory> {
    history: &'h mut H,
    /// Decided, not yet committed, in order.
    pending: Vec<Pending>,
    /// The pending claims by serial and fault.
    by_part: HashMap<(String, String), Vec<usize>>,
    /// The pending claims' latest place, by id.
    pending_ids: HashMap<String, usize>,
    /// Every claim id of the run, with the record it was first given as.
    seen: HashMap<String, usize>,
    /// Whether [`Session::add`] keeps each result line (what [`Session::commit`] records).
    outcomes: bool,
}

impl<'h, H: ClaimHistory> Session<'h, H> {
    /// A run against `history`.
    pub fn new(history: &'h mut H) -> Session<'h, H> {
        Session {
            history,
            pending: Vec::new(),
            by_part: HashMap::new(),
            pending_ids: HashMap::new(),
            seen: HashMap::new(),
            outcomes: true,
        }
    }

    /// A run that derives and never commits (`eval --history`): the run's claims are kept
    /// without their result lines, which only recording needs.
    pub fn read_only(mut self) -> Session<'h, H> {
        self.outcomes = false;
        self
    }

    /// Where a claim of the run stands: where the history first recorded it, else its
    /// place in the run.
    fn place(&self, claim_id: &str, run: usize) -> Result<Place, H::Error> {
        if let Some(&i) = self.pending_ids.get(claim_id) {
            return Ok(self.pending[i].place);
        }
        Ok(match self.history.first_recorded(claim_id)? {
            Some(n) => Place::Stored(n),
            None => Place::Run(run),
        })
    }

    /// The latest claim before `key`, in history or earlier in this run.
    pub fn previous(&self, key: &ClaimKey) -> Result<Option<PriorClaim>, H::Error> {
        let own = self.place(&key.claim_id, usize::MAX)?;
        let stored = self
            .history
            .previous(key, &|id| self.pending_ids.contains_key(id))?
            .map(|p| {
                let place = Place::Stored(p.first);
                (p, place)
            });
        let run = self
            .by_part
            .get(&(key.serial.clone(), key.fault.clone()))
            .into_iter()
            .flatten()
            .filter(|&&i| self.pending_ids.get(&self.pending[i].record.key.claim_id) == Some(&i))
            .map(|&i| &self.pending[i])
            .filter(|p| {
                let c = &p.record.key;
                c.claim_id != key.claim_id && !p.record.rejected && p.place < own
            })
            .max_by_key(|p| (p.record.key.repair_date, p.place))
            .map(|p| {
                let first = match p.place {
                    Place::Stored(n) => n,
                    Place::Run(_) => u64::MAX,
                };
                (
                    PriorClaim {
                        claim_id: p.record.key.claim_id.clone(),
                        repair_date: p.record.key.repair_date,
                        first,
                    },
                    p.place,
                )
            });
        Ok([stored, run]
            .into_iter()
            .flatten()
            .max_by_key(|(p, place)| (p.repair_date, *place))
            .map(|(p, _)| p))
    }

    /// The facts of a claim given as record `record` of the run (counted from 1), with
    /// `claim.previous_repair_same_fault` and `claim.previous_claim_same_fault` derived
    /// where the bundle gives neither (a host's own value wins). A bundle without a claim
    /// or a product passes unchanged.
    pub fn derive(
        &mut self,
        rules: &RuleSet,
        mut facts: Facts,
        record: usize,
    ) -> Result<Facts, SessionError<H::Error>> {
        let Some(key) = ClaimKey::of(rules, &facts) else {
            return Ok(facts);
        };
        if let Some(&first) = self.seen.get(&key.claim_id) {
            return Err(SessionError::Claim(ClaimError::Twice {
                claim: key.claim_id,
                first,
            }));
        }
        self.seen.insert(key.claim_id.clone(), record);
        let env = rules.env();
        let given = |name: &str| {
            env.schema_id("claim").and_then(|sid| {
                let k = env.schema(sid).field_index(name)?;
                facts.get(sid, k).map(|_| ())
            })
        };
        if given("previous_repair_same_fault").is_some()
            || given("previous_claim_same_fault").is_some()
        {
            return Ok(facts);
        }
        if let Some(p) = self.previous(&key).map_err(SessionError::History)? {
            let set = |f: &mut Facts| -> Result<(), FactErrors> {
                f.set_field(env, "claim", "previous_repair_same_fault", &p.repair_date)?;
                f.set_field(env, "claim", "previous_claim_same_fault", &p.claim_id)
            };
            set(&mut facts).map_err(|e| SessionError::Claim(e.into()))?;
        }
        Ok(facts)
    }

    /// Add what a decision made of a claim's facts to the run (a bundle without a claim
    /// is left out): rejected where the decision's `action` is `reject`.
    pub fn add(
        &mut self,
        rules: &RuleSet,
        facts: &Facts,
        decision: &Decision,
    ) -> Result<(), H::Error> {
        let Some(key) = ClaimKey::of(rules, facts) else {
            return Ok(());
        };
        self.add_record(ClaimRecord {
            key,
            decision: decision.decision.clone(),
            rejected: decision.get::<&str>("action").ok() == Some("reject"),
            outcome: if self.outcomes {
                decision.to_string()
            } else {
                String::new()
            },
        })
    }

    /// Add a decided claim to the run, as [`Session::add`] does from a decision.
    pub fn add_record(&mut self, record: ClaimRecord) -> Result<(), H::Error> {
        let i = self.pending.len();
        let place = self.place(&record.key.claim_id, i)?;
        self.by_part
            .entry((record.key.serial.clone(), record.key.fault.clone()))
            .or_default()
            .push(i);
        self.pending_ids.insert(record.key.claim_id.clone(), i);
        self.pending.push(Pending { record, place });
        Ok(())
    }

    /// How many decided claims wait for [`Session::commit`].
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Record the run's decided claims since the last commit; how many were added.
    pub fn commit(&mut self) -> Result<usize, H::Error> {
        let records: Vec<ClaimRecord> = self.pending.drain(..).map(|p| p.record).collect();
        self.by_part.clear();
        self.pending_ids.clear();
        self.history.record(&records)
    }
}

/// Why a claim of a [`Session`] could not be derived.
#[derive(Debug, thiserror::Error)]
pub enum SessionError<E: std::error::Error> {
    /// The claim's error.
    #[error("{0}")]
    Claim(ClaimError),
    /// The history could not be read.
    #[error("{0}")]
    History(E),
}

/// A claims history in memory (for tests, and hosts that persist it themselves).
#[derive(Debug, Default, Clone)]
pub struct MemoryHistory {
    /// Every recorded version, in order.
    records: Vec<ClaimRecord>,
    /// Each claim id's first and latest place.
    ids: HashMap<String, (usize, usize)>,
}

impl MemoryHistory {
    /// How many versions it holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl ClaimHistory for MemoryHistory {
    type Error = std::convert::Infallible;

    fn previous(
        &self,
        claim: &ClaimKey,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<PriorClaim>, Self::Error> {
        let own_first = self.ids.get(&claim.claim_id).map_or(usize::MAX, |p| p.0);
        // places count from 1, as the store's sequence numbers do
        Ok(self
            .ids
            .iter()
            .filter(|(id, _)| *id != &claim.claim_id && !skip(id))
            .filter_map(|(_, &(first, latest))| {
                let c = &self.records[latest];
                (c.key.serial == claim.serial
                    && c.key.fault == claim.fault
                    && !c.rejected
                    && first < own_first)
                    .then_some((c.key.repair_date, first, c))
            })
            .max_by_key(|(day, first, _)| (*day, *first))
            .map(|(_, first, c)| PriorClaim {
                claim_id: c.key.claim_id.clone(),
                repair_date: c.key.repair_date,
                first: first as u64 + 1,
            }))
    }

    fn first_recorded(&self, claim_id: &str) -> Result<Option<u64>, Self::Error> {
        Ok(self.ids.get(claim_id).map(|p| p.0 as u64 + 1))
    }

    fn record(&mut self, claims: &[ClaimRecord]) -> Result<usize, Self::Error> {
        let mut added = 0;
        for c in claims {
            let i = self.records.len();
            match self.ids.get_mut(&c.key.claim_id) {
                Some(p) if self.records[p.1] == *c => continue,
                Some(p) => p.1 = i,
                None => {
                    self.ids.insert(c.key.claim_id.clone(), (i, i));
                }
            }
            self.records.push(c.clone());
            added += 1;
        }
        Ok(added)
    }
}
