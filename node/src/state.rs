//! The application state: what every handler may need, passed explicitly (no global state).
//! At the bottom of the crate with the domain types: it imports no feature, so that features
//! and the router assembly above can all import it.

use std::sync::Arc;

use ent_config::NodeConfig;

use crate::keys::JwtKeys;
use crate::ops::metrics::Metrics;
use crate::store::{Clock, Db};

/// Everything a handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The validated configuration.
    pub config: Arc<NodeConfig>,
    /// "Now", shiftable in tests.
    pub clock: Clock,
    /// Keys signing API bearer tokens.
    pub jwt: Arc<JwtKeys>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Federation with linked nodes; `None` when no link is configured (federation off).
    pub federation: Option<ent_federation::Federation>,
    /// Slots for password hashing (`accounts.max_concurrent_hashes`): each Argon2 hash holds
    /// its memory cost, so anonymous requests must not run an unbounded number at once.
    pub hashing: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Builds the state from an open database and a configuration; loads (or creates) the JWT keys.
    pub fn new(db: Db, config: NodeConfig) -> anyhow::Result<Self> {
        let jwt = JwtKeys::load_or_create(&config.node.data_dir)?;
        let hashing = tokio::sync::Semaphore::new(config.accounts.max_concurrent_hashes as usize);
        Ok(Self {
            db,
            config: Arc::new(config),
            clock: Clock::default(),
            jwt: Arc::new(jwt),
            metrics: Arc::new(Metrics::default()),
            federation: None,
            hashing: Arc::new(hashing),
        })
    }
}
