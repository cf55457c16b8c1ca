//! Bot walls, captchas and WAF challenges: pages that must never be taken for content. A wall
//! is reported as `blocked`, never becomes a baseline, and is not retried.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Recognises bot walls, captchas and WAF challenges, which must never be taken for content.
pub(super) fn bot_wall(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<String> {
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
}
