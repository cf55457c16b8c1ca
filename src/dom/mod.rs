//! HTML parsed within limits: every page, fragment and rendered DOM that sourcewatch parses goes
//! through [`parse_document`] or [`parse_fragment`], never straight to `scraper::Html`.
//!
//! html5ever's tree builder answers many tags by walking the stack of open elements (is there a
//! `<p>` in button scope? where is the element this end tag closes?), so its time grows with
//! nesting depth × tags: 100,000 nested `<div>`s took 28 s of CPU, 200,000 (2.2 MB) 178 s, and a
//! 10 MB body holds ~900,000. Two limits keep a hostile page to one failed source:
//!
//! - **Before parsing**, a byte scan ([`Scan`]) follows the stack of open elements the way the
//!   tree builder would, closely enough: void and raw-text elements, comments, the end tags and
//!   start tags that close elements implicitly (`<li>`, `<td>`, `<p>` before a block …), and
//!   self-closing tags in SVG and MathML. It refuses a page whose depth passes [`MAX_DEPTH`] or
//!   whose estimated stack walking (the sum of the depth at every start tag) passes
//!   [`MAX_WORK`]. Chromium's own parser stops nesting at 512 levels, so no page that renders
//!   relies on more; real government pages stay under 40. The scan costs a few microseconds per
//!   typical page: one `memchr` per tag and a hash-map update per element.
//! - **While parsing**, the text goes to html5ever in 16 KiB pieces and a [`Deadline`] is checked
//!   between pieces, so whatever the scan misjudges still ends on time instead of holding a
//!   worker thread. Extraction checks the same deadline while it walks the tree.
//!
//! A leaf: both the browser's `wait_for` check (fetch) and extraction parse HTML.

use std::time::{Duration, Instant};

use html5ever::tendril::TendrilSink;
use html5ever::{QualName, local_name, ns};
use scraper::{Html, HtmlTreeSink, StrTendril};

mod scan;
mod tags;

pub(crate) use scan::Scan;

/// Deepest nesting of open elements accepted: four times the depth at which Chromium's parser
/// stops nesting (512), fifty times what real pages use.
pub(crate) const MAX_DEPTH: usize = 2_000;
/// Most stack walking accepted, as the sum of the depth at every start tag: at about 5 ns a
/// step, a little over a second of html5ever's time. A 10 MB page of 300,000 elements at an
/// average depth of 40 (a very large real page) comes to 12 million.
pub(crate) const MAX_WORK: u64 = 250_000_000;
/// Bytes given to html5ever between two looks at the deadline.
const PIECE: usize = 16 * 1024;

/// When CPU work on one page must stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    pub(crate) fn after(budget: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }

    /// The time left, zero once it is up.
    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Whether the time is up.
    pub(crate) fn passed(&self) -> bool {
        Instant::now() >= self.at
    }

    /// The same deadline moved later by `by`: time spent waiting on the network again (a
    /// confirming fetch) is not time for work.
    pub(crate) fn later(self, by: Duration) -> Deadline {
        Deadline {
            at: self.at + by,
            budget: self.budget,
        }
    }

    /// `Err` once the time is up.
    pub(crate) fn check(&self) -> Result<(), DomError> {
        if Instant::now() >= self.at {
            Err(DomError::Deadline(self.budget))
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DomError {
    #[error(
        "elements nest deeper than {MAX_DEPTH} levels (at byte {at}); refused before parsing, \
         since parsing such nesting takes minutes and no real page needs it"
    )]
    TooDeep { at: usize },
    #[error(
        "the markup would take too long to parse ({work} million nested steps by byte {at}, \
         at most {} million); refused before parsing",
        MAX_WORK / 1_000_000
    )]
    TooComplex { at: usize, work: u64 },
    #[error("parsing and extraction took longer than {} s", .0.as_secs_f64())]
    Deadline(Duration),
}

/// A whole document, once [`Scan`] passes it, parsed piece by piece until `deadline`.
pub(crate) fn parse_document(html: &str, deadline: &Deadline) -> Result<Html, DomError> {
    Scan::check(html)?;
    let parser =
        html5ever::parse_document(HtmlTreeSink::new(Html::new_document()), Default::default());
    feed(parser, html, deadline)
}

/// A fragment (HTML inside a JSON string) in a `<body>` context, like
/// `scraper::Html::parse_fragment`, within the same limits.
pub(crate) fn parse_fragment(html: &str, deadline: &Deadline) -> Result<Html, DomError> {
    Scan::check(html)?;
    let parser = html5ever::parse_fragment(
        HtmlTreeSink::new(Html::new_fragment()),
        Default::default(),
        QualName::new(None, ns!(html), local_name!("body")),
        Vec::new(),
        false,
    );
    feed(parser, html, deadline)
}

fn feed(
    mut parser: html5ever::Parser<HtmlTreeSink>,
    html: &str,
    deadline: &Deadline,
) -> Result<Html, DomError> {
    let mut rest = html;
    while !rest.is_empty() {
        deadline.check()?;
        let mut end = rest.len().min(PIECE);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&rest[..end]));
        rest = &rest[end..];
    }
    let doc = parser.finish();
    deadline.check()?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(html: &str) -> usize {
        Scan::new().run(html.as_bytes()).unwrap()
    }

    /// The deepest element of the parsed tree, counting from `<html>` (depth 1).
    fn parsed_depth(html: &str) -> usize {
        let doc = Html::parse_document(html);
        doc.tree
            .nodes()
            .filter(|n| n.value().is_element())
            .map(|n| n.ancestors().filter(|a| a.value().is_element()).count() + 1)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn nesting_hang_is_refused_before_parsing() {
        let page = "<div>".repeat(200_000);
        let started = Instant::now();
        let err = parse_document(&page, &Deadline::after(Duration::from_secs(60))).unwrap_err();
        assert!(matches!(err, DomError::TooDeep { .. }), "{err}");
        assert!(err.to_string().contains("deeper than 2000 levels"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        let fragment = format!("<p>{}</p>", "<span>".repeat(5_000));
        assert!(matches!(
            parse_fragment(&fragment, &Deadline::after(Duration::from_secs(60))),
            Err(DomError::TooDeep { .. })
        ));
    }

    #[test]
    fn the_scan_follows_the_tree_builder() {
        let n = 300;
        // Nesting the parser really builds: the estimate must not be lower (the three elements
        // the parser makes itself aside).
        let deep = [
            "<div>".repeat(n),
            "<span>".repeat(n),
            "<p><div>".repeat(n),
            format!("<span>{}", "<div></span>".repeat(n)),
            "<b><div></b>".repeat(n),
            format!("<svg>{}", "<g>".repeat(n)),
            "<table><tr><td>".repeat(n),
            "<ul><li>".repeat(n),
            "<div><!-- </div> -->".repeat(n),
            "<div title='</div>'>".repeat(n),
            "<a><div>".repeat(n),
            format!("<svg><p>{}", "<div/>".repeat(n)),
            format!("<svg><foreignObject>{}", "<div/>".repeat(n)),
            "<math><mi><div>".repeat(n),
        ];
        for page in &deep {
            let (est, real) = (estimate(page), parsed_depth(page));
            assert!(
                est + 3 >= real,
                "{}: estimate {est}, parsed {real}",
                &page[..40]
            );
        }
        // What real pages do without nesting: unclosed list items, paragraphs, cells, links and
        // options, self-closing SVG shapes, void elements, scripts full of tags.
        let flat = [
            "<ul>".to_string() + &"<li><span>item".repeat(n),
            "<p><b>para".repeat(n),
            "<table>".to_string() + &"<tr><td><font>a<td>b".repeat(n),
            "<a href=x>link".repeat(n),
            "<select>".to_string() + &"<option>o".repeat(n),
            format!("<svg>{}</svg>", "<path d='M0'/>".repeat(n)),
            format!("<svg>{}</svg>", "<g><rect/><circle/></g>".repeat(n)),
            "<br><img src=x><input>".repeat(n),
            format!("<script>{}</script>", "<div>".repeat(n)),
            "<dl>".to_string() + &"<dt>t<dd>d".repeat(n),
            "<h2>x<h3>y".repeat(n),
        ];
        for page in &flat {
            let (est, real) = (estimate(page), parsed_depth(page));
            assert!(est <= 8, "{}: estimate {est}, parsed {real}", &page[..40]);
        }
    }

    #[test]
    fn many_tags_deep_down_are_too_much_work() {
        // Shallow enough, but every block tag makes the parser walk 1,900 open elements.
        let page = format!("{}{}", "<div>".repeat(1_900), "<div></div>".repeat(200_000));
        let err = Scan::check(&page).unwrap_err();
        assert!(matches!(err, DomError::TooComplex { .. }), "{err}");
    }

    #[test]
    fn the_deadline_stops_a_parse_in_progress() {
        let page = format!("{}{}", "<div>".repeat(1_500), "<div></div>".repeat(20_000));
        Scan::check(&page).unwrap();
        let started = Instant::now();
        let err = parse_document(&page, &Deadline::after(Duration::from_millis(20))).unwrap_err();
        assert_eq!(err, DomError::Deadline(Duration::from_millis(20)));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn parsing_in_pieces_builds_the_same_tree() {
        let page = format!(
            "<html><body>{}</body></html>",
            "<p class=\"x\">Срок – 45 дней <b>жұмыс</b></p><table><tr><td>a</td></tr></table>"
                .repeat(2_000)
        );
        let ours = parse_document(&page, &Deadline::after(Duration::from_secs(60))).unwrap();
        assert_eq!(ours, Html::parse_document(&page));
        let fragment = "<p>a<br>b</p><ul><li>c</ul>";
        let ours = parse_fragment(fragment, &Deadline::after(Duration::from_secs(60))).unwrap();
        assert_eq!(ours, Html::parse_fragment(fragment));
    }
}
