//! What the node plugs into the federation layer: its clock, its storage of the outbox and of
//! received activities, and the effects of activities on its domain.

use async_trait::async_trait;
use serde::Serialize;

/// A stored delivery: one activity for one peer, kept until delivered or the link ends.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Row id (UUIDv7: the order of the queue).
    pub id: String,
    /// The peer's domain.
    pub peer: String,
    /// The activity's id.
    pub activity_id: String,
    /// Where it goes.
    pub inbox_url: String,
    /// The activity, JSON, exactly as signed and sent.
    pub body: String,
    /// When it was queued (node clock).
    pub created_at: i64,
    /// Failed attempts so far.
    pub attempts: i64,
    /// Not before this time (node clock).
    pub next_attempt_at: i64,
}

/// A peer's queue, for metrics and `links list`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueInfo {
    /// Deliveries waiting.
    pub depth: i64,
    /// Creation time of the oldest waiting delivery, if any.
    pub oldest_created_at: Option<i64>,
}

/// What is stored of a peer across restarts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerRecord {
    /// The peer's domain.
    pub domain: String,
    /// Its node key, pinned after a fingerprint match.
    pub public_key_pem: Option<String>,
    /// `pending`, `active`, `expired` or `refused`.
    pub state: String,
    /// Why it is not active.
    pub reason: String,
    /// Last check.
    pub checked_at: i64,
    /// Last delivery that succeeded.
    pub last_success_at: i64,
    /// Since when deliveries fail (0 when they do not).
    pub failing_since: i64,
    /// Deliveries that succeeded.
    pub delivered_count: i64,
    /// Attempts that failed.
    pub failed_count: i64,
}

/// The outcome of applying a received activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// First time: the effect is applied and the id recorded, in one transaction.
    New,
    /// Seen before with the same body: nothing changed.
    Duplicate,
    /// Seen before with another body: refused.
    Conflict,
}

/// What a host could not do.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The activity is well-formed but its effect is refused (unknown object, not the author…).
    #[error("refusée : {0}")]
    Refused(String),
    /// Storage failed.
    #[error("stockage : {0}")]
    Storage(String),
}

/// The node side of federation.
#[async_trait]
pub trait FederationHost: Send + Sync + 'static {
    /// Now, in seconds since the epoch (the node's clock, shiftable in tests).
    fn now(&self) -> i64;

    /// Applies a verified activity from `peer`: records its id and applies its effect in one
    /// database transaction.
    async fn apply(
        &self,
        peer: &str,
        activity: &serde_json::Value,
        body_sha256: &str,
    ) -> Result<Applied, HostError>;

    /// The oldest waiting delivery for `peer`.
    async fn next_delivery(&self, peer: &str) -> Result<Option<Delivery>, HostError>;

    /// Removes a delivered row and advances the peer's cursor and counters.
    async fn delivered(&self, delivery: &Delivery) -> Result<(), HostError>;

    /// Records a failed attempt and when to try again.
    async fn failed(
        &self,
        delivery: &Delivery,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), HostError>;

    /// The peer refused a delivery for good (malformed for it: 400, 409, 413, 415, 422):
    /// removes it from the queue so the ones behind it can go, and records the refusal where
    /// the operator sees it (audit log).
    async fn rejected(&self, delivery: &Delivery, error: &str) -> Result<(), HostError>;

    /// The queue of `peer`.
    async fn queue(&self, peer: &str) -> Result<QueueInfo, HostError>;

    /// Saves a peer's key, state and reason (counters are kept).
    async fn save_peer(&self, record: &PeerRecord) -> Result<(), HostError>;

    /// Every stored peer.
    async fn load_peers(&self) -> Result<Vec<PeerRecord>, HostError>;

    /// The link with `peer` ended: cancels its queued deliveries and purges what was cached
    /// from it. Returns the number of cancelled deliveries.
    async fn end_link(&self, peer: &str) -> Result<u64, HostError>;
}
