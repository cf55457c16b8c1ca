//! The Markdown report: fit for the body of a pull request or an issue.
//!
//! Summary line, the facts whose values changed (one line each), the facts whose passage was
//! reworded or removed (old and new passage), a table of flagged facts (each with its claim and
//! its route's title, linked to the route's page when sources.toml names one), the failed
//! sources, then per changed source the edits no fact covers and a fenced `diff` block with the
//! facts each hunk changes; long diffs fold into `<details>`. Text from pages and from
//! `sources.toml` is escaped so it renders as text, never as markup.

use std::fmt::Write;

use super::document::{Callout, Inline, Item, Markup, document};
use super::{Report, UncoveredChange};

/// Diffs longer than this fold into `<details>`.
const FOLD_AFTER_LINES: usize = 40;

/// Escapes text for a Markdown paragraph or table cell.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `[label](url)` for an http(s) URL, its characters that Markdown or a table would read as
/// syntax (`(`, `)`, `[`, `]`, `|`, `<`, `>`, backtick, backslash, spaces) percent-encoded, so a
/// URL can neither end its link early nor add cells; anything else is the label as text.
fn link(label: &str, url: &str) -> String {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return escape(label);
    }
    let mut target = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' | ')' | '[' | ']' | '|' | '<' | '>' | '`' | '\\' | '"' | '\'' => {
                target.push_str(&format!("%{:02X}", c as u32))
            }
            c if c.is_whitespace() || c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    target.push_str(&format!("%{b:02X}"));
                }
            }
            c => target.push(c),
        }
    }
    format!("[{}]({target})", escape(label))
}

/// Lines no fact covers as a fenced `diff` block.
pub(super) fn uncovered_block(changes: &[UncoveredChange]) -> String {
    let lines: String = changes
        .iter()
        .flat_map(|c| {
            c.removed
                .iter()
                .map(|l| format!("-{l}\n"))
                .chain(c.added.iter().map(|l| format!("+{l}\n")))
        })
        .collect();
    let fence = fence_for(&lines);
    format!("{fence}diff\n{lines}{fence}\n")
}

/// A code fence longer than any run of backticks inside `body`.
fn fence_for(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// A Markdown document's title and its summary line: what needs review, then the counts.
pub(super) fn title(out: &mut String, what: &str, need: &str, counts: &str) {
    let _ = writeln!(out, "## sourcewatch {what}\n\n**{need}** · {counts}\n");
}

/// Markdown as GitHub and GitLab render it.
struct Markdown;

impl Markup for Markdown {
    /// Ids are `[a-z0-9._-]` and a slash, hashes hex, commands made of them: safe in a code
    /// span, and copyable as they are.
    const INLINE: Inline = Inline {
        escape,
        link,
        strong: ["**", "**"],
        code: ["`", "`"],
        badge: ["`", "`"],
        value: ["", ""],
        escape_code: false,
    };

    fn start(&self, out: &mut String, report: &Report) {
        let s = &report.summary;
        let need = super::need_review(s.flags.flagged, s.facts);
        title(
            out,
            &format!("report · {}", report.today),
            &need,
            &s.counts(),
        );
    }

    fn heading(&self, out: &mut String, _anchor: &str, text: &str) {
        let _ = writeln!(out, "### {}\n", escape(text));
    }

    fn paragraph(&self, out: &mut String, markup: &str) {
        let _ = writeln!(out, "{markup}\n");
    }

    fn list(&self, out: &mut String, items: &[Item]) {
        for item in items {
            let _ = writeln!(out, "- {}", item.head);
            for line in &item.under {
                let _ = writeln!(out, "  - {line}");
            }
        }
        out.push('\n');
    }

    fn table(&self, out: &mut String, head: &[&str], rows: &[Vec<String>]) {
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out.push('\n');
    }

    fn callout(&self, out: &mut String, kind: Callout, markup: &str) {
        let word = match kind {
            Callout::Note => "Note",
            Callout::Warning => "Warning",
        };
        let _ = writeln!(out, "> **{word}:** {markup}\n");
    }

    fn lines(&self, out: &mut String, changes: &[UncoveredChange]) {
        let _ = writeln!(out, "{}", uncovered_block(changes));
    }

    /// Fenced, long diffs folded into `<details>`.
    fn diff(&self, out: &mut String, unified: &str) {
        let fence = fence_for(unified);
        let lines = unified.lines().count();
        let fold = lines > FOLD_AFTER_LINES;
        if fold {
            let _ = writeln!(out, "<details><summary>Diff ({lines} lines)</summary>\n");
        }
        let _ = writeln!(out, "{fence}diff\n{unified}{fence}\n");
        if fold {
            let _ = writeln!(out, "</details>\n");
        }
    }

    fn end(&self, out: &mut String, footer: &str) {
        let _ = writeln!(out, "<sub>{footer}</sub>");
    }
}

pub(crate) fn render(report: &Report) -> String {
    document(report, &Markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_cannot_add_links_or_cells() {
        let evil = "https://e.org/nope)[click](javascript:alert(1))|cell|";
        let md = link("src", evil);
        assert_eq!(
            md,
            "[src](https://e.org/nope%29%5Bclick%5D%28javascript:alert%281%29%29%7Ccell%7C)"
        );
        assert!(!md.contains('|') && md.matches('(').count() == 1);
        assert_eq!(link("src", "javascript:alert(1)"), "src");
    }

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(
            escape("<script>a|b</script>"),
            "&lt;script&gt;a\\|b&lt;/script&gt;"
        );
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("has ```` four"), "`````");
        assert_eq!(
            link("x_y", "https://example.org/a (b)"),
            "[x\\_y](https://example.org/a%20%28b%29)"
        );
        assert_eq!(link("x", "javascript:alert(1)"), "x");
    }
}
