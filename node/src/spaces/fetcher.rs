//! Copies of files: a background job fetches the files other nodes announced (signed GET,
//! checked against the announced size, SHA-256 and type), retrying with a capped backoff; and
//! the routes that serve files, to members of this node and to linked nodes holding the space.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use ent_federation::service::Shared;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::watch;

use super::files::{self, FileMeta, MAX_FILE_BYTES};
use super::relay::Relay;
use super::{SpaceError, host, store};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, SpaceFacts};
use crate::state::AppState;
use crate::store::{Clock, Db};

/// Files fetched per pass.
const PER_PASS: i64 = 8;

/// Starts the job; it stops when `shutdown` turns true or its sender is dropped.
pub fn start(
    db: Db,
    clock: Clock,
    federation: ent_federation::Federation,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        // A short period: a file usually arrives a moment after its post; an idle pass is one
        // indexed query.
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(error) = pass(&db, &clock, federation.shared()).await {
                        tracing::error!(%error, "spaces: file copies not fetched");
                    }
                }
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
            }
        }
    });
}

/// Fetches the missing files that are due; returns how many arrived.
pub async fn pass(db: &Db, clock: &Clock, shared: &Shared) -> sqlx::Result<usize> {
    let rows = sqlx::query(
        "SELECT id, source_url, size, sha256, media_type, attempts FROM space_files \
         WHERE state = 'missing' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(clock.now())
    .bind(PER_PASS)
    .fetch_all(db.pool())
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
        match fetch(shared, &url, size, &sha256, &media_type).await {
            Ok(bytes) => {
                let mut tx = db.begin_write().await?;
                let still: Option<String> =
                    sqlx::query_scalar("SELECT state FROM space_files WHERE id = $1")
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let mut relay = Relay::new(Some(shared), clock.now());
                if still.as_deref() == Some("missing") {
                    files::store_bytes(&mut tx, &id, &bytes).await?;
                    sqlx::query("UPDATE space_files SET state = 'present' WHERE id = $1")
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                    announce_arrival(&mut tx, &mut relay, &id).await?;
                    arrived += 1;
                }
                tx.commit().await?;
                relay.wake();
            }
            Err(why) => {
                let wait = retry_wait(attempts);
                tracing::info!(file = id, %why, wait, "spaces: file copy not fetched yet");
                sqlx::query("UPDATE space_files SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1")
                    .bind(&id)
                    .bind(clock.now() + wait)
                    .execute(db.pool())
                    .await?;
            }
        }
    }
    Ok(arrived)
}

/// On the host, a file whose copy arrives after its post was published (a teacher approved
/// the post before the copy from the author's node was made) is announced to the member nodes
/// now, with the post, in the transaction that stores it: every node showing the post ends
/// with every file. Elsewhere (a member node's copy) nothing is sent.
async fn announce_arrival(
    conn: &mut sqlx::AnyConnection,
    relay: &mut Relay<'_>,
    file_id: &str,
) -> sqlx::Result<()> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT space_id, post_id FROM space_files WHERE id = $1")
            .bind(file_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((space_id, post_id)) = row else {
        return Ok(());
    };
    let Some(space) = store::get(conn, &space_id)
        .await?
        .filter(|s| s.is_ours() && !s.local_only)
    else {
        return Ok(());
    };
    // A moderator approving the post at this very moment (PostgreSQL runs both at once)
    // holds its row: this no-op update waits for that approval to commit, and the read below
    // then sees it. Either the approval saw the file present, or this sees the post published.
    sqlx::query("UPDATE space_posts SET version = version WHERE id = $1")
        .bind(&post_id)
        .execute(&mut *conn)
        .await?;
    let Some(post) = store::post_in(conn, &space.id, &post_id).await? else {
        return Ok(());
    };
    match host::file_arrived(conn, relay, &space, &post).await {
        Ok(()) => Ok(()),
        Err(SpaceError::Storage(error)) => Err(error),
        Err(SpaceError::Refused(why)) => {
            tracing::info!(file = file_id, %why, "spaces: arrived file not announced");
            Ok(())
        }
    }
}

/// Seconds before the next try of a copy that failed `attempts` times (2 s doubling, at most
/// 15 minutes).
pub(crate) fn retry_wait(attempts: i64) -> i64 {
    (2_i64 << attempts.min(9)).min(900)
}

/// Fetches a file another node announced (signed GET), checked against the announced size,
/// SHA-256 and type (the messagerie's copies use it too).
pub(crate) async fn fetch(
    shared: &Shared,
    url: &str,
    size: i64,
    sha256: &str,
    media_type: &str,
) -> Result<Vec<u8>, String> {
    let url = url::Url::parse(url).map_err(|e| e.to_string())?;
    let fetched = ent_federation::fetch::signed_get_limited(shared, &url, MAX_FILE_BYTES + 1)
        .await
        .map_err(|e| e.to_string())?;
    if fetched.status != 200 {
        return Err(format!("statut {}", fetched.status));
    }
    let bytes = fetched.body;
    if bytes.len() as i64 != size || hex::encode(Sha256::digest(&bytes)) != sha256 {
        return Err("taille ou empreinte différente de l'annonce".into());
    }
    if infer::get(&bytes).map(|t| t.mime_type()) != Some(media_type) {
        return Err("type différent de l'annonce".into());
    }
    Ok(bytes)
}

/// A file as served: never kept by the browser (a classroom computer is shared, and the next
/// pupil must not find it in the cache), sandboxed, and a PDF downloaded rather than opened in
/// the browser's viewer (which runs its own scripts, outside the sandbox).
fn file_response(file: &FileMeta, bytes: Vec<u8>) -> Response {
    crate::attachments::serve(&file.name, &file.media_type, bytes)
}

/// `GET /espaces/{id}/fichiers/{file}`: a file of a post the member may see.
pub async fn local(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let mut conn = state.db.pool().acquire().await?;
    let me = store::member_by_user(&mut conn, &id, viewer.id())
        .await?
        .filter(|m| m.state == "active");
    let facts = SpaceFacts {
        role: me.as_ref().map(|m| m.role),
    };
    if !policy::allows(&viewer, Action::ViewSpace(&facts)) {
        return Err(AppError::NotFound);
    }
    let me = me.ok_or(AppError::NotFound)?;
    let (meta, bytes) = files::with_bytes(&state.db, &id, &file)
        .await?
        .ok_or(AppError::NotFound)?;
    let post = store::post_in(&mut conn, &id, &meta.post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let read = Action::ReadPost {
        space: &facts,
        status: post.status,
        viewer_is_author: post.author_actor == me.actor_id,
    };
    if !policy::allows(&viewer, read) {
        return Err(AppError::NotFound);
    }
    Ok(file_response(&meta, bytes))
}

/// `GET /federation/files/{id}`: to a linked node that hosts the space or has members in it.
pub async fn to_peer(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let peer = crate::federation::handlers::spaces_peer(&state, &uri, &headers).await?;
    let row = sqlx::query(
        "SELECT s.id, s.host FROM space_files f JOIN spaces s ON s.id = f.space_id WHERE f.id = $1",
    )
    .bind(&file)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let (space_id, host): (String, String) = (row.get(0), row.get(1));
    let mut conn = state.db.pool().acquire().await?;
    if host != peer
        && !store::member_nodes(&mut conn, &space_id)
            .await?
            .contains(&peer)
    {
        return Err(AppError::NotFound);
    }
    let (meta, bytes) = files::with_bytes(&state.db, &space_id, &file)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::users::store::audit(
        &mut conn,
        state.clock.now(),
        None,
        "space.file",
        &file,
        &format!("copie lue par {peer}"),
    )
    .await?;
    Ok(file_response(&meta, bytes))
}
