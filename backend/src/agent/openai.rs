//! Placeholder until the OpenAI-compatible agent lands.
use std::time::Duration;

use super::{AgentError, HistoryMessage, ToolInvoker, ToolSpec};
use todo_core::config::Settings;

pub struct OpenAiSettings {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub model: String,
    pub timeout: Duration,
    pub max_steps: usize,
}

pub struct OpenAiAgent;

impl OpenAiAgent {
    pub fn new(_s: OpenAiSettings) -> Self {
        Self
    }
    pub fn from_settings(_s: &Settings) -> Self {
        Self
    }
    pub async fn respond<T: ToolInvoker>(
        &self,
        _message: &str,
        _history: &[HistoryMessage],
        _tools: &[ToolSpec],
        _invoker: &mut T,
    ) -> Result<String, AgentError> {
        Err(AgentError::Model("not yet".into()))
    }
}
