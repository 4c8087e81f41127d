//! The daily digest: once a day, at the first pass outside the quiet hours, each adult who chose
//! it gets one mail counting what arrived in their centre since the previous one.

use chrono::DateTime;

use crate::quiet_hours::QuietHours;
use crate::state::AppState;

/// Queues the digests whose day came; returns how many were queued.
pub async fn queue_due(state: &AppState) -> sqlx::Result<usize> {
    if !state.config.mail.enabled() {
        return Ok(0);
    }
    let now = state.clock.now();
    let quiet = QuietHours::of(&state.config.quiet_hours);
    if quiet.is_quiet(now) {
        return Ok(0);
    }
    let day = |at: i64| {
        DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&quiet.timezone()).date_naive())
    };
    let waiting: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT m.user_id, m.address, m.digest_at FROM notification_mail m JOIN users u ON u.id = m.user_id \
         WHERE m.mode = 'digest' AND m.confirmed_at > 0 AND u.active = 1 AND m.digest_at < $1",
    )
    .bind(now)
    .fetch_all(state.db.pool())
    .await?;
    let mut queued = 0;
    for (user_id, address, since) in waiting {
        if day(since) == day(now) {
            continue;
        }
        let mut tx = state.db.begin_write().await?;
        // The condition on `digest_at` makes one process only queue it.
        let taken = sqlx::query(
            "UPDATE notification_mail SET digest_at = $1 WHERE user_id = $2 AND digest_at = $3",
        )
        .bind(now)
        .bind(&user_id)
        .bind(since)
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() != 1 {
            continue;
        }
        let labels: Vec<(String, i64)> = sqlx::query_as(
            "SELECT label, COUNT(*) FROM notifications WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY label ORDER BY label",
        )
        .bind(&user_id)
        .bind(since)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        if !labels.is_empty() {
            let (subject, body) = super::compose::digest(&state.config, &user_id, &labels);
            super::outbox::queue(&mut tx, &user_id, &address, &subject, &body, now, now).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
