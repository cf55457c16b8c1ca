//! Crash-safe file replacement, shared by every stage that writes.
//!
//! A file is written to a temporary sibling, then renamed over the target, so a reader (or the
//! next run after a `kill -9`) sees either the old bytes or the new ones, never a mix. Temporary
//! files start with `.tmp-` so a later run can sweep leftovers.
//!
//! Permissions are those of an ordinary write: a new file gets `0666` less the umask (tempfile's
//! private `0600` would hide reports and snapshots from the rest of a team), a replaced file
//! keeps the mode it had, less its set-user-ID and set-group-ID bits: new content is never
//! run with another's rights, as a write by `cat` or an editor would also clear them.
//!
//! Durability against power loss is a separate, costlier step (an fsync is ~1 ms here, more than
//! the whole per-page budget): [`edit_synced`] pays it per file, for the rare edits of
//! `sources.toml`; the snapshot store writes with [`write()`] and calls [`sync_filesystem`] once
//! at the end of a run.

use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// The permission bits a replaced file keeps: read, write, execute and the sticky bit, never
/// set-user-ID or set-group-ID.
const KEPT_MODE: u32 = 0o1777;

/// Atomic replacement, not yet flushed to disk. A symlink at `path` is replaced by the file, and
/// a hard link to the old file keeps the old bytes: right for the tool's own files.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existing = existing_metadata(path)?;
    replace(path, bytes, existing.as_ref(), false)
}

/// [`write()`] of what `fill` writes, streamed to the temporary file: a report of 100,000 rows
/// is never held whole in memory.
pub(crate) fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let existing = existing_metadata(path)?;
    replace_with(path, existing.as_ref(), false, fill)
}

/// Rewrites a file a person keeps (`sources.toml`) and returns once the new bytes are on disk.
/// Unlike [`write()`] it edits what the name stands for: a symlink is followed and stays a link,
/// a file with several hard links is rewritten in place so every name sees the new bytes, and
/// the mode (and, where permitted, the owner) is kept.
pub(crate) fn edit_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = follow_symlinks(path)?;
    let existing = existing_metadata(&target)?;
    match &existing {
        Some(meta) if meta.is_file() && meta.nlink() > 1 => rewrite_in_place(&target, bytes),
        _ => replace(&target, bytes, existing.as_ref(), true),
    }
}

/// Flushes everything written on the filesystem holding `dir` (one `syncfs`).
pub(crate) fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
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

/// The file a chain of symlinks at `path` ends at; `path` itself when it is not a link.
fn follow_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
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
    replace_with(path, existing, sync, |w| w.write_all(bytes))
}

fn replace_with(
    path: &Path,
    existing: Option<&std::fs::Metadata>,
    sync: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = parent_of(path);
    let mode = existing.map_or(0o666, |m| m.permissions().mode() & KEPT_MODE);
    let mut tmp = temp_sibling(path, mode & 0o777)?;
    if let Some(meta) = existing {
        if sync {
            keep_owner(tmp.as_file(), meta);
        }
        // The umask may have narrowed the temporary file; the replacement gets the exact mode
        // (after any change of owner, which would clear set-id bits).
        tmp.as_file()
            .set_permissions(Permissions::from_mode(mode))?;
    }
    {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
        fill(&mut out)?;
        out.flush()?;
    }
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

/// Gives `file` the owner and group of `meta` when they differ and the OS allows it (root, or a
/// group the user is in); otherwise the replacement belongs to whoever runs the command.
fn keep_owner(file: &File, meta: &std::fs::Metadata) {
    let Ok(now) = file.metadata() else { return };
    if now.uid() != meta.uid() || now.gid() != meta.gid() {
        let uid = rustix::fs::Uid::from_raw(meta.uid());
        let gid = rustix::fs::Gid::from_raw(meta.gid());
        if rustix::fs::fchown(file, Some(uid), Some(gid)).is_err() {
            let _ = rustix::fs::fchown(file, None, Some(gid));
        }
    }
}

/// Rewrites a file with several hard links in its own inode, as safely as that can be done.
///
/// A rename would give `path` a new inode and leave the other names on the old bytes, so the
/// bytes are copied into the file itself. First the complete new content is written to a
/// temporary sibling and fsynced; then it is written over the original from offset 0, the file
/// is cut to the new length and fsynced; only then is the sibling removed.
///
/// What a crash (or power cut) can leave:
/// - before the copy starts: the original untouched, perhaps a `.tmp-…` sibling (litter);
/// - during the copy: the original torn (new bytes up to some point, old bytes after it, or the
///   new content with an old tail not yet cut), next to a `.tmp-…` sibling that holds the
///   complete new content on disk; `cat .tmp-… > sources.toml` restores it and keeps the links;
/// - after the copy's fsync: the new content in every name, at most a `.tmp-…` sibling left.
///
/// It cannot leave the file missing, a name pointing at another inode, or a torn original without
/// a complete copy of the new content beside it. A concurrent reader may see a torn file (a
/// rename would have spared it that); the store's lock keeps sourcewatch's own writers apart.
fn rewrite_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = temp_sibling(path, 0o600)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    File::open(parent_of(path))?.sync_all()?;
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)?;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o6000 != 0 {
        file.set_permissions(Permissions::from_mode(mode & KEPT_MODE))?;
    }
    file.sync_all()?;
    drop(file);
    tmp.close()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_replaced_file_loses_set_id_bits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o6755)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o755);
        std::fs::set_permissions(&path, Permissions::from_mode(0o4755)).unwrap();
        edit_synced(&path, b"newer").unwrap();
        assert_eq!(mode(&path), 0o755);
        let link = dir.path().join("g");
        std::fs::hard_link(&path, &link).unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o2755)).unwrap();
        edit_synced(&path, b"newest").unwrap();
        assert_eq!(mode(&link), 0o755);
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
        edit_synced(&path, b"newer").unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn an_edit_keeps_hard_links_and_cuts_a_longer_old_tail() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"a much longer old content").unwrap();
        std::fs::hard_link(&a, &b).unwrap();
        edit_synced(&a, b"short").unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"short");
        assert_eq!(std::fs::metadata(&a).unwrap().nlink(), 2);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no leftovers"
        );
    }
}
