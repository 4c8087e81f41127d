//! The messagerie's SQL (both engines): messages, their one recipient list, each person's
//! mailbox rows (folder, read, trash). Lists are paged in the query. Files: `files.rs`.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Db, new_id};

/// Days a message stays in the trash before it is purged.
pub const TRASH_DAYS: i64 = 30;

/// A folder of the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// Reçus.
    Inbox,
    /// Envoyés.
    Sent,
    /// Brouillons.
    Drafts,
    /// Corbeille.
    Trash,
}

impl Folder {
    /// Every folder, in menu order.
    pub const ALL: [Folder; 4] = [Folder::Inbox, Folder::Sent, Folder::Drafts, Folder::Trash];

    /// `?dossier=` value.
    pub fn key(self) -> &'static str {
        match self {
            Self::Inbox => "recus",
            Self::Sent => "envoyes",
            Self::Drafts => "brouillons",
            Self::Trash => "corbeille",
        }
    }

    /// From `?dossier=` (Reçus by default).
    pub fn parse(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .unwrap_or(Self::Inbox)
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Inbox => "Reçus",
            Self::Sent => "Envoyés",
            Self::Drafts => "Brouillons",
            Self::Trash => "Corbeille",
        }
    }

    /// The `mailbox.folder` code ('' for the trash, which spans them).
    fn code(self) -> &'static str {
        match self {
            Self::Inbox => "inbox",
            Self::Sent => "sent",
            Self::Drafts => "draft",
            Self::Trash => "",
        }
    }
}

/// A message as read.
#[derive(Debug, Clone)]
pub struct Message {
    /// Id.
    pub id: String,
    /// Sender's account.
    pub sender_id: String,
    /// Sender's name ("ancien compte" once deactivated).
    pub sender_name: String,
    /// Subject.
    pub subject: String,
    /// Text as typed.
    pub body: String,
    /// The message it answers.
    pub parent_id: Option<String>,
    /// First message of the thread.
    pub thread_id: String,
    /// `draft`, `held` or `sent`.
    pub state: String,
    /// When delivered (or to be).
    pub deliver_at: i64,
    /// Marked urgent by the direction.
    pub urgent: bool,
    /// Audience codes as chosen.
    pub audiences: Vec<String>,
    /// Written at.
    pub created_at: i64,
}

const MESSAGE: &str = "SELECT m.id, m.sender_id, \
     CASE WHEN u.active = 1 THEN u.first_name || ' ' || COALESCE(u.usage_name, u.last_name) ELSE 'ancien compte' END, \
     m.subject, m.body, m.parent_id, m.thread_id, m.state, m.deliver_at, m.urgent, m.audiences, m.created_at \
     FROM messages m JOIN users u ON u.id = m.sender_id";

fn message(r: &AnyRow) -> Message {
    let audiences: String = r.get(10);
    Message {
        id: r.get(0),
        sender_id: r.get(1),
        sender_name: r.get(2),
        subject: r.get(3),
        body: r.get(4),
        parent_id: r.get(5),
        thread_id: r.get(6),
        state: r.get(7),
        deliver_at: r.get(8),
        urgent: r.get::<i64, _>(9) != 0,
        audiences: audiences.lines().map(str::to_owned).collect(),
        created_at: r.get(11),
    }
}

/// A message by id.
pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<Message>> {
    let row = sqlx::query(&format!("{MESSAGE} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(message))
}

/// The message that crossed a link as the Note `object_id`, in the caller's transaction.
pub async fn by_object(conn: &mut AnyConnection, object_id: &str) -> sqlx::Result<Option<Message>> {
    let row = sqlx::query(&format!("{MESSAGE} WHERE m.object_id = $1"))
        .bind(object_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(message))
}

/// What a new or updated message holds.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// Sender.
    pub sender_id: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Text.
    pub body: &'a str,
    /// Folded subject, text and sender name.
    pub search_text: &'a str,
    /// The message answered.
    pub parent: Option<&'a Message>,
    /// `draft`, `held` or `sent`.
    pub state: &'a str,
    /// When delivered.
    pub deliver_at: i64,
    /// Urgent.
    pub urgent: bool,
    /// Audience codes.
    pub audiences: &'a [String],
}

/// Writes a message (a new one, or `existing`, a draft or held message of the sender) and
/// returns its id.
pub async fn save(
    conn: &mut AnyConnection,
    existing: Option<&str>,
    d: &Draft<'_>,
    now: i64,
) -> sqlx::Result<String> {
    let audiences = d.audiences.join("\n");
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE messages SET subject = $1, body = $2, search_text = $3, state = $4, deliver_at = $5, \
             urgent = $6, audiences = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(d.subject)
        .bind(d.body)
        .bind(d.search_text)
        .bind(d.state)
        .bind(d.deliver_at)
        .bind(i64::from(d.urgent))
        .bind(&audiences)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM mailbox WHERE message_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM message_recipients WHERE message_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok(id.to_owned());
    }
    let id = new_id();
    let thread = d.parent.map_or(id.clone(), |p| p.thread_id.clone());
    sqlx::query(
        "INSERT INTO messages (id, sender_id, subject, body, search_text, parent_id, thread_id, state, \
         deliver_at, urgent, audiences, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&id)
    .bind(d.sender_id)
    .bind(d.subject)
    .bind(d.body)
    .bind(d.search_text)
    .bind(d.parent.map(|p| p.id.clone()))
    .bind(&thread)
    .bind(d.state)
    .bind(d.deliver_at)
    .bind(i64::from(d.urgent))
    .bind(&audiences)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Records the one recipient list.
pub async fn set_recipients(
    conn: &mut AnyConnection,
    message_id: &str,
    ids: &[String],
) -> sqlx::Result<()> {
    for id in ids {
        sqlx::query("INSERT INTO message_recipients (message_id, user_id) VALUES ($1, $2)")
            .bind(message_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Puts a message in one person's folder, with a copy of its folded text: a search then reads
/// only the owner's mailbox lines, never a join per line (the message is written first).
pub async fn file_in(
    conn: &mut AnyConnection,
    owner: &str,
    message_id: &str,
    folder: Folder,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mailbox (owner_id, message_id, folder, at, search_text) \
         SELECT $1, id, $3, $4, search_text FROM messages WHERE id = $2",
    )
    .bind(owner)
    .bind(message_id)
    .bind(folder.code())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Delivers a held message to each recipient's Reçus (once: a second call finds it sent);
/// people of linked nodes get theirs through `across::queue`. Returns the local recipients
/// reached, empty when it was not held.
pub async fn deliver(
    conn: &mut AnyConnection,
    message_id: &str,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let taken = sqlx::query("UPDATE messages SET state = 'sent' WHERE id = $1 AND state = 'held'")
        .bind(message_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if taken == 0 {
        return Ok(Vec::new());
    }
    let recipients: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM message_recipients WHERE message_id = $1 \
             AND user_id NOT IN (SELECT user_id FROM message_correspondents)",
    )
    .bind(message_id)
    .fetch_all(&mut *conn)
    .await?;
    for owner in &recipients {
        file_in(conn, owner, message_id, Folder::Inbox, now).await?;
    }
    Ok(recipients)
}

/// Held messages whose time has come.
pub async fn due(db: &Db, now: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT id FROM messages WHERE state = 'held' AND deliver_at <= $1 ORDER BY deliver_at LIMIT 500",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await
}

/// One line of a folder.
#[derive(Debug, Clone)]
pub struct Line {
    /// The message.
    pub message: Message,
    /// Read by the owner.
    pub read: bool,
    /// Filed at.
    pub at: i64,
}

/// One page of a folder (search words all required), newest first, and whether an older
/// page follows. No total is counted: the query fetches one line more than the page and
/// walks the `mailbox_page` index from the newest, so that a page costs the same in a
/// mailbox of 20 or 20,000 messages (a search that matches nothing still reads the
/// owner's lines of the folder, with their own copy of the folded text: no join per line).
pub async fn list(
    db: &Db,
    owner: &str,
    folder: Folder,
    search: &str,
    offset: usize,
    limit: usize,
) -> sqlx::Result<(Vec<Line>, bool)> {
    let (words, binds) = crate::users::store::word_conditions(search, "b.search_text", 3);
    // `trashed_at IS NULL` written as is: it is the predicate of the partial index.
    let mut filter = if folder == Folder::Trash {
        "b.trashed_at IS NOT NULL AND $2 = $2".to_owned()
    } else {
        "b.trashed_at IS NULL AND b.folder = $2".to_owned()
    };
    for word in words {
        filter.push_str(" AND ");
        filter.push_str(&word);
    }
    let sql = format!(
        "{} , b.read_at, b.at FROM mailbox b JOIN messages m ON m.id = b.message_id \
         JOIN users u ON u.id = m.sender_id WHERE b.owner_id = $1 AND {filter} \
         ORDER BY b.at DESC, b.message_id DESC LIMIT {} OFFSET {offset}",
        MESSAGE.split(" FROM messages").next().unwrap_or_default(),
        limit + 1
    );
    let mut query = sqlx::query(&sql).bind(owner).bind(folder.code());
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let more = rows.len() > limit;
    let lines = rows
        .iter()
        .take(limit)
        .map(|r| Line {
            message: message(r),
            read: r.get::<Option<i64>, _>(12).is_some(),
            at: r.get(13),
        })
        .collect();
    Ok((lines, more))
}

/// The folders (codes) where the owner holds the message, with whether it is in the trash.
pub async fn places(db: &Db, owner: &str, message_id: &str) -> sqlx::Result<Vec<(String, bool)>> {
    let rows = sqlx::query(
        "SELECT folder, trashed_at FROM mailbox WHERE owner_id = $1 AND message_id = $2",
    )
    .bind(owner)
    .bind(message_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get::<Option<i64>, _>(1).is_some()))
        .collect())
}

/// Marks the owner's received copy read (`Some(now)`) or unread (`None`).
pub async fn set_read(db: &Db, owner: &str, message_id: &str, at: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE mailbox SET read_at = $1 WHERE owner_id = $2 AND message_id = $3 AND folder = 'inbox'")
        .bind(at)
        .bind(owner)
        .bind(message_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Moves the owner's copies to the trash (`Some(now)`) or back (`None`).
pub async fn set_trashed(
    db: &Db,
    owner: &str,
    message_id: &str,
    at: Option<i64>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query("UPDATE mailbox SET trashed_at = $1 WHERE owner_id = $2 AND message_id = $3 AND folder <> 'draft'")
        .bind(at)
        .bind(owner)
        .bind(message_id)
        .execute(db.pool())
        .await?
        .rows_affected())
}

/// Unread messages of the owner's Reçus (the partial index `mailbox_unread` holds only those:
/// the count reads the unread lines, not the whole mailbox).
pub async fn unread(db: &Db, owner: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM mailbox WHERE owner_id = $1 AND folder = 'inbox' AND read_at IS NULL AND trashed_at IS NULL",
    )
    .bind(owner)
    .fetch_one(db.pool())
    .await
}

/// Messages the sender sent (or scheduled) since `since`: the hourly limit.
pub async fn sent_since(conn: &mut AnyConnection, sender: &str, since: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE sender_id = $1 AND state <> 'draft' AND updated_at > $2",
    )
    .bind(sender)
    .bind(since)
    .fetch_one(conn)
    .await
}

/// Empties the trash of one owner (`owner`), or purges every trash row older than 30 days
/// (`None`); then removes messages nobody holds any more, with their files.
pub async fn purge(conn: &mut AnyConnection, owner: Option<&str>, now: i64) -> sqlx::Result<u64> {
    let removed = match owner {
        Some(owner) => {
            sqlx::query("DELETE FROM mailbox WHERE owner_id = $1 AND trashed_at IS NOT NULL")
                .bind(owner)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }
        None => sqlx::query("DELETE FROM mailbox WHERE trashed_at IS NOT NULL AND trashed_at < $1")
            .bind(now - TRASH_DAYS * 86_400)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    };
    let orphan = "SELECT id FROM messages m WHERE m.state = 'sent' AND NOT EXISTS \
                  (SELECT 1 FROM mailbox b WHERE b.message_id = m.id)";
    for sql in [
        format!(
            "DELETE FROM message_file_data WHERE file_id IN (SELECT id FROM message_files WHERE message_id IN ({orphan}))"
        ),
        format!("DELETE FROM message_files WHERE message_id IN ({orphan})"),
        format!("DELETE FROM message_recipients WHERE message_id IN ({orphan})"),
        format!("UPDATE messages SET parent_id = NULL WHERE parent_id IN ({orphan})"),
        format!("DELETE FROM messages WHERE id IN ({orphan})"),
    ] {
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    Ok(removed)
}
