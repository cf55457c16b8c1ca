//! Tuning a source without false alarms (issue: re-extraction, confirmed changes, moved pages):
//! a selector tweak, an `ignore` rule or a new normaliser re-reads the baseline from its raw
//! body (and when it cannot, nothing hides behind the new settings); a page that flaps once is
//! not a change, one that keeps serving another text is; a permanent redirect says where the page
//! went.

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

/// The registry with the source narrowed to the page's info block, as the tests tune it to.
fn narrowed(server: &TestServer) -> String {
    registry(server, &[r#"select = ["div.info-block-horizontal"]"#])
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
    ws.write("sources.toml", &narrowed(&server));
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
    ws.write("sources.toml", &narrowed(&server));
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

/// A selector change, and the raw body the baseline would be re-read from is gone (or not the
/// body it was), and the page really changed: the change cannot hide behind the new settings.
#[test]
fn without_a_good_raw_body_a_settings_change_and_a_real_change_are_flagged_until_accepted() {
    for damage in ["missing", "altered"] {
        let server = TestServer::start();
        server.set("/permit", Reply::html(page("45", "01.02.2026")));
        let ws = Workspace::new(&registry(&server, &[r#"select = ["div.content"]"#]));
        check(&ws);
        for path in ws.raws_of("permit") {
            if damage == "missing" {
                std::fs::remove_file(&path).unwrap();
            } else {
                // Another page, compressed as a raw body is: it reads, but it is not the body.
                use std::io::Write;
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gz.write_all(page("30", "01.02.2026").as_bytes()).unwrap();
                std::fs::write(&path, gz.finish().unwrap()).unwrap();
            }
        }
        ws.write("sources.toml", &narrowed(&server));
        server.set("/permit", Reply::html(page("30", "01.02.2026")));
        let before = ws.read("sources.toml");
        let run = ws.run(&["check", "--refresh", "--format", "json"]);
        assert_eq!(run.code, 1, "{damage}: {}", run.stderr);
        let r = run.json();
        let row = source_row(&r, "permit");
        assert_eq!(row["outcome"], "changed", "{damage}: {row}");
        let notes = row["notes"].to_string();
        let why = if damage == "missing" {
            "no raw body"
        } else {
            "does not match the SHA-256"
        };
        assert!(notes.contains(why), "{damage}: {notes}");
        assert!(notes.contains("sourcewatch accept permit"), "{notes}");
        let fact = fact_row(&r, "kz/days");
        assert!(
            fact["flags"]
                .as_array()
                .unwrap()
                .contains(&Value::from("source_changed")),
            "{fact}"
        );
        assert_eq!(fact["refreshed"], false);
        assert_eq!(ws.read("sources.toml"), before, "nothing refreshed");
        // The next night says the same: the capture never became the baseline by itself.
        let (r, code) = check(&ws);
        assert_eq!(source_row(&r, "permit")["outcome"], "changed");
        assert_eq!(code, 1);
        // A person reviews and accepts; then the page is unchanged again.
        assert_eq!(ws.run(&["accept", "permit"]).code, 0);
        let (r, _) = check(&ws);
        assert_eq!(source_row(&r, "permit")["outcome"], "unchanged");
    }
}

#[test]
fn a_page_served_by_two_servers_in_turn_is_reported_by_the_second_run_and_refreshes_nothing() {
    let server = TestServer::start();
    let (a, b) = (page("45", "x"), page("30", "x"));
    let ws = Workspace::new(&narrowed(&server));
    // Two backends behind one name, one updated: every request gets the other version.
    let flapping: Vec<Reply> = (0..20)
        .map(|i| Reply::html(if i % 2 == 0 { a.clone() } else { b.clone() }))
        .collect();
    server.sequence("/permit", flapping);
    assert_eq!(check(&ws).0["sources"][0]["outcome"], "new");
    let before = ws.read("sources.toml");
    // The first run after the update sees the new text, then the old one: a flap, for now.
    let run = ws.run(&["check", "--refresh", "--format", "json"]);
    let r = run.json();
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "unchanged", "{row}");
    assert!(row["notes"].to_string().contains("flap"), "{row}");
    assert_eq!(fact_row(&r, "kz/days")["refreshed"], false);
    assert_eq!(
        ws.read("sources.toml"),
        before,
        "no date from a run that saw two texts"
    );
    let log = ws.read("snapshots/permit/source.jsonl");
    assert!(
        log.contains("not confirmed: the other fetch gave the baseline's text"),
        "the new text is stored and logged: {log}"
    );
    // The second run sees it again: the change is reported, whatever the second fetch says.
    let run = ws.run(&["check", "--refresh", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let row = source_row(&r, "permit");
    assert_eq!(row["outcome"], "changed", "{row}");
    assert_eq!(row["confirmed"], false);
    assert!(row["notes"].to_string().contains("alternates"), "{row}");
    assert!(
        row["diff"]
            .as_str()
            .unwrap()
            .contains("+The permit is issued within 30")
    );
    assert_eq!(fact_row(&r, "kz/days")["change"], "value");
    assert_eq!(ws.read("sources.toml"), before, "nothing refreshed");
    let diff = ws.run(&["diff", "permit"]);
    assert_eq!(diff.code, 1, "diff says the texts differ: {}", diff.stderr);
    assert!(
        diff.stdout.contains("+The permit is issued within 30"),
        "{}",
        diff.stdout
    );
}

#[test]
fn a_page_that_flapped_verifies_nothing_until_it_settles_even_by_304() {
    let server = TestServer::start();
    let ws = Workspace::new(&narrowed(&server));
    let old = || Reply::html(page("45", "x")).header("ETag", "\"old\"");
    server.set("/permit", old());
    check(&ws);
    // One run meets the updated node first, then the old one: a flap.
    server.sequence("/permit", vec![Reply::html(page("30", "x")), old()]);
    let refresh = |ws: &Workspace| {
        let run = ws.run(&["check", "--refresh", "--format", "json"]);
        let r = run.json();
        (
            source_row(&r, "permit").clone(),
            fact_row(&r, "kz/days").clone(),
        )
    };
    let (row, fact) = refresh(&ws);
    assert_eq!(row["outcome"], "unchanged", "{row}");
    assert_eq!(fact["refreshed"], false);
    // Sticky to the old node since, answering the conditional request with a 304: the other
    // text may be the right one, so three calm runs pass before a date moves.
    for calm in 1..=2 {
        server.sequence("/permit", vec![Reply::status(304), old()]);
        let before = server.requests("/permit").len();
        let (row, fact) = refresh(&ws);
        assert_eq!(row["outcome"], "unchanged", "{row}");
        assert_eq!(
            server.requests("/permit").len() - before,
            2,
            "fetched twice"
        );
        assert_eq!(fact["refreshed"], false, "calm run {calm}: {row}");
        assert!(
            row["notes"]
                .to_string()
                .contains(&format!("in {calm} of the 3 runs")),
            "{row}"
        );
    }
    assert!(ws.read("sources.toml").contains("2026-11-20"));
    server.sequence("/permit", vec![Reply::status(304), old()]);
    let (row, fact) = refresh(&ws);
    assert!(row["notes"].to_string().contains("settled"), "{row}");
    assert_eq!(fact["refreshed"], true, "{row}");
    // Settled: one request again.
    let before = server.requests("/permit").len();
    server.sequence("/permit", vec![Reply::status(304)]);
    refresh(&ws);
    assert_eq!(server.requests("/permit").len() - before, 1);
}

#[test]
fn a_wall_on_the_second_fetch_keeps_the_new_text() {
    // A vendor's challenge, and a challenge known only by its words that kept the selected
    // block but lost the content.
    let vendor = Reply::status(403)
        .header("Content-Type", "text/html")
        .header("cf-mitigated", "challenge")
        .body("<html><title>Just a moment...</title></html>");
    let words = Reply::html(
        "<html><body><div class=\"info-block-horizontal\"><p>Checking your browser before \
         accessing the portal. This process is automatic; please wait a few seconds.</p></div>\
         </body></html>",
    );
    for wall in [vendor, words] {
        let server = TestServer::start();
        let ws = Workspace::new(&narrowed(&server));
        server.set("/permit", Reply::html(page("45", "x")));
        check(&ws);
        server.sequence("/permit", vec![Reply::html(page("30", "x")), wall]);
        let (r, code) = check(&ws);
        let row = source_row(&r, "permit");
        assert_eq!(row["outcome"], "changed", "{row}");
        assert_eq!(row["confirmed"], false);
        assert!(
            row["diff"]
                .as_str()
                .unwrap()
                .contains("+The permit is issued within 30")
        );
        assert!(
            row["notes"]
                .to_string()
                .contains("could not fetch the page a second time"),
            "{row}"
        );
        assert_eq!(code, 1);
        let state = ws.source_state("permit");
        assert_eq!(
            state["latest"]["sha256"], row["sha256"],
            "the new text is the latest"
        );
        assert_eq!(
            ws.texts_of("permit").len(),
            2,
            "the wall's text is not stored"
        );
    }
}

#[test]
fn a_steady_change_is_confirmed_after_two_requests() {
    let (a, b) = (page("45", "x"), page("30", "x"));
    let server = TestServer::start();
    server.set("/permit", Reply::html(a.clone()));
    let ws = Workspace::new(&narrowed(&server));
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
    let ws = Workspace::new(&narrowed(&server));
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
    let mut toml = narrowed(&server);
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
