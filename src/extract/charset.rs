//! Bytes → text: which charset a body is in. Order: the source's override, the Content-Type
//! charset, a BOM, a `<meta>` declaration in the first bytes, then statistical detection.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// Decodes a body to text. Order: the source's override, the Content-Type charset, a BOM, a
/// `<meta>` declaration in the first bytes, then statistical detection.
pub(crate) fn decode<'a>(
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
