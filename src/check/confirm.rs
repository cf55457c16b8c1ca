//! Confirming a change: a page whose text is new is fetched once more before it is reported, and
//! every text either fetch gave is kept (docs/outcomes.md, "Confirmed changes").

use super::source::{Job, Taken};
use crate::capture::Capture;
use crate::fetch::{Fetched, Fetcher};
use crate::store::StoreError;
use crate::text::short_sha;

impl Job {
    /// A capture whose text differs from the baseline, and from the latest text seen before, is
    /// fetched once more (through the host's gate, so after its interval) before it is reported:
    ///
    /// - the same new text again: a confirmed change;
    /// - the baseline's text: the page flapped (a CDN node or an A/B test serving two versions).
    ///   The first time, it is `unchanged` with a note; the new text is stored all the same, and
    ///   no date is refreshed from the run. When the new text was seen in an earlier run too, it
    ///   keeps coming back: the change is reported (`changed`, unconfirmed), so two servers
    ///   behind one name cannot hide an update run after run;
    /// - a third text: the first is reported as an unconfirmed change on an unstable page, the
    ///   second stored beside it;
    /// - no text (a failure, a wall): the first is reported, unconfirmed, never discarded.
    ///
    /// A text already seen as the latest in an earlier run has been seen twice, and is confirmed
    /// without another request.
    pub(super) async fn confirm(
        &self,
        fetcher: &Fetcher,
        mut taken: Taken,
    ) -> Result<Taken, StoreError> {
        let (Some(sha), Some(baseline)) = (taken.capture.sha256(), &self.state.baseline) else {
            return Ok(taken);
        };
        if sha == baseline.sha256 {
            return Ok(taken);
        }
        if self.state.latest.as_ref().is_some_and(|l| l.sha256 == sha) {
            taken.capture.meta.confirmed = Some(true);
            return Ok(taken);
        }
        let first = sha.to_string();
        let folder = self.shared.store.source(&self.source.id);
        // Stored by an earlier run (as a flap's first fetch, or as a latest since replaced).
        let seen_before = folder.has_text(&first).is_ok();
        drop(taken.slot.take());
        let (second, slot) = match fetcher.get(&self.source, None).await {
            Ok((Fetched::Body(response), slot)) => {
                let timeout = self.registry().settings.timeout;
                let extracted = crate::extract::extract(&self.source, &response, timeout).await;
                (Capture::fresh(response, extracted), Some(slot))
            }
            // An unconditional request is never answered 304 but by a broken server.
            Ok((Fetched::NotModified { final_url, .. }, _)) => (
                Capture::failed(&crate::fetch::FetchError::Http {
                    status: 304,
                    final_url,
                }),
                None,
            ),
            Err(e) => (Capture::failed(&e), None),
        };
        // A challenge on the second fetch is a failure like any wall: it never stands beside
        // the first text as an "unstable" page.
        let mut second = second;
        self.judge_wall_words(&mut second);
        taken.slot = slot;
        let Some(again) = second.sha256().map(str::to_string) else {
            // A wall or a failure on the second fetch says nothing against the first text.
            let why = second.failure().map_or("no body", |(_, e)| e).to_string();
            taken.capture.meta.confirmed = Some(false);
            taken.capture.meta.notes.push(format!(
                "could not fetch the page a second time to confirm the change ({why})"
            ));
            return Ok(taken);
        };
        if again == first {
            taken.capture.meta.confirmed = Some(true);
            return Ok(taken);
        }
        let other = if again == baseline.sha256 {
            "the baseline's"
        } else {
            "a third"
        };
        let doubt = format!(
            "the page served two texts in this run ({} and {other}, {})",
            short_sha(&first),
            short_sha(&again)
        );
        if again == baseline.sha256 && !seen_before {
            tracing::info!(source = %self.source.id, "the page flapped: {} then the baseline", short_sha(&first));
            // Reported as the baseline it gave last, with the run's notes; the new text is
            // stored before it, for the next run to recognise.
            let mut flap = std::mem::replace(&mut taken.capture, second);
            taken.capture.meta.notes = std::mem::take(&mut flap.meta.notes);
            taken.capture.meta.reextracted = flap.meta.reextracted;
            taken.capture.meta.notes.push(format!(
                "the page served another text ({}) on a first fetch and the baseline's on a \
                 second: a flap, not a change (yet); the other text is stored, it is reported \
                 as a change if it comes back in a later run, and no date is refreshed from \
                 this run",
                short_sha(&first)
            ));
            taken.capture.meta.doubt = Some(doubt);
            flap.meta.confirmed = Some(false);
            flap.meta.notes.push(format!(
                "not confirmed: a second fetch gave the baseline's text ({})",
                short_sha(&again)
            ));
            taken.seen.push(flap);
            return Ok(taken);
        }
        second.meta.notes.push(format!(
            "a second fetch to confirm the change to {} gave this text",
            short_sha(&first)
        ));
        tracing::warn!(source = %self.source.id, "{doubt}");
        taken.capture.meta.confirmed = Some(false);
        taken.capture.meta.notes.push(if again == baseline.sha256 {
            "the page alternates between the baseline and this text: a second fetch gave the \
             baseline's text again, but this text was served in an earlier run too, so it is \
             reported as a change; check the page in a browser before accepting"
                .to_string()
        } else {
            format!(
                "unstable page: two fetches gave two different new texts ({} and {}); the \
                 first is reported, both are stored",
                short_sha(&first),
                short_sha(&again)
            )
        });
        taken.capture.meta.doubt = Some(doubt);
        taken.seen.push(second);
        Ok(taken)
    }
}
