//! Confirming a change: a page whose text is new is fetched once more before it is reported, and
//! every text either fetch gave is kept (docs/outcomes.md, "Confirmed changes").

use super::source::{Job, Taken};
use crate::capture::Capture;
use crate::fetch::Fetcher;
use crate::store::{StoreError, Unsettled};
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
    ///
    /// A page that served two texts is *unsettled* ([`Unsettled`], kept in its state) until it
    /// gives the baseline's text on both fetches of [`Unsettled::CALM_RUNS`] runs in a row, or
    /// someone accepts: meanwhile every run fetches it twice, even when the first answer is the
    /// baseline's (or a 304 on it), and no date is refreshed from it, since the other server
    /// may be the one that is right.
    pub(super) async fn confirm(
        &self,
        fetcher: &Fetcher,
        mut taken: Taken,
    ) -> Result<Taken, StoreError> {
        let (Some(sha), Some(baseline)) = (taken.capture.sha256(), &self.state.baseline) else {
            return Ok(taken);
        };
        let first = sha.to_string();
        let unsettled = self.state.unsettled.as_ref();
        let first_is_baseline = first == baseline.sha256;
        if unsettled.is_none() {
            if first_is_baseline {
                return Ok(taken);
            }
            if self
                .state
                .latest
                .as_ref()
                .is_some_and(|l| l.sha256 == first)
            {
                taken.capture.meta.confirmed = Some(true);
                return Ok(taken);
            }
        }
        drop(taken.slot.take());
        let (second, slot) = self.fetch_again(fetcher).await;
        taken.slot = slot;
        let Some(again) = second.sha256().map(str::to_string) else {
            // A wall or a failure on the second fetch says nothing against the first text.
            let why = second.failure().map_or("no body", |(_, e)| e).to_string();
            if let (true, Some(u)) = (first_is_baseline, unsettled) {
                let doubt = unsettled_since(u);
                taken.capture.meta.notes.push(format!(
                    "{doubt}; a second fetch to see whether it settled failed ({why}), so no \
                     date is refreshed from this run"
                ));
                taken.capture.meta.doubt = Some(doubt);
            } else {
                taken.capture.meta.confirmed = Some(false);
                taken.capture.meta.notes.push(format!(
                    "could not fetch the page a second time to confirm the change ({why})"
                ));
            }
            return Ok(taken);
        };
        if again == first {
            match (first_is_baseline, unsettled) {
                (true, Some(u)) => self.calm_run(&mut taken, u),
                // The other text again, twice: a change, confirmed, and no calm run.
                (_, Some(_)) => {
                    taken.capture.meta.confirmed = Some(true);
                    taken.unsettled = Some(Unsettled::seen_now(first));
                }
                (_, None) => taken.capture.meta.confirmed = Some(true),
            }
            return Ok(taken);
        }
        Ok(self.two_texts(taken, second, &baseline.sha256))
    }

    /// The second fetch, through the host's gate; a challenge on it is a failure like any wall:
    /// it never stands beside the first text as an "unstable" page.
    async fn fetch_again(&self, fetcher: &Fetcher) -> (Capture, Option<crate::fetch::Slot>) {
        let asked = std::time::Instant::now();
        let fetched = fetcher.get_body(&self.source).await;
        // The wait for the second answer is network time, not time for work on the page.
        self.waited(asked.elapsed());
        let (mut second, slot) = match fetched {
            Ok((response, slot)) => {
                let deadline = self.deadline();
                let extract = crate::extract::extract_by(&self.source, &response, &deadline);
                let extracted = if response.body.len() >= super::source::HEAVY_BODY {
                    crate::runtime::heavy_async(extract).await
                } else {
                    extract.await
                };
                (Capture::fresh(response, extracted), Some(slot))
            }
            Err(e) => (Capture::failed(&e), None),
        };
        self.judge_wall_words(&mut second);
        (second, slot)
    }

    /// An unsettled page gave the baseline's text on both fetches: one calm run more. Settled
    /// after [`Unsettled::CALM_RUNS`] of them in a row; until then no date is refreshed.
    fn calm_run(&self, taken: &mut Taken, u: &Unsettled) {
        let calm_runs = u.calm_runs + 1;
        if calm_runs >= Unsettled::CALM_RUNS {
            taken.capture.meta.notes.push(format!(
                "settled: {}, and has given the baseline's text on both fetches in {calm_runs} \
                 runs in a row since",
                unsettled_since(u)
            ));
            taken.unsettled = None;
            return;
        }
        let doubt = unsettled_since(u);
        taken.capture.meta.notes.push(format!(
            "{doubt}; it has given the baseline's text on both fetches in {calm_runs} of the \
             {} runs in a row that settle it, and no date is refreshed from it until then (or \
             until someone accepts)",
            Unsettled::CALM_RUNS
        ));
        taken.capture.meta.doubt = Some(doubt);
        taken.unsettled = Some(Unsettled {
            calm_runs,
            ..u.clone()
        });
    }

    /// Two fetches in one run gave two texts: a flap when one is the baseline's and the other
    /// is new, a change that keeps coming back when the other was seen in an earlier run, an
    /// unstable page when neither is the baseline's. The page is unsettled from now on.
    fn two_texts(&self, mut taken: Taken, second: Capture, baseline: &str) -> Taken {
        let first = taken.capture.sha256().unwrap_or_default().to_string();
        let again = second.sha256().unwrap_or_default().to_string();
        let folder = self.shared.store.source(&self.source.id);
        // The text that is not the baseline's (the first when neither is).
        let (other, baseline_first) = if first == baseline {
            (again.clone(), true)
        } else {
            (first.clone(), false)
        };
        // Stored by an earlier run (as a flap's first fetch, or as a latest since replaced).
        let seen_before = folder.has_text(&other).is_ok();
        let one_is_baseline = baseline_first || again == baseline;
        let last_other = if one_is_baseline { &other } else { &again };
        taken.unsettled = Some(Unsettled::seen_now(last_other.clone()));
        let doubt = format!(
            "the page served two texts in this run ({} and {})",
            short_sha(&first),
            short_sha(&again)
        );
        // Which capture is reported and which is stored before it.
        let (mut reported, mut stored) = (taken.capture, second);
        let flap = one_is_baseline && !seen_before;
        // A flap reports the baseline's text; anything else reports the text that is not it.
        if flap != baseline_first {
            std::mem::swap(&mut reported, &mut stored);
            let notes = std::mem::take(&mut stored.meta.notes);
            reported.meta.notes.splice(0..0, notes);
            reported.meta.reextracted |= stored.meta.reextracted;
        }
        if flap {
            tracing::info!(source = %self.source.id, "the page flapped: {} and the baseline", short_sha(&other));
            reported.meta.notes.push(format!(
                "the page served another text ({}) and the baseline's in this run: a flap, not \
                 a change (yet); the other text is stored, it is reported as a change if it \
                 comes back in a later run, and no date is refreshed from this page until it \
                 gives the baseline's text on both fetches in {} runs in a row",
                short_sha(&other),
                Unsettled::CALM_RUNS
            ));
            stored.meta.confirmed = Some(false);
            stored.meta.notes.push(format!(
                "not confirmed: the other fetch gave the baseline's text ({})",
                short_sha(baseline)
            ));
        } else {
            tracing::warn!(source = %self.source.id, "{doubt}");
            reported.meta.confirmed = Some(false);
            reported.meta.notes.push(if one_is_baseline {
                "the page alternates between the baseline and this text: the other fetch gave \
                 the baseline's text, but this text was served in an earlier run too, so it \
                 is reported as a change; check the page in a browser before accepting"
                    .to_string()
            } else {
                format!(
                    "unstable page: two fetches gave two different new texts ({} and {}); the \
                     first is reported, both are stored",
                    short_sha(&first),
                    short_sha(&again)
                )
            });
            stored.meta.notes.push(format!(
                "the other fetch of this run gave {}",
                short_sha(reported.sha256().unwrap_or_default())
            ));
        }
        reported.meta.doubt = Some(doubt);
        taken.capture = reported;
        taken.seen.push(stored);
        taken
    }
}

/// What a page that served two texts did, for its notes and its doubt.
fn unsettled_since(u: &Unsettled) -> String {
    format!(
        "the page served another text ({}) on {}",
        short_sha(&u.sha256),
        u.seen_at.format("%Y-%m-%d")
    )
}
