//! Handlers of people leaving a space: a member leaves, a moderator removes a member. Both
//! are asked once more (coming back needs a new invitation).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::handlers::{after, load};
use super::service;
use super::store::Space;
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{ConfirmForm, Confirmation, confirm};

/// A member to remove.
#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    actor: String,
    #[serde(default)]
    confirme: String,
}

/// The question before leaving (a child may touch the wrong button; coming back needs a new
/// invitation).
fn leave_question(space: &Space) -> Confirmation {
    Confirmation {
        to_child: format!(
            "Tu veux vraiment quitter « {} » ? Tu ne verras plus ses messages.",
            space.title
        ),
        to_adult: format!(
            "Quitter « {} » ? Vous n'y aurez plus accès ; vos messages restent, signés « ancien membre ». Pour revenir, il faudra une nouvelle invitation.",
            space.title
        ),
        action: format!("/espaces/{}/quitter", space.id),
        fields: Vec::new(),
        yes: "Oui, quitter l'espace".into(),
        no: "Non, rester".into(),
        back: format!("/espaces/{}", space.id),
    }
}

/// `GET /espaces/{id}/quitter`: asks before leaving.
pub async fn leave_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (space, _, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    confirm::ask(
        viewer.page("Quitter l'espace", &state.config.node.name),
        &leave_question(&space),
    )
}

/// `POST /espaces/{id}/quitter`: the viewer leaves, once asked.
pub async fn leave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    if !form.confirmed() {
        return confirm::ask(
            viewer.page("Quitter l'espace", &state.config.node.name),
            &leave_question(&space),
        );
    }
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
    if !confirm::confirmed(&form.confirme) {
        let mut conn = state.db.pool().acquire().await?;
        let member = super::store::member(&mut conn, &space.id, &form.actor)
            .await?
            .filter(|m| m.state == "active")
            .ok_or(AppError::NotFound)?;
        let ask = Confirmation {
            to_child: format!(
                "Tu veux vraiment retirer {} de « {} » ? Il ou elle ne verra plus l'espace.",
                member.display_name, space.title
            ),
            to_adult: format!(
                "Retirer {} de « {} » ? Cette personne n'aura plus accès à l'espace ni à ses messages ; ce qu'elle a écrit reste, signé « ancien membre ». Pour revenir, il lui faudra une nouvelle invitation.",
                member.display_name, space.title
            ),
            action: format!("/espaces/{id}/membres/retirer"),
            fields: vec![("actor".into(), member.actor_id.clone())],
            yes: format!("Oui, retirer {}", member.display_name),
            no: "Non, garder ce membre".into(),
            back: format!("/espaces/{id}"),
        };
        return confirm::ask(
            viewer.page("Retirer un membre", &state.config.node.name),
            &ask,
        );
    }
    let outcome = service::remove_member(&state, &space, &form.actor).await;
    after(&state, &viewer, &id, outcome, "").await
}
