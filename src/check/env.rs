//! The declaration pass: builds the [`Env`] (schemas, enums, code tables, units) from the
//! prelude and the rule files, reporting unknown types, bad attribute values, codes that
//! break their table's `format`, and CSV rows that cannot be read.

use super::{regex_of, suggest_help};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceMap, Span};
use crate::dsl::ast::{self, Expr, ExprKind, Literal, TypeKind};
use crate::types::{CodeDef, DurationKind, EnumDef, Env, Field, Schema, Table, Type, Units};
use crate::value::{Currency, Distance, Duration, Money, Value};
use std::path::Path;
use std::sync::Arc;

/// Build the environment. Prelude tables may be filled once by a rule set's `codes` item.
pub(crate) fn build(files: &[ast::RuleFile], map: &SourceMap, diags: &mut Diagnostics) -> Env {
    let mut env = Env::default();
    // 1. every schema name first, so that fields may name schemas declared later
    for item in files.iter().flat_map(|f| &f.items) {
        if let ast::Item::Schema(s) = item {
            if env.schema_id(&s.name.name).is_none() {
                env.add_schema(Schema::new(&s.name.name, s.open, Some(s.name.span)));
            }
        }
    }
    // 2. tables: declare each name once; a second `codes` of a prelude table fills it
    let prelude = files.first().map(|f| f.file);
    for item in files.iter().flat_map(|f| &f.items) {
        if let ast::Item::Codes(c) = item {
            if env.table_id(&c.name.name).is_none() {
                env.add_table(Table::new(&c.name.name, Some(c.name.span)));
            }
        }
    }
    // 3. fields
    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            ast::Item::Schema(s) => {
                if let Some(id) = env.schema_id(&s.name.name) {
                    if env.schema(id).span == Some(s.name.span) {
                        add_fields(&mut env, id, s, diags);
                    }
                }
            }
            ast::Item::Extend(s) => match env.schema_id(&s.name.name) {
                Some(id) => {
                    if s.open {
                        env.schema_mut(id).open = true;
                    }
                    add_fields(&mut env, id, s, diags)
                }
                None => {
                    let names: Vec<String> = env.schema_names().map(String::from).collect();
                    diags.push(
                        Diagnostic::error(
                            Code::UnknownName,
                            format!("`extend` of unknown schema `{}`", s.name.name),
                        )
                        .at(s.name.span)
                        .with_help(suggest_help(
                            &s.name.name,
                            names.iter(),
                            "schemas",
                        )),
                    );
                }
            },
            _ => {}
        }
    }
    // 4. units
    let mut units_seen: Option<Span> = None;
    for item in files.iter().flat_map(|f| &f.items) {
        if let ast::Item::Units(u) = item {
            if let Some(first) = units_seen {
                diags.push(
                    Diagnostic::error(Code::Duplicate, "`units` is declared twice")
                        .at(u.span)
                        .with_related(first, "first declared here"),
                );
                continue;
            }
            units_seen = Some(u.span);
            env.units = Units {
                currency: u.currency.as_ref().and_then(|c| Currency::new(&c.name)),
                distance: u.distance.map(|d| d.0).unwrap_or(ast::DistanceUnit::Km),
            };
        }
    }
    // 5. table contents
    for file in files {
        for item in &file.items {
            if let ast::Item::Codes(c) = item {
                let Some(id) = env.table_id(&c.name.name) else {
                    continue;
                };
                let t = env.table(id);
                let is_prelude_decl = Some(file.file) == prelude && t.span == Some(c.name.span);
                if t.filled {
                    // a second fill is reported by the duplicate-name pass
                    continue;
                }
                if !is_prelude_decl || !c.entries.is_empty() || !c.attributes.is_empty() {
                    fill_table(&mut env, id, c, file.file, map, diags);
                }
            }
        }
    }
    env
}

fn add_fields(
    env: &mut Env,
    id: crate::types::SchemaId,
    s: &ast::SchemaDecl,
    diags: &mut Diagnostics,
) {
    for f in &s.fields {
        let owner = format!("{}.{}", s.name.name, f.name.name);
        let Some(ty) = resolve_type(env, &f.ty, &owner, diags) else {
            continue;
        };
        let field = Field {
            name: f.name.name.clone(),
            ty,
            optional: f.ty.optional,
            span: Some(f.name.span),
        };
        // a second field of the same name is reported by the duplicate-name pass
        let _ = env.schema_mut(id).add_field(field);
    }
}

/// Resolve a written type. `owner` names the place for enum messages (`product.owner`).
pub(crate) fn resolve_type(
    env: &mut Env,
    t: &ast::TypeExpr,
    owner: &str,
    diags: &mut Diagnostics,
) -> Option<Type> {
    Some(match &t.kind {
        TypeKind::Prim(p) => match p {
            ast::PrimType::Bool => Type::Bool,
            ast::PrimType::Int => Type::Int,
            ast::PrimType::Decimal => Type::Decimal,
            ast::PrimType::Percent => Type::Percent,
            ast::PrimType::Money => Type::Money,
            ast::PrimType::Text => Type::Text,
            ast::PrimType::Date => Type::Date,
            ast::PrimType::DateTime => Type::DateTime,
            ast::PrimType::Duration => Type::Duration(DurationKind::Exact),
            ast::PrimType::Distance => Type::Distance,
        },
        TypeKind::Named(id) => match env.schema_id(&id.name) {
            Some(s) => Type::Record(s),
            None => {
                let mut names: Vec<String> = ast::PrimType::ALL
                    .iter()
                    .map(|(n, _)| n.to_string())
                    .collect();
                names.extend(env.schema_names().map(String::from));
                diags.push(
                    Diagnostic::error(Code::UnknownType, format!("unknown type `{}`", id.name))
                        .at(id.span)
                        .with_help(suggest_help(&id.name, names.iter(), "types")),
                );
                return None;
            }
        },
        TypeKind::Enum(variants) => Type::Enum(env.add_enum(EnumDef {
            name: owner.to_string(),
            variants: variants.iter().map(|v| v.name.clone()).collect(),
        })),
        TypeKind::Code(table) => match env.table_id(&table.name) {
            Some(t) => Type::Code(t),
            None => {
                let names: Vec<String> = env.table_names().map(String::from).collect();
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!("unknown code table `{}`", table.name),
                    )
                    .at(table.span)
                    .with_help(suggest_help(
                        &table.name,
                        names.iter(),
                        "code tables",
                    )),
                );
                return None;
            }
        },
        TypeKind::SetOf(inner) => Type::Set(Box::new(resolve_type(env, inner, owner, diags)?)),
    })
}

fn fill_table(
    env: &mut Env,
    id: crate::types::TableId,
    c: &ast::CodesDecl,
    file: crate::diag::FileId,
    map: &SourceMap,
    diags: &mut Diagnostics,
) {
    let table_name = c.name.name.clone();
    let mut attributes = Vec::new();
    for a in &c.attributes {
        let owner = format!("{}.{}", table_name, a.name.name);
        if let Some(ty) = resolve_type(env, &a.ty, &owner, diags) {
            if attributes.iter().any(|x: &Field| x.name == a.name.name) {
                diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        format!("attribute `{}` is declared twice", a.name.name),
                    )
                    .at(a.name.span),
                );
                continue;
            }
            attributes.push(Field {
                name: a.name.name.clone(),
                ty,
                optional: a.ty.optional,
                span: Some(a.name.span),
            });
        }
    }
    let format = c.format.as_ref().and_then(|r| regex_of(r, diags));
    {
        let t = env.table_mut(id);
        t.filled = true;
        t.span = Some(c.name.span);
        t.title = c
            .title
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_default();
        t.attributes = attributes.clone();
        t.format = format.clone();
    }
    let add = |env: &mut Env,
               diags: &mut Diagnostics,
               code: String,
               title: String,
               attrs: Vec<Option<Value>>,
               span: Span| {
        if let Some(f) = &format {
            if !f.is_match(&code) {
                diags.push(
                    Diagnostic::error(
                        Code::CodeFormat,
                        format!("code `{code}` does not match the format of table `{table_name}`"),
                    )
                    .at(span)
                    .with_help(format!("codes of `{table_name}` match /{}/", f.as_str())),
                );
                return;
            }
        }
        if env
            .table_mut(id)
            .add_code(CodeDef {
                code: code.clone(),
                title,
                attrs,
            })
            .is_err()
        {
            diags.push(
                Diagnostic::error(
                    Code::Duplicate,
                    format!("code `{code}` is declared twice in table `{table_name}`"),
                )
                .at(span),
            );
        }
    };
    for e in &c.entries {
        let title = e
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        let attrs = entry_attrs(env, &attributes, e, &table_name, diags);
        match &e.range_end {
            None => add(env, diags, e.code.text.clone(), title, attrs, e.code.span),
            Some(end) => match crate::dsl::expand_code_range(&e.code.text, &end.text) {
                Ok(codes) => {
                    for code in codes {
                        add(env, diags, code, title.clone(), attrs.clone(), e.span);
                    }
                }
                Err(msg) => {
                    diags.push(Diagnostic::error(Code::CodeRange, msg).at(e.code.span.to(end.span)))
                }
            },
        }
    }
    if let Some(from) = &c.from {
        let base = map
            .file(file)
            .map(|f| {
                Path::new(&f.name)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let path = base.join(&from.value);
        // a CSV given in memory with the rules (by its path beside the rule file, or by the
        // name the rule writes), else the file on disk
        let in_memory = map
            .data(&path.to_string_lossy())
            .or_else(|| map.data(&from.value))
            .map(|t| t.to_string());
        let read = match in_memory {
            Some(text) => Ok(text),
            None => crate::read::text(&path, crate::dsl::MAX_FILE_BYTES as u64),
        };
        match read {
            Ok(text) => {
                let rows = read_csv_rows(
                    &text,
                    &path.display().to_string(),
                    from.span,
                    &attributes,
                    env,
                    diags,
                );
                for row in rows {
                    add(env, diags, row.0, row.1, row.2, from.span);
                }
            }
            Err(e) => diags.push(
                Diagnostic::error(Code::CsvTable, format!("code table file: {e}"))
                    .at(from.span)
                    .with_help("the path is relative to the rule file that names it"),
            ),
        }
    }
}

fn entry_attrs(
    env: &Env,
    attributes: &[Field],
    e: &ast::CodeEntry,
    table: &str,
    diags: &mut Diagnostics,
) -> Vec<Option<Value>> {
    let mut values: Vec<Option<Value>> = vec![None; attributes.len()];
    // attributes suggested for a misspelt one are not also reported missing
    let mut suggested: Vec<String> = Vec::new();
    for (name, expr) in &e.attrs {
        match attributes.iter().position(|a| a.name == name.name) {
            Some(i) => match const_value(env, expr, &attributes[i].ty) {
                Ok(v) => values[i] = Some(v),
                Err(msg) => diags.push(Diagnostic::error(Code::TypeMismatch, msg).at(expr.span)),
            },
            None => {
                let names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
                if let Some(s) = crate::diag::suggest(&name.name, &names) {
                    suggested.push(s);
                }
                diags.push(
                    Diagnostic::error(
                        Code::Attribute,
                        format!("table `{table}` has no attribute `{}`", name.name),
                    )
                    .at(name.span)
                    .with_help(suggest_help(
                        &name.name,
                        names.iter(),
                        "attributes",
                    )),
                );
            }
        }
    }
    for (i, a) in attributes.iter().enumerate() {
        if values[i].is_none() && !a.optional && !suggested.contains(&a.name) {
            diags.push(
                Diagnostic::error(
                    Code::Attribute,
                    format!(
                        "code `{}` gives no value for attribute `{}`",
                        e.code.text, a.name
                    ),
                )
                .at(e.code.span)
                .with_help(format!(
                    "add `{}: …`, or declare the attribute optional: `{}: {}?`",
                    a.name,
                    a.name,
                    a.ty.display(env)
                )),
            );
        }
    }
    values
}

/// The value of a literal expression of the expected type (code attribute values, CSV
/// cells, defaults of outputs). Errors are messages for the expression's span.
pub(crate) fn const_value(env: &Env, e: &Expr, ty: &Type) -> Result<Value, String> {
    let found = |what: &str| {
        Err(format!(
            "expected a value of type {}, found {what}",
            ty.display(env)
        ))
    };
    match (&e.kind, ty) {
        (ExprKind::Neg(inner), _) => match const_value(env, inner, ty)? {
            Value::Int(i) => Ok(Value::Int(-i)),
            Value::Decimal(d) => Ok(Value::Decimal(-d)),
            Value::Percent(d) => Ok(Value::Percent(-d)),
            Value::Money(m) => Ok(Value::Money(Money {
                amount: -m.amount,
                ..m
            })),
            _ => found("a negated value"),
        },
        (ExprKind::Literal(l), _) => literal_value(env, l, ty),
        (ExprKind::Path(p), Type::Enum(id)) if p.segments.len() == 1 => {
            let def = env.enum_def(*id);
            match def.variant(&p.segments[0].name) {
                Some(v) => Ok(Value::Enum(v)),
                None => Err(format!(
                    "`{}` is not a variant of {}{}",
                    p.segments[0].name,
                    ty.display(env),
                    crate::diag::suggest(&p.segments[0].name, &def.variants)
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default()
                )),
            }
        }
        (ExprKind::Path(p), Type::Label) if p.segments.len() == 1 => {
            Ok(Value::Label(Arc::from(p.segments[0].name.as_str())))
        }
        (ExprKind::List(items), Type::Set(inner)) => Ok(Value::Set(
            items
                .iter()
                .map(|i| const_value(env, i, inner))
                .collect::<Result<Vec<_>, _>>()?
                .into(),
        )),
        (ExprKind::Path(p), _) => found(&format!("the name `{}`", p.dotted())),
        _ => found("an expression"),
    }
}

fn literal_value(env: &Env, l: &Literal, ty: &Type) -> Result<Value, String> {
    let mismatch = |what: &str| {
        Err(format!(
            "expected a value of type {}, found {what}",
            ty.display(env)
        ))
    };
    match (l, ty) {
        (Literal::Bool(b), Type::Bool) => Ok(Value::Bool(*b)),
        (Literal::Int(i), Type::Int) => Ok(Value::Int(*i)),
        (Literal::Int(i), Type::Decimal) => Ok(Value::Decimal((*i).into())),
        (Literal::Decimal(d), Type::Decimal) => Ok(Value::Decimal(*d)),
        (Literal::Percent(p), Type::Percent) => Ok(Value::Percent(*p)),
        (Literal::Money { currency, amount }, Type::Money) => match Currency::new(currency) {
            Some(c) => Ok(Value::Money(Money {
                currency: c,
                amount: *amount,
            })),
            None => mismatch("an unknown currency"),
        },
        (Literal::Text(t), Type::Text) => Ok(Value::Text(Arc::from(t.as_str()))),
        (Literal::Date(d), Type::Date) => Ok(Value::Date(*d)),
        (Literal::DateTime(d), Type::DateTime) => Ok(Value::DateTime(*d)),
        (Literal::Quantity { value, unit }, Type::Distance) => match unit {
            ast::Unit::Km | ast::Unit::Mi => Ok(Value::Distance(Distance {
                value: *value,
                unit: if *unit == ast::Unit::Km {
                    ast::DistanceUnit::Km
                } else {
                    ast::DistanceUnit::Mi
                },
            })),
            _ => mismatch("a duration"),
        },
        (Literal::Quantity { value, unit }, Type::Duration(kind)) => {
            match quantity_duration(*value, *unit) {
                Some(d) if duration_kind(&d) == *kind => Ok(Value::Duration(d)),
                Some(_) => mismatch("a duration of another kind"),
                None if matches!(unit, ast::Unit::Km | ast::Unit::Mi) => mismatch("a distance"),
                None => Err("this duration is too large".to_string()),
            }
        }
        (Literal::Code(c), Type::Code(t)) | (Literal::Text(c), Type::Code(t)) => {
            match env.table(*t).code(c) {
                Some(i) => Ok(Value::Code(i)),
                None => Err(format!(
                    "unknown code `{c}` in table `{}`",
                    env.table(*t).name
                )),
            }
        }
        (Literal::Int(_), _) | (Literal::Decimal(_), _) => mismatch("a number"),
        (Literal::Text(_), _) => mismatch("a string"),
        (Literal::Code(c), _) => mismatch(&format!("the code `{c}`")),
        (Literal::Bool(_), _) => mismatch("a boolean"),
        (Literal::Money { .. }, _) => mismatch("money"),
        (Literal::Percent(_), _) => mismatch("a percentage"),
        (Literal::Date(_), _) => mismatch("a date"),
        (Literal::DateTime(_), _) => mismatch("a date-time"),
        (Literal::Quantity { .. }, _) => mismatch("a quantity"),
        (Literal::Clock(_), _) | (Literal::Opening(..), _) => mismatch("a time of day"),
    }
}

/// The duration a quantity literal denotes, or `None` for distances and durations too
/// large to hold.
pub(crate) fn quantity_duration(value: rust_decimal::Decimal, unit: ast::Unit) -> Option<Duration> {
    use crate::value::TimeUnit;
    use rust_decimal::Decimal;
    let secs = |k: i64, u: TimeUnit| {
        value
            .checked_mul(Decimal::from(k))
            .map(|s| Duration::Exact(s, u))
    };
    Some(match unit {
        ast::Unit::Minute => secs(60, TimeUnit::Minute)?,
        ast::Unit::Hour => secs(3600, TimeUnit::Hour)?,
        ast::Unit::Day => secs(86_400, TimeUnit::Day)?,
        ast::Unit::Week => secs(604_800, TimeUnit::Week)?,
        ast::Unit::Month => Duration::Months(i64::try_from(value.trunc()).ok()?, TimeUnit::Month),
        ast::Unit::Year => Duration::Months(
            i64::try_from(value.trunc()).ok()?.checked_mul(12)?,
            TimeUnit::Year,
        ),
        ast::Unit::BusinessDay => Duration::BusinessDays(value),
        ast::Unit::BusinessHour => Duration::BusinessHours(value),
        ast::Unit::Km | ast::Unit::Mi => return None,
    })
}

/// The kind of a duration value.
pub(crate) fn duration_kind(d: &Duration) -> DurationKind {
    match d {
        Duration::Exact(..) => DurationKind::Exact,
        Duration::Months(..) => DurationKind::Calendar,
        Duration::BusinessDays(_) | Duration::BusinessHours(_) => DurationKind::Business,
    }
}

/// Read the rows of a CSV code table: code, title, then the attributes in order. A header
/// row (first cell `code`) is skipped. Each bad row is a diagnostic naming its line.
fn read_csv_rows(
    text: &str,
    path: &str,
    span: Span,
    attributes: &[Field],
    env: &Env,
    diags: &mut Diagnostics,
) -> Vec<(String, String, Vec<Option<Value>>)> {
    let mut rows = Vec::new();
    let mut first = true;
    // quoted fields may hold commas, quotes and line breaks
    let mut csv = crate::read::CsvRows::new(text, None);
    while let Some(row) = csv.next_row() {
        let line_no = match row {
            Ok(line) => line,
            Err((line, msg)) => {
                diags.push(
                    Diagnostic::error(Code::CsvTable, format!("{path}:{line}: {msg}"))
                        .at(span)
                        .with_label(format!("line {line} of this file")),
                );
                // a row that cannot be read is not read past
                break;
            }
        };
        let bad = |msg: String, diags: &mut Diagnostics| {
            diags.push(
                Diagnostic::error(Code::CsvTable, format!("{path}:{line_no}: {msg}"))
                    .at(span)
                    .with_label(format!("line {line_no} of this file")),
            );
        };
        let cells = csv.fields();
        let was_first = std::mem::replace(&mut first, false);
        if was_first
            && cells
                .first()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("code"))
        {
            continue;
        }
        if cells.len() != 2 + attributes.len() {
            bad(
                format!(
                    "expected {} columns (code, title{}), found {}",
                    2 + attributes.len(),
                    attributes
                        .iter()
                        .map(|a| format!(", {}", a.name))
                        .collect::<String>(),
                    cells.len()
                ),
                diags,
            );
            continue;
        }
        let code = cells[0].trim().to_string();
        if code.is_empty() {
            bad("the code is empty".into(), diags);
            continue;
        }
        let mut attrs = Vec::with_capacity(attributes.len());
        let mut ok = true;
        for (a, cell) in attributes.iter().zip(&cells[2..]) {
            let cell = cell.trim();
            if cell.is_empty() {
                if !a.optional {
                    bad(format!("no value for attribute `{}`", a.name), diags);
                    ok = false;
                }
                attrs.push(None);
                continue;
            }
            match csv_value(env, cell, &a.ty) {
                Some(v) => attrs.push(Some(v)),
                None => {
                    bad(
                        format!(
                            "`{cell}` is not a valid {} for attribute `{}`",
                            a.ty.display(env),
                            a.name
                        ),
                        diags,
                    );
                    ok = false;
                }
            }
        }
        if ok {
            rows.push((code, cells[1].trim().to_string(), attrs));
        }
    }
    rows
}

fn csv_value(env: &Env, cell: &str, ty: &Type) -> Option<Value> {
    Some(match ty {
        Type::Bool => match cell {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return None,
        },
        Type::Int => Value::Int(cell.replace('_', "").parse().ok()?),
        Type::Decimal => Value::Decimal(crate::value::parse_decimal(cell)?),
        Type::Percent => Value::Percent(
            crate::value::parse_decimal(cell.strip_suffix('%')?)?
                / rust_decimal::Decimal::ONE_HUNDRED,
        ),
        Type::Money => Value::Money(Money::parse(cell)?),
        Type::Text => Value::Text(Arc::from(cell)),
        Type::Date => Value::Date(chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok()?),
        Type::Duration(kind) => {
            let d = Duration::parse(cell)?;
            if duration_kind(&d) != *kind {
                return None;
            }
            Value::Duration(d)
        }
        Type::Distance => Value::Distance(Distance::parse(cell, env.units.distance)?),
        Type::Enum(id) => Value::Enum(env.enum_def(*id).variant(cell)?),
        Type::Code(t) => Value::Code(env.table(*t).code(cell)?),
        _ => return None,
    })
}
