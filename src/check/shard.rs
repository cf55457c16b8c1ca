//! `check --shard I/N`: which hosts shard I of N fetches. Sources are split by host (as
//! politeness sees one: name and port), so no host is ever asked by two shards at once and its
//! interval and concurrency hold across shards. The split is a pure function of the registry:
//! every machine running a shard of it agrees on the split without talking to the others.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::fetch::HostKey;
use crate::registry::Registry;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    pub(crate) index: usize,
    pub(crate) count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let expected = || format!("expected I/N with 1 ≤ I ≤ N (for example 2/4), got {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(expected)?;
        let index: usize = i.trim().parse().map_err(|_| expected())?;
        let count: usize = n.trim().parse().map_err(|_| expected())?;
        if index == 0 || index > count {
            return Err(expected());
        }
        Ok(Shard { index, count })
    }
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

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn reads_i_of_n() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "4", "a/4", "1/0", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("expected I/N"), "{bad}: {e}");
        }
    }
}
