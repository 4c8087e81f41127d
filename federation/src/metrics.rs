//! Per-peer federation metrics, registered into the node's Prometheus registry.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// A peer label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PeerLabel {
    /// The peer's domain.
    pub peer: String,
}

/// A peer and an outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// The peer's domain.
    pub peer: String,
    /// `ok` or `failed`.
    pub outcome: String,
}

/// Federation metrics (cheap to clone: families share their state).
#[derive(Clone, Debug, Default)]
pub struct FederationMetrics {
    /// Deliveries waiting, per peer.
    pub queue_depth: Family<PeerLabel, Gauge>,
    /// Age of the oldest waiting delivery, seconds, per peer.
    pub oldest_pending_seconds: Family<PeerLabel, Gauge>,
    /// Delivery attempts by outcome, per peer.
    pub deliveries: Family<OutcomeLabels, Counter>,
    /// Unix time of the last successful delivery, per peer.
    pub last_success: Family<PeerLabel, Gauge>,
    /// 1 when the link is active, per peer.
    pub link_active: Family<PeerLabel, Gauge>,
    /// Received activities from linked peers by outcome (`new`, `duplicate`, `conflict`,
    /// `refused`), per peer; senders that are not linked are never a label.
    pub received: Family<OutcomeLabels, Counter>,
}

impl FederationMetrics {
    /// Registers every family under `federation_…`.
    pub fn register(&self, registry: &mut Registry) {
        let sub = registry.sub_registry_with_prefix("federation");
        sub.register(
            "queue_depth",
            "Deliveries waiting per peer",
            self.queue_depth.clone(),
        );
        sub.register(
            "oldest_pending_seconds",
            "Age of the oldest waiting delivery per peer",
            self.oldest_pending_seconds.clone(),
        );
        sub.register(
            "deliveries",
            "Delivery attempts per peer and outcome",
            self.deliveries.clone(),
        );
        sub.register(
            "last_success_timestamp_seconds",
            "Last successful delivery per peer",
            self.last_success.clone(),
        );
        sub.register(
            "link_active",
            "Whether the link is active",
            self.link_active.clone(),
        );
        sub.register(
            "received_activities",
            "Received activities per peer and outcome",
            self.received.clone(),
        );
    }

    /// Counts one received activity.
    pub fn count_received(&self, peer: &str, outcome: &str) {
        self.received
            .get_or_create(&OutcomeLabels {
                peer: peer.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}

/// The label of `peer`.
pub fn peer(peer: &str) -> PeerLabel {
    PeerLabel {
        peer: peer.to_owned(),
    }
}
