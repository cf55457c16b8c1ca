use super::*;

#[test]
fn kind_names() {
    let names: Vec<&str> = ValueKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "duration",
            "money",
            "mci",
            "percent",
            "date",
            "range",
            "dimension",
            "count"
        ]
    );
}

#[test]
fn duration_english() {
    assert_eq!(
        one("The permit is issued within 45 calendar days."),
        (
            Duration,
            "45 calendar days".into(),
            "45 calendar-day".into()
        )
    );
    assert_eq!(key("Processing takes 10 working days"), "10 working-day");
    assert_eq!(key("within 5 business days"), "5 working-day");
    assert_eq!(key("Valid for 6 months"), "6 month");
    assert_eq!(key("up to 1 year"), "1 year");
    assert_eq!(key("Result within 24 hours"), "24 hour");
    assert_eq!(key("allow 2 weeks"), "2 week");
    assert_eq!(key("Waiting time – 15 minutes"), "15 minute");
    assert_eq!(key("a 30-day period"), "30 day");
    assert_eq!(key("Age 18 years and older"), "18 year");
    assert_eq!(
        one("within 3 (three) business days"),
        (
            Duration,
            "3 (three) business days".into(),
            "3 working-day".into()
        )
    );
}

#[test]
fn duration_russian() {
    assert_eq!(
        key("Срок оказания услуги – 45 календарных дней"),
        "45 calendar-day"
    );
    assert_eq!(key("в течение 5 рабочих дней"), "5 working-day");
    assert_eq!(key("не позднее 10 дней"), "10 day");
    assert_eq!(key("1 день"), "1 day");
    assert_eq!(key("за 2 дня до"), "2 day");
    assert_eq!(key("на срок 3 месяца"), "3 month");
    assert_eq!(key("сроком на 1 год"), "1 year");
    assert_eq!(key("не менее 5 лет"), "5 year");
    assert_eq!(key("в течение 1 (одного) рабочего дня"), "1 working-day");
    assert_eq!(key("в течение 2 рабочих дня"), "2 working-day");
    assert_eq!(key("в течение 3 банковских дней"), "3 banking-day");
    assert_eq!(key("В течение 3-х рабочих дней"), "3 working-day");
    assert_eq!(key("в 10-дневный срок со дня получения"), "10 day");
    assert_eq!(key("стаж не менее 5-летний"), "5 year");
    assert_eq!(key("в течение 2 (двух) месяцев"), "2 month");
    assert_eq!(key("ожидание – 15 минут"), "15 minute");
    assert_eq!(key("в течение 24 часов"), "24 hour");
    assert_eq!(key("2 недели"), "2 week");
    assert_eq!(
        one("в течение 15 (пятнадцати) рабочих дней"),
        (
            Duration,
            "15 (пятнадцати) рабочих дней".into(),
            "15 working-day".into()
        )
    );
}

#[test]
fn duration_kazakh() {
    assert_eq!(
        key("Қызмет көрсету мерзімі – 45 күнтізбелік күн"),
        "45 calendar-day"
    );
    assert_eq!(key("5 жұмыс күні ішінде"), "5 working-day");
    assert_eq!(key("мерзімі 3 ай"), "3 month");
    assert_eq!(key("1 жыл бойы"), "1 year");
    assert_eq!(key("10 күн ішінде"), "10 day");
    assert_eq!(key("2 сағат ішінде"), "2 hour");
    assert_eq!(key("5 жұмыс күнінде"), "5 working-day");
    assert_eq!(key("15 (он бес) жұмыс күні"), "15 working-day");
    assert_eq!(key("10 күндік мерзімде"), "10 day");
    assert_eq!(key("14 жасқа толған"), "14 year");
}

#[test]
fn duration_qualifier_matters() {
    assert_eq!(
        value_changes(
            "The permit is issued within 45 calendar days.",
            "The permit is issued within 30 calendar days."
        ),
        changed(Duration, "45 calendar days", "30 calendar days")
    );
    assert_eq!(
        value_changes("within 45 calendar days", "within 45 working days"),
        changed(Duration, "45 calendar days", "45 working days")
    );
    assert_eq!(
        value_changes("within 45 days", "within 45 calendar days"),
        changed(Duration, "45 days", "45 calendar days")
    );
    assert_eq!(
        value_changes(
            "Срок оказания услуги – 45 календарных дней",
            "Срок оказания услуги – 30 календарных дней"
        ),
        changed(Duration, "45 календарных дней", "30 календарных дней")
    );
    assert_eq!(
        value_changes(
            "Қызмет көрсету мерзімі – 45 күнтізбелік күн",
            "Қызмет көрсету мерзімі – 30 күнтізбелік күн"
        ),
        changed(Duration, "45 күнтізбелік күн", "30 күнтізбелік күн")
    );
    // Same fact in another wording of the number.
    assert_eq!(
        value_changes(
            "в течение 15 рабочих дней",
            "в течение 15 (пятнадцати) рабочих дней"
        ),
        vec![]
    );
}

#[test]
fn money() {
    assert_eq!(
        one("Fee: 10 000 ₸"),
        (Money, "10 000 ₸".into(), "10000 KZT".into())
    );
    assert_eq!(key("Стоимость 10 000 тенге"), "10000 KZT");
    assert_eq!(key("Құны 10 000 теңге"), "10000 KZT");
    assert_eq!(key("цена 500 тг."), "500 KZT");
    assert_eq!(key("Fee: $1,500"), "1500 USD");
    assert_eq!(key("Fee: € 200"), "200 EUR");
    assert_eq!(key("Fee: KZT 25,000"), "25000 KZT");
    assert_eq!(key("1 500,50 тенге"), "1500.5 KZT");
    assert_eq!(key("100 EUR"), "100 EUR");
    assert_eq!(key("200 USD"), "200 USD");
    assert_eq!(key("300 рублей"), "300 RUB");
    assert_eq!(key("штраф 1,5 млн тенге"), "1500000 KZT");
    assert_eq!(key("10\u{A0}000\u{A0}₸"), "10000 KZT");
    assert_eq!(key("10\u{202F}000 тенге"), "10000 KZT");
    assert_eq!(key("10\u{2009}000 тенге"), "10000 KZT");
    assert_eq!(key("Fee 5000 tenge"), "5000 KZT");
    assert_eq!(key("бюджет 5 млрд тенге"), "5000000000 KZT");
    assert_eq!(key("100 долларов США"), "100 USD");
    assert_eq!(key("Fee: $1.5 million"), "1500000 USD");
    assert_eq!(key("Стоимость – 1 000 000,00 тенге"), "1000000 KZT");
    assert_eq!(
        value_changes("Fee: 10 000 ₸", "Fee: 12 500 ₸"),
        changed(Money, "10 000 ₸", "12 500 ₸")
    );
    assert_eq!(value_changes("Fee: 10 000 ₸", "Fee: 10 000 тенге"), vec![]);
}

#[test]
fn mci() {
    assert_eq!(one("Fee: 4 MCI"), (Mci, "4 MCI".into(), "4 MCI".into()));
    assert_eq!(key("0.5 MCI"), "0.5 MCI");
    assert_eq!(key("0,5 МРП"), "0.5 MCI");
    assert_eq!(key("в размере 4 МРП"), "4 MCI");
    assert_eq!(key("штраф в 4-кратном размере МРП"), "4 MCI");
    assert_eq!(key("4 АЕК мөлшерінде"), "4 MCI");
    assert_eq!(key("в размере 2 месячных расчетных показателей"), "2 MCI");
    assert_eq!(key("equal to 2 monthly calculation indices"), "2 MCI");
    assert_eq!(key("2 айлық есептік көрсеткіш"), "2 MCI");
    assert_eq!(key("АЕК-тің 10 еселенген мөлшерінде"), "10 MCI");
    assert_eq!(
        value_changes(
            "Государственная пошлина | 4 МРП",
            "Государственная пошлина | 6 МРП"
        ),
        changed(Mci, "4 МРП", "6 МРП")
    );
    assert_eq!(value_changes("fee 4 MCI", "fee 4 МРП"), vec![]);
}

#[test]
fn percent() {
    assert_eq!(one("discount 10%"), (Percent, "10%".into(), "10%".into()));
    assert_eq!(key("discount 10 %"), "10%");
    assert_eq!(key("скидка 10 процентов"), "10%");
    assert_eq!(key("жеңілдік 10 пайыз"), "10%");
    assert_eq!(key("rate 12.5 percent"), "12.5%");
    assert_eq!(
        value_changes("скидка 10%", "скидка 15%"),
        changed(Percent, "10%", "15%")
    );
}

#[test]
fn dates() {
    assert_eq!(key("from 2026-06-09"), "2026-06-09");
    assert_eq!(
        one("Valid until 09.06.2026"),
        (Date, "09.06.2026".into(), "2026-06-09".into())
    );
    assert_eq!(key("Valid until 9 June 2026"), "2026-06-09");
    assert_eq!(key("Valid until June 9, 2026"), "2026-06-09");
    assert_eq!(
        one("до 9 июня 2026 г."),
        (Date, "9 июня 2026 г.".into(), "2026-06-09".into())
    );
    assert_eq!(key("с 9 июня 2026 года"), "2026-06-09");
    assert_eq!(one("«09» июня 2026 г.").1, "«09» июня 2026 г.");
    assert_eq!(key("«09» июня 2026"), "2026-06-09");
    assert_eq!(key("2026 жылғы 9 маусым"), "2026-06-09");
    assert_eq!(key("2026 жылғы 1 қаңтардан бастап"), "2026-01-01");
    assert_eq!(key("1 декабря 2025 года"), "2025-12-01");
    none("31.02.2026 is not a date");
    assert_eq!(
        value_changes("Valid until 09.06.2026", "Valid until 9 June 2027"),
        changed(Date, "09.06.2026", "9 June 2027")
    );
    assert_eq!(
        value_changes("Действует до 9 июня 2026 г.", "Действует до 09.06.2026"),
        vec![]
    );
}

#[test]
fn ranges() {
    assert_eq!(
        one("Age from 18 to 65 years"),
        (Range, "from 18 to 65 years".into(), "18..65 year".into())
    );
    assert_eq!(key("Age: 18–65"), "18..65");
    assert_eq!(key("Age: 18-65 years"), "18..65 year");
    assert_eq!(key("возраст от 18 до 65 лет"), "18..65 year");
    assert_eq!(key("18 бен 65 жас аралығында"), "18..65 year");
    assert_eq!(key("within 5–10 working days"), "5..10 working-day");
    assert_eq!(key("в течение 5—10 рабочих дней"), "5..10 working-day");
    assert_eq!(key("Fee 10–15%"), "10..15 %");
    assert_eq!(key("с 9:00 до 18:00"), "09:00..18:00");
    assert_eq!(key("перерыв 13:00-14:00"), "13:00..14:00");
    assert_eq!(key("Age 18 to 65 years"), "18..65 year");
    assert_eq!(key("18 жастан 65 жасқа дейінгі азаматтар"), "18..65 year");
    assert_eq!(
        key("Стоимость – от 5 000 до 10 000 тенге"),
        "5000..10000 KZT"
    );
    assert_eq!(key("от 5 до 10 МРП"), "5..10 MCI");
    // A range with a unit is one value, not a number and a duration.
    assert_eq!(one("Процессинг 5–7 күн").0, Range);
    none("Submit forms 1 and 2");
    assert_eq!(
        value_changes("Age from 18 to 65 years", "Age from 18 to 60 years"),
        changed(Range, "from 18 to 65 years", "from 18 to 60 years")
    );
}

#[test]
fn dimensions() {
    assert_eq!(
        one("One photo (35x45 mm)"),
        (Dimension, "35x45 mm".into(), "35x45 mm".into())
    );
    assert_eq!(key("фото 35×45 мм"), "35x45 mm");
    assert_eq!(key("фото 35х45 мм"), "35x45 mm");
    assert_eq!(key("photo 3,5 x 4,5 cm"), "35x45 mm");
    assert_eq!(
        value_changes("One photo (35x45 mm)", "One photo (30x40 mm)"),
        changed(Dimension, "35x45 mm", "30x40 mm")
    );
    assert_eq!(
        value_changes("photo 3,5 x 4,5 cm", "photo 35x45 mm"),
        vec![]
    );
    assert_eq!(key("фото 3 x 4 см"), "30x40 mm");
}

#[test]
fn counts() {
    assert_eq!(
        one("- 2 photos"),
        (Count, "2 photos".into(), "2 photos".into())
    );
    assert_eq!(key("3 copies of the application"), "3 copies");
    assert_eq!(key("2 фотографии"), "2 фотографии");
    assert_eq!(key("1 copy"), "1 copy");
    assert_eq!(key("2 фотосурет"), "2 фотосурет");
    assert_eq!(
        vals("Passport | 1 | original"),
        vec![(Count, "1".into(), "1".into())]
    );
    assert_eq!(
        value_changes("Copies | 2", "Copies | 3"),
        changed(Count, "2", "3")
    );
    assert_eq!(
        value_changes("Submit 2 photos", "Submit 3 photos"),
        changed(Count, "2 photos", "3 photos")
    );
    assert_eq!(key("Паспорт (оригинал и 1 копия)"), "1 копия");
    assert_eq!(key("в 2-х экземплярах"), "2 экземплярах");
    assert_eq!(key("Тираж 5000 экземпляров"), "5000 экземпляров");
    // Row numbers live in the first cell; the quantity cell counts.
    assert_eq!(
        vals("| 1 | Заявление | 1 экз. |"),
        vec![(Count, "1 экз".into(), "1 экз".into())]
    );
    assert_eq!(
        vals("1 | Выдача справки | 5 рабочих дней"),
        vec![(Duration, "5 рабочих дней".into(), "5 working-day".into())]
    );
    // A swap of numbers between nouns is a change of both.
    assert_eq!(
        value_changes("Submit 2 photos and 1 copy", "Submit 1 photo and 2 copies"),
        vec![
            ch(Count, Some("2 photos"), Some("1 photo")),
            ch(Count, Some("1 copy"), Some("2 copies")),
        ]
    );
    // The number stayed, only the noun changed: not a value change.
    assert_eq!(
        value_changes("Submit 2 photos", "Submit 2 pictures"),
        vec![]
    );
}

#[test]
fn values_agree_across_wordings() {
    let agree = |a: &str, b: &str| values_agree(&values_in(a), &values_in(b));
    assert!(agree(
        "Typical processing: ~45 days.",
        "within 45 calendar days"
    ));
    assert!(agree("Age range | 18–65", "aged 18 to 65 years"));
    assert!(agree(
        "Initial stay: 12 months.",
        "The permit is valid for 12 months"
    ));
    assert!(!agree(
        "Typical processing: ~45 days.",
        "within 30 calendar days"
    ));
    assert!(!agree(
        "Typical processing: ~45 days.",
        "within 45 working days"
    ));
    assert!(!agree("Age range | 18–65", "aged 18 to 60 years"));
    assert!(!agree("Fee: 4 MCI", "The page says nothing of it"));
    // No value to agree on: nothing stands against.
    assert!(agree(
        "Job offer | Required",
        "An employment contract is required"
    ));
}
