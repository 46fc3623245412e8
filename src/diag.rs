//! Diagnostics: stable codes, severities, source places, and their rendering for people
//! (miette, with the source line underlined) and for machines (one JSON object per line).
//!
//! Every problem the tool finds in a rule set is a [`Diagnostic`] with a stable [`Code`]
//! (`E0001` …), documented in `docs/language.md`.
//!
//! ```
//! use aftersales::diag::{Code, Diagnostic, Diagnostics, SourceMap};
//! let mut map = SourceMap::new();
//! let file = map.add("rules/a.rules", "decision d {\n  rule\n}\n");
//! let span = map.span(file, 15, 19);
//! let mut diags = Diagnostics::new();
//! diags.push(Diagnostic::error(Code::Syntax, "expected a rule name, found `}`").at(span));
//! let d = &diags.as_slice()[0];
//! assert_eq!(d.code.as_str(), "E0001");
//! assert_eq!(map.line_col(span.file, span.start), (2, 3));
//! ```

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// Identifies one source file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One source file: its display name, its text, and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to people (usually the path as given).
    pub name: String,
    /// The text of the file.
    pub text: Arc<str>,
    line_starts: Vec<u32>,
    /// For each [`CHAR_MARK`] bytes of the text, the characters before the first character
    /// boundary at or after it: a column is then counted over at most that many bytes, so
    /// placing thousands of steps on one long line stays linear. Empty for ASCII text,
    /// where a column is a byte offset.
    char_marks: Vec<u32>,
}

/// Bytes between two entries of [`SourceFile`]'s character marks.
const CHAR_MARK: usize = 1024;

impl SourceFile {
    fn new(name: String, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        let mut char_marks = Vec::new();
        if !text.is_ascii() {
            let mut chars = 0u32;
            let mut next = 0usize;
            for (b, _) in text.char_indices() {
                while b >= next {
                    char_marks.push(chars);
                    next += CHAR_MARK;
                }
                chars = chars.saturating_add(1);
            }
            while next <= text.len() {
                char_marks.push(chars);
                next += CHAR_MARK;
            }
        }
        SourceFile {
            name,
            text,
            line_starts,
            char_marks,
        }
    }

    /// The characters before byte `off` (a character boundary).
    fn chars_before(&self, off: usize) -> usize {
        if self.char_marks.is_empty() {
            return off;
        }
        let k = (off / CHAR_MARK).min(self.char_marks.len() - 1);
        let mut at = (k * CHAR_MARK).min(self.text.len());
        while at < self.text.len() && !self.text.is_char_boundary(at) {
            at += 1;
        }
        let before = self.char_marks[k] as usize;
        if at <= off {
            before + self.text.get(at..off).map_or(0, |s| s.chars().count())
        } else {
            before - self.text.get(off..at).map_or(0, |s| s.chars().count())
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let mut col_end = offset;
        while col_end > start && !self.text.is_char_boundary(col_end) {
            col_end -= 1;
        }
        let col = self.chars_before(col_end) - self.chars_before(start);
        (line + 1, col + 1)
    }

    /// The byte range of the 0-based line `line`, without its line break.
    fn line_range(&self, line: usize) -> (usize, usize) {
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let mut end = self
            .line_starts
            .get(line + 1)
            .map(|&e| e as usize)
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        (start, end)
    }
}

/// All source files of a load, so that spans can be turned into file:line:column.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Data files given in memory with the rules (code tables' CSV), by name.
    data: Vec<(String, Arc<str>)>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Add a data file held in memory (a code table's CSV), found by its name before the
    /// disk is looked at.
    pub fn add_data(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) {
        self.data.push((name.into(), text.into()));
    }

    /// A data file added with [`SourceMap::add_data`]: by its exact name, or, for a name
    /// that is a path, by the same path written another way (`./a/b.csv`, `a//b.csv`).
    pub fn data(&self, name: &str) -> Option<&Arc<str>> {
        let norm = |s: &str| -> Vec<String> {
            std::path::Path::new(s)
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        };
        let want = norm(name);
        self.data
            .iter()
            .find(|(n, _)| n == name || norm(n) == want)
            .map(|(_, t)| t)
    }

    /// Add a file and return its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    /// The file with this id.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// A span in `file` from byte `start` to byte `end`.
    pub fn span(&self, file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end.max(start)).unwrap_or(u32::MAX),
        }
    }

    /// 1-based line and column of a byte offset in a file ((0, 0) for an unknown file).
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        self.file(file)
            .map(|f| f.line_col(offset))
            .unwrap_or((0, 0))
    }

    /// The source text a span covers (empty for an unknown file or a bad range).
    pub fn snippet(&self, span: Span) -> &str {
        self.file(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// `file:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        match self.file(span.file) {
            Some(f) => {
                let (l, c) = f.line_col(span.start);
                format!("{}:{}:{}", f.name, l, c)
            }
            None => "<unknown>".to_string(),
        }
    }
}

/// How serious a diagnostic is: errors stop a load, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule set cannot be used.
    Error,
    /// The rule set works, but probably not as its author meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! diagnostic_codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $title:literal; )*) => {
        /// The stable code of a diagnostic; `docs/language.md` documents each one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $name, )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            /// The code as written in messages and JSON, e.g. `"E0001"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// Whether the code says a rule file could not be read as a rule file at all
            /// (cannot be opened, no rule files, too large, not UTF-8): the CLI's exit
            /// code 2, as for any input it cannot read.
            pub fn is_unreadable(self) -> bool {
                matches!(
                    self,
                    Code::Io | Code::NoRuleFiles | Code::FileTooLarge | Code::InvalidUtf8
                )
            }

            /// A short title of what the code means.
            pub fn title(self) -> &'static str {
                match self { $(Code::$name => $title,)* }
            }
        }
    };
}

diagnostic_codes! {
    /// Syntax error: something other than what the grammar expects at that place.
    Syntax = "E0001", "syntax error";
    /// A string literal without its closing quote on the same line.
    UnterminatedString = "E0002", "unterminated string";
    /// A regular expression literal without its closing `/` on the same line.
    UnterminatedRegex = "E0003", "unterminated regular expression";
    /// An escape sequence a string does not allow.
    InvalidEscape = "E0004", "invalid escape in string";
    /// Brackets or an expression nested beyond the supported depth.
    TooDeep = "E0005", "nested too deeply";
    /// A rule file that is not valid UTF-8.
    InvalidUtf8 = "E0006", "file is not valid UTF-8";
    /// A rule file larger than the supported size.
    FileTooLarge = "E0007", "file too large";
    /// A literal whose value is impossible (a 31st of February, a number too large).
    InvalidLiteral = "E0008", "invalid literal";
    /// A character that cannot start any token.
    InvalidCharacter = "E0009", "invalid character";
    /// A rule file or folder that cannot be read.
    Io = "E0010", "cannot read rule files";
    /// A folder with no `.rules` files in it.
    NoRuleFiles = "E0011", "no rule files";
    /// A regular expression flag other than `i`, `m`, `s`, `x`.
    RegexFlag = "E0012", "unknown regular expression flag";
    /// A number followed by a word that is not a unit, where a quantity may stand.
    QuantityUnit = "E0013", "unknown unit of a quantity";
    /// A name declared twice in one namespace.
    Duplicate = "E0101", "duplicate name";
    /// A clause an item does not have.
    UnknownClause = "E0102", "unknown clause";
    /// A clause given twice in one item.
    RepeatedClause = "E0103", "clause given twice";
    /// A required clause that is missing.
    MissingClause = "E0104", "missing clause";
    /// A clause whose value has the wrong form (a name where a list is needed, …).
    ClauseForm = "E0105", "clause value of the wrong form";
    /// An unknown hit policy or aggregation.
    UnknownHitPolicy = "E0106", "unknown hit policy";
    /// A `then` of the wrong kind for its item (assignments vs an action).
    ThenForm = "E0107", "wrong kind of `then`";
    /// An unknown action in `returns` or `disposition`.
    UnknownAction = "E0108", "unknown action";
    /// An unknown type name where a type is expected.
    UnknownType = "E0109", "unknown type";
    /// An unknown unit in a `units` item.
    UnknownUnit = "E0110", "unknown unit";
    /// Code range bounds that do not share a prefix and width, or run backwards.
    CodeRange = "E0111", "invalid code range";
    /// A name that resolves to nothing: field, root, decision, output, variant, table…
    UnknownName = "E0201", "unknown name";
    /// A regular expression the `regex` crate rejects, or one too large.
    InvalidRegex = "E0203", "invalid regular expression";
    /// A code that does not match its table's `format`.
    CodeFormat = "E0204", "code does not match the table's format";
    /// A code that is not in its table.
    UnknownCode = "E0205", "unknown code";
    /// A value of the wrong type.
    TypeMismatch = "E0206", "type mismatch";
    /// An optional field read without a `has` guard.
    Unguarded = "E0207", "optional field read without `has`";
    /// Decisions that depend on each other in a cycle.
    Cycle = "E0208", "decision cycle";
    /// Money of two statically known, different currencies combined or compared.
    CurrencyMix = "E0209", "currencies mixed";
    /// Calendar, exact and business durations mixed.
    DurationKinds = "E0210", "durations of different kinds mixed";
    /// An unknown built-in function, or a wrong number of arguments.
    Function = "E0211", "unknown function or wrong arguments";
    /// A code attribute that does not exist, or a code missing a required attribute.
    Attribute = "E0212", "code attribute problem";
    /// A row of a CSV code table that cannot be read.
    CsvTable = "E0213", "CSV code table problem";
    /// `has` on a field that is always present (warning).
    HasRequired = "E0214", "`has` on a required field";
    /// Shares of one cost component over 100%.
    SplitOver100 = "E0215", "split shares over 100%";
    /// A warranty term that is not positive.
    TermNotPositive = "E0216", "term not positive";
    /// A time zone that is not an IANA name.
    TimeZone = "E0217", "unknown time zone";
    /// A `collect` aggregation over outputs it cannot aggregate.
    Aggregation = "E0218", "invalid aggregation";
    /// A response template that is not valid minijinja, or whose file cannot be read.
    Template = "E0219", "template problem";
    /// A rule no input can reach: earlier rules take all its inputs, or its conditions
    /// can never all hold (warning).
    UnreachableRule = "E0301", "unreachable rule";
    /// A decision without `otherwise` that some input falls through (warning).
    Gap = "E0302", "gap: an input no rule matches";
    /// Two rules of a `hit unique` decision that can both match (an error when proven,
    /// a warning when it can be neither proven nor refuted).
    Overlap = "E0303", "overlapping rules in a unique decision";
    /// The analyses of a decision stopped at their budget before settling some rules.
    AnalysisIncomplete = "E0304", "analysis incomplete";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that a diagnostic points at ("first declared here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem found in a rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in the author's words.
    pub message: String,
    /// The main place; `None` for problems with no place in a file (an empty folder).
    pub span: Option<Span>,
    /// The label under the main place.
    pub label: Option<String>,
    /// Other places worth showing.
    pub related: Vec<Label>,
    /// A hint on how to fix it ("did you mean `odometer`?").
    pub help: Option<String>,
    /// The file or folder concerned where there is no span.
    pub path: Option<String>,
    /// An example input (one line of JSON: a gap's or an overlap's bundle). The help
    /// starts with `for example: EXAMPLE; `; people see it printed on a line of its own,
    /// never wrapped, so that it can be pasted.
    pub example: Option<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
            path: None,
            example: None,
        }
    }

    /// A new warning.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Set the main place.
    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// Set the label under the main place.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Add a secondary place.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Set the hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Attach an example input (one line of JSON), and say so first in the help:
    /// `for example: EXAMPLE; HELP`.
    pub fn with_example(mut self, example: impl Into<String>) -> Diagnostic {
        let example = example.into();
        self.help = Some(match self.help.take() {
            Some(h) => format!("for example: {example}; {h}"),
            None => format!("for example: {example}"),
        });
        self.example = Some(example);
        self
    }

    /// Set the file or folder concerned (for problems without a span).
    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = Some(path.into());
        self
    }

    /// The JSON form: `{code, severity, message, file, line, column, end_line, end_column}`
    /// (plus `help` and `related` where present). Positions are 1-based; a diagnostic with
    /// no place in a file has `null` positions.
    pub fn to_json(&self, map: &SourceMap) -> serde_json::Value {
        self.json(map).to_serde()
    }

    /// The JSON of [`Diagnostic::to_json`], in that order.
    pub(crate) fn json(&self, map: &SourceMap) -> crate::json::Json {
        use crate::json::{obj, Json};
        let mut out = obj! {
            "code": self.code.as_str(),
            "severity": self.severity.to_string(),
            "message": &self.message,
        };
        match self.span.and_then(|s| map.file(s.file).map(|f| (s, f))) {
            Some((span, file)) => {
                let (l, c) = file.line_col(span.start);
                let (el, ec) = file.line_col(span.end);
                out.insert("file", Json::from(&file.name));
                out.insert("line", Json::from(l));
                out.insert("column", Json::from(c));
                out.insert("end_line", Json::from(el));
                out.insert("end_column", Json::from(ec));
            }
            None => {
                out.insert("file", Json::from(self.path.clone()));
                for k in ["line", "column", "end_line", "end_column"] {
                    out.insert(k, Json::Null);
                }
            }
        }
        if let Some(h) = &self.help {
            out.insert("help", Json::from(h));
        }
        if !self.related.is_empty() {
            let rel: Vec<Json> = self
                .related
                .iter()
                .map(|r| {
                    let (l, c) = map.line_col(r.span.file, r.span.start);
                    obj! {
                        "file": map.file(r.span.file).map(|f| f.name.clone()),
                        "line": l, "column": c, "message": &r.message,
                    }
                })
                .collect();
            out.insert("related", Json::Array(rel));
        }
        out
    }

    /// Render for people: `error[E0001]: message`, the place, the source line with the span
    /// underlined, related places and the hint. `color` adds ANSI colours.
    pub fn render(&self, map: &SourceMap, color: bool) -> String {
        crate::diag::render::render(self, map, color)
    }
}

/// Every diagnostic of a load, in the order found (sorted by place when reported).
///
/// Returned by [`crate::RuleSet::load`], it carries the rule set's sources, so that its
/// `Display` renders every diagnostic with its file, line, column and source line (and
/// `Debug` too, so that `main` returning the error prints them readably).
#[derive(Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    sources: Option<Arc<SourceMap>>,
}

impl PartialEq for Diagnostics {
    fn eq(&self, other: &Diagnostics) -> bool {
        self.items == other.items
    }
}

impl Eq for Diagnostics {}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(map) = &self.sources {
            for d in &self.items {
                writeln!(f, "{}", d.render(map, false))?;
            }
        }
        write!(
            f,
            "{} error(s), {} warning(s)",
            self.error_count(),
            self.warning_count()
        )
    }
}

impl std::error::Error for Diagnostics {}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sources.is_some() {
            write!(f, "{self}")
        } else {
            f.debug_list().entries(&self.items).finish()
        }
    }
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Attach the sources the diagnostics point into, so that `Display` renders them.
    pub fn with_sources(mut self, sources: Arc<SourceMap>) -> Diagnostics {
        self.sources = Some(sources);
        self
    }

    /// The sources attached with [`Diagnostics::with_sources`].
    pub fn sources(&self) -> Option<&SourceMap> {
        self.sources.as_deref()
    }

    /// Add one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Add one and return it for further editing.
    pub fn push_mut(&mut self, d: Diagnostic) -> &mut Diagnostic {
        let i = self.items.len();
        self.items.push(d);
        &mut self.items[i]
    }

    /// Add all of another set.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// All of them.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    /// How many errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// How many warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Whether there are none at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sort by file, then position, errors before warnings at the same place.
    pub fn sort(&mut self) {
        self.items
            .sort_by_key(|d| (d.span.map(|s| (s.file, s.start)), d.severity, d.code));
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The closest name to `name` among `candidates`, if one is close enough to be a likely
/// typo (edit distance at most a third of the length, and at least 1).
///
/// ```
/// assert_eq!(aftersales::diag::suggest("odometr", ["odometer", "dealer"]), Some("odometer".to_string()));
/// assert_eq!(aftersales::diag::suggest("xyz", ["odometer"]), None);
/// ```
pub fn suggest<I, S>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, String)> = None;
    for c in candidates {
        let c = c.as_ref();
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        if d <= limit && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
            best = Some((d, c.to_string()));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance with transpositions counted as one edit (optimal string alignment).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 8 {
        return a.len().abs_diff(b.len());
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, slot) in d.iter_mut().enumerate().take(w) {
        *slot = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

mod render {
    //! Human rendering through miette's graphical handler, on a window of the source so
    //! that a 10 MB one-line file does not print 10 MB.
    #[cfg(feature = "fancy")]
    use super::Severity;
    use super::{Diagnostic, SourceMap};
    #[cfg(feature = "fancy")]
    use miette::{
        GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
        SourceCode, SourceSpan, SpanContents,
    };
    #[cfg(feature = "fancy")]
    use std::fmt;

    /// Longest stretch of one line shown around a span.
    const WINDOW: usize = 240;

    #[cfg_attr(not(feature = "fancy"), allow(dead_code))]
    struct Window {
        name: String,
        text: String,
        /// Offset in the window's coordinates of the window's first byte.
        base: usize,
        first_line: usize,
        first_col: usize,
        line_count: usize,
    }

    #[cfg(feature = "fancy")]
    impl SourceCode for Window {
        fn read_span<'a>(
            &'a self,
            _span: &SourceSpan,
            _before: usize,
            _after: usize,
        ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
            Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                self.text.as_bytes(),
                SourceSpan::new(self.base.into(), self.text.len()),
                self.first_line,
                self.first_col,
                self.line_count,
            )))
        }
    }

    #[cfg(feature = "fancy")]
    struct Report<'a> {
        diag: &'a Diagnostic,
        window: Option<Window>,
        labels: Vec<LabeledSpan>,
    }

    #[cfg(feature = "fancy")]
    impl fmt::Debug for Report<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.diag.message)
        }
    }
    #[cfg(feature = "fancy")]
    impl fmt::Display for Report<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.diag.message)
        }
    }
    #[cfg(feature = "fancy")]
    impl std::error::Error for Report<'_> {}
    #[cfg(feature = "fancy")]
    impl miette::Diagnostic for Report<'_> {
        fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
            Some(Box::new(self.diag.code.as_str()))
        }
        fn severity(&self) -> Option<miette::Severity> {
            Some(match self.diag.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            })
        }
        fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
            self.diag
                .help
                .as_ref()
                .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
        }
        fn source_code(&self) -> Option<&dyn SourceCode> {
            self.window.as_ref().map(|w| w as &dyn SourceCode)
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            if self.labels.is_empty() {
                None
            } else {
                Some(Box::new(self.labels.clone().into_iter()))
            }
        }
    }

    /// Window of up to 3 lines around the span, each cut to WINDOW bytes around it.
    /// Returns the window and the span's start/len inside it.
    fn window(map: &SourceMap, diag: &Diagnostic) -> Option<(Window, usize, usize)> {
        let span = diag.span?;
        let file = map.file(span.file)?;
        let text: &str = &file.text;
        let start = (span.start as usize).min(text.len());
        let end = (span.end as usize).clamp(start, text.len());
        let (line, col) = file.line_col(start as u32);
        let line0 = line - 1;
        let (ls, le) = file.line_range(line0);
        // cut the line around the span
        let mut ws = ls.max(start.saturating_sub(WINDOW / 2));
        while ws > ls && !text.is_char_boundary(ws) {
            ws -= 1;
        }
        let mut we = le.min(ws + WINDOW).max(ws);
        while we < le && !text.is_char_boundary(we) {
            we += 1;
        }
        let mut body = text.get(ws..we)?.to_string();
        // the span may run past the window: clip it to the window's first line
        let s_in = start - ws;
        let e_in = end.min(we).max(start) - ws;
        let len = if e_in > s_in {
            e_in - s_in
        } else if start == le {
            0
        } else {
            1
        };
        if start >= le {
            body.push(' ');
        }
        let first_col = text.get(ls..ws).map(|s| s.chars().count()).unwrap_or(0);
        let _ = col;
        Some((
            Window {
                name: file.name.clone(),
                text: body,
                base: 0,
                first_line: line0,
                first_col,
                line_count: 1,
            },
            s_in,
            len.min(WINDOW),
        ))
    }

    pub(super) fn render(diag: &Diagnostic, map: &SourceMap, color: bool) -> String {
        // an example is printed apart, unwrapped; the help says it follows
        let shown;
        let diag = match (&diag.example, &diag.help) {
            (Some(e), Some(h)) => {
                let rest = h
                    .strip_prefix(&format!("for example: {e}"))
                    .map(|r| r.trim_start_matches(';').trim_start())
                    .unwrap_or(h);
                shown = Diagnostic {
                    help: Some(if rest.is_empty() {
                        "an example input follows".to_string()
                    } else {
                        format!("{rest} (an example input follows)")
                    }),
                    ..diag.clone()
                };
                &shown
            }
            _ => diag,
        };
        let mut out = String::new();
        if let Some(span) = diag.span {
            out.push_str(&format!(
                "{}[{}]: {}\n  --> {}\n",
                diag.severity,
                diag.code.as_str(),
                diag.message,
                map.location(span)
            ));
        } else {
            out.push_str(&format!(
                "{}[{}]: {}{}\n",
                diag.severity,
                diag.code.as_str(),
                diag.message,
                diag.path
                    .as_ref()
                    .map(|p| format!("\n  --> {p}"))
                    .unwrap_or_default()
            ));
        }
        out.push_str(&snippet(diag, map, color));
        for r in &diag.related {
            out.push_str(&format!(
                "  note: {} ({})\n",
                r.message,
                map.location(r.span)
            ));
        }
        if let Some(e) = &diag.example {
            out.push_str("  example:\n");
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// The source line with the span underlined, and the help: through miette's
    /// graphical handler.
    #[cfg(feature = "fancy")]
    fn snippet(diag: &Diagnostic, map: &SourceMap, color: bool) -> String {
        let mut labels = Vec::new();
        let win = window(map, diag).map(|(w, s, l)| {
            labels.push(LabeledSpan::new_primary_with_span(
                diag.label.clone(),
                SourceSpan::new(s.into(), l),
            ));
            w
        });
        let report = Report {
            diag,
            window: win,
            labels,
        };
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_context_lines(0)
            .with_width(100);
        let mut body = String::new();
        if report.window.is_some() && handler.render_report(&mut body, &report).is_ok() {
            // miette repeats the message in its header; keep its snippet and help.
            let snippet: Vec<&str> = body.lines().skip_while(|l| !l.contains("╭─[")).collect();
            let mut out = snippet.join("\n");
            out.push('\n');
            out
        } else if let Some(h) = &diag.help {
            format!("  help: {h}\n")
        } else {
            String::new()
        }
    }

    /// The source line with the span underlined, and the help, in plain text (the library
    /// built without the `fancy` feature).
    #[cfg(not(feature = "fancy"))]
    fn snippet(diag: &Diagnostic, map: &SourceMap, _color: bool) -> String {
        let mut out = String::new();
        if let Some((w, start, len)) = window(map, diag) {
            let line = (w.first_line + 1).to_string();
            let pad = " ".repeat(line.len());
            let before = w.text.get(..start).map_or(0, |s| s.chars().count());
            let marks = w
                .text
                .get(start..start + len)
                .map_or(1, |s| s.chars().count().max(1));
            out.push_str(&format!("{pad} |\n{line} | {}\n", w.text.trim_end()));
            out.push_str(&format!(
                "{pad} | {}{} {}\n",
                " ".repeat(before),
                "^".repeat(marks),
                diag.label.as_deref().unwrap_or("")
            ));
        }
        if let Some(h) = &diag.help {
            out.push_str(&format!("  help: {h}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Line and column counted the plain way: characters from the start of the line.
    fn naive(text: &str, offset: usize) -> (usize, usize) {
        let mut off = offset.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        let before = &text[..off];
        let line = before.matches('\n').count();
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        (line + 1, before[start..].chars().count() + 1)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn columns_count_characters_on_long_lines(
            parts in proptest::collection::vec(
                prop_oneof![Just("a"), Just("é"), Just("€"), Just("😀"), Just("\n"), Just("bcd")],
                0..3000,
            ),
            picks in proptest::collection::vec(any::<u32>(), 1..20),
        ) {
            let text: String = parts.concat();
            let f = SourceFile::new("x".into(), Arc::from(text.as_str()));
            for p in picks {
                let off = p as usize % (text.len() + 1);
                prop_assert_eq!(f.line_col(off as u32), naive(&text, off), "offset {}", off);
            }
        }
    }
}
