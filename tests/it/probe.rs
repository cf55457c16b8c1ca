//! `probe` through the binary: one polite fetch, nothing stored; the text a selection captures,
//! its quotes, candidate selectors that really capture them and a `[[sources]]` block, in text
//! and JSON, rendered or not; and its errors. How probe meets the registry (its block in a
//! check, `--source`, the `selector_missing` hint) is in tests/it/probe_registry.rs.

use super::*;
use serde_json::Value;

/// Fast and polite enough for loopback.
pub(super) const SETTINGS: &[&str] = &[
    "retries = 0",
    "timeout_secs = 5",
    "per_host_interval_ms = 0",
    "contact = \"probe-tests@example.org\"",
];

pub(super) const DAYS: &str = "45 calendar days";
pub(super) const PASSPORT: &str = "Passport of a foreign citizen";

/// An egov.kz-shaped service page: header with menu and search, the content block inside
/// `main`, a share block, a footer; generated class names on the chrome.
pub(super) fn portal_page() -> String {
    r#"<!doctype html><html lang="en"><head><title>Permanent residence | eGov.kz</title>
<script>window.__cfg = {"nonce": "5f1c", "text": "45 calendar days"};</script>
<style>.menu{display:flex}</style></head><body>
<header class="css-1x2y3z site-header"><div class="logo">eGov.kz</div>
<nav id="main-menu" class="sc-bdVaJa menu"><ul><li><a href="/">Home</a></li>
<li><a href="/services">Services</a></li><li><a href="/contacts">Contacts</a></li></ul></nav>
<form class="search"><input name="q" placeholder="Search"></form></header>
<main id="content" class="page-main">
<nav class="breadcrumbs"><a href="/">Home</a> / <a href="/foreigners">For foreigners</a></nav>
<h1>Permanent residence permit</h1>
<div class="info-block-horizontal">
  <h2>Processing time</h2>
  <p>The permit is issued within 45&nbsp;calendar days.</p>
  <h2>Documents</h2>
  <ul><li>Passport of a foreign citizen</li><li>A medical certificate</li></ul>
  <p class="updated">Updated 12.11.2026</p>
</div>
<div class="share-block">Share: Facebook · Telegram</div>
</main>
<footer id="footer" class="jsx-2345 footer"><p>© 2026 eGov.kz · Page generated in 0.042 s</p></footer>
</body></html>"#
        .to_string()
}

pub(super) fn portal() -> TestServer {
    let server = TestServer::start();
    server.set("/pr", Reply::html(portal_page()));
    server
}

/// A workspace whose `sources.toml` holds only `[settings]`.
pub(super) fn settings_only() -> Workspace {
    Workspace::new(&Registry::new().settings(SETTINGS).toml())
}

fn files_in(ws: &Workspace) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn probe_prints_the_text_quotes_candidates_and_a_block() {
    let server = portal();
    let ws = settings_only();
    let url = server.url("/pr");
    let run = ws.run(&["probe", &url, "--quote", DAYS, "--quote", PASSPORT]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(out.starts_with(&format!("probe {url}\n")), "{out}");
    assert!(out.contains("  select    none (the <body>)\n"), "{out}");
    assert!(out.contains("  fetched   HTTP 200, "), "{out}");
    // The body's text, normalised: menu items, the block, the footer; no script, no style.
    assert!(out.contains("\n    - Home\n"), "{out}");
    assert!(
        out.contains("\n    The permit is issued within 45 calendar days.\n"),
        "{out}"
    );
    assert!(!out.contains("nonce"), "{out}");
    assert!(
        out.contains("quotes (2 of 2 found in the text):\n"),
        "{out}"
    );
    assert!(out.contains("  found      \"45 calendar days\"\n"), "{out}");
    assert!(
        out.contains("  found      \"Passport of a foreign citizen\"\n"),
        "{out}"
    );
    let first = out
        .lines()
        .find(|l| l.starts_with("  1. "))
        .expect("a first candidate");
    assert!(
        first.starts_with("  1. div.info-block-horizontal  2/2 quotes  "),
        "{out}"
    );
    assert!(out.contains("  2. main#content "), "{out}");
    // Generated names are never offered.
    for generated in ["css-1x2y3z", "sc-bdVaJa", "jsx-2345"] {
        assert!(!out.contains(&format!(".{generated}")), "{out}");
    }
    assert!(
        out.ends_with(&format!(
            "[[sources]]\nid = \"127.0.0.1-pr\"\nurl = \"{url}\"\nselect = [\"div.info-block-horizontal\"]\n"
        )),
        "{out}"
    );
}

#[test]
fn probe_json_has_text_quotes_candidates_and_the_block() {
    let server = portal();
    let ws = settings_only();
    let url = server.url("/pr");
    let run = ws.run(&[
        "probe",
        &url,
        "--select",
        "div.info-block-horizontal",
        "--exclude",
        "p.updated",
        "--quote",
        DAYS,
        "--quote",
        "30 calendar days",
        "--format",
        "json",
    ]);
    // A quote not in the text: something to review.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = run.json();
    assert_eq!(
        j["text"],
        "Processing time\nThe permit is issued within 45 calendar days.\nDocuments\n\
         - Passport of a foreign citizen\n- A medical certificate"
    );
    assert_eq!(j["text_bytes"], j["text"].as_str().unwrap().len());
    assert_eq!(j["outcome"], Value::Null);
    assert_eq!(j["error"], Value::Null);
    assert_eq!(j["http_status"], 200);
    assert_eq!(j["settings"]["select"][0], "div.info-block-horizontal");
    assert_eq!(j["settings"]["exclude"][0], "p.updated");
    assert_eq!(
        j["quotes"],
        serde_json::json!([
            {"quote": DAYS, "found": true, "occurrences": 1,
             "passages": ["The permit is issued within 45 calendar days."],
             "closest_passage": null, "closest_similarity": null},
            {"quote": "30 calendar days", "found": false, "occurrences": 0, "passages": [],
             "closest_passage": "The permit is issued within 45 calendar days.",
             "closest_similarity": j["quotes"][1]["closest_similarity"]},
        ])
    );
    let c = &j["candidates"][0];
    assert_eq!(c["selector"], "div.info-block-horizontal");
    assert_eq!(c["quotes_found"], 1);
    assert_eq!(c["matches"], 1);
    // The candidate's size is that of the same extraction (with the exclude applied).
    assert_eq!(c["text_bytes"], j["text_bytes"]);
    let block = j["source_block"].as_str().unwrap();
    assert_eq!(
        block,
        format!(
            "[[sources]]\nid = \"127.0.0.1-pr\"\nurl = \"{url}\"\n\
             select = [\"div.info-block-horizontal\"]\nexclude = [\"p.updated\"]\n"
        )
    );
}

#[test]
fn probe_writes_nothing_and_takes_no_lock() {
    let server = portal();
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("pr", server.url("/pr")).select(&["main"]))
            .toml(),
    );
    let before = ws.read("sources.toml");
    for args in [
        vec!["probe", "--source", "pr"],
        vec!["probe", "--source", "pr", "--format", "json"],
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(files_in(&ws), ["sources.toml"]);
    assert_eq!(ws.read("sources.toml"), before);

    // Without any sources.toml: the defaults, and still nothing written.
    std::fs::remove_file(ws.path("sources.toml")).unwrap();
    let run = ws.run(&["probe", &server.url("/pr"), "--quote", DAYS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(files_in(&ws).is_empty(), "{:?}", files_in(&ws));
    let ua = server.requests("/pr").last().unwrap().headers["user-agent"].clone();
    assert!(ua.starts_with("sourcewatch/"), "{ua}");
    assert!(!ua.contains("probe-tests@example.org"), "{ua}");
}

#[test]
fn probe_of_an_unreachable_url_exits_1_with_the_error_in_words() {
    let ws = settings_only();
    let dead = dead_url();
    let run = ws.run(&["probe", &dead]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("  fetched   nothing\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  unreachable: cannot connect"),
        "{}",
        run.stdout
    );
    let run = ws.run(&["probe", &dead, "--quote", DAYS, "--format", "json"]);
    assert_eq!(run.code, 1);
    let j = run.json();
    assert_eq!(j["outcome"], "unreachable");
    assert!(
        j["error"].as_str().unwrap().starts_with("cannot connect"),
        "{j}"
    );
    assert_eq!(j["text"], Value::Null);
    assert_eq!(j["quotes"][0]["found"], Value::Null);
    assert_eq!(j["candidates"], serde_json::json!([]));
    // Quiet: only the error, on stderr.
    let run = ws.run(&["-q", "probe", &dead]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("cannot connect"), "{}", run.stderr);
}

#[test]
fn probe_usage_errors_exit_2_with_the_registry_messages() {
    let ws = settings_only();
    let url = "http://127.0.0.1:9/pr";
    let run = ws.run(&["probe", url, "--select", "div[", "--ignore", "(open"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--select: bad CSS selector in select \"div[\": "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--ignore: bad regex \"(open\": "),
        "{}",
        run.stderr
    );
    let run = ws.run(&["probe", "ftp://egov.kz/"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("URL: url must be http or https, not ftp:"),
        "{}",
        run.stderr
    );
    let run = ws.run(&["probe", "--source", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown source \"nope\""),
        "{}",
        run.stderr
    );
    let run = ws.run(&["probe"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("<URL>"), "{}", run.stderr);
    assert_eq!(files_in(&ws), ["sources.toml"]);
}

#[test]
fn probe_render_browser_reads_the_rendered_page() {
    let _one = super::kinds::browser_test();
    if !super::kinds::have_chromium() {
        return;
    }
    let server = TestServer::start();
    server.set(
        "/app",
        Reply::html(
            r#"<html><body><div id="app">Loading</div><script>
document.getElementById('app').innerHTML =
  '<section class="service-info"><p>The permit is issued within 45 calendar days.</p></section>';
</script></body></html>"#,
        ),
    );
    let ws = settings_only();
    let url = server.url("/app");
    let plain = ws.run(&["probe", &url, "--quote", DAYS, "--format", "json"]);
    assert_eq!(plain.code, 1);
    assert_eq!(plain.json()["quotes"][0]["found"], false);
    let run = ws.run(&[
        "probe", &url, "--render", "browser", "--quote", DAYS, "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["settings"]["render"], "browser");
    // The same text either way: the id comes before the class.
    let names: Vec<&str> = j["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["selector"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["div#app", "section.service-info"]);
    assert!(
        j["source_block"]
            .as_str()
            .unwrap()
            .contains("render = \"browser\"\nselect = [\"div#app\"]\n"),
        "{j}"
    );
}

/// A page that moved is pasted where it ended; a page that is not there offers no block
/// (issue 25).
#[test]
fn probe_follows_a_move_into_the_block_and_offers_none_for_a_missing_page() {
    let server = portal();
    server.set(
        "/old",
        Reply::status(301).header("Location", &server.url("/pr")),
    );
    server.set("/missing", Reply::status(404).body("not found"));
    let ws = settings_only();
    let old = server.url("/old");
    let run = ws.run(&["probe", &old, "--quote", DAYS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "  moved     the page redirected to {}; the block below uses that URL\n",
            server.url("/pr")
        )),
        "{}",
        run.stdout
    );
    let block = run
        .stdout
        .split("# paste into sources.toml")
        .nth(1)
        .unwrap();
    assert!(
        block.contains(&format!("url = \"{}\"\n", server.url("/pr"))) && !block.contains(&old),
        "{block}"
    );

    let run = ws.run(&["probe", &server.url("/missing")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("[[sources]]\nid"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("no [[sources]] block: the page could not be fetched"),
        "{}",
        run.stdout
    );
    let j = ws
        .run(&["probe", &server.url("/missing"), "--format", "json"])
        .json();
    assert_eq!(j["source_block"], Value::Null, "{j}");
    assert_eq!(j["http_status"], 404);
}
