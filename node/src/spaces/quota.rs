//! The storage quotas (`crate::quotas`) applied to spaces: a member's posts and comments and
//! files of the last 24 hours (in every space of this node, pending ones included), and the
//! files a space holds. Checked in the transaction that stores the post, before anything is
//! written, after locking the space's row and then the member's quota lock: on PostgreSQL two
//! posts at once in one space, or by one member in two spaces, then wait for each other and the
//! second counts the first (SQLite's write transaction is already exclusive).

use sqlx::AnyConnection;

use super::SpaceError;
use crate::quotas::{self, DAY_SECS, Limits, Usage};

/// Refuses, with a French message, a post by `author_actor` bringing `bytes` of files into
/// `space_id`, when it would pass a quota.
pub async fn check(
    conn: &mut AnyConnection,
    config: &ent_config::QuotasSection,
    space_id: &str,
    author_actor: &str,
    bytes: i64,
    now: i64,
) -> Result<(), SpaceError> {
    // The write lock of the space (a row lock on PostgreSQL).
    sqlx::query("UPDATE spaces SET closed_at = closed_at WHERE id = $1")
        .bind(space_id)
        .execute(&mut *conn)
        .await?;
    // The member's daily quota spans every space: their own lock, always taken after the
    // space's (one order, so no deadlock), makes a post at once elsewhere wait and be counted.
    crate::store::lock(conn, &format!("quota:{author_actor}"), now).await?;
    let since = now - DAY_SECS;
    let member_items: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM space_posts WHERE author_actor = $1 AND created_at > $2",
    )
    .bind(author_actor)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let member_bytes: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM space_files f \
         JOIN space_posts p ON p.id = f.post_id WHERE p.author_actor = $1 AND f.created_at > $2",
    )
    .bind(author_actor)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let place_bytes: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM space_files WHERE space_id = $1",
    )
    .bind(space_id)
    .fetch_one(&mut *conn)
    .await?;
    let usage = Usage {
        member_items,
        member_bytes,
        place_bytes,
    };
    let limits = Limits::of(config);
    quotas::check(&limits, &usage, 1, bytes)
        .map_err(|exceeded| SpaceError::refused(exceeded.message(&limits)))
}
