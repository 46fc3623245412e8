//! Reading whole files with a cap: at most one byte past the limit is read, whatever size
//! the file reports (`/dev/zero`, a pipe, a special file reporting 0), so that no input
//! grows memory without bound.

use std::io::Read;
use std::path::Path;

/// The most any whole-file input of the CLI (a JSON or YAML batch, a history, a log, a
/// flat file) may hold: 1 GiB. Rule files and fixtures have their own, smaller, limits.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub(crate) const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The bytes of `path`, refused past `limit` bytes.
pub(crate) fn bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    capped(f, limit).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// At most `limit` bytes of `r`; more is an error that says the limit.
pub(crate) fn capped(r: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "it is larger than the largest accepted, {}",
            size(limit)
        ));
    }
    Ok(bytes)
}

/// The UTF-8 text of `path` (a leading byte-order mark dropped), refused past `limit`.
pub(crate) fn text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = bytes(path, limit)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read {}: it is not UTF-8 text (a bad byte at byte offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(t) => t.to_string(),
        None => text,
    })
}

/// `1 GiB`, `32 MiB`, `500 bytes`.
fn size(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// Line numbers of a text by byte offset (the `csv` crate's own line count passes over
/// blank lines without counting them; the byte offset it gives is exact).
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`'s lines.
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The line (from 1) of byte `offset`.
    pub(crate) fn line(&self, offset: u64) -> usize {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.starts.partition_point(|s| *s <= offset).max(1)
    }

    /// The line (from 1) a CSV record read from byte `offset` of `text` starts on: the
    /// blank lines the reader passed over before it are skipped.
    pub(crate) fn record_line(&self, text: &str, offset: u64) -> usize {
        let mut at = usize::try_from(offset).unwrap_or(usize::MAX);
        let bytes = text.as_bytes();
        while matches!(bytes.get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        self.line(at as u64)
    }
}

/// The rows of a CSV text (the `csv` crate: RFC 4180 quoting, fields trimmed, rows of any
/// width), each with the line it starts on; blank rows and, with `comment`, comment lines
/// are passed over.
pub(crate) struct CsvRows<'t> {
    text: &'t str,
    reader: csv::Reader<&'t [u8]>,
    lines: LineIndex,
    record: csv::StringRecord,
}

impl<'t> CsvRows<'t> {
    /// The rows of `text`; `comment`: the byte that starts a comment line.
    pub(crate) fn new(text: &'t str, comment: Option<u8>) -> CsvRows<'t> {
        CsvRows {
            text,
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .comment(comment)
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes()),
            lines: LineIndex::new(text),
            record: csv::StringRecord::new(),
        }
    }

    /// Read the next row that is not blank: the line it starts on (its fields are then
    /// [`CsvRows::fields`]), or the line and message of a row that cannot be read.
    pub(crate) fn next_row(&mut self) -> Option<Result<usize, (usize, String)>> {
        loop {
            let at = self.lines.line(self.reader.position().byte());
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    let line = e
                        .position()
                        .map_or(at, |p| self.lines.record_line(self.text, p.byte()));
                    return Some(Err((line, e.to_string())));
                }
            }
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            let line = self
                .record
                .position()
                .map_or(at, |p| self.lines.record_line(self.text, p.byte()));
            return Some(Ok(line));
        }
    }

    /// The fields of the row [`CsvRows::next_row`] read.
    pub(crate) fn fields(&self) -> Vec<&str> {
        self.record.iter().collect()
    }
}
