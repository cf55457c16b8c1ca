//! Entry points for the cargo-fuzz targets in `fuzz/`, compiled only under `--cfg fuzzing`
//! (cargo-fuzz sets it), so the crate's internals stay `pub(crate)` in every other build.
//!
//! Each function takes the fuzzer's bytes, drives one reader or transform the way the rest of
//! the crate does, and panics when a property the code promises does not hold: no panic at all
//! is the baseline; the properties are listed on each function. fuzz/README.md says how to run
//! them.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::compare::{self, DiffLine};
use crate::extract::{self, ExtractError, Extracted};
use crate::fetch::{Response, Validators};
use crate::outcome::{Flag, Outcome};
use crate::registry::{self, Fact, FactId, RegistryError, Source};
use crate::schedule::Schedule;
use crate::store::Store;
use crate::text::{fold_for_match, sha256_hex};

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
    registry::parse(Path::new("sources.toml"), &text, today())
        .ok()
        .map(|r| r.sources[0].clone())
}

fn is_nfc(text: &str) -> bool {
    // icu's own check, not the crate's fast path: the property is what the fast path promises.
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc().is_normalized(text)
}

/// What every extracted text is (docs/registry.md, "Text"): not empty, NFC, no blank line, no
/// carriage return, and named by its SHA-256.
fn check_extracted(ex: &Extracted) {
    let text = &ex.text;
    assert!(
        !text.is_empty(),
        "an empty text must be ExtractError::Empty"
    );
    assert_eq!(ex.sha256, sha256_hex(text), "the hash names the text");
    assert!(is_nfc(text), "extracted text is not NFC: {text:?}");
    assert!(!text.contains('\r'), "a carriage return survived: {text:?}");
    for line in text.split('\n') {
        assert!(
            !line.chars().all(char::is_whitespace),
            "blank line in extracted text: {text:?}"
        );
    }
}

/// Runs an extraction to its end. HTML and JSON extraction never waits (only PDF does, on
/// `pdftotext`), so the future is ready at its first poll.
fn extract_now(source: &Source, response: &Response) -> Result<Extracted, ExtractError> {
    let fut = extract::extract(source, response, Duration::from_secs(10));
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => panic!("HTML and JSON extraction must not wait"),
    }
}

fn response(body: &[u8], content_type: Option<&str>) -> Response {
    Response {
        status: 200,
        final_url: "https://example.org/".into(),
        content_type: content_type.map(str::to_string),
        validators: Validators::default(),
        body: body.to_vec(),
        moved_to: None,
    }
}

/// Splits off the first line: `(line, rest)`.
fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b'\n', data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

thread_local! {
    static HTML_SOURCES: Vec<Arc<Source>> = [
        "",
        r##"select = ["main", "p.note", "#content > div"]"##,
        r#"select = ["div"]
exclude = [".ad", "nav", "footer"]"#,
        r#"ignore = ['\d+ views', '(?i)updated:? [^\n]*', 'x']"#,
        r#"select = ["table", "ul > li:nth-child(2n)"]
ignore = ['\s*\|\s*']"#,
        r#"charset = "windows-1251""#,
        r#"select = ["li", "td"]
exclude = ["span"]
ignore = ['[аеё]']"#,
    ]
    .iter()
    .map(|extra| source_with(extra).expect("a fixed source compiles"))
    .collect();

    static JSON_SOURCES: Vec<Arc<Source>> = [
        r#"format = "json""#,
        r#"format = "json"
select = [""]"#,
        r#"format = "json"
select = ["/data", "/items/0/body", "/a~1b"]"#,
        r#"format = "json"
select = ["/html"]
ignore = ['\d{4}-\d{2}-\d{2}']"#,
    ]
    .iter()
    .map(|extra| source_with(extra).expect("a fixed source compiles"))
    .collect();
}

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("text/html; charset=utf-8"),
    Some("text/html; charset=\"windows-1251\""),
    Some("text/html;charset=ISO-8859-1"),
];

/// HTML extraction (charset detection, the `dom` limits, the walk, the writer, `ignore`).
/// Input: a control byte, then the body. The control byte picks the Content-Type (low 2 bits)
/// and one of a few fixed sources (selectors, exclude, ignore, charset); with its high bit set,
/// the body's first line is a CSS selector for `select` instead.
///
/// Properties: [`check_extracted`] for every text; an error is one of the kinds extraction has.
pub fn extract_html(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(control & 3)];
    let (source, body) = if control & 0x80 != 0 {
        let (selector, body) = first_line(rest);
        let Ok(selector) = std::str::from_utf8(selector) else {
            return;
        };
        let Some(source) = source_with(&format!("select = [{}]", toml_string(selector))) else {
            return;
        };
        (source, body)
    } else {
        let source = HTML_SOURCES.with(|all| all[usize::from(control >> 2) % all.len()].clone());
        (source, rest)
    };
    match extract_now(&source, &response(body, content_type)) {
        Ok(ex) => check_extracted(&ex),
        Err(ExtractError::Empty | ExtractError::Parse(_) | ExtractError::SelectorMissing(_)) => {}
    }
}

/// JSON extraction (pointers, HTML strings, canonical JSON). Input: a control byte, then the
/// body; the control byte picks a fixed source, or with its high bit set the body's first line
/// is a JSON Pointer for `select`.
///
/// Properties: [`check_extracted`]; and the text depends on the JSON value only, so the same
/// document serialised again (keys in another order, other spacing) extracts to the same result
/// (when serde_json reads back the value it wrote: see below).
pub fn extract_json(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let (source, body) = if control & 0x80 != 0 {
        let (pointer, body) = first_line(rest);
        let Ok(pointer) = std::str::from_utf8(pointer) else {
            return;
        };
        let extra = format!("format = \"json\"\nselect = [{}]", toml_string(pointer));
        let Some(source) = source_with(&extra) else {
            return;
        };
        (source, body)
    } else {
        let source = JSON_SOURCES.with(|all| all[usize::from(control) % all.len()].clone());
        (source, rest)
    };
    let first = extract_now(&source, &response(body, Some("application/json")));
    if let Ok(ex) = &first {
        check_extracted(ex);
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        assert!(
            matches!(first, Err(ExtractError::Parse(_))),
            "invalid JSON must be a parse error"
        );
        return;
    };
    let again = if control & 1 == 0 {
        serde_json::to_vec(&value)
    } else {
        serde_json::to_vec_pretty(&value)
    }
    .expect("a JSON value serialises");
    // serde_json (without `float_roundtrip`) does not always read back the float it printed
    // for a number of more than 17 digits; the property is about the value, so such values are
    // left out.
    if serde_json::from_slice::<serde_json::Value>(&again)
        .ok()
        .as_ref()
        != Some(&value)
    {
        return;
    }
    let second = extract_now(&source, &response(&again, Some("application/json")));
    let deadline = |r: &Result<Extracted, ExtractError>| matches!(r, Err(ExtractError::Parse(m)) if m.contains("longer than"));
    if !deadline(&first) && !deadline(&second) {
        assert_eq!(first, second, "the same JSON value, serialised again");
    }
}

/// Registry parsing and validation. Input: the text of `sources.toml`.
///
/// Properties: a refusal lists at least one diagnostic, in file order, one per place, each at a
/// line and column inside the file; an accepted registry has valid, unique ids, facts whose
/// source exists, no date after today, and a schedule for every source that fires.
pub fn registry(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `ca_file` is read at validation: keep the fuzzer away from device and proc files.
    if ["/dev", "/proc", "/sys", ".."]
        .iter()
        .any(|p| text.contains(p))
    {
        return;
    }
    let path = Path::new("fuzz-registry/sources.toml");
    match registry::parse(path, text, today()) {
        Ok(reg) => {
            let mut source_ids = std::collections::HashSet::new();
            for s in &reg.sources {
                assert!(registry::is_valid_id(&s.id), "source id {:?}", s.id);
                assert!(
                    source_ids.insert(s.id.as_str()),
                    "duplicate source {:?}",
                    s.id
                );
                let start = Utc.with_ymd_and_hms(2030, 6, 1, 12, 0, 0).unwrap();
                let next = reg.schedule_of(s).next_after(&start);
                assert!(next.is_some_and(|n| n > start), "schedule of {:?}", s.id);
            }
            let mut route_ids = std::collections::HashSet::new();
            let mut fact_ids = std::collections::HashSet::new();
            for r in &reg.routes {
                assert!(registry::is_valid_id(&r.id), "route id {:?}", r.id);
                assert!(
                    route_ids.insert(r.id.as_str()),
                    "duplicate route {:?}",
                    r.id
                );
                for f in &r.facts {
                    assert_eq!(f.id.route(), r.id);
                    assert!(registry::is_valid_id(f.id.name()), "fact id {:?}", f.id);
                    assert!(fact_ids.insert(f.id.as_str()), "duplicate fact {}", f.id);
                    assert!(reg.source(&f.source).is_some(), "{} names no source", f.id);
                    assert!(f.last_verified <= today(), "{} is in the future", f.id);
                    assert!(reg.fact(&f.id).is_some());
                }
            }
        }
        Err(RegistryError::Invalid(all)) => {
            assert!(!all.is_empty(), "a refusal says why");
            let lines = text.split('\n').count();
            for pair in all.windows(2) {
                assert!(
                    (pair[0].line, pair[0].col) < (pair[1].line, pair[1].col),
                    "diagnostics in file order, one per place: {all:?}"
                );
            }
            for d in &all {
                assert!(d.line >= 1 && d.line <= lines, "line of {d}");
                assert!(d.col >= 1, "column of {d}");
                assert!(!d.message.is_empty());
            }
            let _ = RegistryError::Invalid(all).to_string();
        }
        Err(e @ RegistryError::Read { .. }) => panic!("parse does not read: {e}"),
    }
}

/// Input split at NUL bytes into at most `n` parts.
fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0).collect()
}

/// A value of the type `_like` holds, parsed from `line` (lets this module read log lines as the
/// store's own log type without naming it).
fn parse_like<T: serde::de::DeserializeOwned>(_like: &Option<T>, line: &str) -> Option<T> {
    serde_json::from_str(line).ok()
}

/// The store's readers on a store folder made from the input. Input: NUL-separated parts,
/// written as the files of a store holding one source `src`, in this order: `state.json`,
/// `captures.jsonl`, `LEDGER.json`, `VERIFICATIONS.jsonl`, `NOTIFIED.json`, a text (stored
/// under its own SHA-256 and under the SHA-256s `state.json` names), a gzip raw body for that
/// text, and `FORMAT` (the right one when there are fewer parts). Missing parts are missing files.
///
/// Properties: `open_read` accepts exactly the right `FORMAT` or none; a text stored under its
/// own hash reads back verified, one under another hash is refused; the state round-trips
/// through JSON; the last capture (read from the log's tail) is the last line `read_lines` would
/// keep; a good last capture is only good and on the latest text; a raw body never unpacks past
/// its limit; `verify` reports a state that does not parse.
pub fn store(data: &[u8]) {
    let p = parts(data, 8);
    let dir = scratch();
    let root = dir.path().join("snapshots");
    let src = root.join("src");
    std::fs::create_dir_all(src.join("text")).unwrap();
    std::fs::create_dir_all(src.join("raw")).unwrap();
    let write = |path: &Path, bytes: &[u8]| std::fs::write(path, bytes).unwrap();
    let files = [
        src.join("state.json"),
        src.join("captures.jsonl"),
        root.join("LEDGER.json"),
        root.join("VERIFICATIONS.jsonl"),
        root.join("NOTIFIED.json"),
    ];
    for (path, bytes) in files.iter().zip(&p) {
        write(path, bytes);
    }
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
            write(&src.join("text").join(format!("{name}.txt")), text);
        }
        if let Some(raw) = p.get(6) {
            write(&src.join("raw").join(format!("{sha}.gz")), raw);
        }
    }
    let expected_format = format!("sourcewatch-snapshots {}\n", crate::store::FORMAT_VERSION);
    let format = p.get(7).copied().unwrap_or(expected_format.as_bytes());
    write(&root.join("FORMAT"), format);

    let store = match Store::open_read(&root) {
        Ok(store) => {
            assert_eq!(
                format,
                expected_format.as_bytes(),
                "a wrong FORMAT was read"
            );
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
        assert_eq!(state, &back, "state.json round-trips");
        for v in state.baseline.iter().chain(&state.latest) {
            let _ = source.fingerprint_of(v);
        }
        let _ = source.check_acceptable();
        if let Ok(Some(good)) = source.last_good_capture(state) {
            assert!(good.record.outcome.is_good());
            assert_eq!(
                good.record.sha256.as_ref(),
                state.latest.as_ref().map(|l| &l.sha256)
            );
        }
    }
    let last = source.last_capture();
    if let (Ok(last), Some(log)) = (&last, p.get(1))
        && log.len() < 16 * 1024
        && let Ok(log) = std::str::from_utf8(log)
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

/// The unified diff and its reader. Input: the old and the new text, split at the first NUL.
///
/// Properties: a text against itself is no diff, any other pair is one; every old line is kept
/// or removed by exactly one change, every new line kept or added by exactly one, and a kept
/// line is the same line; the hunks lie inside both texts; reading the unified diff back finds
/// as many hunks, and as many removed and added lines, as the diff has.
pub fn diff(data: &[u8]) {
    let p = parts(data, 2);
    let (Ok(old), Ok(new)) = (
        std::str::from_utf8(p[0]),
        std::str::from_utf8(p.get(1).copied().unwrap_or_default()),
    ) else {
        return;
    };
    assert!(
        compare::diff(old, old, "a", "a").is_none(),
        "a text against itself"
    );
    let Some(d) = compare::diff(old, new, "s baseline 0123", "s capture 4567") else {
        assert_eq!(old, new, "different texts, no diff");
        return;
    };
    assert_ne!(old, new);
    let lines = compare::parse_unified(&d.unified);
    // Normalised text has no carriage return (extraction collapses it); with one, similar's
    // lines and str::lines may count differently, which is outside the contract.
    if old.contains('\r') || new.contains('\r') {
        return;
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    assert_eq!(d.kept.len(), old_lines.len());
    let mut old_seen = vec![0u32; old_lines.len()];
    let mut new_seen = vec![0u32; new_lines.len()];
    for (i, k) in d.kept.iter().enumerate() {
        if let Some(j) = *k {
            assert_eq!(old_lines[i], new_lines[j], "kept line {i} → {j}");
            old_seen[i] += 1;
            new_seen[j] += 1;
        }
    }
    let mut removed = 0;
    let mut added = 0;
    for c in &d.changes {
        assert!(c.old.end <= old_lines.len() && c.new.end <= new_lines.len());
        assert!(!c.old.is_empty() || !c.new.is_empty(), "an empty change");
        for i in c.old.clone() {
            old_seen[i] += 1;
        }
        for j in c.new.clone() {
            new_seen[j] += 1;
        }
        removed += c.old.len();
        added += c.new.len();
    }
    assert!(old_seen.iter().all(|n| *n == 1), "old lines {old_seen:?}");
    assert!(new_seen.iter().all(|n| *n == 1), "new lines {new_seen:?}");
    for h in &d.hunks {
        assert!(h.old.end <= old_lines.len() && h.new.end <= new_lines.len());
    }
    let count = |f: fn(&DiffLine<'_>) -> bool| lines.iter().filter(|l| f(l)).count();
    assert_eq!(count(|l| matches!(l, DiffLine::Hunk(..))), d.hunks.len());
    assert_eq!(count(|l| matches!(l, DiffLine::File(_))), 2, "{lines:?}");
    assert_eq!(
        count(|l| matches!(l, DiffLine::Removed(..))),
        removed,
        "{lines:?}"
    );
    assert_eq!(
        count(|l| matches!(l, DiffLine::Added(..))),
        added,
        "{lines:?}"
    );
}

/// Crontab schedules. Input: a schedule line.
///
/// Properties: from a set of awkward instants (DST changes, leap days, year ends), in a set of
/// zones, a schedule that parses fires at a time after the start, and asking again from one
/// second before that time gives that time; in UTC (where validation reads it) it always fires,
/// within 28 years (the calendar's cycle; a date that must also be a given weekday can be 11
/// years apart).
pub fn cron(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(schedule) = text.parse::<Schedule>() else {
        return;
    };
    assert_eq!(schedule.to_string(), text.trim());
    let zones = [
        chrono_tz::UTC,
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Almaty,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Apia,
    ];
    let starts: [DateTime<Utc>; 6] = [
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 10, 25, 0, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 12, 31, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2028, 2, 28, 12, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2011, 12, 29, 9, 0, 0).unwrap(),
    ];
    let limit = chrono::Duration::days(28 * 366 + 1);
    for tz in zones {
        for start in starts {
            let next = schedule.next_in(tz, &start);
            // A local time in the gap a zone skips when its clocks go forward does not happen
            // that day (`cron` skips it), so in a zone with DST a schedule that can only fall
            // in gaps never fires ("3 2 1 10 */49": 02:03 on 1 October when it is a Sunday,
            // which is Lord Howe's change day). Validation reads schedules in UTC.
            let Some(next) = next else {
                assert!(tz != chrono_tz::UTC, "{text:?} never fires after {start}");
                continue;
            };
            assert!(
                next > start,
                "{text:?} in {tz}: {next} is not after {start}"
            );
            assert!(
                next - start <= limit || tz != chrono_tz::UTC,
                "{text:?} in {tz}: {next} from {start}"
            );
            let again = schedule.next_in(tz, &(next - chrono::Duration::seconds(1)));
            assert_eq!(again, Some(next), "{text:?} in {tz}, again before {next}");
        }
    }
}

/// Normalised text as extraction leaves it: NFC, whitespace collapsed, no blank line.
fn normalised(text: &str) -> String {
    let text = crate::text::nfc(text);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&words.join(" "));
    }
    out
}

/// Quote matching and the passage of a fact on a changed source: folding, the closest passage,
/// passages and sentences, and the typed values of a rewritten passage
/// (`assess::assess_source`, as a check calls it). Input: the old text, the new text and a quote,
/// NUL-separated (texts are normalised first, as stored texts are); without a quote, the old
/// text's first line is quoted. A second fact quotes one line of the new text whole.
///
/// Properties: a quote that is a whole line of the text is found; a similarity lies in 0–1 and
/// a closest passage is only given for a quote not found; `evidence_missing` is flagged exactly
/// when the quote is not found; passages lie inside their texts; one list of facts per hunk.
pub fn quotes(data: &[u8]) {
    let p = parts(data, 3);
    let Ok(all): Result<Vec<&str>, _> = p.iter().map(|b| std::str::from_utf8(b)).collect() else {
        return;
    };
    let old = normalised(all[0]);
    let new = normalised(all.get(1).copied().unwrap_or(""));
    let quote: Cow<'_, str> = match all.get(2) {
        Some(q) if !q.is_empty() => Cow::Borrowed(*q),
        _ => Cow::Owned(old.lines().next().unwrap_or("").to_string()),
    };
    let new_lines: Vec<&str> = new.lines().collect();
    let whole_line = new_lines
        .get(all[0].len() % new_lines.len().max(1))
        .copied()
        .unwrap_or("");
    let fact = |name: &str, quote: &str| Fact {
        id: FactId::new("r", name),
        claim: "claim".into(),
        source: "s".into(),
        quote: Some(quote.to_string()),
        last_verified: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        stale_after_days: 90,
    };
    let facts = [fact("quoted", &quote), fact("line", whole_line)];
    let refs: Vec<&Fact> = facts.iter().collect();
    let diff = compare::diff(&old, &new, "a", "b");
    let (outcome, change) = match &diff {
        Some(d) => (Outcome::Changed, Some((old.as_str(), d))),
        None => (Outcome::Unchanged, None),
    };
    let (assessed, coverage) =
        crate::assess::assess_source(&refs, today(), outcome, Some(&new), change);
    assert_eq!(assessed.len(), facts.len());
    if !fold_for_match(whole_line).is_empty() {
        assert_eq!(
            assessed[1].quote_found,
            Some(true),
            "a whole line {whole_line:?} of {new:?}"
        );
    }
    let old_count = old.lines().count();
    for a in &assessed {
        let found = a.quote_found.expect("a good capture and a quote");
        assert_eq!(a.flags.contains(&Flag::EvidenceMissing), !found);
        if diff.is_none() {
            assert!(
                !a.flags.contains(&Flag::SourceChanged),
                "an unchanged source changed"
            );
        }
        if let Some(c) = &a.closest_passage {
            assert!(!found, "a closest passage for a quote that was found");
            assert!((0.0..=1.0).contains(&c.similarity), "{}", c.similarity);
        }
        if let Some(c) = &a.change {
            assert!(c.before.lines.end <= old_count && !c.before.lines.is_empty());
            if let Some(after) = &c.after {
                assert!(after.lines.end <= new_lines.len(), "{after:?} in {new:?}");
            }
        }
    }
    match &diff {
        Some(d) => {
            assert_eq!(coverage.hunk_facts.len(), d.hunks.len());
            assert!(coverage.uncovered.iter().all(|i| *i < d.changes.len()));
        }
        None => assert!(coverage.hunk_facts.is_empty() && coverage.uncovered.is_empty()),
    }
}

/// Format-preserving edits of `last_verified`. Input: the text of `sources.toml`; every fact
/// the file names (up to 8) gets a new date, and, for an input of odd length, a fact that does
/// not exist is asked for as well.
///
/// Properties: an edit that fails writes nothing; one that succeeds leaves a file that parses
/// and holds the same data as before with the named facts' dates changed (`toml` as the oracle,
/// a parser other than the `toml_edit` the edit uses); where every old value was a date, the
/// bytes differ only in digits.
pub fn edit(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let before: Option<toml::Table> = toml::from_str(text).ok();
    let mut targets: Vec<(String, String)> = Vec::new();
    if let Some(table) = &before {
        for route in tables_of(table.get("routes")) {
            let Some(r) = route.get("id").and_then(toml::Value::as_str) else {
                continue;
            };
            for fact in tables_of(route.get("facts")) {
                if let Some(f) = fact.get("id").and_then(toml::Value::as_str)
                    && targets.len() < 8
                {
                    targets.push((r.to_string(), f.to_string()));
                }
            }
        }
    }
    if targets.is_empty() {
        targets.push(("r".into(), "f".into()));
    }
    let missing = data.len() % 2 == 1;
    let date = NaiveDate::from_ymd_opt(2031, 7, 9).unwrap();
    let mut updates: Vec<(FactId, NaiveDate)> = targets
        .iter()
        .map(|(r, f)| (FactId::new(r, f), date))
        .collect();
    if missing {
        updates.push((FactId::new("no-such-route", "x"), date));
    }

    let dir = scratch();
    let path = dir.path().join("sources.toml");
    std::fs::write(&path, data).unwrap();
    let result = registry::edit::set_last_verified(&path, &updates);
    let after = std::fs::read(&path).unwrap();
    if result.is_err() {
        assert_eq!(after, data, "a failed edit wrote the file");
        return;
    }
    let asked_missing = ("no-such-route".to_string(), "x".to_string());
    assert!(
        !missing || before.is_none() || targets.contains(&asked_missing),
        "a fact that does not exist was found"
    );
    let after = String::from_utf8(after).expect("the edit keeps UTF-8");
    toml_edit::Document::parse(after.as_str()).expect("an edited file still parses");
    let Some(mut expected) = before else {
        return;
    };
    let mut all_dates = true;
    for (r, f) in &targets {
        let Some(fact) = fact_mut(&mut expected, r, f) else {
            panic!("edited {r}/{f}, which the oracle cannot find");
        };
        let old = fact.insert(
            "last_verified".into(),
            toml::Value::Datetime(toml::value::Datetime {
                date: Some(toml::value::Date {
                    year: 2031,
                    month: 7,
                    day: 9,
                }),
                time: None,
                offset: None,
            }),
        );
        all_dates &= matches!(
            old,
            Some(toml::Value::Datetime(toml::value::Datetime {
                date: Some(_),
                time: None,
                offset: None,
            }))
        );
    }
    let got: toml::Table = toml::from_str(&after).expect("the oracle reads the edited file");
    assert_eq!(got, expected, "the data changed beyond the named dates");
    if all_dates {
        assert_eq!(after.len(), text.len(), "a date replaced by a date");
        for (a, b) in after.bytes().zip(text.bytes()) {
            assert!(a == b || (a.is_ascii_digit() && b.is_ascii_digit()));
        }
    }
}

/// The tables of an array of tables or of inline tables, as the edit reads `routes` and `facts`.
fn tables_of(value: Option<&toml::Value>) -> impl Iterator<Item = &toml::Table> {
    value
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
}

/// The first fact `f` of the first route `r`, as the edit finds it.
fn fact_mut<'t>(root: &'t mut toml::Table, r: &str, f: &str) -> Option<&'t mut toml::Table> {
    let route = root
        .get_mut("routes")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|t| t.get("id").and_then(toml::Value::as_str) == Some(r))?;
    route
        .get_mut("facts")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|t| t.get("id").and_then(toml::Value::as_str) == Some(f))
}
