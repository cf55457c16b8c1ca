//! Canonical forms: the key two values are compared by.

// ---------------------------------------------------------------------------
// Canonical forms.
// ---------------------------------------------------------------------------

pub(super) fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{A0}' | '\u{202F}' | '\u{2009}')
}

/// Digits with an optional "." decimal part, no leading zeros in the integer
/// part, no trailing zeros in the fraction: "1 500,50" → "1500.5",
/// "$1,500" → "1500", "0,5" → "0.5", "10.000" → "10000".
pub(super) fn canon_num(raw: &str) -> String {
    let spaced = raw.chars().any(is_group_space);
    let s: String = raw.chars().filter(|c| !is_group_space(*c)).collect();
    let (int, frac) = match (s.rfind(','), s.rfind('.')) {
        (Some(c), Some(d)) => {
            // Both present: the later one is the decimal separator.
            let at = c.max(d);
            let int: String = s[..at].chars().filter(char::is_ascii_digit).collect();
            (int, s[at + 1..].to_string())
        }
        (Some(at), None) | (None, Some(at)) => {
            let sep = if s.as_bytes()[at] == b',' { ',' } else { '.' };
            let parts: Vec<&str> = s.split(sep).collect();
            // One separator followed by exactly three digits is a thousands
            // group ("1,500", "10.000"), unless the number starts with "0"
            // or already used spaces for grouping ("1 500,500").
            let grouped = parts.len() > 2
                || (parts[1].len() == 3 && parts[0] != "0" && parts[0].len() <= 3 && !spaced);
            if grouped {
                (parts.concat(), String::new())
            } else {
                (parts[0].to_string(), parts[1].to_string())
            }
        }
        (None, None) => (s, String::new()),
    };
    join_num(&int, &frac)
}

pub(super) fn join_num(int: &str, frac: &str) -> String {
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// Multiply a canonical number by 10^exp without going through floats, so
/// that "1.5 млн" is exactly "1500000".
pub(super) fn shift_decimal(num: &str, exp: usize) -> String {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let mut frac = frac.to_string();
    while frac.len() < exp {
        frac.push('0');
    }
    let (moved, rest) = frac.split_at(exp);
    join_num(&format!("{int}{moved}"), rest)
}

pub(super) fn num_value(canon: &str) -> f64 {
    canon.parse().unwrap_or(f64::NAN)
}

pub(super) fn prefix_lookup(word: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(prefix, _)| word.starts_with(prefix))
        .map(|(_, canon)| *canon)
}

pub(super) const UNIT_PREFIXES: &[(&str, &str)] = &[
    ("day", "day"),
    ("дн", "day"),
    ("день", "day"),
    ("сут", "day"),
    ("күн", "day"),
    ("week", "week"),
    ("недел", "week"),
    ("апта", "week"),
    ("month", "month"),
    ("месяц", "month"),
    ("месячн", "month"),
    ("ай", "month"),
    ("year", "year"),
    ("год", "year"),
    ("лет", "year"),
    ("жыл", "year"),
    ("жас", "year"),
    ("hour", "hour"),
    ("час", "hour"),
    ("сағат", "hour"),
    ("min", "minute"),
    ("мин", "minute"),
];

// "business" and "working" days are the same thing in the law; "calendar"
// and "banking" are not.
pub(super) const QUALIFIER_PREFIXES: &[(&str, &str)] = &[
    ("calendar", "calendar"),
    ("календарн", "calendar"),
    ("күнтізбелік", "calendar"),
    ("working", "working"),
    ("business", "working"),
    ("work", "working"),
    ("рабоч", "working"),
    ("жұмыс", "working"),
    ("banking", "banking"),
    ("банковск", "banking"),
];

pub(super) const CURRENCY_PREFIXES: &[(&str, &str)] = &[
    ("₸", "KZT"),
    ("тенге", "KZT"),
    ("теңге", "KZT"),
    ("тг", "KZT"),
    ("tenge", "KZT"),
    ("kzt", "KZT"),
    ("$", "USD"),
    ("usd", "USD"),
    ("доллар", "USD"),
    ("dollar", "USD"),
    ("€", "EUR"),
    ("eur", "EUR"),
    ("евро", "EUR"),
    ("₽", "RUB"),
    ("rub", "RUB"),
    ("руб", "RUB"),
];

pub(super) fn duration_unit(qualifier: Option<&str>, unit: &str) -> Option<String> {
    let unit = prefix_lookup(unit, UNIT_PREFIXES)?;
    match qualifier.and_then(|q| prefix_lookup(q, QUALIFIER_PREFIXES)) {
        Some(q) => Some(format!("{q}-{unit}")),
        None => Some(unit.to_string()),
    }
}

pub(super) fn multiplier_exp(word: &str) -> usize {
    if ["млрд", "миллиард", "billion", "bn"]
        .iter()
        .any(|p| word.starts_with(p))
    {
        9
    } else if ["млн", "миллион", "million", "mln"]
        .iter()
        .any(|p| word.starts_with(p))
    {
        6
    } else {
        3
    }
}

/// Canonical unit of a range's trailing unit text.
pub(super) fn range_unit(text: &str) -> Option<String> {
    let l = text.trim();
    if l.is_empty() {
        return None;
    }
    if l == "%"
        || ["процент", "пайыз", "percent", "per"]
            .iter()
            .any(|p| l.starts_with(p))
    {
        return Some("%".into());
    }
    if ["mci", "mrp", "мрп", "аек", "месячн", "monthly", "айлық"]
        .iter()
        .any(|p| l.starts_with(p))
    {
        return Some("MCI".into());
    }
    match l {
        "мм" | "mm" => return Some("mm".into()),
        "см" | "cm" => return Some("cm".into()),
        _ => {}
    }
    if let Some(code) = prefix_lookup(l, CURRENCY_PREFIXES) {
        return Some(code.into());
    }
    let words: Vec<&str> = l.split_whitespace().collect();
    match words.as_slice() {
        [unit] => duration_unit(None, unit),
        [qualifier, unit] => duration_unit(Some(qualifier), unit),
        _ => None,
    }
}

pub(super) fn iso_date(y: &str, m: u32, d: &str) -> Option<String> {
    let y: u32 = y.parse().ok()?;
    let d: u32 = d.parse().ok()?;
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1900..=2100).contains(&y) || d == 0 || d > days {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A range endpoint: a clock time ("9:00" → "09:00", compared in minutes)
/// or a number.
pub(super) fn range_end(raw: &str) -> (String, f64) {
    if let Some((h, m)) = raw.split_once(':') {
        let h: u32 = h.parse().unwrap_or(99);
        let m: u32 = m.parse().unwrap_or(99);
        if h > 24 || m > 59 {
            return (String::new(), f64::NAN);
        }
        return (format!("{h:02}:{m:02}"), f64::from(h * 60 + m));
    }
    let c = canon_num(raw);
    let v = num_value(&c);
    (c, v)
}
