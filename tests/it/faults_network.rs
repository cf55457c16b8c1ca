//! Fault injection, the connection itself (what a server answers is in tests/it/faults.rs): a
//! body cut off or too slow, certificate problems, plain HTTP spoken to over HTTPS, a host that
//! cannot be reached. Each is reported with its outcome, the run goes on and exits 1, and no
//! failure moves a baseline.

use std::path::Path;
use std::time::Duration;

use super::faults::{check_one, good};
use super::*;
use serde_json::Value;

fn baseline_of(ws: &Workspace, id: &str) -> String {
    let state = ws.source_state(id);
    state["baseline"]["sha256"].as_str().unwrap().to_string()
}

/// A first good capture, then `fault` on the second: unreachable, and the baseline stays.
fn second_capture_fails(id: &str, fault: Fault) -> Value {
    let server = TestServer::start();
    let path = format!("/{id}");
    server.sequence(&path, vec![good(id), good(id).fault(fault)]);
    let (ws, row) = check_one(&server, id, &path, 0);
    assert_eq!(row["outcome"], "new");
    let baseline = baseline_of(&ws, id);

    let run = ws.run(&["check", "--format", "json", "--source", id]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let row = source_row(&r, id);
    assert_eq!(row["outcome"], "unreachable", "{id}: {row}");
    assert_eq!(r["summary"]["changed"], 0);
    assert_eq!(baseline_of(&ws, id), baseline);
    row.clone()
}

#[test]
fn reset_mid_body_is_unreachable_and_keeps_the_baseline() {
    second_capture_fails("reset", Fault::ResetMidBody);
}

#[test]
fn slow_body_times_out_and_keeps_the_baseline() {
    let row = second_capture_fails("slow", Fault::SlowBody(Duration::from_millis(100)));
    // The limit and the attempts, not "operation timed out" (issue 25).
    let error = row["error"].as_str().unwrap();
    assert!(
        error.starts_with("timed out after 2 s (3 attempts;"),
        "{error}"
    );
}

const TLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

fn tls_server(leaf: &str) -> TestServer {
    let server = TestServer::start_tls(
        Path::new(&format!("{TLS}/{leaf}.pem")),
        Path::new(&format!("{TLS}/{leaf}.key")),
    );
    server.set(
        "/p",
        Reply::html("<main><p>Issued within 45 calendar days.</p></main>"),
    );
    server
}

#[test]
fn certificate_problems_are_tls_errors_in_words() {
    let (good, expired, wrong) = (
        tls_server("good"),
        tls_server("expired"),
        tls_server("wrongname"),
    );
    let with_ca = |s: Source| s.line(&format!("ca_file = \"{TLS}/ca.pem\""));
    let toml = Registry::new()
        .settings(&["retries = 2", "per_host_interval_ms = 0"])
        .source(Source::new("unknown-issuer", good.url("/p")))
        .source(with_ca(Source::new("trusted-by-ca-file", good.url("/p"))))
        .source(with_ca(Source::new("expired", expired.url("/p"))))
        .source(with_ca(Source::new("wrong-name", wrong.url("/p"))))
        .toml();
    let ws = Workspace::new(&toml);
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let error = |id: &str| {
        source_row(&r, id)["error"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        source_row(&r, "trusted-by-ca-file")["outcome"],
        "new",
        "{}",
        error("trusted-by-ca-file")
    );
    for (id, words) in [
        ("unknown-issuer", "unknown issuer"),
        ("expired", "expired"),
        ("wrong-name", "not valid for this host name"),
    ] {
        assert_eq!(
            source_row(&r, id)["outcome"],
            "tls_error",
            "{id}: {}",
            error(id)
        );
        assert!(error(id).contains(words), "{id}: {}", error(id));
    }
    // A certificate problem is not retried: the same answer would come back.
    assert!(expired.requests("/p").is_empty());
}

#[test]
fn plain_http_spoken_to_over_https_fails_cleanly() {
    let server = TestServer::start();
    let url = server.url("/x").replace("http://", "https://");
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0"])
            .source(Source::new("x", url))
            .toml(),
    );
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let outcome = run.json()["sources"][0]["outcome"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ["tls_error", "unreachable"].contains(&outcome.as_str()),
        "{outcome}"
    );
}

/// Seven sources behind one dead host used to cost seven times the retries and the host's
/// intervals (42 s for the shipped registry offline); once the host has failed to connect as
/// often as one source may try, the others fail at once, in words.
#[test]
fn a_host_that_cannot_be_reached_is_not_tried_for_every_source() {
    let dead = dead_url();
    let mut registry = Registry::new().settings(&["retries = 2", "per_host_interval_ms = 400"]);
    for i in 0..6 {
        registry = registry.source(Source::new(&format!("s{i}"), format!("{dead}/{i}")));
    }
    let ws = Workspace::new(&registry.toml());
    let started = std::time::Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let rows = r["sources"].as_array().unwrap();
    assert!(rows.iter().all(|s| s["outcome"] == "unreachable"), "{r}");
    let spared = rows
        .iter()
        .filter(|s| s["error"].as_str().unwrap().contains("not tried again"))
        .count();
    assert!(spared >= 3, "{r}");
    // The first source's error is said once; the others refer back to it.
    let said = rows
        .iter()
        .filter(|s| s["error"].as_str().unwrap().contains("Connection refused"))
        .count();
    assert_eq!(said, rows.len() - spared, "{r}");
    // Three attempts 400 ms apart, plus backoff, not eighteen.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}
