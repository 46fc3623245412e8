//! Calendars by rule (LANGUAGE.md §5.10): holiday rules, `extends`, the prelude's
//! `us_federal` against OPM's published list and the law over 1900–2200, Western Easter,
//! and the range business time is counted over.

use aftersales::RuleSet;
use chrono::{Datelike, NaiveDate, Weekday};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn rules(src: &str) -> RuleSet {
    RuleSet::from_sources([("c.rules".to_string(), src.to_string())])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn holidays(rs: &RuleSet, cal: &str, from: &str, to: &str) -> Vec<NaiveDate> {
    rs.calendar(cal)
        .unwrap_or_else(|| panic!("no calendar {cal}"))
        .holidays(d(from), d(to))
        .collect()
}

#[test]
fn us_federal_matches_opms_published_days_off_2011_to_2030() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/us_federal_holidays_opm_2011_2030.csv"
    );
    let mut reader = csv::Reader::from_path(path).expect("the OPM list");
    let mut opm: Vec<NaiveDate> = Vec::new();
    for row in reader.records() {
        let row = row.expect("a row");
        let day = d(&row[0]);
        // two rows of the scrape are wrong (the data's README): New Year's Day 2022 and
        // 2028 fall on a Saturday and are observed on the Friday before, in the year before
        let day = match day.to_string().as_str() {
            "2022-12-31" => d("2021-12-31"),
            "2028-12-31" => d("2027-12-31"),
            _ => day,
        };
        opm.push(day);
    }
    opm.sort();
    assert_eq!(opm.len(), 210);
    let rs = rules("units { distance mi }");
    let ours = holidays(&rs, "us_federal", "2010-12-31", "2030-12-31");
    let missing: Vec<_> = opm.iter().filter(|x| !ours.contains(x)).collect();
    let extra: Vec<_> = ours.iter().filter(|x| !opm.contains(x)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn us_federal_follows_the_law_from_1900_to_2200() {
    let rs = rules("units { distance mi }");
    let cal = rs.calendar("us_federal").expect("prelude");
    for year in 1900..=2200 {
        // the holidays of year Y are observed between December 31 of Y-1 (New Year's Day
        // on a Saturday) and December 26 of Y (Christmas on a Sunday)
        let days: Vec<NaiveDate> = cal
            .holidays(
                NaiveDate::from_ymd_opt(year - 1, 12, 31).expect("date"),
                NaiveDate::from_ymd_opt(year, 12, 30).expect("date"),
            )
            .collect();
        let expected = 7
            + usize::from(year >= 1937) // Columbus Day
            + usize::from(year >= 1938) // Veterans Day (Armistice Day)
            + usize::from(year >= 1986) // Martin Luther King Jr. Day
            + usize::from(year >= 2021); // Juneteenth
        assert_eq!(days.len(), expected, "{year}: {days:?}");
        for day in &days {
            assert!(
                !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                "{day} is on a weekend"
            );
            assert!(!cal.is_business_day(*day));
        }
    }
    // the Monday Holiday Act, and Veterans Day back on November 11 from 1978
    let in_year = |y: &str| {
        holidays(
            &rs,
            "us_federal",
            &format!("{y}-01-01"),
            &format!("{y}-12-31"),
        )
    };
    assert!(in_year("1970").contains(&d("1970-02-23"))); // Feb 22 on a Sunday → Monday
    assert!(in_year("1971").contains(&d("1971-02-15"))); // 3rd Monday of February
    assert!(in_year("1975").contains(&d("1975-10-27"))); // 4th Monday of October
    assert!(in_year("1978").contains(&d("1978-11-10"))); // November 11 a Saturday → Friday
    assert!(in_year("1939").contains(&d("1939-11-30"))); // last Thursday of November
    assert!(in_year("1942").contains(&d("1942-11-26"))); // 4th Thursday
}

#[test]
fn easter_is_computed_for_any_year() {
    let rs = rules(
        r#"calendar church { timezone "Europe/Berlin"  hours mon..sun 09:00-17:00
             holidays [easter, easter - 2, easter + 1] }"#,
    );
    // published dates of Western Easter
    for (easter, good_friday, monday) in [
        ("1900-04-15", "1900-04-13", "1900-04-16"),
        ("1943-04-25", "1943-04-23", "1943-04-26"),
        ("1961-04-02", "1961-03-31", "1961-04-03"),
        ("2000-04-23", "2000-04-21", "2000-04-24"),
        ("2008-03-23", "2008-03-21", "2008-03-24"),
        ("2024-03-31", "2024-03-29", "2024-04-01"),
        ("2025-04-20", "2025-04-18", "2025-04-21"),
        ("2026-04-05", "2026-04-03", "2026-04-06"),
        ("2038-04-25", "2038-04-23", "2038-04-26"),
        ("2100-03-28", "2100-03-26", "2100-03-29"),
    ] {
        let year = &easter[..4];
        assert_eq!(
            holidays(
                &rs,
                "church",
                &format!("{year}-01-01"),
                &format!("{year}-12-31")
            ),
            [d(good_friday), d(easter), d(monday)]
        );
    }
}

#[test]
fn holiday_rules_shifts_bounds_and_extends() {
    let rs = rules(
        r#"calendar us_office extends us_federal {
             timezone "America/Chicago"  hours mon..fri 08:00-18:00  hours sat 10:00-14:00
             holidays [4th thu of nov + 1, 2026-12-24, dec 31 from 2027, feb 29, 5th fri of jan until 2027]
           }
           calendar branch extends us_office { holidays [last mon of aug] }"#,
    );
    let got = holidays(&rs, "us_office", "2026-11-01", "2028-02-29");
    for day in [
        "2026-11-11", // us_federal's
        "2026-11-26", // Thanksgiving (us_federal)
        "2026-11-27", // the day after (`4th thu of nov + 1`)
        "2026-12-24", // a date
        "2026-12-25",
        "2027-01-01",
        "2027-01-29", // 5th Friday of January 2027
        "2027-12-31", // `dec 31 from 2027` (and New Year's Day 2028 observed)
        "2028-02-29", // a leap day
    ] {
        assert!(got.contains(&d(day)), "{day} missing from {got:?}");
    }
    assert!(!got.contains(&d("2026-12-31")), "dec 31 only from 2027");
    assert!(!got.contains(&d("2027-02-28")));
    let office = rs.calendar("us_office").expect("calendar");
    assert_eq!(
        office.timezone(),
        chrono_tz::America::Chicago,
        "its own zone"
    );
    // its own hours: Saturday opens
    let sat = chrono::DateTime::parse_from_rfc3339("2026-03-07T11:00:00-06:00").expect("instant");
    assert!(office.is_open(sat));
    // `branch` takes the chain's zone, hours and holidays, and adds its own
    let branch = rs.calendar("branch").expect("calendar");
    assert_eq!(branch.timezone(), chrono_tz::America::Chicago);
    assert!(branch.is_open(sat));
    let b = holidays(&rs, "branch", "2026-08-01", "2026-12-31");
    assert!(
        b.contains(&d("2026-08-31"))
            && b.contains(&d("2026-11-27"))
            && b.contains(&d("2026-09-07"))
    );
}

#[test]
fn business_time_is_counted_from_1900_to_2200_and_overflows_outside() {
    let rs = rules("units { distance mi }");
    let cal = rs.calendar("utc_weekdays").expect("prelude");
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("instant");
    let days = |n: i64| {
        aftersales::value::Duration::parse(&format!("{n} business days")).expect("duration")
    };
    assert_eq!(
        cal.add(at("2200-12-28T10:00:00Z"), &days(3))
            .map(|t| t.to_rfc3339()),
        Some("2200-12-31T10:00:00+00:00".to_string())
    );
    assert_eq!(
        cal.add(at("2200-12-28T10:00:00Z"), &days(4)),
        None,
        "past 2200"
    );
    assert_eq!(
        cal.add(at("1899-12-29T10:00:00Z"), &days(1)),
        None,
        "before 1900"
    );
    assert!(
        cal.is_business_day(d("2026-12-25")),
        "utc_weekdays has no holidays"
    );
}

/// The diagnostics of a rule set: (code, line:column, message).
fn problems(src: &str) -> Vec<(String, String, String)> {
    let (parsed, _env, diags) =
        aftersales::load::check_sources([("c.rules".to_string(), src.to_string())]);
    diags
        .as_slice()
        .iter()
        .map(|x| {
            let at = x
                .span
                .map(|s| {
                    let (l, c) = parsed.map.line_col(s.file, s.start);
                    format!("{l}:{c}")
                })
                .unwrap_or_default();
            (x.code.as_str().to_string(), at, x.message.clone())
        })
        .collect()
}

#[test]
fn calendar_mistakes_are_reported_where_they_are() {
    // a misspelt base calendar: E0201 with a suggestion
    let p = problems("calendar a extends us_fedral { }");
    assert_eq!(p[0].0, "E0201", "{p:?}");
    assert_eq!(p[0].1, "1:20");
    // calendars that extend each other
    let p = problems("calendar a extends b { hours mon 09:00-10:00 }\ncalendar b extends a { }");
    assert!(
        p.iter()
            .any(|x| x.0 == "E0208" && x.2.contains("extends itself")),
        "{p:?}"
    );
    // the prelude's calendars cannot be declared again
    let p = problems(r#"calendar us_federal { hours mon..fri 09:00-17:00 }"#);
    assert_eq!(p[0].0, "E0101", "{p:?}");
    // days that are not days
    let p = problems(
        "calendar c { hours mon 09:00-10:00  holidays [feb 30, jul 4 from 2030 until 2020] }",
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].2.contains("`feb 30` is not a day of the year"),
        "{p:?}"
    );
    assert!(p[1].2.contains("no year"), "{p:?}");
    // a holiday that is not a rule: a syntax error that says what a holiday is
    let p = problems("calendar c { hours mon 09:00-10:00  holidays [thanksgiving] }");
    assert_eq!(p[0].0, "E0001", "{p:?}");
    assert!(p[0].2.contains("holiday"), "{p:?}");
}

mod props {
    use super::*;
    use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone};
    use proptest::prelude::*;

    /// Calendars of every shape the arithmetic meets: holidays by rule, split and short
    /// days, weekends open, a 24-hour day across the change of summer time, zones east
    /// and west.
    const CALENDARS: &str = r#"
calendar ny extends us_federal { timezone "America/New_York"
  hours mon..fri 08:00-12:00, 13:00-18:00  hours sat 10:00-14:00 }
calendar berlin { timezone "Europe/Berlin"  hours mon..thu 07:00-16:00  hours fri 07:00-12:30
  holidays [jan 1, easter - 2, easter + 1, may 1, oct 3, dec 24, dec 25, dec 26] }
calendar round_the_clock { timezone "Europe/London"  hours mon..sun 00:00-24:00 holidays [dec 25] }
calendar night { timezone "Australia/Sydney"  hours mon..fri 22:00-24:00  hours tue..sat 00:00-02:30 }
"#;

    fn rs() -> &'static RuleSet {
        static RS: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        RS.get_or_init(|| rules(CALENDARS))
    }

    fn cal_name() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("ny"),
            Just("berlin"),
            Just("round_the_clock"),
            Just("night"),
            Just("us_federal")
        ]
    }

    /// An instant from 2020 to 2030, to the minute, with a random offset.
    fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
        (0i64..(11 * 365 * 24 * 60), -12i32..=14).prop_map(|(m, h)| {
            let utc = chrono::Utc
                .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
                .single()
                .expect("utc")
                + TimeDelta::minutes(m);
            utc.with_timezone(&FixedOffset::east_opt(h * 3600).expect("offset"))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Adding N of open time and measuring gives back N; the result is in the
        /// calendar's zone and, for N > 0, within its opening hours or at their close.
        #[test]
        fn add_then_measure_gives_back_the_amount(name in cal_name(), t in instant(), minutes in 0i64..(300 * 60)) {
            let cal = rs().calendar(name).expect("calendar");
            let n = TimeDelta::minutes(minutes);
            let due = cal.add_open(t, n).expect("in range");
            prop_assert_eq!(cal.open_between(t, due), Some(n));
            let zone_offset = cal.timezone().offset_from_utc_datetime(&due.naive_utc());
            prop_assert_eq!(due.offset().local_minus_utc(), chrono::Offset::fix(&zone_offset).local_minus_utc());
            prop_assert!(due >= t);
        }

        /// Adding in two steps is adding once (a second step of more than nothing).
        #[test]
        fn adding_in_two_steps_is_adding_once(name in cal_name(), t in instant(), a in 0i64..(100 * 60), b in 1i64..(100 * 60)) {
            let cal = rs().calendar(name).expect("calendar");
            let once = cal.add_open(t, TimeDelta::minutes(a + b)).expect("in range");
            let mid = cal.add_open(t, TimeDelta::minutes(a)).expect("in range");
            let twice = cal.add_open(mid, TimeDelta::minutes(b)).expect("in range");
            prop_assert_eq!(once, twice);
        }

        /// N business days later is a business day with N business days strictly between
        /// the start's date (excluded) and it (included), at the same local clock time
        /// where that time exists.
        #[test]
        fn business_days_count_business_days(name in cal_name(), t in instant(), n in 0i64..40) {
            let cal = rs().calendar(name).expect("calendar");
            let days = aftersales::value::Duration::parse(&format!("{n} business days")).expect("duration");
            let due = cal.add(t, &days).expect("in range");
            let tz = cal.timezone();
            let (from, to) = (t.with_timezone(&tz).date_naive(), due.with_timezone(&tz).date_naive());
            let counted = from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| cal.is_business_day(*d)).count() as i64;
            prop_assert_eq!(counted, n);
            if n > 0 {
                prop_assert!(cal.is_business_day(to));
            }
        }
    }
}

/// A code table read from CSV beside the rules (not a calendar, but read the same way the
/// rules read their data files): quoted fields with commas, quotes and line breaks, a
/// header, blank lines, CRLF line ends.
#[test]
fn a_code_tables_csv_is_read_as_rfc_4180_says() {
    let csv = "code,title,standard_hours\r\n10-2301,Replace ignition coil,0.8\r\n\r\n10-2303,\"Replace pump, \"\"high\"\" pressure\nand seals\",2.5\r\n";
    let rs = RuleSet::from_sources([
        (
            "c.rules".to_string(),
            r#"codes labor_op "Labour" from "ops.csv" { attributes { standard_hours: decimal } }
               decision hours { output h: decimal = 0
                 rule r when has claim.labor_op then h = claim.labor_op.standard_hours }"#
                .to_string(),
        ),
        ("ops.csv".to_string(), csv.to_string()),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let table = rs.env().table_id("labor_op").expect("table");
    let codes: Vec<(String, String)> = rs
        .env()
        .table(table)
        .codes
        .iter()
        .map(|c| (c.code.clone(), c.title.clone()))
        .collect();
    assert_eq!(
        codes,
        [
            ("10-2301".to_string(), "Replace ignition coil".to_string()),
            (
                "10-2303".to_string(),
                "Replace pump, \"high\" pressure\nand seals".to_string()
            )
        ]
    );
    // a bad row names its line (the line it starts on)
    let (_, _, diags) = aftersales::load::check_sources([
        (
            "c.rules".to_string(),
            r#"codes labor_op "Labour" from "ops.csv" { attributes { standard_hours: decimal } }"#
                .to_string(),
        ),
        (
            "ops.csv".to_string(),
            "code,title,standard_hours\n\"A-1\",\"two\nlines\",1\n\nB-2,short\n".to_string(),
        ),
    ]);
    let d = &diags.as_slice()[0];
    assert_eq!(d.code.as_str(), "E0213");
    assert!(
        // line 5: the quoted line break and the blank line count
        d.message.contains("ops.csv:5: expected 3 columns"),
        "{}",
        d.message
    );
}
