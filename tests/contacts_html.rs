//! `contacts report --html`: the page, rendered by headless Chromium (Debian's `chromium`,
//! which `.ci/run` installs), shows the groups' table and the two charts; a screenshot is
//! kept in `target/contacts-report.png`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[path = "support/run.rs"]
mod run;
use run::chromium;

#[test]
fn the_report_page_renders_its_table_and_charts_in_chromium() {
    let dir = std::env::temp_dir().join(format!("aftersales-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let events = dir.join("events.jsonl");
    let page = dir.join("report.html");
    let import = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .args([
            "contacts",
            "import",
            "servicenow",
            "tests/data/servicedesk/servicenow.csv",
            "--out",
        ])
        .arg(&events)
        .stderr(Stdio::null())
        .status()
        .expect("runs");
    assert!(import.success());
    let report = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .current_dir(ROOT)
        .args(["contacts", "report"])
        .arg(&events)
        .args([
            "--rules",
            "examples/service_desk",
            "--by",
            "priority",
            "--html",
        ])
        .arg(&page)
        .output()
        .expect("runs");
    assert_eq!(
        report.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let groups: Vec<String> = String::from_utf8_lossy(&report.stdout)
        .lines()
        .filter_map(|l| {
            let j: serde_json::Value = serde_json::from_str(l).ok()?;
            j["group"].as_str().map(str::to_string)
        })
        .collect();
    assert!(!groups.is_empty());
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no chromium on this machine (.ci/run installs Debian's `chromium`)");
        return;
    };
    let url = format!("file://{}", page.display());
    let dom = Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(&url)
        .stderr(Stdio::null())
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<h1>Service levels by priority</h1>"), "{dom}");
    // a row per group, and the total
    for g in &groups {
        assert!(
            dom.contains(&format!(r#"data-group="{g}"><td>{g}</td>"#)),
            "row of {g}"
        );
    }
    assert!(dom.contains(r#"<tr class="total" data-group="all">"#));
    // one line per group in the attainment chart; two bars per bin in the distribution
    assert_eq!(
        dom.matches(r#"<polyline class="series""#).count(),
        groups.len()
    );
    assert_eq!(dom.matches(r#"class="bar""#).count(), 16);
    // the bars count every finished clock: the first response of each of the 60 incidents
    let counted: usize = dom
        .split(r#"data-clock="first_response""#)
        .skip(1)
        .filter_map(|rest| {
            let v = rest.split("data-count=\"").nth(1)?;
            v.split('"').next()?.parse::<usize>().ok()
        })
        .sum();
    assert_eq!(counted, 60);
    let shot = PathBuf::from(ROOT).join("target/contacts-report.png");
    let status = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1000,1100",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("chromium runs");
    assert!(status.success());
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let _ = std::fs::remove_dir_all(dir);
}
