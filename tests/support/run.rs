//! Running the `aftersales` binary from a test.

use std::io::Write;
use std::process::{Command, Stdio};

/// Run `aftersales ARGS` in folder `dir` (the test's own by default), `stdin` fed from
/// another thread (so that a large input cannot deadlock against the output filling its
/// pipe); the exit code, standard output and standard error.
#[allow(dead_code)]
pub fn run_in(dir: Option<&str>, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftersales"));
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let text = stdin.to_string();
    let mut pipe = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().expect("finishes");
    feeder.join().expect("stdin written");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A headless browser to render pages with (Debian's `chromium`, which `.ci/run`
/// installs), if this machine has one.
#[allow(dead_code)]
pub fn chromium() -> Option<std::path::PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

/// The DOM of the page at `path` as headless Chromium renders it.
#[allow(dead_code)]
pub fn dump_dom(browser: &std::path::Path, path: &std::path::Path) -> String {
    let dom = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}", path.display()))
        .stderr(Stdio::null())
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

/// A screenshot of the page at `path` by headless Chromium, `width`×`height`, into `shot`
/// (kept under `target/` as an artifact); asserts that it was written as a PNG.
#[allow(dead_code)]
pub fn screenshot(
    browser: &std::path::Path,
    path: &std::path::Path,
    shot: &std::path::Path,
    (width, height): (u32, u32),
) {
    let ok = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", path.display()))
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("chromium runs");
    assert!(ok.success());
    let png = std::fs::read(shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}
