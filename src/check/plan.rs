//! Which sources a check captures and which facts it assesses against each, from `--source` and
//! `--route`.

use std::collections::HashMap;
use std::sync::Arc;

use super::{CheckError, Selection};
use crate::registry::{FactPos, Registry, Source, did_you_mean};

/// One source to capture and the facts assessed against it.
pub(super) struct SourcePlan {
    pub(super) source: Arc<Source>,
    pub(super) facts: Vec<FactPos>,
}

/// `--source ID`: that source and the facts on it; `--route ID`: that route's facts and their
/// sources; neither: everything. An unknown id is refused with a did-you-mean. Sources in file
/// order.
pub(super) fn plan(
    registry: &Registry,
    selection: &Selection,
) -> Result<Vec<SourcePlan>, CheckError> {
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
    let mut plans: Vec<Option<SourcePlan>> = registry
        .sources
        .iter()
        .map(|s| {
            (everything || selection.sources.contains(&s.id)).then(|| SourcePlan {
                source: s.clone(),
                facts: Vec::new(),
            })
        })
        .collect();
    for (pos, fact) in registry.facts_at() {
        let route_selected = selection.routes.iter().any(|r| **r == *fact.id.route());
        if everything || route_selected || selection.sources.contains(&fact.source) {
            let si = source_index[fact.source.as_str()];
            plans[si]
                .get_or_insert_with(|| SourcePlan {
                    source: registry.sources[si].clone(),
                    facts: Vec::new(),
                })
                .facts
                .push(pos);
        }
    }
    Ok(plans.into_iter().flatten().collect())
}

/// The routes whose published page a check reads: every route with a `page` whose facts it
/// assesses (all of them when nothing is selected).
pub(super) fn pages<'r>(
    registry: &'r Registry,
    plans: &[SourcePlan],
) -> Vec<&'r crate::registry::Route> {
    let assessed: std::collections::HashSet<usize> = plans
        .iter()
        .flat_map(|p| p.facts.iter().map(|pos| pos.route))
        .collect();
    registry
        .routes
        .iter()
        .enumerate()
        .filter(|(i, r)| r.page.is_some() && assessed.contains(i))
        .map(|(_, r)| r)
        .collect()
}
