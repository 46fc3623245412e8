//! Workforce management for contact centres (APQC 6.2.1): forecasting,
//! staffing, scheduling, utilization and quality scoring.
