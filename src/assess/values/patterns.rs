//! The regular expressions, built once from shared fragments.

use regex::Regex;
use std::sync::LazyLock;

use super::months;

// ---------------------------------------------------------------------------
// Pattern fragments.
//
// The regex crate has no look-around, and Unicode `\b` would push every
// Cyrillic line off the fast lazy DFA, so patterns never use `\b`: word and
// number boundaries are checked in code (`left_ok`, `right_ok`). Alternations
// therefore list longer forms first, because the leftmost-first engine keeps
// the first alternative that matches and a too-short unit is then rejected
// by the boundary check rather than extended.
// ---------------------------------------------------------------------------

/// Placeholders are expanded in order, so composite fragments come first.
pub(super) const FRAGMENTS: &[(&str, &str)] = &[
    (
        "@RUNIT@",
        r"(?:(?:@QUAL@)\s+)?(?:@DUR@)|@PCT@|@CUR@|@MCIU@|мм|mm|см|cm",
    ),
    ("@RNUM@", r"(?:[0-9]{1,2}:[0-9]{2}|@NUM@)"),
    // A number spelled out in parentheses after the digits ("15 (пятнадцати)")
    // belongs to the value's text but not to its key.
    ("@SPELL@", r"(?:\s*\([\p{L}\s\-]+\))?"),
    // Russian case ending glued to the digits: "3-х рабочих дней", "5-ти лет".
    ("@NSUF@", r"(?:[-‑](?:ти|ми|ух|ёх|ех|х|и))?"),
    // Hyphenated adjectives: "в 10-дневный срок", "5-летний", "3-месячный".
    (
        "@DURADJ@",
        r"дневн\w*|суточн\w*|недельн\w*|месячн\w*|летн\w*|годичн\w*|часов\w*",
    ),
    // Space/NBSP/thin-space groups, comma groups with a dot decimal,
    // dot groups with a comma decimal, or a plain number with either decimal.
    (
        "@NUM@",
        r"(?:[0-9]{1,3}(?:[\x20\x{A0}\x{202F}\x{2009}][0-9]{3})+(?:[.,][0-9]+)?|[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:[.,][0-9]+)?)",
    ),
    (
        "@INT@",
        r"(?:[0-9]{1,3}(?:[\x20\x{A0}\x{202F}\x{2009}][0-9]{3})+|[0-9]+)",
    ),
    (
        "@QUAL@",
        r"calendar|working|business|banking|work|календарн\w*|рабоч\w*|банковск\w*|күнтізбелік|жұмыс",
    ),
    (
        "@DUR@",
        concat!(
            // Kazakh adjectives first: they extend the stems listed below.
            r"күндік|апталық|айлық|жылдық|сағаттық",
            r"|days|day|weeks|week|months|month|years|year|hours|hour|minutes|minute|mins|min",
            r"|дней|дня|дни|день|суток|сутки|месяцев|месяца|месяц|года|год|лет|часов|часа|час",
            r"|недель|недели|неделю|неделя|минуты|минуту|минута|минут|мин",
            r"|күнінде|күнін|күні|күнге|күннен|күннің|күнде|күнді|күн",
            r"|айында|айын|айы|айға|айдан|айдың|айда|ай|жылға|жылдан|жылдың|жылда|жыл",
            r"|жасқа|жастан|жасында|жастағы|жаста|жас",
            r"|сағатқа|сағаттан|сағаттың|сағатта|сағат|аптаға|аптадан|аптаның|аптада|апта",
            r"|минутқа|минуттан|минутта"
        ),
    ),
    ("@PCT@", r"%|процент\w*|пайыз\w*|percent|per\s?cent"),
    (
        "@CUR@",
        r"₸|\$|€|₽|тенге|теңге|тг|tenge|kzt|usd|eur|rub|рублей|рубля|рубль|руб|долларов|доллара|доллар|dollars|dollar|евро|euros|euro",
    ),
    ("@CURPRE@", r"₸|\$|€|₽|kzt|usd|eur|rub"),
    (
        "@MULT@",
        r"тыс\.|тысяч\w*|млн\.?|млрд\.?|мың|миллиард\w*|миллион\w*|thousand|million|billion|mln\.?|bn",
    ),
    (
        "@MCIU@",
        r"mcis|mci|mrp|мрп|аек|месячн\w*\s+расч[её]тн\w*\s+показател\w*|monthly\s+calculation\s+ind(?:ices|exes|ex)|айлық\s+есептік\s+көрсеткіш\w*",
    ),
    // Words after which a number is a reference (article, paragraph, form,
    // order...), never a fact. Exact word forms, not stems: a stem such as
    // "указ\w*" would also swallow "указанных 3 документов".
    (
        "@REF@",
        concat!(
            r"articles|article|art\.|paragraphs|paragraph|para\.|subparagraph|sub-paragraph|clauses|clause",
            r"|sections|section|chapter|appendix|annex|forms|form|order|decree|resolution|part|pages|page",
            r"|pp\.|p\.|nos\.|no\.|nr\.?|version|iso|gost",
            r"|статья|статьи|статье|статьей|статьёй|статью|статей|статьям|ст\.|подпункта|подпункте",
            r"|подпунктом|подпункты|подпунктов|подпункт|пункта|пункте|пунктом|пункту|пункты|пунктов",
            r"|пунктах|пункт|пп\.|подп\.|п\.|часть|части|частью|ч\.|глава|главы|главе|главой",
            r"|раздела|разделе|раздел|приложения|приложении|приложению|приложение|формы|форме|форму",
            r"|формой|форма|приказа|приказом|приказу|приказ|постановления|постановлением|постановление",
            r"|указа|указом|указ|решения|решение|закона|законом|закон|стр\.|тома|том|гост|ст\s?рк",
            r"|версии|версия",
            r"|бабының|бабына|бабында|бабы|бап|тармағының|тармағына|тармағы|тармақшасы|тармақша|тармақ",
            r"|нысанға|нысаны|нысан|қосымшасы|қосымшаға|қосымша|бұйрығымен|бұйрығы|бұйрық|қаулысы|қаулы",
            r"|бөлімі|бөлім|тарауы|тарау"
        ),
    ),
];

pub(super) fn build(template: &str) -> Regex {
    let mut pattern = template.to_string();
    for (name, fragment) in FRAGMENTS {
        pattern = pattern.replace(name, fragment);
    }
    // Month names come from their one table.
    for (name, forms) in [
        ("@RUM@", months::alternation(|m| vec![m.ru])),
        ("@KZM@", months::alternation(|m| vec![m.kk])),
        (
            "@ENM@",
            months::alternation(|m| [&[m.en][..], m.en_short].concat()),
        ),
    ] {
        pattern = pattern.replace(name, &forms);
    }
    Regex::new(&pattern).expect("values: built-in pattern must compile")
}

/// Spans where nothing is a value at all: URLs, e-mail addresses, domains,
/// phone numbers. Dates are dropped here too (a date inside a URL is a path).
pub(super) static HARD_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?:https?://|www\.)[^\s<>«»]+",
        r"|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+",
        r"|[\w\-]+(?:\.[\w\-]+)*\.(?:kz|ru|com|org|net|gov|info|edu)(?:/\S*)?",
        r"|(?:\+\s?7|8)[\s\-]*\(?[0-9]{3,5}\)?[\s\-]*[0-9]{1,3}[\s\-]*[0-9]{2}[\s\-]*[0-9]{2}",
        r"|\([0-9]{3,5}\)\s?[0-9]{2,3}[\s\-][0-9]{2}[\s\-][0-9]{2}",
        r"|[0-9]{2,3}-[0-9]{2}-[0-9]{2}",
    ))
});

/// Spans whose numbers are references, not facts: "Article 12", "№ 123",
/// "ст. 5", "form 086", "2024 году" (a year on its own), and line-initial
/// section numbers "1." / "2.1." / "3)". Dates are exempt, since "9 июня 2026
/// года" contains a year-with-"года".
pub(super) static SOFT_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?:№|#|(?:@REF@))\s*(?:(?:№|no\.|n°)\s*)?[0-9](?:[\w./\-‑]|,[0-9])*",
        r"(?:\s*(?:и|and|or|или|және|[-–—])\s*[0-9](?:[\w./\-‑]|,[0-9])*)*",
        r"|(?:19|20)[0-9]{2}\s?(?:годы|годах|годом|году|года|год|гг\.|г\.|жылдары|жылдың|жылғы|жылы|жылға|жылдан|жыл|ж\.)",
        r"|^\s*(?:[-*•]\s*)?[0-9]+(?:\.[0-9]+)*[.)](?:\s|$)",
    ))
});

pub(super) static DATE: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?P<iy>[0-9]{4})-(?P<im>[0-9]{2})-(?P<id>[0-9]{2})",
        r"|(?P<dd>[0-9]{1,2})\.(?P<dm>[0-9]{1,2})\.(?P<dy>[0-9]{4})(?:\s?(?:года|г\.|ж\.))?",
        r#"|[«"“„]?(?P<td>[0-9]{1,2})(?:st|nd|rd|th)?[»"”]?\s+(?P<tm>@RUM@|(?:@ENM@)\.?|(?:@KZM@)\p{L}*),?\s+(?P<ty>[0-9]{4})(?:\s?(?:года|год|г\.|ж\.|жылы|жылғы))?"#,
        r"|(?P<em>@ENM@)\.?\s+(?P<ed>[0-9]{1,2})(?:st|nd|rd|th)?,?\s+(?P<ey>[0-9]{4})",
        r#"|(?P<ky>[0-9]{4})\s?(?:жылғы|ж\.)\s+[«"“]?(?P<kd>[0-9]{1,2})[»"”]?\s+(?P<km>(?:@KZM@)\p{L}*)"#,
    ))
});

/// The two ends of a range; its unit, if any, is read by `RANGE_UNIT`
/// from what follows, which keeps this automaton (run on every line) small.
pub(super) static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?P<a1>@RNUM@)\s*[-–—‐‑−]\s*(?P<b1>@RNUM@)",
        r"|(?:from|between|от|со|с)\s+(?P<a2>@RNUM@)\s+(?:to|and|до|по)\s+(?P<b2>@RNUM@)",
        // Bare "18 to 65"; "1 and 2" or "1 по 5" without "from" are lists.
        r"|(?P<a5>@RNUM@)\s+to\s+(?P<b5>@RNUM@)",
        r"|(?P<a3>@RNUM@)\s*[-‑]?\s*(?:бен|пен|мен)\s+(?P<b3>@RNUM@)",
        r"|(?P<a4>@RNUM@)\s*(?:[-‑]\s*(?:ден|нан|тан|дан|тен|нен)|\s+(?P<v4>жастан|жылдан|айдан|күннен))",
        r"\s+(?P<b4>@RNUM@)\s*(?:[-‑]\s*(?:ке|ге|қа|ға)|\s+(?P<u4>жасқа|жылға|айға|күнге))\s+дейін\p{L}*",
    ))
});

pub(super) static RANGE_UNIT: LazyLock<Regex> = LazyLock::new(|| build(r"^\s*(?:@RUNIT@)"));

/// Kazakh "18 бен 65 жас аралығында": "between" comes after the unit.
pub(super) static BETWEEN_TAIL: LazyLock<Regex> = LazyLock::new(|| build(r"^\s+аралығ\p{L}*"));

/// The number a match starts with (or that starts at a given offset).
pub(super) static NUM_AT: LazyLock<Regex> = LazyLock::new(|| build(r"^@NUM@"));

pub(super) static DIMENSION: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?P<a>@NUM@)\s*[x×х]\s*(?P<b>@NUM@)(?:\s*[x×х]\s*(?P<c>@NUM@))?",
        r"(?:\s*(?P<u>мм|mm|см|cm|px|пикс\p{L}*|pixels|pixel|м|m))?",
    ))
});

pub(super) static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?P<n1>@NUM@)@SPELL@\s*(?:(?P<m1>@MULT@)\s*)?(?P<c1>@CUR@)",
        r"|(?P<c2>@CURPRE@)\s*(?P<n2>@NUM@)(?:\s*(?P<m2>@MULT@))?",
    ))
});

pub(super) static MCI: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"(?P<n1>@NUM@)@SPELL@\s*(?:[-‑]\s*)?(?:кратн\w*\s+(?:размер\w*\s+)?)?(?:@MCIU@)",
        r"|(?:аек|айлық\s+есептік\s+көрсеткіш)[\p{L}\-]*\s+(?P<n2>@NUM@)\s*[-‑]?\s*еселен\p{L}*(?:\s+мөлшер\p{L}*)?",
    ))
});

pub(super) static PERCENT: LazyLock<Regex> =
    LazyLock::new(|| build(r"(?P<n>@NUM@)@SPELL@\s*(?:@PCT@)"));

pub(super) static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    build(concat!(
        r"@NUM@@NSUF@@SPELL@(?:[-‑](?:@DURADJ@)",
        r"|\s*[-‑]?\s*(?:(?:@QUAL@)\s+)?(?:@DUR@))"
    ))
});

pub(super) static COUNT: LazyLock<Regex> =
    LazyLock::new(|| build(r"@INT@@NSUF@(?:\s*\([\p{L}\s\-]+\))?\s+\p{L}+(?:[-‑]\p{L}+)*"));

pub(super) static CELL_NUMBER: LazyLock<Regex> = LazyLock::new(|| build(r"^@INT@$"));
