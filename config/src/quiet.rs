//! `[quiet_hours]`: the "droit à la déconnexion" (circular of 10 July 2025). What staff and
//! families write to each other in these hours is held and delivered at their end. Parsed here
//! once, so that validation and the node read the same values.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::Problem;

/// `[quiet_hours]` as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuietHoursSection {
    /// Off: nothing is ever held.
    pub enabled: bool,
    /// Start of the evening quiet time, `HH:MM` (20:00).
    pub evening: String,
    /// End of the night quiet time, `HH:MM` (07:00).
    pub morning: String,
    /// From Friday evening to Monday morning.
    pub weekend: bool,
    /// IANA time zone of the schools (Europe/Paris; overseas: America/Cayenne…).
    pub timezone: String,
    /// School holidays are quiet too (off by default: the circular says nothing of them).
    pub school_holidays: bool,
    /// The holidays, `AAAA-MM-JJ..AAAA-MM-JJ` (both days included), when `school_holidays`.
    pub holidays: Vec<String>,
}

impl Default for QuietHoursSection {
    fn default() -> Self {
        Self {
            enabled: true,
            evening: "20:00".into(),
            morning: "07:00".into(),
            weekend: true,
            timezone: "Europe/Paris".into(),
            school_holidays: false,
            holidays: Vec::new(),
        }
    }
}

/// The section, parsed.
#[derive(Debug, Clone)]
pub struct QuietSchedule {
    /// Whether anything is ever held.
    pub enabled: bool,
    /// Evening start.
    pub evening: NaiveTime,
    /// Morning end.
    pub morning: NaiveTime,
    /// Friday evening → Monday morning.
    pub weekend: bool,
    /// The zone.
    pub timezone: chrono_tz::Tz,
    /// Holiday periods (first day, last day), empty when holidays are not quiet.
    pub holidays: Vec<(NaiveDate, NaiveDate)>,
}

impl QuietHoursSection {
    /// The parsed schedule, or every problem of the section.
    pub fn schedule(&self) -> Result<QuietSchedule, Vec<Problem>> {
        let mut problems = Vec::new();
        let time = |key: &str, value: &str, problems: &mut Vec<Problem>| {
            NaiveTime::parse_from_str(value.trim(), "%H:%M")
                .map_err(|_| {
                    problems.push(Problem::new(
                        key,
                        value,
                        "heure attendue au format HH:MM, par exemple 20:00",
                    ));
                })
                .unwrap_or_default()
        };
        let evening = time("quiet_hours.evening", &self.evening, &mut problems);
        let morning = time("quiet_hours.morning", &self.morning, &mut problems);
        if problems.is_empty() && morning >= evening {
            problems.push(Problem::new(
                "quiet_hours.morning",
                &self.morning,
                "la fin du matin doit précéder le début du soir (par exemple 07:00 et 20:00)",
            ));
        }
        let timezone = self
            .timezone
            .trim()
            .parse::<chrono_tz::Tz>()
            .unwrap_or_else(|_| {
                problems.push(Problem::new(
                    "quiet_hours.timezone",
                    &self.timezone,
                    "fuseau horaire attendu, par exemple Europe/Paris ou America/Cayenne",
                ));
                chrono_tz::Europe::Paris
            });
        let mut holidays = Vec::new();
        for period in &self.holidays {
            match parse_period(period) {
                Some(p) => holidays.push(p),
                None => problems.push(Problem::new(
                    "quiet_hours.holidays",
                    period,
                    "période attendue au format AAAA-MM-JJ..AAAA-MM-JJ, la première date avant la seconde",
                )),
            }
        }
        if !self.school_holidays {
            holidays.clear();
        }
        if problems.is_empty() {
            Ok(QuietSchedule {
                enabled: self.enabled,
                evening,
                morning,
                weekend: self.weekend,
                timezone,
                holidays,
            })
        } else {
            Err(problems)
        }
    }
}

fn parse_period(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (from, to) = text.trim().split_once("..")?;
    let day = |d: &str| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
    let (from, to) = (day(from)?, day(to)?);
    (from <= to).then_some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_mistakes_name_their_key() {
        let schedule = QuietHoursSection::default().schedule().unwrap();
        assert_eq!(schedule.evening, NaiveTime::from_hms_opt(20, 0, 0).unwrap());
        assert!(schedule.weekend && schedule.enabled && schedule.holidays.is_empty());
        let wrong = QuietHoursSection {
            evening: "8pm".into(),
            timezone: "Europe/Pariss".into(),
            holidays: vec!["2026-11-02..2026-10-17".into()],
            ..QuietHoursSection::default()
        };
        let problems = wrong.schedule().unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "quiet_hours.evening",
                "quiet_hours.timezone",
                "quiet_hours.holidays"
            ]
        );
        let reversed = QuietHoursSection {
            morning: "21:00".into(),
            ..QuietHoursSection::default()
        };
        assert_eq!(
            reversed.schedule().unwrap_err()[0].key,
            "quiet_hours.morning"
        );
    }
}
