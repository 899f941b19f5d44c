//! Between the agent's types and the chat-completions wire format. Requests
//! use async-openai's typed messages; replies are read leniently because
//! OpenAI-compatible servers (Ollama, llama.cpp, vLLM, proxies) differ in
//! details such as missing ids or arguments sent as an object.

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionTool, ChatCompletionTools, FunctionCall,
    FunctionObject,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::agent::{HistoryMessage, ToolSpec};

/// The argument no model may set: the backend decides whose tasks a call touches.
pub const USER_ID: &str = "user_id";

/// The system prompt, the conversation so far (with its tool calls, within
/// `history_chars`), then the new user message.
pub fn initial_messages(
    system_prompt: &str,
    history: &[HistoryMessage],
    history_chars: usize,
    message: &str,
) -> Vec<ChatCompletionRequestMessage> {
    let mut messages = vec![ChatCompletionRequestSystemMessage::from(system_prompt).into()];
    messages.extend(super::history::replay(history, history_chars));
    messages.push(ChatCompletionRequestUserMessage::from(message).into());
    messages
}

/// A short instruction added in the middle of a turn (a correction).
pub fn system_note(text: &str) -> ChatCompletionRequestMessage {
    ChatCompletionRequestSystemMessage::from(text).into()
}

/// Function tools for the request. `user_id` is removed from the schemas
/// again here so that no model is ever invited to choose a user.
pub fn function_tools(tools: &[ToolSpec]) -> Vec<ChatCompletionTools> {
    tools
        .iter()
        .map(|tool| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: tool.name.clone(),
                    description: Some(tool.description.clone()),
                    parameters: Some(without_user_id(&tool.parameters)),
                    strict: None,
                },
            })
        })
        .collect()
}

fn without_user_id(schema: &Value) -> Value {
    let Value::Object(schema) = schema else {
        return json!({"type": "object", "properties": {}});
    };
    let mut schema = schema.clone();
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.remove(USER_ID);
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|name| name != USER_ID);
    }
    Value::Object(schema)
}

/// What the model answered in one round.
#[derive(Debug, Default)]
pub struct ModelTurn {
    pub text: Option<String>,
    pub calls: Vec<ToolCall>,
}

/// One tool call the model asked for.
#[derive(Debug)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them, echoed back in the history.
    pub raw_arguments: String,
    /// The parsed arguments, or why they are unusable (told to the model).
    pub arguments: Result<Map<String, Value>, String>,
}

/// The subset of a chat completion the agent reads; everything else is ignored.
#[derive(Debug, Deserialize)]
pub struct CompletionReply {
    #[serde(default)]
    choices: Vec<ReplyChoice>,
}

#[derive(Debug, Deserialize)]
struct ReplyChoice {
    #[serde(default)]
    message: ReplyMessage,
}

#[derive(Debug, Default, Deserialize)]
struct ReplyMessage {
    #[serde(default)]
    content: Value,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ReplyToolCall>>,
}

#[derive(Debug, Deserialize)]
struct ReplyToolCall {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<ReplyFunction>,
}

#[derive(Debug, Deserialize)]
struct ReplyFunction {
    #[serde(default)]
    name: String,
    #[serde(default)]
    arguments: Value,
}

impl CompletionReply {
    /// The first choice as a [`ModelTurn`]; `round` makes up ids the server left out.
    pub fn into_turn(self, round: usize) -> Result<ModelTurn, String> {
        let choice = self
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| "the model server returned no choices".to_string())?;
        let message = choice.message;
        let text = text_of(&message.content).or(message.refusal);
        let calls = message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, call)| {
                let id = call
                    .id
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| format!("call_{round}_{index}"));
                match call.function {
                    Some(function) => {
                        let (raw_arguments, arguments) = parse_arguments(&function.arguments);
                        ToolCall {
                            id,
                            name: function.name,
                            raw_arguments,
                            arguments,
                        }
                    }
                    None => ToolCall {
                        id,
                        name: String::new(),
                        raw_arguments: "{}".into(),
                        arguments: Err("only function tool calls are supported".into()),
                    },
                }
            })
            .collect();
        Ok(ModelTurn { text, calls })
    }
}

/// One server-sent chunk of a streamed completion; read as leniently as a whole reply.
#[derive(Debug, Deserialize)]
pub struct CompletionChunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
}

#[derive(Debug, Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<ChunkDelta>,
    /// A few servers send the whole message in the last chunk instead.
    #[serde(default)]
    message: Option<ChunkDelta>,
}

#[derive(Debug, Default, Deserialize)]
struct ChunkDelta {
    #[serde(default)]
    content: Value,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ChunkToolCall>>,
}

#[derive(Debug, Deserialize)]
struct ChunkToolCall {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<ChunkFunction>,
}

#[derive(Debug, Deserialize)]
struct ChunkFunction {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Value,
}

/// Assembles a [`ModelTurn`] from the chunks of a streamed completion.
#[derive(Debug, Default)]
pub struct StreamedTurn {
    text: String,
    refusal: String,
    calls: Vec<PartialCall>,
}

#[derive(Debug, Default)]
struct PartialCall {
    id: Option<String>,
    name: String,
    arguments: String,
    /// Arguments some servers send as an object in one piece.
    object: Option<Value>,
}

impl StreamedTurn {
    /// Takes in one chunk; returns the new reply text it carried, if any.
    pub fn push(&mut self, chunk: CompletionChunk) -> Option<String> {
        let choice = chunk.choices.into_iter().next()?;
        let delta = choice.delta.or(choice.message)?;
        let text = match &delta.content {
            Value::String(text) => text.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect(),
            _ => String::new(),
        };
        if let Some(refusal) = delta.refusal {
            self.refusal.push_str(&refusal);
        }
        for call in delta.tool_calls.unwrap_or_default() {
            let index = match call.index {
                Some(index) => index,
                // Without an index, a new id starts a new call.
                None if call.id.as_ref().is_some_and(|id| {
                    self.calls
                        .last()
                        .is_none_or(|last| last.id.as_ref() != Some(id))
                }) =>
                {
                    self.calls.len()
                }
                None => self.calls.len().saturating_sub(1),
            };
            while self.calls.len() <= index {
                self.calls.push(PartialCall::default());
            }
            let partial = &mut self.calls[index];
            if let Some(id) = call.id.filter(|id| !id.is_empty()) {
                partial.id = Some(id);
            }
            if let Some(function) = call.function {
                if let Some(name) = function.name {
                    partial.name.push_str(&name);
                }
                match function.arguments {
                    Value::String(piece) => partial.arguments.push_str(&piece),
                    Value::Null => {}
                    other => partial.object = Some(other),
                }
            }
        }
        if text.is_empty() {
            return None;
        }
        self.text.push_str(&text);
        Some(text)
    }

    /// The whole turn; `round` makes up ids the server left out.
    pub fn finish(self, round: usize) -> ModelTurn {
        let text = self.text.trim();
        let text = if text.is_empty() {
            let refusal = self.refusal.trim();
            (!refusal.is_empty()).then(|| refusal.to_string())
        } else {
            Some(text.to_string())
        };
        let calls = self
            .calls
            .into_iter()
            .enumerate()
            .map(|(index, call)| {
                let raw = call.object.unwrap_or(Value::String(call.arguments));
                let (raw_arguments, arguments) = parse_arguments(&raw);
                ToolCall {
                    id: call.id.unwrap_or_else(|| format!("call_{round}_{index}")),
                    name: call.name,
                    raw_arguments,
                    arguments,
                }
            })
            .collect();
        ModelTurn { text, calls }
    }
}

/// Content is a string, or (some servers) an array of text parts.
fn text_of(content: &Value) -> Option<String> {
    let text = match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => return None,
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Arguments are a JSON string per the API; some servers send the object
/// itself, and an empty string means "no arguments".
fn parse_arguments(raw: &Value) -> (String, Result<Map<String, Value>, String>) {
    match raw {
        Value::Null => ("{}".into(), Ok(Map::new())),
        Value::Object(map) => (raw.to_string(), Ok(map.clone())),
        Value::String(text) if text.trim().is_empty() => (text.clone(), Ok(Map::new())),
        Value::String(text) => {
            let parsed = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Err("the arguments must be a JSON object".to_string()),
                Err(error) => Err(format!("the arguments are not valid JSON ({error})")),
            };
            (text.clone(), parsed)
        }
        _ => (
            raw.to_string(),
            Err("the arguments must be a JSON object".to_string()),
        ),
    }
}

/// The assistant message that asked for `calls`, as it goes back into the history.
pub fn assistant_tool_calls(
    text: Option<&str>,
    calls: &[ToolCall],
) -> ChatCompletionRequestMessage {
    let tool_calls = calls
        .iter()
        .map(|call| {
            ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                id: call.id.clone(),
                function: FunctionCall {
                    name: call.name.clone(),
                    arguments: call.raw_arguments.clone(),
                },
            })
        })
        .collect();
    ChatCompletionRequestAssistantMessage {
        content: text.map(Into::into),
        tool_calls: Some(tool_calls),
        ..Default::default()
    }
    .into()
}

/// A tool's answer to the call `id`.
pub fn tool_result(id: &str, content: &Value) -> ChatCompletionRequestMessage {
    ChatCompletionRequestToolMessage {
        content: content.to_string().into(),
        tool_call_id: id.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_from_strings_objects_and_blanks() {
        let (raw, parsed) = parse_arguments(&json!("{\"task_id\": 3}"));
        assert_eq!(raw, "{\"task_id\": 3}");
        assert_eq!(parsed.unwrap()["task_id"], 3);
        assert_eq!(parse_arguments(&json!({"a": 1})).1.unwrap()["a"], 1);
        assert!(parse_arguments(&json!("")).1.unwrap().is_empty());
        assert!(parse_arguments(&Value::Null).1.unwrap().is_empty());
        assert!(parse_arguments(&json!("{task_id: 3")).1.is_err());
        assert!(parse_arguments(&json!("[1, 2]")).1.is_err());
        assert!(parse_arguments(&json!(42)).1.is_err());
    }

    #[test]
    fn user_id_is_removed_from_schemas() {
        let schema = json!({
            "type": "object",
            "properties": {"user_id": {"type": "string"}, "title": {"type": "string"}},
            "required": ["user_id", "title"]
        });
        let cleaned = without_user_id(&schema);
        assert!(cleaned["properties"].get("user_id").is_none());
        assert_eq!(cleaned["required"], json!(["title"]));
        assert_eq!(without_user_id(&json!(null))["type"], "object");
    }

    #[test]
    fn streamed_chunks_are_assembled() {
        let chunks = [
            json!({"choices": [{"delta": {"role": "assistant", "content": "Hel"}}]}),
            json!({"choices": [{"delta": {"content": "lo"}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                "function": {"name": "add_task", "arguments": "{\"ti"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "tle\": \"A\"}"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 1,
                "function": {"name": "list_tasks", "arguments": {"status": "all"}}}]}}]}),
            json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]}),
            json!({"choices": []}),
        ];
        let mut turn = StreamedTurn::default();
        let deltas: Vec<String> = chunks
            .into_iter()
            .filter_map(|chunk| turn.push(serde_json::from_value(chunk).unwrap()))
            .collect();
        assert_eq!(deltas, ["Hel", "lo"]);
        let turn = turn.finish(3);
        assert_eq!(turn.text.as_deref(), Some("Hello"));
        assert_eq!(turn.calls.len(), 2);
        assert_eq!(turn.calls[0].id, "c1");
        assert_eq!(turn.calls[0].arguments.as_ref().unwrap()["title"], "A");
        assert_eq!(turn.calls[1].id, "call_3_1");
        assert_eq!(turn.calls[1].arguments.as_ref().unwrap()["status"], "all");
    }

    #[test]
    fn replies_without_ids_or_choices_are_handled() {
        let reply: CompletionReply = serde_json::from_value(json!({
            "choices": [{"message": {"role": "assistant", "content": [{"type": "text", "text": "Hi"}],
                "tool_calls": [{"function": {"name": "list_tasks", "arguments": {"status": "all"}}}]}}]
        }))
        .unwrap();
        let turn = reply.into_turn(2).unwrap();
        assert_eq!(turn.text.as_deref(), Some("Hi"));
        assert_eq!(turn.calls[0].id, "call_2_0");
        assert_eq!(turn.calls[0].arguments.as_ref().unwrap()["status"], "all");

        let empty: CompletionReply = serde_json::from_value(json!({"choices": []})).unwrap();
        assert!(empty.into_turn(0).is_err());
    }
}
