//! One read of a route's published page: fetched politely like a source (robots.txt, the host's
//! gate, the User-Agent, walls), read into claims, and kept in the store (`ROUTES/<id>.json`) so
//! `status` can hold the registry of today against it. Only the latest read is kept: a page that
//! fails says why, and then no fact is judged against it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PageClaims;
use crate::fetch::{Fetched, Fetcher};
use crate::outcome::Outcome;
use crate::registry::{Route, Settings, Source};
use crate::store::{Store, StoreError};

/// A route page as last read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PageCapture {
    pub(crate) at: DateTime<Utc>,
    pub(crate) url: String,
    /// `new` for a page read well (a route page has no baseline), else the failure's outcome.
    pub(crate) outcome: Outcome,
    pub(crate) http_status: Option<u16>,
    pub(crate) error: Option<String>,
    /// What it said, when it was read.
    pub(crate) page: Option<PageClaims>,
}

impl PageCapture {
    fn failed(url: &str, outcome: Outcome, http_status: Option<u16>, error: String) -> Self {
        PageCapture {
            at: Utc::now(),
            url: url.to_string(),
            outcome,
            http_status,
            error: Some(error),
            page: None,
        }
    }
}

/// Fetches and reads a route's page (the route has one).
pub(crate) async fn capture(fetcher: &Fetcher, route: &Route, settings: &Settings) -> PageCapture {
    let url = route.page.clone().expect("a route with a page");
    let source = Source::page(&format!("route {}", route.id), url.clone(), settings);
    let response = match fetcher.get(&source, None).await {
        Ok((Fetched::Body(response), _slot)) => response,
        Ok((Fetched::NotModified { .. }, _)) => {
            return PageCapture::failed(
                url.as_str(),
                Outcome::HttpError,
                Some(304),
                "HTTP 304 to a request that was not conditional".into(),
            );
        }
        Err(e) => {
            return PageCapture::failed(url.as_str(), e.outcome(), e.http_status(), e.to_string());
        }
    };
    let html = crate::extract::decode(&response.body, response.content_type.as_deref(), None);
    let base = reqwest::Url::parse(&response.final_url).ok();
    match super::read(&html, base.as_ref(), &route.select, &route.exclude) {
        Ok(page) => PageCapture {
            at: Utc::now(),
            url: url.to_string(),
            outcome: Outcome::New,
            http_status: Some(response.status),
            error: None,
            page: Some(PageClaims::of(&page)),
        },
        Err(e) => {
            let outcome = match e {
                super::PageError::SelectMissing(_) => Outcome::SelectorMissing,
                super::PageError::Dom(_) => Outcome::ParseError,
            };
            PageCapture::failed(url.as_str(), outcome, Some(response.status), e.to_string())
        }
    }
}

pub(crate) fn save(store: &Store, route: &str, capture: &PageCapture) -> Result<(), StoreError> {
    let json = serde_json::to_vec_pretty(capture).expect("a page capture serialises");
    store.save_route_page(route, &json)
}

/// The route page as last read; a damaged file is as good as none (the next check rewrites it).
pub(crate) fn load(store: &Store, route: &str) -> Result<Option<PageCapture>, StoreError> {
    let Some(bytes) = store.load_route_page(route)? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&bytes)
        .inspect_err(|e| tracing::warn!(route, "unreadable route page record: {e}"))
        .ok())
}
