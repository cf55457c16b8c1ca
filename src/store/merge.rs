//! `merge DIR…`: the stores that shards wrote in other folders (CI matrix jobs, Kubernetes
//! indexed jobs) brought into this one, so `status` and `report` see one store. This is the
//! store's part; `NOTIFIED.json` and the last check's report, which need to know which facts are
//! on which source, are merged by `check::merge_store`.
//!
//! Per source, the side whose captures end later is the source's present: its state line is
//! taken, and the two files' captures become one (every line of both, in time order, none twice).
//! Texts and raw bodies are named by content, so the missing ones are copied. The verification
//! log is united, the ledger keeps each fact's latest dates, route pages are taken from the side
//! that read them later. Merging what is already merged changes nothing.
//!
//! Files are written in the order that keeps the store valid at every moment, and lets the same
//! merge run again finish one that was stopped: texts and raw bodies first, then each source's
//! file (state and captures in one atomic write).

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::content::{RAW_DIR, TEXT_DIR, content_files};
use super::ledger::LEDGER_FILE;
use super::source::SOURCE_FILE;
use super::state::StateLine;
use super::verifications::VERIFICATIONS_FILE;
use super::{
    FORMAT_FILE, FORMAT_VERSION, Ledger, ROUTES_DIR, Store, StoreError, format_line, io_err,
    read_file,
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
        let format_path = other.join(FORMAT_FILE);
        match std::fs::read_to_string(&format_path) {
            Ok(found) if found == format_line(FORMAT_VERSION) => {}
            // A shard store made by an older build: migrated in its folder first.
            Ok(found) if found == format_line(1) => drop(Store::open(other)?),
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
        merged.files_written += self.merge_content(other)?;
        for id in super::source_folders(other)? {
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
            self.save_ledger(&mut ledger)?;
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

/// One source's file from `theirs` into `ours`.
fn merge_source(
    ours: &Path,
    theirs: &Path,
    written: &mut usize,
) -> Result<SourceMerge, StoreError> {
    let (our_file, their_file) = (ours.join(SOURCE_FILE), theirs.join(SOURCE_FILE));
    let existed = our_file.exists();
    // Each file read once: the end of its captures decides which side is newer, its lines are
    // united below.
    let (mine, their_lines) = (read_lines(&our_file)?, read_lines(&their_file)?);
    let (our_state, mine) = split_state(mine);
    let (their_state, their_lines) = split_state(their_lines);
    let our_last = mine.iter().filter_map(|l| line_at(l)).max();
    let their_last = their_lines.iter().filter_map(|l| line_at(l)).max();
    let theirs_newer = their_last.is_some() && their_last > our_last;
    let state = if theirs_newer && their_state.is_some() {
        their_state
    } else {
        our_state.clone()
    };
    let known: BTreeSet<&str> = mine.iter().map(String::as_str).collect();
    let new: Vec<&String> = their_lines
        .iter()
        .filter(|l| !known.contains(l.as_str()))
        .collect();
    if !new.is_empty() || state != our_state {
        let mut all: Vec<&String> = mine.iter().chain(new).collect();
        // Stable: lines without a readable time keep their place relative to their neighbours.
        all.sort_by_key(|l| line_at(l));
        let mut text = String::new();
        for line in state.iter().chain(all) {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::create_dir_all(ours).map_err(io_err(ours))?;
        crate::atomic::write(&our_file, text.as_bytes()).map_err(io_err(&our_file))?;
        *written += 1;
    }
    Ok(match (existed, theirs_newer) {
        (false, _) if their_last.is_some() => SourceMerge::New,
        (_, true) => SourceMerge::Updated,
        _ => SourceMerge::Kept,
    })
}

/// A source file's state line, if its first line is one, and its capture lines.
fn split_state(mut lines: Vec<String>) -> (Option<String>, Vec<String>) {
    match lines.first() {
        Some(first) if serde_json::from_str::<StateLine>(first).is_ok() => {
            let state = lines.remove(0);
            (Some(state), lines)
        }
        _ => (None, lines),
    }
}

impl Store {
    /// The texts and raw bodies of `other` this store lacks (named by content: one already here
    /// is the same). A text that no longer matches its name is not spread: the store it came
    /// from reports it. Returns the files written.
    fn merge_content(&self, other: &Path) -> Result<usize, StoreError> {
        let mut written = 0;
        for (kind, ext) in [(TEXT_DIR, ".txt"), (RAW_DIR, ".gz")] {
            for from in content_files(&other.join(kind)) {
                let name = from.file_name().map(|n| n.to_string_lossy().into_owned());
                let Some(sha) = name.as_deref().and_then(|n| n.strip_suffix(ext)) else {
                    continue;
                };
                let Ok(to) = (if kind == TEXT_DIR {
                    self.text_path(sha)
                } else {
                    self.raw_path(sha)
                }) else {
                    continue;
                };
                if to.exists() {
                    continue;
                }
                if kind == TEXT_DIR
                    && let Ok(bytes) = read_file(&from)
                    && super::misnamed(&bytes, sha).is_some()
                {
                    tracing::warn!(path = %from.display(), "not merged: content does not match its name");
                    continue;
                }
                copy_file(&from, &to)?;
                written += 1;
            }
        }
        Ok(written)
    }
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
