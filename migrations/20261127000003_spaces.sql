-- Cycle 3 spaces: a space lives on one node (its host); member nodes keep a copy of it, of its
-- members and of its posts, so their members still read it while the host is unreachable.
-- `host` is '' for spaces of this node and the host's domain for copies.

CREATE TABLE spaces (
    id TEXT PRIMARY KEY,
    -- The Group actor's URL (on the host).
    group_id TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    school_year BIGINT NOT NULL,
    -- The school of the owner ("Collège Jean Moulin"), shown on every node.
    host_school TEXT NOT NULL,
    premoderated BIGINT NOT NULL,
    comments_on BIGINT NOT NULL,
    files_allowed BIGINT NOT NULL,
    -- Unix seconds; 0 when open without end.
    open_until BIGINT NOT NULL,
    -- 1 for a space of this node that never leaves it.
    local_only BIGINT NOT NULL,
    closed_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Members, on the host and in every copy. `actor_id` is the member's Person actor URL, or
-- 'local:<user id>' for members of a local-only space; `user_id` is set when the member has an
-- account on this node (its own users, and guest accounts on the host); `node` is the member's
-- home domain, '' for this node.
CREATE TABLE space_members (
    space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    user_id TEXT,
    node TEXT NOT NULL,
    display_name TEXT NOT NULL,
    school TEXT NOT NULL,
    level TEXT NOT NULL,
    -- owner, moderator, member, guest
    role TEXT NOT NULL,
    -- active, left, removed
    state TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (space_id, actor_id)
);
CREATE INDEX space_members_user ON space_members (user_id);

-- Posts and comments (`parent_id` set). `object_id` is the Note's URL on its author's node.
-- status: sending (written on a member node, not yet accepted by the host), pending (waits for a
-- moderator), published, hidden, deleted.
CREATE TABLE space_posts (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    object_id TEXT NOT NULL UNIQUE,
    parent_id TEXT,
    author_actor TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_school TEXT NOT NULL,
    author_node TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX space_posts_space ON space_posts (space_id, created_at);

-- Files attached to posts (the files area lists those of visible posts). A file written here
-- is `present` at once; a copy announced by another node is `missing` until fetched (signed GET
-- from `source_url`, checked against its size and SHA-256).
CREATE TABLE space_files (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL REFERENCES space_posts (id) ON DELETE CASCADE,
    space_id TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    source_url TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX space_files_post ON space_files (post_id);
CREATE INDEX space_files_missing ON space_files (state, next_attempt_at);

-- The bytes, apart, so that listing files never loads them.
CREATE TABLE space_file_data (
    file_id TEXT PRIMARY KEY REFERENCES space_files (id) ON DELETE CASCADE,
    data BYTEA NOT NULL
);

-- Reports of a post by a member (moderators see them).
CREATE TABLE space_reports (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL REFERENCES space_posts (id) ON DELETE CASCADE,
    reporter_actor TEXT NOT NULL,
    reporter_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT NOT NULL DEFAULT 0
);

-- Invitations. On the host (`direction` = 'out'): a class or teacher of a linked node invited to
-- a space. On the invited node ('in'): what its teacher sees and answers. `class_ref` is the
-- invited class (its id on the invited node); `headcount` is what the peer shared.
CREATE TABLE space_invitations (
    id TEXT PRIMARY KEY,
    invite_id TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    peer TEXT NOT NULL,
    class_ref TEXT NOT NULL,
    class_label TEXT NOT NULL,
    teacher_label TEXT NOT NULL,
    headcount BIGINT NOT NULL,
    -- 'class' (a teacher answers for a class) or 'teacher' (one teacher, who joins as a guest).
    kind TEXT NOT NULL DEFAULT 'class',
    -- For a teacher: their Person actor URL (host) or their account (invited node).
    invitee TEXT NOT NULL DEFAULT '',
    -- open, accepted, refused, declined, withdrawn
    state TEXT NOT NULL,
    -- Why it was refused (quota reached…), shown to the teacher.
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

-- Guest accounts: a remote actor admitted on this node (bound to the link it came through), or a
-- local guest created by hand (`peer` = '', `remote_actor` NULL).
CREATE TABLE guests (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    peer TEXT NOT NULL,
    remote_actor TEXT UNIQUE,
    created_by TEXT,
    expires_at BIGINT NOT NULL,
    expired_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX guests_peer ON guests (peer);

-- Federated sign-in: requests this node (as host) sent to a home node, and token ids it already
-- accepted (a token is accepted once).
CREATE TABLE federated_logins (
    nonce TEXT PRIMARY KEY,
    peer TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE federated_login_tokens (
    jti TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
