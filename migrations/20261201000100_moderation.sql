-- Edits wait for a moderator: in a pre-moderated space, a pupil's (or guest's) new text of an
-- approved post is kept here until a moderator approves it; `content` stays the approved text
-- that members read. '' when no edit waits.
ALTER TABLE space_posts ADD COLUMN proposed TEXT NOT NULL DEFAULT '';

-- A member reports a post once while their report is open (a second report adds nothing).
DELETE FROM space_reports WHERE resolved_at = 0 AND id NOT IN
    (SELECT MIN(id) FROM space_reports WHERE resolved_at = 0 GROUP BY post_id, reporter_actor);
CREATE UNIQUE INDEX space_reports_open_once ON space_reports (post_id, reporter_actor)
    WHERE resolved_at = 0;

-- Printing sheets reprints the codes already handed out: a code issued for a sheet is derived
-- from the node's secret key and this random seed ('' for codes shown once, elsewhere), so
-- the database alone still does not reveal it.
ALTER TABLE activation_codes ADD COLUMN seed TEXT NOT NULL DEFAULT '';

-- A local guest belongs to the school of whoever created it (NULL: created by the operator,
-- who alone sees it besides its creator). Guests created before: their creator's school as
-- director, else as teacher.
ALTER TABLE guests ADD COLUMN school_id TEXT;
UPDATE guests SET school_id = (
    SELECT m.school_id FROM memberships m
    WHERE m.user_id = guests.created_by AND m.profile IN ('director', 'teacher')
    ORDER BY CASE m.profile WHEN 'director' THEN 0 ELSE 1 END, m.school_id LIMIT 1
) WHERE peer = '';
