//! What an event is and which days it falls on: a single event or a weekly series with its
//! exceptions (an occurrence cancelled or moved), expanded over a range of days. Pure, so that
//! the week and month views, the feed and the tests read the same occurrences.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};

/// Where an event belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A school's agenda.
    School,
    /// A class's agenda.
    Class,
    /// A group's agenda.
    Group,
    /// One person's own.
    Personal,
}

impl Scope {
    /// The word kept in rows and forms.
    pub fn code(self) -> &'static str {
        match self {
            Self::School => "ecole",
            Self::Class => "classe",
            Self::Group => "groupe",
            Self::Personal => "personnel",
        }
    }

    /// Reads a row's or form's word.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::School, Self::Class, Self::Group, Self::Personal]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// Whether families (pupils, parents) are among those it concerns.
    pub fn reaches_families(self) -> bool {
        self != Self::Personal
    }
}

/// One event as stored.
#[derive(Debug, Clone)]
pub struct Event {
    /// Id.
    pub id: String,
    /// Where it belongs.
    pub scope: Scope,
    /// The school, class, group or owner it belongs to.
    pub target_id: String,
    /// Its school (none for a personal event).
    pub school_id: Option<String>,
    /// Who wrote it.
    pub author_id: String,
    /// Title.
    pub title: String,
    /// Place.
    pub place: String,
    /// Description.
    pub description: String,
    /// All day (no hours).
    pub all_day: bool,
    /// First day.
    pub start_day: NaiveDate,
    /// Last day (all-day events may span several days; timed ones end the same day).
    pub end_day: NaiveDate,
    /// Start and end hours of a timed event.
    pub hours: Option<(NaiveTime, NaiveTime)>,
    /// Last day of a weekly series.
    pub weekly_until: Option<NaiveDate>,
    /// Families see it from then.
    pub families_from: i64,
    /// iCalendar UID.
    pub uid: String,
    /// Last change.
    pub updated_at: i64,
    /// Cancelled or moved occurrences of a series.
    pub exceptions: Vec<Exception>,
}

/// An occurrence of a series (named by its original day) cancelled or moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The occurrence's original day.
    pub day: NaiveDate,
    /// Its new day and hours; `None`: cancelled.
    pub moved_to: Option<(NaiveDate, Option<(NaiveTime, NaiveTime)>)>,
}

/// One day an event falls on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// First day of this occurrence.
    pub day: NaiveDate,
    /// Last day.
    pub last_day: NaiveDate,
    /// Its hours (timed events).
    pub hours: Option<(NaiveTime, NaiveTime)>,
    /// The original day when the occurrence was moved.
    pub moved_from: Option<NaiveDate>,
}

impl Event {
    /// The days of every original occurrence (one for a single event; each week up to
    /// `weekly_until` for a series), cancelled and moved ones included.
    pub fn original_days(&self) -> Vec<NaiveDate> {
        let mut days = vec![self.start_day];
        if let Some(until) = self.weekly_until {
            let mut day = self.start_day + Duration::days(7);
            // At most two school years of weeks: a series is a school habit, not forever.
            while day <= until && days.len() < 110 {
                days.push(day);
                day += Duration::days(7);
            }
        }
        days
    }

    /// Its occurrences touching `from..=to`, in order, exceptions applied.
    pub fn occurrences(&self, from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
        let span = self.end_day - self.start_day;
        let mut found = Vec::new();
        for day in self.original_days() {
            let exception = self.exceptions.iter().find(|e| e.day == day);
            let occurrence = match exception {
                Some(Exception { moved_to: None, .. }) => continue,
                Some(Exception {
                    moved_to: Some((new_day, hours)),
                    ..
                }) => Occurrence {
                    day: *new_day,
                    last_day: *new_day + span,
                    hours: hours.or(self.hours),
                    moved_from: Some(day),
                },
                None => Occurrence {
                    day,
                    last_day: day + span,
                    hours: self.hours,
                    moved_from: None,
                },
            };
            if occurrence.day <= to && occurrence.last_day >= from {
                found.push(occurrence);
            }
        }
        found.sort_by_key(|o| (o.day, o.hours.map(|h| h.0)));
        found
    }
}

/// The Monday of `day`'s week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The first and last days of `day`'s month.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    (first, next.map_or(first, |n| n - Duration::days(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn series() -> Event {
        let hm = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").unwrap();
        Event {
            id: "e".into(),
            scope: Scope::Class,
            target_id: "c".into(),
            school_id: None,
            author_id: "a".into(),
            title: "Piscine".into(),
            place: String::new(),
            description: String::new(),
            all_day: false,
            start_day: date("2026-12-01"),
            end_day: date("2026-12-01"),
            hours: Some((hm("09:00"), hm("10:00"))),
            weekly_until: Some(date("2026-12-29")),
            families_from: 0,
            uid: "u".into(),
            updated_at: 0,
            exceptions: vec![
                Exception {
                    day: date("2026-12-08"),
                    moved_to: None,
                },
                Exception {
                    day: date("2026-12-15"),
                    moved_to: Some((date("2026-12-17"), Some((hm("14:00"), hm("15:00"))))),
                },
            ],
        }
    }

    #[test]
    fn a_series_skips_cancelled_and_moves_moved_occurrences() {
        let event = series();
        assert_eq!(event.original_days().len(), 5);
        let days: Vec<_> = event
            .occurrences(date("2026-12-01"), date("2026-12-31"))
            .into_iter()
            .map(|o| o.day)
            .collect();
        assert_eq!(
            days,
            [
                date("2026-12-01"),
                date("2026-12-17"),
                date("2026-12-22"),
                date("2026-12-29")
            ]
        );
        let week = event.occurrences(date("2026-12-14"), date("2026-12-20"));
        assert_eq!(week.len(), 1);
        assert_eq!(week[0].moved_from, Some(date("2026-12-15")));
        assert!(
            event
                .occurrences(date("2026-12-07"), date("2026-12-13"))
                .is_empty()
        );
    }

    #[test]
    fn weeks_start_on_monday_and_months_end_on_their_last_day() {
        assert_eq!(monday_of(date("2026-12-06")), date("2026-11-30"));
        assert_eq!(
            month_of(date("2026-12-15")),
            (date("2026-12-01"), date("2026-12-31"))
        );
        assert_eq!(month_of(date("2027-02-03")).1, date("2027-02-28"));
        assert_eq!(Scope::parse("classe"), Some(Scope::Class));
        assert_eq!(Scope::parse("autre"), None);
    }
}
