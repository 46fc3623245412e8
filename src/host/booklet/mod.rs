//! The warranty booklet (APQC 6.1.6.5, "communicate warranty policies"): the terms the
//! rules encode, written out in plain language for customers (`aftersales doc`). Every
//! item is described from its parsed form, never quoted from the rule source: for each
//! warranty who is covered, for how long, what is and is not covered (the fault codes it
//! covers, with their descriptions), what the owner pays, what happens when the product
//! changes hands, and its designation under the Magnuson-Moss Warranty Act (15 U.S.C.
//! 2303) with the reason; then the return windows, the service levels per customer
//! segment, the open recalls and the reports made to the authorities, with their deadlines.
//!
//! ```
//! let rules = aftersales::RuleSet::load("rules").unwrap();
//! let text = aftersales::host::booklet::markdown(&rules);
//! assert!(text.contains("### Hyundai Powertrain Limited Warranty (original owner)"));
//! assert!(text.contains("10 years or 100,000 miles, whichever comes first"));
//! ```

mod english;

use crate::dsl::ast::{
    Covers, Expr, ExprKind, Item, Literal, RulesDecl, SegmentDecl, SegmentWhen, Then, WarrantyDecl,
};
use crate::types::{Env, Type};
use crate::value::Value;
use crate::RuleSet;
use english::{condition, join, path, value, words};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The booklet as Markdown.
pub fn markdown(rules: &RuleSet) -> String {
    let items: Vec<&Item> = rules.files().iter().flat_map(|f| &f.items).collect();
    let mut out = String::new();
    out.push_str("# Warranty and service booklet\n\n");
    out.push_str(
        "This booklet sets out the warranties on your product, what they cover and what you \
         pay, how returns are handled, the service you can expect when you contact us, and \
         the safety recalls that may concern you. It is generated from the policy rules \
         themselves, so it always says what the rules decide.\n",
    );
    let warranties: Vec<&WarrantyDecl> = items
        .iter()
        .filter_map(|i| match i {
            Item::Warranty(w) => Some(w),
            _ => None,
        })
        .collect();
    if !warranties.is_empty() {
        out.push_str("\n## Warranties\n");
        for w in warranties {
            warranty(&mut out, w, rules.env());
        }
    }
    for i in &items {
        if let Item::Returns(r) = i {
            returns(&mut out, r);
        }
    }
    let segments: Vec<&SegmentDecl> = items
        .iter()
        .filter_map(|i| match i {
            Item::Segment(s) => Some(s),
            _ => None,
        })
        .collect();
    if !segments.is_empty() {
        out.push_str("\n## When you contact us\n\n");
        out.push_str(
            "How quickly we answer and resolve a request depends on your customer segment.\n",
        );
        for s in segments {
            segment(&mut out, s);
        }
    }
    let recalls: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            Item::Recall(r) => Some(r),
            _ => None,
        })
        .collect();
    if !recalls.is_empty() {
        out.push_str("\n## Safety recalls\n\n");
        out.push_str(
            "A recall repair is free of charge, whatever the warranty says. These campaigns \
             are open:\n",
        );
        for r in recalls {
            let title = r
                .title
                .as_ref()
                .map_or(String::new(), |t| format!(": {}", t.value));
            let _ = write!(out, "\n### Recall {}{title}\n\n", r.id.name);
            if let Some(c) = &r.component {
                let _ = writeln!(out, "- **Component:** {}", c.value);
            }
            if let Some(s) = &r.severity {
                let _ = writeln!(out, "- **Kind:** {}", words(&s.name));
            }
            if let Some(a) = &r.affects {
                let _ = writeln!(
                    out,
                    "- **Products concerned:** those where {}.",
                    condition(a)
                );
            }
            if let Some(m) = &r.remedy {
                let _ = writeln!(out, "- **Remedy:** {}.", m.value.trim_end_matches('.'));
            }
        }
    }
    let reports: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            Item::Report(r) => Some(r),
            _ => None,
        })
        .collect();
    if !reports.is_empty() {
        out.push_str("\n## Reports to the authorities\n\n");
        out.push_str(
            "When a defect is found, we report it to the authorities within these deadlines:\n\n",
        );
        for r in reports {
            let title = r
                .title
                .as_ref()
                .map_or_else(|| words(&r.name.name), |t| t.value.clone());
            let due = match &r.due {
                Some(d) if d.immediately => match &d.after {
                    Some(x) => format!("at once, on {}", value(x)),
                    None => "at once".to_string(),
                },
                Some(d) => match &d.after {
                    Some(x) => format!("within {} after {}", value(&d.offset), value(x)),
                    None => format!("by {}", value(&d.offset)),
                },
                None => "as required".to_string(),
            };
            let when = r
                .when
                .as_ref()
                .map(|w| format!(", where {}", condition(w)))
                .unwrap_or_default();
            let _ = writeln!(out, "- **{title}:** {due}{when}.");
        }
    }
    out
}

/// The share a `pays` list gives a component (100% where not named).
fn share(w: &WarrantyDecl, component: &str) -> Option<Decimal> {
    match w.pays.iter().find(|s| s.component.name == component) {
        None => Some(Decimal::ONE),
        Some(s) => match &s.value.kind {
            ExprKind::Literal(Literal::Percent(p)) => Some(*p),
            _ => None,
        },
    }
}

/// The deductible, if it is a literal amount.
fn deductible(w: &WarrantyDecl) -> Option<(String, bool)> {
    let d = w.deductible.as_ref()?;
    match &d.kind {
        ExprKind::Literal(Literal::Money { amount, .. }) => Some((value(d), amount.is_zero())),
        _ => Some((value(d), false)),
    }
}

/// How the warranty treats later owners: `Some(true)` original owner only, `Some(false)`
/// later owners only, `None` every owner.
fn owners(e: &Expr) -> Option<bool> {
    match &e.kind {
        ExprKind::Compare { op, lhs, rhs } => {
            let is_owner = matches!(&lhs.kind, ExprKind::Path(p) if p.dotted() == "product.owner");
            let original = matches!(&rhs.kind, ExprKind::Path(p) if p.dotted() == "original");
            match (is_owner && original, op) {
                (true, crate::dsl::ast::CmpOp::Eq) => Some(true),
                (true, crate::dsl::ast::CmpOp::Ne) => Some(false),
                _ => None,
            }
        }
        ExprKind::And(xs) => xs.iter().find_map(owners),
        _ => None,
    }
}

/// The market a condition requires (`product.market == eu`), if it requires one.
fn market(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Compare {
            op: crate::dsl::ast::CmpOp::Eq,
            lhs,
            rhs,
        } => match (&lhs.kind, &rhs.kind) {
            (ExprKind::Path(l), ExprKind::Path(r)) if l.dotted() == "product.market" => {
                Some(r.dotted())
            }
            _ => None,
        },
        ExprKind::And(xs) => xs.iter().find_map(market),
        _ => None,
    }
}

/// The codes of table `fault` a `covers` condition accepts, where it tests the fault's
/// attributes or its code in a simple way (`claim.fault.system in [engine, transmission]`,
/// `claim.fault.system == device`, `claim.fault in P0200..P0208`); `None` otherwise.
fn covered_codes<'e>(e: &Expr, env: &'e Env) -> Option<Vec<&'e crate::types::CodeDef>> {
    let tid = env.tables.iter().position(|t| t.name == "fault")?;
    let table = &env.tables[tid];
    let (p, wanted): (&crate::dsl::ast::Path, Vec<&Expr>) = match &e.kind {
        ExprKind::Compare {
            op: crate::dsl::ast::CmpOp::Eq,
            lhs,
            rhs,
        } => match &lhs.kind {
            ExprKind::Path(p) => (p, vec![rhs.as_ref()]),
            _ => return None,
        },
        ExprKind::In {
            negated: false,
            value,
            set,
        } => match (&value.kind, &set.kind) {
            (ExprKind::Path(p), ExprKind::List(items)) => (p, items.iter().collect()),
            (ExprKind::Path(p), ExprKind::Range { lo, hi }) if p.dotted() == "claim.fault" => {
                let code = |x: &Expr| match &x.kind {
                    ExprKind::Literal(Literal::Code(c)) => Some(c.clone()),
                    _ => None,
                };
                let (lo, hi) = (code(lo)?, code(hi)?);
                return Some(
                    table
                        .codes
                        .iter()
                        .filter(|c| c.code.len() == lo.len() && c.code >= lo && c.code <= hi)
                        .collect(),
                );
            }
            _ => return None,
        },
        _ => return None,
    };
    let segs: Vec<&str> = p.segments.iter().map(|s| s.name.as_str()).collect();
    let ["claim", "fault", attr] = segs.as_slice() else {
        return None;
    };
    let k = table.attributes.iter().position(|a| a.name == *attr)?;
    let Type::Enum(en) = &table.attributes[k].ty else {
        return None;
    };
    let variants = &env.enum_def(*en).variants;
    let names: Vec<String> = wanted
        .iter()
        .filter_map(|x| match &x.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => Some(p.dotted()),
            _ => None,
        })
        .collect();
    Some(
        table
            .codes
            .iter()
            .filter(|c| match c.attrs.get(k) {
                Some(Some(Value::Enum(i))) => {
                    variants.get(*i as usize).is_some_and(|v| names.contains(v))
                }
                _ => false,
            })
            .collect(),
    )
}

fn warranty(out: &mut String, w: &WarrantyDecl, env: &Env) {
    let title = w
        .title
        .as_ref()
        .map_or_else(|| words(&w.name.name), |t| t.value.clone());
    let _ = write!(out, "\n### {title}\n\n");
    // Magnuson-Moss: full only when it costs the owner nothing and follows the product
    let mut limits = Vec::new();
    if let Some((amount, zero)) = deductible(w) {
        if !zero {
            limits.push(format!("it charges a deductible of {amount} a repair"));
        }
    }
    for c in ["parts", "labor", "handling", "sublet"] {
        match share(w, c) {
            Some(s) if s >= Decimal::ONE => {}
            Some(s) if s.is_zero() => limits.push(format!("it does not pay for {}", words(c))),
            Some(s) => limits.push(format!(
                "it pays {}% of {}",
                english::number(s * Decimal::ONE_HUNDRED),
                words(c)
            )),
            None => limits.push(format!("what it pays of {} varies", words(c))),
        }
    }
    let owner = w.when.as_ref().and_then(owners);
    let abroad = w.when.as_ref().and_then(market).filter(|m| m != "us");
    match owner {
        Some(true) => limits.push("it is for the original owner only".into()),
        Some(false) => limits.push("it is for later owners only".into()),
        None => {}
    }
    if let Some(m) = abroad {
        let _ = write!(
            out,
            "A warranty for products sold in the {} market: the U.S. Magnuson-Moss \
             designation (full or limited) does not apply to it.\n\n",
            m.to_uppercase()
        );
    } else if limits.is_empty() {
        out.push_str(
            "**Full warranty** (Magnuson-Moss Warranty Act, 15 U.S.C. 2303): a covered repair \
             costs you nothing, and the coverage stays with the product for every owner during \
             its term.\n\n",
        );
    } else {
        let _ = write!(
            out,
            "**Limited warranty** (Magnuson-Moss Warranty Act, 15 U.S.C. 2303): {}.\n\n",
            join(&limits, "and")
        );
    }
    if let Some(when) = &w.when {
        let _ = writeln!(
            out,
            "- **Who is covered:** products where {}.",
            condition(when)
        );
    }
    if let Some(t) = &w.term {
        let dur = value(&t.duration);
        let from = match &t.from {
            None => "the day the product was first put into service".to_string(),
            Some(p) => path(p),
        };
        let how_long = match &t.distance {
            Some(d) => format!("{dur} or {}, whichever comes first", value(d)),
            None => dur,
        };
        let _ = writeln!(out, "- **How long:** {how_long}, from {from}.");
    }
    match &w.covers {
        None | Some(Covers::All(_)) => out.push_str(
            "- **What is covered:** any defect in materials or workmanship, except what is \
             listed as not covered.\n",
        ),
        Some(Covers::Expr(e)) => {
            let _ = writeln!(
                out,
                "- **What is covered:** repairs where {}.",
                condition(e)
            );
            if let Some(codes) = covered_codes(e, env).filter(|c| !c.is_empty()) {
                out.push_str("  The faults covered:\n");
                // a run of codes with one description (a range of the table) on one line
                let mut k = 0;
                while k < codes.len() {
                    let mut j = k;
                    while j + 1 < codes.len() && codes[j + 1].title == codes[k].title {
                        j += 1;
                    }
                    let codes_text = if j > k {
                        format!("{}–{}", codes[k].code, codes[j].code)
                    } else {
                        codes[k].code.clone()
                    };
                    let _ = writeln!(out, "  - {codes_text} — {}", codes[k].title);
                    k = j + 1;
                }
            }
        }
    }
    if let Some(x) = &w.excludes {
        let _ = writeln!(
            out,
            "- **What is not covered:** repairs where {}.",
            condition(x)
        );
    }
    let mut pays = Vec::new();
    match deductible(w) {
        Some((_, true)) | None => pays.push("no deductible".to_string()),
        Some((amount, false)) => {
            pays.push(format!("a deductible of {amount} for each repair visit"))
        }
    }
    let shares: Vec<String> = ["parts", "labor", "handling", "sublet"]
        .iter()
        .filter_map(|c| {
            let s = share(w, c)?;
            (s < Decimal::ONE).then(|| {
                format!(
                    "{}% of the {}",
                    english::number((Decimal::ONE - s) * Decimal::ONE_HUNDRED),
                    words(c)
                )
            })
        })
        .collect();
    if shares.is_empty() {
        let _ = writeln!(
            out,
            "- **What you pay:** {}; the repair's parts and labour are paid in full.",
            pays.join("")
        );
    } else {
        pays.extend(shares);
        let _ = writeln!(out, "- **What you pay:** {}.", join(&pays, "and"));
    }
    let _ = writeln!(
        out,
        "- **If the product changes hands:** {}",
        match owner {
            Some(true) => "this warranty ends; later owners are not covered by it.",
            Some(false) => "this warranty is for owners after the first, for the rest of its term, counted from the original in-service date.",
            None => "the coverage passes to the new owner for the rest of its term.",
        }
    );
}

fn action(then: &Then) -> String {
    let Then::Action(a) = then else {
        return "as decided".into();
    };
    let arg = |k: usize| a.args.get(k).map(value);
    match a.verb.name.as_str() {
        "authorize" => {
            let remedy = a
                .args
                .first()
                .and_then(|r| match &r.kind {
                    ExprKind::Path(p) => Some(p.dotted()),
                    _ => None,
                })
                .unwrap_or_default();
            let fee = a.args.iter().find_map(|x| match &x.kind {
                ExprKind::Literal(Literal::Percent(p)) if !p.is_zero() => Some(format!(
                    ", less a {}% restocking fee",
                    english::number(*p * Decimal::ONE_HUNDRED)
                )),
                _ => None,
            });
            let what = match remedy.as_str() {
                "refund" => "a refund of the price",
                "credit" => "a store credit for the price",
                "replace" => "a replacement",
                "repair" => "a repair",
                _ => "accepted",
            };
            format!("{what}{}", fee.unwrap_or_default())
        }
        "deny" => match arg(0) {
            Some(r) => format!("not accepted ({r})"),
            None => "not accepted".into(),
        },
        v => words(v),
    }
}

fn returns(out: &mut String, r: &RulesDecl) {
    out.push_str("\n## Returns\n\n");
    out.push_str("You may return a product as follows; the first case that fits applies.\n\n");
    for rule in &r.rules {
        let _ = writeln!(
            out,
            "- If {}: {}.",
            condition(&rule.when),
            action(&rule.then)
        );
    }
    if let Some(o) = &r.otherwise {
        let _ = writeln!(out, "- Otherwise: {}.", action(&o.then));
    }
}

fn segment(out: &mut String, s: &SegmentDecl) {
    let mut name = words(&s.name.name);
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let _ = write!(out, "\n### {name} customers\n\n");
    match &s.when {
        SegmentWhen::When(e) => {
            let _ = writeln!(out, "- **Who:** customers where {}.", condition(e));
        }
        SegmentWhen::Otherwise(_) => out.push_str("- **Who:** every other customer.\n"),
        SegmentWhen::Always => {}
    }
    for (label, level) in [
        ("First answer", &s.first_response),
        ("Further replies", &s.next_reply),
        ("Resolved", &s.resolve),
        ("Escalated to a lead", &s.escalate_after),
    ] {
        if let Some(l) = level {
            let _ = writeln!(out, "- **{label}:** within {}.", value(l));
        }
    }
    if !s.channels.is_empty() {
        let names: Vec<String> = s.channels.iter().map(|c| words(&c.name)).collect();
        let _ = writeln!(out, "- **How to reach us:** {}.", join(&names, "or"));
    }
}

/// The booklet as a standalone HTML page (the Markdown rendered by `pulldown-cmark`).
#[cfg(feature = "cli")]
pub fn html(rules: &RuleSet) -> String {
    let md = markdown(rules);
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, pulldown_cmark::Parser::new(&md));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Warranty and service booklet</title>\n<style>\nbody {{ font-family: Georgia, serif; max-width: 46em; margin: 2em auto; color: #222; line-height: 1.45; }}\nh1, h2, h3 {{ font-family: system-ui, sans-serif; }}\nh2 {{ border-bottom: 1px solid #ccc; margin-top: 2em; }}\n</style></head><body>\n{body}</body></html>\n"
    )
}
