//! Walls by strong signals: what only a protection vendor's answer carries. A header its edge
//! sets on a challenge, the scripts and form targets of its check page, the title it gives that
//! page. Each marker is one the vendor's own pages were seen to carry (in the detection lists
//! of FlareSolverr, wafw00f, WhatWaf and scrapers that meet these pages, and in captured
//! bodies), never a word a page could say about it: jQuery from `cdnjs.cloudflare.com`, a
//! reCAPTCHA or SmartCaptcha widget in a contact form, Cloudflare's bot-detection script
//! (`/cdn-cgi/challenge-platform/scripts/jsd/`, which Cloudflare adds to ordinary pages), an
//! FAQ that quotes "Access denied", a `robots` meta tag: none of these is a wall.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Markup is looked for in this much of a body, on every page: the check pages below are a few
/// KB (AWS WAF's about 2 KB, DDoS-Guard's and Qrator's under 1 KB, Cloudflare's 5–30 KB with its
/// inline style), and their markers sit in the head or right after the body's first lines. The
/// scan is a lower-cased copy and one SIMD substring search per marker, no parse: about 23 µs
/// for a 60 KB portal page in a release build (the words scan adds about 7 µs), against about
/// 1 ms to parse and extract it.
pub(super) const MARKUP_SCAN_BYTES: usize = 64 * 1024;

/// A vendor's edge says it challenged or blocked the request: a wall at any status, whatever
/// the body, and whatever the source's `wall` says (the answer is not the page).
pub(super) fn by_headers(status: StatusCode, headers: &HeaderMap) -> Option<String> {
    let value = |name: &str| {
        headers.get(name).map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .trim()
                .to_ascii_lowercase()
        })
    };
    if value("cf-mitigated").as_deref() == Some("challenge") {
        return Some("Cloudflare challenge (cf-mitigated: challenge)".into());
    }
    // AWS WAF sets it on its challenge (202) and CAPTCHA (405) answers only.
    if let Some(action) = value("x-amzn-waf-action") {
        return Some(format!("AWS WAF {action} (x-amzn-waf-action: {action})"));
    }
    if headers.contains_key("x-sucuri-block") {
        return Some("Sucuri WebSite Firewall block (x-sucuri-block)".into());
    }
    // These say only that the vendor stands in front of the site, as it does for every page of
    // it; with a refusal they say who refused. Cloudflare passes the origin's own 403s on with
    // its headers, so its refusals are known by their page instead.
    if !matches!(status.as_u16(), 403 | 429) {
        return None;
    }
    let server = value("server").unwrap_or_default();
    let cookies: Vec<String> = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase())
        .collect();
    let vendor = if server.contains("ddos-guard") {
        "DDoS-Guard (server: ddos-guard)"
    } else if server.contains("qrator") {
        "Qrator (server: qrator)"
    } else if server.starts_with("variti") {
        "Variti (server: variti)"
    } else if server.starts_with("akamaighost") {
        "Akamai (server: AkamaiGHost)"
    } else if headers.contains_key("x-sucuri-id") || server.starts_with("sucuri") {
        "Sucuri WebSite Firewall (x-sucuri-id)"
    } else if headers.contains_key("x-iinfo")
        || value("x-cdn").is_some_and(|v| v.contains("incapsula") || v.contains("imperva"))
        || cookies
            .iter()
            .any(|c| c.starts_with("incap_ses_") || c.starts_with("visid_incap_"))
    {
        "Imperva/Incapsula (x-iinfo, incap cookies)"
    } else {
        return None;
    };
    Some(format!("{vendor} refused the request"))
}

/// One marker of a vendor's check or block page: every needle must occur (ASCII case ignored).
struct Marker {
    needles: &'static [&'static str],
    what: &'static str,
}

const MARKERS: &[Marker] = &[
    // The challenge's options object and the script it loads from the orchestrate path; the form
    // tokens of its older pages. Not `/cdn-cgi/challenge-platform/` alone: see the module doc.
    Marker {
        needles: &["_cf_chl_opt"],
        what: "Cloudflare challenge page",
    },
    Marker {
        needles: &["/cdn-cgi/challenge-platform/h/"],
        what: "Cloudflare challenge page",
    },
    Marker {
        needles: &["__cf_chl_"],
        what: "Cloudflare challenge page",
    },
    Marker {
        needles: &["jschl-answer"],
        what: "Cloudflare challenge page",
    },
    Marker {
        needles: &["cf-error-details", "you have been blocked"],
        what: "Cloudflare block page",
    },
    Marker {
        needles: &["/.well-known/ddos-guard/"],
        what: "DDoS-Guard check page",
    },
    Marker {
        needles: &["/__qrator/"],
        what: "Qrator check page",
    },
    Marker {
        needles: &["gokuprops"],
        what: "AWS WAF challenge page",
    },
    Marker {
        needles: &["awswafcookiedomainlist"],
        what: "AWS WAF challenge page",
    },
    Marker {
        needles: &["sucuri_cloudproxy_js"],
        what: "Sucuri WebSite Firewall check page",
    },
    Marker {
        needles: &["sucuri-firewall-block.css"],
        what: "Sucuri WebSite Firewall block page",
    },
    Marker {
        needles: &["/_incapsula_resource"],
        what: "Imperva/Incapsula check page",
    },
    // The form of Yandex's captcha page posts here; the SmartCaptcha widget a site puts in its
    // own forms (smartcaptcha.yandexcloud.net/captcha.js) does not.
    Marker {
        needles: &["/checkcaptcha?key="],
        what: "Yandex SmartCaptcha page",
    },
    Marker {
        needles: &["checkbox-captcha-form"],
        what: "Yandex SmartCaptcha page",
    },
    Marker {
        needles: &["/.well-known/sgcaptcha/"],
        what: "SiteGround captcha page",
    },
    Marker {
        needles: &["the requested url was rejected", "your support id is"],
        what: "F5 ASM block page",
    },
];

/// Titles the vendors give their check pages, compared whole (see [`title`]): a page titled
/// "Just a moment..." and nothing else is an interstitial by definition.
const TITLES: &[(&str, &str)] = &[
    ("just a moment", "Cloudflare challenge page"),
    // Cloudflare's Russian page.
    ("один момент", "Cloudflare challenge page"),
    ("attention required! | cloudflare", "Cloudflare block page"),
    ("ddos-guard", "DDoS-Guard check page"),
    // Imunify360's JavaScript check (also met on shared hosting behind other names).
    ("one moment, please", "challenge page"),
];

static FINDERS: LazyLock<Vec<Vec<Finder<'static>>>> = LazyLock::new(|| {
    MARKERS
        .iter()
        .map(|m| {
            m.needles
                .iter()
                .map(|n| Finder::new(n.as_bytes()))
                .collect()
        })
        .collect()
});

/// A vendor's check or block page by its markup and title, in the first
/// [`MARKUP_SCAN_BYTES`] of the body.
pub(super) fn by_markup(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let prefix = lowered_prefix(body);
    for (marker, finders) in MARKERS.iter().zip(FINDERS.iter()) {
        if finders.iter().all(|f| f.find(&prefix).is_some()) {
            return Some(marker.what.to_string());
        }
    }
    let title = title(&prefix);
    if let Some(title) = &title {
        if let Some((_, what)) = TITLES.iter().find(|(t, _)| t == title) {
            return Some(format!("{what} (titled {title:?})"));
        }
        if title.starts_with("sucuri website firewall") {
            return Some("Sucuri WebSite Firewall block page".into());
        }
    }
    // Variti's check page sets its `ipp_key` cookie from a script; its ordinary pages get their
    // cookies from headers.
    let server = headers
        .get("server")
        .map(|v| v.as_bytes().to_ascii_lowercase())
        .unwrap_or_default();
    if server.starts_with(b"variti") && memchr::memmem::find(&prefix, b"ipp_key").is_some() {
        return Some("Variti check page".into());
    }
    // Akamai's refusal: its "Access Denied" page with a reference number. As a 403 only: the
    // same two words in a page are an FAQ.
    if status.as_u16() == 403
        && memchr::memmem::find(&prefix, b"access denied").is_some()
        && memchr::memmem::find(&prefix, b"reference").is_some()
    {
        return Some("Akamai \"Access Denied\" page".into());
    }
    None
}

/// A captcha widget in an error answer (403, 429, 503): the error is the challenge. In a success
/// page the same widget is a contact form.
pub(super) fn captcha_form(body: &[u8]) -> Option<&'static str> {
    let prefix = lowered_prefix(body);
    [
        ("g-recaptcha", "captcha form (reCAPTCHA)"),
        ("h-captcha", "captcha form (hCaptcha)"),
        ("cf-turnstile", "captcha form (Turnstile)"),
        ("smartcaptcha", "captcha form (SmartCaptcha)"),
    ]
    .into_iter()
    .find(|(needle, _)| memchr::memmem::find(&prefix, needle.as_bytes()).is_some())
    .map(|(_, what)| what)
}

fn lowered_prefix(body: &[u8]) -> Vec<u8> {
    body[..body.len().min(MARKUP_SCAN_BYTES)].to_ascii_lowercase()
}

/// The text of the first `<title>`, compared as a person reads it: lower case, spaces collapsed,
/// `&hellip;`/`…` and trailing dots dropped, so "Just a moment...", "Just a moment…" and
/// "JUST A MOMENT" are one title.
fn title(lowered: &[u8]) -> Option<String> {
    let open = memchr::memmem::find(lowered, b"<title")?;
    let start = open + memchr::memchr(b'>', &lowered[open..])? + 1;
    let end = start + memchr::memmem::find(&lowered[start..], b"</title")?;
    let raw = String::from_utf8_lossy(&lowered[start..end])
        .replace("&hellip;", "…")
        .replace("&amp;", "&")
        .replace("&nbsp;", " ");
    let words: Vec<&str> = raw.split_whitespace().collect();
    let text = words.join(" ").to_lowercase();
    Some(text.trim_end_matches(['.', '…', ' ']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn titles_are_compared_whole() {
        let t = |s: &str| title(s.to_ascii_lowercase().as_bytes());
        assert_eq!(
            t("<title>Just a moment...</title>").unwrap(),
            "just a moment"
        );
        assert_eq!(
            t("<TITLE>\n  Just a  moment&hellip;</TITLE>").unwrap(),
            "just a moment"
        );
        assert_eq!(
            t("<title>One moment, please…</title>").unwrap(),
            "one moment, please"
        );
        assert_eq!(
            t("<title lang=ru>Один момент…</title>").unwrap(),
            "один момент"
        );
        assert_eq!(t("<p>no title</p>"), None);
        let ok = StatusCode::OK;
        let none = HeaderMap::new();
        let page = |title: &str| format!("<html><head><title>{title}</title></head></html>");
        assert!(by_markup(ok, &none, page("Just a moment...").as_bytes()).is_some());
        // A title that says more is a page about it.
        let about = page("Just a moment: how the portal checks your browser");
        assert_eq!(by_markup(ok, &none, about.as_bytes()), None);
        assert_eq!(
            by_markup(ok, &none, page("DDoS-Guard в портале").as_bytes()),
            None
        );
    }

    #[test]
    fn presence_headers_say_who_refused_but_never_make_a_page_a_wall() {
        let ddg = h(&[("server", "ddos-guard")]);
        assert!(by_headers(StatusCode::FORBIDDEN, &ddg).is_some());
        assert!(by_headers(StatusCode::TOO_MANY_REQUESTS, &ddg).is_some());
        assert_eq!(by_headers(StatusCode::OK, &ddg), None);
        assert_eq!(by_headers(StatusCode::NOT_FOUND, &ddg), None);
        let incap = h(&[("set-cookie", "visid_incap_2217=abc; path=/")]);
        assert!(by_headers(StatusCode::FORBIDDEN, &incap).is_some());
        // Cloudflare's presence is every page of the site, its origin's 403s included.
        let cf = h(&[("server", "cloudflare"), ("cf-ray", "8f00-FRA")]);
        assert_eq!(by_headers(StatusCode::FORBIDDEN, &cf), None);
        let challenge = h(&[("server", "cloudflare"), ("cf-mitigated", "challenge")]);
        assert!(by_headers(StatusCode::OK, &challenge).is_some());
        let aws = h(&[("x-amzn-waf-action", "challenge")]);
        assert_eq!(
            by_headers(StatusCode::ACCEPTED, &aws).unwrap(),
            "AWS WAF challenge (x-amzn-waf-action: challenge)"
        );
    }

    #[test]
    fn mentions_are_not_markers() {
        let ok = StatusCode::OK;
        let none = HeaderMap::new();
        for page in [
            r#"<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"></script><h2>Attention required</h2>"#,
            r#"<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script><p>Fee: 4 MCI</p>"#,
            r#"<form><div class="g-recaptcha" data-sitekey="x"></div></form>"#,
            r#"<script src="https://smartcaptcha.yandexcloud.net/captcha.js" defer></script>"#,
            r#"<meta name="robots" content="noindex, nofollow"><p>Access denied? Sign in again.</p>"#,
            r#"<form action="/checkCaptcha" method="post"><input name="code"></form>"#,
        ] {
            assert_eq!(by_markup(ok, &none, page.as_bytes()), None, "{page}");
        }
        // The same widget in a refusal is the challenge.
        assert!(captcha_form(br#"<div class="g-recaptcha"></div>"#).is_some());
    }

    #[test]
    fn markers_past_the_scanned_prefix_are_not_seen() {
        let mut body = vec![b' '; MARKUP_SCAN_BYTES];
        body.extend_from_slice(b"<script>window._cf_chl_opt={}</script>");
        assert_eq!(by_markup(StatusCode::OK, &HeaderMap::new(), &body), None);
        body.drain(..100);
        assert!(by_markup(StatusCode::OK, &HeaderMap::new(), &body).is_some());
    }
}
