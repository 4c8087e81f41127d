//! The operations the pages call. Each runs in one write transaction with its relay: the
//! change and the activities it causes are committed together, then delivery is woken. Each
//! goes to the host's rules (`host`) when this node hosts the space, or to the member node's
//! side (`member`) when it holds a copy. Who gets in and out (invitations, guests) is in
//! `admission`, re-exported here.

use ent_federation::actors::PERSON_PATH_PREFIX;
use ent_federation::service::Shared;
use sqlx::{Any, AnyConnection, Transaction};

pub use super::admission::{
    accept_invitation, add_local_guest, ask_local_class, decline_invitation, invite_local_class,
    invite_remote, remove_everywhere,
};

use super::SpaceError;
use super::files::{Attachment, Upload};
use super::host::{self, Moderation};
use super::member;
use super::model::{PostText, Role, Settings, SpaceText};
use super::relay::Relay;
use super::store::{self, Member, Post, Space};
use crate::notifications::{Event, notify, notify_with};
use crate::state::AppState;

/// One change: its transaction and its relay.
pub struct Change<'a> {
    tx: Transaction<'static, Any>,
    relay: Relay<'a>,
}

impl<'a> Change<'a> {
    /// Opens a write transaction.
    pub async fn begin(state: &'a AppState) -> sqlx::Result<Self> {
        let shared = state.federation.as_ref().map(|f| f.shared().as_ref());
        Ok(Self {
            tx: state.db.begin_write().await?,
            relay: Relay::new(shared, state.clock.now()),
        })
    }

    /// The connection and the relay.
    pub fn parts(&mut self) -> (&mut AnyConnection, &mut Relay<'a>) {
        (&mut self.tx, &mut self.relay)
    }

    /// Commits, then wakes delivery.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await?;
        self.relay.wake();
        Ok(())
    }
}

/// The actor of a local user: their Person URL when federation is on, `local:<id>` otherwise.
pub async fn local_actor(
    conn: &mut AnyConnection,
    shared: Option<&Shared>,
    user_id: &str,
    now: i64,
) -> sqlx::Result<String> {
    match shared {
        Some(shared) => {
            let actor = crate::federation::persons::ensure_in(conn, user_id, now).await?;
            Ok(shared
                .local_url(&format!("{PERSON_PATH_PREFIX}{}", actor.id))
                .to_string())
        }
        None => Ok(format!("local:{user_id}")),
    }
}

/// A local user as a member: display name and the school (and level) they are known by.
pub async fn local_member(
    conn: &mut AnyConnection,
    shared: Option<&Shared>,
    user_id: &str,
    role: Role,
    now: i64,
) -> sqlx::Result<Member> {
    let actor_id = local_actor(conn, shared, user_id, now).await?;
    let row: (String, String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT u.first_name, COALESCE(u.usage_name, u.last_name), \
         (SELECT s.name FROM memberships m JOIN schools s ON s.id = m.school_id WHERE m.user_id = u.id ORDER BY s.name LIMIT 1), \
         (SELECT c.levels FROM class_members cm JOIN classes c ON c.id = cm.class_id WHERE cm.user_id = u.id AND cm.role = 'pupil' ORDER BY c.school_year DESC, c.kind LIMIT 1) \
         FROM users u WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Member {
        actor_id,
        user_id: Some(user_id.to_owned()),
        node: String::new(),
        display_name: crate::domain::short_name(&row.0, &row.1),
        school: row.2.unwrap_or_default(),
        level: row.3.unwrap_or_default().replace(',', " · "),
        role,
        state: "active".into(),
    })
}

/// Creates a space owned by `owner_id`.
pub async fn create(
    state: &AppState,
    owner_id: &str,
    text: &SpaceText,
    settings: Settings,
    local_only: bool,
) -> Result<Space, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let id = crate::store::new_id();
    let local_only = local_only || relay.shared().is_none();
    let owner = local_member(conn, relay.shared(), owner_id, Role::Owner, relay.now()).await?;
    let space = Space {
        group_id: if local_only {
            format!("local:{id}")
        } else {
            relay.group_url(&id)
        },
        id,
        host: String::new(),
        title: text.title.clone(),
        description: text.description.clone(),
        school_year: i64::from(crate::domain::SchoolYear::containing(state.clock.today()).0),
        host_school: owner.school.clone(),
        settings,
        local_only,
        closed_at: 0,
        created_at: relay.now(),
        version: relay.now(),
    };
    store::insert_space(conn, &space).await?;
    store::upsert_member(conn, &space.id, &owner, relay.now()).await?;
    crate::users::store::audit(
        conn,
        relay.now(),
        Some(owner_id),
        "space.created",
        &space.id,
        &space.title,
    )
    .await?;
    change.commit().await?;
    Ok(space)
}

/// Writes a post or a comment.
pub async fn write(
    state: &AppState,
    space: &Space,
    me: &Member,
    parent: Option<&Post>,
    text: &PostText,
    uploads: &[Upload],
) -> Result<Post, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    // Before anything is written: a refusal leaves nothing behind (the transaction is dropped).
    let bytes = uploads.iter().map(|u| u.bytes.len() as i64).sum();
    let quotas = &state.config.quotas;
    super::quota::check(conn, quotas, &space.id, &me.actor_id, bytes, relay.now()).await?;
    let post = if space.is_ours() {
        let object_id = relay.url(&format!("/federation/objects/{}", crate::store::new_id()));
        let local: Vec<Attachment> = uploads.iter().cloned().map(Attachment::Local).collect();
        host::post(conn, relay, space, me, object_id, parent, text, &local).await?
    } else {
        member::post(conn, relay, space, me, parent, text, uploads).await?
    };
    change.commit().await?;
    if post.status == super::model::PostStatus::Pending {
        tell_moderators(state, space).await?;
    }
    Ok(post)
}

/// Tells this node's moderators of `space` that a post waits for them.
pub async fn tell_moderators(state: &AppState, space: &Space) -> sqlx::Result<()> {
    tell_moderators_with(&state.db, &state.config, state.clock.now(), &space.id).await
}

async fn tell_moderators_with(
    db: &crate::store::Db,
    config: &ent_config::NodeConfig,
    now: i64,
    space_id: &str,
) -> sqlx::Result<()> {
    let moderators: Vec<String> = store::members(db, space_id)
        .await?
        .into_iter()
        .filter(|m| m.role.moderates())
        .filter_map(|m| m.user_id)
        .collect();
    let event = Event::PostAwaitingModeration { space_id };
    notify_with(db, config, now, &moderators, event).await;
    Ok(())
}

/// After a received activity was applied: a post of a member of a linked node that waits for
/// moderation in a space hosted here is told to this node's moderators.
pub async fn notify_received(
    db: &crate::store::Db,
    config: &ent_config::NodeConfig,
    now: i64,
    activity: &serde_json::Value,
) {
    if activity["type"].as_str() != Some("Create") {
        return;
    }
    let Some(object) = activity["object"]["id"].as_str() else {
        return;
    };
    let pending: sqlx::Result<Option<String>> = sqlx::query_scalar(
        "SELECT p.space_id FROM space_posts p JOIN spaces s ON s.id = p.space_id \
         WHERE p.object_id = $1 AND p.status = 'pending' AND s.host = ''",
    )
    .bind(object)
    .fetch_optional(db.pool())
    .await;
    let result = match pending {
        Ok(Some(space_id)) => tell_moderators_with(db, config, now, &space_id).await,
        Ok(None) => Ok(()),
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::error!(%error, "spaces: moderators not notified");
    }
}

/// Tells this node's users the host's decisions on their waiting posts (after the commit that
/// received them), as `tell_author` does for posts of spaces hosted here.
pub async fn tell_decided(
    db: &crate::store::Db,
    config: &ent_config::NodeConfig,
    now: i64,
    decided: &[super::relay::Decided],
) {
    for decision in decided {
        let space_id = decision.space_id.as_str();
        let event = if decision.approved {
            Event::PostApproved { space_id }
        } else {
            Event::PostRefused { space_id }
        };
        notify_with(
            db,
            config,
            now,
            std::slice::from_ref(&decision.user_id),
            event,
        )
        .await;
    }
}

/// Tells the author of a pending post, when they are of this node, that it was published or
/// refused.
pub async fn tell_author(
    state: &AppState,
    space: &Space,
    post: &Post,
    action: Moderation,
) -> sqlx::Result<()> {
    let pending = post.status == super::model::PostStatus::Pending && post.proposed.is_empty();
    let event = match action {
        Moderation::Approve if pending => Event::PostApproved {
            space_id: &space.id,
        },
        Moderation::Reject if pending => Event::PostRefused {
            space_id: &space.id,
        },
        _ => return Ok(()),
    };
    let mut conn = state.db.pool().acquire().await?;
    let author = store::member(&mut conn, &space.id, &post.author_actor).await?;
    drop(conn);
    if let Some(user_id) = author.and_then(|a| a.user_id) {
        notify(state, &[user_id], event).await;
    }
    Ok(())
}

/// Changes one's own post.
pub async fn edit(
    state: &AppState,
    space: &Space,
    me: &Member,
    post: &Post,
    text: &PostText,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if space.is_ours() {
        host::edit(conn, relay, space, me, post, text).await?;
    } else {
        member::edit(conn, relay, space, me, post, text).await?;
    }
    Ok(change.commit().await?)
}

/// Deletes a post (author or moderator).
pub async fn delete(
    state: &AppState,
    space: &Space,
    me: &Member,
    post: &Post,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if space.is_ours() {
        host::delete(conn, relay, space, me, post).await?;
    } else {
        member::delete(conn, relay, space, me, post).await?;
    }
    Ok(change.commit().await?)
}

/// Approves, hides or restores a post.
pub async fn moderate(
    state: &AppState,
    space: &Space,
    me: &Member,
    post: &Post,
    action: Moderation,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if space.is_ours() {
        host::moderate(conn, relay, space, me, post, action).await?;
    } else {
        member::moderate(conn, relay, space, me, post, action).await?;
    }
    change.commit().await?;
    if space.is_ours() {
        tell_author(state, space, post, action).await?;
    }
    Ok(())
}

/// Reports a post to the moderators.
pub async fn report(
    state: &AppState,
    space: &Space,
    me: &Member,
    post: &Post,
    reason: &str,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if space.is_ours() {
        host::report(conn, relay, space, me, post, reason).await?;
    } else {
        member::report(conn, relay, space, me, post, reason).await?;
    }
    Ok(change.commit().await?)
}

/// Leaves a space.
pub async fn leave(state: &AppState, space: &Space, me: &Member) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if space.is_ours() {
        host::part(conn, relay, space, me, "left").await?;
    } else {
        member::leave(conn, relay, space, me).await?;
    }
    Ok(change.commit().await?)
}

/// A moderator of the host removes a member.
pub async fn remove_member(
    state: &AppState,
    space: &Space,
    actor_id: &str,
) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    if !space.is_ours() {
        return Err(SpaceError::Refused(
            "Seul l'ENT hôte peut retirer un membre.".into(),
        ));
    }
    let member = store::member(conn, &space.id, actor_id)
        .await?
        .filter(|m| m.state == "active")
        .ok_or_else(|| SpaceError::Refused("Ce membre ne fait pas partie de l'espace.".into()))?;
    host::part(conn, relay, space, &member, "removed").await?;
    Ok(change.commit().await?)
}

/// How many days a closed space can be reopened by its owner or the operator.
pub const REOPEN_DAYS: i64 = 30;

/// Closes a space hosted here: members of every node lose it from their lists (it can be
/// reopened for [`REOPEN_DAYS`] days).
pub async fn close(state: &AppState, space: &Space, by: Option<&str>) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let closed = Space {
        closed_at: relay.now(),
        ..space.clone()
    };
    host::changed(conn, relay, &closed).await?;
    crate::users::store::audit(
        conn,
        relay.now(),
        by,
        "space.closed",
        &space.id,
        &space.title,
    )
    .await?;
    Ok(change.commit().await?)
}

/// Reopens a space hosted here that was closed less than [`REOPEN_DAYS`] days ago; member
/// nodes show it again. Reopening an open space changes nothing.
pub async fn reopen(
    state: &AppState,
    space_id: &str,
    by: Option<&str>,
) -> Result<Space, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let space = store::get(conn, space_id)
        .await?
        .filter(Space::is_ours)
        .ok_or_else(|| SpaceError::refused("Cet espace n'existe pas sur cet ENT."))?;
    if space.closed_at == 0 {
        return Ok(space);
    }
    if relay.now() > space.closed_at + REOPEN_DAYS * 86_400 {
        return Err(SpaceError::refused(format!(
            "« {} » est fermé depuis plus de {REOPEN_DAYS} jours : il ne peut plus être rouvert.",
            space.title
        )));
    }
    let opened = Space {
        closed_at: 0,
        ..space
    };
    host::changed(conn, relay, &opened).await?;
    crate::users::store::audit(
        conn,
        relay.now(),
        by,
        "space.reopened",
        &opened.id,
        &opened.title,
    )
    .await?;
    change.commit().await?;
    Ok(opened)
}

/// Spaces hosted here closed less than [`REOPEN_DAYS`] days ago, with their owner's user id
/// (when a local account), newest closing first.
pub async fn recently_closed(state: &AppState) -> sqlx::Result<Vec<(Space, Option<String>)>> {
    let since = state.clock.now() - REOPEN_DAYS * 86_400;
    let ids: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT s.id, (SELECT m.user_id FROM space_members m WHERE m.space_id = s.id AND m.role = 'owner' LIMIT 1) \
         FROM spaces s WHERE s.host = '' AND s.closed_at > 0 AND s.closed_at >= $1 ORDER BY s.closed_at DESC",
    )
    .bind(since)
    .fetch_all(state.db.pool())
    .await?;
    let mut conn = state.db.pool().acquire().await?;
    let mut found = Vec::new();
    for (id, owner) in ids {
        if let Some(space) = store::get(&mut conn, &id).await? {
            found.push((space, owner));
        }
    }
    Ok(found)
}

/// Changes title, description and settings, or closes the space (host only).
pub async fn change_space(state: &AppState, space: &Space) -> Result<(), SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    host::changed(conn, relay, space).await?;
    Ok(change.commit().await?)
}

/// The posts `user_id` wrote in spaces hosted here (as any of their memberships' actors).
pub async fn posts_of(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<Vec<(Space, Post)>> {
    let ids: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.space_id, p.id FROM space_posts p JOIN spaces s ON s.id = p.space_id \
         WHERE s.host = '' AND p.author_actor IN \
         (SELECT actor_id FROM space_members WHERE user_id = $1) ORDER BY p.created_at",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::new();
    for (space_id, post_id) in ids {
        if let (Some(space), Some(post)) = (
            store::get(conn, &space_id).await?,
            store::post_in(conn, &space_id, &post_id).await?,
        ) {
            found.push((space, post));
        }
    }
    Ok(found)
}

/// Deletes everything `user_id` wrote in spaces hosted here, everywhere (asked by the person,
/// or for them); returns how many posts and comments went.
pub async fn erase_posts_of(
    state: &AppState,
    user_id: &str,
    by: &str,
) -> Result<usize, SpaceError> {
    let mut change = Change::begin(state).await?;
    let (conn, relay) = change.parts();
    let posts = posts_of(conn, user_id).await?;
    for (space, post) in &posts {
        // A comment already went with its post.
        if store::post_in(conn, &space.id, &post.id).await?.is_some() {
            host::erase(conn, relay, space, post).await?;
        }
    }
    let detail = format!("{} message(s) supprimé(s) à sa demande", posts.len());
    crate::users::store::audit(
        conn,
        relay.now(),
        Some(by),
        "space.erased",
        user_id,
        &detail,
    )
    .await?;
    change.commit().await?;
    Ok(posts.len())
}
