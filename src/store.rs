//! `snapshots/`: what was captured, what reviewers accepted, and the history (SPEC §7).
//!
//! Plain files that git diffs well:
//!
//! ```text
//! snapshots/
//!   FORMAT                      "sourcewatch-snapshots 1"
//!   .lock                       held while a run writes; says who holds it
//!   .dirty                      present while a run writes (a killed run leaves it: sweep)
//!   LAST_CHECK.json             the last check's report, for `status` and `report`
//!   VERIFICATIONS.jsonl         who moved which last_verified, when (refresh or verify)
//!   NOTIFIED.json               findings already announced to the webhook
//!   <source-id>/
//!     state.json                baseline and latest capture (rewritten only when they move)
//!     captures.jsonl            append-only log, one line per capture; its last good line also
//!                               holds the validators (ETag, Last-Modified) for conditional GET
//!     text/<sha256>.txt         normalised text, stored once per distinct version
//!     raw/<sha256>.gz           the body that first produced that text (gzip), for re-extraction
//! ```
//!
//! Store-level names are upper case or dotted, which no source id can be, so a source id never
//! collides with them. Every file except the log is replaced atomically; the log is appended one
//! whole line per write and a torn last line is skipped when read. Text is written before the
//! state that points at it, so a crash at any moment leaves a state whose files exist.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::outcome::Outcome;

pub const FORMAT_VERSION: u32 = 1;
const FORMAT_FILE: &str = "FORMAT";
const LOCK_FILE: &str = ".lock";
const LAST_CHECK_FILE: &str = "LAST_CHECK.json";
const VERIFICATIONS_FILE: &str = "VERIFICATIONS.jsonl";
const NOTIFIED_FILE: &str = "NOTIFIED.json";
/// Present while a writing run is under way; left behind by a run that was killed.
const DIRTY_FILE: &str = ".dirty";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is locked by {holder}; wait for that run to finish", dir.display())]
    Locked { dir: PathBuf, holder: String },
    #[error("{}: snapshot format {found:?} is not one this build reads (version {FORMAT_VERSION})", path.display())]
    Format { path: PathBuf, found: String },
    #[error("{}: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("source {0:?} has no capture yet; run `sourcewatch check` first")]
    NoCapture(String),
    #[error("source {id:?}: its latest capture failed ({outcome}); nothing to accept")]
    LatestFailed { id: String, outcome: Outcome },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One stored version of a source's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub sha256: String,
    pub captured_at: DateTime<Utc>,
}

/// Validators of the latest good capture, sent back as a conditional GET. They live in the
/// capture log rather than in `state.json`, so a page whose ETag changes every night but whose
/// text does not costs one appended line, not a rewritten file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The extraction settings that produced `latest`; a 304 only reuses text made the same way.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceState {
    pub format: u32,
    pub baseline: Option<Version>,
    pub latest: Option<Version>,
}

/// One line of `captures.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    pub sha256: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub final_url: Option<String>,
    pub bytes: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// For a good capture: the extraction settings that made its text (see `Validators`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// One line of `VERIFICATIONS.jsonl`: a fact's `last_verified` was set to `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub at: DateTime<Utc>,
    pub fact: String,
    pub date: chrono::NaiveDate,
    pub by: crate::report::VerifiedBy,
}

/// A good capture to record: text, its hash and the raw body it came from.
pub struct GoodCapture<'a> {
    pub text: &'a str,
    pub sha256: &'a str,
    pub raw: &'a [u8],
    /// The file already under this SHA-256 was found damaged: write it again.
    pub repair: bool,
}

pub struct Store {
    dir: PathBuf,
    /// Held for the life of a writing store; the OS releases it if the process dies.
    _lock: Option<File>,
}

impl Store {
    /// Opens for writing: creates the folder, takes the lock, checks the format, sweeps temporary
    /// files a killed run left behind.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::Locked {
                    dir: dir.to_path_buf(),
                    holder: if holder.is_empty() {
                        "another process".to_string()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
        }
        let stamp = format!(
            "pid {} since {}\n",
            std::process::id(),
            Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        lock.set_len(0).map_err(io_err(&lock_path))?;
        lock.write_all(stamp.as_bytes())
            .map_err(io_err(&lock_path))?;
        let store = Store {
            dir: dir.to_path_buf(),
            _lock: Some(lock),
        };
        store.check_format(true)?;
        // Temporary files can only be left behind by a run that did not finish: sweep (a walk of
        // every source folder) only then.
        let dirty = dir.join(DIRTY_FILE);
        if dirty.exists() {
            store.sweep_temp_files();
        }
        std::fs::write(&dirty, b"").map_err(io_err(&dirty))?;
        Ok(store)
    }

    /// Opens for reading only (`status`, `diff`, `report`): no lock, nothing created.
    pub fn open_read(dir: &Path) -> Result<Store, StoreError> {
        let store = Store {
            dir: dir.to_path_buf(),
            _lock: None,
        };
        if dir.exists() {
            store.check_format(false)?;
        }
        Ok(store)
    }

    fn check_format(&self, create: bool) -> Result<(), StoreError> {
        let path = self.dir.join(FORMAT_FILE);
        let expected = format!("sourcewatch-snapshots {FORMAT_VERSION}\n");
        match std::fs::read_to_string(&path) {
            Ok(found) if found == expected => Ok(()),
            Ok(found) => Err(StoreError::Format {
                path,
                found: found.trim().to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if create {
                    crate::atomic::write(&path, expected.as_bytes()).map_err(io_err(&path))
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    fn sweep_temp_files(&self) {
        fn sweep(dir: &Path, depth: u32) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let path = entry.path();
                if name
                    .to_string_lossy()
                    .starts_with(crate::atomic::TEMP_PREFIX)
                {
                    let _ = std::fs::remove_file(&path);
                } else if depth > 0 && entry.file_type().is_ok_and(|t| t.is_dir()) {
                    sweep(&path, depth - 1);
                }
            }
        }
        sweep(&self.dir, 2);
    }

    fn source_dir(&self, id: &str) -> PathBuf {
        // Ids are validated by the registry; this guard keeps the store safe on its own.
        assert!(
            !id.is_empty()
                && !id.starts_with('.')
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)),
            "source id {id:?} cannot name a snapshot folder"
        );
        self.dir.join(id)
    }

    fn checked_sha<'s>(&self, sha: &'s str, path: &Path) -> Result<&'s str, StoreError> {
        if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(sha)
        } else {
            Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                message: format!("{sha:?} is not a SHA-256"),
            })
        }
    }

    pub fn state(&self, id: &str) -> Result<SourceState, StoreError> {
        read_json_or_default(&self.source_dir(id).join("state.json"))
    }

    fn write_state(&self, id: &str, state: &SourceState) -> Result<(), StoreError> {
        let path = self.source_dir(id).join("state.json");
        let mut json = serde_json::to_vec_pretty(state).expect("state serialises");
        json.push(b'\n');
        crate::atomic::write(&path, &json).map_err(io_err(&path))
    }

    pub fn text(&self, id: &str, sha: &str) -> Result<String, StoreError> {
        let path = self.text_path(id, sha)?;
        std::fs::read_to_string(&path).map_err(io_err(&path))
    }

    /// The text stored under `sha`, refused when its content no longer hashes to that name.
    pub fn verified_text(&self, id: &str, sha: &str) -> Result<String, StoreError> {
        let text = self.text(id, sha)?;
        if let Some(message) = misnamed(text.as_bytes(), sha) {
            return Err(StoreError::Corrupt {
                path: self.text_path(id, sha)?,
                message,
            });
        }
        Ok(text)
    }

    /// Whether the text stored under `sha` is still there, without reading it.
    pub fn has_text(&self, id: &str, sha: &str) -> Result<(), StoreError> {
        let path = self.text_path(id, sha)?;
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(_) => Err(StoreError::Corrupt {
                path,
                message: "not a file".into(),
            }),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    fn text_path(&self, id: &str, sha: &str) -> Result<PathBuf, StoreError> {
        let state_path = self.source_dir(id).join("state.json");
        let sha = self.checked_sha(sha, &state_path)?;
        Ok(self.source_dir(id).join("text").join(format!("{sha}.txt")))
    }

    fn append_log(&self, id: &str, entry: &LogEntry) -> Result<(), StoreError> {
        append_lines(
            &self.source_dir(id).join("captures.jsonl"),
            std::slice::from_ref(entry),
        )
    }

    /// The capture log; a torn last line (a crash mid-append) is skipped.
    pub fn log(&self, id: &str) -> Result<Vec<LogEntry>, StoreError> {
        read_lines(&self.source_dir(id).join("captures.jsonl"))
    }

    pub fn record_verifications(&self, entries: &[Verification]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        append_lines(&self.dir.join(VERIFICATIONS_FILE), entries)
    }

    /// The latest recorded verification of each fact.
    pub fn verifications(
        &self,
    ) -> Result<std::collections::HashMap<String, Verification>, StoreError> {
        let all: Vec<Verification> = read_lines(&self.dir.join(VERIFICATIONS_FILE))?;
        Ok(all.into_iter().map(|v| (v.fact.clone(), v)).collect())
    }

    /// The last capture of a source, good or not (the log's last entry). Reads only the
    /// log's tail, so the cost does not grow with the history.
    pub fn last_capture(&self, id: &str) -> Result<Option<LogEntry>, StoreError> {
        use std::io::{Seek, SeekFrom};
        const TAIL: u64 = 16 * 1024;
        let path = self.source_dir(id).join("captures.jsonl");
        let mut f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let len = f.metadata().map_err(io_err(&path))?.len();
        if len > TAIL {
            f.seek(SeekFrom::Start(len - TAIL)).map_err(io_err(&path))?;
        }
        let mut tail = Vec::with_capacity(TAIL.min(len) as usize);
        f.read_to_end(&mut tail).map_err(io_err(&path))?;
        let text = String::from_utf8_lossy(&tail);
        Ok(text
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str::<LogEntry>(l).ok()))
    }

    /// The validators to send for a conditional GET: those of the last capture, when it was good
    /// and its text is the latest version.
    pub fn validators(
        &self,
        id: &str,
        state: &SourceState,
    ) -> Result<Option<Validators>, StoreError> {
        let Some(latest) = &state.latest else {
            return Ok(None);
        };
        Ok(self.last_capture(id)?.and_then(|last| {
            let usable = last.outcome.is_good() && last.sha256.as_ref() == Some(&latest.sha256);
            usable.then(|| Validators {
                etag: last.etag,
                last_modified: last.last_modified,
                fingerprint: last.fingerprint.unwrap_or_default(),
            })
        }))
    }

    /// Records a good capture: stores the text and raw body if this version is new, moves
    /// `latest`, makes it the baseline when there is none, and logs it. `previous` is the state
    /// the capture was compared with. `state.json` is only rewritten when it changes, so an
    /// unchanged source costs one log line.
    pub fn record_good(
        &self,
        id: &str,
        previous: &SourceState,
        capture: &GoodCapture<'_>,
        entry: &LogEntry,
    ) -> Result<(), StoreError> {
        let dir = self.source_dir(id);
        let sha = self.checked_sha(capture.sha256, &dir)?;
        let text_path = dir.join("text").join(format!("{sha}.txt"));
        if capture.repair || !text_path.exists() {
            let text_dir = dir.join("text");
            std::fs::create_dir_all(&text_dir).map_err(io_err(&text_dir))?;
            crate::atomic::write(&text_path, capture.text.as_bytes())
                .map_err(io_err(&text_path))?;
        }
        let raw_path = dir.join("raw").join(format!("{sha}.gz"));
        if !raw_path.exists() && !capture.raw.is_empty() {
            let raw_dir = dir.join("raw");
            std::fs::create_dir_all(&raw_dir).map_err(io_err(&raw_dir))?;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(capture.raw).map_err(io_err(&raw_path))?;
            let packed = gz.finish().map_err(io_err(&raw_path))?;
            crate::atomic::write(&raw_path, &packed).map_err(io_err(&raw_path))?;
        }
        let version = Version {
            sha256: sha.to_string(),
            captured_at: entry.at,
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
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            self.write_state(id, &state)?;
        }
        self.append_log(id, entry)
    }

    /// Records a failed capture: only the log grows; baseline and latest stay as they are.
    pub fn record_failed(&self, id: &str, entry: &LogEntry) -> Result<(), StoreError> {
        let dir = self.source_dir(id);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        self.append_log(id, entry)
    }

    /// Flushes the run's writes to disk (one `syncfs`; see `atomic`).
    pub fn sync(&self) -> Result<(), StoreError> {
        crate::atomic::sync_filesystem(&self.dir).map_err(io_err(&self.dir))
    }

    /// Makes the latest good capture the baseline. Refuses when the last capture failed, so a
    /// reviewer never accepts text older than what they think they reviewed.
    pub fn accept(&self, id: &str) -> Result<Version, StoreError> {
        let mut state = self.state(id)?;
        let latest = state
            .latest
            .clone()
            .ok_or_else(|| StoreError::NoCapture(id.to_string()))?;
        if let Some(outcome) = self.last_capture(id)?.map(|c| c.outcome)
            && !outcome.is_good()
        {
            return Err(StoreError::LatestFailed {
                id: id.to_string(),
                outcome,
            });
        }
        state.baseline = Some(latest.clone());
        self.write_state(id, &state)?;
        self.sync()?;
        Ok(latest)
    }

    /// Re-reads everything and reports what is damaged: text whose SHA-256 no longer matches its
    /// name, state that does not parse or points at missing text, unreadable log lines.
    pub fn verify(&self) -> Result<Vec<String>, StoreError> {
        let mut damage = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(damage),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut ids: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| crate::registry::is_valid_id(n))
            .collect();
        ids.sort();
        for id in ids {
            let dir = self.source_dir(&id);
            let text_dir = dir.join("text");
            if let Ok(files) = std::fs::read_dir(&text_dir) {
                for f in files.flatten() {
                    let path = f.path();
                    let name = f.file_name().to_string_lossy().into_owned();
                    let Some(sha) = name.strip_suffix(".txt") else {
                        continue;
                    };
                    match std::fs::read(&path) {
                        Ok(bytes) => {
                            if let Some(message) = misnamed(&bytes, sha) {
                                damage.push(format!("{}: {message}", path.display()));
                            }
                        }
                        Err(e) => damage.push(format!("{}: {e}", path.display())),
                    }
                }
            }
            match self.state(&id) {
                Ok(state) => {
                    for (what, v) in [("baseline", &state.baseline), ("latest", &state.latest)] {
                        if let Some(v) = v
                            && let Err(e) = self.text(&id, &v.sha256)
                        {
                            damage.push(format!("{id}: {what} text missing: {e}"));
                        }
                    }
                }
                Err(e) => damage.push(e.to_string()),
            }
            let log_path = dir.join("captures.jsonl");
            if let Ok(text) = std::fs::read_to_string(&log_path) {
                let lines: Vec<&str> = text.lines().collect();
                for (i, line) in lines.iter().enumerate() {
                    let torn_tail = i + 1 == lines.len() && !text.ends_with('\n');
                    if serde_json::from_str::<LogEntry>(line).is_err() && !torn_tail {
                        damage.push(format!(
                            "{}:{}: unreadable log line",
                            log_path.display(),
                            i + 1
                        ));
                    }
                }
            }
        }
        Ok(damage)
    }

    pub fn load_notified(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        read_json_or_default(&self.dir.join(NOTIFIED_FILE))
    }

    pub fn save_notified(
        &self,
        keys: &std::collections::BTreeSet<String>,
    ) -> Result<(), StoreError> {
        let path = self.dir.join(NOTIFIED_FILE);
        let json = serde_json::to_vec_pretty(keys).expect("keys serialise");
        crate::atomic::write(&path, &json).map_err(io_err(&path))
    }

    pub fn save_last_check(&self, json: &[u8]) -> Result<(), StoreError> {
        let path = self.dir.join(LAST_CHECK_FILE);
        crate::atomic::write(&path, json).map_err(io_err(&path))
    }

    pub fn load_last_check(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.dir.join(LAST_CHECK_FILE);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self._lock.is_some() {
            // A clean end: everything reached the disk, nothing to sweep next time.
            if self.sync().is_ok() {
                let _ = std::fs::remove_file(self.dir.join(DIRTY_FILE));
            }
        }
    }
}

/// Why stored text is not what its SHA-256 name says, if it is not.
fn misnamed(bytes: &[u8], sha: &str) -> Option<String> {
    let actual = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
    (actual != sha).then(|| format!("content hashes to {actual}, not to its name"))
}

/// A JSON file, or the default value when it does not exist yet.
fn read_json_or_default<T: Default + for<'de> Deserialize<'de>>(
    path: &Path,
) -> Result<T, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Appends whole JSON lines in one write: a crash leaves at most a torn last line.
fn append_lines<T: Serialize>(path: &Path, entries: &[T]) -> Result<(), StoreError> {
    let mut buf = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut buf, e).expect("log entry serialises");
        buf.push(b'\n');
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(&buf).map_err(io_err(path))
}

/// Reads a JSON-lines log, skipping lines that do not parse (a torn tail after a crash).
fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(path)(e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(outcome: Outcome, sha: Option<&str>) -> LogEntry {
        LogEntry {
            at: Utc::now(),
            outcome,
            http_status: Some(200),
            sha256: sha.map(str::to_string),
            etag: None,
            last_modified: None,
            final_url: None,
            bytes: 10,
            duration_ms: 1,
            error: None,
            fingerprint: None,
        }
    }

    fn good<'a>(text: &'a str, sha: &'a str) -> GoodCapture<'a> {
        GoodCapture {
            text,
            sha256: sha,
            raw: b"<p>raw</p>",
            repair: false,
        }
    }

    #[test]
    fn baseline_moves_only_on_accept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let record = |text, sha: &str, outcome| {
            let prev = store.state("s").unwrap();
            store
                .record_good("s", &prev, &good(text, sha), &entry(outcome, Some(sha)))
                .unwrap();
        };
        record("one", &a, Outcome::New);
        record("two", &b, Outcome::Changed);
        assert_eq!(store.state("s").unwrap().baseline.unwrap().sha256, a);
        store
            .record_failed("s", &entry(Outcome::Unreachable, None))
            .unwrap();
        let st = store.state("s").unwrap();
        assert_eq!(st.baseline.as_ref().unwrap().sha256, a);
        assert_eq!(st.latest.as_ref().unwrap().sha256, b);
        assert!(matches!(
            store.accept("s"),
            Err(StoreError::LatestFailed { .. })
        ));
        record("two", &b, Outcome::Changed);
        assert_eq!(store.accept("s").unwrap().sha256, b);
        assert_eq!(store.text("s", &b).unwrap(), "two");
        assert_eq!(store.log("s").unwrap().len(), 4);
    }

    #[test]
    fn second_writer_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        match Store::open(dir.path()) {
            Err(StoreError::Locked { holder, .. }) => {
                assert!(
                    holder.starts_with(&format!("pid {}", std::process::id())),
                    "{holder}"
                )
            }
            other => panic!("expected Locked, got {:?}", other.err()),
        }
    }

    #[test]
    fn torn_log_line_is_skipped_and_temp_files_swept() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let a = "a".repeat(64);
            store
                .record_good(
                    "s",
                    &SourceState::default(),
                    &good("one", &a),
                    &entry(Outcome::New, Some(&a)),
                )
                .unwrap();
        }
        let log = dir.path().join("s/captures.jsonl");
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"{\"at\":\"2026-").unwrap();
        // What a killed run leaves: a temporary file and the dirty marker.
        std::fs::write(dir.path().join("s/.tmp-leftover"), b"x").unwrap();
        std::fs::write(dir.path().join(DIRTY_FILE), b"").unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.log("s").unwrap().len(), 1);
        assert!(!dir.path().join("s/.tmp-leftover").exists());
    }

    #[test]
    fn tampered_sha_in_state_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(matches!(
            store.text("s", "../../etc/passwd"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
