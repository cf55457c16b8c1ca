//! The HTML report: one self-contained file (no scripts, no external assets, no network),
//! readable on a phone and printable. Value changes first, then reworded or removed passages,
//! the flagged facts, each changed source with the edits no fact covers and an inline word
//! diff, then failures. Every string that came from a page or from `sources.toml` is
//! escaped; only validated http(s) URLs become links.

use std::fmt::Write;

use super::{FactReport, Report};
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
       margin: 0 auto; padding: 1rem; max-width: 60rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1.5rem 0 .25rem; overflow-wrap: anywhere; }
.summary { color: var(--muted); }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
td { overflow-wrap: anywhere; }
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
.changes li { margin-bottom: .35rem; overflow-wrap: anywhere; }
.value { font-weight: 600; }
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

fn flags(f: &FactReport) -> String {
    f.flags
        .iter()
        .map(|fl| format!("<span class=\"flag\">{}</span>", fl.as_str()))
        .collect()
}

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

pub(crate) fn render(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
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

    let source_link = |id: &str| {
        report
            .source(id)
            .map_or_else(|| escape(id), |src| link(&src.url, id))
    };
    let values: Vec<_> = report.value_changes().collect();
    if !values.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"values\">Values changed</h2><ul class=\"changes\">"
        );
        for f in values {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong> <span class=\"value\">{}</span> · {}</li>",
                escape(&f.id),
                escape(&f.value_line()),
                source_link(&f.source)
            );
        }
        let _ = writeln!(out, "</ul>");
    }
    let passages: Vec<_> = report.passage_changes().collect();
    if !passages.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"passages\">Passages changed</h2><ul class=\"changes\">"
        );
        for f in passages {
            let kind = f.change.map_or("", |c| c.as_str());
            let mut item = format!(
                "<li><strong>{}</strong> ({kind}) · {}",
                escape(&f.id),
                source_link(&f.source)
            );
            if let Some(p) = &f.passage {
                let _ = write!(item, "<div class=\"quote\">was: “{}”</div>", escape(p));
            }
            if let Some(p) = &f.new_passage {
                let _ = write!(item, "<div class=\"quote\">now: “{}”</div>", escape(p));
            }
            let _ = writeln!(out, "{item}</li>");
        }
        let _ = writeln!(out, "</ul>");
    }

    let review = report.facts_for_review();
    let _ = writeln!(out, "<h2 id=\"facts\">Facts that need review</h2>");
    if review.is_empty() {
        let _ = writeln!(out, "<p>No fact needs review.</p>");
    } else {
        let _ = writeln!(
            out,
            "<div class=\"table\"><table><thead><tr><th>Fact</th><th>Route</th><th>Flags</th>\
             <th>Age</th><th>Source</th></tr></thead><tbody>"
        );
        for f in &review {
            let source = source_link(&f.source);
            let mut detail = format!("<div class=\"quote\">{}</div>", escape(&f.claim));
            if let (Some(q), Some(p)) = (&f.quote, &f.closest_passage) {
                let sim = f.similarity_note();
                let _ = write!(
                    detail,
                    "<div class=\"quote\">quote: “{}”<br>closest now: “{}”{}</div>",
                    escape(q),
                    escape(p),
                    sim
                );
            }
            let title = f.route_title.as_deref().unwrap_or(&f.route);
            let route = match &f.route_page {
                Some(page) => link(page, title),
                None => escape(title),
            };
            let _ = writeln!(
                out,
                "<tr><td><strong>{}</strong>{}</td><td>{}</td><td>{}</td><td>{}&nbsp;d</td>\
                 <td>{}</td></tr>",
                escape(&f.id),
                detail,
                route,
                flags(f),
                f.age_days,
                source
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }

    let changed: Vec<_> = report.changed_sources().collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "<h2 id=\"changed\">Changed sources</h2>");
    }
    for src in changed {
        let _ = writeln!(
            out,
            "<h3>{} · {}</h3>",
            escape(&src.id),
            link(&src.url, "official page")
        );
        for note in src.notes() {
            let _ = writeln!(
                out,
                "<p class=\"touches\"><strong>Note:</strong> {}</p>",
                escape(&note)
            );
        }
        if src.confirmed == Some(false) {
            let _ = writeln!(
                out,
                "<p class=\"touches bad\"><strong>Warning:</strong> the page gave two different \
                 new texts on two fetches; it may be unstable. Check it in a browser before \
                 accepting.</p>"
            );
        }
        for (i, h) in src.hunks_touching_facts() {
            let ids: Vec<String> = h
                .facts
                .iter()
                .map(|f| format!("<code>{}</code>", escape(f)))
                .collect();
            let _ = writeln!(
                out,
                "<p class=\"touches\">Change {} touches {}</p>",
                i + 1,
                ids.join(", ")
            );
        }
        if !src.uncovered.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"touches\"><strong>Changes no fact covers ({})</strong>: new official \
                 text nobody quotes; read it.</p><div class=\"diff\">",
                src.uncovered.len()
            );
            for c in &src.uncovered {
                for l in &c.removed {
                    let _ = writeln!(out, "<div class=\"del\">- {}</div>", escape(l));
                }
                for l in &c.added {
                    let _ = writeln!(out, "<div class=\"ins\">+ {}</div>", escape(l));
                }
            }
            let _ = writeln!(out, "</div>");
        }
        if let Some(diff) = &src.diff {
            let _ = writeln!(out, "{}", diff_html(diff));
        }
    }

    let failed: Vec<_> = report.failed_sources().collect();
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"failed\">Failed sources</h2><div class=\"table\"><table><thead><tr>\
             <th>Source</th><th>Outcome</th><th>Detail</th></tr></thead><tbody>"
        );
        for s in failed {
            let detail = s.detail();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"bad\">{}</td><td>{}</td></tr>",
                link(&s.url, &s.id),
                s.capture.outcome,
                escape(&detail)
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }
    let notes = report.notes();
    if !notes.is_empty() {
        let _ = writeln!(out, "<h2 id=\"notes\">Notes</h2><ul class=\"changes\">");
        for (id, note) in notes {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong>: {}</li>",
                escape(id),
                escape(&note)
            );
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(
        out,
        "<footer>{} · finished {}</footer>\n</body></html>",
        escape(&report.tool),
        report.finished_at.format("%Y-%m-%d %H:%M UTC")
    );
    out
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
