//! The one way `last_verified` dates are written: `check --refresh` (the facts whose assessment
//! says `refreshed`) and `verify` (a person).

use chrono::NaiveDate;

use crate::registry::edit::{Expected, plan_last_verified};
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
/// so no other run edits the file at the same time; a person may, by hand.
///
/// The order is what keeps a date from moving without its record: the file is read and each
/// fact's claim and quote compared with the ones `registry` (what was checked) holds, a fact
/// edited since is skipped; the verifications of the others are logged and on disk; only then
/// is the file written, and only if it did not change meanwhile. A run killed between the two
/// leaves a logged verification without its date, which `status` reports and the same command
/// run again completes; never a moved date without its record. Returns the facts skipped.
pub(crate) fn write_verified(
    registry: &Registry,
    store: &Store,
    facts: &[FactId],
    date: NaiveDate,
    by: VerifiedBy,
) -> Result<Vec<FactId>, RefreshError> {
    let edits: Vec<(FactId, NaiveDate)> = facts.iter().map(|id| (id.clone(), date)).collect();
    let expected = |id: &FactId| -> Option<Expected<'_>> {
        registry.fact(id.as_str()).map(|f| Expected {
            claim: f.claim.as_str(),
            quote: f.quote.as_deref(),
        })
    };
    let planned = plan_last_verified(&registry.path, &edits, &expected)?;
    for id in &planned.skipped {
        tracing::warn!(
            "{id}: its claim or quote in {} changed during the run; its date was not moved",
            registry.path.display()
        );
    }
    let skipped = planned.skipped.clone();
    store.record_verifications(&planned.written, date, by)?;
    planned.write()?;
    store.sync()?;
    Ok(skipped)
}
