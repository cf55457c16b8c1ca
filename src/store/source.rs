//! One source's folder in the store: `<id>/source.jsonl`, the source's state on its first line
//! and one line per capture after it. [`SourceStore`] is the only reader and writer of that
//! file; the texts and raw bodies it names live in the shared `TEXT/` and `RAW/` (`content`).
//!
//! A capture that moves nothing appends its line; one that moves the state (a new baseline, a
//! new latest version, an accept) rewrites the file atomically with the new first line. So the
//! file is append-only in steady state, git shows a change of state as its first line changed,
//! and a crash leaves either file whole (an append torn at most in its last line, which readers
//! skip).

use std::io::BufRead;
use std::path::PathBuf;

use super::log::{LogEntry, append_lines, read_last};
use super::state::StateLine;
use super::{FORMAT_VERSION, SourceState, Store, StoreError, Unsettled, Version, io_err, misnamed};
use crate::capture::{Capture, Captured};
use crate::outcome::Outcome;

/// The name of a source's file in its folder.
pub(super) const SOURCE_FILE: &str = "source.jsonl";

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

    fn file_path(&self) -> PathBuf {
        self.dir.join(SOURCE_FILE)
    }

    fn checked(&self, sha: &str) -> Result<(), StoreError> {
        if crate::text::is_sha256_hex(sha) {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.file_path(),
                message: format!("{sha:?} is not a SHA-256"),
            })
        }
    }

    /// The source's state (the file's first line); a state naming a text by anything but a
    /// SHA-256 (a hand edit, a damaged file) is refused with the file named, before any such name
    /// is used.
    pub(crate) fn state(&self) -> Result<SourceState, StoreError> {
        let path = self.file_path();
        let file = match super::no_follow(std::fs::OpenOptions::new().read(true)).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let mut first = Vec::new();
        std::io::BufReader::with_capacity(8 * 1024, file)
            .read_until(b'\n', &mut first)
            .map_err(io_err(&path))?;
        let state = match read_state_line(&first) {
            Some(Ok(state)) => state,
            None => SourceState::default(),
            Some(Err(message)) => return Err(StoreError::Corrupt { path, message }),
        };
        self.check_state(&state)?;
        Ok(state)
    }

    /// [`Self::state`] and [`Self::last_capture`] together: one read of a file of a few
    /// kilobytes (years of nightly captures), two reads of a longer one.
    pub(crate) fn state_and_last(&self) -> Result<(SourceState, Option<LogEntry>), StoreError> {
        const SMALL: usize = 64 * 1024;
        let path = self.file_path();
        let bytes = match super::read_up_to(&path, SMALL) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok((self.state()?, self.last_capture()?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let first = match bytes.iter().position(|&b| b == b'\n') {
            Some(end) => &bytes[..=end],
            None => &bytes[..],
        };
        let state = match read_state_line(first) {
            Some(Ok(state)) => state,
            None => SourceState::default(),
            Some(Err(message)) => return Err(StoreError::Corrupt { path, message }),
        };
        self.check_state(&state)?;
        // Read as `read_last` reads a tail, so the two agree on any bytes.
        let last = super::log::last_that_parses::<LogEntry>(&bytes);
        if let Some(e) = &last {
            self.checked_logged(e)?;
        }
        Ok((state, last))
    }

    fn check_state(&self, state: &SourceState) -> Result<(), StoreError> {
        for v in [&state.baseline, &state.latest].into_iter().flatten() {
            self.checked(&v.sha256)?;
            if let Some(raw) = &v.raw_sha256 {
                self.checked(raw)?;
            }
        }
        Ok(())
    }

    /// Replaces the state line, keeping every whole capture line, and adds `entry` after them:
    /// one atomic write.
    fn write_state(&self, state: &SourceState, entry: Option<&LogEntry>) -> Result<(), StoreError> {
        let path = self.file_path();
        let old = match super::read_file(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
                Vec::new()
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        let lines = capture_lines(&old);
        let mut out = serde_json::to_vec(&StateLine {
            state: state.clone(),
        })
        .expect("state serialises");
        out.push(b'\n');
        out.extend_from_slice(lines);
        if let Some(entry) = entry {
            serde_json::to_writer(&mut out, entry).expect("log entry serialises");
            out.push(b'\n');
        }
        crate::atomic::write(&path, &out).map_err(io_err(&path))
    }

    pub(crate) fn text(&self, sha: &str) -> Result<String, StoreError> {
        self.store.read_text(sha)
    }

    /// The text stored under `sha`, refused when its content no longer hashes to that name.
    pub(crate) fn verified_text(&self, sha: &str) -> Result<String, StoreError> {
        let text = self.text(sha)?;
        if let Some(message) = misnamed(text.as_bytes(), sha) {
            return Err(StoreError::Corrupt {
                path: self.store.text_path(sha)?,
                message,
            });
        }
        Ok(text)
    }

    /// Whether the text stored under `sha` is still there, without reading it.
    pub(crate) fn has_text(&self, sha: &str) -> Result<(), StoreError> {
        let path = self.store.text_path(sha)?;
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
    /// naming a text by anything but a SHA-256 is refused with the file named.
    pub(crate) fn log(&self) -> Result<Vec<LogEntry>, StoreError> {
        // The state line is not a capture: it does not read as one and is left out.
        let entries: Vec<LogEntry> = super::log::read_lines(&self.file_path())?;
        for e in &entries {
            self.checked_logged(e)?;
        }
        Ok(entries)
    }

    /// The last capture, good or not (the file's last capture line).
    pub(crate) fn last_capture(&self) -> Result<Option<LogEntry>, StoreError> {
        let last: Option<LogEntry> = read_last(&self.file_path())?;
        if let Some(e) = &last {
            self.checked_logged(e)?;
        }
        Ok(last)
    }

    /// A capture line's text name is a SHA-256, or the file is named as damaged.
    fn checked_logged(&self, e: &LogEntry) -> Result<(), StoreError> {
        match &e.record.sha256 {
            Some(sha) if !crate::text::is_sha256_hex(sha) => Err(StoreError::Corrupt {
                path: self.file_path(),
                message: format!("{sha:?} is not a SHA-256"),
            }),
            _ => Ok(()),
        }
    }

    /// Records a capture whose outcome against `previous` (the state it was compared with) is
    /// `outcome`, and returns the state after it. A good capture stores its text and raw body if
    /// this version is new, moves `latest`, becomes the baseline when there is none; a failed
    /// one only adds its log line. The state line is only rewritten when it changes, so an
    /// unchanged source costs one appended line. `repair`: the text already stored under this
    /// SHA-256 was found damaged; write it again.
    pub(crate) fn record(
        &self,
        capture: &Capture,
        outcome: Outcome,
        previous: &SourceState,
        repair: bool,
    ) -> Result<SourceState, StoreError> {
        let mut entry = LogEntry::new(capture, outcome);
        let Some(sha) = capture.sha256() else {
            return self.append(&entry).map(|()| previous.clone());
        };
        let mut content_type = None;
        // The raw body's name, when the state already keeps one for this text.
        let mut raw_sha256 = [&previous.baseline, &previous.latest]
            .into_iter()
            .flatten()
            .find(|v| v.sha256 == sha)
            .and_then(|v| v.raw_sha256.clone());
        if let Captured::Fresh {
            extracted,
            raw,
            gzip,
            content_type: ct,
        } = &capture.captured
        {
            // Text before the state that points at it: a crash at any moment leaves a state
            // whose files exist.
            self.store.put_text(sha, &extracted.text, repair)?;
            if raw_sha256.is_none() && !raw.is_empty() {
                let written = self.store.put_raw(raw, gzip.as_deref())?;
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
            self.write_state(&state, Some(&entry))?;
        } else {
            self.append(&entry)?;
        }
        Ok(state)
    }

    fn append(&self, entry: &LogEntry) -> Result<(), StoreError> {
        let path = self.file_path();
        match append_lines(&path, std::slice::from_ref(entry)) {
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
                append_lines(&path, std::slice::from_ref(entry))
            }
            other => other,
        }
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
            self.write_state(&state, None)?;
        }
        Ok(state)
    }

    /// The raw body kept for `version`'s text, if there is one, unpacked up to `limit` bytes and
    /// checked against its name.
    pub(crate) fn verified_raw(
        &self,
        version: &Version,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match &version.raw_sha256 {
            Some(sha) => self.store.verified_raw_body(sha, limit),
            None => Ok(None),
        }
    }

    /// The raw body named `sha` (its own SHA-256), if it is stored, unpacked up to `limit` bytes.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn raw(&self, sha: &str, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.raw_body(sha, limit)
    }

    /// The extraction settings a stored version was made with: kept on the version, else on the
    /// first good capture of that text in the log.
    pub(crate) fn fingerprint_of(&self, version: &Version) -> Result<Option<String>, StoreError> {
        if version.fingerprint.is_some() {
            return Ok(version.fingerprint.clone());
        }
        Ok(self
            .log()?
            .into_iter()
            .find(|e| e.record.sha256.as_ref() == Some(&version.sha256))
            .and_then(|e| e.fingerprint))
    }

    /// Writes a damaged or missing text again (its SHA-256 checked by the caller).
    pub(crate) fn repair_text(&self, sha: &str, text: &str) -> Result<(), StoreError> {
        self.store.put_text(sha, text, true)
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
        self.store.put_text(sha, text, false)?;
        let raw_sha256 = self.store.put_raw(raw, None)?;
        let mut state = previous.clone();
        state.baseline = Some(Version {
            sha256: sha.to_string(),
            captured_at: old.captured_at,
            fingerprint: Some(fingerprint.to_string()),
            content_type: old.content_type.clone(),
            raw_sha256: Some(raw_sha256),
            challenge: old.challenge.clone(),
        });
        self.write_state(&state, None)?;
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
        self.write_state(&state, None)?;
        self.store.sync()?;
        Ok(latest)
    }
}

/// What a source file's first line says of the state: `None` when it holds none (no file yet,
/// or only captures so far: the first ones failed, or the first append was cut short), else the
/// state or why it cannot be read.
pub(super) fn read_state_line(first: &[u8]) -> Option<Result<SourceState, String>> {
    if first.is_empty() {
        return None;
    }
    match serde_json::from_slice::<StateLine>(first) {
        Ok(line) => Some(Ok(line.state)),
        // An unfinished line is a first append cut short: nothing was recorded yet.
        Err(_) if !first.ends_with(b"\n") => None,
        Err(_) if serde_json::from_slice::<LogEntry>(first).is_ok() => None,
        Err(e) => Some(Err(format!(
            "line 1 is neither the source's state nor a capture ({e})"
        ))),
    }
}

/// The whole capture lines of a source file's bytes: without the state line (a damaged one too,
/// which the new state replaces), and without a last line cut short (never a record; readers
/// skip it too).
pub(super) fn capture_lines(bytes: &[u8]) -> &[u8] {
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let bytes = &bytes[..whole];
    match bytes.iter().position(|&b| b == b'\n') {
        Some(end) if serde_json::from_slice::<LogEntry>(&bytes[..end]).is_err() => {
            &bytes[end + 1..]
        }
        _ => bytes,
    }
}
