//! The cahier de textes pages: the viewer's home (a teacher's week, a pupil's "À faire", each
//! child's list for a parent, the school's classes for its director or inspector), a class's
//! cahier, one entry.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::agenda::view::day_label;
use crate::classes::store::ClassRow;
use crate::domain::{Profile, SchoolYear};
use crate::error::{AppError, AppResult};
use crate::policy::homework::HomeworkUse;
use crate::policy::{Action, allows};
use crate::state::AppState;
use crate::web::flash::Flash;
use crate::web::{Page, render};

use super::service::{self, Writable};
use super::store::{self, Entry};

/// `?semaine=2026-12-07`: any day of the week shown.
#[derive(Debug, Deserialize, Default)]
pub struct WeekQuery {
    /// A day of the week.
    #[serde(default)]
    pub semaine: String,
}

/// A week: its Monday, and its days in words.
#[derive(Debug, Clone)]
pub struct Week {
    /// Monday.
    pub monday: NaiveDate,
    /// "Semaine du lundi 7 décembre".
    pub label: String,
    /// `?semaine=` of the week before.
    pub previous: String,
    /// `?semaine=` of the week after.
    pub next: String,
}

impl Week {
    /// The week of `semaine`, else of today.
    pub fn of(query: &WeekQuery, today: NaiveDate) -> Self {
        let day = NaiveDate::parse_from_str(&query.semaine, "%Y-%m-%d").unwrap_or(today);
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        Self {
            monday,
            label: format!("Semaine du {}", day_label(monday)),
            previous: (monday - Duration::days(7)).format("%Y-%m-%d").to_string(),
            next: (monday + Duration::days(7)).format("%Y-%m-%d").to_string(),
        }
    }

    /// `(from, to)` as stored (Monday to Sunday).
    pub fn bounds(&self) -> (String, String) {
        let f = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        (f(self.monday), f(self.monday + Duration::days(6)))
    }
}

/// Entries grouped by day, in words.
pub struct Day {
    /// "mardi 8 décembre" ("demain", "aujourd'hui").
    pub label: String,
    /// Its entries, each with whether it is ticked "fait".
    pub entries: Vec<(Entry, bool)>,
}

/// Groups entries (sorted by day) by day; `today` names today and tomorrow.
pub fn by_day(entries: Vec<(Entry, bool)>, today: NaiveDate) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    let mut current = String::new();
    for (entry, done) in entries {
        if entry.day != current {
            current = entry.day.clone();
            let date = NaiveDate::parse_from_str(&entry.day, "%Y-%m-%d").unwrap_or(today);
            let label = match (date - today).num_days() {
                0 => format!("Aujourd'hui, {}", day_label(date)),
                1 => format!("Demain, {}", day_label(date)),
                _ => day_label(date),
            };
            days.push(Day {
                label,
                entries: Vec::new(),
            });
        }
        if let Some(day) = days.last_mut() {
            day.entries.push((entry, done));
        }
    }
    days
}

/// "À faire" from tomorrow on, soonest first, then what was due today.
fn tomorrow_first(list: Vec<(Entry, bool)>, today: NaiveDate) -> Vec<Day> {
    let today_text = today.format("%Y-%m-%d").to_string();
    let (now, later): (Vec<_>, Vec<_>) = list.into_iter().partition(|(e, _)| e.day == today_text);
    let mut days = by_day(later, today);
    days.extend(by_day(now, today));
    days
}

/// One child's list, as their parent reads it.
pub struct ChildList {
    /// First name.
    pub name: String,
    /// Their work by day.
    pub days: Vec<Day>,
}

#[derive(Template)]
#[template(path = "homework/home.html")]
struct HomePage<'a> {
    page: Page<'a>,
    flash: Option<&'static str>,
    week: Week,
    teaches: Vec<Writable>,
    week_days: Vec<Day>,
    pupil: Option<Vec<Day>>,
    children: Vec<ChildList>,
    school_classes: Vec<ClassRow>,
    now: i64,
}

/// `GET /cahier-de-textes`.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<WeekQuery>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    crate::policy::require(&viewer, Action::OpenHomework)?;
    let now = state.clock.now();
    let today = service::today(&state);
    let today_text = today.format("%Y-%m-%d").to_string();
    let week = Week::of(&query, today);
    let teaches = service::writable(&state, &viewer).await?;
    let week_days = if teaches.is_empty() {
        Vec::new()
    } else {
        let (from, to) = week.bounds();
        let list = store::of_teacher(&state.db, viewer.id(), &from, &to).await?;
        by_day(list.into_iter().map(|e| (e, false)).collect(), today)
    };
    let pupil = if viewer.has_profile(Profile::Pupil) {
        let list = store::to_do(&state.db, viewer.id(), &today_text, now).await?;
        Some(tomorrow_first(list, today))
    } else {
        None
    };
    let mut children = Vec::new();
    if viewer.has_profile(Profile::Parent) {
        for child in crate::users::store::children(&state.db, viewer.id()).await? {
            let list = store::to_do(&state.db, &child.id, &today_text, now).await?;
            children.push(ChildList {
                name: child.first_name.clone(),
                days: tomorrow_first(list, today),
            });
        }
    }
    let year = SchoolYear::containing(state.clock.today()).0;
    let mut school_classes = Vec::new();
    for m in &viewer.memberships {
        if allows(
            &viewer,
            Action::ReadSchoolHomework {
                school_id: &m.school_id,
            },
        ) {
            school_classes
                .extend(crate::classes::store::of_school(&state.db, &m.school_id, year).await?);
        }
    }
    let page = viewer.page("Cahier de textes", &state.config.node.name);
    let flash = flash.message(page.simple);
    Ok(render(&HomePage {
        page,
        flash,
        week,
        teaches,
        week_days,
        pupil,
        children,
        school_classes,
        now,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "homework/class.html")]
struct ClassPage<'a> {
    page: Page<'a>,
    class: ClassRow,
    week: Week,
    days: Vec<Day>,
    writes: bool,
    now: i64,
}

/// `GET /cahier-de-textes/classes/{id}`: a class's séances and work of a week, for who reads
/// it (planned entries only for its teachers).
pub async fn class(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<WeekQuery>,
) -> AppResult<Response> {
    let class = crate::classes::store::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = crate::classes::store::facts(&state.db, &class, &viewer).await?;
    if !allows(&viewer, Action::Homework(&facts, HomeworkUse::Read)) {
        return Err(AppError::Forbidden);
    }
    let writes = allows(&viewer, Action::Homework(&facts, HomeworkUse::Write));
    let today = service::today(&state);
    let week = Week::of(&query, today);
    let (from, to) = week.bounds();
    let visible_by = (!writes).then(|| state.clock.now());
    let list = store::of_class(&state.db, &id, &from, &to, visible_by).await?;
    let days = by_day(list.into_iter().map(|e| (e, false)).collect(), today);
    let title = format!("Cahier de textes · {}", class.name);
    let page = viewer.page(&title, &state.config.node.name);
    Ok(render(&ClassPage {
        page,
        class,
        week,
        days,
        writes,
        now: state.clock.now(),
    })?
    .into_response())
}
