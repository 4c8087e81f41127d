//! Queries and rules on schools, shared by the web admin pages and `ent-admin school`.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::{SchoolKind, Uai};
use crate::error::AppError;
use crate::store::{Db, new_id};
use crate::users::store::audit;

/// A school as stored, with head counts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SchoolRow {
    /// Opaque id.
    pub id: String,
    /// UAI code.
    pub uai: String,
    /// Name.
    pub name: String,
    /// Kind code (`elementaire`, `college`…).
    pub kind: String,
    /// Active pupils.
    pub pupils: i64,
    /// Classes of the current school year.
    pub classes: i64,
}

impl SchoolRow {
    /// The French label of the kind.
    pub fn kind_label(&self) -> &'static str {
        SchoolKind::parse(&self.kind)
            .map(SchoolKind::label)
            .unwrap_or("Établissement")
    }
}

const SELECT: &str = "SELECT s.id, s.uai, s.name, s.kind, \
    (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
       WHERE m.school_id = s.id AND m.profile = 'pupil' AND u.active = 1) AS pupils, \
    (SELECT COUNT(*) FROM classes c WHERE c.school_id = s.id AND c.school_year = $1) AS classes \
    FROM schools s";

fn school_from(row: &AnyRow) -> Result<SchoolRow, sqlx::Error> {
    Ok(SchoolRow {
        id: row.try_get(0)?,
        uai: row.try_get(1)?,
        name: row.try_get(2)?,
        kind: row.try_get(3)?,
        pupils: row.try_get(4)?,
        classes: row.try_get(5)?,
    })
}

/// Every school, by name.
pub async fn list(db: &Db, year: i32) -> Result<Vec<SchoolRow>, sqlx::Error> {
    let sql = format!("{SELECT} ORDER BY s.name");
    let rows = sqlx::query(&sql)
        .bind(i64::from(year))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(school_from).collect()
}

/// One school by UAI.
pub async fn by_uai(db: &Db, uai: &Uai, year: i32) -> Result<Option<SchoolRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE s.uai = $2");
    let row = sqlx::query(&sql)
        .bind(i64::from(year))
        .bind(uai.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(school_from).transpose()
}

/// One school by id.
pub async fn by_id(db: &Db, id: &str, year: i32) -> Result<Option<SchoolRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE s.id = $2");
    let row = sqlx::query(&sql)
        .bind(i64::from(year))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(school_from).transpose()
}

/// Adds a school; refuses a UAI already present or an empty name.
pub async fn add(
    db: &Db,
    uai: &Uai,
    name: &str,
    kind: SchoolKind,
    actor: Option<&str>,
    now: i64,
) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Invalid(
            "Le nom de l'école est obligatoire (200 caractères au plus).".into(),
        ));
    }
    crate::domain::refuse_control_chars(name, "Le nom de l'école")?;
    let mut tx = db.begin_write().await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT name FROM schools WHERE uai = $1")
        .bind(uai.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(existing) = exists {
        return Err(AppError::Invalid(format!(
            "L'UAI {uai} est déjà utilisé par « {existing} »."
        )));
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO schools (id, uai, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(uai.as_str())
    .bind(name)
    .bind(kind.code())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, now, actor, "school.add", &id, uai.as_str()).await?;
    tx.commit().await?;
    Ok(id)
}
