//! A held or scheduled message whose link with a recipient's node ended before its time is
//! not sent there (the link stops the exchange), but not silently: each such recipient is
//! marked "non remis" with the reason, shown to the sender in the message; the crossing that
//! did not happen is journaled (who, to whom; never the text) and the sender is notified.

use ent_config::Scope;
use ent_federation::service::Shared;
use sqlx::{AnyConnection, Row};

/// Marks the recipients of `message_id` whose node is no longer linked for messaging, in the
/// caller's transaction. Returns the sender to tell, when anyone was marked.
pub async fn mark(
    conn: &mut AnyConnection,
    shared: Option<&Shared>,
    message_id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let rows = sqlx::query(
        "SELECT r.user_id, c.peer, c.school, u.first_name, m.sender_id FROM message_recipients r \
         JOIN message_correspondents c ON c.user_id = r.user_id JOIN users u ON u.id = c.user_id \
         JOIN messages m ON m.id = r.message_id \
         WHERE r.message_id = $1 AND r.undelivered IS NULL ORDER BY c.peer, u.first_name",
    )
    .bind(message_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut sender = None;
    let mut names: Vec<(String, String)> = Vec::new();
    for row in &rows {
        let peer: String = row.get(1);
        if shared.is_some_and(|s| s.allows(&peer, Scope::Messaging)) {
            continue;
        }
        let school: String = row.get(2);
        let reason = format!("non remis : le lien avec {school} a pris fin");
        sqlx::query(
            "UPDATE message_recipients SET undelivered = $1 WHERE message_id = $2 AND user_id = $3",
        )
        .bind(&reason)
        .bind(message_id)
        .bind(row.get::<String, _>(0))
        .execute(&mut *conn)
        .await?;
        names.push((row.get(3), peer));
        sender = Some(row.get::<String, _>(4));
    }
    if let Some(sender) = &sender {
        let detail: Vec<String> = names
            .iter()
            .map(|(name, peer)| format!("{name} ({peer})"))
            .collect();
        crate::users::store::audit(
            conn,
            now,
            Some(sender),
            "message.not_sent_across",
            message_id,
            &format!("à {} : le lien a pris fin", detail.join(", ")),
        )
        .await?;
    }
    Ok(sender)
}

/// Recipients of `message_id` it did not reach, with why: "Nom (École) : non remis : …".
pub async fn list(db: &crate::store::Db, message_id: &str) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT u.first_name, u.last_name, r.undelivered FROM message_recipients r \
         JOIN users u ON u.id = r.user_id WHERE r.message_id = $1 AND r.undelivered IS NOT NULL \
         ORDER BY u.first_name",
    )
    .bind(message_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            format!(
                "{} {} : {}",
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2)
            )
        })
        .collect())
}
