//! Handlers of what members do to posts and spaces once written: edit, delete, moderate,
//! report, leave, remove a member, change settings.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::SpaceError;
use super::handlers::{after, load, post_of, show_response};
use super::host::Moderation;
use super::model::{PostText, Settings, SpaceText};
use super::service;
use super::store::Space;
use super::view;
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::TokenForm;

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

/// A member to remove.
#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    actor: String,
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

/// `POST /espaces/{id}/messages/{post}/supprimer`: the author or a moderator deletes a post.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<TokenForm>,
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
    let outcome = service::report(&state, &space, &me, &post, &form.reason).await;
    match outcome {
        Ok(()) => {
            show_response(
                &state,
                &viewer,
                &id,
                StatusCode::OK,
                Some("Merci : les modérateurs de l'espace vont regarder ce message."),
                "",
                1,
            )
            .await
        }
        other => after(&state, &viewer, &id, other, "").await,
    }
}

#[derive(askama::Template)]
#[template(path = "space_leave.html")]
struct LeavePage<'a> {
    page: crate::web::Page<'a>,
    space: &'a Space,
}

/// `GET /espaces/{id}/quitter`: asks before leaving (a child may touch the wrong button; coming
/// back needs a new invitation).
pub async fn leave_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (space, _, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    let html = crate::web::render(&LeavePage {
        page: viewer.page("Quitter l'espace", &state.config.node.name),
        space: &space,
    })?;
    Ok(html.into_response())
}

/// `POST /espaces/{id}/quitter`: the viewer leaves.
pub async fn leave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    match service::leave(&state, &space, &me).await {
        Ok(()) => Ok(Redirect::to("/espaces").into_response()),
        other => after(&state, &viewer, &id, other, "").await,
    }
}

/// `POST /espaces/{id}/membres/retirer`: a moderator removes a member.
pub async fn remove_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, _, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::ModerateSpace(&facts))?;
    let outcome = service::remove_member(&state, &space, &form.actor).await;
    after(&state, &viewer, &id, outcome, "").await
}

/// `POST /espaces/{id}/reglages`: the owner changes settings or closes the space.
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
    let closing = form.close.is_some();
    let changed = Space {
        title: text.title,
        description: text.description,
        settings: Settings {
            premoderated: form.premoderated.is_some(),
            comments_on: form.comments_on.is_some(),
            files_allowed: form.files_allowed.is_some(),
            open_until,
        },
        closed_at: if closing { state.clock.now() } else { 0 },
        ..space
    };
    let outcome = service::change_space(&state, &changed).await;
    if closing && outcome.is_ok() {
        return Ok(Redirect::to("/espaces").into_response());
    }
    after(&state, &viewer, &id, outcome, "").await
}
