//! The SQL of notifications: centre lines, muted kinds, e-mail addresses.

use sqlx::AnyConnection;

use super::Kind;
use crate::store::{Db, new_id};

/// One line of a centre.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Line {
    /// Its id.
    pub id: String,
    /// What happened.
    pub label: String,
    /// When (Unix seconds).
    pub created_at: i64,
    /// 0 while unread.
    pub read_at: i64,
}

/// An adult's address for notifications.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailSettings {
    /// The address.
    pub address: String,
    /// The SHA-256 of the confirmation token (the token itself is only in the mail).
    pub token: String,
    /// 0 until confirmed.
    pub confirmed_at: i64,
    /// `each`, `digest` or `off`.
    pub mode: String,
    /// Notifications after this instant await the digest.
    pub digest_at: i64,
}

fn marks(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Those of `users` (at most 500) who did not turn `kind` off.
pub async fn wanting(
    conn: &mut AnyConnection,
    users: &[String],
    kind: Kind,
) -> sqlx::Result<Vec<String>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT user_id FROM notification_muted WHERE kind = $1 AND user_id IN ({})",
        marks(2, users.len())
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql).bind(kind.key());
    for id in users {
        query = query.bind(id);
    }
    let muted = query.fetch_all(&mut *conn).await?;
    Ok(users
        .iter()
        .filter(|u| !muted.contains(u))
        .cloned()
        .collect())
}

/// Adds a line to a centre.
pub async fn insert(
    conn: &mut AnyConnection,
    user_id: &str,
    kind: Kind,
    label: &str,
    link: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, label, link, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(kind.key())
    .bind(label)
    .bind(link)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// `(user, address)` of those of `users` (at most 500) who want a mail for each notification.
pub async fn mailed_each(
    conn: &mut AnyConnection,
    users: &[String],
) -> sqlx::Result<Vec<(String, String)>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.user_id, m.address FROM notification_mail m JOIN users u ON u.id = m.user_id \
         WHERE m.mode = 'each' AND m.confirmed_at > 0 AND u.active = 1 AND m.user_id IN ({})",
        marks(1, users.len())
    );
    let mut query = sqlx::query_as::<_, (String, String)>(&sql);
    for id in users {
        query = query.bind(id);
    }
    query.fetch_all(conn).await
}

/// How many unread lines `user_id` has.
pub async fn unread(db: &Db, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
}

/// How many lines `user_id` has.
pub async fn count(db: &Db, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
}

/// One page of `user_id`'s lines, newest first.
pub async fn page(db: &Db, user_id: &str, offset: usize, limit: usize) -> sqlx::Result<Vec<Line>> {
    sqlx::query_as(
        "SELECT id, label, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(limit as i64)
    .bind(offset as i64)
    .fetch_all(db.pool())
    .await
}

/// Marks one of `user_id`'s lines read; its link, or `None` when it is not theirs.
pub async fn open(db: &Db, user_id: &str, id: &str, now: i64) -> sqlx::Result<Option<String>> {
    let link: Option<String> =
        sqlx::query_scalar("SELECT link FROM notifications WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    if link.is_some() {
        sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at = 0",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    }
    Ok(link)
}

/// Marks read `user_id`'s lines pointing to `link` (the page itself was opened); how many.
pub async fn read_link(db: &Db, user_id: &str, link: &str, now: i64) -> sqlx::Result<i64> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND link = $3 AND read_at = 0",
    )
    .bind(now)
    .bind(user_id)
    .bind(link)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() as i64)
}

/// Marks every line of `user_id` read.
pub async fn all_read(db: &Db, user_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0")
        .bind(now)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The kinds `user_id` turned off.
pub async fn muted(db: &Db, user_id: &str) -> sqlx::Result<Vec<Kind>> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM notification_muted WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(db.pool())
            .await?;
    Ok(keys.iter().filter_map(|k| Kind::parse(k)).collect())
}

/// Replaces the kinds `user_id` turned off.
pub async fn set_muted(
    conn: &mut AnyConnection,
    user_id: &str,
    kinds: &[Kind],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notification_muted WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for kind in kinds {
        sqlx::query("INSERT INTO notification_muted (user_id, kind) VALUES ($1, $2)")
            .bind(user_id)
            .bind(kind.key())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `user_id`'s address settings, if they gave one.
pub async fn mail_settings(db: &Db, user_id: &str) -> sqlx::Result<Option<MailSettings>> {
    sqlx::query_as(
        "SELECT address, token, confirmed_at, mode, digest_at FROM notification_mail WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await
}

/// Sets the address and mode; a new address must be confirmed again (new token).
pub async fn set_mail(
    conn: &mut AnyConnection,
    user_id: &str,
    address: &str,
    mode: &str,
    token: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let same: Option<String> =
        sqlx::query_scalar("SELECT address FROM notification_mail WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    if same.as_deref() == Some(address) {
        sqlx::query("UPDATE notification_mail SET mode = $1, digest_at = $2 WHERE user_id = $3")
            .bind(mode)
            .bind(now)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        return Ok(false);
    }
    sqlx::query("DELETE FROM notification_mail WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO notification_mail (user_id, address, token, confirmed_at, mode, digest_at, created_at) \
         VALUES ($1, $2, $3, 0, $4, $5, $5)",
    )
    .bind(user_id)
    .bind(address)
    .bind(crate::store::token_digest(token))
    .bind(mode)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Confirms the address whose token is `token`; its owner, or `None` for an unknown token.
pub async fn confirm(
    conn: &mut AnyConnection,
    token: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let owner: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM notification_mail WHERE token = $1")
            .bind(crate::store::token_digest(token))
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(user_id) = &owner {
        sqlx::query(
            "UPDATE notification_mail SET confirmed_at = $1 WHERE user_id = $2 AND confirmed_at = 0",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(owner)
}

/// Stops every mail to `user_id`; whether they were receiving any.
pub async fn unsubscribe(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE notification_mail SET mode = 'off' WHERE user_id = $1 AND mode <> 'off'",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM mail_outbox WHERE user_id = $1 AND state = 'queued'")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(changed.rows_affected() > 0)
}
