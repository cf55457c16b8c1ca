//! How a render fails: [`BrowserError`], each in words, and the [`FetchError`] (and so the
//! outcome) each becomes. A page the browser could not load fails as an HTTP fetch of it would:
//! a name that does not resolve or a refused connection is `unreachable`, a certificate problem
//! `tls_error`, too many redirects `http_error`; what only a browser can get wrong (it would not
//! start, the page crashed it, `wait_for` never matched) is `render_error`.

use reqwest::Url;

use super::cdp::CdpError;
use crate::fetch::FetchError;

#[derive(Debug, thiserror::Error)]
pub(super) enum BrowserError {
    #[error("cannot create a browser profile: {0}")]
    Profile(std::io::Error),
    #[error("cannot start {program}: {error}")]
    Start {
        program: String,
        error: std::io::Error,
    },
    /// The browser went away before the page was read; why, from its log.
    #[error("{0}")]
    Exited(String),
    #[error("the browser's DevTools protocol: {0}")]
    Protocol(#[from] CdpError),
    #[error("the page did not render within {0} s")]
    TimedOut(u64),
    #[error("the page crashed the browser")]
    Crashed,
    /// The main document did not load: Chromium's network error for `url`.
    #[error("{}", net_error_words(.code, .url))]
    Net { code: String, url: Url },
    /// The main document (the page, a redirect of it, or a page a script moved on to) went
    /// where the guard does not allow.
    #[error("refused: the page led to {0}")]
    Refused(String),
    #[error("the answer is a download, not a page")]
    Download,
    #[error("the browser showed {0}, not a page from the network")]
    NoPage(String),
    #[error("the rendered DOM is larger than max_body_bytes ({limit} bytes)")]
    TooLarge { limit: u64, status: u16 },
    #[error("wait_for never appeared within {0} s")]
    WaitFor(u64),
    #[error("the rendered DOM: {0}")]
    Dom(String),
}

impl From<BrowserError> for FetchError {
    fn from(e: BrowserError) -> FetchError {
        let words = e.to_string();
        match e {
            BrowserError::Net { code, .. } => match code.as_str() {
                "ERR_NAME_NOT_RESOLVED"
                | "ERR_NAME_RESOLUTION_FAILED"
                | "ERR_CONNECTION_REFUSED"
                | "ERR_CONNECTION_TIMED_OUT"
                | "ERR_ADDRESS_UNREACHABLE"
                | "ERR_NETWORK_UNREACHABLE"
                | "ERR_INTERNET_DISCONNECTED" => FetchError::CannotConnect(words),
                "ERR_TOO_MANY_REDIRECTS" => FetchError::Redirect(words),
                c if c.starts_with("ERR_CERT_") || c.starts_with("ERR_SSL_") => {
                    FetchError::Tls(words)
                }
                c if net_error_known(c) => FetchError::Unreachable(words),
                _ => FetchError::Render(words),
            },
            BrowserError::Refused(_) => FetchError::Unreachable(words),
            BrowserError::TooLarge { limit, status } => FetchError::TooLarge {
                limit,
                status: Some(status),
            },
            _ => FetchError::Render(words),
        }
    }
}

/// The network errors of a page that loaded nothing, other than connecting and TLS ones.
fn net_error_known(code: &str) -> bool {
    matches!(
        code,
        "ERR_CONNECTION_RESET"
            | "ERR_CONNECTION_CLOSED"
            | "ERR_CONNECTION_ABORTED"
            | "ERR_CONNECTION_FAILED"
            | "ERR_EMPTY_RESPONSE"
            | "ERR_TIMED_OUT"
            | "ERR_UNSAFE_PORT"
            | "ERR_INVALID_RESPONSE"
            | "ERR_INVALID_HTTP_RESPONSE"
            | "ERR_HTTP_RESPONSE_CODE_FAILURE"
            | "ERR_CONTENT_LENGTH_MISMATCH"
            | "ERR_INCOMPLETE_CHUNKED_ENCODING"
    )
}

/// Chromium's network error codes (net/base/net_error_list.h) that a check meets, in words,
/// with the code for a search.
fn net_error_words(code: &str, url: &Url) -> String {
    let host = url.host_str().unwrap_or("the host");
    let words = match code {
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" => {
            format!("the name {host} could not be resolved (DNS)")
        }
        "ERR_CONNECTION_REFUSED" => format!("{host} refused the connection"),
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" => format!("timed out waiting for {host}"),
        "ERR_CONNECTION_RESET" | "ERR_CONNECTION_ABORTED" => {
            format!("{host} reset the connection")
        }
        "ERR_CONNECTION_CLOSED" | "ERR_EMPTY_RESPONSE" => {
            format!("{host} closed the connection without an answer")
        }
        "ERR_CONNECTION_FAILED" => format!("the connection to {host} failed"),
        "ERR_ADDRESS_UNREACHABLE" | "ERR_NETWORK_UNREACHABLE" | "ERR_INTERNET_DISCONNECTED" => {
            format!("{host} cannot be reached from this network")
        }
        "ERR_TOO_MANY_REDIRECTS" => "too many redirects".to_string(),
        "ERR_UNSAFE_PORT" => format!(
            "port {} is one browsers refuse to connect to",
            url.port_or_known_default().unwrap_or(0)
        ),
        "ERR_CERT_AUTHORITY_INVALID" => {
            "the certificate's issuer is unknown (or the chain is incomplete)".to_string()
        }
        "ERR_CERT_DATE_INVALID" => "the certificate has expired or is not yet valid".into(),
        "ERR_CERT_COMMON_NAME_INVALID" => format!("the certificate is not for {host}"),
        c if c.starts_with("ERR_CERT_") || c.starts_with("ERR_SSL_") => {
            "the secure connection failed".to_string()
        }
        "ERR_CONTENT_LENGTH_MISMATCH" | "ERR_INCOMPLETE_CHUNKED_ENCODING" => {
            format!("the connection to {host} broke while the page was read")
        }
        "ERR_INVALID_RESPONSE" | "ERR_INVALID_HTTP_RESPONSE" | "ERR_HTTP_RESPONSE_CODE_FAILURE" => {
            format!("{host} did not answer with a page")
        }
        "ERR_ABORTED" => {
            "the answer was no page to show (an empty 204 answer, or a file to download)".into()
        }
        _ => "the browser could not load the page".to_string(),
    };
    format!("{words} (net::{code})")
}

/// Why the browser went away, from its log: the last error line that is not about D-Bus or the
/// GPU (noise on a server), without its `[pid:tid:time:ERROR:file(line)]` prefix.
pub(super) fn exited(log: &str, status: Option<std::process::ExitStatus>) -> String {
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
    match (reason, status) {
        (Some(reason), _) => format!("the browser failed: {reason}"),
        (None, Some(status)) if !status.success() => format!("the browser failed ({status})"),
        (None, _) => "the browser exited without a page".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;
    use crate::outcome::Outcome;

    fn net(code: &str, url: &str) -> FetchError {
        BrowserError::Net {
            code: code.to_string(),
            url: Url::parse(url).unwrap(),
        }
        .into()
    }

    #[test]
    fn network_errors_are_worded_and_have_the_outcome_of_an_http_fetch() {
        let e = net("ERR_NAME_NOT_RESOLVED", "http://nowhere.invalid/page");
        assert_eq!(e.outcome(), Outcome::Unreachable);
        assert_eq!(
            e.to_string(),
            "cannot connect: the name nowhere.invalid could not be resolved (DNS) \
             (net::ERR_NAME_NOT_RESOLVED)"
        );
        let e = net("ERR_CONNECTION_REFUSED", "http://127.0.0.1:9/");
        assert_eq!(e.outcome(), Outcome::Unreachable);
        assert!(e.to_string().contains("127.0.0.1 refused the connection"));
        let e = net("ERR_EMPTY_RESPONSE", "http://a.example/");
        assert_eq!(e.outcome(), Outcome::Unreachable);
        let e = net("ERR_CERT_DATE_INVALID", "https://a.example/");
        assert_eq!(e.outcome(), Outcome::TlsError);
        assert_eq!(
            e.to_string(),
            "TLS: the certificate has expired or is not yet valid (net::ERR_CERT_DATE_INVALID)"
        );
        assert_eq!(
            net("ERR_TOO_MANY_REDIRECTS", "http://a.example/").outcome(),
            Outcome::HttpError
        );
        let e = net("ERR_ABORTED", "http://a.example/");
        assert_eq!(e.outcome(), Outcome::RenderError);
        assert!(e.to_string().ends_with("(net::ERR_ABORTED)"), "{e}");
        let e: FetchError = BrowserError::Refused(
            "a link-local address 169.254.169.254 (http://169.254.169.254/); the source is at \
             a loopback address"
                .into(),
        )
        .into();
        assert_eq!(e.outcome(), Outcome::Unreachable);
        assert!(
            e.to_string()
                .starts_with("refused: the page led to a link-local address 169.254.169.254")
        );
    }

    #[test]
    fn a_browser_that_went_away_says_why_in_words() {
        let log = "[1:2:1202/053121.147691:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n\
                   [1:1:3:ERROR:chrome/app/chrome_main_delegate.cc:1226] Remote debugging pipe \
                   file descriptors are not open.\n";
        assert_eq!(
            exited(log, None),
            "the browser failed: Remote debugging pipe file descriptors are not open."
        );
        let failed = std::process::ExitStatus::from_raw(256);
        assert_eq!(
            exited("", Some(failed)),
            "the browser failed (exit status: 1)"
        );
        assert_eq!(exited("", None), "the browser exited without a page");
    }
}
