//! Workforce management for contact centres (APQC 6.2.1): forecasting,
//! staffing, scheduling, utilization and quality scoring.
//!
//! Volume forecasting (Holt-Winters) is in [`forecast`], its chart in [`svg`],
//! and shift scheduling (set covering) in [`schedule`].
//! Staffing: [`erlang`] (Erlang B, C and A queueing formulas) and [`staffing`]
//! (required agents for a service-level target, shrinkage, interval plans);
//! [`utilization`] (occupancy, utilization, adherence and overall labour
//! effectiveness from agent state logs); [`quality`] (QA scorecards,
//! evaluation scoring, per-agent trends and calibration).

pub mod erlang;
pub mod forecast;
pub mod quality;
pub mod schedule;
pub mod staffing;
pub mod svg;
pub mod utilization;
