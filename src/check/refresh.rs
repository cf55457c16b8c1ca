//! The one way `last_verified` dates are written: `check --refresh` (the facts whose assessment
//! says `refreshed`) and `verify` (a person).

use chrono::NaiveDate;

use crate::registry::{FactId, Registry};
use crate::store::{Store, StoreError, VerifiedBy};

#[derive(Debug, thiserror::Error)]
pub(crate) enum RefreshError {
    #[error(transparent)]
    Edit(#[from] crate::registry::edit::EditError),
    #[error(transparent)]
    Store(#[from] StoreError),
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
