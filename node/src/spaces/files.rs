//! Files attached to posts: images, PDF and audio, at most three per post and 5 MiB each, their
//! type read from their bytes (never from the name). A file written on a node is stored there;
//! every other node holding the post keeps its own copy, fetched from the node that announced
//! it (the host, for member nodes; the author's node, for the host), so members read files
//! while the host is unreachable too.

use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use super::SpaceError;
use super::relay::Relay;
use crate::store::{Db, new_id};

use crate::attachments::{ALLOWED, clean_name};
pub use crate::attachments::{MAX_FILE_BYTES, MAX_FILES, Upload};

/// A file another node announced, to be fetched from `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name.
    pub name: String,
    /// Announced type (checked again on the bytes once fetched).
    pub media_type: String,
    /// Announced size.
    pub size: i64,
    /// Announced SHA-256.
    pub sha256: String,
    /// Where to fetch it (on the announcing node).
    pub url: String,
}

/// What is attached to a new post.
#[derive(Debug, Clone)]
pub enum Attachment {
    /// Sent by a member of this node.
    Local(Upload),
    /// Announced by another node.
    Remote(RemoteFile),
}

/// The attachments of a received Note; every file must be on the sending node.
pub fn parse_attachments(note: &Value, sender: &str) -> Result<Vec<RemoteFile>, SpaceError> {
    let refused = |why: &str| SpaceError::Refused(why.to_owned());
    let items = match &note["attachment"] {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) if items.len() <= MAX_FILES => items,
        _ => return Err(refused("pièces jointes invalides")),
    };
    items
        .iter()
        .map(|item| {
            let text = |field: &str| item[field].as_str().unwrap_or_default().to_owned();
            let url = text("url");
            let host = super::relay::host_of(&url);
            let size = item["entSize"].as_i64().unwrap_or(-1);
            let sha256 = text("entSha256");
            let media_type = text("mediaType");
            if host != sender
                || !(1..=MAX_FILE_BYTES as i64).contains(&size)
                || sha256.len() != 64
                || !sha256.bytes().all(|b| b.is_ascii_hexdigit())
                || !ALLOWED.contains(&media_type.as_str())
            {
                return Err(refused("pièce jointe invalide"));
            }
            Ok(RemoteFile {
                name: clean_name(&text("name")),
                media_type,
                size,
                sha256: sha256.to_ascii_lowercase(),
                url,
            })
        })
        .collect()
}

/// A stored file (without its bytes).
#[derive(Debug, Clone)]
pub struct FileMeta {
    /// Local id.
    pub id: String,
    /// Its post.
    pub post_id: String,
    /// File name.
    pub name: String,
    /// Type.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256.
    pub sha256: String,
    /// `present`, or `missing` while a copy is being fetched.
    pub state: String,
}

impl FileMeta {
    /// `image`, `audio` or `pdf` (how the page shows it).
    pub fn kind(&self) -> &'static str {
        match self.media_type.split('/').next() {
            Some("image") => "image",
            Some("audio") => "audio",
            _ => "pdf",
        }
    }

    /// "1,2 Mo", "830 ko".
    pub fn size_label(&self) -> String {
        crate::attachments::size_label(self.size)
    }

    /// Whether the bytes are here.
    pub fn present(&self) -> bool {
        self.state == "present"
    }
}

const SELECT: &str = "SELECT id, post_id, name, media_type, size, sha256, state FROM space_files";

fn meta(r: &sqlx::any::AnyRow) -> FileMeta {
    FileMeta {
        id: r.get(0),
        post_id: r.get(1),
        name: r.get(2),
        media_type: r.get(3),
        size: r.get(4),
        sha256: r.get(5),
        state: r.get(6),
    }
}

/// Stores what comes with a post (a file already on the post, same SHA-256, is skipped: the
/// announce of one's own post brings back the files one sent).
pub async fn attach(
    conn: &mut AnyConnection,
    space_id: &str,
    post_id: &str,
    items: &[Attachment],
    now: i64,
) -> sqlx::Result<()> {
    let known: Vec<String> =
        sqlx::query_scalar("SELECT sha256 FROM space_files WHERE post_id = $1")
            .bind(post_id)
            .fetch_all(&mut *conn)
            .await?;
    for item in items {
        let (name, media_type, size, sha256, source, state) = match item {
            Attachment::Local(u) => (
                &u.name,
                &u.media_type,
                u.bytes.len() as i64,
                &u.sha256,
                "",
                "present",
            ),
            Attachment::Remote(r) => (
                &r.name,
                &r.media_type,
                r.size,
                &r.sha256,
                r.url.as_str(),
                "missing",
            ),
        };
        if known.contains(sha256) {
            continue;
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO space_files (id, post_id, space_id, name, media_type, size, sha256, source_url, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(post_id)
        .bind(space_id)
        .bind(name)
        .bind(media_type)
        .bind(size)
        .bind(sha256)
        .bind(source)
        .bind(state)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if let Attachment::Local(upload) = item {
            store_bytes(conn, &id, &upload.bytes).await?;
        }
    }
    Ok(())
}

/// Saves the bytes of a file.
pub async fn store_bytes(
    conn: &mut AnyConnection,
    file_id: &str,
    bytes: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO space_file_data (file_id, data) VALUES ($1, $2)")
        .bind(file_id)
        .bind(bytes.to_vec())
        .execute(conn)
        .await?;
    Ok(())
}

/// Files of a post.
pub async fn of_post(conn: &mut AnyConnection, post_id: &str) -> sqlx::Result<Vec<FileMeta>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE post_id = $1 ORDER BY created_at, id"
    ))
    .bind(post_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(meta).collect())
}

/// Files of a space.
pub async fn of_space(db: &Db, space_id: &str) -> sqlx::Result<Vec<FileMeta>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE space_id = $1 ORDER BY created_at, id"
    ))
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(meta).collect())
}

/// A file of a space with its bytes, when present.
pub async fn with_bytes(
    db: &Db,
    space_id: &str,
    file_id: &str,
) -> sqlx::Result<Option<(FileMeta, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.id, f.post_id, f.name, f.media_type, f.size, f.sha256, f.state, d.data FROM space_files f \
         JOIN space_file_data d ON d.file_id = f.id WHERE f.space_id = $1 AND f.id = $2",
    )
    .bind(space_id)
    .bind(file_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| (meta(&r), r.get(7))))
}

/// The `attachment` of a post's Note, pointing at this node's copies (only files present here
/// are announced: a peer can fetch them at once).
pub async fn attachments_json(
    conn: &mut AnyConnection,
    relay: &Relay<'_>,
    post_id: &str,
) -> sqlx::Result<Value> {
    let files = of_post(conn, post_id).await?;
    Ok(Value::Array(
        files
            .iter()
            .filter(|f| f.present())
            .map(|f| {
                json!({
                    "type": "Document",
                    "mediaType": f.media_type,
                    "name": f.name,
                    "url": relay.url(&format!("/federation/files/{}", f.id)),
                    "entSize": f.size,
                    "entSha256": f.sha256,
                })
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_files_must_come_from_the_sender() {
        let note = |url: &str| {
            json!({ "attachment": [{ "type": "Document", "mediaType": "image/png", "name": "a.png",
                "url": url, "entSize": 10, "entSha256": "a".repeat(64) }] })
        };
        assert_eq!(
            parse_attachments(&note("https://b.test/federation/files/1"), "b.test")
                .unwrap()
                .len(),
            1
        );
        assert!(parse_attachments(&note("https://c.test/federation/files/1"), "b.test").is_err());
        assert!(parse_attachments(&json!({ "attachment": [1, 2, 3, 4] }), "b.test").is_err());
    }
}
