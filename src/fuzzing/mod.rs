//! Entry points for the cargo-fuzz targets in `fuzz/`, compiled under `--cfg fuzzing` (cargo-fuzz
//! sets it) and in unit tests only, so the crate's internals stay `pub(crate)` in the builds users
//! get. A unit test replays the seeds and regression inputs of `fuzz/`, so the harness keeps
//! compiling and a fixed finding stays fixed.
//!
//! Each function takes the fuzzer's bytes, drives one reader or transform the way the rest of
//! the crate does, and panics when a property the code promises does not hold: no panic at all
//! is the baseline; the properties are listed on each function. fuzz/README.md says how to run
//! them.
//!
//! One file per area: `extract` (HTML and JSON), `registry` (parsing and the `last_verified`
//! edit), `store` (the store's readers), `text` (the diff, quote matching, crontab schedules).

mod extract;
mod registry;
mod store;
mod text;

pub use extract::{extract_html, extract_json};
pub use registry::{edit, registry};
pub use store::store;
pub use text::{cron, diff, quotes};

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::registry::Source;

/// The fixed "today" of every target, so dates in inputs mean the same on every run.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("a valid date")
}

/// A scratch folder, on tmpfs when there is one: the store and the edit write files (and the
/// edit fsyncs them) on every input.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("a temporary folder")
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The one source of a registry holding `[[sources]]` with `extra` keys; `None` when the
/// registry refuses it (a selector or pointer that does not compile, say).
fn source_with(extra: &str) -> Option<Arc<Source>> {
    let text = format!("[[sources]]\nid = \"s\"\nurl = \"https://example.org/\"\n{extra}\n");
    crate::registry::parse(Path::new("sources.toml"), &text, today())
        .ok()
        .map(|r| r.sources[0].clone())
}

/// Splits off the first line: `(line, rest)`.
fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b'\n', data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Input split at NUL bytes into at most `n` parts.
fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A fuzz target's entry point.
    type Target = fn(&[u8]);

    /// Every file of `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/`, through its target.
    #[test]
    fn seeds_and_regressions_replay() {
        let targets: [(&str, Target); 8] = [
            ("cron", super::cron),
            ("diff", super::diff),
            ("edit", super::edit),
            ("extract", super::extract_html),
            ("json", super::extract_json),
            ("quotes", super::quotes),
            ("registry", super::registry),
            ("store", super::store),
        ];
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        for (name, target) in targets {
            let mut replayed = 0;
            for folder in ["seeds", "regressions"] {
                let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(name)) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.unwrap().path();
                    target(&std::fs::read(&path).unwrap());
                    replayed += 1;
                }
            }
            assert!(replayed > 0, "no seed for the {name} target");
        }
    }
}
