//! What a member node does for its own users in another node's space: it keeps their writing
//! in its copy (marked "en cours d'envoi" until the host accepts it) and sends the activity to
//! the host, which decides and announces the outcome to every member node. While the host is
//! unreachable the activities wait in the outbox and members keep reading the copy.

use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::SpaceError;
use super::files::{self, Attachment, Upload};
use super::host::{Moderation, check_open};
use super::model::{PostStatus, PostText};
use super::relay::{self, Relay};
use super::store::{self, Member, Post, Space};

async fn to_host(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    kind: &str,
    me: &Member,
    object: Value,
    extra: Value,
) -> Result<(), SpaceError> {
    let mut activity = json!({
        "id": relay.activity_id(),
        "type": kind,
        "actor": me.actor_id,
        "audience": space.group_id,
        "object": object,
    });
    if let (Some(activity), Value::Object(extra)) = (activity.as_object_mut(), extra) {
        activity.extend(extra);
    }
    relay.send(conn, &space.host, activity).await?;
    Ok(())
}

/// Writes a post (or comment) in the copy and sends it to the host.
pub async fn post(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    me: &Member,
    parent: Option<&Post>,
    text: &PostText,
    uploads: &[Upload],
) -> Result<Post, SpaceError> {
    check_open(space, relay.now())?;
    if !uploads.is_empty() && !space.settings.files_allowed {
        return Err(SpaceError::refused(
            "Les fichiers ne sont pas autorisés dans cet espace.",
        ));
    }
    if parent.is_some() && !space.settings.comments_on {
        return Err(SpaceError::refused(
            "Les commentaires sont fermés dans cet espace.",
        ));
    }
    let id = crate::store::new_id();
    let post = Post {
        object_id: relay.url(&format!("/federation/objects/{id}")),
        id,
        parent_id: parent.map(|p| p.id.clone()),
        author_actor: me.actor_id.clone(),
        author_name: me.display_name.clone(),
        author_school: me.school.clone(),
        author_node: String::new(),
        content: text.as_str().to_owned(),
        status: PostStatus::Sending,
        created_at: relay.now(),
        updated_at: relay.now(),
        version: 0,
        proposed: String::new(),
    };
    store::upsert_post(conn, &space.id, &post).await?;
    let local: Vec<Attachment> = uploads.iter().cloned().map(Attachment::Local).collect();
    files::attach(conn, &space.id, &post.id, &local, relay.now()).await?;
    let attachments = files::attachments_json(conn, relay, &post.id).await?;
    let note = relay::note(
        space,
        &post,
        parent.map(|p| p.object_id.as_str()),
        attachments,
    );
    to_host(conn, relay, space, "Create", me, note, json!({})).await?;
    Ok(post)
}

/// Changes one's own post in the copy and sends the change; in a pre-moderated space the copy
/// keeps the approved text and marks the new one as waiting (the host decides and announces).
pub async fn edit(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    me: &Member,
    post: &Post,
    text: &PostText,
) -> Result<(), SpaceError> {
    let changed = super::host::edited(space, post, me, text, relay.now())?;
    store::upsert_post(conn, &space.id, &changed).await?;
    // The author's own node keeps the line too (the host writes its own).
    super::host::journal_edit(conn, relay.now(), me, post, &changed).await?;
    let sent = Post {
        content: text.as_str().to_owned(),
        ..changed
    };
    let note = relay::note(space, &sent, None, Value::Null);
    to_host(conn, relay, space, "Update", me, note, json!({})).await
}

/// Deletes one's own post at once; a moderator's deletion of another's post is asked of the
/// host, and the copy changes when the host announces it.
pub async fn delete(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    me: &Member,
    post: &Post,
) -> Result<(), SpaceError> {
    if post.author_actor == me.actor_id {
        store::delete_post(conn, &post.id).await?;
    } else if !me.role.moderates() {
        return Err(SpaceError::refused(
            "Seuls l'auteur et les modérateurs peuvent supprimer ce message.",
        ));
    }
    to_host(
        conn,
        relay,
        space,
        "Delete",
        me,
        json!(post.object_id),
        json!({}),
    )
    .await
}

/// Asks the host to approve, hide or restore a post.
pub async fn moderate(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    me: &Member,
    post: &Post,
    action: Moderation,
) -> Result<(), SpaceError> {
    if !me.role.moderates() {
        return Err(SpaceError::refused(
            "Seuls les modérateurs de l'espace peuvent faire cela.",
        ));
    }
    let kind = match action {
        Moderation::Approve | Moderation::Restore => "Add",
        Moderation::Hide => "Remove",
        Moderation::Reject => "Reject",
    };
    let target = json!({ "target": space.group_id });
    to_host(conn, relay, space, kind, me, json!(post.object_id), target).await
}

/// Reports a post to the host's moderators.
pub async fn report(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    me: &Member,
    post: &Post,
    reason: &str,
) -> Result<(), SpaceError> {
    let reason: String = reason.trim().chars().take(500).collect();
    let extra = json!({ "content": reason });
    to_host(conn, relay, space, "Flag", me, json!(post.object_id), extra).await
}

/// Leaves the space: at once in the copy, then at the host.
pub async fn leave(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    me: &Member,
) -> Result<(), SpaceError> {
    store::set_member_state(conn, &space.id, &me.actor_id, "left").await?;
    to_host(
        conn,
        relay,
        space,
        "Leave",
        me,
        json!(space.group_id),
        json!({}),
    )
    .await
}
