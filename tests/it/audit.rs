//! Regressions of the third audit's smaller findings, each named after what it pins.

use std::os::unix::fs::PermissionsExt;

use super::*;

fn one_source(server: &TestServer) -> Registry {
    Registry::new()
        .settings(&[
            "retries = 0",
            "per_host_interval_ms = 0",
            "respect_robots = false",
        ])
        .source(Source::new("s", server.url("/s")))
}

#[test]
fn confirmed_is_false_when_the_second_fetch_fails() {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let ws = Workspace::new(&one_source(&server).toml());
    assert_eq!(ws.run(&["check"]).code, 0);
    server.sequence(
        "/s",
        vec![
            Reply::html("<p>The permit takes 30 days.</p>"),
            Reply::status(503),
        ],
    );
    let run = ws.run(&["check", "--format", "json"]);
    let report = run.json();
    let row = source_row(&report, "s");
    assert_eq!(row["outcome"], "changed", "{row}");
    assert_eq!(row["confirmed"], false, "{row}");
    // A stray 304 to the unconditional second request is a failure too.
    server.sequence(
        "/s",
        vec![
            Reply::html("<p>The permit takes 25 days.</p>"),
            Reply::status(304),
        ],
    );
    let report = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(source_row(&report, "s")["confirmed"], false);
    server.sequence(
        "/s",
        vec![
            Reply::html("<p>The permit takes 30 days.</p>"),
            Reply::status(503),
        ],
    );
    let report = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(source_row(&report, "s")["confirmed"], false);
    // The saved report says the same.
    let again = ws.run(&["report", "--format", "json"]).json();
    assert_eq!(source_row(&again, "s")["confirmed"], false);

    // A second fetch that times out, on a text new again.
    server.sequence(
        "/s",
        vec![
            Reply::html("<p>The permit takes 20 days.</p>"),
            Reply::html("<p>late</p>").fault(Fault::Delay(std::time::Duration::from_secs(3))),
        ],
    );
    ws.write(
        "sources.toml",
        &ws.read("sources.toml")
            .replace("retries = 0", "retries = 0\ntimeout_secs = 1"),
    );
    let report = ws.run(&["check", "--format", "json"]).json();
    let row = source_row(&report, "s");
    assert_eq!(row["outcome"], "changed", "{row}");
    assert_eq!(row["confirmed"], false, "{row}");
}

#[test]
fn ledger_drops_facts_removed_from_the_registry() {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let with = |facts: &[&str]| {
        let mut route = Route::new("r", "R");
        for f in facts {
            route = route.fact(Fact::new(f, "45 days", "s", "2026-11-20").quote("45 days"));
        }
        one_source(&server).route(route).toml()
    };
    let ws = Workspace::new(&with(&["kept", "gone"]));
    assert_eq!(ws.run(&["check"]).code, 0);
    assert!(ws.read("snapshots/LEDGER.json").contains("r/gone"));
    ws.write("sources.toml", &with(&["kept"]));
    assert_eq!(ws.run(&["check"]).code, 0);
    let ledger = ws.read("snapshots/LEDGER.json");
    assert!(!ledger.contains("r/gone"), "{ledger}");
    assert!(ledger.contains("r/kept"), "{ledger}");
}

#[test]
fn a_bad_hash_in_the_capture_log_names_the_log() {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let ws = Workspace::new(&one_source(&server).toml());
    assert_eq!(ws.run(&["check"]).code, 0);
    let file = ws.read("snapshots/s/source.jsonl");
    let (state, log) = file.split_once('\n').unwrap();
    let sha = log.split("\"sha256\":\"").nth(1).unwrap()[..64].to_string();
    ws.write(
        "snapshots/s/source.jsonl",
        &format!("{state}\n{}", log.replace(&sha, "../../../etc/passwd")),
    );
    let run = ws.run(&["history", "s"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("source.jsonl"), "{}", run.stderr);
    assert!(run.stderr.contains("is not a SHA-256"), "{}", run.stderr);
}

#[test]
fn an_output_file_loses_its_set_id_bits() {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let ws = Workspace::new(&one_source(&server).toml());
    ws.write("out.md", "old");
    std::fs::set_permissions(ws.path("out.md"), std::fs::Permissions::from_mode(0o6755)).unwrap();
    let run = ws.run(&["check", "--format", "markdown", "--output", "out.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mode = std::fs::metadata(ws.path("out.md"))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o755);
}

#[test]
fn a_long_unknown_id_is_shown_cut() {
    let server = TestServer::start();
    let ws = Workspace::new(&one_source(&server).toml());
    let id = "x".repeat(10_000);
    for args in [
        vec!["verify", id.as_str()],
        vec!["history", id.as_str()],
        vec!["check", "--source", id.as_str()],
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(
            run.stderr.len() < 500,
            "{args:?}: {} bytes",
            run.stderr.len()
        );
        assert!(
            run.stderr.contains("… (10000 characters)"),
            "{}",
            run.stderr
        );
    }
}
