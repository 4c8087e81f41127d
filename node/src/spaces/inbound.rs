//! Space activities received from linked nodes. On the host: members' writing, joins, leaves,
//! moderation and reports, each checked for authority by [`super::host`]. On a member node:
//! invitations, refusals, and what the space's Group announces, applied to the copy.

use serde_json::Value;
use sqlx::AnyConnection;

use super::SpaceError;
use super::files::{self, Attachment};
use super::host::{self, Moderation};
use super::model::{PostStatus, PostText, Role};
use super::relay::{Decided, Relay, field, host_of};
use super::store::{self, Member, Post, Space};
use super::{invited, joining};

fn text<'v>(value: &'v Value, field: &str) -> Result<&'v str, SpaceError> {
    value[field]
        .as_str()
        .ok_or_else(|| SpaceError::refused(format!("champ {field} manquant")))
}

/// The object's id, whether the object is embedded or named.
fn object_id(activity: &Value) -> Result<&str, SpaceError> {
    let object = &activity["object"];
    object
        .as_str()
        .or_else(|| object["id"].as_str())
        .ok_or_else(|| SpaceError::refused("objet sans identifiant"))
}

/// Whether a received activity concerns spaces (they all name their Group in `audience`).
pub fn is_space_activity(activity: &Value) -> bool {
    activity.get("audience").is_some()
}

/// Applies a verified space activity from `peer`, in the caller's transaction.
pub async fn apply(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    // Only links that allow spaces carry them, in both directions.
    if !relay
        .shared()
        .is_some_and(|s| s.allows(peer, ent_config::Scope::Spaces))
    {
        return Err(SpaceError::refused(
            "le lien avec ce nœud n'autorise pas les espaces",
        ));
    }
    match text(activity, "type")? {
        "Announce" => announced(conn, relay, peer, activity).await,
        "Invite" => invited::received(conn, relay, peer, activity).await,
        "Reject" => joining::rejected(conn, peer, activity).await,
        "Join" => joining::join_received(conn, relay, peer, activity).await,
        _ => at_host(conn, relay, peer, activity).await,
    }
}

/// A space hosted here, named by the activity's `audience`.
pub async fn our_space(conn: &mut AnyConnection, activity: &Value) -> Result<Space, SpaceError> {
    let group = text(activity, "audience")?;
    match store::by_group(conn, group).await? {
        Some(space) if space.is_ours() && !space.local_only => Ok(space),
        _ => Err(SpaceError::refused("espace inconnu sur ce nœud")),
    }
}

/// A member's activity at the host.
async fn at_host(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let space = our_space(conn, activity).await?;
    let actor = text(activity, "actor")?;
    let member = store::member(conn, &space.id, actor)
        .await?
        .filter(|m| m.node == peer)
        .ok_or_else(|| SpaceError::refused("l'acteur n'est pas membre de l'espace"))?;
    if member.state != "active" {
        return Err(SpaceError::refused(
            "l'acteur ne fait plus partie de l'espace",
        ));
    }
    let kind = text(activity, "type")?;
    match kind {
        "Create" => {
            let note = &activity["object"];
            let id = text(note, "id")?;
            if note["type"].as_str() != Some("Note") || host_of(id) != peer {
                return Err(SpaceError::refused(
                    "seules les notes du nœud de l'auteur sont acceptées",
                ));
            }
            if note["attributedTo"].as_str() != Some(actor) {
                return Err(SpaceError::refused(
                    "l'auteur de la note n'est pas l'acteur",
                ));
            }
            if store::post_by_object(conn, &space.id, id).await?.is_some() {
                return Err(SpaceError::refused("note déjà reçue"));
            }
            let parent = match note["inReplyTo"].as_str() {
                Some(parent) => Some(
                    store::post_by_object(conn, &space.id, parent)
                        .await?
                        .ok_or_else(|| SpaceError::refused("message commenté inconnu"))?,
                ),
                None => None,
            };
            let remote: Vec<Attachment> = files::parse_attachments(note, peer)?
                .into_iter()
                .map(Attachment::Remote)
                .collect();
            let caption = note["content"].as_str().unwrap_or_default();
            let body =
                PostText::caption(caption, !remote.is_empty()).map_err(SpaceError::refused)?;
            // The host holds the space: its quotas count every node's posts and files.
            if let Some(quotas) = relay.quotas() {
                let bytes = remote
                    .iter()
                    .map(|a| match a {
                        Attachment::Remote(file) => file.size,
                        Attachment::Local(upload) => upload.bytes.len() as i64,
                    })
                    .sum();
                let (author, now) = (&member.actor_id, relay.now());
                super::quota::check(conn, &quotas, &space.id, author, bytes, now).await?;
            }
            host::post(
                conn,
                relay,
                &space,
                &member,
                id.to_owned(),
                parent.as_ref(),
                &body,
                &remote,
            )
            .await?;
        }
        "Update" => {
            let post = named_post(conn, &space, activity).await?;
            let body = PostText::parse(text(&activity["object"], "content")?)
                .map_err(SpaceError::refused)?;
            host::edit(conn, relay, &space, &member, &post, &body).await?;
        }
        "Delete" => {
            let post = named_post(conn, &space, activity).await?;
            host::delete(conn, relay, &space, &member, &post).await?;
        }
        "Add" | "Remove" | "Reject" => {
            let post = named_post(conn, &space, activity).await?;
            let action = match (kind, post.status) {
                ("Remove", _) => Moderation::Hide,
                ("Reject", _) => Moderation::Reject,
                (_, _) if !post.proposed.is_empty() => Moderation::Approve,
                (_, PostStatus::Pending) => Moderation::Approve,
                _ => Moderation::Restore,
            };
            host::moderate(conn, relay, &space, &member, &post, action).await?;
        }
        "Flag" => {
            let post = named_post(conn, &space, activity).await?;
            let reason = activity["content"].as_str().unwrap_or_default();
            host::report(conn, relay, &space, &member, &post, reason).await?;
        }
        "Leave" => host::part(conn, relay, &space, &member, "left").await?,
        other => {
            return Err(SpaceError::refused(format!(
                "activité {other} non prise en charge"
            )));
        }
    }
    Ok(())
}

async fn named_post(
    conn: &mut AnyConnection,
    space: &Space,
    activity: &Value,
) -> Result<Post, SpaceError> {
    let id = object_id(activity)?;
    store::post_by_object(conn, &space.id, id)
        .await?
        .ok_or_else(|| SpaceError::refused("message inconnu dans cet espace"))
}

/// What the Group of a space we hold a copy of announces. Anything else announced (by another
/// actor, or by a group that is not the sender's) is refused.
async fn announced(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    peer: &str,
    activity: &Value,
) -> Result<(), SpaceError> {
    let group = text(activity, "actor")?;
    let space = match store::by_group(conn, group).await? {
        Some(space) if space.host == peer && text(activity, "audience")? == group => space,
        _ => {
            return Err(SpaceError::refused(
                "annonce qui n'émane pas du groupe d'un espace suivi",
            ));
        }
    };
    let inner = &activity["object"];
    if inner["audience"].as_str() != Some(group) {
        return Err(SpaceError::refused(
            "annonce d'une activité d'un autre espace",
        ));
    }
    let ours = relay
        .shared()
        .map(|s| s.domain().to_owned())
        .unwrap_or_default();
    match text(inner, "type")? {
        "Join" => {
            let actor = text(inner, "actor")?;
            let profile = &inner["entMember"];
            let node = host_of(actor);
            let user_id = if node == ours {
                local_user_of(conn, actor).await?
            } else {
                None
            };
            let member = Member {
                actor_id: actor.to_owned(),
                user_id,
                node: if node == ours { String::new() } else { node },
                display_name: field(profile, "name", 60)?,
                school: field(profile, "school", 120)?,
                level: field(profile, "level", 20).unwrap_or_default(),
                role: Role::parse(profile["role"].as_str().unwrap_or_default())
                    .ok_or_else(|| SpaceError::refused("rôle inconnu"))?,
                state: "active".into(),
            };
            store::upsert_member(conn, &space.id, &member, relay.now()).await?;
        }
        "Leave" => {
            let actor = text(inner, "actor")?;
            store::set_member_state(conn, &space.id, actor, "left").await?;
        }
        "Remove" => {
            let actor = object_id(inner)?;
            store::set_member_state(conn, &space.id, actor, "removed").await?;
        }
        "Update" | "Create" if inner["object"]["type"].as_str() == Some("Note") => {
            let decided =
                copy_post(conn, &space, &inner["object"], peer, &ours, relay.now()).await?;
            if let Some((user_id, approved)) = decided {
                relay.decided(Decided {
                    user_id,
                    space_id: space.id.clone(),
                    approved,
                });
            }
        }
        "Update" if inner["object"]["type"].as_str() == Some("Group") => {
            // A newer Group than the one held: open (a space reopened by its owner comes
            // back); an older one changes nothing (`update_space` orders by version).
            let updated = invited::space_from_group(&inner["object"], peer, &space.id)?;
            store::update_space(
                conn,
                &Space {
                    closed_at: 0,
                    ..updated
                },
            )
            .await?;
        }
        "Flag" => {
            let id = object_id(inner)?;
            if let Some(post) = store::post_by_object(conn, &space.id, id).await? {
                let reporter = text(inner, "actor")?;
                let name = field(inner, "entReporterName", 60)?;
                let reason = field(inner, "content", 500)?;
                store::insert_report(conn, &post.id, reporter, &name, &reason, relay.now()).await?;
            }
        }
        "Delete" if inner["object"]["type"].as_str() == Some("Group") => {
            // Closed at the Group's version, so that an older Update arriving late does not
            // open it again, and a reopening (newer) does.
            let closed = match invited::space_from_group(&inner["object"], peer, &space.id) {
                Ok(group) if group.version > 0 => Space {
                    closed_at: relay.now(),
                    ..group
                },
                _ => Space {
                    closed_at: relay.now(),
                    ..space
                },
            };
            store::update_space(conn, &closed).await?;
        }
        "Delete" => {
            let id = object_id(inner)?;
            if let Some(post) = store::post_by_object(conn, &space.id, id).await? {
                store::delete_post(conn, &post.id).await?;
            }
        }
        other => {
            return Err(SpaceError::refused(format!(
                "annonce de {other} non prise en charge"
            )));
        }
    }
    Ok(())
}

/// The local user behind one of our Person actors.
async fn local_user_of(
    conn: &mut AnyConnection,
    actor: &str,
) -> Result<Option<String>, SpaceError> {
    let id = actor
        .rsplit_once(ent_federation::actors::PERSON_PATH_PREFIX)
        .map(|(_, id)| id)
        .unwrap_or_default();
    Ok(
        sqlx::query_scalar("SELECT user_id FROM federation_actors WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// A post as the host announced it, into the copy. Returns the host's decision on a waiting
/// post of a user of this node (the user, published or not), for them to be told.
async fn copy_post(
    conn: &mut AnyConnection,
    space: &Space,
    note: &Value,
    peer: &str,
    ours: &str,
    now: i64,
) -> Result<Option<(String, bool)>, SpaceError> {
    let object_id = text(note, "id")?;
    let remote: Vec<Attachment> = files::parse_attachments(note, peer)?
        .into_iter()
        .map(Attachment::Remote)
        .collect();
    let status = PostStatus::parse(note["entStatus"].as_str().unwrap_or("published"))
        .filter(|s| !matches!(s, PostStatus::Sending | PostStatus::Refused))
        .ok_or_else(|| SpaceError::refused("statut inconnu"))?;
    let caption = note["content"].as_str().unwrap_or_default();
    let content = PostText::caption(caption, !remote.is_empty()).map_err(SpaceError::refused)?;
    // A pending edit, told only to its author's node: the approved text stays in `content`.
    let proposed = match note["entProposed"].as_str() {
        Some(text) if !text.trim().is_empty() => PostText::parse(text)
            .map_err(SpaceError::refused)?
            .as_str()
            .to_owned(),
        _ => String::new(),
    };
    let author = text(note, "attributedTo")?;
    let parent_id = match note["inReplyTo"].as_str() {
        Some(parent) => match store::post_by_object(conn, &space.id, parent).await? {
            Some(p) => Some(p.id),
            // A comment of a post this copy does not hold (hidden before we joined).
            None => return Ok(None),
        },
        None => None,
    };
    let version = ent_federation::parse::updated_of(note)
        .ok_or_else(|| SpaceError::refused("note sans date de mise à jour (updated)"))?;
    let existing = store::post_by_object(conn, &space.id, object_id).await?;
    // An older version than the one held (late, or replayed) is acknowledged and ignored.
    if existing.as_ref().is_some_and(|p| p.version > version) {
        return Ok(None);
    }
    // A moderator acted on the post (its status changed): its reports are dealt with.
    if let Some(before) = existing.as_ref().filter(|p| p.status != status) {
        store::resolve_reports(conn, &before.id, now).await?;
    }
    let node = host_of(author);
    let post = Post {
        id: existing
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_else(crate::store::new_id),
        object_id: object_id.to_owned(),
        parent_id,
        author_actor: author.to_owned(),
        author_name: field(note, "entAuthorName", 60)?,
        author_school: field(note, "entAuthorSchool", 120)?,
        author_node: if node == ours { String::new() } else { node },
        content: content.as_str().to_owned(),
        status,
        created_at: existing.as_ref().map(|p| p.created_at).unwrap_or(now),
        updated_at: now,
        version,
        proposed,
    };
    store::upsert_post(conn, &space.id, &post).await?;
    files::attach(conn, &space.id, &post.id, &remote, now).await?;
    // A new post that waited for the host's moderators was published or refused (hidden), as
    // the host tells its own authors (`service::tell_author`); a decided edit is not told.
    let waited = existing
        .as_ref()
        .is_some_and(|p| p.status == PostStatus::Pending && p.proposed.is_empty());
    if !waited || status == PostStatus::Pending || !post.author_node.is_empty() {
        return Ok(None);
    }
    Ok(local_user_of(conn, author)
        .await?
        .map(|user| (user, status == PostStatus::Published)))
}
