//! Host modules: capabilities that live beside the rules engine in the same
//! crate (workforce planning, contact lifecycles, complaint analytics, quality,
//! importing recall campaigns).

pub mod contacts;
pub mod recalls;
#[cfg(feature = "workforce")]
pub mod workforce;
