//! Planted files, torn writes and hostile text (issue: what a fuzzing and adversarial audit
//! broke): one regression test per finding, named after it.

use super::*;
use serde_json::Value;

fn one_source(server: &TestServer) -> Workspace {
    server.set("/p", Reply::html(egov_page("45", "", "a")));
    Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("p", server.url("/p")).select(&["div.info-block-horizontal"]))
            .route(
                Route::new("r", "R").fact(
                    Fact::new("days", "45 days", "p", "2026-11-20")
                        .quote("issued within 45 calendar days"),
                ),
            )
            .toml(),
    )
}

fn assert_refused_as_link(run: &Run, planted: &str) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is a symbolic link") && run.stderr.contains(planted),
        "{}",
        run.stderr
    );
}

#[test]
fn planted_lock_symlink_is_refused_and_its_target_untouched() {
    let server = TestServer::start();
    let ws = one_source(&server);
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    let target = ws.path("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    std::fs::remove_file(ws.path("snapshots/.lock")).unwrap();
    std::os::unix::fs::symlink(&target, ws.path("snapshots/.lock")).unwrap();
    assert_refused_as_link(&ws.run(&["check"]), ".lock");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
}

#[test]
fn planted_dirty_log_and_verification_symlinks_are_refused() {
    for planted in [".dirty", "p/source.jsonl", "VERIFICATIONS.jsonl"] {
        let server = TestServer::start();
        let ws = one_source(&server);
        assert_eq!(ws.run(&["-q", "check"]).code, 0);
        let target = ws.path("shell-rc");
        std::fs::write(&target, "# rc\n").unwrap();
        let link = ws.path(&format!("snapshots/{planted}"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_refused_as_link(&ws.run(&["check"]), planted);
        assert_refused_as_link(&ws.run(&["verify", "r/days"]), planted);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "# rc\n",
            "{planted}"
        );
    }
}

#[test]
fn a_source_folder_that_is_a_symlink_writes_nothing_outside_the_store() {
    let server = TestServer::start();
    let ws = one_source(&server);
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path("snapshots")).unwrap();
    std::os::unix::fs::symlink(outside.path(), ws.path("snapshots/p")).unwrap();
    assert_refused_as_link(&ws.run(&["check"]), "snapshots/p");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // Read-only commands refuse it too.
    assert_refused_as_link(&ws.run(&["status"]), "snapshots/p");
}

#[test]
fn terminal_control_sequences_from_page_text_never_reach_the_terminal() {
    let server = TestServer::start();
    let ws = one_source(&server);
    ws.run(&["-q", "check"]);
    let hostile = egov_page(
        "30",
        "<li>Clear\u{1b}[2J screen\u{7} \u{1b}]0;owned\u{7} \u{1b}]8;;https://x.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\ back\u{8}space \u{202e}desrever\u{202c}</li>",
        "b",
    );
    server.set("/p", Reply::html(hostile));
    for args in [
        &["check"][..],
        &["report"][..],
        &["diff", "p"][..],
        &["status"][..],
    ] {
        let run = ws.run(args);
        for (c, what) in [
            ('\u{1b}', "ESC"),
            ('\u{7}', "BEL"),
            ('\u{8}', "backspace"),
            ('\u{202e}', "bidi override"),
        ] {
            assert!(
                !run.stdout.contains(c),
                "{args:?} printed {what}: {:?}",
                run.stdout
            );
        }
    }
    let diff = ws.run(&["diff", "p"]).stdout;
    assert!(diff.contains("Clear[2J screen ]0;owned"), "{diff}");
}

#[test]
fn a_registry_quote_with_a_control_character_is_refused() {
    let ws = Workspace::new(
        &Registry::new()
            .source(Source::new("p", "https://example.org/"))
            .route(
                Route::new("r", "R")
                    .fact(Fact::new("f", "c", "p", "2026-11-20").quote("45 days\u{1b}[2J")),
            )
            .toml(),
    );
    let run = ws.run(&["validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("control character U+001B"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains('\u{1b}'),
        "the message does not print it"
    );
}

#[test]
fn markdown_injection_through_a_registry_url_is_escaped() {
    let server = TestServer::start();
    let evil = format!("{})[click](javascript:alert(1))|cell|", server.url("/nope"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0"])
            .source(Source::new("p", evil))
            .toml(),
    );
    let md = ws.run(&["check", "--format", "markdown"]).stdout;
    assert!(!md.contains("](javascript"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| [p]"))
        .unwrap_or_else(|| panic!("no failed-source row: {md}"));
    assert_eq!(row.matches(" | ").count(), 2, "three cells, no more: {row}");
}

#[test]
fn a_torn_log_line_does_not_swallow_the_next_capture() {
    let server = TestServer::start();
    let ws = one_source(&server);
    ws.run(&["-q", "check"]);
    // A full disk cut the last append short: no newline at the end.
    let log = ws.source_file("p");
    let mut torn = std::fs::read_to_string(&log).unwrap();
    torn.push_str("{\"at\":\"2026-11-25T03:00:00Z\",\"outcome\":\"unch");
    std::fs::write(&log, &torn).unwrap();
    ws.run(&["-q", "check"]);
    let lines: Vec<String> = ws
        .read("snapshots/p/source.jsonl")
        .lines()
        .map(str::to_string)
        .collect();
    // The state, the first capture, the torn line, the capture after it.
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let last: Value = serde_json::from_str(&lines[3]).expect("the capture after recovery is whole");
    assert_eq!(last["outcome"], "unchanged");
    let check = ws.run(&["validate", "--store"]);
    assert_eq!(check.code, 0, "a torn line is not damage: {}", check.stderr);
}

#[test]
fn one_missing_baseline_text_is_rebuilt_from_its_raw_body() {
    let server = TestServer::start();
    let ws = one_source(&server);
    ws.run(&["-q", "check"]);
    std::fs::remove_file(ws.only_text_file("p")).unwrap();
    server.set("/p", Reply::html(egov_page("30", "", "b")));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let row = source_row(&run.json(), "p").clone();
    assert_eq!(row["outcome"], "changed");
    assert!(
        row["diff"]
            .as_str()
            .unwrap()
            .contains("-The permit is issued within 45"),
        "{row}"
    );
    assert!(
        row["notes"]
            .to_string()
            .contains("rebuilt from its raw body"),
        "{row}"
    );
}

#[test]
fn a_forged_baseline_text_is_not_diffed() {
    let server = TestServer::start();
    let ws = one_source(&server);
    ws.run(&["-q", "check"]);
    std::fs::write(ws.only_text_file("p"), "Forged official text").unwrap();
    server.set("/p", Reply::html(egov_page("30", "", "b")));
    let r = ws.run(&["check", "--format", "json"]).json();
    let diff = source_row(&r, "p")["diff"].as_str().unwrap().to_string();
    assert!(!diff.contains("Forged"), "{diff}");
    assert!(diff.contains("-The permit is issued within 45"), "{diff}");
}

#[test]
fn a_damaged_state_line_troubles_that_source_only() {
    // Cut short, and whole but not a state: both start the source over, and the damaged line
    // does not stay behind as a capture `validate --store` would report ever after.
    for damaged in [
        "{\"state\":{\"format\":2,\"basel",
        "{\"state\":\"baseline 45 days\"}",
    ] {
        let server = TestServer::start();
        server.set("/p", Reply::html(egov_page("45", "", "a")));
        server.set("/q", Reply::html("<main><p>Other page</p></main>"));
        let ws = Workspace::new(
            &Registry::new()
                .settings(&["retries = 0", "per_host_interval_ms = 0"])
                .source(Source::new("p", server.url("/p")))
                .source(Source::new("q", server.url("/q")))
                .toml(),
        );
        ws.run(&["-q", "check"]);
        let file = ws.read("snapshots/p/source.jsonl");
        let captures = file.split_once('\n').unwrap().1;
        ws.write(
            "snapshots/p/source.jsonl",
            &format!("{damaged}\n{captures}"),
        );
        let run = ws.run(&["check", "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let r = run.json();
        assert_eq!(source_row(&r, "q")["outcome"], "unchanged");
        let p = source_row(&r, "p");
        assert_eq!(p["outcome"], "new");
        assert!(
            p["notes"].to_string().contains("state was unreadable"),
            "{p}"
        );
        assert_eq!(ws.captures("p").len(), 2, "both captures kept");
        let store = ws.run(&["validate", "--store"]);
        assert_eq!(store.code, 0, "{damaged}: {}", store.stderr);
    }
}

#[test]
fn a_hand_edited_sha_in_state_is_an_error_not_a_panic() {
    let server = TestServer::start();
    let ws = one_source(&server);
    ws.run(&["-q", "check"]);
    let state = ws.read("snapshots/p/source.jsonl");
    let sha = state.split("\"sha256\":\"").nth(1).unwrap()[..64].to_string();
    ws.write("snapshots/p/source.jsonl", &state.replacen(&sha, "x", 1));
    for args in [&["diff", "p"][..], &["accept", "p"][..]] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("source.jsonl") && !run.stderr.contains("panicked"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_non_ascii_sha_in_last_check_is_rendered_not_a_panic() {
    let server = TestServer::start();
    let ws = one_source(&server);
    ws.run(&["-q", "check"]);
    server.set("/p", Reply::html(egov_page("30", "", "b")));
    ws.run(&["-q", "check"]);
    let last = ws.read("snapshots/LAST_CHECK.json");
    let at = last.find("\"baseline_sha256\": \"").unwrap() + "\"baseline_sha256\": \"".len();
    let edited = format!("{}ééééééééééééé{}", &last[..at], &last[at + 64..]);
    ws.write("snapshots/LAST_CHECK.json", &edited);
    let run = ws.run(&["report", "--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("éééééééééééé"), "{}", run.stdout);
}
