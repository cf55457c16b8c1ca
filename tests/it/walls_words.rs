//! Bot walls told by their words alone (src/fetch/wall/words.rs, src/check/wall.rs), through the
//! real binary, on the pages of tests/fixtures/walls/words: pages that only say challenge words
//! are content with a note on a first capture, `blocked` when they replace a real page (or
//! `select` finds nothing), and `blocked` at once as error answers; `probe` says which. The
//! fixtures and helpers are tests/it/walls.rs's.

use super::walls::{SETTINGS, check, fixtures, html, notes, state, stored_texts, workspace};
use super::*;
use serde_json::Value;

#[test]
fn words_only_pages_are_content_with_a_note_first_and_walls_as_errors() {
    let pages = fixtures("words");
    assert!(pages.len() >= 10);
    let server = TestServer::start();
    let mut errors = Vec::new();
    for page in &pages {
        server.set(&format!("/{}", page.id), page.reply(200));
        if page.status != 200 {
            let id = format!("{}-as-error", page.id);
            server.set(&format!("/{id}"), page.reply(page.status));
            errors.push((id, page.status));
        }
    }
    assert!(errors.len() >= 5);
    let mut ids: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    ids.extend(errors.iter().map(|(id, _)| id.as_str()));
    let ws = workspace(&server, &ids, &[]);
    let r = check(&ws);
    for page in &pages {
        let row = source_row(&r, &page.id);
        // Nothing tells yet whether it is the page: it is, and the row says what it reads like.
        assert_eq!(row["outcome"], "new", "{}: {row}", page.id);
        assert_eq!(stored_texts(&ws, &page.id), 1, "{}", page.id);
        let notes = notes(row);
        assert!(
            notes.starts_with("this first capture reads like a challenge page (a short page ("),
            "{}: {notes}",
            page.id
        );
        assert!(
            notes.contains("(HTTP 200)) and is now the baseline"),
            "{notes}"
        );
        assert!(notes.contains("wall = \"never\""), "{notes}");
    }
    // An error answer is never the page: its words decide at once.
    for (id, status) in &errors {
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
        assert_eq!(stored_texts(&ws, id), 0, "{id}");
    }
}

#[test]
fn words_only_pages_are_blocked_when_the_page_lost_its_content() {
    let pages = fixtures("words");
    let content = fixtures("content");
    let good = &content.iter().find(|p| p.id == "notice-ru").unwrap().body;
    let server = TestServer::start();
    let ids: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    for id in &ids {
        server.set(&format!("/{id}"), html(good));
    }
    let ws = workspace(&server, &ids, &[]);
    let first = check(&ws);
    for id in &ids {
        assert_eq!(source_row(&first, id)["outcome"], "new", "{id}");
    }
    let baseline: Vec<Value> = ids.iter().map(|id| state(&ws, id)).collect();
    for page in &pages {
        server.set(&format!("/{}", page.id), page.reply(200));
    }
    let second = check(&ws);
    for (page, before) in pages.iter().zip(&baseline) {
        let id = &page.id;
        let row = source_row(&second, id);
        assert_eq!(row["outcome"], "blocked", "{id}: {row}");
        let error = row["error"].as_str().unwrap();
        assert!(
            error.starts_with("blocked: challenge page: a short page ("),
            "{id}: {error}"
        );
        assert!(
            error.contains("(HTTP 200), and the page lost the content it had (it keeps "),
            "{id}: {error}"
        );
        assert!(error.contains("% of the baseline's words"), "{error}");
        // Not stored; baseline and latest as they were.
        assert_eq!(stored_texts(&ws, id), 1, "{id}");
        assert_eq!(&state(&ws, id), before, "{id}");
    }
    let accept = ws.run(&["accept", ids[0]]);
    assert_eq!(accept.code, 2);
    assert!(
        accept
            .stderr
            .contains("its latest capture failed (blocked); nothing to accept"),
        "{}",
        accept.stderr
    );
}

#[test]
fn words_only_page_where_select_finds_nothing_is_blocked_on_a_first_capture() {
    let words = fixtures("words");
    let content = fixtures("content");
    let wall = words
        .iter()
        .find(|p| p.id == "200-ru-proverka-brauzera")
        .unwrap();
    // The same selector on an ordinary page that lacks it is the selector's fault.
    let plain = content.iter().find(|p| p.id == "service-moved-en").unwrap();
    let server = TestServer::start();
    let spinner = words
        .iter()
        .find(|p| p.id == "200-en-checking-your-browser")
        .unwrap();
    server.set("/wall", wall.reply(200));
    server.set("/plain", plain.reply(200));
    server.set("/spinner", spinner.reply(200));
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("wall", server.url("/wall")).select(&["div.info-block-horizontal"]))
            .source(
                Source::new("plain", server.url("/plain")).select(&["div.info-block-horizontal"]),
            )
            // The element is there, and empty: the content is not.
            .source(Source::new("spinner", server.url("/spinner")).select(&["div.spinner"]))
            .toml(),
    );
    let r = check(&ws);
    let spinner = source_row(&r, "spinner");
    assert_eq!(spinner["outcome"], "blocked", "{spinner}");
    assert!(
        spinner["error"]
            .as_str()
            .unwrap()
            .contains("lost the content it had (the selected part holds no text)"),
        "{spinner}"
    );
    let row = source_row(&r, "wall");
    assert_eq!(row["outcome"], "blocked", "{row}");
    let error = row["error"].as_str().unwrap();
    assert!(
        error.contains("\"проверка браузера\" (HTTP 200), and the page lost the content it had (select matched nothing)"),
        "{error}"
    );
    assert_eq!(source_row(&r, "plain")["outcome"], "selector_missing");
}

#[test]
fn probe_of_a_wall_says_blocked_and_of_words_says_what_they_read_like() {
    let words = fixtures("words");
    let refusal = words
        .iter()
        .find(|p| p.id == "403-en-verify-you-are-human")
        .unwrap();
    let server = TestServer::start();
    server.set("/wall", refusal.reply(refusal.status));
    server.set("/words", refusal.reply(200));
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
    let run = ws.run(&["probe", &server.url("/words")]);
    assert!(
        run.stdout.contains(
            "note      this page reads like a challenge page (a short page (43 words) that says \
             \"verify you are human\" (HTTP 200))"
        ),
        "{}",
        run.stdout
    );
}
