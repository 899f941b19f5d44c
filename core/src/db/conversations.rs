//! Conversations and their messages, always scoped to one user.
use super::{Conversation, Database, DbError, Message, Role, SortOrder};

pub async fn create(
    db: &Database,
    user_id: &str,
    title: Option<&str>,
) -> Result<Conversation, DbError> {
    todo!()
}
pub async fn get(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
) -> Result<Option<Conversation>, DbError> {
    todo!()
}
/// A page of conversations by `updated_at` then id; `after` is the id of the last conversation of the previous page.
/// Returns (page, has_more).
pub async fn list(
    db: &Database,
    user_id: &str,
    limit: i64,
    order: SortOrder,
    after: Option<i64>,
) -> Result<(Vec<Conversation>, bool), DbError> {
    todo!()
}
pub async fn rename(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    title: Option<&str>,
) -> Result<Option<Conversation>, DbError> {
    todo!()
}
/// Deletes the conversation and its messages; false if it was not there.
pub async fn delete(db: &Database, user_id: &str, conversation_id: i64) -> Result<bool, DbError> {
    todo!()
}
/// Appends a message and bumps the conversation's updated_at, in one transaction.
pub async fn add_message(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    role: Role,
    content: &str,
    tool_calls: Option<&str>,
) -> Result<Message, DbError> {
    todo!()
}
/// The last `limit` messages, oldest first (the history an agent sees).
pub async fn history(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    todo!()
}
/// A page of messages by id; `after` is the id of the last message of the previous page. Returns (page, has_more).
pub async fn list_messages(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    limit: i64,
    order: SortOrder,
    after: Option<i64>,
) -> Result<(Vec<Message>, bool), DbError> {
    todo!()
}
/// Deletes the messages of a conversation that come after `message_id` (for "retry after item").
pub async fn delete_messages_after(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    message_id: i64,
) -> Result<usize, DbError> {
    todo!()
}
