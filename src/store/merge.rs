//! `merge DIR…`: the stores that shards wrote in other folders (CI matrix jobs, Kubernetes
//! indexed jobs) brought into this one, so `status` and `report` see one store. This is the
//! store's part; `NOTIFIED.json` and the last check's report, which need to know which facts are
//! on which source, are merged by `check::merge_store`.
//!
//! Per source, the side whose capture log ends later is the source's present: its `state.json`
//! is taken, and the two logs become one (every line of both, in time order, none twice).
//! Texts and raw bodies are named by content, so the missing ones are copied. The verification
//! log is united, the ledger keeps each fact's latest dates, route pages are taken from the side
//! that read them later. Merging what is already merged changes nothing.
//!
//! Files are written in the order that keeps the store valid at every moment, and lets the same
//! merge run again finish one that was stopped: texts and raw bodies first, then the state that
//! points into them, then the log (whose end decides which side is newer).

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::ledger::LEDGER_FILE;
use super::verifications::VERIFICATIONS_FILE;
use super::{
    FORMAT_FILE, FORMAT_VERSION, Ledger, ROUTES_DIR, Store, StoreError, io_err, read_file,
};

/// What one merge brought in.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    /// Sources this store did not have.
    pub(crate) new_sources: usize,
    /// Sources whose latest capture came from the other store.
    pub(crate) updated_sources: usize,
    /// Files written (0: the stores already agreed).
    pub(crate) files_written: usize,
}

impl Store {
    /// Brings the store at `other` into this one (see the module docs).
    pub(crate) fn merge_from(&self, other: &Path) -> Result<Merged, StoreError> {
        let expected = format!("sourcewatch-snapshots {FORMAT_VERSION}\n");
        let format_path = other.join(FORMAT_FILE);
        match std::fs::read_to_string(&format_path) {
            Ok(found) if found == expected => {}
            Ok(found) => {
                return Err(StoreError::Format {
                    path: format_path,
                    found: found.trim().to_string(),
                });
            }
            Err(e) => return Err(io_err(&format_path)(e)),
        }
        super::refuse_links(other)?;
        let mut merged = Merged::default();
        let mut ids: Vec<String> = std::fs::read_dir(other)
            .map_err(io_err(other))?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|id| crate::registry::is_valid_id(id))
            .collect();
        ids.sort();
        for id in ids {
            let (ours, theirs) = (self.dir.join(&id), other.join(&id));
            match merge_source(&ours, &theirs, &mut merged.files_written)? {
                SourceMerge::New => {
                    merged.new_sources += 1;
                }
                SourceMerge::Updated => {
                    merged.updated_sources += 1;
                }
                SourceMerge::Kept => {}
            }
        }
        let written = &mut merged.files_written;
        // The log before the ledger: the ledger says how much of the log it holds.
        merge_lines(
            &self.dir.join(VERIFICATIONS_FILE),
            &other.join(VERIFICATIONS_FILE),
            written,
        )?;
        self.merge_ledger(other, written)?;
        self.merge_routes(other, written)?;
        Ok(merged)
    }

    fn merge_ledger(&self, other: &Path, written: &mut usize) -> Result<(), StoreError> {
        // Without a LEDGER.json of its own, theirs is folded from their log.
        let theirs = Store::open_read(other)?.ledger()?;
        let mut ledger: Ledger = self.ledger()?;
        let before = ledger.clone();
        for (id, record) in theirs.facts {
            let ours = ledger.facts.entry(id).or_default();
            ours.machine_verified = ours.machine_verified.max(record.machine_verified);
            ours.human_verified = ours.human_verified.max(record.human_verified);
            if record.last_written.map(|(d, _)| d) > ours.last_written.map(|(d, _)| d) {
                ours.last_written = record.last_written;
            }
        }
        // Both ledgers hold all of their own logs, and the log here is now both of them.
        ledger.log_bytes =
            std::fs::metadata(self.dir.join(VERIFICATIONS_FILE)).map_or(0, |m| m.len());
        if ledger != before || !self.dir.join(LEDGER_FILE).exists() {
            self.save_ledger(&ledger)?;
            *written += 1;
        }
        Ok(())
    }

    fn merge_routes(&self, other: &Path, written: &mut usize) -> Result<(), StoreError> {
        let Ok(entries) = std::fs::read_dir(other.join(ROUTES_DIR)) else {
            return Ok(());
        };
        let read_at = |path: &Path| -> Option<DateTime<Utc>> {
            let v: serde_json::Value = serde_json::from_slice(&read_file(path).ok()?).ok()?;
            v.get("at")?.as_str()?.parse().ok()
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(route) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if !crate::registry::is_valid_id(route) {
                continue;
            }
            let ours = self.dir.join(ROUTES_DIR).join(&name);
            let theirs = entry.path();
            if read_at(&theirs) > read_at(&ours) {
                copy_file(&theirs, &ours)?;
                *written += 1;
            }
        }
        Ok(())
    }
}

enum SourceMerge {
    New,
    Updated,
    Kept,
}

/// One source's folder from `theirs` into `ours`.
fn merge_source(
    ours: &Path,
    theirs: &Path,
    written: &mut usize,
) -> Result<SourceMerge, StoreError> {
    let (our_log, their_log) = (ours.join("captures.jsonl"), theirs.join("captures.jsonl"));
    let existed = our_log.exists() || ours.join("state.json").exists();
    // Each log read once: its end decides which side is newer, its lines are united below.
    let (mine, their_lines) = (read_lines(&our_log)?, read_lines(&their_log)?);
    let our_last = mine.iter().filter_map(|l| line_at(l)).max();
    let their_last = their_lines.iter().filter_map(|l| line_at(l)).max();
    for dir in ["text", "raw"] {
        let Ok(entries) = std::fs::read_dir(theirs.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name_str) = name.to_str() else {
                continue;
            };
            if name_str.starts_with(crate::atomic::TEMP_PREFIX) {
                continue;
            }
            let target = ours.join(dir).join(&name);
            if target.exists() {
                continue;
            }
            if dir == "text"
                && let Some(sha) = name_str.strip_suffix(".txt")
                && let Ok(bytes) = read_file(&entry.path())
                && super::misnamed(&bytes, sha).is_some()
            {
                // A damaged text is not spread: the store it came from reports it.
                tracing::warn!(path = %entry.path().display(), "not merged: content does not match its name");
                continue;
            }
            copy_file(&entry.path(), &target)?;
            *written += 1;
        }
    }
    // The state before the log: a state ahead of its log is what a run leaves between its two
    // writes too, and a merge stopped here still finds their log later than ours next time.
    let theirs_newer = their_last.is_some() && their_last > our_last;
    if theirs_newer && theirs.join("state.json").exists() {
        let (from, to) = (theirs.join("state.json"), ours.join("state.json"));
        if read_file(&from).ok() != read_file(&to).ok() {
            copy_file(&from, &to)?;
            *written += 1;
        }
    }
    unite_lines(&our_log, mine, their_lines, written)?;
    Ok(match (existed, theirs_newer) {
        (false, _) if their_last.is_some() => SourceMerge::New,
        (_, true) => SourceMerge::Updated,
        _ => SourceMerge::Kept,
    })
}

fn line_at(line: &str) -> Option<DateTime<Utc>> {
    #[derive(serde::Deserialize)]
    struct At {
        at: DateTime<Utc>,
    }
    serde_json::from_str::<At>(line).ok().map(|a| a.at)
}

/// A JSON-lines log's whole lines (a torn last line is left out, as every reader does).
fn read_lines(path: &Path) -> Result<Vec<String>, StoreError> {
    match read_file(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let whole = match text.rfind('\n') {
                Some(end) => &text[..end],
                None => "",
            };
            Ok(whole
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Every line of both logs, each once, in time order (ours first at the same moment);
/// rewritten only when `theirs` adds a line.
fn merge_lines(ours: &Path, theirs: &Path, written: &mut usize) -> Result<(), StoreError> {
    unite_lines(ours, read_lines(ours)?, read_lines(theirs)?, written)
}

/// [`merge_lines`] of logs already read: `mine` as the file at `ours` holds it.
fn unite_lines(
    ours: &Path,
    mine: Vec<String>,
    theirs: Vec<String>,
    written: &mut usize,
) -> Result<(), StoreError> {
    let known: BTreeSet<&str> = mine.iter().map(String::as_str).collect();
    let new: Vec<String> = theirs
        .into_iter()
        .filter(|l| !known.contains(l.as_str()))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut all: Vec<String> = mine.into_iter().chain(new).collect();
    // Stable: lines without a readable time keep their place relative to their neighbours.
    all.sort_by_key(|l| line_at(l));
    let mut text = all.join("\n");
    text.push('\n');
    if let Some(dir) = ours.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    crate::atomic::write(ours, text.as_bytes()).map_err(io_err(ours))?;
    *written += 1;
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> Result<(), StoreError> {
    let bytes = read_file(from).map_err(io_err(from))?;
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    crate::atomic::write(to, &bytes).map_err(io_err(to))
}
