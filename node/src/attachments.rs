//! Files people attach (to a post of a space, a message, an agenda event): their type read from their bytes
//! (never from the name), a size limit, a clean name; and the one reader of the forms that
//! carry them (`multipart/form-data`, or a plain form without file), shared by every service.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Most files on one post.
pub const MAX_FILES: usize = 3;

/// Accepted types, as read from the bytes.
pub const ALLOWED: [&str; 8] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
    "audio/mpeg",
    "audio/ogg",
    "audio/m4a",
];

/// A file a member sends with a post.
#[derive(Debug, Clone)]
pub struct Upload {
    /// File name, without any folder.
    pub name: String,
    /// Type read from the bytes.
    pub media_type: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Checks size and type; the French message names the file.
    pub fn parse(name: &str, bytes: Vec<u8>) -> Result<Self, String> {
        let name = clean_name(name);
        if bytes.is_empty() {
            return Err(format!("Le fichier « {name} » est vide."));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(format!("Le fichier « {name} » dépasse 5 Mo."));
        }
        let media_type = infer::get(&bytes)
            .map(|t| t.mime_type())
            .filter(|t| ALLOWED.contains(t))
            .ok_or_else(|| {
                format!("« {name} » n'est ni une image, ni un PDF, ni un fichier audio.")
            })?
            .to_owned();
        Ok(Self {
            sha256: hex::encode(Sha256::digest(&bytes)),
            name,
            media_type,
            bytes,
        })
    }
}

/// Only the last path segment, printable, at most 100 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if clean.trim().is_empty() {
        "fichier".into()
    } else {
        clean.trim().to_owned()
    }
}

/// A submitted form: its text fields in order (a field may repeat: recipients) and its files.
#[derive(Debug, Default)]
pub struct SubmittedForm {
    /// `(name, value)` of every text field.
    pub fields: Vec<(String, String)>,
    /// `(file name, bytes)` of every non-empty `file` field.
    pub files: Vec<(String, Vec<u8>)>,
}

impl SubmittedForm {
    /// The first value of a field ('' when absent).
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Reads a form with files (`multipart/form-data`) or without (urlencoded), so that any
/// browser, with or without JavaScript, can write.
pub async fn read_form(state: &AppState, request: Request) -> Result<SubmittedForm, AppError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut form = SubmittedForm::default();
    if !multipart {
        let axum::Form(fields): axum::Form<Vec<(String, String)>> =
            axum::Form::from_request(request, state)
                .await
                .map_err(|_| AppError::Invalid("Formulaire illisible.".into()))?;
        form.fields = fields;
        return Ok(form);
    }
    let mut parts = Multipart::from_request(request, state)
        .await
        .map_err(|_| unreadable())?;
    while let Some(field) = parts.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            // A file input left empty still sends an empty part.
            if !bytes.is_empty() {
                form.files.push((file_name, bytes.to_vec()));
            }
        } else {
            let value = field.text().await.map_err(|_| unreadable())?;
            form.fields.push((name, value));
        }
    }
    Ok(form)
}

fn unreadable() -> AppError {
    AppError::Invalid(
        "Envoi interrompu ou trop volumineux (5 Mo par fichier, 3 fichiers au plus).".into(),
    )
}

/// Checks every file of a form (at most [`MAX_FILES`]); the French message names the file.
pub fn parse_uploads(files: &[(String, Vec<u8>)]) -> Result<Vec<Upload>, String> {
    if files.len() > MAX_FILES {
        return Err("Trois fichiers au plus par message.".into());
    }
    files
        .iter()
        .map(|(name, bytes)| Upload::parse(name, bytes.clone()))
        .collect()
}

/// The answer that serves a stored file: PDF as a download, images and audio inline, never
/// as a page (sandboxed, no script), never cached.
pub fn serve(name: &str, media_type: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let disposition = if media_type == "application/pdf" {
        "attachment"
    } else {
        "inline"
    };
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            // A file is never a page: no script, no form, whatever it claims to be.
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Where a service keeps its files: a table of rows and a table of bytes, and the column that
/// names what they belong to (constant names, never from input). One code path stores, lists,
/// reads and deletes the files of messages, news items and events.
#[derive(Debug, Clone, Copy)]
pub struct FileTables {
    /// Rows: `id, {owner}, name, media_type, size, sha256, created_at`.
    pub files: &'static str,
    /// Bytes: `file_id, data`.
    pub data: &'static str,
    /// The owner column of `files`.
    pub owner: &'static str,
}

/// A stored file, without its bytes.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
}

impl StoredFile {
    /// "1,2 Mo".
    pub fn size_label(&self) -> String {
        size_label(self.size)
    }

    /// An image (shown in the page, not only linked).
    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image/")
    }
}

fn stored(row: &sqlx::any::AnyRow, from: usize) -> StoredFile {
    use sqlx::Row;
    StoredFile {
        id: row.get(from),
        name: row.get(from + 1),
        media_type: row.get(from + 2),
        size: row.get(from + 3),
    }
}

impl FileTables {
    /// Stores uploaded files with their owner.
    pub async fn attach(
        &self,
        conn: &mut sqlx::AnyConnection,
        owner_id: &str,
        uploads: &[Upload],
        now: i64,
    ) -> sqlx::Result<()> {
        for upload in uploads {
            let id = crate::store::new_id();
            sqlx::query(&format!(
                "INSERT INTO {} (id, {}, name, media_type, size, sha256, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                self.files, self.owner
            ))
            .bind(&id)
            .bind(owner_id)
            .bind(&upload.name)
            .bind(&upload.media_type)
            .bind(upload.bytes.len() as i64)
            .bind(&upload.sha256)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            sqlx::query(&format!(
                "INSERT INTO {} (file_id, data) VALUES ($1, $2)",
                self.data
            ))
            .bind(&id)
            .bind(upload.bytes.clone())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// The files of one owner, in the order they were attached.
    pub async fn list(
        &self,
        db: &crate::store::Db,
        owner_id: &str,
    ) -> sqlx::Result<Vec<StoredFile>> {
        let rows = sqlx::query(&format!(
            "SELECT id, name, media_type, size FROM {} WHERE {} = $1 ORDER BY created_at, id",
            self.files, self.owner
        ))
        .bind(owner_id)
        .fetch_all(db.pool())
        .await?;
        Ok(rows.iter().map(|r| stored(r, 0)).collect())
    }

    /// One file with its owner and bytes.
    pub async fn get(
        &self,
        db: &crate::store::Db,
        file_id: &str,
    ) -> sqlx::Result<Option<(String, StoredFile, Vec<u8>)>> {
        use sqlx::Row;
        let row = sqlx::query(&format!(
            "SELECT f.{}, f.id, f.name, f.media_type, f.size, d.data FROM {} f \
             JOIN {} d ON d.file_id = f.id WHERE f.id = $1",
            self.owner, self.files, self.data
        ))
        .bind(file_id)
        .fetch_optional(db.pool())
        .await?;
        Ok(row.map(|r| (r.get(0), stored(&r, 1), r.get(5))))
    }

    /// Deletes the files `file_ids` of one owner (ids of another owner are left alone);
    /// returns how many went.
    pub async fn remove(
        &self,
        conn: &mut sqlx::AnyConnection,
        owner_id: &str,
        file_ids: &[String],
    ) -> sqlx::Result<u64> {
        let mut removed = 0;
        for id in file_ids {
            // The bytes first (they reference the row), only of a file of this owner.
            sqlx::query(&format!(
                "DELETE FROM {} WHERE file_id = $1 AND file_id IN (SELECT id FROM {} WHERE {} = $2)",
                self.data, self.files, self.owner
            ))
            .bind(id)
            .bind(owner_id)
            .execute(&mut *conn)
            .await?;
            let done = sqlx::query(&format!(
                "DELETE FROM {} WHERE id = $1 AND {} = $2",
                self.files, self.owner
            ))
            .bind(id)
            .bind(owner_id)
            .execute(&mut *conn)
            .await?;
            removed += done.rows_affected();
        }
        Ok(removed)
    }

    /// Deletes the files of one owner.
    pub async fn delete(&self, conn: &mut sqlx::AnyConnection, owner_id: &str) -> sqlx::Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE file_id IN (SELECT id FROM {} WHERE {} = $1)",
            self.data, self.files, self.owner
        ))
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM {} WHERE {} = $1",
            self.files, self.owner
        ))
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// "1,2 Mo", "830 ko".
pub fn size_label(size: i64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} Mo", size as f64 / 1_048_576.0).replace('.', ",")
    } else {
        format!("{} ko", (size + 1023) / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn types_are_read_from_the_bytes() {
        let png = Upload::parse("C:\\photos\\haricots.png", PNG.to_vec()).unwrap();
        assert_eq!(png.media_type, "image/png");
        assert_eq!(png.name, "haricots.png");
        assert!(Upload::parse("script.png", b"<script>alert(1)</script>".to_vec()).is_err());
        assert!(Upload::parse("vide.pdf", Vec::new()).is_err());
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert!(Upload::parse("gros.pdf", big).unwrap_err().contains("5 Mo"));
    }
}
