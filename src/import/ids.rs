//! Ids for what an import drafts: a route's from its page, a fact's from its claim, a new
//! source's from its URL; each valid (`[a-z0-9][a-z0-9._-]*`) and unique where it must be.

use std::collections::HashSet;

use reqwest::Url;

use crate::registry::Registry;
use crate::site::Page;

/// A route id from the page's URL (its last path segment) or its title.
pub(super) fn route_id_for(url: Option<&Url>, page: &Page) -> String {
    let from_url = url
        .and_then(|u| {
            let last = u.path_segments()?.rfind(|s| !s.is_empty())?;
            // `pr-it.html` names the route `pr-it`.
            Some(slug(last.rsplit_once('.').map_or(last, |(stem, _)| stem)))
        })
        .filter(|s| !s.is_empty());
    from_url
        .or_else(|| page.title.as_deref().map(slug))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "imported-route".to_string())
}

/// A fact id from its claim's first words, unique in the route.
pub(super) fn unique_fact_id(claim: &str, taken: &mut HashSet<String>) -> String {
    let base = slug(claim);
    let base = if base.is_empty() {
        "fact".to_string()
    } else {
        base
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

/// Lowercase ASCII words joined by `-`, Cyrillic transliterated, at most five words and 48
/// characters: a valid id (`[a-z0-9][a-z0-9._-]*`).
fn slug(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        match translit(c) {
            Some(t) if !t.is_empty() => word.push_str(t),
            Some(_) => {}
            None if c.is_ascii_alphanumeric() => word.push(c),
            None => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let stop = [
        "a", "an", "the", "of", "for", "and", "or", "to", "in", "on", "v", "i", "na",
    ];
    let mut out = String::new();
    for w in words.iter().filter(|w| !stop.contains(&w.as_str())).take(5) {
        if out.len() + w.len() + 1 > 48 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(w);
    }
    out
}

/// Russian and Kazakh letters in Latin (BGN/PCGN-like, ASCII only).
fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'й' | 'і' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ұ' | 'ү' => "u",
        'ф' => "f",
        'х' | 'һ' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        'ә' => "a",
        'ғ' => "gh",
        'қ' => "q",
        'ң' => "ng",
        'ө' => "o",
        _ => return None,
    })
}

/// A new source's id from its URL, unique among the registry's and those drafted (`taken`).
pub(super) fn unique_source_id(registry: &Registry, taken: &[&str], url: &Url) -> String {
    let base = crate::probe::id_for(url);
    let taken = |id: &str| registry.sources.iter().any(|s| s.id == id) || taken.contains(&id);
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{}-{n}", &base[..base.len().min(60)]);
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_from_words_in_any_script() {
        assert_eq!(slug("Job offer: Required"), "job-offer-required");
        assert_eq!(
            slug("Срок рассмотрения: 15 рабочих дней."),
            "srok-rassmotreniya-15-rabochikh-dnei"
        );
        assert_eq!(
            slug("Копия паспорта иностранца"),
            "kopiya-pasporta-inostrantsa"
        );
        let mut taken = HashSet::new();
        assert_eq!(unique_fact_id("Job offer", &mut taken), "job-offer");
        assert_eq!(unique_fact_id("Job offer", &mut taken), "job-offer-2");
        assert!(crate::registry::is_valid_id(&slug(
            "Қызмет көрсету мерзімі – 30 күн"
        )));
    }
}
