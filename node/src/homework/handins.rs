//! "À rendre": what a pupil hands in for a work (a text, files), and the teacher's answer.

use sqlx::{AnyConnection, Row};

use crate::store::Db;

/// One pupil's hand-in.
#[derive(Debug, Clone)]
pub struct Handin {
    /// Id.
    pub id: String,
    /// The work.
    pub entry_id: String,
    /// The pupil.
    pub pupil_id: String,
    /// Their name ("Léa Martin": the teacher reads it).
    pub pupil_name: String,
    /// Their text.
    pub body: String,
    /// The teacher's answer ('' while none).
    pub answer: String,
    /// When handed in (last time).
    pub created_at: i64,
}

const SELECT: &str = "SELECT h.id, h.entry_id, h.pupil_id, \
    u.first_name || ' ' || COALESCE(u.usage_name, u.last_name), h.body, h.answer, h.created_at \
    FROM homework_handins h JOIN users u ON u.id = h.pupil_id";

fn handin(row: &sqlx::any::AnyRow) -> Handin {
    Handin {
        id: row.get(0),
        entry_id: row.get(1),
        pupil_id: row.get(2),
        pupil_name: row.get(3),
        body: row.get(4),
        answer: row.get(5),
        created_at: row.get(6),
    }
}

/// One hand-in.
pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<Handin>> {
    let row = sqlx::query(&format!("{SELECT} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(handin))
}

/// A pupil's hand-in for a work, if any.
pub async fn of_pupil(db: &Db, entry: &str, pupil: &str) -> sqlx::Result<Option<Handin>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE h.entry_id = $1 AND h.pupil_id = $2"
    ))
    .bind(entry)
    .bind(pupil)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(handin))
}

/// Every hand-in of a work, by pupil name.
pub async fn of_entry(db: &Db, entry: &str) -> sqlx::Result<Vec<Handin>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE h.entry_id = $1 ORDER BY u.first_name, u.last_name"
    ))
    .bind(entry)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(handin).collect())
}

/// Writes or replaces a pupil's text for a work (one row per pupil and work: the unique key
/// keeps a double send to one); returns the hand-in's id.
pub async fn hand_in(
    tx: &mut AnyConnection,
    entry: &str,
    pupil: &str,
    body: &str,
    now: i64,
) -> sqlx::Result<String> {
    sqlx::query(
        "INSERT INTO homework_handins (id, entry_id, pupil_id, body, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (entry_id, pupil_id) DO UPDATE SET body = excluded.body, created_at = excluded.created_at",
    )
    .bind(crate::store::new_id())
    .bind(entry)
    .bind(pupil)
    .bind(body)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar("SELECT id FROM homework_handins WHERE entry_id = $1 AND pupil_id = $2")
        .bind(entry)
        .bind(pupil)
        .fetch_one(&mut *tx)
        .await
}

/// Sets the teacher's answer.
pub async fn answer(tx: &mut AnyConnection, id: &str, text: &str, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("UPDATE homework_handins SET answer = $1, answered_at = $2 WHERE id = $3")
            .bind(text)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}
