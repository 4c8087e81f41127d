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
use crate::service::Shared;
use crate::signing::{SignatureHeader, http_date};

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

/// The peer that signed this GET, if the signature is valid, covers what it must, is fresh,
/// and comes from a linked peer's node key. `None` means: answer 404.
pub async fn signed_by_peer(
    shared: &Arc<Shared>,
    path_and_query: &str,
    headers: &HeaderMap,
    audience: Audience,
) -> Option<Peer> {
    let signature = SignatureHeader::parse(headers.get("signature")?.to_str().ok()?)?;
    signature.check_coverage(false).ok()?;
    let key_url = signature.key_url()?;
    let domain = crate::signing::authority(&key_url);
    if key_url != join(&shared.peer_base(&domain), NODE_ACTOR_PATH) {
        return None;
    }
    let peer = match audience {
        Audience::ActiveLinks => shared.links.active(&domain, shared.today())?,
        Audience::ConfiguredLinks => shared
            .links
            .configured(&domain)
            .filter(|peer| peer.config.in_force_on(shared.today()))?,
    };
    date_is_fresh(shared, headers).ok()?;
    let key = match &peer.public_key_pem {
        Some(key) => key.clone(),
        None => pin_peer_key(shared, &peer).await?,
    };
    crate::signing::verify("get", path_and_query, headers, &key).ok()?;
    Some(peer)
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

/// Checks the `Date` header against our clock, within the configured skew.
pub fn date_is_fresh(shared: &Shared, headers: &HeaderMap) -> Result<(), &'static str> {
    let date = headers
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .ok_or("en-tête Date absent ou illisible")?;
    let date = match date.duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => since.as_secs() as i64,
        Err(_) => return Err("en-tête Date invalide"),
    };
    let skew = (date - shared.host.now()).abs();
    if skew > shared.settings.max_clock_skew_secs {
        return Err("en-tête Date hors de la tolérance d'horloge");
    }
    Ok(())
}
