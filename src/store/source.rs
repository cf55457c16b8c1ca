//! One source's folder in the store. [`SourceStore`] names its files once; every read and write
//! of a source's state, texts, raw bodies and log goes through it.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::log::{LogEntry, append_lines, read_last};
use super::{FORMAT_VERSION, Store, StoreError, io_err, misnamed, read_json_or_default};
use crate::capture::{Capture, Captured};
use crate::outcome::Outcome;

/// One stored version of a source's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Version {
    pub(crate) sha256: String,
    pub(crate) captured_at: DateTime<Utc>,
    /// The extraction settings the text was made with (`Source::extract_fingerprint`); missing
    /// in stores made before it was kept (then the capture log says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fingerprint: Option<String>,
    /// The Content-Type the raw body came with, so it can be decoded the same way again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content_type: Option<String>,
    /// The SHA-256 of the raw body stored for this text, checked before the body is used again;
    /// missing in stores made before it was kept (then the capture log may say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw_sha256: Option<String>,
    /// The challenge wording this text was captured with (`CaptureMeta::wall_words`): a 304 that
    /// points at it reads like a challenge too, and no date is refreshed from either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) challenge: Option<String>,
}

/// A page that served a text other than the baseline's in a run that did not report it as a
/// change (a flap): until it has given the baseline's text on both fetches of
/// [`Unsettled::CALM_RUNS`] runs in a row, or someone accepts, no date is refreshed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Unsettled {
    /// The other text, last seen.
    pub(crate) sha256: String,
    pub(crate) seen_at: DateTime<Utc>,
    /// Runs in a row since, in which both fetches gave the baseline's text.
    pub(crate) calm_runs: u32,
}

impl Unsettled {
    /// The page served `sha256` just now: the count of calm runs starts over.
    pub(crate) fn seen_now(sha256: String) -> Unsettled {
        Unsettled {
            sha256,
            seen_at: Utc::now(),
            calm_runs: 0,
        }
    }

    /// Three nightly runs: a CDN node that still serves an old (or a new) page is rarely
    /// missed by six fetches over three days, and three days of no refresh costs nothing.
    pub(crate) const CALM_RUNS: u32 = 3;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SourceState {
    pub(crate) format: u32,
    pub(crate) baseline: Option<Version>,
    pub(crate) latest: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) unsettled: Option<Unsettled>,
}

pub(crate) struct SourceStore<'s> {
    store: &'s Store,
    id: String,
    dir: PathBuf,
}

impl<'s> SourceStore<'s> {
    pub(super) fn new(store: &'s Store, id: &str) -> SourceStore<'s> {
        // Ids are validated by the registry; this guard keeps the store safe on its own.
        assert!(
            crate::registry::is_valid_id(id),
            "source id {id:?} cannot name a snapshot folder"
        );
        SourceStore {
            store,
            id: id.to_string(),
            dir: store.dir.join(id),
        }
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("captures.jsonl")
    }

    /// Where the text named `sha` lives; refused when `sha` is not a SHA-256 (a hand-edited or
    /// damaged state must not name a path outside the folder).
    fn text_path(&self, sha: &str) -> Result<PathBuf, StoreError> {
        self.checked(sha)?;
        Ok(self.dir.join("text").join(format!("{sha}.txt")))
    }

    fn raw_path(&self, sha: &str) -> Result<PathBuf, StoreError> {
        self.checked(sha)?;
        Ok(self.dir.join("raw").join(format!("{sha}.gz")))
    }

    fn checked(&self, sha: &str) -> Result<(), StoreError> {
        if crate::text::is_sha256_hex(sha) {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.state_path(),
                message: format!("{sha:?} is not a SHA-256"),
            })
        }
    }

    /// The source's state; a state naming a text by anything but a SHA-256 (a hand edit, a
    /// damaged file) is refused with the file named, before any such name is used.
    pub(crate) fn state(&self) -> Result<SourceState, StoreError> {
        let state: SourceState = read_json_or_default(&self.state_path())?;
        for v in [&state.baseline, &state.latest].into_iter().flatten() {
            self.checked(&v.sha256)?;
        }
        Ok(state)
    }

    fn write_state(&self, state: &SourceState) -> Result<(), StoreError> {
        let path = self.state_path();
        let mut json = serde_json::to_vec_pretty(state).expect("state serialises");
        json.push(b'\n');
        crate::atomic::write(&path, &json).map_err(io_err(&path))
    }

    pub(crate) fn text(&self, sha: &str) -> Result<String, StoreError> {
        let path = self.text_path(sha)?;
        let bytes = super::read_file(&path).map_err(io_err(&path))?;
        String::from_utf8(bytes).map_err(|_| StoreError::Corrupt {
            path,
            message: "not UTF-8 text".into(),
        })
    }

    /// The text stored under `sha`, refused when its content no longer hashes to that name.
    pub(crate) fn verified_text(&self, sha: &str) -> Result<String, StoreError> {
        let text = self.text(sha)?;
        if let Some(message) = misnamed(text.as_bytes(), sha) {
            return Err(StoreError::Corrupt {
                path: self.text_path(sha)?,
                message,
            });
        }
        Ok(text)
    }

    /// Whether the text stored under `sha` is still there, without reading it.
    pub(crate) fn has_text(&self, sha: &str) -> Result<(), StoreError> {
        let path = self.text_path(sha)?;
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(_) => Err(StoreError::Corrupt {
                path,
                message: "not a file".into(),
            }),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// The capture log, oldest first; a torn last line (a crash mid-append) is skipped. A line
    /// naming a text by anything but a SHA-256 is refused with the log named.
    pub(crate) fn log(&self) -> Result<Vec<LogEntry>, StoreError> {
        let entries: Vec<LogEntry> = super::log::read_lines(&self.log_path())?;
        for e in &entries {
            self.checked_logged(e)?;
        }
        Ok(entries)
    }

    /// The last capture, good or not (the log's last entry).
    pub(crate) fn last_capture(&self) -> Result<Option<LogEntry>, StoreError> {
        let last: Option<LogEntry> = read_last(&self.log_path())?;
        if let Some(e) = &last {
            self.checked_logged(e)?;
        }
        Ok(last)
    }

    /// A capture log line's text name is a SHA-256, or the log (not the state) is named as
    /// damaged.
    fn checked_logged(&self, e: &LogEntry) -> Result<(), StoreError> {
        match &e.record.sha256 {
            Some(sha) if !crate::text::is_sha256_hex(sha) => Err(StoreError::Corrupt {
                path: self.log_path(),
                message: format!("{sha:?} is not a SHA-256"),
            }),
            _ => Ok(()),
        }
    }

    /// The last capture when it was good and its text is the latest version: the one whose
    /// validators a conditional GET may send.
    pub(crate) fn last_good_capture(
        &self,
        state: &SourceState,
    ) -> Result<Option<LogEntry>, StoreError> {
        let Some(latest) = &state.latest else {
            return Ok(None);
        };
        Ok(self.last_capture()?.filter(|last| {
            last.record.outcome.is_good() && last.record.sha256.as_ref() == Some(&latest.sha256)
        }))
    }

    /// Records a capture whose outcome against `previous` (the state it was compared with) is
    /// `outcome`, and returns the state after it. A good capture stores its text and raw body if
    /// this version is new, moves `latest`, becomes the baseline when there is none; a failed
    /// one only adds its log line. `state.json` is only rewritten when it changes, so an
    /// unchanged source costs one log line. `repair`: the text already stored under this SHA-256
    /// was found damaged; write it again.
    pub(crate) fn record(
        &self,
        capture: &Capture,
        outcome: Outcome,
        previous: &SourceState,
        repair: bool,
    ) -> Result<SourceState, StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let mut entry = LogEntry::new(capture, outcome);
        let Some(sha) = capture.sha256() else {
            append_lines(&self.log_path(), &[entry])?;
            return Ok(previous.clone());
        };
        let mut content_type = None;
        // The raw body's hash, when this capture wrote it or the state already knows it.
        let mut raw_sha256 = [&previous.baseline, &previous.latest]
            .into_iter()
            .flatten()
            .find(|v| v.sha256 == sha)
            .and_then(|v| v.raw_sha256.clone());
        if let Captured::Fresh {
            extracted,
            raw,
            content_type: ct,
        } = &capture.captured
        {
            if let Some(written) = self.write_version(sha, &extracted.text, raw, repair)? {
                entry.raw_sha256 = Some(written.clone());
                raw_sha256 = Some(written);
            }
            content_type = ct.clone();
        }
        let version = Version {
            sha256: sha.to_string(),
            captured_at: entry.at,
            fingerprint: Some(capture.fingerprint.clone()),
            content_type,
            raw_sha256,
            challenge: capture.meta.wall_words.clone(),
        };
        let mut state = previous.clone();
        state.format = FORMAT_VERSION;
        if state.baseline.is_none() {
            state.baseline = Some(version.clone());
        }
        // Keep the first time a version was seen, so `accept` reports when the change appeared.
        if state.latest.as_ref().map(|v| &v.sha256) != Some(&version.sha256) {
            state.latest = Some(version);
        }
        if state != *previous {
            self.write_state(&state)?;
        }
        append_lines(&self.log_path(), &[entry])?;
        Ok(state)
    }

    /// Keeps what the run learnt of the page's stability (see [`Unsettled`]) in the state
    /// `record` returned; written only when it changed.
    pub(crate) fn settle(
        &self,
        mut state: SourceState,
        unsettled: Option<Unsettled>,
    ) -> Result<SourceState, StoreError> {
        if state.unsettled != unsettled {
            state.unsettled = unsettled;
            self.write_state(&state)?;
        }
        Ok(state)
    }

    /// Stores a text and the raw body that produced it, each once. Text is written before the
    /// state that points at it, so a crash at any moment leaves a state whose files exist.
    /// Returns the raw body's SHA-256 when it was written now.
    fn write_version(
        &self,
        sha: &str,
        text: &str,
        raw: &[u8],
        repair: bool,
    ) -> Result<Option<String>, StoreError> {
        let text_path = self.text_path(sha)?;
        if repair || !text_path.exists() {
            let text_dir = self.dir.join("text");
            std::fs::create_dir_all(&text_dir).map_err(io_err(&text_dir))?;
            crate::atomic::write(&text_path, text.as_bytes()).map_err(io_err(&text_path))?;
        }
        let raw_path = self.raw_path(sha)?;
        if !raw_path.exists() && !raw.is_empty() {
            let raw_dir = self.dir.join("raw");
            std::fs::create_dir_all(&raw_dir).map_err(io_err(&raw_dir))?;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(raw).map_err(io_err(&raw_path))?;
            let packed = gz.finish().map_err(io_err(&raw_path))?;
            crate::atomic::write(&raw_path, &packed).map_err(io_err(&raw_path))?;
            return Ok(Some(crate::text::sha256_bytes_hex(raw)));
        }
        Ok(None)
    }

    /// The raw body stored for `version`'s text, if there is one, unpacked up to `limit` bytes
    /// and checked against the SHA-256 recorded when it was written (on the version, else in the
    /// capture log); a body whose hash is recorded nowhere (a store older than the record) is
    /// taken as it is.
    pub(crate) fn verified_raw(
        &self,
        version: &Version,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(body) = self.raw(&version.sha256, limit)? else {
            return Ok(None);
        };
        let expected = match &version.raw_sha256 {
            Some(h) => Some(h.clone()),
            None => super::log::read_lines::<LogEntry>(&self.log_path())?
                .into_iter()
                .find(|e| {
                    e.record.sha256.as_ref() == Some(&version.sha256) && e.raw_sha256.is_some()
                })
                .and_then(|e| e.raw_sha256),
        };
        if let Some(expected) = expected
            && crate::text::sha256_bytes_hex(&body) != expected
        {
            return Err(StoreError::Corrupt {
                path: self.raw_path(&version.sha256)?,
                message: format!(
                    "the raw body does not match the SHA-256 recorded for it ({})",
                    crate::text::short_sha(&expected)
                ),
            });
        }
        Ok(Some(body))
    }

    /// The raw body stored for the text `sha`, if there is one, unpacked up to `limit` bytes.
    pub(crate) fn raw(&self, sha: &str, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
        use std::io::Read;
        let path = self.raw_path(sha)?;
        let file = match super::no_follow(std::fs::OpenOptions::new().read(true)).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let mut body = Vec::new();
        flate2::read::GzDecoder::new(file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(io_err(&path))?;
        if body.len() as u64 > limit {
            return Err(StoreError::Corrupt {
                path,
                message: format!("unpacks to more than {limit} bytes"),
            });
        }
        Ok(Some(body))
    }

    /// The extraction settings a stored version was made with: kept on the version, else on the
    /// first good capture of that text in the log.
    pub(crate) fn fingerprint_of(&self, version: &Version) -> Result<Option<String>, StoreError> {
        if version.fingerprint.is_some() {
            return Ok(version.fingerprint.clone());
        }
        Ok(super::log::read_lines::<LogEntry>(&self.log_path())?
            .into_iter()
            .find(|e| e.record.sha256.as_ref() == Some(&version.sha256))
            .and_then(|e| e.fingerprint))
    }

    /// Writes a damaged or missing text again (its SHA-256 checked by the caller).
    pub(crate) fn repair_text(&self, sha: &str, text: &str) -> Result<(), StoreError> {
        self.write_version(sha, text, &[], true).map(|_| ())
    }

    /// Makes `text` (re-extracted from the baseline's raw body with today's settings, named
    /// `sha`) the baseline, in place of the version it was made from: same capture time, new
    /// settings. Returns the state to compare the next capture with.
    pub(crate) fn rebase(
        &self,
        previous: &SourceState,
        sha: &str,
        text: &str,
        raw: &[u8],
        fingerprint: &str,
    ) -> Result<SourceState, StoreError> {
        let old = previous
            .baseline
            .as_ref()
            .ok_or_else(|| StoreError::NoCapture(self.id.clone()))?;
        self.write_version(sha, text, raw, false)?;
        let mut state = previous.clone();
        state.baseline = Some(Version {
            sha256: sha.to_string(),
            captured_at: old.captured_at,
            fingerprint: Some(fingerprint.to_string()),
            content_type: old.content_type.clone(),
            raw_sha256: Some(crate::text::sha256_bytes_hex(raw)),
            challenge: old.challenge.clone(),
        });
        self.write_state(&state)?;
        Ok(state)
    }

    /// Why the latest capture cannot be accepted, if it cannot: there is none, or the last
    /// capture failed (a reviewer must never accept text older than what they think they
    /// reviewed).
    pub(crate) fn check_acceptable(&self) -> Result<Version, StoreError> {
        let latest = self
            .state()?
            .latest
            .ok_or_else(|| StoreError::NoCapture(self.id.clone()))?;
        if let Some(outcome) = self.last_capture()?.map(|c| c.record.outcome)
            && !outcome.is_good()
        {
            return Err(StoreError::LatestFailed {
                id: self.id.clone(),
                outcome,
            });
        }
        Ok(latest)
    }

    /// Makes the latest good capture the baseline (see [`Self::check_acceptable`]).
    pub(crate) fn accept(&self) -> Result<Version, StoreError> {
        let latest = self.check_acceptable()?;
        let mut state = self.state()?;
        state.baseline = Some(latest.clone());
        // A person looked at the page: another text it served before is theirs to judge now.
        state.unsettled = None;
        self.write_state(&state)?;
        self.store.sync()?;
        Ok(latest)
    }
}
