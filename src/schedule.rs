//! Crontab schedules with crontab(5) meaning.
//!
//! Users write schedules as they would in a crontab: five fields (minute hour day-of-month month
//! day-of-week) or six with a leading seconds field, day-of-week 0–7 with both 0 and 7 meaning
//! Sunday, and "either day field matches" when both day fields are restricted. The `cron` crate
//! reads Quartz-style expressions instead (seconds first, Sunday = 1, both day fields must
//! match), so this module translates: the day-of-week field is expanded here into day names, and
//! an OR of the two day fields becomes two `cron` schedules whose next times are merged.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("bad schedule {expr:?}: {reason}")]
pub(crate) struct ScheduleError {
    pub expr: String,
    pub reason: String,
}

/// A parsed crontab line. Cloning is cheap enough for the registry's use (one per source).
#[derive(Clone)]
pub(crate) struct Schedule {
    expr: String,
    /// One schedule, or two when day-of-month and day-of-week are both restricted (crontab ORs
    /// them; each `cron` schedule here has one of the two day fields left as `*`).
    parts: Vec<cron::Schedule>,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.expr)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(expr: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| ScheduleError {
            expr: expr.to_string(),
            reason,
        };
        let trimmed = expr.trim();
        let expanded = match trimmed {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(fail(format!("unknown macro {other}")));
            }
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let (sec, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            n => {
                return Err(fail(format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with \
                     leading seconds, found {n}"
                )));
            }
        };
        let (min, hour, dom, month, dow) = (rest[0], rest[1], rest[2], rest[3], rest[4]);
        for (field, name, range) in [
            (sec, "second", 0..=59),
            (min, "minute", 0..=59),
            (hour, "hour", 0..=23),
            (dom, "day-of-month", 1..=31),
            (month, "month", 1..=12),
        ] {
            check_range(field, name, range).map_err(fail)?;
        }
        let days = parse_day_of_week(dow).map_err(|r| fail(format!("day-of-week: {r}")))?;
        let dow_quartz = if days.iter().all(|d| *d) {
            "*".to_string()
        } else {
            days.iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(i, _)| DAY_NAMES[i])
                .collect::<Vec<_>>()
                .join(",")
        };
        // Vixie cron decides "restricted" by whether the field starts with '*'.
        let dom_restricted = !dom.starts_with('*');
        let dow_restricted = !dow.starts_with('*');
        let build = |dom: &str, dow: &str| {
            cron::Schedule::from_str(&format!("{sec} {min} {hour} {dom} {month} {dow}"))
                .map_err(|e| fail(e.to_string()))
        };
        let parts = if dom_restricted && dow_restricted {
            vec![build(dom, "*")?, build("*", &dow_quartz)?]
        } else {
            vec![build(dom, &dow_quartz)?]
        };
        let schedule = Schedule {
            expr: trimmed.to_string(),
            parts,
        };
        if !schedule.ever_fires() {
            return Err(fail(
                "it never fires: no date in 28 years matches its day of month, month and day \
                 of week (30 February, 31 April and the like do not exist)"
                    .into(),
            ));
        }
        Ok(schedule)
    }
}

impl Schedule {
    /// The first fire time strictly after `after`, reading the schedule in zone `tz`.
    pub(crate) fn next_in(
        &self,
        tz: chrono_tz::Tz,
        after: &DateTime<chrono::Utc>,
    ) -> Option<DateTime<chrono::Utc>> {
        self.next_after(&after.with_timezone(&tz))
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    /// When a run was missed: the first fire time after `last_run` that is more than `grace`
    /// ago. `None` when the schedule has been kept.
    pub(crate) fn missed_since(
        &self,
        tz: chrono_tz::Tz,
        last_run: &DateTime<chrono::Utc>,
        now: &DateTime<chrono::Utc>,
        grace: chrono::Duration,
    ) -> Option<DateTime<chrono::Utc>> {
        self.next_in(tz, last_run).filter(|due| *due + grace < *now)
    }

    /// Whether the schedule has a fire time at all. A crontab line names no year, and from 1901
    /// to 2099 the calendar, dates and their days of the week, repeats every 28 years: looking
    /// through 28 years from a fixed start answers for every year, and keeps validation
    /// independent of the clock. Eight years would do for a date alone, not for a date that must
    /// also fall on a day of the week (a day field written `*/n` keeps crontab's "and"): 1
    /// February is a Monday in 2010, 2016, 2021, 2027, and in no year from 2001 to 2009.
    fn ever_fires(&self) -> bool {
        let start = chrono::Utc
            .with_ymd_and_hms(2001, 1, 1, 0, 0, 0)
            .single()
            .expect("a valid date");
        let end = start + chrono::Duration::days(28 * 366);
        self.next_after(&start).is_some_and(|t| t < end)
    }

    /// The first fire time strictly after `after`. In the hour a zone repeats when its clocks go
    /// back, the `cron` crate yields both instants of each local time, the earlier one first, even
    /// when it is before `after` (01:30 BST after 01:59 BST): those are skipped.
    pub(crate) fn next_after<Z: TimeZone>(&self, after: &DateTime<Z>) -> Option<DateTime<Z>> {
        self.parts
            .iter()
            .filter_map(|s| s.after(after).find(|t| t > after))
            .min()
    }
}

/// Every number written in a field (in lists, ranges and steps) lies in `range`; the cron
/// crate's own messages ("Minutes must be less than 59") name neither the field as the user
/// wrote it nor its real range.
fn check_range(
    field: &str,
    name: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<(), String> {
    for item in field.split(',') {
        let (span, step) = item.split_once('/').unwrap_or((item, ""));
        if !step.is_empty() && step.parse::<u32>().map_or(true, |s| s == 0) {
            return Err(format!(
                "{name} step {step:?} must be a whole number from 1"
            ));
        }
        for bound in span.split('-').filter(|b| *b != "*") {
            // Month names (jan…dec) are the cron crate's to read.
            let Ok(n) = bound.parse::<u32>() else {
                if bound.chars().all(|c| c.is_ascii_alphabetic()) && name == "month" {
                    continue;
                }
                return Err(format!("{name} {bound:?} is not a number"));
            };
            if !range.contains(&n) {
                return Err(format!(
                    "{name} {n} is out of range: {name} runs {}–{}",
                    range.start(),
                    range.end()
                ));
            }
        }
    }
    Ok(())
}

/// Expands a crontab day-of-week field into the set of days it names, Sunday first.
fn parse_day_of_week(field: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("bad step {s:?}"))?;
                if step == 0 {
                    return Err("step must be at least 1".into());
                }
                (r, step)
            }
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" {
            (0, 6)
        } else if let Some((a, b)) = range.split_once('-') {
            let (lo, hi) = (day_number(a)?, day_number(b)?);
            // "fri-sun": Sunday closing a range is day 7.
            (lo, if hi == 0 && lo > 0 { 7 } else { hi })
        } else {
            let d = day_number(range)?;
            // "5/2" in crontab means 5 to the end, stepping 2.
            if item.contains('/') { (d, 7) } else { (d, d) }
        };
        if lo > hi {
            return Err(format!("range {range:?} runs backwards"));
        }
        let mut d = lo;
        while d <= hi {
            days[(d % 7) as usize] = true;
            d += step;
        }
    }
    Ok(days)
}

fn day_number(s: &str) -> Result<u32, String> {
    if let Ok(n) = s.parse::<u32>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!("{n} is not a day (0–7, 0 and 7 are Sunday)"))
        };
    }
    DAY_NAMES
        .iter()
        .position(|name| name.eq_ignore_ascii_case(s))
        .map(|i| i as u32)
        .ok_or_else(|| format!("{s:?} is not a day"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike, Utc, Weekday};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn next_n(expr: &str, from: &str, n: usize) -> Vec<DateTime<Utc>> {
        let s: Schedule = expr.parse().unwrap();
        let mut t = at(from);
        let mut out = Vec::new();
        for _ in 0..n {
            t = s.next_after(&t).unwrap();
            out.push(t);
        }
        out
    }

    #[test]
    fn weekdays_at_nine() {
        // 2026-11-25 is a Wednesday.
        let times = next_n("0 9 * * 1-5", "2026-11-25T10:00:00Z", 5);
        let days: Vec<Weekday> = times.iter().map(|t| t.weekday()).collect();
        assert_eq!(
            days,
            [
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed
            ]
        );
        assert!(times.iter().all(|t| t.hour() == 9 && t.minute() == 0));
    }

    #[test]
    fn new_year_only() {
        let times = next_n("0 0 1 1 *", "2026-11-25T10:00:00Z", 2);
        assert_eq!(
            times,
            [at("2027-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z")]
        );
    }

    #[test]
    fn six_fields_have_seconds_first() {
        let times = next_n("*/2 * * * * *", "2026-11-25T10:00:00Z", 3);
        assert_eq!(
            times,
            [
                at("2026-11-25T10:00:02Z"),
                at("2026-11-25T10:00:04Z"),
                at("2026-11-25T10:00:06Z")
            ]
        );
    }

    #[test]
    fn zero_and_seven_are_sunday() {
        for expr in ["0 3 * * 0", "0 3 * * 7", "0 3 * * sun"] {
            let t = next_n(expr, "2026-11-25T10:00:00Z", 1)[0];
            assert_eq!(t, at("2026-11-29T03:00:00Z"), "{expr}");
            assert_eq!(t.weekday(), Weekday::Sun);
        }
    }

    #[test]
    fn day_of_month_or_day_of_week() {
        // 13th of the month OR any Friday.
        let times = next_n("0 0 13 * 5", "2026-11-25T10:00:00Z", 4);
        assert_eq!(
            times,
            [
                at("2026-11-27T00:00:00Z"), // Friday
                at("2026-12-04T00:00:00Z"), // Friday
                at("2026-12-11T00:00:00Z"), // Friday
                at("2026-12-13T00:00:00Z"), // the 13th, a Sunday
            ]
        );
    }

    #[test]
    fn wrapping_weekend_range_and_names() {
        let times = next_n("0 12 * * fri-sun", "2026-11-25T10:00:00Z", 3);
        let days: Vec<Weekday> = times.iter().map(|t| t.weekday()).collect();
        assert_eq!(days, [Weekday::Fri, Weekday::Sat, Weekday::Sun]);
        let times = next_n("0 12 * * 5-7", "2026-11-25T10:00:00Z", 3);
        let days2: Vec<Weekday> = times.iter().map(|t| t.weekday()).collect();
        assert_eq!(days, days2);
    }

    #[test]
    fn time_zones_shift_the_fire_time() {
        let s: Schedule = "0 9 * * *".parse().unwrap();
        let almaty: chrono_tz::Tz = "Asia/Almaty".parse().unwrap();
        let next = s.next_in(almaty, &at("2026-11-25T10:00:00Z")).unwrap();
        // 09:00 in Almaty (UTC+5) is 04:00 UTC.
        assert_eq!(next, at("2026-11-26T04:00:00Z"));
        let grace = chrono::Duration::minutes(15);
        let last = at("2026-11-24T09:00:05Z");
        assert_eq!(
            s.missed_since(chrono_tz::UTC, &last, &at("2026-11-25T09:10:00Z"), grace),
            None
        );
        assert_eq!(
            s.missed_since(chrono_tz::UTC, &last, &at("2026-11-25T10:00:00Z"), grace),
            Some(at("2026-11-25T09:00:00Z"))
        );
    }

    /// `0 0 30 2 *` (30 February) validated but never fired.
    #[test]
    fn a_schedule_that_never_fires_is_refused() {
        for never in [
            "0 0 30 2 *",
            "0 0 31 4,6,9,11 *",
            "0 12 31 2 *",
            "0 0 0 30 2 *",
        ] {
            let e = never.parse::<Schedule>().unwrap_err();
            assert!(e.reason.contains("never fires"), "{never}: {e}");
        }
        // 29 February fires every leap year; a day-of-week OR keeps 30 February alive.
        let leap = next_n("0 0 29 2 *", "2026-11-25T10:00:00Z", 2);
        assert_eq!(
            leap,
            [at("2028-02-29T00:00:00Z"), at("2032-02-29T00:00:00Z")]
        );
        assert!("0 0 30 2 1".parse::<Schedule>().is_ok());
    }

    #[test]
    fn macros_and_errors() {
        assert_eq!(
            next_n("@daily", "2026-11-25T10:00:00Z", 1),
            [at("2026-11-26T00:00:00Z")]
        );
        for bad in [
            "",
            "* * *",
            "61 * * * *",
            "0 0 * * 8",
            "@reboot",
            "0 0 * * 5-1",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn a_date_that_must_also_be_a_weekday_fires_years_apart() {
        // Found by the `cron` fuzz target: `*/31` keeps crontab's "and", so this is 1 February
        // when it is a Monday. No year from 2001 to 2009 has one; it was refused as never firing.
        let times = next_n("0 0 */31 2 1", "2026-11-25T10:00:00Z", 2);
        assert_eq!(
            times,
            [at("2027-02-01T00:00:00Z"), at("2038-02-01T00:00:00Z")]
        );
    }

    #[test]
    fn the_hour_clocks_go_back_only_looks_forward() {
        // Found by the `cron` fuzz target: in the repeated hour of 25 October 2026 in London,
        // `cron` offered 01:30 BST (00:30Z) after 01:59:59 BST, and `watch` would rerun at once.
        let london = chrono_tz::Europe::London;
        for expr in ["30 1 * * *", "*/10 * * * *"] {
            let s: Schedule = expr.parse().unwrap();
            for from in [
                "2026-10-25T00:59:59Z",
                "2026-10-25T01:00:00Z",
                "2026-10-25T01:30:20Z",
            ] {
                let next = s.next_in(london, &at(from)).unwrap();
                assert!(next > at(from), "{expr} after {from}: {next}");
            }
        }
        let s: Schedule = "*/10 * * * *".parse().unwrap();
        let next = s.next_in(london, &at("2026-10-25T01:30:20Z"));
        assert_eq!(next, Some(at("2026-10-25T01:40:00Z")));
    }
}
