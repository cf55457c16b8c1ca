//! `captures.jsonl` and the other JSON-lines files: one whole JSON object per line, appended in
//! one write, so a crash leaves at most a torn last line, which readers skip.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{StoreError, io_err};
use crate::capture::{Capture, CaptureRecord};
use crate::fetch::Validators;
use crate::outcome::Outcome;

/// One line of `captures.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LogEntry {
    pub(crate) at: DateTime<Utc>,
    #[serde(flatten)]
    pub(crate) record: CaptureRecord,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    /// For a good capture: the extraction settings that made its text, so its validators are
    /// only used for a source still extracted the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fingerprint: Option<String>,
    /// When this capture stored the raw body of its text: that body's SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw_sha256: Option<String>,
}

impl LogEntry {
    /// The log line of a capture whose outcome (against the baseline) is `outcome`.
    pub(crate) fn new(capture: &Capture, outcome: Outcome) -> LogEntry {
        let meta = &capture.meta;
        LogEntry {
            at: meta.at,
            record: capture.record(outcome),
            etag: meta.validators.etag.clone(),
            last_modified: meta.validators.last_modified.clone(),
            fingerprint: outcome.is_good().then(|| capture.fingerprint.clone()),
            raw_sha256: None,
        }
    }

    /// A good capture of the state's latest version: the one whose validators a conditional GET
    /// may send.
    pub(crate) fn is_good_capture_of_latest(&self, state: &super::SourceState) -> bool {
        state.latest.as_ref().is_some_and(|latest| {
            self.record.outcome.is_good() && self.record.sha256.as_ref() == Some(&latest.sha256)
        })
    }

    pub(crate) fn validators(&self) -> Validators {
        Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}

/// Appends whole JSON lines in one write: a crash leaves at most a torn last line, and the next
/// append starts on a fresh line after one (else it would be glued to the torn line and lost
/// with it).
pub(super) fn append_lines<T: Serialize>(path: &Path, entries: &[T]) -> Result<(), StoreError> {
    append(path, entries, false)
}

fn append<T: Serialize>(path: &Path, entries: &[T], synced: bool) -> Result<(), StoreError> {
    use std::os::unix::fs::FileExt;
    let mut f = super::no_follow(OpenOptions::new().create(true).read(true).append(true))
        .open(path)
        .map_err(io_err(path))?;
    let len = f.metadata().map_err(io_err(path))?.len();
    let mut last = [b'\n'];
    if len > 0 {
        f.read_exact_at(&mut last, len - 1).map_err(io_err(path))?;
    }
    let mut buf = Vec::new();
    if last[0] != b'\n' {
        buf.push(b'\n');
    }
    for e in entries {
        serde_json::to_writer(&mut buf, e).expect("log entry serialises");
        buf.push(b'\n');
    }
    f.write_all(&buf).map_err(io_err(path))?;
    if synced {
        f.sync_data().map_err(io_err(path))?;
    }
    Ok(())
}

/// [`append_lines`], on disk before it returns: for a log that must hold what it vouches for
/// before that is done (a verification, before the date moves in sources.toml).
pub(super) fn append_lines_synced<T: Serialize>(
    path: &Path,
    entries: &[T],
) -> Result<(), StoreError> {
    append(path, entries, true)
}

/// Reads a JSON-lines file, skipping lines that do not parse (a torn tail after a crash).
pub(super) fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, StoreError> {
    let bytes = match super::read_file(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(path)(e)),
    };
    Ok(String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// The whole lines from byte `from` on, and the byte just past the last of them: what a reader
/// that has folded in the lines before `from` still has to read. A last line without its
/// newline (an append cut off) is left for later; it reads as garbage then and is skipped.
pub(super) fn read_lines_from<T: for<'de> Deserialize<'de>>(
    path: &Path,
    from: u64,
) -> Result<(Vec<T>, u64), StoreError> {
    let mut f = match super::no_follow(OpenOptions::new().read(true)).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(io_err(path)(e)),
    };
    f.seek(SeekFrom::Start(from)).map_err(io_err(path))?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).map_err(io_err(path))?;
    let whole = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let entries = String::from_utf8_lossy(&tail[..whole])
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok((entries, from + whole as u64))
}

/// The last of `bytes`' lines that parses, read from the end: only the lines tried are decoded
/// (each as `String::from_utf8_lossy` would decode it within the whole, since no byte of a
/// multi-byte character is a newline), not the whole file.
pub(super) fn last_that_parses<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Option<T> {
    bytes
        .strip_suffix(b"\n")
        .unwrap_or(bytes)
        .rsplit(|&b| b == b'\n')
        .find_map(|line| serde_json::from_str::<T>(&String::from_utf8_lossy(line)).ok())
}

/// The last line of a JSON-lines file that parses. Reads the file's tail only, 4 KiB back and
/// twice as far each time the tail holds no whole line that parses, so the cost does not grow
/// with the history and a long last line (a long error, a long URL) is still read whole.
pub(super) fn read_last<T: for<'de> Deserialize<'de>>(
    path: &Path,
) -> Result<Option<T>, StoreError> {
    let mut f = match super::no_follow(OpenOptions::new().read(true)).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let len = f.metadata().map_err(io_err(path))?.len();
    let mut back: u64 = 4 * 1024;
    loop {
        let from = len.saturating_sub(back);
        f.seek(SeekFrom::Start(from)).map_err(io_err(path))?;
        let mut tail = Vec::with_capacity((len - from) as usize);
        f.read_to_end(&mut tail).map_err(io_err(path))?;
        // The first line of a tail that does not start the file may be cut: it does not count.
        let whole = if from == 0 {
            &tail[..]
        } else {
            tail.iter()
                .position(|&b| b == b'\n')
                .map_or(&[][..], |i| &tail[i + 1..])
        };
        if let Some(found) = last_that_parses(whole) {
            return Ok(Some(found));
        }
        if from == 0 {
            return Ok(None);
        }
        back = back.saturating_mul(2);
    }
}
