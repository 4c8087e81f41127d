//! Answering the parent links an ONDE import could not decide (two pupils of the same names):
//! a teacher of the class or the director chooses the child on the class page.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::provisioning::onde::questions::{self, AnswerRefused};
use crate::state::AppState;

use super::store;

/// The choice: which pupil the guardian's row means.
#[derive(Deserialize)]
pub struct ChoiceForm {
    csrf: String,
    #[serde(default)]
    child_id: String,
}

/// `POST /classes/{id}/liens/{question_id}`: links the guardian to the chosen pupil; the next
/// imports keep the link.
pub async fn choose(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, question_id)): Path<(String, String)>,
    Form(form): Form<ChoiceForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let class = store::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ManageClass(&facts))?;
    if form.child_id.is_empty() {
        return Err(AppError::Invalid(
            "Choisissez l'enfant dont cette personne est responsable.".into(),
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let answered = questions::answer(
        &mut tx,
        &class.id,
        &question_id,
        &form.child_id,
        viewer.id(),
        state.clock.now(),
    )
    .await?;
    match answered {
        Ok(()) => tx.commit().await?,
        // Already answered (a form sent twice) or not this class's: nothing to do here.
        Err(AnswerRefused::Unknown) => return Err(AppError::NotFound),
        Err(AnswerRefused::NotACandidate) => {
            return Err(AppError::Invalid(
                "Cet élève n'est pas l'un de ceux que le fichier peut désigner.".into(),
            ));
        }
    }
    Ok(Redirect::to(&format!("/classes/{}#liens", class.id)).into_response())
}
