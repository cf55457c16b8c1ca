//! Integration tests: the real `sourcewatch` binary against servers on 127.0.0.1.

mod audit;
mod bounded;
mod browser;
mod cases;
mod changes;
mod check;
mod demo;
mod durable;
mod evidence;
mod faults;
mod faults_network;
mod history;
mod hostile;
mod import;
mod kinds;
mod logs;
mod messages;
mod migration;
mod planted;
mod probe;
mod probe_registry;
mod registry;
mod registry_builder;
mod reports;
mod reports_layout;
mod review;
mod review_loop;
mod safety;
mod safety_registry;
mod secrets;
mod server;
mod shards;
mod site;
mod status;
mod store;
mod terminal;
mod tuning;
mod usage;
mod usage_help;
mod walls;
mod walls_words;
mod watch;
mod watch_new;

use std::path::{Path, PathBuf};
pub use std::process::{Command, Output};

pub use registry_builder::{Fact, Registry, Route, Source};
pub use server::{Fault, Reply, TestServer};

pub const TODAY: &str = "2026-11-25";

/// `UPDATE_GOLDEN=1`: case outputs (tests/cases/*/*/out, the saved reports among them) are
/// rewritten from what the binary did, after a reviewed change; CI never sets it.
pub fn update_golden() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

/// A temporary folder holding a `sources.toml`; commands run with it as working directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Workspace {
    pub fn new(sources_toml: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sources.toml"), sources_toml).unwrap();
        Workspace { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The stored text file of a source that has exactly one version so far.
    pub fn only_text_file(&self, id: &str) -> PathBuf {
        let files = self.texts_of(id);
        assert_eq!(files.len(), 1, "{files:?}");
        files.into_iter().next().unwrap()
    }

    /// A source's file in the store: its state line, then its captures.
    pub fn source_file(&self, id: &str) -> PathBuf {
        self.path(&format!("snapshots/{id}/source.jsonl"))
    }

    /// A source's state (the first line of its file), or null when it has none.
    pub fn source_state(&self, id: &str) -> serde_json::Value {
        std::fs::read_to_string(self.source_file(id))
            .ok()
            .and_then(|text| {
                let first: serde_json::Value = serde_json::from_str(text.lines().next()?).ok()?;
                first.get("state").cloned()
            })
            .unwrap_or(serde_json::Value::Null)
    }

    /// A source's capture lines, parsed (the state line and torn lines left out).
    pub fn captures(&self, id: &str) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.source_file(id))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v.get("state").is_none())
            .collect()
    }

    /// The stored texts a source's captures and state name, each once, that are on disk.
    pub fn texts_of(&self, id: &str) -> Vec<PathBuf> {
        self.content_of(id, "sha256", "TEXT", "txt")
    }

    /// The stored raw bodies a source's captures and state name, each once, that are on disk.
    pub fn raws_of(&self, id: &str) -> Vec<PathBuf> {
        self.content_of(id, "raw_sha256", "RAW", "gz")
    }

    fn content_of(&self, id: &str, key: &str, kind: &str, ext: &str) -> Vec<PathBuf> {
        let state = self.source_state(id);
        let mut names: Vec<String> = self
            .captures(id)
            .iter()
            .chain([&state["baseline"], &state["latest"]])
            .filter_map(|v| v.get(key)?.as_str().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| n.len() == 64)
            .map(|n| self.path(&format!("snapshots/{kind}/{}/{n}.{ext}", &n[..2])))
            .filter(|p| p.exists())
            .collect()
    }

    pub fn write(&self, rel: &str, contents: &str) {
        std::fs::write(self.path(rel), contents).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sourcewatch"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("SOURCEWATCH_TODAY", TODAY)
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Starts sourcewatch with its output thrown away: for a run a test kills or waits on.
    pub fn spawn_silent(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start sourcewatch")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().expect("run sourcewatch");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The flags of a fact row, as strings.
pub fn flags(row: &serde_json::Value) -> Vec<&str> {
    row["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// Whether `program arg` runs and exits 0. CI installs every tool the tests use (.ci/run), so
/// there a missing one fails the test; elsewhere the test says what it skips and why.
pub fn have_tool(program: &str, arg: &str, package: &str) -> bool {
    let found = Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {package} (.ci/run does)"
        );
        eprintln!("{program} ({package}) not installed; skipping");
    }
    found
}

/// The row of one source in a JSON report.
pub fn source_row<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no source {id}"))
}

/// The row of one fact in a JSON report.
pub fn fact_row<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no fact {id}"))
}

/// A port on 127.0.0.1 where nothing listens.
pub fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/gone")
}

/// A page shaped like an egov.kz service page: volatile bits outside the selected block.
pub fn egov_page(days: &str, extra_li: &str, footer: &str) -> String {
    format!(
        r#"<!doctype html><html><head><title>Permanent residence</title>
<script>window.nonce = "{footer}";</script></head><body>
<header><form class="search"><input type="hidden" name="csrf" value="{footer}"></form></header>
<div class="info-block-horizontal">
  <h2>Processing time</h2>
  <p>The permit is issued within {days}&nbsp;calendar&nbsp;&nbsp;DAYS.</p>
  <ul>
    <li>Passport of a foreign citizen</li>
    <li>A medical examination certificate is required to confirm the absence of prohibited diseases.</li>
    {extra_li}
  </ul>
  <table><tr><th>Fee</th><th>Term</th></tr><tr><td>free of charge</td><td>12 months</td></tr></table>
</div>
<footer>Page generated {footer}</footer></body></html>"#
    )
}
