//! iCalendar over HTTP: a person's private feed (a long random token in the address; only its
//! SHA-256 is stored; revoked, the address answers 404), a class's agenda as a `.ics` file, and
//! a `.ics` file imported into a school's agenda by its director.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::handlers::unprocessable;
use super::model::{Event, Exception, Scope};
use super::{holidays, ical, rights, service, store};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{Page, render};

/// Largest `.ics` file imported.
const MAX_ICS_BYTES: usize = 2 * 1024 * 1024;

fn hash(token: &str) -> String {
    crate::store::token_digest(token)
}

#[derive(Template)]
#[template(path = "agenda_feed.html")]
struct FeedPage<'a> {
    page: Page<'a>,
    url: &'a str,
}

/// `action=activer|revoquer`.
#[derive(Debug, Deserialize)]
pub struct FeedForm {
    csrf: String,
    #[serde(default)]
    action: String,
}

/// `POST /agenda/flux`: turns the private feed on (a new address, shown once: the page is the
/// answer, never a redirect) or off.
pub async fn toggle(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<FeedForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    if form.action == "revoquer" {
        store::revoke_feed(&mut tx, viewer.id()).await?;
        tx.commit().await?;
        return Ok(Redirect::to("/agenda").into_response());
    }
    // 32 random bytes: 256 bits nobody guesses.
    let token = format!("{}{}", crate::web::once::token(), crate::web::once::token());
    store::set_feed(&mut tx, viewer.id(), &hash(&token), now).await?;
    tx.commit().await?;
    let url = format!("{}/agenda/flux/{token}.ics", state.config.public_url());
    let page = viewer.page("Abonnement à mon agenda", &state.config.node.name);
    Ok(render(&FeedPage { page, url: &url })?.into_response())
}

fn ics(text: String, attachment: Option<&str>) -> Response {
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        text,
    )
        .into_response();
    if let Some(file) = attachment
        && let Ok(value) = format!("attachment; filename=\"{file}\"").parse()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `events` and the zone's holidays as an iCalendar text named `name`.
async fn calendar(state: &AppState, name: &str, events: &[Event]) -> AppResult<String> {
    Ok(ical::write(
        name,
        events,
        &holidays::of_node(state).await?,
        crate::quiet_hours::QuietHours::of(&state.config.quiet_hours).timezone(),
        &state.config.node.domain,
    ))
}

/// `GET /agenda/flux/{token}.ics`: the feed, without a session (calendar apps have none).
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let owner = store::feed_owner(&state.db, &hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = Viewer::load(&state.db, &owner, String::new())
        .await?
        .filter(|v| v.user.active)
        .ok_or(AppError::NotFound)?;
    service::deliver_due(&state).await?;
    let (_, events) = service::followed(&state, &viewer).await?;
    let name = format!("Agenda ENT – {}", viewer.user.display_name());
    Ok(ics(calendar(&state, &name, &events).await?, None))
}

/// `GET /agenda/classes/{id}/agenda.ics`: a class's agenda, for whoever may see the class.
pub async fn class_export(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let class = crate::classes::store::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = crate::classes::store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ViewClass(&facts))?;
    let now = state.clock.now();
    let events: Vec<Event> = store::of_targets(&state.db, std::slice::from_ref(&class.id))
        .await?
        .into_iter()
        .filter(|e| service::shown_to(&viewer, e, now))
        .collect();
    let name = format!("Agenda de la classe {}", class.name);
    let text = calendar(&state, &name, &events).await?;
    let file: String = class
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok(ics(text, Some(&format!("agenda-{file}.ics"))))
}

#[derive(Template)]
#[template(path = "agenda_import.html")]
struct ImportPage<'a> {
    page: Page<'a>,
    schools: Vec<rights::Target>,
    errors: Vec<String>,
    done: Option<(usize, usize)>,
}

/// `GET /agenda/importer`: the form (directors: their school's agenda).
pub async fn import_form(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    let schools = school_targets(&state, &viewer).await?;
    if schools.is_empty() {
        return Err(AppError::Refused(rights::REFUSED.into()));
    }
    let page = viewer.page("Importer un fichier .ics", &state.config.node.name);
    Ok(render(&ImportPage {
        page,
        schools,
        errors: Vec::new(),
        done: None,
    })?
    .into_response())
}

async fn school_targets(state: &AppState, viewer: &Viewer) -> AppResult<Vec<rights::Target>> {
    Ok(rights::offered(state, viewer)
        .await?
        .into_iter()
        .filter(|t| t.scope == Scope::School)
        .collect())
}

/// `POST /agenda/importer` (multipart: `ecole`, `file`): every event of the file, or none
/// (the errors told); the same file again updates the same events (their UIDs).
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> AppResult<Response> {
    let form = crate::attachments::read_form(&state, request).await?;
    viewer.check_csrf(form.get("csrf"))?;
    let target = rights::resolve(&state, &viewer, &format!("ecole:{}", form.get("ecole"))).await?;
    let tz = crate::quiet_hours::QuietHours::of(&state.config.quiet_hours).timezone();
    let read = match form.files.first() {
        None => Err(vec!["Choisissez un fichier .ics.".to_owned()]),
        Some((_, bytes)) if bytes.len() > MAX_ICS_BYTES => {
            Err(vec!["Fichier trop gros (2 Mo au plus).".to_owned()])
        }
        Some((_, bytes)) => match std::str::from_utf8(bytes) {
            Ok(text) => ical::read(text, tz),
            Err(_) => Err(vec![
                "Ce fichier n'est pas un fichier iCalendar (texte UTF-8).".to_owned(),
            ]),
        },
    };
    let page = viewer.page("Importer un fichier .ics", &state.config.node.name);
    let imported = match read {
        Ok(imported) => imported,
        Err(errors) => {
            let schools = school_targets(&state, &viewer).await?;
            let html = render(&ImportPage {
                page,
                schools,
                errors,
                done: None,
            })?;
            return Ok(unprocessable(html));
        }
    };
    let now = state.clock.now();
    let families_from = service::families_at(&state);
    let (mut added, mut updated) = (0, 0);
    let mut saved = Vec::new();
    let mut tx = state.db.begin_write().await?;
    for item in imported {
        let existing = store::id_of_uid(&mut tx, &target.id, &item.uid).await?;
        if existing.is_some() {
            updated += 1
        } else {
            added += 1
        }
        let event = Event {
            id: existing.unwrap_or_else(crate::store::new_id),
            scope: Scope::School,
            target_id: target.id.clone(),
            school_id: target.school_id.clone(),
            author_id: viewer.id().to_owned(),
            title: item.title.chars().take(200).collect(),
            place: item.place.chars().take(200).collect(),
            description: item.description.chars().take(5000).collect(),
            all_day: item.hours.is_none(),
            start_day: item.days.0,
            end_day: item.days.1,
            hours: item.hours,
            weekly_until: item.weekly_until,
            families_from,
            uid: item.uid,
            updated_at: now,
            exceptions: Vec::new(),
        };
        store::save(&mut tx, &event, now).await?;
        for day in item.cancelled {
            store::set_exception(
                &mut tx,
                &event.id,
                &Exception {
                    day,
                    moved_to: None,
                },
                now,
            )
            .await?;
        }
        super::handlers::hold_if_quiet(&state, &mut tx, &event).await?;
        saved.push(event);
    }
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "agenda.import",
        &target.id,
        &format!("{added} ajouté(s), {updated} mis à jour"),
    )
    .await?;
    tx.commit().await?;
    if families_from <= now {
        for event in &saved {
            service::tell_families(&state, event, false).await?;
        }
    }
    let schools = school_targets(&state, &viewer).await?;
    Ok(render(&ImportPage {
        page,
        schools,
        errors: Vec::new(),
        done: Some((added, updated)),
    })?
    .into_response())
}
