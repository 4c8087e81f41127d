//! The files of messages (stored with them, copied on a forward, counted against the quotas)
//! and the class option of the communication rules.

use sqlx::{AnyConnection, Row};

use crate::attachments::Upload;
use crate::store::{Db, new_id};

/// A file of a message (without its bytes).
#[derive(Debug, Clone)]
pub struct FileRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
}

impl FileRow {
    /// "1,2 Mo".
    pub fn size_label(&self) -> String {
        crate::attachments::size_label(self.size)
    }
}

/// Stores uploaded files with a message.
pub async fn attach(
    conn: &mut AnyConnection,
    message_id: &str,
    uploads: &[Upload],
    now: i64,
) -> sqlx::Result<()> {
    for upload in uploads {
        let id = new_id();
        sqlx::query(
            "INSERT INTO message_files (id, message_id, name, media_type, size, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(message_id)
        .bind(&upload.name)
        .bind(&upload.media_type)
        .bind(upload.bytes.len() as i64)
        .bind(&upload.sha256)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO message_file_data (file_id, data) VALUES ($1, $2)")
            .bind(&id)
            .bind(upload.bytes.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
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
    let rows = sqlx::query(
        "SELECT id, name, media_type, size FROM message_files WHERE message_id = $1 ORDER BY created_at, id",
    )
    .bind(message_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| FileRow {
            id: r.get(0),
            name: r.get(1),
            media_type: r.get(2),
            size: r.get(3),
        })
        .collect())
}

/// A file with its bytes and its message.
pub async fn file(db: &Db, file_id: &str) -> sqlx::Result<Option<(String, FileRow, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.message_id, f.id, f.name, f.media_type, f.size, d.data FROM message_files f \
         JOIN message_file_data d ON d.file_id = f.id WHERE f.id = $1",
    )
    .bind(file_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| {
        (
            r.get(0),
            FileRow {
                id: r.get(1),
                name: r.get(2),
                media_type: r.get(3),
                size: r.get(4),
            },
            r.get(5),
        )
    }))
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
