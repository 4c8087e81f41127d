//! The links of mails, which work without signing in: confirming an address (its token reached
//! that mailbox) and unsubscribing (a token signed with the node's secret).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::mail::compose;
use super::store;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, render};

/// Stops every mail to `user_id` (queued ones dropped), journalled with `how`.
pub(super) async fn stop_mails(state: &AppState, user_id: &str, how: &str) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    if store::unsubscribe(&mut tx, user_id).await? {
        let action = "notification.unsubscribed";
        crate::users::store::audit(&mut tx, now, Some(user_id), action, user_id, how).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "notifications_mail_link.html")]
struct LinkPage<'a> {
    page: Page<'a>,
    message: &'static str,
    /// The unsubscribe form's token, when the page asks to confirm.
    unsubscribe: Option<String>,
}

fn link_page(
    state: &AppState,
    title: &'static str,
    message: &'static str,
    unsubscribe: Option<String>,
) -> AppResult<Response> {
    let mut page = Page::anonymous(title);
    page.node_name = state.config.node.name.clone();
    Ok(render(&LinkPage {
        page,
        message,
        unsubscribe,
    })?
    .into_response())
}

/// `GET /notifications/courriel/{token}`: confirms an address (no sign-in needed: the token
/// reached that mailbox).
pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let Some(user_id) = store::confirm(&mut tx, &token, now).await? else {
        return Err(AppError::NotFound);
    };
    crate::users::store::audit(
        &mut tx,
        now,
        Some(&user_id),
        "notification.mail_confirmed",
        &user_id,
        "",
    )
    .await?;
    tx.commit().await?;
    link_page(
        &state,
        "Adresse confirmée",
        "Votre adresse est confirmée : vous recevrez vos notifications par courriel, comme vous l'avez choisi.",
        None,
    )
}

/// `GET /notifications/desabonnement/{token}`: asks to confirm (a link opened by a mail
/// scanner must not unsubscribe).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    compose::unsubscribe_user(&state.config, &token).ok_or(AppError::NotFound)?;
    link_page(
        &state,
        "Ne plus recevoir de courriels",
        "Vous ne recevrez plus aucun courriel de notification. Vos notifications restent visibles dans l'ENT.",
        Some(token),
    )
}

/// `POST /notifications/desabonnement/{token}`: unsubscribes, without signing in (the token is
/// signed with the node's secret). Also answers one-click unsubscribe (RFC 8058).
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let user_id = compose::unsubscribe_user(&state.config, &token).ok_or(AppError::NotFound)?;
    stop_mails(&state, &user_id, "par le lien d'un courriel").await?;
    link_page(
        &state,
        "Désabonnement enregistré",
        "C'est fait : vous ne recevrez plus de courriels de notification. Vous pouvez les réactiver dans vos préférences.",
        None,
    )
}
