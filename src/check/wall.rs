//! Challenge wording judged against the page's history. The fetch marks a success page whose
//! words alone read as a challenge (`CaptureMeta::wall_words`); only here is the baseline known,
//! and with it whether the page lost the content it had, which is what tells an unknown
//! challenge ("Please enable JavaScript and cookies to continue") from an official page that
//! says "Пожалуйста, подождите" over its loading form. Vendor walls were decided at the fetch.

use super::source::Job;
use crate::capture::Capture;
use crate::compare::{KEPT_MIN, kept_share};
use crate::fetch::FetchError;
use crate::outcome::Outcome;

impl Job {
    /// A capture whose words alone read as a challenge is `blocked` when the page lost the
    /// content it used to have: the source has a baseline and the capture keeps less than
    /// [`KEPT_MIN`] of its words, or the source's `select` matched nothing (or only empty
    /// elements). Blocked, it is a failure like any wall: not stored, not a baseline, the
    /// baseline and latest untouched. Otherwise it is the page, compared as any page, but no
    /// date is refreshed from it: a first capture cannot tell, a baseline that reads the same
    /// way may itself be the challenge, and a page that kept its content while it shows
    /// challenge wording is not what a fact should be verified by. `wall = "never"` is how a
    /// person says the page is real.
    pub(super) fn judge_wall_words(&self, capture: &mut Capture) {
        let Some(words) = capture.meta.wall_words.clone() else {
            return;
        };
        let lost = match capture.failure() {
            Some((Outcome::SelectorMissing, _)) => "select matched nothing".to_string(),
            Some((Outcome::Empty, _)) => "the selected part holds no text".to_string(),
            Some(_) => return,
            None => match self.content_lost(capture) {
                Some(lost) => lost,
                None => {
                    let first = self.state.baseline.is_none();
                    capture.meta.notes.push(if first {
                        format!(
                            "this first capture reads like a challenge page ({words}) and is now \
                             the baseline, and no date is refreshed from it: check the page in a \
                             browser; if it was a challenge, accept the real page when a later \
                             check reports it changed; if it is the real page, set wall = \
                             \"never\" for this source"
                        )
                    } else {
                        format!(
                            "the page reads like a challenge page ({words}) but has the content \
                             it had, so it is compared as the page; no date is refreshed from it \
                             until it stops (or wall = \"never\" says it is the real page)"
                        )
                    });
                    capture.meta.doubt = Some(format!("the page reads like a challenge ({words})"));
                    return;
                }
            },
        };
        tracing::warn!(source = %self.source.id, "challenge wording and lost content: blocked");
        let mut blocked = Capture::failed(&FetchError::Blocked {
            status: capture.meta.http_status,
            reason: format!(
                "challenge page: {words}, and the page lost the content it had ({lost}); if this \
                 is the real page, set wall = \"never\" for this source"
            ),
        });
        blocked.meta.notes = std::mem::take(&mut capture.meta.notes);
        *capture = blocked;
    }

    /// How a good capture lost the baseline's content, if it did: it keeps less than
    /// [`KEPT_MIN`] of the baseline's words. `None` when there is no baseline to lose, the
    /// capture is the baseline's own text, or the texts cannot be held side by side.
    fn content_lost(&self, capture: &Capture) -> Option<String> {
        let baseline = self.state.baseline.as_ref()?;
        if capture.sha256() == Some(baseline.sha256.as_str()) {
            return None;
        }
        // Read by ensure_baseline_text whenever the texts differ.
        let old = self.baseline_text.as_deref()?;
        let kept = kept_share(old, capture.text()?);
        (kept < KEPT_MIN).then(|| {
            format!(
                "it keeps {:.0}% of the baseline's words, a real edit keeps at least {:.0}%",
                kept * 100.0,
                KEPT_MIN * 100.0
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paragraph tests/it/walls.rs adds to a page to make its earlier version.
    const EARLIER: &str = "<p>Updated on 1 November 2026.</p>";

    /// The extracted text of every `.html` in `tests/fixtures/walls/<kind>/`, by file stem,
    /// made the way a check makes it (a source without `select`).
    fn texts(kind: &str, edit: impl Fn(&str) -> String) -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/walls")
            .join(kind);
        let reg = crate::registry::parse(
            std::path::Path::new("t.toml"),
            "[[sources]]\nid = \"s\"\nurl = \"https://e.org/\"\n",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        )
        .unwrap();
        let source = reg.sources[0].clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
            .map(|path| {
                let html = edit(&std::fs::read_to_string(&path).unwrap());
                let response = crate::fetch::Response {
                    status: 200,
                    final_url: "https://e.org/".into(),
                    content_type: Some("text/html; charset=utf-8".into()),
                    validators: Default::default(),
                    body: html.into_bytes(),
                    gzip: None,
                    moved_to: None,
                    wall_words: None,
                };
                let timeout = std::time::Duration::from_secs(30);
                let text = runtime
                    .block_on(crate::extract::extract(&source, &response, timeout))
                    .unwrap()
                    .text;
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                (name, text)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_threshold_parts_challenges_from_real_edits_with_a_margin() {
        let same = |h: &str| h.to_string();
        let content = texts("content", same);
        let earlier = texts("content", |h| {
            h.replace("</body>", &format!("{EARLIER}</body>"))
        });
        let walls = texts("words", same);
        // A challenge page served instead of any ordinary page keeps little of it.
        let mut most_kept = (0.0, String::new());
        for (base, old) in &content {
            for (wall, new) in &walls {
                let kept = kept_share(old, new);
                if kept > most_kept.0 {
                    most_kept = (kept, format!("{wall} after {base}"));
                }
            }
        }
        // A real edit keeps most: each page after its earlier version, and the notice whose
        // processing time went from 15 to 30 days while a loader line appeared.
        let mut least_kept = (1.0, String::new());
        for ((name, old), (_, new)) in earlier.iter().zip(&content) {
            let kept = kept_share(old, new);
            if kept < least_kept.0 {
                least_kept = (kept, name.clone());
            }
        }
        let notice = &content.iter().find(|(n, _)| n == "notice-ru").unwrap().1;
        for (name, new) in texts("change", same) {
            let kept = kept_share(notice, &new);
            if kept < least_kept.0 {
                least_kept = (kept, name);
            }
        }
        eprintln!("walls keep at most {most_kept:?}; real edits at least {least_kept:?}");
        assert!(most_kept.0 <= 0.3, "{most_kept:?}");
        assert!(least_kept.0 >= 0.75, "{least_kept:?}");
        assert!(most_kept.0 < KEPT_MIN && KEPT_MIN < least_kept.0);
    }
}
