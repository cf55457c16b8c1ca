//! Webhook notifications: after a run with new findings, POST a JSON summary.
//!
//! "New" means a fact flag that was not announced before, so the same stale fact is not announced
//! every night; what was announced is kept in the store (`NOTIFIED.json`). The body has a `text`
//! field that Slack and Mattermost display as the message. Delivery is retried within a time
//! limit and never fails the run: a webhook that hangs or refuses costs at most that limit.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Url;
use serde_json::json;

use crate::fetch::retry::{Retry, with_retries};
use crate::report::{FactReport, Report};

/// The most a notification may add to a run.
pub(crate) const TIME_LIMIT: Duration = Duration::from_secs(10);
/// Attempts after the first.
const RETRIES: u32 = 2;

/// `fact-id:flag` for every flag in the report.
fn finding_keys(report: &Report) -> BTreeSet<String> {
    report
        .facts
        .iter()
        .flat_map(|f| {
            let keys: Vec<String> = f.flags.iter().map(|fl| format!("{}:{fl}", f.id)).collect();
            keys
        })
        .collect()
}

/// Flagged facts with at least one flag not announced before.
fn new_findings<'r>(report: &'r Report, announced: &BTreeSet<String>) -> Vec<Cow<'r, FactReport>> {
    report
        .facts
        .iter()
        .filter(|f| {
            f.flags
                .iter()
                .any(|fl| !announced.contains(&format!("{}:{fl}", f.id)))
        })
        .collect()
}

/// What to remember after this run: the findings of the facts this run assessed, plus what was
/// remembered of facts it did not assess (a `--source` run must not forget the others).
fn remembered(report: &Report, announced: &BTreeSet<String>) -> BTreeSet<String> {
    let assessed: BTreeSet<String> = report.facts.iter().map(|f| f.id.to_string()).collect();
    announced
        .iter()
        .filter(|k| {
            let fact = k.rsplit_once(':').map_or(k.as_str(), |(id, _)| id);
            !assessed.contains(fact)
        })
        .cloned()
        .chain(finding_keys(report))
        .collect()
}

fn payload(report: &Report, new: &[Cow<'_, FactReport>]) -> serde_json::Value {
    let mut text = format!(
        "sourcewatch {}: {} new finding(s); {} of {} facts need review",
        report.today,
        new.len(),
        report.summary.flags.flagged,
        report.summary.facts
    );
    for f in new.iter().take(20) {
        let flags: Vec<&str> = f.flags.iter().map(|fl| fl.as_str()).collect();
        text.push_str(&format!("\n• {} ({}): {}", f.id, flags.join(", "), f.claim));
    }
    if new.len() > 20 {
        text.push_str(&format!("\n… and {} more", new.len() - 20));
    }
    json!({
        "text": text,
        "tool": report.tool,
        "today": report.today,
        "summary": report.summary,
        "new_findings": new.iter().map(|f| json!({
            "id": f.id, "route": f.route, "source": f.source, "claim": f.claim,
            "flags": f.flags, "age_days": f.age_days, "closest_passage": f.closest_passage,
        })).collect::<Vec<_>>(),
    })
}

/// A webhook as logs and messages show it: scheme and host, and the first 8 hex digits of the
/// SHA-256 of the whole URL to tell two hooks apart (`https://hooks.slack.com #3fa1c2d9`). A
/// hook's path, query and user part are its secret (Slack and Teams put the key in the path)
/// and never leave the process.
pub(crate) fn shown(url: &Url) -> String {
    let fingerprint = crate::text::sha256_hex(url.as_str());
    format!(
        "{}://{} #{}",
        url.scheme(),
        url.host_str().unwrap_or("?"),
        &fingerprint[..8]
    )
}

/// POSTs `body`, retrying what may pass (connection failures, 5xx, 429), all within
/// [`TIME_LIMIT`].
async fn post(client: &reqwest::Client, url: &Url, body: &serde_json::Value) -> Result<(), String> {
    let attempts = with_retries(RETRIES, |_| async {
        let request = client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err((
                format!("HTTP {}", r.status()),
                Retry::for_status(r.status(), r.headers()),
            )),
            // Never the URL: a webhook's path, query or user part is its secret.
            Err(e) => Err((e.without_url().to_string(), Retry::Backoff)),
        }
    });
    match tokio::time::timeout(TIME_LIMIT, attempts).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} s", TIME_LIMIT.as_secs())),
    }
}

/// Where and how runs are announced: `--notify`, else `[settings] notify_webhook`.
pub(crate) struct Notifier {
    client: reqwest::Client,
    url: Url,
}

impl Notifier {
    /// `None` when no webhook is configured.
    pub(crate) fn configured(
        settings: &crate::registry::Settings,
        flag: Option<&Url>,
    ) -> Result<Option<Notifier>, reqwest::Error> {
        let Some(url) = flag.cloned().or_else(|| settings.notify_webhook.clone()) else {
            return Ok(None);
        };
        let client = crate::fetch::client::builder(settings)
            .timeout(TIME_LIMIT)
            .build()?;
        Ok(Some(Notifier { client, url }))
    }

    pub(crate) async fn announce(&self, store: &crate::store::Store, report: &Report) {
        announce(&self.client, &self.url, store, report).await;
    }
}

/// Announces the report's new findings, if any, and remembers what was announced. Problems are
/// logged, never returned: a notification must not fail the run.
async fn announce(
    client: &reqwest::Client,
    url: &Url,
    store: &crate::store::Store,
    report: &Report,
) {
    let announced = match store.load_notified() {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!("notification skipped: {e}");
            return;
        }
    };
    let new = new_findings(report, &announced);
    if !new.is_empty() {
        if let Err(e) = post(client, url, &payload(report, &new)).await {
            tracing::warn!(
                "notification to {} failed: {e}; it will be retried after the next run",
                shown(url)
            );
            return;
        }
        tracing::info!("announced {} new finding(s) to {}", new.len(), shown(url));
    }
    if let Err(e) = store.save_notified(&remembered(report, &announced)) {
        tracing::warn!("cannot remember notified findings: {e}");
    }
}
