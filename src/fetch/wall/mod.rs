//! Bot walls, captchas and WAF challenges: pages that must never be taken for content. A wall
//! is reported as `blocked`, never becomes a baseline, and is not retried.
//!
//! Two ways to know one: by vendor (a header, or a vendor's block page), and by what it says.
//! The second catches walls no vendor rule knows: a short page whose visible text reads as a
//! challenge or an interstitial ("checking your browser", "verify you are human", "проверка
//! браузера", "браузеріңіз тексерілуде", …) is a wall whatever its status code; see
//! [`challenge_text`] for the rule and its numbers.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

mod words;

pub(in crate::fetch) use words::challenge_text;
#[cfg(test)]
use words::{SCAN_MAX_BYTES, SHORT_MAX_WORDS, visible_words};

/// Recognises bot walls, captchas and WAF challenges, which must never be taken for content:
/// by vendor first (whose words are the more precise), then by what a short page says.
pub(super) fn bot_wall(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(vendor) = vendor_wall(status, headers, body) {
        return Some(vendor);
    }
    let html_or_unknown = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    if !html_or_unknown {
        return None;
    }
    let wall = challenge_text(body)?;
    Some(format!("{wall} (HTTP {})", status.as_u16()))
}

/// A header or a block page of a known vendor.
fn vendor_wall(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if headers
        .get("cf-mitigated")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"challenge"))
    {
        return Some("Cloudflare challenge (cf-mitigated: challenge)".into());
    }
    if let Some(action) = headers.get("x-amzn-waf-action") {
        return Some(format!(
            "AWS WAF action {}",
            String::from_utf8_lossy(action.as_bytes())
        ));
    }
    if !matches!(status.as_u16(), 403 | 429 | 503) && !status.is_success() {
        return None;
    }
    // A success page that merely mentions a captcha is content; only small 200 pages that are
    // nothing but a challenge count. Large 200 pages are not scanned at all.
    let is_error = !status.is_success();
    if !is_error && body.len() >= 16 * 1024 {
        return None;
    }
    let sample = &body[..body.len().min(32 * 1024)];
    let has = |marker: &str| {
        sample
            .windows(marker.len())
            .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
    };
    let walls: &[(&[&str], &str)] = &[
        (
            &["access denied", "reference"],
            "Akamai \"Access Denied\" page",
        ),
        (
            &["attention required", "cloudflare"],
            "Cloudflare block page",
        ),
        (
            &["just a moment", "challenge-platform"],
            "Cloudflare challenge page",
        ),
        (&["incapsula incident id"], "Imperva/Incapsula block page"),
        (
            &["request unsuccessful", "incapsula"],
            "Imperva/Incapsula block page",
        ),
        (
            &["the requested url was rejected", "support id"],
            "F5 ASM block page",
        ),
        (&["g-recaptcha"], "captcha form (reCAPTCHA)"),
        (&["h-captcha"], "captcha form (hCaptcha)"),
        (&["captcha"], "captcha form"),
        (&["ddos-guard"], "DDoS-Guard check page"),
    ];
    for (markers, what) in walls {
        if markers.iter().all(|m| has(m)) {
            if status.is_success() && markers == &["captcha"] {
                continue;
            }
            return Some(format!("{what} (HTTP {})", status.as_u16()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_walls_are_recognised() {
        let h = HeaderMap::new();
        let akamai = b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have \
            permission to access this server.<P>Reference&#32;#18.abc</BODY></HTML>";
        assert!(bot_wall(StatusCode::FORBIDDEN, &h, akamai).is_some());
        let mut cf = HeaderMap::new();
        cf.insert("cf-mitigated", "challenge".parse().unwrap());
        assert!(bot_wall(StatusCode::FORBIDDEN, &cf, b"").is_some());
        // A real page that mentions captcha in passing is content.
        let page = format!(
            "<p>Apply online; a captcha protects the form.</p>{}",
            "x".repeat(20_000)
        );
        assert!(bot_wall(StatusCode::OK, &h, page.as_bytes()).is_none());
        assert!(bot_wall(StatusCode::NOT_FOUND, &h, akamai).is_none());
    }

    /// `tests/fixtures/walls/<kind>/*.html`, with the status a challenge file's name starts with.
    fn fixtures(kind: &str) -> Vec<(String, u16, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/walls")
            .join(kind);
        let mut out: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let status = name.get(..3).and_then(|s| s.parse().ok()).unwrap_or(200);
                (name, status, std::fs::read(&path).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    fn words(body: &[u8]) -> usize {
        visible_words(body, usize::MAX).unwrap().1
    }

    #[test]
    fn challenge_pages_are_walls_by_what_they_say_whatever_the_status() {
        let h = HeaderMap::new();
        let pages = fixtures("challenge");
        assert!(pages.len() >= 10);
        for (name, status, body) in &pages {
            // No vendor rule knows these pages: the words decide.
            let status = StatusCode::from_u16(*status).unwrap();
            assert_eq!(vendor_wall(status, &h, body), None, "{name}");
            let reason = bot_wall(status, &h, body).unwrap_or_else(|| panic!("{name}"));
            assert!(
                reason.starts_with("challenge page: a short page ("),
                "{reason}"
            );
            assert!(
                reason.ends_with(&format!("(HTTP {})", status.as_u16())),
                "{reason}"
            );
            // Whatever the status: the same page as a 200 is a wall too.
            assert!(bot_wall(StatusCode::OK, &h, body).is_some(), "{name}");
            // Well inside "short": the limit has a margin over every challenge page.
            assert!(
                words(body) * 3 / 2 < SHORT_MAX_WORDS,
                "{name}: {}",
                words(body)
            );
        }
    }

    #[test]
    fn short_official_pages_are_content() {
        let h = HeaderMap::new();
        let pages = fixtures("content");
        assert!(pages.len() >= 8);
        for (name, _, body) in &pages {
            assert_eq!(bot_wall(StatusCode::OK, &h, body), None, "{name}");
            // Not by their words in any answer (a 503 that mentions "captcha" still meets the
            // older vendor-less marker rule above, which error answers keep).
            assert_eq!(challenge_text(body), None, "{name}");
            assert!(words(body) < 100, "{name}: {} words", words(body));
        }
    }

    #[test]
    fn the_reason_names_the_words() {
        let page = b"<title>Wait</title><p>Please wait, just a moment...</p>";
        assert_eq!(
            challenge_text(page).unwrap(),
            "challenge page: a short page (6 words) that says \"please wait\" and \"just a moment\""
        );
        let page = "<p>Проверка&nbsp;БРАУЗЕРА&#8230;</p>".as_bytes();
        assert_eq!(
            challenge_text(page).unwrap(),
            "challenge page: a short page (2 words) that says \"проверка браузера\""
        );
    }

    #[test]
    fn long_pages_and_other_bodies_are_not_read_for_words() {
        let h = HeaderMap::new();
        // An official page that quotes a challenge's words in a longer text is content.
        let faq = format!(
            "<h1>Help</h1><p>If the portal shows \"Checking your browser\", wait a few seconds.</p>{}",
            "<p>The permit is issued within forty five calendar days of the application.</p>"
                .repeat(30)
        );
        assert!(words(faq.as_bytes()) > SHORT_MAX_WORDS);
        assert_eq!(bot_wall(StatusCode::OK, &h, faq.as_bytes()), None);
        // Over the byte limit: not scanned at all.
        let big = format!(
            "<p>Checking your browser</p><script>{}</script>",
            "x".repeat(SCAN_MAX_BYTES)
        );
        assert_eq!(challenge_text(big.as_bytes()), None);
        // A JSON body is not a page of words.
        let mut json = HeaderMap::new();
        json.insert("content-type", "application/json".parse().unwrap());
        let body = br#"{"message": "Please wait while we check your documents"}"#;
        assert_eq!(bot_wall(StatusCode::OK, &json, body), None);
        let mut html = HeaderMap::new();
        html.insert("content-type", "text/html; charset=utf-8".parse().unwrap());
        assert!(bot_wall(StatusCode::OK, &html, body).is_some());
    }

    #[test]
    fn the_scan_reads_visible_text_only() {
        let page = "<!doctype html><html><head><title>T&amp;C</title><style>p{x:1}</style>\
            <script>var s = '</p>checking your browser';</script></head><body><!-- verify you \
            are human --><noscript>Please enable JavaScript</noscript><p>a&lt;b &#1025;ж \
            R&D; x < y</p><SCRIPT type=x>not a robot</SCRIPT></body></html>"
            .as_bytes();
        let (text, count) = visible_words(page, 100).unwrap();
        // `&D;` reads as a reference (a break), a lone `<` as a break.
        assert_eq!(text, "t c a b еж r x y");
        assert_eq!(count, 8);
        assert_eq!(visible_words(page, 7), None);
    }
}
