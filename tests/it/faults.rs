//! Fault injection (issue: polite, robust fetching): every failure is reported with its outcome,
//! the run goes on, exits 1 (not 2), and no failure ever moves a baseline. Here, what a server
//! answers: statuses and Retry-After, walls, redirects, sizes, robots.txt, an encoding,
//! conditional GETs, the spacing of requests to one host. Faults of the connection itself are in
//! tests/it/faults_network.rs.

use std::io::Write;
use std::time::{Duration, Instant};

use super::*;
use serde_json::Value;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The settings every fault runs under: two retries, a short timeout, a 1 MB body limit.
const SETTINGS: &[&str] = &[
    "retries = 2",
    "timeout_secs = 2",
    "per_host_interval_ms = 0",
    "per_host_concurrency = 16",
    "concurrency = 16",
    "max_body_bytes = 1_000_000",
];

/// A page that extracts fine.
pub(super) fn good(s: &str) -> Reply {
    Reply::html(format!(
        "<html><body><main><p>{s}: 45 calendar days</p></main></body></html>"
    ))
}

/// A workspace with one source `id` at `path` of `server`, under [`SETTINGS`].
fn one_source(server: &TestServer, id: &str, path: &str) -> Workspace {
    Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new(id, server.url(path)))
            .toml(),
    )
}

/// Runs `check --format json`, asserts its exit code (1 when the source failed, 0 when it came
/// through) and returns the row of source `id`.
fn check_row(ws: &Workspace, id: &str, code: i32) -> Value {
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, code, "{}", run.stderr);
    source_row(&run.json(), id).clone()
}

/// [`one_source`], then one check; the workspace and the source's row.
pub(super) fn check_one(
    server: &TestServer,
    id: &str,
    path: &str,
    code: i32,
) -> (Workspace, Value) {
    let ws = one_source(server, id, path);
    let row = check_row(&ws, id, code);
    (ws, row)
}

#[test]
fn retry_after_is_honoured_on_503() {
    let server = TestServer::start();
    server.sequence(
        "/flaky",
        vec![
            Reply::status(503).header("Retry-After", "1"),
            Reply::status(503).header("Retry-After", "1"),
            good("flaky"),
        ],
    );
    let (_ws, row) = check_one(&server, "flaky", "/flaky", 0);
    let flaky = server.requests("/flaky");
    assert_eq!(row["outcome"], "new");
    assert_eq!(flaky.len(), 3, "503, 503, 200: exactly three requests");
    assert!(
        flaky[1].at - flaky[0].at >= Duration::from_millis(950),
        "Retry-After honoured"
    );
}

#[test]
fn a_429_waits_for_retry_after() {
    let server = TestServer::start();
    server.sequence(
        "/throttled",
        vec![
            Reply::status(429).header("Retry-After", "1"),
            good("throttled"),
        ],
    );
    let (_ws, row) = check_one(&server, "throttled", "/throttled", 0);
    let throttled = server.requests("/throttled");
    assert_eq!(row["outcome"], "new");
    assert!(
        throttled[1].at - throttled[0].at >= Duration::from_millis(950),
        "429 waits"
    );
}

/// A host that answers 429 is asked nothing by any source until its Retry-After has passed:
/// the backoff moves the host's next start, not only the retry of the source it told.
#[test]
fn a_429_holds_the_whole_host_for_its_retry_after() {
    let server = TestServer::start();
    let mut registry = Registry::new().settings(&["retries = 1", "per_host_interval_ms = 0"]);
    for id in ["a", "b", "c"] {
        let path = format!("/{id}");
        server.sequence(
            &path,
            vec![Reply::status(429).header("Retry-After", "2"), good(id)],
        );
        registry = registry.source(Source::new(id, server.url(&path)));
    }
    let ws = Workspace::new(&registry.toml());
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut all: Vec<(Instant, bool)> = ["a", "b", "c"]
        .iter()
        .flat_map(|id| {
            let seen = server.requests(&format!("/{id}"));
            assert_eq!(seen.len(), 2, "{id}: a 429, then the page");
            seen.into_iter().enumerate().map(|(i, r)| (r.at, i == 0))
        })
        .collect();
    all.sort_by_key(|(at, _)| *at);
    for (i, (at, throttled)) in all.iter().enumerate() {
        if !throttled {
            continue;
        }
        if let Some((next, _)) = all.get(i + 1) {
            assert!(
                *next - *at >= Duration::from_millis(1950),
                "the host was asked again {:?} after a 429 with Retry-After: 2",
                *next - *at
            );
        }
    }
}

/// A host that asks for a pause longer than a run waits: the source it told is blocked, and
/// the host's other sources are not asked at all in this run.
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

#[test]
fn akamai_wall_is_blocked_and_not_retried() {
    let server = TestServer::start();
    server.set(
        "/akamai",
        Reply::status(403).header("Content-Type", "text/html").body(
            "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \
             You don't have permission to access \"http&#58;&#47;&#47;egov&#46;kz&#47;\" on this \
             server.<P>\nReference&#32;&#35;18&#46;5a3b1c2d&#46;1700000000&#46;abcdef\n</BODY>\n</HTML>\n",
        ),
    );
    let (_ws, row) = check_one(&server, "akamai", "/akamai", 1);
    assert_eq!(row["outcome"], "blocked");
    assert!(row["error"].as_str().unwrap().contains("Akamai"));
    assert_eq!(
        server.requests("/akamai").len(),
        1,
        "a bot wall is not retried"
    );
}

#[test]
fn gone_410_is_an_http_error() {
    let server = TestServer::start();
    server.set("/gone", Reply::status(410).body("Gone"));
    let (_ws, row) = check_one(&server, "gone", "/gone", 1);
    assert_eq!(row["outcome"], "http_error");
    assert_eq!(row["http_status"], 410);
}

#[test]
fn redirect_loop_is_an_http_error() {
    let server = TestServer::start();
    server.set("/loop", Reply::status(302).header("Location", "/loop"));
    let (_ws, row) = check_one(&server, "loop", "/loop", 1);
    assert_eq!(row["outcome"], "http_error");
    assert!(row["error"].as_str().unwrap().contains("redirect"));
}

#[test]
fn huge_body_is_too_large() {
    let server = TestServer::start();
    server.set(
        "/huge",
        Reply::html(format!("<p>{}</p>", "x".repeat(3_000_000))),
    );
    let (_ws, row) = check_one(&server, "huge", "/huge", 1);
    assert_eq!(row["outcome"], "too_large");
}

#[test]
fn gzip_bomb_is_too_large() {
    let server = TestServer::start();
    server.set(
        "/bomb",
        Reply::status(200)
            .header("Content-Type", "text/html")
            .header("Content-Encoding", "gzip")
            .body(gzip(&vec![b'a'; 50_000_000])),
    );
    let (_ws, row) = check_one(&server, "bomb", "/bomb", 1);
    assert_eq!(row["outcome"], "too_large");
}

const ROBOTS: &str = "User-agent: *\nDisallow: /private/\n";

#[test]
fn robots_disallowed_page_is_never_requested() {
    let server = TestServer::start();
    server.set("/robots.txt", Reply::status(200).body(ROBOTS));
    server.set("/private/page", good("private"));
    let (_ws, row) = check_one(&server, "private", "/private/page", 1);
    assert_eq!(row["outcome"], "robots_disallowed");
    assert!(
        server.requests("/private/page").is_empty(),
        "a disallowed page is never requested"
    );
}

/// Several sources on one host, allowed and disallowed: one robots.txt request for them all.
#[test]
fn robots_txt_is_read_once_per_host_per_run() {
    let server = TestServer::start();
    server.set("/robots.txt", Reply::status(200).body(ROBOTS));
    let mut registry = Registry::new().settings(SETTINGS);
    for (id, path) in [("a", "/a"), ("b", "/b"), ("private", "/private/page")] {
        server.set(path, good(id));
        registry = registry.source(Source::new(id, server.url(path)));
    }
    let ws = Workspace::new(&registry.toml());
    let row = check_row(&ws, "private", 1);
    assert_eq!(row["outcome"], "robots_disallowed");
    assert_eq!(
        server.requests("/robots.txt").len(),
        1,
        "robots.txt once per host per run"
    );
}

#[test]
fn windows_1251_page_is_decoded_and_its_quote_found() {
    let server = TestServer::start();
    let cp1251 = encoding_rs::WINDOWS_1251
        .encode(
            "<html><head><meta charset=\"windows-1251\"></head><body><main>\
             <p>Срок оказания услуги – 45 календарных дней.</p></main></body></html>",
        )
        .0
        .into_owned();
    server.set(
        "/cp1251",
        Reply::status(200)
            .header("Content-Type", "text/html")
            .body(cp1251),
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("cp1251", server.url("/cp1251")))
            .route(
                Route::new("kz", "KZ").fact(
                    Fact::new("cyrillic", "45 days", "cp1251", "2026-11-01")
                        .quote("срок оказания услуги - 45 календарных дней"),
                ),
            )
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    assert_eq!(source_row(&r, "cp1251")["outcome"], "new");
    let fact = &r["facts"][0];
    assert_eq!(fact["quote_found"], true, "{fact}");
}

#[test]
fn conditional_get_and_304() {
    let server = TestServer::start();
    let page = Reply::html("<main><p>45 calendar days</p></main>")
        .header("ETag", "\"v1\"")
        .header("Last-Modified", "Mon, 09 Jun 2026 10:00:00 GMT");
    server.sequence(
        "/p",
        // The 304 does not repeat the ETag: the third request must still send it.
        vec![page, Reply::status(304)],
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0"])
            .source(Source::new("p", server.url("/p")))
            .toml(),
    );
    let first = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(first["sources"][0]["outcome"], "new");
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let second = run.json();
    assert_eq!(second["sources"][0]["outcome"], "unchanged");
    assert_eq!(second["sources"][0]["http_status"], 304);
    assert_eq!(
        second["sources"][0]["sha256"],
        first["sources"][0]["sha256"]
    );
    let third = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(third["sources"][0]["outcome"], "unchanged");
    let seen = server.requests("/p");
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].headers["if-none-match"], "\"v1\"");
    assert!(!seen[0].headers.contains_key("if-none-match"));
    assert_eq!(seen[1].headers["if-none-match"], "\"v1\"");
    assert_eq!(
        seen[1].headers["if-modified-since"],
        "Mon, 09 Jun 2026 10:00:00 GMT"
    );
}

/// A server that answers 304 to a request that sent no validators has nothing to point at: that
/// source fails as an HTTP error and the rest of the run goes on.
#[test]
fn an_unasked_304_is_an_http_error_not_a_crash() {
    let server = TestServer::start();
    server.set("/odd", Reply::status(304));
    server.set("/ok", Reply::html("<main><p>Fine.</p></main>"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("odd", server.url("/odd")))
            .source(Source::new("ok", server.url("/ok")))
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(source_row(&report, "odd")["outcome"], "http_error");
    assert_eq!(source_row(&report, "odd")["http_status"], 304);
    assert_eq!(source_row(&report, "ok")["outcome"], "new");
}

/// A 304 points at stored text. Without facts the text is not read, only found; with facts it is
/// read and must still hash to its name. Gone or altered, the page is fetched again in full.
#[test]
fn a_304_whose_stored_text_is_gone_or_altered_is_fetched_again() {
    let server = TestServer::start();
    // Two pages: a text is stored once for every source that sees it.
    let page = |p: &str| {
        Reply::html(format!(
            "<main><p>Issued within 45 calendar days.</p><p>{p}</p></main>"
        ))
        .header("ETag", "\"v1\"")
    };
    for p in ["/plain", "/quoted"] {
        server.sequence(p, vec![page(p), Reply::status(304), page(p)]);
    }
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("plain", server.url("/plain")))
            .source(Source::new("quoted", server.url("/quoted")))
            .route(
                Route::new("r", "R").fact(
                    Fact::new("days", "45 days", "quoted", "2026-11-20")
                        .quote("within 45 calendar days"),
                ),
            )
            .toml(),
    );
    let first = ws.run(&["check", "--today", "2026-11-25", "--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    std::fs::remove_file(ws.only_text_file("plain")).unwrap();
    let quoted = ws.only_text_file("quoted");
    let altered = std::fs::read_to_string(&quoted)
        .unwrap()
        .replace("45", "99");
    std::fs::write(&quoted, altered).unwrap();

    let run = ws.run(&["check", "--today", "2026-11-25", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    for id in ["plain", "quoted"] {
        let row = source_row(&report, id);
        assert_eq!(row["outcome"], "unchanged", "{id}: {row}");
        assert_eq!(row["http_status"], 200, "{id}: refetched in full");
        assert_eq!(server.requests(&format!("/{id}")).len(), 3, "{id}");
    }
    assert!(run.stderr.contains("not to its name"), "{}", run.stderr);
    assert_eq!(fact_row(&report, "r/days")["quote_found"], true);
    // The refetch put the true text back under its name.
    assert!(
        std::fs::read_to_string(&quoted)
            .unwrap()
            .contains("45 calendar days")
    );
    assert!(ws.run(&["validate", "--store"]).code == 0);
}

#[test]
fn per_host_interval_spaces_requests() {
    let server = TestServer::start();
    for p in ["/a", "/b", "/c"] {
        server.set(p, Reply::html(format!("<p>{p}</p>")));
    }
    let mut registry = Registry::new().settings(&[
        "retries = 0",
        "per_host_interval_ms = 400",
        "concurrency = 8",
    ]);
    for p in ["a", "b", "c"] {
        registry = registry.source(Source::new(p, server.url(&format!("/{p}"))));
    }
    let ws = Workspace::new(&registry.toml());
    assert_eq!(ws.run(&["check"]).code, 0);
    // robots.txt (a 404 here) goes through the same gate.
    let mut times: Vec<_> = ["/robots.txt", "/a", "/b", "/c"]
        .iter()
        .flat_map(|p| server.requests(p))
        .map(|s| s.at)
        .collect();
    times.sort();
    assert_eq!(times.len(), 4);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(400), "gap {gap:?}");
    }
}

/// A server that sends no validators serves the same bytes again: the latest text stands
/// without a parse (a hash of the body, not an extraction), and reads exactly as a parse would.
/// A damaged stored text is not stood on: the page is extracted and the text written again.
#[test]
fn the_same_bytes_again_are_not_parsed_again_unless_the_stored_text_is_damaged() {
    let server = TestServer::start();
    server.set(
        "/p",
        Reply::html("<main><p>Issued within 45 calendar days.</p></main>"),
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("p", server.url("/p")))
            .route(Route::new("r", "R").fact(
                Fact::new("days", "45 days", "p", "2026-11-20").quote("within 45 calendar days"),
            ))
            .toml(),
    );
    let first = ws.run(&["check", "--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = ws.run(&["-vv", "check", "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("the same bytes as the latest capture"),
        "{}",
        again.stderr
    );
    let report = again.json();
    let row = source_row(&report, "p");
    assert_eq!(row["outcome"], "unchanged");
    assert_eq!(row["http_status"], 200);
    assert_eq!(row["sha256"], source_row(&first.json(), "p")["sha256"]);
    assert_eq!(fact_row(&report, "r/days")["quote_found"], true);

    let text = ws.only_text_file("p");
    let good = std::fs::read_to_string(&text).unwrap();
    std::fs::write(&text, good.replace("45", "99")).unwrap();
    let repaired = ws.run(&["-vv", "check", "--format", "json"]);
    assert_eq!(repaired.code, 0, "{}", repaired.stderr);
    assert!(
        repaired.stderr.contains("extracting the page again"),
        "{}",
        repaired.stderr
    );
    assert!(
        !repaired
            .stderr
            .contains("the same bytes as the latest capture")
    );
    assert_eq!(fact_row(&repaired.json(), "r/days")["quote_found"], true);
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        good,
        "written again"
    );
}
