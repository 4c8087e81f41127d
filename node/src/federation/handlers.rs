//! ActivityPub endpoints. Every ActivityPub GET but the node's Service actor needs a signature
//! from a linked peer's node key (authorized fetch); anything else is a 404, as if nothing
//! existed. NodeInfo is public too: it names the software, never a count.

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use ent_federation::Federation;
use ent_federation::checker::LinkInfo;
use ent_federation::fetch::{Audience, GetRefusal, signed_by_peer};
use ent_federation::links::Peer;
use serde::Deserialize;
use serde_json::json;

use crate::error::{AppError, FederationError};
use crate::federation::{notices, persons};
use crate::state::AppState;

const NODEINFO_SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

fn enabled(state: &AppState) -> Result<&Federation, AppError> {
    state
        .federation
        .as_ref()
        .filter(|f| f.is_enabled())
        .ok_or(AppError::NotFound)
}

fn activity_json(body: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, ent_federation::ACTIVITY_CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response()
}

async fn signed_peer(
    federation: &Federation,
    uri: &Uri,
    headers: &HeaderMap,
    audience: Audience,
) -> Result<Peer, AppError> {
    let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    signed_by_peer(federation.shared(), target, headers, audience)
        .await
        .map_err(|refusal| match refusal {
            GetRefusal::Unauthenticated(why) => AppError::SignatureRefused(why.to_string()),
            GetRefusal::NotFound => AppError::NotFound,
        })
}

/// The federation, if this GET is signed by an active link's node key (else 404).
async fn from_active_link<'a>(
    state: &'a AppState,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<&'a Federation, AppError> {
    let federation = enabled(state)?;
    signed_peer(federation, uri, headers, Audience::ActiveLinks).await?;
    Ok(federation)
}

/// `GET /federation/node`: the node's Service actor, public (it only carries the node key).
pub async fn node_actor(State(state): State<AppState>) -> Result<Response, AppError> {
    let federation = enabled(&state)?;
    let actor = serde_json::to_value(federation.service_actor()).map_err(AppError::internal)?;
    Ok(activity_json(actor))
}

/// `POST /federation/inbox`: the shared inbox.
pub async fn inbox(State(state): State<AppState>, request: Request<Body>) -> Response {
    let Ok(federation) = enabled(&state) else {
        return AppError::NotFound.into_response();
    };
    match ent_federation::inbox::receive(federation, request).await {
        Ok(received) => {
            tracing::debug!(
                peer = received.peer,
                activity = received.activity_id,
                "federation: received"
            );
            StatusCode::ACCEPTED.into_response()
        }
        Err(error) => FederationError(error).into_response(),
    }
}

/// `GET /federation/link`: tells a configured peer that we list it too (reciprocity). Only
/// that peer's signed request gets an answer.
pub async fn link(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let federation = enabled(&state)?;
    let peer = signed_peer(federation, &uri, &headers, Audience::ConfiguredLinks).await?;
    // The peer is checking us: it has just enabled its side, so check ours now.
    federation.wake_all();
    let info = LinkInfo {
        domain: federation.shared().authority.clone(),
        fingerprint: federation.shared().identity.fingerprint.clone(),
        scopes: peer.config.scopes.clone(),
        valid_until: peer.config.valid_until.clone(),
    };
    Ok(activity_json(
        serde_json::to_value(info).map_err(AppError::internal)?,
    ))
}

/// `GET /federation/objects/{id}`: one of our notices, for active links only.
pub async fn object(
    State(state): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let federation = from_active_link(&state, &uri, &headers).await?;
    let object_id = federation
        .local_url(&format!("/federation/objects/{id}"))
        .to_string();
    let notice = notices::ours(&state.db, &object_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": notice.object_id,
        "type": "Note",
        "attributedTo": federation.service_actor().id,
        "name": notice.title,
        "content": notice.content,
    })))
}

/// `GET /federation/actors/{id}`: a user's Person actor, for active links only, and only if
/// the user already takes part in federation.
pub async fn person(
    State(state): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let federation = from_active_link(&state, &uri, &headers).await?;
    let actor = persons::find(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(activity_json(persons::to_json(federation, &actor)))
}

/// WebFinger query.
#[derive(Deserialize)]
pub struct WebfingerQuery {
    #[serde(default)]
    resource: String,
}

/// `GET /.well-known/webfinger`: only for actors that federate, only to linked peers' signed
/// requests (nobody can enumerate pupils).
pub async fn webfinger(
    State(state): State<AppState>,
    Query(query): Query<WebfingerQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let federation = from_active_link(&state, &uri, &headers).await?;
    let authority = &federation.shared().authority;
    let name = query
        .resource
        .strip_prefix("acct:")
        .and_then(|acct| acct.strip_suffix(&format!("@{authority}")))
        .ok_or(AppError::NotFound)?;
    let href = if name == "node" {
        federation.service_actor().id.to_string()
    } else {
        let actor = persons::find(&state.db, name)
            .await?
            .ok_or(AppError::NotFound)?;
        persons::actor_url(federation, &actor.id)
    };
    let body = json!({
        "subject": query.resource,
        "links": [{ "rel": "self", "type": ent_federation::ACTIVITY_CONTENT_TYPE, "href": href }],
    });
    Ok((
        [(header::CONTENT_TYPE, "application/jrd+json")],
        body.to_string(),
    )
        .into_response())
}

/// `GET /.well-known/nodeinfo`.
pub async fn nodeinfo_links(State(state): State<AppState>) -> Result<Response, AppError> {
    let federation = enabled(&state)?;
    let body = json!({ "links": [{
        "rel": NODEINFO_SCHEMA,
        "href": federation.local_url("/nodeinfo/2.1").to_string(),
    }]});
    Ok(axum::Json(body).into_response())
}

/// `GET /nodeinfo/2.1`: software and protocol; no user counts (they would say how many
/// pupils a school has).
pub async fn nodeinfo(State(state): State<AppState>) -> Result<Response, AppError> {
    enabled(&state)?;
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "ent-node",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": false,
        "usage": { "users": {} },
        "metadata": { "nodeName": state.config.node.name },
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            format!("application/json; profile=\"{NODEINFO_SCHEMA}#\""),
        )],
        body.to_string(),
    )
        .into_response())
}

/// The peer whose node key signed this GET, if its link is active with the `spaces` scope
/// (else 404): what spaces serve to other nodes (the class directory) goes to those only.
pub(crate) async fn spaces_peer(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<String, AppError> {
    scoped_peer(state, uri, headers, ent_config::Scope::Spaces).await
}

/// The peer whose node key signed this GET, if its link is active with `scope` (else 404).
pub(crate) async fn scoped_peer(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    scope: ent_config::Scope,
) -> Result<String, AppError> {
    let federation = enabled(state)?;
    let peer = signed_peer(federation, uri, headers, Audience::ActiveLinks).await?;
    let domain = peer.domain();
    if federation.shared().allows(&domain, scope) {
        Ok(domain)
    } else {
        Err(AppError::NotFound)
    }
}
