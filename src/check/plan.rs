//! Which sources a check captures and which facts it assesses against each, from `--source` and
//! `--route`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::{CheckError, Selection, Shard};
use crate::fetch::HostKey;
use crate::registry::{FactPos, Registry, Settings, Source, did_you_mean};

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
    let mut plans: Vec<SourcePlan> = plans.into_iter().flatten().collect();
    if let Some(shard) = selection.shard {
        let hosts = shard.hosts(registry);
        plans.retain(|p| hosts.contains(&HostKey::of(&p.source.url)));
    }
    Ok(plans)
}

/// The routes whose published page a check reads: every route with a `page` whose facts it
/// assesses (all of them when nothing is selected).
pub(super) fn pages<'r>(
    registry: &'r Registry,
    plans: &[SourcePlan],
    shard: Option<Shard>,
) -> Vec<&'r crate::registry::Route> {
    // A shard reads the pages on its own hosts, whichever shards their facts are on.
    let hosts = shard.map(|s| s.hosts(registry));
    let on_shard = |r: &crate::registry::Route| match (&hosts, &r.page) {
        (Some(hosts), Some(page)) => hosts.contains(&HostKey::of(page)),
        _ => true,
    };
    let assessed: std::collections::HashSet<usize> = plans
        .iter()
        .flat_map(|p| p.facts.iter().map(|pos| pos.route))
        .collect();
    registry
        .routes
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            r.page.is_some() && (assessed.contains(i) || hosts.is_some()) && on_shard(r)
        })
        .map(|(_, r)| r)
        .collect()
}

/// The plans waiting to start, one queue per host, and how many of each host's are running.
/// A job is started only when its host has room for it (four times `per_host_concurrency`:
/// a job also parses and writes after its fetch, and the host should not idle meanwhile),
/// and no more than a window of jobs run at
/// once: a job holds its future's memory from start to finish, so 100,000 started at once
/// would hold 100,000 of them while a handful fetch.
pub(super) struct Lanes {
    queues: Vec<(HostKey, VecDeque<(usize, SourcePlan)>)>,
    running: HashMap<HostKey, usize>,
    /// The queue to look at first next time, so hosts take turns.
    cursor: usize,
    per_host: usize,
    window: usize,
    in_flight: usize,
}

impl Lanes {
    pub(super) fn new(plans: Vec<SourcePlan>, settings: &Settings) -> Lanes {
        let mut queues: Vec<(HostKey, VecDeque<(usize, SourcePlan)>)> = Vec::new();
        let mut at: HashMap<HostKey, usize> = HashMap::new();
        for (i, plan) in plans.into_iter().enumerate() {
            let host = HostKey::of(&plan.source.url);
            let q = *at.entry(host.clone()).or_insert_with(|| {
                queues.push((host, VecDeque::new()));
                queues.len() - 1
            });
            queues[q].1.push_back((i, plan));
        }
        Lanes {
            queues,
            running: HashMap::new(),
            cursor: 0,
            per_host: settings.per_host_concurrency * 4,
            // Enough that the global limit is always met with jobs past their fetch (parsing,
            // confirming, writing) beside it.
            window: (settings.concurrency * 4).max(16),
            in_flight: 0,
        }
    }

    /// The next plan to start, with its place in file order and its host; `None` when the
    /// window is full or every host with plans left is at its limit.
    pub(super) fn next(&mut self) -> Option<(usize, HostKey, SourcePlan)> {
        if self.in_flight >= self.window {
            return None;
        }
        let n = self.queues.len();
        for step in 0..n {
            let q = (self.cursor + step) % n;
            let (host, queue) = &mut self.queues[q];
            let running = self.running.entry(host.clone()).or_default();
            if *running >= self.per_host {
                continue;
            }
            let Some((i, plan)) = queue.pop_front() else {
                continue;
            };
            *running += 1;
            self.in_flight += 1;
            self.cursor = (q + 1) % n;
            let host = host.clone();
            if queue.is_empty() {
                // Emptied queues leave, so a pass over them stays short at the end of a run.
                self.queues.swap_remove(q);
                self.cursor = if self.queues.is_empty() {
                    0
                } else {
                    self.cursor.min(self.queues.len() - 1)
                };
            }
            return Some((i, host, plan));
        }
        None
    }

    /// A job of `host` has finished.
    pub(super) fn finished(&mut self, host: &HostKey) {
        if let Some(r) = self.running.get_mut(host) {
            *r = r.saturating_sub(1);
        }
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}
