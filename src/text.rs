//! Text rules every stage shares: Unicode NFC, the folding that quote matching compares on, the
//! SHA-256 that names a text, and the version of the normaliser that made it.
//!
//! This is a leaf: it imports no other module of the crate, so the registry (which folds quotes
//! to reject empty ones), extraction (which writes NFC text), assessment (which matches quotes)
//! and the store (which checks that a text still hashes to its name) can all use it without
//! reaching into each other.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

/// Bumped whenever the text produced for the same page changes, so stored text and validators
/// are not trusted across a normaliser change (see `Source::extract_fingerprint`), and
/// baselines are re-extracted from their raw bodies. 2: control and bidi characters dropped.
const NORMALISER_VERSION: u32 = 2;

/// The normaliser's version. `SOURCEWATCH_NORMALISER_VERSION` overrides it: a test hook that
/// plays a release whose normaliser changed.
pub(crate) fn normaliser_version() -> u32 {
    std::env::var("SOURCEWATCH_NORMALISER_VERSION")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(NORMALISER_VERSION)
}

/// Lower-case hex SHA-256 of a text: the name it is stored under.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `s` looks like what [`sha256_hex`] returns. Store files and reports carry hashes that
/// people can edit; anything else is refused before it is used as a file name or sliced.
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The first twelve characters of a hash, as reports show it; never panics on odd input.
pub(crate) fn short_sha(s: &str) -> &str {
    match s.char_indices().nth(12) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Unicode NFC; borrowed (no copy) when the text already is, as nearly all pages are.
pub(crate) fn nfc(text: &str) -> Cow<'_, str> {
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
pub(crate) fn is_trivially_nfc(text: &str) -> bool {
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
pub(crate) fn is_nfc_starter(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{2FF}'
        | '\u{400}'..='\u{482}'
        | '\u{48A}'..='\u{4FF}'
        | '\u{2010}'..='\u{205F}'
        | '\u{20A0}'..='\u{20C0}'
        | '\u{2116}')
}

/// Characters that make printed text read otherwise than it holds or drive a terminal: the C0
/// and C1 controls (ESC, BEL, backspace, …) and the bidi embeddings, overrides and isolates.
/// Page text loses them at extraction; registry text holding one is refused.
pub(crate) fn is_steering(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Folds text for quote matching: case, whitespace and line breaks, typographic quotes, dashes
/// and apostrophes do not count, nor does ё against е (Russian print and official pages use
/// both for the same letter: "платёж" and "платеж" are one word).
pub(crate) fn fold_for_match(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in nfc(s).chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`'
            | '\u{00B4}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => '"',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            '\u{200B}' | '\u{FEFF}' | '\u{00AD}' => continue,
            'ё' | 'Ё' => 'е',
            other => other,
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn folding_ignores_yo() {
        assert_eq!(fold_for_match("Платёж ЁЛКА"), fold_for_match("платеж елка"));
        assert_eq!(
            fold_for_match("«Госпошлина» — 4 МРП"),
            "\"госпошлина\" - 4 мрп"
        );
    }

    #[test]
    fn hashes_are_checked_and_shortened_safely() {
        let h = sha256_hex("x");
        assert!(is_sha256_hex(&h));
        assert!(!is_sha256_hex("x"));
        assert_eq!(short_sha(&h).len(), 12);
        assert_eq!(short_sha("x"), "x");
        assert_eq!(short_sha("ééééééééééééé"), "éééééééééééé");
    }
}
