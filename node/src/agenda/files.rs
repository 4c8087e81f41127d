//! Files attached to an event (checked by `crate::attachments`: type from the bytes, size,
//! count), listed on its page and served to whoever sees the event.

use axum::extract::{Path, State};
use axum::response::Response;
use sqlx::{AnyConnection, Row};

use crate::accounts::Viewer;
use crate::attachments::Upload;
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

/// Stores `uploads` as files of `event_id`, in the caller's transaction.
pub async fn attach(
    conn: &mut AnyConnection,
    event_id: &str,
    uploads: &[Upload],
    now: i64,
) -> sqlx::Result<()> {
    let tables = crate::attachments::FileTables {
        files: "agenda_files",
        data: "agenda_file_data",
        owner: "event_id",
    };
    crate::attachments::store(conn, tables, event_id, uploads, now).await
}

/// The files of an event.
pub async fn of_event(db: &Db, event_id: &str) -> sqlx::Result<Vec<FileRow>> {
    let rows = sqlx::query(
        "SELECT id, name, size FROM agenda_files WHERE event_id = $1 ORDER BY created_at, name",
    )
    .bind(event_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| FileRow {
            id: r.get(0),
            name: r.get(1),
            size: crate::attachments::size_label(r.get(2)),
        })
        .collect())
}

/// Deletes the files of an event (with the event).
pub async fn delete_of_event(conn: &mut AnyConnection, event_id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM agenda_file_data WHERE file_id IN (SELECT id FROM agenda_files WHERE event_id = $1)",
    )
    .bind(event_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM agenda_files WHERE event_id = $1")
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// `GET /agenda/fichiers/{id}`: a file of an event the viewer sees (404 otherwise).
pub async fn serve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let row = sqlx::query(
        "SELECT f.event_id, f.name, f.media_type, d.data FROM agenda_files f \
         JOIN agenda_file_data d ON d.file_id = f.id WHERE f.id = $1",
    )
    .bind(&id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let event_id: String = row.get(0);
    let (_, events) = super::service::followed(&state, &viewer).await?;
    if !events.iter().any(|e| e.id == event_id) {
        return Err(AppError::NotFound);
    }
    Ok(crate::attachments::serve(
        &row.get::<String, _>(1),
        &row.get::<String, _>(2),
        row.get(3),
    ))
}
