//! Runs a parsed command and decides the exit code. Errors that are the user's to fix (bad
//! config, lock held, unknown id) come back as [`Exit::Trouble`], exit 2.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::{CheckArgs, Cli, Command, HistoryFormat, ReportFormat, StatusFormat};
use crate::notify::Notifier;
use crate::registry::{self, Registry};
use crate::report::{self, Report};
use crate::store::{Store, VerifiedBy};
use crate::term::{Look, Stream, count};
use crate::text::short_sha;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing needs review.
    Clean = 0,
    /// A fact is flagged or a source failed.
    Review = 1,
    /// Usage, invalid config, I/O, lock held.
    Trouble = 2,
}

impl Exit {
    fn of(report: &Report) -> Exit {
        if report.needs_review() {
            Exit::Review
        } else {
            Exit::Clean
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Validate { store } => {
            let reg = load_registry(&cli)?;
            if !cli.quiet {
                println!(
                    "{}: ok ({}, {}, {})",
                    cli.config.display(),
                    count(reg.sources.len(), "source", "sources"),
                    count(reg.routes.len(), "route", "routes"),
                    count(reg.facts().count(), "fact", "facts")
                );
            }
            if *store {
                let dir = &reg.settings.snapshots_dir;
                let opened = Store::open_read(dir)?;
                let damage = opened.verify()?;
                if !damage.is_empty() {
                    for d in &damage {
                        eprintln!("damaged: {d}");
                    }
                    anyhow::bail!(
                        "{} in {}",
                        count(damage.len(), "problem", "problems"),
                        dir.display()
                    );
                }
                if !cli.quiet {
                    println!(
                        "{}: ok (every stored text matches its SHA-256)",
                        dir.display()
                    );
                    for note in crate::status::quote_notes(&reg, &opened)? {
                        println!("note: {note}");
                    }
                }
            }
            Ok(Exit::Clean)
        }
        Command::Check(args) => check(&cli, args),
        Command::Diff { source, from, to } => diff(&cli, source, from, to),
        Command::History { source, format } => history(&cli, source, *format),
        Command::Demo { dir, serve } => {
            if cli.config_given {
                anyhow::bail!(
                    "demo writes its own sources.toml (in --dir DIR, or a new temporary folder) \
                     and reads no other; drop --config"
                );
            }
            let outcome = crate::demo::run(dir.clone(), cli.today())?;
            if !cli.quiet {
                print!(
                    "{}",
                    crate::demo::summary(&outcome, &stdout_look(&cli), *serve)
                );
            }
            if *serve {
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
                outcome.copy_site.serve();
            }
            Ok(Exit::Clean)
        }
        Command::Watch {
            report_dir,
            keep_reports,
            notify,
        } => {
            crate::watch::run(crate::watch::WatchOptions {
                config: cli.config.clone(),
                today: cli.today,
                report_dir: report_dir.clone(),
                keep_reports: *keep_reports,
                notify: notify.clone(),
            })?;
            Ok(Exit::Clean)
        }
        Command::Accept { sources, all } => accept(&cli, sources, *all),
        Command::Verify { facts, date, quote } => verify(&cli, facts, *date, quote.as_deref()),
        Command::Report { format, output } => {
            let registry = load_registry(&cli)?;
            let report = last_check(&cli, &registry)?;
            match output {
                Some(path) => {
                    crate::check::Output::File {
                        path: path.clone(),
                        format: *format,
                    }
                    .write(&report)?;
                    if !cli.quiet {
                        print!("{}", report::text::render_for(&report, &stdout_look(&cli)));
                        println!("Report written to {}", path.display());
                    }
                }
                None => print_report(&cli, &report, *format)?,
            }
            Ok(Exit::of(&report))
        }
        Command::Status { format } => status(&cli, *format),
        Command::Merge { dirs } => merge(&cli, dirs),
        Command::Import { page, route, write } => import(&cli, page, route.as_deref(), *write),
        Command::Probe(args) => {
            let probed = crate::probe::run(&cli, args)?;
            if cli.quiet && args.format == crate::cli::ProbeFormat::Text {
                if let Some(failure) = &probed.failure {
                    eprintln!("{failure}");
                }
            } else {
                std::io::stdout()
                    .lock()
                    .write_all(probed.rendered.as_bytes())?;
            }
            Ok(match probed.verdict {
                crate::probe::Verdict::Clean => Exit::Clean,
                crate::probe::Verdict::Review => Exit::Review,
            })
        }
    }
}

/// `import`: the draft printed, or appended to sources.toml with `--write`.
fn import(cli: &Cli, page: &str, route: Option<&str>, write: bool) -> anyhow::Result<Exit> {
    // A site starting out may have no sources.toml yet: the draft then stands alone.
    let registry = if cli.config.exists() {
        load_registry(cli)?
    } else {
        registry::parse(&cli.config, "", cli.today())?
    };
    // `--write` edits sources.toml as `verify` and `check --refresh` do, under the store's lock;
    // taken before anything is fetched, so a run that holds it is said at once.
    let locked = if write {
        let dir = &registry.settings.snapshots_dir;
        Some(Store::open(dir).context("import --write edits sources.toml under the store's lock")?)
    } else {
        None
    };
    let draft = crate::import::import(&registry, page, route, cli.today())?;
    if let Some(store) = &locked {
        crate::import::write(&registry, &draft, cli.today(), store)?;
        if !cli.quiet {
            println!(
                "added route {} to {}: {} ({} with a quote), {}",
                draft.route,
                cli.config.display(),
                count(draft.facts, "fact", "facts"),
                draft.quotes,
                count(draft.drafted_sources, "new source", "new sources")
            );
        }
    } else {
        print!("{}", draft.toml);
    }
    Ok(Exit::Clean)
}

/// How text for people looks on standard output: coloured and fitted on a terminal (or as
/// `--color` says), plain and whole in a file or a pipe.
fn stdout_look(cli: &Cli) -> Look {
    Look::of(Stream::Stdout, cli.color.forced())
}

fn load_registry(cli: &Cli) -> anyhow::Result<Registry> {
    let registry = registry::load(&cli.config, cli.today())?;
    if registry.sources.is_empty() && !cli.quiet {
        eprintln!(
            "warning: {} has no [[sources]], so there is nothing to check; `sourcewatch probe \
             URL` drafts a [[sources]] block for an official page, and `sourcewatch import \
             PAGE_URL` a route with its facts and sources from a published page",
            cli.config.display()
        );
    }
    Ok(registry)
}

/// Refuses a command that would write `date` into `sources.toml` when `date` is after the real
/// date (UTC): a `--today` in the future may look ahead, never record. Such a date would also make
/// every later command fail validation until the file is fixed by hand.
fn refuse_future_write(date: chrono::NaiveDate, what: &str) -> anyhow::Result<()> {
    let real = chrono::Utc::now().date_naive();
    if date > real {
        anyhow::bail!(
            "{what} would write last_verified = {date}, which is in the future (the real date \
             is {real}, UTC); nothing was written. A future --today or SOURCEWATCH_TODAY is for \
             read-only looks ahead (check without --refresh, status)"
        );
    }
    Ok(())
}

fn check(cli: &Cli, args: &CheckArgs) -> anyhow::Result<Exit> {
    if args.refresh {
        refuse_future_write(cli.today(), "check --refresh")?;
    }
    let registry = Arc::new(load_registry(cli)?);
    let dir = &registry.settings.snapshots_dir;
    let shard = args
        .shard
        .map(|(index, count)| crate::check::Shard { index, count });
    let store = Arc::new(match shard {
        Some(shard) => Store::open_shard(dir, &shard.to_string())?,
        None => Store::open(dir)?,
    });
    let notifier = Notifier::configured(&registry.settings, args.notify.as_ref())?;
    let runtime = crate::runtime::build().context("starting the async runtime")?;
    // The progress line: on a terminal only, never with -q; cleared before the report prints.
    let progress = if cli.quiet {
        None
    } else {
        crate::term::Progress::on_stderr(crate::term::colour(cli.color.forced(), Stream::Stderr))
    };
    let request = crate::check::Request {
        selection: crate::check::Selection {
            sources: args.sources.clone(),
            routes: args.routes.clone(),
            shard,
        },
        today: cli.today(),
        refresh: args.refresh,
        notifier: notifier.as_ref(),
        progress: progress.as_ref(),
        outputs: args
            .output
            .iter()
            .map(|path| crate::check::Output::File {
                path: path.clone(),
                format: args.format,
            })
            .collect(),
    };
    let ended = runtime.block_on(crate::check::check(
        &registry,
        &store,
        &request,
        crate::runtime::shutdown_signal(),
    ));
    drop(request);
    drop(progress);
    let crate::check::Ended::Finished(report) = ended? else {
        runtime.shutdown_timeout(crate::runtime::SHUTDOWN_GRACE);
        eprintln!("interrupted: captures recorded before the signal are kept");
        return Ok(Exit::Trouble);
    };
    match &args.output {
        Some(path) if !cli.quiet => {
            print!("{}", report::text::render_for(&report, &stdout_look(cli)));
            println!("Report written to {}", path.display());
        }
        Some(_) => {}
        None => print_report(cli, &report, args.format)?,
    }
    Ok(Exit::of(&report))
}

/// A report on standard output: text for people fitted to the terminal (nothing with -q),
/// other formats whole.
fn print_report(cli: &Cli, report: &Report, format: ReportFormat) -> anyhow::Result<()> {
    let rendered = match format {
        ReportFormat::Text if cli.quiet => return Ok(()),
        ReportFormat::Text => report::text::render_for(report, &stdout_look(cli)),
        other => report::render(report, other),
    };
    std::io::stdout().lock().write_all(rendered.as_bytes())?;
    Ok(())
}

fn last_check(cli: &Cli, registry: &Registry) -> anyhow::Result<Report> {
    let store = Store::open_read(&registry.settings.snapshots_dir)?;
    let Some(bytes) = store.load_last_check()? else {
        anyhow::bail!(
            "no check has run yet for {} (run `sourcewatch check`)",
            cli.config.display()
        );
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}/LAST_CHECK.json is damaged ({e}); it only keeps the last check's report: the \
             next `sourcewatch check` writes it again, and `sourcewatch status` reads the same \
             facts from the store meanwhile",
            registry.settings.snapshots_dir.display()
        )
    })
}

fn merge(cli: &Cli, dirs: &[std::path::PathBuf]) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let store = Store::open(&registry.settings.snapshots_dir)?;
    for dir in dirs {
        let from = if dir.join("FORMAT").exists() || !dir.join("snapshots").is_dir() {
            dir.clone()
        } else {
            dir.join("snapshots")
        };
        if from.canonicalize().ok() == registry.settings.snapshots_dir.canonicalize().ok() {
            anyhow::bail!(
                "{} is this registry's own store; nothing to merge",
                from.display()
            );
        }
        let merged = crate::check::merge_store(&registry, &store, &from)
            .with_context(|| format!("merging {}", from.display()))?;
        if !cli.quiet {
            println!(
                "{}: {} new source(s), {} updated, {} file(s) written",
                from.display(),
                merged.new_sources,
                merged.updated_sources,
                merged.files_written
            );
        }
    }
    Ok(Exit::Clean)
}

fn status(cli: &Cli, format: StatusFormat) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let store = Store::open_read(&registry.settings.snapshots_dir)?;
    let status = crate::status::status(&registry, &store, cli.today(), chrono::Utc::now())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        // Streamed: at 100,000 facts a rendered text would be another copy of every row.
        StatusFormat::Json => report::write_pretty_json(&mut out, &status)?,
        StatusFormat::Markdown => {
            out.write_all(report::status::render_markdown(&status).as_bytes())?
        }
        StatusFormat::Text if !cli.quiet => {
            out.write_all(report::status::render_text(&status, &stdout_look(cli)).as_bytes())?
        }
        StatusFormat::Text => {}
    }
    out.flush()?;
    Ok(if status.needs_review() {
        Exit::Review
    } else {
        Exit::Clean
    })
}

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
fn diff(cli: &Cli, id: &str, from: &str, to: &str) -> anyhow::Result<Exit> {
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
fn history(cli: &Cli, id: &str, format: HistoryFormat) -> anyhow::Result<Exit> {
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

fn accept(cli: &Cli, ids: &[String], all: bool) -> anyhow::Result<Exit> {
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

fn verify(
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
