//! Parent links an import could not decide: a guardian row names a child whom two pupils
//! could be (same names, same class). The rest is imported; the link waits for a teacher of
//! the class or the director to choose, and the answer is remembered by the next imports
//! for as long as the files name the same child the same way.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::store::{Db, new_id};

/// A question as an import finds it: (its id, the child chosen, if answered).
pub(super) type Known = HashMap<(String, String), (String, Option<String>)>;

/// The questions of a school, by (parent id, child as written).
pub(super) async fn load(conn: &mut AnyConnection, school_id: &str) -> Result<Known, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, parent_id, child_key, chosen_child_id FROM guardian_link_questions WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut known = Known::new();
    for row in rows {
        known.insert(
            (row.try_get(1)?, row.try_get(2)?),
            (row.try_get(0)?, row.try_get(3)?),
        );
    }
    Ok(known)
}

/// A question to (re)ask after the import's users exist.
pub(super) struct Ask {
    /// The existing question, asked again with the current candidates.
    pub id: Option<String>,
    pub parent_id: String,
    pub key: String,
    pub label: String,
    pub candidates: Vec<String>,
}

/// Writes a question (new, or again with fresh candidates and no answer); returns its id.
pub(super) async fn ask(
    conn: &mut AnyConnection,
    school_id: &str,
    question: &Ask,
    now: i64,
) -> Result<String, sqlx::Error> {
    let id = match &question.id {
        Some(id) => {
            sqlx::query(
                "UPDATE guardian_link_questions SET chosen_child_id = NULL, child_label = $1, \
                 answered_at = NULL, answered_by = NULL WHERE id = $2",
            )
            .bind(&question.label)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM guardian_link_candidates WHERE question_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id.clone()
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO guardian_link_questions (id, school_id, parent_id, child_key, child_label, asked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(school_id)
            .bind(&question.parent_id)
            .bind(&question.key)
            .bind(&question.label)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    for child in &question.candidates {
        sqlx::query("INSERT INTO guardian_link_candidates (question_id, child_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(child)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// Forgets a question the files no longer raise.
pub(super) async fn forget(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM guardian_link_candidates WHERE question_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM guardian_link_questions WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A pupil a guardian row could mean.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// User id of the pupil.
    pub id: String,
    /// "Léa Martin".
    pub name: String,
    /// "12/03/2017", what tells namesakes apart for the person choosing.
    pub birth_date: String,
}

/// An open question shown on a class page.
#[derive(Debug, Clone)]
pub struct Question {
    /// Its id (the form's target).
    pub id: String,
    /// The guardian, "Paul Martin".
    pub parent_name: String,
    /// The child as the file wrote it.
    pub child_label: String,
    /// The pupils it could be.
    pub candidates: Vec<Candidate>,
}

fn french_date(iso: Option<String>) -> String {
    iso.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// The unanswered questions whose candidates include a pupil of `class_id`.
pub async fn open_for_class(db: &Db, class_id: &str) -> Result<Vec<Question>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT q.id, p.first_name, p.last_name, q.child_label, q.asked_at \
         FROM guardian_link_questions q \
         JOIN guardian_link_candidates c ON c.question_id = q.id \
         JOIN class_members m ON m.user_id = c.child_id AND m.role = 'pupil' \
         JOIN users p ON p.id = q.parent_id \
         WHERE m.class_id = $1 AND q.chosen_child_id IS NULL ORDER BY q.asked_at, q.id",
    )
    .bind(class_id)
    .fetch_all(db.pool())
    .await?;
    let mut questions = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get(0)?;
        let first: String = row.try_get(1)?;
        let last: String = row.try_get(2)?;
        let candidates = sqlx::query(
            "SELECT u.id, u.first_name, u.last_name, u.birth_date FROM guardian_link_candidates c \
             JOIN users u ON u.id = c.child_id WHERE c.question_id = $1 ORDER BY u.birth_date, u.id",
        )
        .bind(&id)
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .map(|r| {
            Ok(Candidate {
                id: r.try_get(0)?,
                name: format!(
                    "{} {}",
                    r.try_get::<String, _>(1)?,
                    r.try_get::<String, _>(2)?
                ),
                birth_date: french_date(r.try_get(3)?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        questions.push(Question {
            id,
            parent_name: format!("{first} {last}"),
            child_label: row.try_get(3)?,
            candidates,
        });
    }
    Ok(questions)
}

/// Why an answer was not recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum AnswerRefused {
    /// No such open question among this class's.
    Unknown,
    /// The chosen pupil is not one the file could mean.
    NotACandidate,
}

/// Records that the guardian of `question_id` is the parent of `child_id`: links them and
/// keeps the answer (and the guardian's match key) for the next imports, in the caller's
/// transaction. `class_id` is the class page the answer came from: the question must concern it.
pub async fn answer(
    conn: &mut AnyConnection,
    class_id: &str,
    question_id: &str,
    child_id: &str,
    by: &str,
    now: i64,
) -> Result<Result<(), AnswerRefused>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT q.school_id, q.parent_id, p.first_name, p.last_name FROM guardian_link_questions q \
         JOIN users p ON p.id = q.parent_id \
         WHERE q.id = $1 AND q.chosen_child_id IS NULL AND EXISTS (SELECT 1 FROM guardian_link_candidates c \
         JOIN class_members m ON m.user_id = c.child_id AND m.role = 'pupil' \
         WHERE c.question_id = q.id AND m.class_id = $2)",
    )
    .bind(question_id)
    .bind(class_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Err(AnswerRefused::Unknown));
    };
    let (school_id, parent_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let (first, last): (String, String) = (row.try_get(2)?, row.try_get(3)?);
    let candidate: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM guardian_link_candidates WHERE question_id = $1 AND child_id = $2",
    )
    .bind(question_id)
    .bind(child_id)
    .fetch_optional(&mut *conn)
    .await?;
    if candidate.is_none() {
        return Ok(Err(AnswerRefused::NotACandidate));
    }
    sqlx::query(
        "UPDATE guardian_link_questions SET chosen_child_id = $1, answered_at = $2, answered_by = $3 WHERE id = $4",
    )
    .bind(child_id)
    .bind(now)
    .bind(by)
    .bind(question_id)
    .execute(&mut *conn)
    .await?;
    crate::users::store::link_guardian(conn, &parent_id, child_id).await?;
    // The key through which the next import finds this guardian by this child.
    let key = format!("{}|{child_id}", super::plan::name_key(&last, &first));
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM import_keys WHERE school_id = $1 AND kind = 'guardian' AND match_key = $2",
    )
    .bind(&school_id)
    .bind(&key)
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        sqlx::query(
            "INSERT INTO import_keys (school_id, kind, match_key, user_id) VALUES ($1, 'guardian', $2, $3)",
        )
        .bind(&school_id)
        .bind(&key)
        .bind(&parent_id)
        .execute(&mut *conn)
        .await?;
    }
    crate::users::store::audit(
        conn,
        now,
        Some(by),
        "import.guardian_link",
        &parent_id,
        child_id,
    )
    .await?;
    Ok(Ok(()))
}
