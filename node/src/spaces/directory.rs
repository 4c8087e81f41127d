//! The directory a node shares with its linked nodes (spaces scope) so that their teachers can
//! invite: classes of the school year (name, level, school, teacher, headcount) and teachers
//! (display name and school). Nothing about any pupil.

use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use ent_config::Scope;
use sqlx::Row;

use super::invitations::{Directory, RemoteClass, RemoteTeacher};
use crate::classes::store::{self as classes, MemberRow};
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The directory of one linked node, or why it could not be read.
pub struct PeerDirectory {
    /// The peer's domain.
    pub peer: String,
    /// The link's label.
    pub label: String,
    /// What it shares (empty when unreachable).
    pub directory: Directory,
    /// Set when the directory could not be read.
    pub problem: Option<String>,
}

/// Reads the directory of every active spaces link now (signed GETs).
pub async fn of_linked_nodes(state: &AppState) -> Vec<PeerDirectory> {
    let Some(federation) = &state.federation else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for (peer, _) in federation.recipients(Some(Scope::Spaces)) {
        let shared = federation.shared();
        let label = shared
            .links
            .configured(&peer)
            .map(|p| p.config.label)
            .unwrap_or_default();
        let url = ent_federation::actors::join(&shared.peer_base(&peer), "/federation/classes");
        let parsed = ent_federation::fetch::signed_get(shared, &url)
            .await
            .ok()
            .filter(|f| f.status == 200)
            .and_then(|f| serde_json::from_slice::<Directory>(&f.body).ok());
        let problem = parsed
            .is_none()
            .then(|| "ENT injoignable pour l'instant : réessayez plus tard.".to_owned());
        all.push(PeerDirectory {
            peer,
            label,
            directory: parsed.unwrap_or_default(),
            problem,
        });
    }
    all
}

/// `GET /federation/classes`: the directory, to a linked node with the `spaces` scope only
/// (signed); each read is in the audit log.
pub async fn serve(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let peer = crate::federation::handlers::spaces_peer(&state, &uri, &headers).await?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let year = SchoolYear::containing(state.clock.today()).0;
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT c.id, c.name, c.levels, s.name, (SELECT COUNT(*) FROM class_members p WHERE p.class_id = c.id AND p.role = 'pupil') \
         FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.school_year = $1 ORDER BY s.name, c.name",
    )
    .bind(i64::from(year))
    .fetch_all(state.db.pool())
    .await?;
    let mut directory = Directory::default();
    for (id, name, levels, school, headcount) in rows {
        let teachers = classes::members(&state.db, &id, "teacher").await?;
        directory.classes.push(RemoteClass {
            url: federation
                .local_url(&format!("/federation/classes/{id}"))
                .to_string(),
            name,
            level: levels.replace(',', " · "),
            school,
            teacher: teachers
                .first()
                .map(MemberRow::short_name)
                .unwrap_or_default(),
            headcount,
        });
    }
    directory.teachers = staff(&state, federation).await?;
    answer(
        &state,
        &peer,
        &directory,
        "space.directory",
        "annuaire des classes et enseignants invitables lu",
    )
    .await
}

/// Journals a directory read by `peer` (`action`, `detail`) and answers it as JSON.
pub async fn answer(
    state: &AppState,
    peer: &str,
    directory: &Directory,
    action: &str,
    detail: &str,
) -> AppResult<Response> {
    let mut conn = state.db.pool().acquire().await?;
    crate::users::store::audit(&mut conn, state.clock.now(), None, action, peer, detail).await?;
    let body = serde_json::to_string(directory).map_err(AppError::internal)?;
    Ok((
        [(header::CONTENT_TYPE, ent_federation::ACTIVITY_CONTENT_TYPE)],
        body,
    )
        .into_response())
}

/// The teachers and directors of this node as linked nodes see them (short name, school,
/// role, subjects taught this year), each with its Person actor (created on first use).
/// Shared by the spaces' directory and the messagerie's; never a pupil nor a parent.
pub async fn staff(
    state: &AppState,
    federation: &ent_federation::Federation,
) -> AppResult<Vec<RemoteTeacher>> {
    let year = SchoolYear::containing(state.clock.today()).0;
    let rows = sqlx::query(
        "SELECT u.id, u.first_name, COALESCE(u.usage_name, u.last_name), MIN(s.name), MAX(m.profile) FROM users u \
         JOIN memberships m ON m.user_id = u.id JOIN schools s ON s.id = m.school_id \
         WHERE u.active = 1 AND m.profile IN ('teacher', 'director') \
         GROUP BY u.id, u.first_name, u.usage_name, u.last_name ORDER BY 4, 2",
    )
    .fetch_all(state.db.pool())
    .await?;
    // Collège teachers come with their subjects, so the écoles' CM2 teachers find the 6e
    // French or maths teacher they want.
    let mut subjects: std::collections::HashMap<String, Vec<String>> = Default::default();
    let taught: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT t.user_id, sj.label FROM teaching t JOIN subjects sj ON sj.code = t.subject_code \
         JOIN classes c ON c.id = t.class_id WHERE c.school_year = $1 ORDER BY 1, 2",
    )
    .bind(i64::from(year))
    .fetch_all(state.db.pool())
    .await?;
    for (user, label) in taught {
        subjects.entry(user).or_default().push(label);
    }
    let mut conn = state.db.pool().acquire().await?;
    let mut people = Vec::with_capacity(rows.len());
    for row in rows {
        let (user_id, first, last, school, role): (String, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let actor =
            crate::federation::persons::ensure_in(&mut conn, &user_id, state.clock.now()).await?;
        people.push(RemoteTeacher {
            url: crate::federation::persons::actor_url(federation, &actor.id),
            name: crate::domain::short_name(&first, &last),
            school,
            subjects: subjects.remove(&user_id).unwrap_or_default(),
            role,
        });
    }
    Ok(people)
}

/// `GET /federation/spaces/{id}`: a space's Group actor, to a linked node (spaces scope,
/// signed) that has members in it or was invited to it.
pub async fn group(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Response> {
    let peer = crate::federation::handlers::spaces_peer(&state, &uri, &headers).await?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let mut conn = state.db.pool().acquire().await?;
    let space = super::store::get(&mut conn, &id)
        .await?
        .filter(|s| s.is_ours() && !s.local_only && s.closed_at == 0)
        .ok_or(AppError::NotFound)?;
    let invited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM space_invitations WHERE space_id = $1 AND peer = $2 AND direction = 'out'",
    )
    .bind(&space.id)
    .bind(&peer)
    .fetch_one(&mut *conn)
    .await?;
    let members = super::store::member_nodes(&mut conn, &space.id).await?;
    if invited == 0 && !members.contains(&peer) {
        return Err(AppError::NotFound);
    }
    let mut actor = super::host::group(&space);
    actor["@context"] = serde_json::json!("https://www.w3.org/ns/activitystreams");
    actor["inbox"] = federation
        .local_url(ent_federation::actors::INBOX_PATH)
        .to_string()
        .into();
    actor["publicKey"] =
        serde_json::to_value(federation.service_actor().public_key).map_err(AppError::internal)?;
    let body = actor.to_string();
    Ok((
        [(header::CONTENT_TYPE, ent_federation::ACTIVITY_CONTENT_TYPE)],
        body,
    )
        .into_response())
}
