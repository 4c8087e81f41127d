//! What spaces send to other nodes, queued in the transaction of the change that causes it.
//! Everything goes through one [`Relay`], which addresses each activity to one peer only (a
//! peer never learns of another peer through the addressing), skips peers whose link is not
//! active with the `spaces` scope, and wakes the delivery workers once the change is committed.

use std::collections::BTreeSet;

use ent_config::Scope;
use ent_federation::actors::{GROUP_PATH_PREFIX, NODE_ACTOR_PATH};
use ent_federation::service::Shared;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::store::{Member, Post, Space};
use crate::store::new_id;

/// Queues activities of one change; call [`Relay::wake`] after the commit.
pub struct Relay<'a> {
    shared: Option<&'a Shared>,
    now: i64,
    touched: BTreeSet<String>,
    /// The quotas posts received from other nodes are held to (on the host).
    quotas: Option<ent_config::QuotasSection>,
    /// Decisions of the host on posts of this node's users, to tell them after the commit.
    decided: Vec<Decided>,
}

/// The host's moderators decided on a waiting post of one of this node's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The author, a user of this node.
    pub user_id: String,
    /// This node's copy of the space.
    pub space_id: String,
    /// Published (else refused).
    pub approved: bool,
}

impl<'a> Relay<'a> {
    /// A relay for a node with federation (`None`: federation off, nothing is ever sent).
    pub fn new(shared: Option<&'a Shared>, now: i64) -> Self {
        Self {
            shared,
            now,
            touched: BTreeSet::new(),
            quotas: None,
            decided: Vec::new(),
        }
    }

    /// The same relay, holding received posts to `quotas`.
    pub fn with_quotas(mut self, quotas: ent_config::QuotasSection) -> Self {
        self.quotas = Some(quotas);
        self
    }

    /// Keeps a decision on a post of a user of this node, to tell them after the commit.
    pub fn decided(&mut self, decision: Decided) {
        self.decided.push(decision);
    }

    /// The decisions kept (to tell once the transaction is committed).
    pub fn take_decided(&mut self) -> Vec<Decided> {
        std::mem::take(&mut self.decided)
    }

    /// The quotas received posts are held to, when set.
    pub fn quotas(&self) -> Option<ent_config::QuotasSection> {
        self.quotas
    }

    /// The federation, when on.
    pub fn shared(&self) -> Option<&'a Shared> {
        self.shared
    }

    /// Now, by the node clock.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// A new activity id on this node.
    pub fn activity_id(&self) -> String {
        self.url(&format!("/federation/activities/{}", new_id()))
    }

    /// A URL on this node (`local:` when federation is off: such ids never leave the node).
    pub fn url(&self, path: &str) -> String {
        match self.shared {
            Some(shared) => shared.local_url(path).to_string(),
            None => format!("local:{path}"),
        }
    }

    /// The Group URL of a space hosted here.
    pub fn group_url(&self, space_id: &str) -> String {
        self.url(&format!("{GROUP_PATH_PREFIX}{space_id}"))
    }

    /// Queues `activity` for `peer`, addressed to that peer's node only.
    pub async fn send(
        &mut self,
        conn: &mut AnyConnection,
        peer: &str,
        mut activity: Value,
    ) -> sqlx::Result<()> {
        let Some(shared) = self.shared else {
            return Ok(());
        };
        if !shared.allows(peer, Scope::Spaces) {
            tracing::info!(peer, "spaces: not sent, the link is not active for spaces");
            return Ok(());
        }
        let base = shared.peer_base(peer);
        let to = ent_federation::actors::join(&base, NODE_ACTOR_PATH);
        let inbox = ent_federation::actors::join(&base, ent_federation::actors::INBOX_PATH);
        activity["@context"] = json!("https://www.w3.org/ns/activitystreams");
        activity["to"] = json!([to]);
        let id = activity["id"].as_str().unwrap_or_default().to_owned();
        crate::federation::store::enqueue(
            conn,
            peer,
            &id,
            inbox.as_str(),
            &activity.to_string(),
            self.now,
        )
        .await?;
        self.touched.insert(peer.to_owned());
        Ok(())
    }

    /// The host relays `inner` to `nodes` as an Announce by the space's Group (FEP-1b12).
    pub async fn announce(
        &mut self,
        conn: &mut AnyConnection,
        space: &Space,
        inner: &Value,
        nodes: &[String],
    ) -> sqlx::Result<()> {
        for node in nodes {
            let activity = json!({
                "id": self.activity_id(),
                "type": "Announce",
                "actor": space.group_id,
                "audience": space.group_id,
                "object": inner,
            });
            self.send(conn, node, activity).await?;
        }
        Ok(())
    }

    /// Wakes the delivery workers of the peers this change queued for (after the commit).
    pub fn wake(self) {
        if let Some(shared) = self.shared {
            for peer in &self.touched {
                shared.wake(peer);
            }
        }
    }
}

/// A post as a Note (with what members need to show it: author's name and school, status,
/// and its files as `attachments` built by `files::attachments_json`).
pub fn note(space: &Space, post: &Post, parent_object: Option<&str>, attachments: Value) -> Value {
    json!({
        "id": post.object_id,
        "type": "Note",
        "attributedTo": post.author_actor,
        "audience": space.group_id,
        "inReplyTo": parent_object,
        "content": post.content,
        "published": rfc3339(post.created_at),
        "updated": rfc3339(post.updated_at),
        "entAuthorName": post.author_name,
        "entAuthorSchool": post.author_school,
        "entStatus": post.status.code(),
        "attachment": attachments,
    })
}

/// A member joining, as the host tells member nodes (only what SPEC §6 lets cross a link:
/// display name, school, class level, role).
pub fn join(space: &Space, id: &str, member: &Member) -> Value {
    json!({
        "id": id,
        "type": "Join",
        "actor": member.actor_id,
        "object": space.group_id,
        "audience": space.group_id,
        "entMember": profile(member),
    })
}

/// The shareable profile of a member.
pub fn profile(member: &Member) -> Value {
    json!({
        "name": member.display_name,
        "school": member.school,
        "level": member.level,
        "role": member.role.code(),
    })
}

/// The node (`host[:port]`) of a URL, '' when it is not one.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| ent_federation::signing::authority(&u))
        .unwrap_or_default()
}

/// A text field of something another node sent, trimmed; refused (never cut) when it is
/// longer than `max` characters: a linked node that sends more is malformed.
pub fn field(value: &Value, name: &str, max: usize) -> Result<String, super::SpaceError> {
    let text = value[name].as_str().unwrap_or_default().trim();
    if text.chars().count() > max {
        return Err(super::SpaceError::refused(format!("{name} trop long")));
    }
    Ok(text.to_owned())
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
