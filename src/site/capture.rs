//! One read of a route's published page: fetched politely like a source (robots.txt, the host's
//! gate, the User-Agent, walls), read into claims, and kept in the store (`ROUTES/<id>.json`) so
//! `status` can hold the registry of today against it. Only the latest read is kept: a page that
//! fails says why, and then no fact is judged against it. A wall is a failure that never
//! replaces a page read well: that read stays, and the next answer is judged against it.
//!
//! A page whose words alone read as a challenge (`Response::wall_words`: "Please enable
//! JavaScript and cookies to continue" on a 200) is judged as a source's is (`check/wall.rs`),
//! against the stored read: `blocked` when it lost most of the words of the claims that read
//! had (below [`KEPT_MIN`]), or when there is no read to tell it from; else it is the page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PageClaims;
use crate::compare::{KEPT_MIN, kept_share};
use crate::fetch::Fetcher;
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

/// Fetches and reads a route's page (the route has one); `stored` is the page as last read well,
/// if it was.
pub(crate) async fn capture(
    fetcher: &Fetcher,
    route: &Route,
    settings: &Settings,
    stored: Option<&PageClaims>,
) -> PageCapture {
    let url = route.page.clone().expect("a route with a page");
    let source = Source::page(&format!("route {}", route.id), url.clone(), settings);
    let response = match fetcher.get_body(&source).await {
        Ok((response, _slot)) => response,
        Err(e) => {
            return PageCapture::failed(url.as_str(), e.outcome(), e.http_status(), e.to_string());
        }
    };
    let html = crate::extract::decode(&response.body, response.content_type.as_deref(), None);
    let base = reqwest::Url::parse(&response.final_url).ok();
    let read = super::read(&html, base.as_ref(), &route.select, &route.exclude);
    let read = read.map(|page| PageClaims::of(&page));
    if let Some(words) = &response.wall_words
        && let Some(lost) = lost(stored, read.as_ref())
    {
        tracing::warn!(route = %route.id, "route page: challenge wording and lost claims: blocked");
        let reason =
            format!("challenge page: {words}, and the page lost the claims it had ({lost})");
        return PageCapture::failed(
            url.as_str(),
            Outcome::Blocked,
            Some(response.status),
            reason,
        );
    }
    match read {
        Ok(page) => PageCapture {
            at: Utc::now(),
            url: url.to_string(),
            outcome: Outcome::New,
            http_status: Some(response.status),
            error: None,
            page: Some(page),
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

/// Why a page whose words read as a challenge is one, or `None` when it is the page: it keeps
/// less than [`KEPT_MIN`] of the words of the stored read's claims, or there is no stored read
/// to tell it from (a challenge read as the page would flag every fact), or it could not be
/// read at all.
fn lost(
    stored: Option<&PageClaims>,
    read: Result<&PageClaims, &super::PageError>,
) -> Option<String> {
    let read = match read {
        Ok(read) => read,
        Err(e) => return Some(e.to_string()),
    };
    let Some(stored) = stored else {
        return Some("no earlier read of the page to tell it from".into());
    };
    let old: Vec<&str> = stored.claims.iter().map(|c| c.text.as_str()).collect();
    let new: Vec<&str> = (read.claims.iter().map(|c| c.text.as_str()))
        .chain(read.other.iter().map(String::as_str))
        .collect();
    let kept = kept_share(&old.join("\n"), &new.join("\n"));
    (kept < KEPT_MIN).then(|| {
        format!(
            "it keeps {:.0}% of the words of the claims it had, a real edit keeps at least {:.0}%",
            kept * 100.0,
            KEPT_MIN * 100.0
        )
    })
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

/// Every route's page as last read, by route id: what is judged when a page is not read now.
pub(crate) fn load_all(
    registry: &crate::registry::Registry,
    store: &Store,
) -> Result<std::collections::HashMap<String, PageCapture>, StoreError> {
    let mut pages = std::collections::HashMap::new();
    for route in registry.routes.iter().filter(|r| r.page.is_some()) {
        if let Some(capture) = load(store, &route.id)? {
            pages.insert(route.id.clone(), capture);
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{Claim, ClaimKind};

    fn read_of(claims: &[&str], other: &[&str]) -> PageClaims {
        PageClaims {
            claims: (claims.iter())
                .map(|text| Claim {
                    section: None,
                    kind: ClaimKind::Row,
                    text: text.to_string(),
                })
                .collect(),
            other: other.iter().map(|s| s.to_string()).collect(),
            ..PageClaims::default()
        }
    }

    #[test]
    fn challenge_words_are_a_wall_only_where_the_claims_were_lost() {
        let before = read_of(
            &[
                "Job offer | Required",
                "Age range | 18–65",
                "Typical processing: ~45 days.",
            ],
            &["Who is eligible"],
        );
        // A real edit under a loader line keeps most of the claims' words: it is the page.
        let edited = read_of(
            &[
                "Job offer | Required",
                "Age range | 18–65",
                "Typical processing: ~30 days.",
            ],
            &["Please wait, the form is loading. Enable JavaScript to apply online."],
        );
        assert_eq!(lost(Some(&before), Ok(&edited)), None);
        let challenge = read_of(
            &[],
            &[
                "One more step",
                "Enable JavaScript and cookies to continue.",
            ],
        );
        let why = lost(Some(&before), Ok(&challenge)).unwrap();
        assert!(why.starts_with("it keeps 0% of the words"), "{why}");
        assert_eq!(
            lost(None, Ok(&edited)).as_deref(),
            Some("no earlier read of the page to tell it from")
        );
    }
}
