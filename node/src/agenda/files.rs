//! Files attached to an event (checked by `crate::attachments`: type from the bytes, size,
//! count), listed on its page and served to whoever sees the event.

use axum::extract::{Path, State};
use axum::response::Response;
use sqlx::AnyConnection;

use crate::accounts::Viewer;
use crate::attachments::{FileTables, Upload};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Db;

/// A stored file, as the event page lists it.
#[derive(Debug, Clone)]
pub struct FileRow {
    /// Id (its address).
    pub id: String,
    /// File name.
    pub name: String,
    /// "830 ko".
    pub size: String,
}

/// Where the files of events are kept (the one code path of `attachments::FileTables`).
const TABLES: FileTables = FileTables {
    files: "agenda_files",
    data: "agenda_file_data",
    owner: "event_id",
};

/// Stores `uploads` as files of `event_id`, in the caller's transaction.
pub async fn attach(
    conn: &mut AnyConnection,
    event_id: &str,
    uploads: &[Upload],
    now: i64,
) -> sqlx::Result<()> {
    TABLES.attach(conn, event_id, uploads, now).await
}

/// The files of an event.
pub async fn of_event(db: &Db, event_id: &str) -> sqlx::Result<Vec<FileRow>> {
    Ok((TABLES.list(db, event_id).await?.into_iter())
        .map(|f| FileRow {
            size: f.size_label(),
            id: f.id,
            name: f.name,
        })
        .collect())
}

/// Deletes the chosen files of an event (an edit); ids of other events are ignored.
pub async fn remove(
    conn: &mut AnyConnection,
    event_id: &str,
    file_ids: &[String],
) -> sqlx::Result<u64> {
    TABLES.remove(conn, event_id, file_ids).await
}

/// Deletes the files of an event (with the event).
pub async fn delete_of_event(conn: &mut AnyConnection, event_id: &str) -> sqlx::Result<()> {
    TABLES.delete(conn, event_id).await
}

/// `GET /agenda/fichiers/{id}`: a file of an event the viewer sees (404 otherwise).
pub async fn serve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (event_id, file, bytes) = TABLES
        .get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, events) = super::service::followed(&state, &viewer).await?;
    if !events.iter().any(|e| e.id == event_id) {
        return Err(AppError::NotFound);
    }
    Ok(crate::attachments::serve(
        &file.name,
        &file.media_type,
        bytes,
    ))
}
