//! The node's side of federation: storage and effects behind `ent_federation::FederationHost`.

use ent_federation::{Applied, Delivery, FederationHost, HostError, PeerRecord, QueueInfo};

use crate::federation::{notices, store};
use crate::store::{Clock, Db};

/// Storage and domain effects for the federation layer.
#[derive(Debug, Clone)]
pub struct NodeHost {
    /// The database.
    pub db: Db,
    /// The node's clock.
    pub clock: Clock,
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
        let activity_id = activity["id"].as_str().unwrap_or_default();
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(storage)?;
        match store::record_received(&mut tx, activity_id, peer, body_sha256, now)
            .await
            .map_err(storage)?
        {
            Some(true) => return Ok(Applied::Duplicate),
            Some(false) => return Ok(Applied::Conflict),
            None => {}
        }
        // The effect and the id commit together: a crash between them cannot apply twice.
        notices::apply(&mut tx, peer, peer, activity, now).await?;
        tx.commit().await.map_err(storage)?;
        Ok(Applied::New)
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
        store::rejected(&self.db, delivery, error, self.clock.now())
            .await
            .map_err(storage)
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

    async fn end_link(&self, peer: &str) -> Result<u64, HostError> {
        store::end_link(&self.db, peer).await.map_err(storage)
    }
}
