//! `validate --store`: re-read everything and say what is damaged.

use super::{Store, StoreError, io_err, misnamed};
use crate::store::log::LogEntry;

impl Store {
    /// Re-reads everything and reports what is damaged: text whose SHA-256 no longer matches its
    /// name, state that does not parse or points at missing text, unreadable log lines.
    pub(crate) fn verify(&self) -> Result<Vec<String>, StoreError> {
        let mut damage = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(damage),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut ids: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| crate::registry::is_valid_id(n))
            .collect();
        ids.sort();
        for id in ids {
            let dir = self.dir.join(&id);
            if let Ok(files) = std::fs::read_dir(dir.join("text")) {
                for f in files.flatten() {
                    let path = f.path();
                    let name = f.file_name().to_string_lossy().into_owned();
                    let Some(sha) = name.strip_suffix(".txt") else {
                        continue;
                    };
                    match super::read_file(&path) {
                        Ok(bytes) => {
                            if let Some(message) = misnamed(&bytes, sha) {
                                damage.push(format!("{}: {message}", path.display()));
                            }
                        }
                        Err(e) => damage.push(format!("{}: {e}", path.display())),
                    }
                }
            }
            let source = self.source(&id);
            match source.state() {
                Ok(state) => {
                    for (what, v) in [("baseline", &state.baseline), ("latest", &state.latest)] {
                        if let Some(v) = v
                            && let Err(e) = source.text(&v.sha256)
                        {
                            damage.push(format!("{id}: {what} text missing: {e}"));
                        }
                    }
                }
                Err(e) => damage.push(e.to_string()),
            }
            let log_path = dir.join("captures.jsonl");
            if let Ok(text) = std::fs::read_to_string(&log_path) {
                for (i, line) in text.lines().enumerate() {
                    // A line cut short by a crash (or a full disk) is skipped by readers, and
                    // appends after it start on a fresh line: a torn line is not damage.
                    let broken = serde_json::from_str::<LogEntry>(line).is_err_and(|e| !e.is_eof());
                    if broken {
                        damage.push(format!(
                            "{}:{}: unreadable log line",
                            log_path.display(),
                            i + 1
                        ));
                    }
                }
            }
        }
        Ok(damage)
    }
}
