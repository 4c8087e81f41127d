//! Mots d'absence: a parent tells the school that a child will be (or was) absent; the class's
//! teachers and the director read it on their liaison page. Sent during the quiet hours, it
//! reaches the school at their end, like a message from a family.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::Row;

use crate::accounts::Viewer;
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::users::UserRow;
use crate::web::flash::Done;
use crate::web::{Page, render};

/// The reasons offered: `(code, label)`.
pub const REASONS: &[(&str, &str)] = &[
    ("maladie", "Maladie"),
    ("medical", "Rendez-vous médical"),
    ("famille", "Raison familiale"),
    ("transport", "Problème de transport"),
    ("autre", "Autre raison"),
];

/// Longest free text.
const MAX_DETAILS: usize = 1_000;
/// Longest absence announced at once, in days.
const MAX_DAYS: i64 = 60;

/// A mot d'absence as a list shows it.
#[derive(Debug, Clone)]
pub struct AbsenceLine {
    /// The pupil's name.
    pub pupil_name: String,
    /// The class's name.
    pub class_name: String,
    /// The parent's name.
    pub parent_name: String,
    /// First day (ISO).
    pub from_date: String,
    /// Last day (ISO).
    pub to_date: String,
    /// Reason code.
    pub reason: String,
    /// Free text.
    pub details: String,
}

impl AbsenceLine {
    /// The reason in words.
    pub fn reason_label(&self) -> &'static str {
        REASONS
            .iter()
            .find(|(c, _)| *c == self.reason)
            .map_or("Autre raison", |(_, l)| l)
    }

    /// "du 07/12/2026 au 08/12/2026", or "le 07/12/2026".
    pub fn dates(&self) -> String {
        let fr = |d: &str| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|_| d.to_owned())
        };
        if self.from_date == self.to_date {
            format!("le {}", fr(&self.from_date))
        } else {
            format!("du {} au {}", fr(&self.from_date), fr(&self.to_date))
        }
    }
}

const LINE: &str = "SELECT p.first_name || ' ' || COALESCE(p.usage_name, p.last_name), c.name, \
    g.first_name || ' ' || COALESCE(g.usage_name, g.last_name), a.from_date, a.to_date, a.reason, a.details \
    FROM liaison_absences a JOIN users p ON p.id = a.pupil_id JOIN users g ON g.id = a.parent_id \
    JOIN classes c ON c.id = a.class_id";

fn line(row: &sqlx::any::AnyRow) -> AbsenceLine {
    AbsenceLine {
        pupil_name: row.get(0),
        class_name: row.get(1),
        parent_name: row.get(2),
        from_date: row.get(3),
        to_date: row.get(4),
        reason: row.get(5),
        details: row.get(6),
    }
}

/// The latest delivered mots d'absence of these classes (their teachers and director).
pub async fn of_classes(state: &AppState, classes: &[String]) -> AppResult<Vec<AbsenceLine>> {
    if classes.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..2 + classes.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{LINE} WHERE a.visible_at <= $1 AND a.class_id IN ({}) ORDER BY a.from_date DESC, a.created_at DESC LIMIT 30",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(state.clock.now());
    for id in classes {
        query = query.bind(id);
    }
    Ok(query
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(line)
        .collect())
}

/// The delivered mots d'absence of these classes touching the days `from..=to`, for their
/// days in the agenda (the caller asked `policy::Action::SeeAbsences` for each class).
pub async fn of_classes_between(
    state: &AppState,
    classes: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<AbsenceLine>> {
    if classes.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (4..4 + classes.len()).map(|i| format!("${i}")).collect();
    // Days are ISO text: their order is the calendar's.
    let sql = format!(
        "{LINE} WHERE a.visible_at <= $1 AND a.from_date <= $2 AND a.to_date >= $3 AND a.class_id IN ({}) \
         ORDER BY p.first_name, p.last_name, a.from_date",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(state.clock.now())
        .bind(to.to_string())
        .bind(from.to_string());
    for id in classes {
        query = query.bind(id);
    }
    Ok(query
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(line)
        .collect())
}

/// The latest mots d'absence a parent sent.
pub async fn of_parent(state: &AppState, parent: &str) -> AppResult<Vec<AbsenceLine>> {
    let rows = sqlx::query(&format!(
        "{LINE} WHERE a.parent_id = $1 ORDER BY a.created_at DESC LIMIT 10"
    ))
    .bind(parent)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.iter().map(line).collect())
}

/// Tells the class's teachers and the school's direction of a delivered mot d'absence.
pub async fn tell(state: &AppState, id: &str) -> AppResult<()> {
    let readers: Vec<String> = sqlx::query_scalar(
        "SELECT t.user_id FROM liaison_absences a JOIN class_members t ON t.class_id = a.class_id \
         AND t.role = 'teacher' WHERE a.id = $1 UNION SELECT m.user_id FROM liaison_absences a \
         JOIN memberships m ON m.school_id = a.school_id AND m.profile = 'director' WHERE a.id = $1",
    )
    .bind(id)
    .fetch_all(state.db.pool())
    .await?;
    notify(state, &readers, Event::AbsenceReported { absence_id: id }).await;
    Ok(())
}

#[derive(Template)]
#[template(path = "liaison_absence.html")]
struct AbsencePage<'a> {
    page: Page<'a>,
    children: Vec<UserRow>,
    reasons: &'static [(&'static str, &'static str)],
    form: AbsenceForm,
    error: Option<String>,
}

/// The form.
#[derive(Debug, Deserialize, Default)]
pub struct AbsenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    eleve: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    #[serde(default)]
    motif: String,
    #[serde(default)]
    precisions: String,
}

/// `GET /liaison/absence`: a parent's form.
pub async fn form(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    let children = crate::users::store::children(&state.db, viewer.id()).await?;
    if children.is_empty() {
        return Err(AppError::Forbidden);
    }
    let page = viewer.page("Prévenir d'une absence", &state.config.node.name);
    let today = state.clock.today().format("%Y-%m-%d").to_string();
    let form = AbsenceForm {
        du: today.clone(),
        au: today,
        ..AbsenceForm::default()
    };
    Ok(render(&AbsencePage {
        page,
        children,
        reasons: REASONS,
        form,
        error: None,
    })?
    .into_response())
}

/// `POST /liaison/absence`.
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<AbsenceForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let children = crate::users::store::children(&state.db, viewer.id()).await?;
    if !children.iter().any(|c| c.id == form.eleve) {
        return Err(AppError::Refused(
            "Vous ne pouvez prévenir d'une absence que pour vos enfants. Rien n'a été envoyé."
                .into(),
        ));
    }
    match record(&state, &viewer, &form).await {
        Ok(()) => Ok(Done::AbsenceSent.redirect("/liaison")),
        Err(AppError::Invalid(message)) => {
            let page = viewer.page("Prévenir d'une absence", &state.config.node.name);
            let html = render(&AbsencePage {
                page,
                children,
                reasons: REASONS,
                form,
                error: Some(message),
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

/// Checks and writes one mot d'absence (the child is the viewer's).
async fn record(state: &AppState, viewer: &Viewer, form: &AbsenceForm) -> AppResult<()> {
    let date = |text: &str, what: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::Invalid(format!("{what} est illisible (jour attendu).")))
    };
    let from = date(&form.du, "Le premier jour")?;
    let to = date(&form.au, "Le dernier jour")?;
    if to < from {
        return Err(AppError::Invalid(
            "Le dernier jour vient avant le premier : corrigez les dates.".into(),
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::Invalid(format!(
            "Une absence de plus de {MAX_DAYS} jours se signale directement à l'école."
        )));
    }
    if !REASONS.iter().any(|(c, _)| *c == form.motif) {
        return Err(AppError::Invalid(
            "Choisissez un motif dans la liste.".into(),
        ));
    }
    let details = form.precisions.trim();
    if details.chars().count() > MAX_DETAILS {
        return Err(AppError::Invalid(format!(
            "Les précisions sont trop longues ({MAX_DETAILS} caractères au plus)."
        )));
    }
    let year = SchoolYear::containing(state.clock.today()).0;
    let class = crate::classes::store::of_member(&state.db, &form.eleve, year)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            AppError::Invalid("Cet enfant n'a pas de classe cette année : appelez l'école.".into())
        })?;
    let now = state.clock.now();
    let visible_at = QuietHours::of(&state.config.quiet_hours).end_of_quiet(now);
    let id = crate::store::new_id();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO liaison_absences (id, school_id, class_id, pupil_id, parent_id, from_date, to_date, \
         reason, details, visible_at, notified, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(&class.school_id)
    .bind(&class.id)
    .bind(&form.eleve)
    .bind(viewer.id())
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(&form.motif)
    .bind(details)
    .bind(visible_at)
    .bind(i64::from(visible_at <= now))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "liaison.absence",
        &id,
        &format!("{} ({})", class.name, from),
    )
    .await?;
    tx.commit().await?;
    if visible_at <= now {
        tell(state, &id).await?;
    }
    Ok(())
}
