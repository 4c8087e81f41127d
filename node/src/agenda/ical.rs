//! iCalendar (RFC 5545) through the `icalendar` crate: writing an agenda (the private feed, a
//! class's `.ics`) with weekly series as RRULE, cancelled occurrences as EXDATE and moved ones
//! as RECURRENCE-ID overrides; reading a `.ics` file into events of a school's agenda.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, EventLike, Property};

use super::holidays::{self, Holiday};
use super::model::{Event, Exception};

/// The time zone definition that `TZID=Europe/Paris` refers to (RFC 5545 §3.6.5: a TZID
/// needs its VTIMEZONE), the EU rules since 1996.
const PARIS: &str = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";

/// How local times are written: with `TZID=Europe/Paris` (and its VTIMEZONE) in Paris; in UTC
/// elsewhere (overseas zones keep no summer time, so a weekly hour stays right).
struct Times {
    tz: Tz,
}

impl Times {
    fn paris(&self) -> bool {
        self.tz == chrono_tz::Europe::Paris
    }

    fn at(&self, day: NaiveDate, time: NaiveTime) -> CalendarDateTime {
        let local = day.and_time(time);
        if self.paris() {
            CalendarDateTime::WithTimezone {
                date_time: local,
                tzid: self.tz.name().to_owned(),
            }
        } else {
            CalendarDateTime::Utc(self.utc(local))
        }
    }

    fn utc(&self, local: NaiveDateTime) -> chrono::DateTime<Utc> {
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
    }

    /// A property naming one occurrence (EXDATE, RECURRENCE-ID) in the form of DTSTART.
    fn occurrence(&self, key: &str, day: NaiveDate, start: Option<NaiveTime>) -> Property {
        match start {
            None => DatePerhapsTime::Date(day).to_property(key),
            Some(time) => DatePerhapsTime::DateTime(self.at(day, time)).to_property(key),
        }
    }
}

/// An agenda as an iCalendar text: its events and the zone's holidays.
pub fn write(name: &str, events: &[Event], holidays: &[Holiday], tz: Tz, domain: &str) -> String {
    let times = Times { tz };
    let mut calendar = Calendar::new();
    calendar.name(name);
    if times.paris()
        && let Ok(zone) = PARIS.parse::<Calendar>()
    {
        calendar.components.extend(zone.components);
    }
    for event in events {
        for component in components(&times, event, domain) {
            calendar.push(component);
        }
    }
    for h in holidays {
        let mut v = icalendar::Event::with_uid(&format!(
            "vacances-{}-{}@{domain}",
            h.zone.replace(' ', "-"),
            h.first_day
        ));
        v.summary(&h.description)
            .starts(h.first_day)
            .ends(holidays::last_or_august(h) + Duration::days(1))
            .add_property("TRANSP", "TRANSPARENT");
        calendar.push(v);
    }
    calendar.done().to_string()
}

/// The VEVENT of an event, and one more per moved occurrence.
fn components(times: &Times, e: &Event, domain: &str) -> Vec<icalendar::Event> {
    let uid = if e.uid.contains('@') {
        e.uid.clone()
    } else {
        format!("{}@{domain}", e.uid)
    };
    let base = |day: NaiveDate, hours: Option<(NaiveTime, NaiveTime)>| {
        let mut v = icalendar::Event::with_uid(&uid);
        v.summary(&e.title).last_modified(
            Utc.timestamp_opt(e.updated_at, 0)
                .single()
                .unwrap_or_default(),
        );
        if !e.place.is_empty() {
            v.location(&e.place);
        }
        if !e.description.is_empty() {
            v.description(&e.description);
        }
        match hours {
            Some((start, end)) => v.starts(times.at(day, start)).ends(times.at(day, end)),
            None => v
                .starts(day)
                .ends(day + (e.end_day - e.start_day) + Duration::days(1)),
        };
        v
    };
    let start_time = e.hours.map(|h| h.0);
    let mut main = base(e.start_day, e.hours);
    if let Some(until) = e.weekly_until {
        // UNTIL takes DTSTART's form: a date, or a UTC time (RFC 5545 §3.3.10).
        let until = match start_time {
            None => until.format("%Y%m%d").to_string(),
            Some(time) => times
                .utc(until.and_time(time))
                .format("%Y%m%dT%H%M%SZ")
                .to_string(),
        };
        main.add_property("RRULE", format!("FREQ=WEEKLY;UNTIL={until}"));
        // Cancelled occurrences are excluded; moved ones are overridden below.
        for x in e.exceptions.iter().filter(|x| x.moved_to.is_none()) {
            main.append_multi_property(times.occurrence("EXDATE", x.day, start_time));
        }
    }
    let mut all = vec![main];
    for x in &e.exceptions {
        if let Exception {
            day,
            moved_to: Some((new_day, hours)),
        } = x
        {
            let mut moved = base(*new_day, hours.or(e.hours));
            moved.append_property(times.occurrence("RECURRENCE-ID", *day, start_time));
            all.push(moved);
        }
    }
    all.into_iter().map(|mut v| v.done()).collect()
}

/// An event read from a `.ics` file (its agenda and author are the importer's).
#[derive(Debug, Clone)]
pub struct Imported {
    /// UID (importing the same file again updates the same events).
    pub uid: String,
    /// SUMMARY.
    pub title: String,
    /// LOCATION.
    pub place: String,
    /// DESCRIPTION.
    pub description: String,
    /// First and last day.
    pub days: (NaiveDate, NaiveDate),
    /// Hours of a timed event.
    pub hours: Option<(NaiveTime, NaiveTime)>,
    /// Last day of a weekly series.
    pub weekly_until: Option<NaiveDate>,
    /// Occurrences excluded (EXDATE).
    pub cancelled: Vec<NaiveDate>,
}

/// Reads a `.ics` file's events; every event that cannot be taken is told, in French.
pub fn read(text: &str, tz: Tz) -> Result<Vec<Imported>, Vec<String>> {
    let calendar: Calendar = text.trim_start_matches('\u{feff}').parse().map_err(|_| {
        vec!["Ce fichier n'est pas un fichier iCalendar (.ics) lisible.".to_owned()]
    })?;
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    let local = |value: &DatePerhapsTime| -> (NaiveDate, Option<NaiveTime>) {
        match value {
            DatePerhapsTime::Date(day) => (*day, None),
            DatePerhapsTime::DateTime(at) => {
                let naive = match at {
                    CalendarDateTime::Floating(n) => *n,
                    CalendarDateTime::Utc(t) => t.with_timezone(&tz).naive_local(),
                    CalendarDateTime::WithTimezone { date_time, tzid } => tzid
                        .parse::<Tz>()
                        .ok()
                        .and_then(|from| from.from_local_datetime(date_time).earliest())
                        .map_or(*date_time, |t| t.with_timezone(&tz).naive_local()),
                };
                (naive.date(), Some(naive.time()))
            }
        }
    };
    for (index, event) in calendar.events().enumerate() {
        let title = event.get_summary().unwrap_or("").trim().to_owned();
        let name = format!("événement {} (« {title} »)", index + 1);
        if event.get_recurrence_id().is_some() {
            errors.push(format!("{name} : occurrence modifiée d'une série : non prise en charge, supprimez-la du fichier"));
            continue;
        }
        let Some(start) = event.get_start() else {
            errors.push(format!("{name} : date de début (DTSTART) absente"));
            continue;
        };
        if title.is_empty() {
            errors.push(format!("événement {} : titre (SUMMARY) absent", index + 1));
            continue;
        }
        let (first, start_time) = local(&start);
        let (end_day, end_time) = event.get_end().map_or((first, start_time), |e| local(&e));
        let (last, hours) = match (start_time, end_time) {
            (Some(s), Some(e)) if end_day == first && e > s => (first, Some((s, e))),
            (Some(s), _) => (
                first,
                Some((
                    s,
                    (s + Duration::hours(1)).min(NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(s)),
                )),
            ),
            // An all-day DTEND is the day after the last one.
            (None, _) => (
                if end_day > first {
                    end_day - Duration::days(1)
                } else {
                    first
                },
                None,
            ),
        };
        let weekly_until = match event.property_value("RRULE") {
            None => None,
            Some(rule) => match weekly_until(rule, first, tz) {
                Some(until) => Some(until),
                None => {
                    errors.push(format!("{name} : répétition « {rule} » non prise en charge (seules les répétitions chaque semaine, avec une fin UNTIL ou COUNT, le sont)"));
                    continue;
                }
            },
        };
        let cancelled = event
            .multi_properties()
            .get("EXDATE")
            .into_iter()
            .flatten()
            .filter_map(DatePerhapsTime::from_property)
            .map(|d| local(&d).0)
            .collect();
        found.push(Imported {
            uid: event
                .get_uid()
                .map_or_else(|| format!("{title}-{first}"), str::to_owned),
            title,
            place: event.get_location().unwrap_or("").to_owned(),
            description: event.get_description().unwrap_or("").to_owned(),
            days: (first, last),
            hours,
            weekly_until,
            cancelled,
        });
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// The last day of a weekly RRULE (`FREQ=WEEKLY` with `UNTIL` or `COUNT`, every week).
fn weekly_until(rule: &str, first: NaiveDate, tz: Tz) -> Option<NaiveDate> {
    let parts: Vec<(&str, &str)> = rule.split(';').filter_map(|p| p.split_once('=')).collect();
    let get = |key: &str| {
        parts
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    };
    if get("FREQ") != Some("WEEKLY")
        || get("INTERVAL").is_some_and(|i| i != "1")
        || get("BYDAY").is_some_and(|d| d.contains(','))
    {
        return None;
    }
    if let Some(count) = get("COUNT") {
        let count: i64 = count.parse().ok().filter(|c| (1..=110).contains(c))?;
        return Some(first + Duration::weeks(count - 1));
    }
    let until = get("UNTIL")?;
    let day = NaiveDate::parse_from_str(until.get(..8)?, "%Y%m%d").ok()?;
    Some(
        match until
            .strip_suffix('Z')
            .and_then(|u| NaiveDateTime::parse_from_str(u, "%Y%m%dT%H%M%S").ok())
        {
            Some(utc) => Utc.from_utc_datetime(&utc).with_timezone(&tz).date_naive(),
            None => day,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_rules_are_read_and_others_refused() {
        let tz = chrono_tz::Europe::Paris;
        let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            weekly_until("FREQ=WEEKLY;COUNT=3", first, tz),
            NaiveDate::from_ymd_opt(2026, 12, 15)
        );
        assert_eq!(
            weekly_until("FREQ=WEEKLY;UNTIL=20261215T225959Z", first, tz),
            NaiveDate::from_ymd_opt(2026, 12, 15)
        );
        assert_eq!(weekly_until("FREQ=DAILY;COUNT=3", first, tz), None);
        assert_eq!(weekly_until("FREQ=WEEKLY", first, tz), None);
    }
}
