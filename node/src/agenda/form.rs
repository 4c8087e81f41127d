//! The event form, for a new event and for changing one (`edit.rs`): which agenda (only those
//! one may write in are offered; a forged one is refused), title, place, description, day(s),
//! hours or all day, weekly until a day, files.

use askama::Template;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};

use super::handlers::{hold_if_quiet, unprocessable};
use super::model::Event;
use super::rights::{self, Target};
use super::{service, store};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, render};

/// The fields of the form, kept to show it again when refused.
#[derive(Debug, Default)]
pub struct EventForm {
    pub(super) csrf: String,
    cible: String,
    titre: String,
    lieu: String,
    description: String,
    jour: String,
    jour_fin: String,
    journee: String,
    debut: String,
    fin: String,
    jusqu_au: String,
}

/// The form's page, new or changed event.
#[derive(Template)]
#[template(path = "agenda_new.html")]
pub(super) struct FormPage<'a> {
    pub(super) page: Page<'a>,
    /// Agendas offered (a new event).
    pub(super) targets: Vec<Target>,
    pub(super) form: &'a EventForm,
    pub(super) error: Option<&'a str>,
    /// "Nouvel événement", "Modifier l'événement".
    pub(super) heading: &'a str,
    /// Where it posts.
    pub(super) action: String,
    /// The agenda of a changed event (not to be chosen again).
    pub(super) fixed: Option<String>,
    /// Files already attached (a changed event), each with a box to remove it.
    pub(super) files: Vec<super::files::FileRow>,
    /// The button's words.
    pub(super) button: &'a str,
}

impl FormPage<'_> {
    fn chosen(&self, code: &str) -> bool {
        self.form.cible == code
    }
}

/// The page of a new event (`form`, `error`), agendas offered.
async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    form: &EventForm,
    error: Option<&str>,
) -> AppResult<axum::response::Html<String>> {
    let targets = rights::offered(state, viewer).await?;
    let page = viewer.page("Nouvel événement", &state.config.node.name);
    render(&FormPage {
        page,
        targets,
        form,
        error,
        heading: "Nouvel événement",
        action: "/agenda/nouveau".into(),
        fixed: None,
        files: Vec::new(),
        button: "Ajouter à l'agenda",
    })
}

/// `GET /agenda/nouveau`.
pub async fn new(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    let form = EventForm {
        debut: "09:00".into(),
        fin: "10:00".into(),
        ..EventForm::default()
    };
    Ok(new_page(&state, &viewer, &form, None)
        .await?
        .into_response())
}

impl EventForm {
    /// The form filled with what `event` is now (to change it).
    pub(super) fn of_event(event: &Event) -> Self {
        let hm = |t: NaiveTime| t.format("%H:%M").to_string();
        let (debut, fin) = event.hours.map_or_else(
            || ("09:00".to_owned(), "10:00".to_owned()),
            |(a, b)| (hm(a), hm(b)),
        );
        Self {
            titre: event.title.clone(),
            lieu: event.place.clone(),
            description: event.description.clone(),
            jour: event.start_day.to_string(),
            jour_fin: if event.all_day && event.end_day > event.start_day {
                event.end_day.to_string()
            } else {
                String::new()
            },
            journee: if event.all_day {
                "oui".into()
            } else {
                String::new()
            },
            debut,
            fin,
            jusqu_au: event
                .weekly_until
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ..Self::default()
        }
    }

    /// From a submitted form (with files or without).
    pub(super) fn of(form: &crate::attachments::SubmittedForm) -> Self {
        let get = |name: &str| form.get(name).to_owned();
        Self {
            csrf: get("csrf"),
            cible: get("cible"),
            titre: get("titre"),
            lieu: get("lieu"),
            description: get("description"),
            jour: get("jour"),
            jour_fin: get("jour_fin"),
            journee: get("journee"),
            debut: get("debut"),
            fin: get("fin"),
            jusqu_au: get("jusqu_au"),
        }
    }
}

/// `POST /agenda/nouveau` (with files or without): the rights first (a forged agenda: 403,
/// nothing written), then the fields and files (422 with the form again).
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> AppResult<Response> {
    let submitted = crate::attachments::read_form(&state, request).await?;
    let form = EventForm::of(&submitted);
    viewer.check_csrf(&form.csrf)?;
    let target = rights::resolve(&state, &viewer, &form.cible).await?;
    let now = state.clock.now();
    let parsed = parse(&form, &target, viewer.id(), now).and_then(|event| {
        crate::attachments::parse_uploads(&submitted.files)
            .map(|uploads| (event, uploads))
            .map_err(AppError::Invalid)
    });
    let (event, uploads) = match parsed {
        Ok(event) => event,
        Err(AppError::Invalid(message)) => {
            let html = new_page(&state, &viewer, &form, Some(&message)).await?;
            return Ok(unprocessable(html));
        }
        Err(other) => return Err(other),
    };
    let event = Event {
        families_from: if target.scope.reaches_families() {
            service::families_at(&state)
        } else {
            now
        },
        ..event
    };
    let mut tx = state.db.begin_write().await?;
    store::save(&mut tx, &event, now).await?;
    super::files::attach(&mut tx, &event.id, &uploads, now).await?;
    let held = hold_if_quiet(&state, &mut tx, &event).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "agenda.create",
        &event.id,
        &event.title,
    )
    .await?;
    tx.commit().await?;
    service::tell_families(&state, &event, held).await?;
    Ok(Redirect::to(&format!("/agenda/evenements/{}", event.id)).into_response())
}

fn day(text: &str, what: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(format!("{what} : date illisible (JJ/MM/AAAA attendu).")))
}

/// Start and end hours (`HH:MM`), the end after the start.
pub fn hours(start: &str, end: &str) -> AppResult<(NaiveTime, NaiveTime)> {
    let read = |t: &str, what: &str| {
        NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| AppError::Invalid(format!("{what} : heure illisible (HH:MM attendu).")))
    };
    let (a, b) = (read(start, "Début")?, read(end, "Fin")?);
    if b <= a {
        return Err(AppError::Invalid(
            "La fin doit venir après le début.".into(),
        ));
    }
    Ok((a, b))
}

/// The event the form describes, in `target`, by `author` (a new id: an edit keeps the old).
pub(super) fn parse(form: &EventForm, target: &Target, author: &str, now: i64) -> AppResult<Event> {
    let title = form.titre.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::Invalid("Titre : de 1 à 200 caractères.".into()));
    }
    if form.lieu.chars().count() > 200 || form.description.chars().count() > 5000 {
        return Err(AppError::Invalid(
            "Lieu (200 caractères) ou description (5 000 caractères) trop longs.".into(),
        ));
    }
    let start_day = day(&form.jour, "Jour")?;
    let all_day = form.journee == "oui";
    let end_day = match form.jour_fin.trim() {
        "" => start_day,
        _ if !all_day => start_day,
        text => day(text, "Dernier jour")?,
    };
    if end_day < start_day || (end_day - start_day).num_days() > 60 {
        return Err(AppError::Invalid(
            "Dernier jour : entre le premier jour et 60 jours après.".into(),
        ));
    }
    let hours = if all_day {
        None
    } else {
        Some(hours(&form.debut, &form.fin)?)
    };
    let weekly_until = match form.jusqu_au.trim() {
        "" => None,
        text => {
            let until = day(text, "Chaque semaine jusqu'au")?;
            if until <= start_day || (until - start_day).num_weeks() > 109 {
                return Err(AppError::Invalid(
                    "Chaque semaine jusqu'au : après le premier jour, et moins de deux ans après."
                        .into(),
                ));
            }
            Some(until)
        }
    };
    let id = crate::store::new_id();
    Ok(Event {
        uid: id.clone(),
        id,
        scope: target.scope,
        target_id: target.id.clone(),
        school_id: target.school_id.clone(),
        author_id: author.to_owned(),
        title: title.to_owned(),
        place: form.lieu.trim().to_owned(),
        description: form.description.trim().to_owned(),
        all_day,
        start_day,
        end_day,
        hours,
        weekly_until,
        families_from: now,
        updated_at: now,
        exceptions: Vec::new(),
    })
}
