//! `aftersales doc`: the warranty booklet of the bundled rules, in plain language (a
//! snapshot, reviewed), never the rule source; the HTML page renders in headless Chromium.

#[path = "support/run.rs"]
mod run;

use std::path::PathBuf;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_booklet_of_the_bundled_rules() {
    let rules = aftersales::RuleSet::load(format!("{ROOT}/rules")).expect("rules");
    let text = aftersales::host::booklet::markdown(&rules);
    // generated prose, never the rules' own text
    for source in [
        "product.make",
        "claim.fault",
        "==",
        "days_between",
        "term 60 months",
    ] {
        assert!(
            !text.contains(source),
            "rule source `{source}` in the booklet"
        );
    }
    insta::assert_snapshot!("booklet", text);
}

#[test]
fn the_booklet_page_renders_in_chromium() {
    let dir = std::env::temp_dir().join(format!("aftersales-booklet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let page = dir.join("booklet.html");
    let (code, _, err) = run::run_in(
        Some(ROOT),
        &[
            "doc",
            "--format",
            "html",
            "--out",
            page.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let Some(browser) = run::chromium() else {
        eprintln!("SKIPPED: no chromium on this machine (.ci/run installs Debian's `chromium`)");
        return;
    };
    let dom = run::dump_dom(&browser, &page);
    assert!(
        dom.contains("<h1>Warranty and service booklet</h1>"),
        "{dom}"
    );
    for h2 in [
        "Warranties",
        "Returns",
        "When you contact us",
        "Safety recalls",
    ] {
        assert!(dom.contains(&format!("<h2>{h2}</h2>")), "section {h2}");
    }
    assert_eq!(
        dom.matches("<h3>").count(),
        12 + 3 + 3,
        "12 warranties, 3 segments, 3 recalls"
    );
    assert!(dom.contains("<strong>Limited warranty</strong>"));
    let shot = PathBuf::from(ROOT).join("target/booklet.png");
    run::screenshot(&browser, &page, &shot, (1000, 1400));
    let _ = std::fs::remove_dir_all(dir);
}
