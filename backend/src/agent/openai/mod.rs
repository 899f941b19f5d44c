//! The agent backed by an OpenAI-compatible chat-completions server (OpenAI,
//! proxies, Ollama, vLLM, llama.cpp). It offers the MCP tools as function
//! tools, runs the calls the model asks for through the [`ToolInvoker`] and
//! feeds the results back until the model answers in plain text.
//!
//! Past turns are replayed with their tool calls; a plain command the model
//! did not act on gets one corrective round, and a reply never claims a change
//! no tool call of the turn made. Reply text is streamed to the invoker as the
//! model writes it, except while it could still be such a claim ([`live`]);
//! text streamed in a round that turns out not to be the reply (the model
//! went on to call tools, or its draft was rejected) is withdrawn.

mod client;
mod guard;
mod history;
mod live;
mod prompt;
mod wire;

use std::fmt;
use std::time::Duration;

use async_openai::types::chat::{
    ChatCompletionToolChoiceOption, CreateChatCompletionRequest, ToolChoiceOptions,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use todo_core::config::Settings;

pub use client::DEFAULT_BASE_URL;
pub use prompt::SYSTEM_PROMPT;

use super::{AgentError, HistoryMessage, ToolInvoker, ToolSpec};
use client::ModelClient;
use wire::{ModelTurn, ToolCall, USER_ID};

/// Said when the model keeps calling tools past the step limit.
pub const STEP_LIMIT_REPLY: &str = "Sorry, that needed more steps than I can take for one \
message. Some changes may already be made, so please check your tasks before trying again.";

/// Said when the model ends without any text.
pub const EMPTY_REPLY: &str =
    "Sorry, I don't have an answer for that. Could you say it another way?";

/// Said when the model would not act on a plain request, even when told to.
pub const NOTHING_CHANGED_REPLY: &str = "Sorry, I couldn't do that, so nothing was changed. \
Please try again in other words, for example with the task's number.";

/// Said instead when the model changed something, but not what was asked.
pub const PARTLY_DONE_REPLY: &str = "Sorry, I couldn't finish that. Some changes may \
already be made, so please check your tasks before trying again.";

/// Told to the model for calls past the per-turn cap.
const OVER_CAP: &str = "Not run: that is more tool calls than one message may make. \
Tell the user what was done and ask them to send the rest separately.";

/// Corrective rounds per user message: one, and a second only when the
/// first made a call (e.g. `list_tasks` to find the id it then needs).
const MAX_CORRECTIONS: usize = 2;

/// Hex digits of the hashed user id sent in the request's `user` field.
const USER_HASH_LEN: usize = 32;

#[derive(Clone)]
pub struct OpenAiSettings {
    /// None (or empty) for servers that need no key; no `Authorization` header is sent then.
    pub api_key: Option<String>,
    /// e.g. `http://localhost:11434/v1`; None means OpenAI itself.
    pub base_url: Option<String>,
    pub model: String,
    /// Limit for each model request.
    pub timeout: Duration,
    /// Most model rounds per user message.
    pub max_steps: usize,
    /// Ask for a streamed reply (`stream: true`).
    pub stream: bool,
    /// Characters of past turns replayed to the model, oldest dropped first.
    pub history_chars: usize,
    /// `max_completion_tokens` of each request.
    pub max_completion_tokens: u32,
    /// Most tool calls per user message.
    pub max_tool_calls: usize,
    /// When the model will not act on a plain command even after the
    /// corrective round, let the offline agent carry it out instead of only
    /// saying that nothing was changed.
    pub offline_fallback: bool,
    /// Most tasks of a list the model is shown (0: all); it is told how many more.
    pub list_max_tasks: usize,
}

impl OpenAiSettings {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            api_key: settings
                .openai_api_key
                .as_ref()
                .map(|k| secrecy::ExposeSecret::expose_secret(k).to_owned()),
            base_url: settings
                .openai_base_url
                .as_ref()
                .map(|u| secrecy::ExposeSecret::expose_secret(u).to_owned()),
            model: settings.openai_model.clone(),
            timeout: Duration::from_secs(settings.model_timeout_secs),
            max_steps: settings.max_agent_steps,
            stream: settings.openai_stream,
            history_chars: settings.openai_history_chars,
            max_completion_tokens: settings.openai_max_completion_tokens,
            max_tool_calls: settings.max_tool_calls_per_turn,
            offline_fallback: settings.openai_offline_fallback,
            list_max_tasks: settings.list_max_tasks,
        }
    }
}

/// Never prints the key.
impl fmt::Debug for OpenAiSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiSettings")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_steps", &self.max_steps)
            .field("stream", &self.stream)
            .field("history_chars", &self.history_chars)
            .field("max_completion_tokens", &self.max_completion_tokens)
            .field("max_tool_calls", &self.max_tool_calls)
            .field("offline_fallback", &self.offline_fallback)
            .finish()
    }
}

#[derive(Clone)]
pub struct OpenAiAgent {
    client: ModelClient,
    model: String,
    max_steps: usize,
    stream: bool,
    history_chars: usize,
    max_completion_tokens: u32,
    max_tool_calls: usize,
    offline_fallback: bool,
    list_max_tasks: usize,
}

impl fmt::Debug for OpenAiAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiAgent")
            .field("base_url", &self.client.base_url())
            .field("model", &self.model)
            .field("max_steps", &self.max_steps)
            .field("stream", &self.stream)
            .finish()
    }
}

impl OpenAiAgent {
    pub fn new(settings: OpenAiSettings) -> Self {
        Self {
            client: ModelClient::new(
                settings.api_key.as_deref(),
                settings.base_url.as_deref(),
                settings.timeout,
            ),
            model: settings.model,
            // Zero would never ask the model at all.
            max_steps: settings.max_steps.max(1),
            stream: settings.stream,
            history_chars: settings.history_chars,
            max_completion_tokens: settings.max_completion_tokens.max(1),
            max_tool_calls: settings.max_tool_calls.max(1),
            offline_fallback: settings.offline_fallback,
            list_max_tasks: settings.list_max_tasks,
        }
    }

    pub fn from_settings(settings: &Settings) -> Self {
        Self::new(OpenAiSettings::from_settings(settings))
    }

    /// The model server's base URL, e.g. for a startup log line.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn list_max_tasks(&self) -> usize {
        self.list_max_tasks
    }

    /// Whether the model is asked for streamed replies (`stream: true`).
    pub fn streams(&self) -> bool {
        self.stream
    }

    /// Answers `message` given the conversation so far, calling tools as the
    /// model asks. Fails only if the model or the task service is unreachable.
    pub async fn respond<T: ToolInvoker>(
        &self,
        message: &str,
        history: &[HistoryMessage],
        tools: &[ToolSpec],
        invoker: &mut T,
    ) -> Result<String, AgentError> {
        let offered = wire::function_tools(tools);
        let has_tools = !offered.is_empty();
        // The tool a plain command needs, when the model is offered it.
        let command = guard::command(message)
            .filter(|command| tools.iter().any(|tool| tool.name == command.tool));
        // `user` is deprecated at OpenAI in favour of `safety_identifier`, but
        // it is the field proxies and local servers know.
        #[allow(deprecated)]
        let mut request = CreateChatCompletionRequest {
            model: self.model.clone(),
            messages: wire::initial_messages(SYSTEM_PROMPT, history, self.history_chars, message),
            // Some servers reject an empty tool list.
            tools: has_tools.then_some(offered),
            max_completion_tokens: Some(self.max_completion_tokens),
            user: invoker.user_id().map(hashed_user),
            stream: self.stream.then_some(true),
            ..Default::default()
        };
        // (tool, succeeded) of every call run in this turn.
        let mut made: Vec<(String, bool)> = Vec::new();
        let mut corrections = 0;
        let mut corrections_allowed = 1;

        for round in 1..=self.max_steps {
            let pending = command.filter(|c| !made.iter().any(|(name, _)| name == c.tool));
            // Text goes out as it is written only when it cannot be a claim
            // about a command not acted on yet (nor one no call backs: `live`).
            let mut live = (pending.is_none() && self.stream).then(|| {
                live::LiveText::new(
                    made.iter()
                        .filter(|(_, ok)| *ok)
                        .map(|(name, _)| name.clone())
                        .collect(),
                )
            });
            let turn = self.ask(&request, round, live.as_mut(), invoker).await?;
            // What went out of this round, if it is not to be the reply.
            let withdraw = |invoker: &mut T| {
                if live
                    .as_ref()
                    .is_some_and(|live| !live.streamed().is_empty())
                {
                    invoker.text_withdrawn();
                }
            };
            let forced = request.tool_choice.take().is_some_and(|choice| {
                choice == ChatCompletionToolChoiceOption::Mode(ToolChoiceOptions::Required)
            });
            if forced && !turn.calls.is_empty() {
                corrections_allowed = MAX_CORRECTIONS;
            }
            tracing::debug!(round, tool_calls = turn.calls.len(), "model answered");

            if turn.calls.is_empty() {
                let unbacked: Vec<&str> = turn
                    .text
                    .as_deref()
                    .map(guard::claimed_tools)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|tool| !made.iter().any(|(name, ok)| name == tool && *ok))
                    .collect();
                let note = match (pending, unbacked.is_empty()) {
                    (Some(command), _) => prompt::CORRECTION.replace("{tool}", command.tool),
                    (None, false) => prompt::CLAIM_CORRECTION.to_string(),
                    (None, true) => {
                        let text = turn.text.unwrap_or_else(|| EMPTY_REPLY.to_string());
                        // The rest of the reply, after what already went out.
                        let streamed = live.as_ref().map_or("", |live| live.streamed());
                        match text.strip_prefix(streamed) {
                            Some(rest) if !rest.is_empty() => invoker.text_delta(rest),
                            Some(_) => {}
                            None => {
                                withdraw(invoker);
                                invoker.text_delta(&text);
                            }
                        }
                        return Ok(text);
                    }
                };
                withdraw(invoker);
                tracing::info!(
                    round,
                    missing = pending.map(|c| c.tool),
                    claimed = ?unbacked,
                    "the model answered without the tool call the request needs"
                );
                if corrections < corrections_allowed && round < self.max_steps && has_tools {
                    corrections += 1;
                    request.messages.push(wire::system_note(&note));
                    request.tool_choice = Some(ChatCompletionToolChoiceOption::Mode(
                        ToolChoiceOptions::Required,
                    ));
                    continue;
                }
                let changed = made.iter().any(|(name, ok)| *ok && name != "list_tasks");
                if self.offline_fallback && pending.is_some() && !changed {
                    tracing::info!("the offline agent carries out the command the model did not");
                    let reply = super::offline::OfflineAgent::new()
                        .with_list_max_tasks(self.list_max_tasks)
                        .respond(message, history, invoker)
                        .await?;
                    invoker.text_delta(&reply.text);
                    return Ok(reply.text);
                }
                let reply = if changed {
                    PARTLY_DONE_REPLY
                } else {
                    NOTHING_CHANGED_REPLY
                };
                invoker.text_delta(reply);
                return Ok(reply.to_string());
            }

            withdraw(invoker);
            request.messages.push(wire::assistant_tool_calls(
                turn.text.as_deref(),
                &turn.calls,
            ));
            for ToolCall {
                id,
                name,
                arguments,
                ..
            } in turn.calls
            {
                let result = if made.len() >= self.max_tool_calls {
                    tracing::warn!(tool = %name, cap = self.max_tool_calls, "tool call over the per-turn cap");
                    json!({ "error": OVER_CAP })
                } else {
                    let (result, ok) =
                        run_call(&name, arguments, tools, invoker, self.list_max_tasks).await?;
                    made.push((name, ok));
                    result
                };
                request.messages.push(wire::tool_result(&id, &result));
            }
            if made.len() >= self.max_tool_calls {
                // Only words from here on.
                request.tool_choice = Some(ChatCompletionToolChoiceOption::Mode(
                    ToolChoiceOptions::None,
                ));
            }
        }
        tracing::warn!(
            max_steps = self.max_steps,
            "agent stopped at the step limit"
        );
        invoker.text_delta(STEP_LIMIT_REPLY);
        Ok(STEP_LIMIT_REPLY.to_string())
    }

    /// One model round, streamed when configured; text reaches the invoker
    /// as it arrives only through `live`.
    async fn ask<T: ToolInvoker>(
        &self,
        request: &CreateChatCompletionRequest,
        round: usize,
        mut live: Option<&mut live::LiveText>,
        invoker: &mut T,
    ) -> Result<ModelTurn, AgentError> {
        if !self.stream {
            return self.client.complete(request, round).await;
        }
        let mut forward = |text: &str| {
            if let Some(out) = live.as_mut().and_then(|live| live.push(text)) {
                invoker.text_delta(&out);
            }
        };
        self.client
            .complete_streaming(request, round, &mut forward)
            .await
    }
}

/// The user as the model server sees them: a truncated SHA-256 of the id,
/// enough to tell users apart for abuse monitoring, not to name them.
pub fn hashed_user(user_id: &str) -> String {
    let digest = Sha256::digest(user_id.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    hex[..USER_HASH_LEN].to_string()
}

/// Runs one call and returns what the model is told, and whether the tool
/// did it. Problems with the call itself go back to the model as
/// `{"error": ...}` so it can correct itself.
async fn run_call<T: ToolInvoker>(
    name: &str,
    arguments: Result<serde_json::Map<String, Value>, String>,
    tools: &[ToolSpec],
    invoker: &mut T,
    list_max_tasks: usize,
) -> Result<(Value, bool), AgentError> {
    if !tools.iter().any(|tool| tool.name == name) {
        let known: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
        return Ok((
            json!({
                "error": format!("There is no tool named '{name}'. Available tools: {}.", known.join(", "))
            }),
            false,
        ));
    }
    let mut arguments = match arguments {
        Ok(arguments) => arguments,
        Err(problem) => {
            return Ok((
                json!({
                    "error": format!("The call to {name} was not made: {problem}. Send the arguments as a JSON object.")
                }),
                false,
            ));
        }
    };
    // Whose tasks a call touches is never the model's choice.
    if arguments.remove(USER_ID).is_some() {
        tracing::warn!(tool = %name, "ignored a user_id the model put in the arguments");
    }
    let call = match super::ToolCall::parse(name, arguments) {
        Ok(call) => call,
        Err(problem) => {
            return Ok((
                json!({ "error": format!("The call to {name} was not made: {problem}.") }),
                false,
            ));
        }
    };
    tracing::debug!(tool = %name, "calling tool");
    Ok(match invoker.call(call).await? {
        Ok(result) => (result.to_json_within(list_max_tasks), true),
        Err(message) => (json!({ "error": message }), false),
    })
}
