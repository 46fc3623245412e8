//! `aftersales check` keeps warnings apart from errors: a rule set with only warnings
//! passes, and fails with `--deny-warnings`.

use std::process::Command;

fn check(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .arg("check")
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = std::env::temp_dir().join(format!("aftersales-warn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("w.rules");
    std::fs::write(
        &file,
        "decision d { output x: int = 0\n  rule r when has claim.repair_date then x = 1 }\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8 path");

    let (code, _, err) = check(&[path]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[E0214]"), "{err}");
    assert!(err.contains("0 error(s), 1 warning(s)"), "{err}");

    let (code, _, _) = check(&[path, "--deny-warnings"]);
    assert_eq!(code, 1);

    let (code, out, _) = check(&[path, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("one line")).expect("JSON");
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["code"], "E0214");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(2), Some(15))
    );
    let _ = std::fs::remove_dir_all(&dir);
}
