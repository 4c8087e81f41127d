//! What the database already knows about a school, loaded once at the start of an import so
//! that matching runs in memory instead of one query per line (10,000 pupils in seconds).

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

/// A person as stored, with the fields an import compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub usage_name: Option<String>,
    pub birth_date: Option<String>,
    pub email: Option<String>,
    pub civility: Option<String>,
    pub active: bool,
}

/// The columns [`Person::from_row`] reads, after the user id, from `users u`.
pub const PERSON_COLUMNS: &str =
    "u.first_name, u.last_name, u.usage_name, u.birth_date, u.email, u.civility, u.active";

impl Person {
    /// A person from a row of `u.id, PERSON_COLUMNS`.
    pub fn from_row(row: &sqlx::any::AnyRow) -> Result<(String, Self), sqlx::Error> {
        let active: i64 = row.try_get(7)?;
        Ok((
            row.try_get(0)?,
            Self {
                first_name: row.try_get(1)?,
                last_name: row.try_get(2)?,
                usage_name: row.try_get(3)?,
                birth_date: row.try_get(4)?,
                email: row.try_get(5)?,
                civility: row.try_get(6)?,
                active: active != 0,
            },
        ))
    }

    /// Writes what an import says of a person onto their account, and reactivates it
    /// (ONDE and AAF imports).
    pub async fn write(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE users SET first_name = $1, last_name = $2, usage_name = $3, birth_date = $4, \
             email = $5, civility = $6, active = 1, deactivated_at = NULL, updated_at = $7, \
             search_key = $9 || ' ' || identifier WHERE id = $8",
        )
        .bind(&self.first_name)
        .bind(&self.last_name)
        .bind(&self.usage_name)
        .bind(&self.birth_date)
        .bind(&self.email)
        .bind(&self.civility)
        .bind(now)
        .bind(id)
        .bind(crate::users::store::search_key(
            &self.first_name,
            &self.last_name,
            self.usage_name.as_deref(),
            "",
        ))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The school as the database knows it before the import.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// (kind, match key) → user id.
    pub keys: HashMap<(String, String), String>,
    /// Users reached through those keys.
    pub people: HashMap<String, Person>,
    /// Every identifier of the node (identifiers are unique node-wide).
    pub identifiers: HashSet<String>,
    /// Profile of each user in this school.
    pub profiles: HashMap<String, String>,
    /// Classes of the school year by name: (id, levels).
    pub classes: HashMap<String, (String, String)>,
    /// (user id, role) → class ids this school year.
    pub class_members: HashMap<(String, String), HashSet<String>>,
    /// (parent, child) links involving this school's imported pupils.
    pub guardianships: HashSet<(String, String)>,
}

/// Loads the snapshot inside the import's transaction.
pub async fn load(
    conn: &mut AnyConnection,
    school_id: &str,
    year: i64,
) -> Result<Snapshot, sqlx::Error> {
    let mut snapshot = Snapshot::default();
    for row in sqlx::query("SELECT kind, match_key, user_id FROM import_keys WHERE school_id = $1")
        .bind(school_id)
        .fetch_all(&mut *conn)
        .await?
    {
        snapshot
            .keys
            .insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
    }
    let people = format!(
        "SELECT DISTINCT u.id, {PERSON_COLUMNS} FROM users u JOIN import_keys k ON k.user_id = u.id \
         WHERE k.school_id = $1"
    );
    for row in sqlx::query(&people)
        .bind(school_id)
        .fetch_all(&mut *conn)
        .await?
    {
        let (id, person) = Person::from_row(&row)?;
        snapshot.people.insert(id, person);
    }
    snapshot.identifiers = sqlx::query_scalar("SELECT identifier FROM users")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    for row in sqlx::query("SELECT user_id, profile FROM memberships WHERE school_id = $1")
        .bind(school_id)
        .fetch_all(&mut *conn)
        .await?
    {
        snapshot.profiles.insert(row.try_get(0)?, row.try_get(1)?);
    }
    for row in sqlx::query(
        "SELECT id, name, levels FROM classes WHERE school_id = $1 AND school_year = $2",
    )
    .bind(school_id)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        snapshot
            .classes
            .insert(row.try_get(1)?, (row.try_get(0)?, row.try_get(2)?));
    }
    for row in sqlx::query(
        "SELECT cm.user_id, cm.role, cm.class_id FROM class_members cm JOIN classes c ON c.id = cm.class_id \
         WHERE c.school_id = $1 AND c.school_year = $2",
    )
    .bind(school_id)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        snapshot
            .class_members
            .entry((row.try_get(0)?, row.try_get(1)?))
            .or_default()
            .insert(row.try_get(2)?);
    }
    for row in sqlx::query(
        "SELECT g.parent_id, g.child_id FROM guardianships g JOIN import_keys k ON k.user_id = g.child_id \
         WHERE k.school_id = $1 AND k.kind = 'pupil'",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    {
        snapshot.guardianships.insert((row.try_get(0)?, row.try_get(1)?));
    }
    Ok(snapshot)
}
