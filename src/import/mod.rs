//! `import PAGE_URL|FILE`: a `[[routes]]` block drafted from a published route page, so a site
//! with a hundred routes gets its registry in minutes instead of days (docs/site.md).
//!
//! One polite fetch of the page (refused unless it is HTML) or a saved file, read into claims as
//! `check` reads it. Each claim becomes a fact: its id made from its words, its `claim` the page's
//! own wording, its `last_verified` the page's own date. Its `source` is the official page the
//! route page links to that a `[[sources]]` URL names (an official link not yet in the registry
//! gets a drafted `[[sources]]` block, its `select` suggested as `probe` suggests one). Its `quote`
//! is the passage of that source's text (the latest stored capture, else one polite fetch) that
//! best supports the claim and whose typed values agree with it; when no passage does, there is no
//! quote and a comment says so: never a guess. Each fact says how sure its quote is.
//!
//! Every request of an import goes through one `Fetcher`, as a check's do: robots.txt is asked
//! once per origin, and the host's limits and interval hold between the route page and the
//! official pages it links to.
//!
//! The draft is printed as TOML; `--write` appends it to `sources.toml` under the store's lock,
//! leaving every byte already there as it was, after checking that the file with it still
//! validates, and refuses a route id that exists.

mod ids;
mod support;

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use reqwest::Url;

use crate::fetch::{Fetcher, Response};
use crate::registry::edit::toml_str;
use crate::registry::{Registry, Source};
use crate::store::Store;
use ids::{route_id_for, unique_fact_id, unique_source_id};
use support::{Support, best_passage, claim_text};

/// What an import drafted.
pub(crate) struct Draft {
    /// The TOML to print or append.
    pub(crate) toml: String,
    pub(crate) route: String,
    pub(crate) facts: usize,
    pub(crate) quotes: usize,
    pub(crate) drafted_sources: usize,
}

/// Where the page comes from: a URL, fetched as a source made of it, or a saved file.
enum Origin {
    Url(Arc<Source>),
    File(std::path::PathBuf),
}

pub(crate) fn import(
    registry: &Registry,
    page_arg: &str,
    route_id: Option<&str>,
    today: NaiveDate,
) -> anyhow::Result<Draft> {
    let settings = &registry.settings;
    let origin = match Url::parse(page_arg) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            Origin::Url(Arc::new(Source::page("import", url, settings)))
        }
        _ => Origin::File(page_arg.into()),
    };
    let runtime = crate::runtime::build().context("starting the async runtime")?;
    // One fetcher for every request of the import, as for a check: robots.txt once per origin,
    // the host's limits and interval between its requests. It knows the registry's sources (their
    // own CA files) and the page; a linked page is fetched under its guard like any other name.
    let mut known = registry.sources.clone();
    if let Origin::Url(source) = &origin {
        known.push(source.clone());
    }
    let fetcher = Fetcher::new(settings, &known).context("building the HTTP client")?;
    let (page, page_url) = match &origin {
        Origin::Url(source) => {
            let url = &source.url;
            let response = runtime
                .block_on(fetch_page(&fetcher, source))
                .with_context(|| format!("reading the route page {url}"))?;
            refuse_non_html(url, &response)?;
            let final_url = Url::parse(&response.final_url).unwrap_or_else(|_| url.clone());
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
            let text = stored_text(store.as_ref(), &source.id).or_else(|| {
                let fetched = runtime.block_on(fetch_text(&fetcher, source, settings.timeout));
                fetched.ok()
            });
            candidates.push(Candidate {
                id: source.id.clone(),
                url: (*link).clone(),
                text,
                drafted: None,
            });
        } else if candidates.iter().all(|c| !same_page(&c.url, link)) {
            let drafted: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
            let id = unique_source_id(registry, &drafted, link);
            let source = Source::page(&id, (*link).clone(), settings);
            let fetched = runtime.block_on(fetch_page(&fetcher, &source)).ok();
            let text = fetched.as_ref().and_then(|response| {
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
                    response: fetched,
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
/// must validate before anything is written (atomically). The caller holds the store's lock
/// (`_locked`), so no `verify` or `check --refresh` edits the file at the same time.
pub(crate) fn write(
    registry: &Registry,
    draft: &Draft,
    today: NaiveDate,
    _locked: &Store,
) -> anyhow::Result<()> {
    let path = &registry.path;
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        // A site starting out has no sources.toml yet: the draft makes it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => bail!("reading {}: {e}; nothing was written", path.display()),
    };
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
        // A draft is made once, by a person waiting: the search gets ten seconds.
        let deadline = crate::dom::Deadline::after(std::time::Duration::from_secs(10));
        crate::extract::candidates(&d.source, r, &quotes, &deadline)
            .found
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

/// One polite fetch through the import's fetcher (robots.txt, the User-Agent, the host's gate,
/// walls): the response, or why there is none.
async fn fetch_page(fetcher: &Fetcher, source: &Source) -> anyhow::Result<Response> {
    match fetcher.get_body(source).await {
        Ok((response, _)) => Ok(response),
        Err(e) => bail!("{}: {e}", e.outcome()),
    }
}

/// A source's text from one polite fetch, extracted with its own settings.
async fn fetch_text(
    fetcher: &Fetcher,
    source: &Source,
    timeout: std::time::Duration,
) -> anyhow::Result<String> {
    let response = fetch_page(fetcher, source).await?;
    Ok(crate::extract::extract(source, &response, timeout)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .text)
}

/// A route page is HTML: its Content-Type is `text/html` or `application/xhtml+xml`. A page sent
/// without a Content-Type is taken as HTML when its body starts with markup (`<`, after a
/// byte-order mark and white space), as a browser would sniff it; anything else is refused.
fn refuse_non_html(url: &Url, response: &Response) -> anyhow::Result<()> {
    let what = match response.content_type.as_deref().map(str::trim) {
        Some(ct) if !ct.is_empty() => match crate::registry::media_type(ct).as_str() {
            "text/html" | "application/xhtml+xml" => return Ok(()),
            _ => format!("its Content-Type is {ct}"),
        },
        _ => {
            let body = response
                .body
                .strip_prefix(b"\xef\xbb\xbf")
                .unwrap_or(&response.body);
            if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
                return Ok(());
            }
            "it has no Content-Type and does not start with markup".to_string()
        }
    };
    bail!("{url} is not an HTML page ({what}): import reads a route page as the site publishes it")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a sources.toml that does not exist reads as empty: one that cannot be read (here not
    /// UTF-8) is an error, and its bytes stay as they were.
    #[test]
    fn write_refuses_a_sources_toml_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        let bytes = b"[settings]\ncontact = \"ops@\xff.org\"\n";
        std::fs::write(&path, bytes).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let registry = crate::registry::parse(&path, "", today).unwrap();
        let store = Store::open(&dir.path().join("snapshots")).unwrap();
        let draft = Draft {
            toml: "[[routes]]\nid = \"r\"\ntitle = \"R\"\n".into(),
            route: "r".into(),
            facts: 0,
            quotes: 0,
            drafted_sources: 0,
        };
        let error = write(&registry, &draft, today, &store).unwrap_err();
        assert!(error.to_string().contains("nothing was written"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}
