//! What the space pages show: posts arranged for one viewer (what they may see, with the
//! actions they may take), members with badges saying where they come from.

use super::files::FileMeta;
use super::model::{PostStatus, Role, render_text};
use super::store::{Member, Post};
use crate::state::AppState;

/// Names of nodes as members read them: ours by its name, linked ones by the link's label.
pub struct NodeNames {
    ours: String,
    links: Vec<(String, String)>,
}

impl NodeNames {
    /// The names known to this node.
    pub fn of(state: &AppState) -> Self {
        let links = state
            .federation
            .as_ref()
            .map(|f| {
                f.shared()
                    .links
                    .all()
                    .into_iter()
                    .map(|p| (p.domain(), p.config.label.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            ours: state.config.node.name.clone(),
            links,
        }
    }

    /// The label of `node` ('' for ours).
    pub fn label(&self, node: &str) -> String {
        if node.is_empty() {
            return self.ours.clone();
        }
        self.links
            .iter()
            .find(|(domain, _)| domain == node)
            .map(|(_, label)| label.clone())
            .unwrap_or_else(|| node.to_owned())
    }
}

/// A post as one viewer sees it.
#[derive(Debug, Clone)]
pub struct PostView {
    /// Local id.
    pub id: String,
    /// "Léa M."
    pub author: String,
    /// "École Jules Ferry · ENT de Villeneuve"
    pub badge: String,
    /// Rendered text (escaped, then formatted).
    pub html: String,
    /// Raw text (edit form).
    pub content: String,
    /// "en attente de validation"…
    pub status_label: Option<&'static str>,
    /// Status.
    pub status: PostStatus,
    /// Written by the viewer.
    pub mine: bool,
    /// Its comments.
    pub comments: Vec<PostView>,
    /// Its files.
    pub files: Vec<FileView>,
    /// Its author is no longer a member ("ancien membre").
    pub former: bool,
    /// A new text waiting for a moderator, rendered, shown to its author and to moderators
    /// only (other members read the approved text).
    pub proposed_html: Option<String>,
}

/// A file as a post (or the files area) shows it.
#[derive(Debug, Clone)]
pub struct FileView {
    /// Where members download it.
    pub url: String,
    /// File name.
    pub name: String,
    /// `image`, `audio` or `pdf`.
    pub kind: &'static str,
    /// "1,2 Mo".
    pub size: String,
    /// The bytes are here (a copy may still be on its way).
    pub present: bool,
}

fn file_view(space_id: &str, f: &FileMeta) -> FileView {
    FileView {
        url: format!("/espaces/{space_id}/fichiers/{}", f.id),
        name: f.name.clone(),
        kind: f.kind(),
        size: f.size_label(),
        present: f.present(),
    }
}

/// A member with their badge.
#[derive(Debug, Clone)]
pub struct MemberView {
    /// Actor (for removal).
    pub actor_id: String,
    /// "Léa M."
    pub name: String,
    /// Role label.
    pub role: &'static str,
    /// "CM2 · École Jules Ferry · ENT de Villeneuve"
    pub badge: String,
    /// The owner cannot be removed.
    pub removable: bool,
}

fn badge(school: &str, node: &str, names: &NodeNames) -> String {
    let node = names.label(node);
    if school.is_empty() {
        node
    } else {
        format!("{school} · {node}")
    }
}

/// A member as the list shows them.
pub fn member(m: &Member, names: &NodeNames) -> MemberView {
    let mut badge = badge(&m.school, &m.node, names);
    if !m.level.is_empty() {
        badge = format!("{} · {badge}", m.level);
    }
    MemberView {
        actor_id: m.actor_id.clone(),
        name: m.display_name.clone(),
        role: m.role.label(),
        badge,
        removable: m.role != Role::Owner,
    }
}

fn visible(post: &Post, me: &Member, moderate: bool) -> bool {
    crate::policy::post_visible(post.status, post.author_actor == me.actor_id, moderate)
}

fn one(post: &Post, me: &Member, moderate: bool, names: &NodeNames, shown: &Shown<'_>) -> PostView {
    let mine = post.author_actor == me.actor_id;
    PostView {
        proposed_html: (!post.proposed.is_empty() && (mine || moderate))
            .then(|| render_text(&post.proposed)),
        files: shown
            .files
            .iter()
            .filter(|f| f.post_id == post.id)
            .map(|f| file_view(shown.space_id, f))
            .collect(),
        former: !shown.members.contains(&post.author_actor),
        id: post.id.clone(),
        author: post.author_name.clone(),
        badge: badge(&post.author_school, &post.author_node, names),
        html: render_text(&post.content),
        content: if mine && !post.proposed.is_empty() {
            post.proposed.clone()
        } else {
            post.content.clone()
        },
        status_label: match post.status {
            PostStatus::Sending => Some("en cours d'envoi à l'ENT hôte"),
            PostStatus::Pending => Some("en attente de validation"),
            PostStatus::Hidden => Some("masqué par un modérateur"),
            PostStatus::Refused => Some("refusé par l'ENT hôte"),
            PostStatus::Published => None,
        },
        status: post.status,
        mine,
        comments: Vec::new(),
    }
}

/// What the wall needs besides the posts: the space, its files, who is still a member.
pub struct Shown<'a> {
    /// The space.
    pub space_id: &'a str,
    /// Its files.
    pub files: &'a [FileMeta],
    /// Actors of the active members (other authors are shown as former members).
    pub members: &'a [String],
}

/// The files area: files of the posts the viewer sees, newest first.
pub fn files_area(wall: &[PostView]) -> Vec<FileView> {
    wall.iter()
        .flat_map(|p| {
            p.files
                .iter()
                .chain(p.comments.iter().flat_map(|c| c.files.iter()))
        })
        .cloned()
        .collect()
}

/// Waits for a moderator: a pending post, or a pending edit of a post members read.
fn waits(post: &Post) -> bool {
    post.status == PostStatus::Pending || !post.proposed.is_empty()
}

/// The wall (top-level posts with their comments, newest first) and, for moderators, the
/// queue of posts and edits waiting for approval.
pub fn wall(
    posts: &[Post],
    shown: &Shown<'_>,
    me: &Member,
    moderate: bool,
    names: &NodeNames,
) -> (Vec<PostView>, Vec<PostView>) {
    let mut wall: Vec<PostView> = Vec::new();
    let mut queue = Vec::new();
    for post in posts.iter().filter(|p| p.parent_id.is_none()) {
        if moderate && waits(post) {
            queue.push(one(post, me, moderate, names, shown));
        }
        if visible(post, me, moderate) {
            let mut view = one(post, me, moderate, names, shown);
            view.comments = posts
                .iter()
                .filter(|c| c.parent_id.as_deref() == Some(post.id.as_str()))
                .filter(|c| {
                    if moderate && waits(c) {
                        queue.push(one(c, me, moderate, names, shown));
                    }
                    visible(c, me, moderate)
                })
                .map(|c| one(c, me, moderate, names, shown))
                .collect();
            wall.push(view);
        }
    }
    wall.reverse();
    (wall, queue)
}

/// Whether deliveries to the host fail, or its link is not active: the copy is then read-only
/// in practice (what members write waits in the outbox).
pub async fn host_unreachable(state: &AppState, host: &str) -> sqlx::Result<bool> {
    let Some(federation) = &state.federation else {
        return Ok(true);
    };
    if !federation.shared().allows(host, ent_config::Scope::Spaces) {
        return Ok(true);
    }
    let failing: Option<i64> =
        sqlx::query_scalar("SELECT failing_since FROM federation_peers WHERE domain = $1")
            .bind(host)
            .fetch_optional(state.db.pool())
            .await?;
    Ok(failing.unwrap_or(0) > 0)
}

/// `yyyy-mm-dd` → the last second of that day (UTC); empty → 0 (no end).
pub fn parse_day_end(day: &str) -> Result<i64, String> {
    if day.trim().is_empty() {
        return Ok(0);
    }
    chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc().timestamp())
        .ok_or_else(|| format!("Date de fin invalide : « {day} » (format attendu : AAAA-MM-JJ)."))
}

/// `yyyy-mm-dd` of a timestamp, '' for 0.
pub fn day_of(secs: i64) -> String {
    if secs == 0 {
        return String::new();
    }
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `dd/mm/yyyy` of a timestamp, as French readers write dates.
pub fn date_fr(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}
