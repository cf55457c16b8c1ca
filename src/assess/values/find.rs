//! The finders: each kind proposes candidates; overlaps are settled in `resolve`.

use super::ValueKind;
use super::canon::{
    CURRENCY_PREFIXES, canon_num, duration_unit, iso_date, multiplier_exp, prefix_lookup,
    range_end, range_unit, shift_decimal,
};
use super::nouns::is_count_noun;
use super::patterns::{
    BETWEEN_TAIL, CELL_NUMBER, COUNT, DATE, DIMENSION, DURATION, MCI, MONEY, NUM_AT, PERCENT,
    RANGE, RANGE_UNIT,
};
use super::scan::{captures, char_at, group, left_ok, overlaps, right_ok, scan, settle_end};

// ---------------------------------------------------------------------------
// Finders. Each pushes candidates; overlaps are settled afterwards.
// ---------------------------------------------------------------------------

pub(super) struct Candidate {
    pub(super) kind: ValueKind,
    pub(super) span: std::ops::Range<usize>,
    pub(super) key: String,
}

pub(super) fn find_dates(line: &str, out: &mut Vec<Candidate>) {
    scan(&DATE, line, |m| {
        if !left_ok(line, m.start()) {
            return false;
        }
        let caps = &captures(&DATE, line, m);
        let (year, core_end) = match group(caps, &["iy", "dy", "ty", "ey", "ky"]) {
            Some(y) => (y.as_str(), y.end()),
            None => return false,
        };
        let key = if let Some(mo) = caps.name("im").or(caps.name("dm")) {
            let day = group(caps, &["id", "dd"]).map_or("", |d| d.as_str());
            mo.as_str()
                .parse()
                .ok()
                .and_then(|mo| iso_date(year, mo, day))
        } else {
            let month = group(caps, &["tm", "em", "km"])
                .and_then(|w| super::months::month_number(w.as_str()));
            let day = group(caps, &["td", "ed", "kd"]).map_or("", |d| d.as_str());
            month.and_then(|mo| iso_date(year, mo, day))
        };
        // Kazakh "2026 жылғы 9 маусым" ends with the month, not the year.
        let core_end = caps.name("km").map_or(core_end, |km| km.end());
        let Some(key) = key else { return false };
        let Some(end) = settle_end(line, m.end(), core_end, true) else {
            return false;
        };
        out.push(Candidate {
            kind: ValueKind::Date,
            span: m.start()..end,
            key,
        });
        true
    });
}

pub(super) fn find_ranges(line: &str, out: &mut Vec<Candidate>) {
    scan(&RANGE, line, |m| {
        if !left_ok(line, m.start()) {
            return false;
        }
        let caps = &captures(&RANGE, line, m);
        let (Some(a), Some(b)) = (
            group(caps, &["a1", "a2", "a3", "a4", "a5"]),
            group(caps, &["b1", "b2", "b3", "b4", "b5"]),
        ) else {
            return false;
        };
        if !left_ok(line, a.start()) {
            return false;
        }
        let (end, unit) = if caps.name("b4").is_some() {
            // Kazakh "…-ден …-ке дейін" carries its unit inside the match.
            if !right_ok(line, m.end(), false) {
                return false;
            }
            let unit = group(caps, &["u4", "v4"]).and_then(|u| range_unit(u.as_str()));
            (m.end(), unit)
        } else {
            let tail = RANGE_UNIT
                .find(&line[b.end()..])
                .map(|u| (b.end() + u.end(), u.as_str()))
                .filter(|(end, _)| right_ok(line, *end, false));
            match tail {
                Some((end, u)) => (end, range_unit(u)),
                None if right_ok(line, b.end(), false) => (b.end(), None),
                None => return false,
            }
        };
        let end = match BETWEEN_TAIL.find(&line[end..]) {
            Some(t) if caps.name("b3").is_some() && right_ok(line, end + t.end(), false) => {
                end + t.end()
            }
            _ => end,
        };
        let (ka, va) = range_end(a.as_str());
        let (kb, vb) = range_end(b.as_str());
        // "65–18" is not a range people write; a reversed pair is more likely
        // a code or a score.
        // NaN (an unreadable end) compares as unordered and is rejected too.
        if va.partial_cmp(&vb) != Some(std::cmp::Ordering::Less) {
            return false;
        }
        let key = match unit {
            Some(u) => format!("{ka}..{kb} {u}"),
            None => format!("{ka}..{kb}"),
        };
        out.push(Candidate {
            kind: ValueKind::Range,
            span: m.start()..end,
            key,
        });
        true
    });
}

pub(super) fn find_dimensions(line: &str, out: &mut Vec<Candidate>) {
    scan(&DIMENSION, line, |m| {
        if !left_ok(line, m.start()) {
            return false;
        }
        let caps = &captures(&DIMENSION, line, m);
        let core = caps
            .name("c")
            .or(caps.name("b"))
            .map_or(m.end(), |g| g.end());
        let Some(end) = settle_end(line, m.end(), core, false) else {
            return false;
        };
        let unit = caps
            .name("u")
            .filter(|u| u.end() <= end)
            .map(|u| u.as_str());
        // Centimetres become millimetres so that "3,5 x 4,5 cm" and
        // "35x45 mm" are the same photo size.
        let (exp, unit) = match unit {
            Some("cm" | "см") => (1, Some("mm")),
            Some("mm" | "мм") => (0, Some("mm")),
            Some("m" | "м") => (0, Some("m")),
            Some(_) => (0, Some("px")),
            None => (0, None),
        };
        let sides: Vec<String> = ["a", "b", "c"]
            .iter()
            .filter_map(|g| caps.name(g))
            .map(|g| shift_decimal(&canon_num(g.as_str()), exp))
            .collect();
        let mut key = sides.join("x");
        if let Some(u) = unit {
            key = format!("{key} {u}");
        }
        out.push(Candidate {
            kind: ValueKind::Dimension,
            span: m.start()..end,
            key,
        });
        true
    });
}

pub(super) fn find_money(line: &str, out: &mut Vec<Candidate>) {
    scan(&MONEY, line, |m| {
        if !left_ok(line, m.start()) {
            return false;
        }
        let caps = &captures(&MONEY, line, m);
        let (Some(n), Some(c)) = (group(caps, &["n1", "n2"]), group(caps, &["c1", "c2"])) else {
            return false;
        };
        if !left_ok(line, n.start()) {
            return false;
        }
        let mult = group(caps, &["m1", "m2"]);
        let core = if caps.name("n2").is_some() {
            n.end()
        } else {
            m.end()
        };
        let Some(end) = settle_end(line, m.end(), core, false) else {
            return false;
        };
        let Some(code) = prefix_lookup(c.as_str(), CURRENCY_PREFIXES) else {
            return false;
        };
        let mut amount = canon_num(n.as_str());
        if let Some(mult) = mult.filter(|g| g.end() <= end) {
            amount = shift_decimal(&amount, multiplier_exp(mult.as_str()));
        }
        out.push(Candidate {
            kind: ValueKind::Money,
            span: m.start()..end,
            key: format!("{amount} {code}"),
        });
        true
    });
}

pub(super) fn find_mci(line: &str, out: &mut Vec<Candidate>) {
    scan(&MCI, line, |m| {
        if !left_ok(line, m.start()) || !right_ok(line, m.end(), false) {
            return false;
        }
        let caps = &captures(&MCI, line, m);
        let Some(n) = group(caps, &["n1", "n2"]) else {
            return false;
        };
        if !left_ok(line, n.start()) {
            return false;
        }
        out.push(Candidate {
            kind: ValueKind::Mci,
            span: m.range(),
            key: format!("{} MCI", canon_num(n.as_str())),
        });
        true
    });
}

pub(super) fn find_percents(line: &str, out: &mut Vec<Candidate>) {
    scan(&PERCENT, line, |m| {
        if !left_ok(line, m.start()) || !right_ok(line, m.end(), false) {
            return false;
        }
        let caps = &captures(&PERCENT, line, m);
        out.push(Candidate {
            kind: ValueKind::Percent,
            span: m.range(),
            key: format!("{}%", canon_num(&caps["n"])),
        });
        true
    });
}

/// Where the number that starts at `at` ends, and its canonical form. The
/// search is bounded by the enclosing match so it cannot read past it.
pub(super) fn number_at(line: &str, at: usize, bound: usize) -> Option<(String, usize)> {
    let m = NUM_AT.find(&line[at..bound])?;
    Some((canon_num(m.as_str()), at + m.end()))
}

/// Skip what may follow the digits of a number before its unit: a Russian
/// case ending ("3-х") and a spelled-out number in parentheses.
pub(super) fn skip_spelled(line: &str, at: usize, bound: usize) -> usize {
    const ENDINGS: &[&str] = &["-ти", "-ми", "-ух", "-ёх", "-ех", "-х", "-и", "‑х"];
    let at = ENDINGS
        .iter()
        .find(|e| {
            line[at..bound].starts_with(*e)
                && !char_at(line, at + e.len()).is_some_and(char::is_alphanumeric)
        })
        .map_or(at, |e| at + e.len());
    let rest = &line[at..bound];
    let trimmed = rest.trim_start();
    match (trimmed.starts_with('('), trimmed.find(')')) {
        (true, Some(close)) => at + (rest.len() - trimmed.len()) + close + 1,
        _ => at,
    }
}

/// Durations run on every line with a digit, so their parts are read back
/// from the match text (number, then at most a qualifier and a unit word)
/// instead of paying for capture groups.
pub(super) fn find_durations(line: &str, out: &mut Vec<Candidate>) {
    scan(&DURATION, line, |m| {
        if !left_ok(line, m.start()) || !right_ok(line, m.end(), false) {
            return false;
        }
        let Some((n, num_end)) = number_at(line, m.start(), m.end()) else {
            return false;
        };
        let rest = &line[skip_spelled(line, num_end, m.end())..m.end()];
        let rest = rest.trim_start().trim_start_matches(['-', '‑']);
        let words: Vec<&str> = rest.split_whitespace().collect();
        let unit = match words.as_slice() {
            [unit] => duration_unit(None, unit),
            [qualifier, unit] => duration_unit(Some(qualifier), unit),
            _ => None,
        };
        let Some(unit) = unit else {
            return false;
        };
        out.push(Candidate {
            kind: ValueKind::Duration,
            span: m.range(),
            key: format!("{n} {unit}"),
        });
        true
    });
}

/// A plausible quantity: no leading zero (codes like "009", "010000"),
/// not an identifier-length digit string.
pub(super) fn plausible_count(raw: &str) -> bool {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    !(digits.len() > 9 || (digits.len() > 1 && digits.starts_with('0')))
}

/// `folded` is the case-folded line the patterns run on; `line` is the
/// original, needed to see whether the noun was capitalised.
pub(super) fn find_counts(
    line: &str,
    folded: &str,
    taken: &[Candidate],
    blocked: &[std::ops::Range<usize>],
    out: &mut Vec<Candidate>,
) {
    let free = |span: &std::ops::Range<usize>| {
        !taken.iter().any(|c| overlaps(&c.span, span)) && !blocked.iter().any(|b| overlaps(b, span))
    };
    scan(&COUNT, folded, |m| {
        if !left_ok(folded, m.start()) || !right_ok(folded, m.end(), false) || !free(&m.range()) {
            return false;
        }
        // The noun is the last word of the match; the number its start.
        let noun_at = m.start()
            + m.as_str()
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(i, c)| i + c.len_utf8());
        let Some((n, _)) = number_at(folded, m.start(), m.end()) else {
            return false;
        };
        if !plausible_count(&folded[m.start()..noun_at]) || !is_count_noun(&line[noun_at..m.end()])
        {
            return false;
        }
        let w = &folded[noun_at..m.end()];
        out.push(Candidate {
            kind: ValueKind::Count,
            span: m.range(),
            key: format!("{n} {w}"),
        });
        true
    });
    // A bare number filling a table cell is a quantity ("Copies | 2"). The
    // first filled cell is skipped: it is where row numbers live, and a
    // renumbered row is not a changed fact.
    if line.contains('|') {
        let mut offset = 0;
        let mut first = true;
        for cell in line.split('|') {
            let lead = cell.len() - cell.trim_start().len();
            let trimmed = cell.trim();
            let span = offset + lead..offset + lead + trimmed.len();
            offset += cell.len() + 1;
            if trimmed.is_empty() {
                continue;
            }
            if std::mem::take(&mut first)
                || !CELL_NUMBER.is_match(trimmed)
                || !plausible_count(trimmed)
            {
                continue;
            }
            if free(&span) && !out.iter().any(|c| overlaps(&c.span, &span)) {
                out.push(Candidate {
                    kind: ValueKind::Count,
                    span,
                    key: canon_num(trimmed),
                });
            }
        }
    }
}
