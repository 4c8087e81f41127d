//! Notices: short messages the operator of a node sends to the operators of its linked nodes
//! ("maintenance samedi", "nouvelle convention à signer"). The first federated content: each is
//! a Note, created, updated and deleted through the outbox, and purged when its link ends.

use ent_federation::Federation;
use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};

use crate::federation::store::enqueue;
use crate::store::{Db, new_id};

/// A notice, ours (`peer` empty) or received.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    /// Local id.
    pub id: String,
    /// ActivityPub id.
    pub object_id: String,
    /// The sending peer, empty for ours.
    pub peer: String,
    /// Who wrote it ("ENT de la ville de …").
    pub author_label: String,
    /// Title.
    pub title: String,
    /// Text.
    pub content: String,
    /// First published (Unix seconds).
    pub published_at: i64,
    /// Last changed (Unix seconds).
    pub updated_at: i64,
}

/// A notice as typed by an operator.
#[derive(Debug, Clone)]
pub struct NoticeText {
    /// Title, 1–120 characters.
    pub title: String,
    /// Text, 1–4,000 characters.
    pub content: String,
}

impl NoticeText {
    /// Checks lengths; the French message names the field.
    pub fn parse(title: &str, content: &str) -> Result<Self, &'static str> {
        let title = title.trim();
        let content = content.trim();
        if title.is_empty() || title.chars().count() > 120 {
            return Err("Le titre doit faire entre 1 et 120 caractères.");
        }
        if content.is_empty() || content.chars().count() > 4000 {
            return Err("Le texte doit faire entre 1 et 4 000 caractères.");
        }
        Ok(Self {
            title: title.into(),
            content: content.into(),
        })
    }
}

const SELECT: &str = "SELECT id, object_id, peer, author_label, title, content, published_at, \
    updated_at FROM federation_notices";

/// Our notices, newest first (an operator writes a few a year).
pub async fn ours_all(db: &Db) -> sqlx::Result<Vec<Notice>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE peer = '' ORDER BY published_at DESC, id DESC"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(notice).collect())
}

/// How many notices were received from linked nodes.
pub async fn received_count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM federation_notices WHERE peer <> ''")
        .fetch_one(db.pool())
        .await
}

/// Received notices, newest first, `limit` of them after `offset`.
pub async fn received_page(db: &Db, offset: usize, limit: usize) -> sqlx::Result<Vec<Notice>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE peer <> '' ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2"
    ))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .bind(i64::try_from(offset).unwrap_or(0))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(notice).collect())
}

/// Our notice whose ActivityPub id is `object_id`.
pub async fn ours(db: &Db, object_id: &str) -> sqlx::Result<Option<Notice>> {
    let row = sqlx::query(&format!("{SELECT} WHERE object_id = $1 AND peer = ''"))
        .bind(object_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(notice))
}

/// Received notices of `peer`, oldest first.
pub async fn from_peer(db: &Db, peer: &str) -> sqlx::Result<Vec<Notice>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE peer = $1 ORDER BY published_at, id"
    ))
    .bind(peer)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(notice).collect())
}

fn notice(r: &sqlx::any::AnyRow) -> Notice {
    Notice {
        id: r.get(0),
        object_id: r.get(1),
        peer: r.get(2),
        author_label: r.get(3),
        title: r.get(4),
        content: r.get(5),
        published_at: r.get(6),
        updated_at: r.get(7),
    }
}

/// Publishes a new notice to every active link; returns its id.
pub async fn publish(
    db: &Db,
    federation: &Federation,
    text: &NoticeText,
    now: i64,
) -> sqlx::Result<String> {
    let id = new_id();
    let object_id = federation
        .local_url(&format!("/federation/objects/{id}"))
        .to_string();
    let author = federation.service_actor().name;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO federation_notices (id, object_id, peer, author_label, title, content, published_at, updated_at) \
         VALUES ($1, $2, '', $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(&object_id)
    .bind(&author)
    .bind(&text.title)
    .bind(&text.content)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let object = note(federation, &object_id, text, now, now);
    send(&mut tx, federation, "Create", object, now).await?;
    tx.commit().await?;
    wake(federation);
    Ok(id)
}

/// Changes one of our notices; `false` when there is no such notice of ours.
pub async fn update(
    db: &Db,
    federation: &Federation,
    id: &str,
    text: &NoticeText,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT object_id, published_at, updated_at FROM federation_notices WHERE id = $1 AND peer = ''",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let (object_id, published): (String, i64) = (row.get(0), row.get(1));
    // Linked nodes keep the newest version they received: each must be later than the last.
    let version = crate::store::next_version(row.get(2), now);
    sqlx::query(
        "UPDATE federation_notices SET title = $2, content = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(&text.title)
    .bind(&text.content)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    let object = note(federation, &object_id, text, published, version);
    send(&mut tx, federation, "Update", object, now).await?;
    tx.commit().await?;
    wake(federation);
    Ok(true)
}

/// Deletes one of our notices everywhere; `false` when there is no such notice of ours.
pub async fn delete(db: &Db, federation: &Federation, id: &str, now: i64) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let object_id: Option<String> =
        sqlx::query_scalar("SELECT object_id FROM federation_notices WHERE id = $1 AND peer = ''")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(object_id) = object_id else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM federation_notices WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let tombstone = json!({ "id": object_id, "type": "Tombstone" });
    send(&mut tx, federation, "Delete", tombstone, now).await?;
    tx.commit().await?;
    wake(federation);
    Ok(true)
}

fn note(
    federation: &Federation,
    object_id: &str,
    text: &NoticeText,
    published: i64,
    updated: i64,
) -> Value {
    json!({
        "id": object_id,
        "type": "Note",
        "attributedTo": federation.service_actor().id,
        "name": text.title,
        "content": text.content,
        "published": rfc3339(published),
        "updated": rfc3339(updated),
    })
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One activity per active link, each addressed to that peer only (a peer must never see the
/// address of another peer it is not linked to), queued in the caller's transaction.
async fn send(
    tx: &mut Transaction<'_, Any>,
    federation: &Federation,
    kind: &str,
    object: Value,
    now: i64,
) -> sqlx::Result<()> {
    let actor = federation.service_actor().id;
    for (peer, inbox) in federation.recipients(None) {
        let activity_id = federation
            .local_url(&format!("/federation/activities/{}", new_id()))
            .to_string();
        let mut to = inbox.clone();
        to.set_path(ent_federation::actors::NODE_ACTOR_PATH);
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": activity_id,
            "type": kind,
            "actor": actor,
            "to": [to],
            "object": object,
        });
        enqueue(
            tx,
            &peer,
            &activity_id,
            inbox.as_str(),
            &activity.to_string(),
            now,
        )
        .await?;
    }
    Ok(())
}

fn wake(federation: &Federation) {
    for (peer, _) in federation.recipients(None) {
        federation.wake(&peer);
    }
}
