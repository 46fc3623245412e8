//! Workforce management for contact centres (APQC 6.2.1): forecasting,
//! staffing, scheduling, utilization and quality scoring.
//!
//! Volume forecasting (Holt-Winters) is in [`forecast`], its chart in [`svg`],
//! and shift scheduling (set covering) in [`schedule`].

pub mod forecast;
pub mod schedule;
pub mod svg;
