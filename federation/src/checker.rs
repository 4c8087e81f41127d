//! Link activation: a link becomes active when the peer's node key matches the configured
//! fingerprint (fetched, signed, from its public Service actor) and the peer lists us (its
//! reciprocity endpoint answers our signed request). Links out of their dates expire, and an
//! ended link is purged at once.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::actors::{LINK_PATH, NODE_ACTOR_PATH, ServiceActor, join};
use crate::host::PeerRecord;
use crate::links::LinkState;
use crate::service::Shared;

/// How often links that are not active are checked again.
const PENDING_RECHECK: Duration = Duration::from_secs(30);
/// How often active links are checked again.
const ACTIVE_RECHECK_SECS: i64 = 600;

/// What the reciprocity endpoint answers a configured peer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkInfo {
    /// The answering node's domain.
    pub domain: String,
    /// The answering node's fingerprint.
    pub fingerprint: String,
    /// Scopes the answering node grants.
    pub scopes: Vec<ent_config::Scope>,
    /// Last day of its side of the convention.
    pub valid_until: String,
}

/// The result of checking one link, as `ent-admin links check` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The peer's domain.
    pub domain: String,
    /// The convention's title.
    pub label: String,
    /// The peer answered.
    pub reachable: bool,
    /// Its key matches the configured fingerprint.
    pub fingerprint_ok: bool,
    /// It lists us.
    pub reciprocal: bool,
    /// Its clock minus ours, seconds (from its Date header).
    pub clock_skew_secs: Option<i64>,
    /// Scopes we grant.
    pub scopes: Vec<ent_config::Scope>,
    /// Scopes it grants us.
    pub peer_scopes: Vec<ent_config::Scope>,
    /// The resulting state.
    pub state: LinkState,
}

/// Restores pinned keys and states saved before a restart, and purges peers that are no
/// longer configured.
pub async fn restore(shared: &Arc<Shared>) {
    let records = match shared.host.load_peers().await {
        Ok(records) => records,
        Err(error) => {
            tracing::error!(%error, "federation: peers not restored");
            return;
        }
    };
    for record in records {
        match shared.links.configured(&record.domain) {
            None => end_link(shared, &record.domain, "convention retirée").await,
            Some(peer) => {
                let key = record.public_key_pem.filter(|pem| {
                    crate::fingerprint_of_pem(pem).as_deref() == Some(&peer.config.fingerprint)
                });
                let state = if record.state == "active" && key.is_some() {
                    LinkState::Active
                } else {
                    LinkState::Pending("à vérifier".into())
                };
                shared.links.set_state(&record.domain, state, key);
            }
        }
    }
}

/// The checker loop: checks every link at start, then when due. A wake (a peer has just
/// checked us, so it probably just enabled its side; or a reload) checks every link that is
/// not active at once, instead of waiting for its next turn.
pub async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    // The first pass checks every link that is not active (a restart may have restored one
    // as pending, and its peer may have changed since), as a wake does.
    let mut woken = true;
    loop {
        let now = shared.host.now();
        let records = shared.host.load_peers().await.unwrap_or_default();
        for peer in shared.links.all() {
            let domain = peer.domain();
            let checked_at = records
                .iter()
                .find(|r| r.domain == domain)
                .map_or(0, |r| r.checked_at);
            let due = match peer.state {
                LinkState::Active => now - checked_at >= ACTIVE_RECHECK_SECS,
                _ => woken || now - checked_at >= PENDING_RECHECK.as_secs() as i64,
            };
            let expired = !peer.config.in_force_on(shared.today());
            if due || expired != (peer.state == LinkState::Expired) {
                check(&shared, &domain).await;
            }
        }
        shared
            .checker_passes
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        woken = tokio::select! {
            () = shared.checker_waker.notified() => true,
            () = tokio::time::sleep(PENDING_RECHECK) => false,
            _ = shutdown.changed() => false,
        };
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Least time between two conclusive checks of one peer caused by failing signatures (anyone
/// can send a request naming a peer's key; they may not make us fetch from it more often).
const FAILURE_RECHECK_SECS: i64 = 30;

/// Checks caused by failing signatures, per peer.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FailureRecheck {
    /// When the last one that reached the peer ran (Unix seconds).
    last_conclusive: Option<i64>,
    /// One is running now.
    running: bool,
}

/// Checks `domain`'s link now, in the background, because a request signed with its key did
/// not verify: its key may have changed, and the link must not stay active on the old one
/// until the next periodic check. One at a time per peer, and at most one that reached the
/// peer per [`FAILURE_RECHECK_SECS`] (a check that could not reach it leaves the next failure
/// free to try again).
pub fn recheck_soon(shared: &Arc<Shared>, domain: &str) {
    let now = shared.host.now();
    {
        let mut rechecks = shared
            .failure_rechecks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let entry = rechecks.entry(domain.to_owned()).or_default();
        let recent = entry
            .last_conclusive
            .is_some_and(|last| now.saturating_sub(last) < FAILURE_RECHECK_SECS);
        if entry.running || recent {
            return;
        }
        entry.running = true;
    }
    tracing::info!(
        peer = domain,
        "federation: a signature did not verify, checking the peer's key now"
    );
    let shared = shared.clone();
    let domain = domain.to_owned();
    tokio::spawn(async move {
        let report = check(&shared, &domain).await;
        let mut rechecks = shared
            .failure_rechecks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let entry = rechecks.entry(domain).or_default();
        entry.running = false;
        if report.reachable {
            entry.last_conclusive = Some(now);
        }
    });
}

/// Checks one link now without changing anything (`ent-admin links check`, which runs beside
/// the node: the node's own checker keeps deciding the states it acts on).
pub async fn inspect(shared: &Arc<Shared>, domain: &str) -> CheckReport {
    inspect_with_key(shared, domain).await.0
}

/// Checks one link now, updates the registry and the stored record.
pub async fn check(shared: &Arc<Shared>, domain: &str) -> CheckReport {
    let Some(peer) = shared.links.configured(domain) else {
        return inspect(shared, domain).await;
    };
    let (mut report, key) = inspect_with_key(shared, domain).await;
    let was_active = peer.state == LinkState::Active;
    // An unreachable peer keeps an active link: trust does not depend on its uptime, and its
    // deliveries wait in the queue.
    let state = match report.state.clone() {
        LinkState::Pending(ref reason) if was_active && !report.reachable => {
            tracing::warn!(peer = domain, reason, "federation: peer unreachable");
            LinkState::Active
        }
        state => state,
    };
    apply(shared, domain, &peer.state, &state, key).await;
    if state == LinkState::Active && !was_active {
        tracing::info!(peer = domain, "federation: link active");
        shared.delivery_waker(domain).notify_one();
    }
    if was_active && state != LinkState::Active {
        // The operator must hear of it at once: nothing more crosses this link.
        tracing::warn!(
            peer = domain,
            state = state.label(),
            reason = state.reason(),
            "federation: link no longer active"
        );
    }
    report.state = state;
    report
}

/// The state of a link as seen now, and the peer's key if it matched the fingerprint.
async fn inspect_with_key(shared: &Arc<Shared>, domain: &str) -> (CheckReport, Option<String>) {
    let Some(peer) = shared.links.configured(domain) else {
        let report = CheckReport {
            domain: domain.into(),
            label: String::new(),
            reachable: false,
            fingerprint_ok: false,
            reciprocal: false,
            clock_skew_secs: None,
            scopes: vec![],
            peer_scopes: vec![],
            state: LinkState::Refused("non configurée".into()),
        };
        return (report, None);
    };
    let mut report = CheckReport {
        domain: domain.into(),
        label: peer.config.label.clone(),
        reachable: false,
        fingerprint_ok: false,
        reciprocal: false,
        clock_skew_secs: None,
        scopes: peer.config.scopes.clone(),
        peer_scopes: vec![],
        state: LinkState::Pending(String::new()),
    };
    let (state, key) = if peer.config.in_force_on(shared.today()) {
        probe(shared, domain, &peer.config.fingerprint, &mut report).await
    } else {
        (LinkState::Expired, None)
    };
    report.state = state;
    (report, key)
}

/// Records a link's new state: registry, metric, stored record; an expiry ends the link.
async fn apply(
    shared: &Arc<Shared>,
    domain: &str,
    before: &LinkState,
    state: &LinkState,
    key: Option<String>,
) {
    if *state == LinkState::Expired && *before != LinkState::Expired {
        end_link(shared, domain, "convention hors période").await;
    }
    shared.links.set_state(domain, state.clone(), key.clone());
    shared
        .metrics
        .link_active
        .get_or_create(&crate::metrics::peer(domain))
        .set(i64::from(*state == LinkState::Active));
    let record = PeerRecord {
        domain: domain.into(),
        public_key_pem: key.or(shared
            .links
            .configured(domain)
            .and_then(|p| p.public_key_pem)),
        state: state.key().into(),
        reason: state.reason().into(),
        checked_at: shared.host.now(),
        ..PeerRecord::default()
    };
    if let Err(error) = shared.host.save_peer(&record).await {
        tracing::error!(%error, peer = domain, "federation: peer state not saved");
    }
}

/// Fetches the peer's node actor and reciprocity answer.
async fn probe(
    shared: &Arc<Shared>,
    domain: &str,
    fingerprint: &str,
    report: &mut CheckReport,
) -> (LinkState, Option<String>) {
    let base = shared.peer_base(domain);
    let actor_url = join(&base, NODE_ACTOR_PATH);
    let actor = match crate::fetch::signed_get(shared, &actor_url).await {
        Ok(fetched) => {
            report.reachable = true;
            report.clock_skew_secs = fetched.date.map(|date| date - shared.host.now());
            match serde_json::from_slice::<ServiceActor>(&fetched.body) {
                Ok(actor) if actor.id == actor_url => actor,
                _ => return (LinkState::Pending("acteur du nœud illisible".into()), None),
            }
        }
        Err(error) => return (LinkState::Pending(format!("injoignable : {error}")), None),
    };
    let key = actor.public_key.public_key_pem;
    if crate::fingerprint_of_pem(&key).as_deref() != Some(fingerprint) {
        return (
            LinkState::Refused("la clé du pair ne correspond pas à l'empreinte configurée".into()),
            None,
        );
    }
    report.fingerprint_ok = true;
    shared.links.pin_key(domain, key.clone());
    match crate::fetch::signed_get(shared, &join(&base, LINK_PATH)).await {
        Ok(fetched) if fetched.status == 200 => {
            report.reciprocal = true;
            if let Ok(info) = serde_json::from_slice::<LinkInfo>(&fetched.body) {
                report.peer_scopes = info.scopes;
            }
            (LinkState::Active, Some(key))
        }
        Ok(fetched) => {
            let max = shared.settings.max_clock_skew_secs;
            let reason = match report.clock_skew_secs {
                Some(skew) if skew.abs() > max => format!(
                    "horloges décalées de {skew} s avec le pair (tolérance {max} s) : vérifiez NTP"
                ),
                _ => format!("le pair ne liste pas ce nœud (réponse {})", fetched.status),
            };
            (LinkState::Pending(reason), Some(key))
        }
        Err(error) => (
            LinkState::Pending(format!("injoignable : {error}")),
            Some(key),
        ),
    }
}

/// Ends a link: cancels its deliveries and purges what was cached from the peer.
pub async fn end_link(shared: &Arc<Shared>, domain: &str, why: &str) {
    match shared.host.end_link(domain).await {
        Ok(cancelled) => {
            tracing::warn!(
                peer = domain,
                why,
                cancelled,
                "federation: link ended, peer data purged"
            );
        }
        Err(error) => tracing::error!(%error, peer = domain, "federation: link end failed"),
    }
    let label = crate::metrics::peer(domain);
    shared.metrics.link_active.get_or_create(&label).set(0);
    shared.metrics.queue_depth.get_or_create(&label).set(0);
    shared
        .metrics
        .oldest_pending_seconds
        .get_or_create(&label)
        .set(0);
}
