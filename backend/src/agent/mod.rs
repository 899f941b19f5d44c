//! Agents turn one user message (plus history) into tool calls and a reply.
//! They reach tasks only through a [`ToolInvoker`], which the chat service
//! backs with the MCP sidecar and which fills in `user_id` from the verified
//! token itself: an agent never names whose tasks it touches.

pub mod offline;
pub mod openai;

use std::future::Future;

use serde::Serialize;
use serde_json::Value;

/// A message of the conversation so far, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryMessage {
    pub role: HistoryRole,
    pub content: String,
    /// The tool calls an assistant message made (empty for user messages and
    /// for replies without calls), replayed so a model sees how it acted.
    pub tool_calls: Vec<ToolCallRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRole {
    User,
    Assistant,
}

/// A tool as a language model sees it: the MCP tool's name, description and
/// input schema with `user_id` removed (the backend fills it in).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments (an object schema).
    pub parameters: Value,
}

/// What a tool answered.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    /// The tool's structured result in the contract's shape (an object, or an
    /// array for `list_tasks`).
    Ok(Value),
    /// The tool refused (`isError: true`): its message, fit to show a user.
    Refused(String),
}

/// The tools could not be reached at all (sidecar down, timeout): the turn fails.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the task service is unavailable: {0}")]
pub struct ToolsUnavailable(pub String);

/// Calls MCP tools on behalf of the authenticated user. Arguments never carry
/// `user_id`; the invoker adds it.
pub trait ToolInvoker: Send {
    fn call(
        &mut self,
        name: &str,
        arguments: serde_json::Map<String, Value>,
    ) -> impl Future<Output = Result<ToolOutcome, ToolsUnavailable>> + Send;

    /// A piece of the reply text as the model produces it, for a streaming
    /// client. The whole reply is still returned by `respond`.
    fn text_delta(&mut self, _delta: &str) {}

    /// The authenticated user, e.g. for the model request's hashed `user`
    /// field. None when unknown.
    fn user_id(&self) -> Option<&str> {
        None
    }
}

/// One tool call made during a turn, as reported in the chat response's `tool_calls`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ToolCallRecord {
    pub name: String,
    pub arguments: Value,
    pub result: Value,
    pub is_error: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    ToolsUnavailable(#[from] ToolsUnavailable),
    #[error("the language model failed: {0}")]
    Model(String),
}

/// The agent a server runs, chosen by `LLM_PROVIDER`.
pub enum Agent {
    Offline(offline::OfflineAgent),
    OpenAi(Box<openai::OpenAiAgent>),
}

impl Agent {
    /// `openai` / `offline`, or `auto`: OpenAI when an API key is set.
    pub fn from_settings(settings: &todo_core::config::Settings) -> Self {
        let use_openai = match settings.llm_provider.as_str() {
            "openai" => true,
            "offline" => false,
            _ => settings.openai_api_key.is_some(),
        };
        if use_openai {
            Agent::OpenAi(Box::new(openai::OpenAiAgent::from_settings(settings)))
        } else {
            Agent::Offline(offline::OfflineAgent::new())
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Agent::Offline(_) => "offline",
            Agent::OpenAi(_) => "openai",
        }
    }

    pub async fn respond<T: ToolInvoker>(
        &self,
        message: &str,
        history: &[HistoryMessage],
        tools: &[ToolSpec],
        invoker: &mut T,
    ) -> Result<String, AgentError> {
        match self {
            Agent::Offline(agent) => agent.respond(message, history, invoker).await,
            Agent::OpenAi(agent) => agent.respond(message, history, tools, invoker).await,
        }
    }
}

impl ToolSpec {
    /// The MCP tool as a model should see it: `user_id` is not the model's to choose.
    pub fn from_mcp(tool: &rmcp::model::Tool) -> Self {
        let mut parameters = Value::Object((*tool.input_schema).clone());
        if let Some(props) = parameters
            .get_mut("properties")
            .and_then(Value::as_object_mut)
        {
            props.remove("user_id");
        }
        if let Some(required) = parameters.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r != "user_id");
        }
        Self {
            name: tool.name.to_string(),
            description: tool.description.as_deref().unwrap_or_default().to_string(),
            parameters,
        }
    }
}
