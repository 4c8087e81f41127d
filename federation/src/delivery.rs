//! Delivery: one ordered worker per linked peer. It sends the oldest waiting activity, one at
//! a time, and moves on only after a 2xx, so Create → Update → Delete arrive in order.
//! Network errors, 5xx, 408, 429 and 401/403/404/410 (the peer may not have enabled the link
//! yet) are retried with capped exponential backoff and jitter, until the link ends. Only an
//! answer saying the activity itself can never be accepted (400, 409, 413, 415, 422) takes it
//! out of the queue, logged and written to the audit log: retrying it would block every
//! activity behind it forever.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use url::Url;

use crate::client::read_limited;
use crate::host::Delivery;
use crate::links::LinkState;
use crate::metrics::{OutcomeLabels, peer as peer_label};
use crate::service::Shared;
use crate::signing::http_date;

/// First retry delay, seconds.
const BACKOFF_BASE_SECS: i64 = 2;
/// Longest retry delay, seconds.
pub const BACKOFF_CAP_SECS: i64 = 900;
/// The worker re-reads the queue at least this often (the clock may be moved in tests, and
/// due times are in node-clock seconds).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Delay before attempt `attempts + 1`: 2, 4, 8 … seconds up to 15 minutes, plus up to 25 %
/// jitter so that peers recovering together are not hit in lockstep.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    let delay = BACKOFF_BASE_SECS
        .saturating_mul(1_i64 << exp)
        .min(BACKOFF_CAP_SECS);
    delay + rand::thread_rng().gen_range(0..=delay / 4)
}

/// Spawns the worker of `peer`; it ends with the link (removed from the configuration) or at
/// shutdown. A delivery in flight at shutdown is simply sent again after restart: receivers
/// drop replays by activity id.
pub fn spawn(shared: Arc<Shared>, peer: String, shutdown: watch::Receiver<bool>) {
    tokio::spawn(run(shared, peer, shutdown));
}

async fn run(shared: Arc<Shared>, peer: String, mut shutdown: watch::Receiver<bool>) {
    let waker = shared.delivery_waker(&peer);
    let mut last_warning = 0_i64;
    let mut last_published: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(link) = shared.links.configured(&peer) else {
            return;
        };
        let sendable = link.config.in_force_on(shared.today())
            && !matches!(link.state, LinkState::Refused(_) | LinkState::Expired);
        let mut wait = IDLE_POLL;
        if sendable {
            match shared.host.next_delivery(&peer).await {
                Ok(Some(delivery)) => {
                    let now = shared.host.now();
                    if delivery.next_attempt_at <= now {
                        attempt(&shared, &delivery, &mut last_warning).await;
                        wait = Duration::ZERO;
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::error!(%error, peer, "federation: outbox unreadable"),
            }
        }
        // Queue metrics cost a query: at most once a second while busy.
        if last_published.is_none_or(|at| at.elapsed() >= IDLE_POLL) || !wait.is_zero() {
            publish_queue(&shared, &peer).await;
            last_published = Some(std::time::Instant::now());
        }
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            () = waker.notified() => {},
            () = tokio::time::sleep(wait) => {},
            _ = shutdown.changed() => {},
        }
    }
}

/// Sends one delivery and records the outcome.
async fn attempt(shared: &Shared, delivery: &Delivery, last_warning: &mut i64) {
    let peer = &delivery.peer;
    let outcome = send(shared, delivery).await;
    let label = |outcome: &str| OutcomeLabels {
        peer: peer.clone(),
        outcome: outcome.into(),
    };
    match outcome {
        Err(Failure::Rejected(error)) => {
            tracing::warn!(
                peer,
                activity = delivery.activity_id,
                error,
                "federation: activity rejected by the peer for good"
            );
            shared
                .metrics
                .deliveries
                .get_or_create(&label("rejected"))
                .inc();
            if let Err(error) = shared.host.rejected(delivery, &error).await {
                tracing::error!(%error, peer, "federation: rejection not recorded");
            }
        }
        Ok(()) => {
            if let Err(error) = shared.host.delivered(delivery).await {
                tracing::error!(%error, peer, "federation: delivery not recorded");
                return;
            }
            shared.metrics.deliveries.get_or_create(&label("ok")).inc();
            shared
                .metrics
                .last_success
                .get_or_create(&peer_label(peer))
                .set(shared.host.now());
        }
        Err(Failure::Retry(error)) => {
            let now = shared.host.now();
            let next = now + backoff_secs(delivery.attempts);
            shared
                .metrics
                .deliveries
                .get_or_create(&label("failed"))
                .inc();
            tracing::debug!(
                peer,
                activity = delivery.activity_id,
                error,
                "federation: delivery failed"
            );
            if let Err(error) = shared.host.failed(delivery, next, &error).await {
                tracing::error!(%error, peer, "federation: failure not recorded");
            }
            warn_if_failing_long(shared, peer, now, last_warning).await;
        }
    }
}

/// Why a delivery did not succeed.
enum Failure {
    /// Try again later.
    Retry(String),
    /// The peer will never accept this activity.
    Rejected(String),
}

/// Answers meaning "this activity can never be accepted", as opposed to "not now".
fn is_permanent(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 409 | 413 | 415 | 422)
}

/// Signs and POSTs one activity; Ok only on a 2xx.
async fn send(shared: &Shared, delivery: &Delivery) -> Result<(), Failure> {
    let retry = |e: String| Failure::Retry(e);
    let url = Url::parse(&delivery.inbox_url).map_err(|e| Failure::Rejected(e.to_string()))?;
    let body = delivery.body.as_bytes();
    let date = http_date(shared.host.now());
    let headers = shared
        .signer
        .signed_headers("post", &url, &date, Some(body))
        .map_err(|e| retry(e.to_string()))?;
    let mut request = shared.client.post(url).body(delivery.body.clone());
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request
        .send()
        .await
        .map_err(|e| retry(crate::fetch::error_chain(&e)))?;
    let status = response.status();
    // Read (a bounded part of) the answer so the connection can be reused.
    let answer = read_limited(response, 4096).await.unwrap_or_default();
    if status.is_success() {
        return Ok(());
    }
    let error = format!(
        "réponse {status} : {}",
        String::from_utf8_lossy(&answer)
            .chars()
            .take(200)
            .collect::<String>()
    );
    Err(if is_permanent(status) {
        Failure::Rejected(error)
    } else {
        Failure::Retry(error)
    })
}

/// Logs a warning when the peer has been failing for longer than the configured time (at most
/// every ten minutes per peer).
async fn warn_if_failing_long(shared: &Shared, peer: &str, now: i64, last_warning: &mut i64) {
    let since = shared
        .host
        .load_peers()
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|r| r.domain == peer))
        .map_or(0, |r| r.failing_since);
    if should_warn(
        since,
        now,
        shared.settings.failing_warning_secs,
        *last_warning,
    ) {
        *last_warning = now;
        tracing::warn!(
            peer,
            failing_for_secs = now - since,
            "federation: peer has been failing for too long"
        );
    }
}

/// Whether to warn now: failing (since `since`, 0 when not) for longer than `threshold`, and
/// not warned in the last ten minutes.
fn should_warn(since: i64, now: i64, threshold: i64, last_warning: i64) -> bool {
    since > 0 && now - since > threshold && now - last_warning >= 600
}

/// Publishes the queue depth and the age of its oldest entry.
async fn publish_queue(shared: &Shared, peer: &str) {
    if let Ok(queue) = shared.host.queue(peer).await {
        let label = peer_label(peer);
        shared
            .metrics
            .queue_depth
            .get_or_create(&label)
            .set(queue.depth);
        let age = queue
            .oldest_created_at
            .map_or(0, |created| shared.host.now() - created);
        shared
            .metrics
            .oldest_pending_seconds
            .get_or_create(&label)
            .set(age);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_about_the_activity_itself_are_permanent() {
        for code in [400, 409, 413, 415, 422] {
            assert!(is_permanent(reqwest::StatusCode::from_u16(code).unwrap()));
        }
        for code in [401, 403, 404, 408, 410, 429, 500, 502, 503] {
            assert!(
                !is_permanent(reqwest::StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
    }

    #[test]
    fn a_long_failing_peer_is_warned_about_every_ten_minutes() {
        let hour = 3600;
        assert!(!should_warn(0, 10 * hour, hour, 0), "not failing");
        assert!(
            !should_warn(1000, 1000 + hour, hour, 0),
            "not long enough yet"
        );
        assert!(should_warn(1000, 1001 + hour, hour, 0));
        assert!(!should_warn(1000, 1001 + hour, hour, 1001 + hour - 599));
        assert!(should_warn(1000, 1001 + hour, hour, 1001 + hour - 600));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(
            backoff_secs(0),
            2,
            "2 s, and a quarter of 2 s rounds to no jitter"
        );
        assert!((16..=20).contains(&backoff_secs(3)));
        for attempts in [10, 30, 1000] {
            let delay = backoff_secs(attempts);
            assert!((BACKOFF_CAP_SECS..=BACKOFF_CAP_SECS * 5 / 4).contains(&delay));
        }
    }
}
