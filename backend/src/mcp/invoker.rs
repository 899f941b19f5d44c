//! The [`ToolInvoker`] of one chat turn: calls the sidecar for the verified
//! user, records every call for the response's `tool_calls` and tells the
//! turn's sink when a tool starts.

use todo_core::tools::ToolName;

use super::{McpClient, McpError};
use crate::agent::{ToolCall, ToolCallRecord, ToolInvoker, ToolOutcome, ToolsUnavailable};
use crate::auth::AuthUser;
use crate::chat::TurnSink;

pub struct McpToolInvoker<'a> {
    client: &'a McpClient,
    user: &'a AuthUser,
    sink: &'a mut dyn TurnSink,
    pub records: Vec<ToolCallRecord>,
    /// A task-changing call whose sidecar went away mid-call: it may or may
    /// not have been carried out.
    pub in_doubt: Option<ToolCall>,
}

impl<'a> McpToolInvoker<'a> {
    pub fn new(client: &'a McpClient, user: &'a AuthUser, sink: &'a mut dyn TurnSink) -> Self {
        Self {
            client,
            user,
            sink,
            records: Vec::new(),
            in_doubt: None,
        }
    }
}

impl ToolInvoker for McpToolInvoker<'_> {
    fn user_id(&self) -> Option<&str> {
        Some(&self.user.user_id)
    }

    fn text_delta(&mut self, delta: &str) {
        self.sink.text_delta(delta);
    }

    fn text_withdrawn(&mut self) {
        self.sink.text_withdrawn();
    }

    async fn call(&mut self, call: ToolCall) -> Result<ToolOutcome, ToolsUnavailable> {
        self.sink.tool_started(call.name());
        let outcome = match self
            .client
            .call_tool(&self.user.user_id, &call, &self.user.token)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => {
                if matches!(e, McpError::InDoubt(_)) && call.name() != ToolName::ListTasks {
                    self.in_doubt = Some(call);
                }
                return Err(ToolsUnavailable(e.to_string()));
            }
        };
        self.records.push(ToolCallRecord {
            call,
            outcome: outcome.clone(),
        });
        Ok(outcome)
    }
}
