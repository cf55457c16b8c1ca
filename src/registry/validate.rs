//! Raw model → checked [`Registry`]: selectors, regexes, URLs and schedules compiled, defaults
//! applied, every problem collected as a [`Diagnostic`] instead of stopping at the first.
//!
//! Each table of the file has its own function (settings, one source, one route), and each key
//! that needs judging has a small helper, so adding a key means adding a line, not a branch to a
//! long loop.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use regex::Regex;
use reqwest::Url;
use scraper::Selector;
use toml::Spanned;

use super::diagnostics::{Diagnostic, Locator};
use super::raw::{RawFact, RawFile, RawRoute, RawSettings, RawSource};
use super::{Fact, FactId, Format, Registry, Render, Route, Settings, Source, did_you_mean};
use crate::schedule::Schedule;

/// The values a key takes when `sources.toml` does not set it (docs/registry.md lists them).
pub(crate) mod defaults {
    pub(crate) const STALE_AFTER_DAYS: i64 = 90;
    pub(crate) const CONCURRENCY: i64 = 8;
    pub(crate) const PER_HOST_CONCURRENCY: i64 = 1;
    pub(crate) const PER_HOST_INTERVAL_MS: i64 = 1000;
    pub(crate) const TIMEOUT_SECS: i64 = 30;
    pub(crate) const RETRIES: i64 = 2;
    /// More retries than this only delay a run that is failing anyway.
    pub(crate) const RETRIES_CAP: i64 = 20;
    pub(crate) const MAX_BODY_BYTES: i64 = 10_000_000;
    pub(crate) const SCHEDULE: &str = "0 3 * * *";
    pub(crate) const SNAPSHOTS_DIR: &str = "snapshots";
}

/// The one rule for source, route and fact ids: `[a-z0-9][a-z0-9._-]{0,63}`. A source id names
/// a folder in `snapshots/`, so the store relies on this rule too.
pub fn is_valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

pub(super) struct Validator<'a> {
    pub(super) locator: Locator<'a>,
    /// The folder of `sources.toml`: relative paths in it are read from there.
    pub(super) base: &'a Path,
    /// A `last_verified` after this is a typo.
    pub(super) today: NaiveDate,
    pub(super) problems: Vec<Diagnostic>,
}

impl Validator<'_> {
    pub(super) fn run(mut self, raw: RawFile, path: &Path) -> Result<Registry, Vec<Diagnostic>> {
        let settings = self.settings(&raw.settings);
        let sources = self.sources(&raw.sources, &settings);
        let known: HashSet<&str> = raw
            .sources
            .iter()
            .map(|s| s.id.get_ref().as_str())
            .collect();
        let mut seen_routes = HashSet::new();
        let routes = raw
            .routes
            .iter()
            .map(|r| self.route(r, &mut seen_routes, &known, settings.stale_after_days))
            .collect();
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        Ok(Registry {
            path: path.to_path_buf(),
            settings,
            sources,
            routes,
        })
    }

    fn problem(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let d = self.locator.at(span, message);
        self.problems.push(d);
    }

    fn id(&mut self, raw: &Spanned<String>, what: &str) {
        let id = raw.get_ref();
        if !is_valid_id(id) {
            self.problem(
                &raw.span(),
                format!("{what} id {id:?} must match [a-z0-9][a-z0-9._-]{{0,63}}"),
            );
        }
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

    fn stale_days(&mut self, value: &Option<Spanned<i64>>, inherited: u32) -> u32 {
        match value {
            Some(_) => {
                let days = self.positive(value, "stale_after_days", defaults::STALE_AFTER_DAYS);
                days.min(u32::MAX as i64) as u32
            }
            None => inherited,
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

    fn regexes(&mut self, raw: &[Spanned<String>]) -> Vec<Regex> {
        raw.iter()
            .filter_map(|r| match Regex::new(r.get_ref()) {
                Ok(re) => Some(re),
                Err(e) => {
                    let first = e.to_string().lines().last().unwrap_or("").to_string();
                    self.problem(&r.span(), format!("bad regex {:?}: {first}", r.get_ref()));
                    None
                }
            })
            .collect()
    }

    fn settings(&mut self, raw: &RawSettings) -> Settings {
        let stale_after_days = self.positive(
            &raw.stale_after_days,
            "stale_after_days",
            defaults::STALE_AFTER_DAYS,
        );
        let concurrency = self.positive(&raw.concurrency, "concurrency", defaults::CONCURRENCY);
        let per_host = self.positive(
            &raw.per_host_concurrency,
            "per_host_concurrency",
            defaults::PER_HOST_CONCURRENCY,
        );
        let interval = self.non_negative(
            &raw.per_host_interval_ms,
            "per_host_interval_ms",
            defaults::PER_HOST_INTERVAL_MS,
        );
        let timeout = self.positive(&raw.timeout_secs, "timeout_secs", defaults::TIMEOUT_SECS);
        let retries = self.non_negative(&raw.retries, "retries", defaults::RETRIES);
        let max_body = self.positive(
            &raw.max_body_bytes,
            "max_body_bytes",
            defaults::MAX_BODY_BYTES,
        );
        let schedule = raw
            .schedule
            .as_ref()
            .and_then(|s| self.schedule(s))
            .unwrap_or_else(|| defaults::SCHEDULE.parse().expect("default schedule parses"));
        let snapshots_dir = match &raw.snapshots_dir {
            Some(dir) if dir.get_ref().trim().is_empty() => {
                self.problem(&dir.span(), "snapshots_dir must not be empty");
                self.base.join(defaults::SNAPSHOTS_DIR)
            }
            Some(dir) => self.base.join(dir.get_ref()),
            None => self.base.join(defaults::SNAPSHOTS_DIR),
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
            retries: retries.min(defaults::RETRIES_CAP) as u32,
            max_body_bytes: max_body as u64,
            respect_robots: raw.respect_robots.unwrap_or(true),
            schedule,
            snapshots_dir,
        }
    }

    fn sources(&mut self, raw: &[RawSource], settings: &Settings) -> Vec<Arc<Source>> {
        // Id → line of its first definition, for the duplicate message.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::new();
        for src in raw {
            let id = src.id.get_ref();
            self.id(&src.id, "source");
            if let Some(first_line) = seen.get(id.as_str()) {
                self.problem(
                    &src.id.span(),
                    format!("duplicate source id {id:?} (first defined on line {first_line})"),
                );
            } else {
                let line = self.locator.at(&src.id.span(), "").line;
                seen.insert(id, line);
            }
            if let Some(source) = self.source(src, settings) {
                out.push(Arc::new(source));
            }
        }
        out
    }

    fn source(&mut self, src: &RawSource, settings: &Settings) -> Option<Source> {
        let url = self.url(&src.url, "url");
        let format = src.format.as_ref().and_then(|f| self.format(f));
        let render = self.render(src, format);
        let wait_for = match (&src.wait_for, render) {
            (Some(w), Render::Browser) => self.selectors(std::slice::from_ref(w), "wait_for").pop(),
            (Some(w), Render::Http) => {
                self.problem(&w.span(), "wait_for needs render = \"browser\"");
                None
            }
            (None, _) => None,
        };
        let (select, pointers) = self.select(src, format);
        if matches!(format, Some(Format::Json | Format::Pdf))
            && let Some(x) = src.exclude.first()
        {
            self.problem(&x.span(), "exclude applies to HTML only");
        }
        let exclude = self.selectors(&src.exclude, "exclude");
        let ignore = self.regexes(&src.ignore);
        let schedule = src.schedule.as_ref().and_then(|s| self.schedule(s));
        let charset = src.charset.as_ref().and_then(|c| {
            let enc = encoding_rs::Encoding::for_label(c.get_ref().trim().as_bytes());
            if enc.is_none() {
                self.problem(&c.span(), format!("unknown charset {:?}", c.get_ref()));
            }
            enc
        });
        let ca_pem = src.ca_file.as_ref().and_then(|f| self.ca_file(f));
        let respect_robots = self.respect_robots(src, settings);
        Some(Source {
            id: src.id.get_ref().clone(),
            url: url?,
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
            extract_fingerprint: extract_fingerprint(src),
        })
    }

    fn format(&mut self, raw: &Spanned<String>) -> Option<Format> {
        match raw.get_ref().as_str() {
            "html" => Some(Format::Html),
            "json" => Some(Format::Json),
            "pdf" => Some(Format::Pdf),
            other => {
                self.problem(
                    &raw.span(),
                    format!("format must be html, json or pdf, not {other:?}"),
                );
                None
            }
        }
    }

    fn render(&mut self, src: &RawSource, format: Option<Format>) -> Render {
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
        render
    }

    /// `select` as CSS selectors (HTML), JSON Pointers (`format = "json"`), or refused (PDF).
    fn select(&mut self, src: &RawSource, format: Option<Format>) -> (Vec<Selector>, Vec<String>) {
        match format {
            Some(Format::Json) => {
                let mut pointers = Vec::new();
                for p in &src.select {
                    if p.get_ref().is_empty() || p.get_ref().starts_with('/') {
                        pointers.push(p.get_ref().clone());
                    } else {
                        self.problem(
                            &p.span(),
                            format!(
                                "with format = \"json\", select holds JSON Pointers such as \
                                 \"/data/0/body\", not {:?}",
                                p.get_ref()
                            ),
                        );
                    }
                }
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
        }
    }

    fn ca_file(&mut self, raw: &Spanned<String>) -> Option<Vec<u8>> {
        let path = self.base.join(raw.get_ref());
        match std::fs::read(&path) {
            Ok(bytes) if reqwest::Certificate::from_pem(&bytes).is_ok() => Some(bytes),
            Ok(_) => {
                self.problem(
                    &raw.span(),
                    format!("ca_file {} is not PEM", path.display()),
                );
                None
            }
            Err(e) => {
                self.problem(
                    &raw.span(),
                    format!("cannot read ca_file {}: {e}", path.display()),
                );
                None
            }
        }
    }

    fn respect_robots(&mut self, src: &RawSource, settings: &Settings) -> bool {
        match &src.respect_robots {
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
        }
    }

    fn route(
        &mut self,
        route: &RawRoute,
        seen_routes: &mut HashSet<String>,
        known_sources: &HashSet<&str>,
        default_stale: u32,
    ) -> Route {
        let rid = route.id.get_ref();
        self.id(&route.id, "route");
        if !seen_routes.insert(rid.clone()) {
            self.problem(&route.id.span(), format!("duplicate route id {rid:?}"));
        }
        let page = route.page.as_ref().and_then(|p| self.url(p, "page"));
        let route_stale = self.stale_days(&route.stale_after_days, default_stale);
        let mut seen_facts = HashSet::new();
        let facts = route
            .facts
            .iter()
            .filter_map(|fact| {
                let fid = fact.id.get_ref();
                self.id(&fact.id, "fact");
                if !seen_facts.insert(fid.as_str()) {
                    self.problem(
                        &fact.id.span(),
                        format!("duplicate fact id {fid:?} in route {rid:?}"),
                    );
                }
                self.fact(rid, fact, known_sources, route_stale)
            })
            .collect();
        Route {
            id: rid.clone(),
            title: route.title.clone(),
            page,
            facts,
        }
    }

    fn fact(
        &mut self,
        route_id: &str,
        fact: &RawFact,
        known_sources: &HashSet<&str>,
        route_stale: u32,
    ) -> Option<Fact> {
        let sid = fact.source.get_ref();
        if !known_sources.contains(sid.as_str()) {
            let hint = did_you_mean(sid, known_sources.iter().copied());
            self.problem(
                &fact.source.span(),
                format!("fact names unknown source {sid:?}{hint}"),
            );
        }
        if let Some(q) = &fact.quote
            && crate::text::fold_for_match(q.get_ref()).is_empty()
        {
            self.problem(&q.span(), "quote is empty");
        }
        let last_verified = self.date(&fact.last_verified);
        let stale_after_days = self.stale_days(&fact.stale_after_days, route_stale);
        Some(Fact {
            id: FactId::new(route_id, fact.id.get_ref()),
            claim: fact.claim.clone(),
            source: sid.clone(),
            quote: fact.quote.as_ref().map(|q| q.get_ref().clone()),
            last_verified: last_verified?,
            stale_after_days,
        })
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

/// A digest of everything that shapes a source's extracted text, so stored text is only reused
/// (for a 304) when it was extracted the same way.
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
    h.update(crate::text::NORMALISER_VERSION.to_le_bytes());
    hex::encode(&h.finalize()[..8])
}
