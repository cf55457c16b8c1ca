//! The settings a probe tries: from the flags and, with `--source ID`, that source, built into
//! a one-source registry the registry validates; and the `[[sources]]` block it offers.

use super::*;

pub(super) fn known_source<'r>(
    registry: &'r Registry,
    id: &str,
) -> anyhow::Result<&'r Arc<Source>> {
    registry.source(id).ok_or_else(|| {
        let hint = registry::did_you_mean(id, registry.sources.iter().map(|s| s.id.as_str()));
        anyhow::anyhow!("unknown source {}{hint}", registry::shown_id(id))
    })
}

/// The settings to try, as written: the source's (if any) with the flags applied.
pub(super) fn tried(args: &ProbeArgs, base: Option<&Source>) -> anyhow::Result<Tried> {
    let url = match (&args.url, base) {
        (Some(url), _) => url.clone(),
        (None, Some(b)) => b.url.to_string(),
        (None, None) => bail!("probe needs a URL or --source ID"),
    };
    let format = base.and_then(|b| b.format).map(|f| match f {
        Format::Html => "html",
        Format::Json => "json",
        Format::Pdf => "pdf",
    });
    let render = match (args.render, base.map(|b| b.render)) {
        (Some(ProbeRender::Browser), _) | (None, Some(Render::Browser)) => "browser",
        _ => "http",
    };
    let own_select = match base {
        Some(b) if format == Some("json") => b.pointers.clone(),
        Some(b) => b.select_text.clone(),
        None => Vec::new(),
    };
    let select = if args.select.is_empty() {
        own_select
    } else {
        args.select.clone()
    };
    let mut exclude = base.map(|b| b.exclude_text.clone()).unwrap_or_default();
    exclude.extend(args.exclude.iter().cloned());
    let mut ignore: Vec<String> = base
        .map(|b| b.ignore.iter().map(|r| r.as_str().to_string()).collect())
        .unwrap_or_default();
    ignore.extend(args.ignore.iter().cloned());
    let id = match base {
        Some(b) => b.id.clone(),
        None => Url::parse(&url).map_or_else(|_| "new-source".to_string(), |u| id_for(&u)),
    };
    Ok(Tried {
        id,
        url,
        source: base.map(|b| b.id.clone()),
        select,
        exclude,
        ignore,
        render,
        format,
        charset: base.and_then(|b| b.charset).map(|e| e.name()),
    })
}

pub(super) fn toml_list(items: &[String]) -> String {
    let mut array: toml_edit::Array = items.iter().map(String::as_str).collect();
    array.fmt();
    array.to_string().trim().to_string()
}

/// The source, validated by the registry from a one-source `sources.toml` text; a problem is
/// reported with the registry's message, named after the flag (or source) it came from. Also the
/// default settings, for a probe without `sources.toml`.
pub(super) fn build_source(
    tried: &Tried,
    today: chrono::NaiveDate,
) -> anyhow::Result<(Source, Settings)> {
    // One value per line, each with what it came from.
    let from_source = |what: &str| match &tried.source {
        Some(id) => format!("{what} (from --source {id} or the flags)"),
        None => format!("--{what}"),
    };
    let mut lines: Vec<(String, String)> = vec![
        ("[[sources]]".into(), String::new()),
        ("id = \"probe\"".into(), String::new()),
        (format!("url = {}", toml_str(&tried.url)), "URL".into()),
    ];
    if let Some(f) = tried.format {
        lines.push((format!("format = \"{f}\""), "format".into()));
    }
    lines.push((format!("render = \"{}\"", tried.render), "--render".into()));
    if let Some(c) = tried.charset {
        lines.push((format!("charset = {}", toml_str(c)), "charset".into()));
    }
    for (key, items) in [
        ("select", &tried.select),
        ("exclude", &tried.exclude),
        ("ignore", &tried.ignore),
    ] {
        lines.push((format!("{key} = ["), String::new()));
        for item in items {
            lines.push((format!("  {},", toml_str(item)), from_source(key)));
        }
        lines.push(("]".into(), String::new()));
    }
    let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    let mut reg = match registry::parse(Path::new("probe"), &text, today) {
        Ok(reg) => reg,
        Err(RegistryError::Invalid(problems)) => {
            let said: Vec<String> = problems
                .iter()
                .map(|d| {
                    let from = lines
                        .get(d.line.saturating_sub(1))
                        .map(|(_, from)| from.as_str())
                        .filter(|f| !f.is_empty())
                        .unwrap_or("probe");
                    format!("{from}: {}", d.message)
                })
                .collect();
            bail!("{}", said.join("\n"));
        }
        Err(e) => return Err(e.into()),
    };
    let source = reg.sources.pop().context("the probe's source")?;
    let source = Arc::try_unwrap(source).map_err(|_| anyhow::anyhow!("source still shared"))?;
    Ok((source, reg.settings))
}

/// What the one-source text cannot say: robots.txt as the registry (or the source) says, and
/// the source's trusted root and `wait_for`.
pub(super) fn finish_source(
    mut source: Source,
    base: Option<&Source>,
    registry: Option<&Registry>,
    defaults: &Settings,
) -> Source {
    let settings = registry.map_or(defaults, |r| &r.settings);
    source.respect_robots = base.map_or(settings.respect_robots, |b| b.respect_robots);
    if let Some(b) = base {
        source.id = b.id.clone();
        source.ca_pem = b.ca_pem.clone();
        if source.render == Render::Browser {
            source.wait_for = b.wait_for.clone();
        }
    } else {
        source.id = "probe".into();
    }
    source
}

/// A `[[sources]]` table to paste into `sources.toml`.
pub(super) fn source_block(tried: &Tried, select: &[String]) -> String {
    let mut out = String::from("[[sources]]\n");
    out.push_str(&format!("id = {}\n", toml_str(&tried.id)));
    out.push_str(&format!("url = {}\n", toml_str(&tried.url)));
    if let Some(f) = tried.format {
        out.push_str(&format!("format = {}\n", toml_str(f)));
    }
    if tried.render == "browser" {
        out.push_str("render = \"browser\"\n");
    }
    if !select.is_empty() {
        out.push_str(&format!("select = {}\n", toml_list(select)));
    }
    if !tried.exclude.is_empty() {
        out.push_str(&format!("exclude = {}\n", toml_list(&tried.exclude)));
    }
    if !tried.ignore.is_empty() {
        out.push_str(&format!("ignore = {}\n", toml_list(&tried.ignore)));
    }
    if let Some(c) = tried.charset {
        out.push_str(&format!("charset = {}\n", toml_str(c)));
    }
    out
}

/// A source id made from a URL: host (without `www.`) and path, in the id alphabet.
pub(crate) fn id_for(url: &Url) -> String {
    let host = url.host_str().unwrap_or("page");
    let mut raw = host.trim_start_matches("www.").to_string();
    for segment in url.path_segments().into_iter().flatten() {
        if !segment.is_empty() {
            raw.push('-');
            raw.push_str(segment);
        }
    }
    let mut id = String::new();
    for c in raw.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let mut id: String = id.chars().take(64).collect();
    while id.ends_with(['-', '.', '_']) {
        id.pop();
    }
    if registry::is_valid_id(&id) {
        id
    } else {
        "new-source".to_string()
    }
}
