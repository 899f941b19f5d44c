//! The agent backed by an OpenAI-compatible chat-completions server (OpenAI,
//! proxies, Ollama, vLLM, llama.cpp). It offers the MCP tools as function
//! tools, runs the calls the model asks for through the [`ToolInvoker`] and
//! feeds the results back until the model answers in plain text.

mod client;
mod prompt;
mod wire;

use std::fmt;
use std::time::Duration;

use async_openai::types::chat::CreateChatCompletionRequest;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use todo_core::config::Settings;

pub use client::DEFAULT_BASE_URL;
pub use prompt::SYSTEM_PROMPT;

use super::{AgentError, HistoryMessage, ToolInvoker, ToolSpec};
use client::ModelClient;
use todo_core::tools::USER_ID;
use wire::ToolCall;

/// Said when the model keeps calling tools past the step limit.
pub const STEP_LIMIT_REPLY: &str = "Sorry, that needed more steps than I can take for one \
message. Some changes may already be made, so please check your tasks before trying again.";

/// Said when the model ends without any text.
pub const EMPTY_REPLY: &str =
    "Sorry, I don't have an answer for that. Could you say it another way?";

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
}

impl OpenAiSettings {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            api_key: settings
                .openai_api_key
                .as_ref()
                .map(|k| k.expose_secret().to_owned()),
            base_url: settings
                .openai_base_url
                .as_ref()
                .map(|u| u.expose_secret().to_owned()),
            model: settings.openai_model.clone(),
            timeout: Duration::from_secs(settings.model_timeout_secs),
            max_steps: settings.max_agent_steps,
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
            .finish()
    }
}

#[derive(Clone)]
pub struct OpenAiAgent {
    client: ModelClient,
    model: String,
    max_steps: usize,
}

impl fmt::Debug for OpenAiAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiAgent")
            .field("base_url", &self.client.base_url())
            .field("model", &self.model)
            .field("max_steps", &self.max_steps)
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
        let mut request = CreateChatCompletionRequest {
            model: self.model.clone(),
            messages: wire::initial_messages(SYSTEM_PROMPT, history, message),
            // Some servers reject an empty tool list.
            tools: (!offered.is_empty()).then_some(offered),
            ..Default::default()
        };

        for round in 1..=self.max_steps {
            let turn = self.client.complete(&request, round).await?;
            tracing::debug!(round, tool_calls = turn.calls.len(), "model answered");
            if turn.calls.is_empty() {
                return Ok(turn.text.unwrap_or_else(|| EMPTY_REPLY.to_string()));
            }
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
                let result = run_call(&name, arguments, tools, invoker).await?;
                request.messages.push(wire::tool_result(&id, &result));
            }
        }
        tracing::warn!(
            max_steps = self.max_steps,
            "agent stopped at the step limit"
        );
        Ok(STEP_LIMIT_REPLY.to_string())
    }
}

/// Runs one call and returns what the model is told. Problems with the call
/// itself go back to the model as `{"error": ...}` so it can correct itself.
async fn run_call<T: ToolInvoker>(
    name: &str,
    arguments: Result<serde_json::Map<String, Value>, String>,
    tools: &[ToolSpec],
    invoker: &mut T,
) -> Result<Value, AgentError> {
    if !tools.iter().any(|tool| tool.name == name) {
        let known: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
        return Ok(json!({
            "error": format!("There is no tool named '{name}'. Available tools: {}.", known.join(", "))
        }));
    }
    let mut arguments = match arguments {
        Ok(arguments) => arguments,
        Err(problem) => {
            return Ok(json!({
                "error": format!("The call to {name} was not made: {problem}. Send the arguments as a JSON object.")
            }));
        }
    };
    // Whose tasks a call touches is never the model's choice.
    if arguments.remove(USER_ID).is_some() {
        tracing::warn!(tool = %name, "ignored a user_id the model put in the arguments");
    }
    let call = match crate::agent::ToolCall::parse(name, arguments) {
        Ok(call) => call,
        Err(problem) => {
            return Ok(json!({
                "error": format!("The call to {name} was not made: {problem}.")
            }));
        }
    };
    tracing::debug!(tool = %name, "calling tool");
    Ok(match invoker.call(call).await? {
        Ok(result) => result.to_json(),
        Err(message) => json!({ "error": message }),
    })
}
