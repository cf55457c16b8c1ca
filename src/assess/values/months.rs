//! Month names as official pages write them in dates, in one table that the date pattern, the
//! count filter ("5 июня" counts nothing) and the canonical date all read.

/// Per month: Russian in the genitive ("9 июня"), Kazakh in the nominative stem ("маусым",
/// followed by case endings on the page), English in full and short ("jun", "sept").
pub(super) const MONTHS: [Month; 12] = [
    Month::new("января", "қаңтар", "january", &["jan"]),
    Month::new("февраля", "ақпан", "february", &["feb"]),
    Month::new("марта", "наурыз", "march", &["mar"]),
    Month::new("апреля", "сәуір", "april", &["apr"]),
    Month::new("мая", "мамыр", "may", &[]),
    Month::new("июня", "маусым", "june", &["jun"]),
    Month::new("июля", "шілде", "july", &["jul"]),
    Month::new("августа", "тамыз", "august", &["aug"]),
    Month::new("сентября", "қыркүйек", "september", &["sept", "sep"]),
    Month::new("октября", "қазан", "october", &["oct"]),
    Month::new("ноября", "қараша", "november", &["nov"]),
    Month::new("декабря", "желтоқсан", "december", &["dec"]),
];

pub(super) struct Month {
    pub(super) ru: &'static str,
    pub(super) kk: &'static str,
    pub(super) en: &'static str,
    pub(super) en_short: &'static [&'static str],
}

impl Month {
    const fn new(
        ru: &'static str,
        kk: &'static str,
        en: &'static str,
        en_short: &'static [&'static str],
    ) -> Month {
        Month {
            ru,
            kk,
            en,
            en_short,
        }
    }
}

/// The forms of one language as a regex alternation, longer forms first (the leftmost-first
/// engine keeps the first alternative that matches): `@RUM@`, `@ENM@`, `@KZM@`.
pub(super) fn alternation(forms: impl Fn(&Month) -> Vec<&'static str>) -> String {
    let mut all: Vec<&str> = MONTHS.iter().flat_map(forms).collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
    all.join("|")
}

/// The month a word of a date names: a Russian or English form, with or without a final dot,
/// or a Kazakh stem with its case ending.
pub(super) fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|m| {
            m.ru == w || m.en == w || m.en_short.contains(&w.as_str()) || w.starts_with(m.kk)
        })
        .map(|i| i as u32 + 1)
}

/// Whether a word is a month name (a number before it is a day, not a count).
pub(super) fn is_month(word: &str) -> bool {
    month_number(word).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_names_its_month() {
        assert_eq!(month_number("июня"), Some(6));
        assert_eq!(month_number("Sept."), Some(9));
        assert_eq!(month_number("маусымда"), Some(6));
        assert_eq!(month_number("May"), Some(5));
        assert_eq!(month_number("июнь"), None);
        assert!(alternation(|m| m.en_short.to_vec()).starts_with("sept|"));
    }
}
