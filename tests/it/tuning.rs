//! Tuning a source without false alarms (issue: re-extraction, confirmed changes, moved pages):
//! a selector tweak, an `ignore` rule or a new normaliser re-reads the baseline from its raw
//! body; a page that flaps is not a change; a permanent redirect says where the page went.

use super::*;
use serde_json::Value;

/// An egov-shaped page whose selected block holds `days`; a footer date and a share widget sit
/// where a tuned selector leaves them out.
fn page(days: &str, footer_date: &str) -> String {
    format!(
        "<html><body><header><nav>Home · Services</nav></header>\
         <div class=\"content\"><div class=\"info-block-horizontal\">\
         <p>The permit is issued within {days} calendar days.</p>\
         <ul><li>Passport</li><li>Photo</li></ul></div>\
         <div class=\"share\">Share this page</div>\
         <p class=\"updated\">Last update: {footer_date}</p></div>\
         <footer>Portal footer</footer></body></html>"
    )
}

fn registry(server: &TestServer, source_lines: &[&str]) -> String {
    let mut source = Source::new("permit", server.url("/permit"));
    for line in source_lines {
        source = source.line(line);
    }
    Registry::new()
        .settings(&["retries = 0", "per_host_interval_ms = 0"])
        .source(source)
        .route(
            Route::new("kz", "KZ").fact(
                Fact::new("days", "45 days", "permit", "2026-11-20")
                    .quote("issued within 45 calendar days"),
            ),
        )
        .toml()
}

fn check(ws: &Workspace) -> (Value, i32) {
    let run = ws.run(&["check", "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    (run.json(), run.code)
}

#[test]
fn a_changed_select_on_an_unchanged_page_is_unchanged_and_reextracted() {
    let server = TestServer::start();
    server.set("/permit", Reply::html(page("45", "01.02.2026")));
    let ws = Workspace::new(&registry(&server, &[r#"select = ["div.content"]"#]));
    assert_eq!(check(&ws).0["sources"][0]["outcome"], "new");
    // The user narrows the selection; the page is the same.
    ws.write(
        "sources.toml",
        &registry(&server, &[r#"select = ["div.info-block-horizontal"]"#]),
    );
    let (r, code) = check(&ws);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "unchanged", "{row}");
    assert_eq!(row["reextracted"], true);
    assert_eq!(row["diff"], Value::Null);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["flagged"], 0);
    let text = ws.run(&["report"]).stdout;
    assert!(
        text.contains("baseline re-extracted after a settings change"),
        "{text}"
    );
    // The baseline now is the narrowed text: a later check of the same page is plain unchanged.
    let (r, _) = check(&ws);
    assert_eq!(source_row(&r, "permit")["reextracted"], false);
    assert_eq!(source_row(&r, "permit")["outcome"], "unchanged");
}

#[test]
fn a_changed_select_and_a_changed_page_diff_only_the_real_change() {
    let server = TestServer::start();
    server.set("/permit", Reply::html(page("45", "01.02.2026")));
    let ws = Workspace::new(&registry(&server, &[r#"select = ["div.content"]"#]));
    check(&ws);
    ws.write(
        "sources.toml",
        &registry(&server, &[r#"select = ["div.info-block-horizontal"]"#]),
    );
    server.set("/permit", Reply::html(page("30", "05.02.2026")));
    let (r, code) = check(&ws);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "changed");
    assert_eq!(row["reextracted"], true);
    let diff = row["diff"].as_str().unwrap();
    assert!(
        diff.contains("-The permit is issued within 45 calendar days."),
        "{diff}"
    );
    assert!(
        diff.contains("+The permit is issued within 30 calendar days."),
        "{diff}"
    );
    assert!(
        !diff.contains("Share") && !diff.contains("Last update"),
        "{diff}"
    );
    assert_eq!(code, 1);
    assert_eq!(fact_row(&r, "kz/days")["change"], "value");
}

#[test]
fn an_ignore_added_for_a_footer_date_raises_no_alarm() {
    let server = TestServer::start();
    server.set("/permit", Reply::html(page("45", "01.02.2026")));
    let ws = Workspace::new(&registry(&server, &[r#"select = ["div.content"]"#]));
    check(&ws);
    // The date moves, and the user adds the rule that should have been there.
    server.set("/permit", Reply::html(page("45", "09.09.2026")));
    ws.write(
        "sources.toml",
        &registry(
            &server,
            &[
                r#"select = ["div.content"]"#,
                r#"ignore = ['Last update: \d{2}\.\d{2}\.\d{4}']"#,
            ],
        ),
    );
    let (r, code) = check(&ws);
    assert_eq!(source_row(&r, "permit")["outcome"], "unchanged");
    assert_eq!(source_row(&r, "permit")["reextracted"], true);
    assert_eq!(code, 0);
}

#[test]
fn a_normaliser_version_bump_raises_no_alarm() {
    let server = TestServer::start();
    server.set("/permit", Reply::html(page("45", "01.02.2026")));
    let ws = Workspace::new(&registry(&server, &[r#"select = ["div.content"]"#]));
    check(&ws);
    let out = ws
        .command(&["check", "--format", "json"])
        .env("SOURCEWATCH_NORMALISER_VERSION", "99")
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(source_row(&r, "permit")["outcome"], "unchanged");
    assert_eq!(source_row(&r, "permit")["reextracted"], true);
}

#[test]
fn without_a_raw_body_the_new_capture_becomes_the_baseline_never_changed() {
    let server = TestServer::start();
    server.set("/permit", Reply::html(page("45", "01.02.2026")));
    let ws = Workspace::new(&registry(&server, &[r#"select = ["div.content"]"#]));
    check(&ws);
    for e in std::fs::read_dir(ws.path("snapshots/permit/raw")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    ws.write(
        "sources.toml",
        &registry(&server, &[r#"select = ["div.info-block-horizontal"]"#]),
    );
    server.set("/permit", Reply::html(page("30", "01.02.2026")));
    let (r, _) = check(&ws);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "new", "{row}");
    assert!(row["notes"].to_string().contains("no raw body"), "{row}");
    assert_eq!(r["summary"]["changed"], 0);
}

#[test]
fn a_flapping_page_is_unchanged_and_a_steady_change_is_confirmed_after_two_requests() {
    let server = TestServer::start();
    let (a, b) = (page("45", "x"), page("30", "x"));
    let ws = Workspace::new(&registry(
        &server,
        &[r#"select = ["div.info-block-horizontal"]"#],
    ));
    // A CDN with two nodes: every request gets the other version.
    let flapping: Vec<Reply> = (0..20)
        .map(|i| Reply::html(if i % 2 == 0 { a.clone() } else { b.clone() }))
        .collect();
    server.sequence("/permit", flapping);
    assert_eq!(check(&ws).0["sources"][0]["outcome"], "new");
    for _ in 0..3 {
        let (r, code) = check(&ws);
        let row = source_row(&r, "permit");
        assert_eq!(row["outcome"], "unchanged", "{row}");
        assert!(row["notes"].to_string().contains("flap"), "{row}");
        assert_eq!(code, 0);
    }
    let log = ws.read("snapshots/permit/captures.jsonl");
    assert!(
        log.contains("and the baseline's on a second: a flap, not a change"),
        "the flap is logged: {log}"
    );

    // A steady change: two requests, the same new text both times.
    let server = TestServer::start();
    server.set("/permit", Reply::html(a.clone()));
    let ws = Workspace::new(&registry(
        &server,
        &[r#"select = ["div.info-block-horizontal"]"#],
    ));
    check(&ws);
    let before = server.requests("/permit").len();
    server.set("/permit", Reply::html(b.clone()));
    let (r, code) = check(&ws);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "changed");
    assert_eq!(row["confirmed"], true);
    assert_eq!(
        server.requests("/permit").len() - before,
        2,
        "exactly 2 requests"
    );
    assert_eq!(code, 1);
    // Seen again the next night: still changed, confirmed without a second request.
    let before = server.requests("/permit").len();
    let (r, _) = check(&ws);
    assert_eq!(source_row(&r, "permit")["confirmed"], true);
    assert_eq!(server.requests("/permit").len() - before, 1);
}

#[test]
fn a_page_giving_a_third_text_is_changed_unconfirmed_and_unstable() {
    let server = TestServer::start();
    let ws = Workspace::new(&registry(
        &server,
        &[r#"select = ["div.info-block-horizontal"]"#],
    ));
    server.set("/permit", Reply::html(page("45", "x")));
    check(&ws);
    server.sequence(
        "/permit",
        vec![Reply::html(page("30", "x")), Reply::html(page("60", "x"))],
    );
    let (r, _) = check(&ws);
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "changed");
    assert_eq!(row["confirmed"], false);
    assert!(row["notes"].to_string().contains("unstable"), "{row}");
    let md = ws.run(&["report", "--format", "markdown"]).stdout;
    assert!(md.contains("may be unstable"), "{md}");
}

#[test]
fn confirmation_can_be_switched_off() {
    let server = TestServer::start();
    let mut toml = registry(&server, &[r#"select = ["div.info-block-horizontal"]"#]);
    toml = toml.replace("[settings]\n", "[settings]\nconfirm_changes = false\n");
    let ws = Workspace::new(&toml);
    server.set("/permit", Reply::html(page("45", "x")));
    check(&ws);
    server.set("/permit", Reply::html(page("30", "x")));
    let before = server.requests("/permit").len();
    let (r, _) = check(&ws);
    assert_eq!(source_row(&r, "permit")["confirmed"], Value::Null);
    assert_eq!(server.requests("/permit").len() - before, 1);
}

#[test]
fn a_permanent_redirect_says_where_the_page_moved() {
    let server = TestServer::start();
    server.set(
        "/old",
        Reply::status(301).header("Location", &server.url("/permit")),
    );
    server.set(
        "/temporary",
        Reply::status(302).header("Location", &server.url("/permit")),
    );
    server.set("/permit", Reply::html(page("45", "x")));
    let toml = Registry::new()
        .settings(&["retries = 0", "per_host_interval_ms = 0"])
        .source(Source::new("moved", server.url("/old")))
        .source(Source::new("detour", server.url("/temporary")))
        .toml();
    let ws = Workspace::new(&toml);
    let (r, _) = check(&ws);
    assert_eq!(source_row(&r, "moved")["moved_to"], server.url("/permit"));
    assert_eq!(source_row(&r, "detour")["moved_to"], Value::Null);
    let md = ws.run(&["report", "--format", "markdown"]).stdout;
    assert!(
        md.contains("update `url` in sources.toml")
            || md.contains("update \\`url\\` in sources.toml"),
        "{md}"
    );
    let text = ws.run(&["report"]).stdout;
    assert!(
        text.contains(&format!("moved permanently to {}", server.url("/permit"))),
        "{text}"
    );
}
