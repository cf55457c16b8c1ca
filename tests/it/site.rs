//! The published page is checked too (issue: import a route from the site, and prove every
//! figure on it is sourced): route pages shaped like the seed, English and Russian, served on
//! 127.0.0.1 beside an official page.

use super::*;
use serde_json::Value;

pub(crate) const SETTINGS: &[&str] = &[
    "retries = 0",
    "per_host_interval_ms = 0",
    "stale_after_days = 365",
];

/// The official page the route pages link to.
const EGOV: &str = "https://egov.kz/cms/en/services/for_foreigners/009pass_mvd";

/// A route page with its link to the official page pointed at `official`: `route-en.html` is
/// the local copy of the seed page (examples/site), the others tests/fixtures/site.
pub(crate) fn route_page(name: &str, official: &str) -> String {
    let path = match name {
        "route-en.html" => "examples/site/kz-pr-it-specialists.html".to_string(),
        other => format!("tests/fixtures/site/{other}"),
    };
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap()
        .replace(EGOV, official)
        .replace("{official}", official)
}

/// An official page shaped like egov.kz's service page for the IT-specialist route.
pub(crate) fn official_page() -> Reply {
    Reply::html(
        "<html><body><div class=\"info-block-horizontal\"><h2>Term of rendering the service</h2>\
         <p>The service is rendered within 45 calendar days.</p><h2>List of documents</h2><ul>\
         <li>Application for the issuance of a permanent residence permit</li>\
         <li>Certificate of fingerprinting</li></ul></div></body></html>",
    )
}

/// The facts of the English fixture's claims that the tests watch, with their page wording.
const WATCHED: &[(&str, &str)] = &[
    ("job-offer", "Job offer: Required"),
    ("employer-sponsor", "Employer sponsor: Required"),
    ("age-range", "Age range: 18–65"),
    ("initial-stay", "Initial stay: 12 months"),
    ("processing-time", "Typical processing: ~45 days"),
    (
        "doc-application",
        "Application for the issuance of a permanent residence permit",
    ),
    ("doc-fingerprinting", "Certificate of fingerprinting"),
];

fn workspace(server: &TestServer) -> Workspace {
    let mut route = Route::new("kz-pr-it", "Kazakhstan · PR for IT specialists")
        .line(&format!("page = \"{}\"", server.url("/kazakhstan/pr-it")));
    for (id, claim) in WATCHED {
        route = route.fact(Fact::new(id, claim, "official", "2026-06-09"));
    }
    Workspace::new(
        &Registry::new()
            .settings(SETTINGS)
            .source(Source::new("official", server.url("/official")))
            .route(route)
            .toml(),
    )
}

pub(crate) fn check(ws: &Workspace) -> (Value, i32) {
    let run = ws.run(&["check", "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    (run.json(), run.code)
}

pub(crate) fn route_row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no route {id} in {report}"))
}

/// A server with the official page and the seed-shaped route page, unedited.
pub(crate) fn serving_the_site() -> TestServer {
    let server = TestServer::start();
    server.set("/official", official_page());
    serve_route(&server, |h| h);
    server
}

fn serve_route(server: &TestServer, edit: impl Fn(String) -> String) {
    let html = edit(route_page("route-en.html", &server.url("/official")));
    server.set("/kazakhstan/pr-it", Reply::html(html));
}

#[test]
fn a_check_reads_the_route_page_and_reports_its_coverage() {
    let server = serving_the_site();
    let ws = workspace(&server);
    let (r, code) = check(&ws);
    let route = route_row(&r, "kz-pr-it");
    assert_eq!(route["page_outcome"], "new", "{route}");
    assert_eq!(route["claims"], 21);
    assert_eq!(route["monitored"], 7);
    assert_eq!(route["published_last_verified"], "2026-06-09");
    assert_eq!(route["expected_last_verified"], "2026-06-09");
    assert_eq!(route["date_matches"], true);
    assert_eq!(route["unmonitored"].as_array().unwrap().len(), 14);
    for (id, _) in WATCHED {
        let fact = fact_row(&r, &format!("kz-pr-it/{id}"));
        assert_eq!(fact["published"], true, "{fact}");
    }
    assert_eq!(r["summary"]["pages"], 1);
    assert_eq!(r["summary"]["unmonitored_claims"], 14);
    assert_eq!(r["summary"]["page_differs"], 0);
    // Unmonitored claims are reported, not a reason for review.
    assert_eq!(code, 0, "{r}");
}

#[test]
fn an_edit_of_the_site_page_flags_exactly_what_it_touched() {
    let server = serving_the_site();
    let ws = workspace(&server);
    check(&ws);
    // The editors change the processing time, drop a document and add one.
    serve_route(&server, |h| {
        h.replace("~45 days", "~30 days")
            .replace("<li>Certificate of fingerprinting</li>", "")
            .replace(
                "<li>One photo (35x45 mm)</li>",
                "<li>One photo (35x45 mm)</li><li>Certificate of registration at the place of \
                 residence</li>",
            )
    });
    let (r, code) = check(&ws);
    assert_eq!(code, 1);
    let differs: Vec<&str> = r["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| flags(f).contains(&"page_differs"))
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        differs,
        ["kz-pr-it/processing-time", "kz-pr-it/doc-fingerprinting"]
    );
    let pt = fact_row(&r, "kz-pr-it/processing-time");
    assert_eq!(pt["published"], false);
    assert_eq!(pt["published_passage"], "Typical processing: ~30 days.");
    let route = route_row(&r, "kz-pr-it");
    assert!(
        route["unmonitored"]
            .as_array()
            .unwrap()
            .contains(&Value::from(
                "Certificate of registration at the place of residence"
            )),
        "{route}"
    );
    assert_eq!(r["summary"]["page_differs"], 2);
    let md = ws.run(&["report", "--format", "markdown"]).stdout;
    assert!(md.contains("### Site"), "{md}");
    assert!(
        md.contains("the page no longer states “Typical processing: ~45 days”"),
        "{md}"
    );
    assert!(
        md.contains("Certificate of registration at the place of residence"),
        "{md}"
    );
}

#[test]
fn a_page_date_that_disagrees_is_a_reason_for_review() {
    let server = TestServer::start();
    server.set("/official", official_page());
    serve_route(&server, |h| {
        h.replace("Last verified 2026-06-09", "Last verified 2026-05-01")
    });
    let ws = workspace(&server);
    let (r, code) = check(&ws);
    let route = route_row(&r, "kz-pr-it");
    assert_eq!(route["published_last_verified"], "2026-05-01");
    assert_eq!(route["date_matches"], false);
    assert_eq!(r["summary"]["date_mismatches"], 1);
    assert_eq!(code, 1);
    // status says the same from the stored page, and says why it exits 1.
    let status = ws.run(&["status"]);
    assert_eq!(status.code, 1);
    assert!(
        status.stdout.contains(
            "route kz-pr-it: its page shows last verified 2026-05-01, its facts say 2026-06-09"
        ),
        "{}",
        status.stdout
    );
    let json = ws.run(&["status", "--format", "json"]).json();
    assert_eq!(route_row(&json, "kz-pr-it")["date_matches"], false);
}

#[test]
fn a_route_page_that_fails_flags_nothing_and_says_why() {
    let server = TestServer::start();
    server.set("/official", official_page());
    server.set("/kazakhstan/pr-it", Reply::status(503));
    let ws = workspace(&server);
    let (r, code) = check(&ws);
    let route = route_row(&r, "kz-pr-it");
    assert_eq!(route["page_outcome"], "http_error", "{route}");
    assert!(
        route["page_error"].as_str().unwrap().contains("503"),
        "{route}"
    );
    for (id, _) in WATCHED {
        let fact = fact_row(&r, &format!("kz-pr-it/{id}"));
        assert_eq!(fact["published"], Value::Null);
        assert_eq!(flags(fact), Vec::<&str>::new(), "{fact}");
    }
    assert_eq!(r["summary"]["pages"], 0);
    assert_eq!(code, 0, "a failed route page is no fact's failure");
    let text = ws.run(&["report"]).stdout;
    assert!(text.contains("page not read: http_error"), "{text}");
}

/// The seed page against the bundled registry: every claim on the page is one of its facts,
/// and every fact of the route is stated on the page. (The claims were the seed's figures
/// retyped in other words before: 4 of the page's 21 claims were found.)
#[test]
fn the_bundled_registry_watches_every_claim_of_the_seed_page() {
    let server = serving_the_site();
    let bundled =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("sources.toml"))
            .unwrap();
    let title = "title = \"Kazakhstan · Permanent residence for foreign IT specialists\"\n";
    assert!(bundled.contains(title));
    // Loopback only: the route's official source and its page are served here.
    let toml = bundled
        .replace(EGOV, &server.url("/official"))
        .replace(
            title,
            &format!("{title}page = \"{}\"\n", server.url("/kazakhstan/pr-it")),
        )
        .replace("per_host_interval_ms = 2000", "per_host_interval_ms = 0");
    let ws = Workspace::new(&toml);
    let run = ws.run(&[
        "check",
        "--route",
        "kz-pr-it-specialists",
        "--format",
        "json",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let r = run.json();
    let route = route_row(&r, "kz-pr-it-specialists");
    assert_eq!(route["claims"], 21, "{route}");
    assert_eq!(route["monitored"], 21, "{route}");
    assert_eq!(route["unmonitored"], serde_json::json!([]));
    assert_eq!(route["date_matches"], true);
    let facts: Vec<&Value> = r["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["route"] == "kz-pr-it-specialists")
        .collect();
    assert_eq!(facts.len(), 22);
    assert!(facts.iter().all(|f| f["published"] == true), "{r}");
}

/// A challenge that says only words ("Enable JavaScript and cookies to continue") on a 200, in
/// place of the route page: blocked, like an unreachable page it flags no fact, and the read it
/// stood in front of stays for the next check (and `status`) to hold the facts against.
#[test]
fn a_challenge_in_place_of_the_route_page_flags_nothing_and_keeps_its_read() {
    let server = serving_the_site();
    let ws = workspace(&server);
    let (r, _) = check(&ws);
    assert_eq!(route_row(&r, "kz-pr-it")["claims"], 21);
    let stored = ws.read("snapshots/ROUTES/kz-pr-it.json");
    let challenge = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/walls/words/429-en-enable-javascript-and-cookies.html"),
    )
    .unwrap();
    server.set("/kazakhstan/pr-it", Reply::html(challenge));
    let blocked = |ws: &Workspace| {
        let (r, code) = check(ws);
        let route = route_row(&r, "kz-pr-it");
        assert_eq!(route["page_outcome"], "blocked", "{route}");
        assert!(
            route["page_error"]
                .as_str()
                .unwrap()
                .contains("challenge page"),
            "{route}"
        );
        for (id, _) in WATCHED {
            let fact = fact_row(&r, &format!("kz-pr-it/{id}"));
            assert_eq!(fact["published"], Value::Null, "{fact}");
            assert_eq!(flags(fact), Vec::<&str>::new(), "{fact}");
        }
        assert_eq!(r["summary"]["page_differs"], 0);
        assert_eq!(code, 0, "a blocked route page is no fact's failure: {r}");
    };
    blocked(&ws);
    assert_eq!(ws.read("snapshots/ROUTES/kz-pr-it.json"), stored);
    let status = ws.run(&["status", "--format", "json"]).json();
    assert_eq!(fact_row(&status, "kz-pr-it/job-offer")["published"], true);
    // With no earlier read to tell it from, the challenge is not taken for the page either.
    blocked(&workspace(&server));
}

/// A large check keeps its rows in a temporary file instead of memory (at 100,000 sources they
/// are over 100 MB). `SOURCEWATCH_SPILL_ROWS=0` spills every check, so this compares two checks
/// of the same pages, one spilled and one not, through every path that reads or changes rows:
/// route pages flagging facts, a refresh, changes, a failed source, the terminal text, a Markdown
/// or HTML output and `LAST_CHECK.json`.
#[test]
fn a_check_whose_rows_are_spilled_reports_exactly_what_one_holding_them_does() {
    let server = serving_the_site();
    server.set("/other", Reply::html("<main><p>Fee: 2 MRP.</p></main>"));
    let dead = dead_url();
    let registry = |server: &TestServer| {
        let mut route = Route::new("kz-pr-it", "Kazakhstan · PR for IT specialists")
            .line(&format!("page = \"{}\"", server.url("/kazakhstan/pr-it")));
        for (id, claim) in WATCHED {
            route = route.fact(Fact::new(id, claim, "official", "2026-06-09"));
        }
        route = route
            .fact(Fact::new("term", "45 days", "official", "2025-01-10").quote("45 calendar days"))
            .fact(Fact::new("fee", "2 MRP", "other", "2026-06-09").quote("Fee: 2 MRP."))
            .fact(Fact::new("gone", "x", "dead", "2026-06-09"));
        Registry::new()
            .settings(SETTINGS)
            .source(Source::new("official", server.url("/official")))
            .source(Source::new("other", server.url("/other")))
            .source(Source::new("dead", dead.clone()))
            .route(route)
            .toml()
    };
    let (held, spilled) = (
        Workspace::new(&registry(&server)),
        Workspace::new(&registry(&server)),
    );
    let run = |ws: &Workspace, spill: bool, args: &[&str]| {
        let mut cmd = ws.command(args);
        cmd.env_remove("SOURCEWATCH_SPILL_ROWS");
        if spill {
            cmd.env("SOURCEWATCH_SPILL_ROWS", "0")
                .env("RUST_LOG", "sourcewatch=debug");
        }
        let out = cmd.env("NO_COLOR", "1").output().unwrap();
        let (code, stderr) = (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(code == 0 || code == 1, "{stderr}");
        assert_eq!(
            stderr.contains("report rows kept in a temporary file"),
            spill,
            "{stderr}"
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // Timings and clock times are all that may differ: lines with one are left out, the rest
    // compared byte for byte (JSON as written, not parsed again).
    let steady = |text: String| -> String {
        let clock = |line: &str| {
            [
                "\"started_at\"",
                "\"finished_at\"",
                "\"duration_ms\"",
                "\"last_checked\"",
                "\"at\"",
                " UTC",
            ]
            .iter()
            .any(|k| line.contains(k))
                || line
                    .match_indices("ms")
                    .any(|(i, _)| line[..i].ends_with(|c: char| c.is_ascii_digit()))
        };
        let kept: Vec<&str> = text.lines().filter(|l| !clock(l)).collect();
        kept.join("\n")
    };
    let both = |args: &[&str], output: Option<&str>| {
        let texts = [(&held, false), (&spilled, true)].map(|(ws, spill)| {
            let mut out = steady(run(ws, spill, args));
            if let Some(file) = output {
                out += &steady(ws.read(file));
            }
            out + &steady(ws.read("snapshots/LAST_CHECK.json"))
        });
        let differ = texts[0].lines().zip(texts[1].lines()).find(|(a, b)| a != b);
        assert_eq!(differ, None, "held and spilled differ in {args:?}");
        assert_eq!(texts[0].len(), texts[1].len());
        texts[0].clone()
    };
    both(&["check"], None);
    // The official page's term changes, the route page drops a document, and a refresh runs.
    server.set(
        "/official",
        Reply::html(
            "<html><body><div class=\"info-block-horizontal\"><h2>Term of rendering the service\
             </h2><p>The service is rendered within 30 calendar days.</p><h2>List of documents\
             </h2><ul><li>Application for the issuance of a permanent residence permit</li>\
             </ul></div></body></html>",
        ),
    );
    serve_route(&server, |h| {
        h.replace("<li>Certificate of fingerprinting</li>", "")
    });
    let md = both(
        &[
            "check",
            "--refresh",
            "--format",
            "markdown",
            "--output",
            "r.md",
        ],
        Some("r.md"),
    );
    assert!(md.contains("kz-pr-it/term"), "{md}");
    assert!(md.contains("page_differs"), "{md}");
    assert!(md.contains("refreshed 1"), "{md}");
    let html = both(
        &["check", "--format", "html", "--output", "r.html"],
        Some("r.html"),
    );
    assert!(html.contains("unverifiable"), "{html}");
    let json = both(
        &["check", "--format", "json", "--output", "r.json"],
        Some("r.json"),
    );
    assert!(json.contains("\"page_differs\": 3"), "{json}");
    // A JSON output is the saved report's bytes.
    for ws in [&held, &spilled] {
        assert_eq!(ws.read("r.json"), ws.read("snapshots/LAST_CHECK.json"));
    }
}
