//! The host's side of invitations: the owner invites a class or a teacher of a linked node,
//! within the link's guest quota; a Join is admitted only through such an invitation, as a
//! guest account bound to the remote person (or answered with a Reject when the quota is full).

use ent_config::Scope;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::SpaceError;
use super::host;
use super::invitations::{self, Invitation, RemoteClass, RemoteTeacher};
use super::model::Role;
use super::relay::{Relay, field, host_of};
use super::store::{Member, Space};
use crate::guests::{self, GuestError};
use crate::store::new_id;

/// Who is invited, as the peer's directory describes them.
pub enum Invitee<'a> {
    /// A class (its teacher answers and chooses pupils).
    Class(&'a RemoteClass),
    /// One teacher, who joins as a guest.
    Teacher(&'a RemoteTeacher),
}

/// The owner invites a class or a teacher of a linked node.
pub async fn invite(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    by: &Member,
    peer: &str,
    invitee: Invitee<'_>,
) -> Result<Invitation, SpaceError> {
    let shared = relay
        .shared()
        .ok_or_else(|| SpaceError::refused("Ce nœud n'a aucun lien avec un autre ENT."))?;
    let link = shared
        .links
        .configured(peer)
        .filter(|_| shared.allows(peer, Scope::Spaces))
        .ok_or_else(|| {
            SpaceError::refused(format!(
                "Le lien avec {peer} n'est pas actif pour les espaces."
            ))
        })?;
    if space.local_only || !space.is_ours() {
        return Err(SpaceError::refused(
            "Cet espace ne peut pas accueillir d'autres ENT.",
        ));
    }
    let (url, kind, class_label, teacher_label, headcount) = match invitee {
        Invitee::Class(c) => (
            &c.url,
            "class",
            format!("{} · {}", c.name, c.school),
            c.teacher.clone(),
            c.headcount,
        ),
        Invitee::Teacher(t) => (&t.url, "teacher", t.school.clone(), t.name.clone(), 0),
    };
    let target = url::Url::parse(url).map_err(|_| SpaceError::refused("invité inconnu"))?;
    if host_of(url) != peer {
        return Err(SpaceError::refused(
            "Cet invité n'appartient pas à cet ENT.",
        ));
    }
    let (class_ref, invitee) = match kind {
        "class" => (
            target
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
            String::new(),
        ),
        _ => (String::new(), url.clone()),
    };
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM space_invitations WHERE space_id = $1 AND peer = $2 AND kind = $3 \
         AND class_ref = $4 AND invitee = $5 AND state IN ('open', 'accepted')",
    )
    .bind(&space.id)
    .bind(peer)
    .bind(kind)
    .bind(&class_ref)
    .bind(&invitee)
    .fetch_one(&mut *conn)
    .await?;
    if already > 0 {
        return Err(SpaceError::refused("Déjà invité dans cet espace."));
    }
    let quota = link.config.guest_quota;
    let left = invitations::room_left(conn, quota, peer).await?;
    if headcount + 1 > left {
        return Err(SpaceError::refused(format!(
            "Invitation refusée : le quota d'invités du lien « {} » est atteint. Cette invitation demande {} compte(s), il en reste {} sur {}. Demandez à l'administrateur de l'ENT d'augmenter le quota.",
            link.config.label,
            headcount + 1,
            left.max(0),
            quota
        )));
    }
    let invitation = Invitation {
        id: new_id(),
        invite_id: relay.activity_id(),
        space_id: space.id.clone(),
        peer: peer.to_owned(),
        kind: kind.into(),
        class_ref,
        invitee,
        class_label,
        teacher_label,
        headcount,
        state: "open".into(),
        note: String::new(),
    };
    invitations::insert(conn, "out", &invitation, relay.now()).await?;
    let activity = json!({
        "id": invitation.invite_id,
        "type": "Invite",
        "actor": by.actor_id,
        "audience": space.group_id,
        "object": host::group(space),
        "target": url,
        "entInviter": { "name": by.display_name, "school": by.school },
    });
    relay.send(conn, peer, activity).await?;
    Ok(invitation)
}

/// A Join at the host: the person must come through an open invitation of that node (for a
/// teacher invitation, that very teacher, as a guest); a guest account is made within the
/// link's quota, or the join is answered with a Reject.
pub async fn join_received(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let space = super::inbound::our_space(conn, activity).await?;
    let invite_id = activity["instrument"].as_str().unwrap_or_default();
    let invitation = invitations::by_invite_id(conn, invite_id, "out")
        .await?
        .filter(|i| {
            i.peer == peer
                && i.space_id == space.id
                && matches!(i.state.as_str(), "open" | "accepted")
        })
        .ok_or_else(|| SpaceError::refused("aucune invitation de ce nœud pour cet espace"))?;
    let actor = activity["actor"].as_str().unwrap_or_default();
    let profile = &activity["entMember"];
    let name = field(profile, "name", 60)?;
    let role = match (invitation.is_for_a_teacher(), profile["role"].as_str()) {
        (true, _) if invitation.invitee == actor => Role::Guest,
        (true, _) => return Err(SpaceError::refused("l'invitation vise une autre personne")),
        (false, Some("moderator")) => Role::Moderator,
        (false, Some("member")) => Role::Member,
        _ => return Err(SpaceError::refused("rôle demandé inconnu")),
    };
    if name.is_empty() {
        return Err(SpaceError::refused("nom affiché manquant"));
    }
    let shared = relay
        .shared()
        .ok_or_else(|| SpaceError::refused("fédération arrêtée"))?;
    let link = shared
        .links
        .configured(peer)
        .ok_or_else(|| SpaceError::refused("lien inconnu"))?;
    let year_end = crate::domain::SchoolYear(space.school_year as i32).last_day();
    let link_end =
        chrono::NaiveDate::parse_from_str(&link.config.valid_until, "%Y-%m-%d").unwrap_or(year_end);
    let expires_at = year_end
        .min(link_end)
        .and_hms_opt(23, 59, 59)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    let quota = link.config.guest_quota;
    let user_id = match guests::store::ensure_remote(
        conn,
        peer,
        actor,
        &name,
        quota,
        expires_at,
        relay.now(),
    )
    .await
    {
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
            // Nobody admitted through it yet: it is refused, so that the class can be invited
            // again once the quota allows.
            if invitation.state == "open" {
                let note = "quota d'invités atteint";
                invitations::set_state(conn, &invitation.id, "refused", note).await?;
            }
            return Ok(());
        }
        Err(GuestError::Storage(e)) => return Err(e.into()),
    };
    let member = Member {
        actor_id: actor.to_owned(),
        user_id: Some(user_id),
        node: peer.to_owned(),
        display_name: name,
        school: field(profile, "school", 120)?,
        level: field(profile, "level", 20)?,
        role,
        state: "active".into(),
    };
    let join_id = activity["id"].as_str().unwrap_or_default();
    host::admit(conn, relay, &space, &member, join_id).await?;
    invitations::set_state(conn, &invitation.id, "accepted", "").await?;
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
    let note = field(activity, "content", 300)?;
    for (direction, state) in [("in", "refused"), ("out", "declined")] {
        if let Some(i) = invitations::by_invite_id(conn, invite_id, direction).await?
            && i.peer == peer
        {
            invitations::set_state(conn, &i.id, state, &note).await?;
            return Ok(());
        }
    }
    Err(SpaceError::refused("invitation inconnue"))
}
