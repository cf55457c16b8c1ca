//! Command-line surface (README "Commands"), parsed with clap's derive API.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "sourcewatch",
    version,
    about = "Watches official pages and flags the published facts that need a human",
    after_help = "Exit codes: 0 nothing needs review · 1 a fact is flagged, a source failed or a \
                  change no fact covers stands · 2 trouble (usage, invalid sources.toml, I/O, \
                  lock held)"
)]
pub struct Cli {
    /// The registry to read (sources, routes, facts; docs/registry.md).
    #[arg(
        long,
        global = true,
        default_value = "sources.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// The date used for staleness and refreshes (default: env SOURCEWATCH_TODAY, else today in
    /// UTC).
    #[arg(long, global = true, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub today: Option<NaiveDate>,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More logging: -v one line per source (outcome, HTTP status, bytes, time), -vv also each
    /// request; RUST_LOG works too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour reports, diffs and logs: auto colours only a terminal (and honours NO_COLOR
    /// and CLICOLOR_FORCE), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorWhen::Auto,
        value_name = "WHEN"
    )]
    pub color: ColorWhen,
    /// Whether `--config` was given on the command line (not clap's: set by [`Cli::from_env`]).
    #[arg(skip)]
    pub config_given: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Capture every selected source, compare with its baseline, assess every fact.
    Check(CheckArgs),
    /// Offline: every fact's age, due date, flags and clocks, from sources.toml and the store.
    Status {
        /// text for a terminal, json for the site build (README "Status JSON"), markdown for a
        /// pull-request body.
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
    /// Two captures of one source as a unified diff (word highlights on a terminal); by default
    /// the baseline against the latest capture.
    Diff {
        /// The source, as its id in sources.toml.
        #[arg(value_name = "SOURCE_ID")]
        source: String,
        /// The older side: a short hash (a unique prefix of at least 4 hex digits), a capture's
        /// date YYYY-MM-DD (the last capture with text that day, UTC), baseline or latest.
        #[arg(long, value_name = "REF", default_value = "baseline")]
        from: String,
        /// The newer side, written as for --from.
        #[arg(long, value_name = "REF", default_value = "latest")]
        to: String,
    },
    /// The captures of one source, newest first, with the baseline marked.
    History {
        /// The source, as its id in sources.toml.
        #[arg(value_name = "SOURCE_ID")]
        source: String,
        /// text for a terminal, json for programs.
        #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
        format: HistoryFormat,
    },
    /// Make the latest capture the baseline, after review.
    #[command(override_usage = "sourcewatch accept [OPTIONS] <SOURCE_ID>...|--all")]
    Accept {
        /// The sources whose latest capture becomes the baseline (all or none).
        #[arg(value_name = "SOURCE_ID", required_unless_present = "all")]
        sources: Vec<String>,
        /// Every source whose latest capture differs from its baseline.
        #[arg(long, conflicts_with = "sources")]
        all: bool,
    },
    /// Set last_verified (default today) after a human checked the facts; with --quote, also
    /// adopt the page's new wording as the fact's quote.
    Verify {
        /// The facts checked, as route/fact (the ids reports show).
        #[arg(value_name = "FACT_ID", required = true)]
        facts: Vec<String>,
        /// The day they were checked (default: today; never after the real date).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        date: Option<NaiveDate>,
        /// The fact's new quote, as the latest capture of its source writes it (one fact only;
        /// refused, with the closest passage, when that capture does not hold it).
        #[arg(long, value_name = "TEXT")]
        quote: Option<String>,
    },
    /// Render the last check's report again (from snapshots/LAST_CHECK.json).
    Report {
        /// text for a terminal, json (docs/reports.md), markdown for a pull-request body, html
        /// for one self-contained page.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write the report here instead of standard output (the terminal summary still prints).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Run checks on the schedules until SIGINT/SIGTERM, writing a report after each run.
    Watch {
        /// Where reports go (default: reports/ beside sources.toml).
        #[arg(long, value_name = "DIR")]
        report_dir: Option<PathBuf>,
        /// How many runs' reports to keep.
        #[arg(long, default_value_t = 200, value_name = "N")]
        keep_reports: usize,
        /// POST new findings here (overrides `[settings] notify_webhook`).
        #[arg(long, value_name = "URL")]
        notify: Option<reqwest::Url>,
    },
    /// See the whole loop offline: a local copy-site, two checks, the reports. Writes its own
    /// sources.toml, so --config is refused.
    Demo {
        /// Folder for the demo's registry, snapshots and reports (default: a new temporary one).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Keep the copy-site up until Ctrl-C (SIGINT or SIGTERM), so the review loop's next
        /// commands, printed at the end, can be run in the demo's folder.
        #[arg(long)]
        serve: bool,
    },
    /// One polite fetch, nothing stored: what a selection captures, its quotes, better selectors.
    #[command(override_usage = "sourcewatch probe [OPTIONS] <URL>\n       \
                                sourcewatch probe [OPTIONS] --source <ID> [URL]")]
    Probe(ProbeArgs),
    /// Draft a route entry for sources.toml from a published route page: a fact per claim on
    /// it, each with its official source and a suggested quote; prints TOML, or appends it with
    /// --write.
    Import {
        /// The route page: an http(s) URL (one polite fetch) or a saved HTML file.
        #[arg(value_name = "PAGE_URL|FILE")]
        page: String,
        /// The new route's id (default: from the page's URL or title).
        #[arg(long, value_name = "ID")]
        route: Option<String>,
        /// Append the draft to sources.toml (every byte already there stays; refused when the
        /// route id exists or the result would not validate).
        #[arg(long)]
        write: bool,
    },
    /// Bring the stores that shards wrote in other folders into this registry's store, so
    /// status and report see one store; merging twice changes nothing (docs/sharding.md).
    Merge {
        /// A shard's store (its snapshots/ folder), or a folder holding one as snapshots/.
        #[arg(value_name = "DIR", required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Check sources.toml; with --store also re-hash every stored snapshot and report damage.
    Validate {
        /// Also verify the integrity of snapshots/.
        #[arg(long)]
        store: bool,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this source and the facts on it (repeatable).
    #[arg(long = "source", value_name = "ID")]
    pub sources: Vec<String>,
    /// Only the facts of this route and their sources (repeatable).
    #[arg(long = "route", value_name = "ID")]
    pub routes: Vec<String>,
    /// Only shard I of N (1-based): sources split by host, so no host is fetched by two shards.
    /// Shards may run at the same time on one store, or in other folders brought together with
    /// `merge` (docs/sharding.md).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Set last_verified = today in sources.toml for facts this run re-verified: quote found on
    /// an unchanged or new source, or no quote and an unchanged source.
    #[arg(long)]
    pub refresh: bool,
    /// POST new findings here (overrides `[settings] notify_webhook`).
    #[arg(long, value_name = "URL")]
    pub notify: Option<reqwest::Url>,
    /// text for a terminal, json (docs/reports.md), markdown for a pull-request body, html for
    /// one self-contained page.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output (the terminal summary still prints).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `probe URL | --source ID`: the settings to try, on top of the source's (README "Tuning a
/// source"): `--select` replaces its selectors, `--exclude`, `--ignore` and `--quote` add to its
/// own and its facts' quotes, `--render` and a URL replace its own.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The page to fetch (with --source: instead of the source's url).
    #[arg(value_name = "URL", required_unless_present = "source")]
    pub url: Option<String>,
    /// Start from this source of sources.toml: its url, selectors, rules and facts' quotes.
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    /// CSS selector of the text to take (repeatable; replaces the source's select).
    #[arg(long, value_name = "CSS")]
    pub select: Vec<String>,
    /// CSS selector of elements to leave out (repeatable).
    #[arg(long, value_name = "CSS")]
    pub exclude: Vec<String>,
    /// Regex whose matches are removed from the text (repeatable).
    #[arg(long, value_name = "RE")]
    pub ignore: Vec<String>,
    /// Words the page should contain, matched as fact quotes are (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub quote: Vec<String>,
    /// How to get the page (default: the source's, else http).
    #[arg(long, value_enum)]
    pub render: Option<ProbeRender>,
    /// text for a person (the captured text, quotes, candidates, a block to paste), json for
    /// scripts (README "Tuning a source" lists its keys).
    #[arg(long, value_enum, default_value_t = ProbeFormat::Text)]
    pub format: ProbeFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeRender {
    Http,
    Browser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// `Some` when colour is forced on or off, `None` for `auto`.
    pub fn forced(self) -> Option<bool> {
        match self {
            ColorWhen::Auto => None,
            ColorWhen::Always => Some(true),
            ColorWhen::Never => Some(false),
        }
    }
}

/// The environment variable that stands for `--today` when the option is not given.
pub const TODAY_ENV: &str = "SOURCEWATCH_TODAY";

/// A calendar day as `YYYY-MM-DD`, the only form the dates of sources.toml and reports take:
/// "expected YYYY-MM-DD, got 05.12.2026"; "2026-02-30 is not a real date: February 2026 has 28
/// days".
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("expected YYYY-MM-DD, got {s}"));
    }
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(day);
    }
    let (year, month): (i32, u32) = (s[..4].parse().unwrap_or(0), s[5..7].parse().unwrap_or(0));
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    match first.and_then(|f| f.checked_add_months(chrono::Months::new(1)).map(|n| (f, n))) {
        Some((first, next)) => Err(format!(
            "{s} is not a real date: {} has {} days",
            first.format("%B %Y"),
            (next - first).num_days()
        )),
        None => Err(format!("{s} is not a real date: a month runs 01 to 12")),
    }
}

/// The commands on which `--today` changes nothing (they neither judge staleness nor write or
/// bound a date): the option is not offered there.
const DATELESS: [&str; 5] = ["diff", "history", "accept", "report", "probe"];

impl Cli {
    /// clap's command with each global option offered only where it means something: `--today`
    /// not on the `DATELESS` commands, `--config` not on `demo` (which writes its own registry and
    /// refuses one). clap does not copy a global option onto a subcommand that has an option of
    /// that id, so a hidden one there keeps it out of that command's help.
    pub fn offered() -> clap::Command {
        // Parsed as the global ones are: clap hands their values up to the global option.
        let hidden = |id: &'static str| clap::Arg::new(id).long(id).hide(true);
        let mut command = Cli::command().mut_subcommand("demo", |demo| {
            demo.arg(hidden("config").value_parser(clap::value_parser!(PathBuf)))
        });
        for name in DATELESS {
            command = command.mut_subcommand(name, |sub| {
                sub.arg(
                    hidden("today")
                        .value_name("YYYY-MM-DD")
                        .value_parser(parse_day),
                )
            });
        }
        command
    }

    /// The command line of this process, parsed; also notes whether `--config` was given.
    pub fn from_env() -> Result<Cli, clap::Error> {
        Cli::from_args(std::env::args_os())
    }

    pub fn from_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut command = Cli::offered();
        let matches = command.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
        let given =
            |m: &clap::ArgMatches| m.value_source("config") == Some(ValueSource::CommandLine);
        cli.config_given =
            given(&matches) || matches.subcommand().is_some_and(|(_, sub)| given(sub));
        if cli.today.is_none()
            && let Some(value) = std::env::var_os(TODAY_ENV).filter(|v| !v.is_empty())
        {
            // Blamed on the variable, not on a --today nobody typed.
            let day = value
                .to_str()
                .ok_or_else(|| "it is not UTF-8".to_string())
                .and_then(parse_day)
                .map_err(|e| {
                    command.error(
                        clap::error::ErrorKind::ValueValidation,
                        format!(
                            "invalid {TODAY_ENV} in the environment: {e} (fix or unset it, or \
                             give --today YYYY-MM-DD)"
                        ),
                    )
                })?;
            cli.today = Some(day);
        }
        Ok(cli)
    }

    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

/// `--shard I/N`: shard I (1-based) of N.
fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let expected = || format!("expected I/N with 1 ≤ I ≤ N (for example 2/4), got {s:?}");
    let (i, n) = s.split_once('/').ok_or_else(expected)?;
    let index: usize = i.trim().parse().map_err(|_| expected())?;
    let count: usize = n.trim().parse().map_err(|_| expected())?;
    if index == 0 || index > count {
        return Err(expected());
    }
    Ok((index, count))
}

#[cfg(test)]
mod shard_tests {
    use super::parse_shard;

    #[test]
    fn shard_reads_i_of_n() {
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        for bad in ["0/4", "5/4", "4", "a/4", "1/0", ""] {
            let e = parse_shard(bad).unwrap_err();
            assert!(e.contains("expected I/N"), "{bad}: {e}");
        }
    }
}
