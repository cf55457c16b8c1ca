//! `render = "browser"`: pages whose text is made by scripts (gov.kz and other JavaScript
//! front ends), loaded in headless Chromium and judged by what the browser knows.
//!
//! ```text
//! browser/
//!   mod.rs    finding the browser; one render: start, time limit, the process group killed after
//!   cdp.rs    the DevTools protocol over Chromium's pipe (fds 3 and 4), messages within a limit
//!   load.rs   one page load: every request held for the guard, the main document followed to
//!             its status or network error, virtual time, the DOM read
//!   error.rs  BrowserError in words, and the outcome each failure is reported as
//! ```
//!
//! Chromium once ran with `--dump-dom`, and a page that did not load came back as Chromium's own
//! error page, a "good" capture; failures were guessed from log lines that newer versions no
//! longer print, and redirects and scripts went wherever the page sent them. Now the render is
//! driven over the DevTools protocol by a small client of our own (no WebSocket dependency to
//! build): the main document's HTTP status and network error come from the browser itself, and
//! every request the page makes waits for the same guard as an HTTP redirect (`guard`).
//!
//! Each browser runs in its own process group in a fresh temporary profile and the whole group
//! is killed when the render ends, fails or times out (and the render returns once none of its
//! processes runs any more) or is abandoned (the guard's `Drop`), so no Chromium process
//! outlives its page. Its flags keep it off the network beyond the page: no background services
//! it can be told to skip (and no address for those it cannot), no UDP for WebRTC, and a
//! resolver that refuses the IP literals the source may not lead to
//! (`Guard::browser_host_rules`).
//!
//! A script can make a DOM of any size, so the DOM is read like any body: at most
//! `max_body_bytes`, past which the render is `too_large` and the browser is killed at once. Its
//! log (stderr) is drained but only its first 64 KiB are kept, to say why it would not start.

mod cdp;
mod error;
mod load;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use error::BrowserError;
pub(super) use load::{Page, Rendered};

/// The part of the browser's log kept to explain a failure.
const LOG_KEPT: usize = 64 * 1024;

/// Names tried on PATH when no browser is configured.
const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The browser binary: `[settings] browser`, else `SOURCEWATCH_BROWSER`, else PATH.
pub(super) fn find_browser(configured: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = configured {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("SOURCEWATCH_BROWSER") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in CANDIDATES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(
        "no browser found: install Debian's chromium, or set [settings] browser or \
         SOURCEWATCH_BROWSER"
            .to_string(),
    )
}

/// The process groups of the browsers running now, so an interrupted run can kill them at
/// once instead of relying on their futures being dropped before the process exits.
static LIVE: std::sync::Mutex<Vec<rustix::process::Pid>> = std::sync::Mutex::new(Vec::new());

/// Kills every browser still running (SIGINT/SIGTERM: see `check`).
pub(crate) fn kill_all() {
    let groups = std::mem::take(&mut *LIVE.lock().unwrap_or_else(|e| e.into_inner()));
    for pgid in groups {
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
}

/// Kills the browser's whole process group when dropped.
struct GroupGuard(Option<rustix::process::Pid>);

impl GroupGuard {
    fn new(pgid: Option<rustix::process::Pid>) -> GroupGuard {
        if let Some(pgid) = pgid {
            LIVE.lock().unwrap_or_else(|e| e.into_inner()).push(pgid);
        }
        GroupGuard(pgid)
    }
}

impl GroupGuard {
    /// Kills the group now and waits, within [`GONE`], until none of its processes runs any
    /// more, so that a run ending right after this render leaves no browser behind even for a
    /// moment (a killed Chromium takes a while to free its memory). Zombies do not count: they
    /// run nothing, and the killed browser's children are reaped by init whenever it gets to
    /// them. The group is then not killed again on drop.
    async fn stop(mut self, child: &mut tokio::process::Child) {
        let Some(pgid) = self.0 else {
            return;
        };
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
        let gone = async {
            let _ = child.wait().await;
            while runs_in(pgid) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        if tokio::time::timeout(GONE, gone).await.is_ok() {
            forget(pgid);
            self.0 = None;
        }
    }
}

/// Whether a process of the group still runs, that is, is neither a zombie nor dead: Linux's
/// /proc (in memory, so read in place). `stat` is `pid (comm) state ppid pgrp …`, and `comm`
/// may hold spaces and parentheses, hence the last `)`.
fn runs_in(pgid: rustix::process::Pid) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    let pgid = pgid.as_raw_nonzero().to_string();
    dir.flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            let mut fields = stat.rsplit_once(") ").map_or("", |(_, r)| r).split(' ');
            let (state, pgrp) = (fields.next(), fields.nth(1));
            !matches!(state, Some("Z" | "X" | "x")) && pgrp == Some(pgid.as_str())
        })
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
            forget(pgid);
        }
    }
}

fn forget(pgid: rustix::process::Pid) {
    LIVE.lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|p| *p != pgid);
}

/// The longest wait for a killed browser to be gone.
const GONE: Duration = Duration::from_secs(2);

/// Hosts Chromium (156) asks things of its own at start-up whatever its flags say (the
/// on-demand component updater, the Google account check, the clock): they resolve to nothing,
/// so those requests fail before a DNS query leaves. A government page has no use for them.
const CHROMIUM_OWN: &[&str] = &[
    "update.googleapis.com",
    "accounts.google.com",
    "clients2.google.com",
];

/// Real time beyond the virtual budget: start-up and the final layout.
const START_UP: Duration = Duration::from_secs(10);

/// Loads the page in headless Chromium and returns it rendered.
pub(super) async fn render(
    browser: &Path,
    user_agent: &str,
    host_rules: &str,
    page: &Page<'_>,
) -> Result<Rendered, super::FetchError> {
    Ok(run(browser, user_agent, host_rules, page).await?)
}

async fn run(
    browser: &Path,
    user_agent: &str,
    host_rules: &str,
    page: &Page<'_>,
) -> Result<Rendered, BrowserError> {
    let profile = tempfile::Builder::new()
        .prefix("sourcewatch-chromium-")
        .tempdir()
        .map_err(BrowserError::Profile)?;
    // The DOM comes back as a JSON string: within the limit in UTF-16 units, at most six bytes
    // each once escaped.
    let message_limit = usize::try_from(page.max_bytes.saturating_mul(6))
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let started = |error| BrowserError::Start {
        program: browser.display().to_string(),
        error,
    };
    let (mut pipe, ends) = cdp::pipes(message_limit).map_err(started)?;
    let mut cmd = tokio::process::Command::new(browser);
    cmd.arg("--headless");
    if rustix::process::geteuid().is_root() {
        // Chromium refuses to run as root with its sandbox on.
        cmd.arg("--no-sandbox");
    }
    cmd.args([
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-quic",
        // The clock check against clients2.google.com (see also CHROMIUM_OWN).
        "--disable-features=NetworkTimeServiceQuerying",
        // WebRTC sends UDP no request interception sees: none without a proxy.
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--no-first-run",
        "--mute-audio",
        "--hide-scrollbars",
        "--remote-debugging-pipe",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--user-agent={user_agent}"))
    .arg(format!(
        "--host-resolver-rules={host_rules}{}",
        CHROMIUM_OWN
            .iter()
            .map(|host| format!(", MAP {host} ~NOTFOUND"))
            .collect::<String>()
    ))
    .arg("about:blank")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .process_group(0)
    .kill_on_drop(true);
    ends.give_to(&mut cmd);
    let mut child = cmd.spawn().map_err(started)?;
    drop(ends);
    let group = GroupGuard::new(
        child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(id as i32)),
    );
    let log = tokio::spawn(read_log(child.stderr.take().expect("piped")));
    let limit = page.timeout + START_UP;
    let loaded = tokio::time::timeout(limit, load::load(&mut pipe, page)).await;
    let result = match loaded {
        Err(_) => Err(BrowserError::TimedOut(limit.as_secs())),
        Ok(Err(BrowserError::Protocol(cdp::CdpError::Closed))) => {
            // It went away: its log says why, once it has ended too.
            let status = tokio::time::timeout(GONE, child.wait()).await;
            let log = tokio::time::timeout(GONE, log).await;
            let log = log.ok().and_then(Result::ok).unwrap_or_default();
            let status = status.ok().and_then(Result::ok);
            Err(BrowserError::Exited(error::exited(
                &String::from_utf8_lossy(&log),
                status,
            )))
        }
        Ok(rendered) => rendered,
    };
    group.stop(&mut child).await;
    result
}

/// The browser's log to its end, keeping the first [`LOG_KEPT`] bytes. A failed read ends it:
/// the log only explains a failure.
async fn read_log(mut pipe: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut log = Vec::new();
    let _ = (&mut pipe)
        .take(LOG_KEPT as u64)
        .read_to_end(&mut log)
        .await;
    let _ = tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await;
    log
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::time::Instant;

    use super::*;

    /// A killed process stops counting once it runs nothing, zombie or not.
    #[test]
    fn a_group_runs_until_its_processes_have_exited() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        assert!(runs_in(pgid));
        rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while runs_in(pgid) {
            assert!(Instant::now() < deadline, "the killed process still runs");
            std::thread::sleep(Duration::from_millis(5));
        }
        // Not reaped until now: it was a zombie while it stopped counting.
        child.wait().unwrap();
        assert!(!runs_in(pgid));
    }
}
