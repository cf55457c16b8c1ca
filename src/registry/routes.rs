//! Validation of `[[routes]]` and their `[[routes.facts]]`.

use std::collections::HashSet;

use super::raw::{RawFact, RawRoute};
use super::validate::Validator;
use super::{Fact, FactId, Route, did_you_mean};

impl Validator<'_> {
    pub(super) fn route(
        &mut self,
        route: &RawRoute,
        seen_routes: &mut HashSet<String>,
        known_sources: &HashSet<Box<str>>,
        default_stale: u32,
    ) -> Route {
        let rid = route.id.get_ref();
        self.id(&route.id, "route");
        if !seen_routes.insert(rid.clone()) {
            self.problem(&route.id.span(), format!("duplicate route id {rid:?}"));
        }
        let page = route.page.as_ref().and_then(|p| self.url(p, "page"));
        if page.is_none()
            && let Some(s) = route.select.first().or(route.exclude.first())
        {
            self.problem(
                &s.span(),
                "select and exclude say where a route's page holds its claims: set page too",
            );
        }
        let select = self.selectors(&route.select, "select");
        let exclude = self.selectors(&route.exclude, "exclude");
        let route_stale = self.stale_days(&route.stale_after_days, default_stale);
        let mut seen_facts = HashSet::new();
        let facts = route
            .facts
            .iter()
            .filter_map(|fact| {
                let fid = fact.id.get_ref();
                self.id(&fact.id, "fact");
                if !seen_facts.insert(fid.as_str()) {
                    self.problem(
                        &fact.id.span(),
                        format!("duplicate fact id {fid:?} in route {rid:?}"),
                    );
                }
                self.fact(rid, fact, known_sources, route_stale)
            })
            .collect();
        Route {
            id: rid.clone(),
            title: self.printable(&route.title, "title"),
            page,
            select,
            exclude,
            facts,
        }
    }

    fn fact(
        &mut self,
        route_id: &str,
        fact: &RawFact,
        known_sources: &HashSet<Box<str>>,
        route_stale: u32,
    ) -> Option<Fact> {
        let sid = fact.source.get_ref();
        if !known_sources.contains(sid.as_str()) {
            let hint = did_you_mean(sid, known_sources.iter().map(|s| &**s));
            self.problem(
                &fact.source.span(),
                format!("fact names unknown source {sid:?}{hint}"),
            );
        }
        if let Some(q) = &fact.quote {
            if crate::text::fold_for_match(q.get_ref()).is_empty() {
                self.problem(&q.span(), "quote is empty");
            }
            self.printable(q, "quote");
        }
        let last_verified = self.date(&fact.last_verified);
        let stale_after_days = self.stale_days(&fact.stale_after_days, route_stale);
        Some(Fact {
            id: FactId::new(route_id, fact.id.get_ref()),
            claim: self.printable(&fact.claim, "claim"),
            source: sid.clone(),
            quote: fact.quote.as_ref().map(|q| q.get_ref().clone()),
            last_verified: last_verified?,
            stale_after_days,
        })
    }
}
