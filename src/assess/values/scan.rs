//! Where a value may start and end, and the spans no value may take (references, codes,
//! contacts).

use regex::{Captures, Match, Regex};

// ---------------------------------------------------------------------------
// Boundaries.
// ---------------------------------------------------------------------------

pub(super) fn char_before(line: &str, i: usize) -> Option<char> {
    line[..i].chars().next_back()
}

pub(super) fn char_at(line: &str, i: usize) -> Option<char> {
    line.get(i..).and_then(|s| s.chars().next())
}

/// A value must not start in the middle of a word or of a code: "B9-1",
/// "A5", "ст.5" glued, "3.2.1", "10:30", "+7".
pub(super) fn left_ok(line: &str, start: usize) -> bool {
    let Some(first) = char_at(line, start) else {
        return true;
    };
    if !first.is_alphanumeric() {
        return true;
    }
    let Some(p) = char_before(line, start) else {
        return true;
    };
    if p.is_alphanumeric() || p == '_' {
        return false;
    }
    if !first.is_ascii_digit() {
        return true;
    }
    let before_p = char_before(line, start - p.len_utf8());
    match p {
        '/' | '\\' | '#' | '№' | '@' | '+' => false,
        '.' | ',' | ':' => !before_p.is_some_and(|c| c.is_ascii_digit()),
        '-' | '‑' | '–' | '—' | '−' => !before_p.is_some_and(char::is_alphanumeric),
        _ => true,
    }
}

/// A value must not end in the middle of a word or of a code: "009pass",
/// "028/u", "5-бап", "1.2.3", "123-45-67". `allow_suffix` lets a date take
/// a Kazakh case ending after a hyphen ("09.06.2026-дан").
pub(super) fn right_ok(line: &str, end: usize, allow_suffix: bool) -> bool {
    let Some(last) = char_before(line, end) else {
        return true;
    };
    let Some(n) = char_at(line, end) else {
        return true;
    };
    if !last.is_alphanumeric() {
        return true;
    }
    if n.is_alphanumeric() || n == '_' {
        return false;
    }
    if !last.is_ascii_digit() {
        return true;
    }
    let after = char_at(line, end + n.len_utf8());
    match n {
        '/' | '\\' | '@' | '°' => false,
        '.' | ',' | ':' => !after.is_some_and(|c| c.is_ascii_digit()),
        '-' | '‑' => match after {
            Some(c) if c.is_ascii_digit() => false,
            Some(c) if c.is_alphabetic() => allow_suffix,
            _ => true,
        },
        _ => true,
    }
}

/// Run `re` over the line, restarting one character after a rejected match
/// (rather than after its end) so that a rejected long match cannot hide a
/// valid one starting inside it. `accept` sees the bare match first, so
/// cheap rejections never pay for capture groups.
pub(super) fn scan<'h>(re: &Regex, line: &'h str, mut accept: impl FnMut(Match<'h>) -> bool) {
    let mut pos = 0;
    while pos <= line.len() {
        let Some(m) = re.find_at(line, pos) else {
            break;
        };
        if accept(m) && m.end() > m.start() {
            pos = m.end();
        } else {
            pos = m.start() + char_at(line, m.start()).map_or(1, char::len_utf8);
        }
    }
}

/// Capture groups of a match `scan` found. Searching again from its start,
/// in a haystack cut at its end, yields the same match (leftmost-first
/// semantics do not depend on where the search began, and no pattern looks
/// ahead) while keeping the capture engine's work to the match itself.
pub(super) fn captures<'h>(re: &Regex, line: &'h str, m: Match<'h>) -> Captures<'h> {
    re.captures_at(&line[..m.end()], m.start())
        .expect("a match found by find_at is found again from its start")
}

/// The end to use for a match whose optional tail (a unit, "года") may have
/// grabbed only the start of a longer word: the full end if it is a clean
/// boundary, else the end of the mandatory core, else nothing.
pub(super) fn settle_end(
    line: &str,
    full: usize,
    core: usize,
    allow_suffix: bool,
) -> Option<usize> {
    if right_ok(line, full, allow_suffix) {
        Some(full)
    } else if core < full && right_ok(line, core, allow_suffix) {
        Some(core)
    } else {
        None
    }
}

pub(super) fn group<'h>(caps: &Captures<'h>, names: &[&str]) -> Option<Match<'h>> {
    names.iter().find_map(|n| caps.name(n))
}

pub(super) const CURRENCY_MARKERS: &[&str] = &[
    "₸",
    "$",
    "€",
    "₽",
    "тенге",
    "теңге",
    "тг",
    "tenge",
    "kzt",
    "usd",
    "eur",
    "rub",
    "руб",
    "доллар",
    "dollar",
    "евро",
    "euro",
];
pub(super) const MCI_MARKERS: &[&str] = &[
    "mci",
    "mrp",
    "мрп",
    "аек",
    "показател",
    "monthly",
    "көрсеткіш",
];
pub(super) const PERCENT_MARKERS: &[&str] = &[
    "%",
    "процент",
    "пайыз",
    "percent",
    "per cent",
    "per\u{A0}cent",
];

pub(super) fn contains_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

/// Lower-case copy of the line with the same byte offsets, so that patterns
/// can be case-sensitive (much smaller automata than `(?i)` over Cyrillic)
/// while spans still index the original line. The rare character whose
/// lower case has another UTF-8 length is left as it is.
pub(super) fn fold_case(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.chars().any(char::is_uppercase) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut folded = String::with_capacity(line.len());
    for c in line.chars() {
        // Fast paths for the two scripts of nearly every page; the Unicode
        // case tables are slow enough to show up in a profile.
        match c {
            'A'..='Z' => folded.push(c.to_ascii_lowercase()),
            'А'..='Я' | 'Ѐ'..='Џ' => {
                let offset = if c < 'А' { 0x50 } else { 0x20 };
                folded.push(char::from_u32(c as u32 + offset).unwrap_or(c));
            }
            _ if c.is_ascii() || ('а'..='џ').contains(&c) => folded.push(c),
            _ => {
                let mut lower = c.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(l), None) if l.len_utf8() == c.len_utf8() => folded.push(l),
                    _ => folded.push(c),
                }
            }
        }
    }
    std::borrow::Cow::Owned(folded)
}

pub(super) fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

pub(super) fn block_spans(re: &Regex, line: &str, out: &mut Vec<std::ops::Range<usize>>) {
    scan(re, line, |m| {
        if left_ok(line, m.start()) && right_ok(line, m.end(), true) {
            out.push(m.range());
            true
        } else {
            false
        }
    });
}
