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

/// Bodies larger than this are not read for challenge wording. Challenge and interstitial pages
/// are small: the ones reproduced in tests/it/walls.rs are under 3 KB, and the vendor pages we
/// know (Cloudflare's "Just a moment", DDoS-Guard, Google's "unusual traffic", Yandex's
/// "SmartCaptcha") are a few KB of text and markup plus at most some tens of KB of inline
/// script. The portal pages a check is made of are 35–120 KB: most are never scanned, and the
/// scan of the others is a byte loop that stops once the page is clearly not short (about
/// 20 µs for a 60 KB portal page in a release build, against about 1 ms to parse and extract
/// it), so the hot path pays next to nothing.
const SCAN_MAX_BYTES: usize = 64 * 1024;

/// "Short": at most this many words of visible text (the text of `<title>` and `<body>`,
/// without scripts, styles, `<noscript>`, templates, SVG, iframes and comments; a word is a run
/// of letters and digits). The challenge pages we know have 10–170 words (DDoS-Guard's ~30,
/// Cloudflare's block page ~115, Google's "unusual traffic" page ~170, the longest); an
/// official page with its header, menu and footer has several hundred to thousands, and only a
/// bare notice comes under 100. 300 leaves a margin of 1.75 over the longest challenge while a
/// page that merely quotes such a phrase in a longer text stays content. The words are what
/// tell the two apart in between, so they are specific (below).
const SHORT_MAX_WORDS: usize = 300;

/// Phrases, one of which makes a short page a challenge. Written as they are matched: lower
/// case, `ё` as `е`, punctuation and `&` dropped, words separated by one space, whole words.
const CHALLENGE: &[&str] = &[
    // English
    "checking your browser",
    "checking the browser",
    "checking if the site connection is secure",
    "verify you are human",
    "verify that you are human",
    "verifying you are human",
    "verify you are a human",
    "confirm you are human",
    "confirm that you are human",
    "confirm you are a human",
    "prove you are human",
    "are you a robot",
    "not a robot",
    "enable javascript and cookies",
    "please enable javascript",
    "please enable cookies",
    "please turn javascript on",
    "please wait while we check",
    "please wait while we verify",
    "please wait while we are checking",
    "please wait while your request is being verified",
    "ddos protection",
    "anti ddos",
    "complete the security check",
    "complete the captcha",
    "solve the captcha",
    "solve this captcha",
    "enter the captcha",
    "captcha below",
    "type the characters you see",
    "enter the characters you see",
    "unusual traffic from your computer network",
    "you have been blocked",
    "why have i been blocked",
    "access to this page has been denied",
    "press hold to confirm",
    "this process is automatic",
    "human verification",
    "browser verification",
    // Russian
    "проверка браузера",
    "проверка вашего браузера",
    "проверяем ваш браузер",
    "проверяем браузер",
    "вы не робот",
    "я не робот",
    "а не робот",
    "не робот ли вы",
    "подтвердите что вы человек",
    "включите javascript",
    "включите поддержку javascript",
    "включите cookies",
    "включите cookie",
    "включите куки",
    "разрешите javascript",
    "пожалуйста подождите",
    "идет проверка",
    "выполняется проверка",
    "защита от ddos",
    "ddos защита",
    "введите символы с картинки",
    "введите код с картинки",
    "введите символы с изображения",
    "введите текст с картинки",
    "введите капчу",
    "похожи на автоматические",
    // Kazakh
    "браузерді тексеру",
    "браузеріңізді тексеру",
    "браузеріңіз тексерілуде",
    "браузер тексерілуде",
    "робот емес",
    "робот емессіз бе",
    "адам екеніңізді растаңыз",
    "javascript қосыңыз",
    "javascript ті қосыңыз",
    "javascript ты қосыңыз",
    "cookie файлдарын қосыңыз",
    "күте тұрыңыз",
    "ddos шабуылдарынан қорғау",
    "ddos шабуылынан қорғау",
];

/// Words that say little alone ("captcha" in a sentence about an online form is content) but
/// make a short page a challenge when two different ones occur.
const HINTS: &[&str] = &[
    "please wait",
    "just a moment",
    "one moment",
    "few seconds",
    "will be redirected",
    "redirected automatically",
    "captcha",
    "recaptcha",
    "hcaptcha",
    "security check",
    "access denied",
    "firewall",
    "bot",
    "robot",
    "automated",
    "капча",
    "каптча",
    "несколько секунд",
    "будете перенаправлены",
    "проверка безопасности",
    "доступ запрещен",
    "доступ ограничен",
    "робот",
    "автоматические",
    "автоматических",
    "бірнеше секунд",
    "қауіпсіздік тексеруі",
];

/// Elements whose content is never visible text (as extraction drops them), skipped whole.
const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object",
];

/// A short page (see [`SHORT_MAX_WORDS`]) that reads as a challenge or an interstitial: one of
/// [`CHALLENGE`], or two different [`HINTS`]. The reason names the words found.
pub(super) fn challenge_text(body: &[u8]) -> Option<String> {
    if body.len() > SCAN_MAX_BYTES {
        return None;
    }
    let (text, words) = visible_words(body, SHORT_MAX_WORDS)?;
    let found: Vec<&str> = match CHALLENGE.iter().find(|p| has_phrase(&text, p)) {
        Some(p) => vec![p],
        None => {
            let hints: Vec<&str> = HINTS
                .iter()
                .filter(|p| has_phrase(&text, p))
                .copied()
                .collect();
            if hints.len() < 2 {
                return None;
            }
            hints.into_iter().take(2).collect()
        }
    };
    let quoted: Vec<String> = found.iter().map(|p| format!("\"{p}\"")).collect();
    Some(format!(
        "challenge page: a short page ({words} words) that says {}",
        quoted.join(" and ")
    ))
}

/// Whether `text` (normalised: words separated by one space) holds `phrase` as whole words.
fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let end = at + phrase.len();
        (at == 0 || text.as_bytes()[at - 1] == b' ')
            && (end == text.len() || text.as_bytes()[end] == b' ')
    })
}

/// The visible text of an HTML body, normalised for [`has_phrase`], and its word count; `None`
/// when it has more than `max_words` words. Two passes over [`visible`]: a count of byte runs
/// (ASCII letters and digits, and every non-ASCII byte) that stops at twice the limit, so a
/// long page costs a byte loop over its first few KB and no allocation; then, for a page that
/// may be short, the exact words.
fn visible_words(body: &[u8], max_words: usize) -> Option<(String, usize)> {
    let mut rough = 0usize;
    let mut in_run = false;
    let limit = max_words.saturating_mul(2);
    visible(body, |piece| {
        match piece {
            Piece::Text(bytes) => {
                for &b in bytes {
                    let word = b.is_ascii_alphanumeric() || b >= 0x80;
                    if word && !in_run {
                        rough += 1;
                        if rough > limit {
                            return None;
                        }
                    }
                    in_run = word;
                }
            }
            Piece::Char(c) => {
                let word = c.is_alphanumeric();
                rough += usize::from(word && !in_run);
                in_run = word;
            }
            Piece::Break => in_run = false,
        }
        Some(())
    })?;
    let mut words = Words {
        out: String::new(),
        count: 0,
        in_word: false,
        max: max_words,
    };
    visible(body, |piece| match piece {
        Piece::Text(bytes) => String::from_utf8_lossy(bytes)
            .chars()
            .try_for_each(|c| words.push(c)),
        Piece::Char(c) => words.push(c),
        Piece::Break => {
            words.brk();
            Some(())
        }
    })?;
    while words.out.ends_with(' ') {
        words.out.pop();
    }
    Some((words.out, words.count))
}

/// What [`visible`] finds, in order.
enum Piece<'a> {
    /// A run of text bytes (UTF-8 from a UTF-8 body), never split inside a character.
    Text(&'a [u8]),
    /// A decoded numeric character reference.
    Char(char),
    /// A tag, a comment or a named reference: a word break.
    Break,
}

/// Walks the visible text of an HTML body, stopping when `emit` says `None`. A byte scan, not a
/// parse: tags are word breaks, [`INVISIBLE`] elements and comments are skipped, numeric
/// character references are decoded and named ones read as breaks (on these pages they are
/// spaces and punctuation).
fn visible(body: &[u8], mut emit: impl FnMut(Piece<'_>) -> Option<()>) -> Option<()> {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'<' => {
                if body[i..].starts_with(b"<!--") {
                    i = find(body, i + 4, b"-->").map_or(body.len(), |j| j + 3);
                    emit(Piece::Break)?;
                    continue;
                }
                let closing = body.get(i + 1) == Some(&b'/');
                let name_at = i + 1 + usize::from(closing);
                let name_len = body[name_at..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                emit(Piece::Break)?;
                if name_len == 0 && !body[name_at..].starts_with(b"!") {
                    // A lone `<` in text.
                    i += 1;
                    continue;
                }
                let name = &body[name_at..name_at + name_len];
                i = body[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(body.len(), |p| i + p + 1);
                if !closing
                    && INVISIBLE
                        .iter()
                        .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
                {
                    let mut end_tag = b"</".to_vec();
                    end_tag.extend_from_slice(name);
                    i = find_ignore_case(body, i, &end_tag).unwrap_or(body.len());
                }
            }
            b'&' => {
                let end = body[i..]
                    .iter()
                    .take(12)
                    .position(|&b| b == b';')
                    .map(|p| i + p);
                // Only `&name;` and `&#…;` are references; any other `&` is text.
                let end = end.filter(|&end| {
                    let name = &body[i + 1..end];
                    !name.is_empty()
                        && name
                            .iter()
                            .enumerate()
                            .all(|(k, b)| b.is_ascii_alphanumeric() || (k == 0 && *b == b'#'))
                });
                let decoded = end.and_then(|end| {
                    let name = std::str::from_utf8(&body[i + 1..end]).ok()?;
                    let code = match name.strip_prefix('#') {
                        Some(hex) if hex.starts_with(['x', 'X']) => {
                            u32::from_str_radix(&hex[1..], 16).ok()?
                        }
                        Some(dec) => dec.parse().ok()?,
                        None => return None,
                    };
                    char::from_u32(code)
                });
                match decoded {
                    Some(c) => emit(Piece::Char(c))?,
                    None => emit(Piece::Break)?,
                }
                i = end.map_or(i + 1, |e| e + 1);
            }
            _ => {
                let run = body[i..]
                    .iter()
                    .position(|&b| b == b'<' || b == b'&')
                    .map_or(body.len(), |p| i + p);
                emit(Piece::Text(&body[i..run]))?;
                i = run;
            }
        }
    }
    Some(())
}

/// Letters and digits, lower-cased (`ё` as `е`), in words separated by one space.
struct Words {
    out: String,
    count: usize,
    in_word: bool,
    max: usize,
}

impl Words {
    /// `None` once the text has more words than allowed.
    fn push(&mut self, c: char) -> Option<()> {
        if !c.is_alphanumeric() {
            self.brk();
            return Some(());
        }
        if !self.in_word {
            self.count += 1;
            if self.count > self.max {
                return None;
            }
            if !self.out.is_empty() && !self.out.ends_with(' ') {
                self.out.push(' ');
            }
            self.in_word = true;
        }
        match c {
            'ё' | 'Ё' => self.out.push('е'),
            c => self.out.extend(c.to_lowercase()),
        }
        Some(())
    }

    fn brk(&mut self) {
        if self.in_word {
            self.out.push(' ');
            self.in_word = false;
        }
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// `needle` (which starts with `<`) in `hay` from `from` on, ASCII case ignored: a scan for
/// `<`, then a comparison, so skipping a long inline script costs one pass over its bytes.
fn find_ignore_case(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        let i = at + hay.get(at..)?.iter().position(|&b| b == needle[0])?;
        if hay.len() - i >= needle.len() && hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(i);
        }
        at = i + 1;
    }
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
