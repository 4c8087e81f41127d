//! The link registry: which peers this node is configured to trust, and which of those links are
//! active right now.
//!
//! A link is active only when it is in force today, the peer's node key matches the configured
//! fingerprint, and the peer lists us too. The registry is read on every federated request, so
//! it is an in-memory snapshot behind a read-write lock, refreshed by the link checker.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use ent_config::{LinkConfig, Scope};
use serde::Serialize;

/// Where a link stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "lowercase")]
pub enum LinkState {
    /// Not checked yet, or the peer does not list us (yet), or is unreachable.
    Pending(String),
    /// Both sides list each other, the fingerprint matches, the convention is in force.
    Active,
    /// Outside `valid_from`..`valid_until`.
    Expired,
    /// The peer's key does not match the configured fingerprint.
    Refused(String),
}

impl LinkState {
    /// The state's name in French, for tables and pages.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Pending(_) => "en attente",
            Self::Active => "active",
            Self::Expired => "hors période",
            Self::Refused(_) => "refusée",
        }
    }

    /// Why the link is not active ("" when it is).
    pub fn reason(&self) -> &str {
        match self {
            Self::Pending(reason) | Self::Refused(reason) => reason,
            Self::Active => "",
            Self::Expired => "en dehors de valid_from … valid_until",
        }
    }

    /// The French label of a stored state name (`pending` → "en attente").
    pub fn label_of_key(key: &str) -> &'static str {
        match key {
            "active" => "active",
            "expired" => "hors période",
            "refused" => "refusée",
            _ => "en attente",
        }
    }

    /// The stored form of the state's name.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Pending(_) => "pending",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Refused(_) => "refused",
        }
    }
}

/// One configured peer and what we know of it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The convention, as configured (domain and fingerprint normalised).
    pub config: LinkConfig,
    /// Current state.
    pub state: LinkState,
    /// The peer node's public key, once fetched and matched against the fingerprint.
    pub public_key_pem: Option<String>,
}

impl Peer {
    /// The peer's normalised domain (`host[:port]`).
    pub fn domain(&self) -> String {
        self.config.normalized_domain()
    }
}

/// All configured links, shared by handlers and workers.
#[derive(Debug, Clone, Default)]
pub struct LinkRegistry {
    peers: Arc<RwLock<BTreeMap<String, Peer>>>,
}

impl LinkRegistry {
    /// A registry holding `links`, all pending.
    pub fn new(links: &[LinkConfig]) -> Self {
        let registry = Self::default();
        registry.replace(links);
        registry
    }

    /// Replaces the configured links (configuration reload). Returns the domains that were
    /// configured before and are not any more: their links end now.
    pub fn replace(&self, links: &[LinkConfig]) -> Vec<String> {
        let mut peers = self.peers.write().unwrap_or_else(|e| e.into_inner());
        let mut next = BTreeMap::new();
        for link in links {
            let mut config = link.clone();
            config.domain = link.normalized_domain();
            config.fingerprint = link.normalized_fingerprint();
            let domain = config.domain.clone();
            let kept = peers
                .remove(&domain)
                .filter(|old| old.config.fingerprint == config.fingerprint);
            let (state, public_key_pem) = match kept {
                Some(old) => (old.state, old.public_key_pem),
                None => (LinkState::Pending("pas encore vérifiée".into()), None),
            };
            next.insert(
                domain,
                Peer {
                    config,
                    state,
                    public_key_pem,
                },
            );
        }
        let removed = peers.keys().cloned().collect();
        *peers = next;
        removed
    }

    /// Every configured peer.
    pub fn all(&self) -> Vec<Peer> {
        self.read().values().cloned().collect()
    }

    /// The configured peer for `domain` (normalised form), active or not.
    pub fn configured(&self, domain: &str) -> Option<Peer> {
        self.read().get(domain).cloned()
    }

    /// The peer for `domain` if its link is active on `today`, with its pinned key.
    pub fn active(&self, domain: &str, today: chrono::NaiveDate) -> Option<Peer> {
        self.read()
            .get(domain)
            .filter(|peer| {
                peer.state == LinkState::Active
                    && peer.config.in_force_on(today)
                    && peer.public_key_pem.is_some()
            })
            .cloned()
    }

    /// Whether `domain` is on an active link allowing `scope`.
    pub fn allows(&self, domain: &str, today: chrono::NaiveDate, scope: Scope) -> bool {
        self.active(domain, today)
            .is_some_and(|peer| peer.config.allows(scope))
    }

    /// Whether no link is configured at all (federation off).
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Records the outcome of a check of `domain`.
    pub fn set_state(&self, domain: &str, state: LinkState, public_key_pem: Option<String>) {
        let mut peers = self.peers.write().unwrap_or_else(|e| e.into_inner());
        if let Some(peer) = peers.get_mut(domain) {
            peer.state = state;
            if public_key_pem.is_some() {
                peer.public_key_pem = public_key_pem;
            }
        }
    }

    /// Pins a peer's key (verified against its fingerprint) without changing its state.
    pub fn pin_key(&self, domain: &str, public_key_pem: String) {
        let mut peers = self.peers.write().unwrap_or_else(|e| e.into_inner());
        if let Some(peer) = peers.get_mut(domain) {
            peer.public_key_pem = Some(public_key_pem);
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Peer>> {
        // A poisoned lock only means a writer panicked mid-update of plain data; keep serving.
        self.peers.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(domain: &str) -> LinkConfig {
        LinkConfig {
            domain: domain.into(),
            fingerprint: "AB".repeat(32),
            scopes: vec![Scope::Spaces],
            guest_quota: 10,
            label: "Convention".into(),
            valid_from: "2026-09-01".into(),
            valid_until: "2027-08-31".into(),
            source: Default::default(),
        }
    }

    #[test]
    fn only_checked_links_in_force_are_active() {
        let registry = LinkRegistry::new(&[link("B.test.")]);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert!(registry.active("b.test", day).is_none());
        registry.set_state("b.test", LinkState::Active, Some("pem".into()));
        assert!(registry.active("b.test", day).is_some());
        assert!(registry.allows("b.test", day, Scope::Spaces));
        assert!(!registry.allows("b.test", day, Scope::Transfers));
        let later = chrono::NaiveDate::from_ymd_opt(2027, 9, 1).unwrap();
        assert!(registry.active("b.test", later).is_none());
        assert_eq!(
            registry.replace(&[link("c.test")]),
            vec!["b.test".to_owned()]
        );
        assert!(registry.configured("b.test").is_none());
    }
}
