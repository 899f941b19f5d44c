//! Agents turn one user message (plus history) into tool calls and a reply.
//! They reach tasks only through a [`ToolInvoker`], which the chat service
//! backs with the MCP sidecar and which fills in `user_id` from the verified
//! token itself: an agent never names whose tasks it touches.

pub mod offline;
pub mod openai;

use std::future::Future;

use serde_json::Value;
use todo_core::db::Message;
pub use todo_core::db::{FollowUp, Role};
pub use todo_core::tools::{ToolCall, ToolCallRecord, ToolName, ToolOutcome, ToolResult};

/// A message of the conversation so far, oldest first, with the tool calls
/// it made and what it left open: agents read earlier turns as data.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryMessage {
    pub role: Role,
    pub content: String,
    /// The tool calls an assistant message made (empty for user messages and
    /// for replies without calls), replayed so a model sees how it acted.
    pub tool_calls: Vec<ToolCallRecord>,
    pub follow_up: Option<FollowUp>,
}

impl HistoryMessage {
    /// About how many characters the message and its tool calls take.
    pub fn approx_chars(&self) -> usize {
        let task = |title: &str, description: Option<&str>| {
            40 + title.len() + description.map_or(0, str::len)
        };
        let calls: usize = self
            .tool_calls
            .iter()
            .map(|r| match &r.outcome {
                Ok(result) => match result.change() {
                    Some(change) => task(&change.title, None),
                    None => result
                        .tasks()
                        .iter()
                        .map(|t| task(&t.title, t.description.as_deref()))
                        .sum(),
                },
                Err(message) => 40 + message.len(),
            })
            .sum();
        self.content.len() + calls
    }
}

impl From<Message> for HistoryMessage {
    fn from(m: Message) -> Self {
        Self {
            role: m.role,
            content: m.content,
            tool_calls: m.tool_calls,
            follow_up: m.follow_up,
        }
    }
}

/// What an agent answers: the text for the user, and what it left open for
/// the next message (stored with the reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub follow_up: Option<FollowUp>,
}

impl From<String> for Reply {
    fn from(text: String) -> Self {
        Self {
            text,
            follow_up: None,
        }
    }
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

/// The tools could not be reached at all (sidecar down, timeout): the turn fails.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the task service is unavailable: {0}")]
pub struct ToolsUnavailable(pub String);

/// Calls MCP tools on behalf of the authenticated user. Calls never carry
/// `user_id`; the invoker adds it from the verified token.
pub trait ToolInvoker: Send {
    fn call(
        &mut self,
        call: ToolCall,
    ) -> impl Future<Output = Result<ToolOutcome, ToolsUnavailable>> + Send;

    /// A piece of the reply text as the model produces it, for a streaming
    /// client. The whole reply is still returned by `respond`.
    fn text_delta(&mut self, _delta: &str) {}

    /// The deltas sent since the last withdrawal are not part of the reply
    /// (a draft the model replaced); what follows starts the reply again.
    fn text_withdrawn(&mut self) {}

    /// The authenticated user, e.g. for the model request's hashed `user`
    /// field. None when unknown.
    fn user_id(&self) -> Option<&str> {
        None
    }
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
            Agent::Offline(
                offline::OfflineAgent::new().with_list_max_tasks(settings.list_max_tasks),
            )
        }
    }

    /// Whether replies reach the invoker in pieces as the model writes them.
    pub fn streams_text(&self) -> bool {
        matches!(self, Agent::OpenAi(agent) if agent.streams())
    }

    /// How many of the newest messages a turn loads for this agent, at most
    /// `configured`: the offline agent reads only the last few
    /// ([`offline::HISTORY_READ`]), a model the whole configured window.
    pub fn history_wanted(&self, configured: i64) -> i64 {
        match self {
            Agent::Offline(_) => configured.min(offline::HISTORY_READ),
            Agent::OpenAi(_) => configured,
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
    ) -> Result<Reply, AgentError> {
        match self {
            Agent::Offline(agent) => agent.respond(message, history, invoker).await,
            Agent::OpenAi(agent) => {
                let offline =
                    offline::OfflineAgent::new().with_list_max_tasks(agent.list_max_tasks());
                // Bulk deletion asks first whoever answers; the questions and
                // their answers are the offline agent's.
                if offline::OfflineAgent::answers_first(message, history) {
                    return offline.respond(message, history, invoker).await;
                }
                let mut guarded = OneDeletion::new(invoker);
                let text = agent.respond(message, history, tools, &mut guarded).await?;
                if guarded.held.is_empty() {
                    return Ok(text.into());
                }
                let held = std::mem::take(&mut guarded.held);
                tracing::info!(
                    held = held.len(),
                    "the model's further deletions wait for a yes"
                );
                let deleted = guarded.deleted.take();
                let reply = offline
                    .confirm_deletes(message, history, deleted.as_ref(), &held, guarded.inner)
                    .await?;
                // Whatever the model wrote is not the reply: the question is.
                guarded.inner.text_withdrawn();
                guarded.inner.text_delta(&reply.text);
                Ok(reply)
            }
        }
    }
}

/// Lets a model delete one task per turn. Further `delete_task` calls are
/// not run: the model is told they wait for the user's confirmation, its
/// own words from then on are dropped, and the turn's reply asks instead.
struct OneDeletion<'a, T> {
    inner: &'a mut T,
    /// The one deletion this turn made.
    deleted: Option<todo_core::tools::TaskChange>,
    held: Vec<i64>,
}

impl<'a, T: ToolInvoker> OneDeletion<'a, T> {
    fn new(inner: &'a mut T) -> Self {
        Self {
            inner,
            deleted: None,
            held: Vec::new(),
        }
    }
}

/// What the model is told of a deletion held back.
pub const DELETION_HELD: &str = "Not deleted yet: deleting more than one task needs the user's \
     confirmation, which will be asked for. Do not say it was deleted.";

impl<T: ToolInvoker> ToolInvoker for OneDeletion<'_, T> {
    async fn call(&mut self, call: ToolCall) -> Result<ToolOutcome, ToolsUnavailable> {
        if let ToolCall::DeleteTask(args) = &call {
            if self.deleted.is_some() {
                if !self.held.contains(&args.task_id) {
                    self.held.push(args.task_id);
                }
                return Ok(Err(DELETION_HELD.to_string()));
            }
            let outcome = self.inner.call(call).await?;
            self.deleted = outcome.as_ref().ok().and_then(ToolResult::change).cloned();
            return Ok(outcome);
        }
        self.inner.call(call).await
    }

    fn text_delta(&mut self, delta: &str) {
        if self.held.is_empty() {
            self.inner.text_delta(delta);
        }
    }

    fn text_withdrawn(&mut self) {
        if self.held.is_empty() {
            self.inner.text_withdrawn();
        }
    }

    fn user_id(&self) -> Option<&str> {
        self.inner.user_id()
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
            props.remove(todo_core::tools::USER_ID);
        }
        if let Some(required) = parameters.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r != todo_core::tools::USER_ID);
        }
        Self {
            name: tool.name.to_string(),
            description: tool.description.as_deref().unwrap_or_default().to_string(),
            parameters,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    #[test]
    fn the_offline_agent_loads_a_few_messages() {
        let agent = Agent::Offline(offline::OfflineAgent::new());
        assert_eq!(agent.history_wanted(40), offline::HISTORY_READ);
        assert_eq!(agent.history_wanted(2), 2);
    }

    #[test]
    fn models_never_see_user_id() {
        let schema = json!({
            "type": "object",
            "properties": {"user_id": {"type": "string"}, "title": {"type": "string"}},
            "required": ["user_id", "title"]
        });
        let tool = rmcp::model::Tool::new(
            "add_task",
            "Add",
            Arc::new(schema.as_object().unwrap().clone()),
        );
        let spec = ToolSpec::from_mcp(&tool);
        assert!(spec.parameters["properties"].get("user_id").is_none());
        assert_eq!(spec.parameters["required"], json!(["title"]));
    }
}
