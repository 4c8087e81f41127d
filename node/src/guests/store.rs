//! Guest accounts: a remote actor admitted on this node through a link (counted against the
//! link's `guest_quota`), or a local guest made by hand. Either is confined to the spaces it
//! was admitted to: it holds no school membership, so the policy grants it nothing else.

use sqlx::{AnyConnection, Row};

use crate::store::Db;
use crate::users::{self, NewUser};

/// Why a guest could not be admitted.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The link's quota is used up.
    #[error("le quota d'invités du lien avec {peer} est atteint ({quota} comptes)")]
    QuotaReached {
        /// The peer.
        peer: String,
        /// Its quota.
        quota: u32,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
}

/// A guest account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Guest {
    /// The user.
    pub user_id: String,
    /// "Léa M."
    pub display_name: String,
    /// Sign-in identifier on this node (used by local guests).
    pub identifier: String,
    /// The link it came through, '' for a local guest.
    pub peer: String,
    /// The remote Person actor, for guests of a link.
    pub remote_actor: Option<String>,
    /// End of validity (Unix seconds).
    pub expires_at: i64,
    /// When it expired (0 while valid).
    pub expired_at: i64,
    /// Who created it (local guests).
    pub created_by: Option<String>,
    /// The school it belongs to: its creator's (local guests; none when the operator made it).
    pub school_id: Option<String>,
}

/// Guests of `peer` still valid (what counts against its quota).
pub async fn active_count(conn: &mut AnyConnection, peer: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM guests WHERE peer = $1 AND expired_at = 0")
        .bind(peer)
        .fetch_one(conn)
        .await
}

/// The guest account bound to `remote_actor`, created when there is none (or reactivated
/// when it had expired), within `quota` guests for `peer`. In the caller's transaction, so a
/// refused admission leaves nothing behind.
pub async fn ensure_remote(
    conn: &mut AnyConnection,
    peer: &str,
    remote_actor: &str,
    display_name: &str,
    quota: u32,
    expires_at: i64,
    now: i64,
) -> Result<String, GuestError> {
    let existing = sqlx::query("SELECT user_id, expired_at FROM guests WHERE remote_actor = $1")
        .bind(remote_actor)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = &existing {
        let (user_id, expired_at): (String, i64) = (row.get(0), row.get(1));
        if expired_at == 0 {
            return Ok(user_id);
        }
    }
    if active_count(conn, peer).await? >= i64::from(quota) {
        return Err(GuestError::QuotaReached {
            peer: peer.to_owned(),
            quota,
        });
    }
    if let Some(row) = existing {
        let user_id: String = row.get(0);
        sqlx::query("UPDATE guests SET expired_at = 0, expires_at = $2 WHERE user_id = $1")
            .bind(&user_id)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        users::store::set_active(conn, &user_id, true, now).await?;
        return Ok(user_id);
    }
    let (first, last) = split_display_name(display_name);
    let (user_id, _) = users::store::create(
        conn,
        &NewUser {
            first_name: first,
            last_name: last,
            ..Default::default()
        },
        now,
    )
    .await?;
    sqlx::query(
        "INSERT INTO guests (user_id, peer, remote_actor, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user_id)
    .bind(peer)
    .bind(remote_actor)
    .bind(expires_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(user_id)
}

/// "Léa M." → ("Léa", "M."): guests are only ever known by their display name.
fn split_display_name(name: &str) -> (String, String) {
    match name.trim().rsplit_once(' ') {
        Some((first, last)) => (first.to_owned(), last.to_owned()),
        None => (name.trim().to_owned(), String::new()),
    }
}

/// The guest account of `user_id`, if it is one.
pub async fn of_user(db: &Db, user_id: &str) -> sqlx::Result<Option<Guest>> {
    let row = sqlx::query(&format!("{SELECT} WHERE g.user_id = $1"))
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(guest))
}

/// The guest account bound to `remote_actor`, if any.
pub async fn by_remote_actor(db: &Db, remote_actor: &str) -> sqlx::Result<Option<Guest>> {
    let row = sqlx::query(&format!("{SELECT} WHERE g.remote_actor = $1"))
        .bind(remote_actor)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(guest))
}

/// Local guests `user_id` created.
pub async fn created_by(db: &Db, user_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM guests WHERE created_by = $1")
        .bind(user_id)
        .fetch_all(db.pool())
        .await
}

/// Local guests still valid (those a space owner may add, as the policy lets them see them).
pub async fn local_valid(db: &Db) -> sqlx::Result<Vec<Guest>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE g.peer = '' AND g.expired_at = 0 AND u.active = 1 ORDER BY u.last_name, u.first_name"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(guest).collect())
}

/// Deletes a local guest made by mistake: it leaves its spaces (announced where hosted here)
/// and the account goes with its codes and sessions; the journal keeps the line. Remote guests
/// are not deleted here (they come and go with their link).
pub async fn delete_local(
    conn: &mut AnyConnection,
    relay: &mut crate::spaces::relay::Relay<'_>,
    user_id: &str,
) -> sqlx::Result<()> {
    crate::spaces::service::remove_everywhere(conn, relay, user_id).await?;
    for table in ["activation_codes", "sessions", "group_members", "guests"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every guest, of `peer` when given.
pub async fn list(db: &Db, peer: Option<&str>) -> sqlx::Result<Vec<Guest>> {
    let rows = match peer {
        Some(peer) => {
            sqlx::query(&format!("{SELECT} WHERE g.peer = $1 ORDER BY g.created_at"))
                .bind(peer)
                .fetch_all(db.pool())
                .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} ORDER BY g.peer, g.created_at"))
                .fetch_all(db.pool())
                .await?
        }
    };
    Ok(rows.iter().map(guest).collect())
}

const SELECT: &str = "SELECT g.user_id, u.first_name, u.last_name, g.peer, g.remote_actor, \
    g.expires_at, g.expired_at, u.identifier, g.created_by, g.school_id \
    FROM guests g JOIN users u ON u.id = g.user_id";

fn guest(row: &sqlx::any::AnyRow) -> Guest {
    let first: String = row.get(1);
    let last: String = row.get(2);
    Guest {
        user_id: row.get(0),
        display_name: format!("{first} {last}").trim().to_owned(),
        identifier: row.get(7),
        peer: row.get(3),
        remote_actor: row.get(4),
        expires_at: row.get(5),
        expired_at: row.get(6),
        created_by: row.get(8),
        school_id: row.get(9),
    }
}

/// Expires guests of `peer` (its link ended), or every guest past its date when `peer` is
/// `None` (the daily job): the account is deactivated (sessions closed) and leaves its spaces;
/// what it wrote stays, shown as "ancien membre". Returns how many expired.
///
/// With the federation at hand, a guest's leaving a space hosted here is announced to the
/// space's other member nodes, as any removal is.
pub async fn expire(
    db: &Db,
    shared: Option<&ent_federation::service::Shared>,
    peer: Option<&str>,
    now: i64,
) -> sqlx::Result<u64> {
    let mut tx = db.begin_write().await?;
    let mut relay = crate::spaces::relay::Relay::new(shared, now);
    let ids: Vec<String> = match peer {
        Some(peer) => {
            sqlx::query_scalar("SELECT user_id FROM guests WHERE peer = $1 AND expired_at = 0")
                .bind(peer)
                .fetch_all(&mut *tx)
                .await?
        }
        None => {
            sqlx::query_scalar(
                "SELECT user_id FROM guests WHERE expired_at = 0 AND expires_at <= $1",
            )
            .bind(now)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    for id in &ids {
        sqlx::query("UPDATE guests SET expired_at = $2 WHERE user_id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        crate::spaces::service::remove_everywhere(&mut tx, &mut relay, id).await?;
        users::store::set_active(&mut tx, id, false, now).await?;
        users::store::audit(&mut tx, now, None, "guest.expired", id, peer.unwrap_or("")).await?;
    }
    tx.commit().await?;
    relay.wake();
    Ok(ids.len() as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn display_names_split_at_the_last_space() {
        assert_eq!(
            super::split_display_name("Jean Paul D."),
            ("Jean Paul".into(), "D.".into())
        );
        assert_eq!(super::split_display_name("Léa"), ("Léa".into(), "".into()));
    }
}
