//! The operator's pages: schools and accounts of the node.

mod audit;
mod delayed;
mod journal_words;
mod schools;
mod staff;
mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// `/admin/…` routes (operator only, checked by the policy in each handler).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/ecoles", get(schools::list).post(schools::add))
        .route("/admin/ecoles/{id}", get(schools::show))
        .route(
            "/admin/ecoles/{id}/personnel",
            get(staff::form).post(staff::create),
        )
        .route("/admin/utilisateurs", get(users::list))
        .route("/admin/utilisateurs/debloquer", post(delayed::unlock))
        .route("/admin/utilisateurs/{id}", get(users::show))
        .route("/admin/utilisateurs/{id}/etat", post(users::set_state))
        .route("/admin/utilisateurs/{id}/code", post(users::reset))
        .route(
            "/admin/utilisateurs/{id}/messages",
            post(users::erase_posts),
        )
        .route("/admin/journal", get(audit::page))
}
