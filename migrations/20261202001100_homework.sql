-- Cahier de textes: séances (what was done) and travail à faire (for a day) of a class (a
-- collège teaching group is a class of kind 'group'), optionally for a subject; pupils' "fait"
-- marks; works handed in ("à rendre") and the teacher's answer. Portable SQL.

-- `kind`: 'seance' or 'travail'. `day`: the séance's date, or the day the work is due
-- (YYYY-MM-DD, Paris). `visible_at`: when pupils and parents see it (planned date, then the end
-- of the quiet hours). `links`: one http(s) address a line.
CREATE TABLE homework_entries (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    subject_code TEXT NOT NULL DEFAULT '',
    day TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    links TEXT NOT NULL DEFAULT '',
    minutes BIGINT NOT NULL DEFAULT 0,
    hand_in BIGINT NOT NULL DEFAULT 0,
    visible_at BIGINT NOT NULL,
    notified BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX homework_entries_class ON homework_entries (class_id, day);
CREATE INDEX homework_entries_due ON homework_entries (notified, visible_at);

-- A pupil's "fait" (seen by the class's teachers, never by other pupils).
CREATE TABLE homework_done (
    entry_id TEXT NOT NULL REFERENCES homework_entries (id),
    pupil_id TEXT NOT NULL REFERENCES users (id),
    done_at BIGINT NOT NULL,
    PRIMARY KEY (entry_id, pupil_id)
);

CREATE TABLE homework_files (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES homework_entries (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX homework_files_entry ON homework_files (entry_id);

CREATE TABLE homework_file_data (
    file_id TEXT PRIMARY KEY REFERENCES homework_files (id),
    data BYTEA NOT NULL
);

-- One hand-in per pupil and work (handing in again replaces the text and adds files).
CREATE TABLE homework_handins (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES homework_entries (id),
    pupil_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    answered_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (entry_id, pupil_id)
);

CREATE TABLE homework_handin_files (
    id TEXT PRIMARY KEY,
    handin_id TEXT NOT NULL REFERENCES homework_handins (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX homework_handin_files_handin ON homework_handin_files (handin_id);

CREATE TABLE homework_handin_file_data (
    file_id TEXT PRIMARY KEY REFERENCES homework_handin_files (id),
    data BYTEA NOT NULL
);
