//! `snapshots/`: what was captured, what reviewers accepted, and the history.
//!
//! Plain files that git diffs well (docs/store.md is the user's map):
//!
//! ```text
//! snapshots/
//!   FORMAT                      "sourcewatch-snapshots 2"
//!   .gitignore                  written with the store: keeps .lock, .dirty, .tmp-* out of git
//!   .lock                       held while a run writes; says who holds it
//!   .dirty                      present while a run writes (a killed run leaves it: sweep)
//!   LAST_CHECK.json             the last check's report, for `status` and `report`
//!   VERIFICATIONS.jsonl         who moved which last_verified, when (refresh or verify)
//!   LEDGER.json                 per fact: machine_verified, human_verified, who set the date
//!   NOTIFIED.json               findings already announced to the webhook
//!   ROUTES/<route-id>.json      the route's published page as last read (its claims, its date)
//!   TEXT/<ab>/<sha256>.txt      normalised text, stored once per distinct version (any source)
//!   RAW/<ab>/<sha256>.gz        a raw body that produced a stored text (gzip), named by the
//!                               body's own SHA-256, for re-extraction
//!   <source-id>/
//!     source.jsonl              line 1: baseline and latest version (rewritten only when they
//!                               move); then one line per capture, appended; the last good one
//!                               holds the validators (ETag, Last-Modified) for conditional GET
//! ```
//!
//! ```text
//! store/
//!   mod.rs            Store: open (format, migration, sweep), sync, the store-level files
//!   lock.rs           the locks: a whole-store writer's, a shard's, the shared files'
//!   source.rs         SourceStore: one source's file, its state line and its captures
//!   state.rs          SourceState, Version, Unsettled: what the state line holds
//!   content.rs        TEXT/ and RAW/: texts and raw bodies named by content
//!   migrate.rs        stores of format 1 (a folder of four kinds of file per source) to 2
//!   log.rs            LogEntry and the JSON-lines files
//!   verifications.rs  who moved which date
//!   ledger.rs         what is known of each fact beyond sources.toml and the texts
//!   verify.rs         the integrity check
//!   files.rs          LAST_CHECK.json, NOTIFIED.json, ROUTES/
//! ```
//!
//! Store-level names are upper case or dotted, which no source id can be, so a source id never
//! collides with them. Every file except the logs is replaced atomically; a log is appended one
//! whole line per write and a torn last line is skipped when read.

mod content;
mod files;
mod ledger;
mod lock;
mod log;
mod merge;
mod migrate;
mod source;
mod state;
mod verifications;
mod verify;

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::outcome::Outcome;
pub(crate) use ledger::{FactRecord, Ledger};
pub(crate) use log::LogEntry;
pub(crate) use merge::Merged;
pub(crate) use source::SourceStore;
pub(crate) use state::{SourceState, Unsettled, Version};
pub(crate) use verifications::VerifiedBy;

pub(crate) const FORMAT_VERSION: u32 = 2;
const FORMAT_FILE: &str = "FORMAT";
const LOCK_FILE: &str = ".lock";
const LAST_CHECK_FILE: &str = "LAST_CHECK.json";
const NOTIFIED_FILE: &str = "NOTIFIED.json";
/// The site's route pages as last read, one JSON file per route.
const ROUTES_DIR: &str = "ROUTES";
/// Present while a writing run is under way; left behind by a run that was killed.
const DIRTY_FILE: &str = ".dirty";
/// Keeps `.lock`, `.dirty` and temporary files out of git.
const GITIGNORE_FILE: &str = ".gitignore";

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
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
    #[error(
        "{} is a symbolic link: sourcewatch opens nothing through a link in snapshots/ (one \
         committed there could make a run read or write outside it); put the real file or \
         folder there",
        path.display()
    )]
    Link { path: PathBuf },
    #[error("source {0:?} has no capture yet; run `sourcewatch check` first")]
    NoCapture(String),
    #[error("source {id:?}: its latest capture failed ({outcome}); nothing to accept")]
    LatestFailed { id: String, outcome: Outcome },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| {
        // An open with O_NOFOLLOW met a link: said as the refusal it is, not as an I/O error.
        if source.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            return StoreError::Link {
                path: path.to_path_buf(),
            };
        }
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub(crate) struct Store {
    dir: PathBuf,
    /// Held for the life of a writing store; the OS releases it if the process dies. Exclusive,
    /// or shared by the shards of a sharded check (each also holding `shard_lock`).
    lock: Option<File>,
    /// `check --shard I/N`: the lock of this shard alone (`.lock-I-of-N`).
    shard_lock: Option<File>,
}

impl Store {
    /// Opens for writing: creates the folder, takes the lock, checks the format (a store of
    /// format 1 is migrated, see `migrate`), sweeps temporary files a killed run left behind.
    pub(crate) fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        refuse_links(dir)?;
        let lock = lock::take_lock(dir)?;
        let store = Store {
            dir: dir.to_path_buf(),
            lock: Some(lock),
            shard_lock: None,
        };
        let older = store.check_format(true)?;
        // Temporary files can only be left behind by a run that did not finish: sweep (a walk of
        // every source folder) only then.
        let dirty = dir.join(DIRTY_FILE);
        if dirty.exists() {
            store.sweep_temp_files();
        }
        no_follow(OpenOptions::new().write(true).create(true).truncate(true))
            .open(&dirty)
            .map_err(io_err(&dirty))?;
        if older {
            migrate::from_format_1(&store)?;
        }
        Ok(store)
    }

    /// Opens for reading only (`status`, `diff`, `report`): no lock, nothing created. A store of
    /// format 1 is migrated first, under the lock, as a writer would.
    pub(crate) fn open_read(dir: &Path) -> Result<Store, StoreError> {
        let store = Store {
            dir: dir.to_path_buf(),
            lock: None,
            shard_lock: None,
        };
        if dir.exists() {
            refuse_links(dir)?;
            if store.check_format(false)? {
                drop(Store::open(dir)?);
            }
        }
        Ok(store)
    }

    /// The store's folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of one source.
    pub(crate) fn source(&self, id: &str) -> SourceStore<'_> {
        SourceStore::new(self, id)
    }

    /// Whether the store is of format 1, to be migrated; any other format but this build's is
    /// refused. A store without `FORMAT` is new: `create` writes it.
    fn check_format(&self, create: bool) -> Result<bool, StoreError> {
        let path = self.dir.join(FORMAT_FILE);
        let expected = format_line(FORMAT_VERSION);
        match std::fs::read_to_string(&path) {
            Ok(found) if found == expected => Ok(false),
            Ok(found) if found == format_line(1) => Ok(true),
            Ok(found) => Err(StoreError::Format {
                path,
                found: found.trim().to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if create {
                    self.write_gitignore()?;
                    crate::atomic::write(&path, expected.as_bytes()).map_err(io_err(&path))?;
                }
                Ok(false)
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// A new store gets a `.gitignore` for the files that only mean something while a run is
    /// under way on this machine, so `git add snapshots` never commits them. One the user
    /// already put there is left alone.
    fn write_gitignore(&self) -> Result<(), StoreError> {
        let path = self.dir.join(GITIGNORE_FILE);
        let ours = "# Written by sourcewatch";
        match std::fs::read_to_string(&path) {
            // Ours from before shard locks existed: brought up to date.
            Ok(old) if old.starts_with(ours) && !old.contains(&format!("/{LOCK_FILE}-*")) => {}
            Ok(_) => return Ok(()),
            Err(_) if path.exists() => return Ok(()),
            Err(_) => {}
        }
        let text = format!(
            "# Written by sourcewatch: files of a run in progress, meaningless in git.\n\
             /{LOCK_FILE}\n/{LOCK_FILE}-*\n/{DIRTY_FILE}\n{}*\n",
            crate::atomic::TEMP_PREFIX
        );
        crate::atomic::write(&path, text.as_bytes()).map_err(io_err(&path))
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

    /// Flushes the run's writes to disk (one `syncfs`; see `atomic`).
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        crate::atomic::sync_filesystem(&self.dir).map_err(io_err(&self.dir))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            // A shard beside others leaves the marker to the last one out: they may yet be
            // killed with temporary files of theirs on disk.
            let last_out = self.shard_lock.is_none() || lock.try_lock().is_ok();
            if last_out && self.shard_lock.is_some() {
                // Alone now: what a killed shard left is swept before the marker goes.
                self.sweep_temp_files();
            }
            // A clean end: everything reached the disk, nothing to sweep next time.
            if last_out && self.sync().is_ok() {
                let _ = std::fs::remove_file(self.dir.join(DIRTY_FILE));
            }
        }
    }
}

/// The source folders of the store at `dir` (named by valid ids), sorted; none when there is no
/// store there yet.
fn source_folders(dir: &Path) -> Result<Vec<String>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    let mut ids: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|id| crate::registry::is_valid_id(id))
        .collect();
    ids.sort();
    Ok(ids)
}

/// What `FORMAT` holds for a store of `version`.
fn format_line(version: u32) -> String {
    format!("sourcewatch-snapshots {version}\n")
}

/// Refuses a store that holds a symbolic link where a run reads or writes: the folder itself,
/// its files and folders, and what the store-level folders hold (the fan-out folders of `TEXT/`
/// and `RAW/`, route pages). One shallow walk at open (file types come with the directory
/// entries, no extra stat). The files a run opens inside a source's folder or a fan-out folder,
/// too many to list every run, are opened with O_NOFOLLOW instead ([`read_file`], [`no_follow`]),
/// and a link met there is refused as a [`StoreError::Link`] when it is opened: no open can be
/// led outside the store by a link committed or planted there.
fn refuse_links(dir: &Path) -> Result<(), StoreError> {
    fn walk(dir: &Path, depth: u32) -> Result<(), StoreError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err(dir)(e)),
        };
        for entry in entries.flatten() {
            let kind = entry.file_type().map_err(io_err(&entry.path()))?;
            if kind.is_symlink() {
                return Err(StoreError::Link { path: entry.path() });
            }
            // A source's folder holds its one file, opened with O_NOFOLLOW: no walk of a
            // hundred thousand folders at every open.
            let source_folder = entry
                .file_name()
                .to_str()
                .is_some_and(crate::registry::is_valid_id);
            if kind.is_dir() && depth > 0 && !source_folder {
                walk(&entry.path(), depth - 1)?;
            }
        }
        Ok(())
    }
    if std::fs::symlink_metadata(dir)
        .map_err(io_err(dir))?
        .file_type()
        .is_symlink()
    {
        return Err(StoreError::Link {
            path: dir.to_path_buf(),
        });
    }
    walk(dir, 1)
}

/// A store file's bytes, refusing to follow a link in its last place.
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    Ok(read_up_to(path, usize::MAX)?.expect("no file is longer than memory"))
}

/// A store file's bytes when it holds at most `max` of them (`None`: it holds more), refusing
/// to follow a link in its last place.
fn read_up_to(path: &Path, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut file = no_follow(OpenOptions::new().read(true)).open(path)?;
    // Read without asking for the size first: `read_to_end` on a file stats and seeks it, twice
    // the calls for the small files a run reads by the hundred thousand, most of which fit the
    // first read.
    let mut bytes = vec![0; (16 * 1024).min(max.saturating_add(1))];
    let mut len = 0;
    loop {
        if len > max {
            return Ok(None);
        }
        if len == bytes.len() {
            bytes.resize(len.saturating_mul(2).min(max.saturating_add(1)), 0);
        }
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(len);
    Ok(Some(bytes))
}

/// Opens refuse a link in the last place too (O_NOFOLLOW), for files a run appends to or locks.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
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
    match read_file(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(io_err(path)(e)),
    }
}

#[cfg(test)]
mod tests;
