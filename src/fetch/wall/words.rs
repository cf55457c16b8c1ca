//! Challenge wording: the rule for a short page whose visible text reads as a challenge, and
//! the cheap scan of visible words it needs. Words alone make a wall only of an error answer;
//! of a success page they make a question the check answers against the baseline.

/// Bodies larger than this are not read for challenge wording. Challenge and interstitial pages
/// are small: the ones reproduced in tests/it/walls.rs are under 3 KB, and the vendor pages we
/// know (Cloudflare's "Just a moment", DDoS-Guard, Google's "unusual traffic", Yandex's
/// "SmartCaptcha") are a few KB of text and markup plus at most some tens of KB of inline
/// script. The portal pages a check is made of are 35–120 KB: most are never scanned, and the
/// scan of the others is a byte loop that stops once the page is clearly not short (about
/// 7 µs for a 60 KB portal page in a release build, against about 1 ms to parse and extract
/// it), so the hot path pays next to nothing.
pub(super) const SCAN_MAX_BYTES: usize = 64 * 1024;

/// "Short": at most this many words of visible text (the text of `<title>` and `<body>`,
/// without scripts, styles, `<noscript>`, templates, SVG, iframes and comments; a word is a run
/// of letters and digits). The challenge pages we know have 10–170 words (DDoS-Guard's ~30,
/// Cloudflare's block page ~115, Google's "unusual traffic" page ~170, the longest); an
/// official page with its header, menu and footer has several hundred to thousands, and only a
/// bare notice comes under 100. 300 leaves a margin of 1.75 over the longest challenge while a
/// page that merely quotes such a phrase in a longer text is not even asked about. The words
/// tell the two apart in between, so they are specific (below).
pub(super) const SHORT_MAX_WORDS: usize = 300;

/// Phrases, one of which makes a short page read as a challenge. Written as they are matched:
/// lower case, `ё` as `е`, punctuation and `&` dropped, words separated by one space, whole
/// words. Only what a challenge says about itself: a loader's "please wait" or a form's "enable
/// JavaScript" is a hint (below), since ordinary pages say them too.
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
    "включите javascript и cookies",
    "включите javascript и cookie",
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
    "ddos шабуылдарынан қорғау",
    "ddos шабуылынан қорғау",
];

/// Words that say little alone ("please wait" over a loading form, "enable JavaScript" over an
/// online form, "captcha" in a sentence about one) but make a short page read as a challenge
/// when two different ones occur. None is part of another, so one phrase never counts twice.
const HINTS: &[&str] = &[
    "please wait",
    "just a moment",
    "one moment",
    "few seconds",
    "will be redirected",
    "redirected automatically",
    "enable javascript",
    "javascript is required",
    "enable cookies",
    "captcha",
    "recaptcha",
    "hcaptcha",
    "security check",
    "access denied",
    "firewall",
    "пожалуйста подождите",
    "несколько секунд",
    "будете перенаправлены",
    "включите javascript",
    "включите поддержку javascript",
    "разрешите javascript",
    "включите cookies",
    "включите cookie",
    "включите куки",
    "капча",
    "каптча",
    "проверка безопасности",
    "доступ запрещен",
    "доступ ограничен",
    "идет проверка",
    "выполняется проверка",
    "күте тұрыңыз",
    "бірнеше секунд",
    "javascript қосыңыз",
    "javascript ті қосыңыз",
    "javascript ты қосыңыз",
    "cookie файлдарын қосыңыз",
    "қауіпсіздік тексеруі",
];

/// Elements whose content is never visible text (as extraction drops them), skipped whole.
const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object",
];

/// A short page (see [`SHORT_MAX_WORDS`]) that reads as a challenge or an interstitial: one of
/// [`CHALLENGE`], or two different [`HINTS`]. The reason names the words found and the count:
/// `a short page (12 words) that says "please wait" and "few seconds"`.
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
        "a short page ({words} words) that says {}",
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
pub(super) fn visible_words(body: &[u8], max_words: usize) -> Option<(String, usize)> {
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

pub(super) fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// `needle` (which starts with `<`) in `hay` from `from` on, ASCII case ignored: a scan for
/// `<`, then a comparison, so skipping a long inline script costs one pass over its bytes.
pub(super) fn find_ignore_case(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        let i = at + hay.get(at..)?.iter().position(|&b| b == needle[0])?;
        if hay.len() - i >= needle.len() && hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(i);
        }
        at = i + 1;
    }
}
