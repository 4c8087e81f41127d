//! What the host of a space decides, whoever asks: a member of this node through its pages, or
//! a member of a linked node through an activity its node sent. Every rule of authority is
//! here once (author owns what it edits, moderators moderate, removed members are refused),
//! and every accepted change is relayed to the member nodes in the same transaction.

use serde_json::json;
use sqlx::AnyConnection;

mod edits;
mod members;

pub(crate) use edits::journal_edit;
pub use edits::{edit, edited};
pub use members::{admit, changed, group, part};

use super::SpaceError;
use super::files::{self, Attachment};
use super::model::{PostStatus, PostText};
use super::relay::{self, Relay};
use super::store::{self, Member, Post, Space};

/// What a moderator does to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    /// A pending post is published.
    Approve,
    /// Hidden from members (moderators still see it).
    Hide,
    /// A hidden post is shown again.
    Restore,
    /// A pending edit is refused (the approved text stays); a pending post is hidden.
    Reject,
}

/// Refuses anything in a closed space, or after its end date.
pub fn check_open(space: &Space, now: i64) -> Result<(), SpaceError> {
    if space.closed_at != 0 {
        return Err(SpaceError::refused("Cet espace est fermé."));
    }
    if space.settings.open_until != 0 && now > space.settings.open_until {
        return Err(SpaceError::refused(
            "Cet espace n'accepte plus de messages (date de fin passée).",
        ));
    }
    Ok(())
}

fn check_active(member: &Member) -> Result<(), SpaceError> {
    if member.state == "active" {
        Ok(())
    } else {
        Err(SpaceError::refused(
            "Ce compte ne fait plus partie de cet espace.",
        ))
    }
}

/// Accepts a post (or comment) by `author`, with its files, published or waiting for a
/// moderator.
#[allow(clippy::too_many_arguments)]
pub async fn post(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    author: &Member,
    object_id: String,
    parent: Option<&Post>,
    text: &PostText,
    attachments: &[Attachment],
) -> Result<Post, SpaceError> {
    check_open(space, relay.now())?;
    check_active(author)?;
    if !attachments.is_empty() && !space.settings.files_allowed {
        return Err(SpaceError::refused(
            "Les fichiers ne sont pas autorisés dans cet espace.",
        ));
    }
    if let Some(parent) = parent {
        if !space.settings.comments_on {
            return Err(SpaceError::refused(
                "Les commentaires sont fermés dans cet espace.",
            ));
        }
        if parent.parent_id.is_some() || parent.status != PostStatus::Published {
            return Err(SpaceError::refused("Ce message ne peut pas être commenté."));
        }
    }
    let status = if space.settings.premoderated && !author.role.moderates() {
        PostStatus::Pending
    } else {
        PostStatus::Published
    };
    let post = Post {
        id: crate::store::new_id(),
        object_id,
        parent_id: parent.map(|p| p.id.clone()),
        author_actor: author.actor_id.clone(),
        author_name: author.display_name.clone(),
        author_school: author.school.clone(),
        author_node: author.node.clone(),
        content: text.as_str().to_owned(),
        status,
        created_at: relay.now(),
        updated_at: relay.now(),
        version: relay.now(),
        proposed: String::new(),
    };
    store::upsert_post(conn, &space.id, &post).await?;
    files::attach(conn, &space.id, &post.id, attachments, relay.now()).await?;
    publish(conn, relay, space, &post, parent).await?;
    Ok(post)
}

/// Deletes a post everywhere; its author or a moderator may.
pub async fn delete(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    by: &Member,
    post: &Post,
) -> Result<(), SpaceError> {
    check_active(by)?;
    if post.author_actor != by.actor_id && !by.role.moderates() {
        return Err(SpaceError::refused(
            "Seuls l'auteur et les modérateurs peuvent supprimer ce message.",
        ));
    }
    remove_post(conn, relay, space, &by.actor_id, post).await
}

/// Deletes a post everywhere on the node operator's authority (its author, a former member
/// or their home node, asked that what they wrote be deleted).
pub async fn erase(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    post: &Post,
) -> Result<(), SpaceError> {
    remove_post(conn, relay, space, &space.group_id, post).await
}

async fn remove_post(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    actor: &str,
    post: &Post,
) -> Result<(), SpaceError> {
    store::delete_post(conn, &post.id).await?;
    let inner = json!({
        "id": relay.activity_id(),
        "type": "Delete",
        "actor": actor,
        "audience": space.group_id,
        "object": post.object_id,
    });
    let mut nodes = store::member_nodes(conn, &space.id).await?;
    add_node(&mut nodes, &post.author_node);
    relay.announce(conn, space, &inner, &nodes).await?;
    Ok(())
}

/// Approves, hides or restores a post; moderators only.
pub async fn moderate(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    by: &Member,
    post: &Post,
    action: Moderation,
) -> Result<(), SpaceError> {
    check_active(by)?;
    if !by.role.moderates() {
        return Err(SpaceError::refused(
            "Seuls les modérateurs de l'espace peuvent faire cela.",
        ));
    }
    let (status, content) = match (action, post.status) {
        // A pending edit: approving publishes the new text, refusing keeps the approved one.
        (Moderation::Approve, status) if !post.proposed.is_empty() => {
            (status, post.proposed.clone())
        }
        (Moderation::Reject, status) if !post.proposed.is_empty() => (status, post.content.clone()),
        (Moderation::Approve, PostStatus::Pending) | (Moderation::Restore, PostStatus::Hidden) => {
            (PostStatus::Published, post.content.clone())
        }
        (Moderation::Hide | Moderation::Reject, PostStatus::Published | PostStatus::Pending) => {
            (PostStatus::Hidden, post.content.clone())
        }
        _ => return Ok(()),
    };
    let version = crate::store::next_version(post.version.max(post.updated_at), relay.now());
    let decided_edit = !post.proposed.is_empty() && status == post.status;
    let changed = Post {
        status,
        content,
        proposed: if decided_edit {
            String::new()
        } else {
            post.proposed.clone()
        },
        updated_at: version,
        version,
        ..post.clone()
    };
    store::upsert_post(conn, &space.id, &changed).await?;
    if decided_edit {
        let verdict = if action == Moderation::Approve {
            "modification validée"
        } else {
            "modification refusée"
        };
        crate::users::store::audit(
            conn,
            relay.now(),
            by.user_id.as_deref(),
            "space.edit_moderated",
            &post.id,
            &format!("{verdict} par {}", by.display_name),
        )
        .await?;
    }
    store::resolve_reports(conn, &post.id, relay.now()).await?;
    let parent = parent_of(conn, space, &changed).await?;
    publish(conn, relay, space, &changed, parent.as_ref()).await
}

/// Records a report of a post by a member; the moderators of every member node see it too.
/// A post the member cannot see cannot be reported, and a second report of the same post by
/// the same member adds nothing.
pub async fn report(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    by: &Member,
    post: &Post,
    reason: &str,
) -> Result<(), SpaceError> {
    check_active(by)?;
    let is_author = post.author_actor == by.actor_id;
    if !crate::policy::post_visible(post.status, is_author, by.role.moderates()) {
        return Err(SpaceError::refused("message inconnu dans cet espace"));
    }
    let reason: String = reason.trim().chars().take(500).collect();
    let now = relay.now();
    if !store::insert_report(conn, &post.id, &by.actor_id, &by.display_name, &reason, now).await? {
        return Ok(());
    }
    let inner = json!({
        "id": relay.activity_id(),
        "type": "Flag",
        "actor": by.actor_id,
        "audience": space.group_id,
        "object": post.object_id,
        "content": reason,
        "entReporterName": by.display_name,
    });
    let nodes = store::member_nodes(conn, &space.id).await?;
    relay.announce(conn, space, &inner, &nodes).await?;
    Ok(())
}

/// The host's copy of a file of `post` arrived after the post went out: a published post is
/// announced again (same version, now with the file) to every node it went to. Pending and
/// hidden posts wait: their approval or restoring announces them with every file present.
pub async fn file_arrived(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    post: &Post,
) -> Result<(), SpaceError> {
    if post.status != PostStatus::Published {
        return Ok(());
    }
    let parent = parent_of(conn, space, post).await?;
    publish(conn, relay, space, post, parent.as_ref()).await
}

/// Published posts go to every member node; others (pending, hidden) go to every member node
/// too so that copies hide them, except a pending post, which only its author's node sees. A
/// pending edit (`proposed`) goes only to its author's node too; the others keep the approved
/// text.
async fn publish(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    post: &Post,
    parent: Option<&Post>,
) -> Result<(), SpaceError> {
    let mut author = Vec::new();
    add_node(&mut author, &post.author_node);
    let mut nodes = match post.status {
        PostStatus::Pending => author.clone(),
        _ => {
            let mut nodes = store::member_nodes(conn, &space.id).await?;
            add_node(&mut nodes, &post.author_node);
            nodes
        }
    };
    let parent = parent.map(|p| p.object_id.as_str());
    let inner = update_of(conn, relay, space, post, parent).await?;
    if !post.proposed.is_empty() {
        nodes.retain(|n| !author.contains(n));
        if !author.is_empty() {
            let mut proposal = inner.clone();
            proposal["id"] = json!(relay.activity_id());
            proposal["object"]["entProposed"] = json!(post.proposed);
            relay.announce(conn, space, &proposal, &author).await?;
        }
    }
    if !nodes.is_empty() {
        relay.announce(conn, space, &inner, &nodes).await?;
    }
    Ok(())
}

async fn update_of(
    conn: &mut AnyConnection,
    relay: &Relay<'_>,
    space: &Space,
    post: &Post,
    parent: Option<&str>,
) -> sqlx::Result<serde_json::Value> {
    let attachments = files::attachments_json(conn, relay, &post.id).await?;
    Ok(json!({
        "id": relay.activity_id(),
        "type": "Update",
        "actor": post.author_actor,
        "audience": space.group_id,
        "object": relay::note(space, post, parent, attachments),
    }))
}

async fn parent_of(
    conn: &mut AnyConnection,
    space: &Space,
    post: &Post,
) -> Result<Option<Post>, SpaceError> {
    match &post.parent_id {
        Some(id) => Ok(store::post_in(conn, &space.id, id).await?),
        None => Ok(None),
    }
}

fn add_node(nodes: &mut Vec<String>, node: &str) {
    if !node.is_empty() && !nodes.iter().any(|n| n == node) {
        nodes.push(node.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::space::Role;

    #[test]
    fn a_former_member_is_told_neutrally_that_they_left() {
        let former = Member {
            actor_id: "local:lea".into(),
            user_id: Some("lea".into()),
            node: String::new(),
            display_name: "Léa M.".into(),
            school: String::new(),
            level: "CM2".into(),
            role: Role::Member,
            state: "removed".into(),
        };
        let Err(SpaceError::Refused(message)) = check_active(&former) else {
            panic!("a removed member may not write");
        };
        // Read by a pupil as well as an adult: neither "tu" nor "vous".
        assert_eq!(message, "Ce compte ne fait plus partie de cet espace.");
    }
}
