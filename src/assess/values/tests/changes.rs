use super::*;

#[test]
fn not_values() {
    none("Medical examination certificate (form 028/u)");
    none("Medical certificate form 086");
    none("in accordance with Article 12 of the Law");
    none("согласно ст. 5 Закона");
    none("согласно пункту 3 статьи 5 Закона");
    none("Приказ № 123");
    none("Visa class B9-1");
    none("Visa classes C2, A5/A6");
    none("Category A5");
    none("code 009pass");
    none("1. Submit the application");
    none("2.1. Документы");
    none("Call +7 (727) 123-45-67");
    none("Call 8 800 080 7777");
    none("See https://egov.kz/cms/ru/services/2026-06-09/123");
    none("Адрес: 010000, г. Астана");
    none("в 2024 году");
    none("5-бап бойынша");
    none("Open 10:30 daily");
    none("version 1.2.3");
    none("до 9 июня");
    none("Шаг 1. Авторизуйтесь на портале");
    none("Услуга доступна 24/7");
    none("Справка по форме 035-1/у");
    none("Medical certificate (Form No. 075/u)");
    none("В соответствии с подпунктом 1) статьи 10 Закона");
    none("ИИН 880101300123");
    none("индекс 010000");
    none("пр. Абая 52");
    none("Сектор 3, окно 12");
    none("Windows 7 and later");
    none("Виза B1–B3 категорий");
    none("ТОО «Сервис-2000»");
    none("Write to info2026@egov.kz");
    none("tel. 1414, 8 (7172) 55-12-34");
    none("Нысан № 086/у медициналық анықтама");
    none("COVID-19 test");
    none("Рейтинг 4.5 из 5");
    none("1 2 3 4 5 Следующая");
}

#[test]
fn changes() {
    assert_eq!(
        value_changes("Processing: 45 days, fee 2 MCI", "Processing: 45 days"),
        vec![ch(Mci, Some("2 MCI"), None)]
    );
    assert_eq!(
        value_changes("Processing: 45 days", "Processing: 45 days, fee 2 MCI"),
        vec![ch(Mci, None, Some("2 MCI"))]
    );
    assert_eq!(
        value_changes("Copy of the passport", "Copy of the national passport"),
        vec![]
    );
    assert_eq!(
        value_changes("Fee 2 MCI within 45 days", "Within 45 days, fee 2 MCI"),
        vec![]
    );
    assert_eq!(
        value_changes(
            "Issued within 45 days.",
            "The permit is issued within 45 days."
        ),
        vec![]
    );
    assert_eq!(value_changes("Fee: 4 MCI", "Fee: 4 MCI"), vec![]);
    assert_eq!(value_changes("Visa B9-1", "Visa C2"), vec![]);
    assert_eq!(
        value_changes("Visa B9-1, fee 50 000 тенге", "Visa B9-2, fee 50 000 тенге"),
        vec![]
    );
    assert_eq!(value_changes("Приказ № 123", "Приказ № 124"), vec![]);
    assert_eq!(
        value_changes("Call +7 (727) 123-45-67", "Call +7 (727) 123-45-68"),
        vec![]
    );
    assert_eq!(
        value_changes(
            "Госпошлина 4 МРП (13 840 тенге)",
            "Госпошлина 4 МРП (15 728 тенге)"
        ),
        changed(Money, "13 840 тенге", "15 728 тенге")
    );
    assert_eq!(
        value_changes(
            "Құжаттар 2026 жылғы 1 шілдеден бастап қабылданады",
            "Құжаттар 2026 жылғы 1 тамыздан бастап қабылданады"
        ),
        changed(Date, "2026 жылғы 1 шілдеден", "2026 жылғы 1 тамыздан")
    );
    assert_eq!(
        value_changes(
            "Срок – 5 рабочих дней (с 1 января 2026 года – 3 рабочих дня)",
            "Срок – 3 рабочих дня"
        ),
        vec![
            ch(Duration, Some("5 рабочих дней"), None),
            ch(Date, Some("1 января 2026 года"), None),
        ]
    );
    assert_eq!(
        value_changes("Fee 2 MCI, term 10 days", "Fee 3 MCI, term 15 days"),
        vec![
            ch(Mci, Some("2 MCI"), Some("3 MCI")),
            ch(Duration, Some("10 days"), Some("15 days")),
        ]
    );
    // Two durations, one changed: the unchanged one cancels wherever it is.
    assert_eq!(
        value_changes(
            "review 5 working days, decision 30 calendar days",
            "decision 30 calendar days, review 3 working days"
        ),
        changed(Duration, "5 working days", "3 working days")
    );
    assert_eq!(
        value_changes("within 45 days", "until 09.06.2026"),
        vec![
            ch(Duration, Some("45 days"), None),
            ch(Date, None, Some("09.06.2026")),
        ]
    );
}

#[test]
fn mixed_line() {
    assert_eq!(
        vals("Фото 2 шт. 3х4 см, пошлина 0,5 МРП, срок 5 рабочих дней"),
        vec![
            (Count, "2 шт".into(), "2 шт".into()),
            (Dimension, "3х4 см".into(), "30x40 mm".into()),
            (Mci, "0,5 МРП".into(), "0.5 MCI".into()),
            (Duration, "5 рабочих дней".into(), "5 working-day".into()),
        ]
    );
    let v = values_in("Fee: 10 000 ₸");
    assert_eq!(v[0].span, 5..v[0].span.end);
    assert_eq!(&"Fee: 10 000 ₸"[v[0].span.clone()], v[0].text);
}

/// Spans are char-aligned, ordered and disjoint whatever the input; a
/// line never differs from itself. Inputs are drawn from pieces that
/// stress the boundary code: multi-byte spaces and dashes, glued
/// suffixes, letters whose lower case changes length.
#[test]
fn arbitrary_input_is_safe() {
    const PIECES: &[&str] = &[
        "1",
        "2",
        "0",
        "9",
        " ",
        "\u{A0}",
        "\u{202F}",
        "\u{2009}",
        ",",
        ".",
        "-",
        "–",
        "‑",
        "x",
        "х",
        "×",
        "%",
        "₸",
        "$",
        "(",
        ")",
        "«",
        "»",
        "|",
        "/",
        ":",
        "+",
        "№",
        "Ә",
        "İ",
        "ẞ",
        "дней",
        "рабочих",
        "күн",
        "жұмыс",
        "МРП",
        "тенге",
        "млн",
        "от",
        "до",
        "бен",
        "жас",
        "ден",
        "ке",
        "дейін",
        "июня",
        "маусым",
        "жылғы",
        "2026",
        "года",
        "г.",
        "см",
        "photos",
        "ст.",
        "х",
        "\u{301}",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % 1_000_003).unwrap()
    };
    for _ in 0..3000 {
        let len = next() % 12 + 1;
        let line: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
        let values = values_in(&line);
        for v in &values {
            assert_eq!(line[v.span.clone()], v.text, "{line:?}");
        }
        for pair in values.windows(2) {
            assert!(pair[0].span.end <= pair[1].span.start, "{line:?}");
        }
        let other: String = line.chars().rev().collect();
        let _ = value_changes(&line, &other);
    }
}
