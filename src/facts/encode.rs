//! Facts back to JSON, in the encodings they are read from, exactly.

use super::Facts;
use crate::types::{Env, Type};
use crate::value::{DistanceUnit, Value};
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value as J};
use std::str::FromStr;

/// The whole bundle: `id` first, then each present root in schema order.
pub(super) fn bundle(facts: &Facts, env: &Env) -> J {
    let mut out = Map::new();
    if let Some(id) = facts.id() {
        out.insert("id".into(), J::String(id.to_string()));
    }
    let mut context_done = false;
    for (sid, slots) in facts.roots() {
        let Some(schema) = env.schemas.get(sid.0 as usize) else {
            continue;
        };
        context_done |= schema.name == "context";
        let mut obj = Map::new();
        for (f, slot) in schema.fields.iter().zip(slots) {
            if let Some(v) = slot {
                obj.insert(f.name.clone(), value(&f.ty, v, env));
            }
        }
        out.insert(schema.name.clone(), J::Object(obj));
    }
    if !context_done && (facts.today().is_some() || facts.now().is_some()) {
        let mut obj = Map::new();
        if let Some(d) = facts.today() {
            obj.insert("today".into(), J::String(d.format("%Y-%m-%d").to_string()));
        }
        if let Some(t) = facts.now() {
            obj.insert("now".into(), J::String(t.to_rfc3339()));
        }
        out.insert("context".into(), J::Object(obj));
    }
    J::Object(out)
}

fn number(d: Decimal) -> J {
    Number::from_str(&d.to_string())
        .map(J::Number)
        .unwrap_or_else(|_| J::String(d.to_string()))
}

/// One value of type `ty`, as facts are written (money exactly as given).
pub(super) fn value(ty: &Type, v: &Value, env: &Env) -> J {
    value_styled(ty, v, env, false)
}

/// One value of type `ty`; `minor_units` writes money rounded to its currency's minor
/// unit (`"USD 0.00"`), as results are written (LANGUAGE.md §8).
pub(crate) fn value_styled(ty: &Type, v: &Value, env: &Env, minor_units: bool) -> J {
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Decimal(d) => number(*d),
        Value::Percent(p) => match p.checked_mul(Decimal::ONE_HUNDRED) {
            Some(x) => J::String(format!("{}%", x.normalize())),
            None => number(*p),
        },
        Value::Money(m) if minor_units => J::String(m.to_string()),
        Value::Money(m) => J::String(format!("{} {}", m.currency, m.amount)),
        Value::Text(t) | Value::Label(t) => J::String(t.to_string()),
        Value::Date(d) => J::String(d.format("%Y-%m-%d").to_string()),
        Value::DateTime(t) => J::String(t.to_rfc3339()),
        Value::Duration(d) => J::String(d.to_string()),
        Value::Distance(d) => {
            let unit = match d.unit {
                DistanceUnit::Km => "km",
                DistanceUnit::Mi => "mi",
            };
            J::String(format!("{} {unit}", d.value))
        }
        Value::Enum(i) => match ty {
            Type::Enum(e) => env
                .enums
                .get(e.0 as usize)
                .and_then(|def| def.variants.get(*i as usize))
                .map_or(J::Null, |s| J::String(s.clone())),
            _ => J::Null,
        },
        Value::Code(i) => match ty {
            Type::Code(t) => env
                .tables
                .get(t.0 as usize)
                .and_then(|table| table.codes.get(*i as usize))
                .map_or(J::Null, |c| J::String(c.code.clone())),
            _ => J::Null,
        },
        Value::Set(items) => {
            let inner = match ty {
                Type::Set(inner) => inner.as_ref(),
                _ => &Type::Any,
            };
            J::Array(
                items
                    .iter()
                    .map(|x| value_styled(inner, x, env, minor_units))
                    .collect(),
            )
        }
        Value::Record(slots) => {
            let mut obj = Map::new();
            if let Type::Record(sid) = ty {
                if let Some(schema) = env.schemas.get(sid.0 as usize) {
                    for (f, slot) in schema.fields.iter().zip(slots.iter()) {
                        if let Some(x) = slot {
                            obj.insert(f.name.clone(), value_styled(&f.ty, x, env, minor_units));
                        }
                    }
                }
            }
            J::Object(obj)
        }
    }
}
