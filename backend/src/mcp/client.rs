//! One long-lived MCP connection, re-established when it breaks: a dead
//! sidecar costs at most the turn that found it dead, never a hang.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, RequestMetaObject, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{Peer, ServiceExt};
use serde_json::Value;
use todo_core::tools::{ToolCall, ToolName, ToolOutcome, ToolResult, USER_ID};
use tokio::sync::Mutex;

/// Where the sidecar is.
#[derive(Debug, Clone)]
pub enum McpTarget {
    /// Spawn this executable and speak MCP over its stdin/stdout, passing it these variables.
    Stdio {
        command: PathBuf,
        env: Vec<(String, String)>,
    },
    /// Streamable HTTP at this URL (in the pod: http://127.0.0.1:8090/mcp).
    Http { url: String },
}

#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error("the MCP sidecar is unreachable: {0}")]
    Unavailable(String),
    #[error("the MCP sidecar did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the MCP sidecar refused the request: {0}")]
    Protocol(String),
}

type Service = RunningService<RoleClient, ()>;

pub struct McpClient {
    target: McpTarget,
    timeout: Duration,
    connection: Mutex<Option<Service>>,
}

impl McpClient {
    pub fn new(target: McpTarget, timeout: Duration) -> Self {
        Self {
            target,
            timeout,
            connection: Mutex::new(None),
        }
    }

    /// The live connection's peer, connecting (or reconnecting) first if needed.
    async fn peer(&self) -> Result<Peer<RoleClient>, McpError> {
        let mut slot = self.connection.lock().await;
        if let Some(service) = slot.as_ref() {
            if !service.is_closed() {
                return Ok(service.peer().clone());
            }
            tracing::warn!("MCP sidecar connection closed; reconnecting");
            metrics::counter!("todo_mcp_reconnects_total").increment(1);
        }
        let service = tokio::time::timeout(self.timeout, self.connect())
            .await
            .map_err(|_| McpError::Timeout(self.timeout))??;
        let peer = service.peer().clone();
        *slot = Some(service);
        Ok(peer)
    }

    async fn connect(&self) -> Result<Service, McpError> {
        match &self.target {
            McpTarget::Stdio { command, env } => {
                let cmd = tokio::process::Command::new(command).configure(|c| {
                    c.envs(env.iter().map(|(k, v)| (k, v)));
                    c.kill_on_drop(true);
                });
                let (transport, _) = TokioChildProcess::builder(cmd)
                    .stderr(Stdio::inherit())
                    .spawn()
                    .map_err(|e| {
                        McpError::Unavailable(format!("cannot start {}: {e}", command.display()))
                    })?;
                tracing::info!(command = %command.display(), "spawned MCP sidecar over stdio");
                ().serve(transport)
                    .await
                    .map_err(|e| McpError::Unavailable(format!("handshake failed: {e}")))
            }
            McpTarget::Http { url } => {
                let transport = StreamableHttpClientTransport::from_uri(url.as_str());
                let service = ()
                    .serve(transport)
                    .await
                    .map_err(|e| McpError::Unavailable(format!("cannot reach {url}: {e}")))?;
                tracing::info!(%url, "connected to MCP sidecar over streamable HTTP");
                Ok(service)
            }
        }
    }

    /// Forgets the connection so the next call reconnects.
    async fn drop_connection(&self) {
        if let Some(service) = self.connection.lock().await.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), service.cancel()).await;
        }
    }

    /// Runs `op` on the connection with a timeout; a transport failure drops
    /// the connection so the next call starts afresh.
    async fn with_peer<T, F>(&self, op: impl FnOnce(Peer<RoleClient>) -> F) -> Result<T, McpError>
    where
        F: Future<Output = Result<T, ServiceError>>,
    {
        let peer = self.peer().await?;
        match tokio::time::timeout(self.timeout, op(peer)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(ServiceError::McpError(e))) => Err(McpError::Protocol(e.message.to_string())),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "MCP sidecar call failed");
                self.drop_connection().await;
                Err(McpError::Unavailable(e.to_string()))
            }
            Err(_) => {
                tracing::error!(timeout = ?self.timeout, "MCP sidecar call timed out");
                self.drop_connection().await;
                Err(McpError::Timeout(self.timeout))
            }
        }
    }

    pub async fn list_tools(&self) -> Result<Vec<Tool>, McpError> {
        self.with_peer(|peer| async move { peer.list_all_tools().await })
            .await
    }

    /// Calls a tool for `user_id` (the one place `user_id` joins the
    /// arguments) with the user's JWT in `_meta.authorization`. A tool's
    /// refusal is `Ok(Err(message))`; only an unusable sidecar is an error.
    pub async fn call_tool(
        &self,
        user_id: &str,
        call: &ToolCall,
        bearer_token: &str,
    ) -> Result<ToolOutcome, McpError> {
        let mut arguments = call.arguments();
        arguments.insert(USER_ID.into(), Value::String(user_id.to_string()));
        let mut meta = RequestMetaObject::default();
        (meta.0).0.insert(
            "authorization".into(),
            Value::String(format!("Bearer {bearer_token}")),
        );
        if let Some(id) = crate::telemetry::current_request_id() {
            (meta.0).0.insert("request_id".into(), Value::String(id));
        }
        let mut params = CallToolRequestParams::new(call.name().as_str()).with_arguments(arguments);
        params.meta = Some(meta);
        let answered = self.with_peer(|peer| async move {
            match peer.call_tool_once(params).await? {
                rmcp::model::CallToolResponse::Complete(result) => Ok(result),
                _ => Err(ServiceError::UnexpectedResponse),
            }
        });
        match crate::telemetry::tool_call(call.name().as_str(), answered).await {
            Ok(result) => Ok(outcome_of(call.name(), result)),
            Err(McpError::Protocol(message)) => Ok(Err(message)),
            Err(e) => Err(e),
        }
    }

    /// For readiness: the sidecar answers a ping-like request in time.
    pub async fn check(&self) -> Result<(), McpError> {
        self.list_tools().await.map(|_| ())
    }

    pub async fn shutdown(&self) {
        self.drop_connection().await;
    }
}

impl McpClient {
    /// "stdio" or "http", for logs.
    pub fn target_kind(&self) -> &'static str {
        match self.target {
            McpTarget::Stdio { .. } => "stdio",
            McpTarget::Http { .. } => "http",
        }
    }
}

/// The typed outcome of a call: the structured content read back into the
/// contract's types, or the refusal message.
fn outcome_of(name: ToolName, result: CallToolResult) -> ToolOutcome {
    if result.is_error == Some(true) {
        let text: Vec<&str> = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect();
        return Err(if text.is_empty() {
            "the tool failed".into()
        } else {
            text.join("\n")
        });
    }
    let value = match result.structured_content {
        Some(value) => value,
        // A server without structured content: its text is the contract's JSON.
        None => result
            .content
            .iter()
            .find_map(|c| c.as_text())
            .and_then(|t| serde_json::from_str(&t.text).ok())
            .unwrap_or(Value::Null),
    };
    ToolResult::from_json(name, value).map_err(|e| {
        tracing::error!(tool = %name, error = %e, "the sidecar answered an unexpected shape");
        "the task service gave an answer this server cannot read".to_string()
    })
}
