//! What is done on an entry: the pupil ticks "fait" and hands work in, the teacher answers a
//! hand-in, copies the entry to another class, deletes it. Each asks the policy first: a forged
//! form is refused (403) and writes nothing.

use axum::Form;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::policy::homework::HomeworkUse;
use crate::policy::{Action, ClassFacts, require};
use crate::state::AppState;
use crate::web::flash::Done;
use crate::web::{ConfirmForm, Confirmation};

use super::store::{self, Entry};

/// Longest hand-in text and answer.
const MAX_TEXT: usize = 10_000;

/// An entry and what the viewer is to its class, with no visibility check (the action's own
/// right decides: 403).
async fn load(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<(Entry, ClassFacts)> {
    let entry = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let class = crate::classes::store::by_id(&state.db, &entry.class_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
    Ok((entry, facts))
}

/// A pupil's action on a work: theirs to do, and visible.
async fn pupils_work(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Entry> {
    let (entry, facts) = load(state, viewer, id).await?;
    require(viewer, Action::Homework(&facts, HomeworkUse::Do))?;
    if !entry.is_work() || entry.visible_at > state.clock.now() {
        return Err(AppError::Forbidden);
    }
    Ok(entry)
}

/// The "fait" form.
#[derive(Debug, Deserialize)]
pub struct TickForm {
    csrf: String,
    /// `oui` or `non`.
    #[serde(default)]
    fait: String,
    /// `liste` to come back to the list.
    #[serde(default)]
    retour: String,
}

/// `POST /cahier-de-textes/{id}/fait`: the pupil ticks (or unticks) a work.
pub async fn tick(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TickForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    pupils_work(&state, &viewer, &id).await?;
    store::set_done(
        &state.db,
        &id,
        viewer.id(),
        form.fait == "oui",
        state.clock.now(),
    )
    .await?;
    let back = if form.retour == "liste" {
        "/cahier-de-textes".to_owned()
    } else {
        format!("/cahier-de-textes/{id}")
    };
    Ok(Done::HomeworkTicked.redirect(&back))
}

/// `POST /cahier-de-textes/{id}/rendre`: the pupil hands in a text and/or files.
pub async fn hand_in(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    request: Request,
) -> AppResult<Response> {
    let form = crate::attachments::read_form(&state, request).await?;
    viewer.check_csrf(form.get("csrf"))?;
    let entry = pupils_work(&state, &viewer, &id).await?;
    if !entry.hand_in {
        return Err(AppError::Forbidden);
    }
    let text = form.get("texte").trim().replace("\r\n", "\n");
    let uploads = crate::attachments::parse_uploads(&form.files).map_err(AppError::Invalid)?;
    if text.is_empty() && uploads.is_empty() {
        return Err(AppError::Invalid(
            "Écris un texte ou joins un fichier.".into(),
        ));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid("Ton texte est trop long.".into()));
    }
    let now = state.clock.now();
    let bytes: i64 = uploads.iter().map(|u| u.bytes.len() as i64).sum();
    let mut tx = state.db.begin_write().await?;
    super::files::check_quota(&mut tx, &state, viewer.id(), true, bytes).await?;
    let handin = super::handins::hand_in(&mut tx, &id, viewer.id(), &text, now).await?;
    super::files::HANDIN
        .attach(&mut tx, &handin, &uploads, now)
        .await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "homework.handed_in",
        &id,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(Done::HomeworkHandedIn.redirect(&format!("/cahier-de-textes/{id}")))
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    csrf: String,
    #[serde(default)]
    reponse: String,
}

/// `POST /cahier-de-textes/rendus/{id}/repondre`: a teacher of the class answers a hand-in.
pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let handin = super::handins::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (entry, facts) = load(&state, &viewer, &handin.entry_id).await?;
    require(&viewer, Action::Homework(&facts, HomeworkUse::Follow))?;
    let text = form.reponse.trim().replace("\r\n", "\n");
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid(
            "Écrivez une réponse (10 000 caractères au plus).".into(),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    super::handins::answer(&mut tx, &id, &text, now).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "homework.answered",
        &entry.id,
        "",
    )
    .await?;
    tx.commit().await?;
    notify(
        &state,
        &[handin.pupil_id],
        Event::HomeworkAnswered {
            entry_id: &entry.id,
        },
    )
    .await;
    Ok(Done::HomeworkAnswered.redirect(&format!("/cahier-de-textes/{}", entry.id)))
}

/// The copy form.
#[derive(Debug, Deserialize)]
pub struct CopyForm {
    csrf: String,
    #[serde(default)]
    classe: String,
}

/// `POST /cahier-de-textes/{id}/copier`: to another class the teacher writes for.
pub async fn copy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CopyForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (entry, facts) = load(&state, &viewer, &id).await?;
    require(&viewer, Action::Homework(&facts, HomeworkUse::Write))?;
    let copy = super::publish::copy(&state, &viewer, &entry, &form.classe).await?;
    Ok(Done::HomeworkCopied.redirect(&format!("/cahier-de-textes/{copy}")))
}

/// `POST /cahier-de-textes/{id}/supprimer`: asks first.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (entry, facts) = load(&state, &viewer, &id).await?;
    require(&viewer, Action::Homework(&facts, HomeworkUse::Write))?;
    if !form.confirmed() {
        let ask = Confirmation {
            to_child: "Supprimer ?".into(),
            to_adult: format!(
                "Supprimer « {} » du cahier de textes de {} ? Les « fait » des élèves et les \
                 travaux rendus seront supprimés aussi ; ce n'est pas réversible.",
                entry.title, entry.class_name
            ),
            action: format!("/cahier-de-textes/{id}/supprimer"),
            fields: Vec::new(),
            yes: "Oui, supprimer".into(),
            no: "Non, garder".into(),
            back: format!("/cahier-de-textes/{id}"),
        };
        return crate::web::confirm::ask(
            viewer.page("Supprimer du cahier de textes", &state.config.node.name),
            &ask,
        );
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, &id).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "homework.deleted",
        &id,
        &format!("« {} » ({})", entry.title, entry.class_name),
    )
    .await?;
    tx.commit().await?;
    Ok(Done::HomeworkDeleted.redirect("/cahier-de-textes"))
}
