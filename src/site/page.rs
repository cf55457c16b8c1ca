//! A published route page read as a person reads it: its title, its blocks in order (headings,
//! table rows, list items, paragraphs) within the route's `select` minus its `exclude`, the
//! date it says it was last verified, and the links it gives.
//!
//! The page is the site's own article, not an official source, so what matters is its
//! structure, not a hash: a block per heading, row, item or paragraph, each with the section
//! (the nearest heading above it) it stands in, so that claims can be grouped and boilerplate
//! sections left out (`claims`).

use std::time::Duration;

use chrono::NaiveDate;
use ego_tree::NodeRef;
use reqwest::Url;
use scraper::{ElementRef, Html, Node, Selector};

use crate::dom::{self, Deadline, DomError};

/// When no `select` is given: where an article page keeps its text.
const DEFAULT_SELECT: &[&str] = &["main", "article", "[role=main]", "body"];

/// Always left out: navigation, site chrome, calls to action, forms, scripts.
const DEFAULT_EXCLUDE: &str = "nav, header, footer, aside, form, button, dialog, script, style, \
     noscript, template, svg, [role=navigation], [role=banner], [role=contentinfo], \
     [role=complementary], [aria-hidden=true], .breadcrumb, .breadcrumbs, .cta";

/// The most a route page may take to read.
const BUDGET: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Heading(u8),
    Row,
    Item,
    Paragraph,
}

/// One block of a route page's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) kind: BlockKind,
    /// Collapsed whitespace, NFC; a row's cells joined by ` | `.
    pub(crate) text: String,
    /// An item of a list under a "how to" heading: a step, not a claim unless it states a typed
    /// value.
    pub(crate) step: bool,
}

/// What a route page says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Page {
    /// The page's `<h1>`, else its `<title>`.
    pub(crate) title: Option<String>,
    pub(crate) blocks: Vec<Block>,
    /// The date the page says it was last verified.
    pub(crate) last_verified: Option<NaiveDate>,
    /// Every http(s) link of the page, absolute, in order, once each.
    pub(crate) links: Vec<Url>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    #[error(transparent)]
    Dom(#[from] DomError),
    #[error("no element matched {0}")]
    SelectMissing(String),
}

/// Reads a route page's HTML. `base` resolves relative links.
pub(crate) fn read(
    html: &str,
    base: Option<&Url>,
    select: &[Selector],
    exclude: &[Selector],
) -> Result<Page, PageError> {
    let deadline = Deadline::after(BUDGET);
    let doc = dom::parse_document(html, &deadline)?;
    let defaults: Vec<Selector>;
    let (select, default_select) = if select.is_empty() {
        defaults = DEFAULT_SELECT
            .iter()
            .map(|s| Selector::parse(s).expect("a valid selector"))
            .collect();
        (&defaults[..], true)
    } else {
        (select, false)
    };
    let roots: Vec<ElementRef<'_>> = if default_select {
        // The first of main, article, … that the page has: its article, not its chrome.
        select
            .iter()
            .find_map(|s| doc.select(s).next())
            .into_iter()
            .collect()
    } else {
        let mut roots: Vec<ElementRef<'_>> = select.iter().flat_map(|s| doc.select(s)).collect();
        roots.dedup_by_key(|e| e.id());
        roots
    };
    if roots.is_empty() {
        return Err(PageError::SelectMissing(
            select
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let default_exclude = Selector::parse(DEFAULT_EXCLUDE).expect("a valid selector");
    let excluded =
        |el: &ElementRef<'_>| default_exclude.matches(el) || exclude.iter().any(|x| x.matches(el));
    let mut walk = Walk {
        blocks: Vec::new(),
        deadline,
    };
    for root in roots {
        walk.element(root, &excluded, false)?;
    }
    let title = doc
        .select(&Selector::parse("h1").expect("a valid selector"))
        .next()
        .map(|h| text_of(*h))
        .or_else(|| {
            doc.select(&Selector::parse("title").expect("a valid selector"))
                .next()
                .map(|t| text_of(*t))
        })
        .filter(|t| !t.is_empty());
    Ok(Page {
        title,
        blocks: walk.blocks,
        last_verified: super::date::last_verified(&doc),
        links: links(&doc, base),
    })
}

struct Walk {
    blocks: Vec<Block>,
    deadline: Deadline,
}

impl Walk {
    fn element(
        &mut self,
        el: ElementRef<'_>,
        excluded: &impl Fn(&ElementRef<'_>) -> bool,
        in_steps: bool,
    ) -> Result<(), DomError> {
        self.deadline.check()?;
        if excluded(&el) {
            return Ok(());
        }
        let name = el.value().name();
        let block = |kind| Block {
            kind,
            text: String::new(),
            step: false,
        };
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name.as_bytes()[1] - b'0';
                self.push(Block {
                    text: text_of(*el),
                    ..block(BlockKind::Heading(level))
                });
            }
            "tr" => {
                let cells: Vec<ElementRef<'_>> = el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| matches!(c.value().name(), "td" | "th"))
                    .collect();
                // A row of column headings ("Fee | Term") names the columns, it claims nothing.
                let header = cells.len() > 1 && cells.iter().all(|c| c.value().name() == "th");
                let texts: Vec<String> = cells
                    .iter()
                    .map(|c| text_of(**c))
                    .filter(|t| !t.is_empty())
                    .collect();
                if !header {
                    self.push(Block {
                        text: texts.join(" | "),
                        ..block(BlockKind::Row)
                    });
                }
            }
            "li" => {
                // The item's own text; a list inside it is walked as its own items.
                let own = own_text(el, &["ul", "ol"]);
                self.push(Block {
                    text: own,
                    step: in_steps,
                    ..block(BlockKind::Item)
                });
                for child in el.children().filter_map(ElementRef::wrap) {
                    if matches!(child.value().name(), "ul" | "ol") {
                        self.element(child, excluded, in_steps)?;
                    }
                }
            }
            "p" | "dt" | "dd" | "blockquote" | "figcaption" | "summary" | "caption" => {
                self.push(Block {
                    text: text_of(*el),
                    ..block(BlockKind::Paragraph)
                });
            }
            _ => {
                let steps = in_steps || (matches!(name, "ul" | "ol") && self.under_how_to());
                let mut loose = String::new();
                for child in el.children() {
                    match child.value() {
                        Node::Text(t) => loose.push_str(t),
                        Node::Element(_) => {
                            let child = ElementRef::wrap(child).expect("an element");
                            if is_inline(child.value().name()) {
                                loose.push_str(&text_of(*child));
                                continue;
                            }
                            self.flush(&mut loose);
                            self.element(child, excluded, steps)?;
                        }
                        _ => {}
                    }
                }
                self.flush(&mut loose);
            }
        }
        Ok(())
    }

    /// Text standing loose in a container (not in a paragraph): a paragraph of its own.
    fn flush(&mut self, loose: &mut String) {
        let text = collapse(loose);
        loose.clear();
        if !text.is_empty() {
            self.push(Block {
                kind: BlockKind::Paragraph,
                text,
                step: false,
            });
        }
    }

    fn push(&mut self, block: Block) {
        if !block.text.is_empty() {
            self.blocks.push(block);
        }
    }

    /// Whether the nearest heading so far introduces steps ("How to apply", "Как подать").
    fn under_how_to(&self) -> bool {
        self.blocks
            .iter()
            .rev()
            .find(|b| matches!(b.kind, BlockKind::Heading(_)))
            .is_some_and(|h| super::claims::is_how_to(&h.text))
    }
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "br"
            | "cite"
            | "code"
            | "data"
            | "dfn"
            | "em"
            | "i"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "u"
            | "var"
            | "wbr"
    )
}

/// Whitespace collapsed (NBSP too), invisible characters dropped, NFC.
pub(crate) fn collapse(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let joined = words
        .join(" ")
        .chars()
        .filter(|c| !crate::text::is_invisible(*c))
        .collect::<String>();
    crate::text::nfc(&joined).into_owned()
}

/// The visible text of a node, collapsed; scripts and styles skipped.
pub(crate) fn text_of(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    gather(node, &[], &mut out);
    collapse(&out)
}

/// An element's text without the descendants named in `skip`.
fn own_text(el: ElementRef<'_>, skip: &[&str]) -> String {
    let mut out = String::new();
    gather(*el, skip, &mut out);
    collapse(&out)
}

fn gather(node: NodeRef<'_, Node>, skip: &[&str], out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if matches!(name, "script" | "style" | "noscript" | "template")
                    || skip.contains(&name)
                {
                    continue;
                }
                if name == "br" || !is_inline(name) {
                    out.push(' ');
                }
                gather(child, skip, out);
                if !is_inline(name) {
                    out.push(' ');
                }
            }
            _ => {}
        }
    }
}

/// Every http(s) link of the document, absolute, once each, in order.
fn links(doc: &Html, base: Option<&Url>) -> Vec<Url> {
    let a = Selector::parse("a[href]").expect("a valid selector");
    let mut out: Vec<Url> = Vec::new();
    for el in doc.select(&a) {
        let href = el.value().attr("href").unwrap_or_default().trim();
        let url = match base {
            Some(base) => base.join(href),
            None => Url::parse(href),
        };
        if let Ok(mut url) = url
            && matches!(url.scheme(), "http" | "https")
        {
            url.set_fragment(None);
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}
