//! Crash-safe file replacement, shared by every stage that writes.
//!
//! A file is written to a temporary sibling, then renamed over the target, so a reader (or the
//! next run after a `kill -9`) sees either the old bytes or the new ones, never a mix. Temporary
//! files start with `.tmp-` so a later run can sweep leftovers.
//!
//! Permissions are those of an ordinary write: a new file gets `0666` less the umask (tempfile's
//! private `0600` would hide reports and snapshots from the rest of a team), a replaced file
//! keeps the mode it had.
//!
//! Durability against power loss is a separate, costlier step (an fsync is ~1 ms here, more than
//! the whole per-page budget): [`write_synced`] pays it per file, for the rare edits of
//! `sources.toml`; the snapshot store writes with [`write`] and calls [`sync_filesystem`] once
//! at the end of a run.

use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub const TEMP_PREFIX: &str = ".tmp-";

/// Atomic replacement, not yet flushed to disk.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existing = existing_metadata(path)?;
    replace(path, bytes, existing.as_ref(), false)
}

/// Atomic replacement that has reached the disk when it returns.
pub fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existing = existing_metadata(path)?;
    replace(path, bytes, existing.as_ref(), true)
}

/// Flushes everything written on the filesystem holding `dir` (one `syncfs`).
pub fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    let d = File::open(dir)?;
    rustix::fs::syncfs(&d)?;
    Ok(())
}

fn existing_metadata(path: &Path) -> std::io::Result<Option<std::fs::Metadata>> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A temporary sibling of `path`, created with `mode` less the umask: never more open than the
/// file it stands in for, and as open as an ordinary new file for a file that does not exist.
fn temp_sibling(path: &Path, mode: u32) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(parent_of(path))
}

fn replace(
    path: &Path,
    bytes: &[u8],
    existing: Option<&std::fs::Metadata>,
    sync: bool,
) -> std::io::Result<()> {
    let dir = parent_of(path);
    let mode = existing.map_or(0o666, |m| m.permissions().mode() & 0o7777);
    let mut tmp = temp_sibling(path, mode & 0o777)?;
    if existing.is_some() {
        // The umask may have narrowed the temporary file; the replacement gets the exact mode.
        tmp.as_file()
            .set_permissions(Permissions::from_mode(mode))?;
    }
    tmp.write_all(bytes)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if sync {
        // The rename itself must reach the disk for the new name to survive a power cut.
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o640);
        write_synced(&path, b"newer").unwrap();
        assert_eq!(mode(&path), 0o640);
    }
}
