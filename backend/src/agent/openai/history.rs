//! The conversation so far as the model sees it: each past turn with the
//! tool calls it made and their results, so that a model learns from its own
//! earlier calls (and ids it already saw) instead of from prose alone.
//! Within a budget of characters; the oldest turns are dropped first.

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestToolMessage, ChatCompletionRequestUserMessage, FunctionCall,
};
use serde_json::{Value, json};

use crate::agent::{HistoryMessage, Role, ToolCallRecord};

/// Past messages for the request, oldest first, at most about `budget`
/// characters of content, arguments and results. Turns stay whole: a tool
/// result is never sent without the call it answers.
pub fn replay(history: &[HistoryMessage], budget: usize) -> Vec<ChatCompletionRequestMessage> {
    // A turn starts at a user message; replies without one stand alone.
    let mut turns: Vec<&[HistoryMessage]> = Vec::new();
    let mut start = 0;
    for (index, message) in history.iter().enumerate() {
        if message.role == Role::User && index > start {
            turns.push(&history[start..index]);
            start = index;
        }
    }
    if start < history.len() {
        turns.push(&history[start..]);
    }

    let mut kept: Vec<Vec<ChatCompletionRequestMessage>> = Vec::new();
    let mut used = 0;
    for (number, turn) in turns.iter().enumerate().rev() {
        let (messages, size) = turn_messages(number, turn);
        if used + size > budget {
            break;
        }
        used += size;
        kept.push(messages);
    }
    kept.into_iter().rev().flatten().collect()
}

/// One turn's messages and their size in characters.
fn turn_messages(
    number: usize,
    turn: &[HistoryMessage],
) -> (Vec<ChatCompletionRequestMessage>, usize) {
    let mut messages = Vec::new();
    let mut size = 0;
    for (index, message) in turn.iter().enumerate() {
        size += message.content.chars().count();
        match message.role {
            Role::User => {
                messages
                    .push(ChatCompletionRequestUserMessage::from(message.content.as_str()).into());
            }
            Role::Assistant => {
                if !message.tool_calls.is_empty() {
                    let ids: Vec<String> = (0..message.tool_calls.len())
                        .map(|call| format!("h{number}_{index}_{call}"))
                        .collect();
                    let calls = message
                        .tool_calls
                        .iter()
                        .zip(&ids)
                        .map(|(call, id)| {
                            let arguments = Value::Object(call.call.arguments()).to_string();
                            size += call.name().as_str().len() + arguments.chars().count();
                            ChatCompletionMessageToolCalls::Function(
                                ChatCompletionMessageToolCall {
                                    id: id.clone(),
                                    function: FunctionCall {
                                        name: call.name().as_str().to_string(),
                                        arguments,
                                    },
                                },
                            )
                        })
                        .collect();
                    messages.push(
                        ChatCompletionRequestAssistantMessage {
                            tool_calls: Some(calls),
                            ..Default::default()
                        }
                        .into(),
                    );
                    for (call, id) in message.tool_calls.iter().zip(&ids) {
                        let content = result_text(call);
                        size += content.chars().count();
                        messages.push(
                            ChatCompletionRequestToolMessage {
                                content: content.into(),
                                tool_call_id: id.clone(),
                            }
                            .into(),
                        );
                    }
                }
                if !message.content.trim().is_empty() {
                    messages.push(
                        ChatCompletionRequestAssistantMessage::from(message.content.as_str())
                            .into(),
                    );
                }
            }
        }
    }
    (messages, size)
}

/// What the model was told when the call ran: the result, or `{"error": ...}`.
fn result_text(call: &ToolCallRecord) -> String {
    match &call.outcome {
        Ok(result) => result.to_json().to_string(),
        Err(message) => json!({ "error": message }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(role: Role, content: &str, tool_calls: Vec<ToolCallRecord>) -> HistoryMessage {
        HistoryMessage {
            role,
            content: content.into(),
            tool_calls,
            follow_up: None,
        }
    }

    /// A record from its stored shape.
    fn record(stored: Value) -> ToolCallRecord {
        serde_json::from_value(stored).unwrap()
    }

    fn added(title: &str, id: i64) -> ToolCallRecord {
        record(json!({
            "name": "add_task",
            "arguments": { "title": title },
            "result": {"task_id": id, "status": "created", "title": title},
            "is_error": false,
        }))
    }

    fn roles(messages: &[ChatCompletionRequestMessage]) -> Vec<&'static str> {
        messages
            .iter()
            .map(|m| match m {
                ChatCompletionRequestMessage::User(_) => "user",
                ChatCompletionRequestMessage::Assistant(a) if a.tool_calls.is_some() => "calls",
                ChatCompletionRequestMessage::Assistant(_) => "assistant",
                ChatCompletionRequestMessage::Tool(_) => "tool",
                _ => "other",
            })
            .collect()
    }

    #[test]
    fn calls_and_results_are_replayed_and_old_turns_dropped_first() {
        let history = vec![
            said(Role::User, "first", vec![]),
            said(Role::Assistant, "Added.", vec![added("One", 1)]),
            said(Role::User, "second", vec![]),
            said(
                Role::Assistant,
                "Added both.",
                vec![added("Two", 2), added("Three", 3)],
            ),
        ];
        let all = replay(&history, 10_000);
        assert_eq!(
            roles(&all),
            [
                "user",
                "calls",
                "tool",
                "assistant",
                "user",
                "calls",
                "tool",
                "tool",
                "assistant"
            ]
        );
        let ChatCompletionRequestMessage::Tool(tool) = &all[2] else {
            panic!("not a tool message");
        };
        assert_eq!(tool.tool_call_id, "h0_1_0");

        // Only the newest turn fits: the oldest goes, whole.
        let (_, newest) = turn_messages(1, &history[2..]);
        let recent = replay(&history, newest);
        assert_eq!(
            roles(&recent),
            ["user", "calls", "tool", "tool", "assistant"]
        );
        assert!(replay(&history, 3).is_empty());
    }

    #[test]
    fn refused_calls_are_replayed_as_errors() {
        let refused = record(json!({
            "name": "delete_task",
            "arguments": {"task_id": 9},
            "result": "Task 9 was not found.",
            "is_error": true,
        }));
        assert_eq!(
            result_text(&refused),
            json!({"error": "Task 9 was not found."}).to_string()
        );
    }
}
