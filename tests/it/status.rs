//! `status` is always true (issue: a fact ledger, three clocks): computed from the current
//! sources.toml, the store and the ledger, never from whichever check ran last.

use super::*;
use serde_json::Value;

fn two_sources(server: &TestServer) -> String {
    Registry::new()
        .settings(&["retries = 0", "per_host_interval_ms = 0"])
        .source(Source::new("pr", server.url("/pr")).select(&["div.info-block-horizontal"]))
        .source(Source::new("fees", server.url("/fees")))
        .route(
            Route::new("kz", "Kazakhstan · PR")
                .fact(
                    Fact::new("processing-time", "~45 days", "pr", "2026-06-09")
                        .quote("issued within 45 calendar days"),
                )
                .fact(
                    Fact::new("medical", "Medical certificate", "pr", "2026-11-20")
                        .quote("A medical examination certificate is required"),
                )
                .fact(Fact::new("fee", "Free", "fees", "2026-11-20").quote("free of charge")),
        )
        .toml()
}

fn setup() -> (TestServer, Workspace) {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "a")));
    server.set(
        "/fees",
        Reply::html("<main><p>The service is free of charge.</p></main>"),
    );
    let ws = Workspace::new(&two_sources(&server));
    (server, ws)
}

fn status(ws: &Workspace) -> Value {
    let run = ws.run(&["status", "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()
}

#[test]
fn status_after_verify_shows_the_new_date_and_who_set_it() {
    let (_server, ws) = setup();
    assert_eq!(ws.run(&["-q", "check"]).code, 1, "processing-time is stale");
    let before = status(&ws);
    let pt = fact_row(&before, "kz/processing-time");
    assert_eq!(flags(pt), ["stale"]);
    assert_eq!(pt["human_verified"], Value::Null);
    assert_eq!(
        pt["machine_verified"], TODAY,
        "the first check found its quote"
    );
    assert_eq!(pt["source_outcome"], "new");
    let checked = pt["last_checked"].as_str().unwrap().to_string();

    let run = ws.run(&["verify", "kz/processing-time", "--date", "2026-11-24"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = status(&ws);
    let pt = fact_row(&after, "kz/processing-time");
    assert_eq!(pt["last_verified"], "2026-11-24");
    assert_eq!(pt["age_days"], 1);
    assert_eq!(flags(pt), Vec::<&str>::new());
    assert_eq!(pt["human_verified"], "2026-11-24");
    assert_eq!(pt["verified_by"], "human");
    assert_eq!(pt["machine_verified"], TODAY);
    assert_eq!(pt["last_checked"], checked.as_str(), "no fetch happened");
    assert_eq!(after["summary"]["flagged"], 0);
    assert_eq!(ws.run(&["status"]).code, 0);
}

#[test]
fn status_after_accept_drops_source_changed() {
    let (server, ws) = setup();
    ws.run(&["-q", "check"]);
    server.set("/pr", Reply::html(egov_page("30", "", "b")));
    ws.run(&["-q", "check"]);
    let s = status(&ws);
    let pt = fact_row(&s, "kz/processing-time");
    assert_eq!(flags(pt), ["stale", "source_changed", "evidence_missing"]);
    assert_eq!(pt["source_outcome"], "changed");
    assert_eq!(pt["change"], "value");
    assert_eq!(fact_row(&s, "kz/medical")["change"], "elsewhere");
    assert_eq!(flags(fact_row(&s, "kz/medical")), Vec::<&str>::new());

    assert_eq!(ws.run(&["accept", "pr"]).code, 0);
    let s = status(&ws);
    let pt = fact_row(&s, "kz/processing-time");
    assert_eq!(
        pt["source_outcome"], "unchanged",
        "held against the baseline of now"
    );
    assert_eq!(
        flags(pt),
        ["stale", "evidence_missing"],
        "the quote says 45, the page 30"
    );
    assert_eq!(pt["change"], Value::Null);
    assert_eq!(s["summary"]["source_changed"], 0);
}

#[test]
fn status_after_a_partial_check_lists_every_fact() {
    let (_server, ws) = setup();
    ws.run(&["-q", "check"]);
    let first = status(&ws);
    let fee_checked = fact_row(&first, "kz/fee")["last_checked"].clone();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = ws
        .run(&["check", "--source", "pr", "--format", "json"])
        .json();
    assert_eq!(
        r["facts"].as_array().unwrap().len(),
        2,
        "the check covers pr only"
    );
    let s = status(&ws);
    assert_eq!(
        s["facts"].as_array().unwrap().len(),
        3,
        "status covers every fact"
    );
    assert_eq!(
        fact_row(&s, "kz/fee")["last_checked"],
        fee_checked,
        "fees not captured again"
    );
    assert_ne!(
        fact_row(&s, "kz/medical")["last_checked"],
        fact_row(&first, "kz/medical")["last_checked"]
    );
    assert_eq!(fact_row(&s, "kz/fee")["source_outcome"], "new");
}

#[test]
fn status_shows_facts_added_removed_and_redated_by_hand() {
    let (server, ws) = setup();
    ws.run(&["-q", "check"]);
    // By hand: the fee fact removed, medical re-dated, two facts added (one whose quote is on
    // the stored page, one whose quote is not). No check runs after.
    let edited = Registry::new()
        .settings(&["retries = 0", "per_host_interval_ms = 0"])
        .source(Source::new("pr", server.url("/pr")).select(&["div.info-block-horizontal"]))
        .source(Source::new("fees", server.url("/fees")))
        .route(
            Route::new("kz", "Kazakhstan · PR")
                .fact(
                    Fact::new("processing-time", "~45 days", "pr", "2026-06-09")
                        .quote("issued within 45 calendar days"),
                )
                .fact(
                    Fact::new("medical", "Medical certificate", "pr", "2026-01-01")
                        .quote("A medical examination certificate is required"),
                )
                .fact(
                    Fact::new("list", "A passport", "pr", "2026-11-01")
                        .quote("Passport of a foreign citizen"),
                )
                .fact(
                    Fact::new("absent", "x", "pr", "2026-11-01")
                        .quote("Certificate of fingerprinting"),
                ),
        )
        .toml();
    ws.write("sources.toml", &edited);
    drop(server);
    let s = status(&ws);
    let ids: Vec<&str> = s["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["kz/processing-time", "kz/medical", "kz/list", "kz/absent"]
    );
    let list = fact_row(&s, "kz/list");
    assert_eq!(list["quote_found"], true);
    assert_eq!(flags(list), Vec::<&str>::new());
    assert_eq!(list["source_outcome"], "new");
    assert!(list["last_checked"].is_string());
    assert_eq!(
        list["machine_verified"],
        Value::Null,
        "no check has assessed it yet"
    );
    let absent = fact_row(&s, "kz/absent");
    assert_eq!(absent["quote_found"], false);
    assert_eq!(flags(absent), ["evidence_missing"]);
    let med = fact_row(&s, "kz/medical");
    assert_eq!(med["last_verified"], "2026-01-01");
    assert_eq!(flags(med), ["stale"]);
    assert_eq!(med["due"], "2026-04-01");
    assert_eq!(
        med["machine_verified"], TODAY,
        "what the ledger knows stays"
    );
}

#[test]
fn status_markdown_and_text_show_the_clocks() {
    let (_server, ws) = setup();
    ws.run(&["-q", "check"]);
    let md = ws.run(&["status", "--format", "markdown"]);
    assert_eq!(md.code, 1);
    assert!(md.stdout.contains("| Fact | Last verified | Due | Last checked | Machine verified | Human verified | Flags |"), "{}", md.stdout);
    assert!(
        md.stdout.contains("| kz/processing-time | 2026-06-09 |"),
        "{}",
        md.stdout
    );
    let text = ws.run(&["status"]).stdout;
    assert!(
        text.contains("last checked") && text.contains("machine"),
        "{text}"
    );
}

/// Every key the status JSON carries is documented in README's "Status JSON" section.
#[test]
fn readme_documents_every_status_field() {
    let (server, ws) = setup();
    ws.run(&["-q", "check"]);
    server.set(
        "/pr",
        Reply::html(egov_page("30", "<li>New item</li>", "b")),
    );
    ws.run(&["-q", "check"]);
    let s = status(&ws);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Status JSON")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a Status JSON section");
    let documented = |key: &str| section.contains(&format!("`{key}`"));
    let mut missing = Vec::new();
    let mut visit = |what: &str, v: &Value| {
        if let Some(map) = v.as_object() {
            for key in map.keys() {
                if !documented(key) {
                    missing.push(format!("{what}.{key}"));
                }
            }
        }
    };
    visit("status", &s);
    visit("summary", &s["summary"]);
    let pt = fact_row(&s, "kz/processing-time");
    visit("fact", pt);
    visit("fact.values[0]", &pt["values"][0]);
    assert!(
        pt["values"][0].is_object(),
        "a value change to document: {pt}"
    );
    assert!(missing.is_empty(), "undocumented status keys: {missing:?}");
}
