//! Hostile pages and servers (the adversarial audit): each failure stays with its source, within
//! bounded time and memory, and is said in words. Each test is named after the finding it pins.

use std::time::{Duration, Instant};

use super::*;

const FAST: &str = "[settings]\nretries = 0\nper_host_interval_ms = 0\nper_host_concurrency = 4\n";

/// 200,000 nested `<div>`s (2.2 MB, well under max_body_bytes) took html5ever 178 s of CPU. The
/// nesting is refused before parsing: that source fails as parse_error, the others go on.
#[test]
fn nesting_hang_fails_that_source_alone() {
    let server = TestServer::start();
    server.set("/deep", Reply::html("<div>".repeat(200_000)));
    server.set("/ok", Reply::html("<main><p>45 calendar days</p></main>"));
    let ws = Workspace::new(&format!(
        "{FAST}[[sources]]\nid = \"deep\"\nurl = \"{}\"\n[[sources]]\nid = \"ok\"\nurl = \"{}\"\n",
        server.url("/deep"),
        server.url("/ok")
    ));
    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let deep = source_row(&r, "deep");
    assert_eq!(deep["outcome"], "parse_error", "{deep}");
    assert!(
        deep["error"].as_str().unwrap().contains("nest deeper than"),
        "{deep}"
    );
    assert_eq!(source_row(&r, "ok")["outcome"], "new");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// Below the nesting bound, work can still grow with depth × elements (here: selectors whose
/// ancestors never match, tried at every one of 100,000 elements 1,500 levels deep). The
/// source's timeout is a deadline for extraction too.
#[test]
fn extraction_deadline_ends_a_slow_walk() {
    let server = TestServer::start();
    let page = format!(
        "<html><body>{}{}</body></html>",
        "<div>".repeat(1_500),
        "<i>x</i>".repeat(100_000)
    );
    server.set("/slow", Reply::html(page));
    let excluded: Vec<String> = (0..20).map(|n| format!("\".never{n} *\"")).collect();
    let ws = Workspace::new(&format!(
        "{FAST}timeout_secs = 1\n[[sources]]\nid = \"slow\"\nurl = \"{}\"\nexclude = [{}]\n",
        server.url("/slow"),
        excluded.join(", ")
    ));
    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let row = source_row(&run.json(), "slow").clone();
    assert_eq!(row["outcome"], "parse_error", "{row}");
    assert!(
        row["error"].as_str().unwrap().contains("longer than 1 s"),
        "{row}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
