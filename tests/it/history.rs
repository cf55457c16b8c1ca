//! `history SOURCE_ID` and `diff SOURCE_ID --from REF --to REF` over a source captured as three
//! different page versions and one failure.

use super::*;

fn page(version: &str) -> Reply {
    Reply::html(format!(
        "<main><p>Term of service</p><p>The permit is issued within {version} calendar days.</p></main>"
    ))
}

struct Three {
    _server: TestServer,
    ws: Workspace,
    /// The SHA-256 of versions one, two and three, in capture order.
    shas: Vec<String>,
}

/// Versions 45, 30 and 20 days, each captured once, then a capture that fails (HTTP 500).
fn three_versions() -> Three {
    let server = TestServer::start();
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("pr", server.url("/pr")))
            .toml(),
    );
    let mut shas = Vec::new();
    for days in ["45", "30", "20"] {
        server.set("/pr", page(days));
        let r = ws.run(&["check", "--format", "json"]).json();
        shas.push(source_row(&r, "pr")["sha256"].as_str().unwrap().to_string());
    }
    server.set("/pr", Reply::status(500));
    let r = ws.run(&["check", "--format", "json"]).json();
    assert_eq!(source_row(&r, "pr")["outcome"], "http_error");
    Three {
        _server: server,
        ws,
        shas,
    }
}

fn today_utc() -> String {
    chrono::Utc::now().date_naive().to_string()
}

#[test]
fn history_lists_captures_newest_first_with_the_baseline_marked() {
    let t = three_versions();
    let run = t.ws.run(&["history", "pr", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let h = run.json();
    assert_eq!(h["source"], "pr");
    assert_eq!(h["baseline_sha256"], t.shas[0].as_str());
    assert_eq!(h["latest_sha256"], t.shas[2].as_str());
    let captures = h["captures"].as_array().unwrap();
    assert_eq!(captures.len(), 4);
    let outcomes: Vec<&str> = captures
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["http_error", "changed", "changed", "new"]);
    assert_eq!(captures[0]["sha256"], serde_json::Value::Null);
    assert_eq!(captures[0]["http_status"], 500);
    assert_eq!(captures[1]["sha256"], t.shas[2].as_str());
    assert_eq!(captures[3]["sha256"], t.shas[0].as_str());
    let baseline: Vec<bool> = captures
        .iter()
        .map(|c| c["baseline"].as_bool().unwrap())
        .collect();
    assert_eq!(baseline, [false, false, false, true]);
    assert_eq!(captures[1]["latest"], true);
    assert!(captures[3]["bytes"].as_u64().unwrap() > 0);
    let times: Vec<&str> = captures.iter().map(|c| c["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let run = t.ws.run(&["history", "pr"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("  2"))
        .collect();
    assert_eq!(rows.len(), 4, "{}", run.stdout);
    let short = |i: usize| &t.shas[i][..12];
    assert!(
        rows[0].contains("http_error") && rows[0].contains(" 500 "),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains(short(2)) && rows[1].ends_with("latest"),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains(short(1)) && !rows[2].contains("baseline"));
    assert!(
        rows[3].contains(short(0)) && rows[3].contains("baseline"),
        "{}",
        rows[3]
    );
    assert!(run.stdout.starts_with("pr · "), "{}", run.stdout);
    assert!(run.stdout.contains("4 captures"), "{}", run.stdout);

    let run = t.ws.run(&["history", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown source \"nope\""),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_compares_any_two_captures() {
    let t = three_versions();
    // Default: baseline (45) against latest (20).
    let run = t.ws.run(&["diff", "pr"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("-The permit is issued within 45"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+The permit is issued within 20"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("pr baseline"), "{}", run.stdout);

    // Short hashes, upper case allowed: version two against version three.
    let from = t.shas[1][..7].to_ascii_uppercase();
    let run =
        t.ws.run(&["diff", "pr", "--from", &from, "--to", &t.shas[2][..10]]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("-The permit is issued within 30"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+The permit is issued within 20"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("--- pr capture {}", &t.shas[1][..12]))
    );
    assert!(
        run.stdout
            .contains(&format!("+++ pr latest {}", &t.shas[2][..12]))
    );

    // A date names the last capture with text that day (the failure after it has none).
    let run = t.ws.run(&[
        "diff",
        "pr",
        "--from",
        &t.shas[0][..8],
        "--to",
        &today_utc(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("+The permit is issued within 20"),
        "{}",
        run.stdout
    );
    let run = t.ws.run(&["diff", "pr", "--from", &today_utc()]);
    assert_eq!(
        run.code, 0,
        "that day's last text is the latest: {}",
        run.stderr
    );
    assert!(run.stdout.contains("are the same text"), "{}", run.stdout);

    // Clear errors, exit 2.
    let unused = (0..16u32)
        .map(|i| format!("{i:x}").repeat(4))
        .find(|p| t.shas.iter().all(|s| !s.starts_with(p)))
        .unwrap();
    for (reference, expected) in [
        (
            unused.as_str(),
            format!("no capture of pr has a hash starting with {unused}"),
        ),
        (
            "2001-01-01",
            "pr has no capture on 2001-01-01 (UTC)".to_string(),
        ),
        ("abc", "\"abc\" is not a REF".to_string()),
        ("yesterday", "\"yesterday\" is not a REF".to_string()),
    ] {
        let run = t.ws.run(&["diff", "pr", "--from", reference]);
        assert_eq!(run.code, 2, "{reference}: {}", run.stdout);
        assert!(
            run.stderr.contains(&expected),
            "{reference}: {}",
            run.stderr
        );
    }
}

/// The SHA-256 of `text`, in hex.
fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn an_ambiguous_short_hash_is_refused_with_the_candidates() {
    // Two page texts whose hashes share their first four hex digits.
    let mut seen = std::collections::HashMap::new();
    let (a, b) = (0u32..)
        .find_map(|n| {
            let text = format!("version {n}");
            let prefix = sha256(&text)[..4].to_string();
            seen.insert(prefix, text.clone()).map(|other| (other, text))
        })
        .unwrap();
    let server = TestServer::start();
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("pr", server.url("/pr")))
            .toml(),
    );
    for text in [&a, &b] {
        server.set("/pr", Reply::html(format!("<main><p>{text}</p></main>")));
        let r = ws.run(&["check", "--format", "json"]).json();
        assert_eq!(
            source_row(&r, "pr")["sha256"],
            sha256(text).as_str(),
            "the page's text is {text:?}"
        );
    }
    let prefix = &sha256(&a)[..4];
    let run = ws.run(&["diff", "pr", "--from", prefix]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "{prefix} is the start of more than one hash of pr"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&sha256(&a)[..12]) && run.stderr.contains(&sha256(&b)[..12]));
    // One more digit tells them apart (unless they share five; then the test picks again).
    let longer = &sha256(&a)[..12];
    let run = ws.run(&["diff", "pr", "--from", longer]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}
