//! Person actors: a user gets one (and its RSA key pair) only when they first take part in
//! federation, never at import (key generation costs ~100 ms). The actor's URL is an opaque id;
//! what crosses a link is the display name (first name and initial of the last name).

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
    /// SubjectPublicKeyInfo, PEM.
    pub public_key_pem: String,
}

const SELECT: &str = "SELECT a.id, a.user_id, u.first_name, u.last_name, a.public_key_pem \
    FROM federation_actors a JOIN users u ON u.id = a.user_id";

fn actor(row: &sqlx::any::AnyRow) -> PersonActor {
    let first: String = row.get(2);
    let last: String = row.get(3);
    let initial = last
        .chars()
        .next()
        .map(|c| format!(" {c}."))
        .unwrap_or_default();
    PersonActor {
        id: row.get(0),
        user_id: row.get(1),
        display_name: format!("{first}{initial}"),
        public_key_pem: row.get(4),
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

/// The actor of `user_id`, created with a new key pair on first use.
pub async fn ensure(db: &Db, user_id: &str, now: i64) -> anyhow::Result<PersonActor> {
    let existing = sqlx::query(&format!("{SELECT} WHERE a.user_id = $1"))
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    if let Some(row) = existing {
        return Ok(actor(&row));
    }
    // RSA generation is CPU-bound: keep it off the async workers.
    let keys = tokio::task::spawn_blocking(ent_federation::identity::generate_keypair).await??;
    sqlx::query(
        "INSERT INTO federation_actors (id, user_id, public_key_pem, private_key_pem, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(&keys.0)
    .bind(&keys.1)
    .bind(now)
    .execute(db.pool())
    .await?;
    // Whoever won a race, this reads the one stored actor.
    let row = sqlx::query(&format!("{SELECT} WHERE a.user_id = $1"))
        .bind(user_id)
        .fetch_one(db.pool())
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
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": actor.public_key_pem,
        },
    })
}
