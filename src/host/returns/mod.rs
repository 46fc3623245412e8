//! Returns (APQC 6.2.4): each return decided by the rules' `returns` and `disposition`
//! items into a [`ReturnRecord`] (refund to the cent, restocking fee, disposition, the
//! supplier to charge), kept in an append-only ledger ([`ReturnLedger`]: the embedded
//! store, [`MemoryLedger`], or the host's own database) under a stable RMA number, and
//! summed into a [`Report`] (by reason, disposition and product; refunded, fees kept, value
//! put back into stock; scrap and salvage rates). The CLI is `aftersales returns record`
//! and `aftersales returns report`.
//!
//! ```
//! use aftersales::host::returns::{MemoryLedger, Recorded, Report, ReturnLedger, ReturnRecord};
//! let rules = aftersales::RuleSet::load("rules").unwrap();
//! let decide = |json: &str| ReturnRecord::decide(&rules, &rules.facts_from_json(json).unwrap()).unwrap();
//! let a = decide(r#"{"context": {"today": "2026-03-01"}, "return": {"id": "RT8", "reason": "REMORSE",
//!     "condition": "like_new", "delivered_on": "2026-02-10", "value": "USD 199.99"}}"#);
//! let b = decide(r#"{"context": {"today": "2026-03-01"}, "return": {"id": "RT9", "reason": "REMORSE",
//!     "condition": "unopened", "delivered_on": "2026-01-01", "value": "USD 50.00"}}"#);
//! let mut ledger = MemoryLedger::default();
//! let done = ledger.record(&[a.clone(), b, a]).unwrap();
//! assert_eq!(done[0], Recorded::New { rma: Some("RMA-00000001".into()) });
//! assert_eq!(done[1], Recorded::New { rma: None }, "a denied return gets no RMA number");
//! assert_eq!(done[2], Recorded::Existing { rma: Some("RMA-00000001".into()) });
//! let report = Report::of_ledger(&ledger, None, None).unwrap();
//! assert_eq!((report.returns, report.authorized, report.denied), (2, 1, 1));
//! assert_eq!(report.totals[0].refunded.to_string(), "USD 169.99");
//! ```

pub mod html;
pub mod record;
pub mod report;

pub use record::{rma_number, ReturnError, ReturnRecord};
pub use report::{Amounts, Group, Report, ReportError};

use chrono::NaiveDate;
use std::collections::HashMap;

/// What recording one return did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Added to the ledger; its RMA number where it was authorized.
    New {
        /// `RMA-00000042`, or `None` for a denied return.
        rma: Option<String>,
    },
    /// The ledger already held it, decided the same way (the day it was decided aside):
    /// nothing was added; the RMA number is the one it was given then.
    Existing {
        /// Its RMA number, where authorized.
        rma: Option<String>,
    },
    /// The ledger already held the id with a different outcome (other facts, or rules
    /// that changed): the ledger is append-only and keeps the first.
    Conflict {
        /// The stored record's RMA number.
        rma: Option<String>,
        /// What the ledger holds.
        stored: Box<ReturnRecord>,
    },
}

/// An append-only ledger of decided returns, one record per return id. The embedded
/// store ([`crate::store::Store`]) is one; a service can keep the same ledger in its own
/// database by implementing this.
pub trait ReturnLedger {
    /// What can go wrong reading or writing it.
    type Error: std::error::Error;

    /// Record `records` in order, all or nothing; each gets what recording it did. A
    /// record's RMA number (authorized returns only) is fixed when it is first recorded
    /// and never reused.
    fn record(&mut self, records: &[ReturnRecord]) -> Result<Vec<Recorded>, Self::Error>;

    /// Each record decided between `from` and `to` (inclusive; `None` is open), in the
    /// order recorded, with its RMA number.
    fn each_return(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        f: &mut dyn FnMut(Option<String>, ReturnRecord),
    ) -> Result<(), Self::Error>;
}

/// Whether two records of one id were decided the same way (the day aside: the same
/// return recorded again on a later run is the same return).
pub fn same_outcome(a: &ReturnRecord, b: &ReturnRecord) -> bool {
    ReturnRecord {
        decided_on: b.decided_on,
        ..a.clone()
    } == *b
}

/// What recording `new` does against what the ledger holds (`stored`, with its sequence
/// number): the shared rule of every [`ReturnLedger`].
pub fn outcome_against(seq: i64, stored: ReturnRecord, new: &ReturnRecord) -> Recorded {
    let rma = stored.authorized().then(|| rma_number(seq));
    if same_outcome(&stored, new) {
        Recorded::Existing { rma }
    } else {
        Recorded::Conflict {
            rma,
            stored: Box::new(stored),
        }
    }
}

/// A ledger in memory (for tests, and hosts that persist it themselves).
#[derive(Debug, Default, Clone)]
pub struct MemoryLedger {
    records: Vec<ReturnRecord>,
    by_id: HashMap<String, usize>,
}

impl MemoryLedger {
    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl ReturnLedger for MemoryLedger {
    type Error = std::convert::Infallible;

    fn record(&mut self, records: &[ReturnRecord]) -> Result<Vec<Recorded>, Self::Error> {
        Ok(records
            .iter()
            .map(|r| match self.by_id.get(&r.id) {
                Some(&k) => outcome_against(k as i64 + 1, self.records[k].clone(), r),
                None => {
                    self.records.push(r.clone());
                    let seq = self.records.len();
                    self.by_id.insert(r.id.clone(), seq - 1);
                    Recorded::New {
                        rma: r.authorized().then(|| rma_number(seq as i64)),
                    }
                }
            })
            .collect())
    }

    fn each_return(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        f: &mut dyn FnMut(Option<String>, ReturnRecord),
    ) -> Result<(), Self::Error> {
        for (k, r) in self.records.iter().enumerate() {
            if from.is_some_and(|d| r.decided_on < d) || to.is_some_and(|d| r.decided_on > d) {
                continue;
            }
            f(r.authorized().then(|| rma_number(k as i64 + 1)), r.clone());
        }
        Ok(())
    }
}
