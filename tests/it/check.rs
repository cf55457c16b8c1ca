//! `check`, `validate` and `status` end to end (issue: core check loop).

use super::*;
use serde_json::Value;

const MEDICAL: &str =
    "A medical examination certificate is required to confirm the absence of prohibited diseases.";

fn registry(server: &TestServer, dead: &str) -> String {
    let egov = |id: &str, path: &str| {
        Source::new(id, server.url(path)).select(&["div.info-block-horizontal"])
    };
    Registry::new()
        .comment("test registry")
        .settings(&[
            "retries = 0",
            "timeout_secs = 5",
            "per_host_interval_ms = 0",
            "contact = \"tests@example.org\"",
        ])
        .source(egov("pr-permit", "/pr"))
        .source(egov("footer-only", "/footer"))
        .source(Source::new("dead", dead))
        .route(
            Route::new("kz-pr-it", "Kazakhstan · PR for IT specialists")
                .fact(
                    Fact::new(
                        "processing-time",
                        "Typical processing: ~45 days",
                        "pr-permit",
                        "2026-11-01",
                    )
                    .quote("issued within 45 calendar days"),
                )
                .fact(
                    Fact::new(
                        "medical-certificate",
                        "A medical certificate is required",
                        "pr-permit",
                        "2026-06-09",
                    )
                    .quote(MEDICAL),
                )
                .fact(
                    Fact::new("fee", "No state fee", "footer-only", "2026-11-20")
                        .quote("free   OF charge"),
                )
                .fact(Fact::new(
                    "on-dead-source",
                    "Something on a dead page",
                    "dead",
                    "2026-11-20",
                )),
        )
        .toml()
}

#[test]
fn first_run_then_a_change_inside_the_selection() {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "t1")));
    server.set("/footer", Reply::html(egov_page("45", "", "f1")));
    let ws = Workspace::new(&registry(&server, &dead_url()));

    // 1. First run.
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["today"], TODAY);
    assert_eq!(source_row(&r, "pr-permit")["outcome"], "new");
    assert_eq!(source_row(&r, "footer-only")["outcome"], "new");
    assert_eq!(source_row(&r, "dead")["outcome"], "unreachable");
    assert!(
        source_row(&r, "dead")["error"]
            .as_str()
            .unwrap()
            .contains("connect")
    );
    let pt = fact_row(&r, "kz-pr-it/processing-time");
    assert_eq!(
        flags(pt),
        Vec::<&str>::new(),
        "NBSP, spaces and case must not matter"
    );
    assert_eq!(pt["quote_found"], true);
    let med = fact_row(&r, "kz-pr-it/medical-certificate");
    assert_eq!(med["age_days"], 169);
    assert_eq!(flags(med), ["stale"]);
    assert_eq!(
        flags(fact_row(&r, "kz-pr-it/on-dead-source")),
        ["unverifiable"]
    );
    assert_eq!(
        fact_row(&r, "kz-pr-it/on-dead-source")["quote_found"],
        Value::Null
    );
    let s = &r["summary"];
    let expect = serde_json::json!({
        "sources": 3, "new": 2, "unchanged": 0, "changed": 0, "failed": 1,
        "facts": 4, "flagged": 2, "stale": 1, "source_changed": 0,
        "evidence_missing": 0, "unverifiable": 1, "refreshed": 0, "uncovered_changes": 0,
        "page_differs": 0, "pages": 0, "date_mismatches": 0, "unmonitored_claims": 0
    });
    assert_eq!(s, &expect);
    // Every key of SPEC §6 is present on every row.
    for key in [
        "id",
        "url",
        "final_url",
        "outcome",
        "http_status",
        "sha256",
        "baseline_sha256",
        "error",
        "diff",
    ] {
        assert!(
            source_row(&r, "pr-permit").get(key).is_some(),
            "source key {key}"
        );
    }
    for key in [
        "id",
        "route",
        "source",
        "claim",
        "quote",
        "last_verified",
        "age_days",
        "stale_after_days",
        "flags",
        "quote_found",
        "closest_passage",
        "refreshed",
        "change",
        "values",
    ] {
        assert!(pt.get(key).is_some(), "fact key {key}");
    }
    let ua = &server.requests("/pr")[0].headers["user-agent"];
    assert!(
        ua.starts_with("sourcewatch/") && ua.contains("tests@example.org"),
        "{ua}"
    );

    // 2. The number changes inside the selection; the other page changes only outside it.
    server.set("/pr", Reply::html(egov_page("30", "", "t2")));
    server.set("/footer", Reply::html(egov_page("45", "", "f2")));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let pr = source_row(&r, "pr-permit");
    assert_eq!(pr["outcome"], "changed");
    assert_ne!(pr["sha256"], pr["baseline_sha256"]);
    let diff = pr["diff"].as_str().unwrap();
    assert!(
        diff.contains("-The permit is issued within 45 calendar DAYS."),
        "{diff}"
    );
    assert!(
        diff.contains("+The permit is issued within 30 calendar DAYS."),
        "{diff}"
    );
    assert_eq!(source_row(&r, "footer-only")["outcome"], "unchanged");
    assert_eq!(source_row(&r, "footer-only")["diff"], Value::Null);
    let pt = fact_row(&r, "kz-pr-it/processing-time");
    assert_eq!(flags(pt), ["source_changed", "evidence_missing"]);
    assert_eq!(pt["quote_found"], false);
    let closest = pt["closest_passage"].as_str().unwrap();
    assert!(closest.contains("30"), "{closest}");
    assert_eq!(flags(fact_row(&r, "kz-pr-it/fee")), Vec::<&str>::new());
    assert_eq!(r["summary"]["changed"], 1);
    assert_eq!(r["summary"]["evidence_missing"], 1);

    // The terminal report names the flagged facts and the closest passage.
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("kz-pr-it/processing-time"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("closest: The permit is issued within 30"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Totals:"), "{}", run.stdout);

    // `status` works offline from the last check.
    drop(server);
    let run = ws.run(&["status", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        fact_row(&run.json(), "kz-pr-it/processing-time")["flags"][0],
        "source_changed"
    );
    let run = ws
        .command(&["status"])
        .env("SOURCEWATCH_TODAY", "2027-03-01")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        text.contains("kz-pr-it/processing-time") && text.contains("stale"),
        "{text}"
    );

    // The store holds the text by hash, and the source's file its state and its captures.
    assert!(ws.source_state("pr-permit")["baseline"].is_object());
    assert_eq!(ws.texts_of("pr-permit").len(), 2);
    assert_eq!(ws.captures("pr-permit").len(), 3);
    assert_eq!(ws.read("snapshots/FORMAT"), "sourcewatch-snapshots 2\n");
}

#[test]
fn clean_run_exits_zero_and_output_file_is_written() {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "x")));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0"])
            .source(Source::new("pr", server.url("/pr")).select(&["div.info-block-horizontal"]))
            .route(
                Route::new("r", "R")
                    .fact(Fact::new("f", "c", "pr", "2026-11-01").quote("45 calendar days")),
            )
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json", "--output", "out/report.json"]);
    // The output folder does not exist: it is made (it was exit 2 before).
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(ws.path("out/report.json").is_file());
    let run = ws.run(&[
        "-q",
        "check",
        "--format",
        "json",
        "--output",
        "out/report.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let report: Value = serde_json::from_str(&ws.read("out/report.json")).unwrap();
    assert_eq!(report["summary"]["flagged"], 0);
    assert_eq!(report["sources"][0]["outcome"], "unchanged");
}

#[test]
fn invalid_registry_lists_every_problem_and_writes_nothing() {
    let ws = Workspace::new(
        r#"[settings]
stale_after_days = 90

[[sources]]
id = "egov"
url = "https://egov.kz/cms/en/services/for_foreigners/009pass_mvd"
select = ["div.info-block-horizontal"]

[[sources]]
id = "egov"
url = "https://egov.kz/cms/en/articles/vid_na_jitelstvo"
select = ["div.info-block-horizontal >"]
"#,
    );
    for cmd in [&["check"][..], &["validate"][..]] {
        let run = ws.run(cmd);
        assert_eq!(run.code, 2, "{cmd:?}");
        assert!(
            run.stderr
                .contains("sources.toml:10:6: duplicate source id \"egov\""),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("sources.toml:12:11: bad CSS selector"),
            "{}",
            run.stderr
        );
        assert!(!ws.path("snapshots").exists());
    }
    // Syntax errors and unknown keys are located too.
    ws.write("sources.toml", "[settings]\nconcurency = 3\n");
    let run = ws.run(&["validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("sources.toml:2:1: unknown key `concurency`"),
        "{}",
        run.stderr
    );
    assert!(!ws.path("snapshots").exists());
}

#[test]
fn selection_flags_and_usage_errors() {
    let server = TestServer::start();
    server.set("/a", Reply::html("<p>alpha</p>"));
    server.set("/b", Reply::html("<p>beta</p>"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0"])
            .source(Source::new("a", server.url("/a")))
            .source(Source::new("b", server.url("/b")))
            .route(Route::new("route-b", "B").fact(Fact::new("f", "c", "b", "2026-11-01")))
            .toml(),
    );
    let r = ws
        .run(&["check", "--source", "a", "--format", "json"])
        .json();
    assert_eq!(r["sources"].as_array().unwrap().len(), 1);
    assert_eq!(r["facts"].as_array().unwrap().len(), 0);
    let r = ws
        .run(&["check", "--route", "route-b", "--format", "json"])
        .json();
    assert_eq!(r["sources"][0]["id"], "b");
    assert_eq!(r["facts"][0]["id"], "route-b/f");
    let run = ws.run(&["check", "--source", "bb"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown source \"bb\""),
        "{}",
        run.stderr
    );
    let run = ws.run(&["check", "--today", "yesterday"]);
    assert_eq!(run.code, 2);
    assert_eq!(server.requests("/a").len(), 1);
}

#[test]
fn empty_and_missing_selector_are_failures_not_changes() {
    let server = TestServer::start();
    server.set(
        "/shell",
        Reply::html("<html><body><div id=app></div><script>render()</script></body></html>"),
    );
    server.set(
        "/moved",
        Reply::html("<html><body><div class=new-layout>45 days</div></body></html>"),
    );
    server.set("/gone", Reply::status(410).body("gone"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0"])
            .source(Source::new("shell", server.url("/shell")))
            .source(
                Source::new("moved", server.url("/moved")).select(&["div.info-block-horizontal"]),
            )
            .source(Source::new("gone", server.url("/gone")))
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let r = run.json();
    assert_eq!(source_row(&r, "shell")["outcome"], "empty");
    assert_eq!(source_row(&r, "moved")["outcome"], "selector_missing");
    assert_eq!(source_row(&r, "gone")["outcome"], "http_error");
    assert_eq!(source_row(&r, "gone")["http_status"], 410);
    assert_eq!(r["summary"]["failed"], 3);
    assert_eq!(r["summary"]["changed"], 0);
}
