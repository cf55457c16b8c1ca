//! Fault injection (issue: polite, robust fetching): every failure is reported with its outcome,
//! the run goes on, exits 1 (not 2), and no failure ever moves a baseline.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::*;
use serde_json::Value;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn baseline_of(ws: &Workspace, id: &str) -> String {
    let state: Value =
        serde_json::from_str(&ws.read(&format!("snapshots/{id}/state.json"))).unwrap();
    state["baseline"]["sha256"].as_str().unwrap().to_string()
}

#[test]
fn fault_suite() {
    let server = TestServer::start();
    let good = |s: &str| {
        Reply::html(format!(
            "<html><body><main><p>{s}: 45 calendar days</p></main></body></html>"
        ))
    };
    server.set(
        "/robots.txt",
        Reply::status(200).body("User-agent: *\nDisallow: /private/\n"),
    );
    server.sequence(
        "/flaky",
        vec![
            Reply::status(503).header("Retry-After", "1"),
            Reply::status(503).header("Retry-After", "1"),
            good("flaky"),
        ],
    );
    server.sequence(
        "/throttled",
        vec![
            Reply::status(429).header("Retry-After", "1"),
            good("throttled"),
        ],
    );
    server.set(
        "/akamai",
        Reply::status(403).header("Content-Type", "text/html").body(
            "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \
             You don't have permission to access \"http&#58;&#47;&#47;egov&#46;kz&#47;\" on this \
             server.<P>\nReference&#32;&#35;18&#46;5a3b1c2d&#46;1700000000&#46;abcdef\n</BODY>\n</HTML>\n",
        ),
    );
    server.set("/gone", Reply::status(410).body("Gone"));
    server.set("/loop", Reply::status(302).header("Location", "/loop"));
    server.set(
        "/huge",
        Reply::html(format!("<p>{}</p>", "x".repeat(3_000_000))),
    );
    server.set(
        "/bomb",
        Reply::status(200)
            .header("Content-Type", "text/html")
            .header("Content-Encoding", "gzip")
            .body(gzip(&vec![b'a'; 50_000_000])),
    );
    server.set("/private/page", good("private"));
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
    server.sequence(
        "/reset",
        vec![good("reset"), good("reset").fault(Fault::ResetMidBody)],
    );
    server.sequence(
        "/slow",
        vec![
            good("slow"),
            good("slow").fault(Fault::SlowBody(Duration::from_millis(100))),
        ],
    );

    let ids = [
        "flaky",
        "throttled",
        "akamai",
        "gone",
        "loop",
        "huge",
        "bomb",
        "private",
        "cp1251",
        "reset",
        "slow",
    ];
    let paths = [
        "/flaky",
        "/throttled",
        "/akamai",
        "/gone",
        "/loop",
        "/huge",
        "/bomb",
        "/private/page",
        "/cp1251",
        "/reset",
        "/slow",
    ];
    let mut toml = String::from(
        "[settings]\nretries = 2\ntimeout_secs = 2\nper_host_interval_ms = 0\n\
         per_host_concurrency = 16\nconcurrency = 16\nmax_body_bytes = 1_000_000\n",
    );
    for (id, path) in ids.iter().zip(paths) {
        toml.push_str(&format!(
            "\n[[sources]]\nid = \"{id}\"\nurl = \"{}\"\n",
            server.url(path)
        ));
    }
    toml.push_str(
        "\n[[routes]]\nid = \"kz\"\ntitle = \"KZ\"\n[[routes.facts]]\nid = \"cyrillic\"\n\
         claim = \"45 days\"\nsource = \"cp1251\"\nquote = \"срок оказания услуги - 45 календарных дней\"\n\
         last_verified = 2026-11-01\n",
    );
    let ws = Workspace::new(&toml);

    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let flaky = server.requests("/flaky");
    assert_eq!(source_row(&r, "flaky")["outcome"], "new");
    assert_eq!(flaky.len(), 3, "503, 503, 200: exactly three requests");
    assert!(
        flaky[1].at - flaky[0].at >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    let throttled = server.requests("/throttled");
    assert_eq!(source_row(&r, "throttled")["outcome"], "new");
    assert!(
        throttled[1].at - throttled[0].at >= Duration::from_millis(950),
        "429 waits"
    );
    assert_eq!(source_row(&r, "akamai")["outcome"], "blocked");
    assert!(
        source_row(&r, "akamai")["error"]
            .as_str()
            .unwrap()
            .contains("Akamai")
    );
    assert_eq!(
        server.requests("/akamai").len(),
        1,
        "a bot wall is not retried"
    );
    assert_eq!(source_row(&r, "gone")["outcome"], "http_error");
    assert_eq!(source_row(&r, "gone")["http_status"], 410);
    assert_eq!(source_row(&r, "loop")["outcome"], "http_error");
    assert!(
        source_row(&r, "loop")["error"]
            .as_str()
            .unwrap()
            .contains("redirect")
    );
    assert_eq!(source_row(&r, "huge")["outcome"], "too_large");
    assert_eq!(source_row(&r, "bomb")["outcome"], "too_large");
    assert_eq!(source_row(&r, "private")["outcome"], "robots_disallowed");
    assert!(
        server.requests("/private/page").is_empty(),
        "a disallowed page is never requested"
    );
    assert_eq!(
        server.requests("/robots.txt").len(),
        1,
        "robots.txt once per host per run"
    );
    assert_eq!(source_row(&r, "cp1251")["outcome"], "new");
    let fact = &r["facts"][0];
    assert_eq!(fact["quote_found"], true, "{fact}");
    assert_eq!(source_row(&r, "reset")["outcome"], "new");
    assert_eq!(source_row(&r, "slow")["outcome"], "new");
    let reset_baseline = baseline_of(&ws, "reset");
    let slow_baseline = baseline_of(&ws, "slow");

    // Second run: the connection is reset mid-body, the body trickles past the timeout.
    let run = ws.run(&[
        "check", "--format", "json", "--source", "reset", "--source", "slow",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    for id in ["reset", "slow"] {
        assert_eq!(
            source_row(&r, id)["outcome"],
            "unreachable",
            "{id}: {}",
            source_row(&r, id)
        );
    }
    assert!(
        source_row(&r, "slow")["error"]
            .as_str()
            .unwrap()
            .contains("timed out")
    );
    assert_eq!(r["summary"]["changed"], 0);
    assert_eq!(baseline_of(&ws, "reset"), reset_baseline);
    assert_eq!(baseline_of(&ws, "slow"), slow_baseline);
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
    let ws = Workspace::new(&format!(
        "[settings]\nretries = 0\n[[sources]]\nid = \"p\"\nurl = \"{}\"\n",
        server.url("/p")
    ));
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
    let ws = Workspace::new(&format!(
        "[settings]\nretries = 0\nper_host_interval_ms = 0\n\
         [[sources]]\nid = \"odd\"\nurl = \"{}\"\n\
         [[sources]]\nid = \"ok\"\nurl = \"{}\"\n",
        server.url("/odd"),
        server.url("/ok")
    ));
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
    let page = || {
        Reply::html("<main><p>Issued within 45 calendar days.</p></main>").header("ETag", "\"v1\"")
    };
    for p in ["/plain", "/quoted"] {
        server.sequence(p, vec![page(), Reply::status(304), page()]);
    }
    let ws = Workspace::new(&format!(
        "[settings]\nretries = 0\nper_host_interval_ms = 0\n\
         [[sources]]\nid = \"plain\"\nurl = \"{}\"\n\
         [[sources]]\nid = \"quoted\"\nurl = \"{}\"\n\
         [[routes]]\nid = \"r\"\ntitle = \"R\"\n\
         [[routes.facts]]\nid = \"days\"\nclaim = \"45 days\"\nsource = \"quoted\"\n\
         quote = \"within 45 calendar days\"\nlast_verified = 2026-11-20\n",
        server.url("/plain"),
        server.url("/quoted")
    ));
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
    let mut toml =
        "[settings]\nretries = 0\nper_host_interval_ms = 400\nconcurrency = 8\n".to_string();
    for p in ["a", "b", "c"] {
        toml.push_str(&format!(
            "[[sources]]\nid = \"{p}\"\nurl = \"{}\"\n",
            server.url(&format!("/{p}"))
        ));
    }
    let ws = Workspace::new(&toml);
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

const TLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

fn tls_server(leaf: &str) -> TestServer {
    let server = TestServer::start_tls(
        Path::new(&format!("{TLS}/{leaf}.pem")),
        Path::new(&format!("{TLS}/{leaf}.key")),
    );
    server.set(
        "/p",
        Reply::html("<main><p>Issued within 45 calendar days.</p></main>"),
    );
    server
}

#[test]
fn certificate_problems_are_tls_errors_in_words() {
    let (good, expired, wrong) = (
        tls_server("good"),
        tls_server("expired"),
        tls_server("wrongname"),
    );
    let source = |id: &str, server: &TestServer, ca: bool| {
        let ca = if ca {
            format!("ca_file = \"{TLS}/ca.pem\"\n")
        } else {
            String::new()
        };
        format!(
            "[[sources]]\nid = \"{id}\"\nurl = \"{}\"\n{ca}",
            server.url("/p")
        )
    };
    let toml = [
        "[settings]\nretries = 2\nper_host_interval_ms = 0\n".to_string(),
        source("unknown-issuer", &good, false),
        source("trusted-by-ca-file", &good, true),
        source("expired", &expired, true),
        source("wrong-name", &wrong, true),
    ]
    .concat();
    let ws = Workspace::new(&toml);
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let error = |id: &str| {
        source_row(&r, id)["error"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        source_row(&r, "trusted-by-ca-file")["outcome"],
        "new",
        "{}",
        error("trusted-by-ca-file")
    );
    for (id, words) in [
        ("unknown-issuer", "unknown issuer"),
        ("expired", "expired"),
        ("wrong-name", "not valid for this host name"),
    ] {
        assert_eq!(
            source_row(&r, id)["outcome"],
            "tls_error",
            "{id}: {}",
            error(id)
        );
        assert!(error(id).contains(words), "{id}: {}", error(id));
    }
    // A certificate problem is not retried: the same answer would come back.
    assert!(expired.requests("/p").is_empty());
}

#[test]
fn plain_http_spoken_to_over_https_fails_cleanly() {
    let server = TestServer::start();
    let url = server.url("/x").replace("http://", "https://");
    let ws = Workspace::new(&format!(
        "[settings]\nretries = 0\n[[sources]]\nid = \"x\"\nurl = \"{url}\"\n"
    ));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let outcome = run.json()["sources"][0]["outcome"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ["tls_error", "unreachable"].contains(&outcome.as_str()),
        "{outcome}"
    );
}
