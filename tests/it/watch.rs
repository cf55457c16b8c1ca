//! `watch` and notifications (issue: scheduled worker and nightly operations).

use std::time::{Duration, Instant};

use super::*;

fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// One source `a` at `/a` on `schedule`.
fn scheduled_a(server: &TestServer, schedule: &str) -> String {
    Registry::new()
        .settings(&["retries = 0"])
        .source(Source::new("a", server.url("/a")).line(&format!("schedule = \"{schedule}\"")))
        .toml()
}

#[test]
fn watch_runs_each_source_on_its_own_schedule_and_stops_on_sigterm() {
    let server = TestServer::start();
    server.set("/fast", Reply::html("<main><p>fast page</p></main>"));
    server.set("/yearly", Reply::html("<main><p>yearly page</p></main>"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("fast", server.url("/fast")).line("schedule = \"*/2 * * * * *\""))
            .source(Source::new("yearly", server.url("/yearly")).line("schedule = \"0 0 1 1 *\""))
            .toml(),
    );
    // Captured once before: a source never captured would run at start (see watch_new).
    assert_eq!(ws.run(&["check", "--source", "yearly"]).code, 0);
    let mut child = ws
        .command(&["watch", "--report-dir", "out"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(7));
    sigterm(child.id());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(3),
            "watch did not stop within 3 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    let fast = server.requests("/fast").len();
    assert!(fast >= 3, "fast fetched {fast} times\n{log}");
    assert_eq!(server.requests("/yearly").len(), 1, "{log}");
    assert!(log.contains("next run at"), "{log}");
    let files: Vec<String> = std::fs::read_dir(ws.path("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let json_runs = files.iter().filter(|n| n.ends_with("Z.json")).count();
    let md_runs = files.iter().filter(|n| n.ends_with("Z.md")).count();
    assert!(
        json_runs >= 3 && json_runs == md_runs && json_runs == fast,
        "{files:?}"
    );
    let latest: serde_json::Value = serde_json::from_str(&ws.read("out/latest.json")).unwrap();
    assert_eq!(latest["sources"][0]["id"], "fast");
    assert!(files.iter().all(|n| !n.starts_with(".tmp-")), "{files:?}");
}

#[test]
fn watch_keeps_the_old_registry_when_the_new_one_is_invalid() {
    let server = TestServer::start();
    server.set("/a", Reply::html("<p>a</p>"));
    let good = scheduled_a(&server, "* * * * * *");
    let ws = Workspace::new(&good);
    let mut child = ws
        .command(&["watch"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    ws.write(
        "sources.toml",
        &good.replace("[[sources]]", "[[sources]]\nbogus = 1"),
    );
    std::thread::sleep(Duration::from_millis(3000));
    let before = server.requests("/a").len();
    std::thread::sleep(Duration::from_millis(2500));
    sigterm(child.id());
    let status = child.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(log.contains("keeping the previous version"), "{log}");
    assert!(log.contains("unknown key `bogus`"), "{log}");
    assert!(
        server.requests("/a").len() > before,
        "still running on the old registry\n{log}"
    );
    assert!(
        ws.path("reports/latest.json").exists(),
        "default report dir beside sources.toml"
    );
}

#[test]
fn status_reports_missed_runs() {
    let server = TestServer::start();
    server.set("/a", Reply::html("<p>a</p>"));
    let ws = Workspace::new(&scheduled_a(&server, "0 3 * * *"));
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    let run = ws.run(&["status", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["missed_runs"].as_array().unwrap().len(), 0);
    // Pretend the last capture was three days ago: the nightly job silently stopped.
    let log_path = ws.source_file("a");
    let file = ws.read("snapshots/a/source.jsonl");
    let (state, capture) = file.trim().split_once('\n').unwrap();
    let mut entry: serde_json::Value = serde_json::from_str(capture).unwrap();
    let old = (chrono_now() - 3 * 86_400).to_string();
    entry["at"] = serde_json::Value::String(rfc3339(&old));
    std::fs::write(&log_path, format!("{state}\n{entry}\n")).unwrap();
    let run = ws.run(&["status"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("missed run: a was due"),
        "{}",
        run.stdout
    );
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Seconds since the epoch as an RFC 3339 UTC time, via `date` to keep the tests free of chrono.
fn rfc3339(epoch: &str) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn webhook_registry(server: &TestServer) -> String {
    Registry::new()
        .settings(&["retries = 0"])
        .source(Source::new("p", server.url("/p")))
        .route(
            Route::new("r", "R")
                .fact(Fact::new("old", "An old fact", "p", "2026-01-01").quote("45 calendar days")),
        )
        .toml()
}

#[test]
fn webhook_announces_only_new_findings() {
    let server = TestServer::start();
    server.set("/p", Reply::html("<p>45 calendar days</p>"));
    server.set("/hook", Reply::status(200));
    let ws = Workspace::new(&webhook_registry(&server));
    let hook = server.url("/hook");
    assert_eq!(ws.run(&["-q", "check", "--notify", &hook]).code, 1);
    let posts = server.requests("/hook");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].method, "POST");
    let body: serde_json::Value = serde_json::from_slice(&posts[0].body).unwrap();
    assert!(
        body["text"].as_str().unwrap().contains("r/old (stale)"),
        "{body}"
    );
    assert_eq!(body["new_findings"][0]["id"], "r/old");

    // Same findings: no second announcement.
    assert_eq!(ws.run(&["-q", "check", "--notify", &hook]).code, 1);
    assert_eq!(server.requests("/hook").len(), 1);

    // A new flag on the same fact is news.
    server.set("/p", Reply::html("<p>30 calendar days</p>"));
    assert_eq!(ws.run(&["-q", "check", "--notify", &hook]).code, 1);
    let posts = server.requests("/hook");
    assert_eq!(posts.len(), 2);
    let body: serde_json::Value = serde_json::from_slice(&posts[1].body).unwrap();
    assert!(
        body["text"].as_str().unwrap().contains("evidence_missing"),
        "{body}"
    );
}

#[test]
fn a_hanging_webhook_does_not_hold_the_run() {
    let server = TestServer::start();
    server.set("/p", Reply::html("<p>45 calendar days</p>"));
    server.set(
        "/hang",
        Reply::status(200).fault(Fault::Delay(Duration::from_secs(60))),
    );
    let ws = Workspace::new(&webhook_registry(&server));
    let started = Instant::now();
    let run = ws.run(&[
        "check",
        "--format",
        "json",
        "--notify",
        &server.url("/hang"),
    ]);
    let took = started.elapsed();
    assert_eq!(
        run.code, 1,
        "the webhook never changes the exit code: {}",
        run.stderr
    );
    assert!(took < Duration::from_secs(14), "took {took:?}");
    assert!(run.stderr.contains("notification"), "{}", run.stderr);
    assert_eq!(run.json()["summary"]["stale"], 1);
}

/// A scheduled run that finds the store locked (a manual check at the wrong minute) waits for
/// the lock, logging it, and runs once it is free; it used to skip the run until the next one.
#[test]
fn a_run_meeting_a_held_lock_runs_after_it() {
    let server = TestServer::start();
    server.set("/a", Reply::html("<p>a</p>"));
    server.set(
        "/slow",
        Reply::html("<p>slow</p>").fault(Fault::Delay(Duration::from_secs(4))),
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(&[
                "retries = 0",
                "per_host_interval_ms = 0",
                "timeout_secs = 20",
            ])
            .source(Source::new("a", server.url("/a")).line("schedule = \"*/2 * * * * *\""))
            .source(Source::new("slow", server.url("/slow")).line("schedule = \"0 0 1 1 *\""))
            .toml(),
    );
    let mut manual = ws
        .command(&["check", "--source", "slow"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The manual check holds the lock while it waits on the slow page.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.requests("/slow").is_empty() {
        assert!(Instant::now() < deadline, "the manual check never asked");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut child = ws
        .command(&["-v", "watch", "--report-dir", "out"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(manual.wait().unwrap().code().is_some());
    let released = Instant::now();
    let deadline = released + Duration::from_secs(10);
    while server.requests("/a").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    sigterm(child.id());
    let status = child.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("waiting for it"), "{log}");
    assert!(!log.contains("skipping"), "{log}");
    let a = server.requests("/a");
    assert!(!a.is_empty(), "the waiting run never ran\n{log}");
}
