//! `render = "browser"`: pages whose text is made by scripts (gov.kz and other JavaScript
//! front ends), loaded in headless Chromium.
//!
//! Chromium runs as a subprocess with `--dump-dom`: it loads the page, runs its scripts for a
//! virtual-time budget (timers and network waits are fast-forwarded, so a script that inserts
//! text after a one-second delay costs well under a second), and prints the DOM after rendering,
//! which then goes through the same extraction as any page. A subprocess, not the DevTools
//! protocol, because `--dump-dom` needs no WebSocket/CDP client (a large dependency tree for two
//! cores to build), cannot leak a long-lived browser, and is exactly what a nightly check needs:
//! one rendered DOM per page. `wait_for` is checked on that DOM.
//!
//! Each browser runs in its own process group in a fresh temporary profile and the whole group
//! is killed when the render ends, fails, times out or is abandoned (the guard's `Drop`), so no
//! Chromium process outlives its page.
//!
//! A script can make a DOM of any size, so the DOM is read like any body: at most
//! `max_body_bytes`, past which the render is `too_large` and the browser is killed at once. Its
//! log (stderr) is drained but only its first 64 KiB are kept.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::Url;
use scraper::Selector;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::FetchError;
use crate::dom::{self, Deadline};

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

/// Why the browser gave no page, in words. Chromium logs a page that did not load as
/// `[pid:tid:time:ERROR:file(line)] Page load failed: net::ERR_…`, among lines about D-Bus and
/// the GPU that mean nothing here; the network error is named in words (with its code, for a
/// search), any other error line is given without its prefix.
fn failure(log: &str, url: &Url, status: &std::process::ExitStatus) -> String {
    let code = log.rfind("net::ERR_").map(|at| {
        let rest = &log[at + "net::".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    });
    if let Some(code) = code {
        return format!(
            "the browser could not load the page: {} (net::{code})",
            net_error_words(code, url)
        );
    }
    let noise = |l: &str| l.contains("dbus") || l.contains("D-Bus") || l.contains("gpu");
    let reason = log
        .lines()
        .rev()
        .filter(|l| !noise(l))
        .find(|l| l.contains(":ERROR:") || l.contains(":FATAL:") || l.contains("error"))
        .map(|l| match (l.find('['), l.find("] ")) {
            (Some(0), Some(end)) => l[end + 2..].trim().to_string(),
            _ => l.trim().to_string(),
        });
    match reason {
        Some(reason) => format!("the browser failed: {reason}"),
        None if status.success() => "the browser returned no page".to_string(),
        None => format!("the browser failed ({status})"),
    }
}

/// Chromium's network error codes (net/base/net_error_list.h) that a check meets, in words.
fn net_error_words(code: &str, url: &Url) -> String {
    let host = url.host_str().unwrap_or("the host");
    match code {
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" => {
            format!("the name {host} could not be resolved (DNS)")
        }
        "ERR_CONNECTION_REFUSED" => format!("{host} refused the connection"),
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" => {
            format!("timed out waiting for {host}")
        }
        "ERR_CONNECTION_RESET" => format!("{host} reset the connection"),
        "ERR_CONNECTION_CLOSED" | "ERR_EMPTY_RESPONSE" => {
            format!("{host} closed the connection without an answer")
        }
        "ERR_ADDRESS_UNREACHABLE" | "ERR_NETWORK_UNREACHABLE" | "ERR_INTERNET_DISCONNECTED" => {
            format!("{host} cannot be reached from this network")
        }
        "ERR_TOO_MANY_REDIRECTS" => "too many redirects".to_string(),
        "ERR_UNSAFE_PORT" => format!(
            "port {} is one browsers refuse to connect to",
            url.port_or_known_default().unwrap_or(0)
        ),
        "ERR_CERT_AUTHORITY_INVALID" => {
            "TLS: the certificate's issuer is unknown (or the chain is incomplete)".to_string()
        }
        "ERR_CERT_DATE_INVALID" => "TLS: the certificate has expired or is not yet valid".into(),
        "ERR_CERT_COMMON_NAME_INVALID" => format!("TLS: the certificate is not for {host}"),
        c if c.starts_with("ERR_CERT_") || c.starts_with("ERR_SSL_") => {
            "TLS: the secure connection failed".to_string()
        }
        "ERR_HTTP_RESPONSE_CODE_FAILURE" | "ERR_INVALID_HTTP_RESPONSE" => {
            format!("{host} did not answer with a page")
        }
        _ => "the page did not load".to_string(),
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

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
            LIVE.lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|p| *p != pgid);
        }
    }
}

/// Loads `url` in headless Chromium and returns the DOM after its scripts ran, at most
/// `max_bytes` of it.
pub(super) async fn render(
    browser: &Path,
    url: &Url,
    user_agent: &str,
    wait_for: Option<&Selector>,
    timeout: Duration,
    max_bytes: u64,
) -> Result<String, FetchError> {
    let failed = |e: String| FetchError::Render(e);
    let profile = tempfile::Builder::new()
        .prefix("sourcewatch-chromium-")
        .tempdir()
        .map_err(|e| failed(format!("cannot create a browser profile: {e}")))?;
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
        "--no-first-run",
        "--mute-audio",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--user-agent={user_agent}"))
    .arg(format!("--virtual-time-budget={}", timeout.as_millis()))
    .arg("--dump-dom")
    .arg(url.as_str())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0)
    .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| failed(format!("cannot start {}: {e}", browser.display())))?;
    let _group = GroupGuard::new(
        child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(id as i32)),
    );
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let run = async {
        // A DOM over the limit ends both reads at once; the guard then kills the browser.
        let (dom, log) =
            tokio::try_join!(read_capped(&mut stdout, max_bytes), read_log(&mut stderr))?;
        let status = child
            .wait()
            .await
            .map_err(|e| failed(format!("waiting for the browser: {e}")))?;
        Ok::<_, FetchError>((status, dom, log))
    };
    // Real time beyond the virtual budget: start-up and the final layout.
    let limit = timeout + Duration::from_secs(10);
    let (status, dom, log) = tokio::time::timeout(limit, run).await.map_err(|_| {
        failed(format!(
            "the page did not render within {} s",
            limit.as_secs()
        ))
    })??;
    if !status.success() || dom.is_empty() {
        return Err(failed(failure(
            &String::from_utf8_lossy(&log),
            url,
            &status,
        )));
    }
    let dom = String::from_utf8_lossy(&dom).into_owned();
    if let Some(selector) = wait_for {
        let doc = dom::parse_document(&dom, &Deadline::after(timeout))
            .map_err(|e| failed(format!("the rendered DOM: {e}")))?;
        if doc.select(selector).next().is_none() {
            return Err(failed(format!(
                "wait_for never appeared within {} s",
                timeout.as_secs()
            )));
        }
    }
    Ok(dom)
}

/// The DOM on the browser's stdout, or `too_large` as soon as it passes `limit`.
async fn read_capped(pipe: impl AsyncRead + Unpin, limit: u64) -> Result<Vec<u8>, FetchError> {
    let mut dom = Vec::new();
    pipe.take(limit.saturating_add(1))
        .read_to_end(&mut dom)
        .await
        .map_err(|e| FetchError::Render(format!("reading the browser's output: {e}")))?;
    if dom.len() as u64 > limit {
        return Err(FetchError::TooLarge {
            limit,
            status: None,
        });
    }
    Ok(dom)
}

/// The browser's log to its end, keeping the first [`LOG_KEPT`] bytes. A failed read ends it:
/// the log only explains a failure. (No buffer of its own: a local array would live in every
/// fetch's future, a thousand of which wait at the start of a large check.)
async fn read_log(mut pipe: impl AsyncRead + Unpin) -> Result<Vec<u8>, FetchError> {
    let mut log = Vec::new();
    let _ = (&mut pipe)
        .take(LOG_KEPT as u64)
        .read_to_end(&mut log)
        .await;
    let _ = tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await;
    Ok(log)
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    #[test]
    fn chromium_failures_are_worded() {
        let url = Url::parse("http://nowhere.invalid/page").unwrap();
        let ok = std::process::ExitStatus::from_raw(0);
        let log = "[1:2:1202/053121.147691:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n\
                   [1:1:1202/053127.022171:ERROR:components/headless/command_handler/\
                   headless_command_handler.cc:403] Page load failed: net::ERR_NAME_NOT_RESOLVED\n";
        assert_eq!(
            failure(log, &url, &ok),
            "the browser could not load the page: the name nowhere.invalid could not be \
             resolved (DNS) (net::ERR_NAME_NOT_RESOLVED)"
        );
        let log = "Page load failed: net::ERR_CONNECTION_REFUSED";
        assert!(failure(log, &url, &ok).contains("nowhere.invalid refused the connection"));
        let log = "Page load failed: net::ERR_TIMED_OUT";
        assert!(failure(log, &url, &ok).contains("timed out"));
        let log = "[1:2:3:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n\
                   [1:1:3:ERROR:chrome/x.cc:1] Something broke\n";
        assert_eq!(
            failure(log, &url, &ok),
            "the browser failed: Something broke"
        );
        assert_eq!(failure("", &url, &ok), "the browser returned no page");
    }
}
