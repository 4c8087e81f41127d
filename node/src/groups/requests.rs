//! Requests to bring another teacher's class into a group: a teacher who does not manage the
//! class asks its teacher, who answers from "Groupes" (as a class is invited into a space).
//! A director or the operator, who manage every class of the school, add at once.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::Row;

use super::store::{self, Selection};
use crate::accounts::Viewer;
use crate::classes::store as classes;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::store::Db;

/// A request waiting for a class's teacher, as they see it.
#[derive(Debug, Clone)]
pub struct GroupRequest {
    /// Local id.
    pub id: String,
    /// "Chorale".
    pub group_name: String,
    /// "CM1 B".
    pub class_name: String,
    /// Who of the class.
    pub selection: Selection,
    /// "Claire Dubois".
    pub asked_by: String,
}

/// Asks the class's teacher; false when the same request already waits (sent twice: once).
pub async fn ask(
    db: &Db,
    group_id: &str,
    class_id: &str,
    selection: Selection,
    asked_by: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    // The partial unique index decides, so two requests sent at once make one.
    let done = sqlx::query(
        "INSERT INTO group_requests (id, group_id, class_id, selection, asked_by, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6) ON CONFLICT DO NOTHING",
    )
    .bind(crate::store::new_id())
    .bind(group_id)
    .bind(class_id)
    .bind(selection.code())
    .bind(asked_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let asked = done.rows_affected() == 1;
    if asked {
        crate::users::store::audit(
            &mut tx,
            now,
            Some(asked_by),
            "group.class_asked",
            group_id,
            class_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(asked)
}

/// Open requests for the classes `user_id` teaches.
pub async fn for_teacher(db: &Db, user_id: &str) -> sqlx::Result<Vec<GroupRequest>> {
    let rows = sqlx::query(
        "SELECT r.id, g.name, c.name, r.selection, u.first_name, u.last_name \
         FROM group_requests r JOIN groups g ON g.id = r.group_id JOIN classes c ON c.id = r.class_id \
         JOIN users u ON u.id = r.asked_by \
         WHERE r.state = 'open' AND EXISTS (SELECT 1 FROM class_members cm WHERE cm.class_id = r.class_id \
           AND cm.user_id = $1 AND cm.role = 'teacher') ORDER BY r.created_at",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let selection: String = r.get(3);
            let (first, last): (String, String) = (r.get(4), r.get(5));
            Some(GroupRequest {
                id: r.get(0),
                group_name: r.get(1),
                class_name: r.get(2),
                selection: Selection::parse(&selection)?,
                asked_by: format!("{first} {last}"),
            })
        })
        .collect())
}

/// An answer.
#[derive(Deserialize)]
pub struct AnswerForm {
    csrf: String,
    answer: String,
}

/// `POST /groupes/demandes/{id}`: the class's teacher accepts (the class's people join the
/// group) or declines.
pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT group_id, class_id, selection FROM group_requests WHERE id = $1 AND state = 'open'",
    )
    .bind(&id)
    .fetch_optional(state.db.pool())
    .await?;
    let (group_id, class_id, selection) = row.ok_or(AppError::NotFound)?;
    let class = classes::by_id(&state.db, &class_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = classes::facts(&state.db, &class, &viewer).await?;
    // Only the class's own teacher answers for it.
    if !facts.viewer_teaches || !policy::allows(&viewer, Action::ManageClass(&facts)) {
        return Err(AppError::NotFound);
    }
    let selection = Selection::parse(&selection).ok_or(AppError::NotFound)?;
    let state_word = if form.answer == "accepter" {
        "accepted"
    } else {
        "declined"
    };
    // Answered once: a second answer (double tap, two tabs) finds it closed.
    let done = sqlx::query("UPDATE group_requests SET state = $2 WHERE id = $1 AND state = 'open'")
        .bind(&id)
        .bind(state_word)
        .execute(state.db.pool())
        .await?;
    if done.rows_affected() == 1 && state_word == "accepted" {
        store::add_from_class(
            &state.db,
            &group_id,
            &class.id,
            selection,
            viewer.id(),
            state.clock.now(),
        )
        .await?;
    }
    Ok(Redirect::to("/groupes").into_response())
}
