//! Queries on groups: any set of users of a school ("parents des CM2", a project group).

use sqlx::Row;

use crate::store::{Db, new_id};
use crate::users::store::audit;

/// A group with its head count.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupRow {
    /// Opaque id.
    pub id: String,
    /// School.
    pub school_id: String,
    /// School name.
    pub school_name: String,
    /// Name.
    pub name: String,
    /// Active members.
    pub members: i64,
}

/// A member as listed on the group page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupMember {
    /// User id.
    pub id: String,
    /// "Léa Martin".
    pub name: String,
    /// "Léa M." (what pupils and parents read).
    pub short_name: String,
    /// Profile code in the group's school.
    pub profile: String,
}

/// Who may be added at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The active pupils of a class.
    ClassPupils,
    /// The active parents of the pupils of a class.
    ClassParents,
    /// The teachers of a class.
    ClassTeachers,
}

impl Selection {
    /// Parses the form value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pupils" => Some(Self::ClassPupils),
            "parents" => Some(Self::ClassParents),
            "teachers" => Some(Self::ClassTeachers),
            _ => None,
        }
    }

    /// The form value (what [`Selection::parse`] reads).
    pub fn code(self) -> &'static str {
        match self {
            Self::ClassPupils => "pupils",
            Self::ClassParents => "parents",
            Self::ClassTeachers => "teachers",
        }
    }

    /// "les élèves", in a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Self::ClassPupils => "les élèves",
            Self::ClassParents => "les parents des élèves",
            Self::ClassTeachers => "les enseignants",
        }
    }
}

const SELECT: &str = "SELECT g.id, g.school_id, s.name, g.name, \
    (SELECT COUNT(*) FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = g.id AND u.active = 1) \
    FROM groups g JOIN schools s ON s.id = g.school_id";

fn group_from(row: &sqlx::any::AnyRow) -> Result<GroupRow, sqlx::Error> {
    Ok(GroupRow {
        id: row.try_get(0)?,
        school_id: row.try_get(1)?,
        school_name: row.try_get(2)?,
        name: row.try_get(3)?,
        members: row.try_get(4)?,
    })
}

/// One group.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<GroupRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE g.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(group_from).transpose()
}

/// Groups of the given schools, plus the groups `user_id` belongs to.
pub async fn visible(
    db: &Db,
    school_ids: &[String],
    user_id: &str,
) -> Result<Vec<GroupRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE g.id IN (SELECT group_id FROM group_members WHERE user_id = $1) ORDER BY s.name, g.name"
    );
    let mut groups: Vec<GroupRow> = sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(group_from)
        .collect::<Result<_, _>>()?;
    for school_id in school_ids {
        let sql = format!("{SELECT} WHERE g.school_id = $1 ORDER BY g.name");
        for row in sqlx::query(&sql)
            .bind(school_id)
            .fetch_all(db.pool())
            .await?
        {
            let group = group_from(&row)?;
            if !groups.iter().any(|g| g.id == group.id) {
                groups.push(group);
            }
        }
    }
    Ok(groups)
}

/// Whether `user_id` is a member.
pub async fn is_member(db: &Db, group_id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group_id)
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(found.is_some())
}

/// Active members with their profile in the group's school.
pub async fn members(db: &Db, group: &GroupRow) -> Result<Vec<GroupMember>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.first_name, COALESCE(u.usage_name, u.last_name), COALESCE(m.profile, '') \
         FROM group_members gm JOIN users u ON u.id = gm.user_id \
         LEFT JOIN memberships m ON m.user_id = u.id AND m.school_id = $2 \
         WHERE gm.group_id = $1 AND u.active = 1 ORDER BY COALESCE(u.usage_name, u.last_name), u.first_name",
    )
    .bind(&group.id)
    .bind(&group.school_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let first: String = row.try_get(1)?;
            let last: String = row.try_get(2)?;
            Ok(GroupMember {
                id: row.try_get(0)?,
                name: format!("{first} {last}"),
                short_name: crate::domain::short_name(&first, &last),
                profile: row.try_get(3)?,
            })
        })
        .collect()
}

/// Creates a group; `None` when the school already has a group of that name.
pub async fn create(
    db: &Db,
    school_id: &str,
    name: &str,
    actor: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM groups WHERE school_id = $1 AND name = $2")
            .bind(school_id)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let id = new_id();
    sqlx::query("INSERT INTO groups (id, school_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(school_id)
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, now, Some(actor), "group.create", &id, name).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Adds the people a selection names in a class; returns how many were new.
pub async fn add_from_class(
    db: &Db,
    group_id: &str,
    class_id: &str,
    selection: Selection,
    actor: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let people_sql = match selection {
        Selection::ClassPupils => {
            "SELECT cm.user_id FROM class_members cm JOIN users u ON u.id = cm.user_id \
             WHERE cm.class_id = $1 AND cm.role = 'pupil' AND u.active = 1"
        }
        Selection::ClassTeachers => {
            "SELECT cm.user_id FROM class_members cm JOIN users u ON u.id = cm.user_id \
             WHERE cm.class_id = $1 AND cm.role = 'teacher' AND u.active = 1"
        }
        Selection::ClassParents => {
            "SELECT DISTINCT g.parent_id FROM guardianships g JOIN class_members cm ON cm.user_id = g.child_id \
             JOIN users u ON u.id = g.parent_id WHERE cm.class_id = $1 AND cm.role = 'pupil' AND u.active = 1"
        }
    };
    let mut tx = db.begin_write().await?;
    let people: Vec<String> = sqlx::query_scalar(people_sql)
        .bind(class_id)
        .fetch_all(&mut *tx)
        .await?;
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM group_members WHERE group_id = $1")
            .bind(group_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut added = 0;
    for user_id in people.iter().filter(|p| !existing.contains(p)) {
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        added += 1;
    }
    audit(
        &mut tx,
        now,
        Some(actor),
        "group.add",
        group_id,
        &format!("{added} depuis {class_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes one member.
pub async fn remove(
    db: &Db,
    group_id: &str,
    user_id: &str,
    actor: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, now, Some(actor), "group.remove", group_id, user_id).await?;
    tx.commit().await
}

/// Deletes a group and its memberships.
pub async fn delete(db: &Db, group_id: &str, actor: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM group_members WHERE group_id = $1")
        .bind(group_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(group_id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, now, Some(actor), "group.delete", group_id, "").await?;
    tx.commit().await
}
