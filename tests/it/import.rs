//! `sourcewatch import` against route pages served on 127.0.0.1 beside their official pages:
//! the draft, `--write`, and what it refuses.

use super::site::{SETTINGS, check, official_page, route_page, route_row, serving_the_site};
use super::*;
use std::time::Duration;

/// An official page in Russian for the labour-immigrant route of `route-ru.html`.
fn official_page_ru() -> Reply {
    Reply::html(
        "<html><body><div class=\"info-block-horizontal\"><h3>Срок оказания услуги</h3>\
         <p>Срок оказания государственной услуги – 15 рабочих дней.</p>\
         <p>Разрешение выдается на срок до 12 месяцев.</p>\
         <p>Государственная пошлина составляет 2 МРП.</p><h3>Перечень документов</h3><ul>\
         <li>Заявление о выдаче разрешения трудовому иммигранту</li>\
         <li>Копия паспорта иностранца</li></ul></div></body></html>",
    )
}

/// The TOML tables of a draft, as (key, value) lines per `[[routes.facts]]`.
fn drafted_facts(toml: &str) -> Vec<toml::Table> {
    let doc: toml::Table = toml.parse().unwrap_or_else(|e| panic!("{e}\n{toml}"));
    doc["routes"][0]["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_table().unwrap().clone())
        .collect()
}

/// A registry with the one source `id`, the official page the route pages link to.
fn registry_toml(server: &TestServer, id: &str) -> String {
    (Registry::new().settings(SETTINGS))
        .source(Source::new(id, server.url("/official")))
        .toml()
}

/// `import PAGE` (a path on `server`) against a registry with the one source `id`: the printed
/// draft and its facts, each dated `date`.
fn import_draft(
    server: &TestServer,
    id: &str,
    page: &str,
    date: &str,
) -> (String, Vec<toml::Table>) {
    let ws = Workspace::new(&registry_toml(server, id));
    let run = ws.run(&["import", &server.url(page)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let facts = drafted_facts(&run.stdout);
    for f in &facts {
        let dated = f["last_verified"].as_datetime().map(|d| d.to_string());
        assert_eq!(dated.as_deref(), Some(date), "{f:?}");
    }
    (run.stdout, facts)
}

#[test]
fn import_drafts_every_claim_of_an_english_page_with_agreeing_quotes() {
    let server = serving_the_site();
    let (stdout, facts) = import_draft(&server, "official", "/kazakhstan/pr-it", "2026-06-09");
    // Every row, the stay, the 14 documents and the processing time.
    assert_eq!(facts.len(), 21, "{stdout}");
    for f in &facts {
        assert_eq!(f["source"].as_str(), Some("official"), "{f:?}");
    }
    let by_claim = |claim: &str| {
        facts
            .iter()
            .find(|f| f["claim"].as_str() == Some(claim))
            .unwrap_or_else(|| panic!("no fact for {claim:?}: {}", stdout))
    };
    assert_eq!(
        by_claim("Typical processing: ~45 days")["quote"].as_str(),
        Some("The service is rendered within 45 calendar days.")
    );
    assert_eq!(
        by_claim("Certificate of fingerprinting")["quote"].as_str(),
        Some("Certificate of fingerprinting")
    );
    // No passage states it: no quote, and the draft says why.
    assert!(by_claim("Job offer: Required").get("quote").is_none());
    assert!(stdout.contains("# no quote: no passage of the official page names it"));
    let route: toml::Table = stdout.parse().unwrap();
    assert_eq!(
        route["routes"][0]["page"].as_str(),
        Some(server.url("/kazakhstan/pr-it").as_str())
    );
    assert_eq!(route["routes"][0]["id"].as_str(), Some("pr-it"));
}

#[test]
fn import_write_round_trips_and_refuses_the_same_route_again() {
    let server = serving_the_site();
    let toml = Registry::new()
        .comment("the site's registry")
        .settings(SETTINGS)
        .source(Source::new("official", server.url("/official")))
        .toml();
    let ws = Workspace::new(&toml);
    let page = server.url("/kazakhstan/pr-it");
    let run = ws.run(&["import", &page, "--route", "kz-pr-it", "--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("added route kz-pr-it"),
        "{}",
        run.stdout
    );
    let written = ws.read("sources.toml");
    assert!(written.starts_with(&toml), "every byte already there stays");
    assert_eq!(ws.run(&["validate"]).code, 0);
    // The imported registry watches the whole page: every claim is monitored.
    let (r, _) = check(&ws);
    let route = route_row(&r, "kz-pr-it");
    assert_eq!(route["claims"], 21, "{route}");
    assert_eq!(route["monitored"], 21, "{route}");
    assert_eq!(route["coverage"], 1.0);
    assert_eq!(route["date_matches"], true);
    // Again: refused, nothing written.
    let again = ws.run(&["import", &page, "--route", "kz-pr-it", "--write"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("route \"kz-pr-it\" is already in"),
        "{}",
        again.stderr
    );
    assert_eq!(ws.read("sources.toml"), written);
}

#[test]
fn import_reads_a_russian_page_and_its_date() {
    let server = TestServer::start();
    server.set("/official", official_page_ru());
    server.set(
        "/ru/trudovoi",
        Reply::html(route_page("route-ru.html", &server.url("/official"))),
    );
    let (stdout, facts) = import_draft(&server, "official-ru", "/ru/trudovoi", "2026-06-01");
    assert_eq!(facts.len(), 8, "{stdout}");
    let quote_of = |claim: &str| {
        let fact = facts.iter().find(|f| f["claim"].as_str() == Some(claim));
        fact.unwrap_or_else(|| panic!("no fact for {claim:?}: {stdout}"))["quote"].as_str()
    };
    assert_eq!(
        quote_of("Срок рассмотрения: 15 рабочих дней"),
        Some("Срок оказания государственной услуги – 15 рабочих дней.")
    );
    assert_eq!(
        quote_of("Государственная пошлина — 2 МРП"),
        Some("Государственная пошлина составляет 2 МРП.")
    );
    let valid = |id: &str| {
        id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    };
    assert!(
        facts.iter().all(|f| valid(f["id"].as_str().unwrap())),
        "ids are ASCII: {}",
        stdout
    );
}

#[test]
fn import_of_bad_input_exits_2_and_writes_nothing() {
    let server = TestServer::start();
    server.set("/gone", Reply::status(404));
    server.set(
        "/empty",
        Reply::html(
            "<html><body><main><h1>Coming soon</h1><p>Nothing here yet.</p></main></body></html>",
        ),
    );
    let toml = Registry::new().settings(SETTINGS).toml();
    let ws = Workspace::new(&toml);
    for path in ["/gone", "/empty"] {
        let run = ws.run(&["import", &server.url(path), "--write"]);
        assert_eq!(run.code, 2, "{path}: {}", run.stdout);
        assert_eq!(ws.read("sources.toml"), toml, "{path}");
    }
    let run = ws.run(&["import", "no-such-file.html"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-file.html"), "{}", run.stderr);
}

/// Every request of an import goes through one fetcher: robots.txt is asked once for the host,
/// and the host's interval holds between the route page and the official pages it links to.
#[test]
fn import_asks_robots_txt_once_and_keeps_the_hosts_interval() {
    let server = TestServer::start();
    server.set(
        "/robots.txt",
        Reply::status(200).body("User-agent: *\nAllow: /\n"),
    );
    server.set("/official-a", official_page());
    server.set("/official-b", official_page_ru());
    let second = format!(
        "<p><a href=\"{}\">Перечень документов</a></p></main>",
        server.url("/official-b")
    );
    let html = route_page("route-en.html", &server.url("/official-a")).replace("</main>", &second);
    assert!(html.contains(&server.url("/official-b")));
    server.set("/kazakhstan/pr-it", Reply::html(html));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 300"])
            .source(Source::new("official-a", server.url("/official-a")))
            .source(Source::new("official-b", server.url("/official-b")))
            .toml(),
    );
    let run = ws.run(&["import", &server.url("/kazakhstan/pr-it")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths = [
        "/robots.txt",
        "/kazakhstan/pr-it",
        "/official-a",
        "/official-b",
    ];
    let mut seen: Vec<(std::time::Instant, &str)> = Vec::new();
    for path in paths {
        let requests = server.requests(path);
        assert_eq!(requests.len(), 1, "{path} asked {} times", requests.len());
        seen.push((requests[0].at, path));
    }
    seen.sort();
    for pair in seen.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(
            gap >= Duration::from_millis(290),
            "{} came {gap:?} after {}",
            pair[1].1,
            pair[0].1
        );
    }
}

/// A route page is HTML: a body of another type is refused (exit 2) even when its text would
/// yield claims; one sent without a Content-Type is read when it starts with markup. A saved
/// file is read as before.
#[test]
fn import_refuses_a_page_that_is_not_html() {
    let server = TestServer::start();
    server.set("/official", official_page());
    let text = "Typical processing: ~45 days.\nState fee: 2 MCI.\n";
    server.set(
        "/plain",
        Reply::status(200)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(text),
    );
    server.set(
        "/pdf",
        Reply::status(200)
            .header("Content-Type", "application/pdf")
            .body(format!("%PDF-1.4\n{text}")),
    );
    server.set("/untyped-text", Reply::status(200).body(text));
    let html = route_page("route-en.html", &server.url("/official"));
    server.set(
        "/untyped-html",
        Reply::status(200).body(format!("\u{feff}\n  {html}")),
    );
    server.set(
        "/xhtml",
        Reply::status(200)
            .header("Content-Type", "application/xhtml+xml")
            .body(html.clone()),
    );
    let toml = registry_toml(&server, "official");
    let ws = Workspace::new(&toml);
    for (path, why) in [
        ("/plain", "its Content-Type is text/plain; charset=utf-8"),
        ("/pdf", "its Content-Type is application/pdf"),
        (
            "/untyped-text",
            "it has no Content-Type and does not start with markup",
        ),
    ] {
        let run = ws.run(&["import", &server.url(path), "--write"]);
        assert_eq!(run.code, 2, "{path}: {}", run.stdout);
        let expected = format!("{} is not an HTML page ({why})", server.url(path));
        assert!(run.stderr.contains(&expected), "{path}: {}", run.stderr);
        assert_eq!(ws.read("sources.toml"), toml, "{path}");
    }
    for path in ["/untyped-html", "/xhtml"] {
        let run = ws.run(&["import", &server.url(path)]);
        assert_eq!(run.code, 0, "{path}: {}", run.stderr);
        assert_eq!(drafted_facts(&run.stdout).len(), 21, "{path}");
    }
    ws.write("saved-page.html", &html);
    let run = ws.run(&["import", "saved-page.html", "--route", "kz-pr-it"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(drafted_facts(&run.stdout).len(), 21);
}

/// `--write` edits sources.toml under the store's lock, as `verify` and `check --refresh` do:
/// while another run holds it, the import says so before fetching anything and writes nothing.
#[test]
fn import_write_is_refused_while_the_store_is_locked() {
    let server = serving_the_site();
    let toml = registry_toml(&server, "official");
    let ws = Workspace::new(&toml);
    std::fs::create_dir(ws.path("snapshots")).unwrap();
    let mut lock = std::fs::File::create(ws.path("snapshots/.lock")).unwrap();
    lock.lock().unwrap();
    std::io::Write::write_all(&mut lock, b"pid 4242 since 2026-11-25T03:00:00Z\n").unwrap();
    let page = server.url("/kazakhstan/pr-it");
    let run = ws.run(&["import", &page, "--route", "kz-pr-it", "--write"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("import --write edits sources.toml under the store's lock")
            && run.stderr.contains("is locked by pid 4242 since"),
        "{}",
        run.stderr
    );
    assert_eq!(ws.read("sources.toml"), toml);
    assert!(server.requests("/kazakhstan/pr-it").is_empty());
    // Once the other run lets go, the same import writes.
    drop(lock);
    let run = ws.run(&["import", &page, "--route", "kz-pr-it", "--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(ws.read("sources.toml").starts_with(&toml));
}
