//! `import PAGE_URL|FILE`: a `[[routes]]` block drafted from a published route page, so a site
//! with a hundred routes gets its registry in minutes instead of days (docs/site.md).
//!
//! One polite fetch of the page (or a saved file), read into claims as `check` reads it. Each
//! claim becomes a fact: its id made from its words, its `claim` the page's own wording, its
//! `last_verified` the page's own date. Its `source` is the official page the route page links
//! to that a `[[sources]]` URL names (an official link not yet in the registry gets a drafted
//! `[[sources]]` block, its `select` suggested as `probe` suggests one). Its `quote` is the
//! passage of that source's text (the latest stored capture, else one polite fetch) that best
//! supports the claim and whose typed values agree with it; when no passage does, there is no
//! quote and a comment says so: never a guess. Each fact says how sure its quote is.
//!
//! The draft is printed as TOML; `--write` appends it to `sources.toml`, leaving every byte
//! already there as it was, after checking that the file with it still validates, and refuses a
//! route id that exists.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use reqwest::Url;

use crate::assess::{values_agree, values_in};
use crate::fetch::{Fetched, Fetcher, Response};
use crate::registry::{Registry, Settings, Source};
use crate::site::{Claim, ClaimKind, Page};
use crate::store::Store;
use crate::text::fold_for_quote;

/// A quote is offered when its passage holds at least this share of the claim's words; below,
/// a reviewer would not recognise the claim in it. Measured on the fixtures: the passages a
/// reviewer accepts share 0.6–1.0 of the claim's words, the next best unrelated item under 0.4.
const LEAST_SHARE: f64 = 0.5;

/// For a claim whose typed values a passage states alike, the words may differ more: the page
/// says "Typical processing: ~45 days", the official page "rendered within 45 calendar days".
const LEAST_SHARE_WITH_VALUES: f64 = 0.25;

/// What an import drafted.
pub(crate) struct Draft {
    /// The TOML to print or append.
    pub(crate) toml: String,
    pub(crate) route: String,
    pub(crate) facts: usize,
    pub(crate) quotes: usize,
    pub(crate) drafted_sources: usize,
}

/// Where the page comes from.
enum Origin {
    Url(Url),
    File(std::path::PathBuf),
}

pub(crate) fn import(
    registry: &Registry,
    page_arg: &str,
    route_id: Option<&str>,
    today: NaiveDate,
) -> anyhow::Result<Draft> {
    let origin = match Url::parse(page_arg) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Origin::Url(url),
        _ => Origin::File(page_arg.into()),
    };
    let settings = &registry.settings;
    let runtime = crate::runtime::build().context("starting the async runtime")?;
    let (page, page_url) = match &origin {
        Origin::Url(url) => {
            let (response, final_url) = runtime
                .block_on(fetch_page(settings, url))
                .with_context(|| format!("reading the route page {url}"))?;
            let html =
                crate::extract::decode(&response.body, response.content_type.as_deref(), None);
            let page = crate::site::read(&html, Some(&final_url), &[], &[])
                .with_context(|| format!("{url} is not a page sourcewatch can read"))?;
            (page, Some(url.clone()))
        }
        Origin::File(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let html = crate::extract::decode(&bytes, None, None);
            let page = crate::site::read(&html, None, &[], &[]).with_context(|| {
                format!("{} is not a page sourcewatch can read", path.display())
            })?;
            (page, None)
        }
    };
    let claims = crate::site::claims(&page);
    if claims.is_empty() {
        bail!(
            "{page_arg}: no claims found (no table row, list item or sentence with a figure in \
             its article); nothing to import"
        );
    }
    let route_id = match route_id {
        Some(id) => id.to_string(),
        None => route_id_for(page_url.as_ref(), &page),
    };
    if registry.route(&route_id).is_some() {
        bail!(
            "route {route_id:?} is already in {}: choose another id with --route",
            registry.path.display()
        );
    }
    let site_host = page_url
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string));
    // Official pages: links the registry knows as sources, and links off the site's own host.
    let official: Vec<&Url> = page
        .links
        .iter()
        .filter(|l| {
            registry.sources.iter().any(|s| same_page(&s.url, l))
                || l.host_str().map(str::to_string) != site_host
        })
        .collect();

    // The official pages the facts may rest on: known sources first, then drafts.
    let mut candidates: Vec<Candidate> = Vec::new();
    let store = Store::open_read(&settings.snapshots_dir).ok();
    for link in &official {
        if let Some(source) = registry.sources.iter().find(|s| same_page(&s.url, link)) {
            let text = stored_text(store.as_ref(), &source.id)
                .or_else(|| runtime.block_on(fetch_text(settings, source)).ok());
            candidates.push(Candidate {
                id: source.id.clone(),
                url: (*link).clone(),
                text,
                drafted: None,
            });
        } else if candidates.iter().all(|c| !same_page(&c.url, link)) {
            let id = unique_source_id(registry, &candidates, link);
            let source = Source::page(&id, (*link).clone(), settings);
            let fetched = runtime.block_on(fetch_page(settings, link)).ok();
            let text = fetched.as_ref().and_then(|(response, _)| {
                let extracted =
                    runtime.block_on(crate::extract::extract(&source, response, settings.timeout));
                extracted.ok().map(|e| e.text)
            });
            candidates.push(Candidate {
                id,
                url: (*link).clone(),
                text,
                drafted: Some(DraftedSource {
                    source,
                    response: fetched.map(|(r, _)| r),
                }),
            });
        }
    }

    let last_verified = page.last_verified;
    let mut facts: Vec<DraftFact> = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    for claim in &claims {
        let text = claim_text(claim);
        let id = unique_fact_id(&text, &mut ids);
        let best = candidates
            .iter()
            .filter_map(|c| Some((c, best_passage(c.text.as_deref()?, &text))))
            .max_by(|a, b| a.1.score().total_cmp(&b.1.score()));
        let (source, support) = match best {
            Some((c, s)) => (Some(c.id.clone()), s),
            None => (candidates.first().map(|c| c.id.clone()), Support::NoText),
        };
        facts.push(DraftFact {
            id,
            claim: text,
            section: claim.section.clone(),
            source,
            support,
        });
    }

    let mut toml = String::new();
    toml.push_str(&format!(
        "# Drafted by `sourcewatch import {page_arg}` on {today}: read every claim and quote before \
         committing.\n"
    ));
    if official.is_empty() {
        toml.push_str("# The page links to no official page: set each fact's source by hand.\n");
    }
    let mut drafted_sources = 0;
    for c in &candidates {
        if let Some(d) = &c.drafted {
            drafted_sources += 1;
            toml.push_str(&source_block(c, d, &facts));
        }
    }
    toml.push_str("\n[[routes]]\n");
    toml.push_str(&format!("id = {}\n", toml_str(&route_id)));
    let title = page.title.clone().unwrap_or_else(|| route_id.clone());
    toml.push_str(&format!("title = {}\n", toml_str(&title)));
    match &page_url {
        Some(url) => toml.push_str(&format!("page = {}\n", toml_str(url.as_str()))),
        None => toml.push_str("# page = \"https://…\"   # where the site publishes this route\n"),
    }
    let date = match last_verified {
        Some(d) => d,
        None => {
            toml.push_str(&format!(
                "# The page shows no \"Last verified\" date: each fact carries the day of the \
                 import ({today}); verify them before relying on it.\n"
            ));
            today
        }
    };
    let mut section: Option<&str> = None;
    let mut quotes = 0;
    for f in &facts {
        if f.section.as_deref() != section {
            section = f.section.as_deref();
            if let Some(s) = section {
                toml.push_str(&format!("\n# --- {s}\n"));
            }
        }
        toml.push_str("\n[[routes.facts]]\n");
        toml.push_str(&format!("id = {}\n", toml_str(&f.id)));
        toml.push_str(&format!("claim = {}\n", toml_str(&f.claim)));
        match &f.source {
            Some(s) => toml.push_str(&format!("source = {}\n", toml_str(s))),
            None => toml.push_str("source = \"\"   # no official page linked: set it\n"),
        }
        match &f.support {
            Support::Quote {
                passage,
                share,
                values,
            } => {
                quotes += 1;
                let sure = if *share >= 0.8 { "sure" } else { "likely" };
                let values = if *values { ", typed values agree" } else { "" };
                toml.push_str(&format!(
                    "quote = {}   # {sure}: {:.0}% of the claim's words{values}\n",
                    toml_str(passage),
                    share * 100.0
                ));
            }
            Support::Disagrees { passage } => toml.push_str(&format!(
                "# no quote: the closest passage, {}, states other values\n",
                toml_str(passage)
            )),
            Support::Weak { share, .. } if *share == 0.0 => {
                toml.push_str("# no quote: no passage of the official page names it\n");
            }
            Support::Weak { passage, share } => toml.push_str(&format!(
                "# no quote: the closest passage, {}, shares only {:.0}% of the claim's words\n",
                toml_str(passage),
                share * 100.0
            )),
            Support::NoText => toml.push_str(
                "# no quote: the official page's text could not be read (fetch it with `sourcewatch \
                 check`, then import again)\n",
            ),
        }
        toml.push_str(&format!("last_verified = {date}\n"));
    }
    Ok(Draft {
        toml,
        route: route_id,
        facts: facts.len(),
        quotes,
        drafted_sources,
    })
}

/// Appends the draft to `sources.toml`: the bytes already there stay as they are; the result
/// must validate before anything is written (atomically).
pub(crate) fn write(registry: &Registry, draft: &Draft, today: NaiveDate) -> anyhow::Result<()> {
    let path = &registry.path;
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut new = old.clone();
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push('\n');
    new.push_str(&draft.toml);
    crate::registry::parse(path, &new, today).map_err(|e| {
        anyhow::anyhow!("the draft would not make a valid sources.toml; nothing was written:\n{e}")
    })?;
    crate::atomic::edit_synced(path, new.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

struct Candidate {
    id: String,
    url: Url,
    /// The official page's text, when it could be had.
    text: Option<String>,
    drafted: Option<DraftedSource>,
}

struct DraftedSource {
    source: Source,
    response: Option<Response>,
}

struct DraftFact {
    id: String,
    claim: String,
    section: Option<String>,
    source: Option<String>,
    support: Support,
}

/// How a source's text supports a claim.
enum Support {
    /// The passage to quote: `share` of the claim's words are in it; `values`: the claim has
    /// typed values and they agree.
    Quote {
        passage: String,
        share: f64,
        values: bool,
    },
    /// The most alike passage states other values.
    Disagrees {
        passage: String,
    },
    /// The most alike passage shares too little of the claim.
    Weak {
        passage: String,
        share: f64,
    },
    NoText,
}

impl Support {
    fn score(&self) -> f64 {
        match self {
            Support::Quote { share, .. } => 2.0 + share,
            Support::Weak { share, .. } => *share,
            Support::Disagrees { .. } => 0.1,
            Support::NoText => 0.0,
        }
    }
}

/// A claim as a fact states it: a row's label and value read as one phrase.
fn claim_text(claim: &Claim) -> String {
    let text = claim.text.trim().trim_end_matches('.').to_string();
    match claim.kind {
        ClaimKind::Row => {
            let cells: Vec<&str> = text.split(" | ").collect();
            match cells.as_slice() {
                [label, rest @ ..] if !rest.is_empty() => {
                    format!("{}: {}", label.trim_end_matches(':'), rest.join(", "))
                }
                _ => text,
            }
        }
        _ => text,
    }
}

/// Words that say nothing of which claim a passage states: a passage that shares only these
/// with a claim does not support it ("Job offer: Required" is not in "A medical certificate is
/// required").
const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "to",
    "in",
    "on",
    "at",
    "by",
    "from",
    "with",
    "and",
    "or",
    "is",
    "are",
    "be",
    "must",
    "shall",
    "may",
    "required",
    "requires",
    "valid",
    "not",
    "no",
    "as",
    "this",
    "that",
    "its",
    "per",
    "via",
    "over",
    "under",
    "within",
    "up",
    "yes",
    "и",
    "в",
    "во",
    "на",
    "с",
    "со",
    "по",
    "для",
    "от",
    "до",
    "о",
    "об",
    "не",
    "или",
    "к",
    "у",
    "из",
    "за",
    "при",
    "требуется",
    "обязательно",
    "необходимо",
    "және",
    "мен",
    "бен",
    "пен",
    "үшін",
    "талап",
    "етіледі",
    "қажет",
];

/// A text's words that name what it is about: folded, punctuation and [`FILLER`] left out.
fn words(s: &str) -> HashSet<String> {
    fold_for_quote(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .map(str::to_string)
        .collect()
}

/// The passage of `text` (a sentence, item or row) that best supports `claim`.
///
/// A claim that states typed values ("~45 days", "18–65") is supported by a passage that
/// states a value of the same kind that agrees ("within 45 calendar days") and shares at least
/// [`LEAST_SHARE_WITH_VALUES`] of its words; a passage of the same kind with other values is
/// said to differ, never quoted. A claim without values needs a passage that holds at least
/// [`LEAST_SHARE`] of its words. Ties go to more words shared, then to the more alike text.
fn best_passage(text: &str, claim: &str) -> Support {
    let wanted = words(claim);
    let claim_values = values_in(claim);
    if wanted.is_empty() {
        return Support::NoText;
    }
    struct Scored {
        agree: bool,
        same_kind: bool,
        share: f64,
        closeness: f32,
        passage: String,
    }
    let mut scored: Vec<Scored> = Vec::new();
    for line in text.lines() {
        for sentence in crate::assess::sentences(line) {
            let passage = sentence.trim_start_matches("- ").trim();
            let have = words(passage);
            if have.is_empty() {
                continue;
            }
            let values = values_in(passage);
            scored.push(Scored {
                agree: values_agree(&claim_values, &values),
                same_kind: claim_values
                    .iter()
                    .any(|c| values.iter().any(|v| v.kind == c.kind)),
                share: wanted.intersection(&have).count() as f64 / wanted.len() as f64,
                closeness: crate::compare::similarity(
                    &fold_for_quote(claim),
                    &fold_for_quote(passage),
                ),
                passage: passage.to_string(),
            });
        }
    }
    let by_words = |a: &&Scored, b: &&Scored| {
        (a.share, a.closeness)
            .partial_cmp(&(b.share, b.closeness))
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let quote = |s: &Scored| Support::Quote {
        passage: s.passage.clone(),
        share: s.share,
        values: !claim_values.is_empty(),
    };
    if !claim_values.is_empty() {
        let of_kind = || {
            scored
                .iter()
                .filter(|s| s.same_kind && s.share >= LEAST_SHARE_WITH_VALUES)
        };
        if let Some(best) = of_kind().filter(|s| s.agree).max_by(by_words) {
            return quote(best);
        }
        if let Some(best) = of_kind().max_by(by_words) {
            return Support::Disagrees {
                passage: best.passage.clone(),
            };
        }
    }
    if let Some(best) = scored
        .iter()
        .filter(|s| s.agree && s.share >= LEAST_SHARE)
        .max_by(by_words)
    {
        return quote(best);
    }
    match scored.iter().max_by(by_words) {
        Some(best) => Support::Weak {
            passage: best.passage.clone(),
            share: best.share,
        },
        None => Support::NoText,
    }
}

/// A `[[sources]]` block for an official page the registry does not have yet, its `select`
/// the tightest element holding the quotes found on it (as `probe` suggests).
fn source_block(c: &Candidate, d: &DraftedSource, facts: &[DraftFact]) -> String {
    let mut quotes: Vec<&str> = facts
        .iter()
        .filter(|f| f.source.as_deref() == Some(c.id.as_str()))
        .filter_map(|f| match &f.support {
            Support::Quote { passage, .. } => Some(passage.as_str()),
            _ => None,
        })
        .collect();
    quotes.sort_unstable();
    quotes.dedup();
    let mut out =
        String::from("\n# An official page the route page links to, not yet in the registry.\n");
    out.push_str("[[sources]]\n");
    out.push_str(&format!("id = {}\n", toml_str(&c.id)));
    out.push_str(&format!("url = {}\n", toml_str(c.url.as_str())));
    let suggested = d.response.as_ref().and_then(|r| {
        crate::extract::candidates(&d.source, r, &quotes)
            .into_iter()
            .next()
    });
    match suggested {
        Some(best) => out.push_str(&format!(
            "select = [{}]   # holds {} of the {} passages quoted below\n",
            toml_str(&best.selector),
            best.quotes_found,
            quotes.len()
        )),
        None if d.response.is_none() => {
            out.push_str("# the page could not be fetched: run `sourcewatch probe` on it\n");
        }
        None => out.push_str("# no element holds a quote: the whole page is watched\n"),
    }
    out
}

/// One polite fetch of a page (robots.txt, the User-Agent, the host's gate): its response and
/// final URL, or why there is none.
async fn fetch_page(settings: &Settings, url: &Url) -> anyhow::Result<(Response, Url)> {
    let source = Arc::new(Source::page("import", url.clone(), settings));
    let fetcher = Fetcher::new(settings, std::slice::from_ref(&source))?;
    match fetcher.get(&source, None).await {
        Ok((Fetched::Body(response), _)) => {
            let final_url = Url::parse(&response.final_url).unwrap_or_else(|_| url.clone());
            Ok((response, final_url))
        }
        Ok((Fetched::NotModified { .. }, _)) => {
            bail!("HTTP 304 to a request that was not conditional")
        }
        Err(e) => bail!("{}: {e}", e.outcome()),
    }
}

/// A registry source's text from one polite fetch, extracted with its own settings.
async fn fetch_text(settings: &Settings, source: &Arc<Source>) -> anyhow::Result<String> {
    let fetcher = Fetcher::new(settings, std::slice::from_ref(source))?;
    match fetcher.get(source, None).await {
        Ok((Fetched::Body(response), _)) => {
            Ok(crate::extract::extract(source, &response, settings.timeout)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .text)
        }
        Ok((Fetched::NotModified { .. }, _)) => bail!("HTTP 304"),
        Err(e) => bail!("{e}"),
    }
}

/// The latest stored text of a source, if the store has one.
fn stored_text(store: Option<&Store>, id: &str) -> Option<String> {
    let folder = store?.source(id);
    let latest = folder.state().ok()?.latest?;
    folder.verified_text(&latest.sha256).ok()
}

/// Two URLs name one page: same host and path (a trailing slash aside), and the same query
/// when the registry's has one (`?lang=en` picks a language).
fn same_page(known: &Url, link: &Url) -> bool {
    let path = |u: &Url| u.path().trim_end_matches('/').to_string();
    known.host_str().map(str::to_ascii_lowercase) == link.host_str().map(str::to_ascii_lowercase)
        && path(known) == path(link)
        && (known.query().is_none() || known.query() == link.query())
}

fn unique_source_id(registry: &Registry, drafted: &[Candidate], url: &Url) -> String {
    let base = crate::probe::id_for(url);
    let taken = |id: &str| {
        registry.sources.iter().any(|s| s.id == id) || drafted.iter().any(|c| c.id == id)
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{}-{n}", &base[..base.len().min(60)]);
        n += 1;
    }
    id
}

/// A route id from the page's URL (its last path segment) or its title.
fn route_id_for(url: Option<&Url>, page: &Page) -> String {
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
fn unique_fact_id(claim: &str, taken: &mut HashSet<String>) -> String {
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

fn toml_str(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
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

    #[test]
    fn a_quote_is_offered_only_when_values_agree() {
        let text = "Term of rendering the service\nThe service is rendered within 45 calendar days.\n\
                    - Application for the issuance of a permanent residence permit";
        match best_passage(text, "Typical processing: ~45 days") {
            Support::Quote {
                passage, values, ..
            } => {
                assert_eq!(passage, "The service is rendered within 45 calendar days.");
                assert!(values);
            }
            _ => panic!("a quote"),
        }
        assert!(matches!(
            best_passage(text, "Typical processing: ~30 days"),
            Support::Disagrees { .. }
        ));
        match best_passage(
            text,
            "Application for the issuance of a permanent residence permit",
        ) {
            Support::Quote { passage, share, .. } => {
                assert_eq!(
                    passage,
                    "Application for the issuance of a permanent residence permit"
                );
                assert!(share > 0.99);
            }
            _ => panic!("a quote"),
        }
        assert!(matches!(
            best_passage(text, "Certificate of fingerprinting"),
            Support::Weak { .. }
        ));
        // Words that say nothing of the claim do not make a quote.
        assert!(matches!(
            best_passage("A medical certificate is required.", "Job offer: Required"),
            Support::Weak { .. }
        ));
    }
}
