//! The federation handle a node holds: its identity, links, HTTP client, host callbacks and
//! workers (link checker, one delivery worker per peer).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ent_config::{LinkConfig, Scope};
use tokio::sync::{Notify, watch};
use url::Url;

use crate::actors::{INBOX_PATH, NODE_ACTOR_PATH, ServiceActor, join};
use crate::client::ClientSettings;
use crate::host::FederationHost;
use crate::identity::NodeIdentity;
use crate::links::LinkRegistry;
use crate::metrics::FederationMetrics;
use crate::signing::Signer;

/// Settings from the node's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The node's public URL (`https://ent.example.fr`, a port allowed).
    pub base_url: Url,
    /// The node's name, shown in its Service actor.
    pub node_name: String,
    /// Largest accepted skew of a signed request's Date, seconds.
    pub max_clock_skew_secs: i64,
    /// Warn when a peer has been failing for longer than this, seconds.
    pub failing_warning_secs: i64,
    /// HTTP client settings.
    pub client: ClientSettings,
}

/// Why federation could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// The node key is unusable.
    #[error(transparent)]
    Key(#[from] crate::signing::SignatureError),
}

/// State shared by handlers and workers.
pub struct Shared {
    /// The node's key pair and fingerprint.
    pub identity: NodeIdentity,
    /// Signs with the node key (`<base>/federation/node#main-key`).
    pub signer: Signer,
    /// Settings.
    pub settings: Settings,
    /// `host[:port]` of this node.
    pub authority: String,
    /// Configured links.
    pub links: LinkRegistry,
    /// The outgoing HTTP client.
    pub client: reqwest::Client,
    /// The node's storage and domain.
    pub host: Arc<dyn FederationHost>,
    /// Per-peer metrics.
    pub metrics: FederationMetrics,
    delivery_wakers: Mutex<BTreeMap<String, Arc<Notify>>>,
    pub(crate) checker_waker: Notify,
    /// Checks of peers caused by failing signatures.
    pub(crate) failure_rechecks: Mutex<BTreeMap<String, crate::checker::FailureRecheck>>,
    /// Passes the link checker has completed (tests wait for the first one).
    pub(crate) checker_passes: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// Today, by the node's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp(self.host.now(), 0)
            .unwrap_or_default()
            .date_naive()
    }

    /// The base URL of a peer (same scheme as ours).
    pub fn peer_base(&self, domain: &str) -> Url {
        Url::parse(&format!("{}://{domain}", self.settings.base_url.scheme()))
            .unwrap_or_else(|_| self.settings.base_url.clone())
    }

    /// Peers whose link is active (and allows `scope`, when given), with their inboxes.
    pub fn recipients(&self, scope: Option<Scope>) -> Vec<(String, Url)> {
        let today = self.today();
        self.links
            .all()
            .into_iter()
            .map(|peer| peer.domain())
            .filter(|domain| match scope {
                Some(scope) => self.links.allows(domain, today, scope),
                None => self.links.active(domain, today).is_some(),
            })
            .map(|domain| {
                let inbox = join(&self.peer_base(&domain), INBOX_PATH);
                (domain, inbox)
            })
            .collect()
    }

    /// Whether `peer` is an active link that allows `scope`.
    pub fn allows(&self, peer: &str, scope: Scope) -> bool {
        self.links.allows(peer, self.today(), scope)
    }

    /// A URL on this node.
    pub fn local_url(&self, path: &str) -> Url {
        join(&self.settings.base_url, path)
    }

    /// Our domain (`host[:port]`), as peers name us.
    pub fn domain(&self) -> &str {
        &self.authority
    }

    /// Wakes the delivery worker of `peer` (new deliveries were committed).
    pub fn wake(&self, peer: &str) {
        self.delivery_waker(peer).notify_one();
    }

    /// The waker of `peer`'s delivery worker.
    pub(crate) fn delivery_waker(&self, peer: &str) -> Arc<Notify> {
        let mut wakers = self
            .delivery_wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        wakers.entry(peer.to_owned()).or_default().clone()
    }
}

/// The node's federation: cheap to clone.
#[derive(Clone)]
pub struct Federation {
    shared: Arc<Shared>,
    /// Workers stop when this turns true.
    shutdown: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation")
            .field("authority", &self.shared.authority)
            .finish_non_exhaustive()
    }
}

impl Federation {
    /// Builds the federation of a node (workers not started).
    pub async fn new(
        identity: NodeIdentity,
        settings: Settings,
        links: &[LinkConfig],
        host: Arc<dyn FederationHost>,
    ) -> Result<Self, StartError> {
        let client = crate::client::build(&settings.client)?;
        let key_id = format!("{}#main-key", join(&settings.base_url, NODE_ACTOR_PATH));
        let signer = Signer::from_pem(key_id, identity.private_key_pem())?;
        let authority = crate::signing::authority(&settings.base_url);
        let shared = Arc::new(Shared {
            identity,
            signer,
            authority: authority.clone(),
            links: LinkRegistry::new(links),
            client: client.clone(),
            host,
            metrics: FederationMetrics::default(),
            delivery_wakers: Mutex::default(),
            checker_waker: Notify::new(),
            failure_rechecks: Mutex::default(),
            checker_passes: Default::default(),
            settings,
        });
        Ok(Self {
            shared,
            shutdown: Arc::new(watch::channel(false).0),
        })
    }

    /// The shared state.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Whether any link is configured (no link: federation is off and every route 404s).
    pub fn is_enabled(&self) -> bool {
        !self.shared.links.is_empty()
    }

    /// The node's Service actor.
    pub fn service_actor(&self) -> ServiceActor {
        ServiceActor::new(
            &self.shared.settings.base_url,
            &self.shared.settings.node_name,
            &self.shared.identity.public_key_pem,
        )
    }

    /// A URL on this node.
    pub fn local_url(&self, path: &str) -> Url {
        self.shared.local_url(path)
    }

    /// Peers whose link is active (and allows `scope`, when given), with their inboxes.
    pub fn recipients(&self, scope: Option<Scope>) -> Vec<(String, Url)> {
        self.shared.recipients(scope)
    }

    /// Passes the background link checker has completed since start.
    pub fn checker_passes(&self) -> u64 {
        self.shared
            .checker_passes
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Wakes the delivery worker of `peer` (new deliveries were committed).
    pub fn wake(&self, peer: &str) {
        self.shared.wake(peer);
    }

    /// Wakes every worker (after the clock moved in tests, or a reload).
    pub fn wake_all(&self) {
        for peer in self.shared.links.all() {
            self.wake(&peer.domain());
        }
        self.shared.checker_waker.notify_one();
    }

    /// Starts the link checker and one delivery worker per configured peer, until [`stop`].
    ///
    /// [`stop`]: Self::stop
    pub async fn start(&self) {
        crate::checker::restore(&self.shared).await;
        let shutdown = self.shutdown.subscribe();
        tokio::spawn(crate::checker::run(self.shared.clone(), shutdown.clone()));
        for peer in self.shared.links.all() {
            crate::delivery::spawn(self.shared.clone(), peer.domain(), shutdown.clone());
        }
    }

    /// Stops the workers. Each finishes the delivery it has in flight, if any; a delivery
    /// interrupted harder (a crash) is sent again after restart and dropped by the receiver as
    /// a replay.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Applies a new list of links (configuration reload): ended links are purged at once,
    /// new ones get a worker and a check.
    pub async fn reload(&self, links: &[LinkConfig]) {
        let shutdown = self.shutdown.subscribe();
        let before: Vec<String> = self.shared.links.all().iter().map(|p| p.domain()).collect();
        for removed in self.shared.links.replace(links) {
            crate::checker::end_link(&self.shared, &removed, "convention retirée").await;
        }
        for peer in self.shared.links.all() {
            let domain = peer.domain();
            if !before.contains(&domain) {
                crate::delivery::spawn(self.shared.clone(), domain, shutdown.clone());
            }
        }
        self.wake_all();
    }

    /// Checks every link now without changing any state (`ent-admin links check`).
    pub async fn inspect_links(&self) -> Vec<crate::checker::CheckReport> {
        let mut reports = Vec::new();
        for peer in self.shared.links.all() {
            reports.push(crate::checker::inspect(&self.shared, &peer.domain()).await);
        }
        reports
    }

    /// Checks every link now and acts on the result (startup, tests).
    pub async fn check_links(&self) -> Vec<crate::checker::CheckReport> {
        let mut reports = Vec::new();
        for peer in self.shared.links.all() {
            reports.push(crate::checker::check(&self.shared, &peer.domain()).await);
        }
        reports
    }
}
