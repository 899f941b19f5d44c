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

use crate::agent::{HistoryMessage, Role, ToolSpec};

/// The system prompt, the conversation so far, then the new user message.
pub fn initial_messages(
    system_prompt: &str,
    history: &[HistoryMessage],
    message: &str,
) -> Vec<ChatCompletionRequestMessage> {
    let mut messages = Vec::with_capacity(history.len() + 2);
    messages.push(ChatCompletionRequestSystemMessage::from(system_prompt).into());
    for past in history {
        messages.push(match past.role {
            Role::User => ChatCompletionRequestUserMessage::from(past.content.as_str()).into(),
            Role::Assistant => {
                ChatCompletionRequestAssistantMessage::from(past.content.as_str()).into()
            }
        });
    }
    messages.push(ChatCompletionRequestUserMessage::from(message).into());
    messages
}

/// Function tools for the request (their schemas hold no `user_id`: see
/// [`ToolSpec::from_mcp`]).
pub fn function_tools(tools: &[ToolSpec]) -> Vec<ChatCompletionTools> {
    tools
        .iter()
        .map(|tool| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: tool.name.clone(),
                    description: Some(tool.description.clone()),
                    parameters: Some(object_schema(&tool.parameters)),
                    strict: None,
                },
            })
        })
        .collect()
}

/// The schema as given, or an empty object schema when it is not an object.
fn object_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(_) => schema.clone(),
        _ => json!({"type": "object", "properties": {}}),
    }
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
    fn schemas_are_always_objects() {
        assert_eq!(object_schema(&json!(null))["type"], "object");
        let schema = json!({"type": "object", "properties": {"title": {"type": "string"}}});
        assert_eq!(object_schema(&schema), schema);
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
