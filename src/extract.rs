//! Bytes of a page → the normalised text that is hashed, diffed and searched for quotes (SPEC §5).
//!
//! This stage owns two things: choosing the charset (Content-Type, BOM, `<meta>`, detection, or the
//! source's override) and walking the parsed document into text. The walk keeps only visible text
//! of the selected elements, in document order; block elements start new lines, table rows become
//! one line with cells joined by ` | `, list items start with `- `, whitespace (NBSP too) collapses,
//! the result is NFC, the source's `ignore` patterns are removed and blank lines dropped.
//!
//! Everything here is synchronous and CPU-bound; `scraper::Html` is not `Send`, so callers run
//! [`extract_html`] on a blocking thread.

use std::borrow::Cow;

use ego_tree::iter::Edge;
use encoding_rs::Encoding;
use scraper::{ElementRef, Html, Node, Selector};
use sha2::{Digest, Sha256};

use crate::registry::Source;

/// Bumped whenever the text produced for the same page changes, so stored ETags are not trusted
/// across a normaliser change (see `Source::extract_fingerprint`).
pub const NORMALISER_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("no text left after extraction")]
    Empty,
    #[error("{0}")]
    Parse(String),
    #[error("the page loaded but no element matched {0}")]
    SelectorMissing(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub text: String,
    pub sha256: String,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Decodes a body to text. Order: the source's override, the Content-Type charset, a BOM, a
/// `<meta>` declaration in the first bytes, then statistical detection.
pub fn decode<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    forced: Option<&'static Encoding>,
) -> Cow<'a, str> {
    let encoding = forced
        .or_else(|| content_type.and_then(charset_from_content_type))
        .or_else(|| Encoding::for_bom(body).map(|(enc, _)| enc))
        .or_else(|| meta_charset(body))
        .unwrap_or_else(|| {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            let sample = &body[..body.len().min(64 * 1024)];
            detector.feed(sample, sample.len() == body.len());
            detector.guess(None, chardetng::Utf8Detection::Allow)
        });
    let (text, _) = encoding.decode_with_bom_removal(body);
    text
}

fn charset_from_content_type(ct: &str) -> Option<&'static Encoding> {
    ct.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if key.trim().eq_ignore_ascii_case("charset") {
            Encoding::for_label(value.trim().trim_matches(['"', '\'']).as_bytes())
        } else {
            None
        }
    })
}

/// A `<meta charset>` or `<meta http-equiv content="…; charset=…">` in the first 4 KiB. UTF-16
/// labels are read as UTF-8, as browsers do for a declaration that must itself be ASCII.
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let tag_start = from + pos;
        let tag_end = find(&lower[tag_start..], b">").map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        if let Some(cs) = find(tag, b"charset") {
            let mut rest = tag[cs + 7..].iter().skip_while(|b| b.is_ascii_whitespace());
            if rest.next() == Some(&b'=') {
                let label: Vec<u8> = rest
                    .skip_while(|b| b.is_ascii_whitespace() || **b == b'"' || **b == b'\'')
                    .take_while(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')
                    })
                    .copied()
                    .collect();
                if let Some(enc) = Encoding::for_label(&label) {
                    return Some(
                        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                            encoding_rs::UTF_8
                        } else {
                            enc
                        },
                    );
                }
            }
        }
        from = tag_end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Unicode NFC; borrowed (no copy) when the text already is, as nearly all pages are.
pub fn nfc(text: &str) -> Cow<'_, str> {
    const NFC: icu_normalizer::ComposingNormalizerBorrowed<'static> =
        icu_normalizer::ComposingNormalizerBorrowed::new_nfc();
    if is_trivially_nfc(text) {
        return Cow::Borrowed(text);
    }
    NFC.normalize(text)
}

/// Whether `text` is made only of [`is_nfc_starter`] characters, read from its bytes: ASCII,
/// U+0080-U+02FF (lead bytes C2-CB) and Cyrillic letters (D0-D3, without the combining
/// U+0483-U+0489) need no decoding; E2 and other leads are decoded.
fn is_trivially_nfc(text: &str) -> bool {
    // Bytes to skip for a character starting with this byte that needs no decoding; 0 = decode.
    const STEP: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            t[b] = match b {
                0x00..=0x7F => 1,
                0xC2..=0xCB | 0xD0 | 0xD1 | 0xD3 => 2,
                _ => 0,
            };
            b += 1;
        }
        t
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let step = STEP[b as usize];
        i += if step != 0 {
            step as usize
        } else if b == 0xD2 && !matches!(bytes.get(i + 1), Some(0x83..=0x89)) {
            2
        } else {
            let c = text[i..].chars().next().expect("a char starts here");
            if !is_nfc_starter(c) {
                return false;
            }
            c.len_utf8()
        };
    }
    true
}

/// Characters that are NFC on their own and never combine with a neighbour (NFC_Quick_Check=Yes,
/// canonical combining class 0): any text made only of them is already NFC. A range test is far
/// cheaper than the normaliser's lookup, and covers Latin, Cyrillic (Kazakh too), common
/// punctuation and currency signs; anything else goes through the normaliser.
fn is_nfc_starter(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{2FF}'
        | '\u{400}'..='\u{482}'
        | '\u{48A}'..='\u{4FF}'
        | '\u{2010}'..='\u{205F}'
        | '\u{20A0}'..='\u{20C0}'
        | '\u{2116}')
}

/// Elements whose content is never visible text.
fn is_dropped(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "svg" | "head" | "iframe" | "object"
    )
}

/// Elements that start a new line.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "ul"
    )
}

/// Extracts the normalised text of `html` as `source` selects it.
pub fn extract_html(html: &str, source: &Source) -> Result<Extracted, ExtractError> {
    let doc = Html::parse_document(html);
    let scope = if source.select.is_empty() {
        Scope::Body
    } else {
        Scope::Selected(&source.select)
    };
    let mut writer = TextWriter::default();
    let matched_any = walk(&doc, scope, &source.exclude, &mut writer);
    if !matched_any {
        return Err(ExtractError::SelectorMissing(describe_selectors(source)));
    }
    finished(writer, source)
}

/// What part of a document is text.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// The `<body>` of a page.
    Body,
    /// Every element matching one of these, in document order, each once.
    Selected(&'a [Selector]),
    /// Everything (a fragment, such as HTML inside a JSON string).
    All,
}

/// Writes the visible text of `doc` within `scope`; false when a selector scope matched nothing.
fn walk(doc: &Html, scope: Scope<'_>, exclude: &[Selector], writer: &mut TextWriter) -> bool {
    let mut capture_depth = match scope {
        Scope::All => 1,
        _ => 0,
    };
    let mut skip_until: Option<ego_tree::NodeId> = None;
    let mut matched_any = matches!(scope, Scope::Body | Scope::All);

    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if skip_until.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) if capture_depth > 0 => writer.text(t),
                    Node::Element(el) => {
                        let name = el.name();
                        let el_ref = ElementRef::wrap(node).expect("element node");
                        if is_dropped(name) || exclude.iter().any(|s| s.matches(&el_ref)) {
                            skip_until = Some(node.id());
                            continue;
                        }
                        let starts_capture = match scope {
                            Scope::Body => name == "body",
                            Scope::Selected(select) => {
                                capture_depth == 0 && select.iter().any(|s| s.matches(&el_ref))
                            }
                            Scope::All => false,
                        };
                        if starts_capture {
                            matched_any = true;
                            capture_depth = 1;
                            writer.hard_break();
                        } else if capture_depth > 0 {
                            capture_depth += 1;
                        }
                        if capture_depth > 0 {
                            writer.open(name);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip_until {
                    if id == node.id() {
                        skip_until = None;
                    }
                    continue;
                }
                if let Node::Element(el) = node.value()
                    && capture_depth > 0
                {
                    writer.close(el.name());
                    capture_depth -= 1;
                    if capture_depth == 0 {
                        writer.hard_break();
                    }
                }
            }
        }
    }
    matched_any
}

/// The end of every extraction: NFC, `ignore` patterns, the empty check and the hash.
fn finished(mut writer: TextWriter, source: &Source) -> Result<Extracted, ExtractError> {
    writer.hard_break();
    let text = finish(writer.out, writer.needs_nfc, source);
    if text.is_empty() {
        return Err(ExtractError::Empty);
    }
    let sha256 = sha256_hex(&text);
    Ok(Extracted { text, sha256 })
}

/// A JSON document: the values at the source's JSON Pointers (the whole document without any),
/// in order. A string holding HTML is read as HTML; other values become canonical JSON (keys
/// sorted, one member per line), so reordered keys are not a change.
pub fn extract_json(body: &[u8], source: &Source) -> Result<Extracted, ExtractError> {
    let doc: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ExtractError::Parse(format!("invalid JSON: {e}")))?;
    let values: Vec<&serde_json::Value> = if source.pointers.is_empty() {
        vec![&doc]
    } else {
        source
            .pointers
            .iter()
            .filter_map(|p| doc.pointer(p))
            .collect()
    };
    if values.is_empty() {
        return Err(ExtractError::SelectorMissing(format!(
            "JSON Pointer(s) {}",
            source.pointers.join(", ")
        )));
    }
    let mut writer = TextWriter::default();
    for value in values {
        match value {
            serde_json::Value::String(s) if looks_like_html(s) => {
                let fragment = Html::parse_fragment(s);
                walk(&fragment, Scope::All, &[], &mut writer);
            }
            serde_json::Value::String(s) => plain_lines(s, &mut writer),
            other => plain_lines(&canonical_json(other), &mut writer),
        }
        writer.hard_break();
    }
    finished(writer, source)
}

fn looks_like_html(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('<') || (s.contains("</") && s.contains('>')) || s.contains("<br")
}

fn plain_lines(text: &str, writer: &mut TextWriter) {
    for line in text.lines() {
        writer.text(line);
        writer.hard_break();
    }
}

/// Pretty JSON with object keys sorted at every level.
fn canonical_json(value: &serde_json::Value) -> String {
    fn sorted(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serde_json::Map::new();
                for (k, v) in entries {
                    out.insert(k.clone(), sorted(v));
                }
                serde_json::Value::Object(out)
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(sorted).collect())
            }
            other => other.clone(),
        }
    }
    // serde_json's map keeps insertion order only with its preserve_order feature; inserting in
    // sorted order gives sorted output either way.
    serde_json::to_string_pretty(&sorted(value)).expect("a JSON value serialises")
}

/// A PDF: the text of every page in order, by poppler's `pdftotext` (exact with the CID fonts
/// government PDFs use for Cyrillic, which pure-Rust extractors often get wrong).
pub fn extract_pdf(
    body: &[u8],
    source: &Source,
    timeout: std::time::Duration,
) -> Result<Extracted, ExtractError> {
    let text = pdf_to_text(body, timeout)?;
    let mut writer = TextWriter::default();
    for page in text.split('\u{c}') {
        plain_lines(page, &mut writer);
    }
    finished(writer, source)
}

fn pdf_to_text(body: &[u8], timeout: std::time::Duration) -> Result<String, ExtractError> {
    if !body.starts_with(b"%PDF-") {
        return Err(ExtractError::Parse("not a PDF (no %PDF- header)".into()));
    }
    let program = std::env::var_os("SOURCEWATCH_PDFTOTEXT").unwrap_or_else(|| "pdftotext".into());
    let mut file = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .map_err(|e| ExtractError::Parse(format!("temporary file: {e}")))?;
    std::io::Write::write_all(&mut file, body)
        .map_err(|e| ExtractError::Parse(format!("temporary file: {e}")))?;
    let mut child = std::process::Command::new(&program)
        .args(["-enc", "UTF-8", "-q"])
        .arg(file.path())
        .arg("-")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            ExtractError::Parse(format!(
                "cannot run {} ({e}); install poppler-utils or set SOURCEWATCH_PDFTOTEXT",
                std::path::Path::new(&program).display()
            ))
        })?;
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
        out
    });
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExtractError::Parse(format!(
                    "pdftotext took longer than {} s",
                    timeout.as_secs()
                )));
            }
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(ExtractError::Parse(format!(
            "unreadable PDF (pdftotext exit {})",
            status.code().unwrap_or(-1)
        )));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn describe_selectors(source: &Source) -> String {
    // Selectors do not keep their source text; the registry's order is the user's.
    format!("{} selector(s)", source.select.len())
}

/// NFC, then `ignore` patterns removed, then lines tidied again (a removal can leave a blank line
/// or a double space behind).
fn finish(mut raw: String, needs_nfc: bool, source: &Source) -> String {
    while raw.ends_with('\n') {
        raw.pop();
    }
    let text = match needs_nfc.then(|| nfc(&raw)) {
        Some(Cow::Owned(normalised)) => normalised,
        _ => raw,
    };
    if source.ignore.is_empty() {
        return text;
    }
    let mut stripped = text;
    for re in &source.ignore {
        if let Cow::Owned(s) = re.replace_all(&stripped, "") {
            stripped = s;
        }
    }
    let mut out = String::with_capacity(stripped.len());
    for line in stripped.lines() {
        let mut first = true;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            if first {
                if !out.is_empty() {
                    out.push('\n');
                }
                first = false;
            } else {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Accumulates lines of collapsed text. Block boundaries become line breaks, except inside a
/// table row, which must stay one line.
#[derive(Default)]
struct TextWriter {
    out: String,
    /// Where the last line of `out` starts.
    line_start: usize,
    line_has_content: bool,
    pending_space: bool,
    /// Cell counters of the table rows we are inside (nested tables push another).
    rows: Vec<usize>,
    /// Some character written may not be NFC as it stands (see [`is_nfc_starter`]).
    needs_nfc: bool,
}

impl TextWriter {
    /// Appends text: runs of whitespace (NBSP too) become one pending space; zero-width space,
    /// BOM and soft hyphen are invisible and dropped. One pass, whole runs of words copied at
    /// once: this is the hottest loop of a check.
    fn text(&mut self, s: &str) {
        // Bytes worth a closer look: ASCII whitespace, and the lead bytes of characters that are
        // whitespace or invisible (C2: NBSP, U+0085, soft hyphen; E1, E2, E3: the other spaces,
        // zero-width space; EF: BOM) or may not be NFC on their own (all but C3-CB, D0, D1, D3).
        // Everything else (ASCII letters, Latin-1, Cyrillic) costs one table lookup per byte.
        const STOP: [bool; 256] = {
            let mut t = [false; 256];
            let mut b = 0;
            while b < 256 {
                t[b] = matches!(b, 0x09..=0x0D | 0x20 | 0xC2 | 0xCC..=0xCF | 0xD2 | 0xD4..=0xFF);
                b += 1;
            }
            t
        };
        let bytes = s.as_bytes();
        let mut word_start = 0;
        let mut i = 0;
        loop {
            while i < bytes.len() && !STOP[bytes[i] as usize] {
                i += 1;
            }
            if i == bytes.len() {
                break;
            }
            let b = bytes[i];
            // One space between two words stays inside the run: it is what collapsing gives.
            if b == b' ' && word_start < i && bytes.get(i + 1).is_some_and(|&n| !STOP[n as usize]) {
                i += 1;
                continue;
            }
            let (separator, space, len) = if b < 0x80 {
                (true, true, 1)
            } else {
                let c = s[i..].chars().next().expect("a char starts here");
                let invisible = matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}');
                let space = c.is_whitespace();
                if !space && !invisible && !is_nfc_starter(c) {
                    self.needs_nfc = true;
                }
                (space || invisible, space, c.len_utf8())
            };
            if separator {
                if word_start < i {
                    self.word(&s[word_start..i]);
                }
                if space {
                    self.pending_space = self.line_has_content;
                }
                word_start = i + len;
            }
            i += len;
        }
        if word_start < bytes.len() {
            self.word(&s[word_start..]);
        }
    }

    fn word(&mut self, w: &str) {
        if self.pending_space && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push_str(w);
        self.line_has_content = true;
    }

    fn literal(&mut self, s: &str) {
        if self.pending_space && !s.starts_with(' ') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push_str(s);
        self.line_has_content = true;
    }

    fn hard_break(&mut self) {
        if self.line_has_content {
            // A line that is only a list marker or separators carries nothing.
            if self.out[self.line_start..]
                .bytes()
                .all(|b| matches!(b, b'-' | b'|' | b' '))
            {
                self.out.truncate(self.line_start);
            } else {
                self.out.push('\n');
                self.line_start = self.out.len();
            }
        }
        self.line_has_content = false;
        self.pending_space = false;
    }

    fn soft_break(&mut self) {
        if self.rows.is_empty() {
            self.hard_break();
        } else {
            self.pending_space = self.line_has_content;
        }
    }

    fn open(&mut self, name: &str) {
        match name {
            "br" => self.soft_break(),
            "tr" => {
                self.hard_break();
                self.rows.push(0);
            }
            "td" | "th" => {
                if let Some(cells) = self.rows.last_mut() {
                    *cells += 1;
                    if *cells > 1 {
                        self.literal(" | ");
                    }
                }
            }
            "li" => {
                self.soft_break();
                if self.rows.is_empty() {
                    self.literal("- ");
                }
            }
            _ if is_block(name) => self.soft_break(),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "tr" => {
                self.rows.pop();
                self.hard_break();
            }
            _ if is_block(name) => self.soft_break(),
            _ => {}
        }
    }
}

impl TextWriter {
    #[cfg(test)]
    fn finish_plain(mut self) -> String {
        self.hard_break();
        while self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;
    use chrono::NaiveDate;
    use std::path::Path;

    fn source(extra: &str) -> std::sync::Arc<Source> {
        let text = format!("[[sources]]\nid = \"s\"\nurl = \"https://e.org/\"\n{extra}\n");
        let reg = registry::parse(
            Path::new("t.toml"),
            &text,
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        )
        .unwrap();
        reg.sources[0].clone()
    }

    fn text_of(html: &str, extra: &str) -> String {
        extract_html(html, &source(extra)).unwrap().text
    }

    #[test]
    fn blocks_lists_tables_and_dropped_elements() {
        let html = r#"<html><head><title>T</title><style>p{}</style></head><body>
            <h1>Permit</h1><script>var x = "nonce";</script>
            <p>Processing   takes<br>45&nbsp;calendar days.</p>
            <ul><li>Passport</li><li> Medical <b>certificate</b></li></ul>
            <table><tr><th>Fee</th><th>Term</th></tr>
                   <tr><td><p>10 MCI</p></td><td>45 days</td></tr></table>
            <noscript>enable js</noscript><template><p>hidden</p></template>
            <svg><text>chart</text></svg>
        </body></html>"#;
        assert_eq!(
            text_of(html, ""),
            "Permit\nProcessing takes\n45 calendar days.\n- Passport\n- Medical certificate\n\
             Fee | Term\n10 MCI | 45 days"
        );
    }

    #[test]
    fn select_exclude_and_document_order() {
        let html = r#"<body><div class="b">second?</div><nav>menu</nav>
            <div class="a">first <span class="share">Share!</span></div>
            <div class="b">third</div></body>"#;
        let t = text_of(
            html,
            r#"select = [".a", ".b"]
exclude = [".share"]"#,
        );
        assert_eq!(t, "second?\nfirst\nthird");
    }

    #[test]
    fn exclude_removes_selected_elements_inside_it() {
        let html = r#"<body><aside class="promo"><p>ad</p></aside><p>kept</p></body>"#;
        assert_eq!(
            text_of(html, "select = [\"p\"]\nexclude = [\".promo\"]"),
            "kept"
        );
    }

    #[test]
    fn nested_matches_are_taken_once() {
        let html = r#"<body><div class="x">outer <div class="x">inner</div></div></body>"#;
        assert_eq!(text_of(html, r#"select = [".x"]"#), "outer\ninner");
    }

    #[test]
    fn missing_selector_and_empty_page() {
        let src = source(r#"select = ["div.info-block-horizontal"]"#);
        assert!(matches!(
            extract_html("<body><p>hi</p></body>", &src),
            Err(ExtractError::SelectorMissing(_))
        ));
        assert_eq!(
            extract_html("<body> <script>x</script> </body>", &source("")),
            Err(ExtractError::Empty)
        );
        assert_eq!(
            extract_html(
                r#"<body><div class="info-block-horizontal"> </div></body>"#,
                &src
            ),
            Err(ExtractError::Empty)
        );
    }

    #[test]
    fn nbsp_and_nfc() {
        // "й" written decomposed (и + combining breve) becomes the composed character.
        let html = "<p>Срок:\u{00A0}\u{00A0}45 дней, ви\u{0306}за</p>";
        let t = text_of(html, "");
        assert_eq!(t, "Срок: 45 дней, вйза");
        assert!(t.contains('\u{0439}'));
    }

    #[test]
    fn fast_nfc_set_is_really_nfc() {
        const NFC: icu_normalizer::ComposingNormalizerBorrowed<'static> =
            icu_normalizer::ComposingNormalizerBorrowed::new_nfc();
        let fast: Vec<char> = (0u32..0x2200)
            .filter_map(char::from_u32)
            .filter(|c| is_nfc_starter(*c))
            .collect();
        for &c in &fast {
            for base in ['a', 'и', 'A', 'Ә', '-'] {
                for s in [format!("{c}"), format!("{base}{c}"), format!("{c}{base}")] {
                    assert!(NFC.is_normalized(&s), "U+{:04X} in {s:?}", c as u32);
                }
            }
        }
        // The byte-level reading agrees with the character-level one.
        let sample: String = fast.iter().collect();
        assert!(is_trivially_nfc(&sample));
        for c in ['\u{300}', '\u{483}', '\u{489}', '\u{2000}', '\u{AC00}'] {
            assert!(!is_trivially_nfc(&format!("ab{c}")), "U+{:04X}", c as u32);
        }
        // And the slow path still composes what needs composing.
        assert_eq!(nfc("и\u{306}"), "й");
    }

    #[test]
    fn ignore_patterns_removed_before_hashing() {
        let extra = r#"ignore = ['Last update: \d{2}\.\d{2}\.\d{4}', 'Views: \d+']"#;
        let a = extract_html(
            "<p>Fee 10</p><p>Last update: 01.02.2026</p><p>Views: 5 x</p>",
            &source(extra),
        )
        .unwrap();
        let b = extract_html(
            "<p>Fee 10</p><p>Last update: 09.09.2026</p><p>Views: 77 x</p>",
            &source(extra),
        )
        .unwrap();
        assert_eq!(a.text, "Fee 10\nx");
        assert_eq!(a.sha256, b.sha256);
    }

    #[test]
    fn writer_flags_every_text_that_needs_nfc() {
        // Decomposed pairs split across text nodes, Hangul jamo, Kazakh letters (D2 lead bytes)
        // next to the combining marks that share that lead byte.
        let cases = [
            (vec!["ви", "\u{306}за"], "вйза", true),
            (vec!["\u{1100}", "\u{1161}"], "\u{AC00}", true),
            (vec!["e\u{301}"], "\u{e9}", true),
            (vec!["Қазақ ҒҰҮ"], "Қазақ ҒҰҮ", false),
            (vec!["к\u{483}"], "к\u{483}", true),
            (vec!["Срок «45» дней — €"], "Срок «45» дней — €", false),
        ];
        for (chunks, expected, flagged) in cases {
            let mut w = TextWriter::default();
            for c in &chunks {
                w.text(c);
            }
            assert_eq!(w.needs_nfc, flagged, "{chunks:?}");
            let needs_nfc = w.needs_nfc;
            let raw = w.finish_plain();
            let text = finish(raw, needs_nfc, &source(""));
            assert_eq!(text, expected, "{chunks:?}");
            assert_eq!(text, nfc(&text), "{chunks:?}");
        }
    }

    #[test]
    fn writer_keeps_inline_text_on_one_line() {
        let mut w = TextWriter::default();
        w.text("  a ");
        w.text(" b\n\tc ");
        w.text("\u{200B} d\u{00AD}e \u{FEFF}");
        w.text("\u{00A0}f\u{2003}g\u{3000}h\u{0085}Ёж\u{202F}€");
        assert_eq!(w.finish_plain(), "a b c de f g h Ёж €");
    }

    #[test]
    fn charset_order() {
        let cp1251 = encoding_rs::WINDOWS_1251
            .encode("<meta charset=\"windows-1251\"><p>Срок</p>")
            .0;
        assert!(decode(&cp1251, Some("text/html"), None).contains("Срок"));
        // Content-Type wins over <meta>.
        let utf8 = "<meta charset=windows-1251><p>Срок</p>".as_bytes();
        assert!(decode(utf8, Some("text/html; charset=UTF-8"), None).contains("Срок"));
        // The source's override wins over everything.
        assert!(
            decode(
                &cp1251,
                Some("text/html; charset=utf-8"),
                Some(encoding_rs::WINDOWS_1251)
            )
            .contains("Срок")
        );
        // No declaration at all: detection.
        let bare = encoding_rs::WINDOWS_1251
            .encode("<p>Разрешение на постоянное проживание выдается</p>")
            .0;
        assert!(decode(&bare, None, None).contains("Разрешение"));
        // http-equiv form.
        let he = encoding_rs::WINDOWS_1251.encode("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"><p>Срок</p>").0;
        assert!(decode(&he, None, None).contains("Срок"));
    }
}
