//! The conventions in force, stored: one row per académie and identifier.

use ent_config::convention::Document;
use sqlx::{AnyConnection, Row};

use crate::store::Db;

/// A stored convention: its version in force and the signed text.
pub(super) struct Stored {
    /// The version in force.
    pub version: i64,
    /// The signed document, as imported.
    pub document: String,
}

/// The convention `academie`/`id` in force, if any.
pub(super) async fn stored(
    conn: &mut AnyConnection,
    academie: &str,
    id: &str,
) -> sqlx::Result<Option<Stored>> {
    let row = sqlx::query(
        "SELECT version, document FROM federation_conventions WHERE academie = $1 AND convention = $2",
    )
    .bind(academie)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Stored {
        version: r.get(0),
        document: r.get(1),
    }))
}

/// Records `document` (signed `text`) as the version in force of its convention.
pub(super) async fn put(
    conn: &mut AnyConnection,
    document: &Document,
    text: &str,
    now: i64,
) -> sqlx::Result<()> {
    let key = document.signature.as_ref().map(|s| s.key.clone());
    sqlx::query(
        "INSERT INTO federation_conventions (academie, convention, version, signer_key, document, applied_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (academie, convention) DO UPDATE SET \
         version = excluded.version, signer_key = excluded.signer_key, document = excluded.document, \
         applied_at = excluded.applied_at",
    )
    .bind(&document.academie)
    .bind(&document.convention)
    .bind(i64::try_from(document.version).unwrap_or(i64::MAX))
    .bind(key.unwrap_or_default())
    .bind(text)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every stored convention's text, in a fixed order (académie, identifier).
pub(super) async fn all(db: &Db) -> sqlx::Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT document FROM federation_conventions ORDER BY academie, convention")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().map(|r| r.get(0)).collect())
}
