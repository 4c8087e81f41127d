//! The invited node's side: an Invite for one of its classes (or one of its teachers) makes a
//! copy of the space and an invitation its teacher answers; accepting sends one Join per chosen
//! person (the teacher moderates, pupils are members; a teacher invited alone is a guest).

use ent_federation::actors::PERSON_PATH_PREFIX;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use super::SpaceError;
use super::invitations::{self, Invitation};
use super::model::{Settings, SpaceText};
use super::relay::{Relay, field, host_of};
use super::store::{self, Member, Space};
use crate::store::new_id;

/// The Group of an Invite or Update, as a copy of the space (`host` is its node).
pub fn space_from_group(group: &Value, host: &str, id: &str) -> Result<Space, SpaceError> {
    let field = |name: &str| group[name].as_str().unwrap_or_default().trim().to_owned();
    let text = SpaceText::parse(&field("name"), &field("summary")).map_err(SpaceError::refused)?;
    let group_id = field("id");
    if host_of(&group_id) != host {
        return Err(SpaceError::refused("groupe d'un autre nœud"));
    }
    Ok(Space {
        id: id.to_owned(),
        group_id,
        host: host.to_owned(),
        title: text.title,
        description: text.description,
        school_year: group["entSchoolYear"].as_i64().unwrap_or_default(),
        host_school: field("entHostSchool").chars().take(120).collect(),
        settings: Settings {
            premoderated: group["entPremoderated"].as_bool().unwrap_or(true),
            comments_on: group["entCommentsOn"].as_bool().unwrap_or(true),
            files_allowed: group["entFilesAllowed"].as_bool().unwrap_or(false),
            open_until: group["entOpenUntil"].as_i64().unwrap_or_default(),
        },
        local_only: false,
        closed_at: 0,
        created_at: 0,
        version: ent_federation::parse::updated_of(group).unwrap_or_default(),
    })
}

/// What an Invite's target names here: a class (id, "CM2 A · École…") or a teacher (account).
async fn target_of(
    conn: &mut AnyConnection,
    relay: &Relay<'_>,
    target: &str,
) -> Result<(String, String, String), SpaceError> {
    if let Some(class_id) = target.strip_prefix(&relay.url("/federation/classes/")) {
        let row = sqlx::query("SELECT c.name, s.name FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.id = $1")
            .bind(class_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| SpaceError::refused("classe inconnue"))?;
        let label = format!("{} · {}", row.get::<String, _>(0), row.get::<String, _>(1));
        return Ok(("class".into(), class_id.to_owned(), label));
    }
    let actor = target
        .strip_prefix(&relay.url(PERSON_PATH_PREFIX))
        .ok_or_else(|| {
            SpaceError::refused("l'invitation ne vise ni une classe ni un enseignant de ce nœud")
        })?;
    let user: String = sqlx::query_scalar(
        "SELECT a.user_id FROM federation_actors a JOIN memberships m ON m.user_id = a.user_id \
         WHERE a.id = $1 AND m.profile IN ('teacher', 'director') LIMIT 1",
    )
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| SpaceError::refused("enseignant inconnu"))?;
    Ok(("teacher".into(), user, "Invitation personnelle".into()))
}

/// An Invite received: the space's copy and the invitation its teacher will answer.
pub async fn received(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let invite_id = activity["id"].as_str().unwrap_or_default();
    let target = activity["target"].as_str().unwrap_or_default();
    let (kind, reference, label) = target_of(conn, relay, target).await?;
    let mut space = space_from_group(&activity["object"], peer, &new_id())?;
    space.created_at = relay.now();
    store::insert_space(conn, &space).await?;
    let space = store::by_group(conn, &space.group_id)
        .await?
        .ok_or_else(|| SpaceError::refused("copie introuvable"))?;
    let inviter = &activity["entInviter"];
    let (class_ref, invitee) = if kind == "class" {
        (reference, String::new())
    } else {
        (String::new(), reference)
    };
    let invitation = Invitation {
        id: new_id(),
        invite_id: invite_id.to_owned(),
        space_id: space.id,
        peer: peer.to_owned(),
        kind,
        class_ref,
        invitee,
        class_label: label,
        teacher_label: format!(
            "{} ({})",
            field(inviter, "name", 60)?,
            field(inviter, "school", 120)?
        ),
        headcount: 0,
        state: "open".into(),
        note: String::new(),
    };
    invitations::insert(conn, "in", &invitation, relay.now()).await?;
    Ok(())
}

/// The invited teacher accepts: the chosen people join; each becomes a member once the host
/// announces it.
pub async fn accept(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    invitation: &Invitation,
    people: &[Member],
) -> Result<(), SpaceError> {
    let space = store::get(conn, &invitation.space_id)
        .await?
        .ok_or_else(|| SpaceError::refused("espace inconnu"))?;
    for member in people {
        let activity = json!({
            "id": relay.activity_id(),
            "type": "Join",
            "actor": member.actor_id,
            "audience": space.group_id,
            "object": space.group_id,
            "instrument": invitation.invite_id,
            "entMember": super::relay::profile(member),
        });
        relay.send(conn, &space.host, activity).await?;
    }
    invitations::set_state(conn, &invitation.id, "accepted", "").await?;
    Ok(())
}

/// The invited teacher declines.
pub async fn decline(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    invitation: &Invitation,
) -> Result<(), SpaceError> {
    let space = store::get(conn, &invitation.space_id)
        .await?
        .ok_or_else(|| SpaceError::refused("espace inconnu"))?;
    let activity = json!({
        "id": relay.activity_id(),
        "type": "Reject",
        "actor": relay.url(ent_federation::actors::NODE_ACTOR_PATH),
        "audience": space.group_id,
        "object": invitation.invite_id,
        "entInvitation": invitation.invite_id,
        "content": "Invitation déclinée par l'enseignant.",
    });
    relay.send(conn, &space.host, activity).await?;
    invitations::set_state(conn, &invitation.id, "declined", "").await?;
    Ok(())
}
