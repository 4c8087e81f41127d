//! The node's side of federation: storage and effects behind `ent_federation::FederationHost`.

use ent_federation::{Applied, Delivery, FederationHost, HostError, PeerRecord, QueueInfo};

use crate::federation::receiving::{Applier, FederationSlot};
use crate::federation::store;
use crate::store::{Clock, Db};

/// Storage and domain effects for the federation layer.
#[derive(Debug, Clone)]
pub struct NodeHost {
    /// The database.
    db: Db,
    /// The node's clock.
    clock: Clock,
    /// Writes received activities (group commit).
    applier: Applier,
    /// The federation, once built (space activities relay through it).
    federation: FederationSlot,
}

impl NodeHost {
    /// The host of a node (starts the writer of received activities).
    pub fn new(db: Db, clock: Clock, config: std::sync::Arc<ent_config::NodeConfig>) -> Self {
        let federation = FederationSlot::default();
        let applier = Applier::start(db.clone(), clock.clone(), federation.clone(), config);
        Self {
            db,
            clock,
            applier,
            federation,
        }
    }

    /// Gives the host its federation (once it exists).
    pub fn bind(&self, federation: &ent_federation::Federation) {
        let _ = self
            .federation
            .set(std::sync::Arc::downgrade(federation.shared()));
    }
}

fn storage(error: sqlx::Error) -> HostError {
    HostError::Storage(error.to_string())
}

#[async_trait::async_trait]
impl FederationHost for NodeHost {
    fn now(&self) -> i64 {
        self.clock.now()
    }

    async fn apply(
        &self,
        peer: &str,
        activity: &serde_json::Value,
        body_sha256: &str,
    ) -> Result<Applied, HostError> {
        self.applier.apply(peer, activity, body_sha256).await
    }

    async fn next_delivery(&self, peer: &str) -> Result<Option<Delivery>, HostError> {
        store::next_delivery(&self.db, peer).await.map_err(storage)
    }

    async fn delivered(&self, delivery: &Delivery) -> Result<(), HostError> {
        store::delivered(&self.db, delivery, self.clock.now())
            .await
            .map_err(storage)
    }

    async fn failed(
        &self,
        delivery: &Delivery,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), HostError> {
        store::failed(&self.db, delivery, next_attempt_at, error, self.clock.now())
            .await
            .map_err(storage)
    }

    async fn rejected(&self, delivery: &Delivery, error: &str) -> Result<(), HostError> {
        let mut tx = self.db.begin_write().await.map_err(storage)?;
        store::rejected(&mut tx, delivery, error, self.clock.now())
            .await
            .map_err(storage)?;
        // A post the host will never accept must not stay "en cours d'envoi" for its author.
        if let Ok(activity) = serde_json::from_str::<serde_json::Value>(&delivery.body) {
            crate::spaces::store::refused_by_host(&mut tx, &activity)
                .await
                .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn queue(&self, peer: &str) -> Result<QueueInfo, HostError> {
        store::queue(&self.db, peer).await.map_err(storage)
    }

    async fn save_peer(&self, record: &PeerRecord) -> Result<(), HostError> {
        store::save_peer(&self.db, record).await.map_err(storage)
    }

    async fn load_peers(&self) -> Result<Vec<PeerRecord>, HostError> {
        store::load_peers(&self.db).await.map_err(storage)
    }

    /// Cancels the peer's deliveries, purges what was cached from it (notices, copies of the
    /// spaces it hosts) in one transaction; then its guests lose access at once (sessions
    /// closed; what they wrote stays, as "ancien membre").
    async fn end_link(&self, peer: &str) -> Result<u64, HostError> {
        let shared = self.federation.get().and_then(std::sync::Weak::upgrade);
        let mut tx = self.db.begin_write().await.map_err(storage)?;
        let cancelled = store::end_link(&mut tx, peer).await.map_err(storage)?;
        crate::spaces::store::end_link(&mut tx, peer)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        crate::guests::store::expire(&self.db, shared.as_deref(), Some(peer), self.clock.now())
            .await
            .map_err(storage)?;
        Ok(cancelled)
    }
}
