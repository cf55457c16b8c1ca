//! The store's readers on store folders made from the input.

use std::path::Path;

use super::{parts, scratch};
use crate::store::Store;

/// A value of the type `_like` holds, parsed from `line` (lets this module read log lines as the
/// store's own log type without naming it).
fn parse_like<T: serde::de::DeserializeOwned>(_like: &Option<T>, line: &str) -> Option<T> {
    serde_json::from_str(line).ok()
}

/// The store's readers on a store folder made from the input. Input: NUL-separated parts,
/// written as the files of a store holding one source `src`, in this order: its state (written
/// as `{"state": …}`, the first line of `src/source.jsonl`), its capture lines (the rest of that
/// file), `LEDGER.json`, `VERIFICATIONS.jsonl`, `NOTIFIED.json`, a text (stored under its own
/// SHA-256 and under the SHA-256s the state names), a gzip raw body stored under the text's
/// SHA-256, and `FORMAT` (the right one when there are fewer parts). Missing parts are missing
/// files.
///
/// Properties: `open_read` accepts exactly the right `FORMAT` (or format 1, migrated) or none; a text stored under its
/// own hash reads back verified, one under another hash is refused; the state round-trips
/// through JSON; the last capture (read from the file's tail) is the last line `read_lines` would
/// keep; `state_and_last` (one read) agrees with `state` and `last_capture`; a good last capture
/// is only good and on the latest text; a raw body never unpacks past
/// its limit; `verify` reports a state that does not parse.
pub fn store(data: &[u8]) {
    let p = parts(data, 8);
    let dir = scratch();
    let root = dir.path().join("snapshots");
    let src = root.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap()
    };
    let mut source_file = Vec::new();
    if let Some(state) = p.first() {
        source_file.extend_from_slice(b"{\"state\":");
        source_file.extend_from_slice(state);
        source_file.extend_from_slice(b"}\n");
    }
    if let Some(log) = p.get(1) {
        source_file.extend_from_slice(log);
    }
    if !p.is_empty() {
        write(&src.join("source.jsonl"), &source_file);
    }
    let files = [
        root.join("LEDGER.json"),
        root.join("VERIFICATIONS.jsonl"),
        root.join("NOTIFIED.json"),
    ];
    for (path, bytes) in files.iter().zip(p.iter().skip(2)) {
        write(path, bytes);
    }
    let content = |kind: &str, name: &str, ext: &str| {
        root.join(kind)
            .join(&name[..2])
            .join(format!("{name}.{ext}"))
    };
    let text = p.get(5).copied();
    let own_sha = text.map(|t| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(t)));
    let state_json: Option<serde_json::Value> =
        p.first().and_then(|s| serde_json::from_slice(s).ok());
    let named: Vec<String> = ["baseline", "latest"]
        .iter()
        .filter_map(|k| state_json.as_ref()?.get(k)?.get("sha256")?.as_str())
        .filter(|s| crate::text::is_sha256_hex(s))
        .map(str::to_string)
        .collect();
    if let (Some(text), Some(sha)) = (text, &own_sha) {
        for name in named.iter().chain(std::iter::once(sha)) {
            write(&content("TEXT", name, "txt"), text);
        }
        if let Some(raw) = p.get(6) {
            write(&content("RAW", sha, "gz"), raw);
        }
    }
    let expected_format = format!("sourcewatch-snapshots {}\n", crate::store::FORMAT_VERSION);
    let format = p.get(7).copied().unwrap_or(expected_format.as_bytes());
    write(&root.join("FORMAT"), format);

    // Format 1 is migrated when opened (the migration finds this source already in format 2).
    let readable = format == expected_format.as_bytes() || format == b"sourcewatch-snapshots 1\n";
    let store = match Store::open_read(&root) {
        Ok(store) => {
            assert!(readable, "a wrong FORMAT was read");
            store
        }
        Err(_) => {
            assert_ne!(
                format,
                expected_format.as_bytes(),
                "the right FORMAT was refused"
            );
            return;
        }
    };
    let source = store.source("src");

    if let (Some(text), Some(sha)) = (text, &own_sha) {
        match std::str::from_utf8(text) {
            Ok(t) => assert_eq!(source.verified_text(sha).ok().as_deref(), Some(t)),
            Err(_) => assert!(source.verified_text(sha).is_err()),
        }
        assert!(source.has_text(sha).is_ok());
        for name in &named {
            if name != sha {
                assert!(
                    source.verified_text(name).is_err(),
                    "text under another hash"
                );
            }
        }
        for limit in [0, 1, 1000, 1 << 20] {
            if let Ok(Some(body)) = source.raw(sha, limit) {
                assert!(body.len() as u64 <= limit, "raw body past its limit");
            }
        }
    }
    assert!(source.text("../../etc/passwd").is_err());

    let state = source.state();
    if let Ok(state) = &state {
        let json = serde_json::to_vec(state).unwrap();
        let back = serde_json::from_slice(&json).unwrap();
        assert_eq!(state, &back, "the state round-trips");
        for v in state.baseline.iter().chain(&state.latest) {
            let _ = source.fingerprint_of(v);
        }
        let _ = source.check_acceptable();
    }
    let last = source.last_capture();
    match (&state, &last) {
        (Ok(state), Ok(last)) => {
            let both = source.state_and_last().expect("each read alone succeeded");
            assert_eq!(
                (state, last),
                (&both.0, &both.1),
                "one read and two disagree"
            );
            if let Some(good) = last.as_ref().filter(|l| l.is_good_capture_of_latest(state)) {
                assert!(good.record.outcome.is_good());
                assert_eq!(
                    good.record.sha256.as_ref(),
                    state.latest.as_ref().map(|l| &l.sha256)
                );
            }
        }
        _ => assert!(source.state_and_last().is_err(), "one read hides an error"),
    }
    if let Ok(last) = &last
        && source_file.len() < 16 * 1024
        && let Ok(log) = std::str::from_utf8(&source_file)
    {
        // What `read_lines` keeps, read front to back, and its last entry.
        let mut by_lines: Vec<_> = log.lines().filter_map(|l| parse_like(last, l)).collect();
        let by_lines = by_lines.pop();
        assert_eq!(last, &by_lines, "the log's tail and its lines disagree");
    }
    let _ = store.ledger();
    let _ = store.load_notified();
    let _ = store.load_last_check();
    let damage = store.verify().expect("verify reads a store it could open");
    if state.is_err() {
        assert!(
            !damage.is_empty(),
            "verify misses a state that does not parse"
        );
    }
}
