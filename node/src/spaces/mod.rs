//! Cycle 3 spaces: a wall of posts and comments shared by classes, on one node or across linked
//! nodes. A space lives on its host node as a Group actor; member nodes keep a copy. Pages and
//! handlers are in `handlers`; the host's rules in `host`; a member node's side in `member`;
//! what crosses links in `relay` (out) and `inbound` (in).

mod actions;
mod admission;
mod closing;
mod compose;
mod departures;
pub(crate) mod directory;
pub(crate) mod fetcher;
pub mod files;
mod handlers;
pub mod host;
pub mod inbound;
pub mod invitations;
mod invite;
pub mod invited;
pub mod joining;
pub mod member;
pub mod model;
mod quota;
pub mod relay;
pub mod service;
pub mod store;
pub mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub use model::{PostStatus, Role, Settings};

/// Why a change to a space was not made.
#[derive(Debug, thiserror::Error)]
pub enum SpaceError {
    /// Refused, with the French reason shown to the user (or sent back to the peer).
    #[error("{0}")]
    Refused(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
}

impl SpaceError {
    /// A refusal with its French reason.
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }
}

impl From<SpaceError> for crate::error::AppError {
    fn from(error: SpaceError) -> Self {
        match error {
            SpaceError::Refused(message) => Self::Invalid(message),
            SpaceError::Storage(e) => Self::Store(e),
        }
    }
}

/// Space pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/espaces", get(handlers::list).post(handlers::create))
        .route("/espaces/{id}", get(handlers::show))
        .route("/espaces/fermes", get(closing::closed))
        .route("/espaces/{id}/fermer", post(closing::close))
        .route("/espaces/{id}/rouvrir", post(closing::reopen))
        .route(
            "/espaces/{id}/messages",
            post(handlers::write).layer(DefaultBodyLimit::max(
                files::MAX_FILES * files::MAX_FILE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/espaces/{id}/messages/{post}/modifier",
            post(handlers::edit),
        )
        .route(
            "/espaces/{id}/messages/{post}/supprimer",
            post(handlers::delete),
        )
        .route(
            "/espaces/{id}/messages/{post}/moderer",
            post(handlers::moderate),
        )
        .route(
            "/espaces/{id}/messages/{post}/signaler",
            post(handlers::report),
        )
        .route(
            "/espaces/{id}/quitter",
            get(handlers::leave_page).post(handlers::leave),
        )
        .route(
            "/espaces/{id}/membres/retirer",
            post(handlers::remove_member),
        )
        .route("/espaces/{id}/reglages", post(handlers::settings))
        .route(
            "/espaces/{id}/inviter",
            get(handlers::invite_page).post(handlers::invite),
        )
        .route(
            "/espaces/invitations/{id}",
            get(handlers::invitation_page).post(handlers::answer_invitation),
        )
        .route("/federation/classes", get(handlers::directory))
        .route("/espaces/{id}/fichiers/{file}", get(fetcher::local))
        .route("/federation/files/{id}", get(fetcher::to_peer))
        .route("/federation/spaces/{id}", get(directory::group))
}

/// `yyyy-mm-dd` of a timestamp for date fields ('' for 0).
pub fn view_day(secs: &i64) -> String {
    view::day_of(*secs)
}

/// Starts the job that fetches copies of files other nodes announced.
pub fn start_file_copies(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    if let Some(federation) = &state.federation {
        fetcher::start(
            state.db.clone(),
            state.clock.clone(),
            federation.clone(),
            shutdown,
        );
    }
}
