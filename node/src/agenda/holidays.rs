//! School holidays of the node's zone, shown in every agenda: the 2025-2026 and 2026-2027
//! dates of zones A, B and C ship with the node (docs/…/calendrier-scolaire.md, from the
//! ministry's dataset); later years (and corrections) come from `ent-admin calendar import`,
//! whose rows replace the shipped ones of the same zone and school year.

use chrono::NaiveDate;
use sqlx::Row;

use crate::store::Db;

/// One holiday period: days off from `first_day` to `last_day`, both included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// Zone as the dataset spells it (`Zone A`).
    pub zone: String,
    /// `2026-2027`.
    pub school_year: String,
    /// `Vacances de Noël`.
    pub description: String,
    /// First day off.
    pub first_day: NaiveDate,
    /// Last day off; `None`: summer whose end is not published yet.
    pub last_day: Option<NaiveDate>,
}

/// `(school year, description, zones, first day off, last day off)`; `*` is every zone of
/// metropolitan France (A, B, C). The last day is the day before the reprise.
const SHIPPED: &[(&str, &str, &str, &str, &str)] = &[
    (
        "2025-2026",
        "Vacances de la Toussaint",
        "*",
        "2025-10-18",
        "2025-11-02",
    ),
    (
        "2025-2026",
        "Vacances de Noël",
        "*",
        "2025-12-20",
        "2026-01-04",
    ),
    (
        "2025-2026",
        "Vacances d'Hiver",
        "A",
        "2026-02-07",
        "2026-02-22",
    ),
    (
        "2025-2026",
        "Vacances d'Hiver",
        "B",
        "2026-02-14",
        "2026-03-01",
    ),
    (
        "2025-2026",
        "Vacances d'Hiver",
        "C",
        "2026-02-21",
        "2026-03-08",
    ),
    (
        "2025-2026",
        "Vacances de Printemps",
        "A",
        "2026-04-04",
        "2026-04-19",
    ),
    (
        "2025-2026",
        "Vacances de Printemps",
        "B",
        "2026-04-11",
        "2026-04-26",
    ),
    (
        "2025-2026",
        "Vacances de Printemps",
        "C",
        "2026-04-18",
        "2026-05-03",
    ),
    (
        "2025-2026",
        "Pont de l'Ascension",
        "*",
        "2026-05-14",
        "2026-05-17",
    ),
    (
        "2025-2026",
        "Vacances d'Été",
        "*",
        "2026-07-04",
        "2026-08-31",
    ),
    (
        "2026-2027",
        "Vacances de la Toussaint",
        "*",
        "2026-10-17",
        "2026-11-01",
    ),
    (
        "2026-2027",
        "Vacances de Noël",
        "*",
        "2026-12-19",
        "2027-01-03",
    ),
    (
        "2026-2027",
        "Vacances d'Hiver",
        "A",
        "2027-02-13",
        "2027-02-28",
    ),
    (
        "2026-2027",
        "Vacances d'Hiver",
        "B",
        "2027-02-20",
        "2027-03-07",
    ),
    (
        "2026-2027",
        "Vacances d'Hiver",
        "C",
        "2027-02-06",
        "2027-02-21",
    ),
    (
        "2026-2027",
        "Vacances de Printemps",
        "A",
        "2027-04-10",
        "2027-04-25",
    ),
    (
        "2026-2027",
        "Vacances de Printemps",
        "B",
        "2027-04-17",
        "2027-05-02",
    ),
    (
        "2026-2027",
        "Vacances de Printemps",
        "C",
        "2027-04-03",
        "2027-04-18",
    ),
    (
        "2026-2027",
        "Pont de l'Ascension",
        "*",
        "2027-05-06",
        "2027-05-09",
    ),
    // The summer's end (rentrée 2027) was not published when these dates were shipped.
    (
        "2026-2027",
        "Début des Vacances d'Été",
        "*",
        "2027-07-03",
        "",
    ),
];

fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The shipped periods of `zone` (none outside zones A, B and C).
pub fn shipped(zone: &str) -> Vec<Holiday> {
    let Some(letter) = zone.strip_prefix("Zone ") else {
        return Vec::new();
    };
    SHIPPED
        .iter()
        .filter(|(_, _, zones, _, _)| *zones == "*" || *zones == letter)
        .filter_map(|(year, description, _, first, last)| {
            Some(Holiday {
                zone: zone.to_owned(),
                school_year: (*year).to_owned(),
                description: (*description).to_owned(),
                first_day: day(first)?,
                last_day: day(last),
            })
        })
        .collect()
}

/// Every period of `zone`: the imported ones, and the shipped ones of school years not
/// imported; sorted by first day.
pub async fn of_zone(db: &Db, zone: &str) -> sqlx::Result<Vec<Holiday>> {
    let rows = sqlx::query(
        "SELECT school_year, description, first_day, last_day FROM school_holidays WHERE zone = $1",
    )
    .bind(zone)
    .fetch_all(db.pool())
    .await?;
    let mut found: Vec<Holiday> = rows
        .iter()
        .filter_map(|r| {
            Some(Holiday {
                zone: zone.to_owned(),
                school_year: r.get(0),
                description: r.get(1),
                first_day: day(&r.get::<String, _>(2))?,
                last_day: r.get::<Option<String>, _>(3).as_deref().and_then(day),
            })
        })
        .collect();
    let imported: Vec<String> = found.iter().map(|h| h.school_year.clone()).collect();
    found.extend(
        shipped(zone)
            .into_iter()
            .filter(|h| !imported.contains(&h.school_year)),
    );
    found.sort_by_key(|h| h.first_day);
    Ok(found)
}

/// The periods of the node's zone (`[agenda] zone`; none when unset).
pub async fn of_node(state: &crate::state::AppState) -> sqlx::Result<Vec<Holiday>> {
    match state.config.agenda.zone() {
        Some(zone) => of_zone(&state.db, zone).await,
        None => Ok(Vec::new()),
    }
}

/// The periods touching `from..=to`. An open summer ends, at the latest, with August.
pub fn touching(holidays: &[Holiday], from: NaiveDate, to: NaiveDate) -> Vec<Holiday> {
    holidays
        .iter()
        .filter(|h| h.first_day <= to && last_or_august(h) >= from)
        .cloned()
        .collect()
}

/// The last day off, or the 31 August following an open summer.
pub fn last_or_august(holiday: &Holiday) -> NaiveDate {
    use chrono::Datelike;
    holiday.last_day.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(holiday.first_day.year(), 8, 31).unwrap_or(holiday.first_day)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_winter_and_spring_differ_by_zone() {
        let (a, c) = (shipped("Zone A"), shipped("Zone C"));
        assert_eq!(a.len(), 12);
        assert_eq!(c.len(), 12);
        let winter = |h: &[Holiday], year: &str| {
            h.iter()
                .find(|x| x.description == "Vacances d'Hiver" && x.school_year == year)
                .unwrap()
                .first_day
        };
        assert_eq!(winter(&a, "2026-2027"), day("2027-02-13").unwrap());
        assert_eq!(winter(&c, "2026-2027"), day("2027-02-06").unwrap());
        assert!(shipped("Corse").is_empty());
        let summer = a.last().unwrap();
        assert_eq!(summer.last_day, None);
        assert_eq!(last_or_august(summer), day("2027-08-31").unwrap());
        let december = touching(&a, day("2026-12-21").unwrap(), day("2026-12-27").unwrap());
        assert_eq!(december.len(), 1);
        assert_eq!(december[0].description, "Vacances de Noël");
    }
}
