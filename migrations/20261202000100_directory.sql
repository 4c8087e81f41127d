-- Collège nodes: what the académie's directory (AAF) feeds bring beyond ONDE.

-- A person of an AAF feed, by jointure id. Jointure ids are unique only inside one académie,
-- so the académie is part of the key; one person of two structures is one row (one account).
CREATE TABLE directory_ids (
    academy TEXT NOT NULL,
    jointure TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (academy, jointure)
);
CREATE INDEX directory_ids_user ON directory_ids (user_id);

-- The structure a school is in the académie's directory (set by the first AAF import), so a
-- Delta without EtabEducNat still finds its schools.
ALTER TABLE schools ADD COLUMN academy TEXT;
ALTER TABLE schools ADD COLUMN jointure TEXT;

-- Collège teaching groups (LV2, options) are classes of kind 'group': they show wherever a
-- class shows. `external_id` is the code of the class in the feed (stable while labels change).
ALTER TABLE classes ADD COLUMN kind TEXT NOT NULL DEFAULT 'class';
ALTER TABLE classes ADD COLUMN external_id TEXT;
CREATE INDEX classes_external ON classes (school_id, school_year, external_id);

-- The professeur principal of a class.
ALTER TABLE class_members ADD COLUMN principal BIGINT NOT NULL DEFAULT 0;

-- Subjects of the national nomenclature (BCN codes, MatiereEducNat), for the cahier de textes.
CREATE TABLE subjects (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL
);

-- Who teaches what in which class or group ('' when the feed names no subject).
CREATE TABLE teaching (
    class_id TEXT NOT NULL REFERENCES classes (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    subject_code TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (class_id, user_id, subject_code)
);
CREATE INDEX teaching_user ON teaching (user_id);

-- Functions of staff in a school (direction, CPE, vie scolaire, documentation, secrétariat…).
CREATE TABLE staff_functions (
    user_id TEXT NOT NULL REFERENCES users (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    discipline TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, school_id, code, discipline)
);
CREATE INDEX staff_functions_school ON staff_functions (school_id);
