//! How many guest accounts a link needs against its quota (`ent-admin guests estimate`).
//!
//! `needed = in use + planned`, where
//! - *in use* is the link's guests still valid (what counts against the quota now);
//! - *planned* is the headcount of our open or accepted invitations to that link's classes,
//!   minus the link's guests already admitted to the spaces of those invitations (at least 0).

use serde::Serialize;

use crate::store::Db;

/// One link's estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// The peer's domain.
    pub peer: String,
    /// The link's `guest_quota`.
    pub quota: i64,
    /// Guests of the link still valid.
    pub in_use: i64,
    /// Headcount of open or accepted invitations sent to the link.
    pub invited_headcount: i64,
    /// Of those, guests already admitted to the invitations' spaces.
    pub admitted: i64,
    /// Guests still to come from those invitations.
    pub planned: i64,
    /// `in_use + planned`.
    pub needed: i64,
}

impl Estimate {
    /// Computes `planned` and `needed` from the counts.
    pub fn new(peer: &str, quota: i64, in_use: i64, invited_headcount: i64, admitted: i64) -> Self {
        let planned = (invited_headcount - admitted).max(0);
        Self {
            peer: peer.to_owned(),
            quota,
            in_use,
            invited_headcount,
            admitted,
            planned,
            needed: in_use + planned,
        }
    }

    /// How many accounts the quota lacks (0 when it fits).
    pub fn over_by(&self) -> i64 {
        (self.needed - self.quota).max(0)
    }

    /// Whether the quota covers what is needed.
    pub fn fits(&self) -> bool {
        self.over_by() == 0
    }
}

/// Reads the counts of `peer` and estimates its needs against `quota`.
pub async fn estimate(db: &Db, peer: &str, quota: u32) -> sqlx::Result<Estimate> {
    let mut conn = db.pool().acquire().await?;
    let in_use = super::store::active_count(&mut conn, peer).await?;
    let invited: i64 = sqlx::query_scalar(
        // PostgreSQL sums BIGINT as NUMERIC, which the Any driver cannot read: cast back.
        "SELECT CAST(COALESCE(SUM(headcount), 0) AS BIGINT) FROM space_invitations \
         WHERE peer = $1 AND direction = 'out' AND state IN ('open', 'accepted')",
    )
    .bind(peer)
    .fetch_one(&mut *conn)
    .await?;
    let admitted: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT m.user_id) FROM space_members m \
         JOIN guests g ON g.user_id = m.user_id \
         WHERE g.peer = $1 AND g.expired_at = 0 AND m.state = 'active' AND m.space_id IN \
         (SELECT space_id FROM space_invitations \
          WHERE peer = $1 AND direction = 'out' AND state IN ('open', 'accepted'))",
    )
    .bind(peer)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Estimate::new(
        peer,
        i64::from(quota),
        in_use,
        invited,
        admitted,
    ))
}

#[cfg(test)]
mod tests {
    use super::Estimate;

    #[test]
    fn needs_are_guests_in_use_plus_invited_not_yet_admitted() {
        let e = Estimate::new("b.test", 30, 10, 24, 4);
        assert_eq!((e.planned, e.needed, e.over_by()), (20, 30, 0));
        assert!(e.fits());
        let over = Estimate::new("b.test", 30, 10, 26, 4);
        assert_eq!((over.needed, over.over_by()), (32, 2));
        assert!(!over.fits());
        // More admitted than announced (late arrivals): nothing planned, never negative.
        assert_eq!(Estimate::new("b.test", 5, 3, 2, 3).planned, 0);
    }
}
