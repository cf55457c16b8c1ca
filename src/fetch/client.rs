//! The one HTTP client configuration every request of sourcewatch uses: an honest User-Agent,
//! timeouts, the redirect policy (at most ten, http and https only), compression, no proxy. The
//! fetcher's clients also carry the [`Guard`]: its redirect check and its DNS resolver.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, redirect};

use super::guard::{Guard, Resolver};
use crate::registry::Settings;

const MAX_REDIRECTS: usize = 10;

tokio::task_local! {
    /// The redirects (status, target) of the request in flight on this task, as the redirect
    /// policy saw them. reqwest follows redirects inside the request's own future, so the policy
    /// runs on the task that awaits it; this is how a permanent move reaches the response.
    pub(super) static REDIRECTS: std::cell::RefCell<Vec<(u16, reqwest::Url)>>;
}

pub(crate) fn user_agent(contact: Option<&str>) -> String {
    match contact {
        Some(c) if !c.trim().is_empty() => {
            format!("sourcewatch/{} (+{})", env!("CARGO_PKG_VERSION"), c.trim())
        }
        _ => format!("sourcewatch/{}", env!("CARGO_PKG_VERSION")),
    }
}

pub(crate) fn builder(settings: &Settings) -> reqwest::ClientBuilder {
    base(settings).redirect(redirect::Policy::custom(|attempt| follow(attempt, None)))
}

/// The fetcher's clients: pages and robots.txt, redirects judged by `guard`.
pub(super) fn guarded(settings: &Settings, guard: &Arc<Guard>) -> reqwest::ClientBuilder {
    let judge = guard.clone();
    base(settings)
        .redirect(redirect::Policy::custom(move |attempt| {
            follow(attempt, Some(&judge))
        }))
        .dns_resolver(Arc::new(Resolver(guard.clone())))
}

fn follow(attempt: redirect::Attempt<'_>, guard: Option<&Guard>) -> redirect::Action {
    if attempt.previous().len() >= MAX_REDIRECTS {
        attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
    } else if !matches!(attempt.url().scheme(), "http" | "https") {
        let refused = refused_scheme(attempt.url().scheme());
        attempt.error(refused)
    } else if let Some(refused) = guard.and_then(|g| g.check(&attempt)) {
        attempt.error(refused)
    } else {
        let hop = (attempt.status().as_u16(), attempt.url().clone());
        let _ = REDIRECTS.try_with(|r| r.borrow_mut().push(hop));
        attempt.follow()
    }
}

/// Said of a redirect to anything but http and https.
pub(super) fn refused_scheme(scheme: &str) -> String {
    format!("redirect to a {scheme}: URL refused")
}

fn accept_encoding() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_ENCODING,
        reqwest::header::HeaderValue::from_static("gzip, br, deflate"),
    );
    headers
}

fn base(settings: &Settings) -> reqwest::ClientBuilder {
    // The ring provider builds much faster than aws-lc; it must be installed before the first
    // client. A second install (tests, `watch` reloads) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .user_agent(user_agent(settings.contact.as_deref()))
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        // gzip is asked for (`fetch::body` unpacks it and keeps the stream as sent, so the store
        // never compresses a page the server already did); brotli and deflate are unpacked here.
        .default_headers(accept_encoding())
        .gzip(false)
        .brotli(true)
        .deflate(true)
        .no_proxy()
}
