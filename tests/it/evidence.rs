//! Evidence that cannot lie (issue: whole-token quotes, failed loads never captured): a quote is
//! found as whole words and numbers only, read across a table row, followed at every place it
//! occurs; new text beside an edited fact is still new text; a JSON key added beside another
//! leaves it alone; `status` says every reason it asks for a person.

use super::*;
use serde_json::Value;

const SETTINGS: &[&str] = &["retries = 0", "per_host_interval_ms = 0"];

fn check(ws: &Workspace, args: &[&str]) -> (Value, i32) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = ws.run(&all);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    (run.json(), run.code)
}

/// The `sources.toml` of one source under [`SETTINGS`] and the route `kz` of `facts` on it.
fn one_source(source: Source, facts: Vec<Fact>) -> String {
    let route = facts.into_iter().fold(Route::new("kz", "KZ"), Route::fact);
    Registry::new()
        .settings(SETTINGS)
        .source(source)
        .route(route)
        .toml()
}

/// A service passport table, as egov.kz writes its terms.
fn fee_page(fee: &str, extra_row: &str) -> Reply {
    Reply::html(format!(
        "<html><body><div class=\"info-block-horizontal\"><table>\
         <tr><td>Государственная пошлина</td><td>{fee}</td></tr>{extra_row}\
         <tr><td>Срок оказания услуги</td><td>15 рабочих дней</td></tr>\
         </table></div></body></html>"
    ))
}

#[test]
fn a_fee_of_2_mci_that_became_12_is_never_verified_again() {
    let server = TestServer::start();
    server.set("/fee", fee_page("2 МРП", ""));
    let ws = Workspace::new(&one_source(
        Source::new("fee", server.url("/fee")).select(&["div.info-block-horizontal"]),
        vec![Fact::new("duty", "State duty: 2 MCI", "fee", "2026-11-01").quote("2 МРП")],
    ));
    let (r, code) = check(&ws, &[]);
    assert_eq!(
        (code, fact_row(&r, "kz/duty")["quote_found"].clone()),
        (0, Value::Bool(true))
    );

    server.set("/fee", fee_page("12 МРП", ""));
    let (r, code) = check(&ws, &[]);
    assert_eq!(code, 1);
    let fact = fact_row(&r, "kz/duty");
    assert_eq!(
        flags(fact),
        ["source_changed", "evidence_missing"],
        "{fact}"
    );
    assert_eq!(fact["change"], "value");
    assert_eq!(fact["values"][0]["after"], "12 МРП");

    // The reviewer accepts the page (the new fee is the official one) but has not fixed the
    // fact yet: a refresh must not call the old fee verified.
    assert_eq!(ws.run(&["accept", "fee"]).code, 0);
    let before = ws.read("sources.toml");
    let (r, code) = check(&ws, &["--refresh"]);
    assert_eq!(code, 1);
    assert_eq!(source_row(&r, "fee")["outcome"], "unchanged");
    let fact = fact_row(&r, "kz/duty");
    assert_eq!(flags(fact), ["evidence_missing"], "{fact}");
    assert_eq!(fact["refreshed"], false);
    assert_eq!(
        fact["closest_passage"], "Государственная пошлина | 12 МРП",
        "{fact}"
    );
    assert_eq!(ws.read("sources.toml"), before, "no date written");
    let status = ws.run(&["status", "--format", "json"]).json();
    let row = fact_row(&status, "kz/duty");
    assert_eq!(row["last_verified"], "2026-11-01");
    assert_eq!(flags(row), ["evidence_missing"]);
}

#[test]
fn an_edit_of_either_occurrence_of_a_quote_flags_the_fact() {
    let page = |second: &str| {
        Reply::html(format!(
            "<html><body><div class=\"fees\"><p>The state duty is 2 MCI. A duplicate costs \
             also {second}.</p><ul><li>Passport</li></ul></div></body></html>"
        ))
    };
    let server = TestServer::start();
    server.set("/fees", page("2 MCI"));
    let ws = Workspace::new(&one_source(
        Source::new("fees", server.url("/fees")).select(&["div.fees"]),
        vec![
            Fact::new("duty", "Duty: 2 MCI", "fees", "2026-11-20").quote("2 MCI"),
            Fact::new("passport", "Passport", "fees", "2026-11-20").quote("Passport"),
        ],
    ));
    let (r, _) = check(&ws, &[]);
    let duty = fact_row(&r, "kz/duty");
    assert_eq!(duty["quote_count"], 2);
    assert_eq!(
        duty["quote_passages"],
        serde_json::json!(["The state duty is 2 MCI.", "A duplicate costs also 2 MCI."])
    );
    let text = ws.run(&["report"]).stdout;
    assert!(
        text.contains("kz/duty: the quote occurs 2 times"),
        "the report says so: {text}"
    );
    let validate = ws.run(&["validate", "--store"]);
    assert!(
        validate
            .stdout
            .contains("kz/duty: the quote occurs 2 times in the latest text of fees"),
        "{}",
        validate.stdout
    );

    // The second occurrence changes; the first still reads "2 MCI".
    server.set("/fees", page("4 MCI"));
    let (r, code) = check(&ws, &[]);
    assert_eq!(code, 1);
    let duty = fact_row(&r, "kz/duty");
    assert!(flags(duty).contains(&"source_changed"), "{duty}");
    assert_eq!(duty["change"], "value");
    assert_eq!(duty["values"][0]["before"], "2 MCI");
    assert_eq!(duty["values"][0]["after"], "4 MCI");
    assert_eq!(duty["new_passage"], "A duplicate costs also 4 MCI.");
    assert_eq!(flags(fact_row(&r, "kz/passport")), Vec::<&str>::new());
    let hunk = &source_row(&r, "fees")["hunks"][0]["facts"];
    assert_eq!(hunk, &serde_json::json!(["kz/duty"]), "named once");
}

#[test]
fn a_new_row_beside_an_edited_row_is_a_change_no_fact_covers() {
    let server = TestServer::start();
    server.set("/fee", fee_page("2 МРП", ""));
    let ws = Workspace::new(&one_source(
        Source::new("fee", server.url("/fee")).select(&["div.info-block-horizontal"]),
        vec![
            Fact::new("duty", "State duty: 2 MCI", "fee", "2026-11-20")
                .quote("Государственная пошлина 2 МРП"),
        ],
    ));
    check(&ws, &[]);
    // The fee changes and a new condition appears in the row beside it, in the same hunk.
    server.set(
        "/fee",
        fee_page(
            "4 МРП",
            "<tr><td>Медицинская справка</td><td>обязательна</td></tr>",
        ),
    );
    let (r, code) = check(&ws, &[]);
    assert_eq!(code, 1);
    assert_eq!(fact_row(&r, "kz/duty")["change"], "value");
    let row = source_row(&r, "fee");
    assert_eq!(
        row["uncovered"],
        serde_json::json!([{"old_start": 2, "removed": [], "new_start": 2,
                            "added": ["Медицинская справка | обязательна"]}]),
        "{row}"
    );
    assert_eq!(r["summary"]["uncovered_changes"], 1);
    // After the fee is fixed and the page accepted, the new condition was there to be read.
    let text = ws.run(&["report"]).stdout;
    assert!(
        text.contains("+Медицинская справка | обязательна"),
        "{text}"
    );
}

#[test]
fn an_append_at_the_end_shows_one_added_line() {
    let list = |items: &[&str]| {
        let lis: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
        Reply::html(format!(
            "<html><body><ul class=\"docs\">{lis}</ul></body></html>"
        ))
    };
    let server = TestServer::start();
    server.set(
        "/docs",
        list(&["Passport", "Medical certificate (form 028/u)"]),
    );
    let ws = Workspace::new(&one_source(
        Source::new("docs", server.url("/docs")).select(&["ul.docs"]),
        vec![
            Fact::new("medical", "Medical certificate", "docs", "2026-11-20")
                .quote("Medical certificate (form 028/u)"),
        ],
    ));
    check(&ws, &[]);
    server.set(
        "/docs",
        list(&["Passport", "Medical certificate (form 028/u)", "Two photos"]),
    );
    let (r, _) = check(&ws, &[]);
    let row = source_row(&r, "docs");
    let diff = row["diff"].as_str().unwrap();
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['+', '-']))
        .collect();
    assert_eq!(changed, ["+- Two photos"], "{diff}");
    assert_eq!(flags(fact_row(&r, "kz/medical")), Vec::<&str>::new());
    assert_eq!(
        row["uncovered"][0]["added"],
        serde_json::json!(["- Two photos"])
    );
}

#[test]
fn a_json_key_added_beside_a_facts_key_leaves_the_fact_quiet() {
    let json = |body: &str| {
        Reply::status(200)
            .header("Content-Type", "application/json")
            .body(body.to_string())
    };
    let server = TestServer::start();
    // Shaped like IRCC's weekly processing times: a week added `supportworker_pr`.
    server.set(
        "/ptime",
        json(r#"{"supportworker":{"time":"12 months"},"visitor":{"time":"30 days"}}"#),
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("ptime", server.url("/ptime")).line("format = \"json\""))
            .route(
                Route::new("ca", "CA").fact(
                    Fact::new(
                        "support",
                        "Support workers: 12 months",
                        "ptime",
                        "2026-11-20",
                    )
                    .quote("supportworker/time: 12 months"),
                ),
            )
            .toml(),
    );
    let (r, _) = check(&ws, &[]);
    assert_eq!(fact_row(&r, "ca/support")["quote_found"], true);
    server.set(
        "/ptime",
        json(
            r#"{"supportworker":{"time":"12 months"},"supportworker_pr":{"time":"14 months"},
                "visitor":{"time":"30 days"}}"#,
        ),
    );
    let (r, code) = check(&ws, &[]);
    let row = source_row(&r, "ptime");
    assert_eq!(row["outcome"], "changed");
    let fact = fact_row(&r, "ca/support");
    assert_eq!(flags(fact), Vec::<&str>::new(), "{fact}");
    assert_eq!(fact["change"], "elsewhere");
    assert_eq!(
        row["uncovered"][0]["added"],
        serde_json::json!(["/supportworker_pr/time: 14 months"]),
        "{row}"
    );
    // The new key is new text nobody quotes: a person still reads it.
    assert_eq!(code, 1);
}

#[test]
fn status_says_every_reason_it_asks_for_a_person() {
    let server = TestServer::start();
    server.set(
        "/page",
        Reply::html("<html><body><p>Term: 45 calendar days.</p></body></html>"),
    );
    let ws =
        Workspace::new(
            &Registry::new()
                .settings(SETTINGS)
                .source(Source::new("page", server.url("/page")))
                .source(Source::new("gone", dead_url()))
                .route(Route::new("kz", "KZ").fact(
                    Fact::new("term", "45 days", "page", "2026-11-20").quote("45 calendar days"),
                ))
                .toml(),
        );
    check(&ws, &[]);
    server.set(
        "/page",
        Reply::html(
            "<html><body><p>Term: 45 calendar days.</p><p>A new condition applies.</p></body></html>",
        ),
    );
    check(&ws, &[]);
    // No fact is flagged, yet status exits 1: it must say why, in words.
    for format in ["text", "markdown"] {
        let run = ws.run(&["status", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let out = &run.stdout;
        assert!(
            out.to_lowercase().contains("needs review because"),
            "{format}: {out}"
        );
        assert!(
            out.contains("source gone failed (unreachable)"),
            "{format}: {out}"
        );
        assert!(out.contains("+A new condition applies."), "{format}: {out}");
        assert!(
            out.contains("source page changed where no fact quotes it (1 change)"),
            "{format}: {out}"
        );
    }
    let json = ws.run(&["status", "--format", "json"]).json();
    assert_eq!(json["failed_sources"][0]["source"], "gone");
    assert_eq!(json["failed_sources"][0]["outcome"], "unreachable");
    assert_eq!(
        json["uncovered"][0]["changes"][0]["added"],
        serde_json::json!(["A new condition applies."])
    );
}

#[test]
fn probe_shows_where_a_quote_occurs_and_the_closest_passage_when_it_does_not() {
    let server = TestServer::start();
    server.set(
        "/fee",
        fee_page("2 МРП", "<tr><td>Дубликат</td><td>2 МРП</td></tr>"),
    );
    let ws = Workspace::new("");
    let run = ws.run(&[
        "probe",
        &server.url("/fee"),
        "--quote",
        "Срок оказания услуги: 5 рабочих дней",
        "--quote",
        "2 МРП",
        "--quote",
        "Срок оказания услуги 15 рабочих дней",
    ]);
    let out = &run.stdout;
    assert!(
        out.contains("not found  \"Срок оказания услуги: 5 рабочих дней\"\n             closest: Срок оказания услуги | 15 рабочих дней"),
        "{out}"
    );
    assert!(
        out.contains("found      \"2 МРП\"  (occurs 2 times"),
        "{out}"
    );
    assert!(out.contains("in: Дубликат | 2 МРП"), "{out}");
    assert!(
        out.contains("found      \"Срок оказания услуги 15 рабочих дней\"\n"),
        "{out}"
    );
}

#[test]
fn a_page_that_reads_like_a_challenge_verifies_no_fact_not_even_by_304() {
    let server = TestServer::start();
    server.set(
        "/permit",
        Reply::html(
            "<html><head><title>Portal</title></head><body><p>Checking your browser \
             before accessing the portal. This process is automatic; please wait a few \
             seconds.</p></body></html>",
        )
        .header("ETag", "\"challenge\""),
    );
    let registry = |wall: &str| {
        let offer = Fact::new("offer", "A job offer is required", "permit", "2026-11-01");
        one_source(
            Source::new("permit", server.url("/permit")).line(wall),
            vec![offer],
        )
    };
    let ws = Workspace::new(&registry("wall = \"auto\""));
    let before = ws.read("sources.toml");
    // A first capture: nothing tells yet whether it is the page, so it is kept, and a fact
    // without a quote (only the page's sameness speaks for it) is not verified by it.
    let (r, _) = check(&ws, &["--refresh"]);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "new", "{row}");
    assert_eq!(fact_row(&r, "kz/offer")["refreshed"], false, "{row}");
    // A night later, the same challenge by a 304 on it.
    server.set("/permit", Reply::status(304));
    let (r, _) = check(&ws, &["--refresh"]);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "unchanged", "{row}");
    assert!(
        row["notes"].to_string().contains("reads like a challenge"),
        "{row}"
    );
    assert_eq!(fact_row(&r, "kz/offer")["refreshed"], false);
    assert_eq!(ws.read("sources.toml"), before);
    // The person who opened it in a browser says it is the real page.
    ws.write("sources.toml", &registry("wall = \"never\""));
    let (r, _) = check(&ws, &["--refresh"]);
    assert_eq!(fact_row(&r, "kz/offer")["refreshed"], true);
}
