-- Versions: a copy never goes back to an older state of what its owner changed, whatever
-- order (or replay) deliveries come in. `remote_updated` is the sending node's `updated` time
-- of a received notice; `version` is the host's version of a space's settings and of each post
-- (strictly increasing on the host), as this node last applied it.
ALTER TABLE federation_notices ADD COLUMN remote_updated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE spaces ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE space_posts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
