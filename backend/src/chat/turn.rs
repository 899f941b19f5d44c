//! The contract's cycle: load history → store the user message → run the
//! agent with the MCP tools → store the reply → return it.

use todo_core::db::{Conversation, Message, Role, conversations};
use tokio::sync::mpsc::UnboundedSender;

use crate::agent::{HistoryMessage, HistoryRole, ToolCallRecord};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::mcp::{McpToolInvoker, TurnEvent};
use crate::state::AppState;

pub struct TurnOutcome {
    pub conversation: Conversation,
    pub created: bool,
    pub user_message: Message,
    pub assistant_message: Message,
    pub tool_calls: Vec<ToolCallRecord>,
}

/// Trims the message and checks it is not empty and not absurdly long.
pub fn validate_message(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let message = raw.trim();
    if message.is_empty() {
        return Err(ApiError::BadRequest("message must not be empty".into()));
    }
    let max = state.settings.max_message_chars;
    let n = message.chars().count();
    if n > max {
        return Err(ApiError::PayloadTooLarge(format!(
            "message is {n} characters long; the limit is {max}"
        )));
    }
    Ok(message.to_string())
}

/// A conversation's title: the start of its first message.
pub fn title_for(message: &str) -> String {
    const MAX: usize = 60;
    let line = message.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= MAX {
        return line.to_string();
    }
    let cut: String = line.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Runs a whole turn. With `conversation_id`, the conversation must be the
/// user's (404 otherwise, whether or not it exists).
pub async fn run_turn(
    state: &AppState,
    user: &AuthUser,
    conversation_id: Option<i64>,
    raw_message: &str,
    events: Option<UnboundedSender<TurnEvent>>,
) -> Result<TurnOutcome, ApiError> {
    let message = validate_message(state, raw_message)?;
    let db = &state.db;
    let (conversation, history, created) = match conversation_id {
        Some(id) => {
            let conversation = conversations::get(db, &user.user_id, id)
                .await?
                .ok_or(ApiError::NotFound("conversation"))?;
            let history =
                conversations::history(db, &user.user_id, id, state.settings.history_limit).await?;
            (conversation, history, false)
        }
        None => {
            let title = title_for(&message);
            let conversation = conversations::create(db, &user.user_id, Some(&title)).await?;
            (conversation, Vec::new(), true)
        }
    };
    let user_message = conversations::add_message(
        db,
        &user.user_id,
        conversation.id,
        Role::User,
        &message,
        None,
    )
    .await?;

    let answered = answer(state, user, &history, &message, events).await;
    let (reply, tool_calls) = match answered {
        Ok(done) => done,
        Err(e) => {
            // Leave no half turn behind: the client may simply send again.
            undo_user_message(state, user, &conversation, &user_message, created).await;
            return Err(e);
        }
    };
    let assistant_message = store_reply(state, user, conversation.id, &reply, &tool_calls).await?;
    Ok(TurnOutcome {
        conversation,
        created,
        user_message,
        assistant_message,
        tool_calls,
    })
}

/// Runs the agent on `message` with `history` (oldest first).
pub async fn answer(
    state: &AppState,
    user: &AuthUser,
    history: &[Message],
    message: &str,
    events: Option<UnboundedSender<TurnEvent>>,
) -> Result<(String, Vec<ToolCallRecord>), ApiError> {
    let history: Vec<HistoryMessage> = history
        .iter()
        .map(|m| HistoryMessage {
            role: if m.role == Role::Assistant.as_str() {
                HistoryRole::Assistant
            } else {
                HistoryRole::User
            },
            content: m.content.clone(),
            tool_calls: m
                .tool_calls
                .as_deref()
                .and_then(|calls| serde_json::from_str(calls).ok())
                .unwrap_or_default(),
        })
        .collect();
    let specs = match &state.agent {
        crate::agent::Agent::OpenAi(_) => state.tool_specs().await?,
        crate::agent::Agent::Offline(_) => &[],
    };
    let mut invoker = McpToolInvoker::new(&state.mcp, &user.user_id, &user.token, events);
    let reply = state
        .agent
        .respond(message, &history, specs, &mut invoker)
        .await?;
    Ok((reply, invoker.records))
}

/// Stores the assistant's reply with the tool calls it made.
pub async fn store_reply(
    state: &AppState,
    user: &AuthUser,
    conversation_id: i64,
    reply: &str,
    tool_calls: &[ToolCallRecord],
) -> Result<Message, ApiError> {
    let calls = (!tool_calls.is_empty())
        .then(|| serde_json::to_string(tool_calls))
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(conversations::add_message(
        &state.db,
        &user.user_id,
        conversation_id,
        Role::Assistant,
        reply,
        calls.as_deref(),
    )
    .await?)
}

async fn undo_user_message(
    state: &AppState,
    user: &AuthUser,
    conversation: &Conversation,
    message: &Message,
    created: bool,
) {
    let db = &state.db;
    let undone = if created {
        conversations::delete(db, &user.user_id, conversation.id)
            .await
            .map(|_| ())
    } else {
        conversations::delete_message(db, &user.user_id, message.id)
            .await
            .map(|_| ())
    };
    if let Err(e) = undone {
        tracing::error!(error = %e, conversation = conversation.id, "could not undo a failed turn");
    }
}
