//! Handlers of what members do to posts and spaces once written: edit, delete, moderate,
//! report, change settings (leaving and removing members are in `departures`).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::SpaceError;
use super::handlers::{after, load, post_of};
use super::host::Moderation;
use super::model::{PostText, Settings, SpaceText};
use super::service;
use super::store::Space;
use super::view;
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::flash::Done;
use crate::web::{ConfirmForm, Confirmation, confirm};

/// An edit of a post's text.
#[derive(Deserialize)]
pub struct TextForm {
    csrf: String,
    content: String,
}

/// A moderation.
#[derive(Deserialize)]
pub struct ModerationForm {
    csrf: String,
    action: String,
}

/// A report.
#[derive(Deserialize)]
pub struct ReportForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Settings.
#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    premoderated: Option<String>,
    #[serde(default)]
    comments_on: Option<String>,
    #[serde(default)]
    files_allowed: Option<String>,
    #[serde(default)]
    open_until: String,
    #[serde(default)]
    close: Option<String>,
    #[serde(default)]
    confirme: String,
}

/// The first words of a text, to name it in a question.
fn excerpt(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// `POST /espaces/{id}/messages/{post}/modifier`: the author changes their post.
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<TextForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    let post = post_of(&state, &space, &post).await?;
    let outcome = match PostText::parse(&form.content) {
        Ok(text) => service::edit(&state, &space, &me, &post, &text).await,
        Err(message) => Err(SpaceError::Refused(message.into())),
    };
    after(&state, &viewer, &id, outcome, "").await
}

/// `POST /espaces/{id}/messages/{post}/supprimer`: the author or a moderator deletes a post,
/// with its comments, once asked.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    let post = post_of(&state, &space, &post).await?;
    policy::require(
        &viewer,
        Action::DeletePost {
            space: &facts,
            viewer_is_author: post.author_actor == me.actor_id,
        },
    )?;
    if !form.confirmed() {
        let comments = super::store::posts(&state.db, &space.id)
            .await?
            .iter()
            .filter(|p| p.parent_id.as_deref() == Some(post.id.as_str()))
            .count();
        let (with_child, with_adult) = match comments {
            0 => (String::new(), String::new()),
            1 => (
                " et son commentaire".to_owned(),
                " et son commentaire".to_owned(),
            ),
            n => (
                format!(" et ses {n} commentaires"),
                format!(" et ses {n} commentaires"),
            ),
        };
        let words = excerpt(&post.content);
        let ask = Confirmation {
            to_child: format!(
                "Tu veux vraiment supprimer ce message{with_child} ? « {words} » Il disparaîtra pour tout le monde et ne pourra pas revenir."
            ),
            to_adult: format!(
                "Supprimer ce message{with_adult} ? « {words} » Il disparaît pour tous les membres, sur chaque ENT de l'espace, avec ses fichiers. C'est définitif."
            ),
            action: format!("/espaces/{id}/messages/{}/supprimer", post.id),
            fields: Vec::new(),
            yes: "Oui, supprimer le message".into(),
            no: "Non, garder le message".into(),
            back: format!("/espaces/{id}#message-{}", post.id),
        };
        return confirm::ask(
            viewer.page("Supprimer un message", &state.config.node.name),
            &ask,
        );
    }
    let outcome = service::delete(&state, &space, &me, &post).await;
    after(&state, &viewer, &id, outcome, "").await
}

/// `POST /espaces/{id}/messages/{post}/moderer`: approve, hide or restore.
pub async fn moderate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<ModerationForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::ModerateSpace(&facts))?;
    let post = post_of(&state, &space, &post).await?;
    let action = match form.action.as_str() {
        "approuver" => Moderation::Approve,
        "masquer" => Moderation::Hide,
        "retablir" => Moderation::Restore,
        "refuser" => Moderation::Reject,
        _ => return Err(AppError::Invalid("Action de modération inconnue.".into())),
    };
    let outcome = service::moderate(&state, &space, &me, &post, action).await;
    after(&state, &viewer, &id, outcome, "").await
}

/// `POST /espaces/{id}/messages/{post}/signaler`: any member reports a post.
pub async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    let post = post_of(&state, &space, &post).await?;
    // A post one cannot see does not exist for one: reporting it says nothing about it.
    let read = Action::ReadPost {
        space: &facts,
        status: post.status,
        viewer_is_author: post.author_actor == me.actor_id,
    };
    if !policy::allows(&viewer, read) {
        return Err(AppError::NotFound);
    }
    let outcome = service::report(&state, &space, &me, &post, &form.reason).await;
    match outcome {
        // POST/redirect/GET: the wall says thanks; a reload does not report again.
        Ok(()) => Ok(Done::PostReported.redirect(&format!("/espaces/{id}"))),
        other => after(&state, &viewer, &id, other, "").await,
    }
}

/// `POST /espaces/{id}/reglages`: the owner changes settings, or closes the space once asked.
pub async fn settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, _, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::ManageSpace(&facts))?;
    if !space.is_ours() {
        return Err(AppError::Forbidden);
    }
    // "Fermer l'espace" (a button of this form): asked once more, then only closing happens.
    if form.close.is_some() {
        if !confirm::confirmed(&form.confirme) {
            return confirm::ask(
                viewer.page("Fermer l'espace", &state.config.node.name),
                &super::closing::question(&space, state.clock.now()),
            );
        }
        service::close(&state, &space, Some(viewer.id())).await?;
        return Ok(Redirect::to("/espaces").into_response());
    }
    // A wrong title or date shows the space again with what to fix, changing nothing.
    let parsed = SpaceText::parse(&form.title, &form.description)
        .map_err(SpaceError::refused)
        .and_then(|text| {
            let until = view::parse_day_end(&form.open_until).map_err(SpaceError::refused)?;
            Ok((text, until))
        });
    let (text, open_until) = match parsed {
        Ok(parsed) => parsed,
        Err(refusal) => return after(&state, &viewer, &id, Err(refusal), "").await,
    };
    let changed = Space {
        title: text.title,
        description: text.description,
        settings: Settings {
            premoderated: form.premoderated.is_some(),
            comments_on: form.comments_on.is_some(),
            files_allowed: form.files_allowed.is_some(),
            open_until,
        },
        ..space
    };
    let outcome = service::change_space(&state, &changed).await;
    after(&state, &viewer, &id, outcome, "").await
}
