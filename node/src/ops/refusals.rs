//! Refusals of anonymous requests (a bogus home node on "Se connecter avec mon ENT", a token
//! that does not verify): counted in the metrics by reason rather than written one journal row
//! each (anyone could fill the journal), and throttled per client address.
//!
//! The counts live in the database (`anonymous_refusals`, one row per address and window), so
//! that several node processes on one PostgreSQL share them: the limit is per address for the
//! whole node, not per process. Each refusal is one atomic upsert; the check before the work is
//! one read. Requests in flight at once may pass the limit by their number, never more.

use std::net::IpAddr;

use crate::store::Db;

/// Refusals allowed per address within the window before its requests are answered 429.
pub const PER_ADDRESS: u32 = 30;
/// Length of the window, seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

/// Whether `address` already had too many refusals in its window.
pub async fn throttled(db: &Db, address: &str, now: i64) -> Result<bool, sqlx::Error> {
    let refusals: Option<i64> = sqlx::query_scalar(
        "SELECT refusals FROM anonymous_refusals WHERE address = $1 AND window_start > $2",
    )
    .bind(key(address))
    .bind(now - WINDOW_SECS)
    .fetch_optional(db.pool())
    .await?;
    Ok(refusals.is_some_and(|n| n >= i64::from(PER_ADDRESS)))
}

/// Counts one refusal of `address` (a window over starts again at one), and forgets the
/// addresses whose window is over.
pub async fn record(db: &Db, address: &str, now: i64) -> Result<(), sqlx::Error> {
    let since = now - WINDOW_SECS;
    let mut tx = db.begin_write().await?;
    // One statement: concurrent refusals of one address (from any process) all count.
    sqlx::query(
        "INSERT INTO anonymous_refusals (address, window_start, refusals) VALUES ($1, $2, 1) \
         ON CONFLICT (address) DO UPDATE SET \
         refusals = CASE WHEN anonymous_refusals.window_start > $3 \
             THEN anonymous_refusals.refusals + 1 ELSE 1 END, \
         window_start = CASE WHEN anonymous_refusals.window_start > $3 \
             THEN anonymous_refusals.window_start ELSE $2 END",
    )
    .bind(key(address))
    .bind(now)
    .bind(since)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM anonymous_refusals WHERE window_start <= $1")
        .bind(since)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// What is counted: an IPv4 address, or the /64 of an IPv6 one (one subscriber gets a whole
/// /64 and could rotate through it).
fn key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        Ok(v4) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(key("2001:db8:1:2::5"), key("2001:db8:1:2:ffff::1"));
        assert_ne!(key("2001:db8:1:2::5"), key("2001:db8:1:3::5"));
        assert_eq!(key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(key("192.0.2.1"), "192.0.2.1");
    }
}
