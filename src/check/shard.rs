//! `check --shard I/N` and `merge`: which hosts shard I of N fetches, and how the rows of one
//! shard's report, or of another store's, join the last check's report.
//!
//! Which hosts: Sources are split by host (as
//! politeness sees one: name and port), so no host is ever asked by two shards at once and its
//! interval and concurrency hold across shards. The split is a pure function of the registry:
//! every machine running a shard of it agrees on the split without talking to the others.

use std::collections::{HashMap, HashSet};
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
        let mut load: HashMap<HostKey, usize> = HashMap::new();
        let pages = registry.routes.iter().filter_map(|r| r.page.as_ref());
        for url in registry.sources.iter().map(|s| &s.url).chain(pages) {
            *load.entry(HostKey::of(url)).or_default() += 1;
        }
        let mut hosts: Vec<(HostKey, usize)> = load.into_iter().collect();
        hosts.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.sort_key().cmp(&b.0.sort_key()))
        });
        let mut shards = vec![0usize; self.count];
        let mut mine = HashSet::new();
        for (host, requests) in hosts {
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

/// `merge DIR`: the store at `other` brought into `store` (see `store::merge`), then what
/// belongs to the sources whose present is now `other`'s taken from it: their rows of the last
/// check's report and their facts' announced findings.
pub(crate) fn merge_store(
    registry: &Registry,
    store: &Store,
    other: &Path,
) -> Result<Merged, CheckError> {
    let mut merged = store.merge_from(other)?;
    let theirs_store = Store::open_read(other)?;
    // Whose capture each source's present is, from the logs as they are now (so a merge
    // stopped before this point is finished by the next).
    let last_at = |s: &Store, id: &str| s.source(id).last_capture().ok().flatten().map(|e| e.at);
    let from_them = |id: &str| {
        let theirs = last_at(&theirs_store, id);
        theirs.is_some() && theirs >= last_at(store, id)
    };
    merge_notified(registry, store, &theirs_store, &from_them, &mut merged)?;
    let Some(theirs) = read_last_check(&theirs_store)? else {
        return Ok(merged);
    };
    let before = store.load_last_check()?;
    let mut ours = match read_last_check(store)? {
        Some(ours) => ours,
        None => {
            let mut empty = theirs.clone();
            (empty.sources, empty.facts, empty.routes) = Default::default();
            empty
        }
    };
    let had: HashSet<String> = ours.sources.iter().map(|s| s.id.clone()).collect();
    let taken: HashSet<String> = (theirs.sources.iter())
        .filter(|s| !had.contains(s.id.as_str()) || from_them(&s.id))
        .map(|s| s.id.clone())
        .collect();
    if taken.is_empty() {
        return Ok(merged);
    }
    let (started, finished) = (theirs.started_at, theirs.finished_at);
    put_rows(registry, store, &mut ours, theirs, &taken)?;
    ours.started_at = ours.started_at.min(started);
    ours.finished_at = ours.finished_at.max(finished);
    let mut bytes = Vec::new();
    crate::report::write_pretty_json(&mut bytes, &ours).expect("writing to memory");
    if before.as_deref() != Some(bytes.as_slice()) {
        store.save_last_check(|out| out.write_all(&bytes))?;
        merged.files_written += 1;
    }
    Ok(merged)
}

/// `NOTIFIED.json`: for the facts of the sources whose present is `other`'s, the findings it
/// announced (a finding it saw settle is announced again when it returns); ours for the rest.
fn merge_notified(
    registry: &Registry,
    store: &Store,
    theirs: &Store,
    from_them: &dyn Fn(&str) -> bool,
    merged: &mut Merged,
) -> Result<(), CheckError> {
    let ours = store.load_notified()?;
    let their_keys = theirs.load_notified()?;
    // A key is `route/fact:flag`.
    let theirs_decides = |key: &String| {
        key.rsplit_once(':')
            .and_then(|(fact, _)| registry.fact(fact))
            .is_some_and(|f| from_them(&f.source))
    };
    let mut keys: std::collections::BTreeSet<String> = ours
        .iter()
        .filter(|k| !theirs_decides(k))
        .cloned()
        .collect();
    keys.extend(their_keys.into_iter().filter(|k| theirs_decides(k)));
    if keys != ours {
        store.save_notified(&keys)?;
        merged.files_written += 1;
    }
    Ok(())
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
    // Rows of sources and facts since removed from `sources.toml` go, whichever side they are on.
    let known = |source: &str| registry.source(source).is_some();
    let known_fact =
        |f: &crate::report::FactReport| known(&f.source) && registry.fact(&f.id).is_some();
    // Every shard's rows are held here to be merged and sorted: a sharded check's memory grows
    // with the whole registry, not with its shard (docs/store.md).
    let mut sources = std::mem::take(&mut into.sources).into_vec();
    let mut facts = std::mem::take(&mut into.facts).into_vec();
    sources.retain(|s| !taken.contains(&s.id) && known(&s.id));
    facts.retain(|f| !taken.contains(&f.source) && known_fact(f));
    sources.extend(
        from.sources
            .into_vec()
            .into_iter()
            .filter(|s| taken.contains(&s.id) && known(&s.id)),
    );
    facts.extend(
        from.facts
            .into_vec()
            .into_iter()
            .filter(|f| taken.contains(&f.source) && known_fact(f)),
    );
    // Judged again from scratch: what an older read of a page said must not stay on a row.
    for f in &mut facts {
        f.published = None;
        f.published_passage = None;
        f.flags
            .retain(|flag| *flag != crate::outcome::Flag::PageDiffers);
    }
    sources.sort_by_key(|s| registry.source_pos(&s.id).unwrap_or(usize::MAX));
    facts.sort_by_key(|f| registry.fact_pos(&f.id));
    (into.sources, into.facts) = (sources.into(), facts.into());
    let pages = crate::site::load_all(registry, store)?;
    into.routes = crate::report::routes::judge_pages(registry, &pages, &mut into.facts)
        .map_err(CheckError::Spill)?;
    into.summarise();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Shard;
    use crate::fetch::HostKey;

    fn registry(urls: &[&str]) -> crate::registry::Registry {
        let mut toml = String::new();
        for (i, url) in urls.iter().enumerate() {
            toml += &format!("[[sources]]\nid = \"s{i}\"\nurl = \"{url}\"\n\n");
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        crate::registry::parse(std::path::Path::new("sources.toml"), &toml, today).unwrap()
    }

    #[test]
    fn every_host_is_on_one_shard_and_the_busiest_are_spread() {
        let reg = registry(&[
            "http://x.example/a",
            "https://x.example/b",
            "https://y.example/1",
            "https://y.example/2",
            "https://y.example/3",
            "https://z.example/",
            "https://w.example:8443/",
        ]);
        let shards: Vec<_> = (1..=3)
            .map(|index| Shard { index, count: 3 }.hosts(&reg))
            .collect();
        for s in &reg.sources {
            let host = HostKey::of(&s.url);
            let on = shards.iter().filter(|h| h.contains(&host)).count();
            assert_eq!(on, 1, "{} is on {on} shards", s.url);
        }
        // y (3 requests) alone on shard 1; the four one-request hosts share shards 2 and 3.
        assert_eq!(shards[0].len(), 1);
        assert_eq!(shards[1].len() + shards[2].len(), 4);
    }
}
