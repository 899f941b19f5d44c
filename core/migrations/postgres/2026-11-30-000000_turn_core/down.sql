DROP TRIGGER messages_touch_conversation ON messages;
DROP FUNCTION messages_touch_conversation();
ALTER TABLE messages DROP COLUMN follow_up;
