//! The files of messages (stored with them, copied on a forward, counted against the quotas)
//! and the class option of the communication rules.

use sqlx::{AnyConnection, Row};

use crate::attachments::{FileTables, Upload};
use crate::store::Db;

/// A file of a message (without its bytes).
pub type FileRow = crate::attachments::StoredFile;

/// Where the files of messages are kept.
const TABLES: FileTables = FileTables {
    files: "message_files",
    data: "message_file_data",
    owner: "message_id",
};

/// Stores uploaded files with a message.
pub async fn attach(
    conn: &mut AnyConnection,
    message_id: &str,
    uploads: &[Upload],
    now: i64,
) -> sqlx::Result<()> {
    TABLES.attach(conn, message_id, uploads, now).await
}

/// Copies the files of `from` to `to` (a forward).
pub async fn copy_files(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
    now: i64,
) -> sqlx::Result<()> {
    let rows = sqlx::query(
        "SELECT f.name, f.media_type, f.sha256, d.data FROM message_files f \
         JOIN message_file_data d ON d.file_id = f.id WHERE f.message_id = $1 ORDER BY f.created_at, f.id",
    )
    .bind(from)
    .fetch_all(&mut *conn)
    .await?;
    let uploads: Vec<Upload> = rows
        .iter()
        .map(|r| Upload {
            name: r.get(0),
            media_type: r.get(1),
            sha256: r.get(2),
            bytes: r.get(3),
        })
        .collect();
    attach(conn, to, &uploads, now).await
}

/// Files of a message.
pub async fn files(db: &Db, message_id: &str) -> sqlx::Result<Vec<FileRow>> {
    TABLES.list(db, message_id).await
}

/// A file with its bytes and its message.
pub async fn file(db: &Db, file_id: &str) -> sqlx::Result<Option<(String, FileRow, Vec<u8>)>> {
    TABLES.get(db, file_id).await
}

/// Files of a received message whose copy has not arrived yet from the sender's node.
pub async fn waiting(db: &Db, message_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT id FROM message_files WHERE message_id = $1 AND state <> 'present'")
        .bind(message_id)
        .fetch_all(db.pool())
        .await
}

/// A file whose copy has not arrived yet: its message and name.
pub async fn waiting_file(db: &Db, file_id: &str) -> sqlx::Result<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT message_id, name FROM message_files WHERE id = $1 AND state <> 'present'",
    )
    .bind(file_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Bytes of files the sender attached in the last 24 hours, and those their mailbox holds.
pub async fn file_usage(
    conn: &mut AnyConnection,
    sender: &str,
    since: i64,
) -> sqlx::Result<(i64, i64)> {
    let day: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM message_files f JOIN messages m ON m.id = f.message_id \
         WHERE m.sender_id = $1 AND f.created_at > $2",
    )
    .bind(sender)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM message_files f JOIN messages m ON m.id = f.message_id \
         WHERE m.sender_id = $1",
    )
    .bind(sender)
    .fetch_one(&mut *conn)
    .await?;
    Ok((day, held))
}

/// Whether a pupil's class lets pupils write to classmates.
pub async fn classmates_open(db: &Db, class_id: &str) -> sqlx::Result<bool> {
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT pupils_write_classmates FROM class_messaging WHERE class_id = $1",
    )
    .bind(class_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(open == Some(1))
}

/// Whether a teacher validates the class's pupils' messages to classmates before they go.
pub async fn classmates_moderated(db: &Db, class_id: &str) -> sqlx::Result<bool> {
    let moderated: Option<i64> =
        sqlx::query_scalar("SELECT moderated FROM class_messaging WHERE class_id = $1")
            .bind(class_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(moderated == Some(1))
}

/// Sets those options.
pub async fn set_classmates_open(
    conn: &mut AnyConnection,
    class_id: &str,
    open: bool,
    moderated: bool,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM class_messaging WHERE class_id = $1")
        .bind(class_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO class_messaging (class_id, pupils_write_classmates, moderated) VALUES ($1, $2, $3)",
    )
    .bind(class_id)
    .bind(i64::from(open))
    .bind(i64::from(open && moderated))
        .execute(conn)
        .await?;
    Ok(())
}
