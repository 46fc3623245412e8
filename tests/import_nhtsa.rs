//! `aftersales import nhtsa-recalls` over the real NHTSA sample (100 records of the
//! 24-field flat file): every record reads, the campaigns become `recall` items that load
//! and check clean beside the bundled rules, and a bad line is reported by its number
//! while the rest imports.

use aftersales::host::recalls::{
    group_campaigns, parse_flat_bytes, parse_flat_file, recall_item, write_rules, Campaign,
    RecordError, Severity,
};
use aftersales::RuleSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_aftersales");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/nhtsa/FLAT_RCL_sample.txt"
);

fn sample() -> String {
    std::fs::read_to_string(SAMPLE).expect("the NHTSA sample is readable")
}

fn campaigns() -> Vec<Campaign> {
    let file = parse_flat_file(&sample());
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    group_campaigns(&file.records)
}

fn campaign<'a>(all: &'a [Campaign], number: &str) -> &'a Campaign {
    all.iter()
        .find(|c| c.number == number)
        .unwrap_or_else(|| panic!("no campaign {number}"))
}

/// The bundled rule files, plus `extra` as one more file.
fn with_bundled_rules(extra: &str) -> Vec<(String, String)> {
    let mut sources: Vec<(String, String)> = std::fs::read_dir(Path::new(ROOT).join("rules"))
        .expect("rules/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a readable rule file");
            (p.display().to_string(), text)
        })
        .collect();
    assert!(sources.len() >= 8, "bundled rules not found");
    sources.push(("rules/recalls_nhtsa.rules".to_string(), extra.to_string()));
    sources
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aftersales-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

fn import(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["import", "nhtsa-recalls"])
        .args(args)
        .output()
        .expect("cannot run the aftersales binary")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn every_sample_record_reads_and_merges_into_its_campaign() {
    let file = parse_flat_file(&sample());
    assert_eq!(file.records.len(), 100);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.records[0].line, 1);
    assert_eq!(file.records[99].line, 100);
    let all = group_campaigns(&file.records);
    assert_eq!(all.len(), 21);
    assert_eq!(all.iter().map(|c| c.records).sum::<usize>(), 100);
    // ordered by campaign number, ids distinct and code tokens
    let ids: Vec<String> = all.iter().map(Campaign::recall_id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert!(ids.iter().all(|id| id.starts_with('R')
        && id[1..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())));
    let champion = campaign(&all, "02V160006");
    assert_eq!(champion.records, 21);
    assert_eq!(champion.groups.len(), 1, "{:?}", champion.groups);
    assert_eq!(champion.groups[0].models.len(), 7);
}

#[test]
fn one_campaign_becomes_this_recall_item() {
    let all = campaigns();
    let item = recall_item(campaign(&all, "02V288000"));
    assert_eq!(
        item,
        r#"# NHTSA campaign 02V288000: FORD MOTOR COMPANY, manufacturer campaign 02S41, 2 records, 291854 units
recall R02V288000 "CERTAIN PASSENGER VEHICLES EQUIPPED WITH ZETEC ENGINES, LOOSE OR BROKEN ATTACHMENTS AND MISROUTED BATTERY CABLES COULD…" {
  affects has product.make and product.make == "FORD" and product.model == "FOCUS"
    and has product.model_year and product.model_year in 2000..2001
    and has product.build_date and product.build_date in 1999-07-19..2001-05-31
  component "ELECTRICAL SYSTEM:BATTERY:CABLES"
  severity safety
  remedy "DEALERS WILL INSPECT THE BATTERY CABLES FOR THE CONDITION OF THE CABLE INSULATION AND PROPER TIGHTENING OF THE TERMINAL ENDS. AS NECESSARY, CABLES WILL BE REROUTED, RETAINING CLIPS INSTALLED, AND DAMAGED BATTERY CABLES REPLACED. OWNER NOTIFICATION BEGAN FEBRUARY 10, 2003."
  announced 2002-11-06
}
"#
    );
}

#[test]
fn makes_with_their_own_build_dates_are_separate_alternatives() {
    let all = campaigns();
    let item = recall_item(campaign(&all, "02V241001"));
    assert!(
        item.contains(
            r#"  affects (has product.make and product.make == "KENWORTH" and product.model in ["T300", "T600", "T800", "T900"]
       and has product.model_year and product.model_year == 2002
       and has product.build_date and product.build_date in 2002-05-11..2002-10-16)
    or (has product.make and product.make == "PETERBILT" and product.model in ["330", "357", "378", "379", "385", "387"]
       and has product.model_year and product.model_year == 2002
       and has product.build_date and product.build_date in 2002-04-29..2002-07-12)
"#
        ),
        "{item}"
    );
}

#[test]
fn unknown_years_and_missing_dates_leave_their_tests_out() {
    let all = campaigns();
    // YEARTXT 9999 and no BGMAN/ENDMAN: make and models only
    let emc = recall_item(campaign(&all, "02E052000"));
    assert!(
        emc.contains(
            "  affects has product.make and product.make == \"EMC\" and product.model in [\"EGB-IIF\", \"EGB-SS\"]\n  component"
        ),
        "{emc}"
    );
    // only ENDMAN given: built on or before it
    let victory = recall_item(campaign(&all, "06V059000"));
    assert!(
        victory.contains("and has product.build_date and product.build_date <= 2006-01-27\n"),
        "{victory}"
    );
    // a noncompliance with FMVSS 120 is a compliance recall; "NO. 120" does not end the title
    assert_eq!(campaign(&all, "06V059000").severity(), Severity::Compliance);
    assert!(victory.contains("  severity compliance\n"));
    assert!(
        victory.contains(r#"STANDARD NO. 120, "#),
        "the title was cut at an abbreviation: {victory}"
    );
}

#[test]
fn quotes_backslashes_and_control_characters_survive_as_string_literals() {
    let all = campaigns();
    // the sample quotes a standard's title inside the defect summary
    assert!(recall_item(campaign(&all, "06V059000")).contains(r#"STANDARD NO. 120, \"TIRE…" {"#));
    let mut f = vec![""; 24];
    let nasty = "A \"QUOTED\" \\ BACKSLASH, A BELL \u{7}, CAF\u{c9} AND \u{1F697}.";
    (f[0], f[1], f[2], f[3], f[19], f[21]) = ("1", "99V001000", "M\"K", "X\\Y", nasty, nasty);
    let text = write_rules(
        &group_campaigns(&parse_flat_file(&f.join("\t")).records),
        "x",
    );
    let rules = match RuleSet::from_sources([("nhtsa.rules".to_string(), text.clone())]) {
        Ok(r) => r,
        Err(e) => panic!("{e}\n{text}"),
    };
    let recall = rules
        .files()
        .iter()
        .flat_map(|f| f.items.iter())
        .find_map(|i| match i {
            aftersales::dsl::ast::Item::Recall(r) => Some(r.clone()),
            _ => None,
        })
        .expect("one recall");
    assert_eq!(recall.id.name, "R99V001000");
    assert_eq!(recall.title.map(|t| t.value).as_deref(), Some(nasty));
    assert_eq!(recall.remedy.map(|t| t.value).as_deref(), Some(nasty));
    assert!(
        text.contains(r#"product.make == "M\"K" and product.model == "X\\Y""#),
        "{text}"
    );
}

#[test]
fn the_generated_file_checks_clean_with_the_bundled_rules() {
    let text = write_rules(&campaigns(), "FLAT_RCL_sample.txt");
    let rules = match RuleSet::from_sources(with_bundled_rules(&text)) {
        Ok(r) => r,
        Err(e) => panic!("the generated recalls do not load:\n{e}"),
    };
    assert!(rules.has_decision("recalls"));
    assert!(
        rules.warnings().as_slice().is_empty(),
        "warnings: {}",
        rules.warnings()
    );
    // every campaign is a recall of the rule set, beside the three bundled ones
    let ids: Vec<String> = rules
        .files()
        .iter()
        .flat_map(|f| f.items.iter())
        .filter_map(|i| match i {
            aftersales::dsl::ast::Item::Recall(r) => Some(r.id.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 21 + 3, "{ids:?}");
    for bundled in ["R24V123", "R25V071", "powercell_2025"] {
        assert!(ids.contains(&bundled.to_string()), "{bundled}: {ids:?}");
    }
    assert!(ids.contains(&"R02V288000".to_string()));
}

#[test]
fn the_affects_expressions_are_type_checked() {
    // proof that `affects` is checked, not skipped: without its `has` guards the same
    // text reads optional fields unguarded and does not load
    let text = write_rules(&campaigns(), "FLAT_RCL_sample.txt");
    let unguarded = text
        .replace("has product.make and ", "")
        .replace("has product.build_date and ", "");
    let err = RuleSet::from_sources(with_bundled_rules(&unguarded))
        .expect_err("unguarded optional fields must not check");
    let rendered = err.to_string();
    assert!(rendered.contains("product.make"), "{rendered}");
    assert!(rendered.contains("recalls_nhtsa.rules"), "{rendered}");
}

#[test]
fn the_27_field_layout_imports_the_same_recalls() {
    let widened: String = sample()
        .lines()
        .map(|l| format!("{l}\tBATTERY CABLE\tPOSITIVE CABLE\tF1ZZ-14300\r\n"))
        .collect();
    let file = parse_flat_file(&widened);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.records.len(), 100);
    assert_eq!(
        file.records[0].mfr_component,
        Some([
            "BATTERY CABLE".to_string(),
            "POSITIVE CABLE".to_string(),
            "F1ZZ-14300".to_string()
        ])
    );
    assert_eq!(
        write_rules(&group_campaigns(&file.records), "x"),
        write_rules(&campaigns(), "x")
    );
}

#[test]
fn a_latin1_line_is_read_not_rejected() {
    let mut bytes = sample()
        .lines()
        .next()
        .unwrap_or_default()
        .replace("FORD", "FORD\u{1}")
        .into_bytes();
    let at = bytes.iter().position(|b| *b == 1).unwrap_or_default();
    bytes[at] = 0xC9; // É in Latin-1, invalid UTF-8
    let file = parse_flat_bytes(&bytes);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.records[0].make, "FORD\u{c9}");
}

/// The sample with line 5 cut short, line 10's BGMAN a 13th month, line 20's campaign
/// number blanked.
fn broken_sample() -> String {
    sample()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut fields: Vec<&str> = line.split('\t').collect();
            match i + 1 {
                5 => fields.truncate(10),
                10 => fields[8] = "20021345",
                20 => fields[1] = "",
                _ => {}
            }
            format!("{}\n", fields.join("\t"))
        })
        .collect()
}

#[test]
fn malformed_lines_are_errors_with_their_numbers() {
    let file = parse_flat_file(&broken_sample());
    assert_eq!(file.records.len(), 97);
    let lines: Vec<usize> = file.problems.iter().map(RecordError::line).collect();
    assert_eq!(lines, [5, 10, 20]);
    assert!(matches!(
        file.problems[0],
        RecordError::FieldCount { found: 10, .. }
    ));
    assert!(matches!(file.problems[1], RecordError::BadDate { .. }));
    assert!(matches!(file.problems[2], RecordError::Missing { .. }));
}

#[test]
fn the_cli_reports_bad_lines_and_writes_the_rest() {
    let dir = temp_dir("broken");
    let input = dir.join("FLAT_RCL.txt");
    std::fs::write(&input, broken_sample()).expect("write the input");
    let out_dir = dir.join("out/nested");
    let out = import(&[
        input.to_str().unwrap_or_default(),
        "--out",
        out_dir.to_str().unwrap_or_default(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let file = input.display();
    assert!(
        err.contains(&format!(
            "{file}:5: expected 24 or 27 tab-separated fields, found 10\n"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:10: BGMAN (begin of manufacture) `20021345` is not a date written YYYYMMDD\n"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{file}:20: missing CAMPNO (campaign number)\n")),
        "{err}"
    );
    assert!(
        err.ends_with("imported 21 recalls from 97 records (3 lines skipped)\n"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(out_dir.join("recalls_nhtsa.rules"))
        .expect("the rules were written");
    assert_eq!(text.matches("\nrecall R").count(), 21);
    assert!(RuleSet::from_sources(with_bundled_rules(&text)).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cli_prints_to_stdout_without_out() {
    let out = import(&[SAMPLE]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 rules");
    assert_eq!(text, write_rules(&campaigns(), "FLAT_RCL_sample.txt"));
    assert_eq!(
        stderr(&out),
        "imported 21 recalls from 100 records (0 lines skipped)\n"
    );
}

#[test]
fn io_errors_exit_2() {
    let dir = temp_dir("io");
    let missing = dir.join("no-such-file.txt");
    let out = import(&[missing.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    // --out names a file, not a folder
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "").expect("write");
    let out = import(&[SAMPLE, "--out", blocker.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

mod generated_rules_always_load {
    use super::*;
    use proptest::prelude::*;

    /// One flat-file line: fields from the shapes NHTSA uses, text fields anything
    /// without a tab or a line break (quotes, backslashes, control characters, emoji).
    fn line() -> impl Strategy<Value = String> {
        let text = "[^\t\n\r]{0,40}";
        let date = "((19[5-9][0-9]|20[0-2][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8]))?";
        (
            (
                1u32..1000,
                "(0[0-9]V00[1-3]000|A[0-9])",
                text,
                text,
                "(9999|19[89][0-9]|20[0-2][0-9]|)",
            ),
            (text, date, date, "(|571)", "(|1[0-2]0)"),
            ("[^\t\n\r]{0,300}", "[^\t\n\r]{0,300}", text),
        )
            .prop_map(
                |(
                    (id, camp, make, model, year),
                    (comp, from, to, rp, fmvss),
                    (defect, remedy, notes),
                )| {
                    let id = id.to_string();
                    let mut f: Vec<&str> = vec![""; 24];
                    (f[0], f[1], f[2], f[3], f[4]) = (&id, &camp, &make, &model, &year);
                    (f[6], f[8], f[9], f[17], f[18]) = (&comp, &from, &to, &rp, &fmvss);
                    (f[19], f[21], f[22]) = (&defect, &remedy, &notes);
                    f.join("\t")
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn whatever_the_text_the_import_loads_clean(lines in proptest::collection::vec(line(), 1..8)) {
            let file = parse_flat_file(&lines.join("\n"));
            for p in &file.problems {
                prop_assert!(
                    matches!(p, RecordError::Missing { .. } | RecordError::DateOrder { .. }),
                    "{p:?}"
                );
            }
            let campaigns = group_campaigns(&file.records);
            let text = write_rules(&campaigns, "generated\n\u{7}.txt");
            let loaded = RuleSet::from_sources(with_bundled_rules(&text));
            prop_assert!(loaded.is_ok(), "{}\n{text}", loaded.err().map(|e| e.to_string()).unwrap_or_default());
        }

        #[test]
        fn any_bytes_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let file = parse_flat_bytes(&bytes);
            let text = write_rules(&group_campaigns(&file.records), "x");
            prop_assert!(RuleSet::from_sources([("x.rules".to_string(), text)]).is_ok());
        }
    }
}
