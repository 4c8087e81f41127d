//! The SQL of news items: writing one with its audiences, the viewer's current items (one query
//! on the viewer's audience codes, paged in SQL), read marks, deletion.

use sqlx::{AnyConnection, Row};

use crate::store::Db;

/// One item as a list shows it.
#[derive(Debug, Clone)]
pub struct NewsLine {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Pinned to the top.
    pub pinned: bool,
    /// Publication time (after the quiet hours when aimed at families).
    pub visible_at: i64,
    /// Hidden from then.
    pub end_at: Option<i64>,
    /// The author's name.
    pub author_name: String,
    /// The viewer has opened it.
    pub read: bool,
}

/// One item with what deciding about it needs.
#[derive(Debug, Clone)]
pub struct NewsItem {
    /// As a list shows it (read: the viewer's).
    pub line: NewsLine,
    /// The author.
    pub author_id: String,
    /// The school it speaks for (`None`: the operator's).
    pub school_id: Option<String>,
    /// Audience codes.
    pub audiences: Vec<String>,
}

/// What is written.
#[derive(Debug)]
pub struct NewItem<'a> {
    /// Author.
    pub author_id: &'a str,
    /// School it speaks for.
    pub school_id: Option<&'a str>,
    /// Title.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// Pinned.
    pub pinned: bool,
    /// Publication time.
    pub visible_at: i64,
    /// End.
    pub end_at: Option<i64>,
    /// Audience codes.
    pub audiences: &'a [String],
    /// Already notified (published at once).
    pub notified: bool,
}

const LINE: &str = "n.id, n.title, n.body, n.pinned, n.visible_at, n.end_at, \
    a.first_name || ' ' || COALESCE(a.usage_name, a.last_name), \
    CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END";

fn line(row: &sqlx::any::AnyRow) -> NewsLine {
    NewsLine {
        id: row.get(0),
        title: row.get(1),
        body: row.get(2),
        pinned: row.get::<i64, _>(3) != 0,
        visible_at: row.get(4),
        end_at: row.get(5),
        author_name: row.get(6),
        read: row.get::<i64, _>(7) != 0,
    }
}

/// Writes an item and its audiences; returns its id.
pub async fn insert(tx: &mut AnyConnection, item: &NewItem<'_>, now: i64) -> sqlx::Result<String> {
    let id = crate::store::new_id();
    sqlx::query(
        "INSERT INTO news_items (id, author_id, school_id, title, body, pinned, visible_at, end_at, notified, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(item.author_id)
    .bind(item.school_id)
    .bind(item.title)
    .bind(item.body)
    .bind(i64::from(item.pinned))
    .bind(item.visible_at)
    .bind(item.end_at)
    .bind(i64::from(item.notified))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for code in item.audiences {
        sqlx::query("INSERT INTO news_audiences (news_id, code) VALUES ($1, $2)")
            .bind(&id)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

/// `WHERE` of the items current at `$2` addressed to one of the codes from `$3` on (or written
/// by `$1`).
fn current(codes: usize) -> String {
    let marks: Vec<String> = (3..3 + codes).map(|i| format!("${i}")).collect();
    format!(
        "n.visible_at <= $2 AND (n.end_at IS NULL OR n.end_at > $2) AND (n.author_id = $1 OR EXISTS \
         (SELECT 1 FROM news_audiences x WHERE x.news_id = n.id AND x.code IN ({})))",
        marks.join(", ")
    )
}

/// How many current items the viewer has.
pub async fn count(db: &Db, viewer: &str, codes: &[String], now: i64) -> sqlx::Result<usize> {
    let sql = format!(
        "SELECT COUNT(*) FROM news_items n WHERE {}",
        current(codes.len())
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(viewer).bind(now);
    for code in codes {
        query = query.bind(code);
    }
    Ok(usize::try_from(query.fetch_one(db.pool()).await?).unwrap_or(0))
}

/// One page of the viewer's current items: pinned first, then newest first.
pub async fn page(
    db: &Db,
    viewer: &str,
    codes: &[String],
    now: i64,
    offset: usize,
    limit: usize,
) -> sqlx::Result<Vec<NewsLine>> {
    let n = codes.len();
    let sql = format!(
        "SELECT {LINE} FROM news_items n JOIN users a ON a.id = n.author_id \
         LEFT JOIN news_reads r ON r.news_id = n.id AND r.user_id = $1 WHERE {} \
         ORDER BY n.pinned DESC, n.visible_at DESC, n.id DESC LIMIT ${} OFFSET ${}",
        current(n),
        n + 3,
        n + 4
    );
    let mut query = sqlx::query(&sql).bind(viewer).bind(now);
    for code in codes {
        query = query.bind(code);
    }
    let rows = query
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(line).collect())
}

/// The author's items not yet visible (scheduled, or waiting for the end of the quiet hours).
pub async fn upcoming(db: &Db, author: &str, now: i64) -> sqlx::Result<Vec<NewsLine>> {
    let sql = format!(
        "SELECT {LINE} FROM news_items n JOIN users a ON a.id = n.author_id \
         LEFT JOIN news_reads r ON r.news_id = n.id AND r.user_id = $1 \
         WHERE n.author_id = $1 AND n.visible_at > $2 ORDER BY n.visible_at LIMIT 50"
    );
    let rows = sqlx::query(&sql)
        .bind(author)
        .bind(now)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(line).collect())
}

/// One item, read marks as `viewer`'s.
pub async fn get(db: &Db, id: &str, viewer: &str) -> sqlx::Result<Option<NewsItem>> {
    let sql = format!(
        "SELECT {LINE}, n.author_id, n.school_id FROM news_items n JOIN users a ON a.id = n.author_id \
         LEFT JOIN news_reads r ON r.news_id = n.id AND r.user_id = $2 WHERE n.id = $1"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .bind(viewer)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let audiences =
        sqlx::query_scalar("SELECT code FROM news_audiences WHERE news_id = $1 ORDER BY code")
            .bind(id)
            .fetch_all(db.pool())
            .await?;
    Ok(Some(NewsItem {
        line: line(&row),
        author_id: row.get(8),
        school_id: row.get(9),
        audiences,
    }))
}

/// Marks an item read by `user` (a second time changes nothing).
pub async fn mark_read(db: &Db, id: &str, user: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO news_reads (news_id, user_id, read_at) VALUES ($1, $2, $3) \
         ON CONFLICT (news_id, user_id) DO NOTHING",
    )
    .bind(id)
    .bind(user)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Deletes an item with its audiences and read marks.
pub async fn delete(tx: &mut AnyConnection, id: &str) -> sqlx::Result<u64> {
    super::files::TABLES.delete(&mut *tx, id).await?;
    for sql in [
        "DELETE FROM news_reads WHERE news_id = $1",
        "DELETE FROM news_audiences WHERE news_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    Ok(sqlx::query("DELETE FROM news_items WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected())
}

/// Items whose time came and whose audience was not told yet; each is claimed once (several
/// node processes may run the job).
pub async fn claim_due(db: &Db, now: i64) -> sqlx::Result<Vec<(String, String, Vec<String>)>> {
    let rows = sqlx::query(
        "SELECT id, author_id FROM news_items WHERE notified = 0 AND visible_at <= $1 ORDER BY visible_at LIMIT 200",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let (id, author): (String, String) = (row.get(0), row.get(1));
        let won = sqlx::query("UPDATE news_items SET notified = 1 WHERE id = $1 AND notified = 0")
            .bind(&id)
            .execute(db.pool())
            .await?
            .rows_affected();
        if won == 1 {
            let codes = sqlx::query_scalar("SELECT code FROM news_audiences WHERE news_id = $1")
                .bind(&id)
                .fetch_all(db.pool())
                .await?;
            claimed.push((id, author, codes));
        }
    }
    Ok(claimed)
}
