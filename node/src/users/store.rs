//! Queries on users, memberships and guardianships (one implementation for both engines).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::{Identifier, Profile, normalize_name};
use crate::store::{Db, flag, new_id};

pub use crate::domain::user::{Membership, UserRow};

const USER_COLUMNS: &str = "id, identifier, first_name, last_name, usage_name, birth_date, email, \
                            password_hash, is_operator, active";

fn user_from(row: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: row.try_get("id")?,
        identifier: row.try_get("identifier")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        usage_name: row.try_get("usage_name")?,
        birth_date: row.try_get("birth_date")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        is_operator: flag(row.try_get("is_operator")?),
        active: flag(row.try_get("active")?),
    })
}

/// What is needed to create a user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// First name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Usage name.
    pub usage_name: Option<String>,
    /// Birth date `yyyy-mm-dd`.
    pub birth_date: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Civility (M., Mme).
    pub civility: Option<String>,
    /// Argon2id hash when the password is set at creation (operator, demo).
    pub password_hash: Option<String>,
    /// Operator of the node.
    pub is_operator: bool,
}

/// Finds a user by id.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(user_from).transpose()
}

/// Finds a user by sign-in identifier.
pub async fn by_identifier(
    db: &Db,
    identifier: &Identifier,
) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE identifier = $1");
    let row = sqlx::query(&sql)
        .bind(identifier.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(user_from).transpose()
}

/// The folded text searches run against: names and identifier, without accents, lower case.
pub fn search_key(first: &str, last: &str, usage: Option<&str>, identifier: &str) -> String {
    normalize_name(&format!(
        "{first} {last} {} {identifier}",
        usage.unwrap_or_default()
    ))
}

/// SQL conditions (one per typed word, all required) on `search_key`, numbered from `first_bind`.
pub fn word_conditions(text: &str, column: &str, first_bind: usize) -> (Vec<String>, Vec<String>) {
    normalize_name(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, word)| {
            (
                format!("{column} LIKE ${}", first_bind + i),
                format!("%{word}%"),
            )
        })
        .unzip()
}

/// Lists users whose names or identifier contain every typed word, at most `limit`.
pub async fn search(db: &Db, query: &str, limit: i64) -> Result<Vec<UserRow>, sqlx::Error> {
    let (conditions, binds) = word_conditions(query, "search_key", 2);
    let filter = if conditions.is_empty() {
        "1 = 1".to_owned()
    } else {
        conditions.join(" AND ")
    };
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY last_name, first_name, identifier LIMIT $1"
    );
    let mut statement = sqlx::query(&sql).bind(limit);
    for bind in binds {
        statement = statement.bind(bind);
    }
    let rows = statement.fetch_all(db.pool()).await?;
    rows.iter().map(user_from).collect()
}

/// Filters of the operator's account list (`ent-admin users list`); `None` means any.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users with a membership in this school (id).
    pub school_id: Option<String>,
    /// Only users holding this profile (in `school_id` when given, else anywhere).
    pub profile: Option<Profile>,
    /// Text searched in identifier, first, last and usage names (case-insensitive).
    pub search: Option<String>,
    /// Deactivated accounts instead of active ones.
    pub inactive: bool,
}

/// Users matching every filter of `filter`, by name.
pub async fn list(db: &Db, filter: &UserFilter) -> Result<Vec<UserRow>, sqlx::Error> {
    // Placeholders are numbered as conditions are added; every value is bound, never spliced.
    let mut binds: Vec<String> = Vec::new();
    let mut conditions = vec![format!(
        "u.active = {}",
        if filter.inactive { 0 } else { 1 }
    )];
    if filter.school_id.is_some() || filter.profile.is_some() {
        let mut inner = String::from("SELECT 1 FROM memberships m WHERE m.user_id = u.id");
        if let Some(school) = &filter.school_id {
            binds.push(school.clone());
            inner.push_str(&format!(" AND m.school_id = ${}", binds.len()));
        }
        if let Some(profile) = filter.profile {
            binds.push(profile.code().to_owned());
            inner.push_str(&format!(" AND m.profile = ${}", binds.len()));
        }
        conditions.push(format!("EXISTS ({inner})"));
    }
    if let Some(text) = filter.search.as_deref() {
        let (words, values) = word_conditions(text, "u.search_key", binds.len() + 1);
        conditions.extend(words);
        binds.extend(values);
    }
    let columns = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM users u WHERE {} ORDER BY u.last_name, u.first_name, u.identifier",
        conditions.join(" AND ")
    );
    let mut query = sqlx::query(&sql);
    for value in binds {
        query = query.bind(value);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter().map(user_from).collect()
}

/// The schools and profiles of a user.
pub async fn memberships(db: &Db, user_id: &str) -> Result<Vec<Membership>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.school_id, s.name, m.profile FROM memberships m JOIN schools s ON s.id = m.school_id \
         WHERE m.user_id = $1 ORDER BY s.name",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let profile: String = row.try_get(2)?;
            Ok(Membership {
                school_id: row.try_get(0)?,
                school_name: row.try_get(1)?,
                profile: Profile::parse(&profile).map_err(|e| sqlx::Error::Decode(e.0.into()))?,
            })
        })
        .collect()
}

/// Children of a parent (active ones), as users.
pub async fn children(db: &Db, parent_id: &str) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM users u JOIN guardianships g ON g.child_id = u.id \
         WHERE g.parent_id = $1 AND u.active = 1 ORDER BY u.first_name",
        USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = sqlx::query(&sql)
        .bind(parent_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(user_from).collect()
}

/// Parents of a child.
pub async fn parents(db: &Db, child_id: &str) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM users u JOIN guardianships g ON g.parent_id = u.id \
         WHERE g.child_id = $1 ORDER BY u.last_name, u.first_name",
        USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = sqlx::query(&sql)
        .bind(child_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(user_from).collect()
}

/// Takes the node-wide lock on identifier allocation until the caller's transaction ends.
/// Every account creator (ONDE import, staff by hand, guests, operators) takes it before it
/// reads which identifiers are taken: on PostgreSQL two creators needing `paul.martin` at once
/// then run one after the other, and the second sees the first's account (`paul.martin2`)
/// instead of failing on the unique index. SQLite's write transaction is already exclusive.
pub async fn lock_identifiers(conn: &mut AnyConnection, now: i64) -> Result<(), sqlx::Error> {
    crate::store::lock(conn, "identifiers", now).await
}

/// Picks a free identifier `first.last`, `first.last2`… under the identifier lock (taken here),
/// in the caller's transaction.
pub async fn free_identifier(
    conn: &mut AnyConnection,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> Result<Identifier, sqlx::Error> {
    lock_identifiers(conn, now).await?;
    let base = Identifier::base_for(first_name, last_name);
    let taken: Vec<String> = sqlx::query_scalar(
        "SELECT identifier FROM users WHERE identifier = $1 OR identifier LIKE $2",
    )
    .bind(&base)
    .bind(format!("{base}%"))
    .fetch_all(&mut *conn)
    .await?;
    Ok(Identifier::first_free(first_name, last_name, |candidate| {
        taken.iter().any(|t| t == candidate)
    }))
}

/// Inserts a user with a fresh identifier; returns its id and identifier.
pub async fn create(
    conn: &mut AnyConnection,
    user: &NewUser,
    now: i64,
) -> Result<(String, Identifier), sqlx::Error> {
    let identifier = free_identifier(conn, &user.first_name, &user.last_name, now).await?;
    let id = insert(conn, user, &identifier, now).await?;
    Ok((id, identifier))
}

/// Inserts a user under an identifier the caller knows to be free; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    user: &NewUser,
    identifier: &Identifier,
    now: i64,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, identifier, first_name, last_name, usage_name, birth_date, email, civility, \
         password_hash, is_operator, active, created_at, updated_at, search_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $12)",
    )
    .bind(&id)
    .bind(identifier.as_str())
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(&user.usage_name)
    .bind(&user.birth_date)
    .bind(&user.email)
    .bind(&user.civility)
    .bind(&user.password_hash)
    .bind(i64::from(user.is_operator))
    .bind(now)
    .bind(search_key(&user.first_name, &user.last_name, user.usage_name.as_deref(), identifier.as_str()))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Gives `user_id` a profile in `school_id` (replacing any previous profile there).
pub async fn set_membership(
    conn: &mut AnyConnection,
    user_id: &str,
    school_id: &str,
    profile: Profile,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND school_id = $2")
        .bind(user_id)
        .bind(school_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO memberships (user_id, school_id, profile) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(school_id)
        .bind(profile.code())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Links a parent to a child (idempotent).
pub async fn link_guardian(
    conn: &mut AnyConnection,
    parent_id: &str,
    child_id: &str,
) -> Result<bool, sqlx::Error> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM guardianships WHERE parent_id = $1 AND child_id = $2")
            .bind(parent_id)
            .bind(child_id)
            .fetch_optional(&mut *conn)
            .await?;
    if exists.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO guardianships (parent_id, child_id) VALUES ($1, $2)")
        .bind(parent_id)
        .bind(child_id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Stores a new password hash (and ends the pending state).
pub async fn set_password(db: &Db, user_id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, \
         credentials_version = credentials_version + 1 WHERE id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(user_id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Why an account may not be deactivated, if it may not.
pub async fn deactivation_refused(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<&'static str>, sqlx::Error> {
    let operators: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE is_operator = 1 AND active = 1 AND id <> $1",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    let is_operator: Option<i64> =
        sqlx::query_scalar("SELECT is_operator FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    // A node without an active operator could only be repaired by editing the database.
    Ok((is_operator == Some(1) && operators == 0).then_some(
        "C'est le dernier compte administrateur actif du nœud : il ne peut pas être désactivé.",
    ))
}

/// Deactivates or reactivates an account; deactivation also ends its sessions.
pub async fn set_active(
    conn: &mut AnyConnection,
    user_id: &str,
    active: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let deactivated_at = if active { None } else { Some(now) };
    // Reactivation (and deactivation) voids API tokens issued before.
    sqlx::query(
        "UPDATE users SET active = $1, deactivated_at = $2, updated_at = $3, \
         credentials_version = credentials_version + 1 WHERE id = $4",
    )
    .bind(i64::from(active))
    .bind(deactivated_at)
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    if !active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Records who did what, in the caller's transaction.
pub async fn audit(
    conn: &mut AnyConnection,
    now: i64,
    actor_id: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (id, at, actor_id, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id())
        .bind(now)
        .bind(actor_id)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces a password hash by a stronger hash of the same password (parameters raised), only
/// if it was not changed meanwhile; API tokens stay valid (same password).
pub async fn rehash(db: &Db, user_id: &str, old: &str, new: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
        .bind(new)
        .bind(user_id)
        .bind(old)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The version of an account's credentials (bumped by a password change, a reset or a
/// reactivation); `None` when the account does not exist.
pub async fn credentials_version(db: &Db, user_id: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT credentials_version FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await
}
