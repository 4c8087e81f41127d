-- Notifications: the centre of each user, the kinds they turned off, their e-mail address and
-- the durable outbox of mails. Portable SQL (SQLite and PostgreSQL).

-- One line of someone's notification centre. `label` never holds what a pupil wrote: only that
-- there is something to see.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- 0 while unread.
    read_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- The kinds a user does not want (every kind is on until turned off).
CREATE TABLE notification_muted (
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- An adult's address for notifications. Mails go only once `confirmed_at` is set (the
-- confirmation link carries `token`). `mode`: 'each' (one mail per notification), 'digest'
-- (one a day) or 'off' (unsubscribed). `digest_at`: notifications after it await the digest.
CREATE TABLE notification_mail (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    address TEXT NOT NULL,
    token TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL DEFAULT 0,
    mode TEXT NOT NULL,
    digest_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Mails to send, stored in the transaction that decided them. `state`: 'queued' (waits for
-- `not_before`), 'sending' (a sender holds it until `lease_until`), 'sent' or 'failed' (given up).
-- `message_id` is the mail's Message-ID, the same on every attempt.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    not_before BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, not_before);
