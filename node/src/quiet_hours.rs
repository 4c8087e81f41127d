//! The "droit à la déconnexion" (circular of 10 July 2025): the quiet hours of `[quiet_hours]`
//! (20:00–07:00 on weekdays, Friday 20:00 → Monday 07:00, school holidays when chosen), in the
//! schools' time zone. Any service that reaches families asks here whether an instant is quiet
//! and when the quiet time ends (messages today; notifications later).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Weekday};
use ent_config::{QuietHoursSection, QuietSchedule};

/// The quiet hours of the node.
#[derive(Debug, Clone)]
pub struct QuietHours(QuietSchedule);

impl QuietHours {
    /// From the configuration (validated at start; an unreadable section falls back to the
    /// defaults: quiet rather than not, as entcore fails closed).
    pub fn of(config: &QuietHoursSection) -> Self {
        let schedule = config.schedule().unwrap_or_else(|_| {
            QuietHoursSection::default()
                .schedule()
                .expect("the defaults are valid")
        });
        Self(schedule)
    }

    /// Whether `at` (Unix seconds) falls in the quiet hours.
    pub fn is_quiet(&self, at: i64) -> bool {
        let s = &self.0;
        if !s.enabled {
            return false;
        }
        let Some(local) = DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&s.timezone))
        else {
            return true;
        };
        let (day, time) = (local.date_naive(), local.time());
        if s.holidays
            .iter()
            .any(|(from, to)| (*from..=*to).contains(&day))
        {
            return true;
        }
        let night = time >= s.evening || time < s.morning;
        let weekend = s.weekend
            && match local.weekday() {
                Weekday::Sat | Weekday::Sun => true,
                Weekday::Fri => time >= s.evening,
                _ => false,
            };
        night || weekend
    }

    /// The first instant at or after `at` that is not quiet (`at` itself when not quiet).
    pub fn end_of_quiet(&self, at: i64) -> i64 {
        if !self.is_quiet(at) {
            return at;
        }
        let s = &self.0;
        let Some(local) = DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&s.timezone))
        else {
            return at;
        };
        // The quiet time ends on a morning: today's when before it, else a following one.
        let mut day = if local.time() < s.morning {
            local.date_naive()
        } else {
            local.date_naive() + Duration::days(1)
        };
        for _ in 0..400 {
            let morning = self.morning_of(day);
            if !self.is_quiet(morning) {
                return morning;
            }
            day += Duration::days(1);
        }
        at
    }

    fn morning_of(&self, day: NaiveDate) -> i64 {
        let s = &self.0;
        s.timezone
            .from_local_datetime(&day.and_time(s.morning))
            .earliest()
            .map_or(0, |t| t.timestamp())
    }

    /// "lundi à 7 h 00" (within the week), else "lundi 2 novembre à 7 h 00", local time.
    pub fn label(&self, at: i64, now: i64) -> String {
        let tz = self.0.timezone;
        let Some(local) = DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&tz)) else {
            return String::new();
        };
        let day = WEEKDAYS[local.weekday().num_days_from_monday() as usize];
        let hour = format!("{} h {:02}", local.hour(), local.minute());
        if at - now < 6 * 86_400 {
            format!("{day} à {hour}")
        } else {
            let month = MONTHS[local.month0() as usize];
            format!("{day} {} {month} à {hour}", local.day())
        }
    }

    /// `2026-12-07T08:30` (a form's `datetime-local`) or `2026-12-07` (its midnight) typed in
    /// the schools' time zone, as Unix seconds; `None` when unreadable.
    pub fn local_input(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })?;
        self.0
            .timezone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp())
    }

    /// The time zone of the schools.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.0.timezone
    }
}

/// French weekday names, Monday first (also the agenda's).
pub const WEEKDAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
/// French month names (also the agenda's).
pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(text: &str) -> i64 {
        chrono_tz::Europe::Paris
            .from_local_datetime(
                &chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap(),
            )
            .unwrap()
            .timestamp()
    }

    #[test]
    fn weekday_nights_and_the_weekend_are_quiet() {
        let quiet = QuietHours::of(&QuietHoursSection::default());
        // 2026-12-04 is a Friday.
        assert!(!quiet.is_quiet(paris("2026-12-03 19:59")));
        assert!(quiet.is_quiet(paris("2026-12-03 20:00")));
        assert_eq!(
            quiet.end_of_quiet(paris("2026-12-03 22:30")),
            paris("2026-12-04 07:00")
        );
        assert_eq!(
            quiet.end_of_quiet(paris("2026-12-04 06:10")),
            paris("2026-12-04 07:00")
        );
        let friday_night = paris("2026-12-04 21:15");
        let monday = paris("2026-12-07 07:00");
        assert_eq!(quiet.end_of_quiet(friday_night), monday);
        assert_eq!(quiet.label(monday, friday_night), "lundi à 7 h 00");
        assert!(quiet.is_quiet(paris("2026-12-05 12:00")));
        assert!(!quiet.is_quiet(paris("2026-12-07 10:00")));
        // Summer time too (Paris is UTC+2 in June).
        assert_eq!(
            quiet.end_of_quiet(paris("2026-06-09 23:00")),
            paris("2026-06-10 07:00")
        );
    }

    #[test]
    fn holidays_count_only_when_chosen() {
        let mut section = QuietHoursSection {
            holidays: vec!["2026-12-19..2027-01-03".into()],
            ..QuietHoursSection::default()
        };
        assert!(!QuietHours::of(&section).is_quiet(paris("2026-12-22 10:00")));
        section.school_holidays = true;
        let quiet = QuietHours::of(&section);
        assert!(quiet.is_quiet(paris("2026-12-22 10:00")));
        assert_eq!(
            quiet.end_of_quiet(paris("2026-12-22 10:00")),
            paris("2027-01-04 07:00")
        );
        let off = QuietHoursSection {
            enabled: false,
            ..QuietHoursSection::default()
        };
        assert!(!QuietHours::of(&off).is_quiet(paris("2026-12-05 12:00")));
    }
}
