//! The review workflow (issue: diff, accept, verify, refresh, Markdown and HTML reports).

use super::*;
use serde_json::Value;

const REGISTRY: &str = r#"# Registry under review.
[settings]
retries = 0          # tests are local
per_host_interval_ms = 0

[[sources]]
id = "pr"            # the PR permit page
url = "URL_PR"
select = ["div.info-block-horizontal"]

[[sources]]
id = "fees"
url = "URL_FEES"

[[routes]]
id = "kz-pr-it"
title = "PR for IT specialists"

[[routes.facts]]
id = "processing-time"
claim = "~45 days"
source = "pr"
quote = "issued within 45 calendar days"
last_verified = 2026-06-09   # from the seed page

[[routes.facts]]
id = "medical"
claim = "Medical certificate"
source = "pr"
quote = "A medical examination certificate is required"
last_verified   =   2026-06-09

[[routes.facts]]
id = "fee"
claim = "Free of charge"
source = "fees"
quote = "free of charge"
last_verified = 2026-06-09

[[routes.facts]]
id = "no-quote"
claim = "Something without a quote"
source = "fees"
last_verified = 2026-06-09
"#;

fn setup() -> (TestServer, Workspace) {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "a")));
    server.set(
        "/fees",
        Reply::html("<main><p>The service is free of charge.</p></main>"),
    );
    let toml = REGISTRY
        .replace("URL_PR", &server.url("/pr"))
        .replace("URL_FEES", &server.url("/fees"));
    (server, Workspace::new(&toml))
}

#[test]
fn diff_then_accept_then_unchanged() {
    let (server, ws) = setup();
    assert_eq!(ws.run(&["-q", "check"]).code, 1);
    let run = ws.run(&["diff", "pr"]);
    assert_eq!(run.code, 0, "equal after the first capture: {}", run.stderr);

    server.set("/pr", Reply::html(egov_page("30", "", "b")));
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(r["sources"][0]["outcome"], "changed");
    // The hunk that moved names the fact whose quote it holds.
    let hunks = r["sources"][0]["hunks"].as_array().unwrap();
    assert_eq!(hunks.len(), 1);
    assert_eq!(hunks[0]["facts"][0], "kz-pr-it/processing-time");

    let run = ws.run(&["diff", "pr"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("-The permit is issued within 45 calendar DAYS."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("+The permit is issued within 30 calendar DAYS."),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "plain when piped");

    let run = ws.run(&["accept", "pr"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let latest = r["sources"][0]["sha256"].as_str().unwrap();
    assert!(
        run.stdout
            .contains(&format!("accepted pr: baseline is now {}", &latest[..12])),
        "{}",
        run.stdout
    );
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(r["sources"][0]["outcome"], "unchanged");

    // A failed latest capture cannot be accepted; nothing changes.
    server.set("/pr", Reply::status(500));
    ws.run(&["-q", "check"]);
    let before = ws.read("snapshots/pr/source.jsonl");
    let run = ws.run(&["accept", "--all"]);
    assert_eq!(run.code, 0, "--all skips failed sources: {}", run.stderr);
    let run = ws.run(&["accept", "pr"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("latest capture failed (http_error)"),
        "{}",
        run.stderr
    );
    assert_eq!(ws.read("snapshots/pr/source.jsonl"), before);
    let run = ws.run(&["accept", "pq"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean \"pr\""), "{}", run.stderr);
}

#[test]
fn verify_changes_exactly_the_named_lines() {
    let (_server, ws) = setup();
    let original = ws.read("sources.toml");
    let run = ws.run(&[
        "verify",
        "kz-pr-it/processing-time",
        "kz-pr-it/medical",
        "--date",
        "2026-11-20",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = original
        .replace(
            "last_verified = 2026-06-09   # from the seed page",
            "last_verified = 2026-11-20   # from the seed page",
        )
        .replace(
            "last_verified   =   2026-06-09",
            "last_verified   =   2026-11-20",
        );
    assert_eq!(ws.read("sources.toml"), expected);

    // Unknown fact, future date, malformed date: exit 2 and the file byte-identical.
    let now = ws.read("sources.toml");
    for args in [
        &["verify", "kz-pr-it/processing-tme"][..],
        &["verify", "kz-pr-it/fee", "--date", "2026-12-01"][..],
        &["verify", "kz-pr-it/fee", "--date", "20-11-2026"][..],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(ws.read("sources.toml"), now, "{args:?}");
    }
    let run = ws.run(&["verify", "kz-pr-it/processing-tme"]);
    assert!(
        run.stderr
            .contains("did you mean \"kz-pr-it/processing-time\""),
        "{}",
        run.stderr
    );

    // The next report says a human verified it.
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(fact_row(&r, "kz-pr-it/medical")["verified_by"], "human");
    assert_eq!(fact_row(&r, "kz-pr-it/fee")["verified_by"], Value::Null);
}

#[test]
fn refresh_moves_only_reverified_dates() {
    let (server, ws) = setup();
    // First run: both sources new; quotes found; "no-quote" is on a new source, so not refreshed.
    assert_eq!(ws.run(&["-q", "check"]).code, 1);
    ws.write("sources.toml", &ws.read("sources.toml")); // untouched so far
    let original = ws.read("sources.toml");

    // Second run: pr changed (45 -> 30), fees unchanged.
    server.set("/pr", Reply::html(egov_page("30", "", "b")));
    let run = ws.run(&["check", "--refresh", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["summary"]["refreshed"], 2);
    assert_eq!(fact_row(&r, "kz-pr-it/fee")["refreshed"], true);
    assert_eq!(fact_row(&r, "kz-pr-it/fee")["last_verified"], TODAY);
    assert_eq!(
        fact_row(&r, "kz-pr-it/fee")["flags"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(fact_row(&r, "kz-pr-it/fee")["verified_by"], "machine");
    assert_eq!(fact_row(&r, "kz-pr-it/no-quote")["refreshed"], true);
    assert_eq!(fact_row(&r, "kz-pr-it/processing-time")["refreshed"], false);
    assert_eq!(
        fact_row(&r, "kz-pr-it/medical")["refreshed"],
        false,
        "its source changed"
    );

    let lines: Vec<&str> = original.lines().collect();
    let after = ws.read("sources.toml");
    let changed: Vec<(usize, &str)> = after
        .lines()
        .enumerate()
        .filter(|(i, l)| lines[*i] != *l)
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(
        changed
            .iter()
            .all(|(_, l)| *l == format!("last_verified = {TODAY}")),
        "{changed:?}"
    );
    assert_eq!(after.lines().count(), lines.len());

    // The next check sees the refreshed dates as machine-verified.
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(fact_row(&r, "kz-pr-it/fee")["verified_by"], "machine");
    assert_eq!(fact_row(&r, "kz-pr-it/fee")["age_days"], 0);
}

#[test]
fn report_renders_the_last_check_in_every_format() {
    let (server, ws) = setup();
    ws.run(&["-q", "check"]);
    server.set("/pr", Reply::html(egov_page("30", "", "b")));
    server.set(
        "/fees",
        Reply::status(403).body("<p>Access Denied</p> Reference #1.2.3"),
    );
    let md = ws.run(&["check", "--format", "markdown"]);
    assert_eq!(md.code, 1);
    let again = ws.run(&["report", "--format", "markdown"]);
    assert_eq!(again.code, 1);
    assert_eq!(
        md.stdout, again.stdout,
        "one report value, rendered the same"
    );
    assert!(
        md.stdout
            .contains("| `kz-pr-it/processing-time` | ~45 days | PR for IT specialists | `stale` `source_changed` `evidence_missing`"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("```diff\n"), "{}", md.stdout);
    assert!(
        md.stdout.contains("touches `kz-pr-it/processing-time`"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("| `blocked` |"), "{}", md.stdout);
    let html = ws.run(&["report", "--format", "html", "--output", "report.html"]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    let page = ws.read("report.html");
    assert!(
        page.contains("<del>45</del>") && page.contains("<ins>30</ins>"),
        "{page}"
    );
    let json = ws.run(&["report", "--format", "json"]).json();
    assert_eq!(json["summary"]["changed"], 1);
}
