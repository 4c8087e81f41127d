//! The cahier de liaison: a teacher or the director writes a "mot" to the families of a class
//! or of some of its pupils, optionally to sign ("Lu et pris connaissance", by each guardian or
//! once per family); the author follows the signatures, reminds, prints who is missing; parents
//! sign, answer privately (a thread of the messagerie) and send mots d'absence; pupils see
//! their carnet. Mots follow the quiet hours (delivered at their end).

mod absence;
mod handlers;
mod mot;
pub mod service;
pub mod store;

pub use absence::{AbsenceLine, of_classes_between as absences_between};

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// `/liaison` pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/liaison", get(handlers::home))
        .route("/liaison/ecrire", get(handlers::write).post(handlers::send))
        .route("/liaison/absence", get(absence::form).post(absence::send))
        .route("/liaison/mots/{id}", get(mot::show))
        .route("/liaison/mots/{id}/manquantes", get(mot::missing))
        .route("/liaison/mots/{id}/signer", post(mot::sign))
        .route("/liaison/mots/{id}/relancer", post(mot::remind))
        .route("/liaison/mots/{id}/repondre", post(mot::reply))
        .route("/liaison/mots/{id}/supprimer", post(mot::delete))
}

/// One pass of the background job: tells the families of mots (and the school of mots
/// d'absence) whose time came.
pub async fn run_once(state: &AppState) {
    if let Err(error) = service::notify_due(state).await {
        tracing::error!(%error, "liaison: notifications failed");
    }
}
