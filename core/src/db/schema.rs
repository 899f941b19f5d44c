//! One schema for both databases. Ids are 64-bit; timestamps are UTC stored
//! without a zone (`TIMESTAMP` on PostgreSQL, text on SQLite), always written
//! from `chrono::Utc::now().naive_utc()`.

diesel::table! {
    tasks (id) {
        id -> BigInt,
        user_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        completed -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    conversations (id) {
        id -> BigInt,
        user_id -> Text,
        title -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        user_id -> Text,
        conversation_id -> BigInt,
        role -> Text,
        content -> Text,
        /// JSON array of the tool calls an assistant message made (text, so both databases agree).
        tool_calls -> Nullable<Text>,
        created_at -> Timestamp,
        /// JSON of what an assistant message left open for the next user message.
        follow_up -> Nullable<Text>,
    }
}

diesel::table! {
    /// The key of each task-changing tool call, with its result (JSON of the
    /// task as the change left it), so a repeated call is answered, not re-applied.
    tool_call_keys (user_id, call_key) {
        user_id -> Text,
        call_key -> Text,
        result -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(messages -> conversations (conversation_id));
diesel::allow_tables_to_appear_in_same_query!(tasks, conversations, messages, tool_call_keys);
