//! Fuzz the parser: any bytes, read as (lossy) UTF-8 rule files, must give diagnostics
//! whose places lie in the text, never a panic, a hang or a stack overflow. The first
//! file, where it parses, is formatted: the same tree, and a fixed point.
//!
//! The input is split at NUL bytes into up to four files, so that loading several files
//! (sorting, duplicate names across files) is exercised too. Parsing runs on a thread
//! with a 2 MiB stack, the size of a test thread, so a deep recursion shows up here as it
//! would in a service.

#![no_main]

use aftersales::check::duplicate_names;
use aftersales::dsl;
use libfuzzer_sys::fuzz_target;

fn run(data: Vec<u8>) {
    let text = String::from_utf8_lossy(&data).into_owned();
    let sources: Vec<(String, String)> = text
        .splitn(4, '\0')
        .enumerate()
        .map(|(i, t)| (format!("f{i}.rules"), t.to_string()))
        .collect();
    let parsed = dsl::parse_sources(sources);
    let mut diags = parsed.diagnostics.clone();
    if !diags.has_errors() {
        diags.extend(duplicate_names(&parsed.files));
    }
    diags.sort();
    for d in diags.as_slice() {
        for span in d.span.iter().chain(d.related.iter().map(|r| &r.span)) {
            let file = parsed.map.file(span.file).expect("span in an unknown file");
            let (s, e) = (span.start as usize, span.end as usize);
            assert!(
                s <= e && e <= file.text.len(),
                "span {s}..{e} outside the text: {d:?}"
            );
            assert!(
                file.text.is_char_boundary(s) && file.text.is_char_boundary(e),
                "span {s}..{e} cuts a character: {d:?}"
            );
            let (line, col) = parsed.map.line_col(span.file, span.start);
            assert!(line >= 1 && col >= 1);
        }
        // what the CLI prints must not panic either
        let _ = d.render(&parsed.map, false);
        let _ = d.to_json(&parsed.map);
    }
    // `fmt`: a text that parses formats to one with the same tree, and that is a fixed point
    let first = text.split('\0').next().unwrap_or_default();
    if let Ok(once) = dsl::format(first) {
        let shape = |t: &str| {
            dsl::concrete_tree(t, dsl::Engine::Fast).map(|tree| {
                tree.into_iter()
                    .map(|(rule, s, e, below)| (rule, below, (below == 1).then(|| t[s as usize..e as usize].to_string())))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(shape(&once), shape(first), "fmt changed the tree:\n{once}");
        assert_eq!(dsl::format(&once).as_ref(), Ok(&once), "fmt is not a fixed point");
    }
}

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || run(data))
        .expect("cannot start a thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
});
