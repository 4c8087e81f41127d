//! Storage of federated sign-ins on the host: the requests this node sent to home nodes (one
//! nonce each, usable once within 10 minutes) and the token ids it accepted (never twice).

use sqlx::AnyConnection;

use super::token::{LIFETIME_SECS, REQUEST_SECS};
use crate::accounts::csrf::random_token;
use crate::store::Db;

/// Records a sign-in request to `peer` and returns its nonce. Stale requests and the ids of
/// tokens that can no longer be valid go at the same time.
pub async fn begin(db: &Db, peer: &str, now: i64) -> sqlx::Result<String> {
    let nonce = random_token();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM federated_logins WHERE created_at <= $1")
        .bind(now - REQUEST_SECS)
        .execute(&mut *tx)
        .await?;
    // A token is refused once expired; its id is kept a little longer than its lifetime.
    sqlx::query("DELETE FROM federated_login_tokens WHERE expires_at <= $1")
        .bind(now - LIFETIME_SECS)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO federated_logins (nonce, peer, created_at) VALUES ($1, $2, $3)")
        .bind(&nonce)
        .bind(peer)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(nonce)
}

/// Records the id of a token, in the caller's transaction; `false` when it was accepted before.
pub async fn record_token(
    conn: &mut AnyConnection,
    jti: &str,
    expires_at: i64,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO federated_login_tokens (jti, expires_at) VALUES ($1, $2) \
         ON CONFLICT (jti) DO NOTHING",
    )
    .bind(jti)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Consumes the request `nonce` made to `peer` less than 10 minutes ago, in the caller's
/// transaction; `false` when there is no such request (unknown, used, stale or another peer's).
pub async fn consume_request(
    conn: &mut AnyConnection,
    nonce: &str,
    peer: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let deleted = sqlx::query(
        "DELETE FROM federated_logins WHERE nonce = $1 AND peer = $2 AND created_at > $3",
    )
    .bind(nonce)
    .bind(peer)
    .bind(now - REQUEST_SECS)
    .execute(conn)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// The guest account bound to `remote_actor` through `peer` that may sign in now: not expired,
/// account active, and an active member of at least one open space of this node.
pub async fn signable_guest(
    conn: &mut AnyConnection,
    remote_actor: &str,
    peer: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT g.user_id FROM guests g JOIN users u ON u.id = g.user_id \
         WHERE g.remote_actor = $1 AND g.peer = $2 AND g.expired_at = 0 AND g.expires_at > $3 \
         AND u.active = 1 AND EXISTS (SELECT 1 FROM space_members m \
           JOIN spaces s ON s.id = m.space_id \
           WHERE m.user_id = g.user_id AND m.state = 'active' AND s.closed_at = 0)",
    )
    .bind(remote_actor)
    .bind(peer)
    .bind(now)
    .fetch_optional(conn)
    .await
}
