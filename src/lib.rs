//! sourcewatch keeps published facts honest by watching the official pages they come from.
//!
//! ```text
//! sources.toml ──registry──▶ sources, routes, facts
//!                               │
//!            fetch (polite HTTP, retries, conditional GET, bot walls, the browser)
//!                               │ bytes
//!            extract (charset, selectors, normalised text)
//!                               │
//!            capture (text and SHA-256, or a failure; what the log and the report share)
//!                               │
//!            store (snapshots/: text by hash, baseline, latest, capture log)
//!                               │
//!            compare (outcome against the baseline, unified diff)
//!                               │
//!            assess (facts → stale, source_changed, evidence_missing, unverifiable)
//!                               │
//!            report (terminal text, Markdown, HTML, JSON)
//! ```
//!
//! Each stage imports only the stages above it and the leaves (`text` for normalisation and
//! hashing, `outcome` for the words every stage speaks, `atomic` for crash-safe writes,
//! `schedule` for crontab lines, `dom` for parsing HTML within limits, `term` for what a
//! terminal shows); the `layering` test fails when one reaches down the pipe. `check` runs the
//! pipe once; `probe` runs fetch and extract once for a person tuning a source, storing
//! nothing; `status` reads every fact's state from the store without a fetch; `history` lists
//! a source's captures; `watch` runs checks on schedules and `notify` announces new findings;
//! [`app`] maps commands to all of it and to exit codes.

pub mod app;
pub mod cli;
pub mod registry;
pub mod term;

mod atomic;
mod dom;
mod outcome;
mod schedule;
mod text;

mod assess;
mod capture;
mod compare;
mod extract;
mod fetch;
mod report;
mod site;
mod store;

mod check;
mod demo;
mod history;
mod import;
mod notify;
mod probe;
mod review;
mod runtime;
mod status;
mod watch;

#[cfg(any(fuzzing, test))]
pub mod fuzzing;

#[cfg(test)]
mod layering;
