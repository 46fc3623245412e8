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
