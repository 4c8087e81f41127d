//! Changing an event: the creation's form (`form.rs`), filled with what the event is now, for
//! whoever may write in its agenda (`policy::Action::WriteEvent`). Changing a series changes
//! every date of it (a date keeps its own cancellation or move, made on the event's page; the
//! cancellations and moves of dates no longer in the series are dropped). The agenda does not
//! change (delete and create again for that). Families hear of the change as an "event
//! change", at the end of the quiet hours when made in them; a change of an event they do not
//! see yet (created in the quiet hours) rides on the creation's notice.

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{EventForm, FormPage, parse};
use super::handlers::{hold_if_quiet, unprocessable, writable};
use super::model::Event;
use super::rights::Target;
use super::{files, service, store};
use crate::accounts::Viewer;
use crate::attachments::MAX_FILES;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::render;

/// The page of the form changing `event`.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    event: &Event,
    form: &EventForm,
    error: Option<&str>,
) -> AppResult<axum::response::Html<String>> {
    let (agendas, _) = service::followed(state, viewer).await?;
    let page = viewer.page("Modifier l'événement", &state.config.node.name);
    render(&FormPage {
        page,
        targets: Vec::new(),
        form,
        error,
        heading: "Modifier l'événement",
        action: format!("/agenda/evenements/{}/modifier", event.id),
        fixed: Some(agendas.get(&event.target_id).cloned().unwrap_or_default()),
        files: files::of_event(&state.db, &event.id).await?,
        button: "Enregistrer les changements",
    })
}

/// `GET /agenda/evenements/{id}/modifier`: the form, filled (403 for who may not change it).
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let event = writable(&state, &viewer, &id).await?;
    let form = EventForm::of_event(&event);
    Ok(page(&state, &viewer, &event, &form, None)
        .await?
        .into_response())
}

/// `POST /agenda/evenements/{id}/modifier` (with files or without): the rights first (403,
/// nothing written), then the fields and files (422 with the form again), then one
/// transaction: the event, its files, the held notice, the journal.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    request: Request,
) -> AppResult<Response> {
    let submitted = crate::attachments::read_form(&state, request).await?;
    let form = EventForm::of(&submitted);
    viewer.check_csrf(&form.csrf)?;
    let old = writable(&state, &viewer, &id).await?;
    let now = state.clock.now();
    let attached = files::of_event(&state.db, &old.id).await?;
    let mut removed: Vec<String> = submitted
        .all("retirer")
        .into_iter()
        .filter(|f| attached.iter().any(|a| a.id == *f))
        .map(str::to_owned)
        .collect();
    removed.sort();
    removed.dedup();
    let target = Target {
        scope: old.scope,
        id: old.target_id.clone(),
        school_id: old.school_id.clone(),
        label: String::new(),
    };
    let parsed = parse(&form, &target, &old.author_id, now).and_then(|event| {
        let uploads =
            crate::attachments::parse_uploads(&submitted.files).map_err(AppError::Invalid)?;
        if attached.len() - removed.len() + uploads.len() > MAX_FILES {
            return Err(AppError::Invalid(format!(
                "{MAX_FILES} pièces jointes au plus : retirez-en une avant d'en ajouter."
            )));
        }
        Ok((event, uploads))
    });
    let (parsed, uploads) = match parsed {
        Ok(done) => done,
        Err(AppError::Invalid(message)) => {
            let html = page(&state, &viewer, &old, &form, Some(&message)).await?;
            return Ok(unprocessable(html));
        }
        Err(other) => return Err(other),
    };
    let event = Event {
        id: old.id.clone(),
        uid: old.uid.clone(),
        families_from: old.families_from,
        exceptions: old.exceptions.clone(),
        ..parsed
    };
    let mut tx = state.db.begin_write().await?;
    store::update(&mut tx, &event, now).await?;
    files::remove(&mut tx, &event.id, &removed).await?;
    files::attach(&mut tx, &event.id, &uploads, now).await?;
    // Not shown to families yet: the creation's notice, still held, will tell them.
    let held = old.families_from > now || hold_if_quiet(&state, &mut tx, &event).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "agenda.update",
        &event.id,
        &event.title,
    )
    .await?;
    tx.commit().await?;
    service::tell_families(&state, &event, held).await?;
    Ok(Redirect::to(&format!("/agenda/evenements/{}", event.id)).into_response())
}
