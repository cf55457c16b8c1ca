//! `sourcewatch demo`: the whole review loop in a few seconds, offline.
//!
//! Serves a small copy-site of demo fixtures on 127.0.0.1 (pages shaped like egov.kz service
//! pages, carrying the seed page's facts, each labelled as a demo fixture), writes a demo
//! registry pointing at it into a folder, runs `check`, then changes the site the way official
//! pages change (the processing time goes from 45 to 30 days, a document disappears from the list,
//! a bot wall appears in front of a third page), runs `check` again and leaves the terminal,
//! Markdown, HTML and JSON reports in the folder. With `--serve` the changed copy-site stays up
//! until a signal, so the review loop's next commands ([`NEXT`]) can be run against it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use chrono::NaiveDate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cli::ReportFormat;
use crate::report::{Report, Summary};
use crate::store::Store;

const REGISTRY: &str = include_str!("../examples/demo/sources.toml");

/// The seed page's documents for the IT-specialist route, in its order.
const DOCUMENTS: [&str; 14] = [
    "Application for the issuance of a permanent residence permit",
    "Certificate on passing the eligibility assessment for immigrants",
    "Copy and original of the national passport or document of stateless person (valid over 180 days)",
    "Document confirming financial solvency as per rules or exemption grounds",
    "Criminal record certificate (no criminal record certificate) from the state of nationality/permanent residence (where applicable)",
    "Notarized consent of a child aged 14 to 18 years for permanent residence (where applicable)",
    "Notarized agreement or statement confirming provision of housing or ownership certificate",
    "Medical examination certificate (form 028/u) confirming absence of prohibited diseases",
    "One photo (35x45 mm)",
    "Receipt on payment of national duty",
    "Petition from relevant state authority indicating occupational group and confirming compliance with NCO requirements (for in-demand IT specialists)",
    "Certificate of fingerprinting",
    "Written consent of the state of nationality or departure slip or other document permitting emigration (where applicable)",
    "Consent to personal data processing and cross-border transfer of personal data",
];
const REMOVED_IN_ROUND_TWO: &str = "Certificate of fingerprinting";

/// The state of the copy-site: before or after the official pages "changed".
struct Site {
    changed: AtomicBool,
    today: NaiveDate,
}

/// The seed page's date, which the demo's older facts carry.
const SEED_DATE: &str = "2026-06-09";

const BANNER: &str = "<div class=\"demo-banner\">DEMO FIXTURE served by <code>sourcewatch demo</code> \
    on 127.0.0.1: shaped like an egov.kz page, not the official page.</div>";

impl Site {
    fn page(&self, path: &str) -> (u16, String) {
        let changed = self.changed.load(Ordering::SeqCst);
        // A token that differs on every request, outside the selected blocks, as on real portals.
        let token = format!("{:016x}", fastrand::u64(..));
        let head = |title: &str| {
            format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>DEMO FIXTURE · {title}</title>\
                 <script>window.csrf = \"{token}\";</script></head><body>{BANNER}\
                 <header><form class=\"search\"><input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
                 <input name=\"q\"></form></header>"
            )
        };
        let foot = format!("<footer>Generated {token}</footer></body></html>");
        match path {
            "/cms/en/services/for_foreigners/009pass_mvd" => {
                let days = if changed { 30 } else { 45 };
                let docs: String = DOCUMENTS
                    .iter()
                    .filter(|d| !(changed && **d == REMOVED_IN_ROUND_TWO))
                    .map(|d| format!("<li>{d}</li>"))
                    .collect();
                let body = format!(
                    "<div class=\"info-block-horizontal\"><h2>Issuance of permit to foreign IT \
                     specialists for permanent residence in the Republic of Kazakhstan</h2></div>\
                     <div class=\"info-block-horizontal\"><h3>Term of rendering the service</h3>\
                     <p>The service is rendered within {days} calendar days.</p></div>\
                     <div class=\"info-block-horizontal\"><h3>List of documents</h3><ul>{docs}</ul></div>"
                );
                (
                    200,
                    format!("{}{body}{foot}", head("Permanent residence permit")),
                )
            }
            "/cms/en/articles/vid_na_jitelstvo" => {
                let body = "<div class=\"info-block-horizontal\"><h2>Residence permits</h2>\
                    <p>Foreigners may hold temporary and permanent residence permits.</p></div>";
                (200, format!("{}{body}{foot}", head("Residence permits")))
            }
            "/cms/en/articles/for_foreigners/visa_classification" if changed => (
                403,
                "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>\
                 You don't have permission to access this page on this server.<P>\
                 Reference&#32;&#35;18&#46;demo</BODY></HTML>"
                    .to_string(),
            ),
            "/cms/en/articles/for_foreigners/visa_classification" => {
                let body = "<div class=\"info-block-horizontal\"><h2>Visa classification</h2>\
                    <table><tr><th>Class</th><th>Purpose</th></tr>\
                    <tr><td>B9-1</td><td>demo text for the digital nomad class</td></tr></table></div>";
                (200, format!("{}{body}{foot}", head("Visa classification")))
            }
            "/kazakhstan/pr-it-specialists" => (200, self.route_page(changed)),
            _ => (404, "not found".to_string()),
        }
    }

    /// The site's own page for the route, shaped like the seed page: in the second round its
    /// editors follow the official change to 30 days, add a document nobody watches, and date
    /// the page today without verifying anything in sourcewatch.
    fn route_page(&self, changed: bool) -> String {
        let (days, extra, date) = if changed {
            (
                30,
                "<li>Certificate of registration at the place of residence</li>",
                self.today.to_string(),
            )
        } else {
            (45, "", SEED_DATE.to_string())
        };
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>DEMO FIXTURE · PR for IT \
             specialists</title></head><body>{BANNER}<nav><a href=\"/\">Home</a></nav><main>\
             <h1>Permanent residence for foreign IT specialists — requirements, costs &amp; how to \
             apply</h1><h2>Duration &amp; renewal</h2><p>Initial stay: 12 months.</p>\
             <h2>Documents</h2><ul><li>Medical examination certificate (form 028/u) confirming \
             absence of prohibited diseases</li><li>One photo (35x45 mm)</li>\
             <li>Certificate of fingerprinting</li>{extra}</ul><h2>How to apply</h2><ul>\
             <li>Apply via the <a href=\"/cms/en/services/for_foreigners/009pass_mvd\">official \
             portal</a>.</li><li>Typical processing: ~{days} days.</li></ul></main><footer>\
             Informational only. Last verified {date}.</footer></body></html>"
        )
    }
}

async fn serve(listener: tokio::net::TcpListener, site: Arc<Site>) {
    while let Ok((mut sock, _)) = listener.accept().await {
        let site = site.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1024);
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let request = String::from_utf8_lossy(&buf);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = site.page(&path);
            let reason = if status == 200 { "OK" } else { "Error" };
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(response.as_bytes()).await;
        });
    }
}

pub(crate) struct DemoOutcome {
    pub(crate) dir: PathBuf,
    /// Where the copy-site was served.
    pub(crate) site: String,
    /// The first check's counts.
    pub(crate) first: Summary,
    /// The second check's report (also in the folder as report.md, .html and .json).
    pub(crate) report: Report,
    /// The copy-site, still answering until this is dropped or [`CopySite::serve`] ends.
    pub(crate) copy_site: CopySite,
}

/// The demo's copy-site after its two checks: kept up by `demo --serve`, so the review loop's
/// commands (`diff`, `accept`, `verify --quote`, `check --refresh`) can be run against it.
pub(crate) struct CopySite {
    runtime: tokio::runtime::Runtime,
    server: tokio::task::JoinHandle<()>,
}

impl CopySite {
    /// Serves until SIGINT or SIGTERM.
    pub(crate) fn serve(self) {
        self.runtime.block_on(crate::runtime::shutdown_signal());
    }
}

impl Drop for CopySite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The review loop's next commands after the demo, run in its folder while `demo --serve`
/// keeps the copy-site up.
pub(crate) const NEXT: [&str; 4] = [
    "sourcewatch diff egov-009pass-mvd-en",
    "sourcewatch accept egov-009pass-mvd-en",
    "sourcewatch verify kz-pr-it-specialists/processing-time --quote \"30 calendar days\"",
    "sourcewatch check --refresh",
];

/// What the demo's site did between its two checks.
pub(crate) const EDITS: &str = "processing time 45 → 30 days, \"Certificate of fingerprinting\" \
                                removed, a bot wall in front of the visa page; on the site's own \
                                page the editors write ~30 days, add a document and re-date the \
                                page by hand";

/// What the demo writes into its folder.
const WRITES: [&str; 5] = [
    "sources.toml",
    "snapshots",
    "report.md",
    "report.html",
    "report.json",
];

/// What `demo` prints: the first check's counts, the edits, the second check's report, where
/// the reports are, and what to run next (in the folder, while `--serve` keeps the site up).
pub(crate) fn summary(outcome: &DemoOutcome, look: &crate::term::Look, serve: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "demo: copy-site on {}; first check: {} new, {} flagged",
        outcome.site,
        crate::term::count(outcome.first.new, "source", "sources"),
        crate::term::count(outcome.first.flags.flagged, "fact", "facts")
    );
    let _ = writeln!(out, "demo: the site changes: {EDITS}\n");
    out.push_str(&crate::report::text::render_for(&outcome.report, look));
    let _ = writeln!(out, "\nReports of the second check:");
    for name in ["report.md", "report.html", "report.json"] {
        let _ = writeln!(out, "  {}", outcome.dir.join(name).display());
    }
    if serve {
        let _ = writeln!(
            out,
            "\nThe copy-site stays up on {} until Ctrl-C. Finish the review loop in another \
             terminal:\n  cd {}",
            outcome.site,
            outcome.dir.display()
        );
        for command in NEXT {
            let _ = writeln!(out, "  {command}");
        }
    } else {
        let _ = writeln!(
            out,
            "Try: sourcewatch --config {} diff egov-009pass-mvd-en\n\
             (the copy-site has stopped; `sourcewatch demo --serve` keeps it up to follow the \
             review loop to the end)",
            outcome.dir.join("sources.toml").display()
        );
    }
    out
}

/// Refuses a folder that already holds anything the demo would write: `--dir` is easily pointed
/// at a real registry's folder, and the demo must never overwrite a registry or a store.
fn refuse_used_dir(dir: &Path) -> anyhow::Result<()> {
    for name in WRITES {
        if std::fs::symlink_metadata(dir.join(name)).is_ok() {
            anyhow::bail!(
                "{} already holds {name}; the demo writes its own sources.toml, snapshots/ and \
                 report.md/.html/.json, so it needs a new or empty folder (nothing was written; \
                 choose another --dir)",
                dir.display()
            );
        }
    }
    Ok(())
}

/// Runs the demo in `dir` (a new temporary folder, kept, when `None`).
pub(crate) fn run(dir: Option<PathBuf>, today: NaiveDate) -> anyhow::Result<DemoOutcome> {
    let dir = match dir {
        Some(d) => {
            refuse_used_dir(&d)?;
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            d
        }
        None => tempfile::Builder::new()
            .prefix("sourcewatch-demo-")
            .tempdir()?
            .keep(),
    };
    let runtime = crate::runtime::build()?;
    let (outcome, server) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let site = Arc::new(Site {
            changed: AtomicBool::new(false),
            today,
        });
        let server = tokio::spawn(serve(listener, site.clone()));

        let recent = today - chrono::Days::new(14);
        let registry_text = REGISTRY
            .replace("{base}", &base)
            .replace("{recent}", &recent.to_string())
            .replace("{seed}", SEED_DATE);
        let config = dir.join("sources.toml");
        crate::atomic::write(&config, registry_text.as_bytes())?;
        let registry = Arc::new(crate::registry::load(&config, today)?);
        let store = Arc::new(Store::open(&registry.settings.snapshots_dir)?);
        let stay = std::future::pending::<()>;
        let first = crate::check::Request {
            today,
            ..Default::default()
        };
        let crate::check::Ended::Finished(first) =
            crate::check::check(&registry, &store, &first, stay()).await?
        else {
            unreachable!("nothing stops the demo's checks");
        };
        site.changed.store(true, Ordering::SeqCst);
        let second = crate::check::Request {
            today,
            outputs: [
                ("report.md", ReportFormat::Markdown),
                ("report.html", ReportFormat::Html),
                ("report.json", ReportFormat::Json),
            ]
            .into_iter()
            .map(|(name, format)| crate::check::Output::File {
                path: dir.join(name),
                format,
            })
            .collect(),
            ..Default::default()
        };
        let crate::check::Ended::Finished(second) =
            crate::check::check(&registry, &store, &second, stay()).await?
        else {
            unreachable!("nothing stops the demo's checks");
        };
        anyhow::Ok(((dir.clone(), base, first.summary, *second), server))
    })?;
    let (dir, site, first, report) = outcome;
    Ok(DemoOutcome {
        dir,
        site,
        first,
        report,
        copy_site: CopySite { runtime, server },
    })
}
