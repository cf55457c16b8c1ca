//! The store's own tests: recording, locking, torn lines, long histories.
use std::io::Write;

use chrono::Utc;

use super::*;
use crate::capture::{Capture, CaptureMeta, Captured};
use crate::extract::Extracted;

fn good(text: &str, sha: &str) -> Capture {
    Capture {
        meta: CaptureMeta {
            at: Utc::now(),
            http_status: Some(200),
            bytes: 10,
            ..CaptureMeta::default()
        },
        captured: Captured::Fresh {
            extracted: Extracted {
                text: text.to_string(),
                sha256: sha.to_string(),
            },
            raw: b"<p>raw</p>".to_vec(),
            gzip: None,
            content_type: None,
        },
        fingerprint: String::new(),
    }
}

fn failed() -> Capture {
    Capture {
        meta: CaptureMeta::default(),
        captured: Captured::Failed {
            outcome: Outcome::Unreachable,
            error: "gone".into(),
        },
        fingerprint: String::new(),
    }
}

#[test]
fn baseline_moves_only_on_accept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let s = store.source("s");
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    let record = |text, sha: &str, outcome| {
        let prev = s.state().unwrap();
        s.record(&good(text, sha), outcome, &prev, false).unwrap();
    };
    record("one", &a, Outcome::New);
    record("two", &b, Outcome::Changed);
    assert_eq!(s.state().unwrap().baseline.unwrap().sha256, a);
    let prev = s.state().unwrap();
    s.record(&failed(), Outcome::Unreachable, &prev, false)
        .unwrap();
    let st = s.state().unwrap();
    assert_eq!(st.baseline.as_ref().unwrap().sha256, a);
    assert_eq!(st.latest.as_ref().unwrap().sha256, b);
    assert!(matches!(s.accept(), Err(StoreError::LatestFailed { .. })));
    record("two", &b, Outcome::Changed);
    assert_eq!(s.accept().unwrap().sha256, b);
    assert_eq!(s.text(&b).unwrap(), "two");
    assert_eq!(s.log().unwrap().len(), 4);
}

#[test]
fn a_long_history_reads_the_same_in_one_read_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let s = store.source("s");
    let a = "a".repeat(64);
    let mut state = SourceState::default();
    // About 300 bytes a line: past the 64 KiB read in one go after a few hundred captures.
    for n in 0..400 {
        state = s
            .record(&good("one", &a), Outcome::Unchanged, &state, false)
            .unwrap();
        let (one_read, last) = s.state_and_last().unwrap();
        assert_eq!(one_read, s.state().unwrap(), "after {n}");
        assert_eq!(last, s.last_capture().unwrap(), "after {n}");
    }
    let len = std::fs::metadata(dir.path().join("s").join(source::SOURCE_FILE))
        .unwrap()
        .len();
    assert!(len > 64 * 1024, "{len}");
    for max in [0, 1, len as usize - 1, len as usize, len as usize + 1] {
        let read = read_up_to(&dir.path().join("s").join(source::SOURCE_FILE), max).unwrap();
        assert_eq!(read.is_some(), max >= len as usize, "{max}");
    }
}

#[test]
fn second_writer_is_refused_with_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    match Store::open(dir.path()) {
        Err(StoreError::Locked { holder, .. }) => {
            assert!(
                holder.starts_with(&format!("pid {}", std::process::id())),
                "{holder}"
            )
        }
        other => panic!("expected Locked, got {:?}", other.err()),
    }
}

#[test]
fn torn_log_line_is_skipped_and_temp_files_swept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let a = "a".repeat(64);
        store
            .source("s")
            .record(
                &good("one", &a),
                Outcome::New,
                &SourceState::default(),
                false,
            )
            .unwrap();
    }
    let log = dir.path().join("s").join(source::SOURCE_FILE);
    let mut f = OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(b"{\"at\":\"2026-").unwrap();
    // What a killed run leaves: a temporary file and the dirty marker.
    std::fs::write(dir.path().join("s/.tmp-leftover"), b"x").unwrap();
    std::fs::write(dir.path().join(DIRTY_FILE), b"").unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.source("s").log().unwrap().len(), 1);
    assert!(!dir.path().join("s/.tmp-leftover").exists());
}

#[test]
fn no_source_id_can_name_a_store_file() {
    // On a case-insensitive disk `format` is FORMAT: the registry refuses such ids.
    for name in [
        FORMAT_FILE,
        LAST_CHECK_FILE,
        NOTIFIED_FILE,
        verifications::VERIFICATIONS_FILE,
        ledger::LEDGER_FILE,
        ROUTES_DIR,
        content::TEXT_DIR,
        content::RAW_DIR,
    ] {
        assert!(
            !crate::registry::is_valid_id(&name.to_ascii_lowercase()),
            "{name}"
        );
    }
}

#[test]
fn tampered_sha_in_state_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.source("s").text("../../etc/passwd"),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn the_last_line_that_parses_is_found_line_by_line_from_the_end() {
    let last = |bytes: &[u8]| log::last_that_parses::<serde_json::Value>(bytes);
    assert_eq!(
        last(b"{\"n\":1}\n{\"n\":2}\n"),
        Some(serde_json::json!({"n": 2}))
    );
    // A torn append is skipped; a line a CRLF editor ended still reads (the `\r` is JSON
    // whitespace).
    assert_eq!(
        last(b"{\"n\":1}\n{\"n\":2}\r\n{\"n\":"),
        Some(serde_json::json!({"n": 2}))
    );
    // Bytes that are not UTF-8 spoil only their own line.
    assert_eq!(
        last(b"{\"n\":1}\n\xff\xfe\n"),
        Some(serde_json::json!({"n": 1}))
    );
    assert_eq!(
        last(b"{\"s\":\"\xff\"}\n"),
        Some(serde_json::json!({"s": "\u{fffd}"}))
    );
    assert_eq!(last(b""), None);
    assert_eq!(last(b"\n\n"), None);
}
