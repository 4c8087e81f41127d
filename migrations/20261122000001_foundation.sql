-- Foundation schema. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Conventions: ids are UUID text; times are UTC seconds since the epoch (BIGINT);
-- booleans are BIGINT 0/1 (sqlx's Any driver cannot decode SQLite BOOLEAN).

CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    uai TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE classes (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools (id),
    school_year BIGINT NOT NULL,
    name TEXT NOT NULL,
    levels TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (school_id, school_year, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    usage_name TEXT,
    birth_date TEXT,
    email TEXT,
    civility TEXT,
    password_hash TEXT,
    -- Accent-free lower-case names and identifier, so search behaves the same on both engines
    -- (SQLite's LOWER() only folds A-Z).
    search_key TEXT NOT NULL DEFAULT '',
    is_operator BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    deactivated_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One profile per user and school.
CREATE INDEX users_search ON users (search_key);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    profile TEXT NOT NULL,
    PRIMARY KEY (user_id, school_id)
);
CREATE INDEX memberships_school ON memberships (school_id, profile);

-- Pupils and teachers of a class (role 'pupil' or 'teacher').
CREATE TABLE class_members (
    class_id TEXT NOT NULL REFERENCES classes (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_members_user ON class_members (user_id);

CREATE TABLE guardianships (
    parent_id TEXT NOT NULL REFERENCES users (id),
    child_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX guardianships_child ON guardianships (child_id);

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

-- Only a hash is kept: a printed sheet is the one place the code exists in clear.
CREATE TABLE activation_codes (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Browser sessions; the cookie holds a random token, the table its SHA-256.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, by subject ('account:ID' or 'address:IP'), for throttling.
CREATE TABLE sign_in_failures (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, at);

-- What an import knew a person as, so that the next import updates instead of duplicating.
CREATE TABLE import_keys (
    school_id TEXT NOT NULL REFERENCES schools (id),
    kind TEXT NOT NULL,
    match_key TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (school_id, kind, match_key)
);
CREATE INDEX import_keys_user ON import_keys (user_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
