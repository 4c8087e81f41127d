//! Guest accounts: remote users admitted to spaces of this node, and partners without a node
//! whom an operator or director admits by hand; their federated sign-in and daily expiry.

pub mod admin;
pub mod estimate;
pub mod expiry;
pub mod local;
pub mod logins;
pub mod store;
pub mod token;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use store::{Guest, GuestError};

/// `/admin/invites`: the guests page (checked by the policy in each handler).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/invites", get(admin::list).post(admin::create))
        .route("/admin/invites/{id}/supprimer", post(admin::delete))
}
