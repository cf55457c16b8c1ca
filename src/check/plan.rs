//! Which sources a check captures and which facts it assesses against each, from `--source` and
//! `--route`.

use std::collections::HashMap;

use super::{CheckError, Selection};
use crate::registry::{Registry, did_you_mean};

/// Which sources to capture and which facts to assess, by index into the registry.
pub(super) struct Plan {
    pub(super) sources: Vec<usize>,
    /// Per selected source index: the (route index, fact index) pairs assessed against it.
    pub(super) facts: HashMap<usize, Vec<(usize, usize)>>,
}

/// `--source ID`: that source and the facts on it; `--route ID`: that route's facts and their
/// sources; neither: everything. An unknown id is refused with a did-you-mean.
pub(super) fn plan(registry: &Registry, selection: &Selection) -> Result<Plan, CheckError> {
    let source_index: HashMap<&str, usize> = registry
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for id in &selection.sources {
        if !source_index.contains_key(id.as_str()) {
            let h = did_you_mean(id, registry.sources.iter().map(|s| s.id.as_str()));
            return Err(CheckError::UnknownSource(id.clone(), h));
        }
    }
    for id in &selection.routes {
        if registry.route(id).is_none() {
            let h = did_you_mean(id, registry.routes.iter().map(|r| r.id.as_str()));
            return Err(CheckError::UnknownRoute(id.clone(), h));
        }
    }
    let everything = selection.sources.is_empty() && selection.routes.is_empty();
    let mut wanted_sources: Vec<bool> = registry
        .sources
        .iter()
        .map(|s| everything || selection.sources.contains(&s.id))
        .collect();
    let mut facts: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (ri, route) in registry.routes.iter().enumerate() {
        let route_selected = selection.routes.contains(&route.id);
        for (fi, fact) in route.facts.iter().enumerate() {
            let si = source_index[fact.source.as_str()];
            if everything || route_selected || selection.sources.contains(&fact.source) {
                wanted_sources[si] = true;
                facts.entry(si).or_default().push((ri, fi));
            }
        }
    }
    Ok(Plan {
        sources: (0..registry.sources.len())
            .filter(|i| wanted_sources[*i])
            .collect(),
        facts,
    })
}
