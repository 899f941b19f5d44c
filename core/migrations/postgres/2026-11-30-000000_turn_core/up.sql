-- What an assistant message left open for the next user message ("which
-- one?", "delete all 12?"), as JSON; NULL when nothing is open.
ALTER TABLE messages ADD COLUMN follow_up TEXT;

-- Storing a message bumps its conversation's updated_at in the same
-- statement, so a turn stores each message with one INSERT. GREATEST keeps
-- updated_at from moving backwards when concurrent turns commit out of order.
CREATE OR REPLACE FUNCTION messages_touch_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET updated_at = GREATEST(updated_at, NEW.created_at)
    WHERE id = NEW.conversation_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_touch_conversation AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_touch_conversation();
