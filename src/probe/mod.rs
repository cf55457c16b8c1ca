//! `probe`: what a source's settings would capture, before anyone commits to them.
//!
//! One polite fetch (robots.txt, the User-Agent, and the `[settings]` of `sources.toml` when
//! there is one, else the defaults), through the same [`Fetcher`] and the same extraction as a
//! check; nothing is written (no `snapshots/`, no lock). It prints the normalised text, whether
//! each quote is in it (matched as checks match fact quotes), the selectors that would hold the
//! quotes (`extract::candidates`, each verified by the real extraction), and a `[[sources]]`
//! block to paste.
//!
//! The settings are built the way `sources.toml` is read: a one-source registry text is made
//! from the flags (and, with `--source ID`, that source's own settings) and validated by the
//! registry, so a bad selector or regex gets the very message `validate` gives, named after the
//! flag it came from. With `--source ID`, `--select` replaces the source's selectors (one tries
//! another selection), `--exclude`, `--ignore` and `--quote` add to the source's rules and its
//! facts' quotes, and a URL or `--render` replace its own.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use reqwest::Url;
use serde::Serialize;

use crate::assess::CurrentText;
use crate::cli::{Cli, ProbeArgs, ProbeFormat, ProbeRender};
use crate::extract::{self, Candidate};
use crate::fetch::{Fetched, Fetcher};
use crate::outcome::Outcome;
use crate::registry::edit::toml_str;
use crate::registry::{self, Format, Registry, RegistryError, Render, Settings, Source};

mod render;
mod settings;

use render::render_text;
pub(crate) use settings::id_for;
use settings::{build_source, finish_source, known_source, source_block, toml_list, tried};

/// What a probe came to, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The page was fetched, the settings captured text, and every quote is in it.
    Clean,
    /// The fetch or the extraction failed, or a quote is not in the text.
    Review,
}

/// The settings probed, as written (for the output and the `[[sources]]` block).
#[derive(Debug, Clone, Serialize)]
struct Tried {
    id: String,
    url: String,
    /// The source these settings started from (`--source`).
    source: Option<String>,
    select: Vec<String>,
    exclude: Vec<String>,
    ignore: Vec<String>,
    render: &'static str,
    format: Option<&'static str>,
    charset: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct QuoteRow {
    quote: String,
    /// Null when no text was captured.
    found: Option<bool>,
    /// How many times it occurs (null when no text was captured).
    occurrences: Option<usize>,
    /// The passage of each occurrence.
    passages: Vec<String>,
    /// When it is not found: the most similar passage of the text, and how similar (0–1).
    closest_passage: Option<String>,
    closest_similarity: Option<f32>,
}

#[derive(Debug, Serialize)]
struct CandidateRow {
    selector: String,
    quotes_found: usize,
    text_bytes: usize,
    matches: usize,
}

/// The probe's result: `--format json` prints it as it is.
#[derive(Debug, Serialize)]
struct Probe {
    url: String,
    source: Option<String>,
    settings: Tried,
    http_status: Option<u16>,
    final_url: Option<String>,
    content_type: Option<String>,
    bytes: Option<u64>,
    /// Null when text was captured; else the outcome a check would have recorded.
    outcome: Option<Outcome>,
    error: Option<String>,
    /// Set when only the page's words read as a challenge: a check takes such a page as content
    /// unless it lost what its baseline had, which a probe cannot know.
    wall_words: Option<String>,
    text: Option<String>,
    text_bytes: Option<usize>,
    sha256: Option<String>,
    quotes: Vec<QuoteRow>,
    candidates: Vec<CandidateRow>,
    /// The search for candidates ran out of time (`timeout_secs` for the work on the page,
    /// extraction included): the list holds what was verified by then.
    search_cut_short: bool,
    /// The selector the block uses, and why.
    chosen_select: Vec<String>,
    /// The `[[sources]]` block to paste, at the URL the page answered from; `None` when the
    /// fetch failed (a block for a page that is not there would only be pasted and fail).
    source_block: Option<String>,
}

/// What a probe found, for `app` to show: the rendering asked for, and the failure alone (what
/// `-q` still prints).
pub(crate) struct Probed {
    pub(crate) verdict: Verdict,
    pub(crate) rendered: String,
    pub(crate) failure: Option<String>,
}

pub(crate) fn run(cli: &Cli, args: &ProbeArgs) -> anyhow::Result<Probed> {
    let registry = if cli.config.exists() || args.source.is_some() {
        Some(registry::load(&cli.config, cli.today())?)
    } else {
        None
    };
    let base = match (&args.source, &registry) {
        (Some(id), Some(reg)) => Some(known_source(reg, id)?),
        _ => None,
    };
    let tried = tried(args, base.map(|s| &**s))?;
    let (source, defaults) = build_source(&tried, cli.today())?;
    let source = finish_source(source, base.map(|s| &**s), registry.as_ref(), &defaults);
    let settings = registry.as_ref().map_or(defaults, |r| r.settings.clone());
    let mut quotes: Vec<String> = Vec::new();
    if let (Some(base), Some(reg)) = (base, &registry) {
        for q in reg.facts().filter(|f| f.source == base.id) {
            quotes.extend(q.quote.clone());
        }
    }
    quotes.extend(args.quote.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    quotes.retain(|q| seen.insert(q.clone()));

    let source = Arc::new(source);
    let probe = fetch_and_read(&settings, source, tried, &quotes)?;
    let verdict = if probe.outcome.is_none() && probe.quotes.iter().all(|q| q.found == Some(true)) {
        Verdict::Clean
    } else {
        Verdict::Review
    };
    let rendered = match args.format {
        ProbeFormat::Json => crate::report::pretty_json(&probe),
        ProbeFormat::Text => render_text(&probe),
    };
    Ok(Probed {
        verdict,
        rendered,
        failure: probe.error.as_ref().map(|e| format!("{}: {e}", probe.url)),
    })
}

fn fetch_and_read(
    settings: &Settings,
    source: Arc<Source>,
    tried: Tried,
    quotes: &[String],
) -> anyhow::Result<Probe> {
    let runtime = crate::runtime::build().context("starting the async runtime")?;
    let fetcher = Fetcher::new(settings, std::slice::from_ref(&source))
        .context("building the HTTP client")?;
    let quote_refs: Vec<&str> = quotes.iter().map(String::as_str).collect();
    let mut probe = Probe {
        url: source.url.to_string(),
        source: tried.source.clone(),
        http_status: None,
        final_url: None,
        content_type: None,
        bytes: None,
        outcome: None,
        error: None,
        wall_words: None,
        text: None,
        text_bytes: None,
        sha256: None,
        quotes: Vec::new(),
        candidates: Vec::new(),
        search_cut_short: false,
        chosen_select: Vec::new(),
        source_block: None,
        settings: tried,
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut fetch_failed = true;
    runtime.block_on(async {
        match fetcher.get(&source, None).await {
            Err(e) => {
                probe.outcome = Some(e.outcome());
                probe.http_status = e.http_status();
                probe.error = Some(e.to_string());
            }
            Ok((Fetched::NotModified { final_url, .. }, _slot)) => {
                // Nothing conditional was asked: a 304 is a broken answer.
                probe.outcome = Some(Outcome::HttpError);
                probe.http_status = Some(304);
                probe.final_url = Some(final_url);
                probe.error = Some("HTTP 304 to a request that was not conditional".into());
            }
            Ok((Fetched::Body(response), _slot)) => {
                fetch_failed = false;
                probe.http_status = Some(response.status);
                probe.final_url = Some(response.final_url.clone());
                probe.content_type = response.content_type.clone();
                probe.bytes = Some(response.body.len() as u64);
                probe.wall_words = response.wall_words.clone();
                // One deadline for the extraction and the selector search together, as a
                // check gives a source once its body is in.
                let deadline = crate::dom::Deadline::after(settings.timeout);
                let extracted = extract::extract_by(&source, &response, &deadline).await;
                let search = extract::candidates(&source, &response, &quote_refs, &deadline);
                match extracted {
                    Ok(extracted) => {
                        probe.text_bytes = Some(extracted.text.len());
                        probe.sha256 = Some(extracted.sha256);
                        probe.text = Some(extracted.text);
                    }
                    Err(mut e) => {
                        if let extract::ExtractError::SelectorMissing { suggestion, .. } = &mut e {
                            *suggestion = extract::hint(&search, &quote_refs);
                        }
                        probe.outcome = Some(e.outcome());
                        probe.error = Some(e.to_string());
                    }
                }
                probe.search_cut_short = search.cut_short;
                candidates = search.found;
            }
        }
    });
    let current = probe.text.as_deref().map(CurrentText::new);
    probe.quotes = quotes
        .iter()
        .map(|q| {
            let evidence = current.as_ref().map(|t| crate::assess::evidence(t, q));
            let closest = evidence.as_ref().and_then(|e| e.closest.clone());
            QuoteRow {
                quote: q.clone(),
                found: evidence.as_ref().map(|e| e.found()),
                occurrences: evidence.as_ref().map(|e| e.passages.len()),
                passages: evidence.map(|e| e.passages).unwrap_or_default(),
                closest_similarity: closest.as_ref().map(|c| c.similarity),
                closest_passage: closest.map(|c| c.text),
            }
        })
        .collect();
    probe.candidates = candidates
        .iter()
        .map(|c| CandidateRow {
            selector: c.selector.clone(),
            quotes_found: c.quotes_found,
            text_bytes: c.text_bytes,
            matches: c.matches,
        })
        .collect();
    probe.chosen_select = chosen_select(&probe, &candidates);
    if !fetch_failed {
        // A page that moved is pasted where it ended, or every check notes the move again.
        let mut at = probe.settings.clone();
        if let Some(final_url) = probe.final_url.as_ref().filter(|u| **u != probe.url) {
            at.url = final_url.clone();
        }
        probe.source_block = Some(source_block(&at, &probe.chosen_select));
    }
    Ok(probe)
}

/// The `select` of the block: the probed one when it was given and holds every quote; else the
/// best candidate, when it holds at least as many quotes as the probed text; else the probed one.
fn chosen_select(probe: &Probe, candidates: &[Candidate]) -> Vec<String> {
    let probed = &probe.settings.select;
    let found = probe
        .quotes
        .iter()
        .filter(|q| q.found == Some(true))
        .count();
    if !probed.is_empty() && probe.text.is_some() && found == probe.quotes.len() {
        return probed.clone();
    }
    match candidates.first() {
        Some(best) if best.quotes_found >= found => vec![best.selector.clone()],
        _ => probed.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::settings::id_for;
    use super::*;

    fn tried(select: &[&str], ignore: &[&str]) -> Tried {
        Tried {
            id: "egov.kz-cms-en-x".into(),
            url: "https://egov.kz/cms/en/x?a=1&b=\"2\"".into(),
            source: None,
            select: select.iter().map(|s| s.to_string()).collect(),
            exclude: Vec::new(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
            render: "http",
            format: None,
            charset: None,
        }
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn the_block_is_valid_toml_the_registry_accepts() {
        let t = tried(&[r#"a[href="x"]"#], &[r"Updated \d+\.\d+", "it's"]);
        let block = source_block(&t, &["main#content".to_string()]);
        assert_eq!(
            block,
            "[[sources]]\nid = \"egov.kz-cms-en-x\"\nurl = 'https://egov.kz/cms/en/x?a=1&b=\"2\"'\n\
             select = [\"main#content\"]\nignore = ['Updated \\d+\\.\\d+', \"it's\"]\n"
        );
        let reg = registry::parse(Path::new("s.toml"), &block, today()).unwrap();
        let s = &reg.sources[0];
        assert_eq!(s.select_text, ["main#content"]);
        assert_eq!(s.ignore[0].as_str(), r"Updated \d+\.\d+");
        assert_eq!(s.url.as_str(), "https://egov.kz/cms/en/x?a=1&b=%222%22");
    }

    #[test]
    fn flags_are_validated_by_the_registry_and_named() {
        let t = tried(&["div.ok", "div["], &["(unclosed"]);
        let err = build_source(&t, today()).err().unwrap().to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0].starts_with("--select: bad CSS selector in select \"div[\": "),
            "{err}"
        );
        assert!(
            lines[1].starts_with("--ignore: bad regex \"(unclosed\": "),
            "{err}"
        );
        let mut t = tried(&[], &[]);
        t.url = "ftp://egov.kz/".into();
        let err = build_source(&t, today()).err().unwrap().to_string();
        assert_eq!(err, "URL: url must be http or https, not ftp:");
        let (s, settings) = build_source(&tried(&["main"], &[]), today()).unwrap();
        assert_eq!(s.select_text, ["main"]);
        assert_eq!(settings.retries, 2);
    }

    #[test]
    fn ids_come_from_the_url() {
        let id = |u: &str| id_for(&Url::parse(u).unwrap());
        assert_eq!(
            id("https://www.egov.kz/cms/en/services/for_foreigners/009pass_mvd"),
            "egov.kz-cms-en-services-for_foreigners-009pass_mvd"
        );
        assert_eq!(id("http://127.0.0.1:8080/"), "127.0.0.1");
        let encoded = id("https://gov.kz/Услуги/4631?x=1");
        assert!(
            encoded.starts_with("gov.kz-") && encoded.ends_with("-4631"),
            "{encoded}"
        );
        assert!(registry::is_valid_id(&encoded));
        assert!(id(&format!("https://e.kz/{}", "a".repeat(100))).len() <= 64);
    }

    #[test]
    fn candidate_quotes_fold_as_checks_do() {
        // extract::candidates counts quotes on the folded whole text; checks (and the quote
        // rows here) line by line with assess::CurrentText. The two must agree, line breaks,
        // table cells and whole tokens included.
        let text =
            "Processing time:\n45  CALENDAR days\nThe applicant’s «work permit»\nFee | 12 MCI";
        let current = CurrentText::new(text);
        let folded = crate::text::fold_for_quote(text);
        for q in [
            "processing time: 45 calendar days",
            "applicant's \"work permit\"",
            "45 calendar days the",
            "30 days",
            "time:45",
            "fee 12 mci",
            "2 mci",
            "applicant",
            "applic",
        ] {
            let by_fold =
                !crate::text::quote_spans(&folded, &crate::text::fold_for_quote(q)).is_empty();
            assert_eq!(current.contains_quote(q), by_fold, "{q}");
        }
    }
}
