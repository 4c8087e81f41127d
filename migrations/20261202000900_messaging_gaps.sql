-- Pupils writing to classmates is validated by a teacher unless a teacher or the director
-- explicitly chose otherwise (as Beneylu does). Until now, opening a class without a word
-- about validation left it off (and classes opened before validation existed got it off by
-- the column's default): no explicit choice was recorded, so the safe default applies to
-- every class already open. Whoever wants it off chooses it again (journaled from now on).
UPDATE class_messaging SET moderated = 1 WHERE pupils_write_classmates = 1 AND moderated = 0;

-- A recipient of a linked node a held or scheduled message could not reach (the link ended
-- before its time): why, shown to the sender ("non remis : le lien avec … a pris fin").
ALTER TABLE message_recipients ADD COLUMN undelivered TEXT;
