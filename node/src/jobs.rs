//! Background passes that run every so often until the node stops (held messages, agenda
//! notices…): one loop for all, so that each service only says what one pass does.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Spawns `pass` every `period` (the first at once) until `shutdown` turns true or its sender
/// is dropped; a slow pass delays the next rather than piling them up.
pub fn every<F, Fut>(period: Duration, mut shutdown: watch::Receiver<bool>, pass: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => pass().await,
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
            }
        }
    });
}
