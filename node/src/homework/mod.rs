//! Cahier de textes (SDET "cahier de textes"): séances (what was done) and travail à faire (for
//! a day, estimated time, instructions, files, optionally "à rendre") per class, and per subject
//! for collège classes and groups; written by the class's teachers (planned publication, the
//! quiet hours), read by its pupils and their parents ("À faire", tomorrow first; the pupil
//! ticks "fait", seen by the teachers only), and by the school's director and inspector. Rights:
//! `policy::Action::Homework`.

mod entry;
pub mod files;
mod form;
pub mod handins;
mod handlers;
pub mod publish;
pub mod service;
pub mod store;
mod work;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::attachments::{MAX_FILE_BYTES, MAX_FILES};
use crate::state::AppState;

/// `/cahier-de-textes` pages.
pub fn router() -> Router<AppState> {
    let files = || DefaultBodyLimit::max(MAX_FILES * MAX_FILE_BYTES + 64 * 1024);
    Router::new()
        .route("/cahier-de-textes", get(handlers::home))
        .route(
            "/cahier-de-textes/ecrire",
            get(form::write).post(form::send).layer(files()),
        )
        .route("/cahier-de-textes/classes/{id}", get(handlers::class))
        .route("/cahier-de-textes/fichiers/{id}", get(files::entry_file))
        .route(
            "/cahier-de-textes/rendus/fichiers/{id}",
            get(files::handin_file),
        )
        .route("/cahier-de-textes/rendus/{id}/repondre", post(work::answer))
        .route("/cahier-de-textes/{id}", get(entry::show))
        .route("/cahier-de-textes/{id}/fait", post(work::tick))
        .route(
            "/cahier-de-textes/{id}/rendre",
            post(work::hand_in).layer(files()),
        )
        .route("/cahier-de-textes/{id}/copier", post(work::copy))
        .route("/cahier-de-textes/{id}/supprimer", post(work::delete))
}

/// One pass of the background job: tells the classes of work whose time came.
pub async fn run_once(state: &AppState) {
    if let Err(error) = publish::notify_due(state).await {
        tracing::error!(%error, "homework: notifications failed");
    }
}
