//! Nothing lost: a date never moves without its record, a damaged cache is rebuilt from the
//! logs, a refresh never dates text it did not check.

use std::time::Duration;

use super::*;

fn many_facts(url: &str, n: usize) -> String {
    let mut route = Route::new("r", "R");
    for i in 0..n {
        route = route.fact(Fact::new(&format!("f{i}"), "45 days", "s", "2026-01-01"));
    }
    Registry::new()
        .settings(&[
            "retries = 0",
            "per_host_interval_ms = 0",
            "respect_robots = false",
        ])
        .source(Source::new("s", url))
        .route(route)
        .toml()
}

/// The `last_verified` of each fact in the file, by fact id.
fn dates(ws: &Workspace) -> std::collections::BTreeMap<String, String> {
    let doc: toml::Value = toml::from_str(&ws.read("sources.toml")).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for route in doc["routes"].as_array().unwrap() {
        for f in route["facts"].as_array().unwrap() {
            let id = format!(
                "{}/{}",
                route["id"].as_str().unwrap(),
                f["id"].as_str().unwrap()
            );
            let date = match &f["last_verified"] {
                toml::Value::Datetime(d) => d.to_string(),
                other => panic!("{other:?}"),
            };
            out.insert(id, date);
        }
    }
    out
}

/// The audit's finding: `sources.toml` was edited before the verification was logged, and in 3
/// of 80 kills 50 dates moved with `human_verified: null`. Now the log comes first: after each
/// of 20 kills at varied moments, every date that moved has its verification.
#[test]
fn kill_during_verify_never_moves_a_date_without_its_record() {
    let ws = Workspace::new(&many_facts(&dead_url(), 300));
    let ids: Vec<String> = (0..300).map(|i| format!("r/f{i}")).collect();
    let mut seed: u64 = std::process::id().into();
    for round in 0..20u32 {
        let date = format!("2026-02-{:02}", round + 1);
        let mut args = vec!["verify", "--date", &date];
        args.extend(ids.iter().map(String::as_str));
        let mut child = ws.spawn_silent(&args);
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis((seed >> 33) % 250));
        let _ = child.kill();
        child.wait().unwrap();

        let status = ws.run(&["status", "--format", "json"]);
        assert!(status.code <= 1, "round {round}: {}", status.stderr);
        let report = status.json();
        for (id, date) in dates(&ws) {
            if date == "2026-01-01" {
                continue;
            }
            let row = fact_row(&report, &id);
            let human = row["human_verified"].as_str().unwrap_or("null").to_string();
            assert!(
                human != "null" && human >= date,
                "round {round}: {id} moved to {date} with human_verified {human}"
            );
        }
    }
}

fn verified_then_damaged(damage: impl Fn(&str) -> String) {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let ws = Workspace::new(&many_facts(&server.url("/s"), 2));
    assert!(ws.run(&["check"]).code <= 1);
    let v = ws.run(&["verify", "r/f0", "--date", "2026-11-20"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let ledger = ws.read("snapshots/LEDGER.json");
    ws.write("snapshots/LEDGER.json", &damage(&ledger));

    let status = ws.run(&["status", "--format", "json"]);
    assert!(status.code <= 1, "{}", status.stderr);
    assert!(
        status.stderr.contains("LEDGER.json is damaged"),
        "{}",
        status.stderr
    );
    assert_eq!(
        fact_row(&status.json(), "r/f0")["human_verified"],
        "2026-11-20"
    );

    let check = ws.run(&["check", "--format", "json"]);
    assert!(check.code <= 1, "{}", check.stderr);
    assert_eq!(
        fact_row(&check.json(), "r/f0")["human_verified"],
        "2026-11-20"
    );
    // The check wrote a good ledger again.
    let status = ws.run(&["status", "--format", "json"]);
    assert!(!status.stderr.contains("damaged"), "{}", status.stderr);
    assert_eq!(
        fact_row(&status.json(), "r/f0")["human_verified"],
        "2026-11-20"
    );
}

#[test]
fn truncated_ledger_is_rebuilt_from_the_log() {
    verified_then_damaged(|ledger| ledger[..ledger.len() / 2].to_string());
}

#[test]
fn conflict_marked_ledger_is_rebuilt_from_the_log() {
    verified_then_damaged(|ledger| {
        format!("<<<<<<< HEAD\n{ledger}=======\n{{\"facts\": {{}}}}\n>>>>>>> other\n")
    });
}

/// A fact whose claim and quote are edited by hand while a `check --refresh` waits on a slow
/// page keeps its date: the refresh compares them with what it checked before writing.
#[test]
fn refresh_skips_a_fact_edited_during_the_run() {
    let server = TestServer::start();
    server.set(
        "/s",
        Reply::html("<p>The permit takes 45 calendar days.</p>"),
    );
    let toml = Registry::new()
        .settings(&[
            "retries = 0",
            "per_host_interval_ms = 0",
            "respect_robots = false",
        ])
        .source(Source::new("s", server.url("/s")))
        .route(
            Route::new("r", "R")
                .fact(Fact::new("a", "45 days", "s", "2026-11-01").quote("45 calendar days"))
                .fact(Fact::new("b", "45 days too", "s", "2026-11-01").quote("45 calendar")),
        )
        .toml();
    let ws = Workspace::new(&toml);
    assert_eq!(ws.run(&["check"]).code, 0);
    server.set(
        "/s",
        Reply::html("<p>The permit takes 45 calendar days.</p>")
            .fault(Fault::Delay(Duration::from_secs(2))),
    );
    let child = ws
        .command(&["check", "--refresh", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let edited = ws
        .read("sources.toml")
        .replace("claim = \"45 days\"", "claim = \"30 days\"")
        .replace(
            "quote = \"45 calendar days\"",
            "quote = \"30 calendar days\"",
        );
    ws.write("sources.toml", &edited);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let dates = dates(&ws);
    assert_eq!(dates["r/a"], "2026-11-01", "{stderr}");
    assert_eq!(dates["r/b"], TODAY, "{stderr}");
    assert!(stderr.contains("r/a"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fact_row(&report, "r/a")["refreshed"], false);
    assert_eq!(fact_row(&report, "r/b")["refreshed"], true);
}

/// `LAST_CHECK.json` is only the last report: damaged, it stops `report` alone (which says how
/// it comes back), never `check` or `status`.
#[test]
fn damaged_last_check_stops_only_report() {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let ws = Workspace::new(&many_facts(&server.url("/s"), 1));
    assert!(ws.run(&["check"]).code <= 1);
    ws.write(
        "snapshots/LAST_CHECK.json",
        "<<<<<<< HEAD\n{\"schema_version\": 1",
    );
    let report = ws.run(&["report"]);
    assert_eq!(report.code, 2);
    assert!(
        report.stderr.contains("LAST_CHECK.json is damaged"),
        "{}",
        report.stderr
    );
    assert!(
        report.stderr.contains("writes it again"),
        "{}",
        report.stderr
    );
    assert!(ws.run(&["status"]).code <= 1);
    assert!(ws.run(&["check"]).code <= 1);
    assert_eq!(ws.run(&["report"]).code, 1);
}

/// A damaged `NOTIFIED.json` starts over with a warning: the findings are announced again.
#[test]
fn damaged_notified_starts_over() {
    let server = TestServer::start();
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    server.set("/hook", Reply::status(200));
    let toml = many_facts(&server.url("/s"), 1).replace(
        "[settings]\n",
        &format!("[settings]\nnotify_webhook = \"{}\"\n", server.url("/hook")),
    );
    let ws = Workspace::new(&toml);
    assert!(ws.run(&["check"]).code <= 1);
    assert_eq!(server.requests("/hook").len(), 1);
    ws.write("snapshots/NOTIFIED.json", "[\"r/f0:st");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("NOTIFIED.json is damaged"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests("/hook").len(), 2);
}
