//! # aftersales
//!
//! A compiled, explainable decision engine for after-sales service policy:
//! warranty coverage and claim adjudication, supplier cost recovery, complaint
//! routing with service levels, returns, recalls and regulatory reports
//! (APQC PCF 6.1 and 6.2), plus host modules for workforce planning.
//!
//! Rule files are written in the language of `LANGUAGE.md`; the pipeline is
//! parse → lower → check → compile → evaluate. Today the crate loads and checks rule
//! sets ([`RuleSet`], with diagnostics in [`diag`]), exposes the parser ([`dsl`]) and the
//! type checker ([`check`]), and hosts workforce planning ([`host::workforce`]).
//! Compilation and evaluation are the next stage.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod compile;
pub mod diag;
pub mod dsl;
pub mod eval;
pub mod facts;
pub mod fixtures;
pub mod host;
mod read;
mod ruleset;
pub mod types;
pub mod value;

pub use diag::{Diagnostic, Diagnostics};
pub use ruleset::{DecisionHandle, RuleSet};
