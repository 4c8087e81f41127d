-- A teacher adding another teacher's class to a group asks that class's teacher first (as
-- spaces do): the request waits here until the class's teacher answers. `selection` is who of
-- the class would join (pupils, parents, teachers).
CREATE TABLE group_requests (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    class_id TEXT NOT NULL REFERENCES classes (id),
    selection TEXT NOT NULL,
    asked_by TEXT NOT NULL,
    -- open, accepted, declined
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Asked once while waiting (a form sent twice asks once).
CREATE UNIQUE INDEX group_requests_open ON group_requests (group_id, class_id, selection)
    WHERE state = 'open';
