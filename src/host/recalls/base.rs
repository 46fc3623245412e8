//! A recall notice against an installed base (APQC 6.1.7): which units of a base (a CSV of
//! serial or VIN, model, build date, market, owner contact, …) a recall campaign of the
//! rules affects, and which regulatory reports the notice triggers, with their deadlines.
//! The base is read one row at a time: memory does not grow with it.
//!
//! ```
//! use aftersales::host::recalls::base::{Notice, UnitOutcome};
//! let rules = aftersales::RuleSet::from_sources([("r.rules".to_string(), r#"
//! recall R1 "Cells may overheat" {
//!   affects has product.build_date and product.build_date in 2024-09-01..2025-01-31
//!   component "battery" severity safety remedy "replace" announced 2025-04-10
//! }"#.to_string())]).unwrap();
//! let notice = Notice::from_json_str(&rules,
//!     r#"{"recall": "R1", "recall_notice": {"id": "N1", "severity": "safety", "determined_on": "2025-04-01"}}"#).unwrap();
//! let header = ["serial", "model", "build_date", "in_service_date", "owner", "owner_email"];
//! let row = ["S1", "PowerCell", "2024-10-01", "2024-11-02", "original", "a@example.com"];
//! let unit = notice.unit(&header, &row).unwrap();
//! assert!(matches!(unit, UnitOutcome::Affected { ref serial, .. } if serial == "S1"));
//! ```

use crate::facts::RowReader;
use crate::json::Json;
use crate::{DecisionHandle, EvalError, FactErrors, RuleSet};
use std::collections::BTreeMap;

/// Why a notice cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// The notice is not a JSON object of the expected form.
    #[error("the notice is not valid: {0}")]
    Invalid(String),
    /// The notice names a recall the rules do not have.
    #[error("the rules have no recall `{recall}`{help}")]
    UnknownRecall {
        /// The recall named.
        recall: String,
        /// "; did you mean `x`?", or the list of recalls.
        help: String,
    },
    /// The rules have no `recalls` decision (no `recall` item).
    #[error("the rules have no recall items")]
    NoRecalls,
}

/// Why a unit of the base could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum UnitError {
    /// The row's values do not fit the product schema.
    #[error("{0}")]
    Facts(#[from] FactErrors),
    /// The recall's conditions could not be evaluated for it.
    #[error("{0}")]
    Eval(#[from] EvalError),
}

impl UnitError {
    /// A stable code: the fact error's, or the evaluation error's.
    pub fn code(&self) -> &'static str {
        match self {
            UnitError::Facts(e) => e.first().map_or("invalid_facts", |f| f.code()),
            UnitError::Eval(e) => e.code(),
        }
    }
}

/// What a unit of the base is to the notice.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitOutcome {
    /// The recall affects it: its serial, and the columns of the row that are not product
    /// fields (the owner's contact), for the notification list.
    Affected {
        /// The `serial` column.
        serial: String,
        /// The other columns, by header.
        contact: BTreeMap<String, String>,
        /// The product's `market`, where the base gives it (reports depend on it).
        market: Option<String>,
    },
    /// Not affected.
    Unaffected,
}

/// A report a notice triggers, with its deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct DueReport {
    /// The report's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its deadline as results write it (a date or an instant), where it has one.
    pub due: Option<serde_json::Value>,
    /// Whether it is due at once.
    pub immediate: bool,
}

/// A recall notice: the campaign (a `recall` item of the rules) and the `recall_notice`
/// facts the reports read.
#[derive(Debug)]
pub struct Notice<'r> {
    rules: &'r RuleSet,
    recall: String,
    /// The bundle's roots other than `product` (the notice, its context), as JSON text
    /// without its closing brace.
    others: String,
    /// The notice's `context` alone, the same way (what a recall's `affects` may read
    /// besides the product: `context.today`).
    context: String,
    recalls: DecisionHandle,
    /// Which product fields the base's columns are, by column name.
    product_fields: Vec<String>,
    /// The notice's `context.today` and `context.now`, where it gives them and its
    /// context holds nothing else (a unit's facts are then built from its cells alone and
    /// given these); `None` when the unit's bundle must be written out whole.
    clock: Option<(
        Option<chrono::NaiveDate>,
        Option<chrono::DateTime<chrono::FixedOffset>>,
    )>,
    /// The reader of the base's rows, for the last header seen.
    rows: std::cell::RefCell<Option<RowReader>>,
}

impl<'r> Notice<'r> {
    /// The notice of a JSON object: `recall` (the id of a `recall` item of the rules) and
    /// the bundle's other roots (`recall_notice`, and `context` where given).
    pub fn from_json_str(rules: &'r RuleSet, text: &str) -> Result<Notice<'r>, NoticeError> {
        let j = Json::parse(text).map_err(NoticeError::Invalid)?;
        let Json::Object(entries) = j else {
            return Err(NoticeError::Invalid("expected a JSON object".into()));
        };
        let recall = entries
            .iter()
            .find(|(k, _)| k == "recall")
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                NoticeError::Invalid("`recall` (the id of a recall of the rules) is missing".into())
            })?;
        let recalls = rules
            .handle("recalls")
            .map_err(|_| NoticeError::NoRecalls)?;
        let ids = rules.recall_ids();
        if !ids.contains(&recall) {
            let help = match crate::diag::suggest(&recall, ids.iter()) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => format!("; the recalls are {}", ids.join(", ")),
            };
            return Err(NoticeError::UnknownRecall { recall, help });
        }
        let context = Json::Object(
            entries
                .iter()
                .filter(|(k, _)| k == "context")
                .cloned()
                .collect(),
        );
        let mut context = context.to_string();
        // the context's own facts, when it holds nothing but the clock
        let clock = match entries.iter().find(|(k, _)| k == "context").map(|(_, v)| v) {
            None => Some((None, None)),
            Some(Json::Object(fields))
                if fields.iter().all(|(k, _)| k == "today" || k == "now") =>
            {
                let facts = rules.facts_from_json(&context);
                facts.ok().map(|f| (f.today(), f.now()))
            }
            Some(_) => None,
        };
        context.pop();
        let others = Json::Object(
            entries
                .into_iter()
                .filter(|(k, _)| k != "recall" && k != "product")
                .collect(),
        );
        let mut text = others.to_string();
        // the product is spliced in before the closing brace
        text.pop();
        let product_fields = rules
            .env()
            .schema_id("product")
            .map(|sid| {
                rules
                    .env()
                    .schema(sid)
                    .fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Notice {
            rules,
            recall,
            others: text,
            context,
            recalls,
            product_fields,
            clock,
            rows: std::cell::RefCell::new(None),
        })
    }

    /// The recall's id.
    pub fn recall(&self) -> &str {
        &self.recall
    }

    /// The bundle of one row: `product` from the columns that are product fields (an empty
    /// cell is an absent value), with the notice's other roots.
    pub fn bundle(&self, header: &[&str], row: &[&str]) -> String {
        self.bundle_with(header, row, true)
    }

    /// The bundle of one row, with the notice's roots or with `product` alone.
    fn bundle_with(&self, header: &[&str], row: &[&str], notice: bool) -> String {
        let mut text: Vec<u8> = Vec::with_capacity(self.others.len() + 256);
        text.extend_from_slice(if notice { &self.others } else { &self.context }.as_bytes());
        if text.len() > 1 {
            text.push(b',');
        }
        text.extend_from_slice(b"\"product\":{");
        let mut first = true;
        for (h, v) in header.iter().zip(row) {
            let v = v.trim();
            if v.is_empty() || !self.product_fields.iter().any(|f| f == h) {
                continue;
            }
            if !first {
                text.push(b',');
            }
            first = false;
            // JSON strings, escaped by serde_json straight into the buffer (writing into
            // a Vec cannot fail)
            let _ = serde_json::to_writer(&mut text, h);
            text.push(b':');
            let _ = serde_json::to_writer(&mut text, v);
        }
        text.extend_from_slice(b"}}");
        // built from UTF-8 pieces
        String::from_utf8(text).unwrap_or_default()
    }

    /// A unit's product facts (with the notice's clock): read from the cells straight,
    /// where the notice's context is only its clock; else through the bundle's JSON.
    fn product(&self, header: &[&str], row: &[&str]) -> Result<crate::Facts, FactErrors> {
        let Some((today, now)) = self.clock else {
            return self
                .rules
                .facts_from_json(&self.bundle_with(header, row, false));
        };
        let env = self.rules.env();
        let mut rows = self.rows.borrow_mut();
        let reader = match rows.as_ref() {
            Some(r) if r.reads(header) => r,
            _ => rows.insert(RowReader::new(env, "product", header)?),
        };
        let mut facts = reader.facts(env, row)?;
        if let Some(t) = today {
            facts.set_today(t);
        }
        if let Some(t) = now {
            facts.set_now(t);
        }
        Ok(facts)
    }

    /// Whether the recall affects the unit of one row of the base (`header` names the
    /// columns).
    pub fn unit(&self, header: &[&str], row: &[&str]) -> Result<UnitOutcome, UnitError> {
        // a recall's `affects` reads the product (and the context): decided on those
        // alone, and with the notice only where it reads more
        let product = self.product(header, row)?;
        let d = match self.rules.decide_with(self.recalls, &product) {
            Err(EvalError::MissingRoot { .. } | EvalError::MissingContext { .. }) => {
                let facts = self.rules.facts_from_json(&self.bundle(header, row))?;
                self.rules.decide_with(self.recalls, &facts)?
            }
            other => other?,
        };
        if !d.rules.contains(&self.recall) {
            return Ok(UnitOutcome::Unaffected);
        }
        let cell = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .and_then(|k| row.get(k))
                .map(|v| v.trim().to_string())
        };
        let contact = header
            .iter()
            .zip(row)
            .filter(|(h, _)| !self.product_fields.iter().any(|f| f == *h))
            .map(|(h, v)| ((*h).to_string(), v.trim().to_string()))
            .collect();
        Ok(UnitOutcome::Affected {
            serial: cell("serial").unwrap_or_default(),
            contact,
            market: cell("market").filter(|m| !m.is_empty()),
        })
    }

    /// The reports the notice triggers for a unit (the `reports` decision).
    pub fn reports(&self, header: &[&str], row: &[&str]) -> Result<Vec<DueReport>, UnitError> {
        let facts = self.rules.facts_from_json(&self.bundle(header, row))?;
        let Ok(h) = self.rules.handle("reports") else {
            return Ok(Vec::new());
        };
        let d = self.rules.decide_with(h, &facts)?;
        let j = d.to_json(self.rules.checked());
        let list = |name: &str| j["outputs"][name].as_array().cloned().unwrap_or_default();
        let (ids, titles, dues, immediate) =
            (list("id"), list("title"), list("due"), list("immediate"));
        Ok(ids
            .iter()
            .enumerate()
            .map(|(k, id)| DueReport {
                id: id.as_str().unwrap_or_default().to_string(),
                title: titles
                    .get(k)
                    .and_then(|t| t.as_str())
                    .unwrap_or_default()
                    .to_string(),
                due: dues.get(k).cloned(),
                immediate: immediate.get(k).and_then(|b| b.as_bool()).unwrap_or(false),
            })
            .collect())
    }
}
