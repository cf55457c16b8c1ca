//! Bot walls known by what they say (src/fetch/wall.rs): the challenge pages of
//! tests/fixtures/walls/challenge are `blocked` whatever their status, never stored, never a
//! baseline, and `accept` refuses them; the short official pages of
//! tests/fixtures/walls/content are content.

use super::*;
use serde_json::Value;

const SETTINGS: &[&str] = &[
    "retries = 0",
    "timeout_secs = 5",
    "per_host_interval_ms = 0",
    "per_host_concurrency = 16",
    "concurrency = 16",
];

/// `(source id, status, body)` for each fixture of `kind`; a challenge file's name starts with
/// the status it is served with.
fn fixtures(kind: &str) -> Vec<(String, u16, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/walls")
        .join(kind);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let status = stem.get(..3).and_then(|s| s.parse().ok()).unwrap_or(200);
            (stem, status, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn serve(server: &TestServer, pages: &[(String, u16, Vec<u8>)]) -> Workspace {
    let mut reg = Registry::new().settings(SETTINGS);
    for (id, status, body) in pages {
        server.set(
            &format!("/{id}"),
            Reply::status(*status)
                .header("Content-Type", "text/html; charset=utf-8")
                .body(body.clone()),
        );
        reg = reg.source(Source::new(id, server.url(&format!("/{id}"))));
    }
    Workspace::new(&reg.toml())
}

fn state(ws: &Workspace, id: &str) -> Value {
    match std::fs::read_to_string(ws.path(&format!("snapshots/{id}/state.json"))) {
        Ok(s) => serde_json::from_str(&s).unwrap(),
        Err(_) => Value::Null,
    }
}

fn stored_texts(ws: &Workspace, id: &str) -> usize {
    std::fs::read_dir(ws.path(&format!("snapshots/{id}/text")))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn challenge_pages_are_blocked_by_their_words_whatever_the_status() {
    let pages = fixtures("challenge");
    let statuses: std::collections::BTreeSet<u16> = pages.iter().map(|p| p.1).collect();
    assert!(pages.len() >= 6 && statuses.is_superset(&[200, 403, 503].into()));
    let server = TestServer::start();
    let ws = serve(&server, &pages);
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    for (id, status, _) in &pages {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "blocked", "{id}: {row}");
        let error = row["error"].as_str().unwrap();
        assert!(
            error.starts_with("blocked: challenge page: a short page ("),
            "{id}: {error}"
        );
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
    let (first, _, _) = &pages[0];
    let accept = ws.run(&["accept", first]);
    assert_eq!(accept.code, 2, "{}", accept.stdout);
    let all = ws.run(&["accept", "--all"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.contains("nothing to accept"), "{}", all.stdout);
}

#[test]
fn short_official_pages_are_content() {
    let pages = fixtures("content");
    assert!(pages.len() >= 6);
    let server = TestServer::start();
    let ws = serve(&server, &pages);
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let r = run.json();
    for (id, _, _) in &pages {
        assert_eq!(source_row(&r, id)["outcome"], "new", "{id}");
        assert_eq!(stored_texts(&ws, id), 1, "{id}");
    }
    // A maintenance notice sent as a 503 is an HTTP error, not a wall.
    let (_, _, body) = pages.iter().find(|p| p.0 == "maintenance-en").unwrap();
    server.set(
        "/maintenance-en",
        Reply::status(503)
            .header("Content-Type", "text/html")
            .body(body.clone()),
    );
    let run = ws.run(&["check", "--source", "maintenance-en", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        source_row(&run.json(), "maintenance-en")["outcome"],
        "http_error"
    );
}

#[test]
fn a_wall_after_a_good_capture_keeps_the_baseline_and_accept_refuses_it() {
    let content = fixtures("content");
    let challenge = fixtures("challenge");
    let good = &content.iter().find(|p| p.0 == "notice-ru").unwrap().2;
    let wall = &challenge
        .iter()
        .find(|p| p.0 == "200-ru-proverka-brauzera")
        .unwrap()
        .2;
    let server = TestServer::start();
    let html = |body: &Vec<u8>| {
        Reply::status(200)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(body.clone())
    };
    server.sequence("/notice", vec![html(good), html(wall)]);
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("notice", server.url("/notice")))
            .toml(),
    );
    let first = ws.run(&["check", "--format", "json"]);
    assert_eq!(source_row(&first.json(), "notice")["outcome"], "new");
    let baseline = state(&ws, "notice")["baseline"]["sha256"].clone();
    let second = ws.run(&["check", "--format", "json"]);
    assert_eq!(second.code, 1);
    let row = source_row(&second.json(), "notice").clone();
    assert_eq!(row["outcome"], "blocked");
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains("\"проверка браузера\""),
        "{row}"
    );
    assert_eq!(state(&ws, "notice")["baseline"]["sha256"], baseline);
    assert_eq!(stored_texts(&ws, "notice"), 1);
    let accept = ws.run(&["accept", "notice"]);
    assert_eq!(accept.code, 2);
    assert!(
        accept
            .stderr
            .contains("its latest capture failed (blocked); nothing to accept"),
        "{}",
        accept.stderr
    );
    assert_eq!(state(&ws, "notice")["baseline"]["sha256"], baseline);
}

#[test]
fn probe_of_a_wall_says_blocked() {
    let challenge = fixtures("challenge");
    let (_, status, body) = challenge
        .iter()
        .find(|p| p.0 == "403-en-verify-you-are-human")
        .unwrap();
    let server = TestServer::start();
    server.set(
        "/wall",
        Reply::status(*status)
            .header("Content-Type", "text/html")
            .body(body.clone()),
    );
    let ws = Workspace::new(&Registry::new().settings(SETTINGS).toml());
    let run = ws.run(&["probe", &server.url("/wall"), "--format", "json"]);
    assert_eq!(run.code, 1);
    let j = run.json();
    assert_eq!(j["outcome"], "blocked");
    assert_eq!(j["http_status"], 403);
    assert_eq!(j["text"], Value::Null);
    assert!(
        j["error"]
            .as_str()
            .unwrap()
            .contains("says \"verify you are human\""),
        "{j}"
    );
}

#[test]
fn a_rendered_page_that_is_still_a_challenge_is_blocked() {
    let _one = super::kinds::browser_test();
    if !super::kinds::have_chromium() {
        return;
    }
    let server = TestServer::start();
    // Nothing to read in the HTML itself: the script writes the challenge.
    server.set(
        "/spa",
        Reply::html(
            r#"<html><body><div id="app"></div><script>
document.getElementById('app').innerHTML =
  '<h1>Checking your browser before accessing the portal</h1><p>This takes a moment.</p>';
</script></body></html>"#,
        ),
    );
    let url = server.url("/spa");
    let ws = Workspace::new(
        &Registry::new()
            .settings(&[
                "retries = 0",
                "per_host_interval_ms = 0",
                "timeout_secs = 10",
            ])
            .source(Source::new("plain", &url))
            .source(Source::new("rendered", &url).line("render = \"browser\""))
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(source_row(&r, "plain")["outcome"], "empty");
    let rendered = source_row(&r, "rendered");
    assert_eq!(rendered["outcome"], "blocked", "{rendered}");
    let error = rendered["error"].as_str().unwrap();
    assert!(
        error.ends_with("says \"checking your browser\" (rendered)"),
        "{error}"
    );
    assert_eq!(stored_texts(&ws, "rendered"), 0);
}
