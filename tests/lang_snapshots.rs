//! What an author reads: the rendered diagnostics (`Diagnostic::render`, no colour) of a
//! few representative broken files, pinned with insta so that a change of wording, of
//! place or of underline is seen and reviewed.
//!
//! New or changed snapshots are written with `INSTA_UPDATE=always cargo test --test
//! lang_snapshots` (review the diff of `tests/snapshots/` before committing); on CI
//! (`CI=true`) a missing or different snapshot fails.

use aftersales::check::duplicate_names;
use aftersales::dsl;

/// Render every diagnostic of one broken file, as `aftersales check` prints them.
fn rendered(name: &str) -> String {
    let path = format!("{}/tests/lang/broken/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    // A relative name, so that the snapshot does not depend on where the tree is.
    let parsed = dsl::parse_str(&format!("broken/{name}"), &text);
    let mut diags = parsed.diagnostics.clone();
    if !diags.has_errors() {
        diags.extend(duplicate_names(&parsed.files));
    }
    diags.sort();
    assert!(!diags.is_empty(), "{name} gave no diagnostics");
    diags
        .as_slice()
        .iter()
        .map(|d| d.render(&parsed.map, false))
        .collect::<Vec<_>>()
        .join("\n")
}

macro_rules! snapshot {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!(stringify!($test), rendered($file));
        }
    };
}

// A misspelt keyword: what was expected, what was found, and a suggestion.
snapshot!(misspelt_then, "syntax_than_for_then.rules");
// A misspelt item keyword at the start of a line.
snapshot!(misspelt_item, "syntax_item_warrenty.rules");
// A misspelt clause: unknown clause with a suggestion, and no "missing covers" on top.
snapshot!(misspelt_clause, "clause_covres.rules");
// The file ends inside an item.
snapshot!(missing_closing_brace, "syntax_missing_brace_eof.rules");
// Pointing at the opening quote of a string that never closes.
snapshot!(unterminated_string, "string_unterminated.rules");
// A name declared twice: the second place, and a note with the first.
snapshot!(duplicate_rule_id, "duplicate_rule_id.rules");
// A required clause that is missing, pointed at the item's name.
snapshot!(missing_term, "clause_missing_term.rules");
// An unknown remedy in `returns`, with a suggestion.
snapshot!(unknown_remedy, "returns_remedy_refnd.rules");
// Multi-byte characters before the error: the underline must sit under `than`.
snapshot!(underline_after_multibyte, "utf8_before_error.rules");
// CRLF line endings: no stray carriage return in the rendered line.
snapshot!(crlf_source_line, "crlf_than_for_then.rules");
