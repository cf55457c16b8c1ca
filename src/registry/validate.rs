//! Raw model → checked [`Registry`]: selectors, regexes, URLs and schedules compiled, defaults
//! applied, every problem collected as a [`Diagnostic`] instead of stopping at the first.
//!
//! Each table of the file has its own function (settings, one source, one route), and each key
//! that needs judging has a small helper, so adding a key means adding a line, not a branch to a
//! long loop.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use regex::Regex;
use reqwest::Url;
use scraper::Selector;
use toml::Spanned;

use super::diagnostics::{Diagnostic, Locator};
use super::raw::{RawFile, RawSettings};
use super::{Registry, Settings};
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

/// The store's own files at the top of `snapshots/`, as a case-insensitive file system (macOS,
/// Windows) sees them: a source folder of one of these names would be that file.
const STORE_NAMES: &[&str] = &[
    "format",
    "last_check.json",
    "verifications.jsonl",
    "notified.json",
    "ledger.json",
    "routes",
    "text",
    "raw",
];

/// The one rule for source, route and fact ids: `[a-z0-9][a-z0-9._-]{0,63}`, and not one of the
/// store's own file names. A source id names a folder in `snapshots/`, so the store relies on
/// this rule too.
pub fn is_valid_id(id: &str) -> bool {
    id_problem(id).is_none()
}

/// Why `id` cannot be an id, in words; `None` when it can.
fn id_problem(id: &str) -> Option<String> {
    let bytes = id.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !well_formed {
        return Some("must match [a-z0-9][a-z0-9._-]{0,63}".to_string());
    }
    STORE_NAMES.contains(&id).then(|| {
        format!(
            "is reserved: on a case-insensitive file system it names the same entry as the \
             store's snapshots/{}",
            id.to_ascii_uppercase()
        )
    })
}

pub(super) struct Validator<'a> {
    pub(super) locator: Locator<'a>,
    /// The folder of `sources.toml`: relative paths in it are read from there.
    pub(super) base: &'a Path,
    /// A `last_verified` after this is a typo.
    pub(super) today: NaiveDate,
    pub(super) problems: Vec<Diagnostic>,
    /// Selectors compiled so far, by their text. A compiled selector is shared, not copied, so
    /// the thousands of sources that select `main` hold one (7 MB at 100,000 sources).
    pub(super) compiled: HashMap<String, Selector>,
}

impl Validator<'_> {
    pub(super) fn run(mut self, raw: RawFile, path: &Path) -> Result<Registry, Vec<Diagnostic>> {
        let settings = self.settings(&raw.settings.unwrap_or_default());
        // Routes first, each raw route freed once compiled, then the sources: the raw facts
        // (50 MB at 100,000) are never held beside the compiled sources.
        let ids = raw.sources.iter().map(|s| s.id.get_ref().as_str().into());
        let unread = raw.unread_sources.into_iter().map(String::into_boxed_str);
        let known: HashSet<Box<str>> = ids.chain(unread).collect();
        let (mut seen, stale) = (HashSet::new(), settings.stale_after_days);
        let routes = (raw.routes.into_iter())
            .map(|r| self.route(&r, &mut seen, &known, stale))
            .collect();
        drop(known);
        let sources = self.sources(raw.sources, &settings);
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        Ok(Registry::new(path.to_path_buf(), settings, sources, routes))
    }

    pub(super) fn problem(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let d = self.locator.at(span, message);
        self.problems.push(d);
    }

    pub(super) fn id(&mut self, raw: &Spanned<String>, what: &str) {
        let id = raw.get_ref();
        if let Some(problem) = id_problem(id) {
            self.problem(&raw.span(), format!("{what} id {id:?} {problem}"));
        }
    }

    pub(super) fn positive(
        &mut self,
        value: &Option<Spanned<i64>>,
        key: &str,
        default: i64,
    ) -> i64 {
        self.at_least(value, 1, default, || format!("{key} must be at least 1"))
    }

    pub(super) fn non_negative(
        &mut self,
        value: &Option<Spanned<i64>>,
        key: &str,
        default: i64,
    ) -> i64 {
        self.at_least(value, 0, default, || format!("{key} must not be negative"))
    }

    fn at_least(
        &mut self,
        value: &Option<Spanned<i64>>,
        min: i64,
        default: i64,
        message: impl FnOnce() -> String,
    ) -> i64 {
        match value {
            Some(v) if *v.get_ref() < min => {
                self.problem(&v.span(), message());
                default
            }
            Some(v) => *v.get_ref(),
            None => default,
        }
    }

    pub(super) fn stale_days(&mut self, value: &Option<Spanned<i64>>, inherited: u32) -> u32 {
        match value {
            Some(_) => {
                let days = self.positive(value, "stale_after_days", defaults::STALE_AFTER_DAYS);
                days.min(u32::MAX as i64) as u32
            }
            None => inherited,
        }
    }

    /// Text that reports print: a control or bidi character in it could drive the terminal a
    /// report is read in, so it is refused where it stands.
    pub(super) fn printable(&mut self, raw: &Spanned<String>, key: &str) -> String {
        if let Some(c) = raw
            .get_ref()
            .chars()
            .find(|c| *c != '\t' && crate::text::is_steering(*c))
        {
            self.problem(
                &raw.span(),
                format!(
                    "{key} holds the invisible control character U+{:04X}; remove it",
                    c as u32
                ),
            );
        }
        raw.get_ref().clone()
    }

    pub(super) fn schedule(&mut self, raw: &Spanned<String>) -> Option<Schedule> {
        match raw.get_ref().parse::<Schedule>() {
            Ok(s) => Some(s),
            Err(e) => {
                self.problem(&raw.span(), e.to_string());
                None
            }
        }
    }

    pub(super) fn url(&mut self, raw: &Spanned<String>, what: &str) -> Option<Url> {
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
            // A webhook's URL is its secret: the line and column say where it is.
            Err(e) if what == "notify_webhook" => {
                self.problem(&raw.span(), format!("bad {what}: {e}"));
                None
            }
            Err(e) => {
                self.problem(&raw.span(), format!("bad {what} {:?}: {e}", raw.get_ref()));
                None
            }
        }
    }

    pub(super) fn selectors(&mut self, raw: &[Spanned<String>], key: &str) -> Vec<Selector> {
        raw.iter()
            .filter_map(|s| {
                if let Some(sel) = self.compiled.get(s.get_ref()) {
                    return Some(sel.clone());
                }
                let sel = self.selector(s, key)?;
                self.compiled.insert(s.get_ref().clone(), sel.clone());
                Some(sel)
            })
            .collect()
    }

    fn selector(&mut self, s: &Spanned<String>, key: &str) -> Option<Selector> {
        match Selector::parse(s.get_ref()) {
            // The parser closes what the text leaves open, as CSS does at the end of a
            // style sheet; in a selector written by hand it is a mistake.
            Ok(sel) => match unbalanced(s.get_ref()) {
                Some(why) => {
                    self.problem(
                        &s.span(),
                        format!("bad CSS selector in {key} {:?}: {why}", s.get_ref()),
                    );
                    None
                }
                None => Some(sel),
            },
            Err(e) => {
                let why = selector_problem(s.get_ref(), &e);
                self.problem(
                    &s.span(),
                    format!("bad CSS selector in {key} {:?}: {why}", s.get_ref()),
                );
                None
            }
        }
    }

    pub(super) fn regexes(&mut self, raw: &[Spanned<String>]) -> Vec<Regex> {
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
            confirm_changes: raw.confirm_changes.unwrap_or(true),
            schedule,
            snapshots_dir,
        }
    }

    pub(super) fn date(&mut self, raw: &Spanned<toml::value::Datetime>) -> Option<NaiveDate> {
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

/// An unclosed `[` or `(`, or a `]` or `)` that closes nothing, outside quoted strings.
fn unbalanced(text: &str) -> Option<String> {
    let mut open: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => open.push(c),
            (None, ']' | ')') => {
                let wanted = if c == ']' { '[' } else { '(' };
                if open.pop() != Some(wanted) {
                    return Some(format!("`{c}` closes nothing"));
                }
            }
            _ => {}
        }
    }
    if let Some(q) = quote {
        return Some(format!("a string opened with {q} is never closed"));
    }
    open.last().map(|c| {
        let close = if *c == '[' { ']' } else { ')' };
        format!("an unclosed `{c}`: it needs its `{close}`")
    })
}

/// The pseudo-elements: they name parts of an element's rendering, never an element of the
/// page, so a selection cannot take them.
const PSEUDO_ELEMENTS: [&str; 8] = [
    "before",
    "after",
    "first-line",
    "first-letter",
    "marker",
    "placeholder",
    "selection",
    "backdrop",
];

/// What is wrong with a CSS selector, in words. scraper's own messages are terse ("Unexpected
/// EOL") or, for most mistakes, "Unexpected error occurred. Please report this to the developer"
/// followed by a debug dump.
fn selector_problem(text: &str, kind: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as K;
    use selectors::parser::SelectorParseErrorKind as P;
    if text.contains(">>") {
        return "`>>` is not a combinator; use `>` for a child or a space for a descendant"
            .to_string();
    }
    match kind {
        K::EndOfLine => "it ends where more was expected (an unclosed `[` or `(`, or a `.`, \
                         `#` or `:` with no name after it)"
            .to_string(),
        K::UnexpectedToken => "it has a character or word where none fits".to_string(),
        K::ExpectedColonOnPseudoElement | K::ExpectedIdentityOnPseudoElement => {
            "a pseudo-element needs a name after `::`".to_string()
        }
        K::UnexpectedSelectorParseError(p) => match p {
            P::DanglingCombinator => {
                "a combinator (`>`, `+` or `~`) must stand between two selectors".to_string()
            }
            P::EmptySelector => "it is empty (a stray comma?)".to_string(),
            P::ClassNeedsIdent => "a `.` must be followed by a class name".to_string(),
            P::NoIdentForPseudo => "a `:` must be followed by a pseudo-class name".to_string(),
            P::UnsupportedPseudoClassOrElement => {
                let (double, pseudo): (bool, String) = text
                    .split_once(':')
                    .map(|(_, rest)| {
                        let name = rest
                            .trim_start_matches(':')
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '-')
                            .collect();
                        (rest.starts_with(':'), name)
                    })
                    .unwrap_or_default();
                if double || PSEUDO_ELEMENTS.contains(&pseudo.to_ascii_lowercase().as_str()) {
                    let written = if double { "::" } else { ":" };
                    return format!(
                        "`{written}{pseudo}` is a pseudo-element: it is a part of an element's \
                         rendering, not an element of the page, so it cannot be selected \
                         (select the element itself, without `{written}{pseudo}`)"
                    );
                }
                format!(
                    "`:{pseudo}` is not a pseudo-class sourcewatch knows (use e.g. \
                     :first-child, :nth-child(2), :not(…), :has(…))"
                )
            }
            P::UnexpectedIdent => "it has a name where none fits".to_string(),
            P::NoQualifiedNameInAttributeSelector
            | P::UnexpectedTokenInAttributeSelector
            | P::ExpectedBarInAttr
            | P::BadValueInAttr
            | P::InvalidQualNameInAttr => {
                "an attribute test must read like [name] or [name=\"value\"]".to_string()
            }
            _ => "it is not a CSS selector sourcewatch can read".to_string(),
        },
        _ => "it is not a CSS selector sourcewatch can read".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Source ids such as `format` or `notified.json` were valid, and on a case-insensitive file
    /// system their folders are the store's own files (FORMAT, NOTIFIED.json …).
    #[test]
    fn ids_that_are_store_file_names_are_refused() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        for id in STORE_NAMES {
            assert!(!is_valid_id(id), "{id}");
            let text = format!("[[sources]]\nid = \"{id}\"\nurl = \"https://e.org/\"\n");
            let problems = match crate::registry::parse(Path::new("s.toml"), &text, today) {
                Err(crate::registry::RegistryError::Invalid(problems)) => problems,
                Err(e) => panic!("{id}: {e}"),
                Ok(_) => panic!("{id} accepted"),
            };
            let message = problems[0].to_string();
            assert!(
                message.contains(&format!("source id \"{id}\" is reserved"))
                    && message.contains(&id.to_ascii_uppercase()),
                "{message}"
            );
        }
        for fine in ["formats", "last_check", "notified-json", "format.v2"] {
            assert!(is_valid_id(fine), "{fine}");
        }
    }
}
