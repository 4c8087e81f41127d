-- Indexes behind pages added by the trust issue: the class page lists its school's open
-- parent-link questions, and the journal filters by a person (who acted, or whom it concerned).
CREATE INDEX guardian_link_questions_school ON guardian_link_questions (school_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_target ON audit_log (target, at);
