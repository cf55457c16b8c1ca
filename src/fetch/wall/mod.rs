//! Bot walls, captchas and WAF challenges: answers that must never be taken for the page. A wall
//! is reported as `blocked`, never becomes a baseline, and is not retried.
//!
//! Precise both ways, so two kinds of evidence, of two weights:
//!
//! - **Strong signals** decide here, at any status: a vendor's challenge header, a vendor's
//!   refusal (403, 429) with its headers, a vendor's check or block page by its scripts, form
//!   targets and title ([`vendor`]). A mention is not one: a page may load jQuery from
//!   Cloudflare's CDN, carry a reCAPTCHA contact form or quote "Access denied".
//! - **Words** ("checking your browser", "проверка браузера", "күте тұрыңыз" with "бірнеше
//!   секунд", …; see [`words`]) only raise the question. An error answer (403, 429, 503) is
//!   never the page, so there they decide at once; a success page that reads like a challenge
//!   comes back as content with [`Verdict::Words`], and the check decides with the baseline,
//!   which only it knows: a wall if the page also lost the content it had (`check/wall.rs`).
//!
//! A source with `wall = "never"` is judged by headers only: its page fools the other rules.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::registry::WallRule;

mod vendor;
mod words;

#[cfg(test)]
use words::{SCAN_MAX_BYTES, SHORT_MAX_WORDS, visible_words};

/// What an answer is, as far as the fetch can tell; reasons come without the status, which the
/// caller adds ("(HTTP 200)", "(rendered)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// A wall by a strong signal, or an error answer that reads as a challenge.
    Wall(String),
    /// A success page whose words alone read as a challenge: content unless it lost what it had.
    Words(String),
}

/// Judges an answer (a rendered DOM is judged as a 200 without headers).
pub(super) fn judge(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    rule: WallRule,
) -> Option<Verdict> {
    if let Some(vendor) = vendor::by_headers(status, headers) {
        return Some(Verdict::Wall(vendor));
    }
    let html_or_unknown = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    if rule == WallRule::Never || !html_or_unknown {
        return None;
    }
    if let Some(page) = vendor::by_markup(status, headers, body) {
        return Some(Verdict::Wall(page));
    }
    if matches!(status.as_u16(), 403 | 429 | 503) {
        if let Some(form) = vendor::captcha_form(body) {
            return Some(Verdict::Wall(form.to_string()));
        }
        return words::challenge_text(body).map(|w| Verdict::Wall(format!("challenge page: {w}")));
    }
    if status.is_success() {
        return words::challenge_text(body).map(Verdict::Words);
    }
    None
}

/// [`judge`] as a fetch acts on it: a wall is the `blocked` failure, challenge words are kept
/// for the check to judge against the baseline; both end in `how` the answer came
/// ("(HTTP 200)", "(rendered)").
pub(super) fn words_unless_wall(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    rule: WallRule,
    how: &str,
) -> Result<Option<String>, super::FetchError> {
    match judge(status, headers, body, rule) {
        Some(Verdict::Wall(reason)) => Err(super::FetchError::Blocked {
            status: Some(status.as_u16()),
            reason: format!("{reason} {how}"),
        }),
        Some(Verdict::Words(words)) => Ok(Some(format!("{words} {how}"))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file of `tests/fixtures/walls/<kind>/`: its name, the status its name starts with
    /// (200 when none), the headers of its `.headers` file (`Name: value` lines) and its body.
    struct Fixture {
        name: String,
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
    }

    fn fixtures(kind: &str) -> Vec<Fixture> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/walls")
            .join(kind);
        let mut out: Vec<Fixture> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
            .map(|path| {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let status = name.get(..3).and_then(|s| s.parse().ok()).unwrap_or(200);
                let mut headers = HeaderMap::new();
                if let Ok(text) = std::fs::read_to_string(path.with_extension("headers")) {
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        let (k, v) = line.split_once(':').unwrap();
                        headers.append(
                            reqwest::header::HeaderName::from_bytes(k.trim().as_bytes()).unwrap(),
                            v.trim().parse().unwrap(),
                        );
                    }
                }
                Fixture {
                    name,
                    status: StatusCode::from_u16(status).unwrap(),
                    headers,
                    body: std::fs::read(&path).unwrap(),
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn words(body: &[u8]) -> usize {
        visible_words(body, usize::MAX).unwrap().1
    }

    fn is_wall(v: Option<Verdict>) -> bool {
        matches!(v, Some(Verdict::Wall(_)))
    }

    #[test]
    fn vendor_pages_are_walls_at_their_status_and_at_200() {
        let pages = fixtures("vendor");
        for vendor in [
            "cloudflare",
            "one-moment",
            "ddos-guard",
            "qrator",
            "incapsula",
            "sucuri",
            "aws-waf",
            "yandex",
            "variti",
        ] {
            assert!(pages.iter().any(|p| p.name.contains(vendor)), "{vendor}");
        }
        let auto = WallRule::Auto;
        let ok = StatusCode::OK;
        for p in &pages {
            let (name, body) = (&p.name, p.body.as_slice());
            assert!(is_wall(judge(p.status, &p.headers, body, auto)), "{name}");
            assert!(is_wall(judge(ok, &p.headers, body, auto)), "{name} at 200");
            // The page alone, without the vendor's headers: its markup or title is enough, but
            // for Variti, whose check page is known by its script with its server header.
            let alone = judge(ok, &HeaderMap::new(), body, auto);
            assert_eq!(is_wall(alone), !name.contains("variti"), "{name} alone");
            // `never` leaves only what the vendor's edge said in its headers.
            let headers_say = vendor::by_headers(p.status, &p.headers).is_some();
            let never = judge(p.status, &p.headers, body, WallRule::Never);
            assert_eq!(is_wall(never), headers_say, "{name} with never");
        }
    }

    #[test]
    fn pages_that_only_say_challenge_words_are_walls_only_as_errors() {
        let pages = fixtures("words");
        assert!(pages.len() >= 10);
        let ok = StatusCode::OK;
        for p in &pages {
            let (name, body) = (&p.name, p.body.as_slice());
            // No vendor rule knows them.
            assert_eq!(vendor::by_headers(p.status, &p.headers), None, "{name}");
            assert_eq!(
                vendor::by_markup(p.status, &p.headers, body),
                None,
                "{name}"
            );
            let Some(Verdict::Words(said)) = judge(ok, &p.headers, body, WallRule::Auto) else {
                panic!("{name} at 200 is not read as a challenge");
            };
            assert!(said.starts_with("a short page ("), "{said}");
            // As an error answer (their own status, when it is one) nothing is at stake.
            if !p.status.is_success() {
                let Some(Verdict::Wall(wall)) = judge(p.status, &p.headers, body, WallRule::Auto)
                else {
                    panic!("{name} as HTTP {}", p.status);
                };
                assert_eq!(wall, format!("challenge page: {said}"));
            }
            for status in [ok, p.status] {
                assert_eq!(
                    judge(status, &p.headers, body, WallRule::Never),
                    None,
                    "{name}"
                );
            }
            // Well inside "short": the limit has a margin over every challenge page.
            assert!(
                words(body) * 3 / 2 < SHORT_MAX_WORDS,
                "{name}: {}",
                words(body)
            );
        }
    }

    #[test]
    fn ordinary_short_official_pages_are_never_walls() {
        let pages = fixtures("content");
        assert!(pages.len() >= 10);
        let mut read_as_challenge = Vec::new();
        for p in &pages {
            let (name, body) = (&p.name, p.body.as_slice());
            match judge(StatusCode::OK, &p.headers, body, WallRule::Auto) {
                Some(Verdict::Wall(w)) => panic!("{name}: {w}"),
                Some(Verdict::Words(_)) => read_as_challenge.push(name.as_str()),
                None => {}
            }
            assert!(words(body) < 100, "{name}: {} words", words(body));
        }
        // Loading lines, "enable JavaScript", "Access denied" in an FAQ, robots, captcha forms:
        // one hint each, so not even a note on a first capture.
        assert_eq!(read_as_challenge, Vec::<&str>::new());
        // A maintenance notice sent as a 503 is an error, not a wall.
        let maintenance = pages.iter().find(|p| p.name == "maintenance-en").unwrap();
        let unavailable = StatusCode::SERVICE_UNAVAILABLE;
        assert_eq!(
            judge(
                unavailable,
                &maintenance.headers,
                &maintenance.body,
                WallRule::Auto
            ),
            None
        );
    }

    #[test]
    fn a_real_change_with_a_loader_line_reads_like_a_challenge() {
        // So the check's judgment (baseline kept or lost) is what keeps it content.
        for p in fixtures("change") {
            let verdict = judge(StatusCode::OK, &p.headers, &p.body, WallRule::Auto);
            assert!(
                matches!(verdict, Some(Verdict::Words(_))),
                "{}: {verdict:?}",
                p.name
            );
        }
    }

    #[test]
    fn refusals_are_known_by_their_vendor_and_page() {
        let none = HeaderMap::new();
        let akamai = b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have \
            permission to access this server.<P>Reference&#32;#18.abc</BODY></HTML>";
        let verdict = judge(StatusCode::FORBIDDEN, &none, akamai, WallRule::Auto);
        assert_eq!(
            verdict,
            Some(Verdict::Wall("Akamai \"Access Denied\" page".into()))
        );
        assert_eq!(
            judge(StatusCode::NOT_FOUND, &none, akamai, WallRule::Auto),
            None
        );
        let f5 = b"<html><head><title>Request Rejected</title></head><body>The requested URL \
            was rejected. Please consult with your administrator.<br><br>Your support ID is: \
            1234567890</body></html>";
        assert!(is_wall(judge(StatusCode::OK, &none, f5, WallRule::Auto)));
        // A captcha in a refusal is the challenge; in a page, a form.
        let form = b"<form><div class=\"g-recaptcha\" data-sitekey=\"k\"></div></form>";
        assert!(is_wall(judge(
            StatusCode::FORBIDDEN,
            &none,
            form,
            WallRule::Auto
        )));
        assert_eq!(judge(StatusCode::OK, &none, form, WallRule::Auto), None);
        assert_eq!(
            judge(StatusCode::FORBIDDEN, &none, form, WallRule::Never),
            None
        );
    }

    #[test]
    fn the_reason_names_the_words() {
        let page = b"<title>Wait</title><p>Please wait, just a moment...</p>";
        assert_eq!(
            judge(StatusCode::OK, &HeaderMap::new(), page, WallRule::Auto).unwrap(),
            Verdict::Words(
                "a short page (6 words) that says \"please wait\" and \"just a moment\"".into()
            )
        );
        let page = "<p>Проверка&nbsp;БРАУЗЕРА&#8230;</p>".as_bytes();
        assert_eq!(
            judge(
                StatusCode::TOO_MANY_REQUESTS,
                &HeaderMap::new(),
                page,
                WallRule::Auto
            )
            .unwrap(),
            Verdict::Wall(
                "challenge page: a short page (2 words) that says \"проверка браузера\"".into()
            )
        );
    }

    #[test]
    fn long_pages_and_other_bodies_are_not_read_for_words() {
        let h = HeaderMap::new();
        let ok = StatusCode::OK;
        // An official page that quotes a challenge's words in a longer text is content.
        let faq = format!(
            "<h1>Help</h1><p>If the portal shows \"Checking your browser\", wait a few seconds.</p>{}",
            "<p>The permit is issued within forty five calendar days of the application.</p>"
                .repeat(30)
        );
        assert!(words(faq.as_bytes()) > SHORT_MAX_WORDS);
        assert_eq!(judge(ok, &h, faq.as_bytes(), WallRule::Auto), None);
        // Over the byte limit: not read for words.
        let big = format!(
            "<p>Checking your browser</p><script>{}</script>",
            "x".repeat(SCAN_MAX_BYTES)
        );
        assert_eq!(judge(ok, &h, big.as_bytes(), WallRule::Auto), None);
        // A JSON body is not a page of words.
        let mut json = HeaderMap::new();
        json.insert("content-type", "application/json".parse().unwrap());
        let body = br#"{"message": "Please wait while we check your documents"}"#;
        assert_eq!(judge(ok, &json, body, WallRule::Auto), None);
        let mut html = HeaderMap::new();
        html.insert("content-type", "text/html; charset=utf-8".parse().unwrap());
        assert!(judge(ok, &html, body, WallRule::Auto).is_some());
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
