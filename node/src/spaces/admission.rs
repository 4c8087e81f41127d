//! Who gets into a space and out of it: local classes and guests added by the owner, classes
//! and teachers of linked nodes invited (and their answers), guests leaving when their account
//! expires. Each operation is one change (transaction and relay), like the rest of `service`.

use sqlx::AnyConnection;

use super::SpaceError;
use super::host;
use super::invitations::{self, Invitation};
use super::invited;
use super::joining::{self, Invitee};
use super::model::Role;
use super::relay::Relay;
use super::service::{Change, local_member};
use super::store::{self, Member, Space};
use crate::state::AppState;

/// Removes `user_id` from every space they are an active member of (a guest account
/// expiring): announced for spaces hosted here, just recorded in copies.
pub async fn remove_everywhere(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    user_id: &str,
) -> sqlx::Result<()> {
    let spaces: Vec<String> = sqlx::query_scalar(
        "SELECT space_id FROM space_members WHERE user_id = $1 AND state = 'active'",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    for space_id in spaces {
        let (Some(space), Some(member)) = (
            store::get(conn, &space_id).await?,
            store::member_by_user(conn, &space_id, user_id).await?,
        ) else {
            continue;
        };
        let parted = if space.is_ours() {
            host::part(conn, relay, &space, &member, "removed").await
        } else {
            Ok(())
        };
        match parted {
            Err(SpaceError::Storage(e)) => return Err(e),
            // An owner is never a guest; whatever else was refused, the membership ends.
            _ => store::set_member_state(conn, &space_id, &member.actor_id, "removed").await?,
        }
    }
    Ok(())
}

/// Adds a local guest (a partner without a node) to a space, as a guest.
pub async fn add_local_guest(
    state: &AppState,
    space: &Space,
    user_id: &str,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let member = local_member(conn, relay.shared(), user_id, Role::Guest, relay.now()).await?;
    let join_id = relay.activity_id();
    host::admit(conn, relay, space, &member, &join_id).await?;
    Ok(change.commit().await?)
}

/// Adds a local class: its teachers moderate, its pupils are members.
pub async fn invite_local_class(
    state: &AppState,
    space: &Space,
    class_id: &str,
) -> Result<usize, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let people: Vec<(String, String)> = sqlx::query_as(
        "SELECT user_id, role FROM class_members WHERE class_id = $1 ORDER BY role DESC, user_id",
    )
    .bind(class_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut added = 0;
    for (user_id, role) in &people {
        if store::member_by_user(conn, &space.id, user_id)
            .await?
            .is_some_and(|m| m.state == "active")
        {
            continue;
        }
        let role = if role == "teacher" {
            Role::Moderator
        } else {
            Role::Member
        };
        let member = local_member(conn, relay.shared(), user_id, role, relay.now()).await?;
        let join_id = relay.activity_id();
        host::admit(conn, relay, space, &member, &join_id).await?;
        added += 1;
    }
    change.commit().await?;
    Ok(added)
}

/// Asks the teachers of a class of this node (not the viewer's) whether it joins the space, as
/// a linked node's teacher is asked: an invitation they answer in "Mes espaces", choosing the
/// pupils. Returns false when one is already waiting (a form sent twice asks once).
pub async fn ask_local_class(
    state: &AppState,
    space: &Space,
    me: &Member,
    class: &crate::classes::ClassRow,
) -> Result<bool, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let waiting: Option<String> = sqlx::query_scalar(
        "SELECT id FROM space_invitations WHERE direction = 'in' AND peer = '' AND space_id = $1 \
         AND class_ref = $2 AND state = 'open'",
    )
    .bind(&space.id)
    .bind(&class.id)
    .fetch_optional(&mut *conn)
    .await?;
    if waiting.is_some() {
        return Ok(false);
    }
    let headcount: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM class_members WHERE class_id = $1 AND role = 'pupil'",
    )
    .bind(&class.id)
    .fetch_one(&mut *conn)
    .await?;
    let id = crate::store::new_id();
    let invitation = Invitation {
        invite_id: format!("local:{id}"),
        id,
        space_id: space.id.clone(),
        peer: String::new(),
        kind: "class".into(),
        class_ref: class.id.clone(),
        invitee: String::new(),
        class_label: format!("{} · {}", class.name, class.school_name),
        teacher_label: me.display_name.clone(),
        headcount,
        state: "open".into(),
        note: String::new(),
    };
    invitations::insert(conn, "in", &invitation, relay.now()).await?;
    crate::users::store::audit(
        conn,
        relay.now(),
        me.user_id.as_deref(),
        "space.class_asked",
        &space.id,
        &invitation.class_label,
    )
    .await?;
    change.commit().await?;
    Ok(true)
}

/// A class of this node joins a space of this node: its teacher accepted (moderator) with
/// the pupils they chose.
async fn accept_local(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    invitation: &Invitation,
    people: &[Member],
) -> Result<(), SpaceError> {
    let space = store::get(conn, &invitation.space_id)
        .await?
        .filter(|s| s.is_ours() && s.closed_at == 0)
        .ok_or_else(|| SpaceError::refused("Cet espace n'existe plus."))?;
    for member in people {
        if store::member_by_user(
            conn,
            &space.id,
            member.user_id.as_deref().unwrap_or_default(),
        )
        .await?
        .is_some_and(|m| m.state == "active")
        {
            continue;
        }
        let join_id = relay.activity_id();
        host::admit(conn, relay, &space, member, &join_id).await?;
    }
    invitations::set_state(conn, &invitation.id, "accepted", "").await?;
    Ok(())
}

/// Invites a class or a teacher of a linked node.
pub async fn invite_remote(
    state: &AppState,
    space: &Space,
    me: &Member,
    peer: &str,
    invitee: Invitee<'_>,
) -> Result<Invitation, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let invitation = joining::invite(conn, relay, space, me, peer, invitee).await?;
    change.commit().await?;
    Ok(invitation)
}

/// The invited teacher accepts: for a class, with the chosen pupils (the teacher moderates);
/// invited alone, as a guest.
pub async fn accept_invitation(
    state: &AppState,
    invitation: &Invitation,
    teacher_id: &str,
    pupil_ids: &[String],
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let (shared, now) = (relay.shared(), relay.now());
    let role = if invitation.is_for_a_teacher() {
        Role::Guest
    } else {
        Role::Moderator
    };
    let mut people = vec![local_member(conn, shared, teacher_id, role, now).await?];
    if !invitation.is_for_a_teacher() {
        for id in pupil_ids {
            people.push(local_member(conn, shared, id, Role::Member, now).await?);
        }
    }
    if invitation.peer.is_empty() {
        accept_local(conn, relay, invitation, &people).await?;
    } else {
        invited::accept(conn, relay, invitation, &people).await?;
    }
    Ok(change.commit().await?)
}

/// The invited teacher declines.
pub async fn decline_invitation(
    state: &AppState,
    invitation: &Invitation,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if invitation.peer.is_empty() {
        invitations::set_state(conn, &invitation.id, "declined", "").await?;
    } else {
        invited::decline(conn, relay, invitation).await?;
    }
    Ok(change.commit().await?)
}
