//! Runs a parsed command and decides the exit code. Errors that are the user's to fix (bad
//! config, lock held, unknown id) come back as [`Exit::Trouble`], exit 2.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::{CheckArgs, Cli, Command, ReportFormat, StatusFormat};
use crate::notify::Notifier;
use crate::registry::{self, Registry};
use crate::report::{self, Report};
use crate::store::Store;
use crate::term::{Look, Stream, count};

mod review;

use review::{accept, diff, history, verify};

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
                        "{}: ok (every stored text and raw body matches its SHA-256)",
                        dir.display()
                    );
                    for note in crate::status::quote_notes(&reg, &opened)? {
                        println!("note: {note}");
                    }
                }
            }
            left_to_exit(reg);
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
                    .write(&report, None)?;
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
    let exit = Exit::of(&report);
    left_to_exit((registry, report));
    Ok(exit)
}

/// What a one-shot command still holds when it is done, left for the process's exit to free
/// at once: freed object by object, 100,000 sources' registry alone took 60 ms of `validate`'s
/// 0.9 s. Only the registry and rows: the store syncs when it is let go, so it is dropped.
fn left_to_exit<T>(held: T) {
    std::mem::forget(held);
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
    let exit = if status.needs_review() {
        Exit::Review
    } else {
        Exit::Clean
    };
    drop(store);
    left_to_exit((registry, status));
    Ok(exit)
}
