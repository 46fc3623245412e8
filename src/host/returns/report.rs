//! The returns report: counts and money of a ledger's records, by reason, disposition,
//! product and supplier. Money is summed exactly (decimal, per currency: amounts in two
//! currencies are never added), so the totals are the sum of the records to the cent.

use super::{ReturnLedger, ReturnRecord};
use crate::value::{Currency, Money};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError<E: std::error::Error> {
    /// The ledger could not be read.
    #[error("{0}")]
    Ledger(E),
    /// A sum does not fit an exact decimal (about 7.9 × 10²⁸).
    #[error("the {what} in {currency} do not fit an exact decimal")]
    Overflow {
        /// Which sum.
        what: &'static str,
        /// Its currency.
        currency: String,
    },
}

/// The money of some returns in one currency. Each is a sum of records' amounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amounts {
    /// The currency.
    pub currency: String,
    /// The price of the goods authorized for return (`return.value`).
    pub value: Money,
    /// Paid back (refund and credit remedies).
    pub refunded: Money,
    /// Restocking fees kept.
    pub restocking_fees: Money,
    /// The value put back into sellable stock: the price of goods restocked or refurbished
    /// (what resale can recover; the actual proceeds are the host's).
    pub resale_value: Money,
    /// The price of goods sent back to their suppliers (what can be charged to them).
    pub charged_to_suppliers: Money,
}

impl Amounts {
    fn zero(currency: Currency) -> Amounts {
        let z = Money {
            currency,
            amount: Decimal::ZERO,
        };
        Amounts {
            currency: currency.as_str().to_string(),
            value: z.clone(),
            refunded: z.clone(),
            restocking_fees: z.clone(),
            resale_value: z.clone(),
            charged_to_suppliers: z,
        }
    }
}

/// Counts and money of one group (a reason, a disposition, a product or a supplier).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The group's key (`(none)` where the records do not say).
    pub key: String,
    /// Returns decided.
    pub returns: u64,
    /// Of which authorized.
    pub authorized: u64,
    /// Of which denied.
    pub denied: u64,
    /// Money, one entry per currency.
    pub amounts: Vec<Amounts>,
}

/// Counts and sums of the returns a ledger holds over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// First day included (`None`: from the start).
    pub from: Option<NaiveDate>,
    /// Last day included (`None`: to the end).
    pub to: Option<NaiveDate>,
    /// Returns decided.
    pub returns: u64,
    /// Authorized (each has an RMA number).
    pub authorized: u64,
    /// Denied.
    pub denied: u64,
    /// Authorized returns scrapped.
    pub scrapped: u64,
    /// Authorized returns salvaged.
    pub salvaged: u64,
    /// Scrapped as a share of the authorized returns given a disposition.
    pub scrap_rate: Option<f64>,
    /// Salvaged as a share of the authorized returns given a disposition.
    pub salvage_rate: Option<f64>,
    /// Money over all returns, one entry per currency.
    pub totals: Vec<Amounts>,
    /// By reason code.
    pub by_reason: Vec<Group>,
    /// By disposition (authorized returns).
    pub by_disposition: Vec<Group>,
    /// By product (`product.model`, else `return.product_category`).
    pub by_product: Vec<Group>,
    /// By supplier charged (returns sent back to their supplier).
    pub by_supplier: Vec<Group>,
}

/// The key of a group whose records do not say.
const NONE: &str = "(none)";

#[derive(Default)]
struct Acc {
    returns: u64,
    authorized: u64,
    money: BTreeMap<Currency, Amounts>,
}

fn add(sum: &mut Money, m: &Money, what: &'static str) -> Result<(), (&'static str, String)> {
    sum.amount = sum
        .amount
        .checked_add(m.amount)
        .ok_or_else(|| (what, m.currency.as_str().to_string()))?;
    Ok(())
}

impl Acc {
    fn add(&mut self, r: &ReturnRecord) -> Result<(), (&'static str, String)> {
        self.returns += 1;
        if !r.authorized() {
            return Ok(());
        }
        self.authorized += 1;
        fn amounts<'a>(money: &'a mut BTreeMap<Currency, Amounts>, m: &Money) -> &'a mut Amounts {
            money
                .entry(m.currency)
                .or_insert_with(|| Amounts::zero(m.currency))
        }
        let money = &mut self.money;
        if let Some(v) = &r.value {
            let a = amounts(money, v);
            add(&mut a.value, v, "values")?;
            match r.disposition.as_deref() {
                Some("restock" | "refurbish") => add(&mut a.resale_value, v, "resale values")?,
                Some("return_to_supplier") => {
                    add(&mut a.charged_to_suppliers, v, "supplier charges")?
                }
                _ => {}
            }
        }
        if let Some(m) = &r.refund {
            add(&mut amounts(money, m).refunded, m, "refunds")?;
        }
        if let Some(m) = &r.restocking_fee {
            add(&mut amounts(money, m).restocking_fees, m, "restocking fees")?;
        }
        Ok(())
    }

    fn group(self, key: String) -> Group {
        Group {
            key,
            returns: self.returns,
            authorized: self.authorized,
            denied: self.returns - self.authorized,
            amounts: self.money.into_values().collect(),
        }
    }
}

fn groups(map: BTreeMap<String, Acc>) -> Vec<Group> {
    let mut out: Vec<Group> = map.into_iter().map(|(k, a)| a.group(k)).collect();
    // most returns first; ties by key
    out.sort_by(|a, b| b.returns.cmp(&a.returns).then_with(|| a.key.cmp(&b.key)));
    out
}

/// A report being summed, one record at a time.
#[derive(Default)]
struct Tally {
    total: Acc,
    /// By reason, disposition, product, supplier.
    maps: [BTreeMap<String, Acc>; 4],
    disposed: u64,
    scrapped: u64,
    salvaged: u64,
}

impl Tally {
    fn add(&mut self, r: &ReturnRecord) -> Result<(), (&'static str, String)> {
        self.total.add(r)?;
        let keys = [
            Some(r.reason.clone()),
            r.authorized()
                .then(|| r.disposition.clone().unwrap_or_else(|| NONE.into())),
            Some(r.product.clone().unwrap_or_else(|| NONE.into())),
            r.supplier.clone(),
        ];
        for (map, key) in self.maps.iter_mut().zip(keys) {
            if let Some(key) = key {
                map.entry(key).or_default().add(r)?;
            }
        }
        if r.authorized() && r.disposition.is_some() {
            self.disposed += 1;
            match r.disposition.as_deref() {
                Some("scrap") => self.scrapped += 1,
                Some("salvage") => self.salvaged += 1,
                _ => {}
            }
        }
        Ok(())
    }

    fn finish(self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Report {
        let disposed = self.disposed;
        let rate = |n: u64| (disposed > 0).then(|| n as f64 / disposed as f64);
        let [by_reason, by_disposition, by_product, by_supplier] = self.maps.map(groups);
        Report {
            from,
            to,
            returns: self.total.returns,
            authorized: self.total.authorized,
            denied: self.total.returns - self.total.authorized,
            scrapped: self.scrapped,
            salvaged: self.salvaged,
            scrap_rate: rate(self.scrapped),
            salvage_rate: rate(self.salvaged),
            totals: self.total.money.into_values().collect(),
            by_reason,
            by_disposition,
            by_product,
            by_supplier,
        }
    }
}

impl Report {
    /// The report of some records (all of them: the period is only stated). Counts are of
    /// returns decided; money is of authorized returns, per currency.
    pub fn of_records<'r>(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        records: impl IntoIterator<Item = &'r ReturnRecord>,
    ) -> Result<Report, ReportError<std::convert::Infallible>> {
        let mut t = Tally::default();
        for r in records {
            t.add(r)
                .map_err(|(what, currency)| ReportError::Overflow { what, currency })?;
        }
        Ok(t.finish(from, to))
    }

    /// The report of the records a ledger holds decided between `from` and `to`
    /// (inclusive), read in one pass: memory grows with the groups, not the records.
    pub fn of_ledger<L: ReturnLedger>(
        ledger: &L,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Report, ReportError<L::Error>> {
        let mut t = Tally::default();
        let mut err = None;
        ledger
            .each_return(from, to, &mut |_, r| {
                if err.is_none() {
                    err = t.add(&r).err();
                }
            })
            .map_err(ReportError::Ledger)?;
        match err {
            Some((what, currency)) => Err(ReportError::Overflow { what, currency }),
            None => Ok(t.finish(from, to)),
        }
    }
}

impl std::fmt::Display for Report {
    /// The report as text: the counts, the totals per currency, then one table per grouping.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day =
            |d: Option<NaiveDate>, open: &str| d.map_or_else(|| open.into(), |d| d.to_string());
        let pct =
            |r: Option<f64>| r.map_or_else(|| "–".to_string(), |r| format!("{:.1}%", 100.0 * r));
        let period = match (self.from, self.to) {
            (None, None) => "all days".to_string(),
            (from, to) => format!("{} to {}", day(from, "the first"), day(to, "the last")),
        };
        writeln!(
            f,
            "returns decided ({period}): {} ({} authorized, {} denied)",
            self.returns, self.authorized, self.denied
        )?;
        writeln!(
            f,
            "scrapped {} ({} of dispositions), salvaged {} ({})",
            self.scrapped,
            pct(self.scrap_rate),
            self.salvaged,
            pct(self.salvage_rate)
        )?;
        for a in &self.totals {
            writeln!(
                f,
                "{}: value {}, refunded {}, fees kept {}, resale value {}, to suppliers {}",
                a.currency,
                a.value,
                a.refunded,
                a.restocking_fees,
                a.resale_value,
                a.charged_to_suppliers
            )?;
        }
        for (title, groups) in [
            ("reason", &self.by_reason),
            ("disposition", &self.by_disposition),
            ("product", &self.by_product),
            ("supplier", &self.by_supplier),
        ] {
            if groups.is_empty() {
                continue;
            }
            let width = groups
                .iter()
                .map(|g| g.key.chars().count())
                .chain([title.len()])
                .max()
                .unwrap_or(0);
            writeln!(f)?;
            writeln!(f, "{title:<width$}  returns  authorized  denied  refunded")?;
            for g in groups {
                let refunded: Vec<String> =
                    g.amounts.iter().map(|a| a.refunded.to_string()).collect();
                writeln!(
                    f,
                    "{:<width$}  {:>7}  {:>10}  {:>6}  {}",
                    g.key,
                    g.returns,
                    g.authorized,
                    g.denied,
                    if refunded.is_empty() {
                        "–".to_string()
                    } else {
                        refunded.join(", ")
                    }
                )?;
            }
        }
        Ok(())
    }
}
