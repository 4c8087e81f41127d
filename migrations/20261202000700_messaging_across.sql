-- The messagerie between linked nodes (staff only): the people of other nodes one writes
-- with, each shown locally by an account that never signs in; the Note id of every message
-- that crossed a link (threads across nodes); files to copy from the sending node; and the
-- teacher's pre-moderation of pupils' messages to classmates.

-- A teacher or director of a linked node, as a local account without password nor
-- membership (its name reads "Claire D. (Collège Jean Moulin)").
CREATE TABLE message_correspondents (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    actor_url TEXT NOT NULL UNIQUE,
    peer TEXT NOT NULL,
    school TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX message_correspondents_peer ON message_correspondents (peer);

-- The Note of a message that crossed a link: ours (sent) or the peer's (received).
ALTER TABLE messages ADD COLUMN object_id TEXT;
CREATE UNIQUE INDEX messages_object ON messages (object_id);

-- A file announced by the sending node: 'missing' until its copy is fetched from source_url.
ALTER TABLE message_files ADD COLUMN source_url TEXT NOT NULL DEFAULT '';
ALTER TABLE message_files ADD COLUMN state TEXT NOT NULL DEFAULT 'present';
ALTER TABLE message_files ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message_files ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX message_files_missing ON message_files (state, next_attempt_at);

-- Pupils' messages to classmates held until a teacher of the class approves them.
ALTER TABLE class_messaging ADD COLUMN moderated BIGINT NOT NULL DEFAULT 0;
