//! The files of news items (an image, a PDF): stored with the item, counted against the
//! author's quotas, served to whoever may read the item.

use sqlx::{AnyConnection, Row};

use crate::attachments::Upload;
use crate::store::{Db, new_id};

/// A file of an item (without its bytes).
#[derive(Debug, Clone)]
pub struct NewsFile {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
}

impl NewsFile {
    /// "1,2 Mo".
    pub fn size_label(&self) -> String {
        crate::attachments::size_label(self.size)
    }

    /// Shown in the page (an image), not only linked.
    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image/")
    }
}

/// Stores uploaded files with an item.
pub async fn attach(
    tx: &mut AnyConnection,
    news_id: &str,
    uploads: &[Upload],
    now: i64,
) -> sqlx::Result<()> {
    for upload in uploads {
        let id = new_id();
        sqlx::query(
            "INSERT INTO news_files (id, news_id, name, media_type, size, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(news_id)
        .bind(&upload.name)
        .bind(&upload.media_type)
        .bind(upload.bytes.len() as i64)
        .bind(&upload.sha256)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO news_file_data (file_id, data) VALUES ($1, $2)")
            .bind(&id)
            .bind(upload.bytes.clone())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Bytes of files the author attached in the last day (since `since`), and in all.
pub async fn usage(tx: &mut AnyConnection, author: &str, since: i64) -> sqlx::Result<(i64, i64)> {
    let sum = "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM news_files f \
               JOIN news_items n ON n.id = f.news_id WHERE n.author_id = $1 AND f.created_at > $2";
    let day: i64 = sqlx::query_scalar(sum)
        .bind(author)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
    let held: i64 = sqlx::query_scalar(sum)
        .bind(author)
        .bind(i64::MIN)
        .fetch_one(&mut *tx)
        .await?;
    Ok((day, held))
}

/// The files of an item.
pub async fn of(db: &Db, news_id: &str) -> sqlx::Result<Vec<NewsFile>> {
    let rows = sqlx::query(
        "SELECT id, name, media_type, size FROM news_files WHERE news_id = $1 ORDER BY created_at, id",
    )
    .bind(news_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| NewsFile {
            id: r.get(0),
            name: r.get(1),
            media_type: r.get(2),
            size: r.get(3),
        })
        .collect())
}

/// One file with its item and bytes.
pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<(String, NewsFile, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.news_id, f.id, f.name, f.media_type, f.size, d.data FROM news_files f \
         JOIN news_file_data d ON d.file_id = f.id WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| {
        let file = NewsFile {
            id: r.get(1),
            name: r.get(2),
            media_type: r.get(3),
            size: r.get(4),
        };
        (r.get(0), file, r.get(5))
    }))
}

/// Deletes the files of an item.
pub async fn delete(tx: &mut AnyConnection, news_id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM news_file_data WHERE file_id IN (SELECT id FROM news_files WHERE news_id = $1)",
    )
    .bind(news_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM news_files WHERE news_id = $1")
        .bind(news_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
