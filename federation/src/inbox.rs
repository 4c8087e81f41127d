//! The shared inbox. Refuses as early as possible, with the right status:
//!
//! 1. before anything else, the security headers are read once ([`SignedRequest`]): a repeated
//!    `Signature`, `Digest`, `Date`, `Host`, `Content-Type` or `Content-Length`, an
//!    `Authorization` header or an unreadable signature is 401, and so is a `Host` that is not
//!    this node;
//! 2. before the body is read: sender not an active link (403, nothing fetched), `keyId` not
//!    the sender's node key (401), wrong Content-Type (415), declared length over 256 KiB (413),
//!    signature not covering `(request-target) host date digest` or a Date outside the allowed
//!    skew (401);
//! 3. the body, read up to 256 KiB (413), must match `Digest` and the signature must verify
//!    with the sender's pinned key (401; a failure makes the link checker look at the peer's
//!    key at once);
//! 4. the body must be bounded JSON (400) whose actor is one of the sender's (node, Person,
//!    Group; 403), addressed to this node (400), and whose every reference is ours or on an
//!    active link (403; what a Group announces may name its members' nodes);
//! 5. the host applies it and records its id in one transaction (a replay is a no-op, the same
//!    id with another body is 409).
//!
//! The ActivityPub crate's own receive path is not used: it reads `Digest` and `Signature`
//! from different copies of repeated headers (see docs/federation.md).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sha2::{Digest, Sha256};
use url::Url;

use crate::actors::{NODE_ACTOR_PATH, is_actor_of, is_group, join};
use crate::host::{Applied, HostError};
use crate::parse::{Refusal, parse_bounded, references};
use crate::request::{Refused, SignedRequest};
use crate::service::{Federation, Shared};

/// Largest activity accepted.
pub const MAX_ACTIVITY_BYTES: usize = 256 * 1024;

/// Why an activity was refused, with the HTTP status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// 401: missing, incomplete or invalid signature, altered body, stale or future Date.
    #[error("non authentifiée : {0}")]
    Unauthenticated(String),
    /// 403: the sender or a reference is not on an active link.
    #[error("refusée : {0}")]
    Refused(String),
    /// 413: body over 256 KiB.
    #[error("trop volumineuse")]
    TooLarge,
    /// 415: not ActivityPub JSON.
    #[error("type de contenu non accepté")]
    UnsupportedMediaType,
    /// 400: malformed, too deep or too wide.
    #[error("invalide : {0}")]
    Invalid(String),
    /// 409: same id, different body.
    #[error("identifiant déjà reçu avec un autre contenu")]
    Conflict,
    /// 500: storage failed.
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl InboxError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<Refused> for InboxError {
    fn from(refused: Refused) -> Self {
        Self::Unauthenticated(refused.to_string())
    }
}

impl From<Refusal> for InboxError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::ForeignReference(host) => {
                Self::Refused(format!("référence à un hôte non lié : {host}"))
            }
            other => Self::Invalid(other.to_string()),
        }
    }
}

/// What was received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The sending peer.
    pub peer: String,
    /// The activity id.
    pub activity_id: String,
}

/// Receives one POST to the shared inbox.
pub async fn receive(
    federation: &Federation,
    request: Request<Body>,
) -> Result<Received, InboxError> {
    let shared = federation.shared();
    let (parts, body) = request.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let signed = SignedRequest::read("post", target, &parts.headers)?;
    signed.check_host(&shared.settings.base_url)?;
    // Who is not linked gets 403 and no metric label (labels would be the sender's choosing).
    let peer = linked_sender(shared, &signed)?;
    match receive_from_peer(shared, &peer, &signed, body).await {
        Ok(activity_id) => Ok(Received { peer, activity_id }),
        Err(InboxError::Conflict) => {
            tracing::warn!(peer, "federation: activity id replayed with another body");
            shared.metrics.count_received(&peer, "conflict");
            Err(InboxError::Conflict)
        }
        Err(error) => {
            shared.metrics.count_received(&peer, "refused");
            Err(error)
        }
    }
}

/// Everything after the sender is known to be an active link; returns the activity id.
async fn receive_from_peer(
    shared: &Arc<Shared>,
    peer: &str,
    signed: &SignedRequest,
    body: Body,
) -> Result<String, InboxError> {
    guard_headers(shared, signed)?;
    let bytes = axum::body::to_bytes(body, MAX_ACTIVITY_BYTES)
        .await
        .map_err(|_| InboxError::TooLarge)?;
    signed.check_digest(&bytes)?;
    let key = shared
        .links
        .active(peer, shared.today())
        .and_then(|p| p.public_key_pem)
        .ok_or_else(|| InboxError::Refused(format!("{peer} n'est pas un lien actif")))?;
    if let Err(refused) = signed.verify(&key) {
        crate::checker::recheck_soon(shared, peer);
        return Err(refused.into());
    }
    let value = parse_bounded(&bytes)?;
    let url_of = |field: &str| {
        value
            .get(field)
            .and_then(|a| a.as_str())
            .and_then(|a| Url::parse(a).ok())
    };
    let base = shared.peer_base(peer);
    let Some(actor) = url_of("actor").filter(|a| is_actor_of(&base, a)) else {
        return Err(InboxError::Refused(
            "l'acteur de l'activité n'est pas un acteur du nœud signataire".into(),
        ));
    };
    let id =
        url_of("id").ok_or_else(|| InboxError::Invalid("champ id absent ou invalide".into()))?;
    if crate::signing::authority(&id) != peer {
        return Err(InboxError::Refused(
            "l'identifiant de l'activité n'est pas sur le nœud signataire".into(),
        ));
    }
    // Not addressed here: this node can never accept it (400, so the sender sets it aside).
    if !addressed_to(&value, &join(&shared.settings.base_url, NODE_ACTOR_PATH)) {
        return Err(InboxError::Invalid(
            "l'activité n'est pas adressée à ce nœud".into(),
        ));
    }
    for url in checked_references(&value, &actor)? {
        let host = crate::signing::authority(&url);
        if host != shared.authority && shared.links.active(&host, shared.today()).is_none() {
            return Err(Refusal::ForeignReference(host).into());
        }
    }
    apply(shared, peer, &value).await?;
    Ok(id.to_string())
}

/// Whether `to` or `cc` names this node's actor: every activity of this network is addressed
/// to the nodes it is for, so one delivered to a node cannot be replayed to another.
fn addressed_to(value: &serde_json::Value, node: &Url) -> bool {
    ["to", "cc"].iter().any(|field| match &value[*field] {
        serde_json::Value::String(one) => one == node.as_str(),
        serde_json::Value::Array(many) => many.iter().any(|v| v.as_str() == Some(node.as_str())),
        _ => false,
    })
}

/// Hands a verified activity to the host, which applies it and records its id.
async fn apply(shared: &Shared, peer: &str, raw: &serde_json::Value) -> Result<(), InboxError> {
    let canonical = serde_json::to_vec(raw).map_err(|e| InboxError::Invalid(e.to_string()))?;
    let sha = hex::encode(Sha256::digest(&canonical));
    match shared.host.apply(peer, raw, &sha).await {
        Ok(Applied::New) => {
            shared.metrics.count_received(peer, "new");
            Ok(())
        }
        Ok(Applied::Duplicate) => {
            shared.metrics.count_received(peer, "duplicate");
            Ok(())
        }
        Ok(Applied::Conflict) => Err(InboxError::Conflict),
        Err(HostError::Refused(why)) => Err(InboxError::Invalid(why)),
        Err(HostError::Storage(why)) => Err(InboxError::Internal(why)),
    }
}

/// The references that must be ours or on an active link. Public addressing is refused
/// anywhere. A Group relays (Announce) what members of other nodes wrote (FEP-1b12): what it
/// announces may name nodes we are not linked to (the author's), vouched for by the group's
/// host, which is linked; nothing is ever fetched from them.
fn checked_references(value: &serde_json::Value, actor: &Url) -> Result<Vec<Url>, InboxError> {
    let all = references(value)?;
    if value.get("type").and_then(|t| t.as_str()) != Some("Announce") || !is_group(actor) {
        return Ok(all);
    }
    let mut outer = value.clone();
    if let Some(members) = outer.as_object_mut() {
        members.remove("object");
    }
    Ok(references(&outer)?)
}

/// The sender, from the signature's keyId, if its link is active (403 otherwise), decided
/// before anything else is read; the keyId must be the sender's node key (401).
fn linked_sender(shared: &Shared, signed: &SignedRequest) -> Result<String, InboxError> {
    let key_url = signed
        .signature
        .key_url()
        .ok_or_else(|| InboxError::Unauthenticated("keyId illisible".into()))?;
    let peer = crate::signing::authority(&key_url);
    if shared.links.active(&peer, shared.today()).is_none() {
        return Err(InboxError::Refused(format!(
            "{peer} n'est pas un lien actif"
        )));
    }
    if key_url != join(&shared.peer_base(&peer), NODE_ACTOR_PATH) {
        return Err(Refused::KeyId(signed.signature.key_id.clone()).into());
    }
    Ok(peer)
}

/// The other checks made before the body is read: type, declared size, coverage, Date.
fn guard_headers(shared: &Shared, signed: &SignedRequest) -> Result<(), InboxError> {
    if !is_activity_json(signed.content_type.as_deref().unwrap_or_default()) {
        return Err(InboxError::UnsupportedMediaType);
    }
    if signed
        .content_length
        .is_some_and(|len| len > MAX_ACTIVITY_BYTES as u64)
    {
        return Err(InboxError::TooLarge);
    }
    signed.check_coverage(true)?;
    signed.check_date(shared.host.now(), shared.settings.max_clock_skew_secs)?;
    Ok(())
}

/// Whether a Content-Type names ActivityPub JSON.
pub fn is_activity_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/activity+json"
        || (essence == "application/ld+json"
            && content_type.contains("https://www.w3.org/ns/activitystreams"))
}
