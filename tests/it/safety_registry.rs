//! What sourcewatch must never do to `sources.toml` when it moves dates: change more of it than
//! the dates (line endings, BOM, mode, inline tables, links), or write a date from the future;
//! and the shipped registry still loads after its dates are moved to the real date.

use super::safety::{mode, served, set_mode};
use super::*;

// --- 1. line endings, BOM and mode of sources.toml ---------------------------------------------

fn read_bytes(ws: &Workspace, rel: &str) -> Vec<u8> {
    std::fs::read(ws.path(rel)).unwrap()
}

#[test]
fn verify_and_refresh_keep_crlf_line_endings() {
    let (_server, toml) = served();
    let crlf = toml.replace('\n', "\r\n");
    let ws = Workspace::new(&crlf);
    let run = ws.run(&["verify", "r/a", "--date", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = crlf.replace(
        "last_verified = 2026-06-09   # by hand\r\n",
        "last_verified = 2026-11-20   # by hand\r\n",
    );
    assert_eq!(read_bytes(&ws, "sources.toml"), expected.as_bytes());

    // Two checks: the second sees the source unchanged and refreshes both facts.
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    let run = ws.run(&["-q", "check", "--refresh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = expected
        .replace(
            "2026-11-20   # by hand\r\n",
            &format!("{TODAY}   # by hand\r\n"),
        )
        .replace(
            "last_verified = 2026-06-09\r\n",
            &format!("last_verified = {TODAY}\r\n"),
        );
    assert_eq!(read_bytes(&ws, "sources.toml"), expected.as_bytes());
}

#[test]
fn verify_keeps_a_utf8_bom() {
    let (_server, toml) = served();
    let with_bom = format!("\u{feff}{toml}");
    let ws = Workspace::new(&with_bom);
    let run = ws.run(&["verify", "r/b", "--date", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = with_bom.replace(
        "last_verified = 2026-06-09\n",
        "last_verified = 2026-11-20\n",
    );
    assert_eq!(read_bytes(&ws, "sources.toml"), expected.as_bytes());
    assert!(read_bytes(&ws, "sources.toml").starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn verify_keeps_the_registry_file_mode() {
    let (_server, toml) = served();
    let ws = Workspace::new(&toml);
    for (wanted, date) in [
        (0o640, "2026-11-10"),
        (0o600, "2026-11-11"),
        (0o644, "2026-11-12"),
    ] {
        set_mode(&ws.path("sources.toml"), wanted);
        let run = ws.run(&["verify", "r/a", "--date", date]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(ws.read("sources.toml").contains(date));
        assert_eq!(
            mode(&ws.path("sources.toml")),
            wanted,
            "mode {wanted:o} kept"
        );
    }
}

// --- 2. no date from the future is ever written -------------------------------------------------

fn real_today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[test]
fn future_today_refuses_refresh_before_any_request() {
    let (server, toml) = served();
    let ws = Workspace::new(&toml);
    let before = read_bytes(&ws, "sources.toml");
    for (args, env_today) in [
        (&["--today", "2028-01-01", "check", "--refresh"][..], None),
        (&["check", "--refresh"][..], Some("2028-01-01")),
    ] {
        let mut cmd = ws.command(args);
        if let Some(day) = env_today {
            cmd.env("SOURCEWATCH_TODAY", day);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("2028-01-01"), "{stderr}");
        assert!(stderr.contains("future"), "{stderr}");
        assert_eq!(read_bytes(&ws, "sources.toml"), before, "{args:?}");
        assert!(server.requests("/pr").is_empty(), "{args:?}");
        assert!(server.requests("/robots.txt").is_empty(), "{args:?}");
        assert!(!ws.path("snapshots").exists(), "{args:?}");
    }
    // Looking ahead without writing dates is still allowed.
    let run = ws.run(&["--today", "2028-01-01", "check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(fact_row(&run.json(), "r/a")["flags"][0], "stale");
    assert_eq!(read_bytes(&ws, "sources.toml"), before);
    let run = ws.run(&["--today", "2028-01-01", "status"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn verify_refuses_a_date_after_the_real_date() {
    let (_server, toml) = served();
    let ws = Workspace::new(&toml);
    let before = read_bytes(&ws, "sources.toml");
    let tomorrow = (real_today() + chrono::Days::new(1)).to_string();
    for args in [
        &["--today", "2099-01-01", "verify", "r/a"][..],
        &[
            "--today",
            "2099-01-01",
            "verify",
            "r/a",
            "--date",
            &tomorrow,
        ][..],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("future"), "{}", run.stderr);
        assert_eq!(read_bytes(&ws, "sources.toml"), before, "{args:?}");
        assert!(!ws.path("snapshots").exists(), "{args:?}");
    }
    // The real date itself is fine.
    let today = real_today().to_string();
    let mut cmd = ws.command(&["verify", "r/a"]);
    cmd.env_remove("SOURCEWATCH_TODAY");
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        ws.read("sources.toml")
            .contains(&format!("last_verified = {today}   # by hand"))
    );
}

// --- 3. the shipped registry's tests survive real dates -----------------------------------------

#[test]
fn shipped_registry_still_loads_after_verify_moves_its_dates() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/sources.toml");
    let ws = Workspace::new(&std::fs::read_to_string(shipped).unwrap());
    let mut cmd = ws.command(&[
        "verify",
        "kz-pr-it-specialists/processing-time",
        "kz-pr-it-specialists/medical-certificate",
    ]);
    cmd.env_remove("SOURCEWATCH_TODAY");
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // What the shipped-registry tests load it with must accept a date set today.
    let reg = sourcewatch::registry::load(&ws.path("sources.toml"), super::registry::load_date())
        .unwrap_or_else(|e| panic!("{e}"));
    let fact = reg.fact("kz-pr-it-specialists/processing-time").unwrap();
    assert_eq!(fact.last_verified, real_today());
    assert!(reg.facts().all(|f| f.last_verified <= real_today()));
}

// --- 4. inline-table facts are editable ---------------------------------------------------------

#[test]
fn verify_and_refresh_edit_facts_in_inline_tables() {
    let (_server, toml) = served();
    let url = toml
        .lines()
        .find_map(|l| l.strip_prefix("url = "))
        .unwrap()
        .to_string();
    let arrays = format!(
        r#"[settings]
retries = 0
per_host_interval_ms = 0
stale_after_days = 365
[[sources]]
id = "pr"
url = {url}
select = ["div.info-block-horizontal"]

[[routes]]
id = "r"
title = "R"
facts = [
  {{ id = "a", claim = "A", source = "pr", quote = "45 calendar days", last_verified = 2026-06-09 }},  # a
  {{id="b",claim="B",source="pr",last_verified=2026-06-09}},
]
"#
    );
    let ws = Workspace::new(&arrays);
    let run = ws.run(&["verify", "r/b", "--date", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = arrays.replace("last_verified=2026-06-09}", "last_verified=2026-11-20}");
    assert_eq!(ws.read("sources.toml"), expected);
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    assert_eq!(ws.run(&["-q", "check", "--refresh"]).code, 0);
    let expected = expected
        .replace(
            "last_verified = 2026-06-09 },",
            &format!("last_verified = {TODAY} }},"),
        )
        .replace(
            "last_verified=2026-11-20}",
            &format!("last_verified={TODAY}}}"),
        );
    assert_eq!(ws.read("sources.toml"), expected);

    // Routes themselves inline, facts inline inside them (top-level keys come before tables).
    let inline = format!(
        r#"routes = [
  {{ id = "r", title = "R", facts = [{{ id = "a", claim = "A", source = "pr", last_verified = 2026-06-09 }}] }},
  {{ id = "s", title = "S", facts = [ {{ id = "a", claim = "A", source = "pr", last_verified = 2026-06-09 }} ] }},
]

[[sources]]
id = "pr"
url = {url}
"#
    );
    let ws = Workspace::new(&inline);
    let run = ws.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ws.run(&["verify", "s/a", "--date", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = inline.replace(
        "source = \"pr\", last_verified = 2026-06-09 } ]",
        "source = \"pr\", last_verified = 2026-11-20 } ]",
    );
    assert_ne!(expected, inline);
    assert_eq!(ws.read("sources.toml"), expected);
}

// --- 5. links -----------------------------------------------------------------------------------

#[test]
fn verify_writes_through_a_symlinked_registry() {
    let (_server, toml) = served();
    let ws = Workspace::new("");
    std::fs::create_dir(ws.path("real")).unwrap();
    ws.write("real/sources.toml", &toml);
    std::fs::remove_file(ws.path("sources.toml")).unwrap();
    std::os::unix::fs::symlink("real/sources.toml", ws.path("sources.toml")).unwrap();
    set_mode(&ws.path("real/sources.toml"), 0o640);
    let run = ws.run(&["verify", "r/a", "--date", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let link = std::fs::symlink_metadata(ws.path("sources.toml")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        std::fs::read_link(ws.path("sources.toml")).unwrap(),
        Path::new("real/sources.toml")
    );
    let expected = toml.replace("2026-06-09   # by hand", "2026-11-20   # by hand");
    assert_eq!(ws.read("real/sources.toml"), expected);
    assert_eq!(mode(&ws.path("real/sources.toml")), 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(ws.path("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn verify_keeps_hard_links_to_the_registry() {
    use std::os::unix::fs::MetadataExt;
    let (_server, toml) = served();
    let ws = Workspace::new(&toml);
    std::fs::hard_link(ws.path("sources.toml"), ws.path("published.toml")).unwrap();
    let inode = std::fs::metadata(ws.path("sources.toml")).unwrap().ino();
    let run = ws.run(&["verify", "r/a", "--date", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = toml.replace("2026-06-09   # by hand", "2026-11-20   # by hand");
    for name in ["sources.toml", "published.toml"] {
        assert_eq!(ws.read(name), expected, "{name}");
        let meta = std::fs::metadata(ws.path(name)).unwrap();
        assert_eq!(meta.ino(), inode, "{name}");
        assert_eq!(meta.nlink(), 2, "{name}");
    }
    // A second edit goes to the same inode again and leaves no temporary file.
    let run = ws.run(&["verify", "r/b", "--date", "2026-11-21"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = expected.replace(
        "last_verified = 2026-06-09\n",
        "last_verified = 2026-11-21\n",
    );
    assert_eq!(ws.read("published.toml"), expected);
    let temp: Vec<_> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(temp.is_empty(), "{temp:?}");
}
