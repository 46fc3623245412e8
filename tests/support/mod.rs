//! Helpers shared by the test files.

/// Split a text into tokens at whitespace and punctuation boundaries, keeping everything,
/// so that `concat()` gives the text back.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_whitespace() || "{}[]()<>=!,.:+-*/\"#%?".contains(ch) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(ch.to_string());
        } else {
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
