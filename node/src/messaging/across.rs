//! The messagerie between linked nodes (staff only, links with the `messaging` scope): the
//! directory each node shares for it (teachers and directors: name, school, role, subjects;
//! never a pupil nor a parent), the local accounts that stand for the people of other nodes
//! (they never sign in), and sending: one signed `Create`/`Note` per peer, addressed to that
//! peer's Person actors only, queued in the transaction of the message and delivered by the
//! federation outbox like space activities. Receiving is in `arrivals.rs`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use ent_config::Scope;
use ent_federation::service::Shared;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use crate::accounts::Viewer;
use crate::audience::Audience;
use crate::domain::normalize_name;
use crate::error::{AppError, AppResult};
use crate::policy::communication::{self, Sender};
use crate::spaces::invitations::Directory;
use crate::spaces::relay::{host_of, rfc3339};
use crate::state::AppState;
use crate::store::new_id;

/// Where a node serves its messagerie directory to linked nodes.
pub const DIRECTORY_PATH: &str = "/federation/messagerie/annuaire";

/// A teacher or director of a linked node, as its directory shows them.
#[derive(Debug, Clone)]
pub struct RemoteContact {
    /// Their Person actor URL (the form's value).
    pub url: String,
    /// "Claire D."
    pub name: String,
    /// Their school.
    pub school: String,
    /// `teacher` or `director`.
    pub role: String,
    /// Subjects taught (collège teachers).
    pub subjects: Vec<String>,
    /// Their node.
    pub peer: String,
}

impl RemoteContact {
    /// "Collège Jean Moulin · enseignant · Français".
    pub fn details(&self) -> String {
        let role = if self.role == "director" {
            "direction"
        } else {
            "enseignant"
        };
        let mut parts = vec![self.school.clone(), role.to_owned()];
        if !self.subjects.is_empty() {
            parts.push(self.subjects.join(", "));
        }
        parts.join(" · ")
    }
}

/// The teachers and directors of every active `messaging` link, read now (signed GETs); an
/// unreachable node offers nobody.
pub async fn directory(state: &AppState) -> Vec<RemoteContact> {
    let Some(federation) = &state.federation else {
        return Vec::new();
    };
    let shared = federation.shared();
    let mut all = Vec::new();
    for (peer, _) in federation.recipients(Some(Scope::Messaging)) {
        let url = ent_federation::actors::join(&shared.peer_base(&peer), DIRECTORY_PATH);
        let Some(read) = ent_federation::fetch::signed_get(shared, &url)
            .await
            .ok()
            .filter(|f| f.status == 200)
            .and_then(|f| serde_json::from_slice::<Directory>(&f.body).ok())
        else {
            tracing::info!(peer, "messaging: directory of a linked node not read");
            continue;
        };
        all.extend(
            read.teachers
                .into_iter()
                .filter(|t| communication::crosses_links(&t.role) && host_of(&t.url) == peer)
                .map(|t| RemoteContact {
                    url: t.url,
                    name: t.name,
                    school: t.school,
                    role: t.role,
                    subjects: t.subjects,
                    peer: peer.clone(),
                }),
        );
    }
    all
}

/// `GET /federation/messagerie/annuaire`: this node's teachers and directors, to a linked
/// node whose link allows messaging (signed; else 404); each read is journaled.
pub async fn serve_directory(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let peer =
        crate::federation::handlers::scoped_peer(&state, &uri, &headers, Scope::Messaging).await?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let directory = Directory {
        teachers: crate::spaces::directory::staff(&state, federation).await?,
        ..Directory::default()
    };
    crate::spaces::directory::answer(
        &state,
        &peer,
        &directory,
        "message.directory",
        "annuaire des enseignants et directeurs lu",
    )
    .await
}

/// The local account standing for a person of a linked node (created on first use, its name
/// and school kept up to date); it has no password and no membership.
pub async fn correspondent(
    conn: &mut AnyConnection,
    peer: &str,
    url: &str,
    name: &str,
    school: &str,
    role: &str,
    now: i64,
) -> sqlx::Result<String> {
    let shown_school = format!("({school})");
    let search = normalize_name(&format!("{name} {school}"));
    let existing: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM message_correspondents WHERE actor_url = $1")
            .bind(url)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = existing {
        sqlx::query("UPDATE users SET first_name = $1, last_name = $2, search_key = $3, updated_at = $4 WHERE id = $5")
            .bind(name)
            .bind(&shown_school)
            .bind(&search)
            .bind(now)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE message_correspondents SET school = $1, role = $2 WHERE user_id = $3")
            .bind(school)
            .bind(role)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        return Ok(id);
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, identifier, first_name, last_name, search_key, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
    )
    .bind(&id)
    .bind(format!("distant-{id}"))
    .bind(name)
    .bind(&shown_school)
    .bind(&search)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO message_correspondents (user_id, actor_url, peer, school, role, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(url)
    .bind(peer)
    .bind(school)
    .bind(role)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The people of linked nodes chosen in the form (`distant`: actor URLs), as recipients:
/// only staff may choose them, and only among what the peers' directories offer now.
pub async fn chosen(
    state: &AppState,
    senders: &[Sender],
    urls: &[&str],
) -> AppResult<Vec<Audience>> {
    let urls: Vec<&str> = urls.iter().copied().filter(|u| !u.is_empty()).collect();
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    refuse_unless_staff(senders)?;
    let offered = directory(state).await;
    let mut chosen = Vec::new();
    let mut conn = state.db.pool().acquire().await?;
    for url in urls {
        let contact = offered.iter().find(|c| c.url == url).ok_or_else(|| {
            AppError::Invalid(
                "Ce destinataire d'un ENT lié n'est plus proposé (lien terminé ou ENT injoignable) : le message n'est pas parti.".into(),
            )
        })?;
        let id = correspondent(
            &mut conn,
            &contact.peer,
            &contact.url,
            &contact.name,
            &contact.school,
            &contact.role,
            state.clock.now(),
        )
        .await?;
        chosen.push(Audience::Person(id));
    }
    Ok(chosen)
}

fn refuse_unless_staff(senders: &[Sender]) -> AppResult<()> {
    if communication::may_write_across(senders) {
        Ok(())
    } else {
        Err(AppError::Refused(
            "Seuls les enseignants et la direction écrivent aux ENT liés.".into(),
        ))
    }
}

/// Checks the recipients of other nodes among `recipients` before anything is written: the
/// sender must be staff, and every link must still allow messaging.
pub async fn check_recipients(
    state: &AppState,
    viewer: &Viewer,
    senders: &[Sender],
    recipients: &[String],
) -> AppResult<()> {
    let mut peers = Vec::new();
    for id in recipients {
        let peer: Option<String> =
            sqlx::query_scalar("SELECT peer FROM message_correspondents WHERE user_id = $1")
                .bind(id)
                .fetch_optional(state.db.pool())
                .await?;
        peers.extend(peer);
    }
    if peers.is_empty() {
        return Ok(());
    }
    refuse_unless_staff(senders)?;
    for peer in peers {
        let open = state
            .federation
            .as_ref()
            .is_some_and(|f| f.shared().allows(&peer, Scope::Messaging));
        if !open {
            tracing::info!(user = viewer.id(), peer, "messaging: link closed, not sent");
            return Err(AppError::Invalid(format!(
                "Le lien avec l'ENT {peer} a pris fin ou n'autorise pas la messagerie : le message n'est pas parti."
            )));
        }
    }
    Ok(())
}

/// Queues what a delivered message owes to linked nodes: one `Create` per peer, addressed to
/// that peer's recipients only, in the caller's transaction; journals each crossing (who, to
/// whom; never the text). Returns the peers to wake after the commit.
pub async fn queue(
    conn: &mut AnyConnection,
    shared: Option<&Shared>,
    message_id: &str,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT c.peer, c.actor_url, u.first_name FROM message_recipients r \
         JOIN message_correspondents c ON c.user_id = r.user_id JOIN users u ON u.id = c.user_id \
         WHERE r.message_id = $1 ORDER BY c.peer, u.first_name",
    )
    .bind(message_id)
    .fetch_all(&mut *conn)
    .await?;
    let Some(shared) = shared.filter(|_| !rows.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut by_peer: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in &rows {
        by_peer
            .entry(row.get(0))
            .or_default()
            .push((row.get(1), row.get(2)));
    }
    let row = sqlx::query(
        "SELECT m.sender_id, m.subject, m.body, m.created_at, p.object_id, u.first_name, COALESCE(u.usage_name, u.last_name) \
         FROM messages m JOIN users u ON u.id = m.sender_id LEFT JOIN messages p ON p.id = m.parent_id WHERE m.id = $1",
    )
    .bind(message_id)
    .fetch_one(&mut *conn)
    .await?;
    let sender: String = row.get(0);
    let (first, last): (String, String) = (row.get(5), row.get(6));
    let school_role = sqlx::query(
        "SELECT s.name, m.profile FROM memberships m JOIN schools s ON s.id = m.school_id \
         WHERE m.user_id = $1 AND m.profile IN ('teacher', 'director') ORDER BY m.profile DESC, s.name",
    )
    .bind(&sender)
    .fetch_optional(&mut *conn)
    .await?;
    let (school, role): (String, String) = school_role
        .map(|r| (r.get(0), r.get(1)))
        .unwrap_or_default();
    let actor = crate::federation::persons::ensure_in(conn, &sender, now).await?;
    let actor_url = shared
        .local_url(&format!("/federation/actors/{}", actor.id))
        .to_string();
    let object_id = shared
        .local_url(&format!("/federation/messages/{message_id}"))
        .to_string();
    sqlx::query("UPDATE messages SET object_id = $1 WHERE id = $2")
        .bind(&object_id)
        .bind(message_id)
        .execute(&mut *conn)
        .await?;
    let attachment = super::copies::announced(conn, shared, message_id).await?;
    let mut touched = Vec::new();
    for (peer, people) in by_peer {
        if !shared.allows(&peer, Scope::Messaging) {
            continue;
        }
        let to: Vec<&String> = people.iter().map(|(url, _)| url).collect();
        let activity_id = shared
            .local_url(&format!("/federation/activities/{}", new_id()))
            .to_string();
        let base = shared.peer_base(&peer);
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": activity_id,
            "type": "Create",
            "actor": actor_url,
            "to": to,
            // The envelope for the peer's shared inbox; the Note itself names people only.
            "cc": [ent_federation::actors::join(&base, ent_federation::actors::NODE_ACTOR_PATH)],
            "object": {
                "id": object_id,
                "type": "Note",
                "attributedTo": actor_url,
                "to": to,
                "name": row.get::<String, _>(1),
                "content": row.get::<String, _>(2),
                "inReplyTo": row.get::<Option<String>, _>(4),
                "published": rfc3339(row.get(3)),
                "entAuthorName": crate::domain::short_name(&first, &last),
                "entAuthorSchool": school,
                "entAuthorRole": role,
                "attachment": attachment,
            },
        });
        let inbox = ent_federation::actors::join(&base, ent_federation::actors::INBOX_PATH);
        crate::federation::store::enqueue(
            conn,
            &peer,
            &activity_id,
            inbox.as_str(),
            &activity.to_string(),
            now,
        )
        .await?;
        let names: Vec<&str> = people.iter().map(|(_, name)| name.as_str()).collect();
        crate::users::store::audit(
            conn,
            now,
            Some(&sender),
            "message.sent_across",
            message_id,
            &format!("à {} ({peer})", names.join(", ")),
        )
        .await?;
        touched.push(peer);
    }
    Ok(touched)
}

/// Wakes the delivery workers of `peers` (after the commit that queued for them).
pub fn wake(state: &AppState, peers: &[String]) {
    if let Some(federation) = &state.federation {
        for peer in peers {
            federation.shared().wake(peer);
        }
    }
}

/// Whether a received activity is a message between nodes: a `Create` of a `Note` by a
/// Person actor, with no space (`audience`) — notices come from the node's Service actor.
pub fn is_message(activity: &Value) -> bool {
    activity["type"] == "Create"
        && activity["object"]["type"] == "Note"
        && activity.get("audience").is_none()
        && activity["actor"]
            .as_str()
            .is_some_and(|a| a.contains("/federation/actors/"))
}
