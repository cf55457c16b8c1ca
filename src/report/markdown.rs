//! The Markdown report: fit for the body of a pull request or an issue.
//!
//! Summary line, the facts whose values changed (one line each), the facts whose passage was
//! reworded or removed (old and new passage), a table of flagged facts (each with its claim and
//! its route's title, linked to the route's page when sources.toml names one), the failed
//! sources, then per changed source the edits no fact covers and a fenced `diff` block with the
//! facts each hunk changes; long diffs fold into `<details>`. Text from pages and from
//! `sources.toml` is escaped so it renders as text, never as markup.

use std::fmt::Write;

use super::{FactReport, Report};
use crate::text::short_sha;

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
pub(super) fn uncovered_block(changes: &[super::UncoveredChange]) -> String {
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

/// The route of a fact: its title, linked to its page when it has one; its id in reports saved
/// before titles were recorded.
fn route(f: &FactReport) -> String {
    let title = f.route_title.as_deref().unwrap_or(&f.route);
    match &f.route_page {
        Some(page) => link(title, page),
        None => escape(title),
    }
}

fn flags(f: &FactReport) -> String {
    f.flags
        .iter()
        .map(|fl| format!("`{fl}`"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "## sourcewatch report · {}\n", report.today);
    let _ = writeln!(
        out,
        "**{}** · {}\n",
        super::need_review(s.flags.flagged, s.facts),
        s.counts()
    );

    let source_link = |id: &str| match report.source(id) {
        Some(src) => link(id, &src.url),
        None => escape(id),
    };
    let values: Vec<_> = report.value_changes().collect();
    if !values.is_empty() {
        let _ = writeln!(out, "### Values changed\n");
        for f in values {
            let _ = writeln!(
                out,
                "- **{}** {} · {}",
                escape(&f.id),
                escape(&f.value_line()),
                source_link(&f.source)
            );
        }
        let _ = writeln!(out);
    }
    let passages: Vec<_> = report.passage_changes().collect();
    if !passages.is_empty() {
        let _ = writeln!(out, "### Passages changed\n");
        for f in passages {
            let kind = f.change.map_or("", |c| c.as_str());
            let _ = writeln!(
                out,
                "- **{}** ({kind}) · {}",
                escape(&f.id),
                source_link(&f.source)
            );
            if let Some(p) = &f.passage {
                let _ = writeln!(out, "  - was: “{}”", escape(p));
            }
            if let Some(p) = &f.new_passage {
                let _ = writeln!(out, "  - now: “{}”", escape(p));
            }
        }
        let _ = writeln!(out);
    }

    let review = report.facts_for_review();
    if review.is_empty() {
        let _ = writeln!(out, "No fact needs review.\n");
    } else {
        let _ = writeln!(out, "### Facts that need review\n");
        let _ = writeln!(out, "| Fact | Claim | Route | Flags | Age | Source |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for f in &review {
            let source = source_link(&f.source);
            // Ids are [a-z0-9._-] and a slash: safe in a code span, and copyable for `verify`.
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} d | {} |",
                f.id,
                escape(&f.claim),
                route(f),
                flags(f),
                f.age_days,
                source
            );
        }
        let _ = writeln!(out);
        for f in review.iter().filter(|f| f.closest_passage.is_some()) {
            let sim = f.similarity_note();
            let _ = writeln!(
                out,
                "- **{}**: quote “{}” not found; closest now: “{}”{}",
                escape(&f.id),
                escape(f.quote.as_deref().unwrap_or("")),
                escape(f.closest_passage.as_deref().unwrap_or("")),
                sim
            );
        }
        if review.iter().any(|f| f.closest_passage.is_some()) {
            let _ = writeln!(out);
        }
    }

    // Failed sources before the diffs: a page cut to fit a pull request loses diff lines, not
    // the sources that need fixing.
    let failed: Vec<_> = report.failed_sources().collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "### Failed sources\n");
        let _ = writeln!(out, "| Source | Outcome | Detail |");
        let _ = writeln!(out, "|---|---|---|");
        for s in failed {
            let detail = s.detail();
            let _ = writeln!(
                out,
                "| {} | `{}` | {} |",
                link(&s.id, &s.url),
                s.capture.outcome,
                escape(&detail)
            );
        }
        let _ = writeln!(out);
    }
    for src in report.changed_sources() {
        let _ = writeln!(out, "### Changed: {}\n", escape(&src.id));
        let (from, to) = (
            src.baseline_sha256.as_deref().unwrap_or(""),
            src.capture.sha256.as_deref().unwrap_or(""),
        );
        let _ = writeln!(
            out,
            "{} · baseline `{}` → capture `{}` · `sourcewatch accept {}` after review\n",
            link("Official page", &src.url),
            short_sha(from),
            short_sha(to),
            src.id
        );
        for note in src.notes() {
            let _ = writeln!(out, "> **Note:** {}\n", escape(&note));
        }
        if src.confirmed == Some(false) {
            let _ = writeln!(
                out,
                "> **Warning:** the page gave two different new texts on two fetches; it may be \
                 unstable (a CDN node or an A/B test). Check it in a browser before accepting.\n"
            );
        }
        for (i, h) in src.hunks_touching_facts() {
            let ids = h
                .facts
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "- hunk {} (`@@ -{},{} +{},{} @@`) touches {}",
                i + 1,
                h.old_start,
                h.old_lines,
                h.new_start,
                h.new_lines,
                ids
            );
        }
        if src.hunks.iter().any(|h| !h.facts.is_empty()) {
            let _ = writeln!(out);
        }
        if !src.uncovered.is_empty() {
            let _ = writeln!(
                out,
                "**Changes no fact covers ({})**: new official text nobody quotes; read it.\n",
                src.uncovered.len()
            );
            let _ = writeln!(out, "{}", uncovered_block(&src.uncovered));
        }
        if let Some(diff) = &src.diff {
            let fence = fence_for(diff);
            let lines = diff.lines().count();
            let fold = lines > FOLD_AFTER_LINES;
            if fold {
                let _ = writeln!(out, "<details><summary>Diff ({lines} lines)</summary>\n");
            }
            let _ = writeln!(out, "{fence}diff\n{}{fence}\n", diff);
            if fold {
                let _ = writeln!(out, "</details>\n");
            }
        }
    }

    let notes = report.notes();
    if !notes.is_empty() {
        let _ = writeln!(out, "### Notes\n");
        for (id, note) in notes {
            let _ = writeln!(out, "- **{}**: {}", escape(id), escape(&note));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "<sub>{} · {}</sub>",
        escape(&report.tool),
        report.finished_at.format("%Y-%m-%d %H:%M UTC")
    );
    out
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
