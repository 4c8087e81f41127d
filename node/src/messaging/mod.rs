//! The messagerie (SDET: courrier électronique): mailboxes with Reçus, Envoyés, Brouillons and
//! Corbeille; threads, replies, forwards with files; drafts; the communication rules
//! (`policy::communication`, resolved in `contacts`); the quiet hours of the droit à la
//! déconnexion (`crate::quiet_hours`); limits and reports. A message to an audience is one
//! message with one recipient list, filed in each recipient's mailbox.

pub mod across;
mod arrivals;
mod class_options;
mod compose;
pub mod contacts;
mod copies;
pub mod files;
mod handlers;
mod moderation;
pub mod service;
pub mod store;
mod unreached;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::watch;

pub use arrivals::{Arrived, receive};

use crate::attachments::{MAX_FILE_BYTES, MAX_FILES};
use crate::state::AppState;

/// Mailbox pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messagerie", get(handlers::mailbox))
        .route(
            "/messagerie/ecrire",
            get(compose::compose)
                .post(compose::send)
                .layer(DefaultBodyLimit::max(
                    MAX_FILES * MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/messagerie/corbeille/vider", post(handlers::empty_trash))
        .route("/messagerie/fichiers/{id}", get(handlers::file))
        .route("/messagerie/a-valider", get(moderation::page))
        .route("/messagerie/a-valider/{id}", post(moderation::decide))
        .route(
            "/messagerie/classes/{id}/entre-eleves",
            post(class_options::set),
        )
        .route(class_options::PATH, get(class_options::page))
        .route(across::DIRECTORY_PATH, get(across::serve_directory))
        .route("/federation/messagerie/fichiers/{id}", get(copies::to_peer))
        .route("/messagerie/{id}", get(handlers::show))
        .route("/messagerie/{id}/{action}", post(handlers::act))
}

/// Time between two passes of the job.
const PERIOD: Duration = Duration::from_secs(60);

/// One pass: delivers held messages whose time has come, fetches copies of files received
/// from linked nodes, purges trash older than 30 days.
/// Failures are logged, never fatal.
pub async fn run_once(state: &AppState) {
    if let Err(error) = service::deliver_due(state).await {
        tracing::error!(%error, "messaging: delivery failed");
    }
    if let Err(error) = copies::fetch_due(state).await {
        tracing::error!(%error, "messaging: file copies not fetched");
    }
    let purged = async {
        let mut tx = state.db.begin_write().await?;
        let n = store::purge(&mut tx, None, state.clock.now()).await?;
        tx.commit().await?;
        Ok::<u64, sqlx::Error>(n)
    }
    .await;
    match purged {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "messaging: trash purged"),
        Err(error) => tracing::error!(%error, "messaging: purge failed"),
    }
}

/// Spawns the job (every minute) until `shutdown` turns true or its sender is dropped.
pub fn start(state: AppState, shutdown: watch::Receiver<bool>) {
    crate::jobs::every(PERIOD, shutdown, move || {
        let state = state.clone();
        async move { run_once(&state).await }
    });
}
