//! Records merged into campaigns: one [`Campaign`] per NHTSA campaign number, its rows
//! (one per make, model and model year) folded into [`AffectedGroup`]s — the models of
//! one make that share their model years and manufacture dates.

use super::record::RecallRecord;
use chrono::NaiveDate;
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// The model years a group is recalled for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Years {
    /// Any model year: the file gave 9999 (unknown) or no year for some row.
    Any,
    /// These model years, ascending and distinct.
    Only(Vec<u16>),
}

/// The models of one make recalled for the same model years and manufacture dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedGroup {
    /// The make, as NHTSA writes it (upper case).
    pub make: String,
    /// The models, ascending and distinct.
    pub models: Vec<String>,
    /// The model years.
    pub years: Years,
    /// First day of manufacture, where the file gives it.
    pub built_from: Option<NaiveDate>,
    /// Last day of manufacture, where the file gives it.
    pub built_to: Option<NaiveDate>,
}

/// How a recall is classed in the rules language (`severity` of a `recall` item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// A safety-related defect.
    Safety,
    /// A noncompliance with a Federal Motor Vehicle Safety Standard.
    Compliance,
}

impl Severity {
    /// The word used in rule text.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Safety => "safety",
            Severity::Compliance => "compliance",
        }
    }
}

/// One recall campaign, merged from all its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// The NHTSA campaign number, such as `02V288000`.
    pub number: String,
    /// How many records (lines) it was merged from.
    pub records: usize,
    /// The distinct components named, in file order.
    pub components: Vec<String>,
    /// The manufacturer that filed the report (of the first record that names one).
    pub manufacturer: String,
    /// The manufacturer's campaign number (of the first record that gives one).
    pub mfr_campaign: String,
    /// Units potentially affected (the largest figure given).
    pub potentially_affected: Option<u64>,
    /// The earliest report-received date of its records.
    pub report_received: Option<NaiveDate>,
    /// The FMVSS number where the campaign is a noncompliance.
    pub fmvss: String,
    /// The defect summary (the first non-empty one).
    pub defect: String,
    /// The consequence summary (the first non-empty one).
    pub consequence: String,
    /// The remedy summary (the first non-empty one).
    pub corrective_action: String,
    /// What it affects, ordered by make, then models.
    pub groups: Vec<AffectedGroup>,
}

impl Campaign {
    /// The recall id used in rule text: `R` and the campaign number (`R02V288000`), a code
    /// token. The prefix makes the id start with a letter whatever the number starts with,
    /// and keeping the whole number keeps ids distinct.
    ///
    /// ```
    /// # use aftersales::host::recalls::{group_campaigns, parse_flat_file};
    /// let mut f = vec![""; 24];
    /// (f[0], f[1], f[2], f[3]) = ("1", "24V123000", "HYUNDAI", "IONIQ 5");
    /// let c = group_campaigns(&parse_flat_file(&f.join("\t")).records);
    /// assert_eq!(c[0].recall_id(), "R24V123000");
    /// ```
    pub fn recall_id(&self) -> String {
        format!("R{}", self.number)
    }

    /// [`Severity::Compliance`] where the records name an FMVSS standard, else
    /// [`Severity::Safety`]: every campaign in the file is a safety recall, and those
    /// with a standard are noncompliances with it.
    pub fn severity(&self) -> Severity {
        if self.fmvss.is_empty() {
            Severity::Safety
        } else {
            Severity::Compliance
        }
    }
}

/// Merge records into campaigns, ordered by campaign number. Rows of one make and model
/// with the same manufacture dates have their model years merged; then the models of one
/// make with the same years and dates form one [`AffectedGroup`].
///
/// ```
/// use aftersales::host::recalls::{group_campaigns, parse_flat_file, Years};
/// let row = |id: &str, model: &str, year: &str| {
///     let mut f = vec![""; 24];
///     (f[0], f[1], f[2], f[3], f[4]) = (id, "02V160006", "CHAMPION", model, year);
///     f.join("\t")
/// };
/// let text = [row("1", "CGT", "1999"), row("2", "CTS", "2000"), row("3", "CGT", "2000"),
///             row("4", "CTS", "1999")].join("\n");
/// let campaigns = group_campaigns(&parse_flat_file(&text).records);
/// assert_eq!(campaigns.len(), 1);
/// assert_eq!(campaigns[0].records, 4);
/// let g = &campaigns[0].groups;
/// assert_eq!(g.len(), 1);
/// assert_eq!(g[0].models, ["CGT", "CTS"]);
/// assert_eq!(g[0].years, Years::Only(vec![1999, 2000]));
/// ```
pub fn group_campaigns(records: &[RecallRecord]) -> Vec<Campaign> {
    let mut by_number: BTreeMap<&str, Vec<&RecallRecord>> = BTreeMap::new();
    for r in records {
        by_number.entry(r.campaign.as_str()).or_default().push(r);
    }
    by_number
        .into_iter()
        .map(|(number, rows)| campaign(number, &rows))
        .collect()
}

type Built = (Option<NaiveDate>, Option<NaiveDate>);

fn campaign(number: &str, rows: &[&RecallRecord]) -> Campaign {
    let first = |f: fn(&RecallRecord) -> &String| {
        rows.iter()
            .map(|r| f(r))
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_default()
    };
    let mut components: Vec<String> = Vec::new();
    for r in rows {
        if !r.component.is_empty() && !components.contains(&r.component) {
            components.push(r.component.clone());
        }
    }
    // (make, model, dates) -> years (None: any year)
    let mut per_model: IndexMap<(&str, &str, Built), Option<BTreeSet<u16>>> = IndexMap::new();
    for r in rows {
        let key = (
            r.make.as_str(),
            r.model.as_str(),
            (r.built_from, r.built_to),
        );
        let years = per_model
            .entry(key)
            .or_insert_with(|| Some(BTreeSet::new()));
        match (years.as_mut(), r.model_year) {
            (Some(set), Some(y)) => {
                set.insert(y);
            }
            _ => *years = None,
        }
    }
    // (make, years, dates) -> models
    let mut groups: BTreeMap<(&str, Years, Built), BTreeSet<&str>> = BTreeMap::new();
    for ((make, model, built), years) in per_model {
        let years = match years {
            Some(set) => Years::Only(set.into_iter().collect()),
            None => Years::Any,
        };
        groups
            .entry((make, years, built))
            .or_default()
            .insert(model);
    }
    let mut groups: Vec<AffectedGroup> = groups
        .into_iter()
        .map(|((make, years, (from, to)), models)| AffectedGroup {
            make: make.to_string(),
            models: models.into_iter().map(str::to_string).collect(),
            years,
            built_from: from,
            built_to: to,
        })
        .collect();
    groups.sort_by(|a, b| (&a.make, &a.models).cmp(&(&b.make, &b.models)));
    Campaign {
        number: number.to_string(),
        records: rows.len(),
        components,
        manufacturer: first(|r| &r.manufacturer),
        mfr_campaign: first(|r| &r.mfr_campaign),
        potentially_affected: rows.iter().filter_map(|r| r.potentially_affected).max(),
        report_received: rows.iter().filter_map(|r| r.report_received).min(),
        fmvss: first(|r| &r.fmvss),
        defect: first(|r| &r.defect),
        consequence: first(|r| &r.consequence),
        corrective_action: first(|r| &r.corrective_action),
        groups,
    }
}
