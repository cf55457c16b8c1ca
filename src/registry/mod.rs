//! `sources.toml`: what is watched and which published facts hang on it.
//!
//! Reading happens in two steps, as in ripgrep and cargo-deny: a strict serde parse into a raw
//! model that keeps the byte span of every value a user may get wrong (unknown keys are parse
//! errors), then validation into the checked [`Registry`] with selectors, regexes, URLs and
//! schedules already built. Validation never stops at the first problem: it collects every one as
//! a [`Diagnostic`] with `file:line:col`, so one run of `validate` shows the whole list.
//!
//! [`edit`] changes `last_verified` values in place without touching anything else.

pub mod edit;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use regex::Regex;
use reqwest::Url;
use scraper::Selector;
use serde::Deserialize;
use toml::Spanned;

use crate::schedule::Schedule;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render_diagnostics(.0))]
    Invalid(Vec<Diagnostic>),
}

fn render_diagnostics(list: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    out
}

/// One problem in `sources.toml`, located the way editors and CI annotations understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// The checked registry: everything a run needs, already compiled.
#[derive(Debug)]
pub struct Registry {
    pub path: PathBuf,
    pub settings: Settings,
    pub sources: Vec<Arc<Source>>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub stale_after_days: u32,
    pub contact: Option<String>,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub max_body_bytes: u64,
    pub respect_robots: bool,
    pub schedule: Schedule,
    /// Resolved against the directory of `sources.toml`.
    pub snapshots_dir: PathBuf,
    /// The zone schedules are read in (default UTC).
    pub timezone: chrono_tz::Tz,
    /// Where a JSON summary of new findings is POSTed after a run.
    pub notify_webhook: Option<Url>,
    /// The browser for `render = "browser"` sources, when set in `[settings]`.
    pub browser: Option<PathBuf>,
}

/// How a body is read: from the source's `format`, else from the response's Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Pdf,
}

impl Format {
    /// The format a Content-Type announces; HTML for anything else.
    pub fn from_content_type(content_type: Option<&str>) -> Format {
        let mime = content_type
            .and_then(|c| c.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if mime == "application/json" || mime.ends_with("+json") {
            Format::Json
        } else if mime == "application/pdf" {
            Format::Pdf
        } else {
            Format::Html
        }
    }
}

/// How a page is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// A plain HTTP GET.
    Http,
    /// Loaded in headless Chromium, its scripts run, the rendered DOM taken.
    Browser,
}

#[derive(Debug)]
pub struct Source {
    pub id: String,
    pub url: Url,
    /// `None`: decided per response by its Content-Type.
    pub format: Option<Format>,
    pub render: Render,
    /// With `render = "browser"`: the rendered page must contain a match.
    pub wait_for: Option<Selector>,
    /// CSS selectors (HTML).
    pub select: Vec<Selector>,
    /// JSON Pointers (`format = "json"`).
    pub pointers: Vec<String>,
    pub exclude: Vec<Selector>,
    pub ignore: Vec<Regex>,
    pub schedule: Option<Schedule>,
    pub charset: Option<&'static encoding_rs::Encoding>,
    /// PEM bytes of an extra trusted root for this source only.
    pub ca_pem: Option<Vec<u8>>,
    pub respect_robots: bool,
    /// A digest of everything that shapes the extracted text (selectors, ignore rules, charset),
    /// so a stored capture is only reused for a 304 when it was extracted the same way.
    pub extract_fingerprint: String,
}

#[derive(Debug)]
pub struct Route {
    pub id: String,
    pub title: String,
    pub page: Option<Url>,
    pub facts: Vec<Fact>,
}

#[derive(Debug)]
pub struct Fact {
    /// `route/fact`.
    pub id: String,
    pub route: String,
    pub claim: String,
    pub source: String,
    pub quote: Option<String>,
    pub last_verified: NaiveDate,
    /// Already resolved: the fact's own value, else its route's, else the settings'.
    pub stale_after_days: u32,
}

impl Registry {
    pub fn source(&self, id: &str) -> Option<&Arc<Source>> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// The schedule a source runs on in `watch`: its own, else the settings'.
    pub fn schedule_of<'a>(&'a self, source: &'a Source) -> &'a Schedule {
        source.schedule.as_ref().unwrap_or(&self.settings.schedule)
    }

    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.routes.iter().flat_map(|r| r.facts.iter())
    }
}

/// Reads and validates `path`. `today` bounds `last_verified` (a date in the future is a typo).
pub fn load(path: &Path, today: NaiveDate) -> Result<Registry, RegistryError> {
    let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text, today)
}

pub fn parse(path: &Path, text: &str, today: NaiveDate) -> Result<Registry, RegistryError> {
    let locator = Locator::new(path, text);
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_string();
        RegistryError::Invalid(vec![locator.at(&span, message)])
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    Validator {
        locator,
        base,
        today,
        problems: Vec::new(),
    }
    .run(raw, path)
}

// ---------------------------------------------------------------------------------------------
// Raw model: exactly what the file says, with spans.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    routes: Vec<RawRoute>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    stale_after_days: Option<Spanned<i64>>,
    contact: Option<String>,
    concurrency: Option<Spanned<i64>>,
    per_host_concurrency: Option<Spanned<i64>>,
    per_host_interval_ms: Option<Spanned<i64>>,
    timeout_secs: Option<Spanned<i64>>,
    retries: Option<Spanned<i64>>,
    max_body_bytes: Option<Spanned<i64>>,
    respect_robots: Option<bool>,
    schedule: Option<Spanned<String>>,
    snapshots_dir: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    notify_webhook: Option<Spanned<String>>,
    browser: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    charset: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
    respect_robots: Option<Spanned<bool>>,
    robots_override_reason: Option<String>,
    format: Option<Spanned<String>>,
    render: Option<Spanned<String>>,
    wait_for: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    id: Spanned<String>,
    title: String,
    page: Option<Spanned<String>>,
    stale_after_days: Option<Spanned<i64>>,
    #[serde(default)]
    facts: Vec<RawFact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    id: Spanned<String>,
    claim: String,
    source: Spanned<String>,
    quote: Option<Spanned<String>>,
    last_verified: Spanned<toml::value::Datetime>,
    stale_after_days: Option<Spanned<i64>>,
}

// ---------------------------------------------------------------------------------------------
// Locations.

/// Turns byte offsets into 1-based line and column (in characters).
struct Locator<'a> {
    file: String,
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(path: &Path, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            file: path.display().to_string(),
            text,
            line_starts,
        }
    }

    fn at(&self, span: &Range<usize>, message: impl Into<String>) -> Diagnostic {
        let offset = span.start.min(self.text.len());
        let line_idx = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let line_start = self.line_starts[line_idx];
        let col = self.text[line_start..offset].chars().count() + 1;
        Diagnostic {
            file: self.file.clone(),
            line: line_idx + 1,
            col,
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.

struct Validator<'a> {
    locator: Locator<'a>,
    base: &'a Path,
    today: NaiveDate,
    problems: Vec<Diagnostic>,
}

pub fn is_valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

impl Validator<'_> {
    fn problem(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let d = self.locator.at(span, message);
        self.problems.push(d);
    }

    fn positive(&mut self, value: &Option<Spanned<i64>>, key: &str, default: i64) -> i64 {
        match value {
            Some(v) if *v.get_ref() < 1 => {
                self.problem(&v.span(), format!("{key} must be at least 1"));
                default
            }
            Some(v) => *v.get_ref(),
            None => default,
        }
    }

    fn non_negative(&mut self, value: &Option<Spanned<i64>>, key: &str, default: i64) -> i64 {
        match value {
            Some(v) if *v.get_ref() < 0 => {
                self.problem(&v.span(), format!("{key} must not be negative"));
                default
            }
            Some(v) => *v.get_ref(),
            None => default,
        }
    }

    fn schedule(&mut self, raw: &Spanned<String>) -> Option<Schedule> {
        match raw.get_ref().parse::<Schedule>() {
            Ok(s) => Some(s),
            Err(e) => {
                self.problem(&raw.span(), e.to_string());
                None
            }
        }
    }

    fn url(&mut self, raw: &Spanned<String>, what: &str) -> Option<Url> {
        match Url::parse(raw.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                self.problem(
                    &raw.span(),
                    format!("{what} must be http or https, not {}:", u.scheme()),
                );
                None
            }
            Ok(_) => {
                self.problem(&raw.span(), format!("{what} has no host"));
                None
            }
            Err(e) => {
                self.problem(&raw.span(), format!("bad {what} {:?}: {e}", raw.get_ref()));
                None
            }
        }
    }

    fn selectors(&mut self, raw: &[Spanned<String>], key: &str) -> Vec<Selector> {
        raw.iter()
            .filter_map(|s| match Selector::parse(s.get_ref()) {
                Ok(sel) => Some(sel),
                Err(e) => {
                    self.problem(
                        &s.span(),
                        format!("bad CSS selector in {key} {:?}: {e}", s.get_ref()),
                    );
                    None
                }
            })
            .collect()
    }

    fn run(mut self, raw: RawFile, path: &Path) -> Result<Registry, RegistryError> {
        let settings = self.settings(&raw.settings);
        let sources = self.sources(&raw.sources, &settings);
        let known: HashSet<&str> = raw
            .sources
            .iter()
            .map(|s| s.id.get_ref().as_str())
            .collect();
        let routes = self.routes(&raw.routes, &known, settings.stale_after_days);
        if !self.problems.is_empty() {
            return Err(RegistryError::Invalid(self.problems));
        }
        Ok(Registry {
            path: path.to_path_buf(),
            settings,
            sources,
            routes,
        })
    }

    fn settings(&mut self, raw: &RawSettings) -> Settings {
        let stale_after_days = self.positive(&raw.stale_after_days, "stale_after_days", 90);
        let concurrency = self.positive(&raw.concurrency, "concurrency", 8);
        let per_host = self.positive(&raw.per_host_concurrency, "per_host_concurrency", 1);
        let interval = self.non_negative(&raw.per_host_interval_ms, "per_host_interval_ms", 1000);
        let timeout = self.positive(&raw.timeout_secs, "timeout_secs", 30);
        let retries = self.non_negative(&raw.retries, "retries", 2);
        let max_body = self.positive(&raw.max_body_bytes, "max_body_bytes", 10_000_000);
        let schedule = raw
            .schedule
            .as_ref()
            .and_then(|s| self.schedule(s))
            .unwrap_or_else(|| "0 3 * * *".parse().expect("default schedule parses"));
        let snapshots_dir = match &raw.snapshots_dir {
            Some(dir) if dir.get_ref().trim().is_empty() => {
                self.problem(&dir.span(), "snapshots_dir must not be empty");
                self.base.join("snapshots")
            }
            Some(dir) => self.base.join(dir.get_ref()),
            None => self.base.join("snapshots"),
        };
        let timezone = match &raw.timezone {
            Some(tz) => tz.get_ref().parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
                self.problem(
                    &tz.span(),
                    format!(
                        "unknown time zone {:?} (use an IANA name such as \"Asia/Almaty\")",
                        tz.get_ref()
                    ),
                );
                chrono_tz::UTC
            }),
            None => chrono_tz::UTC,
        };
        let notify_webhook = raw
            .notify_webhook
            .as_ref()
            .and_then(|u| self.url(u, "notify_webhook"));
        let browser = raw.browser.as_ref().map(|b| self.base.join(b.get_ref()));
        Settings {
            browser,
            timezone,
            notify_webhook,
            stale_after_days: stale_after_days.min(u32::MAX as i64) as u32,
            contact: raw.contact.clone(),
            concurrency: concurrency as usize,
            per_host_concurrency: per_host as usize,
            per_host_interval: Duration::from_millis(interval as u64),
            timeout: Duration::from_secs(timeout as u64),
            retries: retries.min(20) as u32,
            max_body_bytes: max_body as u64,
            respect_robots: raw.respect_robots.unwrap_or(true),
            schedule,
            snapshots_dir,
        }
    }

    fn sources(&mut self, raw: &[RawSource], settings: &Settings) -> Vec<Arc<Source>> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::new();
        for src in raw {
            let id = src.id.get_ref();
            if !is_valid_id(id) {
                self.problem(
                    &src.id.span(),
                    format!("source id {id:?} must match [a-z0-9][a-z0-9._-]{{0,63}}"),
                );
            }
            if let Some(first_line) = seen.get(id.as_str()) {
                self.problem(
                    &src.id.span(),
                    format!("duplicate source id {id:?} (first defined on line {first_line})"),
                );
            } else {
                let line = self.locator.at(&src.id.span(), "").line;
                seen.insert(id, line);
            }
            let url = self.url(&src.url, "url");
            let format = src
                .format
                .as_ref()
                .and_then(|f| match f.get_ref().as_str() {
                    "html" => Some(Format::Html),
                    "json" => Some(Format::Json),
                    "pdf" => Some(Format::Pdf),
                    other => {
                        self.problem(
                            &f.span(),
                            format!("format must be html, json or pdf, not {other:?}"),
                        );
                        None
                    }
                });
            let render = match src.render.as_ref().map(|r| (r, r.get_ref().as_str())) {
                None | Some((_, "http")) => Render::Http,
                Some((_, "browser")) => Render::Browser,
                Some((r, other)) => {
                    self.problem(
                        &r.span(),
                        format!("render must be http or browser, not {other:?}"),
                    );
                    Render::Http
                }
            };
            if render == Render::Browser
                && let (Some(f), Some(Format::Json | Format::Pdf)) = (&src.format, format)
            {
                self.problem(&f.span(), "render = \"browser\" renders HTML pages only");
            }
            let wait_for = match (&src.wait_for, render) {
                (Some(w), Render::Browser) => {
                    self.selectors(std::slice::from_ref(w), "wait_for").pop()
                }
                (Some(w), Render::Http) => {
                    self.problem(&w.span(), "wait_for needs render = \"browser\"");
                    None
                }
                (None, _) => None,
            };
            let (select, pointers) = match format {
                Some(Format::Json) => {
                    let pointers = src
                        .select
                        .iter()
                        .filter(|p| {
                            let ok = p.get_ref().is_empty() || p.get_ref().starts_with('/');
                            if !ok {
                                self.problem(
                                    &p.span(),
                                    format!(
                                        "with format = \"json\", select holds JSON Pointers such as \"/data/0/body\", not {:?}",
                                        p.get_ref()
                                    ),
                                );
                            }
                            ok
                        })
                        .map(|p| p.get_ref().clone())
                        .collect();
                    (Vec::new(), pointers)
                }
                Some(Format::Pdf) => {
                    if let Some(s) = src.select.first() {
                        self.problem(
                            &s.span(),
                            "select is not allowed with format = \"pdf\" (every page is read)",
                        );
                    }
                    (Vec::new(), Vec::new())
                }
                _ => (self.selectors(&src.select, "select"), Vec::new()),
            };
            if matches!(format, Some(Format::Json | Format::Pdf))
                && let Some(x) = src.exclude.first()
            {
                self.problem(&x.span(), "exclude applies to HTML only");
            }
            let exclude = self.selectors(&src.exclude, "exclude");
            let ignore = src
                .ignore
                .iter()
                .filter_map(|r| match Regex::new(r.get_ref()) {
                    Ok(re) => Some(re),
                    Err(e) => {
                        let first = e.to_string().lines().last().unwrap_or("").to_string();
                        self.problem(&r.span(), format!("bad regex {:?}: {first}", r.get_ref()));
                        None
                    }
                })
                .collect::<Vec<_>>();
            let schedule = src.schedule.as_ref().and_then(|s| self.schedule(s));
            let charset = src.charset.as_ref().and_then(|c| {
                let enc = encoding_rs::Encoding::for_label(c.get_ref().trim().as_bytes());
                if enc.is_none() {
                    self.problem(&c.span(), format!("unknown charset {:?}", c.get_ref()));
                }
                enc
            });
            let ca_pem = src.ca_file.as_ref().and_then(|f| {
                let path = self.base.join(f.get_ref());
                match std::fs::read(&path) {
                    Ok(bytes) if reqwest::Certificate::from_pem(&bytes).is_ok() => Some(bytes),
                    Ok(_) => {
                        self.problem(&f.span(), format!("ca_file {} is not PEM", path.display()));
                        None
                    }
                    Err(e) => {
                        self.problem(
                            &f.span(),
                            format!("cannot read ca_file {}: {e}", path.display()),
                        );
                        None
                    }
                }
            });
            let respect_robots = match &src.respect_robots {
                Some(r) if !*r.get_ref() => {
                    let reason = src.robots_override_reason.as_deref().unwrap_or("").trim();
                    if reason.is_empty() {
                        self.problem(
                            &r.span(),
                            "respect_robots = false needs robots_override_reason = \"...\"",
                        );
                    }
                    false
                }
                Some(_) => true,
                None => settings.respect_robots,
            };
            let fingerprint = extract_fingerprint(src);
            if let Some(url) = url {
                out.push(Arc::new(Source {
                    id: id.clone(),
                    url,
                    format,
                    render,
                    wait_for,
                    pointers,
                    select,
                    exclude,
                    ignore,
                    schedule,
                    charset,
                    ca_pem,
                    respect_robots,
                    extract_fingerprint: fingerprint,
                }));
            }
        }
        out
    }

    fn routes(
        &mut self,
        raw: &[RawRoute],
        known_sources: &HashSet<&str>,
        default_stale: u32,
    ) -> Vec<Route> {
        let mut seen_routes = HashSet::new();
        let mut out = Vec::new();
        for route in raw {
            let rid = route.id.get_ref();
            if !is_valid_id(rid) {
                self.problem(
                    &route.id.span(),
                    format!("route id {rid:?} must match [a-z0-9][a-z0-9._-]{{0,63}}"),
                );
            }
            if !seen_routes.insert(rid.as_str()) {
                self.problem(&route.id.span(), format!("duplicate route id {rid:?}"));
            }
            let page = route.page.as_ref().and_then(|p| self.url(p, "page"));
            let route_stale = route
                .stale_after_days
                .as_ref()
                .map(|_| self.positive(&route.stale_after_days, "stale_after_days", 90) as u32)
                .unwrap_or(default_stale);
            let mut seen_facts = HashSet::new();
            let mut facts = Vec::new();
            for fact in &route.facts {
                let fid = fact.id.get_ref();
                if !is_valid_id(fid) {
                    self.problem(
                        &fact.id.span(),
                        format!("fact id {fid:?} must match [a-z0-9][a-z0-9._-]{{0,63}}"),
                    );
                }
                if !seen_facts.insert(fid.as_str()) {
                    self.problem(
                        &fact.id.span(),
                        format!("duplicate fact id {fid:?} in route {rid:?}"),
                    );
                }
                let sid = fact.source.get_ref();
                if !known_sources.contains(sid.as_str()) {
                    let hint = did_you_mean(sid, known_sources.iter().copied());
                    self.problem(
                        &fact.source.span(),
                        format!("fact names unknown source {sid:?}{hint}"),
                    );
                }
                if let Some(q) = &fact.quote
                    && crate::assess::fold_for_match(q.get_ref()).is_empty()
                {
                    self.problem(&q.span(), "quote is empty");
                }
                let last_verified = self.date(&fact.last_verified);
                let stale_after_days = fact
                    .stale_after_days
                    .as_ref()
                    .map(|_| self.positive(&fact.stale_after_days, "stale_after_days", 90) as u32)
                    .unwrap_or(route_stale);
                if let Some(last_verified) = last_verified {
                    facts.push(Fact {
                        id: format!("{rid}/{fid}"),
                        route: rid.clone(),
                        claim: fact.claim.clone(),
                        source: sid.clone(),
                        quote: fact.quote.as_ref().map(|q| q.get_ref().clone()),
                        last_verified,
                        stale_after_days,
                    });
                }
            }
            out.push(Route {
                id: rid.clone(),
                title: route.title.clone(),
                page,
                facts,
            });
        }
        out
    }

    fn date(&mut self, raw: &Spanned<toml::value::Datetime>) -> Option<NaiveDate> {
        let dt = raw.get_ref();
        let date = match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
            }
            _ => None,
        };
        match date {
            None => {
                self.problem(
                    &raw.span(),
                    format!("last_verified must be a plain date like 2026-06-09, not {dt}"),
                );
                None
            }
            Some(d) if d > self.today => {
                self.problem(
                    &raw.span(),
                    format!(
                        "last_verified {d} is in the future (today is {})",
                        self.today
                    ),
                );
                None
            }
            Some(d) => Some(d),
        }
    }
}

fn extract_fingerprint(src: &RawSource) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (tag, list) in [("s", &src.select), ("x", &src.exclude), ("i", &src.ignore)] {
        for item in list {
            h.update(tag.as_bytes());
            h.update(item.get_ref().as_bytes());
            h.update([0]);
        }
    }
    for (tag, value) in [
        ("c", &src.charset),
        ("f", &src.format),
        ("r", &src.render),
        ("w", &src.wait_for),
    ] {
        if let Some(v) = value {
            h.update(tag.as_bytes());
            h.update(v.get_ref().as_bytes());
            h.update([0]);
        }
    }
    h.update(crate::extract::NORMALISER_VERSION.to_le_bytes());
    hex::encode(&h.finalize()[..8])
}

/// ` (did you mean "x"?)` naming the closest candidate when it is close enough to be a likely
/// typo, else nothing: a suffix for "unknown id" messages.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    candidates
        .map(|c| (similar::TextDiff::from_chars(wanted, c).ratio(), c))
        .filter(|(ratio, _)| *ratio >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(" (did you mean {c:?}?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn problems(text: &str) -> Vec<String> {
        match parse(Path::new("sources.toml"), text, today()) {
            Ok(_) => vec![],
            Err(RegistryError::Invalid(list)) => list.iter().map(|d| d.to_string()).collect(),
            Err(e) => panic!("{e}"),
        }
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
    fn unknown_key_is_located() {
        let p = problems("[settings]\nstale_after_days = 3\ncolour = \"red\"\n");
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("sources.toml:3:1: unknown field `colour`"),
            "{p:?}"
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let text = r#"
[[sources]]
id = "a"
url = "ftp://example.org/"
select = ["div[", "p"]
ignore = ["(unclosed"]
schedule = "0 0 * * 9"

[[sources]]
id = "a"
url = "https://example.org/"

[[sources]]
id = "Bad Id"
url = "https://example.org/"

[[routes]]
id = "r"
title = "R"
[[routes.facts]]
id = "f"
claim = "c"
source = "b"
last_verified = 2099-01-01
"#;
        let p = problems(text);
        let joined = p.join("\n");
        assert!(
            joined.contains("sources.toml:4:7: url must be http or https"),
            "{joined}"
        );
        assert!(
            joined.contains("sources.toml:5:11: bad CSS selector"),
            "{joined}"
        );
        assert!(joined.contains("sources.toml:6:11: bad regex"), "{joined}");
        assert!(
            joined.contains("sources.toml:7:12: bad schedule"),
            "{joined}"
        );
        assert!(
            joined.contains("sources.toml:10:6: duplicate source id \"a\""),
            "{joined}"
        );
        assert!(
            joined.contains("sources.toml:14:6: source id \"Bad Id\""),
            "{joined}"
        );
        assert!(
            joined.contains("sources.toml:23:10: fact names unknown source \"b\""),
            "{joined}"
        );
        assert!(
            joined.contains("sources.toml:24:17: last_verified 2099-01-01 is in the future"),
            "{joined}"
        );
        assert_eq!(p.len(), 8, "{joined}");
    }

    #[test]
    fn robots_override_needs_reason() {
        let p =
            problems("[[sources]]\nid = \"a\"\nurl = \"https://e.org/\"\nrespect_robots = false\n");
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("robots_override_reason"));
    }

    #[test]
    fn stale_days_resolve_fact_route_settings() {
        let text = r#"
[settings]
stale_after_days = 10
[[sources]]
id = "s"
url = "https://e.org/"
[[routes]]
id = "r"
title = "R"
stale_after_days = 20
[[routes.facts]]
id = "own"
claim = "c"
source = "s"
last_verified = 2026-01-01
stale_after_days = 30
[[routes.facts]]
id = "inherits"
claim = "c"
source = "s"
last_verified = 2026-01-01
"#;
        let reg = parse(Path::new("s.toml"), text, today()).unwrap();
        let days: Vec<u32> = reg.facts().map(|f| f.stale_after_days).collect();
        assert_eq!(days, [30, 20]);
        assert_eq!(reg.facts().next().unwrap().id, "r/own");
    }
}
