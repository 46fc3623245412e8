//! One return as the ledger keeps it: what `return_authorization` and `disposition`
//! decided for it, with the money (price, refund, restocking fee) and the party to charge.

use crate::value::{Money, Value};
use crate::{EvalError, Facts, RuleSet};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A decided return: one line of the returns ledger (APQC 6.2.4).
///
/// Money is held as the rules computed it (refund and fee already rounded half-even to
/// the currency's minor unit, LANGUAGE.md §5.7) and written as `"USD 169.99"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnRecord {
    /// The return's id (`return.id`): the ledger holds each id once.
    pub id: String,
    /// The day it was decided (`context.today`).
    pub decided_on: NaiveDate,
    /// Its reason code (`return.reason`).
    pub reason: String,
    /// `authorize` or `deny`.
    pub decision: String,
    /// `refund`, `replace`, `repair` or `credit` where authorized.
    #[serde(default)]
    pub remedy: Option<String>,
    /// The restocking percentage as a fraction (0.15 for 15%) where the rule gave one;
    /// written `"15%"`.
    #[serde(default, with = "percent_option")]
    pub restocking: Option<Decimal>,
    /// Why it was denied, where it was.
    #[serde(default)]
    pub denial: Option<String>,
    /// The price paid for the goods (`return.value`), where given.
    #[serde(default, with = "money_option")]
    pub value: Option<Money>,
    /// The money paid back (refund and credit remedies with a value).
    #[serde(default, with = "money_option")]
    pub refund: Option<Money>,
    /// The restocking fee kept.
    #[serde(default, with = "money_option")]
    pub restocking_fee: Option<Money>,
    /// `restock`, `refurbish`, `salvage`, `scrap` or `return_to_supplier` where authorized.
    #[serde(default)]
    pub disposition: Option<String>,
    /// The supplier charged (`return.supplier`) where the goods go back to it.
    #[serde(default)]
    pub supplier: Option<String>,
    /// What the goods are: `product.model` where the bundle carries a product, else
    /// `return.product_category`.
    #[serde(default)]
    pub product: Option<String>,
}

/// Money as `"USD 12.50"` text, or `null`.
mod money_option {
    use crate::value::Money;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
        match m {
            Some(m) => s.collect_str(m),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(t) => Money::parse(&t)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not money: \"{t}\""))),
            None => Ok(None),
        }
    }
}

/// A fraction as `"15%"` text (LANGUAGE.md §8), or `null`.
mod percent_option {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(p: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match p.and_then(|p| p.checked_mul(Decimal::ONE_HUNDRED)) {
            Some(p) => s.collect_str(&format_args!("{}%", p.normalize())),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(t) => t
                .strip_suffix('%')
                .and_then(crate::value::parse_decimal)
                .and_then(|p| p.checked_div(Decimal::ONE_HUNDRED))
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a percentage: \"{t}\""))),
            None => Ok(None),
        }
    }
}

/// Why a return could not be decided into a record.
#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    /// The rules have no `returns` item (so no `return_authorization`).
    #[error("the rules have no `returns` item (decision `return_authorization`)")]
    NoReturns,
    /// The bundle has no `return`.
    #[error("the bundle has no `return`")]
    NoReturn,
    /// The bundle gives no `context.today` and none was supplied.
    #[error("the bundle gives no `context.today` (the day the return is decided)")]
    NoToday,
    /// A decision could not be evaluated.
    #[error("{0}")]
    Eval(#[from] EvalError),
    /// The goods go back to their supplier, but the return names none.
    #[error("return `{id}` goes back to its supplier (`return_to_supplier`) but names none; give `return.supplier`")]
    NoSupplier {
        /// The return's id.
        id: String,
    },
    /// An output is not what `return_authorization` or `disposition` gives.
    #[error("`{decision}.{output}` is not what it should be: {message}")]
    Output {
        /// The decision.
        decision: &'static str,
        /// The output.
        output: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl ReturnError {
    /// A stable code for the error line.
    pub fn code(&self) -> &'static str {
        match self {
            ReturnError::NoReturns => "no_returns",
            ReturnError::NoReturn => "missing_return",
            ReturnError::NoToday => "missing_today",
            ReturnError::Eval(e) => e.code(),
            ReturnError::NoSupplier { .. } => "missing_supplier",
            ReturnError::Output { .. } => "bad_output",
        }
    }
}

/// A text field of one schema's root in the facts.
fn text_field(rules: &RuleSet, facts: &Facts, schema: &str, field: &str) -> Option<String> {
    let env = rules.env();
    let sid = env.schema_id(schema)?;
    let k = env.schema(sid).field_index(field)?;
    match facts.get(sid, k)? {
        Value::Text(t) | Value::Label(t) => Some(t.to_string()),
        _ => None,
    }
}

fn money_field(rules: &RuleSet, facts: &Facts, field: &str) -> Option<Money> {
    let env = rules.env();
    let sid = env.schema_id("return")?;
    let k = env.schema(sid).field_index(field)?;
    match facts.get(sid, k)? {
        Value::Money(m) => Some(m.clone()),
        _ => None,
    }
}

fn output<'a, T: crate::eval::FromOutput<'a>>(
    d: &'a crate::Decision,
    decision: &'static str,
    name: &'static str,
) -> Result<T, ReturnError> {
    d.get::<T>(name).map_err(|e| ReturnError::Output {
        decision,
        output: name,
        message: e.to_string(),
    })
}

impl ReturnRecord {
    /// Decide one return bundle (`return`, `context.today`, and a `product` where the host
    /// has one) through `return_authorization` and, where authorized, `disposition` (if
    /// the rules have one).
    ///
    /// ```
    /// use aftersales::host::returns::ReturnRecord;
    /// let rules = aftersales::RuleSet::load("rules").unwrap();
    /// let facts = rules.facts_from_json(r#"{"context": {"today": "2026-03-01"},
    ///   "return": {"id": "RT8", "reason": "REMORSE", "condition": "like_new",
    ///              "delivered_on": "2026-02-10", "value": "USD 199.99"}}"#).unwrap();
    /// let r = ReturnRecord::decide(&rules, &facts).unwrap();
    /// assert_eq!((r.decision.as_str(), r.remedy.as_deref()), ("authorize", Some("refund")));
    /// assert_eq!(r.refund.unwrap().to_string(), "USD 169.99");
    /// assert_eq!(r.restocking_fee.unwrap().to_string(), "USD 30.00");
    /// assert_eq!(r.disposition.as_deref(), Some("refurbish"));
    /// ```
    pub fn decide(rules: &RuleSet, facts: &Facts) -> Result<ReturnRecord, ReturnError> {
        let auth = rules
            .handle("return_authorization")
            .map_err(|_| ReturnError::NoReturns)?;
        let id = text_field(rules, facts, "return", "id").ok_or(ReturnError::NoReturn)?;
        let decided_on = facts.today().ok_or(ReturnError::NoToday)?;
        let a = rules.decide_with(auth, facts)?;
        const RA: &str = "return_authorization";
        let decision: String = output(&a, RA, "decision")?;
        let authorized = decision == "authorize";
        let reason: String = output(&a, RA, "return_reason")?;
        let disposition = match rules.handle("disposition") {
            Ok(h) if authorized => {
                let d = rules.decide_with(h, facts)?;
                output::<Option<String>>(&d, "disposition", "disposition")?
            }
            _ => None,
        };
        let supplier = text_field(rules, facts, "return", "supplier");
        if disposition.as_deref() == Some("return_to_supplier") && supplier.is_none() {
            return Err(ReturnError::NoSupplier { id });
        }
        let product = text_field(rules, facts, "product", "model")
            .or_else(|| text_field(rules, facts, "return", "product_category"));
        Ok(ReturnRecord {
            id,
            decided_on,
            reason,
            remedy: output(&a, RA, "remedy")?,
            decision,
            restocking: output(&a, RA, "restocking")?,
            denial: output(&a, RA, "reason")?,
            value: money_field(rules, facts, "value"),
            refund: output(&a, RA, "refund")?,
            restocking_fee: output(&a, RA, "restocking_fee")?,
            supplier: if disposition.as_deref() == Some("return_to_supplier") {
                supplier
            } else {
                None
            },
            disposition,
            product,
        })
    }

    /// Whether the return was authorized (only those get an RMA number and a disposition).
    pub fn authorized(&self) -> bool {
        self.decision == "authorize"
    }

    /// The record as one JSON line (what the ledger stores and compares).
    pub fn to_json_line(&self) -> String {
        // a struct of strings and options: serialising cannot fail
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A record from its stored JSON line.
    pub fn from_json_line(line: &str) -> Result<ReturnRecord, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }
}

/// The RMA number of the ledger's `seq`-th record: `RMA-00000042`.
pub fn rma_number(seq: i64) -> String {
    format!("RMA-{seq:08}")
}
