//! The agenda (SDET "agendas"): events of a school, a class, a group or one person, all-day
//! or timed, weekly series with cancelled or moved occurrences; the viewer's week and month
//! merge what concerns them (a parent: each child's class) with the school holidays of the
//! node's zone (`[agenda] zone`); iCalendar feeds, a class's `.ics`, `.ics` import into a
//! school's agenda. Who writes where is `policy::Action::WriteEvent`; changes aimed at
//! families made in the quiet hours reach them at their end (`crate::quiet_hours`).

pub mod calendar_import;
mod edit;
mod feed;
pub mod files;
mod form;
mod handlers;
pub mod holidays;
pub mod ical;
pub mod model;
mod rights;
pub mod service;
pub mod store;
pub mod view;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::attachments::{MAX_FILE_BYTES, MAX_FILES};
use crate::state::AppState;

/// Agenda pages and feeds.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agenda", get(handlers::agenda))
        .route(
            "/agenda/nouveau",
            get(form::new)
                .post(form::create)
                .layer(DefaultBodyLimit::max(
                    MAX_FILES * MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/agenda/fichiers/{id}", get(files::serve))
        .route("/agenda/evenements/{id}", get(handlers::show))
        .route(
            "/agenda/evenements/{id}/occurrence",
            post(handlers::occurrence),
        )
        .route(
            "/agenda/evenements/{id}/modifier",
            get(edit::form)
                .post(edit::update)
                .layer(DefaultBodyLimit::max(
                    MAX_FILES * MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/agenda/evenements/{id}/supprimer", post(handlers::delete))
        .route("/agenda/flux", post(feed::toggle))
        .route("/agenda/flux/{file}", get(feed::feed))
        .route("/agenda/classes/{id}/agenda.ics", get(feed::class_export))
        .route(
            "/agenda/importer",
            get(feed::import_form).post(feed::import),
        )
}

/// Time between two passes of the job.
const PERIOD: Duration = Duration::from_secs(60);

/// One pass: the families' notices whose quiet hours are over. Failures are logged.
pub async fn run_once(state: &AppState) {
    if let Err(error) = service::deliver_due(state).await {
        tracing::error!(%error, "agenda: notices failed");
    }
}

/// Spawns the job (every minute) until `shutdown` turns true or its sender is dropped.
pub fn start(state: AppState, shutdown: watch::Receiver<bool>) {
    crate::jobs::every(PERIOD, shutdown, move || {
        let state = state.clone();
        async move { run_once(&state).await }
    });
}
