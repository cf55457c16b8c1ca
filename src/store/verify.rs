//! `validate --store`: re-read everything and say what is damaged.

use super::source::SOURCE_FILE;
use super::{Store, StoreError};
use crate::store::log::LogEntry;

impl Store {
    /// Re-reads everything and reports what is damaged: a text or raw body whose SHA-256 no
    /// longer matches its name, a state that does not parse or points at missing text,
    /// unreadable capture lines.
    pub(crate) fn verify(&self) -> Result<Vec<String>, StoreError> {
        let mut damage = Vec::new();
        let ids = super::source_folders(&self.dir)?;
        self.verify_content(&mut damage);
        for id in ids {
            let source = self.source(&id);
            match source.state() {
                Ok(state) => {
                    for (what, v) in [("baseline", &state.baseline), ("latest", &state.latest)] {
                        if let Some(v) = v
                            && let Err(e) = source.has_text(&v.sha256)
                        {
                            damage.push(format!("{id}: {what} text missing: {e}"));
                        }
                    }
                }
                Err(e) => damage.push(e.to_string()),
            }
            let path = self.dir.join(&id).join(SOURCE_FILE);
            if let Ok(bytes) = super::read_file(&path) {
                let text = String::from_utf8_lossy(&bytes);
                for (i, line) in text.lines().enumerate() {
                    if i == 0 && line.starts_with("{\"state\":") {
                        continue;
                    }
                    // A line cut short by a crash (or a full disk) is skipped by readers, and
                    // appends after it start on a fresh line: a torn line is not damage.
                    let broken = serde_json::from_str::<LogEntry>(line).is_err_and(|e| !e.is_eof());
                    if broken {
                        damage.push(format!(
                            "{}:{}: unreadable capture line",
                            path.display(),
                            i + 1
                        ));
                    }
                }
            }
        }
        Ok(damage)
    }
}
