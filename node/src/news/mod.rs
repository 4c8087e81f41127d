//! Actualités (SDET "affichage d'informations"): news items by the operator (every school or
//! the whole node), a director (the school) or a teacher (a class), addressed to audiences
//! (`crate::audience`) the author may reach (`policy::publishing`); publication and end dates,
//! pinned items, read marks (no counts, no likes); items aimed at families written in the quiet
//! hours show at their end. The portal's "À la une" is [`current`].

pub mod files;
mod handlers;
pub mod service;
pub mod store;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::accounts::Viewer;
use crate::attachments::{MAX_FILE_BYTES, MAX_FILES};
use crate::domain::SchoolYear;
use crate::error::AppResult;
use crate::state::AppState;

pub use store::NewsLine;

/// `/actualites` pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/actualites", get(handlers::list))
        .route(
            "/actualites/ecrire",
            get(handlers::write)
                .post(handlers::publish)
                .layer(DefaultBodyLimit::max(
                    MAX_FILES * MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/actualites/fichiers/{id}", get(handlers::file))
        .route("/actualites/{id}", get(handlers::show))
        .route("/actualites/{id}/supprimer", post(handlers::delete))
}

/// The viewer's first `limit` current items (pinned first, newest first): "À la une".
pub async fn current(state: &AppState, viewer: &Viewer, limit: usize) -> AppResult<Vec<NewsLine>> {
    let year = SchoolYear::containing(state.clock.today());
    let codes = crate::audience::codes_of(&state.db, viewer.id(), year).await?;
    Ok(store::page(&state.db, viewer.id(), &codes, state.clock.now(), 0, limit).await?)
}

/// One pass of the background job: tells the audiences of items whose time came.
pub async fn run_once(state: &AppState) {
    if let Err(error) = service::notify_due(state).await {
        tracing::error!(%error, "news: notifications failed");
    }
}
