//! Response templates (`template NAME …`, docs/language.md "Response templates"):
//! rendered with the facts and the outputs of the decisions they read; a name they read
//! that does not exist is a check error with its place and a suggestion; a value they
//! print that the bundle does not give is an evaluation error, never an empty string.

use aftersales::{RuleSet, TemplateError};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

const RULES: &str = r#"
calendar office { timezone "America/New_York"  hours mon..fri 08:00-18:00 }
queue care "Care" { calendar office }
queue safety "Safety" { calendar office }
route complaint {
  rule smoke when contact.text matches /smoke/i then queue = safety, priority = p1,
       first_response = 4h, flags = [regulatory]
  otherwise queue = care, priority = p3, first_response = 1 business day
}
template ack """
    Dear {{ customer.id }},

      your reference is {{ contact.id }}; our {{ routing.queue }} team will reply by
    {{ routing.first_response_due | strftime("%A %-d %B, %H:%M") }}.
    {% if "regulatory" in (routing.flags or []) %}A safety specialist has your case.
    {% endif -%}
    """
template inline "Ref {{ contact.id }}\n{{ contact.kind }}"
template guarded "{% if customer.tier %}Tier {{ customer.tier }}{% else %}No tier{% endif %}"
template unguarded "Tier {{ customer.tier }}"
template bad_format "{{ contact.received_at | strftime('%Q') }}"
template date_time "{{ context.today | strftime('%H:%M') }}"
template spin "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}"
"#;

fn rules(src: &str) -> RuleSet {
    RuleSet::from_sources([("t.rules".to_string(), src.to_string())])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn bundle(text: &str, tier: Option<&str>) -> String {
    let tier = tier
        .map(|t| format!(r#", "tier": "{t}""#))
        .unwrap_or_default();
    format!(
        r#"{{"id": "B1", "customer": {{"id": "C-7"{tier}}},
            "contact": {{"id": "K-100", "kind": "complaint", "channel": "email", "text": "{text}",
                        "received_at": "2026-03-02T16:30:00-05:00"}},
            "context": {{"today": "2026-03-02"}}}}"#
    )
}

#[test]
fn a_template_renders_facts_and_decision_outputs_with_its_text_block_dedented() {
    let rs = rules(RULES);
    let f = rs
        .facts_from_json(&bundle("The charger smoked", None))
        .unwrap();
    assert_eq!(
        rs.render("ack", &f).unwrap(),
        "Dear C-7,\n\n  your reference is K-100; our safety team will reply by\n\
         Monday 2 March, 20:30.\nA safety specialist has your case.\n"
    );
    // another route: business time on the queue's calendar, no safety line
    let f = rs.facts_from_json(&bundle("Late delivery", None)).unwrap();
    assert_eq!(
        rs.render("ack", &f).unwrap(),
        "Dear C-7,\n\n  your reference is K-100; our care team will reply by\n\
         Tuesday 3 March, 16:30.\n"
    );
    let f = rs.facts_from_json(&bundle("x", None)).unwrap();
    assert_eq!(rs.render("inline", &f).unwrap(), "Ref K-100\ncomplaint");
    assert_eq!(rs.templates().collect::<Vec<_>>().len(), 7);
}

#[test]
fn an_absent_value_is_an_error_naming_it_never_an_empty_string() {
    let rs = rules(RULES);
    let without = rs.facts_from_json(&bundle("x", None)).unwrap();
    let with = rs.facts_from_json(&bundle("x", Some("gold"))).unwrap();
    assert_eq!(rs.render("guarded", &without).unwrap(), "No tier");
    assert_eq!(rs.render("guarded", &with).unwrap(), "Tier gold");
    assert_eq!(rs.render("unguarded", &with).unwrap(), "Tier gold");
    let err = rs.render("unguarded", &without).unwrap_err();
    assert_eq!(
        err,
        TemplateError::Absent {
            template: "unguarded".into(),
            line: 1,
            expr: "customer.tier".into()
        }
    );
    assert_eq!(err.code(), "absent_value");
    assert_eq!(
        err.to_string(),
        "template `unguarded` line 1: `customer.tier` is not given for this bundle"
    );
}

#[test]
fn decision_errors_filter_errors_and_runaway_loops_are_errors() {
    let rs = rules(RULES);
    // the route reads contact: a bundle without one cannot be routed
    let f = rs.facts_from_json(r#"{"customer": {"id": "C"}}"#).unwrap();
    let err = rs.render("ack", &f).unwrap_err();
    assert!(
        matches!(&err, TemplateError::Decision { decision, .. } if decision == "routing"),
        "{err:?}"
    );
    assert_eq!(err.code(), "missing_root");
    let f = rs.facts_from_json(&bundle("x", None)).unwrap();
    let err = rs.render("bad_format", &f).unwrap_err();
    assert!(
        err.to_string().contains("is not a strftime format"),
        "{err}"
    );
    let err = rs.render("date_time", &f).unwrap_err();
    assert!(err.to_string().contains("asks for more than"), "{err}");
    let err = rs.render("spin", &f).unwrap_err();
    assert_eq!(err.code(), "template", "{err}");
    assert!(err.to_string().contains("fuel"), "{err}");
    let err = rs.render("akc", &f).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown template `akc`; did you mean `ack`?"
    );
}

/// The diagnostics of a rule set that does not load: (code, line:column, message, help).
fn problems(sources: &[(&str, &str)]) -> Vec<(String, String, String, String)> {
    let (parsed, _env, diags) = aftersales::load::check_sources(
        sources.iter().map(|(n, t)| (n.to_string(), t.to_string())),
    );
    diags
        .as_slice()
        .iter()
        .map(|d| {
            let at = d
                .span
                .map(|s| {
                    let (line, col) = parsed.map.line_col(s.file, s.start);
                    format!("{line}:{col}")
                })
                .unwrap_or_default();
            (
                d.code.as_str().to_string(),
                at,
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn names_a_template_reads_are_checked_with_place_and_suggestion() {
    let src = r#"decision tier { output name: text = "standard" }
template a "Hi {{ contact.idd }}, {{ tier.nam }}, {{ tierr.name }}"
template b """
  ok {{ contact.id }}
  {% if x %}
  """
template c from "missing.j2"
template d from "reply.j2"
"#;
    let p = problems(&[
        ("t.rules", src),
        ("reply.j2", "Ref {{ contact.id }}\n{{ customer.nmae }}\n"),
    ]);
    let find = |needle: &str| {
        p.iter()
            .find(|x| x.2.contains(needle))
            .unwrap_or_else(|| panic!("no diagnostic with {needle}: {p:#?}"))
            .clone()
    };
    let (code, at, _, help) = find("`contact` has no field `idd`");
    assert_eq!(
        (code.as_str(), at.as_str(), help.as_str()),
        ("E0201", "2:19", "did you mean `id`?")
    );
    let (code, at, msg, help) = find("has no output `nam`");
    assert_eq!((code.as_str(), at.as_str()), ("E0201", "2:38"));
    assert!(msg.starts_with("template `a`, line 1:"), "{msg}");
    assert_eq!(help, "did you mean `name`?");
    let (_, _, _, help) = find("`tierr` is neither a fact root nor a decision");
    assert_eq!(help, "did you mean `tier`?");
    // a syntax error: E0219 on the line of the block where it is
    let (code, at, msg, _) = find("not valid minijinja");
    assert_eq!((code.as_str(), at.as_str()), ("E0219", "5:3"), "{msg}");
    assert!(msg.starts_with("template `b`, line 2"), "{msg}");
    let (code, at, msg, _) = find("cannot read");
    assert_eq!((code.as_str(), at.as_str()), ("E0219", "7:17"), "{msg}");
    // a file beside the rules: named with its line
    let (_, at, msg, help) = find("`customer` has no field `nmae`");
    assert_eq!(at, "8:17");
    assert!(msg.starts_with("template `d`, reply.j2:2:"), "{msg}");
    assert!(help.starts_with("fields: "), "{help}");
    assert_eq!(p.len(), 6, "{p:#?}");
}

#[test]
fn a_template_from_a_file_beside_the_rules_renders() {
    let rs = RuleSet::from_sources([
        (
            "t.rules".to_string(),
            "template r from \"reply.j2\"".to_string(),
        ),
        ("reply.j2".to_string(), "Ref {{ contact.id }}\n".to_string()),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let f = rs.facts_from_json(&bundle("x", None)).unwrap();
    assert_eq!(
        rs.render("r", &f).unwrap(),
        "Ref K-100\n",
        "the trailing line break is kept"
    );
}

#[test]
fn two_templates_of_one_name_are_a_duplicate() {
    let p = problems(&[("t.rules", "template a \"x\"\ntemplate a \"y\"")]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "E0101");
    assert_eq!(p[0].1, "2:10");
}

#[path = "support/run.rs"]
mod run;

fn reply(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut all = vec!["reply"];
    all.extend_from_slice(args);
    run::run_in(Some(ROOT), &all, stdin)
}

#[test]
fn the_reply_command_prints_the_text_or_json_lines_with_errors_in_place() {
    let one = r#"{"id": "B1", "customer": {"id": "C-7"}, "contact": {"id": "K-9", "kind": "complaint", "channel": "phone", "text": "smoke from the charger", "received_at": "2026-03-02T10:00:00-05:00"}}"#;
    let (code, out, err) = reply(&["--template", "acknowledgement"], one);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Dear customer,\n\n"), "{out}");
    assert!(out.contains("Your reference is K-9."), "{out}");
    assert!(
        out.contains("You will hear from us by Monday 2 March 2026, 14:00."),
        "{out}"
    );
    assert!(out.contains("product safety desk"), "{out}");
    // JSONL: one line per bundle, the bad one an error line in its place
    let two = format!("{one}\n{{\"id\": \"B2\", \"customer\": {{\"id\": \"C\"}}}}\n");
    let (code, out, _) = reply(&["--template", "acknowledgement", "--json"], &two);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "B1");
    assert!(lines[0]["text"].as_str().unwrap().contains("K-9"));
    assert_eq!(lines[1]["id"], "B2");
    assert_eq!(lines[1]["error"]["code"], "missing_root");
    // text mode: the error on stderr with the record and its id
    let (code, out, err) = reply(&["--template", "acknowledgement"], &two);
    assert_eq!(code, 1);
    assert!(out.contains("K-9"), "{out}");
    assert!(
        err.contains("<stdin> record 2 (id B2): [missing_root]"),
        "{err}"
    );
    // an unknown template: a usage error with a suggestion
    let (code, _, err) = reply(&["--template", "acknowledgment"], one);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `acknowledgement`?"), "{err}");
}
