//! Runs a parsed command and decides the exit code. Errors that are the user's to fix (bad
//! config, lock held, unknown id) come back as [`Trouble`], exit 2.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::{CheckArgs, Cli, Command, ReportFormat, StatusFormat};
use crate::registry::{self, Registry};
use crate::report::{self, Report};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing needs review.
    Clean = 0,
    /// A fact is flagged or a source failed.
    Review = 1,
    /// Usage, invalid config, I/O, lock held.
    Trouble = 2,
}

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Validate { store } => {
            let reg = load_registry(&cli)?;
            if !cli.quiet {
                println!(
                    "{}: ok ({} sources, {} routes, {} facts)",
                    cli.config.display(),
                    reg.sources.len(),
                    reg.routes.len(),
                    reg.facts().count()
                );
            }
            if *store {
                let dir = &reg.settings.snapshots_dir;
                let damage = Store::open_read(dir)?.verify()?;
                if !damage.is_empty() {
                    for d in &damage {
                        eprintln!("damaged: {d}");
                    }
                    anyhow::bail!("{} problem(s) in {}", damage.len(), dir.display());
                }
                if !cli.quiet {
                    println!(
                        "{}: ok (every stored text matches its SHA-256)",
                        dir.display()
                    );
                }
            }
            Ok(Exit::Clean)
        }
        Command::Check(args) => check(&cli, args),
        Command::Status { format } => status(&cli, *format),
    }
}

fn load_registry(cli: &Cli) -> anyhow::Result<Registry> {
    Ok(registry::load(&cli.config, cli.today())?)
}

fn check(cli: &Cli, args: &CheckArgs) -> anyhow::Result<Exit> {
    let registry = Arc::new(load_registry(cli)?);
    let store = Arc::new(Store::open(&registry.settings.snapshots_dir)?);
    let selection = crate::check::Selection {
        sources: args.sources.clone(),
        routes: args.routes.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(crate::check::run(
        registry.clone(),
        store.clone(),
        &selection,
        cli.today(),
    ))?;
    store.save_last_check(report.to_json().as_bytes())?;
    emit(cli, &report, args.format, args.output.as_deref())?;
    Ok(if report.needs_review() {
        Exit::Review
    } else {
        Exit::Clean
    })
}

fn emit(
    cli: &Cli,
    report: &Report,
    format: ReportFormat,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let rendered = match format {
        ReportFormat::Text => report::text::render(report),
        ReportFormat::Json => report.to_json(),
    };
    match output {
        Some(path) => {
            crate::atomic::write(path, rendered.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            if !cli.quiet {
                print!("{}", report::text::render(report));
                println!("Report written to {}", path.display());
            }
        }
        None if format == ReportFormat::Text && cli.quiet => {}
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(rendered.as_bytes())?;
        }
    }
    Ok(())
}

fn status(cli: &Cli, format: StatusFormat) -> anyhow::Result<Exit> {
    let registry = load_registry(cli)?;
    let store = Store::open_read(&registry.settings.snapshots_dir)?;
    let Some(bytes) = store.load_last_check()? else {
        anyhow::bail!(
            "no check has run yet for {} (run `sourcewatch check`)",
            cli.config.display()
        );
    };
    let mut report: Report =
        serde_json::from_slice(&bytes).context("reading the last check's report")?;
    report.as_of(cli.today());
    match format {
        StatusFormat::Text => {
            if !cli.quiet {
                print!("{}", report::text::render_status(&report));
            }
        }
        StatusFormat::Json => print!("{}", report.to_json()),
    }
    Ok(if report.needs_review() {
        Exit::Review
    } else {
        Exit::Clean
    })
}
