//! Queries of spaces, their members, posts, reports and invitations. The same rows serve a
//! space of this node and the copy a member node keeps of another node's space.

use sqlx::{AnyConnection, Row};

mod posts;

pub use posts::{
    Post, Report, delete_post, insert_report, post_by_object, post_in, posts, posts_in, reports,
    resolve_reports, upsert_post,
};

use super::model::{Role, Settings};
use crate::store::Db;

/// A space (ours, or a copy of a linked node's).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Space {
    /// Local id.
    pub id: String,
    /// The Group actor's URL on the host (`local:<id>` for a local-only space).
    pub group_id: String,
    /// The host's domain, '' when this node hosts it.
    pub host: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// School year (2026 for 2026-2027).
    pub school_year: i64,
    /// The owner's school.
    pub host_school: String,
    /// Settings.
    pub settings: Settings,
    /// Never leaves this node.
    pub local_only: bool,
    /// When it was closed (0 while open).
    pub closed_at: i64,
    /// Created.
    pub created_at: i64,
    /// The host's version of title, description and settings (strictly increasing on the
    /// host), as this node last applied it.
    pub version: i64,
}

impl Space {
    /// Hosted by this node.
    pub fn is_ours(&self) -> bool {
        self.host.is_empty()
    }
}

/// A member of a space.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Member {
    /// The member's actor (Person URL, or `local:<user id>` in a local-only space).
    pub actor_id: String,
    /// Their account on this node, if any (own users; guest accounts on the host).
    pub user_id: Option<String>,
    /// Home node's domain, '' for this node.
    pub node: String,
    /// "Léa M."
    pub display_name: String,
    /// School.
    pub school: String,
    /// Class level ("CM2", "6e"), '' for adults.
    pub level: String,
    /// Role.
    pub role: Role,
    /// active, left, removed.
    pub state: String,
}

const SPACE: &str = "SELECT id, group_id, host, title, description, school_year, host_school, \
    premoderated, comments_on, files_allowed, open_until, local_only, closed_at, created_at, version FROM spaces";

fn space(r: &sqlx::any::AnyRow) -> Space {
    Space {
        id: r.get(0),
        group_id: r.get(1),
        host: r.get(2),
        title: r.get(3),
        description: r.get(4),
        school_year: r.get(5),
        host_school: r.get(6),
        settings: Settings {
            premoderated: r.get::<i64, _>(7) != 0,
            comments_on: r.get::<i64, _>(8) != 0,
            files_allowed: r.get::<i64, _>(9) != 0,
            open_until: r.get(10),
        },
        local_only: r.get::<i64, _>(11) != 0,
        closed_at: r.get(12),
        created_at: r.get(13),
        version: r.get(14),
    }
}

/// Inserts a space (ours or a copy); a copy already held is left as it is.
pub async fn insert_space(conn: &mut AnyConnection, s: &Space) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO spaces (id, group_id, host, title, description, school_year, host_school, premoderated, \
         comments_on, files_allowed, open_until, local_only, closed_at, created_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (group_id) DO NOTHING",
    )
    .bind(&s.id)
    .bind(&s.group_id)
    .bind(&s.host)
    .bind(&s.title)
    .bind(&s.description)
    .bind(s.school_year)
    .bind(&s.host_school)
    .bind(i64::from(s.settings.premoderated))
    .bind(i64::from(s.settings.comments_on))
    .bind(i64::from(s.settings.files_allowed))
    .bind(s.settings.open_until)
    .bind(i64::from(s.local_only))
    .bind(s.closed_at)
    .bind(s.created_at)
    .bind(s.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes title, description and settings, unless what is stored is a newer version.
pub async fn update_space(conn: &mut AnyConnection, s: &Space) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE spaces SET title = $2, description = $3, premoderated = $4, comments_on = $5, \
         files_allowed = $6, open_until = $7, closed_at = $8, version = $9 WHERE id = $1 AND version <= $9",
    )
    .bind(&s.id)
    .bind(&s.title)
    .bind(&s.description)
    .bind(i64::from(s.settings.premoderated))
    .bind(i64::from(s.settings.comments_on))
    .bind(i64::from(s.settings.files_allowed))
    .bind(s.settings.open_until)
    .bind(s.closed_at)
    .bind(s.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// The space `id`.
pub async fn get(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<Space>> {
    let row = sqlx::query(&format!("{SPACE} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(space))
}

/// The space (or copy) of the Group `group_id`.
pub async fn by_group(conn: &mut AnyConnection, group_id: &str) -> sqlx::Result<Option<Space>> {
    let row = sqlx::query(&format!("{SPACE} WHERE group_id = $1"))
        .bind(group_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(space))
}

/// The open spaces `user_id` is an active member of, with their role, newest first.
pub async fn of_user(db: &Db, user_id: &str) -> sqlx::Result<Vec<(Space, Role)>> {
    let sql = format!(
        "{} JOIN space_members m ON m.space_id = spaces.id WHERE m.user_id = $1 AND m.state = 'active' \
         AND spaces.closed_at = 0 ORDER BY spaces.created_at DESC",
        SPACE.replace("SELECT id,", "SELECT spaces.id,").replace(
            "created_at, version FROM",
            "spaces.created_at, spaces.version, m.role FROM"
        )
    );
    let rows = sqlx::query(&sql).bind(user_id).fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let role: String = r.get(15);
            (space(r), Role::parse(&role).unwrap_or(Role::Member))
        })
        .collect())
}

/// Posts and edits waiting for a moderator in a space (or copy).
pub async fn pending_count(db: &Db, space_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM space_posts WHERE space_id = $1 AND (status = 'pending' OR proposed <> '')",
    )
    .bind(space_id)
    .fetch_one(db.pool())
    .await
}

const MEMBER: &str = "SELECT actor_id, user_id, node, display_name, school, level, role, state \
    FROM space_members";

fn member_row(r: &sqlx::any::AnyRow) -> Member {
    let role: String = r.get(6);
    Member {
        actor_id: r.get(0),
        user_id: r.get(1),
        node: r.get(2),
        display_name: r.get(3),
        school: r.get(4),
        level: r.get(5),
        role: Role::parse(&role).unwrap_or(Role::Member),
        state: r.get(7),
    }
}

/// The viewer's membership (any state), by account.
pub async fn member_by_user(
    conn: &mut AnyConnection,
    space_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<Member>> {
    let row = sqlx::query(&format!("{MEMBER} WHERE space_id = $1 AND user_id = $2"))
        .bind(space_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(member_row))
}

/// A membership (any state), by actor.
pub async fn member(
    conn: &mut AnyConnection,
    space_id: &str,
    actor_id: &str,
) -> sqlx::Result<Option<Member>> {
    let row = sqlx::query(&format!("{MEMBER} WHERE space_id = $1 AND actor_id = $2"))
        .bind(space_id)
        .bind(actor_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(member_row))
}

/// Active members: owner first, then moderators, then by name.
pub async fn members(db: &Db, space_id: &str) -> sqlx::Result<Vec<Member>> {
    members_in(&mut *db.pool().acquire().await?, space_id).await
}

/// [`members`], in the caller's transaction.
pub async fn members_in(conn: &mut AnyConnection, space_id: &str) -> sqlx::Result<Vec<Member>> {
    let rows = sqlx::query(&format!(
        "{MEMBER} WHERE space_id = $1 AND state = 'active' ORDER BY \
         CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 WHEN 'guest' THEN 2 ELSE 3 END, display_name"
    ))
    .bind(space_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(member_row).collect())
}

/// Adds a member, or updates one already known (a member who left and joins again).
pub async fn upsert_member(
    conn: &mut AnyConnection,
    space_id: &str,
    m: &Member,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO space_members (space_id, actor_id, user_id, node, display_name, school, level, role, state, joined_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (space_id, actor_id) DO UPDATE SET \
         user_id = excluded.user_id, display_name = excluded.display_name, school = excluded.school, \
         level = excluded.level, role = excluded.role, state = excluded.state",
    )
    .bind(space_id)
    .bind(&m.actor_id)
    .bind(&m.user_id)
    .bind(&m.node)
    .bind(&m.display_name)
    .bind(&m.school)
    .bind(&m.level)
    .bind(m.role.code())
    .bind(&m.state)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a member's state (`left`, `removed`).
pub async fn set_member_state(
    conn: &mut AnyConnection,
    space_id: &str,
    actor_id: &str,
    state: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE space_members SET state = $3 WHERE space_id = $1 AND actor_id = $2")
        .bind(space_id)
        .bind(actor_id)
        .bind(state)
        .execute(conn)
        .await?;
    Ok(())
}

/// Other nodes that currently have an active member in the space: the only ones its content
/// goes to.
pub async fn member_nodes(conn: &mut AnyConnection, space_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT node FROM space_members WHERE space_id = $1 AND state = 'active' AND node <> '' ORDER BY node",
    )
    .bind(space_id)
    .fetch_all(conn)
    .await
}

/// A link ended: copies of its spaces are deleted and its open invitations withdrawn (in the
/// caller's transaction); its members, all guests here, leave our spaces as their guest
/// accounts expire.
pub async fn end_link(conn: &mut AnyConnection, peer: &str) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM space_reports WHERE post_id IN (SELECT p.id FROM space_posts p JOIN spaces s ON s.id = p.space_id WHERE s.host = $1)",
        "DELETE FROM space_posts WHERE space_id IN (SELECT id FROM spaces WHERE host = $1)",
        "DELETE FROM space_members WHERE space_id IN (SELECT id FROM spaces WHERE host = $1)",
        "DELETE FROM space_invitations WHERE space_id IN (SELECT id FROM spaces WHERE host = $1)",
        "DELETE FROM spaces WHERE host = $1",
        "UPDATE space_invitations SET state = 'withdrawn' WHERE peer = $1 AND state = 'open'",
    ] {
        sqlx::query(sql).bind(peer).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The host refused one of our activities for good: a post it carried that was still on its
/// way is marked refused (its author sees it; nobody else ever did).
pub async fn refused_by_host(
    conn: &mut AnyConnection,
    activity: &serde_json::Value,
) -> sqlx::Result<()> {
    if activity["type"].as_str() != Some("Create") || activity.get("audience").is_none() {
        return Ok(());
    }
    let Some(note) = activity["object"]["id"].as_str() else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE space_posts SET status = 'refused' WHERE object_id = $1 AND status = 'sending'",
    )
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}
