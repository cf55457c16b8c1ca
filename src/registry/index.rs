//! The registry's ids, indexed: a lookup per fact or per source stays constant time at
//! 100,000 of them.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use super::{Fact, FactPos, Registry, Route, Settings, Source};

/// Where each id sits in the registry's lists.
///
/// Each list is of (hash of the id, place), sorted: 16 bytes an id, where a map keyed by a copy
/// of each id was about 50 (9 MB at 100,000 sources and facts, in every command). A lookup
/// compares the ids of the places with the same hash, so a collision only costs a comparison.
#[derive(Debug, Default)]
pub(super) struct Index {
    sources: Vec<(u64, u32, u32)>,
    routes: Vec<(u64, u32, u32)>,
    facts: Vec<(u64, u32, u32)>,
}

fn hash(id: &str) -> u64 {
    // Fixed keys: the same id hashes the same in every run (nothing here is adversarial: the
    // ids are the file's own).
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// The places whose id hashes like `id`, first in file order first; the caller keeps the first
/// whose id is `id` (first wins, as the scans this replaced did; validation refuses
/// duplicates anyway).
fn places<'a>(list: &'a [(u64, u32, u32)], id: &str) -> impl Iterator<Item = (usize, usize)> + 'a {
    let h = hash(id);
    let from = list.partition_point(|&(x, _, _)| x < h);
    list[from..]
        .iter()
        .take_while(move |&&(x, _, _)| x == h)
        .map(|&(_, a, b)| (a as usize, b as usize))
}

fn sorted(mut list: Vec<(u64, u32, u32)>) -> Vec<(u64, u32, u32)> {
    list.sort_unstable();
    list
}

impl Index {
    fn of(sources: &[Arc<Source>], routes: &[Route]) -> Index {
        let place = |i: usize| u32::try_from(i).expect("fewer than 4 billion entries");
        let mut index = Index {
            sources: (sources.iter().enumerate())
                .map(|(i, s)| (hash(&s.id), place(i), 0))
                .collect(),
            routes: (routes.iter().enumerate())
                .map(|(r, route)| (hash(&route.id), place(r), 0))
                .collect(),
            facts: Vec::with_capacity(routes.iter().map(|r| r.facts.len()).sum()),
        };
        for (r, route) in routes.iter().enumerate() {
            for (f, fact) in route.facts.iter().enumerate() {
                index
                    .facts
                    .push((hash(fact.id.as_str()), place(r), place(f)));
            }
        }
        Index {
            sources: sorted(index.sources),
            routes: sorted(index.routes),
            facts: sorted(index.facts),
        }
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
        self.source_pos(id).map(|i| &self.sources[i])
    }

    /// Where a source is in the file.
    pub(crate) fn source_pos(&self, id: &str) -> Option<usize> {
        places(&self.index.sources, id)
            .map(|(i, _)| i)
            .find(|&i| self.sources[i].id == id)
    }

    /// Where a fact is in the file.
    pub(crate) fn fact_pos(&self, id: &str) -> Option<FactPos> {
        places(&self.index.facts, id)
            .map(|(route, fact)| FactPos { route, fact })
            .find(|&pos| self.fact_at(pos).id.as_str() == id)
    }

    pub fn fact(&self, id: &str) -> Option<&Fact> {
        self.fact_pos(id).map(|pos| self.fact_at(pos))
    }

    pub(crate) fn route(&self, id: &str) -> Option<&Route> {
        places(&self.index.routes, id)
            .map(|(i, _)| &self.routes[i])
            .find(|r| r.id == id)
    }
}
