//! Classes: the class page, activation codes and connection sheets.

mod handlers;
mod links;
pub mod sheets;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use store::ClassRow;

/// Class pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/{id}", get(handlers::class_page))
        .route("/classes/{id}/fiches", post(handlers::print_sheets))
        .route(
            "/classes/{id}/fiches/renouveler",
            post(handlers::renew_codes),
        )
        .route(
            "/classes/{id}/comptes/{user_id}/code",
            post(handlers::regenerate_code),
        )
        .route("/classes/{id}/liens/{question_id}", post(links::choose))
}
