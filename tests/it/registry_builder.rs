//! `sources.toml` text for the tests, built from the parts a test cares about.
//!
//! A test names its settings, sources and facts; the builder writes the TOML (quoting and
//! escaping the strings) in the layout a person would: `[settings]`, then each `[[sources]]`,
//! then each `[[routes]]` with its `[[routes.facts]]`. Keys a test needs beyond the usual ones
//! go in as raw `key = value` lines. Tests about the exact bytes of a file (comments, spacing,
//! the line:col of a diagnostic) keep their TOML inline instead.
//!
//! ```ignore
//! let toml = Registry::new()
//!     .settings(&["retries = 0", "per_host_interval_ms = 0"])
//!     .source(Source::new("pr", server.url("/pr")).select(&["div.info-block-horizontal"]))
//!     .route(Route::new("r", "R").fact(
//!         Fact::new("days", "45 days", "pr", "2026-11-20").quote("45 calendar days"),
//!     ))
//!     .toml();
//! ```

/// A whole `sources.toml`.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    comments: Vec<String>,
    settings: Vec<String>,
    sources: Vec<Source>,
    routes: Vec<Route>,
}

/// One `[[sources]]` table.
#[derive(Clone, Debug)]
pub struct Source {
    id: String,
    url: String,
    select: Vec<String>,
    exclude: Vec<String>,
    ignore: Vec<String>,
    lines: Vec<String>,
}

/// One `[[routes]]` table and its facts.
#[derive(Clone, Debug)]
pub struct Route {
    id: String,
    title: String,
    lines: Vec<String>,
    facts: Vec<Fact>,
}

/// One `[[routes.facts]]` table.
#[derive(Clone, Debug)]
pub struct Fact {
    id: String,
    claim: String,
    source: String,
    last_verified: String,
    quote: Option<String>,
    lines: Vec<String>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// A `# text` line at the top of the file.
    pub fn comment(mut self, text: &str) -> Registry {
        self.comments.push(text.to_string());
        self
    }

    /// Raw `key = value` lines for `[settings]`, written as given.
    pub fn settings(mut self, lines: &[&str]) -> Registry {
        self.settings.extend(lines.iter().map(|l| l.to_string()));
        self
    }

    pub fn source(mut self, source: Source) -> Registry {
        self.sources.push(source);
        self
    }

    pub fn route(mut self, route: Route) -> Registry {
        self.routes.push(route);
        self
    }

    /// The file's text.
    pub fn toml(&self) -> String {
        let mut out = String::new();
        for c in &self.comments {
            out.push_str(&format!("# {c}\n"));
        }
        if !self.settings.is_empty() {
            out.push_str("[settings]\n");
            push_lines(&mut out, &self.settings);
        }
        for s in &self.sources {
            table(&mut out, "[[sources]]");
            out.push_str(&format!(
                "id = {}\nurl = {}\n",
                quoted(&s.id),
                quoted(&s.url)
            ));
            for (key, list) in [
                ("select", &s.select),
                ("exclude", &s.exclude),
                ("ignore", &s.ignore),
            ] {
                if !list.is_empty() {
                    let items: Vec<String> = list.iter().map(|i| quoted(i)).collect();
                    out.push_str(&format!("{key} = [{}]\n", items.join(", ")));
                }
            }
            push_lines(&mut out, &s.lines);
        }
        for r in &self.routes {
            table(&mut out, "[[routes]]");
            out.push_str(&format!(
                "id = {}\ntitle = {}\n",
                quoted(&r.id),
                quoted(&r.title)
            ));
            push_lines(&mut out, &r.lines);
            for f in &r.facts {
                table(&mut out, "[[routes.facts]]");
                out.push_str(&format!(
                    "id = {}\nclaim = {}\nsource = {}\n",
                    quoted(&f.id),
                    quoted(&f.claim),
                    quoted(&f.source)
                ));
                if let Some(quote) = &f.quote {
                    out.push_str(&format!("quote = {}\n", quoted(quote)));
                }
                // A TOML date, not a string.
                out.push_str(&format!("last_verified = {}\n", f.last_verified));
                push_lines(&mut out, &f.lines);
            }
        }
        out
    }
}

impl Source {
    pub fn new(id: &str, url: impl Into<String>) -> Source {
        Source {
            id: id.to_string(),
            url: url.into(),
            select: Vec::new(),
            exclude: Vec::new(),
            ignore: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// `select = [...]`: CSS selectors, or JSON Pointers with `format = "json"`.
    pub fn select(mut self, selectors: &[&str]) -> Source {
        self.select = strings(selectors);
        self
    }

    pub fn exclude(mut self, selectors: &[&str]) -> Source {
        self.exclude = strings(selectors);
        self
    }

    /// `ignore = [...]`: regexes, written as given (the builder escapes them for TOML).
    pub fn ignore(mut self, patterns: &[&str]) -> Source {
        self.ignore = strings(patterns);
        self
    }

    /// Raw `key = value` lines (one line, or several separated by `\n`), e.g. `render = "browser"`.
    pub fn line(mut self, line: &str) -> Source {
        self.lines.push(line.to_string());
        self
    }
}

impl Route {
    pub fn new(id: &str, title: &str) -> Route {
        Route {
            id: id.to_string(),
            title: title.to_string(),
            lines: Vec::new(),
            facts: Vec::new(),
        }
    }

    /// A raw `key = value` line, e.g. `stale_after_days = 20`.
    pub fn line(mut self, line: &str) -> Route {
        self.lines.push(line.to_string());
        self
    }

    pub fn fact(mut self, fact: Fact) -> Route {
        self.facts.push(fact);
        self
    }
}

impl Fact {
    /// The required keys, in the order they are written; `last_verified` is `YYYY-MM-DD`,
    /// written as a TOML date.
    pub fn new(id: &str, claim: &str, source: &str, last_verified: &str) -> Fact {
        Fact {
            id: id.to_string(),
            claim: claim.to_string(),
            source: source.to_string(),
            last_verified: last_verified.to_string(),
            quote: None,
            lines: Vec::new(),
        }
    }

    /// The evidence that must appear on the page (written before `last_verified`).
    pub fn quote(mut self, quote: &str) -> Fact {
        self.quote = Some(quote.to_string());
        self
    }

    /// A raw `key = value` line, e.g. `stale_after_days = 30`.
    pub fn line(mut self, line: &str) -> Fact {
        self.lines.push(line.to_string());
        self
    }
}

/// A TOML basic string.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

/// A table header, after a blank line unless it opens the file.
fn table(out: &mut String, header: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(header);
    out.push('\n');
}

fn push_lines(out: &mut String, lines: &[String]) {
    for l in lines {
        out.push_str(l.trim_end_matches('\n'));
        out.push('\n');
    }
}

/// What the builder writes is what the registry reads: strings with quotes and backslashes,
/// lists, raw lines, a date.
#[test]
fn the_registry_reads_what_the_builder_writes() {
    let toml = Registry::new()
        .comment("built")
        .settings(&["retries = 0"])
        .source(
            Source::new("a", "http://127.0.0.1:1/a")
                .select(&["div.x", "p[title=\"t\"]"])
                .exclude(&[".share"])
                .ignore(&[r"Views: \d+"])
                .line("charset = \"windows-1251\""),
        )
        .route(
            Route::new("r", "R · \"quoted\" \\ back")
                .line("stale_after_days = 20")
                .fact(
                    Fact::new("f", "c", "a", "2026-11-01")
                        .quote("«45» days")
                        .line("stale_after_days = 30"),
                ),
        )
        .toml();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let reg = sourcewatch::registry::parse(std::path::Path::new("sources.toml"), &toml, today)
        .unwrap_or_else(|e| panic!("{e}\n{toml}"));
    assert!(
        toml.starts_with("# built\n[settings]\nretries = 0\n"),
        "{toml}"
    );
    // Settings, exclude, ignore and charset are the registry's own business (not public API):
    // what reaches it is the text, which the parse above accepted.
    let source = &reg.sources[0];
    assert_eq!(source.url.as_str(), "http://127.0.0.1:1/a");
    assert_eq!(source.select.len(), 2);
    assert!(toml.contains("exclude = [\".share\"]\n"), "{toml}");
    assert!(toml.contains("charset = \"windows-1251\"\n"), "{toml}");
    assert_eq!(reg.routes[0].title, "R · \"quoted\" \\ back");
    let fact = &reg.routes[0].facts[0];
    assert_eq!(fact.quote.as_deref(), Some("«45» days"));
    assert_eq!(
        fact.last_verified,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    );
    assert_eq!(fact.stale_after_days, 30);
    assert!(
        toml.contains("select = [\"div.x\", \"p[title=\\\"t\\\"]\"]\n"),
        "{toml}"
    );
    assert!(toml.contains("ignore = [\"Views: \\\\d+\"]\n"), "{toml}");
}
