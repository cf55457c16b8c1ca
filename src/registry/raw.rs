//! The raw model: exactly what `sources.toml` says, with the byte span of every value a user
//! may get wrong. Unknown keys are reported (all of them) and removed by `keys` before a table is
//! read here; serde still refuses one, so a key missing from `keys` cannot slip through.

use serde::Deserialize;
use toml::Spanned;

/// The file, read table by table (see `read`).
#[derive(Default, Debug)]
pub(super) struct RawFile {
    /// `None` only while the file is being read: `[settings]` may come in any piece.
    pub settings: Option<RawSettings>,
    /// Boxed, so validation frees each as it compiles it: 100,000 unboxed would stay until
    /// the last.
    #[allow(clippy::vec_box)]
    pub sources: Vec<Box<RawSource>>,
    pub routes: Vec<RawRoute>,
    /// Ids of `[[sources]]` tables that did not read: facts naming them are not unknown.
    pub unread_sources: Vec<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    pub stale_after_days: Option<Spanned<i64>>,
    pub contact: Option<String>,
    pub concurrency: Option<Spanned<i64>>,
    pub per_host_concurrency: Option<Spanned<i64>>,
    pub per_host_interval_ms: Option<Spanned<i64>>,
    pub timeout_secs: Option<Spanned<i64>>,
    pub retries: Option<Spanned<i64>>,
    pub max_body_bytes: Option<Spanned<i64>>,
    pub respect_robots: Option<bool>,
    pub schedule: Option<Spanned<String>>,
    pub snapshots_dir: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    pub notify_webhook: Option<Spanned<String>>,
    pub browser: Option<Spanned<String>>,
    pub confirm_changes: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub id: Spanned<String>,
    pub url: Spanned<String>,
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    pub schedule: Option<Spanned<String>>,
    pub charset: Option<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    pub respect_robots: Option<Spanned<bool>>,
    pub robots_override_reason: Option<String>,
    pub format: Option<Spanned<String>>,
    pub render: Option<Spanned<String>>,
    pub wait_for: Option<Spanned<String>>,
    pub wall: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoute {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub page: Option<Spanned<String>>,
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub stale_after_days: Option<Spanned<i64>>,
    #[serde(default)]
    pub facts: Vec<RawFact>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFact {
    pub id: Spanned<String>,
    pub claim: Spanned<String>,
    pub source: Spanned<String>,
    pub quote: Option<Spanned<String>>,
    pub last_verified: Spanned<toml::value::Datetime>,
    pub stale_after_days: Option<Spanned<i64>>,
}
