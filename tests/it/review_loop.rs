//! The review loop finished with commands only (issue 25): after an official value changes, a
//! reviewer accepts the page, adopts its new wording with `verify --quote`, and the next check
//! finds the fact verified, without anyone opening sources.toml.

use super::*;

const DOCS: [&str; 3] = [
    "Certificate on passing the eligibility assessment for immigrants",
    "Certificate of fingerprinting",
    "One photo (35x45 mm)",
];

fn page(days: &str, docs: &[&str]) -> String {
    let items: String = docs.iter().map(|d| format!("<li>{d}</li>")).collect();
    format!("<main><p>The permit is issued within {days} calendar days.</p><ul>{items}</ul></main>")
}

fn setup(server: &TestServer) -> Workspace {
    server.set("/pr", Reply::html(page("45", &DOCS)));
    Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("pr", server.url("/pr")).select(&["main"]))
            .route(
                Route::new("r", "R")
                    .fact(
                        Fact::new("days", "~45 days", "pr", "2026-11-01").quote("45 calendar days"),
                    )
                    .fact(
                        Fact::new("fingerprints", "Fingerprints", "pr", "2026-11-01")
                            .quote("Certificate of fingerprinting"),
                    ),
            )
            .toml(),
    )
}

#[test]
fn a_value_change_ends_verified_through_commands_only() {
    let server = TestServer::start();
    let ws = setup(&server);
    assert_eq!(ws.run(&["check"]).code, 0);
    server.set("/pr", Reply::html(page("30", &DOCS)));
    let flagged = ws.run(&["check", "--format", "json"]);
    assert_eq!(flagged.code, 1, "{}", flagged.stderr);
    assert_eq!(fact_row(&flagged.json(), "r/days")["change"], "value");

    let accepted = ws.run(&["accept", "pr"]);
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
    // Words the page does not hold are refused, with the passage that is there.
    let refused = ws.run(&["verify", "r/days", "--quote", "31 calendar days"]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("does not hold “31 calendar days”")
            && refused
                .stderr
                .contains("closest passage is “The permit is issued within 30 calendar days.”"),
        "{}",
        refused.stderr
    );
    let before = ws.read("sources.toml");
    assert!(before.contains("quote = \"45 calendar days\""), "{before}");

    let adopted = ws.run(&["verify", "r/days", "--quote", "30 calendar days"]);
    assert_eq!(adopted.code, 0, "{}", adopted.stderr);
    assert!(adopted.stderr.is_empty(), "{}", adopted.stderr);
    let after = ws.read("sources.toml");
    assert_eq!(
        after,
        before
            .replace(
                "quote = \"45 calendar days\"",
                "quote = \"30 calendar days\""
            )
            .replacen(
                "last_verified = 2026-11-01",
                &format!("last_verified = {TODAY}"),
                1
            )
    );

    let clean = ws.run(&["check", "--format", "json"]);
    let report = clean.json();
    assert_eq!(flags(fact_row(&report, "r/days")), Vec::<&str>::new());
    assert_eq!(clean.code, 0, "{}", clean.stdout);
}

#[test]
fn verify_adds_a_quote_to_a_fact_without_one() {
    let server = TestServer::start();
    server.set("/pr", Reply::html(page("45", &DOCS)));
    let ws = Workspace::new(
        "[[sources]]\nid = \"pr\"\nurl = \"URL\"\n\n[[routes]]\nid = \"r\"\ntitle = \"R\"\n\n\
         [[routes.facts]]\nid = \"days\"\nclaim = \"c\"\nsource = \"pr\"\n\
         last_verified = 2026-11-01  # by hand\n\n[[routes]]\nid = \"q\"\ntitle = \"Q\"\n\
         facts = [{ id = \"photo\", claim = \"c\", source = \"pr\", last_verified = 2026-11-01 }]\n"
            .replace("URL", &server.url("/pr"))
            .as_str(),
    );
    assert_eq!(ws.run(&["check"]).code, 0);
    let before = ws.read("sources.toml");
    assert_eq!(
        ws.run(&["verify", "r/days", "--quote", "45 calendar days"])
            .code,
        0
    );
    assert_eq!(
        ws.run(&["verify", "q/photo", "--quote", "One photo (35x45 mm)"])
            .code,
        0
    );
    let expected = before
        .replace(
            "last_verified = 2026-11-01  # by hand\n",
            &format!("last_verified = {TODAY}  # by hand\nquote = \"45 calendar days\"\n"),
        )
        .replace(
            "last_verified = 2026-11-01 }",
            &format!("last_verified = {TODAY}, quote = \"One photo (35x45 mm)\" }}"),
        );
    assert_eq!(ws.read("sources.toml"), expected);
    assert_eq!(ws.run(&["validate"]).code, 0);
}

#[test]
fn verify_warns_when_the_quote_is_not_in_the_latest_capture() {
    let server = TestServer::start();
    let ws = setup(&server);
    assert_eq!(ws.run(&["check"]).code, 0);
    server.set("/pr", Reply::html(page("30", &DOCS)));
    assert_eq!(ws.run(&["check"]).code, 1);
    let run = ws.run(&["verify", "r/days", "r/fingerprints"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the quote of r/days “45 calendar days” is not in the latest capture of pr")
            && run
                .stderr
                .contains("sourcewatch verify r/days --quote '30 calendar days'"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_gone_item_without_a_reworded_one_says_nothing_similar_remains() {
    let server = TestServer::start();
    let ws = setup(&server);
    assert_eq!(ws.run(&["check"]).code, 0);
    server.set("/pr", Reply::html(page("45", &[DOCS[0], DOCS[2]])));
    let run = ws.run(&["check", "--format", "json"]);
    let row = fact_row(&run.json(), "r/fingerprints").clone();
    assert_eq!(row["change"], "gone");
    assert_eq!(row["closest_passage"], serde_json::Value::Null, "{row}");
    let text = ws.run(&["report"]).stdout;
    assert!(
        text.contains("closest: nothing similar remains on the page"),
        "{text}"
    );
    let md = ws.run(&["report", "--format", "markdown"]).stdout;
    assert!(md.contains("nothing similar remains on the page"), "{md}");
}
