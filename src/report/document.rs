//! The layout of a report document, written once for Markdown and HTML: which sections come in
//! which order and what each holds. A format only says how a heading, a list, a table, a link
//! or a diff is written ([`Markup`]); adding a section adds it to both.
//!
//! Order: the summary; facts whose typed values changed; facts whose passage was reworded or
//! removed; the flagged facts (a table, then each missing quote's closest passage); failed
//! sources (before the diffs, so a report cut to fit a pull request loses diff lines, not the
//! sources that need fixing); each changed source with its notes, the hunks that touch facts,
//! the lines no fact covers and its diff; notes on unchanged sources and on quotes found more
//! than once.

use super::{FactReport, Report, SourceReport, UncoveredChange};
use crate::text::short_sha;

/// One entry of a list: its line, and lines under it.
pub(super) struct Item {
    pub(super) head: String,
    pub(super) under: Vec<String>,
}

impl Item {
    fn new(head: String) -> Item {
        Item {
            head,
            under: Vec::new(),
        }
    }
}

/// How a callout reads.
#[derive(Clone, Copy)]
pub(super) enum Callout {
    Note,
    Warning,
}

/// How a format writes inline text: escaped, linked, and each kind between an opening and a
/// closing string.
pub(super) struct Inline {
    /// Text from a page or `sources.toml`, so that it renders as text.
    pub(super) escape: fn(&str) -> String,
    /// `(label, url)`: a link for an http(s) URL; anything else is the label as text.
    pub(super) link: fn(&str, &str) -> String,
    pub(super) strong: [&'static str; 2],
    /// An id, a hash or a command.
    pub(super) code: [&'static str; 2],
    /// A flag's name.
    pub(super) badge: [&'static str; 2],
    /// A changed value.
    pub(super) value: [&'static str; 2],
    /// Whether code and badges are escaped like text; a Markdown code span shows every
    /// character as it is, so there they are not.
    pub(super) escape_code: bool,
}

/// How one format writes the pieces of a document. Methods that return a `String` make inline
/// markup from plain text (escaped as the format needs); methods that take `out` write a block.
pub(super) trait Markup {
    const INLINE: Inline;

    fn text(&self, s: &str) -> String {
        (Self::INLINE.escape)(s)
    }

    fn link(&self, label: &str, url: &str) -> String {
        (Self::INLINE.link)(label, url)
    }

    fn strong(&self, markup: &str) -> String {
        let [open, close] = Self::INLINE.strong;
        format!("{open}{markup}{close}")
    }

    fn code(&self, s: &str) -> String {
        let [open, close] = Self::INLINE.code;
        format!("{open}{}{close}", self.code_text(s))
    }

    fn badge(&self, s: &str) -> String {
        let [open, close] = Self::INLINE.badge;
        format!("{open}{}{close}", self.code_text(s))
    }

    fn value(&self, s: &str) -> String {
        let [open, close] = Self::INLINE.value;
        format!("{open}{}{close}", self.text(s))
    }

    /// Markup kept on one line (an id, "179 d", a command): where a format can say so, it never
    /// wraps inside; elsewhere it is the markup as it is.
    fn keep(&self, markup: &str) -> String {
        markup.to_string()
    }

    /// A fact id in bold, kept whole (a format that can may let it wrap after its `/`, between
    /// the route and the fact, never inside either).
    fn id_strong(&self, id: &str) -> String {
        self.keep(&self.strong(&self.text(id)))
    }

    /// A fact id as code, kept whole as [`Markup::id_strong`] keeps it.
    fn id_code(&self, id: &str) -> String {
        self.keep(&self.code(id))
    }

    fn code_text(&self, s: &str) -> String {
        if Self::INLINE.escape_code {
            self.text(s)
        } else {
            s.to_string()
        }
    }

    fn start(&self, out: &mut String, report: &Report);
    fn heading(&self, out: &mut String, anchor: &str, text: &str);
    fn paragraph(&self, out: &mut String, markup: &str);
    fn list(&self, out: &mut String, items: &[Item]);
    fn table(&self, out: &mut String, head: &[&str], rows: &[Vec<String>]);
    fn callout(&self, out: &mut String, kind: Callout, markup: &str);
    /// Lines removed and added, as a diff without context.
    fn lines(&self, out: &mut String, changes: &[UncoveredChange]);
    fn diff(&self, out: &mut String, unified: &str);
    /// The document's last line: the tool and when the check finished.
    fn end(&self, out: &mut String, footer: &str);
}

/// The report as one document in the format `m` writes.
pub(super) fn document(report: &Report, m: &impl Markup) -> String {
    let mut out = String::new();
    m.start(&mut out, report);
    // Linked sources are those of facts the document lists, found in one pass over the rows.
    let listed: Vec<String> = (report.facts.iter())
        .filter(|f| !f.flags.is_empty() || f.change.is_some())
        .map(|f| f.source.clone())
        .collect();
    let urls = report.source_urls(listed.iter().map(String::as_str));
    let source_link = |id: &str| match urls.get(id) {
        Some(url) => m.link(id, url),
        None => m.text(id),
    };

    let values: Vec<Item> = report
        .value_changes()
        .map(|f| {
            Item::new(format!(
                "{} {} · {}",
                m.id_strong(f.id.as_str()),
                m.value(&f.value_line()),
                m.keep(&source_link(&f.source))
            ))
        })
        .collect();
    if !values.is_empty() {
        m.heading(&mut out, "values", "Values changed");
        m.list(&mut out, &values);
    }

    let passages: Vec<Item> = report
        .passage_changes()
        .map(|f| {
            let kind = f.change.map_or("", |c| c.as_str());
            let mut item = Item::new(format!(
                "{} ({kind}) · {}",
                m.id_strong(f.id.as_str()),
                m.keep(&source_link(&f.source))
            ));
            if let Some(p) = &f.passage {
                item.under.push(format!("was: “{}”", m.text(p)));
            }
            if let Some(p) = &f.new_passage {
                item.under.push(format!("now: “{}”", m.text(p)));
            }
            item
        })
        .collect();
    if !passages.is_empty() {
        m.heading(&mut out, "passages", "Passages changed");
        m.list(&mut out, &passages);
    }

    review(&mut out, report, m, &source_link);
    site(&mut out, report, m);
    failed(&mut out, report, m);
    for src in report.changed_sources() {
        changed(&mut out, &src, m);
    }

    let notes: Vec<Item> = report
        .notes()
        .into_iter()
        .map(|(id, note)| Item::new(format!("{}: {}", m.strong(&m.text(&id)), m.text(&note))))
        .collect();
    if !notes.is_empty() {
        m.heading(&mut out, "notes", "Notes");
        m.list(&mut out, &notes);
    }
    let footer = format!(
        "{} · {}",
        report.tool,
        report.finished_at.format("%Y-%m-%d %H:%M UTC")
    );
    m.end(&mut out, &m.text(&footer));
    out
}

/// The route of a fact: its title, linked to its page when it has one; its id in reports saved
/// before titles were recorded.
fn route(f: &FactReport, m: &impl Markup) -> String {
    let title = f.route_title.as_deref().unwrap_or(&f.route);
    match &f.route_page {
        Some(page) => m.link(title, page),
        None => m.text(title),
    }
}

fn review(
    out: &mut String,
    report: &Report,
    m: &impl Markup,
    source_link: &impl Fn(&str) -> String,
) {
    let review = report.facts_for_review();
    if review.is_empty() {
        m.paragraph(out, "No fact needs review.");
        return;
    }
    m.heading(out, "facts", "Facts that need review");
    let rows: Vec<Vec<String>> = review
        .iter()
        .map(|f| {
            let flags: Vec<String> = f.flags.iter().map(|fl| m.badge(fl.as_str())).collect();
            vec![
                m.id_code(f.id.as_str()),
                m.text(&f.claim),
                route(f, m),
                flags.join(" "),
                m.keep(&format!("{} d", f.age_days)),
                m.keep(&source_link(&f.source)),
            ]
        })
        .collect();
    m.table(
        out,
        &["Fact", "Claim", "Route", "Flags", "Age", "Source"],
        &rows,
    );
    let closest: Vec<Item> = review
        .iter()
        .filter_map(|f| {
            if f.nothing_similar() {
                return Some(Item::new(format!(
                    "{}: quote “{}” not found; nothing similar remains on the page",
                    m.id_strong(f.id.as_str()),
                    m.text(f.quote.as_deref().unwrap_or("")),
                )));
            }
            let passage = f.closest_passage.as_deref()?;
            Some(Item::new(format!(
                "{}: quote “{}” not found; closest now: “{}”{}",
                m.id_strong(f.id.as_str()),
                m.text(f.quote.as_deref().unwrap_or("")),
                m.text(passage),
                f.similarity_note()
            )))
        })
        .collect();
    if !closest.is_empty() {
        m.list(out, &closest);
    }
}

/// The site's own pages: coverage per route, facts a page no longer states, figures nobody
/// watches, dates that disagree.
fn site(out: &mut String, report: &Report, m: &impl Markup) {
    if report.routes.is_empty() {
        return;
    }
    m.heading(out, "site", "Site");
    let rows: Vec<Vec<String>> = report
        .routes
        .iter()
        .map(|r| {
            let page = match &r.page {
                Some(url) => m.link(&r.id, url),
                None => m.text(&r.id),
            };
            vec![
                page,
                m.text(&super::routes::coverage_words(r)),
                m.text(&super::routes::dates_words(r)),
            ]
        })
        .collect();
    m.table(
        out,
        &["Route page", "Coverage", "Last verified (page / facts)"],
        &rows,
    );
    let differs: Vec<Item> = report
        .facts
        .iter()
        .filter(|f| f.published == Some(false))
        .map(|f| {
            let mut item = Item::new(format!(
                "{}: the page no longer states “{}”",
                m.strong(&m.text(&f.id)),
                m.text(&f.claim)
            ));
            if let Some(p) = &f.published_passage {
                item.under
                    .push(format!("closest on the page: “{}”", m.text(p)));
            }
            item
        })
        .collect();
    if !differs.is_empty() {
        m.paragraph(out, &m.strong("Facts the page no longer states"));
        m.list(out, &differs);
    }
    let unwatched: Vec<Item> = report
        .routes
        .iter()
        .flat_map(|r| {
            r.unmonitored
                .iter()
                .map(move |line| Item::new(format!("{}: {}", m.code(&r.id), m.text(line))))
        })
        .collect();
    if !unwatched.is_empty() {
        m.paragraph(
            out,
            &format!(
                "{}: figures the page states that no fact watches (add a fact with `sourcewatch \
                 import`, or by hand)",
                m.strong("Not watched")
            ),
        );
        m.list(out, &unwatched);
    }
}

fn failed(out: &mut String, report: &Report, m: &impl Markup) {
    let rows: Vec<Vec<String>> = report
        .failed_sources()
        .map(|s| {
            vec![
                m.link(&s.id, &s.url),
                m.code(s.capture.outcome.as_str()),
                m.text(&s.detail()),
            ]
        })
        .collect();
    if !rows.is_empty() {
        m.heading(out, "failed", "Failed sources");
        m.table(out, &["Source", "Outcome", "Detail"], &rows);
    }
}

fn changed(out: &mut String, src: &SourceReport, m: &impl Markup) {
    m.heading(
        out,
        &format!("changed-{}", src.id),
        &format!("Changed: {}", src.id),
    );
    let (from, to) = (
        src.baseline_sha256.as_deref().unwrap_or(""),
        src.capture.sha256.as_deref().unwrap_or(""),
    );
    m.paragraph(
        out,
        &format!(
            "{} · baseline {} → capture {} · {} after review",
            m.link("Official page", &src.url),
            m.code(short_sha(from)),
            m.code(short_sha(to)),
            m.keep(&m.code(&format!("sourcewatch accept {}", src.id)))
        ),
    );
    for note in src.notes() {
        m.callout(out, Callout::Note, &m.text(&note));
    }
    if src.confirmed == Some(false) {
        m.callout(
            out,
            Callout::Warning,
            "the page gave two different new texts on two fetches; it may be unstable (a CDN \
             node or an A/B test). Check it in a browser before accepting.",
        );
    }
    let hunks: Vec<Item> = src
        .hunks_touching_facts()
        .map(|(i, h)| {
            let ids: Vec<String> = h.facts.iter().map(|f| m.code(f.as_str())).collect();
            Item::new(format!(
                "hunk {} ({}) touches {}",
                i + 1,
                m.code(&format!(
                    "@@ -{},{} +{},{} @@",
                    h.old_start, h.old_lines, h.new_start, h.new_lines
                )),
                ids.join(", ")
            ))
        })
        .collect();
    if !hunks.is_empty() {
        m.list(out, &hunks);
    }
    if !src.uncovered.is_empty() {
        m.paragraph(
            out,
            &format!(
                "{}: new official text nobody quotes; read it.",
                m.strong(&format!("Changes no fact covers ({})", src.uncovered.len()))
            ),
        );
        m.lines(out, &src.uncovered);
    }
    if let Some(diff) = &src.diff {
        m.diff(out, diff);
    }
}
