//! Buffered inserts of an import (ONDE and AAF): new rows go out as multi-row `INSERT`s at the end of each
//! phase, so a first import of 10,000 pupils costs a few dozen statements instead of ~100,000
//! round trips (which dominate on PostgreSQL). Updates and deletes stay immediate: they are rare.

use sqlx::AnyConnection;

use crate::domain::{Identifier, Profile};
use crate::users::NewUser;

/// One value of a buffered row.
enum Cell {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
}

/// Rows waiting for one table.
struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            table,
            columns,
            rows: Vec::new(),
        }
    }

    /// Sends the rows in statements of at most 500 rows (well under both engines' limits on
    /// bound parameters: 32,766 for SQLite, 65,535 for PostgreSQL).
    async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        let width = self.columns.len();
        for chunk in self.rows.chunks(500) {
            let values: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let cells: Vec<String> = (1..=width)
                        .map(|col| format!("${}", row * width + col))
                        .collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.table,
                self.columns.join(", "),
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for cell in chunk.iter().flatten() {
                query = match cell {
                    Cell::Text(text) => query.bind(text.clone()),
                    Cell::MaybeText(text) => query.bind(text.clone()),
                    Cell::Int(number) => query.bind(*number),
                };
            }
            query.execute(&mut *conn).await?;
        }
        self.rows.clear();
        Ok(())
    }
}

/// The buffers of one import.
pub struct Batch {
    users: Rows,
    keys: Rows,
    memberships: Rows,
    class_members: Rows,
    guardianships: Rows,
    directory_ids: Rows,
    teaching: Rows,
    staff_functions: Rows,
}

impl Batch {
    /// Empty buffers.
    pub fn new() -> Self {
        Self {
            users: Rows::new(
                "users",
                &[
                    "id",
                    "identifier",
                    "first_name",
                    "last_name",
                    "usage_name",
                    "birth_date",
                    "email",
                    "civility",
                    "search_key",
                    "is_operator",
                    "active",
                    "created_at",
                    "updated_at",
                ],
            ),
            keys: Rows::new(
                "import_keys",
                &["school_id", "kind", "match_key", "user_id"],
            ),
            memberships: Rows::new("memberships", &["user_id", "school_id", "profile"]),
            class_members: Rows::new(
                "class_members",
                &["class_id", "user_id", "role", "principal"],
            ),
            guardianships: Rows::new("guardianships", &["parent_id", "child_id"]),
            directory_ids: Rows::new("directory_ids", &["academy", "jointure", "kind", "user_id"]),
            teaching: Rows::new("teaching", &["class_id", "user_id", "subject_code"]),
            staff_functions: Rows::new(
                "staff_functions",
                &["user_id", "school_id", "code", "label", "discipline"],
            ),
        }
    }

    /// A new account (no password: it waits for its activation code).
    pub fn user(&mut self, id: &str, identifier: &Identifier, user: &NewUser, now: i64) {
        let search_key = crate::users::store::search_key(
            &user.first_name,
            &user.last_name,
            user.usage_name.as_deref(),
            identifier.as_str(),
        );
        self.users.rows.push(vec![
            Cell::Text(id.to_owned()),
            Cell::Text(identifier.to_string()),
            Cell::Text(user.first_name.clone()),
            Cell::Text(user.last_name.clone()),
            Cell::MaybeText(user.usage_name.clone()),
            Cell::MaybeText(user.birth_date.clone()),
            Cell::MaybeText(user.email.clone()),
            Cell::MaybeText(user.civility.clone()),
            Cell::Text(search_key),
            Cell::Int(0),
            Cell::Int(1),
            Cell::Int(now),
            Cell::Int(now),
        ]);
    }

    /// A match key of the import.
    pub fn key(&mut self, school_id: &str, kind: &str, key: &str, user_id: &str) {
        self.keys.rows.push(vec![
            Cell::Text(school_id.to_owned()),
            Cell::Text(kind.to_owned()),
            Cell::Text(key.to_owned()),
            Cell::Text(user_id.to_owned()),
        ]);
    }

    /// A profile in the school, for a user who has none there yet.
    pub fn membership(&mut self, user_id: &str, school_id: &str, profile: Profile) {
        self.memberships.rows.push(vec![
            Cell::Text(user_id.to_owned()),
            Cell::Text(school_id.to_owned()),
            Cell::Text(profile.code().to_owned()),
        ]);
    }

    /// A place in a class.
    pub fn class_member(&mut self, class_id: &str, user_id: &str, role: &str) {
        self.class_member_as(class_id, user_id, role, false);
    }

    /// A place in a class, as its professeur principal or not.
    pub fn class_member_as(&mut self, class_id: &str, user_id: &str, role: &str, principal: bool) {
        self.class_members.rows.push(vec![
            Cell::Text(class_id.to_owned()),
            Cell::Text(user_id.to_owned()),
            Cell::Text(role.to_owned()),
            Cell::Int(i64::from(principal)),
        ]);
    }

    /// A person's jointure id in an académie's directory.
    pub fn directory_id(&mut self, academy: &str, jointure: &str, kind: &str, user_id: &str) {
        self.directory_ids.rows.push(
            [academy, jointure, kind, user_id]
                .map(|v| Cell::Text(v.to_owned()))
                .into(),
        );
    }

    /// A subject taught in a class or group.
    pub fn teaching(&mut self, class_id: &str, user_id: &str, subject: &str) {
        self.teaching.rows.push(
            [class_id, user_id, subject]
                .map(|v| Cell::Text(v.to_owned()))
                .into(),
        );
    }

    /// A function of a member of staff in a school.
    pub fn staff_function(&mut self, user_id: &str, school_id: &str, function: [&str; 3]) {
        let [code, label, discipline] = function;
        self.staff_functions.rows.push(
            [user_id, school_id, code, label, discipline]
                .map(|v| Cell::Text(v.to_owned()))
                .into(),
        );
    }

    /// A parent–child link.
    pub fn guardianship(&mut self, parent_id: &str, child_id: &str) {
        self.guardianships.rows.push(vec![
            Cell::Text(parent_id.to_owned()),
            Cell::Text(child_id.to_owned()),
        ]);
    }

    /// Sends everything buffered, users first (the other tables reference them).
    pub async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        self.users.flush(conn).await?;
        self.keys.flush(conn).await?;
        self.memberships.flush(conn).await?;
        self.class_members.flush(conn).await?;
        self.guardianships.flush(conn).await?;
        self.directory_ids.flush(conn).await?;
        self.teaching.flush(conn).await?;
        self.staff_functions.flush(conn).await
    }
}
