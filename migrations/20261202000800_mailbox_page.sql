-- The mailbox page reads the newest lines of one folder without sorting or counting the
-- folder, and a search reads only the owner's lines (issue 13's benchmark: a 20,000-message
-- mailbox). Partial indexes (both engines): the queries carry the same predicate word for
-- word; `trashed_at IS NULL` is not an equality for the planners' ordering, hence it is the
-- indexes' predicate rather than one of their columns.
DROP INDEX mailbox_list;
CREATE INDEX mailbox_page ON mailbox (owner_id, folder, at, message_id) WHERE trashed_at IS NULL;
CREATE INDEX mailbox_unread ON mailbox (owner_id, folder) WHERE read_at IS NULL AND trashed_at IS NULL;

-- Each line's copy of its message's folded text (subject, text, sender): a search filters the
-- owner's lines as the index gives them, without a lookup of the message for each (what
-- made a search that matches nothing read 20,000 messages one by one). Written with the line
-- (`store::file_in`); a message is only edited while a draft or held, and its lines are then
-- filed again. The text is copied once per recipient: the price of the fast search.
ALTER TABLE mailbox ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE mailbox SET search_text = (SELECT m.search_text FROM messages m WHERE m.id = mailbox.message_id);
