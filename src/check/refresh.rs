//! `check --refresh`: machine re-verification of the facts this run confirmed.

use chrono::NaiveDate;

use crate::assess::freshness;
use crate::outcome::Flag;
use crate::registry::{FactId, Registry};
use crate::report::Report;
use crate::store::{Store, StoreError, VerifiedBy};

#[derive(Debug, thiserror::Error)]
pub(crate) enum RefreshError {
    #[error(transparent)]
    Edit(#[from] crate::registry::edit::EditError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Moves `last_verified` to today for every fact re-verified by this run (`assess::reverified`:
/// its quote found on a source that is `unchanged`, or `new` today, by a capture that is
/// evidence; without a quote, its source `unchanged`), in `sources.toml` and in the report, and
/// records that a machine did it.
pub(crate) fn refresh(
    registry: &Registry,
    store: &Store,
    report: &mut Report,
) -> Result<usize, RefreshError> {
    let today = report.today;
    let mut updated: Vec<FactId> = Vec::new();
    for f in &mut report.facts {
        if f.reverified && f.last_verified != today {
            updated.push(f.id.clone());
            let fresh = freshness(today, f.stale_after_days, today);
            f.last_verified = today;
            f.age_days = fresh.age_days;
            f.due = fresh.due;
            f.flags.retain(|fl| *fl != Flag::Stale);
            f.refreshed = true;
            f.verified_by = Some(VerifiedBy::Machine);
        }
    }
    if updated.is_empty() {
        return Ok(0);
    }
    write_verified(registry, store, &updated, today, VerifiedBy::Machine)?;
    report.summarise();
    Ok(updated.len())
}

/// Sets `last_verified = date` for `facts` in `sources.toml` and records who did it: the one
/// path for `verify` (a person) and `--refresh` (a machine). The caller holds the store's lock,
/// so no other run edits the file at the same time.
pub(crate) fn write_verified(
    registry: &Registry,
    store: &Store,
    facts: &[FactId],
    date: NaiveDate,
    by: VerifiedBy,
) -> Result<(), RefreshError> {
    let edits: Vec<(FactId, NaiveDate)> = facts.iter().map(|id| (id.clone(), date)).collect();
    crate::registry::edit::set_last_verified(&registry.path, &edits)?;
    store.record_verifications(facts, date, by)?;
    store.sync()?;
    Ok(())
}
