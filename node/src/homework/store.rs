//! The SQL of the cahier de textes: entries (séances and work) of a class, what a pupil has to
//! do, the teacher's week, "fait" marks, deletion and the claim of entries whose time came.

use sqlx::{AnyConnection, Row};

use crate::store::Db;

/// A séance or a work, as pages show it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Id.
    pub id: String,
    /// The class (or collège group).
    pub class_id: String,
    /// Its name.
    pub class_name: String,
    /// Who wrote it.
    pub author_id: String,
    /// Their name.
    pub author_name: String,
    /// `seance` or `travail`.
    pub kind: String,
    /// Subject code ('' when none).
    pub subject_code: String,
    /// Subject label ('' when none).
    pub subject: String,
    /// The séance's date, or the day the work is due (`YYYY-MM-DD`, Paris).
    pub day: String,
    /// Title.
    pub title: String,
    /// Text (instructions, what was done).
    pub body: String,
    /// Links, one a line.
    pub links: String,
    /// Estimated time (minutes; 0: not said).
    pub minutes: i64,
    /// Pupils hand something in.
    pub hand_in: bool,
    /// When pupils and parents see it.
    pub visible_at: i64,
}

impl Entry {
    /// A work to do (not a séance).
    pub fn is_work(&self) -> bool {
        self.kind == "travail"
    }

    /// "environ 20 min", "environ 1 h 30" ('' when not said).
    pub fn minutes_label(&self) -> String {
        match (self.minutes / 60, self.minutes % 60) {
            (0, 0) => String::new(),
            (0, m) => format!("environ {m} min"),
            (h, 0) => format!("environ {h} h"),
            (h, m) => format!("environ {h} h {m:02}"),
        }
    }

    /// "Séance" or "À faire".
    pub fn kind_label(&self) -> &'static str {
        if self.is_work() {
            "À faire"
        } else {
            "Séance"
        }
    }

    /// Its links, one per line, blank lines left out.
    pub fn link_list(&self) -> Vec<&str> {
        self.links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

/// What is written (an entry, or its copy).
#[derive(Debug)]
pub struct NewEntry<'a> {
    /// Class.
    pub class_id: &'a str,
    /// Author.
    pub author_id: &'a str,
    /// `seance` or `travail`.
    pub kind: &'a str,
    /// Subject code or ''.
    pub subject_code: &'a str,
    /// Day (`YYYY-MM-DD`).
    pub day: &'a str,
    /// Title.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// Links.
    pub links: &'a str,
    /// Minutes.
    pub minutes: i64,
    /// À rendre.
    pub hand_in: bool,
    /// Shown from.
    pub visible_at: i64,
    /// Already told (visible at once).
    pub notified: bool,
}

const SELECT: &str = "SELECT e.id, e.class_id, c.name, e.author_id, \
    a.first_name || ' ' || COALESCE(a.usage_name, a.last_name), e.kind, e.subject_code, \
    COALESCE(sj.label, ''), e.day, e.title, e.body, e.links, e.minutes, e.hand_in, e.visible_at \
    FROM homework_entries e JOIN classes c ON c.id = e.class_id JOIN users a ON a.id = e.author_id \
    LEFT JOIN subjects sj ON sj.code = e.subject_code";

const ORDER: &str = "ORDER BY e.day, c.name, e.subject_code, e.created_at, e.id";

fn entry(row: &sqlx::any::AnyRow) -> Entry {
    Entry {
        id: row.get(0),
        class_id: row.get(1),
        class_name: row.get(2),
        author_id: row.get(3),
        author_name: row.get(4),
        kind: row.get(5),
        subject_code: row.get(6),
        subject: row.get(7),
        day: row.get(8),
        title: row.get(9),
        body: row.get(10),
        links: row.get(11),
        minutes: row.get(12),
        hand_in: row.get::<i64, _>(13) != 0,
        visible_at: row.get(14),
    }
}

/// Writes an entry; returns its id.
pub async fn insert(tx: &mut AnyConnection, e: &NewEntry<'_>, now: i64) -> sqlx::Result<String> {
    let id = crate::store::new_id();
    sqlx::query(
        "INSERT INTO homework_entries (id, class_id, author_id, kind, subject_code, day, title, body, \
         links, minutes, hand_in, visible_at, notified, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&id)
    .bind(e.class_id)
    .bind(e.author_id)
    .bind(e.kind)
    .bind(e.subject_code)
    .bind(e.day)
    .bind(e.title)
    .bind(e.body)
    .bind(e.links)
    .bind(e.minutes)
    .bind(i64::from(e.hand_in))
    .bind(e.visible_at)
    .bind(i64::from(e.notified))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// One entry.
pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<Entry>> {
    let row = sqlx::query(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(entry))
}

/// A class's entries of days `from..=to`; only those visible at `visible_by` when given.
pub async fn of_class(
    db: &Db,
    class_id: &str,
    from: &str,
    to: &str,
    visible_by: Option<i64>,
) -> sqlx::Result<Vec<Entry>> {
    let sql = format!(
        "{SELECT} WHERE e.class_id = $1 AND e.day >= $2 AND e.day <= $3 AND e.visible_at <= $4 {ORDER}"
    );
    let rows = sqlx::query(&sql)
        .bind(class_id)
        .bind(from)
        .bind(to)
        .bind(visible_by.unwrap_or(i64::MAX))
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(entry).collect())
}

/// The entries of days `from..=to` in the classes `teacher` teaches (the week view).
pub async fn of_teacher(db: &Db, teacher: &str, from: &str, to: &str) -> sqlx::Result<Vec<Entry>> {
    let sql = format!(
        "{SELECT} WHERE e.day >= $2 AND e.day <= $3 AND EXISTS (SELECT 1 FROM class_members m \
         WHERE m.class_id = e.class_id AND m.user_id = $1 AND m.role = 'teacher') {ORDER}"
    );
    let rows = sqlx::query(&sql)
        .bind(teacher)
        .bind(from)
        .bind(to)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(entry).collect())
}

/// The work a pupil has to do from `today` on (visible at `now`), soonest first, each with
/// whether they ticked it "fait".
pub async fn to_do(
    db: &Db,
    pupil: &str,
    today: &str,
    now: i64,
) -> sqlx::Result<Vec<(Entry, bool)>> {
    let sql = format!(
        "{SELECT} WHERE e.kind = 'travail' AND e.day >= $2 AND e.visible_at <= $3 AND EXISTS \
         (SELECT 1 FROM class_members m WHERE m.class_id = e.class_id AND m.user_id = $1 \
         AND m.role = 'pupil') {ORDER} LIMIT 200"
    );
    let rows = sqlx::query(&sql)
        .bind(pupil)
        .bind(today)
        .bind(now)
        .fetch_all(db.pool())
        .await?;
    let done: Vec<String> =
        sqlx::query_scalar("SELECT entry_id FROM homework_done WHERE pupil_id = $1")
            .bind(pupil)
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .iter()
        .map(entry)
        .map(|e| {
            let ticked = done.contains(&e.id);
            (e, ticked)
        })
        .collect())
}

/// Ticks or unticks "fait" (ticking twice keeps one mark).
pub async fn set_done(db: &Db, entry: &str, pupil: &str, done: bool, now: i64) -> sqlx::Result<()> {
    let query = if done {
        sqlx::query(
            "INSERT INTO homework_done (entry_id, pupil_id, done_at) VALUES ($1, $2, $3) \
             ON CONFLICT (entry_id, pupil_id) DO NOTHING",
        )
        .bind(entry)
        .bind(pupil)
        .bind(now)
    } else {
        sqlx::query("DELETE FROM homework_done WHERE entry_id = $1 AND pupil_id = $2")
            .bind(entry)
            .bind(pupil)
    };
    query.execute(db.pool()).await?;
    Ok(())
}

/// The pupils who ticked an entry "fait".
pub async fn done_by(db: &Db, entry: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT pupil_id FROM homework_done WHERE entry_id = $1")
        .bind(entry)
        .fetch_all(db.pool())
        .await
}

/// Deletes an entry with its files, marks and hand-ins.
pub async fn delete(tx: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    super::files::ENTRY.delete(&mut *tx, id).await?;
    let handins: Vec<String> =
        sqlx::query_scalar("SELECT id FROM homework_handins WHERE entry_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    for handin in &handins {
        super::files::HANDIN.delete(&mut *tx, handin).await?;
    }
    for sql in [
        "DELETE FROM homework_handins WHERE entry_id = $1",
        "DELETE FROM homework_done WHERE entry_id = $1",
        "DELETE FROM homework_entries WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Entries whose time came and whose class was not told yet, each claimed once.
pub async fn claim_due(db: &Db, now: i64) -> sqlx::Result<Vec<(String, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, class_id, author_id FROM homework_entries WHERE notified = 0 AND visible_at <= $1 \
         ORDER BY visible_at LIMIT 200",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let id: String = row.get(0);
        let won =
            sqlx::query("UPDATE homework_entries SET notified = 1 WHERE id = $1 AND notified = 0")
                .bind(&id)
                .execute(db.pool())
                .await?
                .rows_affected();
        if won == 1 {
            claimed.push((id, row.get(1), row.get(2)));
        }
    }
    Ok(claimed)
}
