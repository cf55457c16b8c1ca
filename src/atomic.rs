//! Crash-safe file replacement, shared by every stage that writes.
//!
//! A file is written to a temporary sibling, then renamed over the target, so a reader (or the
//! next run after a `kill -9`) sees either the old bytes or the new ones, never a mix. Temporary
//! files start with `.tmp-` so a later run can sweep leftovers.
//!
//! Durability against power loss is a separate, costlier step (an fsync is ~1 ms here, more than
//! the whole per-page budget): [`write_synced`] pays it per file, for the rare edits of
//! `sources.toml`; the snapshot store writes with [`write`] and calls [`sync_filesystem`] once
//! at the end of a run.

use std::io::Write;
use std::path::Path;

pub const TEMP_PREFIX: &str = ".tmp-";

/// Atomic replacement, not yet flushed to disk.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, false)
}

/// Atomic replacement that has reached the disk when it returns.
pub fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, true)
}

/// Flushes everything written on the filesystem holding `dir` (one `syncfs`).
pub fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    let d = std::fs::File::open(dir)?;
    rustix::fs::syncfs(&d)?;
    Ok(())
}

fn replace(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if sync {
        // The rename itself must reach the disk for the new name to survive a power cut.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
