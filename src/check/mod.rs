//! Static checks over parsed rule files. This module currently holds the name checks
//! that need no types: every name declared twice in one namespace is an error naming both
//! places (LANGUAGE.md preamble).

mod names;

pub use names::duplicate_names;
