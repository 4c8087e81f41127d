//! Person actors: a user gets one when they first take part in federation (a space of another
//! node). The actor's URL is an opaque id; what crosses a link is the display name (first name
//! and initial of the last name). The node signs for its users with its own key (peers pinned
//! it when linking), so a Person has no key pair of its own: nothing per user to generate,
//! rotate or leak.

use ent_federation::Federation;
use sqlx::Row;

use crate::store::{Db, new_id};

/// A user's actor.
#[derive(Debug, Clone)]
pub struct PersonActor {
    /// Opaque actor id (not the user's id).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// "Léa M."
    pub display_name: String,
}

const SELECT: &str = "SELECT a.id, a.user_id, u.first_name, COALESCE(u.usage_name, u.last_name) \
    FROM federation_actors a JOIN users u ON u.id = a.user_id";

fn actor(row: &sqlx::any::AnyRow) -> PersonActor {
    let (first, last): (String, String) = (row.get(2), row.get(3));
    PersonActor {
        id: row.get(0),
        user_id: row.get(1),
        display_name: crate::domain::short_name(&first, &last),
    }
}

/// The actor `id`, if it exists and its user is active.
pub async fn find(db: &Db, id: &str) -> sqlx::Result<Option<PersonActor>> {
    let row = sqlx::query(&format!("{SELECT} WHERE a.id = $1 AND u.active = 1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(actor))
}

/// The actor of `user_id`, created on first use.
pub async fn ensure(db: &Db, user_id: &str, now: i64) -> sqlx::Result<PersonActor> {
    let mut conn = db.pool().acquire().await?;
    ensure_in(&mut conn, user_id, now).await
}

/// The actor of `user_id`, created on first use, in the caller's transaction.
pub async fn ensure_in(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    now: i64,
) -> sqlx::Result<PersonActor> {
    let existing = sqlx::query(&format!("{SELECT} WHERE a.user_id = $1"))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = existing {
        return Ok(actor(&row));
    }
    sqlx::query(
        "INSERT INTO federation_actors (id, user_id, public_key_pem, private_key_pem, created_at) \
         VALUES ($1, $2, '', '', $3) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Whoever won a race, this reads the one stored actor.
    let row = sqlx::query(&format!("{SELECT} WHERE a.user_id = $1"))
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(actor(&row))
}

/// The actor's URL.
pub fn actor_url(federation: &Federation, id: &str) -> String {
    federation
        .local_url(&format!("/federation/actors/{id}"))
        .to_string()
}

/// The actor's JSON.
pub fn to_json(federation: &Federation, actor: &PersonActor) -> serde_json::Value {
    let id = actor_url(federation, &actor.id);
    serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "type": "Person",
        "id": id,
        "preferredUsername": actor.id,
        "name": actor.display_name,
        "inbox": federation.local_url(ent_federation::actors::INBOX_PATH).to_string(),
        // The node's key: the node signs for its users.
        "publicKey": federation.service_actor().public_key,
    })
}
