//! Invitations. The host's owner invites a class of a linked node (within the link's guest
//! quota); the invited node's teacher answers for the class, choosing which pupils join; each
//! joining person becomes a guest account on the host, and the Group announces them.

use ent_config::Scope;
use ent_federation::signing::authority;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use super::SpaceError;
use super::host;
use super::model::{Role, Settings};
use super::relay::Relay;
use super::store::{self, Member, Space};
use crate::guests::{self, GuestError};
use crate::store::{Db, new_id};

/// An invitation, sent (`out`, on the host) or received (`in`, on the invited node).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Invitation {
    /// Local id.
    pub id: String,
    /// The Invite activity's id.
    pub invite_id: String,
    /// The space (or copy).
    pub space_id: String,
    /// The other node.
    pub peer: String,
    /// The invited class (its id on the invited node).
    pub class_ref: String,
    /// "CM2 A · École Jules Ferry".
    pub class_label: String,
    /// The invited class's teacher (out) or the inviting teacher (in).
    pub teacher_label: String,
    /// Pupils in the class, as the invited node shared it.
    pub headcount: i64,
    /// open, accepted, refused, declined.
    pub state: String,
    /// Why it was refused.
    pub note: String,
}

/// A class a linked node lets teachers of other nodes invite (only what it shares for that).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RemoteClass {
    /// `https://<node>/federation/classes/<id>`.
    pub url: String,
    /// "CM2 A".
    pub name: String,
    /// "CM2".
    pub level: String,
    /// School name.
    pub school: String,
    /// "Mme Claire D."
    pub teacher: String,
    /// Pupils.
    pub headcount: i64,
}

fn refused(message: impl Into<String>) -> SpaceError {
    SpaceError::Refused(message.into())
}

const SELECT: &str = "SELECT id, invite_id, space_id, peer, class_ref, class_label, teacher_label, \
    headcount, state, note FROM space_invitations";

fn invitation(r: &sqlx::any::AnyRow) -> Invitation {
    Invitation {
        id: r.get(0),
        invite_id: r.get(1),
        space_id: r.get(2),
        peer: r.get(3),
        class_ref: r.get(4),
        class_label: r.get(5),
        teacher_label: r.get(6),
        headcount: r.get(7),
        state: r.get(8),
        note: r.get(9),
    }
}

async fn insert(
    conn: &mut AnyConnection,
    direction: &str,
    i: &Invitation,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO space_invitations (id, invite_id, direction, space_id, peer, class_ref, class_label, \
         teacher_label, headcount, state, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (invite_id) DO NOTHING",
    )
    .bind(&i.id)
    .bind(&i.invite_id)
    .bind(direction)
    .bind(&i.space_id)
    .bind(&i.peer)
    .bind(&i.class_ref)
    .bind(&i.class_label)
    .bind(&i.teacher_label)
    .bind(i.headcount)
    .bind(&i.state)
    .bind(&i.note)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE space_invitations SET state = $2, note = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(note)
        .execute(conn)
        .await?;
    Ok(())
}

async fn by_invite_id(
    conn: &mut AnyConnection,
    invite_id: &str,
    direction: &str,
) -> sqlx::Result<Option<Invitation>> {
    let row = sqlx::query(&format!("{SELECT} WHERE invite_id = $1 AND direction = $2"))
        .bind(invite_id)
        .bind(direction)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(invitation))
}

/// Invitations a space sent, newest first.
pub async fn sent(db: &Db, space_id: &str) -> sqlx::Result<Vec<Invitation>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE space_id = $1 AND direction = 'out' ORDER BY created_at DESC"
    ))
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(invitation).collect())
}

/// Invitations received for classes `user_id` teaches (open and answered), with the space.
pub async fn received_for(db: &Db, user_id: &str) -> sqlx::Result<Vec<(Invitation, String)>> {
    let rows = sqlx::query(
        "SELECT i.id, i.invite_id, i.space_id, i.peer, i.class_ref, i.class_label, i.teacher_label, \
         i.headcount, i.state, i.note, s.title FROM space_invitations i JOIN spaces s ON s.id = i.space_id \
         JOIN class_members cm ON cm.class_id = i.class_ref AND cm.role = 'teacher' \
         WHERE i.direction = 'in' AND cm.user_id = $1 ORDER BY i.created_at DESC",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(|r| (invitation(r), r.get(10))).collect())
}

/// A received invitation by local id.
pub async fn received_one(db: &Db, id: &str) -> sqlx::Result<Option<Invitation>> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1 AND direction = 'in'"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(invitation))
}

/// Guest accounts `peer` may still get: quota minus guests in use minus people of invitations
/// not answered yet (each class counts its pupils and its teacher).
pub async fn room_left(conn: &mut AnyConnection, quota: u32, peer: &str) -> sqlx::Result<i64> {
    let used = guests::store::active_count(conn, peer).await?;
    let planned: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(headcount + 1), 0) AS BIGINT) FROM space_invitations WHERE direction = 'out' AND peer = $1 AND state = 'open'",
    )
    .bind(peer)
    .fetch_one(conn)
    .await?;
    Ok(i64::from(quota) - used - planned)
}

/// The host's owner invites a class of a linked node.
pub async fn invite_class(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    by: &Member,
    peer: &str,
    class: &RemoteClass,
) -> Result<Invitation, SpaceError> {
    let shared = relay
        .shared()
        .ok_or_else(|| refused("Ce nœud n'a aucun lien avec un autre ENT."))?;
    let link = shared
        .links
        .configured(peer)
        .filter(|_| shared.allows(peer, Scope::Spaces))
        .ok_or_else(|| {
            refused(format!(
                "Le lien avec {peer} n'est pas actif pour les espaces."
            ))
        })?;
    if space.local_only || !space.is_ours() {
        return Err(refused("Cet espace ne peut pas accueillir d'autres ENT."));
    }
    let class_url = url::Url::parse(&class.url).map_err(|_| refused("classe inconnue"))?;
    if authority(&class_url) != peer {
        return Err(refused("Cette classe n'appartient pas à cet ENT."));
    }
    let class_ref = class_url
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM space_invitations WHERE space_id = $1 AND peer = $2 AND class_ref = $3 AND state IN ('open', 'accepted')",
    )
    .bind(&space.id)
    .bind(peer)
    .bind(&class_ref)
    .fetch_one(&mut *conn)
    .await?;
    if already > 0 {
        return Err(refused("Cette classe est déjà invitée."));
    }
    let quota = link.config.guest_quota;
    let left = room_left(conn, quota, peer).await?;
    if class.headcount + 1 > left {
        return Err(refused(format!(
            "Invitation refusée : le quota d'invités du lien « {} » est atteint. Cette classe demande {} comptes, il en reste {} sur {}. Demandez à l'administrateur de l'ENT d'augmenter le quota.",
            link.config.label,
            class.headcount + 1,
            left.max(0),
            quota
        )));
    }
    let invitation = Invitation {
        id: new_id(),
        invite_id: relay.activity_id(),
        space_id: space.id.clone(),
        peer: peer.to_owned(),
        class_ref,
        class_label: format!("{} · {}", class.name, class.school),
        teacher_label: class.teacher.clone(),
        headcount: class.headcount,
        state: "open".into(),
        note: String::new(),
    };
    insert(conn, "out", &invitation, relay.now()).await?;
    let activity = json!({
        "id": invitation.invite_id,
        "type": "Invite",
        "actor": by.actor_id,
        "audience": space.group_id,
        "object": host::group(space),
        "target": class.url,
        "entInviter": { "name": by.display_name, "school": by.school },
    });
    relay.send(conn, peer, activity).await?;
    Ok(invitation)
}

/// The Group of an Invite or Update, as a copy of the space (`host` is its node).
pub fn space_from_group(group: &Value, host: &str, id: &str) -> Result<Space, SpaceError> {
    let field = |name: &str| group[name].as_str().unwrap_or_default().trim().to_owned();
    let text =
        super::model::SpaceText::parse(&field("name"), &field("summary")).map_err(refused)?;
    let group_id = field("id");
    if url::Url::parse(&group_id)
        .map(|u| authority(&u))
        .ok()
        .as_deref()
        != Some(host)
    {
        return Err(refused("groupe d'un autre nœud"));
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
    })
}

/// An Invite received for one of our classes: the space's copy and the invitation its teachers
/// will answer.
pub async fn received(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let invite_id = activity["id"].as_str().unwrap_or_default();
    let target = activity["target"].as_str().unwrap_or_default();
    let ours = relay.url("/federation/classes/");
    let class_id = target
        .strip_prefix(&ours)
        .ok_or_else(|| refused("l'invitation ne vise pas une classe de ce nœud"))?;
    let class = sqlx::query(
        "SELECT c.name, s.name FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.id = $1",
    )
    .bind(class_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| refused("classe inconnue"))?;
    let mut space = space_from_group(&activity["object"], peer, &new_id())?;
    space.created_at = relay.now();
    store::insert_space(conn, &space).await?;
    let space = store::by_group(conn, &space.group_id)
        .await?
        .ok_or_else(|| refused("copie introuvable"))?;
    let inviter = &activity["entInviter"];
    let invitation = Invitation {
        id: new_id(),
        invite_id: invite_id.to_owned(),
        space_id: space.id,
        peer: peer.to_owned(),
        class_ref: class_id.to_owned(),
        class_label: format!(
            "{} · {}",
            class.get::<String, _>(0),
            class.get::<String, _>(1)
        ),
        teacher_label: format!(
            "{} ({})",
            inviter["name"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(60)
                .collect::<String>(),
            inviter["school"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(120)
                .collect::<String>()
        ),
        headcount: 0,
        state: "open".into(),
        note: String::new(),
    };
    insert(conn, "in", &invitation, relay.now()).await?;
    Ok(())
}

/// A Reject: on the invited node, the host refused a join (quota); on the host, the invited
/// teacher declined.
pub async fn rejected(
    conn: &mut AnyConnection,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let invite_id = activity["entInvitation"].as_str().unwrap_or_default();
    let note: String = activity["content"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    for direction in ["in", "out"] {
        if let Some(i) = by_invite_id(conn, invite_id, direction).await? {
            if i.peer == peer {
                let state = if direction == "in" {
                    "refused"
                } else {
                    "declined"
                };
                set_state(conn, &i.id, state, &note).await?;
                return Ok(());
            }
        }
    }
    Err(refused("invitation inconnue"))
}

/// A Join at the host: the person must come through an invitation of that node; a guest
/// account is made within the link's quota (or the join is answered with a Reject).
pub async fn join_received(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let space = super::inbound::our_space(conn, activity).await?;
    let invite_id = activity["instrument"].as_str().unwrap_or_default();
    let invitation = by_invite_id(conn, invite_id, "out")
        .await?
        .filter(|i| {
            i.peer == peer
                && i.space_id == space.id
                && matches!(i.state.as_str(), "open" | "accepted")
        })
        .ok_or_else(|| refused("aucune invitation de ce nœud pour cet espace"))?;
    let actor = activity["actor"].as_str().unwrap_or_default();
    let profile = &activity["entMember"];
    let name: String = profile["name"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(60)
        .collect();
    let role = match profile["role"].as_str() {
        Some("moderator") => Role::Moderator,
        Some("member") => Role::Member,
        _ => return Err(refused("rôle demandé inconnu")),
    };
    if name.is_empty() {
        return Err(refused("nom affiché manquant"));
    }
    let shared = relay
        .shared()
        .ok_or_else(|| refused("fédération arrêtée"))?;
    let link = shared
        .links
        .configured(peer)
        .ok_or_else(|| refused("lien inconnu"))?;
    let year_end = crate::domain::SchoolYear(space.school_year as i32).last_day();
    let link_end =
        chrono::NaiveDate::parse_from_str(&link.config.valid_until, "%Y-%m-%d").unwrap_or(year_end);
    let expires_at = year_end
        .min(link_end)
        .and_hms_opt(23, 59, 59)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    let guest = guests::store::ensure_remote(
        conn,
        peer,
        actor,
        &name,
        link.config.guest_quota,
        expires_at,
        relay.now(),
    )
    .await;
    let user_id = match guest {
        Ok(user_id) => user_id,
        Err(GuestError::QuotaReached { .. }) => {
            let reject = json!({
                "id": relay.activity_id(),
                "type": "Reject",
                "actor": space.group_id,
                "audience": space.group_id,
                "object": activity["id"],
                "entInvitation": invite_id,
                "content": format!("Le quota d'invités du lien « {} » est atteint : {name} n'a pas pu rejoindre l'espace.", link.config.label),
            });
            relay.send(conn, peer, reject).await?;
            return Ok(());
        }
        Err(GuestError::Storage(e)) => return Err(e.into()),
    };
    let member = Member {
        actor_id: actor.to_owned(),
        user_id: Some(user_id),
        node: peer.to_owned(),
        display_name: name,
        school: profile["school"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect(),
        level: profile["level"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(20)
            .collect(),
        role,
        state: "active".into(),
    };
    host::admit(
        conn,
        relay,
        &space,
        &member,
        activity["id"].as_str().unwrap_or_default(),
    )
    .await?;
    set_state(conn, &invitation.id, "accepted", "").await?;
    Ok(())
}

/// The invited node's teacher answers for the class: the chosen people join (the teacher as
/// moderator, pupils as members); each becomes a member once the host announces it.
pub async fn accept(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    invitation: &Invitation,
    people: &[(String, Member)],
) -> Result<(), SpaceError> {
    let space = store::get(conn, &invitation.space_id)
        .await?
        .ok_or_else(|| refused("espace inconnu"))?;
    for (_, member) in people {
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
    set_state(conn, &invitation.id, "accepted", "").await?;
    Ok(())
}

/// The invited node's teacher declines.
pub async fn decline(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    invitation: &Invitation,
) -> Result<(), SpaceError> {
    let space = store::get(conn, &invitation.space_id)
        .await?
        .ok_or_else(|| refused("espace inconnu"))?;
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
    set_state(conn, &invitation.id, "declined", "").await?;
    Ok(())
}
