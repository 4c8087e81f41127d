-- Actualités and the cahier de liaison (issue 14). Portable SQL (SQLite and PostgreSQL): ids
-- TEXT, times BIGINT epoch seconds, booleans BIGINT 0/1, dates ISO TEXT.

-- A news item: the operator's (school_id NULL: the whole node), a school's or a class's.
CREATE TABLE news_items (
    id TEXT PRIMARY KEY,
    author_id TEXT NOT NULL REFERENCES users (id),
    school_id TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    pinned BIGINT NOT NULL DEFAULT 0,
    -- The publication time, moved to the end of the quiet hours when aimed at families.
    visible_at BIGINT NOT NULL,
    -- Hidden from then on (NULL: never).
    end_at BIGINT,
    -- 1 once its audience was notified (at visible_at).
    notified BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX news_items_visible ON news_items (visible_at);
CREATE INDEX news_items_author ON news_items (author_id, created_at);
CREATE INDEX news_items_due ON news_items (notified, visible_at);

-- Its audiences, as codes (`parents:CLASS`, `noeud:tout`): a viewer's codes find the items.
CREATE TABLE news_audiences (
    news_id TEXT NOT NULL REFERENCES news_items (id),
    code TEXT NOT NULL,
    PRIMARY KEY (news_id, code)
);
CREATE INDEX news_audiences_code ON news_audiences (code, news_id);

-- Who read which item (read/unread only: no counts are shown to anyone).
CREATE TABLE news_reads (
    news_id TEXT NOT NULL REFERENCES news_items (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (news_id, user_id)
);

-- A "mot" of the cahier de liaison, to the parents of a class or of some of its pupils.
CREATE TABLE liaison_mots (
    id TEXT PRIMARY KEY,
    author_id TEXT NOT NULL REFERENCES users (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 'none', 'each' (every guardian signs) or 'family' (one signature per pupil).
    signature TEXT NOT NULL,
    -- Delivered then (the end of the quiet hours when written during them).
    visible_at BIGINT NOT NULL,
    notified BIGINT NOT NULL DEFAULT 0,
    reminded_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX liaison_mots_class ON liaison_mots (class_id, created_at);
CREATE INDEX liaison_mots_due ON liaison_mots (notified, visible_at);

-- The pupils whose carnet holds the mot.
CREATE TABLE liaison_pupils (
    mot_id TEXT NOT NULL REFERENCES liaison_mots (id),
    pupil_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (mot_id, pupil_id)
);
CREATE INDEX liaison_pupils_pupil ON liaison_pupils (pupil_id, mot_id);

-- "Lu et pris connaissance": one row per guardian and pupil (the key makes a second tap a no-op).
CREATE TABLE liaison_signatures (
    mot_id TEXT NOT NULL REFERENCES liaison_mots (id),
    pupil_id TEXT NOT NULL REFERENCES users (id),
    parent_id TEXT NOT NULL REFERENCES users (id),
    signed_at BIGINT NOT NULL,
    PRIMARY KEY (mot_id, pupil_id, parent_id)
);

-- A parent's "mot d'absence" to the school.
CREATE TABLE liaison_absences (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    pupil_id TEXT NOT NULL REFERENCES users (id),
    parent_id TEXT NOT NULL REFERENCES users (id),
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    -- Shown to the school then (the end of the quiet hours when sent during them).
    visible_at BIGINT NOT NULL,
    notified BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX liaison_absences_class ON liaison_absences (class_id, visible_at);
CREATE INDEX liaison_absences_parent ON liaison_absences (parent_id, created_at);

-- Images and documents of a news item (types sniffed by `attachments`), bytes apart.
CREATE TABLE news_files (
    id TEXT PRIMARY KEY,
    news_id TEXT NOT NULL REFERENCES news_items (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX news_files_news ON news_files (news_id);

CREATE TABLE news_file_data (
    file_id TEXT PRIMARY KEY REFERENCES news_files (id),
    data BYTEA NOT NULL
);
