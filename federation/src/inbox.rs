//! The shared inbox. Refuses as early as possible, with the right status:
//!
//! 1. before the body is read: no parsable signature (401), sender host not an active link
//!    (403, and no outbound fetch), wrong Content-Type (415), declared length over 256 KiB
//!    (413), signature not covering `(request-target) host date digest` or a Date outside the
//!    allowed skew (401);
//! 2. the body, read up to 256 KiB (413), must be bounded JSON (400) whose actor is one of
//!    the sender's (node, Person, Group) and whose every reference is ours or on an active link
//!    (403; what a Group announces may name its members' nodes);
//! 3. then the ActivityPub crate checks the digest and the signature (401) and hands the
//!    activity to the host, which applies it and records its id in one transaction (a replay
//!    is a no-op, the same id with another body is 409).

use std::sync::Arc;

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use activitypub_federation::config::Data;
use activitypub_federation::traits::Activity;
use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, StatusCode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::actors::{PeerNode, is_actor_of, is_group};
use crate::host::{Applied, HostError};
use crate::parse::{Refusal, parse_bounded, references};
use crate::service::{Federation, Shared};
use crate::signing::SignatureHeader;

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

impl From<activitypub_federation::error::Error> for InboxError {
    fn from(error: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as E;
        match error {
            E::ActivityBodyDigestInvalid | E::ActivitySignatureInvalid => {
                Self::Unauthenticated(error.to_string())
            }
            E::UrlVerificationError(_) | E::NotFound | E::RequestLimit => {
                Self::Refused(error.to_string())
            }
            _ => Self::Invalid(error.to_string()),
        }
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
    // Who is not linked gets 403 and no metric label (labels would be the sender's choosing).
    let (peer, signature) = linked_sender(shared, request.headers())?;
    match receive_from_peer(federation, &peer, &signature, request).await {
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
    federation: &Federation,
    peer: &str,
    signature: &SignatureHeader,
    request: Request<Body>,
) -> Result<String, InboxError> {
    let shared = federation.shared();
    guard_headers(shared, request.headers(), signature)?;
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ACTIVITY_BYTES)
        .await
        .map_err(|_| InboxError::TooLarge)?;
    let value = parse_bounded(&bytes)?;
    let actor = value
        .get("actor")
        .and_then(|a| a.as_str())
        .and_then(|a| Url::parse(a).ok());
    let Some(actor) = actor.filter(|a| is_actor_of(&shared.peer_base(peer), a)) else {
        return Err(InboxError::Refused(
            "l'acteur de l'activité n'est pas un acteur du nœud signataire".into(),
        ));
    };
    for url in checked_references(&value, &actor)? {
        let host = crate::signing::authority(&url);
        if host != shared.authority && shared.links.active(&host, shared.today()).is_none() {
            return Err(Refusal::ForeignReference(host).into());
        }
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let data = ActivityData::from_request(request, &())
        .await
        .map_err(|_| InboxError::Invalid("corps illisible".into()))?;
    receive_activity::<InboxActivity, PeerNode, Arc<Shared>>(
        data,
        &federation.crate_config().to_request_data(),
    )
    .await?;
    Ok(value
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned())
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

/// The sender, from the signature's keyId, if its link is active (401 without a signature,
/// 403 otherwise): decided before anything else is read.
fn linked_sender(
    shared: &Shared,
    headers: &axum::http::HeaderMap,
) -> Result<(String, SignatureHeader), InboxError> {
    let signature = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .and_then(SignatureHeader::parse)
        .ok_or_else(|| InboxError::Unauthenticated("signature absente".into()))?;
    let key_url = signature
        .key_url()
        .ok_or_else(|| InboxError::Unauthenticated("keyId illisible".into()))?;
    let peer = crate::signing::authority(&key_url);
    if shared.links.active(&peer, shared.today()).is_none() {
        return Err(InboxError::Refused(format!(
            "{peer} n'est pas un lien actif"
        )));
    }
    Ok((peer, signature))
}

/// The other checks made before the body is read: type, declared size, coverage, Date.
fn guard_headers(
    shared: &Shared,
    headers: &axum::http::HeaderMap,
    signature: &SignatureHeader,
) -> Result<(), InboxError> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_activity_json(content_type) {
        return Err(InboxError::UnsupportedMediaType);
    }
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_ACTIVITY_BYTES) {
        return Err(InboxError::TooLarge);
    }
    signature
        .check_coverage(true)
        .map_err(|e| InboxError::Unauthenticated(e.to_string()))?;
    crate::fetch::date_is_fresh(shared, headers).map_err(|e| InboxError::Unauthenticated(e.into()))
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

/// Any activity, kept as JSON: the host decides what it means.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub struct InboxActivity {
    id: Url,
    actor: Url,
    raw: serde_json::Value,
}

impl TryFrom<serde_json::Value> for InboxActivity {
    type Error = String;

    fn try_from(raw: serde_json::Value) -> Result<Self, Self::Error> {
        let url = |field: &str| {
            raw.get(field)
                .and_then(|v| v.as_str())
                .and_then(|v| Url::parse(v).ok())
                .ok_or_else(|| format!("champ {field} absent ou invalide"))
        };
        Ok(Self {
            id: url("id")?,
            actor: url("actor")?,
            raw,
        })
    }
}

#[async_trait::async_trait]
impl Activity for InboxActivity {
    type DataType = Arc<Shared>;
    type Error = InboxError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<Self::DataType>) -> Result<(), Self::Error> {
        // References were checked on the raw body; the crate checked id and actor domains.
        Ok(())
    }

    async fn receive(self, data: &Data<Self::DataType>) -> Result<(), Self::Error> {
        let shared = data.app_data();
        let peer = crate::signing::authority(&self.actor);
        let canonical =
            serde_json::to_vec(&self.raw).map_err(|e| InboxError::Invalid(e.to_string()))?;
        let sha = hex::encode(Sha256::digest(&canonical));
        match shared.host.apply(&peer, &self.raw, &sha).await {
            Ok(Applied::New) => {
                shared.metrics.count_received(&peer, "new");
                Ok(())
            }
            Ok(Applied::Duplicate) => {
                shared.metrics.count_received(&peer, "duplicate");
                Ok(())
            }
            Ok(Applied::Conflict) => Err(InboxError::Conflict),
            Err(HostError::Refused(why)) => Err(InboxError::Invalid(why)),
            Err(HostError::Storage(why)) => Err(InboxError::Internal(why)),
        }
    }
}
