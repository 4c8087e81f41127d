//! Reading the ministry's dataset `fr-en-calendrier-scolaire` (CSV export or a zone's ICS) into
//! holiday periods, and storing them (`ent-admin calendar import`). The dataset's traps
//! (calendrier-scolaire.md §5.2): columns in any order, timestamps in UTC to be read as Paris
//! dates, one row per académie, teachers' rows, a summer with no end.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Europe::Paris;

use super::holidays::Holiday;
use crate::store::Db;

/// What an import found or did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Zones and school years concerned (`Zone A 2027-2028`).
    pub years: Vec<String>,
    /// Periods new to the node.
    pub added: usize,
    /// Periods already there, unchanged.
    pub unchanged: usize,
    /// Periods the node had for those years that the file no longer has (removed).
    pub removed: usize,
}

/// Reads a file's text (CSV or ICS, told apart by its first line) into periods; every
/// unreadable line is told, in French, with its number.
pub fn parse(text: &str) -> Result<Vec<Holiday>, Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with("BEGIN:VCALENDAR") {
        parse_ics(text)
    } else {
        parse_csv(text)
    }
}

/// A dataset timestamp (`2026-10-16T22:00:00+00:00`, or a plain date) as a Paris date.
fn paris_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Paris).date_naive());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y%m%d"))
        .ok()
}

/// The school year (`2026-2027`) a day belongs to (September to August).
fn school_year_of(day: NaiveDate) -> String {
    let start = if day.month() >= 9 {
        day.year()
    } else {
        day.year() - 1
    };
    format!("{start}-{}", start + 1)
}

/// A period from the dataset's start (départ) and end (reprise) days.
fn period(
    zone: &str,
    year: String,
    description: &str,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Holiday {
    let open = description.starts_with("Début des Vacances d'Été");
    let last_day = match end {
        _ if open => None,
        Some(end) if end > start => Some(end - Duration::days(1)),
        _ => Some(start),
    };
    Holiday {
        zone: zone.trim().to_owned(),
        school_year: year,
        description: description.trim().to_owned(),
        first_day: start,
        last_day,
    }
}

fn parse_csv(text: &str) -> Result<Vec<Holiday>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| vec!["ligne 1 : en-tête illisible".to_owned()])?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let needed = [
        "description",
        "start_date",
        "end_date",
        "zones",
        "annee_scolaire",
    ];
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| column(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "ligne 1 : colonne(s) manquante(s) : {} (un export CSV du jeu « fr-en-calendrier-scolaire » séparé par des points-virgules est attendu)",
            missing.join(", ")
        )]);
    }
    let at = |name| column(name).unwrap_or(0);
    let population = column("population");
    let (mut found, mut errors, mut seen) = (Vec::new(), Vec::new(), BTreeSet::new());
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let Ok(record) = record else {
            errors.push(format!("ligne {line} : ligne illisible"));
            continue;
        };
        let field = |name| record.get(at(name)).unwrap_or("").trim();
        if population.and_then(|p| record.get(p)).map(str::trim) == Some("Enseignants") {
            continue;
        }
        let zone = field("zones");
        if !ent_config::ZONES.contains(&zone) {
            errors.push(format!("ligne {line} : zone inconnue « {zone} »"));
            continue;
        }
        let Some(start) = paris_day(field("start_date")) else {
            errors.push(format!(
                "ligne {line} : date de début illisible « {} »",
                field("start_date")
            ));
            continue;
        };
        let end = match field("end_date") {
            "" => None,
            text => match paris_day(text) {
                Some(day) => Some(day),
                None => {
                    errors.push(format!("ligne {line} : date de fin illisible « {text} »"));
                    continue;
                }
            },
        };
        let year = field("annee_scolaire");
        if year.len() != 9 || year.as_bytes().get(4) != Some(&b'-') {
            errors.push(format!(
                "ligne {line} : année scolaire illisible « {year} » (AAAA-AAAA attendu)"
            ));
            continue;
        }
        let holiday = period(zone, year.to_owned(), field("description"), start, end);
        // One row per académie: the same period comes many times.
        let key = (
            holiday.zone.clone(),
            holiday.description.clone(),
            holiday.first_day,
            holiday.last_day,
        );
        if seen.insert(key) {
            found.push(holiday);
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

fn parse_ics(text: &str) -> Result<Vec<Holiday>, Vec<String>> {
    use icalendar::{Component, EventLike};
    let calendar: icalendar::Calendar = text
        .parse()
        .map_err(|e| vec![format!("fichier iCalendar illisible : {e}")])?;
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    for (index, event) in calendar.events().enumerate() {
        let number = index + 1;
        let summary = event.get_summary().unwrap_or("").trim();
        // "Vacances de Noël - Zone A": the zone ends the summary in the ministry's files.
        let zone = ent_config::ZONES
            .iter()
            .find(|z| summary.ends_with(*z) || event.get_location() == Some(**z));
        let Some(zone) = zone else {
            errors.push(format!(
                "événement {number} (« {summary} ») : zone introuvable (le résumé doit finir par « Zone A », « Zone B »…)"
            ));
            continue;
        };
        let description = summary
            .strip_suffix(zone)
            .unwrap_or(summary)
            .trim_end_matches([' ', '-'])
            .to_owned();
        let Some(start) = event.get_start().map(|s| ics_day(&s)) else {
            errors.push(format!(
                "événement {number} (« {summary} ») : date de début absente"
            ));
            continue;
        };
        let end = event.get_end().map(|e| ics_day(&e));
        found.push(period(
            zone,
            school_year_of(start),
            &description,
            start,
            end,
        ));
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

fn ics_day(value: &icalendar::DatePerhapsTime) -> NaiveDate {
    match value {
        icalendar::DatePerhapsTime::Date(day) => *day,
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(at)) => {
            at.with_timezone(&Paris).date_naive()
        }
        icalendar::DatePerhapsTime::DateTime(_) => value.date_naive(),
    }
}

/// Stores the periods: each (zone, school year) of the file replaces what the node had for
/// it, in one transaction; `dry_run` only counts.
pub async fn apply(db: &Db, holidays: &[Holiday], now: i64, dry_run: bool) -> sqlx::Result<Report> {
    let mut report = Report::default();
    let years: BTreeSet<(String, String)> = holidays
        .iter()
        .map(|h| (h.zone.clone(), h.school_year.clone()))
        .collect();
    let mut tx = db.begin_write().await?;
    for (zone, year) in &years {
        report.years.push(format!("{zone} {year}"));
        let existing: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT description, first_day, last_day FROM school_holidays WHERE zone = $1 AND school_year = $2",
        )
        .bind(zone)
        .bind(year)
        .fetch_all(&mut *tx)
        .await?;
        let wanted: Vec<(String, String, Option<String>)> = holidays
            .iter()
            .filter(|h| &h.zone == zone && &h.school_year == year)
            .map(|h| {
                (
                    h.description.clone(),
                    h.first_day.to_string(),
                    h.last_day.map(|d| d.to_string()),
                )
            })
            .collect();
        report.unchanged += wanted.iter().filter(|w| existing.contains(w)).count();
        report.added += wanted.iter().filter(|w| !existing.contains(w)).count();
        report.removed += existing.iter().filter(|e| !wanted.contains(e)).count();
        sqlx::query("DELETE FROM school_holidays WHERE zone = $1 AND school_year = $2")
            .bind(zone)
            .bind(year)
            .execute(&mut *tx)
            .await?;
        for (description, first, last) in &wanted {
            sqlx::query(
                "INSERT INTO school_holidays (zone, school_year, description, first_day, last_day, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(zone)
            .bind(year)
            .bind(description)
            .bind(first)
            .bind(last)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_read_by_header_in_paris_dates_once_per_period() {
        let csv = "description;start_date;end_date;location;zones;annee_scolaire;population\n\
            Vacances de la Toussaint;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Lyon;Zone A;2026-2027;-\n\
            Vacances de la Toussaint;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Dijon;Zone A;2026-2027;-\n\
            Vacances d'Été;2027-07-02T22:00:00+00:00;2027-08-23T22:00:00+00:00;Lyon;Zone A;2026-2027;Enseignants\n\
            Pont de l'Ascension;2027-05-07T00:00:00+02:00;2027-05-07T00:00:00+02:00;Lyon;Zone A;2026-2027;-\n\
            Début des Vacances d'Été;2027-07-02T22:00:00+00:00;2027-07-02T22:00:00+00:00;Lyon;Zone A;2026-2027;-\n";
        let found = parse(csv).unwrap();
        assert_eq!(found.len(), 3);
        let day = |t| NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
        assert_eq!(found[0].first_day, day("2026-10-17"));
        assert_eq!(found[0].last_day, Some(day("2026-11-01")));
        assert_eq!(found[1].last_day, Some(day("2027-05-07")));
        assert_eq!(found[2].last_day, None);
    }

    #[test]
    fn bad_lines_are_told_with_their_number() {
        let csv = "description;population;start_date;end_date;location;zones;annee_scolaire\n\
            Vacances de Noël;-;hier;2027-01-04;Paris;Zone C;2026-2027\n\
            Vacances de Noël;-;2026-12-19;2027-01-04;Paris;Zone Z;2026-2027\n";
        let errors = parse(csv).unwrap_err();
        assert_eq!(
            errors,
            [
                "ligne 2 : date de début illisible « hier »",
                "ligne 3 : zone inconnue « Zone Z »"
            ]
        );
        assert!(parse("a;b\n1;2\n").unwrap_err()[0].contains("colonne(s) manquante(s)"));
    }
}
