//! What the database knows before an AAF import, loaded once inside its transaction so
//! that matching runs in memory (an academy-wide feed holds tens of thousands of people).

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

use crate::provisioning::onde::snapshot::{PERSON_COLUMNS, Person};

/// A class of a hosted school this school year.
#[derive(Debug, Clone)]
pub(super) struct KnownClass {
    pub id: String,
    pub name: String,
    pub levels: String,
}

/// The store as an import sees it.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// Jointure id → (user id, kind) in this académie.
    pub ids: HashMap<String, (String, String)>,
    /// People reached through those ids or through the hosted schools.
    pub people: HashMap<String, Person>,
    /// Every identifier of the node.
    pub identifiers: HashSet<String>,
    /// User → school → profile, for the people above.
    pub memberships: HashMap<String, HashMap<String, String>>,
    /// (school, feed code) → class, this school year.
    pub classes: HashMap<(String, String), KnownClass>,
    /// (school, name) → class without feed code (made by ONDE or by hand), this school year.
    pub unnamed_classes: HashMap<(String, String), KnownClass>,
    /// (user, role) → class → professeur principal, in the hosted schools this year.
    pub places: HashMap<(String, String), HashMap<String, bool>>,
    /// User → (class, subject) taught in the hosted schools this year.
    pub teaching: HashMap<String, HashSet<(String, String)>>,
    /// (user, school) → functions (code, label, discipline).
    pub functions: HashMap<(String, String), HashSet<[String; 3]>>,
    /// Parent–child links whose child belongs to a hosted school.
    pub guardianships: HashSet<(String, String)>,
    /// ONDE match keys of the hosted schools: (school, kind, key) → user.
    pub onde_keys: HashMap<(String, String, String), String>,
    /// Subjects by code.
    pub subjects: HashMap<String, String>,
}

async fn people(
    conn: &mut AnyConnection,
    known: &mut Known,
    sql: &str,
    bind: &str,
) -> Result<(), sqlx::Error> {
    for row in sqlx::query(sql).bind(bind).fetch_all(&mut *conn).await? {
        let (id, person) = Person::from_row(&row)?;
        known.people.insert(id, person);
    }
    Ok(())
}

/// People joined to `join`, with the columns `Person::from_row` reads.
fn people_sql(join: &str) -> String {
    format!("SELECT DISTINCT u.id, {PERSON_COLUMNS} FROM users u {join}")
}

/// Loads what an import of `academy` into `schools` compares against.
pub(super) async fn load(
    conn: &mut AnyConnection,
    academy: &str,
    schools: &[String],
    year: i64,
) -> Result<Known, sqlx::Error> {
    let mut known = Known::default();
    for row in sqlx::query("SELECT jointure, user_id, kind FROM directory_ids WHERE academy = $1")
        .bind(academy)
        .fetch_all(&mut *conn)
        .await?
    {
        known
            .ids
            .insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
    }
    let by_academy = people_sql("JOIN directory_ids d ON d.user_id = u.id WHERE d.academy = $1");
    people(conn, &mut known, &by_academy, academy).await?;
    let membership_sql = "SELECT m.user_id, m.school_id, m.profile FROM memberships m \
                          JOIN directory_ids d ON d.user_id = m.user_id WHERE d.academy = $1";
    for row in sqlx::query(membership_sql)
        .bind(academy)
        .fetch_all(&mut *conn)
        .await?
    {
        (known.memberships.entry(row.try_get(0)?).or_default())
            .insert(row.try_get(1)?, row.try_get(2)?);
    }
    known.identifiers = sqlx::query_scalar("SELECT identifier FROM users")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    for row in sqlx::query("SELECT code, label FROM subjects")
        .fetch_all(&mut *conn)
        .await?
    {
        known.subjects.insert(row.try_get(0)?, row.try_get(1)?);
    }
    for school in schools {
        school_rows(conn, &mut known, school, year).await?;
    }
    Ok(known)
}

/// What one hosted school holds: its members (an ONDE import's too), classes, places.
async fn school_rows(
    conn: &mut AnyConnection,
    known: &mut Known,
    school: &str,
    year: i64,
) -> Result<(), sqlx::Error> {
    let members = people_sql("JOIN memberships m ON m.user_id = u.id WHERE m.school_id = $1");
    people(conn, known, &members, school).await?;
    for row in sqlx::query("SELECT user_id, profile FROM memberships WHERE school_id = $1")
        .bind(school)
        .fetch_all(&mut *conn)
        .await?
    {
        (known.memberships.entry(row.try_get(0)?).or_default())
            .insert(school.to_owned(), row.try_get(1)?);
    }
    for row in sqlx::query(
        "SELECT id, name, levels, external_id FROM classes WHERE school_id = $1 AND school_year = $2",
    )
    .bind(school)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        let class = KnownClass {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            levels: row.try_get(2)?,
        };
        match row.try_get::<Option<String>, _>(3)? {
            Some(code) => known.classes.insert((school.to_owned(), code), class),
            None => (known.unnamed_classes).insert((school.to_owned(), class.name.clone()), class),
        };
    }
    for row in sqlx::query(
        "SELECT cm.user_id, cm.role, cm.class_id, cm.principal FROM class_members cm \
         JOIN classes c ON c.id = cm.class_id WHERE c.school_id = $1 AND c.school_year = $2",
    )
    .bind(school)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        let principal: i64 = row.try_get(3)?;
        (known
            .places
            .entry((row.try_get(0)?, row.try_get(1)?))
            .or_default())
        .insert(row.try_get(2)?, principal != 0);
    }
    for row in sqlx::query(
        "SELECT t.user_id, t.class_id, t.subject_code FROM teaching t \
         JOIN classes c ON c.id = t.class_id WHERE c.school_id = $1 AND c.school_year = $2",
    )
    .bind(school)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        (known.teaching.entry(row.try_get(0)?).or_default())
            .insert((row.try_get(1)?, row.try_get(2)?));
    }
    for row in sqlx::query(
        "SELECT user_id, code, label, discipline FROM staff_functions WHERE school_id = $1",
    )
    .bind(school)
    .fetch_all(&mut *conn)
    .await?
    {
        (known
            .functions
            .entry((row.try_get(0)?, school.to_owned()))
            .or_default())
        .insert([row.try_get(1)?, row.try_get(2)?, row.try_get(3)?]);
    }
    for row in sqlx::query(
        "SELECT g.parent_id, g.child_id FROM guardianships g \
         JOIN memberships m ON m.user_id = g.child_id WHERE m.school_id = $1",
    )
    .bind(school)
    .fetch_all(&mut *conn)
    .await?
    {
        known
            .guardianships
            .insert((row.try_get(0)?, row.try_get(1)?));
    }
    for row in sqlx::query("SELECT kind, match_key, user_id FROM import_keys WHERE school_id = $1")
        .bind(school)
        .fetch_all(&mut *conn)
        .await?
    {
        known.onde_keys.insert(
            (school.to_owned(), row.try_get(0)?, row.try_get(1)?),
            row.try_get(2)?,
        );
    }
    Ok(())
}
