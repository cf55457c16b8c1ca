//! What sourcewatch must never do to a user's files: write over a folder it did not make, leave
//! files others cannot read, or put its lock into git. What it must never do to `sources.toml`
//! when it moves dates is in tests/it/safety_registry.rs, which uses this file's registry,
//! server and mode helpers.

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
pub(super) fn served() -> (TestServer, String) {
    let server = TestServer::start();
    server.set("/pr", Reply::html(egov_page("45", "", "x")));
    let toml = two_facts(&server.url("/pr"));
    (server, toml)
}

pub(super) fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

pub(super) fn set_mode(path: &Path, mode: u32) {
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

// --- 2. files the tool creates get the umask's permissions -------------------------------------

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
        ws.source_file("pr"),
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

// --- 3. --output makes its folder ---------------------------------------------------------------

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

// --- 4. the lock stays out of git ---------------------------------------------------------------

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
    ws.write("snapshots/TEXT/.tmp-leftover", "x");
    let out = git(&ws, &["add", "-n", "snapshots"]).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let staged = String::from_utf8_lossy(&out.stdout);
    assert!(staged.contains("snapshots/FORMAT"), "{staged}");
    assert!(staged.contains("snapshots/pr/source.jsonl"), "{staged}");
    for unwanted in [".lock", ".dirty", ".tmp-"] {
        assert!(!staged.contains(unwanted), "{unwanted} staged:\n{staged}");
    }
}
