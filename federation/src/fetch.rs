//! Authorized fetch, both ways: every GET we send is signed by the node key, and every
//! ActivityPub GET we serve (actors, objects, WebFinger, reciprocity) needs a valid signature
//! from a linked peer's node key; anything else gets 404. Only the node's Service actor and
//! NodeInfo (software and protocol, no counts) are public.

use std::sync::Arc;

use axum::http::HeaderMap;
use url::Url;

use crate::actors::{NODE_ACTOR_PATH, ServiceActor, join};
use crate::client::{ClientError, MAX_RESPONSE_BYTES, read_limited};
use crate::links::Peer;
use crate::request::{Refused, SignedRequest};
use crate::service::Shared;
use crate::signing::http_date;

/// A peer's answer to a signed GET.
#[derive(Debug)]
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// Body (at most 1 MiB).
    pub body: Vec<u8>,
    /// The peer's `Date` header, Unix seconds.
    pub date: Option<i64>,
}

/// GETs `url`, signed by the node key (body up to 1 MiB).
pub async fn signed_get(shared: &Shared, url: &Url) -> Result<Fetched, ClientError> {
    signed_get_limited(shared, url, MAX_RESPONSE_BYTES).await
}

/// GETs `url`, signed by the node key, reading at most `limit` bytes of body (files).
pub async fn signed_get_limited(
    shared: &Shared,
    url: &Url,
    limit: usize,
) -> Result<Fetched, ClientError> {
    let date = http_date(shared.host.now());
    let headers = shared
        .signer
        .signed_headers("get", url, &date, None)
        .map_err(|e| ClientError::Request(e.to_string()))?;
    let mut request = shared
        .client
        .get(url.clone())
        .header("accept", crate::ACTIVITY_CONTENT_TYPE);
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request
        .send()
        .await
        .map_err(|e| ClientError::Request(error_chain(&e)))?;
    let status = response.status().as_u16();
    let date = response
        .headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    let body = read_limited(response, limit).await?;
    Ok(Fetched { status, body, date })
}

/// A request error with its causes (reqwest hides the useful part in the source chain).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(" : ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Which peers may sign a GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Peers whose link is active (actors, objects, collections, WebFinger).
    ActiveLinks,
    /// Every configured peer whose convention is in force today, active or not (the
    /// reciprocity endpoint, which activation needs).
    ConfiguredLinks,
}

/// Why a signed GET gets no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetRefusal {
    /// The request itself is ambiguous or meant for another node (repeated or `Authorization`
    /// headers, unreadable signature, `Host` not ours): 401.
    Unauthenticated(Refused),
    /// Not signed by a linked peer's node key (or stale, or not covering enough): 404, as if
    /// nothing existed.
    NotFound,
}

/// The peer that signed this GET, if the signature is valid, covers what it must, is fresh,
/// is meant for this node and comes from a linked peer's node key.
pub async fn signed_by_peer(
    shared: &Arc<Shared>,
    path_and_query: &str,
    headers: &HeaderMap,
    audience: Audience,
) -> Result<Peer, GetRefusal> {
    use GetRefusal::NotFound;
    if !headers.contains_key("signature") && !headers.contains_key("authorization") {
        return Err(NotFound);
    }
    let signed = SignedRequest::read("get", path_and_query, headers)
        .and_then(|signed| {
            signed
                .check_host(&shared.settings.base_url)
                .map(|()| signed)
        })
        .map_err(GetRefusal::Unauthenticated)?;
    signed.check_coverage(false).map_err(|_| NotFound)?;
    let key_url = signed.signature.key_url().ok_or(NotFound)?;
    let domain = crate::signing::authority(&key_url);
    if key_url != join(&shared.peer_base(&domain), NODE_ACTOR_PATH) {
        return Err(NotFound);
    }
    let peer = match audience {
        Audience::ActiveLinks => shared.links.active(&domain, shared.today()),
        Audience::ConfiguredLinks => shared
            .links
            .configured(&domain)
            .filter(|peer| peer.config.in_force_on(shared.today())),
    }
    .ok_or(NotFound)?;
    signed
        .check_date(shared.host.now(), shared.settings.max_clock_skew_secs)
        .map_err(|_| NotFound)?;
    let key = match &peer.public_key_pem {
        Some(key) => key.clone(),
        None => pin_peer_key(shared, &peer).await.ok_or(NotFound)?,
    };
    if signed.verify(&key).is_err() {
        if peer.state == crate::links::LinkState::Active {
            crate::checker::recheck_soon(shared, &domain);
        }
        return Err(NotFound);
    }
    Ok(peer)
}

/// Fetches a configured peer's node key and pins it if it matches the link's fingerprint.
async fn pin_peer_key(shared: &Shared, peer: &Peer) -> Option<String> {
    let domain = peer.domain();
    let url = join(&shared.peer_base(&domain), NODE_ACTOR_PATH);
    let fetched = signed_get(shared, &url).await.ok()?;
    let actor: ServiceActor = serde_json::from_slice(&fetched.body).ok()?;
    let key = actor.public_key.public_key_pem;
    if actor.id != url || crate::fingerprint_of_pem(&key)? != peer.config.fingerprint {
        tracing::warn!(
            peer = domain,
            "federation: peer key does not match the fingerprint"
        );
        return None;
    }
    shared.links.pin_key(&domain, key.clone());
    Some(key)
}
