//! sourcewatch keeps published facts honest by watching the official pages they come from.
//!
//! ```text
//! sources.toml ──registry──▶ sources, routes, facts
//!                               │
//!            fetch (polite HTTP, retries, conditional GET, bot-wall detection)
//!                               │ bytes
//!            extract (charset, selectors, normalised text, SHA-256)
//!                               │ text
//!            store (snapshots/: text by hash, baseline, latest, capture log)
//!                               │
//!            compare (outcome against the baseline, unified diff)
//!                               │
//!            assess (facts → stale, source_changed, evidence_missing, unverifiable)
//!                               │
//!            report (terminal text, JSON)
//! ```
//!
//! [`check`] runs the pipe once; [`watch`] runs it on schedules ([`schedule`]) and [`notify`]
//! announces new findings; [`app`] maps commands to all of it and to exit codes.

pub mod app;
pub mod assess;
pub mod atomic;
pub mod check;
pub mod cli;
pub mod compare;
pub mod demo;
pub mod extract;
pub mod fetch;
pub mod notify;
pub mod outcome;
pub mod registry;
pub mod render;
pub mod report;
pub mod schedule;
pub mod store;
pub mod watch;
