//! What a person sees on a terminal (issue: rough terminal, logs and reports): the progress line,
//! colour by the usual rules, output fitted to the terminal's width and never cut in a pipe.
//!
//! A terminal is a pseudo-terminal made by util-linux `script`, set to 100 columns; what it
//! records is standard output and standard error together, as a person would see them.

use std::time::Duration;

use super::*;

/// Whether `script` (util-linux) is there to make a pseudo-terminal; CI has it (Debian).
fn have_script() -> bool {
    have_tool("script", "--version", "util-linux's script")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs sourcewatch with `args` on a 100-column pseudo-terminal, with `env` set; the output is
/// what the terminal showed (both streams), the code sourcewatch's.
fn on_terminal(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut line = format!(
        "stty cols 100 rows 40 2>/dev/null; exec {}",
        shell_quote(env!("CARGO_BIN_EXE_sourcewatch"))
    );
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qfec", &line, "/dev/null"])
        .current_dir(ws.dir.path())
        .env("SOURCEWATCH_TODAY", TODAY)
        .env("TERM", "xterm")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("COLUMNS")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run script");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Whether `s` holds an SGR escape (colour or bold): ESC [ digits/semicolons m. Cursor
/// movements and line clears of the progress line are not colour.
fn has_colour(s: &str) -> bool {
    s.match_indices("\x1b[").any(|(at, _)| {
        let rest = &s[at + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        rest[end..].starts_with('m')
    })
}

/// `s` without escape sequences, the last frame of each carriage-returned line, for reading.
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out.lines()
        .map(|l| l.rsplit('\r').find(|p| !p.is_empty()).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Two slow sources on one host and one on a dead port.
fn slow_sources() -> (TestServer, Workspace) {
    let server = TestServer::start();
    for path in ["/slow-a", "/slow-b"] {
        server.set(
            path,
            Reply::html(egov_page("45", "", "x")).fault(Fault::Delay(Duration::from_millis(1500))),
        );
    }
    let ws = Workspace::new(
        &Registry::new()
            .settings(&[
                "retries = 0",
                "per_host_interval_ms = 0",
                "per_host_concurrency = 1",
            ])
            .source(Source::new("slow-a", server.url("/slow-a")))
            .source(Source::new("slow-b", server.url("/slow-b")))
            .source(Source::new("dead", dead_url()))
            .toml(),
    );
    (server, ws)
}

#[test]
fn a_check_on_a_terminal_shows_its_progress() {
    if !have_script() {
        return;
    }
    let (server, ws) = slow_sources();
    let run = on_terminal(&ws, &["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let host = server.url("").trim_start_matches("http://").to_string();
    let seen = plain(&run.stdout);
    assert!(
        run.stdout.contains("/3 sources"),
        "sources done of the total:\n{seen}"
    );
    assert!(run.stdout.contains("1 failed"), "failures so far:\n{seen}");
    assert!(
        run.stdout.contains(&format!("waiting on {host} (")),
        "the host waited on:\n{seen}"
    );
    // The line is cleared before the report, which follows whole.
    assert!(
        seen.contains("sourcewatch check · 2026-11-25 · 3 sources, 0 facts"),
        "{seen}"
    );
}

#[test]
fn no_progress_in_a_pipe_or_with_quiet() {
    let (_server, ws) = slow_sources();
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("waiting on"), "{}", run.stderr);
    assert!(!run.stderr.contains("sources"), "{}", run.stderr);
    assert!(!run.stderr.contains('\x1b') && !run.stdout.contains('\x1b'));
    if !have_script() {
        return;
    }
    let run = on_terminal(&ws, &["-q", "check"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        !run.stdout.contains("waiting on") && !run.stdout.contains("/3"),
        "{:?}",
        run.stdout
    );
}

/// One source that changed and has a flagged fact, checked twice; `report` shows it again.
fn checked_twice() -> (TestServer, Workspace) {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "a")));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("pr", server.url("/pr")).select(&["div.info-block-horizontal"]))
            .route(
                Route::new("r", "R").fact(
                    Fact::new("days", "45 days", "pr", "2026-11-20")
                        .quote("issued within 45 calendar days"),
                ),
            )
            .toml(),
    );
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    server.set("/pr", Reply::html(egov_page("30", "", "b")));
    assert_eq!(ws.run(&["-q", "check"]).code, 1);
    (server, ws)
}

#[test]
fn colour_follows_the_usual_rules() {
    let (_server, ws) = checked_twice();
    // A pipe: no colour, unless asked for.
    for args in [&["report"][..], &["diff", "pr"], &["status"]] {
        let run = ws.run(args);
        assert!(!has_colour(&run.stdout), "{args:?} piped: {:?}", run.stdout);
    }
    let run = ws.run(&["--color", "always", "report"]);
    assert!(has_colour(&run.stdout), "{:?}", run.stdout);
    assert!(
        run.stdout.contains("\x1b[33mchanged\x1b[0m"),
        "{:?}",
        run.stdout
    );
    let run = ws.run(&["--color", "always", "diff", "pr"]);
    assert!(has_colour(&run.stdout), "{:?}", run.stdout);
    let out = ws
        .command(&["report"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(has_colour(&String::from_utf8_lossy(&out.stdout)));
    if !have_script() {
        return;
    }
    // A terminal: outcomes and flags in colour, unless NO_COLOR or --color never.
    let run = on_terminal(&ws, &["report"], &[]);
    assert!(
        run.stdout.contains("\x1b[33mchanged\x1b[0m"),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\x1b[31mevidence_missing\x1b[0m"),
        "{:?}",
        run.stdout
    );
    let run = on_terminal(&ws, &["diff", "pr"], &[]);
    assert!(has_colour(&run.stdout), "{:?}", run.stdout);
    for (args, env) in [
        (&["report"][..], &[("NO_COLOR", "1")][..]),
        (&["diff", "pr"], &[("NO_COLOR", "1")]),
        (&["status"], &[("NO_COLOR", "1")]),
        (&["--color", "never", "report"], &[]),
        (&["--color", "never", "diff", "pr"], &[]),
        // The flag wins over the environment.
        (&["--color", "never", "report"], &[("CLICOLOR_FORCE", "1")]),
    ] {
        let run = on_terminal(&ws, args, env);
        assert!(
            !has_colour(&run.stdout),
            "{args:?} {env:?} on a terminal: {:?}",
            run.stdout
        );
        assert!(
            run.stdout.contains("2026-11-25") || run.stdout.contains("@@"),
            "{:?}",
            run.stdout
        );
    }
    // A check on a terminal: its report in colour too.
    let run = on_terminal(&ws, &["check"], &[]);
    assert!(
        run.stdout.contains("\x1b[33mchanged\x1b[0m"),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\x1b[31mevidence_missing\x1b[0m"),
        "{:?}",
        run.stdout
    );
}

#[test]
fn watch_logs_in_a_file_carry_no_escape_codes() {
    let server = TestServer::start();
    server.set("/a", Reply::html("<main><p>a page</p></main>"));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("a", server.url("/a")).line("schedule = \"* * * * * *\""))
            .toml(),
    );
    let log = std::fs::File::create(ws.path("watch.log")).unwrap();
    let mut child = ws
        .command(&["watch", "--report-dir", "out"])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !ws.read("watch.log").contains("run done") && started.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let log = ws.read("watch.log");
    // The run's summary is the line watch leaves instead of a progress line.
    assert!(
        log.contains("run done: 1 source (0 changed, 0 failed), 0 facts flagged"),
        "{log}"
    );
    assert!(log.contains("next run at"), "{log}");
    assert!(!log.contains('\x1b'), "escape codes in a log file: {log:?}");
}

#[test]
fn long_errors_and_passages_reach_a_pipe_whole() {
    let server = TestServer::start();
    // A JSON API whose pointers match nothing: selector_missing, naming every pointer.
    server.set(
        "/api",
        Reply::status(200)
            .header("Content-Type", "application/json")
            .body(r#"{"data": []}"#),
    );
    let pointers: Vec<String> = (0..6)
        .map(|i| format!("/data/{i}/attributes/service_description_long_field_name"))
        .collect();
    let pointer_list = pointers
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // A long line where the quote's words sit near the end.
    let filler = "This paragraph explains at some length the general conditions that apply \
                  to every applicant and every kind of permit described on this page";
    let line =
        format!("{filler}, and the permit is issued within 30 calendar days of the application.");
    server.set("/pr", Reply::html(format!("<main><p>{line}</p></main>")));
    let ws = Workspace::new(
        &Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(
                Source::new("api", server.url("/api"))
                    .line("format = \"json\"")
                    .line(&format!("select = [{pointer_list}]")),
            )
            .source(Source::new("pr", server.url("/pr")))
            .route(
                Route::new("r", "R").fact(
                    Fact::new("days", "45 days", "pr", "2026-11-20")
                        .quote("issued within 45 calendar days"),
                ),
            )
            .toml(),
    );
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = format!(
        "the page loaded but no element matched JSON Pointer(s) {}",
        pointers.join(", ")
    );
    assert!(error.len() > 300);
    assert!(
        run.stdout.contains(&error),
        "the whole error:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("closest: {line} (")),
        "the whole closest passage:\n{}",
        run.stdout
    );
    if !have_script() {
        return;
    }
    // On a terminal of 100 columns every line fits; the error wraps, nothing of it is lost, and
    // the closest passage shows the part around its best match.
    let run = on_terminal(&ws, &["--color", "never", "report"], &[]);
    let seen = plain(&run.stdout);
    for l in seen.lines() {
        assert!(
            l.chars().count() <= 100,
            "{} columns: {l:?}",
            l.chars().count()
        );
    }
    let words: String = seen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains(&error), "wrapped, not cut:\n{seen}");
    let closest = seen
        .lines()
        .find(|l| l.contains("closest:"))
        .unwrap_or_else(|| panic!("{seen}"));
    assert!(
        closest.contains("issued within 30 calendar days"),
        "{closest}"
    );
    assert!(closest.contains("closest: … "), "{closest}");
}
