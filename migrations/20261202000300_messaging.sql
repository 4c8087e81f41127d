-- The messagerie: one row per message, one recipient list, one mailbox row per person and
-- folder. Portable SQL (SQLite and PostgreSQL): ids TEXT, times BIGINT, booleans BIGINT 0/1.

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    sender_id TEXT NOT NULL REFERENCES users (id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Subject, text and sender's name folded (no accents, lower case): search is the same on
    -- both engines.
    search_text TEXT NOT NULL,
    -- The message this one answers, and the first message of the thread.
    parent_id TEXT,
    thread_id TEXT NOT NULL,
    -- 'draft', 'held' (waits for deliver_at: quiet hours or scheduled) or 'sent'.
    state TEXT NOT NULL,
    deliver_at BIGINT NOT NULL,
    urgent BIGINT NOT NULL DEFAULT 0,
    -- The audiences as chosen (codes, one per line), shown as "À : Parents de CM2 A".
    audiences TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX messages_held ON messages (state, deliver_at);
CREATE INDEX messages_sender ON messages (sender_id, created_at);

-- The one recipient list of a message (a class's parents: one row per parent).
CREATE TABLE message_recipients (
    message_id TEXT NOT NULL REFERENCES messages (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (message_id, user_id)
);

-- Where a message sits for one person: 'inbox', 'sent' or 'draft'; in the trash since
-- trashed_at (purged 30 days later).
CREATE TABLE mailbox (
    owner_id TEXT NOT NULL REFERENCES users (id),
    message_id TEXT NOT NULL REFERENCES messages (id),
    folder TEXT NOT NULL,
    at BIGINT NOT NULL,
    read_at BIGINT,
    trashed_at BIGINT,
    PRIMARY KEY (owner_id, message_id, folder)
);
CREATE INDEX mailbox_list ON mailbox (owner_id, folder, trashed_at, at);
CREATE INDEX mailbox_message ON mailbox (message_id);

CREATE TABLE message_files (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX message_files_message ON message_files (message_id);

CREATE TABLE message_file_data (
    file_id TEXT PRIMARY KEY REFERENCES message_files (id),
    data BYTEA NOT NULL
);

-- Class options of the communication rules, set by the class's teacher or the director.
CREATE TABLE class_messaging (
    class_id TEXT PRIMARY KEY REFERENCES classes (id),
    pupils_write_classmates BIGINT NOT NULL DEFAULT 0
);
