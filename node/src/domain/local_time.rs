//! Legal time in metropolitan France (Europe/Paris), for what people read: UTC+1, and UTC+2
//! from the last Sunday of March to the last Sunday of October, switching at 01:00 UTC (the
//! EU rule in force since 1996, directive 2000/84/EC). Stored times stay UTC; only display and
//! the dates people type go through here. Written out rather than taken from a time zone
//! database: this one rule is all the node needs, and it is tested below.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// The last Sunday of `month` in `year`, at 01:00 UTC.
fn last_sunday_1h_utc(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let next_month = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last_day = next_month.pred_opt()?;
    let back = last_day.weekday().num_days_from_sunday();
    let sunday = last_day - Duration::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    Some(Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0)?))
}

/// The offset from UTC in Paris at the instant `utc`, in seconds.
pub fn paris_offset_secs(utc: DateTime<Utc>) -> i64 {
    let year = utc.year();
    match (last_sunday_1h_utc(year, 3), last_sunday_1h_utc(year, 10)) {
        (Some(start), Some(end)) if utc >= start && utc < end => 7200,
        _ => 3600,
    }
}

/// The Paris wall-clock time of a stored UTC timestamp (seconds).
pub fn paris(timestamp: i64) -> Option<NaiveDateTime> {
    let utc = DateTime::from_timestamp(timestamp, 0)?;
    Some((utc + Duration::seconds(paris_offset_secs(utc))).naive_utc())
}

/// `dd/mm/yyyy hh:mm`, Paris time.
pub fn paris_label(timestamp: i64) -> String {
    paris(timestamp)
        .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// The UTC timestamp of 00:00 in Paris on `date` (transitions happen at night, never at
/// midnight, so the offset an hour earlier is the one at midnight).
pub fn paris_midnight(date: NaiveDate) -> i64 {
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let guess = Utc.from_utc_datetime(&local) - Duration::hours(1);
    local.and_utc().timestamp() - paris_offset_secs(guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    #[test]
    fn summer_and_winter_time_switch_on_the_last_sundays_at_one_utc() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(paris_label(at("2026-03-29T00:59:00Z")), "29/03/2026 01:59");
        assert_eq!(paris_label(at("2026-03-29T01:00:00Z")), "29/03/2026 03:00");
        assert_eq!(paris_label(at("2026-07-14T10:00:00Z")), "14/07/2026 12:00");
        assert_eq!(paris_label(at("2026-10-25T00:59:00Z")), "25/10/2026 02:59");
        assert_eq!(paris_label(at("2026-10-25T01:00:00Z")), "25/10/2026 02:00");
        assert_eq!(paris_label(at("2026-12-31T23:30:00Z")), "01/01/2027 00:30");
    }

    #[test]
    fn a_paris_day_starts_at_its_midnight() {
        let winter = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(paris_midnight(winter), at("2026-01-14T23:00:00Z"));
        let summer = NaiveDate::from_ymd_opt(2026, 7, 14).unwrap();
        assert_eq!(paris_midnight(summer), at("2026-07-13T22:00:00Z"));
        let switch = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(paris_midnight(switch), at("2026-03-28T23:00:00Z"));
    }
}
