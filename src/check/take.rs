//! A source's capture: the fetch (conditional when the latest text may stand), the extraction,
//! or the stored text a 304 or the same bytes point at.

use std::sync::atomic::Ordering;

use super::source::{HEAVY_BODY, Job, Taken};
use crate::capture::Capture;
use crate::fetch::{Fetched, Fetcher, Response, Slot};
use crate::registry::WallRule;
use crate::store::{SourceStore, StoreError, Version};

impl Job {
    pub(super) fn taken(
        &self,
        capture: Capture,
        damaged: Option<String>,
        slot: Option<Slot>,
    ) -> Taken {
        Taken {
            capture,
            damaged,
            slot,
            seen: Vec::new(),
            unsettled: self.state.unsettled.clone(),
        }
    }

    /// Fetches and extracts. A 304 is only as good as the stored text it points at: the text is
    /// read only when something will look at it (facts to match, a diff against the baseline),
    /// otherwise it is enough that it is still there, so a recheck of unchanged pages reads no
    /// text at all; if it is gone or altered, the page is fetched again in full.
    pub(super) async fn take(&self, fetcher: &Fetcher) -> Result<Taken, StoreError> {
        let source = &*self.source;
        let store = self.shared.store.source(&source.id);
        let mut validators = self
            .last
            .as_ref()
            .filter(|e| e.is_good_capture_of_latest(&self.state))
            .filter(|e| e.fingerprint.as_deref().unwrap_or_default() == source.extract_fingerprint)
            .map(|e| e.validators());
        let mut damaged = None;
        loop {
            let (fetched, slot) = match fetcher.get(source, validators.as_ref()).await {
                Ok(got) => got,
                Err(e) => {
                    return Ok(self.taken(Capture::failed(&e), damaged, None));
                }
            };
            let (final_url, answered) = match fetched {
                Fetched::Body(response) => {
                    if validators.is_some()
                        && let Some((sha, text)) = self.same_body(&response, &store, &mut damaged)
                    {
                        let capture = Capture::same_body(response, sha, text);
                        return Ok(self.taken(capture, damaged, Some(slot)));
                    }
                    let deadline = self.deadline();
                    let quotes: Vec<&str> =
                        self.facts().filter_map(|f| f.quote.as_deref()).collect();
                    let allow = || {
                        self.shared
                            .hints
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                                n.checked_sub(1)
                            })
                            .is_ok()
                    };
                    let extract = crate::extract::extract_suggesting(
                        source, &response, &deadline, &quotes, allow,
                    );
                    let extracted = if response.body.len() >= HEAVY_BODY {
                        crate::runtime::heavy_async(extract).await
                    } else {
                        extract.await
                    };
                    return Ok(self.taken(
                        Capture::fresh(response, extracted),
                        damaged,
                        Some(slot),
                    ));
                }
                Fetched::NotModified {
                    final_url,
                    validators,
                } => (final_url, validators),
            };
            let latest = self
                .state
                .latest
                .as_ref()
                .expect("validators imply a latest capture");
            match self.stored_latest(&store, latest) {
                Ok(text) => {
                    let mut capture =
                        Capture::reused(final_url, answered, latest.sha256.clone(), text);
                    // The stored text read like a challenge when it was fetched; so does this.
                    if source.wall != WallRule::Never {
                        capture.meta.wall_words = latest.challenge.clone();
                    }
                    return Ok(self.taken(capture, damaged, Some(slot)));
                }
                Err(e) => {
                    tracing::warn!(source = %source.id, "stored text unreadable ({e}); fetching again");
                    // An unconditional request cannot be answered 304: the loop ends next turn.
                    damaged = Some(latest.sha256.clone());
                    validators = None;
                }
            }
        }
    }

    /// Whether a body's bytes are those the latest text was made from (its settings unchanged:
    /// the caller's validators say so): then that text stands, without parsing the page, and
    /// this is its SHA-256 and (when something will look at it) the text. A server that sends
    /// no validators, or new ones for the same bytes, costs a hash, not a parse. When the stored
    /// text is damaged the body is extracted after all, and `damaged` says which text to write
    /// again.
    fn same_body(
        &self,
        response: &Response,
        store: &SourceStore<'_>,
        damaged: &mut Option<String>,
    ) -> Option<(String, Option<String>)> {
        let latest = self.state.latest.as_ref()?;
        if latest.content_type != response.content_type
            || latest.raw_sha256.as_deref() != Some(&crate::text::sha256_bytes_hex(&response.body))
        {
            return None;
        }
        match self.stored_latest(store, latest) {
            Ok(text) => {
                tracing::debug!(source = %self.source.id, "the same bytes as the latest capture: its text stands, the page is not parsed again");
                Some((latest.sha256.clone(), text))
            }
            Err(e) => {
                tracing::warn!(source = %self.source.id, "stored text unreadable ({e}); extracting the page again");
                *damaged = Some(latest.sha256.clone());
                None
            }
        }
    }

    /// The latest version's text, for a capture that stands for it: read and checked against its
    /// name when something will look at it (facts to match, a diff against the baseline), else
    /// only found.
    fn stored_latest(
        &self,
        store: &SourceStore<'_>,
        latest: &Version,
    ) -> Result<Option<String>, StoreError> {
        let needs_text = !self.facts.is_empty()
            || self.state.baseline.as_ref().map(|b| &b.sha256) != Some(&latest.sha256);
        if needs_text {
            store.verified_text(&latest.sha256).map(Some)
        } else {
            store.has_text(&latest.sha256).map(|()| None)
        }
    }
}
