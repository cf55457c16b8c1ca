//! `check --shard I/N` and `merge`: which hosts shard I of N fetches, and how the rows of one
//! shard's report, or of another store's, join the last check's report.
//!
//! Which hosts: Sources are split by host (as
//! politeness sees one: name and port), so no host is ever asked by two shards at once and its
//! interval and concurrency hold across shards. The split is a pure function of the registry:
//! every machine running a shard of it agrees on the split without talking to the others.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use super::CheckError;

use crate::fetch::HostKey;
use crate::registry::Registry;
use crate::report::Report;
use crate::store::{Merged, Store};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    pub(crate) index: usize,
    pub(crate) count: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The hosts this shard fetches: every host of a source or a route page is given to one
    /// shard, the busiest hosts first, each to the shard with the fewest requests so far (ties
    /// to the lower shard), so shards get about the same work whatever the hosts are called.
    pub(crate) fn hosts(&self, registry: &Registry) -> HashSet<HostKey> {
        let mut load: BTreeMap<String, (HostKey, usize)> = BTreeMap::new();
        let pages = registry.routes.iter().filter_map(|r| r.page.as_ref());
        for url in registry.sources.iter().map(|s| &s.url).chain(pages) {
            let host = HostKey::of(url);
            load.entry(host.to_string()).or_insert((host, 0)).1 += 1;
        }
        let mut hosts: Vec<(String, HostKey, usize)> = load
            .into_iter()
            .map(|(name, (h, n))| (name, h, n))
            .collect();
        hosts.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut shards = vec![0usize; self.count];
        let mut mine = HashSet::new();
        for (_, host, requests) in hosts {
            let (least, _) = shards
                .iter()
                .enumerate()
                .min_by_key(|&(i, &n)| (n, i))
                .expect("at least one shard");
            shards[least] += requests;
            if least + 1 == self.index {
                mine.insert(host);
            }
        }
        mine
    }
}

/// This shard's rows put in place of the ones its sources had in the last check's report, and
/// the routes judged again over every fact; rows of other shards as they were (and of sources
/// since removed from `sources.toml`: dropped).
pub(super) fn into_last_check(
    registry: &Registry,
    store: &Store,
    report: &Report,
) -> Result<Report, CheckError> {
    let Some(mut whole) = read_last_check(store)? else {
        return Ok(report.clone());
    };
    let ours: HashSet<String> = report.sources.iter().map(|s| s.id.clone()).collect();
    put_rows(registry, store, &mut whole, report.clone(), &ours)?;
    whole.started_at = report.started_at;
    whole.finished_at = report.finished_at;
    Ok(whole)
}

/// `merge DIR`: the store at `other` brought into `store` (see `store::merge`), then the last
/// check's rows of the sources whose present came from `other` taken from its report.
pub(crate) fn merge_store(
    registry: &Registry,
    store: &Store,
    other: &Path,
) -> Result<Merged, CheckError> {
    let mut merged = store.merge_from(other)?;
    let Some(theirs) = read_last_check(&Store::open_read(other)?)? else {
        return Ok(merged);
    };
    let Some(mut ours) = read_last_check(store)? else {
        store.save_last_check(|out| crate::report::write_pretty_json(out, &theirs))?;
        merged.files_written += 1;
        return Ok(merged);
    };
    let had: HashSet<&str> = ours.sources.iter().map(|s| s.id.as_str()).collect();
    let taken: HashSet<String> = (theirs.sources.iter())
        .filter(|s| merged.theirs_newer.contains(&s.id) || !had.contains(s.id.as_str()))
        .map(|s| s.id.clone())
        .collect();
    if taken.is_empty() {
        return Ok(merged);
    }
    let (started, finished) = (theirs.started_at, theirs.finished_at);
    put_rows(registry, store, &mut ours, theirs, &taken)?;
    ours.started_at = ours.started_at.min(started);
    ours.finished_at = ours.finished_at.max(finished);
    store.save_last_check(|out| crate::report::write_pretty_json(out, &ours))?;
    merged.files_written += 1;
    Ok(merged)
}

/// The last check's report; `None` when there is none or it is damaged (it is only a cache of
/// the last run: the next run writes it whole).
fn read_last_check(store: &Store) -> Result<Option<Report>, CheckError> {
    Ok(store
        .load_last_check()?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// `from`'s rows of the sources in `taken` (and of their facts) in place of `into`'s, in file
/// order; the routes judged again over all rows, the summary counted again.
fn put_rows(
    registry: &Registry,
    store: &Store,
    into: &mut Report,
    from: Report,
    taken: &HashSet<String>,
) -> Result<(), CheckError> {
    let known = |source: &str| registry.source(source).is_some();
    into.sources
        .retain(|s| !taken.contains(&s.id) && known(&s.id));
    into.facts.retain(|f| {
        !taken.contains(&f.source) && known(&f.source) && registry.fact(&f.id).is_some()
    });
    into.sources
        .extend(from.sources.into_iter().filter(|s| taken.contains(&s.id)));
    into.facts
        .extend(from.facts.into_iter().filter(|f| taken.contains(&f.source)));
    into.sources
        .sort_by_key(|s| registry.source_pos(&s.id).unwrap_or(usize::MAX));
    into.facts.sort_by_key(|f| registry.fact_pos(&f.id));
    let mut pages = HashMap::new();
    for route in registry.routes.iter().filter(|r| r.page.is_some()) {
        if let Some(capture) = crate::site::load(store, &route.id)? {
            pages.insert(route.id.clone(), capture);
        }
    }
    into.routes = crate::report::routes::judge_pages(registry, &pages, &mut into.facts);
    into.summarise();
    Ok(())
}
