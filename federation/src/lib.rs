//! ActivityPub layer of an ENT node.
//!
//! Everything protocol-specific lives here: the node's identity (its Service actor's key pair
//! and fingerprint), links with peer nodes, signed transport and the durable outbox. This crate
//! never depends on `ent-node`; the node plugs its domain in through traits defined here.
//! Today it holds the node identity; transport and delivery come with the federation core.

pub mod identity;

pub use identity::{IdentityError, NodeIdentity, fingerprint_of_pem};
