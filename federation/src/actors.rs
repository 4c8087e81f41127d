//! Actors: the node's Service actor (served to anyone: it carries only the node's public key)
//! and the rules that say which actors a peer's node key speaks for.

use serde::{Deserialize, Serialize};
use url::Url;

/// Path of a node's Service actor.
pub const NODE_ACTOR_PATH: &str = "/federation/node";
/// Path of a node's shared inbox.
pub const INBOX_PATH: &str = "/federation/inbox";
/// Path of the reciprocity endpoint (served to configured peers only).
pub const LINK_PATH: &str = "/federation/link";
/// Prefix of a node's Person actors (its users who take part in federation).
pub const PERSON_PATH_PREFIX: &str = "/federation/actors/";
/// Prefix of a node's Group actors (its spaces).
pub const GROUP_PATH_PREFIX: &str = "/federation/spaces/";

/// Whether `url` is an actor of the node at `base`: its Service actor, a Person or a Group.
/// A node signs with its own key for all of them (it speaks for its users and its spaces), so
/// the actor of an activity must be one of the signer's, never another node's.
pub fn is_actor_of(base: &Url, url: &Url) -> bool {
    if url.origin() != base.origin() || url.query().is_some() || url.fragment().is_some() {
        return false;
    }
    let path = url.path();
    let named = |prefix: &str| {
        path.strip_prefix(prefix).is_some_and(|id| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    };
    path == NODE_ACTOR_PATH || named(PERSON_PATH_PREFIX) || named(GROUP_PATH_PREFIX)
}

/// Whether `url` is a Group actor (a space) of any node.
pub fn is_group(url: &Url) -> bool {
    url.path().starts_with(GROUP_PATH_PREFIX)
}

/// An actor's public key, as actors publish it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    /// `<actor>#main-key`.
    pub id: String,
    /// The actor.
    pub owner: Url,
    /// SubjectPublicKeyInfo, PEM.
    pub public_key_pem: String,
}

/// The JSON of a node's Service actor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceActor {
    /// JSON-LD context.
    #[serde(rename = "@context", default)]
    pub context: serde_json::Value,
    /// `Service`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `https://<domain>/federation/node`.
    pub id: Url,
    /// Always `node`.
    pub preferred_username: String,
    /// The node's name.
    pub name: String,
    /// The shared inbox.
    pub inbox: Url,
    /// The node key.
    pub public_key: PublicKey,
}

impl ServiceActor {
    /// The actor of the node at `base`.
    pub fn new(base: &Url, name: &str, public_key_pem: &str) -> Self {
        let id = join(base, NODE_ACTOR_PATH);
        Self {
            context: serde_json::json!([
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1"
            ]),
            kind: "Service".into(),
            preferred_username: "node".into(),
            name: name.into(),
            inbox: join(base, INBOX_PATH),
            public_key: PublicKey {
                id: format!("{id}#main-key"),
                owner: id.clone(),
                public_key_pem: public_key_pem.to_owned(),
            },
            id,
        }
    }
}

/// `base` + `path`.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(path);
    url.set_query(None);
    url.set_fragment(None);
    url
}
