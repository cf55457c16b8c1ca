//! `LEDGER.json`: what is known of each fact beyond `sources.toml` and the page texts, kept so
//! that `status` never depends on which check ran last.
//!
//! Per fact: the date a machine last found its quote on an unchanged source
//! (`machine_verified`), the date a person last verified it (`human_verified`), and who set the
//! `last_verified` date now in `sources.toml`. A check merges in only the facts it assessed,
//! `verify` and `--refresh` record their dates; everything else about a fact (its flags, its
//! source's outcome) is computed from the registry and the stored texts when asked.
//!
//! `VERIFICATIONS.jsonl` stays the full history and is written first; the ledger is its
//! compaction (so a check reads one small file, not a log that grows every night). The ledger
//! notes how many bytes of the log it has folded in, and every read folds in the lines written
//! since: a verification logged by a run killed before it updated the ledger is never lost.
//! The ledger is a cache: when it is missing or damaged (cut short, git conflict markers) it is
//! rebuilt from the log with a warning, never a reason to stop; only the machine verification
//! dates, which no log holds, start over.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::verifications::{VerifiedBy, read_verifications_from};
use super::{Store, StoreError, io_err, read_json_or_default};
use crate::registry::FactId;

pub(super) const LEDGER_FILE: &str = "LEDGER.json";
const LEDGER_FORMAT: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ledger {
    #[serde(default)]
    pub(crate) format: u32,
    #[serde(default)]
    pub(crate) facts: BTreeMap<FactId, FactRecord>,
    /// Bytes of `VERIFICATIONS.jsonl` folded in.
    #[serde(default)]
    pub(crate) log_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FactRecord {
    /// The day a check last found the fact's quote on its source while the source was
    /// unchanged (or new), or, for a fact without a quote, saw its source unchanged.
    #[serde(default)]
    pub(crate) machine_verified: Option<NaiveDate>,
    /// The day of the last `verify`.
    #[serde(default)]
    pub(crate) human_verified: Option<NaiveDate>,
    /// The last date sourcewatch wrote into `last_verified`, and who asked for it.
    #[serde(default)]
    pub(crate) last_written: Option<(NaiveDate, VerifiedBy)>,
}

impl FactRecord {
    /// Who set `last_verified`, when it is still the date sourcewatch wrote.
    pub(crate) fn verified_by(&self, last_verified: NaiveDate) -> Option<VerifiedBy> {
        self.last_written
            .filter(|(date, _)| *date == last_verified)
            .map(|(_, by)| by)
    }
}

impl Ledger {
    pub(crate) fn fact(&self, id: &FactId) -> FactRecord {
        self.facts.get(id).cloned().unwrap_or_default()
    }

    /// Notes that `by` set each fact's `last_verified` to `date`.
    pub(crate) fn written(&mut self, facts: &[FactId], date: NaiveDate, by: VerifiedBy) {
        for id in facts {
            let record = self.facts.entry(id.clone()).or_default();
            record.last_written = Some((date, by));
            if by == VerifiedBy::Human {
                record.human_verified = Some(date);
            }
        }
    }
}

impl Store {
    /// The ledger, with every verification logged since it was written folded in; rebuilt
    /// from the verification log when the store has none or it is damaged.
    pub(crate) fn ledger(&self) -> Result<Ledger, StoreError> {
        let path = self.dir.join(LEDGER_FILE);
        let mut ledger = match read_json_or_default::<Ledger>(&path) {
            Ok(ledger) => ledger,
            Err(StoreError::Corrupt { message, .. }) => {
                tracing::warn!(
                    "{} is damaged ({message}); rebuilt from {}: the human verifications are \
                     kept, the machine verification dates start over",
                    path.display(),
                    super::verifications::VERIFICATIONS_FILE
                );
                Ledger::default()
            }
            Err(e) => return Err(e),
        };
        let (logged, end) = read_verifications_from(&self.dir, ledger.log_bytes)?;
        if end < ledger.log_bytes {
            // The log is shorter than what was folded in (replaced, or cut): fold it all again.
            for record in ledger.facts.values_mut() {
                (record.human_verified, record.last_written) = (None, None);
            }
            ledger.log_bytes = 0;
            return self.fold(ledger);
        }
        for v in logged {
            ledger.written(&[v.fact], v.date, v.by);
        }
        ledger.log_bytes = end;
        Ok(ledger)
    }

    fn fold(&self, mut ledger: Ledger) -> Result<Ledger, StoreError> {
        let (logged, end) = read_verifications_from(&self.dir, 0)?;
        for v in logged {
            ledger.written(&[v.fact], v.date, v.by);
        }
        ledger.log_bytes = end;
        Ok(ledger)
    }

    /// Streamed to the file, never copied or held whole: at 100,000 facts the ledger is 19 MB
    /// in memory and 12 MB of JSON, and a check saves it while every row is still held.
    pub(crate) fn save_ledger(&self, ledger: &mut Ledger) -> Result<(), StoreError> {
        let path = self.dir.join(LEDGER_FILE);
        ledger.format = LEDGER_FORMAT;
        crate::atomic::write_with(&path, |out| {
            serde_json::to_writer_pretty(&mut *out, &*ledger)?;
            out.write_all(b"\n")
        })
        .map_err(io_err(&path))
    }

    /// Reads the ledger, lets `change` edit it, and writes it back.
    pub(crate) fn update_ledger(&self, change: impl FnOnce(&mut Ledger)) -> Result<(), StoreError> {
        let mut ledger = self.ledger()?;
        change(&mut ledger);
        self.save_ledger(&mut ledger)
    }
}
