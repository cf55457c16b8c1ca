//! Changes scoped to facts (issue: "45 → 30 days", not "22 facts changed"): each fact's passage
//! is followed through an edit of its page, typed values are named, and only the facts an edit
//! touches are flagged.

use super::*;
use serde_json::Value;

/// An egov.kz-shaped service page: the volatile token sits outside the selected block.
fn service_page(body: &str, token: &str) -> String {
    format!(
        "<!doctype html><html><head><script>var t = \"{token}\";</script></head><body>\
         <header><form><input type=hidden name=csrf value=\"{token}\"></form></header>\
         <div class=\"info-block-horizontal\">{body}</div>\
         <footer>Generated {token}</footer></body></html>"
    )
}

fn registry(server: &TestServer, facts: &[(&str, &str)]) -> String {
    let mut route = Route::new("kz", "Kazakhstan · test route");
    for (id, quote) in facts {
        route = route.fact(Fact::new(id, "claim", "page", "2026-11-20").quote(quote));
    }
    Registry::new()
        .settings(&["retries = 0", "per_host_interval_ms = 0"])
        .source(Source::new("page", server.url("/page")).select(&["div.info-block-horizontal"]))
        .route(route)
        .toml()
}

fn fact<'a>(r: &'a Value, id: &str) -> &'a Value {
    fact_row(r, &format!("kz/{id}"))
}

/// Serves `before`, checks, serves `after`, checks again; returns the second JSON report and
/// its exit code.
fn edit(facts: &[(&str, &str)], before: &str, after: &str) -> (Value, i32, Workspace) {
    let server = TestServer::start();
    server.set("/page", Reply::html(service_page(before, "t1")));
    let ws = Workspace::new(&registry(&server, facts));
    let first = ws.run(&["check", "--format", "json"]);
    assert_eq!(first.code, 0, "first check: {}", first.stdout);
    server.set("/page", Reply::html(service_page(after, "t2")));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, run.code.clamp(0, 1), "{}", run.stderr);
    (run.json(), run.code, ws)
}

const DOCUMENTS: &str = "<h3>Term of rendering the service</h3>\
    <p>The service is rendered within 45 calendar days. Applications are accepted online.</p>\
    <h3>List of documents</h3><ul>\
    <li>Application for the issuance of a permanent residence permit</li>\
    <li>Copy of the national passport</li>\
    <li>Medical examination certificate (form 028/u)</li>\
    <li>One photo (35x45 mm)</li>\
    <li>Certificate of fingerprinting</li>\
    <li>Receipt on payment of national duty</li></ul>\
    <table><tr><th>Service</th><th>Fee</th></tr><tr><td>Permit</td><td>4 MCI</td></tr></table>";

const FACTS: &[(&str, &str)] = &[
    ("processing-time", "45 calendar days"),
    ("online", "Applications are accepted online"),
    (
        "application",
        "Application for the issuance of a permanent residence permit",
    ),
    ("passport", "Copy of the national passport"),
    ("medical", "Medical examination certificate (form 028/u)"),
    ("photo", "One photo (35x45 mm)"),
    ("fingerprinting", "Certificate of fingerprinting"),
    ("duty", "Receipt on payment of national duty"),
    ("fee", "Permit | 4 MCI"),
];

#[test]
fn each_change_kind_is_named_and_only_touched_facts_are_flagged() {
    let after = DOCUMENTS
        // value: 45 → 30
        .replace("45 calendar days", "30 calendar days")
        // wording: the passport item is reworded
        .replace(
            "Copy of the national passport",
            "Copy of the passport of a foreign citizen",
        )
        // gone: fingerprinting removed
        .replace("<li>Certificate of fingerprinting</li>", "")
        // moved: the medical and photo items swap places
        .replace(
            "<li>Medical examination certificate (form 028/u)</li><li>One photo (35x45 mm)</li>",
            "<li>One photo (35x45 mm)</li><li>Medical examination certificate (form 028/u)</li>",
        );
    let (r, code, _ws) = edit(FACTS, DOCUMENTS, &after);
    assert_eq!(code, 1);
    assert_eq!(source_row(&r, "page")["outcome"], "changed");

    let pt = fact(&r, "processing-time");
    assert_eq!(pt["change"], "value");
    assert_eq!(
        pt["values"],
        serde_json::json!([{"kind": "duration", "before": "45 calendar days", "after": "30 calendar days"}])
    );
    assert_eq!(flags(pt), ["source_changed", "evidence_missing"]);

    let passport = fact(&r, "passport");
    assert_eq!(passport["change"], "wording");
    assert_eq!(passport["values"], serde_json::json!([]));
    assert_eq!(passport["passage"], "- Copy of the national passport");
    assert_eq!(
        passport["new_passage"],
        "- Copy of the passport of a foreign citizen"
    );
    assert_eq!(flags(passport), ["source_changed", "evidence_missing"]);

    let fp = fact(&r, "fingerprinting");
    assert_eq!(fp["change"], "gone");
    assert_eq!(fp["new_passage"], Value::Null);
    assert_eq!(flags(fp), ["source_changed", "evidence_missing"]);

    // One of the swapped pair is seen as moved, the other kept; neither is flagged.
    let swapped: Vec<&str> = ["medical", "photo"]
        .iter()
        .map(|id| fact(&r, id)["change"].as_str().unwrap())
        .collect();
    assert!(swapped.contains(&"moved"), "{swapped:?}");
    for id in ["medical", "photo", "online", "application", "duty", "fee"] {
        let f = fact(&r, id);
        assert!(
            matches!(f["change"].as_str(), Some("elsewhere" | "moved")),
            "{id}: {f}"
        );
        assert_eq!(flags(f), Vec::<&str>::new(), "{id} is untouched: {f}");
    }
    // A hunk names only the facts whose passage it changes.
    let named: Vec<&str> = source_row(&r, "page")["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["facts"].as_array().unwrap().iter())
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        ["kz/processing-time", "kz/passport", "kz/fingerprinting"],
        "{named:?}"
    );
    assert_eq!(r["summary"]["source_changed"], 3);
    assert_eq!(r["summary"]["uncovered_changes"], 0);
}

#[test]
fn typed_values_in_english_russian_and_kazakh() {
    // One line per value kind; every line changes one value.
    let lines: &[(&str, &str, &str, &str, &str)] = &[
        // (fact, line before, line after, kind, quote)
        (
            "en-duration",
            "Processing takes 5 working days.",
            "Processing takes 10 working days.",
            "duration",
            "5 working days",
        ),
        (
            "ru-duration",
            "Срок оказания услуги – 45 календарных дней.",
            "Срок оказания услуги – 30 календарных дней.",
            "duration",
            "45 календарных дней",
        ),
        (
            "kz-duration",
            "Қызмет көрсету мерзімі – 45 күнтізбелік күн.",
            "Қызмет көрсету мерзімі – 30 күнтізбелік күн.",
            "duration",
            "45 күнтізбелік күн",
        ),
        (
            "ru-money",
            "Стоимость бланка – 10 000 тенге.",
            "Стоимость бланка – 12 500 тенге.",
            "money",
            "Стоимость бланка",
        ),
        (
            "en-money",
            "A consular fee of $80 is charged.",
            "A consular fee of $100 is charged.",
            "money",
            "consular fee",
        ),
        (
            "ru-mci",
            "Государственная пошлина – 4 МРП.",
            "Государственная пошлина – 6 МРП.",
            "mci",
            "Государственная пошлина",
        ),
        (
            "kz-mci",
            "Мемлекеттік баж – 2 АЕК.",
            "Мемлекеттік баж – 3 АЕК.",
            "mci",
            "Мемлекеттік баж",
        ),
        (
            "en-percent",
            "Applicants pay 10% of the quota fee.",
            "Applicants pay 15% of the quota fee.",
            "percent",
            "of the quota fee",
        ),
        (
            "ru-date",
            "Правила действуют с 9 июня 2026 г.",
            "Правила действуют с 1 июля 2026 г.",
            "date",
            "Правила действуют",
        ),
        (
            "en-date",
            "Valid from 09.06.2026 onwards.",
            "Valid from 01.07.2026 onwards.",
            "date",
            "onwards",
        ),
        (
            "en-range",
            "Applicants aged from 18 to 65 years may apply.",
            "Applicants aged from 21 to 65 years may apply.",
            "range",
            "may apply",
        ),
        (
            "en-dimension",
            "Attach one photo (35x45 mm).",
            "Attach one photo (30x40 mm).",
            "dimension",
            "Attach one photo",
        ),
        (
            "en-count",
            "Submit 2 copies of the contract.",
            "Submit 3 copies of the contract.",
            "count",
            "of the contract",
        ),
    ];
    let before: String = lines.iter().map(|l| format!("<p>{}</p>", l.1)).collect();
    let after: String = lines.iter().map(|l| format!("<p>{}</p>", l.2)).collect();
    let facts: Vec<(&str, &str)> = lines.iter().map(|l| (l.0, l.4)).collect();
    let (r, code, _ws) = edit(&facts, &before, &after);
    assert_eq!(code, 1);
    let mut wrong = Vec::new();
    for (id, _, _, kind, _) in lines {
        let f = fact(&r, id);
        let values = f["values"].as_array().unwrap();
        if f["change"] != "value" || values.len() != 1 || values[0]["kind"] != *kind {
            wrong.push(format!("{id}: {f}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let ru = &fact(&r, "ru-money")["values"][0];
    assert_eq!(
        (ru["before"].as_str(), ru["after"].as_str()),
        (Some("10 000 тенге"), Some("12 500 тенге"))
    );
    let kz = &fact(&r, "kz-duration")["values"][0];
    assert_eq!(kz["after"], "30 күнтізбелік күн");
}

#[test]
fn an_edit_no_fact_covers_is_listed_and_keeps_the_exit_code_at_one() {
    let facts = [("processing-time", "45 calendar days")];
    let after = DOCUMENTS.replace(
        "<li>Receipt on payment of national duty</li>",
        "<li>Receipt on payment of national duty</li><li>Certificate of no criminal record</li>",
    );
    let (r, code, ws) = edit(&facts, DOCUMENTS, &after);
    assert_eq!(fact(&r, "processing-time")["change"], "elsewhere");
    assert_eq!(flags(fact(&r, "processing-time")), Vec::<&str>::new());
    assert_eq!(r["summary"]["flagged"], 0);
    assert_eq!(r["summary"]["uncovered_changes"], 1);
    assert_eq!(code, 1, "new official text nobody quotes needs a human");
    let uncovered = &source_row(&r, "page")["uncovered"];
    assert_eq!(
        uncovered[0]["added"],
        serde_json::json!(["- Certificate of no criminal record"])
    );
    assert_eq!(uncovered[0]["removed"], serde_json::json!([]));
    // Every report lists it under the source.
    for format in ["text", "markdown", "html"] {
        let out = ws.run(&["report", "--format", format]).stdout;
        assert!(
            out.contains("Certificate of no criminal record"),
            "{format}: {out}"
        );
        assert!(
            out.to_lowercase().contains("changes no fact covers"),
            "{format}: {out}"
        );
    }
}

#[test]
fn reports_lead_with_value_changes() {
    let after = DOCUMENTS
        .replace("45 calendar days", "30 calendar days")
        .replace("<li>Certificate of fingerprinting</li>", "");
    let (_r, _code, ws) = edit(FACTS, DOCUMENTS, &after);
    let line = "kz/processing-time  45 calendar days → 30 calendar days";
    let text = ws.run(&["report"]).stdout;
    let first_section = text.lines().nth(2).unwrap_or_default();
    assert!(first_section.starts_with("Values changed"), "{text}");
    assert!(text.contains(line), "{text}");
    assert!(
        text.find(line) < text.find("kz/fingerprinting  gone"),
        "values before passages: {text}"
    );
    let md = ws.run(&["report", "--format", "markdown"]).stdout;
    let values_at = md.find("### Values changed").expect("values section");
    assert!(values_at < md.find("### Passages changed").unwrap(), "{md}");
    assert!(
        values_at < md.find("### Facts that need review").unwrap(),
        "{md}"
    );
    assert!(
        md.contains("**kz/processing-time** 45 calendar days → 30 calendar days"),
        "{md}"
    );
    assert!(
        md.contains("  - was: “- Certificate of fingerprinting”"),
        "{md}"
    );
    let html = ws.run(&["report", "--format", "html"]).stdout;
    assert!(
        html.find("Values changed") < html.find("Passages changed"),
        "{html}"
    );
    assert!(
        html.contains("45 calendar days → 30 calendar days"),
        "{html}"
    );
    let json = ws.run(&["report", "--format", "json"]).json();
    assert_eq!(
        fact(&json, "processing-time")["values"][0]["after"],
        "30 calendar days"
    );
}

#[test]
fn yo_and_ye_are_one_letter_in_quotes() {
    let server = TestServer::start();
    server.set(
        "/page",
        Reply::html(service_page("<p>Платёж вносится через портал.</p>", "t")),
    );
    let ws = Workspace::new(&registry(&server, &[("payment", "платеж вносится")]));
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(fact(&r, "payment")["quote_found"], true);
    assert_eq!(flags(fact(&r, "payment")), Vec::<&str>::new());
}
