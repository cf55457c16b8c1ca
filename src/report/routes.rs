//! Route rows: each route's published page held against its facts (docs/site.md), as the
//! check and `status` both report it.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{FactReport, Rows};
use crate::outcome::{Flag, Outcome};
use crate::registry::{FactId, Registry, Route};
use crate::site::{OnPage, PageCapture};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RouteReport {
    pub(crate) id: String,
    pub(crate) page: Option<String>,
    /// How the page's latest read went (`new` when it was read; a failure's outcome
    /// otherwise); null when the route has no page or it was never read.
    pub(crate) page_outcome: Option<Outcome>,
    /// Extra: why the read failed.
    #[serde(default)]
    pub(crate) page_error: Option<String>,
    /// The date the page shows ("Last verified …"), null when it shows none.
    pub(crate) published_last_verified: Option<NaiveDate>,
    /// What it should show: the oldest `last_verified` of the route's facts.
    pub(crate) expected_last_verified: Option<NaiveDate>,
    /// Null when either date is missing.
    pub(crate) date_matches: Option<bool>,
    /// Claims found on the page, and how many of them a fact's claim matches.
    pub(crate) claims: usize,
    pub(crate) monitored: usize,
    /// `monitored / claims`; null when the page holds no claim or was not read.
    pub(crate) coverage: Option<f64>,
    /// The page's claims no fact covers, as the page writes them.
    pub(crate) unmonitored: Vec<String>,
}

/// Counts of the site's pages in a summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SiteTally {
    /// Route pages read (well) for this report.
    #[serde(default)]
    pub(crate) pages: usize,
    #[serde(default)]
    pub(crate) date_mismatches: usize,
    #[serde(default)]
    pub(crate) unmonitored_claims: usize,
}

impl SiteTally {
    pub(crate) fn of(routes: &[RouteReport]) -> SiteTally {
        SiteTally {
            pages: routes
                .iter()
                .filter(|r| r.page_outcome.is_some_and(Outcome::is_good))
                .count(),
            date_mismatches: routes
                .iter()
                .filter(|r| r.date_matches == Some(false))
                .count(),
            unmonitored_claims: routes.iter().map(|r| r.unmonitored.len()).sum(),
        }
    }
}

/// Holds the routes whose page is in `pages` (by route id) against their facts. Sets each fact
/// row's `published` and `published_passage`, and `page_differs` where the page no longer
/// states its claim; rows of facts whose route has no page read are left alone. Returns a row
/// per route of `pages`, in registry order.
pub(crate) fn judge_pages(
    registry: &Registry,
    pages: &HashMap<String, PageCapture>,
    facts: &mut Rows<FactReport>,
) -> std::io::Result<Vec<RouteReport>> {
    if pages.is_empty() {
        return Ok(Vec::new());
    }
    // Only the rows of routes whose page was read are looked up: an index of every row would
    // be a copy of every fact id (about 10 MB at 100,000 facts) for nothing.
    let rows_of: HashMap<FactId, usize> = facts
        .iter()
        .enumerate()
        .filter(|(_, f)| pages.contains_key(f.id.route()))
        .map(|(i, f)| (f.id.clone(), i))
        .collect();
    let mut rows = Vec::new();
    for route in &registry.routes {
        let Some(capture) = pages.get(&route.id) else {
            continue;
        };
        rows.push(judge_route(route, capture, facts, &rows_of)?);
    }
    Ok(rows)
}

fn judge_route(
    route: &Route,
    capture: &PageCapture,
    facts: &mut Rows<FactReport>,
    rows_of: &HashMap<FactId, usize>,
) -> std::io::Result<RouteReport> {
    let mut row = RouteReport {
        id: route.id.clone(),
        page: route.page.as_ref().map(|p| p.to_string()),
        page_outcome: Some(capture.outcome),
        page_error: capture.error.clone(),
        published_last_verified: None,
        expected_last_verified: None,
        date_matches: None,
        claims: 0,
        monitored: 0,
        coverage: None,
        unmonitored: Vec::new(),
    };
    let Some(page) = &capture.page else {
        // A page that fails flags nothing: its facts stay unjudged.
        return Ok(row);
    };
    // What the page should show: the oldest date the facts have after this report (a
    // --refresh moved some), else the registry's.
    let expected = (route.facts.iter())
        .map(|f| {
            rows_of
                .get(&f.id)
                .and_then(|&i| facts.get(i))
                .map_or(f.last_verified, |row| row.last_verified)
        })
        .min();
    let claims: Vec<&str> = route.facts.iter().map(|f| f.claim.as_str()).collect();
    let coverage = crate::site::coverage(page, &claims);
    for (fact, on) in route.facts.iter().zip(&coverage.facts) {
        let Some(&i) = rows_of.get(&fact.id) else {
            continue;
        };
        facts.update(i, |row| match on {
            OnPage::Stated(_) => row.published = Some(true),
            OnPage::Differs(closest) => {
                row.published = Some(false);
                row.published_passage = closest.as_ref().map(|(text, _)| text.clone());
                if !row.flags.contains(&Flag::PageDiffers) {
                    row.flags.push(Flag::PageDiffers);
                }
            }
        })?;
    }
    row.published_last_verified = page.last_verified;
    row.expected_last_verified = expected;
    row.date_matches = match (page.last_verified, expected) {
        (Some(shown), Some(expected)) => Some(shown == expected),
        _ => None,
    };
    row.claims = coverage.claims;
    row.monitored = coverage.monitored;
    row.coverage =
        (coverage.claims > 0).then(|| coverage.monitored as f64 / coverage.claims as f64);
    row.unmonitored = coverage.unmonitored;
    Ok(row)
}

/// "20 of 21 claims watched (95%)", or why the page was not read.
pub(crate) fn coverage_words(r: &RouteReport) -> String {
    match (r.page_outcome, &r.page_error) {
        (Some(o), Some(e)) if !o.is_good() => format!("page not read: {o}: {e}"),
        (None, _) => "page not read yet".to_string(),
        _ => format!(
            "{} of {} claims watched{}",
            r.monitored,
            r.claims,
            r.coverage
                .map(|c| format!(" ({:.0}%)", c * 100.0))
                .unwrap_or_default()
        ),
    }
}

/// "2026-06-09 / 2026-06-09", "2026-06-09 / 2026-11-25 (differ)".
pub(crate) fn dates_words(r: &RouteReport) -> String {
    let show = |d: Option<NaiveDate>| d.map_or("none".to_string(), |d| d.to_string());
    let mut s = format!(
        "{} / {}",
        show(r.published_last_verified),
        show(r.expected_last_verified)
    );
    if r.date_matches == Some(false) {
        s.push_str(" (differ)");
    }
    s
}
