//! The store's locks: a writer of the whole store holds `.lock` alone; the shards of a sharded
//! check hold it together, each with a lock of its own, and take turns on the files they all
//! write (docs/sharding.md).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use chrono::Utc;

use super::{DIRTY_FILE, LOCK_FILE, Store, StoreError, io_err, no_follow, refuse_links};

/// How many times (50 ms apart: 30 s) a shard tries for the store's lock that another shard
/// holds alone for a moment.
const SHARD_LOCK_TRIES: u32 = 600;

impl Store {
    /// Opens for one shard of a sharded check (`shard` as `I/N`): shards of one store run side
    /// by side, each holding the store's lock shared and its own shard's lock exclusively, so a
    /// second run of the same shard, or any whole-store writer (a check without `--shard`,
    /// `accept`, `verify`, `merge`), is refused while it runs. The files every shard writes are
    /// changed under [`Store::shared_files`].
    pub(crate) fn open_shard(dir: &Path, shard: &str) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        refuse_links(dir)?;
        // A store of format 1 is migrated first, alone, as a whole-store writer would: shards
        // starting at once wait for that (or are told who holds the lock).
        if std::fs::read_to_string(dir.join(super::FORMAT_FILE)).ok() == Some(super::format_line(1))
        {
            drop(Store::open(dir)?);
        }
        let lock = open_lock_file(&dir.join(LOCK_FILE))?;
        // Alone on the store: the moment to sweep what a killed run left (a shard running beside
        // this one may be writing the temporary files a sweep would remove).
        let alone = lock.try_lock().is_ok();
        let dirty = dir.join(DIRTY_FILE);
        if !alone {
            // Another shard may hold the lock alone for a moment (opening, sweeping, leaving):
            // wait that out; a whole-store writer holds it for its whole run, so not longer.
            let mut tries = 0;
            loop {
                match lock.try_lock_shared() {
                    Ok(()) => break,
                    // A whole-store writer says who it is in the file; a shard never does (one
                    // alone clears it at once, so after a second the name is the holder's).
                    Err(std::fs::TryLockError::WouldBlock)
                        if tries < SHARD_LOCK_TRIES && (tries < 20 || !held_by_writer(&lock)) =>
                    {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    Err(std::fs::TryLockError::WouldBlock) => return Err(locked(dir, &lock)),
                    Err(std::fs::TryLockError::Error(e)) => {
                        return Err(io_err(&dir.join(LOCK_FILE))(e));
                    }
                }
            }
        }
        let shard_path = dir.join(format!("{LOCK_FILE}-{}", shard.replace('/', "-of-")));
        let shard_lock = take_lock_at(dir, &shard_path)?;
        let store = Store {
            dir: dir.to_path_buf(),
            lock: Some(lock),
            shard_lock: Some(shard_lock),
        };
        if store.check_format(true)? {
            // Another shard's migration has not finished (it holds the lock alone meanwhile).
            return Err(locked(
                dir,
                store.lock.as_ref().expect("a shard holds the lock"),
            ));
        }
        store.write_gitignore()?;
        if alone {
            // The last whole-store writer's name goes: shards waiting for this moment to pass
            // must not take this shard for it.
            if let Some(lock) = &store.lock {
                lock.set_len(0).map_err(io_err(&dir.join(LOCK_FILE)))?;
            }
            if dirty.exists() {
                store.sweep_temp_files();
            }
            if let Some(lock) = &store.lock {
                lock.lock_shared().map_err(io_err(&dir.join(LOCK_FILE)))?;
            }
        }
        no_follow(OpenOptions::new().write(true).create(true).truncate(true))
            .open(&dirty)
            .map_err(io_err(&dirty))?;
        Ok(store)
    }

    /// Held while a run changes the files all runs share (the ledger, the verification log,
    /// `LAST_CHECK.json`, `NOTIFIED.json`, `sources.toml`): for a shard, an exclusive lock that
    /// other shards wait for; nothing for a whole-store writer, which is alone already.
    pub(crate) fn shared_files(&self) -> Result<Option<File>, StoreError> {
        if self.shard_lock.is_none() {
            return Ok(None);
        }
        let path = self.dir.join(format!("{LOCK_FILE}-shared"));
        let file = open_lock_file(&path)?;
        file.lock().map_err(io_err(&path))?;
        Ok(Some(file))
    }

    /// Whether this store is one shard's view of a store other shards may be writing.
    pub(crate) fn is_shard(&self) -> bool {
        self.shard_lock.is_some()
    }
}

/// Takes the store's lock and writes who holds it, or says who does.
pub(super) fn take_lock(dir: &Path) -> Result<File, StoreError> {
    take_lock_at(dir, &dir.join(LOCK_FILE))
}

fn open_lock_file(path: &Path) -> Result<File, StoreError> {
    no_follow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
    .open(path)
    .map_err(io_err(path))
}

/// Whether the lock file names a holder: a whole-store writer writes itself into it, shards
/// leave it empty.
fn held_by_writer(lock: &File) -> bool {
    lock.metadata().is_ok_and(|m| m.len() > 0)
}

/// Who holds a lock, as its file says.
fn locked(dir: &Path, mut lock: &File) -> StoreError {
    let mut holder = String::new();
    let _ = lock.read_to_string(&mut holder);
    let holder = holder.trim();
    StoreError::Locked {
        dir: dir.to_path_buf(),
        holder: if holder.is_empty() {
            "another process".to_string()
        } else {
            holder.to_string()
        },
    }
}

/// Takes the lock at `lock_path` exclusively and writes who holds it, or says who does.
fn take_lock_at(dir: &Path, lock_path: &Path) -> Result<File, StoreError> {
    let mut lock = open_lock_file(lock_path)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(locked(dir, &lock)),
        Err(std::fs::TryLockError::Error(e)) => return Err(io_err(lock_path)(e)),
    }
    let stamp = format!(
        "pid {} since {}\n",
        std::process::id(),
        Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    );
    lock.set_len(0).map_err(io_err(lock_path))?;
    lock.write_all(stamp.as_bytes())
        .map_err(io_err(lock_path))?;
    Ok(lock)
}
