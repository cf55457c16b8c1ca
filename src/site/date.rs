//! The date a route page says its facts were last verified: "Last verified 2026-06-09",
//! "Последняя проверка: 01.06.2026", "Соңғы тексеру: 01.06.2026", or a `<time datetime>` beside
//! such words. Anywhere on the page: sites print it in a footer as often as under the title.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::page::text_of;

/// The words that introduce the date, in English, Russian and Kazakh.
static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:last\s+verified|last\s+checked|last\s+reviewed|verified\s+on|checked\s+on",
        r"|последн\w*\s+проверк\w*|проверен\w*|дата\s+проверки",
        r"|соңғы\s+тексер\w*|тексерілген\s+күні)",
    ))
    .expect("a valid pattern")
});

/// How far after the words the date may start.
const REACH: usize = 48;

/// Whether a sentence says when the page was verified: the page's own date, not a claim.
pub(crate) fn says_verified(text: &str) -> bool {
    WORDS.is_match(text)
}

pub(crate) fn last_verified(doc: &Html) -> Option<NaiveDate> {
    let text = text_of(*doc.root_element());
    for m in WORDS.find_iter(&text) {
        let after = &text[m.end()..];
        // The date is in the same sentence: "Last verified: see below. Fee …" has none.
        let sentence = after.split(". ").next().unwrap_or(after);
        let window: String = sentence.chars().take(REACH).collect();
        if let Some(date) = crate::assess::first_date(&window) {
            return Some(date);
        }
    }
    // `<time datetime="2026-06-09">` in an element that says the words.
    let time = Selector::parse("time[datetime]").expect("a valid selector");
    doc.select(&time).find_map(|t| {
        let parent = t.parent().and_then(ElementRef::wrap)?;
        if !WORDS.is_match(&text_of(*parent)) {
            return None;
        }
        let stamp = t.value().attr("datetime")?;
        NaiveDate::parse_from_str(stamp.get(..10)?, "%Y-%m-%d").ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date_of(html: &str) -> Option<String> {
        let doc = Html::parse_document(html);
        last_verified(&doc).map(|d| d.to_string())
    }

    #[test]
    fn the_words_and_the_date_in_three_languages() {
        assert_eq!(
            date_of("<footer>Informational only. Last verified 2026-06-09.</footer>").as_deref(),
            Some("2026-06-09")
        );
        assert_eq!(
            date_of("<p>Последняя проверка: 01.06.2026</p>").as_deref(),
            Some("2026-06-01")
        );
        assert_eq!(
            date_of("<p>Соңғы тексеру: 01.06.2026</p>").as_deref(),
            Some("2026-06-01")
        );
        assert_eq!(
            date_of("<p>Last verified on 9 June 2026</p>").as_deref(),
            Some("2026-06-09")
        );
        assert_eq!(
            date_of(r#"<p>Last verified: <time datetime="2026-06-09T10:00:00Z">June</time></p>"#)
                .as_deref(),
            Some("2026-06-09")
        );
        assert_eq!(date_of("<p>Published 2026-06-09</p>"), None);
        assert_eq!(
            date_of("<p>Last verified: see below. Fee 2026-06-09</p>"),
            None
        );
    }
}
