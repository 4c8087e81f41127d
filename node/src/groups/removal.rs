//! Removing from groups: a member leaves a group, a group is deleted. Both are asked once more
//! (putting them back means adding them again).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::handlers::load_for_change;
use super::store;
use crate::accounts::Viewer;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{ConfirmForm, Confirmation, confirm};

/// `POST /groupes/{id}/membres/{user_id}/retirer`: once asked.
pub async fn remove_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, user_id)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let group = load_for_change(&state, &viewer, &id, &form.csrf).await?;
    if !form.confirmed() {
        let members = store::members(&state.db, &group).await?;
        // Not a member: there is nothing to lose, nothing to ask.
        let Some(member) = members.iter().find(|m| m.id == user_id) else {
            return Ok(Redirect::to(&format!("/groupes/{id}")).into_response());
        };
        let text = format!(
            "Retirer {} du groupe « {} » ? Cette personne ne verra plus le groupe ni ce qui lui est adressé. Pour la remettre, il faudra l'ajouter de nouveau.",
            member.name, group.name
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/groupes/{}/membres/{}/retirer", group.id, member.id),
            fields: Vec::new(),
            yes: format!("Oui, retirer {}", member.name),
            no: "Non, garder ce membre".into(),
            back: format!("/groupes/{}", group.id),
        };
        return confirm::ask(
            viewer.page("Retirer un membre du groupe", &state.config.node.name),
            &ask,
        );
    }
    store::remove(
        &state.db,
        &group.id,
        &user_id,
        viewer.id(),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/groupes/{id}")).into_response())
}

/// `POST /groupes/{id}/supprimer`: once asked.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let group = load_for_change(&state, &viewer, &id, &form.csrf).await?;
    if !form.confirmed() {
        let count = store::members(&state.db, &group).await?.len();
        let text = format!(
            "Supprimer le groupe « {} » et sa liste de {count} membre(s) ? Le groupe disparaît pour tous ses membres ; il faudra le recréer et l'emplir de nouveau. Les comptes des membres ne changent pas.",
            group.name
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/groupes/{}/supprimer", group.id),
            fields: Vec::new(),
            yes: "Oui, supprimer le groupe".into(),
            no: "Non, garder le groupe".into(),
            back: format!("/groupes/{}", group.id),
        };
        return confirm::ask(
            viewer.page("Supprimer le groupe", &state.config.node.name),
            &ask,
        );
    }
    store::delete(&state.db, &group.id, viewer.id(), state.clock.now()).await?;
    Ok(Redirect::to("/groupes").into_response())
}
