//! The files of news items (an image, a PDF): stored with the item (`attachments::FileTables`),
//! counted against the author's quotas, served to whoever may read the item.

use sqlx::AnyConnection;

use crate::attachments::FileTables;

/// Where the files of news items are kept.
pub const TABLES: FileTables = FileTables {
    files: "news_files",
    data: "news_file_data",
    owner: "news_id",
};

/// Bytes of files the author attached since `since`, and in all.
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
