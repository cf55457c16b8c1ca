//! The commands an editor runs after a check, on one source or fact at a time: `diff`,
//! `history`, `accept`, `verify`.

use std::io::Write;

use super::{Exit, load_registry, refuse_future_write, stdout_look};
use crate::cli::{Cli, HistoryFormat};
use crate::registry::{self, Registry};
use crate::report;
use crate::store::{Store, VerifiedBy};
use crate::text::short_sha;

fn known_source<'r>(registry: &'r Registry, id: &str) -> anyhow::Result<&'r str> {
    match registry.source(id) {
        Some(s) => Ok(&s.id),
        None => {
            let hint = registry::did_you_mean(id, registry.sources.iter().map(|s| s.id.as_str()));
            anyhow::bail!("unknown source {}{hint}", registry::shown_id(id))
        }
    }
}

/// `diff SOURCE_ID [--from REF] [--to REF]`: exit 0 when the two texts are equal, 1 when not.
pub(super) fn diff(cli: &Cli, id: &str, from: &str, to: &str) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let id = known_source(&registry, id)?;
    let store = Store::open_read(&registry.settings.snapshots_dir)?;
    let (old_ref, new_ref) = (
        crate::history::resolve(&store, id, from)?,
        crate::history::resolve(&store, id, to)?,
    );
    if old_ref.sha256 == new_ref.sha256 {
        if !cli.quiet {
            println!(
                "{id}: {from} and {to} are the same text ({})",
                short_sha(&old_ref.sha256)
            );
        }
        return Ok(Exit::Clean);
    }
    let source = store.source(id);
    let old = source.text(&old_ref.sha256)?;
    let new = source.text(&new_ref.sha256)?;
    let label = |v: &crate::history::Named| {
        format!(
            "{id} {} {} ({})",
            v.what,
            short_sha(&v.sha256),
            v.captured_at.format("%Y-%m-%d %H:%M UTC")
        )
    };
    let d = crate::compare::diff(&old, &new, &label(&old_ref), &label(&new_ref));
    let Some(d) = d else {
        // Stored under two names, the same text: a hand-edited state, not a change.
        if !cli.quiet {
            println!("{id}: {from} and {to} are the same in text");
        }
        return Ok(Exit::Clean);
    };
    let mut out = std::io::stdout().lock();
    if stdout_look(cli).colour {
        out.write_all(report::text::colour_diff(&d.unified).as_bytes())?;
    } else {
        out.write_all(d.unified.as_bytes())?;
    }
    Ok(Exit::Review)
}

/// `history SOURCE_ID`: the source's captures, newest first.
pub(super) fn history(cli: &Cli, id: &str, format: HistoryFormat) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let id = known_source(&registry, id)?;
    let source = registry.source(id).expect("known");
    let store = Store::open_read(&registry.settings.snapshots_dir)?;
    let history = crate::history::history(&store, source)?;
    let rendered = match format {
        HistoryFormat::Json => history.to_json(),
        HistoryFormat::Text => report::history::render_text(&history, &stdout_look(cli)),
    };
    if !(cli.quiet && format == HistoryFormat::Text) {
        std::io::stdout().lock().write_all(rendered.as_bytes())?;
    }
    Ok(Exit::Clean)
}

pub(super) fn accept(cli: &Cli, ids: &[String], all: bool) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let store = Store::open(&registry.settings.snapshots_dir)?;
    let chosen: Vec<&str> = if all {
        let mut pending = Vec::new();
        for s in &registry.sources {
            let source = store.source(&s.id);
            let st = source.state()?;
            let differs =
                matches!((&st.baseline, &st.latest), (Some(b), Some(l)) if b.sha256 != l.sha256);
            let last_good = source
                .last_capture()?
                .is_some_and(|c| c.record.outcome.is_good());
            if differs && last_good {
                pending.push(s.id.as_str());
            }
        }
        pending
    } else {
        ids.iter()
            .map(|id| known_source(&registry, id))
            .collect::<anyhow::Result<_>>()?
    };
    // Check every source first: accept all or none.
    for id in &chosen {
        store.source(id).check_acceptable()?;
    }
    if chosen.is_empty() && !cli.quiet {
        println!("nothing to accept: every baseline equals its latest capture");
    }
    for id in chosen {
        let v = store.source(id).accept()?;
        if !cli.quiet {
            println!(
                "accepted {id}: baseline is now {} (captured {})",
                short_sha(&v.sha256),
                v.captured_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
    }
    Ok(Exit::Clean)
}

pub(super) fn verify(
    cli: &Cli,
    ids: &[String],
    date: Option<chrono::NaiveDate>,
    quote: Option<&str>,
) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let today = cli.today();
    let date = date.unwrap_or(today);
    if date > today {
        anyhow::bail!("--date {date} is in the future (today is {today})");
    }
    refuse_future_write(date, "verify")?;
    let mut facts = Vec::new();
    for id in ids {
        let Some(fact) = registry.fact(id) else {
            let hint = registry::did_you_mean(id, registry.facts().map(|f| f.id.as_str()));
            anyhow::bail!(
                "unknown fact {}{hint}; fact ids are route/fact",
                registry::shown_id(id)
            );
        };
        facts.push(fact.id.clone());
    }
    if quote.is_some() && facts.len() > 1 {
        anyhow::bail!("--quote is one fact's new wording: give one FACT_ID with it");
    }
    // The lock keeps a concurrent `check --refresh` from editing sources.toml at the same time.
    let store = Store::open(&registry.settings.snapshots_dir)?;
    let checked: Vec<&registry::Fact> = facts
        .iter()
        .filter_map(|id| registry.fact(id.as_str()))
        .collect();
    if let Some(quote) = quote {
        crate::review::adopt_quote(&registry, &store, checked[0], quote, date)?;
        if !cli.quiet {
            println!(
                "verified {}: last_verified = {date}, quote = “{}”",
                facts[0],
                quote.trim()
            );
        }
        return Ok(Exit::Clean);
    }
    let skipped = crate::check::write_verified(&registry, &store, &facts, date, VerifiedBy::Human)?;
    if !cli.quiet {
        for id in facts.iter().filter(|id| !skipped.contains(id)) {
            println!("verified {id}: last_verified = {date}");
        }
    }
    for warning in crate::review::missing_quote_warnings(&store, &checked)? {
        eprintln!("warning: {warning}");
    }
    if !skipped.is_empty() {
        anyhow::bail!(
            "not verified (their claim or quote in sources.toml changed while verify ran): {}",
            skipped
                .iter()
                .map(|id| id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(Exit::Clean)
}
