//! The SQL of the cahier de liaison: mots and their pupils, signatures, mots d'absence.

use sqlx::{AnyConnection, Row};

use crate::store::Db;

/// How a mot is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// Nothing to sign.
    None,
    /// Every guardian signs.
    Each,
    /// One signature per pupil (per family).
    Family,
}

impl Signature {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Each => "each",
            Self::Family => "family",
        }
    }

    /// From the stored code, or from the form's value (`aucune`, `chaque`, `famille`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" | "aucune" => Some(Self::None),
            "each" | "chaque" => Some(Self::Each),
            "family" | "famille" => Some(Self::Family),
            _ => None,
        }
    }

    /// "à signer par chaque parent".
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "pour information",
            Self::Each => "à signer par chaque parent",
            Self::Family => "à signer par un parent",
        }
    }
}

/// A mot.
#[derive(Debug, Clone)]
pub struct Mot {
    /// Id.
    pub id: String,
    /// Author.
    pub author_id: String,
    /// "Paul Durand".
    pub author_name: String,
    /// School.
    pub school_id: String,
    /// Class.
    pub class_id: String,
    /// Its name.
    pub class_name: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// How it is signed.
    pub signature: Signature,
    /// Delivered then.
    pub visible_at: i64,
    /// Last reminder.
    pub reminded_at: Option<i64>,
}

const MOT: &str = "m.id, m.author_id, a.first_name || ' ' || COALESCE(a.usage_name, a.last_name), \
    m.school_id, m.class_id, c.name, m.title, m.body, m.signature, m.visible_at, m.reminded_at \
    FROM liaison_mots m JOIN users a ON a.id = m.author_id JOIN classes c ON c.id = m.class_id";

fn mot(row: &sqlx::any::AnyRow) -> Mot {
    Mot {
        id: row.get(0),
        author_id: row.get(1),
        author_name: row.get(2),
        school_id: row.get(3),
        class_id: row.get(4),
        class_name: row.get(5),
        title: row.get(6),
        body: row.get(7),
        signature: Signature::parse(&row.get::<String, _>(8)).unwrap_or(Signature::None),
        visible_at: row.get(9),
        reminded_at: row.get(10),
    }
}

/// A new mot.
#[derive(Debug)]
pub struct NewMot<'a> {
    /// Author.
    pub author_id: &'a str,
    /// School.
    pub school_id: &'a str,
    /// Class.
    pub class_id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// How it is signed.
    pub signature: Signature,
    /// Delivered then.
    pub visible_at: i64,
    /// Its carnets.
    pub pupils: &'a [String],
}

/// Writes a mot and its pupils; returns its id.
pub async fn insert(tx: &mut AnyConnection, new: &NewMot<'_>, now: i64) -> sqlx::Result<String> {
    let id = crate::store::new_id();
    sqlx::query(
        "INSERT INTO liaison_mots (id, author_id, school_id, class_id, title, body, signature, visible_at, notified, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(new.author_id)
    .bind(new.school_id)
    .bind(new.class_id)
    .bind(new.title)
    .bind(new.body)
    .bind(new.signature.code())
    .bind(new.visible_at)
    .bind(i64::from(new.visible_at <= now))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for pupil in new.pupils {
        sqlx::query("INSERT INTO liaison_pupils (mot_id, pupil_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(pupil)
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

/// One mot.
pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<Mot>> {
    let row = sqlx::query(&format!("SELECT {MOT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(mot))
}

/// Whose mots a list shows.
#[derive(Debug, Clone)]
pub enum Carnets<'a> {
    /// The mots of these classes (their teacher, the director), delivered or not.
    Classes(&'a [String]),
    /// The delivered mots of this guardian's children.
    Guardian(&'a str),
    /// The delivered mots of this pupil.
    Pupil(&'a str),
}

fn carnets_where(carnets: &Carnets<'_>) -> (String, Vec<String>) {
    match carnets {
        Carnets::Classes(ids) => {
            let marks: Vec<String> = (2..2 + ids.len()).map(|i| format!("${i}")).collect();
            let list = if ids.is_empty() {
                "NULL".to_owned()
            } else {
                marks.join(", ")
            };
            (
                format!("m.class_id IN ({list}) AND $1 = $1"),
                ids.to_vec(),
            )
        }
        Carnets::Guardian(id) => (
            "m.visible_at <= $1 AND m.id IN (SELECT p.mot_id FROM liaison_pupils p \
             JOIN guardianships g ON g.child_id = p.pupil_id WHERE g.parent_id = $2)"
                .to_owned(),
            vec![(*id).to_owned()],
        ),
        Carnets::Pupil(id) => (
            "m.visible_at <= $1 AND m.id IN (SELECT p.mot_id FROM liaison_pupils p WHERE p.pupil_id = $2)"
                .to_owned(),
            vec![(*id).to_owned()],
        ),
    }
}

/// How many mots a list has.
pub async fn count(db: &Db, carnets: &Carnets<'_>, now: i64) -> sqlx::Result<usize> {
    let (condition, binds) = carnets_where(carnets);
    let sql = format!("SELECT COUNT(*) FROM liaison_mots m WHERE {condition}");
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(now);
    for b in &binds {
        query = query.bind(b);
    }
    Ok(usize::try_from(query.fetch_one(db.pool()).await?).unwrap_or(0))
}

/// One page of a list, newest first.
pub async fn page(
    db: &Db,
    carnets: &Carnets<'_>,
    now: i64,
    offset: usize,
    limit: usize,
) -> sqlx::Result<Vec<Mot>> {
    let (condition, binds) = carnets_where(carnets);
    let n = binds.len();
    let sql = format!(
        "SELECT {MOT} WHERE {condition} ORDER BY m.visible_at DESC, m.id DESC LIMIT ${} OFFSET ${}",
        n + 2,
        n + 3
    );
    let mut query = sqlx::query(&sql).bind(now);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(mot).collect())
}

/// One guardian of a pupil, and when they signed.
#[derive(Debug, Clone)]
pub struct Guardian {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Signed then.
    pub signed_at: Option<i64>,
}

/// One pupil of a mot and its guardians' signatures.
#[derive(Debug, Clone)]
pub struct PupilStatus {
    /// Id.
    pub pupil_id: String,
    /// Name.
    pub name: String,
    /// The active guardians.
    pub guardians: Vec<Guardian>,
}

impl PupilStatus {
    /// Whether the pupil's family signed as the mot asks.
    pub fn complete(&self, signature: Signature) -> bool {
        match signature {
            Signature::None => true,
            Signature::Family => self.guardians.iter().any(|g| g.signed_at.is_some()),
            Signature::Each => {
                !self.guardians.is_empty() && self.guardians.iter().all(|g| g.signed_at.is_some())
            }
        }
    }

    /// The guardians still to sign (none when complete).
    pub fn missing(&self, signature: Signature) -> Vec<&Guardian> {
        if self.complete(signature) {
            return Vec::new();
        }
        self.guardians
            .iter()
            .filter(|g| g.signed_at.is_none())
            .collect()
    }
}

/// The pupils of a mot with their guardians and signatures, by name.
pub async fn statuses(db: &Db, mot_id: &str) -> sqlx::Result<Vec<PupilStatus>> {
    let rows = sqlx::query(
        "SELECT p.pupil_id, u.first_name || ' ' || COALESCE(u.usage_name, u.last_name), g.parent_id, \
         pu.first_name || ' ' || COALESCE(pu.usage_name, pu.last_name), s.signed_at \
         FROM liaison_pupils p JOIN users u ON u.id = p.pupil_id \
         LEFT JOIN guardianships g ON g.child_id = p.pupil_id \
         LEFT JOIN users pu ON pu.id = g.parent_id AND pu.active = 1 \
         LEFT JOIN liaison_signatures s ON s.mot_id = p.mot_id AND s.pupil_id = p.pupil_id AND s.parent_id = g.parent_id \
         WHERE p.mot_id = $1 ORDER BY u.last_name, u.first_name, p.pupil_id, pu.first_name, g.parent_id",
    )
    .bind(mot_id)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<PupilStatus> = Vec::new();
    for row in rows {
        let pupil_id: String = row.get(0);
        if out.last().is_none_or(|last| last.pupil_id != pupil_id) {
            out.push(PupilStatus {
                pupil_id,
                name: row.get(1),
                guardians: Vec::new(),
            });
        }
        let (parent, name): (Option<String>, Option<String>) = (row.get(2), row.get(3));
        if let (Some(id), Some(name), Some(last)) = (parent, name, out.last_mut()) {
            last.guardians.push(Guardian {
                id,
                name,
                signed_at: row.get(4),
            });
        }
    }
    Ok(out)
}

/// Records a guardian's signature for a pupil; a second one (same guardian, or any guardian
/// when one per family is asked) changes nothing. Returns whether it was recorded.
pub async fn sign(
    tx: &mut AnyConnection,
    mot: &Mot,
    pupil: &str,
    parent: &str,
    now: i64,
) -> sqlx::Result<bool> {
    if mot.signature == Signature::Family {
        let already: Option<i64> = sqlx::query_scalar(
            "SELECT signed_at FROM liaison_signatures WHERE mot_id = $1 AND pupil_id = $2",
        )
        .bind(&mot.id)
        .bind(pupil)
        .fetch_optional(&mut *tx)
        .await?;
        if already.is_some() {
            return Ok(false);
        }
    }
    let done = sqlx::query(
        "INSERT INTO liaison_signatures (mot_id, pupil_id, parent_id, signed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (mot_id, pupil_id, parent_id) DO NOTHING",
    )
    .bind(&mot.id)
    .bind(pupil)
    .bind(parent)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a mot with its pupils and signatures.
pub async fn delete(tx: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM liaison_signatures WHERE mot_id = $1",
        "DELETE FROM liaison_pupils WHERE mot_id = $1",
        "DELETE FROM liaison_mots WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Ids of the mots (or absences, with `table`) whose time came and whose readers were not told
/// yet, each claimed once (several node processes may run the job).
pub async fn claim_due(db: &Db, table: Due, now: i64) -> sqlx::Result<Vec<String>> {
    let table = match table {
        Due::Mots => "liaison_mots",
        Due::Absences => "liaison_absences",
    };
    let ids: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE notified = 0 AND visible_at <= $1 ORDER BY visible_at LIMIT 200"
    ))
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut claimed = Vec::new();
    for id in ids {
        let won = sqlx::query(&format!(
            "UPDATE {table} SET notified = 1 WHERE id = $1 AND notified = 0"
        ))
        .bind(&id)
        .execute(db.pool())
        .await?
        .rows_affected();
        if won == 1 {
            claimed.push(id);
        }
    }
    Ok(claimed)
}

/// What [`claim_due`] looks at.
#[derive(Debug, Clone, Copy)]
pub enum Due {
    /// Mots.
    Mots,
    /// Mots d'absence.
    Absences,
}
