//! One page load, driven over the DevTools protocol, judged by what the browser knows.
//!
//! Every request of every target (the page, its frames, its workers) is held by the `Fetch`
//! domain until the guard has judged it ([`Guard::judge_browser_request`]): allowed, it goes on;
//! refused, it fails as blocked by the client and never leaves the machine. The main frame's
//! documents are followed through the `Network` and `Page` domains: each request with its
//! redirects, its answer (status and URL) or its network error, and which one the frame finally
//! shows. A main frame that ends on Chromium's error page is a failure with the reason the
//! browser gives (or the guard's, when it refused), never a page: that error page was once
//! stored as a good capture.
//!
//! Scripts run on virtual time, as `--dump-dom --virtual-time-budget` ran them: time stands
//! still until the page has answered, then runs for the budget, fast-forwarded whenever nothing
//! but timers is waiting (a script that writes its text after a second costs well under one), and
//! stands still again while a fetch is pending. When the budget is spent, the DOM is read in an
//! isolated world, where the page's own scripts cannot redefine what reads it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use scraper::Selector;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::cdp::{CdpError, Event, Message, Pipe};
use super::error::BrowserError;
use crate::dom::{self, Deadline};
use crate::fetch::guard::{Guard, Refused};

/// What to load and within which limits.
pub(in crate::fetch) struct Page<'a> {
    pub(in crate::fetch) url: &'a Url,
    pub(in crate::fetch) wait_for: Option<&'a Selector>,
    /// The virtual-time budget of the page's scripts (and, plus start-up, the real-time limit).
    pub(in crate::fetch) timeout: Duration,
    pub(in crate::fetch) max_bytes: u64,
    pub(in crate::fetch) guard: &'a Arc<Guard>,
}

/// A page that loaded: its DOM after rendering and what its main document answered.
#[derive(Debug)]
pub(in crate::fetch) struct Rendered {
    pub(in crate::fetch) dom: String,
    /// The HTTP status of the main document; not only 2xx (a bot wall answers 403 with a page).
    pub(in crate::fetch) status: u16,
    pub(in crate::fetch) final_url: String,
    /// Where every redirect of the page was permanent (301, 308): the URL it now lives at.
    pub(in crate::fetch) moved_to: Option<String>,
    /// The requests of the page the guard refused (the page may render without them), in words.
    pub(in crate::fetch) refused: Vec<String>,
}

/// One document request of the main frame (keyed by its request id, which is also its loader
/// id and stays the same through redirects).
#[derive(Default)]
struct Doc {
    url: String,
    /// The status of each redirect on the way.
    hops: Vec<u16>,
    status: Option<u16>,
    /// Chromium's network error (`net::ERR_…`).
    failed: Option<String>,
    /// The guard's refusal of it or of one of its redirects.
    refused: Option<String>,
}

/// What the browser has told of the main frame so far.
#[derive(Default)]
struct MainFrame {
    docs: HashMap<String, Doc>,
    /// The page's own navigation, whose redirects may tell a permanent move.
    first: Option<String>,
    /// The last document that failed or was refused.
    last_failed: Option<String>,
    /// The URL the frame shows and the document it came from.
    committed: Option<(String, String)>,
    /// Subresources (and other frames' documents) refused.
    refused: Vec<String>,
}

/// A request held by the `Fetch` domain until judged.
struct Paused {
    id: String,
    url: String,
    /// The main frame's document (the page itself, a redirect of it, a place a script sent it).
    main: Option<String>,
}

/// Loads the page and returns it rendered, or why it did not load.
pub(super) async fn load(pipe: &mut Pipe, page: &Page<'_>) -> Result<Rendered, BrowserError> {
    pipe.call(
        None,
        "Browser.setDownloadBehavior",
        json!({ "behavior": "deny" }),
    )
    .await?;
    let every_request = json!({ "patterns": [{ "urlPattern": "*" }] });
    pipe.call(None, "Fetch.enable", every_request).await?;
    let created = pipe
        .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
        .await?;
    // A page target's id is also the id of its main frame.
    let frame = text(&created["targetId"]).to_string();
    let attached = pipe
        .call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": frame, "flatten": true }),
        )
        .await?;
    let session = text(&attached["sessionId"]).to_string();
    let s = Some(session.as_str());
    for method in ["Inspector.enable", "Page.enable", "Network.enable"] {
        pipe.call(s, method, json!({})).await?;
    }
    pipe.call(
        s,
        "Emulation.setVirtualTimePolicy",
        json!({ "policy": "pause" }),
    )
    .await?;

    let navigate = pipe
        .send(s, "Page.navigate", json!({ "url": page.url.as_str() }))
        .await?;
    let mut main = MainFrame::default();
    let mut judging: JoinSet<(Paused, Result<(), Refused>)> = JoinSet::new();
    loop {
        let message = tokio::select! {
            Some(judged) = judging.join_next() => {
                let (paused, verdict) = judged.expect("a judgement does not panic");
                main.answer(pipe, paused, verdict).await?;
                continue;
            }
            message = pipe.next() => message?,
        };
        let event = match message {
            Message::Reply { id, result } if id == navigate => {
                let navigated = result.map_err(|message| CdpError::Command {
                    method: "Page.navigate",
                    message,
                })?;
                if let Some(error) = navigated["errorText"].as_str().filter(|e| !e.is_empty()) {
                    return Err(main.failure(text(&navigated["loaderId"]), error, page.url));
                }
                if navigated["isDownload"] == true {
                    return Err(BrowserError::Download);
                }
                let budget = json!({
                    "policy": "pauseIfNetworkFetchesPending",
                    "budget": page.timeout.as_millis() as u64,
                });
                pipe.send(s, "Emulation.setVirtualTimePolicy", budget)
                    .await?;
                continue;
            }
            // Continued and failed requests: a request the page gave up meanwhile is no error.
            Message::Reply { .. } => continue,
            Message::Event(event) => event,
        };
        if event.session.is_none() {
            match event.method.as_str() {
                "Fetch.requestPaused" => judge(&mut judging, page, &event.params, &frame),
                "Target.detachedFromTarget" if event.params["sessionId"] == *session => {
                    return Err(BrowserError::Crashed);
                }
                _ => {}
            }
            continue;
        }
        if event.session.as_deref() != s {
            continue;
        }
        match event.method.as_str() {
            "Emulation.virtualTimeBudgetExpired" => break,
            "Inspector.targetCrashed" => return Err(BrowserError::Crashed),
            "Page.javascriptDialogOpening" => {
                // alert(), confirm() and beforeunload would stop the page until answered.
                pipe.send(s, "Page.handleJavaScriptDialog", json!({ "accept": false }))
                    .await?;
            }
            _ => main.note(&event, &frame),
        }
    }

    let (status, final_url, moved_to) = main.verdict(page.url)?;
    let dom = read_dom(pipe, s, &frame, page.max_bytes, status).await?;
    if (200..300).contains(&status)
        && let Some(selector) = page.wait_for
    {
        let doc = dom::parse_document(&dom, &Deadline::after(page.timeout))
            .map_err(|e| BrowserError::Dom(e.to_string()))?;
        if doc.select(selector).next().is_none() {
            return Err(BrowserError::WaitFor(page.timeout.as_secs()));
        }
    }
    Ok(Rendered {
        dom,
        status,
        final_url,
        moved_to,
        refused: main.refused,
    })
}

/// Has the guard judge a request the browser holds, without holding up the others.
fn judge(
    judging: &mut JoinSet<(Paused, Result<(), Refused>)>,
    page: &Page<'_>,
    p: &Value,
    frame: &str,
) {
    let main_document = p["resourceType"] == "Document" && p["frameId"] == frame;
    let paused = Paused {
        id: text(&p["requestId"]).to_string(),
        url: text(&p["request"]["url"]).to_string(),
        main: main_document.then(|| text(&p["networkId"]).to_string()),
    };
    let (guard, source) = (page.guard.clone(), page.url.clone());
    judging.spawn(async move {
        let verdict = match Url::parse(&paused.url) {
            Ok(url) => guard.judge_browser_request(&source, &url).await,
            Err(e) => Err(Refused(format!("{}, which is no URL ({e})", paused.url))),
        };
        (paused, verdict)
    });
}

impl MainFrame {
    /// Lets a judged request go on, or fails it as blocked by the client and keeps why.
    async fn answer(
        &mut self,
        pipe: &mut Pipe,
        paused: Paused,
        verdict: Result<(), Refused>,
    ) -> Result<(), CdpError> {
        let Err(refused) = verdict else {
            let id = json!({ "requestId": paused.id });
            pipe.send(None, "Fetch.continueRequest", id).await?;
            return Ok(());
        };
        match paused.main {
            Some(doc) => {
                self.docs.entry(doc.clone()).or_default().refused = Some(refused.0);
                self.last_failed = Some(doc);
            }
            None => self.refused.push(refused.0),
        }
        let failed = json!({ "requestId": paused.id, "errorReason": "BlockedByClient" });
        pipe.send(None, "Fetch.failRequest", failed).await?;
        Ok(())
    }

    /// Takes in an event of the page's session about the main frame's documents.
    fn note(&mut self, event: &Event, frame: &str) {
        let p = &event.params;
        let id = text(&p["requestId"]);
        match event.method.as_str() {
            "Network.requestWillBeSent" if p["type"] == "Document" && p["frameId"] == frame => {
                let doc = self.docs.entry(id.to_string()).or_default();
                doc.url = text(&p["request"]["url"]).to_string();
                if let Some(status) = p["redirectResponse"]["status"].as_u64() {
                    doc.hops.push(status as u16);
                }
                self.first.get_or_insert_with(|| id.to_string());
            }
            "Network.responseReceived" if p["type"] == "Document" && p["frameId"] == frame => {
                let doc = self.docs.entry(id.to_string()).or_default();
                doc.status = p["response"]["status"].as_u64().map(|s| s as u16);
                doc.url = text(&p["response"]["url"]).to_string();
            }
            "Network.loadingFailed" if self.docs.contains_key(id) => {
                let doc = self.docs.get_mut(id).expect("checked");
                doc.failed = Some(text(&p["errorText"]).to_string());
                self.last_failed = Some(id.to_string());
            }
            "Page.frameNavigated" if p["frame"]["parentId"].is_null() => {
                let f = &p["frame"];
                let committed = (
                    text(&f["url"]).to_string(),
                    text(&f["loaderId"]).to_string(),
                );
                self.committed = Some(committed);
            }
            _ => {}
        }
    }

    /// Why the document `loader` (or, failing that, the last that failed) did not load: the
    /// guard's refusal, else the browser's network error `error` (`net::ERR_…`).
    fn failure(&self, loader: &str, error: &str, source: &Url) -> BrowserError {
        let failed = |d: &&Doc| d.refused.is_some() || d.failed.is_some();
        let doc = (self.docs.get(loader).filter(failed))
            .or_else(|| self.last_failed.as_ref().and_then(|id| self.docs.get(id)));
        if let Some(refused) = doc.and_then(|d| d.refused.clone()) {
            return BrowserError::Refused(refused);
        }
        let error = doc.and_then(|d| d.failed.as_deref()).unwrap_or(error);
        let url = doc.and_then(|d| Url::parse(&d.url).ok());
        BrowserError::Net {
            code: error.trim_start_matches("net::").to_string(),
            url: url.unwrap_or_else(|| source.clone()),
        }
    }

    /// The status and URL of the document the main frame shows, and where the page moved for
    /// good; or why it shows none.
    fn verdict(&self, source: &Url) -> Result<(u16, String, Option<String>), BrowserError> {
        let Some((url, loader)) = &self.committed else {
            return Err(BrowserError::NoPage("no document".to_string()));
        };
        if url.starts_with("chrome-error:") {
            return Err(self.failure(loader, "net::ERR_FAILED", source));
        }
        let Some((doc, status)) = self
            .docs
            .get(loader)
            .and_then(|d| Some((d, d.status?)))
            .filter(|_| url.starts_with("http:") || url.starts_with("https:"))
        else {
            return Err(BrowserError::NoPage(url.clone()));
        };
        let permanent = self.first.as_ref() == Some(loader)
            && !doc.hops.is_empty()
            && doc.hops.iter().all(|s| matches!(s, 301 | 308));
        let moved_to = (permanent && doc.url != source.as_str()).then(|| doc.url.clone());
        Ok((status, doc.url.clone(), moved_to))
    }
}

/// The rendered DOM as `--dump-dom` printed it (the doctype, a newline, the root element, a
/// newline), read in an isolated world. A DOM longer than `limit` UTF-16 units is longer than
/// `limit` bytes: the page then sends only its length.
async fn read_dom(
    pipe: &mut Pipe,
    session: Option<&str>,
    frame: &str,
    limit: u64,
    status: u16,
) -> Result<String, BrowserError> {
    let too_large = BrowserError::TooLarge { limit, status };
    let world = pipe
        .call(
            session,
            "Page.createIsolatedWorld",
            json!({ "frameId": frame, "worldName": "sourcewatch" }),
        )
        .await?;
    let expression = format!(
        "(() => {{ const d = document.doctype, e = document.documentElement; \
         const html = (d ? new XMLSerializer().serializeToString(d) + '\\n' : '') + \
         (e ? e.outerHTML : ''); return html.length > {limit} ? html.length : html; }})()"
    );
    let evaluated = pipe
        .call(
            session,
            "Runtime.evaluate",
            json!({
                "expression": expression,
                "contextId": world["executionContextId"],
                "returnByValue": true,
            }),
        )
        .await
        .map_err(|e| match e {
            CdpError::TooLong { .. } => BrowserError::TooLarge { limit, status },
            e => BrowserError::Protocol(e),
        })?;
    if let Some(exception) = evaluated.get("exceptionDetails") {
        return Err(BrowserError::Dom(text(&exception["text"]).to_string()));
    }
    let Some(dom) = evaluated["result"]["value"].as_str() else {
        return Err(too_large);
    };
    if dom.len() as u64 >= limit {
        return Err(too_large);
    }
    Ok(format!("{dom}\n"))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}
