//! What the language server knows of a rule set: its files as the editor holds them,
//! checked together, and the answers to "what is this", "where is it declared" and "what
//! can come here", by byte offsets in a file.

use crate::diag::{Diagnostic, FileId};
use crate::dsl::ast::{Ident, Item};
use crate::types::{Env, Type};

/// A rule set checked from texts: its files by name, the parse, the schemas and codes.
pub struct Analysis {
    /// The files, by name, in load order.
    pub names: Vec<String>,
    /// The parse (the source map, the syntax trees).
    pub parsed: crate::dsl::Parsed,
    /// The schemas, enums and code tables.
    pub env: Env,
    /// Every problem found, with its place.
    pub diagnostics: Vec<Diagnostic>,
}

/// Where something is declared: the file and the byte range of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file's name, as given.
    pub file: String,
    /// The name's bytes.
    pub start: usize,
    /// One past them.
    pub end: usize,
}

/// The keywords of the language that are not item keywords ([`Item::KEYWORDS`]), for
/// completion.
pub const KEYWORDS: &[&str] = &[
    "template",
    "rule",
    "when",
    "then",
    "otherwise",
    "and",
    "or",
    "not",
    "in",
    "has",
    "matches",
    "contains",
    "output",
    "hit",
    "term",
    "covers",
    "excludes",
    "deductible",
    "pays",
    "true",
    "false",
];

/// The dotted path that `text` ends with (`claim.fa` of `when claim.fa`).
fn trailing_path(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(text.len(), |(k, _)| k);
    &text[start..]
}

impl Analysis {
    /// Check `sources` (name, text) as one rule set.
    pub fn of(sources: Vec<(String, String)>) -> Analysis {
        let names = sources.iter().map(|(n, _)| n.clone()).collect();
        let (parsed, env, diags) = crate::load::check_sources(sources);
        Analysis {
            names,
            parsed,
            env,
            diagnostics: diags.as_slice().to_vec(),
        }
    }

    /// The file id of a name.
    fn file_id(&self, name: &str) -> Option<FileId> {
        self.parsed
            .map
            .files()
            .find(|(_, f)| f.name == name)
            .map(|(id, _)| id)
    }

    /// The name of a file id.
    pub fn file_name(&self, id: FileId) -> Option<&str> {
        self.parsed.map.file(id).map(|f| f.name.as_str())
    }

    /// Every declared name: items, fields of schemas, codes of tables.
    fn declarations(&self) -> Vec<(String, &Ident, String)> {
        let mut out = Vec::new();
        for file in &self.parsed.files {
            for item in &file.items {
                let named: Option<&Ident> = match item {
                    Item::Schema(d) | Item::Extend(d) => {
                        for f in &d.fields {
                            out.push((
                                format!("{}.{}", d.name.name, f.name.name),
                                &f.name,
                                format!("field `{}` of `{}`", f.name.name, d.name.name),
                            ));
                        }
                        matches!(item, Item::Schema(_)).then_some(&d.name)
                    }
                    Item::Codes(d) => Some(&d.name),
                    Item::Decision(d) => Some(&d.name),
                    Item::Warranty(d) => Some(&d.name),
                    Item::Split(d) => Some(&d.name),
                    Item::Queue(d) => Some(&d.name),
                    Item::Route(d) => Some(&d.name),
                    Item::Calendar(d) => Some(&d.name),
                    Item::Segment(d) => Some(&d.name),
                    Item::Channel(d) => Some(&d.name),
                    Item::Recall(d) => Some(&d.id),
                    Item::Report(d) => Some(&d.name),
                    Item::Opportunity(d) => Some(&d.name),
                    Item::Template(d) => Some(&d.name),
                    _ => None,
                };
                if let Some(n) = named {
                    out.push((
                        n.name.clone(),
                        n,
                        format!("{} `{}`", item.keyword(), n.name),
                    ));
                }
            }
        }
        out
    }

    /// The word (identifier, dotted path or code) around byte `at` of file `name`, with
    /// its start.
    pub fn word_at(&self, name: &str, at: usize) -> Option<(String, usize)> {
        let id = self.file_id(name)?;
        let text = &self.parsed.map.file(id)?.text;
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
        let at = at.min(text.len());
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word(*c))
            .last()
            .map_or(at, |(k, _)| k);
        let end = text[at..]
            .char_indices()
            .find(|(_, c)| !is_word(*c))
            .map_or(text.len(), |(k, _)| at + k);
        let word = text[start..end].trim_matches('.');
        (!word.is_empty()).then(|| (word.to_string(), start))
    }

    /// Where the name at byte `at` of file `name` is declared.
    pub fn definition(&self, name: &str, at: usize) -> Option<Place> {
        let (word, _) = self.word_at(name, at)?;
        let decls = self.declarations();
        // `claim.fault` names field `fault` of schema `claim`; a bare word an item
        let found = decls.iter().find(|(n, _, _)| *n == word).or_else(|| {
            let last = word.rsplit('.').next()?;
            let root = word.split('.').next()?;
            decls
                .iter()
                .find(|(n, _, _)| *n == format!("{root}.{last}"))
                .or_else(|| decls.iter().find(|(n, _, _)| *n == root))
                .or_else(|| decls.iter().find(|(n, _, _)| *n == last))
        })?;
        let ident = found.1;
        Some(Place {
            file: self.file_name(ident.span.file)?.to_string(),
            start: ident.span.start as usize,
            end: ident.span.end as usize,
        })
    }

    /// Every use of the name at byte `at`: the places where the same word is written,
    /// in every file.
    pub fn references(&self, name: &str, at: usize) -> Vec<Place> {
        let Some((word, _)) = self.word_at(name, at) else {
            return Vec::new();
        };
        let last = word.rsplit('.').next().unwrap_or(&word).to_string();
        let mut out = Vec::new();
        for (_, f) in self.parsed.map.files() {
            let text = &f.text;
            let bytes = text.as_bytes();
            let mut from = 0;
            while let Some(k) = text[from..].find(&last) {
                let s = from + k;
                let e = s + last.len();
                let boundary =
                    |i: Option<&u8>| i.is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
                if boundary(s.checked_sub(1).and_then(|i| bytes.get(i))) && boundary(bytes.get(e)) {
                    out.push(Place {
                        file: f.name.clone(),
                        start: s,
                        end: e,
                    });
                }
                from = e;
            }
        }
        out
    }

    /// What the name at byte `at` is, as Markdown: a field's type, a code's description
    /// and attributes, a decision's outputs, an item's kind.
    pub fn hover(&self, name: &str, at: usize) -> Option<String> {
        let (word, _) = self.word_at(name, at)?;
        let env = &self.env;
        // a code of a table
        for t in &env.tables {
            if let Some(c) = t.codes.iter().find(|c| c.code == word) {
                let mut s = format!(
                    "**{}** — {}\n\ncode of `{}` ({})",
                    c.code, c.title, t.name, t.title
                );
                for (a, v) in t.attributes.iter().zip(&c.attrs) {
                    if let Some(v) = v {
                        let shown = crate::facts::value_styled(&a.ty, v, env, false).to_string();
                        s.push_str(&format!("\n- {}: {}", a.name, shown.trim_matches('"')));
                    }
                }
                return Some(s);
            }
        }
        // a field through a path: `claim.fault`
        let segs: Vec<&str> = word.split('.').collect();
        if let (true, Some(mut sid)) = (segs.len() >= 2, env.schema_id(segs[0])) {
            for (k, seg) in segs.iter().enumerate().skip(1) {
                let schema = env.schema(sid);
                let field = schema.field(seg)?;
                if k + 1 == segs.len() {
                    return Some(format!(
                        "`{}.{}`: {}{}",
                        schema.name,
                        field.name,
                        type_text(&field.ty, env),
                        if field.optional { " (optional)" } else { "" }
                    ));
                }
                match &field.ty {
                    Type::Record(next) => sid = *next,
                    _ => return None,
                }
            }
        }
        // `worn.far`: the decision `worn`
        let word = segs[0].to_string();
        // a decision's outputs, or an item
        for file in &self.parsed.files {
            for item in &file.items {
                if let Item::Decision(d) = item {
                    if d.name.name == word {
                        let outputs: Vec<String> = d
                            .outputs
                            .iter()
                            .map(|o| format!("`{}`", o.name.name))
                            .collect();
                        return Some(format!(
                            "decision `{}`: outputs {}",
                            d.name.name,
                            outputs.join(", ")
                        ));
                    }
                }
            }
        }
        self.declarations()
            .into_iter()
            .find(|(n, _, _)| *n == word)
            .map(|(_, _, what)| what)
    }

    /// What can be written at byte `at`: the fields of a schema after `root.`, else the
    /// keywords, the items' names and the codes.
    pub fn completions(&self, name: &str, at: usize) -> Vec<(String, String)> {
        let id = self.file_id(name);
        let text = id.and_then(|id| self.parsed.map.file(id)).map(|f| &*f.text);
        let before = text.map(|t| &t[..at.min(t.len())]).unwrap_or_default();
        if let Some((root, _)) = trailing_path(before).rsplit_once('.') {
            let mut segs = root.split('.');
            let Some(mut sid) = segs.next().and_then(|r| self.env.schema_id(r)) else {
                return Vec::new();
            };
            for seg in segs {
                match self.env.schema(sid).field(seg).map(|f| &f.ty) {
                    Some(Type::Record(next)) => sid = *next,
                    _ => return Vec::new(),
                }
            }
            return self
                .env
                .schema(sid)
                .fields
                .iter()
                .map(|f| (f.name.clone(), type_text(&f.ty, &self.env)))
                .collect();
        }
        // after `path ==`, `path !=` or `path in [`: the variants or codes of the path's type
        if let Some(ty) = self.compared_type(before) {
            match ty {
                Type::Enum(e) => {
                    return self
                        .env
                        .enum_def(e)
                        .variants
                        .iter()
                        .map(|v| (v.clone(), "variant".to_string()))
                        .collect()
                }
                Type::Code(t) => {
                    if let Some(table) = self.env.tables.get(t.0 as usize) {
                        return table
                            .codes
                            .iter()
                            .map(|c| (c.code.clone(), c.title.clone()))
                            .collect();
                    }
                }
                _ => {}
            }
        }
        let mut out: Vec<(String, String)> = Item::KEYWORDS
            .iter()
            .chain(KEYWORDS)
            .map(|k| (k.to_string(), "keyword".to_string()))
            .collect();
        for s in &self.env.schemas {
            out.push((s.name.clone(), "schema".into()));
        }
        for (n, _, what) in self.declarations() {
            if !n.contains('.') {
                out.push((n, what));
            }
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}

impl Analysis {
    /// The type of the path compared just before the cursor (`claim.fault == P`,
    /// `product.owner in [ori`), if the text before it ends so.
    fn compared_type(&self, before: &str) -> Option<Type> {
        let line = before.rsplit('\n').next().unwrap_or(before);
        // drop the partial word, then what may stand between the operator and it
        let rest = line.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let rest = rest.trim_end_matches([' ', ',', '[']);
        let rest = rest.trim_end_matches(|c: char| {
            c.is_ascii_alphanumeric() || c == '_' || c == ' ' || c == ','
        });
        let rest = rest.trim_end_matches([' ', '[']);
        let rest = rest
            .strip_suffix("==")
            .or_else(|| rest.strip_suffix("!="))
            .or_else(|| rest.strip_suffix(" in"))?
            .trim_end();
        let mut segs = trailing_path(rest).split('.');
        let mut sid = self.env.schema_id(segs.next()?)?;
        let mut ty = None;
        for seg in segs {
            let f = self.env.schema(sid).field(seg)?;
            match &f.ty {
                Type::Record(next) => sid = *next,
                other => ty = Some(other.clone()),
            }
        }
        ty
    }
}

/// A type as the rules write it.
fn type_text(ty: &Type, env: &Env) -> String {
    match ty {
        Type::Enum(e) => format!("enum {{ {} }}", env.enum_def(*e).variants.join(", ")),
        other => other.display(env).to_string(),
    }
}
