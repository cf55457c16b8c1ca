//! Which selectors would capture given quotes: the smallest elements of a page whose text holds
//! them, named by the ids and classes a person wrote. `probe` lists them; a `selector_missing`
//! error suggests the best one.
//!
//! The search runs on the text the real extraction makes (the source's `exclude` and `ignore`
//! applied, quotes folded as checks fold them): from `<body>` down, into every element whose
//! text holds at least one quote. Each such element is named `tag#id`, `tag.class` (one per
//! class) or, for `main` and `article`, by its tag, skipping names that look generated (see
//! `names::looks_generated`). Every name is then run through the same extraction as a check
//! (`html::extract_doc`), on the whole page, and offered only if the text it selects really
//! holds a quote; its quote count and text size are those of that run.
//!
//! Ranking: more quotes held first; then less text (the tightest block); then an id before a
//! class before a bare tag; then fewer elements matched, then the shorter selector.

use std::collections::HashMap;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::html::{Scope, extract_doc, walk_from};
use super::names::{is_plain_ident, looks_generated};
use super::writer::TextWriter;
use super::{finish, html_text};
use crate::dom::Deadline;
use crate::fetch::Response;
use crate::registry::Source;
use crate::text::{fold_for_quote, quote_spans};

/// A selector that captures at least one of the quotes, as the real extraction showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) selector: String,
    /// How many of the (distinct, non-empty) quotes its text holds.
    pub(crate) quotes_found: usize,
    /// Bytes of the normalised text it selects.
    pub(crate) text_bytes: usize,
    /// Elements of the page it matches.
    pub(crate) matches: usize,
    kind: Kind,
}

/// How an element is named; the order is the preference among equally tight candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Id,
    Class,
    Tag,
}

/// Candidates listed at most.
const LISTED: usize = 8;
/// Names verified at most (each is one walk of the page), best estimates first.
const VERIFIED: usize = 40;
/// Elements looked at between two looks at the deadline while matches are counted.
const ELEMENTS_PER_CHECK: usize = 1024;

/// What a search found, and whether its deadline cut it short (then the candidates are those
/// verified by then, possibly none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Search {
    pub(crate) found: Vec<Candidate>,
    pub(crate) cut_short: bool,
}

/// The ranked candidates for `quotes` on an HTML response (none for JSON or PDF), under the
/// source's `exclude` and `ignore`; its `select` plays no part. The search ends by `deadline`
/// (the one of the check's source, or of the probe), whatever the page.
pub(crate) fn candidates(
    source: &Source,
    response: &Response,
    quotes: &[&str],
    deadline: &Deadline,
) -> Search {
    let Some(html) = html_text(source, response) else {
        return Search::default();
    };
    let Ok(doc) = crate::dom::parse_document(&html, deadline) else {
        return Search {
            found: Vec::new(),
            cut_short: deadline.passed(),
        };
    };
    in_doc(&doc, &source.exclude, &source.ignore, quotes, deadline)
}

/// The hint of a `selector_missing` error: where the quotes are, and the `select` to write; or
/// that the search for one ran out of time.
pub(super) fn suggestion(
    source: &Source,
    response: &Response,
    quotes: &[&str],
    deadline: &Deadline,
) -> Option<String> {
    let total = folded_quotes(quotes).len();
    if total == 0 {
        return None;
    }
    hint(&candidates(source, response, quotes, deadline), quotes)
}

/// The words of a `selector_missing` hint for a search already made.
pub(crate) fn hint(search: &Search, quotes: &[&str]) -> Option<String> {
    let total = folded_quotes(quotes).len();
    if total == 0 {
        return None;
    }
    let Some(best) = search.found.first() else {
        return search.cut_short.then(|| {
            "the search for a selector holding the quotes was cut short at the source's time \
             limit"
                .to_string()
        });
    };
    let place = match (best.quotes_found, total) {
        (_, 1) => "the quote is in".to_string(),
        (found, total) if found == total => "the quotes are in".to_string(),
        (found, total) => format!("{found} of {total} quotes are in"),
    };
    Some(format!(
        "{place} `{sel}` (try select = [{}]){cut}",
        toml_edit::Value::from(best.selector.as_str()),
        sel = best.selector,
        cut = if search.cut_short {
            " (the search was cut short at the source's time limit)"
        } else {
            ""
        }
    ))
}

/// Distinct quotes, folded for matching; empty ones dropped (they match nothing in checks).
fn folded_quotes(quotes: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in quotes {
        let f = fold_for_quote(q);
        if !f.is_empty() && !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

fn in_doc(
    doc: &Html,
    exclude: &[Selector],
    ignore: &[Regex],
    quotes: &[&str],
    deadline: &Deadline,
) -> Search {
    let quotes = folded_quotes(quotes);
    let held = |text: &str| {
        let folded = fold_for_quote(text);
        quotes
            .iter()
            .filter(|q| !quote_spans(&folded, q).is_empty())
            .count()
    };
    let mut search = Search::default();
    if quotes.is_empty() {
        return search;
    }
    let body = Selector::parse("body").expect("a valid selector");
    let Some(body) = doc.select(&body).next() else {
        return search;
    };
    // Elements whose own text holds a quote, found top-down (an element holds no quote its
    // parent does not), each with the estimate its own text gives; `seen` finds a name's entry
    // at once, so a page of a hundred thousand named holders costs as many steps, not their
    // square. The deadline is looked at on every element: each one is a walk of its own.
    let mut names: Vec<(String, Kind, usize, usize)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut stack = vec![body];
    while let Some(el) = stack.pop() {
        let text = match deadline.check() {
            Ok(()) => element_text(el, exclude, ignore, deadline),
            Err(_) => None,
        };
        let Some(text) = text else {
            search.cut_short = true;
            return search;
        };
        let found = held(&text);
        if found == 0 {
            continue;
        }
        for (name, kind) in names_of(el) {
            match seen.get(&name) {
                // A class on several holders: the estimate of the best of them.
                Some(&i) => {
                    let n = &mut names[i];
                    if (found, usize::MAX - text.len()) > (n.2, usize::MAX - n.3) {
                        (n.2, n.3) = (found, text.len());
                    }
                }
                None => {
                    seen.insert(name.clone(), names.len());
                    names.push((name, kind, found, text.len()));
                }
            }
        }
        stack.extend(el.child_elements());
    }
    drop(seen);
    names.sort_by(|a, b| b.2.cmp(&a.2).then(a.3.cmp(&b.3)).then(a.1.cmp(&b.1)));
    names.truncate(VERIFIED);

    let out = &mut search.found;
    for (name, kind, _, _) in names {
        let Ok(selector) = Selector::parse(&name) else {
            continue;
        };
        let Some(matches) = count_matches(doc, &selector, deadline) else {
            search.cut_short = true;
            break;
        };
        let extracted = match extract_doc(
            doc,
            std::slice::from_ref(&selector),
            std::slice::from_ref(&name),
            exclude,
            ignore,
            deadline,
        ) {
            Ok(extracted) => extracted,
            Err(_) if deadline.passed() => {
                search.cut_short = true;
                break;
            }
            Err(_) => continue,
        };
        let found = held(&extracted.text);
        if found > 0 {
            out.push(Candidate {
                selector: name,
                quotes_found: found,
                text_bytes: extracted.text.len(),
                matches,
                kind,
            });
        }
    }
    out.sort_by(|a, b| {
        b.quotes_found
            .cmp(&a.quotes_found)
            .then(a.text_bytes.cmp(&b.text_bytes))
            .then(a.kind.cmp(&b.kind))
            .then(a.matches.cmp(&b.matches))
            .then(a.selector.len().cmp(&b.selector.len()))
            .then(a.selector.cmp(&b.selector))
    });
    out.truncate(LISTED);
    search
}

/// How many elements of the page `selector` matches; `None` once the deadline has passed.
fn count_matches(doc: &Html, selector: &Selector, deadline: &Deadline) -> Option<usize> {
    let mut matches = 0;
    for (i, _) in doc.select(selector).enumerate() {
        if i % ELEMENTS_PER_CHECK == 0 && deadline.passed() {
            return None;
        }
        matches += 1;
    }
    (!deadline.passed()).then_some(matches)
}

/// The normalised text of one element, as a selector matching only it would capture; `None`
/// once the deadline has passed.
fn element_text(
    el: ElementRef<'_>,
    exclude: &[Selector],
    ignore: &[Regex],
    deadline: &Deadline,
) -> Option<String> {
    let mut writer = TextWriter::default();
    walk_from(*el, Scope::All, exclude, &mut writer, deadline).ok()?;
    writer.hard_break();
    Some(finish(writer.out, writer.needs_nfc, ignore))
}

/// The names an element can be selected by: `tag#id`, `tag.class`, and `main` / `article`
/// alone. `html` and `body` are not candidates: no `select` at all means the body.
fn names_of(el: ElementRef<'_>) -> Vec<(String, Kind)> {
    let e = el.value();
    let tag = e.name();
    if matches!(tag, "html" | "body") || !is_plain_ident(tag) {
        return Vec::new();
    }
    let usable = |name: &str| is_plain_ident(name) && !looks_generated(name);
    let mut out = Vec::new();
    if let Some(id) = e.id().filter(|id| usable(id)) {
        out.push((format!("{tag}#{id}"), Kind::Id));
    }
    for class in e.classes().filter(|c| usable(c)) {
        out.push((format!("{tag}.{class}"), Kind::Class));
    }
    if matches!(tag, "main" | "article") {
        out.push((tag.to_string(), Kind::Tag));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

    fn doc_candidates(html: &str, quotes: &[&str]) -> Vec<Candidate> {
        let deadline = Deadline::after(BUDGET);
        in_doc(&Html::parse_document(html), &[], &[], quotes, &deadline).found
    }

    /// header, nav, the content block, footer: the shape of an egov.kz service page.
    const PAGE: &str = r#"<!doctype html><html><head><title>PR</title></head><body>
<header class="css-1x2y3z site-header"><nav id="menu"><a href="/">Home</a> <a>Services</a></nav></header>
<main id="content" class="sc-abc123 page">
  <nav class="breadcrumbs">Home / Foreigners</nav>
  <div class="info-block-horizontal active">
    <h2>Processing time</h2>
    <p>The permit is issued within 45 calendar days.</p>
    <ul><li>Passport of a foreign citizen</li></ul>
  </div>
  <div class="info-block-horizontal"><p>Other service</p></div>
  <aside class="related">Fee: 4 MCI</aside>
</main>
<footer id="footer-2024">Page generated 12:00</footer></body></html>"#;

    #[test]
    fn smallest_block_holding_every_quote_comes_first() {
        let c = doc_candidates(PAGE, &["45 CALENDAR days", "passport of a foreign"]);
        let names: Vec<&str> = c.iter().map(|c| c.selector.as_str()).collect();
        assert_eq!(
            names,
            [
                "div.info-block-horizontal",
                "main#content",
                "main.page",
                "main"
            ],
            "{c:#?}"
        );
        assert!(c.iter().all(|c| c.quotes_found == 2));
        assert_eq!(c[0].matches, 2);
        // The verified text is that of both matches, not an estimate.
        assert_eq!(
            c[0].text_bytes,
            "Processing time\nThe permit is issued within 45 calendar days.\n- Passport of a \
             foreign citizen\nOther service"
                .len()
        );
    }

    #[test]
    fn quotes_apart_rank_their_common_container_first() {
        let c = doc_candidates(PAGE, &["45 calendar days", "Fee: 4 MCI"]);
        assert_eq!(c[0].selector, "main#content");
        assert_eq!(c[0].quotes_found, 2);
        let partial: Vec<(&str, usize)> = c
            .iter()
            .filter(|c| c.quotes_found == 1)
            .map(|c| (c.selector.as_str(), c.quotes_found))
            .collect();
        assert_eq!(
            partial,
            [("aside.related", 1), ("div.info-block-horizontal", 1)]
        );
    }

    #[test]
    fn no_candidate_for_quotes_not_on_the_page() {
        assert!(doc_candidates(PAGE, &["30 calendar days"]).is_empty());
        assert!(doc_candidates(PAGE, &["  "]).is_empty());
        assert!(doc_candidates(PAGE, &[]).is_empty());
    }

    #[test]
    fn excluded_and_invisible_text_holds_no_quote() {
        let page = r#"<body><div class="notice">Fee <script>var x="45 calendar days"</script>
            <span class="share">45 calendar days</span></div></body>"#;
        let share = Selector::parse(".share").unwrap();
        let doc = Html::parse_document(page);
        assert!(
            in_doc(
                &doc,
                &[share],
                &[],
                &["45 calendar days"],
                &Deadline::after(BUDGET)
            )
            .found
            .is_empty()
        );
        assert_eq!(
            in_doc(
                &doc,
                &[],
                &[],
                &["45 calendar days"],
                &Deadline::after(BUDGET)
            )
            .found[0]
                .selector,
            "span.share"
        );
    }

    #[test]
    fn names_need_no_escaping() {
        let c = doc_candidates(
            r#"<body><div id="a:b" class="x.y ok">45 days</div></body>"#,
            &["45 days"],
        );
        let names: Vec<&str> = c.iter().map(|c| c.selector.as_str()).collect();
        assert_eq!(names, ["div.ok"]);
    }
}
