//! What a nightly job's log says (issue 25): at `-v` one line per source with its outcome, HTTP
//! status, bytes and time; at `-vv` also each request.

use super::*;

#[test]
fn verbose_logs_one_line_per_source_and_very_verbose_the_requests() {
    let server = TestServer::start();
    let body = "<main><p>The permit is issued within 45 calendar days.</p></main>";
    server.set("/a", Reply::html(body));
    server.set("/b", Reply::status(404).body("not here"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("a", server.url("/a")))
            .source(Source::new("b", server.url("/b")))
            .toml(),
    );
    let run = ws.run(&["-v", "check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = |id: &str| {
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.contains(&format!(" INFO {id}: ")))
            .collect();
        assert_eq!(lines.len(), 1, "one line for {id}:\n{}", run.stderr);
        lines[0].split_once(" INFO ").unwrap().1.to_string()
    };
    let a = line("a");
    assert!(
        a.starts_with(&format!("a: new (HTTP 200, {} bytes, ", body.len())) && a.ends_with(" ms)"),
        "{a}"
    );
    let b = line("b");
    assert!(b.starts_with("b: http_error (HTTP 404, "), "{b}");
    assert!(!run.stderr.contains("GET "), "{}", run.stderr);

    let run = ws.run(&["-vv", "check"]);
    for path in ["/a", "/b"] {
        assert!(
            run.stderr.contains(&format!("GET {}", server.url(path))),
            "{}",
            run.stderr
        );
    }
    // Without -v a job's log holds no such lines.
    assert!(!ws.run(&["check"]).stderr.contains("INFO"));
}
