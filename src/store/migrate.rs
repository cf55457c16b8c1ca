//! Stores of format 1 brought to format 2, once, on first use.
//!
//! Format 1 kept four kinds of file per source: `<id>/state.json`, `<id>/captures.jsonl`,
//! `<id>/text/<sha>.txt` and `<id>/raw/<text sha>.gz`. Format 2 keeps one, `<id>/source.jsonl`
//! (the state as its first line, the captures after it, byte for byte), and the texts and raw
//! bodies in `TEXT/` and `RAW/`, shared (a raw body is now named by its own SHA-256, so the state
//! learns that name).
//!
//! The steps keep the store whole at every moment, and a killed migration is finished by the
//! next run (`FORMAT` says 1 until the end, and every step is done again or found done):
//! 1. per source, its texts and raw bodies are linked into `TEXT/` and `RAW/` (the old names
//!    stay), then `source.jsonl` is written atomically: a folder holding it is migrated;
//! 2. everything is flushed to disk, then the old files go;
//! 3. `FORMAT` is replaced, and flushed.
//!
//! The ledger, the verification log, the last check and route pages are store-level files whose
//! format did not change: they are kept as they are.

use std::collections::HashMap;
use std::path::Path;

use super::content::unpacked_sha;
use super::log::LogEntry;
use super::source::SOURCE_FILE;
use super::state::StateLine;
use super::{
    FORMAT_FILE, FORMAT_VERSION, SourceState, Store, StoreError, format_line, io_err,
    read_json_or_default,
};

const STATE_V1: &str = "state.json";
const LOG_V1: &str = "captures.jsonl";
const TEXT_V1: &str = "text";
const RAW_V1: &str = "raw";

/// Migrates the store (its lock held) from format 1; see the module docs.
pub(super) fn from_format_1(store: &Store) -> Result<(), StoreError> {
    let dir = &store.dir;
    let ids = super::source_folders(dir)?;
    tracing::warn!(
        "{}: the snapshot store is of format 1; migrating its {} source folders to format {} \
         (once; a run stopped meanwhile finishes it next time)",
        dir.display(),
        ids.len(),
        FORMAT_VERSION
    );
    let mut moved = Moved::default();
    for id in &ids {
        migrate_source(store, &dir.join(id), &mut moved)?;
    }
    store.sync()?;
    for id in &ids {
        remove_format_1_files(&dir.join(id))?;
    }
    let format = dir.join(FORMAT_FILE);
    crate::atomic::write(&format, format_line(FORMAT_VERSION).as_bytes())
        .map_err(io_err(&format))?;
    store.sync()?;
    tracing::warn!(
        "{}: migrated to format {FORMAT_VERSION}: {} sources, {} texts and {} raw bodies kept",
        dir.display(),
        moved.sources,
        moved.texts,
        moved.raw_bodies
    );
    Ok(())
}

#[derive(Default)]
struct Moved {
    sources: usize,
    texts: usize,
    raw_bodies: usize,
}

/// Step 1 for one source folder. A damaged `state.json` stops the migration with the file
/// named (nothing of it is lost: the folder is left as it was).
fn migrate_source(store: &Store, folder: &Path, moved: &mut Moved) -> Result<(), StoreError> {
    let new_file = folder.join(SOURCE_FILE);
    if new_file.exists() {
        moved.sources += 1;
        return Ok(());
    }
    let state_path = folder.join(STATE_V1);
    let had_state = state_path.exists();
    let mut state: SourceState = read_json_or_default(&state_path)?;
    let log_path = folder.join(LOG_V1);
    let log = match super::read_file(&log_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io_err(&log_path)(e)),
    };
    // A last line cut short was never a record.
    let whole = log.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let lines = &log[..whole];

    for (sha, path) in named_files(&folder.join(TEXT_V1), ".txt") {
        link_or_copy(&path, &store.text_path(&sha)?)?;
        moved.texts += 1;
    }
    // Format 1 named a raw body by its text; format 2 by the body's own SHA-256, recorded on the
    // version (or on the capture that wrote it) when the store is recent enough, else computed.
    let mut recorded: HashMap<String, String> = HashMap::new();
    for line in String::from_utf8_lossy(lines).lines() {
        if let Ok(e) = serde_json::from_str::<LogEntry>(line)
            && let (Some(text), Some(raw)) = (e.record.sha256, e.raw_sha256)
        {
            recorded.entry(text).or_insert(raw);
        }
    }
    for v in [&state.baseline, &state.latest].into_iter().flatten() {
        if let Some(raw) = &v.raw_sha256 {
            recorded.insert(v.sha256.clone(), raw.clone());
        }
    }
    let mut raw_names: HashMap<String, String> = HashMap::new();
    for (text_sha, path) in named_files(&folder.join(RAW_V1), ".gz") {
        let name = match recorded.get(&text_sha) {
            Some(raw) if crate::text::is_sha256_hex(raw) => raw.clone(),
            _ => match unpacked_sha(&path) {
                Ok(sha) => sha,
                Err(e) => {
                    // Unreadable and named nowhere: nothing could ever use it again.
                    tracing::warn!("{}: not migrated, it does not unpack: {e}", path.display());
                    continue;
                }
            },
        };
        link_or_copy(&path, &store.raw_path(&name)?)?;
        raw_names.insert(text_sha, name);
        moved.raw_bodies += 1;
    }
    for v in [&mut state.baseline, &mut state.latest]
        .into_iter()
        .flatten()
    {
        if v.raw_sha256.is_none() {
            v.raw_sha256 = raw_names.get(&v.sha256).cloned();
        }
    }

    let mut out = Vec::with_capacity(lines.len() + 1024);
    if had_state {
        state.format = FORMAT_VERSION;
        serde_json::to_writer(&mut out, &StateLine { state }).expect("state serialises");
        out.push(b'\n');
    }
    out.extend_from_slice(lines);
    if !out.is_empty() {
        crate::atomic::write(&new_file, &out).map_err(io_err(&new_file))?;
        moved.sources += 1;
    }
    Ok(())
}

/// Step 2 for one source folder: the files of format 1 go, once `source.jsonl` holds what they
/// did (a folder without it is left alone: it had nothing to migrate, or it is not ours).
fn remove_format_1_files(folder: &Path) -> Result<(), StoreError> {
    if !folder.join(SOURCE_FILE).exists() {
        return Ok(());
    }
    for name in [STATE_V1, LOG_V1] {
        let path = folder.join(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&path)(e)),
            _ => {}
        }
    }
    for name in [TEXT_V1, RAW_V1] {
        let path = folder.join(name);
        match std::fs::remove_dir_all(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&path)(e)),
            _ => {}
        }
    }
    Ok(())
}

/// The regular files of a format-1 `text/` or `raw/` folder named `<sha256><ext>`, with that
/// SHA-256; links and stray names are left out.
fn named_files(dir: &Path, ext: &str) -> Vec<(String, std::path::PathBuf)> {
    // A link in place of the folder is not followed out of the store.
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let sha = name.strip_suffix(ext)?;
            crate::text::is_sha256_hex(sha).then(|| (sha.to_string(), e.path()))
        })
        .collect();
    files.sort();
    files
}

/// A second name for a stored file in its new place (no copy, and the old name stays until
/// step 2); a copy where the filesystem cannot link. Content named by its hash that is there
/// already is the same content.
fn link_or_copy(from: &Path, to: &Path) -> Result<(), StoreError> {
    if to.exists() {
        return Ok(());
    }
    let dir = to.parent().expect("content files live in a folder");
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(_) => {
            let bytes = super::read_file(from).map_err(io_err(from))?;
            crate::atomic::write(to, &bytes).map_err(io_err(to))
        }
    }
}
