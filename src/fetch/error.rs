//! How a fetch fails: one [`FetchError`] per failure, which knows the outcome it is reported as,
//! and the mapping of reqwest's errors onto it with the retry decision for each.

use super::guard::Refused;
use super::retry::Retry;
use super::tls::tls_problem;
use crate::outcome::Outcome;

#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("{0}")]
    Unreachable(String),
    /// No connection could be made (the name did not resolve, the port refused, the connect
    /// timed out): the host, not the page, is the trouble.
    #[error("cannot connect: {0}")]
    CannotConnect(String),
    #[error("HTTP {status}")]
    Http { status: u16, final_url: String },
    /// A 304 to a request that asked nothing conditional: a broken answer, an HTTP error.
    #[error("HTTP 304 to a request that was not conditional")]
    NotModifiedUnasked { final_url: String },
    #[error("blocked: {reason}")]
    Blocked { status: Option<u16>, reason: String },
    #[error("TLS: {0}")]
    Tls(String),
    /// `status` is the HTTP status of the response; none for a DOM the browser made.
    #[error("body larger than max_body_bytes ({limit} bytes)")]
    TooLarge { limit: u64, status: Option<u16> },
    #[error("{0}")]
    Redirect(String),
    #[error("robots.txt disallows {0}")]
    RobotsDisallowed(String),
    #[error("render: {0}")]
    Render(String),
}

impl FetchError {
    pub(crate) fn outcome(&self) -> Outcome {
        match self {
            FetchError::Unreachable(_) | FetchError::CannotConnect(_) => Outcome::Unreachable,
            FetchError::Http { .. }
            | FetchError::NotModifiedUnasked { .. }
            | FetchError::Redirect(_) => Outcome::HttpError,
            FetchError::Blocked { .. } => Outcome::Blocked,
            FetchError::Tls(_) => Outcome::TlsError,
            FetchError::TooLarge { .. } => Outcome::TooLarge,
            FetchError::RobotsDisallowed(_) => Outcome::RobotsDisallowed,
            FetchError::Render(_) => Outcome::RenderError,
        }
    }

    pub(crate) fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Http { status, .. } => Some(*status),
            FetchError::NotModifiedUnasked { .. } => Some(304),
            FetchError::Blocked { status, .. } | FetchError::TooLarge { status, .. } => *status,
            _ => None,
        }
    }
}

/// A 429 that outlasts every retry is a bot wall by another name.
pub(super) fn persisting(error: FetchError) -> FetchError {
    match error {
        FetchError::Http { status: 429, .. } => FetchError::Blocked {
            status: Some(429),
            reason: "HTTP 429 Too Many Requests on every attempt".to_string(),
        },
        other => other,
    }
}

pub(super) fn classify(e: reqwest::Error) -> (FetchError, Retry) {
    // A redirect further inside the network, refused by the policy or the resolver.
    if let Some(refused) = find::<Refused>(&e) {
        return (FetchError::Unreachable(refused.0.clone()), Retry::No);
    }
    if let Some(tls) = tls_problem(&e) {
        return (FetchError::Tls(tls), Retry::No);
    }
    if e.is_redirect() {
        return (FetchError::Redirect(error_chain(&e)), Retry::No);
    }
    if e.is_connect() {
        return (FetchError::CannotConnect(error_chain(&e)), Retry::Backoff);
    }
    let what = if e.is_timeout() {
        // The limit and the attempts are added by the fetch that knows them (`timed_out`).
        TIMED_OUT.to_string()
    } else if e.is_body() || e.is_decode() {
        format!(
            "connection broken while reading the body: {}",
            error_chain(&e)
        )
    } else {
        error_chain(&e)
    };
    (FetchError::Unreachable(what), Retry::Backoff)
}

/// What a request that ran out of time says until [`timed_out`] says how long and how often.
const TIMED_OUT: &str = "timed out";

/// A timeout said with its limit and the attempts made: "timed out after 30 s (3 attempts)".
pub(super) fn timed_out(
    error: FetchError,
    limit: std::time::Duration,
    attempts: u32,
) -> FetchError {
    match error {
        FetchError::Unreachable(what) if what == TIMED_OUT => {
            let tries = if attempts == 1 {
                "1 attempt".to_string()
            } else {
                format!("{attempts} attempts")
            };
            FetchError::Unreachable(format!(
                "timed out after {} s ({tries}; timeout_secs in [settings] sets the limit)",
                limit.as_secs_f32()
            ))
        }
        other => other,
    }
}

/// The first error of type `T` in `e`'s chain.
fn find<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

/// The causes of an error, innermost last. reqwest's own top line only repeats the URL, which the
/// report already shows, so it is left out when there is a cause to show.
fn error_chain(e: &reqwest::Error) -> String {
    let Some(first) = std::error::Error::source(e) else {
        return e.to_string();
    };
    let mut parts: Vec<String> = vec![first.to_string()];
    let mut cur = first.source();
    while let Some(inner) = cur {
        let s = inner.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = inner.source();
    }
    parts.retain(|p| p != "client error (Connect)");
    parts.join(": ")
}
