//! HTML → text: the visible text of the selected elements in document order, with excluded and
//! never-visible elements (scripts, styles, templates, …) skipped.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};

use super::writer::TextWriter;
use super::{ExtractError, Extracted, finished};
use crate::dom::{self, Deadline};
use crate::registry::Source;

/// Tree edges walked between two looks at the deadline.
const EDGES_PER_CHECK: u32 = 4096;

/// Elements whose content is never visible text.
fn is_dropped(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "svg" | "head" | "iframe" | "object"
    )
}

/// Extracts the normalised text of `html` as `source` selects it, by `deadline`.
pub(super) fn extract_html(
    html: &str,
    source: &Source,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let doc = dom::parse_document(html, deadline)?;
    extract_doc(
        &doc,
        &source.select,
        &source.select_text,
        &source.exclude,
        &source.ignore,
        deadline,
    )
}

/// The text of a parsed page as these settings select it: what [`extract_html`] does, and what
/// a candidate selector is verified with (`candidates`), so the two can never disagree.
/// `select_text` is `select` as written, for the `selector_missing` message.
pub(super) fn extract_doc(
    doc: &Html,
    select: &[Selector],
    select_text: &[String],
    exclude: &[Selector],
    ignore: &[Regex],
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let scope = if select.is_empty() {
        Scope::Body
    } else {
        Scope::Selected(select)
    };
    let mut writer = TextWriter::default();
    let matched_any = walk(doc, scope, exclude, &mut writer, deadline)?;
    if !matched_any {
        return Err(ExtractError::SelectorMissing {
            selectors: super::describe_selectors(select_text, select.len()),
            suggestion: None,
        });
    }
    finished(writer, ignore)
}

/// What part of a document is text.
#[derive(Clone, Copy)]
pub(super) enum Scope<'a> {
    /// The `<body>` of a page.
    Body,
    /// Every element matching one of these, in document order, each once.
    Selected(&'a [Selector]),
    /// Everything (a fragment, such as HTML inside a JSON string).
    All,
}

/// Writes the visible text of `doc` within `scope`; false when a selector scope matched nothing.
/// Selector matching can cost as much as the depth for every element, so the walk too stops at
/// the deadline.
pub(super) fn walk(
    doc: &Html,
    scope: Scope<'_>,
    exclude: &[Selector],
    writer: &mut TextWriter,
    deadline: &Deadline,
) -> Result<bool, ExtractError> {
    walk_from(doc.tree.root(), scope, exclude, writer, deadline)
}

/// [`walk`] over the subtree of `root` only (with [`Scope::All`]: the text of one element).
pub(super) fn walk_from(
    root: NodeRef<'_, Node>,
    scope: Scope<'_>,
    exclude: &[Selector],
    writer: &mut TextWriter,
    deadline: &Deadline,
) -> Result<bool, ExtractError> {
    let mut capture_depth = match scope {
        Scope::All => 1,
        _ => 0,
    };
    let mut skip_until: Option<ego_tree::NodeId> = None;
    let mut matched_any = matches!(scope, Scope::Body | Scope::All);

    let mut edges: u32 = 0;
    for edge in root.traverse() {
        edges = edges.wrapping_add(1);
        if edges.is_multiple_of(EDGES_PER_CHECK) {
            deadline.check()?;
        }
        match edge {
            Edge::Open(node) => {
                if skip_until.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) if capture_depth > 0 => writer.text(t),
                    Node::Element(el) => {
                        let name = el.name();
                        let el_ref = ElementRef::wrap(node).expect("element node");
                        if is_dropped(name) || exclude.iter().any(|s| s.matches(&el_ref)) {
                            skip_until = Some(node.id());
                            continue;
                        }
                        let starts_capture = match scope {
                            Scope::Body => name == "body",
                            Scope::Selected(select) => {
                                capture_depth == 0 && select.iter().any(|s| s.matches(&el_ref))
                            }
                            Scope::All => false,
                        };
                        if starts_capture {
                            matched_any = true;
                            capture_depth = 1;
                            writer.hard_break();
                        } else if capture_depth > 0 {
                            capture_depth += 1;
                        }
                        if capture_depth > 0 {
                            writer.open(name);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip_until {
                    if id == node.id() {
                        skip_until = None;
                    }
                    continue;
                }
                if let Node::Element(el) = node.value()
                    && capture_depth > 0
                {
                    writer.close(el.name());
                    capture_depth -= 1;
                    if capture_depth == 0 {
                        writer.hard_break();
                    }
                }
            }
        }
    }
    Ok(matched_any)
}
