//! `aftersales eval` end to end on 1,000,000 generated warranty claims (JSONL) against the
//! bundled rules: read, validate, adjudicate (with coverage and recalls behind it), write.
//! The binary is run as a user runs it, its output discarded.

use criterion::{criterion_group, criterion_main, Criterion};
use std::io::Write;
use std::process::{Command, Stdio};

mod common;

const CLAIMS: u64 = 1_000_000;

fn eval_cli(c: &mut Criterion) {
    // `CLAIMS_FILE=path` keeps the generated claims there (to time the binary with other
    // tools, or an older build against this one)
    let keep = std::env::var_os("CLAIMS_FILE");
    let path = keep
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("aftersales-bench-claims.jsonl"));
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut w = std::io::BufWriter::new(file);
    for i in 0..CLAIMS {
        writeln!(w, "{}", common::claim_line(i)).unwrap_or_else(|e| panic!("{e}"));
    }
    w.flush().unwrap_or_else(|e| panic!("{e}"));
    drop(w);
    let run = || {
        let status = Command::new(env!("CARGO_BIN_EXE_aftersales"))
            .args([
                "eval",
                "rules",
                "--decision",
                "adjudicate",
                "--today",
                "2026-03-01",
            ])
            .arg("--input")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        // every generated claim validates and evaluates
        assert_eq!(status.code(), Some(0));
    };
    let mut group = c.benchmark_group("eval_cli");
    group.sample_size(10);
    group.bench_function("adjudicate_1m_claims", |b| b.iter(run));
    group.finish();
    if keep.is_none() {
        let _ = std::fs::remove_file(&path);
    }
}

criterion_group!(benches, eval_cli);
criterion_main!(benches);
