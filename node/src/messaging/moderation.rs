//! Pre-moderation of pupils' messages to classmates (as Beneylu does, and as spaces moderate
//! pupils' posts): when a teacher turned it on for the class, a pupil's message to a
//! classmate waits (`pending`) until a teacher of the class approves it (it is then delivered)
//! or refuses it (it stays, refused, in the pupil's Envoyés). Each decision is journaled.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::Row;

use crate::accounts::Viewer;
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::flash::Done;
use crate::web::richtext::render_text;
use crate::web::{Page, render};

use super::store;

/// Whether a pupil's message to `recipients` waits for a teacher: one of them is a pupil of a
/// class of the sender's whose messages to classmates are moderated.
pub async fn applies(state: &AppState, pupil: &str, recipients: &[String]) -> AppResult<bool> {
    let year = i64::from(SchoolYear::containing(state.clock.today()).0);
    for recipient in recipients {
        let moderated: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM class_members me JOIN classes c ON c.id = me.class_id AND c.school_year = $3 \
             JOIN class_messaging o ON o.class_id = me.class_id AND o.moderated = 1 \
             JOIN class_members p ON p.class_id = me.class_id AND p.role = 'pupil' \
             WHERE me.user_id = $1 AND me.role = 'pupil' AND p.user_id = $2",
        )
        .bind(pupil)
        .bind(recipient)
        .bind(year)
        .fetch_one(state.db.pool())
        .await?;
        if moderated > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Pending messages of pupils of the viewer's classes (this year): id, pupil, subject, text.
const PENDING: &str = "SELECT DISTINCT m.id, u.first_name || ' ' || COALESCE(u.usage_name, u.last_name), m.subject, m.body, m.created_at \
     FROM messages m JOIN users u ON u.id = m.sender_id \
     JOIN class_members p ON p.user_id = m.sender_id AND p.role = 'pupil' \
     JOIN classes c ON c.id = p.class_id AND c.school_year = $2 \
     JOIN class_members t ON t.class_id = p.class_id AND t.role = 'teacher' AND t.user_id = $1 \
     WHERE m.state = 'pending'";

/// One message waiting for the teacher.
struct Waiting {
    id: String,
    pupil: String,
    subject: String,
    html: String,
}

#[derive(Template)]
#[template(path = "messaging_moderation.html")]
struct ModerationPage<'a> {
    page: Page<'a>,
    waiting: Vec<Waiting>,
    flash: Option<&'static str>,
}

/// `?fait=`.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    fait: String,
}

/// `GET /messagerie/a-valider`: the teacher's list of pupils' messages waiting.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::UseMessaging)?;
    let year = i64::from(SchoolYear::containing(state.clock.today()).0);
    let rows = sqlx::query(&format!("{PENDING} ORDER BY m.created_at, m.id"))
        .bind(viewer.id())
        .bind(year)
        .fetch_all(state.db.pool())
        .await?;
    let waiting = rows
        .iter()
        .map(|r| Waiting {
            id: r.get(0),
            pupil: r.get(1),
            subject: r.get(2),
            html: render_text(&r.get::<String, _>(3)),
        })
        .collect();
    let page = viewer.page("Messages d'élèves à valider", &state.config.node.name);
    let flash = Done::parse(&query.fait).map(|d| d.message(page.simple));
    Ok(render(&ModerationPage {
        page,
        waiting,
        flash,
    })?
    .into_response())
}

/// The teacher's decision.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    #[serde(default)]
    action: String,
}

/// `POST /messagerie/a-valider/{id}`: `valider` delivers the message, `refuser` keeps it
/// back; only a teacher of the pupil's class decides.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::UseMessaging)?;
    let year = i64::from(SchoolYear::containing(state.clock.today()).0);
    let theirs: Option<String> =
        sqlx::query_scalar(&format!("SELECT id FROM ({PENDING} AND m.id = $3) x"))
            .bind(viewer.id())
            .bind(year)
            .bind(&id)
            .fetch_optional(state.db.pool())
            .await?;
    if theirs.is_none() {
        return Err(AppError::Refused(
            "Ce message n'attend pas votre validation (déjà décidé, ou pas d'un élève de vos classes).".into(),
        ));
    }
    let (next, word) = match form.action.as_str() {
        "valider" => ("held", "validé"),
        "refuser" => ("refused", "refusé"),
        _ => {
            return Err(AppError::Invalid(
                "Choisissez « Valider » ou « Refuser ».".into(),
            ));
        }
    };
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let taken = sqlx::query("UPDATE messages SET state = $1 WHERE id = $2 AND state = 'pending'")
        .bind(next)
        .bind(&id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let reached = if taken == 1 && next == "held" {
        store::deliver(&mut tx, &id, now).await?
    } else {
        Vec::new()
    };
    if taken == 1 {
        crate::users::store::audit(
            &mut tx,
            now,
            Some(viewer.id()),
            "message.moderated",
            &id,
            word,
        )
        .await?;
    }
    tx.commit().await?;
    if !reached.is_empty() {
        notify(
            &state,
            &reached,
            Event::MessageDelivered { message_id: &id },
        )
        .await;
    }
    Ok(Done::MessageModerated.redirect("/messagerie/a-valider"))
}
