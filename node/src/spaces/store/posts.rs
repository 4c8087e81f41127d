//! Queries of posts (and comments) and of their reports, on the host and in copies.

use sqlx::{AnyConnection, Row};

use super::super::model::PostStatus;
use crate::store::Db;

/// A post or comment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Post {
    /// Local id.
    pub id: String,
    /// The Note's URL (on the author's node).
    pub object_id: String,
    /// The post a comment answers.
    pub parent_id: Option<String>,
    /// The author's actor.
    pub author_actor: String,
    /// "Léa M."
    pub author_name: String,
    /// The author's school.
    pub author_school: String,
    /// The author's node, '' for this node.
    pub author_node: String,
    /// Text as typed.
    pub content: String,
    /// Status.
    pub status: PostStatus,
    /// Written.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
    /// The host's version of the post (strictly increasing on the host), as this node last
    /// applied it: a copy never goes back to an older one.
    pub version: i64,
    /// A new text waiting for a moderator ('' when none): members keep reading `content`.
    pub proposed: String,
}

const POST: &str = "SELECT id, object_id, parent_id, author_actor, author_name, author_school, \
    author_node, content, status, created_at, updated_at, version, proposed FROM space_posts";

fn post(r: &sqlx::any::AnyRow) -> Post {
    let status: String = r.get(8);
    Post {
        id: r.get(0),
        object_id: r.get(1),
        parent_id: r.get(2),
        author_actor: r.get(3),
        author_name: r.get(4),
        author_school: r.get(5),
        author_node: r.get(6),
        content: r.get(7),
        status: PostStatus::parse(&status).unwrap_or(PostStatus::Hidden),
        created_at: r.get(9),
        updated_at: r.get(10),
        version: r.get(11),
        proposed: r.get(12),
    }
}

/// Posts and comments of a space, oldest first.
pub async fn posts(db: &Db, space_id: &str) -> sqlx::Result<Vec<Post>> {
    posts_in(&mut *db.pool().acquire().await?, space_id).await
}

/// [`posts`], in the caller's transaction.
pub async fn posts_in(conn: &mut AnyConnection, space_id: &str) -> sqlx::Result<Vec<Post>> {
    let rows = sqlx::query(&format!(
        "{POST} WHERE space_id = $1 ORDER BY created_at, id"
    ))
    .bind(space_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(post).collect())
}

/// A post of the space by local id.
pub async fn post_in(
    conn: &mut AnyConnection,
    space_id: &str,
    id: &str,
) -> sqlx::Result<Option<Post>> {
    let row = sqlx::query(&format!("{POST} WHERE space_id = $1 AND id = $2"))
        .bind(space_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(post))
}

/// A post of the space by its Note URL.
pub async fn post_by_object(
    conn: &mut AnyConnection,
    space_id: &str,
    object_id: &str,
) -> sqlx::Result<Option<Post>> {
    let row = sqlx::query(&format!("{POST} WHERE space_id = $1 AND object_id = $2"))
        .bind(space_id)
        .bind(object_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(post))
}

/// Inserts a post, or updates text and status of the one with the same Note URL, unless what
/// is stored is a newer version (then nothing changes).
pub async fn upsert_post(conn: &mut AnyConnection, space_id: &str, p: &Post) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO space_posts (id, space_id, object_id, parent_id, author_actor, author_name, author_school, \
         author_node, content, status, created_at, updated_at, version, proposed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (object_id) DO UPDATE SET content = excluded.content, status = excluded.status, \
         updated_at = excluded.updated_at, version = excluded.version, proposed = excluded.proposed \
         WHERE space_posts.space_id = excluded.space_id AND space_posts.version <= excluded.version",
    )
    .bind(&p.id)
    .bind(space_id)
    .bind(&p.object_id)
    .bind(&p.parent_id)
    .bind(&p.author_actor)
    .bind(&p.author_name)
    .bind(&p.author_school)
    .bind(&p.author_node)
    .bind(&p.content)
    .bind(p.status.code())
    .bind(p.created_at)
    .bind(p.updated_at)
    .bind(p.version)
    .bind(&p.proposed)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a post and its comments.
pub async fn delete_post(conn: &mut AnyConnection, post_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM space_posts WHERE id = $1 OR parent_id = $1")
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A report of a post, as moderators see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The reported post.
    pub post_id: String,
    /// "Léa M."
    pub reporter_name: String,
    /// Why.
    pub reason: String,
}

/// Records a report; returns false when this reporter's report of the post is already open
/// (a second report adds nothing).
pub async fn insert_report(
    conn: &mut AnyConnection,
    post_id: &str,
    reporter_actor: &str,
    reporter_name: &str,
    reason: &str,
    now: i64,
) -> sqlx::Result<bool> {
    // The unique index on open reports decides, so two reports sent at once count once.
    let done = sqlx::query(
        "INSERT INTO space_reports (id, post_id, reporter_actor, reporter_name, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(crate::store::new_id())
    .bind(post_id)
    .bind(reporter_actor)
    .bind(reporter_name)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Open reports of a space.
pub async fn reports(db: &Db, space_id: &str) -> sqlx::Result<Vec<Report>> {
    let rows = sqlx::query(
        "SELECT r.post_id, r.reporter_name, r.reason FROM space_reports r JOIN space_posts p ON p.id = r.post_id \
         WHERE p.space_id = $1 AND r.resolved_at = 0 ORDER BY r.created_at",
    )
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Report {
            post_id: r.get(0),
            reporter_name: r.get(1),
            reason: r.get(2),
        })
        .collect())
}

/// Marks the reports of a post resolved (a moderator acted on it).
pub async fn resolve_reports(
    conn: &mut AnyConnection,
    post_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE space_reports SET resolved_at = $2 WHERE post_id = $1 AND resolved_at = 0")
        .bind(post_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
