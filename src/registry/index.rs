//! The registry's ids, indexed: a lookup per fact or per source stays constant time at
//! 100,000 of them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Fact, FactPos, Registry, Route, Settings, Source};

/// Where each id sits in the registry's lists.
#[derive(Debug, Default)]
pub(super) struct Index {
    sources: HashMap<Box<str>, usize>,
    routes: HashMap<Box<str>, usize>,
    facts: HashMap<Box<str>, FactPos>,
}

impl Index {
    fn of(sources: &[Arc<Source>], routes: &[Route]) -> Index {
        let mut index = Index::default();
        // First wins, as the scans this replaces did (validation refuses duplicates anyway).
        for (i, s) in sources.iter().enumerate() {
            index.sources.entry(s.id.as_str().into()).or_insert(i);
        }
        for (r, route) in routes.iter().enumerate() {
            index.routes.entry(route.id.as_str().into()).or_insert(r);
            for (f, fact) in route.facts.iter().enumerate() {
                let pos = FactPos { route: r, fact: f };
                index.facts.entry(fact.id.as_str().into()).or_insert(pos);
            }
        }
        index
    }
}

impl Registry {
    pub(crate) fn new(
        path: PathBuf,
        settings: Settings,
        sources: Vec<Arc<Source>>,
        routes: Vec<Route>,
    ) -> Registry {
        let index = Index::of(&sources, &routes);
        Registry {
            path,
            settings,
            sources,
            routes,
            index,
        }
    }

    pub fn source(&self, id: &str) -> Option<&Arc<Source>> {
        self.index.sources.get(id).map(|&i| &self.sources[i])
    }

    /// Where a source is in the file.
    pub(crate) fn source_pos(&self, id: &str) -> Option<usize> {
        self.index.sources.get(id).copied()
    }

    /// Where a fact is in the file.
    pub(crate) fn fact_pos(&self, id: &str) -> Option<FactPos> {
        self.index.facts.get(id).copied()
    }

    pub fn fact(&self, id: &str) -> Option<&Fact> {
        self.index.facts.get(id).map(|&pos| self.fact_at(pos))
    }

    pub(crate) fn route(&self, id: &str) -> Option<&Route> {
        self.index.routes.get(id).map(|&i| &self.routes[i])
    }
}
