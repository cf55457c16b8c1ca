//! When another attempt may help, and how long to wait for it: decided once, on the failure
//! itself (lychee's "decisions on the type"), and applied by one loop that both page fetches
//! and webhook notifications use.

use std::future::Future;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

/// The longest `Retry-After` we wait for; a server asking for more is treated as refusing.
pub(crate) const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Final: another attempt would get the same answer.
    No,
    /// Try again after the usual backoff.
    Backoff,
    /// Try again when the server said (`Retry-After`).
    After(Duration),
    /// Final: the server asked for a longer pause (`Retry-After`) than a run waits.
    Paused(Duration),
}

impl Retry {
    /// Server errors and 429 may pass; other statuses are the answer.
    pub(crate) fn for_status(status: StatusCode, headers: &HeaderMap) -> Retry {
        if !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS) {
            return Retry::No;
        }
        match retry_after(headers) {
            Some(d) if d > RETRY_AFTER_CAP => Retry::Paused(d),
            Some(d) => Retry::After(d),
            None => Retry::Backoff,
        }
    }

    /// How long to wait before attempt `attempt + 1`, or `None` when it is not worth making.
    pub(crate) fn wait(self, attempt: u32) -> Option<Duration> {
        match self {
            Retry::No | Retry::Paused(_) => None,
            Retry::Backoff => Some(backoff(attempt)),
            Retry::After(d) => Some(d),
        }
    }
}

/// Runs `attempt(0)`, `attempt(1)`, … until one succeeds, one fails with [`Retry::No`], or
/// `retries` further attempts have been made; returns the last error.
pub(crate) async fn with_retries<T, E, F, Fut>(retries: u32, mut attempt: F) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, (E, Retry)>>,
{
    let mut n = 0;
    loop {
        match attempt(n).await {
            Ok(v) => return Ok(v),
            Err((error, retry)) => match retry.wait(n) {
                Some(wait) if n < retries => {
                    tracing::debug!(attempt = n, ?wait, %error, "retrying");
                    tokio::time::sleep(wait).await;
                    n += 1;
                }
                _ => return Err(error),
            },
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE
        .saturating_mul(1 << attempt.min(16))
        .min(BACKOFF_MAX);
    // ±25% jitter so that many sources retrying one host do not return in lockstep.
    base.mul_f64(0.75 + fastrand::f64() * 0.5)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_date() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(30);
        h.insert(header::RETRY_AFTER, later.to_rfc2822().parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
    }

    #[test]
    fn backoff_grows_with_jitter() {
        for attempt in 0..4 {
            let d = backoff(attempt);
            let base = BACKOFF_BASE * (1 << attempt);
            assert!(d >= base.mul_f64(0.75) && d <= base.mul_f64(1.25), "{d:?}");
        }
        assert!(backoff(30) <= BACKOFF_MAX.mul_f64(1.25));
    }

    #[test]
    fn statuses_decide_the_retry() {
        let mut h = HeaderMap::new();
        assert_eq!(Retry::for_status(StatusCode::NOT_FOUND, &h), Retry::No);
        assert_eq!(
            Retry::for_status(StatusCode::BAD_GATEWAY, &h),
            Retry::Backoff
        );
        h.insert(header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(
            Retry::for_status(StatusCode::TOO_MANY_REQUESTS, &h),
            Retry::After(Duration::from_secs(2))
        );
        h.insert(header::RETRY_AFTER, "3600".parse().unwrap());
        assert_eq!(
            Retry::for_status(StatusCode::SERVICE_UNAVAILABLE, &h),
            Retry::Paused(Duration::from_secs(3600))
        );
        assert_eq!(Retry::Paused(Duration::from_secs(3600)).wait(0), None);
    }
}
