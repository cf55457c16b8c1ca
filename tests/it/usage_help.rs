//! clap's help on its own, through the binary: every argument and option of every command says
//! what it is for, `demo` refuses a `--config` it would ignore, and the usage of `accept` shows
//! its two forms. The help is read by tests/it/usage.rs's `clap()`.

use super::usage::clap;
use super::*;

/// The entries of the `Arguments:` and `Options:` sections of one `--help` that have no
/// description (clap prints the name alone on its line).
fn undescribed(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_list = false;
    for line in help.lines() {
        if !line.starts_with(' ') {
            in_list = matches!(line.trim_end(), "Arguments:" | "Options:");
            continue;
        }
        let entry = line.trim_start();
        let is_entry = entry.starts_with('-') || entry.starts_with('<') || entry.starts_with('[');
        if in_list && is_entry && !entry.contains("  ") {
            out.push(entry.to_string());
        }
    }
    out
}

/// Every argument and option of every command says what it is for.
#[test]
fn every_argument_and_option_is_described() {
    assert_eq!(
        undescribed("Arguments:\n  <SOURCE_ID>\n\nOptions:\n      --all  Every source\n"),
        ["<SOURCE_ID>"]
    );
    let clap = clap();
    let mut missing = Vec::new();
    for (cmd, help) in std::iter::once((&"(top level)".to_string(), &clap.global)).chain(&clap.subs)
    {
        for entry in undescribed(&help.text) {
            missing.push(format!("{cmd}: {entry}"));
        }
    }
    assert!(missing.is_empty(), "no description: {missing:#?}");
}

/// `demo` writes its own registry: a `--config` it would ignore is refused, and the usage of
/// `accept` shows its two forms.
#[test]
fn demo_refuses_config_and_accept_shows_both_forms() {
    let ws = Workspace::new("");
    for args in [
        &["demo", "--config", "other.toml"][..],
        &["--config", "other.toml", "demo"],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("demo writes its own sources.toml"),
            "{}",
            run.stderr
        );
    }
    let run = ws.run(&["accept", "--help"]);
    assert!(
        run.stdout
            .contains("Usage: sourcewatch accept [OPTIONS] <SOURCE_ID>...|--all"),
        "{}",
        run.stdout
    );
    // A global option is offered only where it means something (issue 25): demo refuses
    // --config, and --today changes nothing for diff, history, accept, report and probe.
    let offers = |args: &[&str], option: &str| {
        ws.run(args)
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with(option))
    };
    assert!(!offers(&["demo", "--help"], "--config"));
    assert!(offers(&["demo", "--help"], "--today"));
    for cmd in ["diff", "history", "accept", "report", "probe"] {
        assert!(!offers(&[cmd, "--help"], "--today"), "{cmd}");
        assert!(offers(&[cmd, "--help"], "--config"), "{cmd}");
    }
    for cmd in ["check", "status", "verify", "validate", "import", "watch"] {
        assert!(offers(&[cmd, "--help"], "--today"), "{cmd}");
    }
    let top = ws.run(&["--help"]).stdout;
    assert!(top.contains("a change no fact covers stands"), "{top}");
    // probe's two forms, a URL or a source of sources.toml (issue 25).
    let run = ws.run(&["probe", "--help"]);
    assert!(
        run.stdout.contains(
            "Usage: sourcewatch probe [OPTIONS] <URL>\n       sourcewatch probe [OPTIONS] \
             --source <ID> [URL]\n"
        ),
        "{}",
        run.stdout
    );
}
