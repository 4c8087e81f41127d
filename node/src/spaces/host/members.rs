//! Membership and the space itself as member nodes see them: admitting (with the backlog a
//! new node needs), parting, settings changed, the Group object.

use serde_json::json;
use sqlx::AnyConnection;

use super::update_of;
use crate::spaces::SpaceError;
use crate::spaces::model::PostStatus;
use crate::spaces::relay::{self, Relay};
use crate::spaces::store::{self, Member, Space};

/// Admits a member (or re-admits one who left) and tells every member node; a node that had
/// no member yet first receives the space as it stands (members and published posts).
pub async fn admit(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    member: &Member,
    join_id: &str,
) -> Result<(), SpaceError> {
    let before = store::member_nodes(conn, &space.id).await?;
    store::upsert_member(conn, &space.id, member, relay.now()).await?;
    let nodes = store::member_nodes(conn, &space.id).await?;
    let joining = &member.node;
    if !joining.is_empty() && !before.contains(joining) {
        backlog(conn, relay, space, joining, &member.actor_id).await?;
    }
    let inner = relay::join(space, join_id, member);
    relay.announce(conn, space, &inner, &nodes).await?;
    Ok(())
}

/// The space as it stands, for a node that gets its first member.
async fn backlog(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    node: &str,
    except_actor: &str,
) -> Result<(), SpaceError> {
    let target = [node.to_owned()];
    let members = store::members_in(conn, &space.id).await?;
    for m in members.iter().filter(|m| m.actor_id != except_actor) {
        let inner = relay::join(space, &relay.activity_id(), m);
        relay.announce(conn, space, &inner, &target).await?;
    }
    let posts = store::posts_in(conn, &space.id).await?;
    for post in posts.iter().filter(|p| p.status == PostStatus::Published) {
        let parent = post
            .parent_id
            .as_ref()
            .and_then(|id| posts.iter().find(|p| &p.id == id))
            .map(|p| p.object_id.as_str());
        let inner = update_of(conn, relay, space, post, parent).await?;
        relay.announce(conn, space, &inner, &target).await?;
    }
    Ok(())
}

/// A member leaves (`left`) or is removed by a moderator (`removed`); every node that had
/// members is told, including the member's own, and nothing more goes to a node left without
/// members.
pub async fn part(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    member: &Member,
    state: &str,
) -> Result<(), SpaceError> {
    if member.role == crate::spaces::model::Role::Owner {
        return Err(SpaceError::refused(
            "Le responsable de l'espace ne peut pas le quitter.",
        ));
    }
    let nodes = store::member_nodes(conn, &space.id).await?;
    store::set_member_state(conn, &space.id, &member.actor_id, state).await?;
    let inner = json!({
        "id": relay.activity_id(),
        "type": if state == "left" { "Leave" } else { "Remove" },
        "actor": if state == "left" { member.actor_id.clone() } else { space.group_id.clone() },
        "audience": space.group_id,
        "object": if state == "left" { json!(space.group_id) } else { json!(member.actor_id) },
        "target": space.group_id,
    });
    relay.announce(conn, space, &inner, &nodes).await?;
    Ok(())
}

/// Title, description, settings or closing changed: member nodes update their copies.
pub async fn changed(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
) -> Result<(), SpaceError> {
    let space = &Space {
        version: crate::store::next_version(space.version, relay.now()),
        ..space.clone()
    };
    store::update_space(conn, space).await?;
    let inner = json!({
        "id": relay.activity_id(),
        "type": if space.closed_at != 0 { "Delete" } else { "Update" },
        "actor": space.group_id,
        "audience": space.group_id,
        "object": group(space),
    });
    let nodes = store::member_nodes(conn, &space.id).await?;
    relay.announce(conn, space, &inner, &nodes).await?;
    Ok(())
}

/// The Group as member nodes copy it.
pub fn group(space: &Space) -> serde_json::Value {
    json!({
        "id": space.group_id,
        "type": "Group",
        "name": space.title,
        "summary": space.description,
        "entSchoolYear": space.school_year,
        "entHostSchool": space.host_school,
        "entPremoderated": space.settings.premoderated,
        "entCommentsOn": space.settings.comments_on,
        "entFilesAllowed": space.settings.files_allowed,
        "entOpenUntil": space.settings.open_until,
        "updated": super::relay::rfc3339(space.version),
    })
}
