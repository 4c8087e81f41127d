//! Federation, the node side: the ActivityPub endpoints (Service actor, shared inbox,
//! reciprocity, objects, WebFinger, NodeInfo), the storage behind `ent_federation`, notices
//! (the operators' messages between linked nodes) and the operator's links page.
//!
//! With no `[[links]]` configured, federation is off: every route here answers 404.

mod admin;
pub mod conventions;
pub(crate) mod handlers;
pub mod host;
pub mod notices;
pub mod persons;
mod received;
mod receiving;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// Builds the federation handle of a node over `links` (the links in force: see
/// [`conventions::links_in_force`]); workers start with the server.
pub async fn start(
    config: &ent_config::NodeConfig,
    links: &[ent_config::LinkConfig],
    db: crate::store::Db,
    clock: crate::store::Clock,
    identity: ent_federation::NodeIdentity,
) -> anyhow::Result<ent_federation::Federation> {
    let extra_ca_pem = match &config.federation.extra_ca_file {
        Some(path) => Some(std::fs::read(path)?),
        None => None,
    };
    let settings = ent_federation::Settings {
        base_url: url::Url::parse(&config.public_url())?,
        node_name: config.node.name.clone(),
        max_clock_skew_secs: i64::from(config.federation.max_clock_skew_secs),
        failing_warning_secs: i64::from(config.federation.failing_peer_warning_minutes) * 60,
        client: ent_federation::client::ClientSettings {
            allow_private_addresses: config.federation.allow_private_addresses,
            hosts: config.federation.hosts.clone(),
            extra_ca_pem,
        },
    };
    let host = std::sync::Arc::new(host::NodeHost::new(
        db,
        clock,
        std::sync::Arc::new(config.clone()),
    ));
    let federation =
        ent_federation::Federation::new(identity, settings, links, host.clone()).await?;
    host.bind(&federation);
    Ok(federation)
}

/// Federation routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            ent_federation::actors::NODE_ACTOR_PATH,
            get(handlers::node_actor),
        )
        .route(ent_federation::actors::INBOX_PATH, post(handlers::inbox))
        .route(ent_federation::actors::LINK_PATH, get(handlers::link))
        .route("/federation/objects/{id}", get(handlers::object))
        .route("/federation/actors/{id}", get(handlers::person))
        .route("/.well-known/webfinger", get(handlers::webfinger))
        .route("/.well-known/nodeinfo", get(handlers::nodeinfo_links))
        .route("/nodeinfo/2.1", get(handlers::nodeinfo))
        .route("/admin/federation", get(admin::page))
        .route("/admin/federation/avis", post(admin::publish))
        .route("/admin/federation/avis/{id}", post(admin::change))
}
