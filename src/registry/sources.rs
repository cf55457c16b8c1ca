//! Validation of `[[sources]]`: one function per source, one helper per key that needs judging.

use std::collections::HashMap;
use std::sync::Arc;

use scraper::Selector;
use toml::Spanned;

use super::raw::RawSource;
use super::validate::Validator;
use super::{Format, Render, Settings, Source, WallRule};

impl Validator<'_> {
    /// Every `[[sources]]` table that reads, checked and compiled; each raw table is let go as
    /// soon as it is compiled.
    #[allow(clippy::vec_box)] // see RawFile::sources
    pub(super) fn sources(
        &mut self,
        raw: Vec<Box<RawSource>>,
        settings: &Settings,
    ) -> Vec<Arc<Source>> {
        // Id → where it was first defined, for the duplicate message.
        let mut seen: HashMap<Box<str>, usize> = HashMap::new();
        let mut out = Vec::with_capacity(raw.len());
        for src in raw {
            let id = src.id.get_ref();
            self.id(&src.id, "source");
            if let Some(&first) = seen.get(id.as_str()) {
                let first_line = self.locator.line(first);
                self.problem(
                    &src.id.span(),
                    format!("duplicate source id {id:?} (first defined on line {first_line})"),
                );
            } else {
                seen.insert(id.as_str().into(), src.id.span().start);
            }
            if let Some(source) = self.source(&src, settings) {
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
        let schedule = src
            .schedule
            .as_ref()
            .and_then(|s| self.schedule(s))
            .map(Box::new);
        let charset = src.charset.as_ref().and_then(|c| {
            let enc = encoding_rs::Encoding::for_label(c.get_ref().trim().as_bytes());
            if enc.is_none() {
                self.problem(&c.span(), format!("unknown charset {:?}", c.get_ref()));
            }
            enc
        });
        let ca_pem = src.ca_file.as_ref().and_then(|f| self.ca_file(f));
        let respect_robots = self.respect_robots(src, settings);
        let wall = src.wall.as_ref().map_or(WallRule::Auto, |w| self.wall(w));
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
            select_text: css_text(&src.select, format),
            exclude_text: css_text(&src.exclude, format),
            charset,
            ca_pem,
            respect_robots,
            wall,
            extract_fingerprint: extract_fingerprint(src),
        })
    }

    fn wall(&mut self, raw: &Spanned<String>) -> WallRule {
        match raw.get_ref().as_str() {
            "auto" => WallRule::Auto,
            "never" => WallRule::Never,
            other => {
                self.problem(
                    &raw.span(),
                    format!("wall must be auto or never, not {other:?}"),
                );
                WallRule::Auto
            }
        }
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
            // Read as the fetcher reads it: a bundle of one or more certificates.
            Ok(bytes)
                if reqwest::Certificate::from_pem_bundle(&bytes).is_ok_and(|c| !c.is_empty()) =>
            {
                Some(bytes)
            }
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
}

/// CSS selectors as written, when they are CSS (HTML sources).
fn css_text(raw: &[Spanned<String>], format: Option<Format>) -> Vec<String> {
    match format {
        Some(Format::Json | Format::Pdf) => Vec::new(),
        _ => raw.iter().map(|s| s.get_ref().clone()).collect(),
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
    h.update(crate::text::normaliser_version().to_le_bytes());
    hex::encode(&h.finalize()[..8])
}
