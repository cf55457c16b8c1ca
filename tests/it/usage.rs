//! README.md's usage against clap's: the command table, each command's options, the global
//! options and the exit codes must say what `sourcewatch --help` and `sourcewatch <cmd> --help`
//! say. Each difference is one line naming what drifted and where.
//!
//! What counts as documented: a subcommand is documented by a row of the "## Commands" table
//! (first cell `` `command [args]` ``). An option of a subcommand (not a global one) is documented
//! by that row, or by README text about that command: a paragraph that names it as `` `cmd` ``,
//! `` `cmd … ``, `` `sourcewatch cmd … `` or "sourcewatch cmd …", or a line of a code block that
//! runs `sourcewatch cmd`. Every `--flag` of a row must exist in clap's help for that command, and
//! a row's `--flag a|b` must list exactly clap's possible values. The global options line names
//! clap's global options (all but `--help`/`--version`) and its environment variables. The exit
//! codes of README's "### Exit codes" table are those of the `Exit codes:` line of `--help`.
//!
//! clap's help on its own (every entry described, the usage of `demo` and `accept`) is checked in
//! tests/it/usage_help.rs.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// Drift README.md has today. Each entry is a line this test reports; README is fixed in its own
/// change, and then the entry goes, so that the list only ever shrinks. The test fails both on
/// drift not listed here and on an entry that no longer drifts. Today there is none.
const KNOWN_DRIFT: &[&str] = &[];

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));

/// What one `--help` says.
#[derive(Debug, Default)]
pub(super) struct Help {
    /// Subcommands listed under `Commands:` (top level only).
    commands: Vec<String>,
    /// Long and short option names (`--format`, `-q`) with their possible values, if any.
    options: BTreeMap<String, Vec<String>>,
    /// The whole text, for environment variables and the exit-code line.
    pub(super) text: String,
}

/// Everything clap says: the top-level help and each subcommand's.
pub(super) struct Clap {
    pub(super) global: Help,
    pub(super) subs: BTreeMap<String, Help>,
}

pub(super) fn clap() -> Clap {
    let global = help(&["--help"]);
    let subs = global
        .commands
        .iter()
        .filter(|c| *c != "help")
        .map(|c| (c.clone(), help(&[c, "--help"])))
        .collect();
    Clap { global, subs }
}

fn help(args: &[&str]) -> Help {
    let run = Workspace::new("").run(args);
    assert_eq!(run.code, 0, "sourcewatch {args:?}: {}", run.stderr);
    parse_help(&run.stdout)
}

fn parse_help(text: &str) -> Help {
    let mut out = Help {
        text: text.to_string(),
        ..Help::default()
    };
    let mut section = "";
    for line in text.lines() {
        if !line.starts_with(' ') {
            section = line.trim_end_matches(':');
            continue;
        }
        let line = line.trim();
        match section {
            "Commands" => out
                .commands
                .extend(line.split_whitespace().next().map(str::to_string)),
            "Options" => {
                let values: Vec<String> = line
                    .split_once("[possible values: ")
                    .and_then(|(_, rest)| rest.split_once(']'))
                    .map(|(v, _)| v.split(", ").map(str::to_string).collect())
                    .unwrap_or_default();
                // `-q, --quiet  …` or `--config <PATH>  …`: the names come before the first gap.
                let names = line.split("  ").next().unwrap_or_default();
                for name in names.split([',', ' ']) {
                    let name = name.trim_end_matches("...");
                    if name.starts_with('-') {
                        out.options.insert(name.to_string(), values.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `--long` names in `text`, with the `a|b|c` values written right after the name, if any.
fn long_options(text: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("--") {
        let after = &rest[at + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(after.len());
        let name = &after[..len];
        // Not `--` alone, and not a word run into the dashes (`a--b`).
        let starts_word = at == 0 || !rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric());
        if !name.is_empty() && name.starts_with(|c: char| c.is_ascii_lowercase()) && starts_word {
            let tail = &after[len..];
            let values = tail
                .strip_prefix(' ')
                .map(|t| {
                    t.split(|c: char| c.is_whitespace() || "]`)".contains(c))
                        .next()
                        .unwrap_or_default()
                })
                .filter(|v| v.contains('|'))
                .map(|v| v.split('|').map(str::to_string).collect())
                .unwrap_or_default();
            found.push((format!("--{name}"), values));
        }
        rest = &after[len..];
    }
    found
}

/// The lines of the README section that starts with `heading`, up to the next heading of the
/// same or a higher level.
fn section<'a>(readme: &'a str, heading: &str) -> Vec<&'a str> {
    let level = heading.split(' ').next().unwrap().len();
    let mut lines = readme.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "README.md has no {heading:?}");
    lines
        .take_while(|l| {
            let hashes = l.len() - l.trim_start_matches('#').len();
            !(hashes > 0 && hashes <= level && l[hashes..].starts_with(' '))
        })
        .collect()
}

/// The cells of a Markdown table row, `\|` read as a `|` inside a cell.
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = row.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    if cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// The body rows of the first table in `lines`.
fn table_rows(lines: &[&str]) -> Vec<Vec<String>> {
    lines
        .iter()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and `|---|`
        .map(|l| cells(l))
        .collect()
}

/// README's command table: command name → the whole row's text.
fn readme_commands(readme: &str) -> BTreeMap<String, String> {
    let mut rows = BTreeMap::new();
    for row in table_rows(&section(readme, "## Commands")) {
        let usage = row[0].trim_matches('`');
        let name = usage.split_whitespace().next().unwrap_or_default();
        rows.insert(name.to_string(), row.join(" | "));
    }
    assert!(!rows.is_empty(), "README.md's command table is empty");
    rows
}

/// README text units: prose paragraphs and, inside code blocks, single lines.
fn readme_texts(readme: &str) -> Vec<String> {
    let mut units = Vec::new();
    let mut paragraph = String::new();
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            units.push(std::mem::take(&mut paragraph));
        } else if in_code {
            units.push(line.to_string());
        } else if line.trim().is_empty() || line.starts_with('|') {
            // Table rows are checked as rows, not as text.
            units.push(std::mem::take(&mut paragraph));
        } else {
            paragraph.push_str(line);
            paragraph.push('\n');
        }
    }
    units.push(paragraph);
    units.retain(|u| !u.trim().is_empty());
    units
}

fn is_about(text: &str, cmd: &str) -> bool {
    let spaced = |prefix: &str| {
        text.match_indices(&format!("{prefix}{cmd}"))
            .any(|(at, m)| {
                text[at + m.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '`' || c == '\n')
            })
    };
    spaced("`") || spaced("`sourcewatch ") || spaced("sourcewatch ") || spaced("-- ")
}

/// The README's global options paragraph.
fn readme_global_options(readme: &str) -> String {
    let lines = section(readme, "## Commands");
    let start = lines
        .iter()
        .position(|l| l.starts_with("Global options:"))
        .expect("README.md has no \"Global options:\" line under ## Commands");
    lines[start..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Code spans of `text`.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Options every subcommand's help shows and no README row needs to repeat.
fn is_global(name: &str, global: &Help) -> bool {
    global.options.contains_key(name)
}

/// Every difference between `readme_text` and what clap says, one line each.
fn drift(readme_text: &str, clap: &Clap) -> Vec<String> {
    let mut drift = Vec::new();
    let global = &clap.global;
    let readme = readme_commands(readme_text);
    let texts = readme_texts(readme_text);

    for cmd in clap.subs.keys() {
        if !readme.contains_key(cmd) {
            drift.push(format!(
                "{cmd}: clap has this subcommand, README's command table has no row for it"
            ));
        }
    }
    for cmd in readme.keys() {
        if !clap.subs.contains_key(cmd) {
            drift.push(format!(
                "{cmd}: README's command table has a row for it, clap has no such subcommand"
            ));
        }
    }

    for (cmd, sub) in &clap.subs {
        let row = readme.get(cmd).map_or("", String::as_str);
        let about: Vec<&String> = texts.iter().filter(|t| is_about(t, cmd)).collect();
        for (name, values) in &sub.options {
            if !name.starts_with("--") || is_global(name, global) {
                continue;
            }
            let documented = long_options(row).iter().any(|(n, _)| n == name)
                || about
                    .iter()
                    .any(|t| long_options(t).iter().any(|(n, _)| n == name));
            if !documented {
                let values = if values.is_empty() {
                    String::new()
                } else {
                    format!(" (values {})", values.join("|"))
                };
                drift.push(format!(
                    "{cmd} {name}: in clap's help{values}, not in README's row for {cmd} nor in \
                     README text about {cmd}"
                ));
            }
        }
        for (name, values) in long_options(row) {
            match sub.options.get(&name) {
                None => drift.push(format!(
                    "{cmd} {name}: in README's row for {cmd}, not in clap's help for {cmd}"
                )),
                Some(clap_values) if !values.is_empty() && &values != clap_values => {
                    drift.push(format!(
                        "{cmd} {name}: README's row lists {}, clap's possible values are {}",
                        values.join("|"),
                        clap_values.join("|")
                    ))
                }
                Some(_) => {}
            }
        }
    }

    let line = readme_global_options(readme_text);
    let mut named = BTreeSet::new();
    for span in code_spans(&line) {
        // A span that is one upper-case word names an environment variable (`RUST_LOG`); in
        // `--config PATH` the upper-case word is a value.
        let is_env = span.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        if is_env && !global.text.contains(span) {
            drift.push(format!(
                "global env {span}: README's global options name it, clap's --help does not"
            ));
        }
        for word in span.split([' ', '/']).filter(|w| w.starts_with('-')) {
            named.insert(word.to_string());
        }
    }
    for name in &named {
        if !global.options.contains_key(name) {
            drift.push(format!(
                "global {name}: README's global options name it, clap's --help has no such option"
            ));
        }
    }
    for name in global.options.keys() {
        let standard = ["--help", "-h", "--version", "-V"].contains(&name.as_str());
        if !standard && !named.contains(name) {
            drift.push(format!(
                "global {name}: in clap's --help, not in README's global options line"
            ));
        }
    }

    let readme_codes: BTreeSet<String> = table_rows(&section(readme_text, "### Exit codes"))
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    let exit_line = global
        .text
        .lines()
        .find(|l| l.starts_with("Exit codes:"))
        .unwrap_or("");
    if exit_line.is_empty() {
        drift.push("exit codes: clap's --help has no \"Exit codes:\" line".to_string());
    }
    let clap_codes: BTreeSet<String> = exit_line
        .trim_start_matches("Exit codes:")
        .split('·')
        .filter_map(|part| part.split_whitespace().next())
        .map(str::to_string)
        .collect();
    for code in readme_codes.difference(&clap_codes) {
        drift.push(format!(
            "exit code {code}: in README's exit codes table, not in clap's \"Exit codes:\" line"
        ));
    }
    for code in clap_codes.difference(&readme_codes) {
        drift.push(format!(
            "exit code {code}: in clap's \"Exit codes:\" line, not in README's exit codes table"
        ));
    }
    drift
}

#[test]
fn readme_usage_matches_clap() {
    let drift = drift(README, &clap());
    let unexpected: Vec<&String> = drift
        .iter()
        .filter(|d| !KNOWN_DRIFT.contains(&d.as_str()))
        .collect();
    let fixed: Vec<&&str> = KNOWN_DRIFT
        .iter()
        .filter(|k| !drift.iter().any(|d| d == *k))
        .collect();
    let mut message = String::new();
    if !unexpected.is_empty() {
        message.push_str("README.md and clap disagree:\n");
        for d in &unexpected {
            message.push_str(&format!("  {d}\n"));
        }
    }
    if !fixed.is_empty() {
        message.push_str("no longer drifting, remove from KNOWN_DRIFT in tests/it/usage.rs:\n");
        for k in &fixed {
            message.push_str(&format!("  {k}\n"));
        }
    }
    assert!(message.is_empty(), "{message}");
}

/// The parsers above on fixed text, so that a README or help layout they misread shows here
/// rather than as silence.
#[test]
fn usage_parsers_read_rows_options_and_help() {
    assert_eq!(
        cells(r"| `check [--format text\|json]` | does `x` |"),
        ["`check [--format text|json]`", "does `x`"]
    );
    assert_eq!(
        long_options("`check [--format text|json] [--output FILE]`, not a--b, `--refresh`"),
        [
            (
                "--format".to_string(),
                vec!["text".to_string(), "json".to_string()]
            ),
            ("--output".to_string(), vec![]),
            ("--refresh".to_string(), vec![]),
        ]
    );
    let h = parse_help(
        "About\n\nCommands:\n  check  Capture\n  help   Print\n\nOptions:\n  -q, --quiet  Quiet\n      \
         --format <FORMAT>  [default: text] [possible values: text, json]\n  -v, --verbose...  More\n",
    );
    assert_eq!(h.commands, ["check", "help"]);
    assert_eq!(
        h.options.keys().collect::<Vec<_>>(),
        ["--format", "--quiet", "--verbose", "-q", "-v"]
    );
    assert_eq!(h.options["--format"], ["text", "json"]);
    assert!(is_about(
        "with `--notify URL` on `check` and `watch`",
        "check"
    ));
    assert!(is_about("sourcewatch diff egov-009pass-mvd-en", "diff"));
    assert!(!is_about("`checker` and `check-examples`", "check"));
    assert!(readme_commands(README).contains_key("check"));
}

/// Each kind of drift, made on a copy of README.md, is reported in words.
#[test]
fn drift_in_a_changed_readme_is_named() {
    let clap = clap();
    let changed = README
        .replace("--refresh", "--re-fresh")
        .replace(
            "[--format text\\|json\\|markdown\\|html] [--output FILE]` | capture",
            "[--format text\\|json] [--output FILE]` | capture",
        )
        .replace(
            "| `validate [--store]` |",
            "| `prune [--keep N]` | old snapshots go |\n| `validate [--store]` |",
        )
        .replace("`-q/--quiet`", "`-q/--quiet`, `--pager`, `PAGER`")
        .replace("| 2 | trouble", "| 3 | trouble");
    let drift = drift(&changed, &clap);
    for expected in [
        "check --refresh: in clap's help, not in README's row for check nor in README text about check",
        "check --format: README's row lists text|json, clap's possible values are text|json|markdown|html",
        "check --re-fresh: in README's row for check, not in clap's help for check",
        "prune: README's command table has a row for it, clap has no such subcommand",
        "global --pager: README's global options name it, clap's --help has no such option",
        "global env PAGER: README's global options name it, clap's --help does not",
        "exit code 3: in README's exit codes table, not in clap's \"Exit codes:\" line",
        "exit code 2: in clap's \"Exit codes:\" line, not in README's exit codes table",
    ] {
        assert!(
            drift.iter().any(|d| d == expected),
            "{expected}\nnot in {drift:#?}"
        );
    }
}
