//! The store-level files: what checks leave for `report`, `status` and the webhook, each
//! replaced atomically (`LAST_CHECK.json`, `NOTIFIED.json`, `ROUTES/<route-id>.json`).

use std::path::{Path, PathBuf};

use super::{
    LAST_CHECK_FILE, NOTIFIED_FILE, ROUTES_DIR, Store, StoreError, io_err, read_json_or_default,
};

impl Store {
    /// The findings announced so far. A cache: when the file is damaged it starts over with a
    /// warning (the current findings are announced once more), never stopping the run.
    pub(crate) fn load_notified(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        match read_json_or_default(&self.dir.join(NOTIFIED_FILE)) {
            Err(StoreError::Corrupt { path, message }) => {
                tracing::warn!(
                    "{} is damaged ({message}); it starts over, so the current findings are \
                     announced again",
                    path.display()
                );
                Ok(Default::default())
            }
            other => other,
        }
    }

    pub(crate) fn save_notified(
        &self,
        keys: &std::collections::BTreeSet<String>,
    ) -> Result<(), StoreError> {
        let path = self.dir.join(NOTIFIED_FILE);
        let json = serde_json::to_vec_pretty(keys).expect("keys serialise");
        crate::atomic::write(&path, &json).map_err(io_err(&path))
    }

    /// The last check's report, as `write` writes it (streamed, not held whole).
    pub(crate) fn save_last_check(
        &self,
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let path = self.dir.join(LAST_CHECK_FILE);
        crate::atomic::write_with(&path, write).map_err(io_err(&path))
    }

    /// Where the last check's report is kept.
    pub(crate) fn last_check_path(&self) -> PathBuf {
        self.dir.join(LAST_CHECK_FILE)
    }

    pub(crate) fn load_last_check(&self) -> Result<Option<Vec<u8>>, StoreError> {
        read_if_there(&self.dir.join(LAST_CHECK_FILE))
    }

    /// Where a route's published page, as last read, is kept: `ROUTES/<route-id>.json` (route
    /// ids follow the source id rule, so the name is safe).
    fn route_page_path(&self, route: &str) -> Result<PathBuf, StoreError> {
        if !crate::registry::is_valid_id(route) {
            return Err(StoreError::Corrupt {
                path: self.dir.join(ROUTES_DIR),
                message: format!("{route:?} cannot name a file"),
            });
        }
        Ok(self.dir.join(ROUTES_DIR).join(format!("{route}.json")))
    }

    /// Replaces what is kept of a route's page (its latest read, good or failed).
    pub(crate) fn save_route_page(&self, route: &str, json: &[u8]) -> Result<(), StoreError> {
        let path = self.route_page_path(route)?;
        let dir = self.dir.join(ROUTES_DIR);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        crate::atomic::write(&path, json).map_err(io_err(&path))
    }

    pub(crate) fn load_route_page(&self, route: &str) -> Result<Option<Vec<u8>>, StoreError> {
        read_if_there(&self.route_page_path(route)?)
    }
}

fn read_if_there(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}
