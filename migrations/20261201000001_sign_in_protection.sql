-- Sign-in protection (issue 10).

-- Throttling per subject ('account:IDENTIFIER' as typed, or 'address:IP'). An attempt is
-- reserved here, in one transaction, before its password is checked, so that concurrent
-- attempts cannot all slip under the limit. `attempts` counts the window's attempts (those in
-- flight included); past the free ones, `blocked_until` is the time before which no attempt
-- on the subject is checked (a progressive delay, never a hard lock).
CREATE TABLE sign_in_throttle (
    subject TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX sign_in_throttle_blocked ON sign_in_throttle (blocked_until);

-- Replaced by sign_in_throttle.
DROP TABLE sign_in_failures;

-- Bumped when a password is changed or reset, or the account reactivated: API tokens carry the
-- version they were issued under and are refused once it moved.
ALTER TABLE users ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 0;

-- Idle lifetime of the session, seconds (shorter for pupils on shared computers); 0 for
-- sessions opened before this column existed (the configured default applies).
ALTER TABLE sessions ADD COLUMN idle_secs BIGINT NOT NULL DEFAULT 0;
