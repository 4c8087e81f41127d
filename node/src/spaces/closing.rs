//! Closing a space and reopening it: closing is asked once more (members of every node lose
//! it), and for [`service::REOPEN_DAYS`] days its owner or the operator can reopen it, here
//! ("Espaces fermés") or with `ent-admin spaces reopen`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::handlers::load;
use super::service::{self, REOPEN_DAYS};
use super::store::Space;
use super::{SpaceError, view};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{ConfirmForm, Confirmation, Page, TokenForm, confirm, render};

/// The question before closing: what members lose, and until when it can be undone.
pub(super) fn question(space: &Space, now: i64) -> Confirmation {
    let until = view::date_fr(now + REOPEN_DAYS * 86_400);
    let text = format!(
        "Fermer « {} » ? Plus personne ne pourra le lire ni y écrire, sur aucun ENT ; il disparaît de « Mes espaces » de tous ses membres. Vous pourrez le rouvrir jusqu'au {until} (page « Espaces fermés ») ; après, il restera fermé.",
        space.title
    );
    Confirmation {
        to_child: text.clone(),
        to_adult: text,
        action: format!("/espaces/{}/fermer", space.id),
        fields: Vec::new(),
        yes: "Oui, fermer l'espace".into(),
        no: "Non, garder l'espace ouvert".into(),
        back: format!("/espaces/{}", space.id),
    }
}

/// `POST /espaces/{id}/fermer`: the owner closes the space, once asked (the "Fermer l'espace"
/// button of the settings).
pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, _, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::ManageSpace(&facts))?;
    if !space.is_ours() {
        return Err(AppError::Forbidden);
    }
    if !form.confirmed() {
        return confirm::ask(
            viewer.page("Fermer l'espace", &state.config.node.name),
            &question(&space, state.clock.now()),
        );
    }
    service::close(&state, &space, Some(viewer.id())).await?;
    Ok(Redirect::to("/espaces").into_response())
}

/// One closed space as the list shows it.
struct ClosedView {
    space: Space,
    closed_on: String,
    until: String,
}

#[derive(Template)]
#[template(path = "spaces_closed.html")]
struct ClosedPage<'a> {
    page: Page<'a>,
    closed: &'a [ClosedView],
    message: Option<&'a str>,
}

/// The closed spaces `viewer` may reopen: their own, or every one for the operator.
async fn reopenable(state: &AppState, viewer: &Viewer) -> AppResult<Vec<ClosedView>> {
    Ok(service::recently_closed(state)
        .await?
        .into_iter()
        .filter(|(_, owner)| {
            let viewer_is_owner = owner.as_deref() == Some(viewer.id());
            policy::allows(viewer, Action::ReopenSpace { viewer_is_owner })
        })
        .map(|(space, _)| ClosedView {
            closed_on: view::date_fr(space.closed_at),
            until: view::date_fr(space.closed_at + REOPEN_DAYS * 86_400),
            space,
        })
        .collect())
}

async fn list_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    message: Option<&str>,
) -> AppResult<Response> {
    let closed = reopenable(state, viewer).await?;
    let html = render(&ClosedPage {
        page: viewer.page("Espaces fermés", &state.config.node.name),
        closed: &closed,
        message,
    })?;
    Ok((status, html).into_response())
}

/// `GET /espaces/fermes`: spaces closed less than 30 days ago that the viewer may reopen.
pub async fn closed(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    policy::require(&viewer, Action::SeePortal)?;
    list_response(&state, &viewer, StatusCode::OK, None).await
}

/// `POST /espaces/{id}/rouvrir`: its owner or the operator reopens a closed space (nothing is
/// lost by reopening, so nothing is asked).
pub async fn reopen(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let viewer_is_owner = is_owner_of(&state, &id, viewer.id()).await?;
    if !policy::allows(&viewer, Action::ReopenSpace { viewer_is_owner }) {
        return Err(AppError::NotFound);
    }
    match service::reopen(&state, &id, Some(viewer.id())).await {
        Ok(space) => Ok(Redirect::to(&format!("/espaces/{}", space.id)).into_response()),
        Err(SpaceError::Refused(message)) => {
            list_response(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&message),
            )
            .await
        }
        Err(SpaceError::Storage(e)) => Err(e.into()),
    }
}

async fn is_owner_of(state: &AppState, space_id: &str, user_id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM space_members WHERE space_id = $1 AND user_id = $2 AND role = 'owner'",
    )
    .bind(space_id)
    .bind(user_id)
    .fetch_optional(state.db.pool())
    .await?;
    Ok(found.is_some())
}
