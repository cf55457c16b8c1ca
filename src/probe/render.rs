//! A probe as people read it.

use super::*;

pub(super) fn render_text(p: &Probe) -> String {
    let mut out = String::new();
    let t = &p.settings;
    out.push_str(&format!("probe {}\n", p.url));
    if let Some(id) = &t.source {
        out.push_str(&format!(
            "  source    {id} (sources.toml, with the flags applied)\n"
        ));
    }
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            toml_list(items)
        }
    };
    let select = if t.select.is_empty() {
        "none (the <body>)".to_string()
    } else {
        toml_list(&t.select)
    };
    out.push_str(&format!("  select    {select}\n"));
    out.push_str(&format!("  exclude   {}\n", list(&t.exclude)));
    out.push_str(&format!("  ignore    {}\n", list(&t.ignore)));
    out.push_str(&format!("  render    {}\n", t.render));
    match p.http_status {
        Some(status) => {
            let mut fetched = format!("  fetched   HTTP {status}");
            if let Some(bytes) = p.bytes {
                fetched.push_str(&format!(", {bytes} bytes"));
            }
            if let Some(ct) = &p.content_type {
                fetched.push_str(&format!(", {ct}"));
            }
            out.push_str(&fetched);
            out.push('\n');
            if let Some(final_url) = p.final_url.as_deref().filter(|u| *u != p.url) {
                out.push_str(&format!(
                    "  moved     the page redirected to {final_url}; the block below uses that \
                     URL\n"
                ));
            }
        }
        None => out.push_str("  fetched   nothing\n"),
    }
    if let (Some(outcome), Some(error)) = (p.outcome, &p.error) {
        out.push_str(&format!("  {outcome}: {error}\n"));
    }
    if let Some(words) = &p.wall_words {
        out.push_str(&format!(
            "  note      this page reads like a challenge page ({words}); a check takes it as \
             the page unless it lost what its baseline had\n"
        ));
    }

    if let Some(text) = &p.text {
        let lines = text.lines().count();
        out.push_str(&format!(
            "\ntext ({} bytes, {lines} line{}):\n",
            text.len(),
            if lines == 1 { "" } else { "s" }
        ));
        for line in text.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }

    if !p.quotes.is_empty() {
        let found = p.quotes.iter().filter(|q| q.found == Some(true)).count();
        out.push_str(&format!(
            "\nquotes ({found} of {} found in the text):\n",
            p.quotes.len()
        ));
        for q in &p.quotes {
            let word = match q.found {
                Some(true) => "found    ",
                Some(false) => "not found",
                None => "no text  ",
            };
            out.push_str(&format!("  {word}  {}", toml_str(&q.quote)));
            match q.occurrences {
                Some(n) if n > 1 => {
                    out.push_str(&format!(
                        "  (occurs {n} times; an edit of any of them flags the fact)\n"
                    ));
                    for passage in &q.passages {
                        out.push_str(&format!("             in: {passage}\n"));
                    }
                }
                _ => out.push('\n'),
            }
            if let (Some(closest), Some(sim)) = (&q.closest_passage, q.closest_similarity) {
                out.push_str(&format!(
                    "             closest: {closest} ({:.0}% similar)\n",
                    sim * 100.0
                ));
            }
        }
        if p.candidates.is_empty() {
            out.push_str("\nno element of the page holds a quote\n");
        } else {
            out.push_str("\ncandidate selectors (best first; each verified by extraction):\n");
            let width = p
                .candidates
                .iter()
                .map(|c| c.selector.len())
                .max()
                .unwrap_or(0);
            for (i, c) in p.candidates.iter().enumerate() {
                out.push_str(&format!(
                    "  {}. {:width$}  {}/{} quotes  {} bytes  {} match{}\n",
                    i + 1,
                    c.selector,
                    c.quotes_found,
                    p.quotes.len(),
                    c.text_bytes,
                    c.matches,
                    if c.matches == 1 { "" } else { "es" },
                ));
            }
        }
        if p.search_cut_short {
            out.push_str(
                "the search for candidates was cut short at the time limit (timeout_secs): \
                 the list holds what was verified by then\n",
            );
        }
    }

    match &p.source_block {
        Some(block) => {
            out.push_str("\n# paste into sources.toml, then add the facts that quote this page\n");
            out.push_str(block);
        }
        None => out.push_str(
            "\nno [[sources]] block: the page could not be fetched; check the URL in a \
             browser (or try --render browser), then probe again\n",
        ),
    }
    out
}
