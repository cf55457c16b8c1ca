//! `probe` and the registry, through the binary: the `[[sources]]` block it prints works in a
//! check, `--source` probes with a source's settings (flags add to them or replace them), and a
//! check's `selector_missing` hint comes from the same logic. The page, settings and helpers are
//! tests/it/probe.rs's.

use super::probe::{DAYS, PASSPORT, SETTINGS, portal, portal_page, settings_only};
use super::*;

#[test]
fn the_first_candidate_put_in_a_registry_finds_both_quotes_on_check() {
    let server = portal();
    let ws = settings_only();
    let url = server.url("/pr");
    let probe = ws.run(&[
        "probe", &url, "--quote", DAYS, "--quote", PASSPORT, "--format", "json",
    ]);
    assert_eq!(probe.code, 0, "{}", probe.stderr);
    let j = probe.json();
    let first = j["candidates"][0]["selector"].as_str().unwrap().to_string();
    assert_eq!(first, "div.info-block-horizontal");
    assert_eq!(j["candidates"][0]["quotes_found"], 2);
    let block = j["source_block"].as_str().unwrap();
    assert!(
        block.contains(&format!("select = [\"{first}\"]")),
        "{block}"
    );

    // The block pasted as it is, facts added under it.
    let facts = Registry::new()
        .route(
            Route::new("kz-pr", "PR")
                .fact(Fact::new("days", "45 days", "127.0.0.1-pr", "2026-11-20").quote(DAYS))
                .fact(
                    Fact::new("passport", "A passport", "127.0.0.1-pr", "2026-11-20")
                        .quote(PASSPORT),
                ),
        )
        .toml();
    let settings = Registry::new().settings(SETTINGS).toml();
    ws.write("sources.toml", &format!("{settings}\n{block}\n{facts}"));
    let check = ws.run(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let r = check.json();
    assert_eq!(source_row(&r, "127.0.0.1-pr")["outcome"], "new");
    for id in ["kz-pr/days", "kz-pr/passport"] {
        let f = fact_row(&r, id);
        assert_eq!(f["quote_found"], true, "{f}");
        assert_eq!(f["flags"], serde_json::json!([]), "{f}");
    }
    // And the text a check stored is the text the probe showed for that selector.
    let again = ws.run(&["probe", &url, "--select", &first, "--format", "json"]);
    let stored = std::fs::read_to_string(ws.only_text_file("127.0.0.1-pr")).unwrap();
    assert_eq!(again.json()["text"].as_str().unwrap(), stored);
}

#[test]
fn probe_source_uses_the_registry_settings_and_flags_add_or_replace() {
    let server = portal();
    server.set(
        "/robots.txt",
        Reply::status(200).body("User-agent: *\nDisallow: /private\n"),
    );
    server.set("/private", Reply::html(portal_page()));
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(
                Source::new("pr", server.url("/pr"))
                    .select(&["div.info-block-horizontal"])
                    .exclude(&["ul"])
                    .ignore(&[r"Updated \d+\.\d+\.\d+"]),
            )
            .route(
                Route::new("kz-pr", "PR")
                    .fact(Fact::new("days", "45 days", "pr", "2026-11-20").quote(DAYS)),
            )
            .toml(),
    );
    let run = ws.run(&["probe", "--source", "pr", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["source"], "pr");
    assert_eq!(
        j["text"],
        "Processing time\nThe permit is issued within 45 calendar days.\nDocuments"
    );
    // The facts' quotes are probed.
    assert_eq!(
        j["quotes"],
        serde_json::json!([{"quote": DAYS, "found": true, "occurrences": 1,
            "passages": ["The permit is issued within 45 calendar days."],
            "closest_passage": null, "closest_similarity": null}])
    );
    // The registry's contact is in the User-Agent.
    let ua = server.requests("/pr").last().unwrap().headers["user-agent"].clone();
    assert!(ua.contains("probe-tests@example.org"), "{ua}");
    assert!(
        j["source_block"]
            .as_str()
            .unwrap()
            .starts_with("[[sources]]\nid = \"pr\"\n"),
        "{j}"
    );

    // --select replaces the source's; --exclude, --ignore and --quote add to its own.
    let run = ws.run(&[
        "probe",
        "--source",
        "pr",
        "--select",
        "main#content",
        "--exclude",
        "nav",
        "--ignore",
        "Share: .*",
        "--quote",
        PASSPORT,
        "--format",
        "json",
    ]);
    // The passport line is in a `ul`, which the source excludes.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["settings"]["select"], serde_json::json!(["main#content"]));
    assert_eq!(j["settings"]["exclude"], serde_json::json!(["ul", "nav"]));
    assert_eq!(
        j["settings"]["ignore"],
        serde_json::json!([r"Updated \d+\.\d+\.\d+", "Share: .*"])
    );
    assert_eq!(
        j["text"],
        "Permanent residence permit\nProcessing time\nThe permit is issued within 45 calendar \
         days.\nDocuments"
    );
    let found: Vec<(&str, bool)> = j["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["quote"].as_str().unwrap(), q["found"].as_bool().unwrap()))
        .collect();
    assert_eq!(found, [(DAYS, true), (PASSPORT, false)]);
    // A URL replaces the source's; robots.txt is obeyed as in a check.
    let private = server.url("/private");
    let run = ws.run(&["probe", "--source", "pr", &private, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["url"], private);
    assert_eq!(j["outcome"], "robots_disallowed");
    assert!(server.requests("/private").is_empty());
}

#[test]
fn selector_missing_names_the_selector_and_suggests_one() {
    let server = portal();
    let ws = Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("pr", server.url("/pr")).select(&["div.info-block-vertical"]))
            .source(Source::new("two", server.url("/pr")).select(&["div.old-a", "section#old-b"]))
            .source(Source::new("no-facts", server.url("/pr")).select(&["div.gone"]))
            .route(
                Route::new("kz-pr", "PR")
                    .fact(Fact::new("days", "45 days", "pr", "2026-11-20").quote(DAYS))
                    .fact(Fact::new("passport", "Passport", "pr", "2026-11-20").quote(PASSPORT))
                    .fact(Fact::new("fee", "Fee", "two", "2026-11-20").quote("4 MCI"))
                    .fact(Fact::new("days2", "45 days", "two", "2026-11-20").quote(DAYS)),
            )
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let pr = source_row(&r, "pr");
    assert_eq!(pr["outcome"], "selector_missing");
    assert_eq!(
        pr["error"],
        "the page loaded but no element matched div.info-block-vertical; the quotes are in \
         `div.info-block-horizontal` (try select = [\"div.info-block-horizontal\"])"
    );
    // Several selectors are all named; a quote that is nowhere leaves "1 of 2".
    assert_eq!(
        source_row(&r, "two")["error"],
        "the page loaded but no element matched any of div.old-a, section#old-b; 1 of 2 quotes \
         are in `div.info-block-horizontal` (try select = [\"div.info-block-horizontal\"])"
    );
    // Without quotes there is nothing to suggest.
    assert_eq!(
        source_row(&r, "no-facts")["error"],
        "the page loaded but no element matched div.gone"
    );
    // The same words in the terminal report and in probe.
    let text = ws.run(&["report"]);
    assert!(
        text.stdout
            .contains("no element matched div.info-block-vertical; the quotes are in"),
        "{}",
        text.stdout
    );
    let probe = ws.run(&["probe", "--source", "pr"]);
    assert_eq!(probe.code, 1);
    assert!(
        probe
            .stdout
            .contains("  selector_missing: the page loaded but no element matched div.info-block-vertical; the quotes are in `div.info-block-horizontal`"),
        "{}",
        probe.stdout
    );
    assert!(
        probe
            .stdout
            .contains("select = [\"div.info-block-horizontal\"]\n"),
        "{}",
        probe.stdout
    );
}
