//! A webhook's secrets (user and password, a `?token=`, a secret path) never leave the process:
//! not in logs at `-vv`, whether the post fails or succeeds.

use super::*;

const SECRETS: [&str; 3] = ["pa55word", "T0KENVALUE", "SECRETPATH123"];

fn assert_no_secret(run: &Run) {
    for secret in SECRETS {
        assert!(
            !run.stderr.contains(secret),
            "{secret} in stderr:\n{}",
            run.stderr
        );
        assert!(
            !run.stdout.contains(secret),
            "{secret} in stdout:\n{}",
            run.stdout
        );
    }
}

const HOOK_PATH: &str = "/hooks/SECRETPATH123?token=T0KENVALUE";

/// A registry whose webhook carries every secret, with one source `s` (as `source` makes it)
/// and one stale fact on it: a finding to announce.
fn with_secret_webhook(server: &TestServer, source: impl FnOnce(String) -> Source) -> String {
    server.set("/s", Reply::html("<p>The permit takes 45 days.</p>"));
    let hook = server
        .url(HOOK_PATH)
        .replace("http://", "http://alice:pa55word@");
    Registry::new()
        .settings(&[
            "retries = 0",
            "per_host_interval_ms = 0",
            "respect_robots = false",
            &format!("notify_webhook = \"{hook}\""),
        ])
        .source(source(server.url("/s")))
        .route(Route::new("r", "R").fact(Fact::new("f", "45 days", "s", "2026-01-01")))
        .toml()
}

#[test]
fn webhook_secrets_stay_out_of_logs_on_failure_and_success() {
    let server = TestServer::start();
    server.set(HOOK_PATH, Reply::status(500));
    let toml = with_secret_webhook(&server, |url| Source::new("s", url));
    let ws = Workspace::new(&toml);

    let failed = ws.run(&["-vv", "check"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("notification to http://127.0.0.1"),
        "{}",
        failed.stderr
    );
    assert_no_secret(&failed);

    server.set(HOOK_PATH, Reply::status(200));
    let posted = ws.run(&["-vv", "check"]);
    assert!(
        posted.stderr.contains("announced 1 new finding"),
        "{}",
        posted.stderr
    );
    assert_no_secret(&posted);
    assert!(!server.requests(HOOK_PATH).is_empty());
}

#[test]
fn a_malformed_webhook_is_placed_not_echoed() {
    let ws = Workspace::new(
        "[settings]\nnotify_webhook = \"https://alice:pa55word@[hooks/SECRETPATH123?token=T0KENVALUE\"\n",
    );
    let run = ws.run(&["validate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("sources.toml:2:"), "{}", run.stderr);
    assert_no_secret(&run);
}

/// Under `watch`, every success was logged with the full URL.
#[test]
fn webhook_secrets_stay_out_of_watch_logs() {
    let server = TestServer::start();
    server.set(HOOK_PATH, Reply::status(200));
    let toml = with_secret_webhook(&server, |url| {
        Source::new("s", url).line("schedule = \"*/2 * * * * *\"")
    });
    let ws = Workspace::new(&toml);
    let mut child = ws
        .command(&["-vv", "watch", "--report-dir", "out"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while server.requests(HOOK_PATH).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!server.requests(HOOK_PATH).is_empty(), "{}", run.stderr);
    assert!(
        run.stderr.contains("announced 1 new finding"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run);
}
