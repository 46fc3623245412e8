//! Importing NHTSA recall campaigns into the rules language.
//!
//! The US National Highway Traffic Safety Administration publishes every safety recall
//! in a tab-separated flat file (`FLAT_RCL.txt`), one line per campaign, make, model and
//! model year. [`record`] reads it into typed records (a bad line is an error with its
//! line number; the rest is read), [`campaign`] merges the lines of each campaign, and
//! [`writer`] writes one `recall` item per campaign (LANGUAGE.md §5.8), which checks
//! clean together with the bundled rules. The CLI is `aftersales import nhtsa-recalls`.
//!
//! ```
//! use aftersales::host::recalls::{group_campaigns, parse_flat_file, write_rules};
//! let line = |id: &str, year: &str| {
//!     let mut f = vec![""; 24];
//!     (f[0], f[1], f[2], f[3], f[4]) = (id, "02V288000", "FORD", "FOCUS", year);
//!     (f[8], f[9], f[15]) = ("19990719", "20010531", "20021106");
//!     f.join("\t")
//! };
//! let file = parse_flat_file(&format!("{}\n{}\n", line("1", "2001"), line("2", "2000")));
//! let campaigns = group_campaigns(&file.records);
//! let text = write_rules(&campaigns, "FLAT_RCL.txt");
//! assert!(text.contains("recall R02V288000 "));
//! assert!(text.contains("product.model_year in 2000..2001"));
//! assert!(text.contains("product.build_date in 1999-07-19..2001-05-31"));
//! ```

pub mod base;
pub mod campaign;
pub mod record;
pub mod writer;

pub use campaign::{group_campaigns, AffectedGroup, Campaign, Severity, Years};
pub use record::{
    parse_flat_bytes, parse_flat_file, parse_line, FlatFile, RecallRecord, RecordError,
};
pub use writer::{
    affects_expr, recall_item, shorten, string_literal, write_rules, write_rules_parts,
};
