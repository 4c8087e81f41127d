//! Files of messages that cross a link, copied as space files are: the sending node announces
//! each file (name, type, size, SHA-256, URL on its side) and serves it to the recipients'
//! node only; the receiving node fetches its copy (signed GET, checked against the
//! announce) in the messagerie's job, retrying with a capped backoff.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use ent_config::Scope;
use ent_federation::service::Shared;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use crate::error::{AppError, AppResult};
use crate::spaces::files::RemoteFile;
use crate::state::AppState;
use crate::store::new_id;

/// Files fetched per pass.
const PER_PASS: i64 = 8;

/// The `attachment` of a message's Note: its files present here, at their federation URL.
pub async fn announced(
    conn: &mut AnyConnection,
    shared: &Shared,
    message_id: &str,
) -> sqlx::Result<Value> {
    let rows = sqlx::query(
        "SELECT id, name, media_type, size, sha256 FROM message_files \
         WHERE message_id = $1 AND state = 'present' ORDER BY created_at, id",
    )
    .bind(message_id)
    .fetch_all(conn)
    .await?;
    Ok(Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "type": "Document",
                    "name": r.get::<String, _>(1),
                    "mediaType": r.get::<String, _>(2),
                    "url": shared.local_url(&format!("/federation/messagerie/fichiers/{}", r.get::<String, _>(0))).to_string(),
                    "entSize": r.get::<i64, _>(3),
                    "entSha256": r.get::<String, _>(4),
                })
            })
            .collect(),
    ))
}

/// Records the files a received message announced, to be fetched.
pub async fn expect_copies(
    conn: &mut AnyConnection,
    message_id: &str,
    files: &[RemoteFile],
    now: i64,
) -> sqlx::Result<()> {
    for file in files {
        sqlx::query(
            "INSERT INTO message_files (id, message_id, name, media_type, size, sha256, created_at, source_url, state, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'missing', $7)",
        )
        .bind(new_id())
        .bind(message_id)
        .bind(&file.name)
        .bind(&file.media_type)
        .bind(file.size)
        .bind(&file.sha256)
        .bind(now)
        .bind(&file.url)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Fetches the missing copies that are due; returns how many arrived.
pub async fn fetch_due(state: &AppState) -> sqlx::Result<usize> {
    let Some(federation) = &state.federation else {
        return Ok(0);
    };
    let now = state.clock.now();
    let rows = sqlx::query(
        "SELECT id, source_url, size, sha256, media_type, attempts FROM message_files \
         WHERE state = 'missing' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(PER_PASS)
    .fetch_all(state.db.pool())
    .await?;
    let mut arrived = 0;
    for row in rows {
        let (id, url, size, sha256, media_type, attempts): (
            String,
            String,
            i64,
            String,
            String,
            i64,
        ) = (
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
        );
        match crate::spaces::fetcher::fetch(federation.shared(), &url, size, &sha256, &media_type)
            .await
        {
            Ok(bytes) => {
                let mut tx = state.db.begin_write().await?;
                let taken = sqlx::query("UPDATE message_files SET state = 'present' WHERE id = $1 AND state = 'missing'")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if taken == 1 {
                    sqlx::query("INSERT INTO message_file_data (file_id, data) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(bytes)
                        .execute(&mut *tx)
                        .await?;
                    arrived += 1;
                }
                tx.commit().await?;
            }
            Err(why) => {
                let wait = crate::spaces::fetcher::retry_wait(attempts);
                tracing::info!(file = id, %why, wait, "messaging: file copy not fetched yet");
                sqlx::query("UPDATE message_files SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1")
                    .bind(&id)
                    .bind(now + wait)
                    .execute(state.db.pool())
                    .await?;
            }
        }
    }
    Ok(arrived)
}

/// `GET /federation/messagerie/fichiers/{id}`: a file of a message sent to people of the
/// asking node (signed, link with the `messaging` scope); each read is journaled.
pub async fn to_peer(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let peer =
        crate::federation::handlers::scoped_peer(&state, &uri, &headers, Scope::Messaging).await?;
    let addressed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_files f JOIN message_recipients r ON r.message_id = f.message_id \
         JOIN message_correspondents c ON c.user_id = r.user_id WHERE f.id = $1 AND c.peer = $2",
    )
    .bind(&file)
    .bind(&peer)
    .fetch_one(state.db.pool())
    .await?;
    if addressed == 0 {
        return Err(AppError::NotFound);
    }
    let (_, meta, bytes) = super::files::file(&state.db, &file)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut conn = state.db.pool().acquire().await?;
    crate::users::store::audit(
        &mut conn,
        state.clock.now(),
        None,
        "message.file_across",
        &file,
        &format!("copie lue par {peer}"),
    )
    .await?;
    Ok(crate::attachments::serve(
        &meta.name,
        &meta.media_type,
        bytes,
    ))
}
