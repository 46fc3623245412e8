//! Facts back to JSON, in the encodings they are read from, exactly.

use super::Facts;
use crate::json::Json as J;
use crate::types::{Env, Type};
use crate::value::Value;

/// The whole bundle: `id` first, then each present root in schema order.
pub(super) fn bundle(facts: &Facts, env: &Env) -> J {
    let mut out = Vec::new();
    if let Some(id) = facts.id() {
        out.push(("id".into(), J::String(id.to_string())));
    }
    let mut context_done = false;
    for (sid, slots) in facts.roots() {
        let Some(schema) = env.schemas.get(sid.0 as usize) else {
            continue;
        };
        context_done |= schema.name == "context";
        let mut obj = Vec::new();
        for (f, slot) in schema.fields.iter().zip(slots) {
            if let Some(v) = slot {
                obj.push((f.name.clone(), value(&f.ty, v, env)));
            }
        }
        out.push((schema.name.clone(), J::Object(obj)));
    }
    if !context_done && (facts.today().is_some() || facts.now().is_some()) {
        let mut obj = Vec::new();
        if let Some(d) = facts.today() {
            obj.push(("today".into(), J::String(d.format("%Y-%m-%d").to_string())));
        }
        if let Some(t) = facts.now() {
            obj.push(("now".into(), J::String(t.to_rfc3339())));
        }
        out.push(("context".into(), J::Object(obj)));
    }
    J::Object(out)
}

/// One value of type `ty`, as facts are written (money exactly as given).
pub(super) fn value(ty: &Type, v: &Value, env: &Env) -> J {
    value_styled(ty, v, env, false)
}

/// One value of type `ty`; `minor_units` writes money rounded to its currency's minor
/// unit (`"USD 0.00"`), as results are written (LANGUAGE.md §8).
pub(crate) fn value_styled(ty: &Type, v: &Value, env: &Env, minor_units: bool) -> J {
    if let Some(j) = v.scalar_json(minor_units) {
        return j;
    }
    match v {
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
            let mut obj = Vec::new();
            if let Type::Record(sid) = ty {
                if let Some(schema) = env.schemas.get(sid.0 as usize) {
                    for (f, slot) in schema.fields.iter().zip(slots.iter()) {
                        if let Some(x) = slot {
                            obj.push((f.name.clone(), value_styled(&f.ty, x, env, minor_units)));
                        }
                    }
                }
            }
            J::Object(obj)
        }
        _ => J::Null,
    }
}
