-- The key of each tool call that changed a task, stored in the change's own
-- transaction with its result: a call repeated with the same key (a retry
-- after the sidecar died) gets the stored result and changes nothing again.
-- Rows older than a day are pruned.
CREATE TABLE tool_call_keys (
    user_id TEXT NOT NULL,
    call_key TEXT NOT NULL CHECK (length(call_key) BETWEEN 1 AND 128),
    result TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, call_key)
) WITHOUT ROWID;
CREATE INDEX tool_call_keys_created_at ON tool_call_keys (created_at);
