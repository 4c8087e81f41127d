-- Parent links an ONDE import could not decide (two pupils with the same names in one
-- class): the rest of the file is imported and a teacher or the director chooses the
-- child; the answer is remembered by the next imports (provisioning/onde/questions.rs).
CREATE TABLE guardian_link_questions (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    parent_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The child as the guardians file wrote it: normalised names and class.
    child_key TEXT NOT NULL,
    child_label TEXT NOT NULL,
    chosen_child_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    asked_at BIGINT NOT NULL,
    answered_at BIGINT,
    answered_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (parent_id, child_key)
);

CREATE TABLE guardian_link_candidates (
    question_id TEXT NOT NULL REFERENCES guardian_link_questions (id) ON DELETE CASCADE,
    child_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, child_id)
);

CREATE INDEX guardian_link_candidates_child ON guardian_link_candidates (child_id);
