//! The agenda pages: the week and the month of what concerns the viewer, one event, the new
//! event form, and the changes of an event (an occurrence cancelled or moved, the event or
//! series deleted after a confirmation).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::holidays;
use super::model::{self, Event, Exception, Scope};
use super::rights;
use super::service;
use super::store;
use super::view::{self, Day};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::confirm::{self, Confirmation};
use crate::web::{Page, render};

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage<'a> {
    page: Page<'a>,
    month: bool,
    heading: String,
    previous: String,
    next: String,
    other_view: String,
    days: Vec<Day>,
    holidays: Vec<String>,
    may_write: bool,
    may_import: bool,
    exports: Vec<(String, String)>,
    feed_on: bool,
}

/// `?vue=mois&jour=2026-12-07`.
#[derive(Debug, Deserialize, Default)]
pub struct AgendaQuery {
    #[serde(default)]
    vue: String,
    #[serde(default)]
    jour: String,
}

/// `GET /agenda`: the week (default) or the month around `jour`.
pub async fn agenda(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AgendaQuery>,
) -> AppResult<Response> {
    service::deliver_due(&state).await?;
    let today = state.clock.today();
    let day = NaiveDate::parse_from_str(&q.jour, "%Y-%m-%d").unwrap_or(today);
    let month = q.vue == "mois";
    let (from, to, previous, next) = if month {
        let (first, last) = model::month_of(day);
        (
            first,
            last,
            first - Duration::days(1),
            last + Duration::days(1),
        )
    } else {
        let monday = model::monday_of(day);
        let sunday = monday + Duration::days(6);
        (
            monday,
            sunday,
            monday - Duration::days(7),
            monday + Duration::days(7),
        )
    };
    let view_code = if month { "mois" } else { "semaine" };
    let shown = service::occurrences(&state, &viewer, from, to).await?;
    let zone_holidays = holidays::of_node(&state).await?;
    let touching = holidays::touching(&zone_holidays, from, to);
    let heading = if month {
        format!("Agenda de {}", view::month_label(from))
    } else {
        format!("Semaine du {}", view::day_label(from))
    };
    let absences = service::absences(&state, &viewer, from, to).await?;
    let offers = rights::offered(&state, &viewer).await?;
    let exports = rights::exportable_classes(&state, &viewer).await?;
    let page = viewer.page("Agenda", &state.config.node.name);
    Ok(render(&AgendaPage {
        page,
        month,
        heading,
        previous: format!("/agenda?vue={view_code}&jour={previous}"),
        next: format!("/agenda?vue={view_code}&jour={next}"),
        other_view: format!(
            "/agenda?vue={}&jour={day}",
            if month { "semaine" } else { "mois" }
        ),
        days: view::days(
            from,
            to,
            today,
            &view::Content {
                shown: &shown,
                holidays: &touching,
                absences: &absences,
            },
            !month,
        ),
        holidays: touching.iter().map(view::holiday_label).collect(),
        may_write: !offers.is_empty(),
        may_import: offers.iter().any(|o| o.scope == Scope::School),
        exports,
        feed_on: store::has_feed(&state.db, viewer.id()).await?,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "agenda_event.html")]
struct EventPage<'a> {
    page: Page<'a>,
    event: &'a Event,
    origin: String,
    when: String,
    series: Vec<(String, String, String)>,
    may_write: bool,
    files: Vec<super::files::FileRow>,
}

/// `GET /agenda/evenements/{id}`: one event; for who may write, its occurrences to change.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (agendas, events) = service::followed(&state, &viewer).await?;
    let event = events
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(AppError::NotFound)?;
    let may_write = rights::may_change(&state, &viewer, &event).await?;
    let hours = |h: Option<(chrono::NaiveTime, chrono::NaiveTime)>| {
        h.map_or_else(
            || "toute la journée".to_owned(),
            |(a, b)| format!("de {} à {}", a.format("%H:%M"), b.format("%H:%M")),
        )
    };
    let when = match event.weekly_until {
        Some(until) => format!(
            "Chaque semaine du {} au {}, {}",
            view::day_label(event.start_day),
            view::day_label(until),
            hours(event.hours)
        ),
        None if event.end_day > event.start_day => format!(
            "Du {} au {}",
            view::day_label(event.start_day),
            view::day_label(event.end_day)
        ),
        None => format!(
            "Le {}, {}",
            view::day_label(event.start_day),
            hours(event.hours)
        ),
    };
    let series = if event.weekly_until.is_some() {
        event
            .original_days()
            .into_iter()
            .map(|day| {
                let state = match event.exceptions.iter().find(|x| x.day == day) {
                    Some(Exception { moved_to: None, .. }) => "annulée".to_owned(),
                    Some(Exception {
                        moved_to: Some((to, h)),
                        ..
                    }) => format!("déplacée au {}, {}", view::day_label(*to), hours(*h)),
                    None => String::new(),
                };
                (day.to_string(), view::day_label(day), state)
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = viewer.page("Événement", &state.config.node.name);
    let origin = agendas.get(&event.target_id).cloned().unwrap_or_default();
    Ok(render(&EventPage {
        page,
        event: &event,
        origin,
        when,
        series,
        may_write,
        files: super::files::of_event(&state.db, &event.id).await?,
    })?
    .into_response())
}

/// `POST /agenda/evenements/{id}/occurrence`: `action=annuler|deplacer`, `jour` (the
/// occurrence), `nouveau_jour`, `debut`, `fin`.
#[derive(Debug, Deserialize)]
pub struct OccurrenceForm {
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    jour: String,
    #[serde(default)]
    nouveau_jour: String,
    #[serde(default)]
    debut: String,
    #[serde(default)]
    fin: String,
}

/// Cancels or moves one occurrence of a series.
pub async fn occurrence(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<OccurrenceForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let event = writable(&state, &viewer, &id).await?;
    let day = NaiveDate::parse_from_str(&form.jour, "%Y-%m-%d")
        .ok()
        .filter(|d| event.original_days().contains(d))
        .ok_or_else(|| AppError::Invalid("Cette date n'est pas une date de la série.".into()))?;
    let moved_to = match form.action.as_str() {
        "annuler" => None,
        "deplacer" => {
            let to = NaiveDate::parse_from_str(&form.nouveau_jour, "%Y-%m-%d").map_err(|_| {
                AppError::Invalid("Nouveau jour illisible (JJ/MM/AAAA attendu).".into())
            })?;
            let hours = match event.hours {
                Some(_) => Some(super::form::hours(&form.debut, &form.fin)?),
                None => None,
            };
            Some((to, hours))
        }
        _ => return Err(AppError::Invalid("Action inconnue.".into())),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    store::set_exception(&mut tx, &event.id, &Exception { day, moved_to }, now).await?;
    let held = hold_if_quiet(&state, &mut tx, &event).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "agenda.occurrence",
        &event.id,
        &form.action,
    )
    .await?;
    tx.commit().await?;
    service::tell_families(&state, &event, held).await?;
    Ok(Redirect::to(&format!("/agenda/evenements/{}", event.id)).into_response())
}

/// `POST /agenda/evenements/{id}/supprimer`: after the confirmation, deletes the event (every
/// occurrence of a series).
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<confirm::ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let event = writable(&state, &viewer, &id).await?;
    if !form.confirmed() {
        let what = if event.weekly_until.is_some() {
            "toutes les dates de la série"
        } else {
            "l'événement"
        };
        let page = viewer.page("Supprimer l'événement", &state.config.node.name);
        return confirm::ask(
            page,
            &Confirmation {
                to_child: format!(
                    "Supprimer « {} » ? Tu ne pourras pas revenir en arrière.",
                    event.title
                ),
                to_adult: format!(
                    "Supprimer « {} » ({what}) ? Ceux qui suivent cet agenda ne le verront plus ; vous ne pourrez pas revenir en arrière.",
                    event.title
                ),
                action: format!("/agenda/evenements/{}/supprimer", event.id),
                fields: Vec::new(),
                yes: "Oui, supprimer".into(),
                no: "Non, garder l'événement".into(),
                back: format!("/agenda/evenements/{}", event.id),
            },
        );
    }
    let families = service::families_of(&state, &event).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, &event.id).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "agenda.delete",
        &event.id,
        &event.title,
    )
    .await?;
    tx.commit().await?;
    // Gone at once for everyone; families are told now, or not at all in the quiet hours
    // (there is nothing left to show them in the morning).
    if event.scope.reaches_families() && service::families_at(&state) <= now {
        crate::notifications::notify(
            &state,
            &families,
            crate::notifications::Event::EventChanged {
                event_id: &event.id,
            },
        )
        .await;
    }
    Ok(Redirect::to("/agenda").into_response())
}

/// The event `id` if the viewer follows it and may change it (403 otherwise, nothing written).
pub(super) async fn writable(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Event> {
    let (_, events) = service::followed(state, viewer).await?;
    let event = match events.into_iter().find(|e| e.id == id) {
        Some(e) => e,
        // Another agenda's event: the same answer as a forged target.
        None if store::get(&state.db, id).await?.is_some() => {
            return Err(AppError::Refused(rights::REFUSED.into()));
        }
        None => return Err(AppError::NotFound),
    };
    if !rights::may_change(state, viewer, &event).await? {
        return Err(AppError::Refused(rights::REFUSED.into()));
    }
    Ok(event)
}

/// In the quiet hours, queues the families' notice of a change of `event` for their end.
pub(super) async fn hold_if_quiet(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    event: &Event,
) -> AppResult<bool> {
    let at = service::families_at(state);
    let held = event.scope.reaches_families() && at > state.clock.now();
    if held {
        store::hold_notice(conn, &event.id, at).await?;
    }
    Ok(held)
}

/// A refused form answered with its page again (422).
pub(super) fn unprocessable(html: axum::response::Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}
