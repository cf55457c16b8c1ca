//! A host that asks for a pause longer than a run waits (`429` with a long `Retry-After`): the
//! source it told is blocked, and the host's other sources are not asked at all in this run.

use super::*;

#[test]
fn a_429_asking_for_an_hour_blocks_the_host_for_the_run_without_more_requests() {
    let server = TestServer::start();
    let mut registry = Registry::new().settings(&[
        "retries = 2",
        "per_host_interval_ms = 0",
        "per_host_concurrency = 1",
    ]);
    for id in ["a", "b", "c"] {
        let path = format!("/{id}");
        server.set(&path, Reply::status(429).header("Retry-After", "3600"));
        registry = registry.source(Source::new(id, server.url(&path)));
    }
    let ws = Workspace::new(&registry.toml());
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let asked: usize = ["a", "b", "c"]
        .iter()
        .map(|id| server.requests(&format!("/{id}")).len())
        .sum();
    assert_eq!(asked, 1, "one request, no retry, no other source asked");
    for id in ["a", "b", "c"] {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "blocked", "{row}");
        let error = row["error"].as_str().unwrap();
        assert!(
            error.contains("asking for a pause of 3600 s (a run waits at most 120 s)"),
            "{error}"
        );
    }
    let told_later = ["a", "b", "c"]
        .iter()
        .filter(|id| {
            source_row(&r, id)["error"]
                .as_str()
                .unwrap()
                .contains("not tried again")
        })
        .count();
    assert_eq!(told_later, 2);
}
