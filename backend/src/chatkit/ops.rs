//! The JSON operations: reading, renaming and deleting threads and items.

use serde_json::{Value, json};
use todo_core::db::{Conversation, Message, Role, SortOrder, conversations};

use super::ids;
use super::request::{
    FeedbackParams, ItemsListParams, ListParams, Order, TranscribeParams, UpdateParams,
};
use super::transcribe::{self, Transcriber};
use super::wire::{Item, Page, Thread};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The reference server's page size when the client names none.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// Larger pages are cut to this.
pub const MAX_PAGE_SIZE: i64 = 100;
/// The longest title a thread may have, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

impl From<Order> for SortOrder {
    fn from(order: Order) -> Self {
        match order {
            Order::Asc => SortOrder::Asc,
            Order::Desc => SortOrder::Desc,
        }
    }
}

/// The user's conversation behind a thread id: 404 when it is missing or
/// someone else's (never saying which).
pub async fn owned_thread(
    state: &AppState,
    user: &AuthUser,
    thread_id: &str,
) -> Result<Conversation, ApiError> {
    let id = ids::parse_thread_id(thread_id)?;
    conversations::get(&state.db, &user.user_id, id)
        .await?
        .ok_or(ApiError::NotFound("thread"))
}

/// A message of this thread by its item id: 404 when it is not there.
pub async fn owned_item(
    state: &AppState,
    user: &AuthUser,
    conversation: &Conversation,
    item_id: &str,
) -> Result<Message, ApiError> {
    let id = ids::parse_item_id(item_id)?;
    conversations::get_message(&state.db, &user.user_id, id)
        .await?
        .filter(|m| m.conversation_id == conversation.id)
        .ok_or(ApiError::NotFound("item"))
}

fn page_size(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None | Some(0) => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(ApiError::BadRequest(format!(
            "limit must not be negative (got {n})"
        ))),
        Some(n) => Ok(n.min(MAX_PAGE_SIZE)),
    }
}

async fn items_page(
    state: &AppState,
    user: &AuthUser,
    conversation_id: i64,
    limit: i64,
    order: SortOrder,
    after: Option<i64>,
) -> Result<Page<Item>, ApiError> {
    let (messages, has_more) = conversations::list_messages(
        &state.db,
        &user.user_id,
        conversation_id,
        limit,
        order,
        after,
    )
    .await?;
    let items = messages.iter().map(Item::from_message).collect();
    Ok(Page::new(items, has_more, |item| item.id().to_string()))
}

/// `threads.get_by_id`: the thread with its first page of items, oldest
/// first, as the reference server loads it.
pub async fn get_by_id(
    state: &AppState,
    user: &AuthUser,
    thread_id: &str,
) -> Result<Thread, ApiError> {
    let conversation = owned_thread(state, user, thread_id).await?;
    let items = items_page(
        state,
        user,
        conversation.id,
        DEFAULT_PAGE_SIZE,
        SortOrder::Asc,
        None,
    )
    .await?;
    Ok(Thread::new(&conversation, items))
}

/// `threads.list`: newest first unless `order` says otherwise; each thread
/// without its items.
pub async fn list(
    state: &AppState,
    user: &AuthUser,
    params: ListParams,
) -> Result<Page<Thread>, ApiError> {
    let limit = page_size(params.limit)?;
    let after = params
        .after
        .as_deref()
        .map(ids::parse_thread_id)
        .transpose()?;
    let (conversations, has_more) =
        conversations::list(&state.db, &user.user_id, limit, params.order.into(), after).await?;
    let threads = conversations.iter().map(Thread::bare).collect();
    Ok(Page::new(threads, has_more, |t| t.id.clone()))
}

/// `items.list`: newest first unless `order` says otherwise (the reference's default).
pub async fn items_list(
    state: &AppState,
    user: &AuthUser,
    params: ItemsListParams,
) -> Result<Page<Item>, ApiError> {
    let limit = page_size(params.limit)?;
    let after = params
        .after
        .as_deref()
        .map(ids::parse_item_id)
        .transpose()?;
    let conversation = owned_thread(state, user, &params.thread_id).await?;
    items_page(
        state,
        user,
        conversation.id,
        limit,
        params.order.into(),
        after,
    )
    .await
}

/// `threads.update`: renames; answers the thread without its items.
pub async fn update(
    state: &AppState,
    user: &AuthUser,
    params: UpdateParams,
) -> Result<Thread, ApiError> {
    let id = ids::parse_thread_id(&params.thread_id)?;
    let title = params.title.trim();
    if title.is_empty() {
        return Err(ApiError::BadRequest("title must not be empty".into()));
    }
    let n = title.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(ApiError::BadRequest(format!(
            "title is {n} characters long; the limit is {MAX_TITLE_CHARS}"
        )));
    }
    let conversation = conversations::rename(&state.db, &user.user_id, id, Some(title))
        .await?
        .ok_or(ApiError::NotFound("thread"))?;
    Ok(Thread::bare(&conversation))
}

/// `threads.delete`: the thread and all its items.
pub async fn delete(state: &AppState, user: &AuthUser, thread_id: &str) -> Result<Value, ApiError> {
    let id = ids::parse_thread_id(thread_id)?;
    if !conversations::delete(&state.db, &user.user_id, id).await? {
        return Err(ApiError::NotFound("thread"));
    }
    Ok(json!({}))
}

/// `items.feedback`: checked and logged; nothing stores it.
pub async fn feedback(
    state: &AppState,
    user: &AuthUser,
    params: FeedbackParams,
) -> Result<Value, ApiError> {
    let items = params
        .item_ids
        .iter()
        .map(|id| ids::parse_item_id(id))
        .collect::<Result<Vec<_>, _>>()?;
    let conversation = owned_thread(state, user, &params.thread_id).await?;
    tracing::info!(
        conversation = conversation.id,
        ?items,
        kind = ?params.kind,
        "feedback on assistant messages"
    );
    Ok(json!({}))
}

/// `input.transcribe`: the audio goes to the configured OpenAI-compatible
/// transcription endpoint and its text comes back as `{"text": …}` for the
/// composer. Without an endpoint the operation is refused as unsupported.
pub async fn transcribe(state: &AppState, params: TranscribeParams) -> Result<Value, ApiError> {
    let Some(url) = state.settings.transcription_url.as_deref() else {
        return Err(ApiError::BadRequest(
            "input.transcribe is not supported by this server: no transcription service is configured"
                .into(),
        ));
    };
    let audio = transcribe::Audio::decode(&params)?;
    let transcriber = Transcriber::new(
        url,
        state
            .settings
            .openai_api_key
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret),
        std::time::Duration::from_secs(state.settings.model_timeout_secs),
    )?;
    let text = transcriber.transcribe(&audio).await?;
    Ok(json!({ "text": text }))
}

/// The user message a retry starts from: it must be this thread's and a user's.
pub async fn retry_target(
    state: &AppState,
    user: &AuthUser,
    conversation: &Conversation,
    item_id: &str,
) -> Result<Message, ApiError> {
    let message = owned_item(state, user, conversation, item_id).await?;
    if message.role != Role::User {
        return Err(ApiError::BadRequest(format!(
            "item {item_id} is not a user message"
        )));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_follow_the_reference_and_stay_bounded() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some(0)).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some(3)).unwrap(), 3);
        assert_eq!(page_size(Some(10_000)).unwrap(), MAX_PAGE_SIZE);
        assert!(matches!(page_size(Some(-1)), Err(ApiError::BadRequest(_))));
    }
}
