//! robots.txt (RFC 9309): fetched at most once per origin per run, through the host's gate like
//! any request, and asked before every page of that origin. Only its first 512 KiB are read
//! (after decompression, however it is sent) and parsed, up to the last whole line: RFC 9309
//! asks crawlers to parse at least 500 KiB and lets them ignore the rest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::{Client, Url};

use super::body::{self, Body};
use super::gate::{Gates, HostGate};

/// The name matched against `User-agent:` lines in robots.txt.
pub(crate) const ROBOT_NAME: &str = "sourcewatch";
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// robots.txt of one origin. `None`: no rules apply (missing, unreadable, or the server could
/// not be asked).
type RobotsCell = Arc<tokio::sync::OnceCell<Option<texting_robots::Robot>>>;

#[derive(Default)]
pub(super) struct Robots {
    origins: Mutex<HashMap<String, RobotsCell>>,
}

impl Robots {
    /// Whether the rules of the URL's origin allow it. A missing robots.txt (4xx) allows
    /// everything. An unreachable one or a 5xx also lets the fetch go ahead: the page's own fetch
    /// then reports what is wrong with the server, instead of every source on a flaky host showing
    /// up as `robots_disallowed`.
    pub(super) async fn allow(
        &self,
        client: &Client,
        gates: &Gates,
        gate: &HostGate,
        url: &Url,
    ) -> bool {
        let origin = url.origin().ascii_serialization();
        let cell = self
            .origins
            .lock()
            .expect("robots map lock")
            .entry(origin.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| async {
            let robots_url = format!("{origin}/robots.txt");
            let _turn = gates.turn(gate).await;
            let mut resp = match client.get(&robots_url).send().await {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => {
                    tracing::debug!(%robots_url, status = %r.status(), "no robots rules");
                    return None;
                }
                Err(e) => {
                    tracing::debug!(%robots_url, "robots.txt unreachable: {e}");
                    return None;
                }
            };
            let body = match body::read(&mut resp, ROBOTS_MAX_BYTES).await {
                Ok(Body::Whole { body, .. }) => body,
                Ok(Body::Cut(mut body)) => {
                    tracing::debug!(%robots_url, "robots.txt cut at {ROBOTS_MAX_BYTES} bytes");
                    let whole_lines = body.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
                    body.truncate(whole_lines);
                    body
                }
                Err(e) => {
                    tracing::debug!(%robots_url, "robots.txt unreadable: {e}");
                    return None;
                }
            };
            texting_robots::Robot::new(ROBOT_NAME, &body).ok()
        })
        .await
        .as_ref()
        .is_none_or(|robot| robot.allowed(url.as_str()))
    }
}
