//! The contract's cycle, for both protocols: load the conversation and its
//! history (one read) → store the user message → run the agent with the MCP
//! tools → store the reply (one insert) → title a new conversation → answer.
//!
//! Failure policy: a turn that fails stores no reply. The user's message
//! stays only if the client was shown it (ChatKit announces it before the
//! agent runs, and its retry answers it again); otherwise it is taken back,
//! with the conversation if this turn created it, so nothing is half-stored.
//!
//! Titling: a conversation is titled from its first message once the first
//! reply is stored, whichever protocol started it.

use todo_core::db::conversations::{self, NewTurnMessage};
use todo_core::db::{Conversation, Message, Role};
use todo_core::tools::{ChangeStatus, ToolCall, ToolResult};

use super::TurnSink;
use crate::agent::{AgentError, HistoryMessage, ToolCallRecord};
use crate::auth::AuthUser;
use crate::error::{ApiError, Part};
use crate::limits::TurnPermit;
use crate::mcp::McpToolInvoker;
use crate::state::AppState;

pub struct TurnOutcome {
    pub conversation: Conversation,
    pub assistant_message: Message,
    pub tool_calls: Vec<ToolCallRecord>,
}

/// A turn whose user message is stored, ready for the agent.
pub struct Turn {
    /// One of the user's running-turn slots, held until the turn ends.
    _permit: TurnPermit,
    pub conversation: Conversation,
    /// Whether this turn created the conversation.
    pub created: bool,
    pub user_message: Message,
    /// The conversation before the user message, oldest first.
    history: Vec<HistoryMessage>,
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

/// The whole turn, for the plain endpoint. With `conversation_id`, the
/// conversation must be the user's (404 otherwise, whether or not it exists).
pub async fn run_turn(
    state: &AppState,
    user: &AuthUser,
    conversation_id: Option<i64>,
    raw_message: &str,
) -> Result<TurnOutcome, ApiError> {
    begin(state, user, conversation_id, raw_message)
        .await?
        .finish(state, user, &mut super::NoSink)
        .await
}

/// Everything that can be refused before the agent runs: the message, the
/// conversation's ownership; then the user message is stored.
pub async fn begin(
    state: &AppState,
    user: &AuthUser,
    conversation_id: Option<i64>,
    raw_message: &str,
) -> Result<Turn, ApiError> {
    let text = validate_message(state, raw_message)?;
    let permit = state.limits.admit(&user.user_id)?;
    let db = &state.db;
    let limits = &state.settings;
    let (conversation, history, created) = match conversation_id {
        Some(id) => {
            let (conversation, history) =
                conversations::open(db, &user.user_id, id, history_wanted(state))
                    .await?
                    .ok_or(ApiError::NotFound("conversation"))?;
            (conversation, history, false)
        }
        None => (new_conversation(state, user).await?, Vec::new(), true),
    };
    let message = NewTurnMessage::user(&text);
    let max = limits.max_messages_per_conversation;
    let stored = if max > 0 {
        // Room for this message and its reply.
        conversations::add_message_within(db, &user.user_id, conversation.id, message, max - 1)
            .await
    } else {
        conversations::add_message(db, &user.user_id, conversation.id, message).await
    };
    let user_message = match stored {
        Ok(message) => message,
        Err(e) => {
            if created {
                forget_conversation(state, user, &conversation).await;
            }
            if !e.is_not_found() {
                return Err(e.into());
            }
            // Full, or deleted since it was read (then as if it never was).
            return Err(
                match conversations::get(db, &user.user_id, conversation.id).await? {
                    Some(_) if max > 0 => conversation_full(max),
                    _ => ApiError::NotFound("conversation"),
                },
            );
        }
    };
    Ok(Turn {
        _permit: permit,
        conversation,
        created,
        user_message,
        history: history_within(history, limits.history_max_chars),
    })
}

/// The messages a turn loads: what its agent reads, not more.
fn history_wanted(state: &AppState) -> i64 {
    state.agent.history_wanted(state.settings.history_limit)
}

async fn new_conversation(state: &AppState, user: &AuthUser) -> Result<Conversation, ApiError> {
    let max = state.settings.max_conversations_per_user;
    if max == 0 {
        return Ok(conversations::create(&state.db, &user.user_id, None).await?);
    }
    conversations::create_within(&state.db, &user.user_id, None, max)
        .await?
        .ok_or_else(|| {
            ApiError::QuotaExceeded(format!(
                "You already have {max} conversations, the most one account can keep; \
                 delete some to start a new one."
            ))
        })
}

fn conversation_full(max: i64) -> ApiError {
    ApiError::QuotaExceeded(format!(
        "This conversation has reached {max} messages, the most one can hold; \
         please start a new conversation."
    ))
}

/// The newest past messages whose text and tool calls fit in `max_chars`
/// (0: all), oldest first. The newest is always kept: it holds what the
/// last reply left open, and stored list results are capped already.
fn history_within(history: Vec<todo_core::db::Message>, max_chars: usize) -> Vec<HistoryMessage> {
    let mut kept: Vec<HistoryMessage> = history.into_iter().map(HistoryMessage::from).collect();
    if max_chars == 0 || kept.is_empty() {
        return kept;
    }
    let mut total = 0usize;
    let mut first = kept.len() - 1;
    for (i, message) in kept.iter().enumerate().rev() {
        total += message.approx_chars();
        if total > max_chars && i < kept.len() - 1 {
            break;
        }
        first = i;
    }
    kept.drain(..first);
    kept
}

/// Answers a stored user message again (ChatKit's retry): what came after
/// it is removed, and the history is what preceded it.
pub async fn retry(
    state: &AppState,
    user: &AuthUser,
    conversation: Conversation,
    user_message: Message,
) -> Result<Turn, ApiError> {
    let permit = state.limits.admit(&user.user_id)?;
    let db = &state.db;
    conversations::delete_messages_after(db, &user.user_id, conversation.id, user_message.id)
        .await?;
    let (_, mut history) = conversations::open(
        db,
        &user.user_id,
        conversation.id,
        history_wanted(state) + 1,
    )
    .await?
    .ok_or(ApiError::NotFound("thread"))?;
    history.retain(|m| m.id < user_message.id);
    Ok(Turn {
        _permit: permit,
        conversation,
        created: false,
        user_message,
        history: history_within(history, state.settings.history_max_chars),
    })
}

impl Turn {
    /// Runs the agent and stores its reply; reports to `sink` as it goes.
    pub async fn finish(
        self,
        state: &AppState,
        user: &AuthUser,
        sink: &mut dyn TurnSink,
    ) -> Result<TurnOutcome, ApiError> {
        match self.answer(state, user, sink).await {
            Ok(outcome) => Ok(outcome),
            Err(e) => {
                if !sink.shows_user_message() {
                    self.take_back(state, user).await;
                }
                sink.failed();
                Err(e)
            }
        }
    }

    async fn answer(
        &self,
        state: &AppState,
        user: &AuthUser,
        sink: &mut dyn TurnSink,
    ) -> Result<TurnOutcome, ApiError> {
        let specs = match &state.agent {
            crate::agent::Agent::OpenAi(_) => state.tool_specs().await?,
            crate::agent::Agent::Offline(_) => &[],
        };
        // A client shown the reply as it is written needs its id up front.
        let mut reply_id = None;
        if sink.streams_reply() && state.agent.streams_text() {
            match conversations::reserve_message_id(&state.db).await {
                Ok(id) => {
                    sink.reply_reserved(id);
                    reply_id = Some(id);
                }
                // Not fatal: the reply is then sent once it is stored.
                Err(e) => tracing::warn!(error = %e, "cannot reserve the reply's id"),
            }
        }
        let mut invoker = McpToolInvoker::new(&state.mcp, user, sink);
        let reply = state
            .agent
            .respond(
                &self.user_message.content,
                &self.history,
                specs,
                &mut invoker,
            )
            .await;
        let tool_calls = invoker.records;
        let reply = match reply {
            Ok(reply) => reply,
            // The changes made before the tools went away stand, and a call
            // cut off mid-way may have run: say which.
            Err(AgentError::ToolsUnavailable(e)) => {
                return Err(ApiError::unavailable_after(
                    Part::McpSidecar,
                    e,
                    changes_made(&tool_calls),
                    invoker.in_doubt.as_ref().map(step),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let assistant_message = conversations::add_message(
            &state.db,
            &user.user_id,
            self.conversation.id,
            NewTurnMessage {
                id: reply_id,
                role: Role::Assistant,
                content: &reply.text,
                tool_calls: &stored_records(&tool_calls, state.settings.list_max_tasks),
                follow_up: reply.follow_up.as_ref(),
            },
        )
        .await?;
        let mut conversation = self.conversation.clone();
        let mut retitled = None;
        if conversation.title.is_none() {
            let title = title_for(&self.user_message.content);
            match conversations::rename(&state.db, &user.user_id, conversation.id, Some(&title))
                .await
            {
                Ok(Some(renamed)) => {
                    conversation = renamed;
                    retitled = Some(&conversation);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot title a conversation"),
            }
        }
        sink.finished(&assistant_message, retitled);
        Ok(TurnOutcome {
            conversation,
            assistant_message,
            tool_calls,
        })
    }

    /// Removes what this turn stored: its user message, or the whole
    /// conversation if the turn created it.
    async fn take_back(&self, state: &AppState, user: &AuthUser) {
        if self.created {
            forget_conversation(state, user, &self.conversation).await;
        } else if let Err(e) =
            conversations::delete_message(&state.db, &user.user_id, self.user_message.id).await
        {
            tracing::error!(error = %e, conversation = self.conversation.id, "could not undo a failed turn");
        }
    }
}

/// The records as stored: list results keep their first `max` tasks (0: all),
/// so one turn cannot store (and replay to every later turn) thousands.
fn stored_records(
    records: &[ToolCallRecord],
    max: usize,
) -> std::borrow::Cow<'_, [ToolCallRecord]> {
    use todo_core::tools::ToolResult;
    let long = |r: &ToolCallRecord| matches!(&r.outcome, Ok(ToolResult::Listed(items)) if items.len() > max);
    if max == 0 || !records.iter().any(long) {
        return records.into();
    }
    records
        .iter()
        .map(|r| match &r.outcome {
            Ok(ToolResult::Listed(items)) if items.len() > max => ToolCallRecord {
                call: r.call.clone(),
                outcome: Ok(ToolResult::Listed(items[..max].to_vec())),
            },
            _ => r.clone(),
        })
        .collect::<Vec<_>>()
        .into()
}

async fn forget_conversation(state: &AppState, user: &AuthUser, conversation: &Conversation) {
    if let Err(e) = conversations::delete(&state.db, &user.user_id, conversation.id).await {
        tracing::error!(error = %e, conversation = conversation.id, "could not undo a failed turn");
    }
}

/// What the successful calls changed, e.g. `created task 5 "Buy milk"`.
fn changes_made(tool_calls: &[ToolCallRecord]) -> Vec<String> {
    tool_calls
        .iter()
        .filter_map(|record| match record.result()? {
            ToolResult::Changed(change) => {
                let did = match change.status {
                    ChangeStatus::Created => "created",
                    ChangeStatus::Completed => "completed",
                    ChangeStatus::Deleted => "deleted",
                    ChangeStatus::Updated => "updated",
                };
                Some(format!(
                    "{did} task {} \"{}\"",
                    change.task_id, change.title
                ))
            }
            _ => None,
        })
        .collect()
}

/// A call as a step of a request, e.g. `create a task "Bread"`.
fn step(call: &ToolCall) -> String {
    match call {
        ToolCall::AddTask(a) => format!("create a task \"{}\"", a.title),
        ToolCall::CompleteTask(a) => format!("complete task {}", a.task_id),
        ToolCall::DeleteTask(a) => format!("delete task {}", a.task_id),
        ToolCall::UpdateTask(a) => format!("update task {}", a.task_id),
        ToolCall::ListTasks(_) => "list tasks".into(),
    }
}
