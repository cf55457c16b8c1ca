//! `sources.toml`: what is watched and which published facts hang on it.
//!
//! Reading happens in two steps, as in ripgrep and cargo-deny: a strict serde parse into a raw
//! model that keeps the byte span of every value a user may get wrong (unknown keys are parse
//! errors), then validation into the checked [`Registry`] with selectors, regexes, URLs and
//! schedules already built. Validation never stops at the first problem: it collects every one as
//! a [`Diagnostic`] with `file:line:col`, so one run of `validate` shows the whole list.
//!
//! ```text
//! registry/
//!   mod.rs          the checked model (Registry, Settings, Source, Route, Fact, FactId), load
//!   index.rs        ids to places: constant-time lookups of sources, routes and facts
//!   read.rs         text → raw model, every syntax, unknown-key and type problem collected
//!   chunks.rs       where the text can be read a table at a time
//!   keys.rs         which keys each table takes (all unknown keys in one run)
//!   raw.rs          what the file says, with spans
//!   diagnostics.rs  Diagnostic and the Locator that turns spans into file:line:col
//!   validate.rs     raw → checked, every problem collected; settings; the id rule; defaults
//!   sources.rs      [[sources]]: URL, format, render, selectors, regexes, charset, ca_file, wall
//!   routes.rs       [[routes]] and their facts
//!   edit.rs         format-preserving edits of last_verified (and verify --quote's quote)
//! ```
//!
//! docs/registry.md is the user's reference for the format.

mod chunks;
mod diagnostics;
pub(crate) mod edit;
mod index;
mod keys;
mod raw;
mod read;
mod routes;
mod sources;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use regex::Regex;
use reqwest::Url;
use scraper::Selector;

use crate::schedule::Schedule;

pub use diagnostics::Diagnostic;
pub use validate::is_valid_id;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read; `path` is absolute, and the message says what to change.
    #[error("cannot read {}: {}", path.display(), read_advice(path, error))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}", diagnostics::render(.0))]
    Invalid(Vec<Diagnostic>),
}

impl Source {
    /// A plain HTML page fetched as a source is (robots.txt as the settings say, no selection
    /// of its own): a route's published page, or an official page `import` reads. `id` names it
    /// in logs only.
    pub(crate) fn page(id: &str, url: Url, settings: &Settings) -> Source {
        Source {
            id: id.to_string(),
            url,
            format: Some(Format::Html),
            render: Render::Http,
            wait_for: None,
            select: Vec::new(),
            select_text: Vec::new(),
            exclude_text: Vec::new(),
            pointers: Vec::new(),
            exclude: Vec::new(),
            ignore: Vec::new(),
            schedule: None,
            charset: None,
            ca_pem: None,
            respect_robots: settings.respect_robots,
            wall: WallRule::Auto,
            extract_fingerprint: String::new(),
        }
    }
}

/// Where a fact stands in `sources.toml`: its route's index and its own within the route. Orders
/// reports as the file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FactPos {
    pub(crate) route: usize,
    pub(crate) fact: usize,
}

/// The checked registry: everything a run needs, already compiled.
#[derive(Debug)]
pub struct Registry {
    pub path: PathBuf,
    pub(crate) settings: Settings,
    pub sources: Vec<Arc<Source>>,
    pub routes: Vec<Route>,
    /// Ids to places, so a lookup per fact or per source stays constant time at 100,000 of them.
    index: index::Index,
}

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) stale_after_days: u32,
    pub(crate) contact: Option<String>,
    pub(crate) concurrency: usize,
    pub(crate) per_host_concurrency: usize,
    pub(crate) per_host_interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) max_body_bytes: u64,
    pub(crate) respect_robots: bool,
    pub(crate) schedule: Schedule,
    /// Resolved against the directory of `sources.toml`.
    pub(crate) snapshots_dir: PathBuf,
    /// The zone schedules are read in (default UTC).
    pub(crate) timezone: chrono_tz::Tz,
    /// Where a JSON summary of new findings is POSTed after a run.
    pub(crate) notify_webhook: Option<Url>,
    /// The browser for `render = "browser"` sources, when set in `[settings]`.
    pub(crate) browser: Option<PathBuf>,
    /// Fetch a page whose text differs from the baseline once more before calling it changed.
    pub(crate) confirm_changes: bool,
}

/// How a body is read: from the source's `format`, else from the response's Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Html,
    Json,
    Pdf,
}

impl Format {
    /// The format a Content-Type announces; HTML for anything else.
    pub(crate) fn from_content_type(content_type: Option<&str>) -> Format {
        let mime = content_type.map(media_type).unwrap_or_default();
        if mime == "application/json" || mime.ends_with("+json") {
            Format::Json
        } else if mime == "application/pdf" {
            Format::Pdf
        } else {
            Format::Html
        }
    }
}

/// The media type of a Content-Type value, lower case, without its parameters: `text/html` for
/// `Text/HTML; charset=utf-8`.
pub(crate) fn media_type(content_type: &str) -> String {
    let mime = content_type.split(';').next().unwrap_or_default();
    mime.trim().to_ascii_lowercase()
}

/// How a page is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Render {
    /// A plain HTTP GET.
    Http,
    /// Loaded in headless Chromium, its scripts run, the rendered DOM taken.
    Browser,
}

/// Whether a source's answers are judged for bot walls by what the page holds (docs/registry.md,
/// `wall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum WallRule {
    /// Vendor markup and titles make a wall; challenge wording makes one when the page also lost
    /// the content it had.
    #[default]
    Auto,
    /// The page is never judged by its markup or words: for the rare official page that fools
    /// the rules. A vendor's challenge header, or a vendor's 403 or 429, is still a wall: such an
    /// answer is not the page whatever it holds.
    Never,
}

#[derive(Debug)]
pub struct Source {
    pub id: String,
    pub url: Url,
    /// `None`: decided per response by its Content-Type.
    pub(crate) format: Option<Format>,
    pub(crate) render: Render,
    /// With `render = "browser"`: the rendered page must contain a match.
    pub(crate) wait_for: Option<Selector>,
    /// CSS selectors (HTML).
    pub select: Vec<Selector>,
    /// `select` and `exclude` as written (selectors do not keep their source text): for
    /// messages that name them and for `probe`.
    pub(crate) select_text: Vec<String>,
    pub(crate) exclude_text: Vec<String>,
    /// JSON Pointers (`format = "json"`).
    pub(crate) pointers: Vec<String>,
    pub(crate) exclude: Vec<Selector>,
    pub(crate) ignore: Vec<Regex>,
    /// Boxed: few sources have their own, and inline it is 48 bytes in every one (4 MB at
    /// 100,000).
    pub(crate) schedule: Option<Box<Schedule>>,
    pub(crate) charset: Option<&'static encoding_rs::Encoding>,
    /// PEM bytes of an extra trusted root for this source only.
    pub(crate) ca_pem: Option<Vec<u8>>,
    pub(crate) respect_robots: bool,
    /// `wall`: not part of the fingerprint, since it never changes the text, only whether an
    /// answer is taken as the page at all.
    pub(crate) wall: WallRule,
    /// A digest of everything that shapes the extracted text (selectors, ignore rules, charset,
    /// the normaliser's version), so a stored capture is only reused for a 304 when it was
    /// extracted the same way.
    pub(crate) extract_fingerprint: String,
}

#[derive(Debug)]
pub struct Route {
    pub id: String,
    pub title: String,
    pub page: Option<Url>,
    /// Where the claims are on `page`, and what holds none (empty: the defaults for article
    /// pages, see `site`).
    pub(crate) select: Vec<scraper::Selector>,
    pub(crate) exclude: Vec<scraper::Selector>,
    pub facts: Vec<Fact>,
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub id: FactId,
    pub claim: String,
    pub source: String,
    pub quote: Option<String>,
    pub last_verified: NaiveDate,
    /// Already resolved: the fact's own value, else its route's, else the settings'.
    pub stale_after_days: u32,
}

/// A fact's full id, `route/fact`: unique across the registry, what users type and reports
/// show. Route and fact ids cannot hold a `/`, so the first one splits it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactId {
    full: String,
    slash: usize,
}

impl FactId {
    pub fn new(route: &str, fact: &str) -> FactId {
        FactId {
            full: format!("{route}/{fact}"),
            slash: route.len(),
        }
    }

    /// `route/fact` as a user or a stored file writes it.
    pub fn parse(s: &str) -> Option<FactId> {
        let slash = s.find('/')?;
        Some(FactId {
            full: s.to_string(),
            slash,
        })
    }

    pub fn route(&self) -> &str {
        &self.full[..self.slash]
    }

    /// The fact's id within its route.
    pub fn name(&self) -> &str {
        &self.full[self.slash + 1..]
    }

    pub fn as_str(&self) -> &str {
        &self.full
    }
}

impl std::ops::Deref for FactId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.full
    }
}

impl PartialEq<&str> for FactId {
    fn eq(&self, other: &&str) -> bool {
        self.full == *other
    }
}

impl fmt::Display for FactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl serde::Serialize for FactId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.full)
    }
}

impl<'de> serde::Deserialize<'de> for FactId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FactId::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("fact id {s:?} is not route/fact")))
    }
}

impl Registry {
    /// The schedule a source runs on in `watch`: its own, else the settings'.
    pub(crate) fn schedule_of<'a>(&'a self, source: &'a Source) -> &'a Schedule {
        source
            .schedule
            .as_deref()
            .unwrap_or(&self.settings.schedule)
    }

    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.routes.iter().flat_map(|r| r.facts.iter())
    }

    /// Every fact with its place in the file.
    pub(crate) fn facts_at(&self) -> impl Iterator<Item = (FactPos, &Fact)> {
        self.routes.iter().enumerate().flat_map(|(route, r)| {
            r.facts
                .iter()
                .enumerate()
                .map(move |(fact, f)| (FactPos { route, fact }, f))
        })
    }

    pub(crate) fn fact_at(&self, pos: FactPos) -> &Fact {
        &self.routes[pos.route].facts[pos.fact]
    }
}

/// Why a registry could not be read, and what to do: a directory given for the file, or no file
/// where the command looked.
fn read_advice(path: &Path, error: &std::io::Error) -> String {
    if path.is_dir() {
        return format!(
            "it is a directory; pass the registry file itself: --config {}",
            path.join("sources.toml").display()
        );
    }
    match error.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{error} (run in the folder holding sources.toml or pass --config FILE)")
        }
        _ => error.to_string(),
    }
}

/// Reads and validates `path`. `today` bounds `last_verified` (a date in the future is a typo).
pub fn load(path: &Path, today: NaiveDate) -> Result<Registry, RegistryError> {
    let text = std::fs::read_to_string(path).map_err(|error| RegistryError::Read {
        path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        error,
    })?;
    parse(path, &text, today)
}

pub fn parse(path: &Path, text: &str, today: NaiveDate) -> Result<Registry, RegistryError> {
    let locator = diagnostics::Locator::new(path, text);
    let (raw, problems) = read::read(text, &locator);
    let base = path.parent().unwrap_or(Path::new("."));
    validate::Validator {
        locator,
        base,
        today,
        problems,
        compiled: Default::default(),
    }
    .run(raw, path)
    .map_err(|mut all| {
        // In file order, as an editor lists them; one problem per place (the parser may report
        // a bad value twice, as a date and as anything else it could have been).
        all.sort_by_key(|d| (d.line, d.col));
        all.dedup_by_key(|d| (d.line, d.col));
        RegistryError::Invalid(all)
    })
}

/// ` (did you mean "x"?)` naming the closest candidate when it is close enough to be a likely
/// typo (at most one edit in three characters, at least one allowed), else nothing: a
/// suffix for "unknown id" messages. Edits, not shared characters: "r/zzz" is not a typo of
/// "r/b" however much of their prefix they share.
/// An id as an error shows what was typed: quoted, and cut to its first 64 characters with an
/// ellipsis, so a pasted page or a runaway script never fills the terminal with it.
pub(crate) fn shown_id(id: &str) -> String {
    const SHOWN: usize = 64;
    match id.char_indices().nth(SHOWN) {
        None => format!("{id:?}"),
        Some((cut, _)) => format!("{:?}… ({} characters)", &id[..cut], id.chars().count()),
    }
}

pub(crate) fn did_you_mean<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let len = wanted.chars().count();
    let allowed = (len / 3).max(1);
    candidates
        .map(|c| (edit_distance(wanted, c), c))
        // A one-letter id replaced whole is not a typo of it.
        .filter(|(d, _)| *d <= allowed && *d < len)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean {c:?}?)"))
        .unwrap_or_default()
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn defaults_apply() {
        let reg = parse(
            Path::new("dir/sources.toml"),
            "[[sources]]\nid = \"a\"\nurl = \"https://example.org/\"\n",
            today(),
        )
        .unwrap();
        assert_eq!(reg.settings.stale_after_days, 90);
        assert_eq!(reg.settings.concurrency, 8);
        assert_eq!(reg.settings.snapshots_dir, Path::new("dir/snapshots"));
        assert!(reg.sources[0].select.is_empty());
    }

    #[test]
    fn a_selector_written_twice_selects_in_both_sources_and_a_bad_one_is_reported_at_each() {
        let text = "[[sources]]\nid = \"a\"\nurl = \"https://e.org/a\"\nselect = [\"main p\"]\n\
                    [[sources]]\nid = \"b\"\nurl = \"https://e.org/b\"\nselect = [\"main p\"]\n";
        let reg = parse(Path::new("s.toml"), text, today()).unwrap();
        let html = scraper::Html::parse_document("<main><p>x</p><p>y</p></main>");
        for source in &reg.sources {
            assert_eq!(html.select(&source.select[0]).count(), 2);
        }
        let bad = text.replace("main p", "main[");
        let Err(RegistryError::Invalid(problems)) = parse(Path::new("s.toml"), &bad, today())
        else {
            panic!("a bad selector is refused");
        };
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 8], "{problems:?}");
    }

    #[test]
    fn wall_is_auto_or_never_and_leaves_the_fingerprint_alone() {
        let source = |extra: &str| {
            let text = format!("[[sources]]\nid = \"a\"\nurl = \"https://e.org/\"\n{extra}");
            parse(Path::new("s.toml"), &text, today()).map(|mut r| r.sources.remove(0))
        };
        let auto = source("").unwrap();
        assert_eq!(auto.wall, WallRule::Auto);
        assert_eq!(source("wall = \"auto\"\n").unwrap().wall, WallRule::Auto);
        let never = source("wall = \"never\"\n").unwrap();
        assert_eq!(never.wall, WallRule::Never);
        // It decides whether an answer is the page, not how the page reads: the stored texts
        // stay comparable (and a 304 reusable) when it is set.
        assert_eq!(never.extract_fingerprint, auto.extract_fingerprint);
        let err = source("wall = \"off\"\n").unwrap_err().to_string();
        assert_eq!(err, "s.toml:4:8: wall must be auto or never, not \"off\"");
    }

    #[test]
    fn stale_days_resolve_fact_route_settings() {
        let fact = |id: &str, extra: &str| {
            format!(
                "[[routes.facts]]\nid = \"{id}\"\nclaim = \"c\"\nsource = \"s\"\nlast_verified = 2026-01-01\n{extra}"
            )
        };
        let text = format!(
            "[settings]\nstale_after_days = 10\n[[sources]]\nid = \"s\"\nurl = \"https://e.org/\"\n\
             [[routes]]\nid = \"r\"\ntitle = \"R\"\nstale_after_days = 20\n{}{}",
            fact("own", "stale_after_days = 30\n"),
            fact("inherits", "")
        );
        let reg = parse(Path::new("s.toml"), &text, today()).unwrap();
        let days: Vec<u32> = reg.facts().map(|f| f.stale_after_days).collect();
        assert_eq!(days, [30, 20]);
        assert_eq!(reg.facts().next().unwrap().id, "r/own");
    }
}
