//! The author's guide documents every diagnostic code the tool can report.

use aftersales::diag::Code;

#[test]
fn every_diagnostic_code_is_documented_in_the_language_guide() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("docs/language.md exists");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !guide.contains(&format!("| {c} |")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/language.md: {missing:?}"
    );
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for c in Code::ALL {
        let s = c.as_str();
        assert!(
            s.len() == 5 && s.starts_with('E') && s[1..].chars().all(|d| d.is_ascii_digit()),
            "{s}"
        );
        assert!(seen.insert(s), "code {s} used twice");
        assert!(!c.title().is_empty());
    }
}

#[test]
fn the_bundled_rule_set_checks_clean() {
    let parsed = aftersales::dsl::load_path(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules"
    )));
    let mut diags = parsed.diagnostics.clone();
    diags.extend(aftersales::check::duplicate_names(&parsed.files));
    assert!(
        diags.is_empty(),
        "{}",
        diags
            .as_slice()
            .iter()
            .map(|d| d.render(&parsed.map, false))
            .collect::<String>()
    );
    // one file per item kind, and every item kind used at least once
    let kinds: std::collections::BTreeSet<&str> = parsed
        .files
        .iter()
        .flat_map(|f| f.items.iter().map(|i| i.keyword()))
        .collect();
    for k in aftersales::dsl::ast::Item::KEYWORDS
        .iter()
        .filter(|k| **k != "schema")
    {
        assert!(kinds.contains(k), "the starter rule set has no `{k}` item");
    }
}

#[test]
fn every_prelude_field_is_listed_in_the_language_guide() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("docs/language.md exists");
    let (_, env, diags) = aftersales::load::check_sources(Vec::<(String, String)>::new());
    assert!(diags.is_empty(), "the prelude checks clean");
    for schema in &env.schemas {
        let row = guide
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", schema.name)))
            .unwrap_or_else(|| panic!("schema `{}` has no row in docs/language.md", schema.name));
        for f in &schema.fields {
            assert!(
                row.contains(&format!("`{}: ", f.name)),
                "field `{}.{}` is not listed in docs/language.md",
                schema.name,
                f.name
            );
        }
    }
}
