//! Getting a source's bytes politely.
//!
//! One shared HTTP client (rustls with the standard roots; a second client only for a source that
//! brings its own `ca_file`), a global limit on requests in flight, and per host a limit and a
//! least interval between requests, as lychee does it. Retries with exponential backoff and
//! jitter happen here and only here; `Retry-After` is honoured up to a cap. Conditional GET uses
//! the stored validators. Bodies are read as a stream and cut off at `max_body_bytes` after
//! decompression, so neither a huge page nor a gzip bomb can exhaust memory. Bot walls and
//! challenge pages are recognised by their vendors' headers, markup and titles and reported as
//! `blocked`, never as content; a page whose words alone read as a challenge comes back marked
//! (`Response::wall_words`) for the check to judge against the baseline.
//!
//! ```text
//! fetch/
//!   mod.rs      Fetcher: admit (robots) → turn (host gate) → attempt, with retries
//!   client.rs   the reqwest client: User-Agent, timeouts, redirect policy, compression
//!   guard/      where a redirect, or a rendered page's request, may lead (never further inside
//!               than the source), DNS too
//!   body.rs     reading a body as a stream within a limit (pages and robots.txt)
//!   gate.rs     per-host concurrency and interval (a 429 holds the host), the global limit
//!   host.rs     HostKey: what "a host" is to the gate, giving up, and progress
//!   retry.rs    Retry (the decision) and the one retry loop, also used by notify
//!   robots.rs   robots.txt once per origin per run
//!   wall/       bot walls, captchas, WAF challenges: vendors' signals, challenge wording
//!   error.rs    FetchError (knows its outcome), reqwest errors mapped onto it
//!   tls.rs      certificate problems in words
//!   browser/    render = "browser": headless Chromium over the DevTools protocol, one DOM per page
//! ```

mod body;
mod browser;
pub(crate) mod client;
mod error;
mod gate;
mod guard;
mod host;
pub(crate) mod retry;
mod robots;
mod tls;
mod wall;

use std::collections::HashMap;

use reqwest::header::{self, HeaderMap};
use reqwest::{Client, StatusCode};
use tokio::sync::Semaphore;

pub(crate) use browser::kill_all as kill_browsers;
pub(crate) use error::FetchError;
pub(crate) use gate::Slot;
use gate::{Gates, HostGate};
pub(crate) use host::HostKey;
use retry::{Retry, with_retries};

use crate::registry::{Settings, Source};

/// The longest wait for the sources' host names to resolve before the first request.
const LEARN_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What a conditional GET sends back: the validators of the stored latest capture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Validators {
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) final_url: String,
    pub(crate) content_type: Option<String>,
    pub(crate) validators: Validators,
    pub(crate) body: Vec<u8>,
    /// The body as the server sent it, when that was gzip: kept as the raw body as it is.
    pub(crate) gzip: Option<Vec<u8>>,
    /// Where every redirect on the way was permanent (301, 308): the URL the page now lives at.
    pub(crate) moved_to: Option<String>,
    /// Set when only the page's words read as a challenge (the reason, with the status): the
    /// check decides with the baseline whether it is one (see `wall`).
    pub(crate) wall_words: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Fetched {
    Body(Response),
    /// A 304 to a conditional request: the stored latest capture still stands. Its validators
    /// are the ones to send next time (those it answered to when it repeats none).
    NotModified {
        final_url: String,
        validators: Validators,
    },
}

#[derive(Default)]
struct HostHealth {
    /// Connection failures in a row, whichever sources they were for.
    failures: u32,
    /// Set once the host is given up on for the run: why.
    down: Option<String>,
    /// Set once the host asked for a longer pause than a run waits: what it said.
    paused: Option<String>,
}

pub(crate) struct Fetcher {
    client: Client,
    /// Judges redirects; learns where the sources' hosts are before the first request.
    guard: std::sync::Arc<guard::Guard>,
    learned: tokio::sync::OnceCell<()>,
    /// Clients for sources with their own `ca_file`, keyed by source id.
    ca_clients: HashMap<String, Client>,
    gates: Gates,
    robots: robots::Robots,
    retries: u32,
    max_body_bytes: u64,
    user_agent: String,
    timeout: std::time::Duration,
    /// `[settings] browser`; the lookup (env, PATH) happens at the first render.
    browser: Option<std::path::PathBuf>,
    /// One browser at a time: each is hundreds of megabytes.
    browsers: Semaphore,
    /// Connection failures per host in this run, and the hosts given up on.
    down: std::sync::Mutex<HashMap<HostKey, HostHealth>>,
}

impl Fetcher {
    pub(crate) fn new(
        settings: &Settings,
        sources: &[std::sync::Arc<Source>],
    ) -> Result<Fetcher, reqwest::Error> {
        let guard = std::sync::Arc::new(guard::Guard::new(sources.iter().map(|s| &s.url)));
        let client = client::guarded(settings, &guard).build()?;
        let mut ca_clients = HashMap::new();
        for source in sources {
            if let Some(pem) = &source.ca_pem {
                let certs = reqwest::Certificate::from_pem_bundle(pem)?;
                let c = client::guarded(settings, &guard)
                    .tls_certs_merge(certs)
                    .build()?;
                ca_clients.insert(source.id.clone(), c);
            }
        }
        Ok(Fetcher {
            client,
            guard,
            learned: tokio::sync::OnceCell::new(),
            ca_clients,
            gates: Gates::new(
                settings.concurrency,
                settings.per_host_concurrency,
                settings.per_host_interval,
            ),
            robots: robots::Robots::default(),
            retries: settings.retries,
            max_body_bytes: settings.max_body_bytes,
            user_agent: client::user_agent(settings.contact.as_deref()),
            timeout: settings.timeout,
            browser: settings.browser.clone(),
            browsers: Semaphore::new(1),
            down: Default::default(),
        })
    }

    /// Gets the source the way its `render` says: HTTP (with the validators, if any) or the
    /// browser.
    ///
    /// On success the global slot of the request comes back with the body: the caller keeps it
    /// until the body is processed, so no more bodies wait in memory than requests may be in
    /// flight.
    pub(crate) async fn get(
        &self,
        source: &Source,
        validators: Option<&Validators>,
    ) -> Result<(Fetched, Slot), FetchError> {
        self.learned
            .get_or_init(|| self.guard.learn(self.timeout.min(LEARN_LIMIT)))
            .await;
        match source.render {
            crate::registry::Render::Http => self.fetch(source, validators).await,
            crate::registry::Render::Browser => self.render(source).await,
        }
    }

    /// [`Self::get`] without validators: the page's body, or why there is none.
    pub(crate) async fn get_body(&self, source: &Source) -> Result<(Response, Slot), FetchError> {
        match self.get(source, None).await? {
            (Fetched::Body(response), slot) => Ok((response, slot)),
            (Fetched::NotModified { final_url, .. }, _) => {
                Err(FetchError::NotModifiedUnasked { final_url })
            }
        }
    }

    /// Fetches a source over HTTP, retrying what may succeed on another try.
    async fn fetch(
        &self,
        source: &Source,
        validators: Option<&Validators>,
    ) -> Result<(Fetched, Slot), FetchError> {
        let client = self.ca_clients.get(&source.id).unwrap_or(&self.client);
        let host = &HostKey::of(&source.url);
        if let Some(down) = self.host_down(host) {
            return Err(down);
        }
        let gate = self.admit(client, source).await?;
        let gate = &*gate;
        let attempts = &std::sync::atomic::AtomicU32::new(0);
        with_retries(self.retries, move |n| async move {
            attempts.store(n + 1, std::sync::atomic::Ordering::Relaxed);
            let turn = self.gates.turn(gate).await;
            if let Some(down) = self.host_down(host) {
                turn.unused();
                return Err((down, Retry::No));
            }
            let mut turn = turn;
            let attempt = self.attempt(client, source, validators).await;
            self.note_connection(host, attempt.as_ref().err().map(|(e, _)| e));
            // A host that asks us to slow down is asked nothing more by any source until then
            // (lychee's per-host backoff), not only by the source it told; one that asks for
            // longer than a run waits is asked nothing more in this run.
            let attempt = match attempt {
                Err((FetchError::Http { status: 429, .. }, Retry::Paused(pause))) => {
                    Err((self.pause_host(host, pause), Retry::No))
                }
                Err((e @ FetchError::Http { status: 429, .. }, retry)) => {
                    if let Some(wait) = retry.wait(n) {
                        gate.hold_for(wait);
                    }
                    Err((e, retry))
                }
                other => other,
            };
            Ok((attempt?, turn.keep_slot()))
        })
        .await
        .map_err(|e| {
            let made = attempts.load(std::sync::atomic::Ordering::Relaxed);
            error::timed_out(error::persisting(e), self.timeout, made)
        })
    }

    /// Counts connection failures of a host in a row, across its sources: after as many as one
    /// source's attempts, the host is down for the rest of the run.
    fn note_connection(&self, host: &HostKey, error: Option<&FetchError>) {
        let mut hosts = self.down.lock().expect("down hosts lock");
        let health = hosts.entry(host.clone()).or_default();
        match error {
            Some(FetchError::CannotConnect(why)) => {
                health.failures += 1;
                if health.failures > self.retries {
                    health.down.get_or_insert_with(|| why.clone());
                }
            }
            Some(_) => {}
            None => health.failures = 0,
        }
    }

    /// A host no connection could be made to in this run, as many times in a row as one source
    /// may try: the sources that wait for it fail at once with the same reason instead of each
    /// trying again (seven egov.kz pages behind one dead name would otherwise cost seven times
    /// the retries and the host's intervals). Likewise a host that asked for a longer pause
    /// than a run waits.
    fn host_down(&self, host: &HostKey) -> Option<FetchError> {
        let hosts = self.down.lock().expect("down hosts lock");
        let health = hosts.get(host)?;
        if let Some(why) = &health.paused {
            return Some(FetchError::Blocked {
                status: Some(429),
                reason: format!(
                    "{why} (not tried again: an earlier source on {host} was told so in this run)"
                ),
            });
        }
        // Said once, by the first source on the host; the others refer back to it.
        health.down.as_ref().map(|_| {
            FetchError::CannotConnect(format!(
                "not tried again: an earlier source on {host} could not connect in this run \
                 (its error says why)"
            ))
        })
    }

    /// A 429 asking for `pause`, longer than a run waits: the source is blocked, and so is
    /// every other source on the host for the rest of the run, without a request.
    fn pause_host(&self, host: &HostKey, pause: std::time::Duration) -> FetchError {
        let why = format!(
            "HTTP 429 Too Many Requests, asking for a pause of {} s (a run waits at most {} s)",
            pause.as_secs(),
            retry::RETRY_AFTER_CAP.as_secs()
        );
        let mut hosts = self.down.lock().expect("down hosts lock");
        hosts.entry(host.clone()).or_default().paused = Some(why.clone());
        FetchError::Blocked {
            status: Some(429),
            reason: why,
        }
    }

    /// Loads the source in headless Chromium (see `browser`), under the same robots.txt rules,
    /// per-host limits, User-Agent and redirect guard as an HTTP fetch. The rendered DOM comes
    /// back as an HTML body, with the status and URL of the page's main document; a page that
    /// did not load, or answered 4xx or 5xx, is the failure an HTTP fetch of it would be.
    async fn render(&self, source: &Source) -> Result<(Fetched, Slot), FetchError> {
        let program = browser::find_browser(self.browser.as_deref()).map_err(FetchError::Render)?;
        let gate = self.admit(&self.client, source).await?;
        let _one_browser = self.browsers.acquire().await.expect("never closed");
        let mut turn = self.gates.turn(&gate).await;
        let page = browser::Page {
            url: &source.url,
            wait_for: source.wait_for.as_ref(),
            timeout: self.timeout,
            max_bytes: self.max_body_bytes,
            guard: &self.guard,
        };
        let host_rules = self.guard.browser_host_rules(&source.url);
        let rendered = browser::render(&program, &self.user_agent, &host_rules, &page).await?;
        for refused in &rendered.refused {
            tracing::warn!(source = %source.id, "the rendered page asked for {refused}: refused, not loaded");
        }
        let dom = rendered.dom;
        // A rendered challenge (the browser got no further) is a wall, not content, judged as a
        // fetched page is, with the main document's status.
        let status = StatusCode::from_u16(rendered.status).map_err(|_| {
            FetchError::Render(format!(
                "the browser reported status {} for the page, which is no HTTP status",
                rendered.status
            ))
        })?;
        let wall_words = wall::words_unless_wall(
            status,
            &HeaderMap::new(),
            dom.as_bytes(),
            source.wall,
            "(rendered)",
        )?;
        if !status.is_success() {
            return Err(FetchError::Http {
                status: rendered.status,
                final_url: rendered.final_url,
            });
        }
        Ok((
            Fetched::Body(Response {
                status: rendered.status,
                final_url: rendered.final_url,
                content_type: Some("text/html; charset=utf-8".to_string()),
                validators: Validators::default(),
                body: dom.into_bytes(),
                gzip: None,
                moved_to: rendered.moved_to,
                wall_words,
            }),
            turn.keep_slot(),
        ))
    }

    /// The host's gate, once robots.txt allows the source (or the source opted out of it).
    async fn admit(
        &self,
        client: &Client,
        source: &Source,
    ) -> Result<std::sync::Arc<HostGate>, FetchError> {
        let gate = self.gates.host(&HostKey::of(&source.url));
        if source.respect_robots
            && !self
                .robots
                .allow(client, &self.gates, &gate, &source.url)
                .await
        {
            return Err(FetchError::RobotsDisallowed(source.url.path().to_string()));
        }
        Ok(gate)
    }

    async fn attempt(
        &self,
        client: &Client,
        source: &Source,
        validators: Option<&Validators>,
    ) -> Result<Fetched, (FetchError, Retry)> {
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
        let asked = if conditional { " (conditional)" } else { "" };
        tracing::debug!(source = %source.id, "GET {}{asked}", source.url);
        let (sent, hops) = client::REDIRECTS
            .scope(std::cell::RefCell::new(Vec::new()), async {
                let sent = req.send().await;
                (sent, client::REDIRECTS.with(|r| r.take()))
            })
            .await;
        let mut resp = sent.map_err(error::classify)?;
        let status = resp.status();
        let (code, hops_n) = (status.as_u16(), hops.len());
        tracing::debug!(source = %source.id, "answer {code} from {} ({hops_n} redirects)", resp.url());
        let final_url = resp.url().to_string();
        let permanent = !hops.is_empty() && hops.iter().all(|(code, _)| matches!(code, 301 | 308));
        let moved_to = (permanent && final_url != source.url.as_str()).then(|| final_url.clone());
        let headers = resp.headers().clone();
        let answered = Validators {
            etag: header_string(&headers, header::ETAG),
            last_modified: header_string(&headers, header::LAST_MODIFIED),
        };
        // A 304 to a request that asked nothing conditional points at no stored text: it is
        // a broken answer, reported like any other HTTP error.
        if status == StatusCode::NOT_MODIFIED && conditional {
            let sent = validators.cloned().unwrap_or_default();
            return Ok(Fetched::NotModified {
                final_url,
                validators: Validators {
                    etag: answered.etag.or(sent.etag),
                    last_modified: answered.last_modified.or(sent.last_modified),
                },
            });
        }
        let too_large = || {
            (
                FetchError::TooLarge {
                    limit: self.max_body_bytes,
                    status: Some(status.as_u16()),
                },
                Retry::No,
            )
        };
        if resp
            .content_length()
            .is_some_and(|len| len > self.max_body_bytes)
        {
            return Err(too_large());
        }
        let (body, gzip) = match body::read(&mut resp, self.max_body_bytes).await {
            Ok(body::Body::Whole { body, gzip }) => (body, gzip),
            Ok(body::Body::Cut(_)) => return Err(too_large()),
            Err(body::ReadError::Transport(e)) => return Err(error::classify(e)),
            Err(e @ body::ReadError::Gzip(_)) => {
                return Err((FetchError::Unreachable(e.to_string()), Retry::Backoff));
            }
        };
        let how = format!("(HTTP {})", status.as_u16());
        let wall_words = wall::words_unless_wall(status, &headers, &body, source.wall, &how)
            .map_err(|wall| (wall, Retry::No))?;
        if let Some(refused) = unfollowed_redirect(status, &headers, resp.url()) {
            return Err((FetchError::Redirect(refused), Retry::No));
        }
        if !status.is_success() {
            let retry = Retry::for_status(status, &headers);
            let status = status.as_u16();
            return Err((FetchError::Http { status, final_url }, retry));
        }
        Ok(Fetched::Body(Response {
            status: status.as_u16(),
            final_url,
            content_type: header_string(&headers, header::CONTENT_TYPE),
            validators: answered,
            body,
            gzip,
            moved_to,
            wall_words,
        }))
    }
}

/// A redirect that came back unfollowed because its Location is not one an HTTP client can
/// follow (`file:`, `data:`, garbage), said as what it is rather than as "HTTP 302". Locations
/// that are fine stay the policy's business; this sees only what it never got to see.
fn unfollowed_redirect(
    status: StatusCode,
    headers: &HeaderMap,
    url: &reqwest::Url,
) -> Option<String> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = headers.get(header::LOCATION)?;
    let text = String::from_utf8_lossy(location.as_bytes());
    match url.join(&text) {
        Ok(next) if matches!(next.scheme(), "http" | "https") => None,
        Ok(next) => Some(client::refused_scheme(next.scheme())),
        Err(e) => Some(format!("redirect to an unusable Location {text:?} ({e})")),
    }
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
