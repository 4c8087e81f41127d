//! What the week and month pages show: days in French words, each day's occurrences and the
//! holidays of the node's zone. A list of days rather than a grid: it reads on a 320 px phone
//! and with a screen reader.

use chrono::{Datelike, Duration, NaiveDate};

use super::holidays::{self, Holiday};
use super::service::Shown;

use crate::quiet_hours::{MONTHS, WEEKDAYS};

/// "lundi 7 décembre".
pub fn day_label(day: NaiveDate) -> String {
    format!(
        "{} {} {}",
        WEEKDAYS[day.weekday().num_days_from_monday() as usize],
        day.day(),
        MONTHS[day.month0() as usize]
    )
}

/// "décembre 2026".
pub fn month_label(day: NaiveDate) -> String {
    format!("{} {}", MONTHS[day.month0() as usize], day.year())
}

/// One line of a day.
#[derive(Debug, Clone)]
pub struct Line {
    /// Event id (its page).
    pub id: String,
    /// "9 h 00 – 10 h 00", "Toute la journée".
    pub when: String,
    /// Title.
    pub title: String,
    /// Place.
    pub place: String,
    /// The agenda it comes from.
    pub origin: String,
    /// "Déplacé du mardi 15 décembre".
    pub note: String,
}

/// One day of the page.
#[derive(Debug, Clone)]
pub struct Day {
    /// "lundi 7 décembre".
    pub label: String,
    /// `2026-12-07` (anchor).
    pub iso: String,
    /// Today.
    pub today: bool,
    /// The holiday it falls in.
    pub holiday: Option<String>,
    /// Its events.
    pub lines: Vec<Line>,
    /// The pupils announced absent ("Léa Martin (CM2 A) : Maladie"), for staff who see them.
    pub absences: Vec<String>,
}

/// A mot d'absence as the days show it: first and last day, and its words.
#[derive(Debug, Clone)]
pub struct Absent {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// "Léa Martin (CM2 A) : Maladie".
    pub label: String,
}

fn hour(t: chrono::NaiveTime) -> String {
    format!("{} h {}", t.format("%-H"), t.format("%M"))
}

/// What a page of days shows.
#[derive(Clone, Copy)]
pub struct Content<'a> {
    /// The events' occurrences.
    pub shown: &'a [Shown],
    /// The holidays touching the days.
    pub holidays: &'a [Holiday],
    /// The absences the viewer sees.
    pub absences: &'a [Absent],
}

/// The days `from..=to` with their lines; `keep_empty`: days with nothing are kept (the week).
pub fn days(
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    content: &Content<'_>,
    keep_empty: bool,
) -> Vec<Day> {
    let Content {
        shown,
        holidays,
        absences,
    } = *content;
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        let holiday = holidays
            .iter()
            .find(|h| h.first_day <= day && holidays::last_or_august(h) >= day)
            .map(|h| h.description.clone());
        let lines: Vec<Line> = shown
            .iter()
            .filter(|s| s.occurrence.day <= day && s.occurrence.last_day >= day)
            .map(|s| Line {
                id: s.event.id.clone(),
                when: s.occurrence.hours.map_or_else(
                    || "Toute la journée".to_owned(),
                    |(a, b)| format!("{} – {}", hour(a), hour(b)),
                ),
                title: s.event.title.clone(),
                place: s.event.place.clone(),
                origin: s.origin.clone(),
                note: s
                    .occurrence
                    .moved_from
                    .map(|d| format!("Déplacé du {}", day_label(d)))
                    .unwrap_or_default(),
            })
            .collect();
        let absent: Vec<String> = absences
            .iter()
            .filter(|a| a.from <= day && a.to >= day)
            .map(|a| a.label.clone())
            .collect();
        if keep_empty || !lines.is_empty() || !absent.is_empty() || day == today {
            days.push(Day {
                label: day_label(day),
                iso: day.to_string(),
                today: day == today,
                holiday,
                lines,
                absences: absent,
            });
        }
        day += Duration::days(1);
    }
    days
}

/// "Vacances de Noël : du samedi 19 décembre au dimanche 3 janvier".
pub fn holiday_label(h: &Holiday) -> String {
    match h.last_day {
        Some(last) if last != h.first_day => format!(
            "{} : du {} au {}",
            h.description,
            day_label(h.first_day),
            day_label(last)
        ),
        Some(_) => format!("{} : le {}", h.description, day_label(h.first_day)),
        None => format!("{} : à partir du {}", h.description, day_label(h.first_day)),
    }
}
