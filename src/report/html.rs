//! The HTML report: one self-contained file (no scripts, no external assets, no network),
//! readable on a phone and printable, laid out as every report document is (`document`); a
//! diff shows the changed words of each line. Every string that came from a page or from
//! `sources.toml` is escaped; only validated http(s) URLs become links.

use std::fmt::Write;

use super::document::{Callout, Inline, Item, Markup, document};
use super::{Report, UncoveredChange};
use crate::compare::{DiffLine, Segment, parse_unified};

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An `href` only for http(s) URLs; anything else is shown as text.
fn link(url: &str, label: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noreferrer noopener\">{}</a>",
            escape(url),
            escape(label)
        )
    } else {
        escape(label)
    }
}

const STYLE: &str = r#"
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --del:#ffebe9; --del-strong:#ff818266;
        --ins:#e6ffec; --ins-strong:#4ac26b66; --flag:#9a6700; --bad:#cf222e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       margin: 0 auto; padding: 1rem; max-width: 72rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1.5rem 0 .25rem; overflow-wrap: anywhere; }
.summary { color: var(--muted); }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
td { overflow-wrap: break-word; }
.keep { white-space: nowrap; }
.flag { display: inline-block; font-size: .8rem; padding: 0 .4rem; border-radius: 1rem;
        border: 1px solid var(--flag); color: var(--flag); margin: 0 .2rem .2rem 0; white-space: nowrap; }
.quote { color: var(--muted); font-size: .9rem; }
.diff { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; }
.diff div { white-space: pre-wrap; overflow-wrap: anywhere; padding: 0 .5rem; }
.diff .hunk { background: #ddf4ff; color: var(--muted); }
.diff .del { background: var(--del); } .diff .ins { background: var(--ins); }
.diff del { background: var(--del-strong); text-decoration: line-through; }
.diff ins { background: var(--ins-strong); text-decoration: none; }
.touches { font-size: .9rem; margin: .25rem 0; }
.changes li { margin-bottom: .35rem; overflow-wrap: break-word; }
.value { font-weight: normal; background: #fff8c5; border-radius: 4px; padding: 0 .3rem;
         margin-left: .2rem; }
.bad { color: var(--bad); }
@media (max-width: 640px) {
  table, tbody, tr, td { display: block; width: 100%; } thead { display: none; }
  tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
  td { border: none; padding: .1rem 0; }
}
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
@media print { body { max-width: none; } a { color: inherit; } .diff { overflow: visible; }
               h3 { break-after: avoid; } .diff div { break-inside: avoid; } }
"#;

fn segments(segs: &[Segment], tag: &str) -> String {
    segs.iter()
        .map(|s| {
            if s.changed {
                format!("<{tag}>{}</{tag}>", escape(&s.text))
            } else {
                escape(&s.text)
            }
        })
        .collect()
}

fn diff_html(diff: &str) -> String {
    let mut out = String::from("<div class=\"diff\">");
    for line in parse_unified(diff) {
        let row = match line {
            DiffLine::File(_) => continue,
            DiffLine::Hunk(h, _) => format!("<div class=\"hunk\">{}</div>", escape(h)),
            DiffLine::Context(t) => format!("<div>  {}</div>", escape(t)),
            DiffLine::Removed(t, segs) => format!(
                "<div class=\"del\">- {}</div>",
                segs.map_or_else(|| escape(t), |s| segments(&s, "del"))
            ),
            DiffLine::Added(t, segs) => format!(
                "<div class=\"ins\">+ {}</div>",
                segs.map_or_else(|| escape(t), |s| segments(&s, "ins"))
            ),
        };
        out.push_str(&row);
    }
    out.push_str("</div>");
    out
}

/// A fact id as its route and its fact, each kept on one line: a narrow column may wrap it after
/// the `/`, never inside a name.
fn id_halves(id: &str) -> String {
    id.split_inclusive('/')
        .map(|part| format!("<span class=\"keep\">{}</span>", escape(part)))
        .collect()
}

/// One self-contained HTML page.
struct Html;

impl Markup for Html {
    const INLINE: Inline = Inline {
        escape,
        link: |label, url| link(url, label),
        strong: ["<strong>", "</strong>"],
        code: ["<code>", "</code>"],
        badge: ["<span class=\"flag\">", "</span>"],
        value: ["<span class=\"value\">", "</span>"],
        escape_code: true,
    };

    fn keep(&self, markup: &str) -> String {
        format!("<span class=\"keep\">{markup}</span>")
    }

    fn id_strong(&self, id: &str) -> String {
        format!("<strong>{}</strong>", id_halves(id))
    }

    fn id_code(&self, id: &str) -> String {
        format!("<code>{}</code>", id_halves(id))
    }

    fn start(&self, out: &mut String, report: &Report) {
        let s = &report.summary;
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <title>sourcewatch report {}</title><style>{STYLE}</style></head><body>\n",
            report.today
        );
        let _ = writeln!(out, "<h1>sourcewatch report · {}</h1>", report.today);
        let _ = writeln!(
            out,
            "<p class=\"summary\"><strong>{}</strong> · {}</p>",
            super::need_review(s.flags.flagged, s.facts),
            s.counts()
        );
    }

    fn heading(&self, out: &mut String, anchor: &str, text: &str) {
        let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", escape(anchor), escape(text));
    }

    fn paragraph(&self, out: &mut String, markup: &str) {
        let _ = writeln!(out, "<p>{markup}</p>");
    }

    fn list(&self, out: &mut String, items: &[Item]) {
        let _ = writeln!(out, "<ul class=\"changes\">");
        for item in items {
            let _ = write!(out, "<li>{}", item.head);
            for line in &item.under {
                let _ = write!(out, "<div class=\"quote\">{line}</div>");
            }
            let _ = writeln!(out, "</li>");
        }
        let _ = writeln!(out, "</ul>");
    }

    fn table(&self, out: &mut String, head: &[&str], rows: &[Vec<String>]) {
        let _ = write!(out, "<div class=\"table\"><table><thead><tr>");
        for h in head {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        let _ = writeln!(out, "</tr></thead><tbody>");
        for row in rows {
            let cells: String = row.iter().map(|c| format!("<td>{c}</td>")).collect();
            let _ = writeln!(out, "<tr>{cells}</tr>");
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }

    fn callout(&self, out: &mut String, kind: Callout, markup: &str) {
        let (class, word) = match kind {
            Callout::Note => ("touches", "Note"),
            Callout::Warning => ("touches bad", "Warning"),
        };
        let _ = writeln!(
            out,
            "<p class=\"{class}\"><strong>{word}:</strong> {markup}</p>"
        );
    }

    fn lines(&self, out: &mut String, changes: &[UncoveredChange]) {
        let _ = writeln!(out, "<div class=\"diff\">");
        for c in changes {
            for l in &c.removed {
                let _ = writeln!(out, "<div class=\"del\">- {}</div>", escape(l));
            }
            for l in &c.added {
                let _ = writeln!(out, "<div class=\"ins\">+ {}</div>", escape(l));
            }
        }
        let _ = writeln!(out, "</div>");
    }

    /// Every line, the changed words of paired lines marked.
    fn diff(&self, out: &mut String, unified: &str) {
        let _ = writeln!(out, "{}", diff_html(unified));
    }

    fn end(&self, out: &mut String, footer: &str) {
        let _ = writeln!(out, "<footer>{footer}</footer>\n</body></html>");
    }
}

pub(crate) fn render(report: &Report) -> String {
    document(report, &Html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_refuses_odd_links() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(link("javascript:alert(1)", "x"), "x");
        assert!(
            link("https://egov.kz/?a=1&b=\"2\"", "p")
                .contains("href=\"https://egov.kz/?a=1&amp;b=&quot;2&quot;\"")
        );
    }

    #[test]
    fn word_diff_marks_only_changed_words() {
        let d = "--- a\n+++ b\n@@ -1,1 +1,1 @@\n-within 45 days <b>\n+within 30 days <b>\n";
        let html = diff_html(d);
        assert!(html.contains("<del>45</del>"), "{html}");
        assert!(html.contains("<ins>30</ins>"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
    }
}
