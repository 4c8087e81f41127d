//! ActivityPub layer of an ENT node.
//!
//! Everything protocol-specific lives here: the node's identity (its Service actor's key pair
//! and fingerprint), links with peer nodes, signed transport, the inbox's defences and the
//! ordered delivery workers. This crate never depends on `ent-node`; the node plugs its storage
//! and domain in through [`FederationHost`].

pub mod actors;
pub mod checker;
pub mod client;
pub mod delivery;
pub mod fetch;
pub mod host;
pub mod identity;
pub mod inbox;
pub mod links;
pub mod metrics;
pub mod parse;
pub mod request;
pub mod service;
pub mod signing;

pub use host::{Applied, Delivery, FederationHost, HostError, PeerRecord, QueueInfo};
pub use identity::{IdentityError, NodeIdentity, fingerprint_of_pem};
pub use inbox::InboxError;
pub use links::{LinkRegistry, LinkState};
pub use service::{Federation, Settings, Shared};

/// Media type of ActivityPub requests and answers.
pub const ACTIVITY_CONTENT_TYPE: &str = "application/activity+json";
