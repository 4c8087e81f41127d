//! Edits: the one rule of editing a post (who may, and when the new text waits for a
//! moderator) and its journal line.

use sqlx::AnyConnection;

use super::{check_active, parent_of, publish};
use crate::spaces::SpaceError;
use crate::spaces::model::{PostStatus, PostText};
use crate::spaces::relay::Relay;
use crate::spaces::store::{self, Member, Post, Space};

/// Changes the text of a post; only its author may. In a pre-moderated space the new text of
/// an approved post by a non-moderator waits for a moderator: only the author's node hears of
/// it, every other node keeps the approved text. Every edit goes in the journal.
pub async fn edit(
    conn: &mut AnyConnection,
    relay: &mut Relay<'_>,
    space: &Space,
    by: &Member,
    post: &Post,
    text: &PostText,
) -> Result<(), SpaceError> {
    check_active(by)?;
    let mut changed = edited(space, post, by, text, relay.now())?;
    // The host's version is what copies order changes by.
    changed.version = changed.updated_at;
    store::upsert_post(conn, &space.id, &changed).await?;
    journal_edit(conn, relay.now(), by, post, &changed).await?;
    let parent = parent_of(conn, space, &changed).await?;
    publish(conn, relay, space, &changed, parent.as_ref()).await
}

/// The post with its new text, if `by` wrote it (the one rule of editing, wherever it runs):
/// in a pre-moderated space, the edit of a post members already read, by someone whose posts
/// wait for a moderator, waits too (`proposed`), and `content` stays the approved text.
pub fn edited(
    space: &Space,
    post: &Post,
    by: &Member,
    text: &PostText,
    now: i64,
) -> Result<Post, SpaceError> {
    if post.author_actor != by.actor_id {
        return Err(SpaceError::refused(
            "Seul l'auteur peut modifier ce message.",
        ));
    }
    let updated_at = crate::store::next_version(post.updated_at, now);
    let waits = space.settings.premoderated
        && !by.role.moderates()
        && matches!(post.status, PostStatus::Published | PostStatus::Hidden);
    Ok(if waits {
        Post {
            proposed: text.as_str().to_owned(),
            updated_at,
            ..post.clone()
        }
    } else {
        Post {
            content: text.as_str().to_owned(),
            proposed: String::new(),
            updated_at,
            ..post.clone()
        }
    })
}

/// The journal's line for an edit: who, the text before and after, and whether it waits.
pub(crate) async fn journal_edit(
    conn: &mut AnyConnection,
    now: i64,
    by: &Member,
    before: &Post,
    after: &Post,
) -> sqlx::Result<()> {
    let short = |text: &str| -> String {
        let cut: String = text.chars().take(200).collect();
        if cut.len() < text.len() {
            format!("{cut}…")
        } else {
            cut
        }
    };
    let (new, waits) = if after.proposed.is_empty() {
        (after.content.as_str(), "")
    } else {
        (after.proposed.as_str(), " (à valider)")
    };
    let detail = format!(
        "{} a modifié son message{waits} : avant « {} », après « {} »",
        by.display_name,
        short(&before.content),
        short(new)
    );
    crate::users::store::audit(
        conn,
        now,
        by.user_id.as_deref(),
        "space.post_edited",
        &before.id,
        &detail,
    )
    .await
}
