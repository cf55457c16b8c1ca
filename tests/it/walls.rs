//! Bot walls, precise both ways (src/fetch/wall/, src/check/wall.rs), through the real binary:
//! walls a vendor's signal tells, and pages that are no wall. Walls told by their words alone are
//! in tests/it/walls_words.rs, which uses this file's fixtures and helpers.
//!
//! - tests/fixtures/walls/vendor: the vendors' check and block pages (with the headers of their
//!   `.headers` files) are `blocked` on a first capture, at their own status and at 200;
//! - tests/fixtures/walls/content: ordinary short official pages that mention loading,
//!   JavaScript, access, robots or carry a captcha form are content, first and as a change;
//! - tests/fixtures/walls/change: a real change under a new loader line is `changed`;
//! - `wall = "never"` turns the markup and words judgment off for a source (a vendor's headers
//!   still block it);
//! - a page rendered in the browser is judged like a fetched one.

use super::*;
use serde_json::Value;

pub(super) const SETTINGS: &[&str] = &[
    "retries = 0",
    "timeout_secs = 5",
    "per_host_interval_ms = 0",
    "per_host_concurrency = 16",
    "concurrency = 16",
];

/// What tests/it/walls.rs adds to a page to make its earlier version (as src/check/wall.rs
/// measures it).
const EARLIER: &str = "<p>Updated on 1 November 2026.</p>";

/// One fixture: its file stem (the source id), the status its name starts with (200 when none),
/// the headers of its `.headers` file, its body.
pub(super) struct Fixture {
    pub(super) id: String,
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Fixture {
    /// The fixture as served with `status`, with its headers and an HTML Content-Type.
    pub(super) fn reply(&self, status: u16) -> Reply {
        let mut reply = Reply::status(status).header("Content-Type", "text/html; charset=utf-8");
        for (k, v) in &self.headers {
            reply = reply.header(k, v);
        }
        reply.body(self.body.clone())
    }
}

pub(super) fn fixtures(kind: &str) -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/walls")
        .join(kind);
    let mut out: Vec<Fixture> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|path| {
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            let status = id.get(..3).and_then(|s| s.parse().ok()).unwrap_or(200);
            let headers = std::fs::read_to_string(path.with_extension("headers"))
                .map(|text| {
                    text.lines()
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let body = std::fs::read(&path).unwrap();
            Fixture {
                id,
                status,
                headers,
                body,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

pub(super) fn html(body: &[u8]) -> Reply {
    Reply::status(200)
        .header("Content-Type", "text/html; charset=utf-8")
        .body(body.to_vec())
}

/// A workspace with one source per id, at `/<id>` on `server`; `extra` lines go into each.
pub(super) fn workspace(server: &TestServer, ids: &[&str], extra: &[&str]) -> Workspace {
    let mut reg = Registry::new().settings(SETTINGS);
    for id in ids {
        let mut source = Source::new(id, server.url(&format!("/{id}")));
        for line in extra {
            source = source.line(line);
        }
        reg = reg.source(source);
    }
    Workspace::new(&reg.toml())
}

pub(super) fn state(ws: &Workspace, id: &str) -> Value {
    ws.source_state(id)
}

pub(super) fn stored_texts(ws: &Workspace, id: &str) -> usize {
    ws.texts_of(id).len()
}

pub(super) fn notes(row: &Value) -> String {
    row["notes"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

pub(super) fn check(ws: &Workspace) -> Value {
    let run = ws.run(&["check", "--format", "json"]);
    assert!(
        run.code == 0 || run.code == 1,
        "{}\n{}",
        run.code,
        run.stderr
    );
    run.json()
}

#[test]
fn vendor_walls_are_blocked_at_their_status_and_at_200_on_a_first_capture() {
    let pages = fixtures("vendor");
    assert!(pages.len() >= 10);
    let server = TestServer::start();
    let mut served = Vec::new();
    for page in &pages {
        let mut statuses = vec![page.status, 200];
        statuses.dedup();
        for status in statuses {
            let id = format!("{}-as-{status}", page.id);
            server.set(&format!("/{id}"), page.reply(status));
            served.push((id, status));
        }
    }
    let ids: Vec<&str> = served.iter().map(|(id, _)| id.as_str()).collect();
    let ws = workspace(&server, &ids, &[]);
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    for (id, status) in &served {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "blocked", "{id}: {row}");
        let error = row["error"].as_str().unwrap();
        assert!(error.starts_with("blocked: "), "{id}: {error}");
        assert!(
            error.ends_with(&format!("(HTTP {status})")),
            "{id}: {error}"
        );
        assert_eq!(row["http_status"], *status, "{id}");
        // Never stored, never a baseline, and not retried.
        assert_eq!(stored_texts(&ws, id), 0, "{id}");
        assert_eq!(state(&ws, id)["baseline"], Value::Null, "{id}");
        assert_eq!(server.requests(&format!("/{id}")).len(), 1, "{id}");
    }
    // Nothing to accept: each refuses, and --all finds nothing.
    let accept = ws.run(&["accept", ids[0]]);
    assert_eq!(accept.code, 2, "{}", accept.stdout);
    let all = ws.run(&["accept", "--all"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.contains("nothing to accept"), "{}", all.stdout);
}

#[test]
fn a_vendors_refusal_is_blocked_by_its_headers_even_for_a_source_that_opts_out() {
    let server = TestServer::start();
    let refusal = || {
        Reply::status(403)
            .header("Content-Type", "text/html")
            .body("<html><body><h1>403 Forbidden</h1></body></html>")
    };
    server.set("/ddg", refusal().header("Server", "ddos-guard"));
    server.set("/origin", refusal().header("Server", "nginx"));
    let ws = workspace(&server, &["ddg", "origin"], &["wall = \"never\""]);
    let r = check(&ws);
    let ddg = source_row(&r, "ddg");
    assert_eq!(ddg["outcome"], "blocked", "{ddg}");
    assert_eq!(
        ddg["error"],
        "blocked: DDoS-Guard (server: ddos-guard) refused the request (HTTP 403)"
    );
    assert_eq!(source_row(&r, "origin")["outcome"], "http_error");
}

#[test]
fn ordinary_short_pages_are_content_first_and_as_a_change() {
    let pages = fixtures("content");
    assert!(pages.len() >= 10);
    for lang in ["en", "ru", "kk"] {
        let n = pages.iter().filter(|p| p.id.ends_with(lang)).count();
        assert!(n >= 3, "{lang}: {n}");
    }
    let server = TestServer::start();
    let earlier = |p: &Fixture| {
        String::from_utf8(p.body.clone())
            .unwrap()
            .replace("</body>", &format!("{EARLIER}</body>"))
    };
    for page in &pages {
        server.set(&format!("/{}", page.id), html(earlier(page).as_bytes()));
    }
    let ids: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    let ws = workspace(&server, &ids, &[]);
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let first = run.json();
    for id in &ids {
        let row = source_row(&first, id);
        assert_eq!(row["outcome"], "new", "{id}: {row}");
        assert_eq!(notes(row), "", "{id}");
        assert_eq!(stored_texts(&ws, id), 1, "{id}");
    }
    for page in &pages {
        server.set(&format!("/{}", page.id), page.reply(200));
    }
    let second = check(&ws);
    for id in &ids {
        let row = source_row(&second, id);
        assert_eq!(row["outcome"], "changed", "{id}: {row}");
        let diff = row["diff"].as_str().unwrap();
        assert!(
            diff.contains("-Updated on 1 November 2026."),
            "{id}: {diff}"
        );
        assert_eq!(stored_texts(&ws, id), 2, "{id}");
    }
}

#[test]
fn a_real_change_under_a_new_loader_line_is_changed_with_its_diff() {
    let content = fixtures("content");
    let before = &content.iter().find(|p| p.id == "notice-ru").unwrap().body;
    let after = &fixtures("change")[0].body;
    let server = TestServer::start();
    server.set("/notice", html(before));
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("notice", server.url("/notice")))
            .route(
                Route::new("kz-pr", "Kazakhstan · Permanent residence").fact(
                    Fact::new("processing", "Processing: 15 working days", "notice", TODAY)
                        .quote("Срок рассмотрения — 15 рабочих дней"),
                ),
            )
            .toml(),
    );
    assert_eq!(source_row(&check(&ws), "notice")["outcome"], "new");
    server.set("/notice", html(after));
    let r = check(&ws);
    let row = source_row(&r, "notice");
    assert_eq!(row["outcome"], "changed", "{row}");
    assert_eq!(row["confirmed"], true, "{row}");
    let diff = row["diff"].as_str().unwrap();
    assert!(
        diff.contains("Срок рассмотрения — 30 рабочих дней"),
        "{diff}"
    );
    assert!(
        diff.contains("Срок рассмотрения — 15 рабочих дней"),
        "{diff}"
    );
    assert!(diff.contains("+Пожалуйста, подождите"), "{diff}");
    let fact = fact_row(&r, "kz-pr/processing");
    let flags = fact["flags"].to_string();
    assert!(flags.contains("source_changed"), "{fact}");
    assert!(!flags.contains("unverifiable"), "{fact}");
}

#[test]
fn wall_never_turns_off_the_markup_and_words_judgment() {
    let vendor = fixtures("vendor");
    let words = fixtures("words");
    let moment = vendor
        .iter()
        .find(|p| p.id == "200-imunify360-one-moment")
        .unwrap();
    let wall = words
        .iter()
        .find(|p| p.id == "200-en-checking-your-browser")
        .unwrap();
    let challenge = vendor
        .iter()
        .find(|p| p.id == "403-cloudflare-just-a-moment")
        .unwrap();
    let server = TestServer::start();
    // The rare page that fools the rules: an official interstitial titled like a vendor's.
    server.set("/titled", html(&moment.body));
    server.set("/words", html(b"<h1>Notice</h1><p>The office is open.</p>"));
    // A vendor's header is not the page, whatever the source says.
    server.set("/header", challenge.reply(200));
    let ws = workspace(
        &server,
        &["titled", "words", "header"],
        &["wall = \"never\""],
    );
    let r = check(&ws);
    assert_eq!(source_row(&r, "titled")["outcome"], "new");
    assert_eq!(notes(source_row(&r, "words")), "");
    let header = source_row(&r, "header");
    assert_eq!(header["outcome"], "blocked");
    assert_eq!(
        header["error"],
        "blocked: Cloudflare challenge (cf-mitigated: challenge) (HTTP 200)"
    );
    // Words that would block a source on auto leave this one changed.
    server.set("/words", wall.reply(200));
    let r = check(&ws);
    assert_eq!(source_row(&r, "words")["outcome"], "changed");
}

#[test]
fn a_rendered_page_is_judged_like_a_fetched_one() {
    let _one = super::kinds::browser_test();
    if !super::kinds::have_chromium() {
        return;
    }
    let server = TestServer::start();
    // Nothing to read in the HTML itself: the script writes the challenge.
    let spa = |script: &str| {
        Reply::html(format!(
            "<html><head></head><body><div id=\"app\"></div><script>{script}</script></body></html>"
        ))
    };
    server.set(
        "/vendor",
        spa("document.title = 'Just a moment...'; \
             document.getElementById('app').innerHTML = '<p>Verifying the connection.</p>';"),
    );
    server.set(
        "/words",
        spa("document.getElementById('app').innerHTML = \
             '<h1>Residence permits</h1><p>Foreigners may hold temporary and permanent \
             residence permits; the permanent one is issued for ten years.</p>';"),
    );
    let ws = Workspace::new(
        &Registry::new()
            .settings(&[
                "retries = 0",
                "per_host_interval_ms = 0",
                "timeout_secs = 10",
                "confirm_changes = false",
            ])
            .source(Source::new("plain", server.url("/vendor")))
            .source(Source::new("vendor", server.url("/vendor")).line("render = \"browser\""))
            .source(Source::new("words", server.url("/words")).line("render = \"browser\""))
            .toml(),
    );
    let r = check(&ws);
    assert_eq!(source_row(&r, "plain")["outcome"], "empty");
    let vendor = source_row(&r, "vendor");
    assert_eq!(vendor["outcome"], "blocked", "{vendor}");
    assert_eq!(
        vendor["error"],
        "blocked: Cloudflare challenge page (titled \"just a moment\") (rendered)"
    );
    assert_eq!(stored_texts(&ws, "vendor"), 0);
    assert_eq!(source_row(&r, "words")["outcome"], "new");
    // The page the browser gets next is a challenge in words only, and the content is gone.
    server.set(
        "/words",
        spa("document.getElementById('app').innerHTML = \
             '<h1>Checking your browser before accessing the portal</h1><p>This takes a moment.</p>';"),
    );
    let r = check(&ws);
    let words = source_row(&r, "words");
    assert_eq!(words["outcome"], "blocked", "{words}");
    let error = words["error"].as_str().unwrap();
    assert!(
        error.contains("says \"checking your browser\" (rendered), and the page lost the content"),
        "{error}"
    );
    assert_eq!(stored_texts(&ws, "words"), 1);
}
