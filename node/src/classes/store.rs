//! Queries on classes and their members.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::Viewer;
use crate::domain::ClassLevel;
use crate::policy::{AccountFacts, ClassFacts};
use crate::store::Db;

/// A class with its school.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClassRow {
    /// Opaque id.
    pub id: String,
    /// School id.
    pub school_id: String,
    /// School name.
    pub school_name: String,
    /// School year (start year).
    pub school_year: i64,
    /// Class name, e.g. "CM2 A".
    pub name: String,
    /// Levels, e.g. "CM1,CM2".
    pub levels: String,
    /// `class`, or `group` for a collège's teaching group (LV2, option) from the AAF.
    pub kind: String,
}

impl ClassRow {
    /// Whether this is a teaching group rather than a class.
    pub fn is_group(&self) -> bool {
        self.kind == "group"
    }

    /// "Classe" or "Groupe", as pages name it.
    pub fn kind_word(&self) -> &'static str {
        if self.is_group() { "Groupe" } else { "Classe" }
    }

    /// "CM1 · CM2".
    pub fn levels_label(&self) -> String {
        ClassLevel::parse_list(&self.levels)
            .map(|l| l.iter().map(|l| l.code()).collect::<Vec<_>>().join(" · "))
            .unwrap_or_else(|_| self.levels.clone())
    }

    /// "2026-2027".
    pub fn year_label(&self) -> String {
        format!("{}-{}", self.school_year, self.school_year + 1)
    }
}

/// A member of a class as the management page shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberRow {
    /// User id.
    pub id: String,
    /// Identifier.
    pub identifier: String,
    /// First name.
    pub first_name: String,
    /// Displayed last name (usage name first).
    pub last_name: String,
    /// Still waiting for first sign-in.
    pub pending: bool,
    /// Account active.
    pub active: bool,
}

impl MemberRow {
    /// "Léa M." (what pupils see of classmates).
    pub fn short_name(&self) -> String {
        crate::domain::short_name(&self.first_name, &self.last_name)
    }
}

const CLASS_SELECT: &str = "SELECT c.id, c.school_id, s.name, c.school_year, c.name, c.levels, c.kind \
    FROM classes c JOIN schools s ON s.id = c.school_id";

fn class_from(row: &AnyRow) -> Result<ClassRow, sqlx::Error> {
    Ok(ClassRow {
        id: row.try_get(0)?,
        school_id: row.try_get(1)?,
        school_name: row.try_get(2)?,
        school_year: row.try_get(3)?,
        name: row.try_get(4)?,
        levels: row.try_get(5)?,
        kind: row.try_get(6)?,
    })
}

/// One class.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<ClassRow>, sqlx::Error> {
    let sql = format!("{CLASS_SELECT} WHERE c.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(class_from).transpose()
}

/// Classes a user belongs to (as pupil or teacher) in a school year.
pub async fn of_member(db: &Db, user_id: &str, year: i32) -> Result<Vec<ClassRow>, sqlx::Error> {
    let sql = format!(
        "{CLASS_SELECT} JOIN class_members cm ON cm.class_id = c.id \
         WHERE cm.user_id = $1 AND c.school_year = $2 ORDER BY s.name, c.kind, c.name"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .bind(i64::from(year))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(class_from).collect()
}

/// Classes of a school in a school year.
pub async fn of_school(db: &Db, school_id: &str, year: i32) -> Result<Vec<ClassRow>, sqlx::Error> {
    let sql = format!(
        "{CLASS_SELECT} WHERE c.school_id = $1 AND c.school_year = $2 ORDER BY c.kind, c.name"
    );
    let rows = sqlx::query(&sql)
        .bind(school_id)
        .bind(i64::from(year))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(class_from).collect()
}

/// Active members of a class with a role (`pupil` or `teacher`).
pub async fn members(db: &Db, class_id: &str, role: &str) -> Result<Vec<MemberRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.identifier, u.first_name, COALESCE(u.usage_name, u.last_name), \
         CASE WHEN u.password_hash IS NULL THEN 1 ELSE 0 END, u.active \
         FROM users u JOIN class_members cm ON cm.user_id = u.id \
         WHERE cm.class_id = $1 AND cm.role = $2 AND u.active = 1 \
         ORDER BY COALESCE(u.usage_name, u.last_name), u.first_name",
    )
    .bind(class_id)
    .bind(role)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(member_from).collect()
}

fn member_from(row: &AnyRow) -> Result<MemberRow, sqlx::Error> {
    let pending: i64 = row.try_get(4)?;
    let active: i64 = row.try_get(5)?;
    Ok(MemberRow {
        id: row.try_get(0)?,
        identifier: row.try_get(1)?,
        first_name: row.try_get(2)?,
        last_name: row.try_get(3)?,
        pending: pending != 0,
        active: active != 0,
    })
}

/// Active parents of the active pupils of a class, with the child each is listed under.
pub async fn parents(db: &Db, class_id: &str) -> Result<Vec<(String, MemberRow)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.identifier, u.first_name, COALESCE(u.usage_name, u.last_name), \
         CASE WHEN u.password_hash IS NULL THEN 1 ELSE 0 END, u.active, g.child_id \
         FROM users u JOIN guardianships g ON g.parent_id = u.id \
         JOIN class_members cm ON cm.user_id = g.child_id \
         JOIN users child ON child.id = g.child_id \
         WHERE cm.class_id = $1 AND cm.role = 'pupil' AND u.active = 1 AND child.active = 1 \
         ORDER BY COALESCE(u.usage_name, u.last_name), u.first_name",
    )
    .bind(class_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get::<String, _>(6)?, member_from(row)?)))
        .collect()
}

async fn exists(db: &Db, sql: &str, a: &str, b: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(sql)
        .bind(a)
        .bind(b)
        .fetch_optional(db.pool())
        .await?;
    Ok(found.is_some())
}

/// What the viewer is to the class, for the policy.
pub async fn facts(db: &Db, class: &ClassRow, viewer: &Viewer) -> Result<ClassFacts, sqlx::Error> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM class_members WHERE class_id = $1 AND user_id = $2")
            .bind(&class.id)
            .bind(viewer.id())
            .fetch_optional(db.pool())
            .await?;
    let child_in_class = exists(
        db,
        "SELECT 1 FROM guardianships g JOIN class_members cm ON cm.user_id = g.child_id \
         JOIN users c ON c.id = g.child_id \
         WHERE cm.class_id = $1 AND g.parent_id = $2 AND cm.role = 'pupil' AND c.active = 1",
        &class.id,
        viewer.id(),
    )
    .await?;
    Ok(ClassFacts {
        school_id: class.school_id.clone(),
        viewer_teaches: role.as_deref() == Some("teacher"),
        viewer_is_pupil: role.as_deref() == Some("pupil"),
        viewer_child_in_class: child_in_class,
    })
}

/// What the viewer is to an account reached through a class, for the policy.
pub async fn account_facts(
    db: &Db,
    class: ClassFacts,
    class_id: &str,
    user_id: &str,
) -> Result<AccountFacts, sqlx::Error> {
    let pupil = exists(
        db,
        "SELECT 1 FROM class_members WHERE class_id = $1 AND user_id = $2 AND role = 'pupil'",
        class_id,
        user_id,
    )
    .await?;
    let parent = exists(
        db,
        "SELECT 1 FROM guardianships g JOIN class_members cm ON cm.user_id = g.child_id \
         WHERE cm.class_id = $1 AND g.parent_id = $2 AND cm.role = 'pupil'",
        class_id,
        user_id,
    )
    .await?;
    Ok(AccountFacts {
        class,
        belongs_to_class: pupil || parent,
    })
}
