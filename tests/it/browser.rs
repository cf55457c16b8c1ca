//! `render = "browser"` judged by what the browser knows (issue: evidence that cannot lie).
//!
//! Chromium's own error page once came back as a good capture: a site that went down became a
//! baseline, then `changed`, and `check --refresh` renewed facts from it. And the browser went
//! wherever a redirect or a script sent it. These tests drive the real binary and the installed
//! Chromium through [`Rig`]: a wrapper script that hands Chromium a recording proxy, so anything
//! it sends past the guard to an address other than loopback arrives there and goes no further.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::kinds::{browser_test, have_chromium, leftover_browsers};
use super::registry_builder::quoted;
use super::server::Loopback;
use super::*;

const BROWSER: &str = "render = \"browser\"";
const QUOTE: &str = "issued within 45 calendar days";
const LAST_VERIFIED: &str = "2026-11-20";

/// The page every good source here serves, and every failing one holds too (a 404 page that
/// says the right thing is still no evidence).
fn page(extra: &str) -> String {
    format!("<html><body><p>The permit is {QUOTE}.</p>{extra}</body></html>")
}

/// Chromium as sourcewatch starts it, plus `--proxy-server` pointing at a [`RecordingProxy`].
/// Loopback stays direct (Chromium's default), so the test servers answer; `.invalid` names
/// bypass the proxy too, so that the browser's resolver, not the proxy, says they do not
/// resolve (sourcewatch's resolver rules answer for them, so no query leaves either).
struct Rig {
    proxy: RecordingProxy,
    _dir: tempfile::TempDir,
    wrapper: PathBuf,
}

impl Rig {
    fn new() -> Rig {
        let proxy = RecordingProxy::start();
        let dir = tempfile::tempdir().unwrap();
        let wrapper = dir.path().join("chromium-via-proxy");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec chromium \"$@\" --proxy-server=http://{} \
                 '--proxy-bypass-list=*.invalid'\n",
                proxy.loopback.addr
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Rig {
            proxy,
            _dir: dir,
            wrapper,
        }
    }

    fn settings(&self) -> Vec<String> {
        vec![
            "retries = 0".to_string(),
            "per_host_interval_ms = 0".to_string(),
            "timeout_secs = 10".to_string(),
            format!("browser = {}", quoted(&self.wrapper.to_string_lossy())),
        ]
    }
}

/// A stand-in for the network beyond this machine: records the first line of every request
/// (or that a connection brought none), answers 502 and closes. It forwards nothing.
struct RecordingProxy {
    seen: Arc<Mutex<Vec<String>>>,
    loopback: Loopback,
}

impl RecordingProxy {
    fn start() -> RecordingProxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let loopback = Loopback::start(Duration::from_secs(2), move |mut stream, _| {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&head);
            let first = text.lines().next().unwrap_or_default();
            record.lock().unwrap().push(match first {
                "" => "(a connection without a request)".to_string(),
                line => line.to_string(),
            });
            let _ = stream.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        });
        RecordingProxy { seen, loopback }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn stored_texts(ws: &Workspace, id: &str) -> usize {
    ws.texts_of(id).len()
}

/// A dead port, a name that does not resolve, a 404, a 500 and an unknown certificate issuer are
/// failures, each in words and with the outcome an HTTP fetch would have,
/// never a baseline, and `check --refresh` renews no fact on them, however often it runs (the
/// error page was `new` once, then `unchanged`, and renewed the facts without a quote).
#[test]
fn a_page_that_does_not_load_fails_and_is_never_a_baseline() {
    let _one = browser_test();
    if !have_chromium() {
        return;
    }
    let rig = Rig::new();
    let server = TestServer::start();
    server.set("/ok", Reply::html(page("")));
    let html = |status| {
        Reply::status(status)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(page(""))
    };
    server.set("/missing", html(404));
    server.set("/broken", html(500));
    // A certificate from a CA the browser does not know.
    let tls = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
    let untrusted = TestServer::start_tls(
        std::path::Path::new(&format!("{tls}/good.pem")),
        std::path::Path::new(&format!("{tls}/good.key")),
    );
    untrusted.set("/permit", Reply::html(page("")));
    let failing = [
        ("dead", dead_url()),
        ("nowhere", "http://nowhere.invalid/permit".to_string()),
        ("missing", server.url("/missing")),
        ("broken", server.url("/broken")),
        ("untrusted", untrusted.url("/permit")),
    ];
    let mut registry = Registry::new().settings(
        &rig.settings()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let mut route = Route::new("r", "R");
    for (id, url) in failing.iter().cloned().chain([("ok", server.url("/ok"))]) {
        registry = registry.source(Source::new(id, url).line(BROWSER));
        route = route
            .fact(Fact::new(&format!("{id}-quoted"), "45 days", id, LAST_VERIFIED).quote(QUOTE))
            .fact(Fact::new(
                &format!("{id}-bare"),
                "45 days",
                id,
                LAST_VERIFIED,
            ));
    }
    let ws = Workspace::new(&registry.route(route).toml());

    for round in 1..=2 {
        let run = ws.run(&["check", "--refresh", "--format", "json"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let r = run.json();
        let row = |id: &str| source_row(&r, id).clone();
        let error = |id: &str| row(id)["error"].as_str().unwrap_or_default().to_string();

        assert_eq!(row("dead")["outcome"], "unreachable", "{}", row("dead"));
        assert!(
            error("dead")
                .contains("127.0.0.1 refused the connection (net::ERR_CONNECTION_REFUSED)"),
            "{}",
            error("dead")
        );
        assert_eq!(
            row("nowhere")["outcome"],
            "unreachable",
            "{}",
            row("nowhere")
        );
        assert!(
            error("nowhere").contains(
                "the name nowhere.invalid could not be resolved (DNS) (net::ERR_NAME_NOT_RESOLVED)"
            ),
            "{}",
            error("nowhere")
        );
        assert_eq!(
            row("untrusted")["outcome"],
            "tls_error",
            "{}",
            row("untrusted")
        );
        assert_eq!(
            error("untrusted"),
            "TLS: the certificate's issuer is unknown (or the chain is incomplete) \
             (net::ERR_CERT_AUTHORITY_INVALID)"
        );
        for (id, status) in [("missing", 404), ("broken", 500)] {
            assert_eq!(row(id)["outcome"], "http_error", "{}", row(id));
            assert_eq!(row(id)["http_status"], status, "{}", row(id));
            assert_eq!(row(id)["final_url"], server.url(&format!("/{id}")));
        }
        for (id, _) in &failing {
            let e = error(id);
            assert!(
                !e.contains(":ERROR:") && !e.contains('['),
                "no raw log line: {e}"
            );
            assert_eq!(stored_texts(&ws, id), 0, "{id}: nothing stored");
            for fact in ["quoted", "bare"] {
                let f = fact_row(&r, &format!("r/{id}-{fact}")).clone();
                assert_eq!(f["refreshed"], false, "round {round}: {f}");
                assert_eq!(f["last_verified"], LAST_VERIFIED, "round {round}: {f}");
                assert!(
                    f["flags"]
                        .as_array()
                        .unwrap()
                        .contains(&"unverifiable".into()),
                    "{f}"
                );
            }
        }
        // The page that loads is a capture like any other, and --refresh renews from it.
        assert_eq!(
            row("ok")["outcome"],
            if round == 1 { "new" } else { "unchanged" }
        );
        assert_eq!(row("ok")["http_status"], 200);
        let renewed = if round == 1 {
            "r/ok-quoted"
        } else {
            "r/ok-bare"
        };
        assert_eq!(fact_row(&r, renewed)["refreshed"], true, "round {round}");
    }
    let toml = ws.read("sources.toml");
    assert_eq!(
        toml.matches(&format!("last_verified = {LAST_VERIFIED}"))
            .count(),
        2 * failing.len(),
        "only the facts of the page that loaded were renewed:\n{toml}"
    );
    assert_eq!(leftover_browsers(), Vec::<String>::new());
    drop(rig);
}

/// A redirect, a script and a page's images and frames that lead to a link-local or private
/// address are refused before a packet is sent: the page itself fails in words when it is
/// the one led there; a refused image or frame only does not load (the log says so).
#[test]
fn a_rendered_page_cannot_lead_further_inside_the_network() {
    let _one = browser_test();
    if !have_chromium() {
        return;
    }
    let rig = Rig::new();
    let server = TestServer::start();
    server.set(
        "/to-metadata",
        Reply::status(302).header("Location", "http://169.254.169.254/latest/meta-data/"),
    );
    server.set(
        "/jump",
        Reply::html(page("<script>location = 'http://10.1.2.3/';</script>")),
    );
    // 203.0.113.7 (a documentation range) counts as public, so it is allowed: the proxy must
    // see it, which shows that what Chromium sends past the guard ends up there.
    server.set(
        "/embeds",
        Reply::html(page(
            "<img src=\"http://169.254.169.254/latest/x.png\">\
             <iframe src=\"http://169.254.169.254/\"></iframe>\
             <img src=\"http://203.0.113.7/allowed.png\">",
        )),
    );
    let mut registry = Registry::new().settings(
        &rig.settings()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    for (id, path) in [
        ("redirected", "/to-metadata"),
        ("scripted", "/jump"),
        ("embeds", "/embeds"),
    ] {
        registry = registry.source(Source::new(id, server.url(path)).line(BROWSER));
    }
    let ws = Workspace::new(
        &registry
            .route(
                Route::new("r", "R")
                    .fact(Fact::new("days", "45 days", "embeds", LAST_VERIFIED).quote(QUOTE)),
            )
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();

    let redirected = source_row(&r, "redirected");
    assert_eq!(redirected["outcome"], "unreachable", "{redirected}");
    assert_eq!(
        redirected["error"],
        "refused: the page led to a link-local address 169.254.169.254 \
         (http://169.254.169.254/latest/meta-data/); the source is at a loopback address"
    );
    let scripted = source_row(&r, "scripted");
    assert_eq!(scripted["outcome"], "unreachable", "{scripted}");
    assert_eq!(
        scripted["error"],
        "refused: the page led to a private address 10.1.2.3 (http://10.1.2.3/); the source is \
         at a loopback address"
    );
    for id in ["redirected", "scripted"] {
        assert_eq!(stored_texts(&ws, id), 0, "{id}: nothing stored");
    }

    let embeds = source_row(&r, "embeds");
    assert_eq!(embeds["outcome"], "new", "{embeds}");
    assert_eq!(fact_row(&r, "r/days")["quote_found"], true);
    for refused in [
        "http://169.254.169.254/latest/x.png",
        "http://169.254.169.254/)",
    ] {
        assert!(
            run.stderr.contains(&format!(
                "the rendered page asked for a link-local address 169.254.169.254 ({refused}"
            )),
            "{refused}: {}",
            run.stderr
        );
    }

    let seen = rig.proxy.seen();
    assert!(
        seen.iter()
            .any(|l| l == "GET http://203.0.113.7/allowed.png HTTP/1.1"),
        "what the guard allows goes to the proxy: {seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|l| l.contains("169.254.169.254") || l.contains("10.1.2.3")),
        "nothing refused left the browser: {seen:?}"
    );
    assert_eq!(leftover_browsers(), Vec::<String>::new());
}

/// The capture carries the main document's own status and URL: a permanent redirect is told
/// (`moved_to`), a temporary one is not.
#[test]
fn a_rendered_page_reports_its_status_and_where_it_moved() {
    let _one = browser_test();
    if !have_chromium() {
        return;
    }
    let rig = Rig::new();
    let server = TestServer::start();
    server.set("/old", Reply::status(301).header("Location", "/permit"));
    server.set("/detour", Reply::status(302).header("Location", "/permit"));
    server.set("/permit", Reply::html(page("")));
    let ws = Workspace::new(
        &Registry::new()
            .settings(
                &rig.settings()
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .source(Source::new("moved", server.url("/old")).line(BROWSER))
            .source(Source::new("detour", server.url("/detour")).line(BROWSER))
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    for id in ["moved", "detour"] {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "new", "{row}");
        assert_eq!(row["http_status"], 200, "{row}");
        assert_eq!(row["final_url"], server.url("/permit"), "{row}");
    }
    assert_eq!(source_row(&r, "moved")["moved_to"], server.url("/permit"));
    assert_eq!(
        source_row(&r, "detour")["moved_to"],
        serde_json::Value::Null
    );
    assert_eq!(leftover_browsers(), Vec::<String>::new());
}
