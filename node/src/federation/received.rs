//! What peers send, as changes to their notices: read from an activity (refusals decided
//! before anything is written), then written for a whole batch with as few statements as
//! possible (consecutive creations and updates of distinct notices in one multi-row upsert).

use ent_federation::HostError;
use serde_json::Value;
use sqlx::{Any, Transaction};

use crate::store::new_id;

/// One change a peer makes to its notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeChange {
    /// Create or Update of a Note.
    Upsert {
        /// The Note's id (on the peer).
        object_id: String,
        /// Title, 1–120 characters.
        title: String,
        /// Text, 1–4,000 characters.
        content: String,
        /// The sender's `updated` time: an older version never replaces a newer one.
        updated: i64,
    },
    /// Delete of a Note.
    Delete {
        /// The Note's id (on the peer).
        object_id: String,
    },
}

impl NoticeChange {
    fn object_id(&self) -> &str {
        match self {
            Self::Upsert { object_id, .. } | Self::Delete { object_id } => object_id,
        }
    }
}

/// The change a verified activity from `peer` asks for, or why it is refused.
pub fn change_of(peer: &str, activity: &Value) -> Result<NoticeChange, HostError> {
    let kind = activity["type"].as_str().unwrap_or_default();
    let object = &activity["object"];
    let object_id = object
        .as_str()
        .or_else(|| object["id"].as_str())
        .ok_or_else(|| HostError::Refused("objet sans identifiant".into()))?
        .to_owned();
    let owner = url::Url::parse(&object_id)
        .map(|u| ent_federation::signing::authority(&u))
        .unwrap_or_default();
    if owner != peer {
        return Err(HostError::Refused(
            "l'objet n'appartient pas au pair".into(),
        ));
    }
    match kind {
        "Create" | "Update" => {
            if object["type"].as_str() != Some("Note") {
                return Err(HostError::Refused("seules les notes sont acceptées".into()));
            }
            let updated = ent_federation::parse::updated_of(object).ok_or_else(|| {
                HostError::Refused("note sans date de mise à jour (updated)".into())
            })?;
            Ok(NoticeChange::Upsert {
                object_id,
                title: text(&object["name"], 120)?,
                content: text(&object["content"], 4000)?,
                updated,
            })
        }
        "Delete" => Ok(NoticeChange::Delete { object_id }),
        other => Err(HostError::Refused(format!(
            "activité {other} non prise en charge"
        ))),
    }
}

fn text(value: &Value, max: usize) -> Result<String, HostError> {
    let text = value.as_str().unwrap_or_default().trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(HostError::Refused(format!(
            "texte vide ou de plus de {max} caractères"
        )));
    }
    Ok(text.to_owned())
}

/// Writes `changes` (each with its peer) in order, in the caller's transaction.
pub async fn write(
    tx: &mut Transaction<'_, Any>,
    changes: &[(String, NoticeChange)],
    now: i64,
) -> sqlx::Result<()> {
    let mut run: Vec<&(String, NoticeChange)> = Vec::new();
    for change in changes {
        match &change.1 {
            NoticeChange::Upsert { object_id, .. } => {
                // One statement may not touch a row twice: a second change of the same notice
                // starts a new run, keeping the order.
                if run.iter().any(|(_, c)| c.object_id() == object_id) {
                    upsert(tx, &run, now).await?;
                    run.clear();
                }
                run.push(change);
            }
            NoticeChange::Delete { object_id } => {
                upsert(tx, &run, now).await?;
                run.clear();
                sqlx::query("DELETE FROM federation_notices WHERE object_id = $1 AND peer = $2")
                    .bind(object_id)
                    .bind(&change.0)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    upsert(tx, &run, now).await
}

/// Creates or updates notices in one statement; a notice of another peer is never
/// overwritten (and `change_of` already refuses objects that are not the sender's), nor is a
/// newer version by an older one (acknowledged, and ignored).
async fn upsert(
    tx: &mut Transaction<'_, Any>,
    run: &[&(String, NoticeChange)],
    now: i64,
) -> sqlx::Result<()> {
    if run.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..run.len())
        .map(|i| {
            let p = i * 7;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 6,
                p + 7
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO federation_notices (id, object_id, peer, author_label, title, content, published_at, updated_at, \
         remote_updated) VALUES {} ON CONFLICT (object_id) DO UPDATE SET title = excluded.title, \
         content = excluded.content, updated_at = excluded.updated_at, remote_updated = excluded.remote_updated \
         WHERE federation_notices.peer = excluded.peer \
         AND federation_notices.remote_updated <= excluded.remote_updated",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (peer, change) in run {
        if let NoticeChange::Upsert {
            object_id,
            title,
            content,
            updated,
        } = change
        {
            query = query
                .bind(new_id())
                .bind(object_id)
                .bind(peer)
                .bind(title)
                .bind(content)
                .bind(now)
                .bind(updated);
        }
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activities_become_changes_or_refusals() {
        let note =
            |kind: &str, object: Value| serde_json::json!({ "type": kind, "object": object });
        let created = change_of(
            "b.test",
            &note(
                "Create",
                serde_json::json!({ "id": "https://b.test/o/1", "type": "Note", "name": "T", "content": "C", "updated": "2026-11-30T10:00:00Z" }),
            ),
        );
        assert!(matches!(created, Ok(NoticeChange::Upsert { .. })));
        let deleted = change_of("b.test", &note("Delete", "https://b.test/o/1".into()));
        assert_eq!(
            deleted.unwrap(),
            NoticeChange::Delete {
                object_id: "https://b.test/o/1".into()
            }
        );
        for (peer, activity) in [
            ("c.test", note("Delete", "https://b.test/o/1".into())),
            ("b.test", note("Like", "https://b.test/o/1".into())),
            (
                "b.test",
                note(
                    "Create",
                    serde_json::json!({ "id": "https://b.test/o/2", "type": "Image" }),
                ),
            ),
            (
                "b.test",
                note(
                    "Create",
                    serde_json::json!({ "id": "https://b.test/o/3", "type": "Note", "name": "", "content": "C" }),
                ),
            ),
        ] {
            assert!(
                matches!(change_of(peer, &activity), Err(HostError::Refused(_))),
                "{activity}"
            );
        }
    }
}
