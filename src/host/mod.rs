//! Host modules: capabilities that live beside the rules engine in the same
//! crate (workforce planning, contact lifecycles, complaint analytics, quality,
//! importing recall campaigns).

pub mod booklet;
pub mod claims;
pub mod contacts;
mod markup;
pub mod recalls;
pub mod returns;
#[cfg(feature = "workforce")]
pub mod workforce;
