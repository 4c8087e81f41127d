//! Groups: any set of users of a school (a class's parents, a project group), built by the
//! school's staff from its classes.

mod handlers;
mod removal;
pub mod requests;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// Group pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groupes", get(handlers::list).post(handlers::create))
        .route("/groupes/{id}", get(handlers::show))
        .route("/groupes/{id}/membres", post(handlers::add_members))
        .route(
            "/groupes/{id}/membres/{user_id}/retirer",
            post(removal::remove_member),
        )
        .route("/groupes/{id}/supprimer", post(removal::delete))
        .route("/groupes/demandes/{id}", post(requests::answer))
}
