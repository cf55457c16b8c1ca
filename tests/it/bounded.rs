//! One deadline per source: a hostile page or a rewritten one ends on time, in `check` and in
//! `probe`, and what was cut short stays flagged.

use std::time::{Duration, Instant};

use super::*;

/// `timeout_secs` of these tests: the limit each run is held to, within three times it.
const LIMIT_SECS: u64 = 5;

fn limit() -> Duration {
    Duration::from_secs(LIMIT_SECS * 3)
}

/// About 9 MB: 270,000 small elements, each holding the quote under its own class name, so the
/// selector search has as many names to weigh as the page has elements.
fn huge_page() -> String {
    let mut page = String::from("<!doctype html><html><body><main>");
    for i in 0..270_000u32 {
        let mut name = String::from("k");
        let mut n = i;
        for _ in 0..4 {
            name.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        page.push_str(&format!("<p class=\"{name}\">45 calendar days</p>"));
    }
    page.push_str("</main></body></html>");
    page
}

fn settings() -> [&'static str; 4] {
    [
        "retries = 0",
        "per_host_interval_ms = 0",
        "respect_robots = false",
        "timeout_secs = 5",
    ]
}

/// The audit's page: `probe --quote` took 108 s and one such source held a check for 101 s at
/// `timeout_secs = 5` (the candidate search looked names up one by one and its own budget was
/// checked only inside each element's walk).
#[test]
fn huge_page_with_a_missing_select_ends_within_three_times_the_limit() {
    let server = TestServer::start();
    server.set("/big", Reply::html(huge_page()));
    let toml = Registry::new()
        .settings(&settings())
        .source(Source::new("big", server.url("/big")).select(&["div.missing"]))
        .route(
            Route::new("r", "R")
                .fact(Fact::new("days", "45 days", "big", "2026-11-20").quote("45 calendar days")),
        )
        .toml();
    let ws = Workspace::new(&toml);

    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let took = started.elapsed();
    eprintln!("check took {took:?}");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(took < limit(), "check took {took:?}");
    let report = run.json();
    let row = source_row(&report, "big");
    assert_eq!(row["outcome"], "selector_missing");
    assert!(
        row["error"].as_str().unwrap().contains("cut short"),
        "{row}"
    );
    assert_eq!(flags(fact_row(&report, "r/days")), ["unverifiable"]);

    let started = Instant::now();
    let run = ws.run(&["probe", "--source", "big", "--quote", "45 calendar days"]);
    let took = started.elapsed();
    eprintln!("probe took {took:?}");
    assert!(took < limit(), "probe took {took:?}");
    assert!(run.stdout.contains("cut short"), "{}", run.stdout);
}

/// A baseline of 40,000 lines rewritten whole, 200 facts quoting it: following each passage
/// through the edit cost about 30 µs × facts × changed lines (over half a minute here). The
/// check ends within the limit and every fact is flagged.
#[test]
fn rewrite_of_forty_thousand_lines_ends_on_time_with_every_fact_flagged() {
    let page = |what: &str| {
        let mut page = String::from("<html><body>");
        for i in 0..40_000u32 {
            page.push_str(&format!(
                "<p>{what} number {i} of the register applies.</p>"
            ));
        }
        page.push_str("</body></html>");
        page
    };
    let server = TestServer::start();
    server.set("/reg", Reply::html(page("Provision")));
    let mut route = Route::new("r", "R");
    for i in 0..200u32 {
        let n = i * 200;
        route = route.fact(
            Fact::new(&format!("f{i}"), "a provision", "reg", "2026-11-20")
                .quote(&format!("Provision number {n} of the register applies.")),
        );
    }
    let toml = Registry::new()
        .settings(&settings())
        .source(Source::new("reg", server.url("/reg")))
        .route(route)
        .toml();
    let ws = Workspace::new(&toml);
    let first = ws.run(&["check", "--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);

    server.set(
        "/reg",
        Reply::html(page("Entirely different wording for item")),
    );
    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let took = started.elapsed();
    eprintln!("the rewrite took {took:?}");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(took < limit(), "check took {took:?}");
    let report = run.json();
    eprintln!("{}", source_row(&report, "reg")["notes"]);
    assert_eq!(source_row(&report, "reg")["outcome"], "changed");
    let facts = report["facts"].as_array().unwrap();
    assert_eq!(facts.len(), 200);
    for f in facts {
        let flags = flags(f);
        assert!(flags.contains(&"source_changed"), "{f}");
        assert!(flags.contains(&"evidence_missing"), "{f}");
    }
    assert_eq!(report["summary"]["flagged"], 200);
}

/// Two sources whose pages take their whole time limit to work on (as many as the runtime has
/// worker threads) do not make an ordinary source beside them time out: their work leaves the
/// runtime's threads to the fetches in flight, whose timeouts measure the network alone.
#[test]
fn slow_pages_do_not_time_out_their_neighbours() {
    let server = TestServer::start();
    server.set("/big1", Reply::html(huge_page()));
    server.set("/big2", Reply::html(huge_page()));
    server.set(
        "/small",
        Reply::html("<p>Fee: 4 MCI</p>").fault(Fault::Delay(Duration::from_secs(2))),
    );
    let mut settings = settings().to_vec();
    settings.push("per_host_concurrency = 4");
    let toml = Registry::new()
        .settings(&settings)
        .source(Source::new("big1", server.url("/big1")).select(&["div.missing"]))
        .source(Source::new("big2", server.url("/big2")).select(&["div.missing"]))
        .source(Source::new("small", server.url("/small")))
        .route(
            Route::new("r", "R")
                .fact(Fact::new("d1", "45 days", "big1", "2026-11-20").quote("45 calendar days"))
                .fact(Fact::new("d2", "45 days", "big2", "2026-11-20").quote("45 calendar days"))
                .fact(Fact::new("fee", "4 MCI", "small", "2026-11-20").quote("4 MCI")),
        )
        .toml();
    let ws = Workspace::new(&toml);
    let run = ws.run(&["check", "--format", "json"]);
    let report = run.json();
    assert_eq!(
        source_row(&report, "small")["outcome"],
        "new",
        "{}",
        run.stdout
    );
    assert_eq!(source_row(&report, "big1")["outcome"], "selector_missing");
    assert_eq!(source_row(&report, "big2")["outcome"], "selector_missing");
}
