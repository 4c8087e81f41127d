//! ActivityPub layer of an ENT node.
//!
//! This crate will hold everything protocol-specific: the node's Service actor, links with peer
//! nodes, signed transport and the durable outbox. It never depends on `ent-node`; the node plugs
//! its domain in through traits defined here. It is an empty shell until the federation core lands.
