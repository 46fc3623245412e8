//! # aftersales
//!
//! A compiled, explainable decision engine for after-sales service policy:
//! warranty coverage and claim adjudication, supplier cost recovery, complaint
//! routing with service levels, returns, recalls and regulatory reports
//! (APQC PCF 6.1 and 6.2), plus host modules for workforce planning.
//!
//! Rule files are written in the language of `LANGUAGE.md`; the pipeline is
//! parse → lower → check → compile → evaluate. This crate currently exposes
//! the parser and its diagnostics ([`dsl`], [`diag`]) and the workforce host
//! module ([`host::workforce`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod diag;
pub mod dsl;
pub mod facts;
pub mod host;
pub mod types;
pub mod value;
