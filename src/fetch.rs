//! Getting a source's bytes politely (SPEC §8).
//!
//! One shared HTTP client (rustls with the standard roots; a second client only for a source that
//! brings its own `ca_file`), a global limit on requests in flight, and per host a limit and a
//! least interval between request starts, as lychee does it. Retries with exponential backoff and
//! jitter happen here and only here, decided by [`retry_after`]; `Retry-After` is honoured up to
//! a cap. Conditional GET uses the stored validators. Bodies are read as a stream and cut off at
//! `max_body_bytes` after decompression, so neither a huge page nor a gzip bomb can exhaust memory.
//! Bot walls and challenge pages are recognised and reported as `blocked`, never as content.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap};
use reqwest::{Client, StatusCode, redirect};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::outcome::Outcome;
use crate::registry::{Settings, Source};
use crate::store::Validators;

/// The longest `Retry-After` we wait for; a server asking for more is treated as refusing.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Unreachable(String),
    #[error("HTTP {status}")]
    Http { status: u16, final_url: String },
    #[error("blocked: {reason}")]
    Blocked { status: Option<u16>, reason: String },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("body larger than max_body_bytes ({limit} bytes)")]
    TooLarge { limit: u64, status: u16 },
    #[error("{0}")]
    Redirect(String),
    #[error("robots.txt disallows {0}")]
    RobotsDisallowed(String),
    #[error("render: {0}")]
    Render(String),
}

impl FetchError {
    pub fn outcome(&self) -> Outcome {
        match self {
            FetchError::Unreachable(_) => Outcome::Unreachable,
            FetchError::Http { .. } | FetchError::Redirect(_) => Outcome::HttpError,
            FetchError::Blocked { .. } => Outcome::Blocked,
            FetchError::Tls(_) => Outcome::TlsError,
            FetchError::TooLarge { .. } => Outcome::TooLarge,
            FetchError::RobotsDisallowed(_) => Outcome::RobotsDisallowed,
            FetchError::Render(_) => Outcome::RenderError,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Http { status, .. } | FetchError::TooLarge { status, .. } => Some(*status),
            FetchError::Blocked { status, .. } => *status,
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub final_url: String,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub enum Fetched {
    Body(Response),
    NotModified {
        final_url: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// A place among the requests in flight, held while a fetched body waits to be processed.
pub struct Slot(#[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>);

/// What went wrong in one attempt, and whether another attempt may help.
struct AttemptError {
    error: FetchError,
    /// `None`: final. `Some(None)`: retry after the usual backoff. `Some(Some(d))`: the server
    /// said when (`Retry-After`).
    retry: Option<Option<Duration>>,
}

struct HostGate {
    permits: Semaphore,
    /// The earliest moment the next request to this host may start.
    next_start: Mutex<Instant>,
}

/// A host's turn: holds its permits; when dropped (the response is read or abandoned), the next
/// request to the host waits a full interval from now. So the gap holds between the end of one
/// exchange and the start of the next, however long the connection took to set up.
struct Turn<'g> {
    gate: &'g HostGate,
    interval: Duration,
    _host: tokio::sync::SemaphorePermit<'g>,
    /// Taken by a successful fetch, so the body's processing counts against the global limit.
    global: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut next = self.gate.next_start.lock().expect("gate lock");
        *next = (*next).max(Instant::now() + self.interval);
    }
}

/// robots.txt of one origin, fetched at most once per run. `None`: no rules apply (missing,
/// unreadable, or the server could not be asked).
type RobotsCell = Arc<tokio::sync::OnceCell<Option<texting_robots::Robot>>>;

/// The name matched against `User-agent:` lines in robots.txt.
pub const ROBOT_NAME: &str = "sourcewatch";
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

pub struct Fetcher {
    client: Client,
    robots: Mutex<HashMap<String, RobotsCell>>,
    /// Clients for sources with their own `ca_file`, keyed by source id.
    ca_clients: HashMap<String, Client>,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    per_host_concurrency: usize,
    per_host_interval: Duration,
    retries: u32,
    max_body_bytes: u64,
    user_agent: String,
    timeout: Duration,
    /// `[settings] browser`; the lookup (env, PATH) happens at the first render.
    browser: Option<std::path::PathBuf>,
    /// One browser at a time: each is hundreds of megabytes.
    browsers: Semaphore,
}

pub fn user_agent(contact: Option<&str>) -> String {
    match contact {
        Some(c) if !c.trim().is_empty() => {
            format!("sourcewatch/{} (+{})", env!("CARGO_PKG_VERSION"), c.trim())
        }
        _ => format!("sourcewatch/{}", env!("CARGO_PKG_VERSION")),
    }
}

/// The client every request of sourcewatch uses: honest User-Agent, timeouts, redirect policy,
/// compression, no proxy.
pub fn client_builder(settings: &Settings) -> reqwest::ClientBuilder {
    // The ring provider builds much faster than aws-lc; it must be installed before the first
    // client. A second install (tests, `watch` reloads) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .user_agent(user_agent(settings.contact.as_deref()))
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        .redirect(redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                let scheme = attempt.url().scheme().to_string();
                attempt.error(format!("redirect to a {scheme}: URL refused"))
            } else {
                attempt.follow()
            }
        }))
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .no_proxy()
}

impl Fetcher {
    pub fn new(settings: &Settings, sources: &[Arc<Source>]) -> Result<Fetcher, reqwest::Error> {
        let client = client_builder(settings).build()?;
        let mut ca_clients = HashMap::new();
        for source in sources {
            if let Some(pem) = &source.ca_pem {
                let certs = reqwest::Certificate::from_pem_bundle(pem)?;
                let c = client_builder(settings).tls_certs_merge(certs).build()?;
                ca_clients.insert(source.id.clone(), c);
            }
        }
        Ok(Fetcher {
            client,
            robots: Mutex::new(HashMap::new()),
            ca_clients,
            global: Arc::new(Semaphore::new(settings.concurrency)),
            hosts: Mutex::new(HashMap::new()),
            per_host_concurrency: settings.per_host_concurrency,
            per_host_interval: settings.per_host_interval,
            retries: settings.retries,
            max_body_bytes: settings.max_body_bytes,
            user_agent: user_agent(settings.contact.as_deref()),
            timeout: settings.timeout,
            browser: settings.browser.clone(),
            browsers: Semaphore::new(1),
        })
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().expect("host map lock");
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    permits: Semaphore::new(self.per_host_concurrency),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Fetches a source, retrying what may succeed on another try.
    ///
    /// On success the global slot of the request comes back with the body: the caller keeps it
    /// until the body is processed, so no more bodies wait in memory than requests may be in
    /// flight.
    pub async fn fetch(
        &self,
        source: &Source,
        validators: Option<&Validators>,
    ) -> Result<(Fetched, Slot), FetchError> {
        let client = self.ca_clients.get(&source.id).unwrap_or(&self.client);
        let gate = self.admit(client, source).await?;
        let mut attempt = 0;
        loop {
            let mut turn = self.turn(&gate).await;
            let result = self.attempt(client, source, validators).await;
            let slot = Slot(turn.global.take());
            drop(turn);
            match result {
                Ok(fetched) => return Ok((fetched, slot)),
                Err(AttemptError {
                    error,
                    retry: Some(after),
                }) if attempt < self.retries => {
                    let wait = after.unwrap_or_else(|| backoff(attempt));
                    tracing::debug!(source = %source.id, attempt, ?wait, %error, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(AttemptError { error, .. }) => return Err(persisting(error)),
            }
        }
    }

    /// Loads the source in headless Chromium (see `render`), under the same robots.txt rules,
    /// per-host limits and User-Agent as an HTTP fetch. The rendered DOM comes back as an HTML
    /// body.
    pub async fn render(&self, source: &Source) -> Result<(Fetched, Slot), FetchError> {
        let browser =
            crate::render::find_browser(self.browser.as_deref()).map_err(FetchError::Render)?;
        let gate = self.admit(&self.client, source).await?;
        let _one_browser = self.browsers.acquire().await.expect("never closed");
        let mut turn = self.turn(&gate).await;
        let dom = crate::render::render(
            &browser,
            &source.url,
            &self.user_agent,
            source.wait_for.as_ref(),
            self.timeout,
        )
        .await
        .map_err(FetchError::Render)?;
        let slot = Slot(turn.global.take());
        Ok((
            Fetched::Body(Response {
                status: 200,
                final_url: source.url.to_string(),
                content_type: Some("text/html; charset=utf-8".to_string()),
                etag: None,
                last_modified: None,
                body: dom.into_bytes(),
            }),
            slot,
        ))
    }

    /// The host's gate, once robots.txt allows the source (or the source opted out of it).
    async fn admit(&self, client: &Client, source: &Source) -> Result<Arc<HostGate>, FetchError> {
        let gate = self.gate(source.url.host_str().unwrap_or_default());
        if source.respect_robots && !self.robots_allow(client, &gate, &source.url).await {
            return Err(FetchError::RobotsDisallowed(source.url.path().to_string()));
        }
        Ok(gate)
    }

    /// Waits for this host's turn: its concurrency limit, then its least interval, then a global
    /// slot. The permits are held for as long as the returned guard lives.
    async fn turn<'g>(&'g self, gate: &'g HostGate) -> Turn<'g> {
        let host = gate.permits.acquire().await.expect("never closed");
        loop {
            let wait = {
                let mut next = gate.next_start.lock().expect("gate lock");
                let now = Instant::now();
                if now >= *next {
                    *next = now + self.per_host_interval;
                    None
                } else {
                    Some(*next)
                }
            };
            match wait {
                Some(at) => tokio::time::sleep_until(at).await,
                None => break,
            }
        }
        let global = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        Turn {
            gate,
            interval: self.per_host_interval,
            _host: host,
            global: Some(global),
        }
    }

    /// The robots.txt rules of the URL's origin, fetched once per run (RFC 9309). A missing
    /// robots.txt (4xx) allows everything. An unreachable one or a 5xx also lets the fetch go
    /// ahead: the page's own fetch then reports what is wrong with the server, instead of every
    /// source on a flaky host showing up as `robots_disallowed`.
    async fn robots_allow(&self, client: &Client, gate: &HostGate, url: &reqwest::Url) -> bool {
        let origin = url.origin().ascii_serialization();
        let cell = self
            .robots
            .lock()
            .expect("robots map lock")
            .entry(origin.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| async {
            let robots_url = format!("{origin}/robots.txt");
            let _turn = self.turn(gate).await;
            let resp = match client.get(&robots_url).send().await {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => {
                    tracing::debug!(%robots_url, status = %r.status(), "no robots rules");
                    return None;
                }
                Err(e) => {
                    tracing::debug!(%robots_url, "robots.txt unreachable: {e}");
                    return None;
                }
            };
            if resp.content_length().is_some_and(|l| l > ROBOTS_MAX_BYTES) {
                return None;
            }
            let body = resp.bytes().await.ok()?;
            let body = &body[..body.len().min(ROBOTS_MAX_BYTES as usize)];
            texting_robots::Robot::new(ROBOT_NAME, body).ok()
        })
        .await
        .as_ref()
        .is_none_or(|robot| robot.allowed(url.as_str()))
    }

    async fn attempt(
        &self,
        client: &Client,
        source: &Source,
        validators: Option<&Validators>,
    ) -> Result<Fetched, AttemptError> {
        let mut req = client.get(source.url.clone());
        let mut conditional = false;
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
                conditional = true;
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
                conditional = true;
            }
        }
        let mut resp = req.send().await.map_err(classify)?;
        let status = resp.status();
        let final_url = resp.url().to_string();
        let headers = resp.headers().clone();
        let etag = header_string(&headers, header::ETAG);
        let last_modified = header_string(&headers, header::LAST_MODIFIED);
        // A 304 to a request that asked nothing conditional points at no stored text: it is
        // a broken answer, reported like any other HTTP error.
        if status == StatusCode::NOT_MODIFIED && conditional {
            return Ok(Fetched::NotModified {
                final_url,
                etag,
                last_modified,
            });
        }
        if let Some(len) = resp.content_length()
            && len > self.max_body_bytes
        {
            return Err(AttemptError {
                error: FetchError::TooLarge {
                    limit: self.max_body_bytes,
                    status: status.as_u16(),
                },
                retry: None,
            });
        }
        let mut body = Vec::with_capacity(
            resp.content_length()
                .unwrap_or(64 * 1024)
                .min(self.max_body_bytes) as usize,
        );
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > self.max_body_bytes {
                        return Err(AttemptError {
                            error: FetchError::TooLarge {
                                limit: self.max_body_bytes,
                                status: status.as_u16(),
                            },
                            retry: None,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(classify(e)),
            }
        }
        if let Some(reason) = bot_wall(status, &headers, &body) {
            return Err(AttemptError {
                error: FetchError::Blocked {
                    status: Some(status.as_u16()),
                    reason,
                },
                retry: None,
            });
        }
        if !status.is_success() {
            let retry = if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                match retry_after(&headers) {
                    Some(d) if d > RETRY_AFTER_CAP => None,
                    Some(d) => Some(Some(d)),
                    None => Some(None),
                }
            } else {
                None
            };
            return Err(AttemptError {
                error: FetchError::Http {
                    status: status.as_u16(),
                    final_url,
                },
                retry,
            });
        }
        Ok(Fetched::Body(Response {
            status: status.as_u16(),
            final_url,
            content_type: header_string(&headers, header::CONTENT_TYPE),
            etag,
            last_modified,
            body,
        }))
    }
}

/// A 429 that outlasts every retry is a bot wall by another name.
fn persisting(error: FetchError) -> FetchError {
    match error {
        FetchError::Http { status: 429, .. } => FetchError::Blocked {
            status: Some(429),
            reason: "HTTP 429 Too Many Requests on every attempt".to_string(),
        },
        other => other,
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
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Recognises bot walls, captchas and WAF challenges, which must never be taken for content.
pub fn bot_wall(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if headers
        .get("cf-mitigated")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"challenge"))
    {
        return Some("Cloudflare challenge (cf-mitigated: challenge)".into());
    }
    if let Some(action) = headers.get("x-amzn-waf-action") {
        return Some(format!(
            "AWS WAF action {}",
            String::from_utf8_lossy(action.as_bytes())
        ));
    }
    if !matches!(status.as_u16(), 403 | 429 | 503) && !status.is_success() {
        return None;
    }
    // A success page that merely mentions a captcha is content; only small 200 pages that are
    // nothing but a challenge count. Large 200 pages are not scanned at all.
    let is_error = !status.is_success();
    if !is_error && body.len() >= 16 * 1024 {
        return None;
    }
    let sample = &body[..body.len().min(32 * 1024)];
    let has = |marker: &str| {
        sample
            .windows(marker.len())
            .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
    };
    let walls: &[(&[&str], &str)] = &[
        (
            &["access denied", "reference"],
            "Akamai \"Access Denied\" page",
        ),
        (
            &["attention required", "cloudflare"],
            "Cloudflare block page",
        ),
        (
            &["just a moment", "challenge-platform"],
            "Cloudflare challenge page",
        ),
        (&["incapsula incident id"], "Imperva/Incapsula block page"),
        (
            &["request unsuccessful", "incapsula"],
            "Imperva/Incapsula block page",
        ),
        (
            &["the requested url was rejected", "support id"],
            "F5 ASM block page",
        ),
        (&["g-recaptcha"], "captcha form (reCAPTCHA)"),
        (&["h-captcha"], "captcha form (hCaptcha)"),
        (&["captcha"], "captcha form"),
        (&["ddos-guard"], "DDoS-Guard check page"),
    ];
    for (markers, what) in walls {
        if markers.iter().all(|m| has(m)) {
            if status.is_success() && markers == &["captcha"] {
                continue;
            }
            return Some(format!("{what} (HTTP {})", status.as_u16()));
        }
    }
    None
}

fn classify(e: reqwest::Error) -> AttemptError {
    if let Some(tls) = tls_problem(&e) {
        return AttemptError {
            error: FetchError::Tls(tls),
            retry: None,
        };
    }
    if e.is_redirect() {
        return AttemptError {
            error: FetchError::Redirect(error_chain(&e)),
            retry: None,
        };
    }
    let what = if e.is_timeout() {
        format!("timed out: {}", error_chain(&e))
    } else if e.is_connect() {
        format!("cannot connect: {}", error_chain(&e))
    } else if e.is_body() || e.is_decode() {
        format!(
            "connection broken while reading the body: {}",
            error_chain(&e)
        )
    } else {
        error_chain(&e)
    };
    AttemptError {
        error: FetchError::Unreachable(what),
        retry: Some(None),
    }
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

/// Finds a rustls error in the chain and says what is wrong with the certificate in words.
fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(describe_tls(r));
        }
        // `io::Error::source()` skips the error it wraps (hyper-rustls nests two of them), so
        // step into the wrapped error itself.
        cur = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn describe_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "certificate has an unknown issuer (not signed by a trusted \
                                 root, or the server sends an incomplete chain; a ca_file can \
                                 add the missing root)"
                .to_string(),
            C::Expired | C::ExpiredContext { .. } => "certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "certificate is not valid yet".to_string()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "certificate is not valid for this host name".to_string()
            }
            C::Revoked => "certificate has been revoked".to_string(),
            C::BadSignature => "certificate has a bad signature".to_string(),
            other => format!("invalid certificate: {other:?}"),
        },
        other => other.to_string(),
    }
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
    fn bot_walls_are_recognised() {
        let h = HeaderMap::new();
        let akamai = b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have \
            permission to access this server.<P>Reference&#32;#18.abc</BODY></HTML>";
        assert!(bot_wall(StatusCode::FORBIDDEN, &h, akamai).is_some());
        let mut cf = HeaderMap::new();
        cf.insert("cf-mitigated", "challenge".parse().unwrap());
        assert!(bot_wall(StatusCode::FORBIDDEN, &cf, b"").is_some());
        // A real page that mentions captcha in passing is content.
        let page = format!(
            "<p>Apply online; a captcha protects the form.</p>{}",
            "x".repeat(20_000)
        );
        assert!(bot_wall(StatusCode::OK, &h, page.as_bytes()).is_none());
        assert!(bot_wall(StatusCode::NOT_FOUND, &h, akamai).is_none());
    }
}
