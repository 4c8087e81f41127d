-- The agenda: events of a school, a class, a group or one person; weekly series with their
-- exceptions; private iCalendar feeds; school holidays imported from the ministry's dataset.
-- Portable SQL (SQLite and PostgreSQL): ids TEXT, times BIGINT, booleans BIGINT 0/1. Days and
-- hours are the schools' local ones (YYYY-MM-DD, HH:MM): a weekly series keeps its hour across
-- the change to summer time.

CREATE TABLE agenda_events (
    id TEXT PRIMARY KEY,
    -- 'ecole', 'classe', 'groupe' or 'personnel'; target_id names the school, class, group or
    -- the owner.
    scope TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- The school the event belongs to (NULL for a personal event).
    school_id TEXT,
    author_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    all_day BIGINT NOT NULL,
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL,
    -- '' for an all-day event.
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    -- Last day of a weekly series (included); NULL: one occurrence.
    weekly_until TEXT,
    -- Families (pupils, parents) see it from then: a change made in the quiet hours waits for
    -- their end.
    families_from BIGINT NOT NULL,
    -- iCalendar UID (an imported event keeps its own: importing the file again updates it).
    uid TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agenda_events_target ON agenda_events (scope, target_id);
CREATE UNIQUE INDEX agenda_events_uid ON agenda_events (target_id, uid);

-- One occurrence of a series cancelled, or moved (new day and hours).
CREATE TABLE agenda_exceptions (
    event_id TEXT NOT NULL REFERENCES agenda_events (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    cancelled BIGINT NOT NULL,
    new_day TEXT,
    new_start TEXT,
    new_end TEXT,
    PRIMARY KEY (event_id, day)
);

-- Notices to families of an event change, sent when the quiet hours end.
CREATE TABLE agenda_notices (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    sent BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX agenda_notices_due ON agenda_notices (sent, due_at);

-- A person's private feed: only the SHA-256 of the token is kept.
CREATE TABLE agenda_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- School holidays imported from the dataset (the shipped years are in the binary); days off
-- are first_day..last_day, both included; last_day NULL: summer not ended yet.
CREATE TABLE school_holidays (
    zone TEXT NOT NULL,
    school_year TEXT NOT NULL,
    description TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (zone, school_year, description, first_day)
);

-- Files attached to an event (type read from the bytes by attachments.rs), and their bytes.
CREATE TABLE agenda_files (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES agenda_events (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX agenda_files_event ON agenda_files (event_id);
CREATE TABLE agenda_file_data (
    file_id TEXT PRIMARY KEY REFERENCES agenda_files (id),
    data BYTEA NOT NULL
);
