//! Sources beyond static HTML (issue: JavaScript front ends, JSON APIs and PDFs).

use std::time::{Duration, Instant};

use super::*;

/// Browser tests check the process table for Chromium; one at a time so they see only their own.
static ONE_BROWSER_TEST: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(super) fn browser_test() -> std::sync::MutexGuard<'static, ()> {
    ONE_BROWSER_TEST.lock().unwrap_or_else(|e| e.into_inner())
}

/// Chromium is needed; CI installs it (.ci/run), elsewhere the test says why it skips.
pub(super) fn have_chromium() -> bool {
    have_tool("chromium", "--version", "chromium")
}

fn have_pdftotext() -> bool {
    have_tool("pdftotext", "-v", "poppler-utils")
}

/// Chromium processes whose profile is one of ours, still running.
pub(super) fn leftover_browsers() -> Vec<String> {
    let out = Command::new("ps")
        .args(["-eo", "pid,args"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("sourcewatch-chromium-") && !l.contains("ps -eo"))
        .map(str::to_string)
        .collect()
}

const BROWSER: &str = "render = \"browser\"";

/// The fact the rendered and PDF pages carry.
fn days_fact(source: &str) -> Fact {
    Fact::new("days", "45 days", source, "2026-11-20").quote("issued within 45 calendar days")
}

fn script_page(days: &str) -> Reply {
    Reply::html(format!(
        r#"<html><body><div id="app">Loading…</div>
<script>
document.getElementById('app').innerHTML =
  '<p class="made">The permit is issued within {days} calendar days.</p>';
</script></body></html>"#
    ))
}

#[test]
fn script_made_text_needs_the_browser() {
    let _one = browser_test();
    if !have_chromium() {
        return;
    }
    let server = TestServer::start();
    server.set("/app", script_page("45"));
    let url = server.url("/app");
    let ws = Workspace::new(
        &Registry::new()
            .settings(&[
                "retries = 0",
                "per_host_interval_ms = 0",
                "timeout_secs = 10",
            ])
            .source(Source::new("plain", &url).select(&["p.made"]))
            .source(
                Source::new("rendered", &url)
                    .select(&["p.made"])
                    .line(BROWSER),
            )
            .route(Route::new("r", "R").fact(days_fact("rendered")))
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(source_row(&r, "plain")["outcome"], "selector_missing");
    assert_eq!(
        source_row(&r, "rendered")["outcome"],
        "new",
        "{}",
        source_row(&r, "rendered")
    );
    assert_eq!(fact_row(&r, "r/days")["quote_found"], true);
    let ua = server.requests("/app").last().unwrap().headers["user-agent"].clone();
    assert!(
        ua.starts_with("sourcewatch/"),
        "the browser sends our User-Agent: {ua}"
    );

    server.set("/app", script_page("30"));
    let r = ws
        .run(&["check", "--format", "json", "--source", "rendered"])
        .json();
    assert_eq!(source_row(&r, "rendered")["outcome"], "changed");
    assert!(
        source_row(&r, "rendered")["diff"]
            .as_str()
            .unwrap()
            .contains("+The permit is issued within 30")
    );
    assert_eq!(
        leftover_browsers(),
        Vec::<String>::new(),
        "no Chromium left behind"
    );
}

#[test]
fn wait_for_waits_and_gives_up_and_a_missing_browser_fails_alone() {
    let _one = browser_test();
    if !have_chromium() {
        return;
    }
    let server = TestServer::start();
    server.set(
        "/late",
        Reply::html(
            r#"<html><body><div id="app"></div><script>
setTimeout(function () {
  document.getElementById('app').innerHTML = '<section class="content">Arrived late</section>';
}, 1000);
</script></body></html>"#,
        ),
    );
    server.set("/static", Reply::html("<p>static page</p>"));
    let late = server.url("/late");
    let ws = Workspace::new(
        &Registry::new()
            .settings(&[
                "retries = 0",
                "per_host_interval_ms = 0",
                "timeout_secs = 4",
            ])
            .source(
                Source::new("late", &late)
                    .select(&["section.content"])
                    .line(BROWSER)
                    .line("wait_for = \"section.content\""),
            )
            .source(
                Source::new("never", &late)
                    .line(BROWSER)
                    .line("wait_for = \"div.never-there\""),
            )
            .source(Source::new("static", server.url("/static")))
            .toml(),
    );
    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(
        source_row(&r, "late")["outcome"],
        "new",
        "{}",
        source_row(&r, "late")
    );
    assert_eq!(source_row(&r, "never")["outcome"], "render_error");
    assert!(
        source_row(&r, "never")["error"]
            .as_str()
            .unwrap()
            .contains("wait_for")
    );
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "bounded by the timeout"
    );
    assert_eq!(source_row(&r, "static")["outcome"], "new");

    // A browser that does not exist: render_error, and the other sources are unaffected.
    let toml = ws.read("sources.toml").replace(
        "[settings]\n",
        "[settings]\nbrowser = \"/nonexistent/chromium\"\n",
    );
    ws.write("sources.toml", &toml);
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(source_row(&r, "late")["outcome"], "render_error");
    assert!(
        source_row(&r, "late")["error"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/chromium")
    );
    assert_eq!(source_row(&r, "static")["outcome"], "unchanged");
    assert_eq!(leftover_browsers(), Vec::<String>::new());
}

#[test]
fn json_api_sources() {
    let server = TestServer::start();
    let json = |body: &str| {
        Reply::status(200)
            .header("Content-Type", "application/json")
            .body(body.to_string())
    };
    server.set(
        "/api",
        json(r#"{"data":[{"body":"<p>Fee: <b>free</b> of charge</p><script>x()</script>","meta":{"term":45,"unit":"days"}}],"generated":"t1"}"#),
    );
    server.set("/broken", json(r#"{"data": [1, 2"#));
    let ws =
        Workspace::new(
            &Registry::new()
                .settings(&["retries = 0", "per_host_interval_ms = 0"])
                .source(
                    Source::new("api", server.url("/api"))
                        .select(&["/data/0/body", "/data/0/meta"])
                        .line("format = \"json\""),
                )
                .source(Source::new("broken", server.url("/broken")))
                .route(Route::new("r", "R").fact(
                    Fact::new("fee", "free", "api", "2026-11-20").quote("Fee: free of charge"),
                ))
                .toml(),
        );
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(source_row(&r, "api")["outcome"], "new");
    assert_eq!(
        fact_row(&r, "r/fee")["quote_found"],
        true,
        "HTML inside JSON is read as text"
    );
    // No format key: the Content-Type says JSON; it does not parse.
    assert_eq!(source_row(&r, "broken")["outcome"], "parse_error");
    let file = ws.only_text_file("api");
    let text = std::fs::read_to_string(file).unwrap();
    assert!(!text.contains("x()"), "{text}");
    assert!(text.contains("\n/data/0/meta/term: 45\n"), "{text}");

    // The same object with its keys reordered, and a field outside the pointers changed.
    server.set(
        "/api",
        json(r#"{"generated":"t2","data":[{"meta":{"unit":"days","term":45},"body":"<p>Fee: <b>free</b> of charge</p><script>x()</script>"}]}"#),
    );
    let r = ws
        .run(&["check", "--format", "json", "--source", "api"])
        .json();
    assert_eq!(source_row(&r, "api")["outcome"], "unchanged");

    server.set(
        "/api",
        json(r#"{"data":[{"body":"<p>Fee: <b>free</b> of charge</p>","meta":{"term":30,"unit":"days"}}]}"#),
    );
    let r = ws
        .run(&["check", "--format", "json", "--source", "api"])
        .json();
    assert_eq!(source_row(&r, "api")["outcome"], "changed");
    let diff = source_row(&r, "api")["diff"].as_str().unwrap();
    assert!(
        diff.contains("-/data/0/meta/term: 45\n") && diff.contains("+/data/0/meta/term: 30\n"),
        "{diff}"
    );
}

#[test]
fn json_pointers_are_validated() {
    let ws = Workspace::new(
        "[[sources]]\nid = \"a\"\nurl = \"https://e.org/\"\nformat = \"json\"\nselect = [\"data.body\"]\n",
    );
    let run = ws.run(&["validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("sources.toml:5:11: with format = \"json\", select holds JSON Pointers"),
        "{}",
        run.stderr
    );
    ws.write(
        "sources.toml",
        "[[sources]]\nid = \"a\"\nurl = \"https://e.org/\"\nformat = \"pdf\"\nselect = [\"p\"]\n",
    );
    let run = ws.run(&["validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("select is not allowed with format = \"pdf\""),
        "{}",
        run.stderr
    );
}

#[test]
fn pdf_sources() {
    if !have_pdftotext() {
        return;
    }
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/pdf/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let pdf = |name: &str| {
        Reply::status(200)
            .header("Content-Type", "application/pdf")
            .body(fixture(name))
    };
    let server = TestServer::start();
    server.set("/rules.pdf", pdf("two-pages.pdf"));
    server.set("/broken.pdf", pdf("truncated.pdf"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("rules", server.url("/rules.pdf")).line("format = \"pdf\""))
            .source(Source::new("broken", server.url("/broken.pdf")))
            .route(Route::new("r", "R").fact(days_fact("rules")))
            .toml(),
    );
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(
        source_row(&r, "rules")["outcome"],
        "new",
        "{}",
        source_row(&r, "rules")
    );
    assert_eq!(
        fact_row(&r, "r/days")["quote_found"],
        true,
        "the quote is on page 2"
    );
    assert_eq!(
        source_row(&r, "broken")["outcome"],
        "parse_error",
        "{}",
        source_row(&r, "broken")
    );

    server.set("/rules.pdf", pdf("two-pages-30.pdf"));
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(source_row(&r, "rules")["outcome"], "changed");
    assert!(
        source_row(&r, "rules")["diff"]
            .as_str()
            .unwrap()
            .contains("+The permit is issued within 30 calendar days.")
    );
    assert_eq!(
        fact_row(&r, "r/days")["flags"],
        serde_json::json!(["source_changed", "evidence_missing"])
    );
}

#[test]
fn sigterm_during_a_render_leaves_no_browser() {
    let _one = browser_test();
    if !have_chromium() {
        return;
    }
    let server = TestServer::start();
    // The page waits on a subresource that answers only after a long time, so the browser is
    // still working when the signal comes.
    server.set(
        "/page",
        Reply::html(r#"<html><body><p>hi</p><img src="/slow.png"></body></html>"#),
    );
    server.set(
        "/slow.png",
        Reply::status(200).fault(Fault::Delay(Duration::from_secs(30))),
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "timeout_secs = 25"])
            .source(Source::new("p", server.url("/page")).line(BROWSER))
            .toml(),
    );
    let mut child = ws.spawn_silent(&["check"]);
    for _ in 0..100 {
        if !leftover_browsers().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!leftover_browsers().is_empty(), "the browser started");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "check did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code, Some(2));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        leftover_browsers(),
        Vec::<String>::new(),
        "no Chromium left behind"
    );
}
