//! Accounts: sign-in, first sign-in with an activation code, sessions, password change, API tokens.

pub mod attempt;
pub mod codes;
pub mod csrf;
mod federated;
mod handlers;
pub mod jwt;
pub mod password;
pub mod session;
pub mod throttle;
mod viewer;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use session::MaybeViewer;
pub use viewer::Viewer;

/// Sign-in (also through one's own ENT), activation, sign-out and account pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/connexion",
            get(handlers::sign_in_page).post(handlers::sign_in),
        )
        .route(
            "/activation",
            get(handlers::activation_page).post(handlers::activate),
        )
        .route(
            "/mot-de-passe-oublie",
            get(handlers::password_forgotten_page),
        )
        .route("/deconnexion", post(handlers::sign_out))
        .route("/compte", get(handlers::account_page))
        .route("/compte/mot-de-passe", post(handlers::change_password))
        .route(
            "/connexion/ent",
            get(federated::choose_page).post(federated::choose),
        )
        .route("/connexion/ent/retour", get(federated::come_back))
        .route(
            "/federation/login/authorize",
            get(federated::authorize_page).post(federated::authorize),
        )
}
