//! `VERIFICATIONS.jsonl`: who moved which `last_verified`, and when. `check --refresh` writes
//! machine verifications, `verify` human ones; reports show the latest as `verified_by`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::log::{append_lines_synced, read_lines_from};
use super::{Store, StoreError};
use crate::registry::FactId;

pub(crate) const VERIFICATIONS_FILE: &str = "VERIFICATIONS.jsonl";

/// Who last moved a fact's `last_verified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum VerifiedBy {
    /// `check --refresh`: the quote was found on an unchanged source.
    Machine,
    /// `verify`: a person checked the fact.
    Human,
}

/// One line of `VERIFICATIONS.jsonl`: a fact's `last_verified` was set to `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Verification {
    pub(crate) at: chrono::DateTime<chrono::Utc>,
    pub(crate) fact: FactId,
    pub(crate) date: chrono::NaiveDate,
    pub(crate) by: VerifiedBy,
}

impl Store {
    /// Records that `by` set each fact's `last_verified` to `date`, now: a line each in the
    /// history, and the ledger updated.
    pub(crate) fn record_verifications(
        &self,
        facts: &[FactId],
        date: chrono::NaiveDate,
        by: VerifiedBy,
    ) -> Result<(), StoreError> {
        if facts.is_empty() {
            return Ok(());
        }
        let at = chrono::Utc::now();
        let entries: Vec<Verification> = facts
            .iter()
            .map(|fact| Verification {
                at,
                fact: fact.clone(),
                date,
                by,
            })
            .collect();
        // On disk before anything else: the ledger folds it in from here, and the caller moves
        // the dates in sources.toml only after this returns.
        append_lines_synced(&self.dir.join(VERIFICATIONS_FILE), &entries)?;
        self.update_ledger(|_| {})
    }
}

/// The verifications recorded from byte `from` of the log on, oldest first, and where they end.
pub(super) fn read_verifications_from(
    dir: &Path,
    from: u64,
) -> Result<(Vec<Verification>, u64), StoreError> {
    read_lines_from(&dir.join(VERIFICATIONS_FILE), from)
}
