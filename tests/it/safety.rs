//! What sourcewatch must never do to a user's files: write over a folder it did not make, change
//! more of `sources.toml` than the dates it moves (line endings, BOM, mode, links), leave files
//! others cannot read, write a date from the future, or put its lock into git.

use std::os::unix::fs::PermissionsExt;

use super::*;

/// Two facts on one source, neither stale on TODAY.
fn two_facts(url: &str) -> String {
    format!(
        r#"# Registry with two facts.
[settings]
retries = 0
per_host_interval_ms = 0
stale_after_days = 365

[[sources]]
id = "pr"
url = "{url}"
select = ["div.info-block-horizontal"]

[[routes]]
id = "r"
title = "R"

[[routes.facts]]
id = "a"
claim = "A"
source = "pr"
quote = "45 calendar days"
last_verified = 2026-06-09   # by hand

[[routes.facts]]
id = "b"
claim = "B"
source = "pr"
last_verified = 2026-06-09
"#
    )
}

/// A server with `/pr` answering an egov-shaped page, and a registry for it.
fn served() -> (TestServer, String) {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "x")));
    let toml = two_facts(&server.url("/pr"));
    (server, toml)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

// --- 1. demo writes only into a folder of its own ---------------------------------------------

fn sha256(bytes: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))
}

#[test]
fn demo_refuses_a_dir_holding_a_registry_or_snapshots() {
    let ws = Workspace::new("");
    // A folder with someone's registry in it.
    let mine = tempfile::tempdir().unwrap();
    let registry = mine.path().join("sources.toml");
    std::fs::write(
        &registry,
        "# my real registry\n[[sources]]\nid = \"a\"\nurl = \"https://e.org/\"\n",
    )
    .unwrap();
    let before = sha256(&std::fs::read(&registry).unwrap());
    let run = ws.run(&["demo", "--dir", mine.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("sources.toml"), "{}", run.stderr);
    assert_eq!(sha256(&std::fs::read(&registry).unwrap()), before);
    assert!(!mine.path().join("snapshots").exists());
    assert_eq!(
        std::fs::read_dir(mine.path()).unwrap().count(),
        1,
        "nothing written"
    );

    // A folder with a snapshot store and no registry.
    let store = tempfile::tempdir().unwrap();
    std::fs::create_dir(store.path().join("snapshots")).unwrap();
    let run = ws.run(&["demo", "--dir", store.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("snapshots"), "{}", run.stderr);
    assert!(!store.path().join("sources.toml").exists());
    assert_eq!(
        std::fs::read_dir(store.path().join("snapshots"))
            .unwrap()
            .count(),
        0
    );

    // A folder that does not exist yet is fine.
    let fresh = tempfile::tempdir().unwrap();
    let new = fresh.path().join("new/demo");
    let run = ws.run(&["-q", "demo", "--dir", new.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(new.join("report.json").exists());
}

// --- 2. line endings, BOM and mode of sources.toml ---------------------------------------------

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

// --- 3. files the tool creates get the umask's permissions -------------------------------------

/// Runs the binary under `umask`, through `sh -c 'umask …; exec …'`.
fn run_under_umask(ws: &Workspace, umask: &str, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_sourcewatch"))
        .args(args)
        .current_dir(ws.dir.path())
        .env("SOURCEWATCH_TODAY", TODAY)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sourcewatch under sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn created_files_get_umask_permissions_and_replaced_files_keep_theirs() {
    let (_server, toml) = served();
    let ws = Workspace::new(&toml);
    let run = run_under_umask(&ws, "022", &["-q", "check", "--output", "report.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in [
        ws.only_text_file("pr"),
        ws.path("snapshots/pr/state.json"),
        ws.path("snapshots/LAST_CHECK.json"),
        ws.path("snapshots/FORMAT"),
        ws.path("report.md"),
    ] {
        assert_eq!(mode(&file), 0o644, "{}", file.display());
    }
    // A stricter umask gives stricter new files.
    let run = run_under_umask(&ws, "077", &["-q", "check", "--output", "private.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&ws.path("private.md")), 0o600);
    // A file that is replaced keeps the mode it had, whatever the umask.
    set_mode(&ws.path("report.md"), 0o640);
    set_mode(&ws.path("snapshots/LAST_CHECK.json"), 0o664);
    let run = run_under_umask(&ws, "077", &["-q", "check", "--output", "report.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&ws.path("report.md")), 0o640);
    assert_eq!(mode(&ws.path("snapshots/LAST_CHECK.json")), 0o664);
}

// --- 4. --output makes its folder ---------------------------------------------------------------

#[test]
fn output_creates_missing_parent_folders() {
    let (_server, toml) = served();
    let ws = Workspace::new(&toml);
    assert!(!ws.path("reports").exists());
    let run = ws.run(&[
        "-q",
        "check",
        "--format",
        "markdown",
        "--output",
        "reports/nightly.md",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        ws.read("reports/nightly.md"),
        ws.run(&["report", "--format", "markdown"]).stdout
    );
    let run = ws.run(&["report", "--format", "json", "--output", "a/b/c/last.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&ws.read("a/b/c/last.json")).unwrap();
    assert_eq!(report["summary"]["sources"], 1);
}

// --- 5. no date from the future is ever written -------------------------------------------------

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

// --- 6. the lock stays out of git ---------------------------------------------------------------

fn git(ws: &Workspace, args: &[&str]) -> Option<Output> {
    Command::new("git")
        .args(args)
        .current_dir(ws.dir.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .ok()
}

#[test]
fn git_add_snapshots_stages_no_lock_dirty_or_temp_file() {
    let (_server, toml) = served();
    let ws = Workspace::new(&toml);
    if !have_tool("git", "--version", "git") {
        return;
    }
    assert!(git(&ws, &["init", "-q"]).unwrap().status.success());
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    assert!(ws.path("snapshots/.lock").exists());
    // What a killed run leaves behind.
    ws.write("snapshots/.dirty", "");
    ws.write("snapshots/pr/.tmp-leftover", "x");
    ws.write("snapshots/pr/text/.tmp-leftover", "x");
    let out = git(&ws, &["add", "-n", "snapshots"]).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let staged = String::from_utf8_lossy(&out.stdout);
    assert!(staged.contains("snapshots/FORMAT"), "{staged}");
    assert!(staged.contains("snapshots/pr/state.json"), "{staged}");
    for unwanted in [".lock", ".dirty", ".tmp-"] {
        assert!(!staged.contains(unwanted), "{unwanted} staged:\n{staged}");
    }
}

// --- 7. the shipped registry's tests survive real dates -----------------------------------------

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

// --- 8. inline-table facts are editable ---------------------------------------------------------

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

// --- 9. links -----------------------------------------------------------------------------------

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
