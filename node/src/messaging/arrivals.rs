//! Messages received from linked nodes: checked (link with the `messaging` scope, a teacher
//! or director writing, only local teachers and directors addressed: a pupil or a parent never
//! receives across a link), then filed in each recipient's Reçus, threaded under the message
//! they answer, with their files to copy, and journaled (who, when, to whom; never the text).

use ent_config::Scope;
use ent_federation::HostError;
use ent_federation::service::Shared;
use serde_json::Value;
use sqlx::AnyConnection;

use super::across;
use super::store::{self, Draft};
use crate::audience::Audience;
use crate::domain::normalize_name;
use crate::notifications::{Event, notify_with};
use crate::policy::communication;
use crate::spaces::relay::{field, host_of};
use crate::store::Db;
use ent_config::NodeConfig;

/// Most recipients of one received message.
const MAX_TO: usize = 50;

fn refused(why: &str) -> HostError {
    HostError::Refused(why.to_owned())
}

fn text(value: &Value, name: &str, max: usize) -> Result<String, HostError> {
    field(value, name, max).map_err(|_| refused(&format!("{name} trop long")))
}

/// A message filed by [`receive`]: whom to notify once the caller committed.
#[derive(Debug, Clone)]
pub struct Arrived {
    /// The message.
    pub message_id: String,
    /// Local recipients it was filed for.
    pub recipients: Vec<String>,
}

impl Arrived {
    /// Tells its recipients, as a local message does (`notifications` defers the mail of
    /// notifications to the end of the quiet hours). Call after the commit.
    pub async fn notify(&self, db: &Db, config: &NodeConfig, now: i64) {
        let event = Event::MessageDelivered {
            message_id: &self.message_id,
        };
        notify_with(db, config, now, &self.recipients, event).await;
    }
}

/// Applies a verified message activity from `peer`, in the caller's transaction (a refusal
/// writes nothing: the caller rolls back). Returns the message filed, `None` for one already
/// received (nobody is told twice).
pub async fn receive(
    conn: &mut AnyConnection,
    shared: Option<&Shared>,
    peer: &str,
    activity: &Value,
    now: i64,
) -> Result<Option<Arrived>, HostError> {
    let storage = |e: sqlx::Error| HostError::Storage(e.to_string());
    let Some(shared) = shared.filter(|s| s.allows(peer, Scope::Messaging)) else {
        return Err(refused("le lien avec ce nœud n'autorise pas la messagerie"));
    };
    let note = &activity["object"];
    let actor = activity["actor"].as_str().unwrap_or_default();
    let object_id = note["id"].as_str().unwrap_or_default();
    if host_of(actor) != peer || note["attributedTo"] != actor || host_of(object_id) != peer {
        return Err(refused("message qui n'est pas du nœud qui l'envoie"));
    }
    let role = note["entAuthorRole"].as_str().unwrap_or_default();
    if !communication::crosses_links(role) {
        return Err(refused(
            "seuls les enseignants et la direction écrivent d'un ENT à l'autre",
        ));
    }
    let to: Vec<&str> = match &note["to"] {
        Value::Array(items) if (1..=MAX_TO).contains(&items.len()) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        _ => return Err(refused("destinataires invalides")),
    };
    let prefix = shared.local_url("/federation/actors/").to_string();
    let mut recipients = Vec::new();
    for url in &to {
        let actor_id = url
            .strip_prefix(&prefix)
            .ok_or_else(|| refused("destinataire qui n'est pas de ce nœud"))?;
        let user: Option<String> = sqlx::query_scalar(
            "SELECT a.user_id FROM federation_actors a JOIN users u ON u.id = a.user_id \
             WHERE a.id = $1 AND u.active = 1 AND EXISTS (SELECT 1 FROM memberships m \
             WHERE m.user_id = a.user_id AND m.profile IN ('teacher', 'director'))",
        )
        .bind(actor_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(storage)?;
        let user = user.ok_or_else(|| {
            refused("destinataire inconnu, ou ni enseignant ni directeur (jamais un élève ni un parent)")
        })?;
        if !recipients.contains(&user) {
            recipients.push(user);
        }
    }
    if store::by_object(conn, object_id)
        .await
        .map_err(storage)?
        .is_some()
    {
        return Ok(None);
    }
    let subject = text(note, "name", super::service::MAX_SUBJECT)?;
    let body = text(note, "content", super::service::MAX_BODY)?;
    let name = text(note, "entAuthorName", 80)?;
    let school = text(note, "entAuthorSchool", 150)?;
    if name.is_empty() {
        return Err(refused("auteur sans nom"));
    }
    let files = crate::spaces::files::parse_attachments(note, peer)
        .map_err(|_| refused("pièces jointes invalides"))?;
    let sender = across::correspondent(conn, peer, actor, &name, &school, role, now)
        .await
        .map_err(storage)?;
    let parent = match note["inReplyTo"].as_str() {
        Some(answered) => store::by_object(conn, answered).await.map_err(storage)?,
        None => None,
    };
    let subject = if subject.is_empty() {
        "(sans objet)".to_owned()
    } else {
        subject
    };
    let audiences: Vec<String> = recipients
        .iter()
        .map(|id| Audience::Person(id.clone()).code())
        .collect();
    let search = normalize_name(&format!("{subject} {body} {name}"));
    let draft = Draft {
        sender_id: &sender,
        subject: &subject,
        body: &body,
        search_text: &search,
        parent: parent.as_ref(),
        state: "held",
        deliver_at: now,
        urgent: false,
        audiences: &audiences,
    };
    let id = store::save(conn, None, &draft, now)
        .await
        .map_err(storage)?;
    sqlx::query("UPDATE messages SET object_id = $1 WHERE id = $2")
        .bind(object_id)
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
    store::set_recipients(conn, &id, &recipients)
        .await
        .map_err(storage)?;
    super::copies::expect_copies(conn, &id, &files, now)
        .await
        .map_err(storage)?;
    let delivered = store::deliver(conn, &id, now).await.map_err(storage)?;
    let mut names = Vec::new();
    for user in &recipients {
        let shown: String = sqlx::query_scalar(
            "SELECT first_name || ' ' || COALESCE(usage_name, last_name) FROM users WHERE id = $1",
        )
        .bind(user)
        .fetch_one(&mut *conn)
        .await
        .map_err(storage)?;
        names.push(shown);
    }
    crate::users::store::audit(
        conn,
        now,
        None,
        "message.received_across",
        &id,
        &format!("de {name} ({school}, {peer}) à {}", names.join(", ")),
    )
    .await
    .map_err(storage)?;
    Ok(Some(Arrived {
        message_id: id,
        recipients: delivered,
    }))
}
