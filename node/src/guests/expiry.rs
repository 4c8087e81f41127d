//! The daily expiry of guests: once when the node starts (before it serves), then every 24
//! hours until shutdown. Guests whose date has passed are expired by the node's clock.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use crate::store::{Clock, Db};

/// Time between two passes.
const PERIOD: Duration = Duration::from_secs(24 * 3600);

/// One pass: expires every guest past its date; failures are logged, never fatal.
pub async fn run_once(db: &Db, clock: &Clock, federation: Option<&ent_federation::Federation>) {
    match super::store::expire(
        db,
        federation.map(|f| f.shared().as_ref()),
        None,
        clock.now(),
    )
    .await
    {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "guests: accounts expired"),
        Err(error) => tracing::error!(%error, "guests: expiry failed"),
    }
}

/// Runs a first pass now, then spawns the daily job; it stops when `shutdown` turns true or
/// its sender is dropped.
pub async fn start(
    db: Db,
    clock: Clock,
    federation: Option<ent_federation::Federation>,
    mut shutdown: watch::Receiver<bool>,
) {
    run_once(&db, &clock, federation.as_ref()).await;
    tokio::spawn(async move {
        let mut daily = tokio::time::interval_at(Instant::now() + PERIOD, PERIOD);
        daily.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = daily.tick() => run_once(&db, &clock, federation.as_ref()).await,
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
            }
        }
    });
}
