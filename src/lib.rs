//! # aftersales
//!
//! A compiled, explainable decision engine for after-sales service policy: warranty
//! coverage and claim adjudication, supplier cost recovery, complaint routing with service
//! levels, returns, recalls and regulatory reports (APQC PCF 6.1 and 6.2), plus host
//! modules for workforce planning.
//!
//! Policy authors write rule files (the language is described in `docs/language.md`);
//! a service loads them once into a [`RuleSet`] (parsed, type-checked, compiled to decision
//! DAGs), validates each request's facts against the rule set's schemas into [`Facts`], and
//! asks for a [`Decision`]: typed outputs, the rules that decided, and on request an
//! [`Explanation`] of every test made.
//!
//! ## Quickstart
//!
//! ```
//! use aftersales::{Decision, Money, RuleSet};
//! use std::sync::{Arc, RwLock};
//!
//! // 1. Load the rules (from a folder with `RuleSet::load("rules/")`, or from memory).
//! let rules = RuleSet::from_sources([("claims.rules".to_string(), r#"
//!     codes fault "Diagnostic trouble codes" { P0301 "Cylinder 1 misfire" {} }
//!     decision adjudicate {
//!       output action: enum { accept, reject, review } = accept
//!       output goodwill: money = USD 0
//!       rule late when has claim.submitted_date
//!                      and claim.submitted_date > claim.repair_date + 30 days
//!         then action = reject
//!       rule loyal when has customer.lifetime_value and customer.lifetime_value > USD 10000
//!         then action = review, goodwill = USD 150
//!     }"#.to_string())])?;
//!
//! // 2. Facts from the host's own types (or from JSON with `rules.facts_from_json`).
//! #[derive(serde::Serialize)]
//! struct Claim { id: String, fault: String, repair_date: chrono::NaiveDate,
//!                submitted_date: Option<chrono::NaiveDate> }
//! #[derive(serde::Serialize)]
//! struct Customer { id: String, lifetime_value: String }
//! #[derive(serde::Serialize)]
//! struct Bundle { claim: Claim, customer: Customer }
//! let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
//! let facts = rules.facts_from_serialize(&Bundle {
//!     claim: Claim { id: "C1".into(), fault: "P0301".into(), repair_date: day("2026-02-01"),
//!                    submitted_date: None },
//!     customer: Customer { id: "K1".into(), lifetime_value: "USD 12000".into() },
//! })?;
//!
//! // 3. Decide, and read typed outputs (variants and codes by name).
//! let d: Decision = rules.decide("adjudicate", &facts)?;
//! assert_eq!(d.get::<&str>("action")?, "review");
//! assert_eq!(d.get::<Money>("goodwill")?, "USD 150".parse()?);
//! assert_eq!(d.rules, ["loyal"]);
//! assert_eq!(d.to_string(), r#"{"id":null,"decision":"adjudicate","outputs":{"action":"review","goodwill":"USD 150.00"},"rules":["loyal"]}"#);
//!
//! // 4. Explain: every test made, with its place, value and the facts it read.
//! let (_, why) = rules.explain("adjudicate", &facts)?;
//! let text = why.to_string(); // `serde_json::to_value(&why)` gives the JSON form
//! assert!(text.contains("loyal  customer.lifetime_value > USD 10000  → true"), "{text}");
//! assert_eq!(serde_json::to_value(&why).unwrap()[1]["rule"], "loyal");
//!
//! // 5. Hot reload: build the new rule set aside, swap the `Arc`; requests in flight
//! //    finish on the rules they started with. Facts belong to the rule set that
//! //    validated them: build them again after a swap (older ones are refused with
//! //    `foreign_facts` if the schemas changed, never misread).
//! let live = Arc::new(RwLock::new(Arc::new(rules)));
//! let current = live.read().map(|g| Arc::clone(&g)).unwrap();
//! assert!(current.decide("adjudicate", &facts).is_ok());
//! # Ok::<(), aftersales::Error>(())
//! ```
//!
//! Everything a service uses is at the crate root: [`RuleSet`], [`Facts`], [`Decision`]
//! (with [`FromOutput`] types for [`Decision::get`]), [`Explanation`], [`Value`], [`Money`],
//! [`Distance`], [`DecisionHandle`], [`Verdict`] (for [`RuleSet::decide_into`], the
//! allocation-free path of a hot loop) and one [`Error`] over every failure. The pipeline's
//! modules (parser, checker, compiler, interpreters, CLI) are implementation details and
//! are hidden from these docs; host modules ([`host`]) use the same public face.
//!
//! ## Features
//! - `cli` (default): the `aftersales` command; turns on `fancy` and `workforce`.
//! - `fancy`: diagnostics rendered with miette's graphical handler (plain text without).
//! - `workforce`: contact-centre forecasting, Erlang staffing and shift scheduling.
//!
//! `default-features = false` builds the engine alone.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(hidden)]
pub mod check;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod compile;
pub mod diag;
#[doc(hidden)]
pub mod dsl;
#[doc(hidden)]
pub mod eval;
pub mod facts;
#[doc(hidden)]
pub mod fixtures;
pub mod host;
#[doc(hidden)]
pub mod json;
#[doc(hidden)]
pub mod load;
#[cfg(feature = "cli")]
pub mod lsp;
mod read;
mod ruleset;
#[cfg(feature = "store")]
pub mod store;
#[doc(hidden)]
pub mod types;
pub mod value;

pub use diag::{Diagnostic, Diagnostics};
pub use eval::{
    Decision, EvalError, Explanation, FromOutput, Output, OutputError, TemplateError, Verdict,
};
pub use facts::{FactError, FactErrors, Facts, FactsBuilder};
pub use ruleset::{Clock, DecisionHandle, LoadOptions, RuleSet};
pub use value::{Distance, Money, ParseValueError, Value};

/// Every way the library can fail, for a host that wants one error type (each method
/// returns the specific error it can give; `?` turns any of them into this).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rules did not load: every diagnostic, each with its file, line and column.
    #[error("{0}")]
    Load(#[from] Diagnostics),
    /// A bundle did not validate against the schemas: every problem with its path.
    #[error("{0}")]
    Facts(#[from] FactErrors),
    /// A decision could not be evaluated for a bundle.
    #[error("{0}")]
    Eval(#[from] EvalError),
    /// An output could not be read as asked.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// A money or distance text did not parse.
    #[error("{0}")]
    Parse(#[from] ParseValueError),
    /// A response template could not be rendered for a bundle.
    #[error("{0}")]
    Template(#[from] TemplateError),
}
