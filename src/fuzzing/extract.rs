//! HTML and JSON extraction.

use std::sync::Arc;
use std::time::Duration;

use super::{first_line, source_with, toml_string};
use crate::extract::{self, ExtractError, Extracted};
use crate::fetch::{Response, Validators};
use crate::registry::Source;
use crate::text::sha256_hex;

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
        gzip: None,
        moved_to: None,
        wall_words: None,
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
        Err(
            ExtractError::Empty | ExtractError::Parse(_) | ExtractError::SelectorMissing { .. },
        ) => {}
    }
}

/// JSON extraction (pointers, HTML strings, one leaf per line). Input: a control byte, then the
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
