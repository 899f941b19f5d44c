//! The built-in offline agent (placeholder until the real one lands).
use super::{AgentError, HistoryMessage, ToolInvoker};

#[derive(Debug, Default, Clone)]
pub struct OfflineAgent;

impl OfflineAgent {
    pub async fn respond<T: ToolInvoker>(
        &self,
        _message: &str,
        _history: &[HistoryMessage],
        _tools: &mut T,
    ) -> Result<String, AgentError> {
        Ok("Hello!".into())
    }
}
