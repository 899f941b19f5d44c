-- What an assistant message left open for the next user message ("which
-- one?", "delete all 12?"), as JSON; NULL when nothing is open.
ALTER TABLE messages ADD COLUMN follow_up TEXT;

-- Storing a message bumps its conversation's updated_at in the same
-- statement, so a turn stores each message with one INSERT. Timestamps are
-- text of one format, so max() compares them in time order.
CREATE TRIGGER messages_touch_conversation AFTER INSERT ON messages
BEGIN
    UPDATE conversations SET updated_at = max(updated_at, NEW.created_at)
    WHERE id = NEW.conversation_id;
END;
