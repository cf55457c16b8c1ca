//! A source `watch` has never captured runs at start and on reload, not at its next slot
//! (issue 25: with a daily schedule a new source waited a day), and text `status` names it.

use std::time::{Duration, Instant};

use super::*;

fn daily(id: &str, server: &TestServer) -> Source {
    Source::new(id, server.url(&format!("/{id}"))).line("schedule = \"0 3 * * *\"")
}

/// Waits (at most 15 s) until `path` was requested; false when it never was.
fn requested(server: &TestServer, path: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if !server.requests(path).is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn watch_captures_a_new_source_at_start_and_on_reload() {
    let server = TestServer::start();
    for id in ["a", "b", "c"] {
        server.set(
            &format!("/{id}"),
            Reply::html(format!("<main><p>page {id}</p></main>")),
        );
    }
    let registry = |ids: &[&str]| {
        let mut r = Registry::new().settings(&["retries = 0", "per_host_interval_ms = 0"]);
        for id in ids {
            r = r.source(daily(id, &server));
        }
        r.toml()
    };
    let ws = Workspace::new(&registry(&["a"]));
    assert_eq!(ws.run(&["check"]).code, 0);
    ws.write("sources.toml", &registry(&["a", "b"]));
    let status = ws.run(&["status"]);
    assert!(
        status.stdout.contains("never captured: b"),
        "{}",
        status.stdout
    );

    let mut child = ws
        .command(&["watch", "--report-dir", "out"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let at_start = requested(&server, "/b");
    // A new source while it runs is captured on reload.
    ws.write("sources.toml", &registry(&["a", "b", "c"]));
    let on_reload = at_start && requested(&server, "/c");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let stopped = Instant::now();
    while child.try_wait().unwrap().is_none() && stopped.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("watch did not stop within 5 s");
    }
    assert!(at_start, "b, never captured, was not captured at start");
    assert!(
        on_reload,
        "c, added while watching, was not captured on reload"
    );
    // The captured source waits for its slot (03:00), once fetched by the check before.
    assert_eq!(server.requests("/a").len(), 1);
    assert!(!ws.run(&["status"]).stdout.contains("never captured"));
}
