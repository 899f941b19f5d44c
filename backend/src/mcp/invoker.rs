//! The [`ToolInvoker`] of one chat turn: fills in `user_id` from the verified
//! token, forwards the token, records every call for the response's
//! `tool_calls` and reports progress for streaming clients.

use rmcp::model::CallToolResult;
use serde_json::{Map, Value};
use tokio::sync::mpsc::UnboundedSender;

use super::{McpClient, McpError};
use crate::agent::{ToolCallRecord, ToolInvoker, ToolOutcome, ToolsUnavailable};

/// Progress of a turn, for streaming clients.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnEvent {
    ToolStarted { name: String },
}

pub struct McpToolInvoker<'a> {
    client: &'a McpClient,
    user_id: &'a str,
    token: &'a str,
    events: Option<UnboundedSender<TurnEvent>>,
    pub records: Vec<ToolCallRecord>,
}

impl<'a> McpToolInvoker<'a> {
    pub fn new(
        client: &'a McpClient,
        user_id: &'a str,
        token: &'a str,
        events: Option<UnboundedSender<TurnEvent>>,
    ) -> Self {
        Self {
            client,
            user_id,
            token,
            events,
            records: Vec::new(),
        }
    }

    fn emit(&self, event: TurnEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }
}

impl ToolInvoker for McpToolInvoker<'_> {
    fn user_id(&self) -> Option<&str> {
        Some(self.user_id)
    }

    async fn call(
        &mut self,
        name: &str,
        mut arguments: Map<String, Value>,
    ) -> Result<ToolOutcome, ToolsUnavailable> {
        // Whose tasks a call touches is decided here, from the token, never by the agent.
        arguments.insert("user_id".into(), Value::String(self.user_id.to_string()));
        self.emit(TurnEvent::ToolStarted { name: name.into() });
        let result = self
            .client
            .call_tool(name, arguments.clone(), self.token)
            .await;
        let outcome = match result {
            Ok(result) => outcome_of(&result),
            Err(McpError::Protocol(message)) => ToolOutcome::Refused(message),
            Err(e) => return Err(ToolsUnavailable(e.to_string())),
        };
        arguments.remove("user_id");
        let (result, is_error) = match &outcome {
            ToolOutcome::Ok(value) => (value.clone(), false),
            ToolOutcome::Refused(message) => (Value::String(message.clone()), true),
        };
        self.records.push(ToolCallRecord {
            name: name.into(),
            arguments: Value::Object(arguments),
            result,
            is_error,
        });
        Ok(outcome)
    }
}

/// The contract's result: the JSON text the sidecar renders (an array for
/// `list_tasks`), falling back to the structured content.
fn outcome_of(result: &CallToolResult) -> ToolOutcome {
    let text: String = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    if result.is_error == Some(true) {
        return ToolOutcome::Refused(if text.is_empty() {
            "the tool failed".into()
        } else {
            text
        });
    }
    match serde_json::from_str(&text) {
        Ok(value) => ToolOutcome::Ok(value),
        Err(_) => ToolOutcome::Ok(
            result
                .structured_content
                .clone()
                .unwrap_or(Value::String(text)),
        ),
    }
}
