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
/// 3: JSON written one leaf per line (`/path: value`) instead of as pretty JSON.
const NORMALISER_VERSION: u32 = 3;

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
    sha256_bytes_hex(text.as_bytes())
}

/// Lower-case hex SHA-256 of bytes (a raw body).
pub(crate) fn sha256_bytes_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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

/// Characters that carry nothing to read and are dropped from page text: zero-width space, BOM,
/// soft hyphen, and the steering ones ([`is_steering`]).
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}') || is_steering(c)
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

/// Folds a quote, or a text a quote is looked for in: [`fold_for_match`], and the cell
/// separator ` | ` of a table row counts as a space, so a quote reads a row as a person does
/// (`Срок оказания услуги: 5 рабочих дней` is in `Срок оказания услуги: | 5 рабочих дней`).
pub(crate) fn fold_for_quote(s: &str) -> String {
    let folded = fold_for_match(s);
    if !folded.contains('|') {
        return folded;
    }
    folded
        .split(' ')
        .filter(|token| *token != "|")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where `quote` occurs in `hay` as whole tokens, both folded by [`fold_for_quote`]: the byte
/// spans in `hay`, in order, not overlapping. A word is never found inside a longer word, nor a
/// number inside a longer number, a decimal or a number written with a space between its
/// thousands: `2 мрп` is not in `12 мрп` nor in `2,5 мрп`, `5 days` not in `15 days` nor in
/// `2.5 days`, `000 тенге` not in `11 000 тенге`, `100 тенге` not in `1 100 тенге`.
pub(crate) fn quote_spans(hay: &str, quote: &str) -> Vec<std::ops::Range<usize>> {
    quote_spans_in_lines(hay, quote, &[])
}

/// [`quote_spans`] in a text whose lines were folded and joined by one space each; `joins` are
/// the positions of those spaces, sorted. A line break is never a thousands separator: `100
/// тенге` on a line after one that ends `Fee: 1` is a whole number.
pub(crate) fn quote_spans_in_lines(
    hay: &str,
    quote: &str,
    joins: &[usize],
) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let Some(first) = quote.chars().next() else {
        return spans;
    };
    let mut from = 0;
    while let Some(found) = hay[from..].find(quote) {
        let at = from + found;
        let end = at + quote.len();
        let join = |space: usize| joins.binary_search(&space).is_ok();
        if starts_a_token(hay, at, quote, join) && ends_a_token(hay, end, quote, join) {
            spans.push(at..end);
            from = end;
        } else {
            from = at + first.len_utf8();
        }
    }
    spans
}

/// Whether a match of `quote` at `at` does not begin inside a token of `hay`.
fn starts_a_token(hay: &str, at: usize, quote: &str, join: impl Fn(usize) -> bool) -> bool {
    let mut chars = quote.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    let mut before = hay[..at].chars().rev();
    let Some(prev) = before.next() else {
        return true;
    };
    if matches!(first, '.' | ',') {
        // The fraction of a decimal, separator and all: `.5 days` in `2.5 days`.
        return !(prev.is_ascii_digit() && chars.next().is_some_and(|c| c.is_ascii_digit()));
    }
    if !first.is_alphanumeric() {
        return true;
    }
    if prev.is_alphanumeric() {
        return false;
    }
    if !first.is_ascii_digit() {
        return true;
    }
    match prev {
        // The fraction of a decimal (`5` in `2.5`), the upper bound of a range (`5` in `3-5`),
        // the denominator of a fraction (`2` in `1/2`).
        '.' | ',' | '-' | '/' => !before.next().is_some_and(|c| c.is_ascii_digit()),
        ' ' if join(at - 1) => true,
        // The upper bound of a spaced range (`5` in `3 - 5`), the last group of a number with
        // spaced thousands (`100` in `1 100`).
        ' ' if range_dash(before.clone()) => false,
        ' ' => !(leading_digits(quote) == 3 && digit_group(before, 1..=3)),
        _ => true,
    }
}

/// Whether a match of `quote` ending at `end` does not end inside a token of `hay`.
fn ends_a_token(hay: &str, end: usize, quote: &str, join: impl Fn(usize) -> bool) -> bool {
    let mut chars = quote.chars().rev();
    let Some(last) = chars.next() else {
        return true;
    };
    let mut after = hay[end..].chars();
    let Some(next) = after.next() else {
        return true;
    };
    if matches!(last, '.' | ',') {
        // The whole part of a decimal, separator and all: `fee is 2.` in `fee is 2.5`.
        return !(next.is_ascii_digit() && chars.next().is_some_and(|c| c.is_ascii_digit()));
    }
    if !last.is_alphanumeric() {
        return true;
    }
    if next.is_alphanumeric() {
        return false;
    }
    if !last.is_ascii_digit() {
        return true;
    }
    match next {
        // The whole part of a decimal (`2` in `2,5`), the lower bound of a range (`3` in
        // `3-5`), the numerator of a fraction (`1` in `1/2`).
        '.' | ',' | '-' | '/' => !after.next().is_some_and(|c| c.is_ascii_digit()),
        ' ' if join(end) => true,
        // The lower bound of a spaced range (`3` in `3 - 5`), the first group of a number with
        // spaced thousands (`2` in `2 500`).
        ' ' if range_dash(after.clone()) => false,
        ' ' => !((1..=3).contains(&trailing_digits(quote)) && digit_group(after, 3..=3)),
        _ => true,
    }
}

/// Whether `chars`, read from the space next to a number, go on as a range to another number:
/// a dash (every dash folds to `-`), at most one space, a digit. `Срок - 5 дней` is no range.
fn range_dash(mut chars: impl Iterator<Item = char>) -> bool {
    if chars.next() != Some('-') {
        return false;
    }
    match chars.next() {
        Some(' ') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        c => c.is_some_and(|c| c.is_ascii_digit()),
    }
}

fn leading_digits(s: &str) -> usize {
    s.chars().take_while(char::is_ascii_digit).count()
}

fn trailing_digits(s: &str) -> usize {
    s.chars().rev().take_while(char::is_ascii_digit).count()
}

/// Whether `chars` begin with a group of `size` digits that ends where its token ends: the
/// group a space sets off in a number with spaced thousands (read backwards, the one to three
/// digits before the space; forwards, the three after it).
fn digit_group(chars: impl Iterator<Item = char>, size: std::ops::RangeInclusive<usize>) -> bool {
    let mut digits = 0;
    for c in chars {
        if c.is_ascii_digit() {
            digits += 1;
            if digits > *size.end() {
                return false;
            }
        } else {
            return size.contains(&digits) && !c.is_alphanumeric();
        }
    }
    size.contains(&digits)
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

    /// How many times `quote` is in `text` by the quote rules.
    fn found(text: &str, quote: &str) -> usize {
        quote_spans(&fold_for_quote(text), &fold_for_quote(quote)).len()
    }

    #[test]
    fn quotes_match_whole_tokens_only() {
        assert_eq!(found("Госпошлина: 12 МРП", "2 МРП"), 0);
        assert_eq!(found("Госпошлина: 2 МРП", "2 МРП"), 1);
        assert_eq!(found("в течение 15 рабочих дней", "5 рабочих дней"), 0);
        assert_eq!(found("Fee: 11 000 тенге", "1 000 тенге"), 0);
        assert_eq!(found("Fee: 1 000 тенге", "1 000 тенге"), 1);
        assert_eq!(found("Fee: 1 100 тенге", "100 тенге"), 0);
        assert_eq!(found("Fee: 2 500 тенге", "fee: 2"), 0);
        assert_eq!(found("within 2.5 days", "5 days"), 0);
        assert_eq!(found("в размере 2,5 МРП", "5 МРП"), 0);
        assert_eq!(found("в размере 2,5 МРП", "размере 2"), 0);
        assert_eq!(found("photo 35x45 mm", "45 mm"), 0);
        assert_eq!(found("паспорта гражданина", "паспорт"), 0);
        assert_eq!(found("the applicant's passport", "applicant"), 1);
        assert_eq!(found("valid until 2026. Then 5 days", "2026"), 1);
        assert_eq!(found("(form 028/u)", "form 028/u"), 1);
        // Punctuation at a quote's edge needs no boundary, unless it splits a number.
        assert_eq!(found("within 45 days.", "45 days."), 1);
        assert_eq!(found("the fee is 2.5 MCI", "fee is 2."), 0);
        assert_eq!(found("USD 100.50", "USD 100."), 0);
        assert_eq!(found("в размере 2,5 МРП", ",5 МРП"), 0);
        assert_eq!(found("the fee is 2. Then", "fee is 2."), 1);
    }

    #[test]
    fn a_bound_of_a_range_or_fraction_is_not_the_figure() {
        assert_eq!(found("3–5 рабочих дней", "5 рабочих дней"), 0);
        assert_eq!(found("от 3 – 5 рабочих дней", "5 рабочих дней"), 0);
        assert_eq!(found("within 10-15 days", "15 days"), 0);
        assert_eq!(found("within 10-15 days", "within 10"), 0);
        assert_eq!(found("within 10 — 15 days", "within 10"), 0);
        assert_eq!(found("1/2 МРП", "2 МРП"), 0);
        assert_eq!(found("3–5 рабочих дней", "3–5 рабочих дней"), 1);
        assert_eq!(found("3-5 рабочих дней", "3–5 рабочих дней"), 1);
        // A dash that is punctuation, not a range: the figure is whole.
        assert_eq!(found("Срок – 5 рабочих дней", "5 рабочих дней"), 1);
        assert_eq!(found("5 рабочих дней – срок", "5 рабочих дней"), 1);
        assert_eq!(found("Fee: 2 - per applicant", "Fee: 2"), 1);
        assert_eq!(found("negative -5 days", "5 days"), 1);
    }

    #[test]
    fn a_quote_reads_a_table_row_as_a_person_does() {
        let row = "Срок оказания услуги: | 5 рабочих дней";
        assert_eq!(found(row, "Срок оказания услуги: 5 рабочих дней"), 1);
        assert_eq!(found(row, "Срок оказания услуги: | 5 рабочих дней"), 1);
        assert_eq!(found("a | | b", "a b"), 1);
        assert_eq!(fold_for_quote("Fee | 4 MCI"), "fee 4 mci");
    }

    #[test]
    fn every_occurrence_is_found() {
        let text = fold_for_quote("Fee: 2 MCI. A copy costs also 2 MCI; never 12 MCI.");
        let spans = quote_spans(&text, &fold_for_quote("2 mci"));
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[1].clone()], "2 mci");
        assert!(quote_spans(&text, "").is_empty());
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
