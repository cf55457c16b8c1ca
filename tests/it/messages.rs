//! Messages people can act on (issue: a fact ledger … messages): each cause said once, plurals
//! right. The registry's diagnostics are pinned by tests/cases/diagnostics.

use super::*;

#[test]
fn an_error_chain_says_each_cause_once() {
    let ws = Workspace::new(
        "[settings]\nsnapshots_dir = \"taken\"\n[[sources]]\nid = \"a\"\nurl = \"http://127.0.0.1:9/\"\n",
    );
    ws.write("taken", "a file where the store should be");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.matches("(os error").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("taken"), "{}", run.stderr);
}

#[test]
fn counts_take_their_plural() {
    let one = Registry::new()
        .source(Source::new("a", "https://example.org/"))
        .route(Route::new("r", "R").fact(Fact::new("f", "c", "a", "2026-11-01")))
        .toml();
    let ws = Workspace::new(&one);
    assert!(
        ws.run(&["validate"])
            .stdout
            .contains("ok (1 source, 1 route, 1 fact)"),
        "{}",
        ws.run(&["validate"]).stdout
    );
    let two = Registry::new()
        .source(Source::new("a", "https://example.org/"))
        .source(Source::new("b", "https://example.org/b"))
        .toml();
    let ws = Workspace::new(&two);
    let out = ws.run(&["validate"]).stdout;
    assert!(out.contains("ok (2 sources, 0 routes, 0 facts)"), "{out}");
}

/// Case folders `tests/cases/messages/<case>/`: `in/args` is the command line (one argument per
/// line, so an argument may hold spaces), run in a fresh folder holding `in/sources.toml` when
/// there is one, with the environment of `in/env` (`KEY=VALUE` lines; `SOURCEWATCH_TODAY` is
/// the tests' day unless set there); `out/stderr.txt` and `out/exit-code` are what it said, the
/// folder's path written as `$DIR`.
#[test]
fn messages_cases() {
    use super::cases::{Produced, drive, exit_code, read_in_text};
    drive("messages", &["args", "sources.toml", "env"], |_, case| {
        let args = read_in_text(case, "args").ok_or("no in/args")?;
        let args: Vec<&str> = args.lines().filter(|l| !l.is_empty()).collect();
        let dir = tempfile::tempdir().unwrap();
        if let Some(toml) = read_in_text(case, "sources.toml") {
            std::fs::write(dir.path().join("sources.toml"), toml).unwrap();
        }
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sourcewatch"));
        cmd.args(&args)
            .current_dir(dir.path())
            .env("SOURCEWATCH_TODAY", TODAY)
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null());
        for line in read_in_text(case, "env").unwrap_or_default().lines() {
            if let Some((key, value)) = line.split_once('=') {
                cmd.env(key, value);
            }
        }
        let out = cmd.output().unwrap();
        let shown = dir.path().to_str().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).replace(shown, "$DIR");
        Ok(Produced::from([
            ("stderr.txt", stderr.into_bytes()),
            ("exit-code", exit_code(out.status.code().unwrap_or(-1))),
        ]))
    });
}
