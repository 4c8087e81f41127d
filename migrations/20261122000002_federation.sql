-- Federation core: actors that federate, peers' pinned keys and state, the transactional
-- outbox (one row per activity and peer), received activity ids, and node notices (the first
-- federated content: messages between the operators of linked nodes).

-- Local actors with a key pair: the node's users get one when they first take part in
-- federation (RSA generation is slow, so never at import). The node's own Service actor lives in
-- the data folder, not here.
CREATE TABLE federation_actors (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What this node knows of each configured peer.
CREATE TABLE federation_peers (
    domain TEXT PRIMARY KEY,
    public_key_pem TEXT,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    checked_at BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT NOT NULL DEFAULT 0,
    failing_since BIGINT NOT NULL DEFAULT 0,
    delivered_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    cursor TEXT NOT NULL DEFAULT ''
);

-- The outbox: written in the same transaction as the change that caused the activity. Rows are
-- ordered by id (UUIDv7, time-ordered) and deleted once delivered.
CREATE TABLE federation_deliveries (
    id TEXT PRIMARY KEY,
    peer TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    inbox_url TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX federation_deliveries_peer ON federation_deliveries (peer, id);

-- Received activity ids, recorded in the transaction of their effect (idempotent receiving).
CREATE TABLE federation_received (
    activity_id TEXT PRIMARY KEY,
    peer TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX federation_received_peer ON federation_received (peer);

-- Notices: short messages an operator sends to the operators of linked nodes. Our own have
-- peer = '' ; a peer's copies are purged when its link ends.
CREATE TABLE federation_notices (
    id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL UNIQUE,
    peer TEXT NOT NULL,
    author_label TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX federation_notices_peer ON federation_notices (peer, published_at);
