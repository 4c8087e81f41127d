//! Federation queries: the outbox, received activity ids and peers' records.

use ent_federation::{Delivery, PeerRecord, QueueInfo};
use sqlx::{Any, Row, Transaction};

use crate::store::{Db, new_id};

/// Queues `body` (an activity) for `peer`, inside the caller's transaction: the activity is
/// sent if and only if the change that caused it is committed.
pub async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    peer: &str,
    activity_id: &str,
    inbox_url: &str,
    body: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO federation_deliveries (id, peer, activity_id, inbox_url, body, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(new_id())
    .bind(peer)
    .bind(activity_id)
    .bind(inbox_url)
    .bind(body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The oldest waiting delivery of `peer`.
pub async fn next_delivery(db: &Db, peer: &str) -> sqlx::Result<Option<Delivery>> {
    let row = sqlx::query(
        "SELECT id, peer, activity_id, inbox_url, body, created_at, attempts, next_attempt_at \
         FROM federation_deliveries WHERE peer = $1 ORDER BY id LIMIT 1",
    )
    .bind(peer)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| Delivery {
        id: r.get(0),
        peer: r.get(1),
        activity_id: r.get(2),
        inbox_url: r.get(3),
        body: r.get(4),
        created_at: r.get(5),
        attempts: r.get(6),
        next_attempt_at: r.get(7),
    }))
}

/// Makes sure `peer` has a row (counters are updated in place).
async fn ensure_peer(tx: &mut Transaction<'_, Any>, peer: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO federation_peers (domain, state) VALUES ($1, 'pending') ON CONFLICT (domain) DO NOTHING",
    )
    .bind(peer)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a delivered row and saves the peer's cursor, in one transaction.
pub async fn delivered(db: &Db, delivery: &Delivery, now: i64) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM federation_deliveries WHERE id = $1")
        .bind(&delivery.id)
        .execute(&mut *tx)
        .await?;
    ensure_peer(&mut tx, &delivery.peer).await?;
    sqlx::query(
        "UPDATE federation_peers SET cursor = $2, last_success_at = $3, failing_since = 0, \
         delivered_count = delivered_count + 1 WHERE domain = $1",
    )
    .bind(&delivery.peer)
    .bind(&delivery.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Records a failed attempt.
pub async fn failed(
    db: &Db,
    delivery: &Delivery,
    next_attempt_at: i64,
    error: &str,
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE federation_deliveries SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 \
         WHERE id = $1",
    )
    .bind(&delivery.id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(&mut *tx)
    .await?;
    ensure_peer(&mut tx, &delivery.peer).await?;
    sqlx::query(
        "UPDATE federation_peers SET failed_count = failed_count + 1, \
         failing_since = CASE WHEN failing_since = 0 THEN $2 ELSE failing_since END WHERE domain = $1",
    )
    .bind(&delivery.peer)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Takes a delivery the peer refused for good out of the queue, and records it in the audit
/// log (action `federation.rejected`, target the peer, detail the activity and the answer), in
/// the caller's transaction.
pub async fn rejected(
    tx: &mut Transaction<'_, Any>,
    delivery: &Delivery,
    error: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM federation_deliveries WHERE id = $1")
        .bind(&delivery.id)
        .execute(&mut **tx)
        .await?;
    let detail = format!("{} : {error}", delivery.activity_id);
    crate::users::store::audit(
        &mut *tx,
        now,
        None,
        "federation.rejected",
        &delivery.peer,
        &detail,
    )
    .await
}

/// The queue of `peer`.
pub async fn queue(db: &Db, peer: &str) -> sqlx::Result<QueueInfo> {
    let row =
        sqlx::query("SELECT COUNT(*), MIN(created_at) FROM federation_deliveries WHERE peer = $1")
            .bind(peer)
            .fetch_one(db.pool())
            .await?;
    Ok(QueueInfo {
        depth: row.get(0),
        oldest_created_at: row.get(1),
    })
}

/// Saves a peer's key, state and reason (counters kept).
pub async fn save_peer(db: &Db, record: &PeerRecord) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    ensure_peer(&mut tx, &record.domain).await?;
    sqlx::query(
        "UPDATE federation_peers SET public_key_pem = COALESCE($2, public_key_pem), state = $3, \
         reason = $4, checked_at = $5 WHERE domain = $1",
    )
    .bind(&record.domain)
    .bind(&record.public_key_pem)
    .bind(&record.state)
    .bind(&record.reason)
    .bind(record.checked_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Every stored peer.
pub async fn load_peers(db: &Db) -> sqlx::Result<Vec<PeerRecord>> {
    let rows = sqlx::query(
        "SELECT domain, public_key_pem, state, reason, checked_at, last_success_at, failing_since, \
         delivered_count, failed_count FROM federation_peers ORDER BY domain",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PeerRecord {
            domain: r.get(0),
            public_key_pem: r.get(1),
            state: r.get(2),
            reason: r.get(3),
            checked_at: r.get(4),
            last_success_at: r.get(5),
            failing_since: r.get(6),
            delivered_count: r.get(7),
            failed_count: r.get(8),
        })
        .collect())
}

/// Cancels `peer`'s deliveries, purges its notices and forgets it, in the caller's
/// transaction. Returns the number of cancelled deliveries.
pub async fn end_link(tx: &mut Transaction<'_, Any>, peer: &str) -> sqlx::Result<u64> {
    let cancelled = sqlx::query("DELETE FROM federation_deliveries WHERE peer = $1")
        .bind(peer)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM federation_notices WHERE peer = $1")
        .bind(peer)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM federation_peers WHERE domain = $1")
        .bind(peer)
        .execute(&mut **tx)
        .await?;
    Ok(cancelled)
}

/// Records received activity ids `(id, peer, body_sha256)` in one statement, in the effects'
/// transaction; returns the ids that were new.
pub async fn record_received_batch(
    tx: &mut Transaction<'_, Any>,
    received: &[(&str, &str, &str)],
    now: i64,
) -> sqlx::Result<std::collections::HashSet<String>> {
    if received.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<String> = (0..received.len())
        .map(|i| format!("(${}, ${}, ${}, $1)", 3 * i + 2, 3 * i + 3, 3 * i + 4))
        .collect();
    let sql = format!(
        "INSERT INTO federation_received (activity_id, peer, body_sha256, received_at) VALUES {} \
         ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id",
        rows.join(", ")
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql).bind(now);
    for (id, peer, sha) in received {
        query = query.bind(*id).bind(*peer).bind(*sha);
    }
    Ok(query.fetch_all(&mut **tx).await?.into_iter().collect())
}

/// The body hashes stored for `ids` (already received activities).
pub async fn received_hashes(
    tx: &mut Transaction<'_, Any>,
    ids: &[&str],
) -> sqlx::Result<std::collections::HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT activity_id, body_sha256 FROM federation_received WHERE activity_id IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, String)>(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(&mut **tx).await?.into_iter().collect())
}
