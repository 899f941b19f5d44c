//! One long-lived MCP connection, re-established when it breaks. A tool call
//! whose connection broke is retried with the same idempotency key until
//! the retry window closes, so a sidecar restart of about a second fails no
//! turn and a call the dead sidecar had carried out is not applied twice.
//! Each connection has a generation: a call that failed on an old one never
//! drops its successor, so one death costs one respawn.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult, RequestMetaObject, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::common::client_side_sse::NeverRetry;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{Peer, ServiceExt};
use serde_json::Value;
use todo_core::tools::{
    META_IDEMPOTENCY_KEY, ToolCall, ToolName, ToolOutcome, ToolResult, USER_ID,
};
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
    /// The connection broke after the call was sent and the sidecar did not
    /// come back in time: the call may or may not have been carried out.
    #[error("the MCP sidecar went away during the call: {0}")]
    InDoubt(String),
}

type Service = RunningService<RoleClient, ()>;

/// The longest pause between two attempts of a call.
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(400);
/// The most sidecar deaths one call rides through.
const MAX_BREAKS: u32 = 3;

struct Connection {
    generation: u64,
    service: Service,
}

#[derive(Default)]
struct Slot {
    current: Option<Connection>,
    generations: u64,
}

pub struct McpClient {
    target: McpTarget,
    timeout: Duration,
    retry_window: Duration,
    connection: Mutex<Slot>,
}

impl McpClient {
    /// `timeout` bounds each attempt; a call whose connection broke is tried
    /// again until `retry_window` after the latest break.
    pub fn new(target: McpTarget, timeout: Duration, retry_window: Duration) -> Self {
        Self {
            target,
            timeout,
            retry_window,
            connection: Mutex::new(Slot::default()),
        }
    }

    /// The live connection's peer and generation, connecting (or
    /// reconnecting) first if needed. Callers queue on the lock, so a dead
    /// connection is replaced once, not once per caller.
    async fn peer(&self) -> Result<(u64, Peer<RoleClient>), McpError> {
        let mut slot = self.connection.lock().await;
        if let Some(c) = slot.current.as_ref() {
            if !c.service.is_closed() {
                return Ok((c.generation, c.service.peer().clone()));
            }
            tracing::warn!("MCP sidecar connection closed; reconnecting");
        }
        // The old connection (its child, over stdio) goes before a new one starts.
        if let Some(old) = slot.current.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), old.service.cancel()).await;
        }
        let service = tokio::time::timeout(self.timeout, self.connect())
            .await
            .map_err(|_| McpError::Timeout(self.timeout))??;
        if slot.generations > 0 {
            metrics::counter!("todo_mcp_reconnects_total").increment(1);
        }
        slot.generations += 1;
        let generation = slot.generations;
        let peer = service.peer().clone();
        slot.current = Some(Connection {
            generation,
            service,
        });
        Ok((generation, peer))
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
                // A broken response stream fails the call at once (rmcp's
                // default resumes it forever): a restarted sidecar cannot
                // resume the old session's streams, and the call is retried
                // here, on a new session, with its idempotency key.
                let mut config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
                config.retry_config = Arc::new(NeverRetry::default());
                let transport = StreamableHttpClientTransport::from_config(config);
                let service = ()
                    .serve(transport)
                    .await
                    .map_err(|e| McpError::Unavailable(format!("cannot reach {url}: {e}")))?;
                tracing::info!(%url, "connected to MCP sidecar over streamable HTTP");
                Ok(service)
            }
        }
    }

    /// Forgets connection `generation` (any, for `None`) so the next call
    /// reconnects. A newer connection, made after the failure, is kept.
    async fn drop_connection(&self, generation: Option<u64>) {
        let old = {
            let mut slot = self.connection.lock().await;
            match &slot.current {
                Some(c) if generation.is_none_or(|g| g == c.generation) => slot.current.take(),
                _ => None,
            }
        };
        if let Some(old) = old {
            let _ = tokio::time::timeout(Duration::from_secs(2), old.service.cancel()).await;
        }
    }

    /// Runs `op` on the connection with a timeout; a transport failure drops
    /// that connection so the next call starts afresh.
    async fn with_peer<T, F>(&self, op: impl FnOnce(Peer<RoleClient>) -> F) -> Result<T, McpError>
    where
        F: Future<Output = Result<T, ServiceError>>,
    {
        let (generation, peer) = self.peer().await?;
        self.run_on(generation, peer, op).await
    }

    async fn run_on<T, F>(
        &self,
        generation: u64,
        peer: Peer<RoleClient>,
        op: impl FnOnce(Peer<RoleClient>) -> F,
    ) -> Result<T, McpError>
    where
        F: Future<Output = Result<T, ServiceError>>,
    {
        match tokio::time::timeout(self.timeout, op(peer)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(ServiceError::McpError(e))) => Err(McpError::Protocol(e.message.to_string())),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "MCP sidecar connection broke");
                self.drop_connection(Some(generation)).await;
                Err(McpError::Unavailable(e.to_string()))
            }
            Err(_) => {
                tracing::error!(timeout = ?self.timeout, "MCP sidecar call timed out");
                self.drop_connection(Some(generation)).await;
                Err(McpError::Timeout(self.timeout))
            }
        }
    }

    /// Runs `op`, trying again while the sidecar is unreachable (the
    /// connection broke, or the sidecar is restarting) until the retry window
    /// closes. The window opens at the latest break, so a call that reached
    /// a restarted sidecar which then died again waits for the next one too,
    /// though for at most [`MAX_BREAKS`] deaths (a call that kills the
    /// sidecar every time must not loop). A timeout is not retried: the
    /// sidecar may still be working on the call, and the turn has waited
    /// long enough.
    async fn with_retries<T, F>(
        &self,
        mut op: impl FnMut(Peer<RoleClient>) -> F,
    ) -> Result<T, McpError>
    where
        F: Future<Output = Result<T, ServiceError>>,
    {
        let mut window_opened: Option<Instant> = None;
        let mut breaks = 0;
        let mut pause = Duration::ZERO;
        loop {
            let error = match self.peer().await {
                Ok((generation, peer)) => match self.run_on(generation, peer, &mut op).await {
                    Err(McpError::Unavailable(e)) => {
                        breaks += 1;
                        window_opened = Some(Instant::now());
                        pause = Duration::ZERO;
                        e
                    }
                    other => return other,
                },
                Err(McpError::Unavailable(e)) => {
                    window_opened.get_or_insert_with(Instant::now);
                    e
                }
                Err(other) => return Err(other),
            };
            let closes = window_opened.expect("set above") + self.retry_window;
            if breaks > MAX_BREAKS || Instant::now() + pause >= closes {
                // Once an attempt was sent, whether it ran cannot be known.
                return Err(if breaks > 0 {
                    McpError::InDoubt(error)
                } else {
                    McpError::Unavailable(error)
                });
            }
            metrics::counter!("todo_tool_call_retries_total").increment(1);
            tracing::info!(error = %error, ?pause, "retrying the tool call");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).clamp(Duration::from_millis(50), MAX_RETRY_PAUSE);
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
        // One key per call, the same on every attempt: the sidecar applies a
        // change once per key. Random, as a caller may reuse its request id.
        (meta.0).0.insert(
            META_IDEMPOTENCY_KEY.into(),
            Value::String(uuid::Uuid::new_v4().simple().to_string()),
        );
        let mut params = CallToolRequestParams::new(call.name().as_str()).with_arguments(arguments);
        params.meta = Some(meta);
        let answered = self.with_retries(|peer| {
            let params = params.clone();
            async move {
                match peer.call_tool_once(params).await? {
                    rmcp::model::CallToolResponse::Complete(result) => Ok(result),
                    _ => Err(ServiceError::UnexpectedResponse),
                }
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
        self.drop_connection(None).await;
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
