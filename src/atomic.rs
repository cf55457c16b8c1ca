//! Crash-safe file replacement, shared by every stage that writes.
//!
//! A file is written to a temporary sibling, flushed to disk, then renamed over the target, so a
//! reader (or the next run after a `kill -9`) sees either the old bytes or the new ones, never a
//! mix. Temporary files start with `.tmp-` so a later run can sweep leftovers.

use std::io::Write;
use std::path::Path;

pub const TEMP_PREFIX: &str = ".tmp-";

pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself must reach the disk for the new name to survive a power cut.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
