//! The site's own route pages, held against the registry: does the page still state each fact's
//! claim, which figures on it does no fact watch, and does the date it shows agree with the
//! facts' (docs/site.md).
//!
//! ```text
//! site/
//!   mod.rs      a fact's claim found on a page; a route's coverage
//!   capture.rs  one polite read of a route page, kept in the store for status
//!   page.rs     a route page's HTML → blocks under headings, its date, its links
//!   date.rs     "Last verified …" in three languages
//!   claims.rs   blocks → claims (rows, items, sentences with a typed value), boilerplate left out
//! ```

mod capture;
mod claims;
mod date;
mod page;

pub(crate) use capture::{PageCapture, capture, load, load_all, save};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub(crate) use claims::{Claim, ClaimKind, claims};
pub(crate) use page::{Page, PageError, read};

use crate::text::fold_for_quote;

/// What a route page said when it was last read: kept in the store so `status` can hold the
/// current registry against it without a fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PageClaims {
    pub(crate) title: Option<String>,
    pub(crate) last_verified: Option<NaiveDate>,
    pub(crate) claims: Vec<Claim>,
    /// The article's other text (paragraphs without a figure, the sections that hold no
    /// claims): a fact's claim found there is still published, though it is no claim to watch.
    #[serde(default)]
    pub(crate) other: Vec<String>,
}

impl PageClaims {
    pub(crate) fn of(page: &Page) -> PageClaims {
        let claims = claims(page);
        let claimed: std::collections::HashSet<&str> =
            claims.iter().map(|c| c.text.as_str()).collect();
        let other = page
            .blocks
            .iter()
            .filter(|b| !claimed.contains(b.text.as_str()))
            .map(|b| b.text.clone())
            .collect();
        PageClaims {
            title: page.title.clone(),
            last_verified: page.last_verified,
            claims,
            other,
        }
    }
}

/// Words and numbers of a text as quote matching folds them, without punctuation: a claim
/// `Job offer: Required` reads the row `Job offer | Required`.
fn tokens(s: &str) -> Vec<String> {
    fold_for_quote(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Where a fact's claim stands on a page: the claim it matches, or the closest when none does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OnPage {
    /// Index into the page's claims; `None` when the page states it in its other text.
    Stated(Option<usize>),
    /// Not stated: the page's most similar claim and how similar (0–1), if it has any claim.
    Differs(Option<(String, f32)>),
}

/// Whether `line` states `claim`: its words and numbers, whole and in order, with typed values
/// that agree. The size of the line when it does (the tighter the better).
fn states(line: &str, wanted: &[String], values: &[crate::assess::Value]) -> Option<usize> {
    let have = tokens(line);
    let holds = have.windows(wanted.len()).any(|w| w == wanted);
    (holds && crate::assess::values_agree(values, &crate::assess::values_in(line)))
        .then_some(have.len())
}

/// Whether the page states `claim`: in one of its claims (the tightest such claim when several
/// hold it), else anywhere in the article's other text.
pub(crate) fn find_claim(page: &PageClaims, claim: &str) -> OnPage {
    let wanted = tokens(claim);
    if wanted.is_empty() {
        return OnPage::Differs(None);
    }
    let values = crate::assess::values_in(claim);
    let best = page
        .claims
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, states(&c.text, &wanted, &values)?)))
        .min_by_key(|(_, size)| *size);
    if let Some((i, _)) = best {
        return OnPage::Stated(Some(i));
    }
    if page
        .other
        .iter()
        .any(|line| states(line, &wanted, &values).is_some())
    {
        return OnPage::Stated(None);
    }
    let folded = fold_for_quote(claim);
    let closest = page
        .claims
        .iter()
        .map(|c| {
            (
                c.text.clone(),
                crate::compare::similarity(&folded, &fold_for_quote(&c.text)),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    OnPage::Differs(closest)
}

/// A route's facts held against its page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coverage {
    /// Per fact, in the order given.
    pub(crate) facts: Vec<OnPage>,
    /// The page's claims no fact's claim matches, as the page writes them.
    pub(crate) unmonitored: Vec<String>,
    pub(crate) claims: usize,
    pub(crate) monitored: usize,
}

/// Where each of the route's facts' `claims` stands on the page, and the page's claims no fact
/// watches.
pub(crate) fn coverage(page: &PageClaims, claims: &[&str]) -> Coverage {
    let found: Vec<OnPage> = claims.iter().map(|c| find_claim(page, c)).collect();
    let mut watched = vec![false; page.claims.len()];
    for on in &found {
        if let OnPage::Stated(Some(i)) = on {
            watched[*i] = true;
        }
    }
    let unmonitored = page
        .claims
        .iter()
        .zip(&watched)
        .filter(|(_, w)| !**w)
        .map(|(c, _)| c.text.clone())
        .collect();
    Coverage {
        facts: found,
        unmonitored,
        claims: page.claims.len(),
        monitored: watched.iter().filter(|w| **w).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Page {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(match name {
            "route-en.html" => "examples/site/kz-pr-it-specialists.html".to_string(),
            other => format!("tests/fixtures/site/{other}"),
        });
        let html = std::fs::read_to_string(path).unwrap().replace(
            "{official}",
            "https://egov.kz/cms/en/services/for_foreigners/009pass_mvd",
        );
        let base = reqwest::Url::parse("https://example.org/kazakhstan/pr-it").unwrap();
        read(&html, Some(&base), &[], &[]).unwrap()
    }

    #[test]
    fn a_seed_shaped_page_claims_its_rows_documents_and_figures() {
        let page = fixture("route-en.html");
        assert!(
            page.title
                .as_deref()
                .unwrap()
                .starts_with("Issuance of permit")
        );
        assert_eq!(page.last_verified, NaiveDate::from_ymd_opt(2026, 6, 9));
        assert!(
            page.links
                .iter()
                .any(|l| l.as_str() == "https://egov.kz/cms/en/services/for_foreigners/009pass_mvd")
        );
        let claims = claims(&page);
        let texts: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.len(), 21, "{texts:#?}");
        assert_eq!(
            &texts[..5],
            [
                "Job offer | Required",
                "Employer sponsor | Required",
                "Work experience | 2+ years",
                "Health insurance | Required (valid in-country)",
                "Age range | 18–65"
            ]
        );
        assert_eq!(texts[5], "Initial stay: 12 months.");
        assert_eq!(
            texts[6],
            "Application for the issuance of a permanent residence permit"
        );
        assert_eq!(texts[20], "Typical processing: ~45 days.");
        assert_eq!(claims[20].section.as_deref(), Some("How to apply"));
        assert_eq!(claims[0].section.as_deref(), Some("Who is eligible"));
    }

    #[test]
    fn a_russian_page_claims_its_rows_figures_and_documents() {
        let page = fixture("route-ru.html");
        assert_eq!(page.last_verified, NaiveDate::from_ymd_opt(2026, 6, 1));
        let texts: Vec<String> = claims(&page).into_iter().map(|c| c.text).collect();
        assert_eq!(
            texts,
            [
                "Возраст | от 18 лет",
                "Приглашение работодателя | Не требуется",
                "Срок рассмотрения: 15 рабочих дней.",
                "Разрешение выдаётся на срок до 12 месяцев.",
                "Государственная пошлина — 2 МРП.",
                "Заявление о выдаче разрешения трудовому иммигранту",
                "Копия паспорта иностранца",
                "Медицинская справка о состоянии здоровья (форма 075/у)",
            ]
        );
    }

    fn claim(text: &str) -> Claim {
        Claim {
            section: None,
            kind: ClaimKind::Row,
            text: text.to_string(),
        }
    }

    #[test]
    fn a_claim_is_found_by_its_words_and_agreeing_values() {
        let page = PageClaims {
            claims: vec![
                claim("Job offer | Required"),
                claim("Age range | 18–65"),
                claim("Typical processing: ~45 days."),
                claim("Work experience | 2+ years"),
            ],
            other: vec!["“A medical examination certificate is required.”".into()],
            ..PageClaims::default()
        };
        assert_eq!(
            find_claim(&page, "Job offer: Required"),
            OnPage::Stated(Some(0))
        );
        assert_eq!(
            find_claim(&page, "Age range: 18–65"),
            OnPage::Stated(Some(1))
        );
        assert_eq!(
            find_claim(&page, "Typical processing: ~45 days"),
            OnPage::Stated(Some(2))
        );
        assert_eq!(
            find_claim(&page, "Work experience: 2+ years"),
            OnPage::Stated(Some(3))
        );
        assert_eq!(
            find_claim(&page, "A medical examination certificate is required"),
            OnPage::Stated(None)
        );
        match find_claim(&page, "Typical processing: ~30 days") {
            OnPage::Differs(Some((text, sim))) => {
                assert_eq!(text, "Typical processing: ~45 days.");
                assert!(sim > 0.8, "{sim}");
            }
            other => panic!("{other:?}"),
        }
        // A whole number, never part of one.
        assert!(matches!(
            find_claim(&page, "Age range: 8–65"),
            OnPage::Differs(_)
        ));
    }
}
