//! One span per tool call, carrying the backend's request id from
//! `_meta.request_id`, and the tool-call metrics served at `/metrics`.

use std::time::Instant;

use rmcp::model::{CallToolResult, RequestMetaObject};
use tracing::Instrument;

/// The `_meta` key the backend puts its request id under.
pub const META_REQUEST_ID: &str = "request_id";

/// The caller's request id, when it sent a sane one.
pub fn request_id(meta: &RequestMetaObject) -> Option<&str> {
    (meta.0)
        .0
        .get(META_REQUEST_ID)
        .and_then(|v| v.as_str())
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        })
}

/// Runs one tool call in its span and records its latency and outcome by tool.
pub async fn tool_call<E>(
    tool: &str,
    request_id: Option<&str>,
    call: impl Future<Output = Result<CallToolResult, E>>,
) -> Result<CallToolResult, E> {
    let span = tracing::info_span!("tool_call", tool, request_id = request_id.unwrap_or("-"));
    let started = Instant::now();
    let result = call.instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let outcome = match &result {
        Ok(r) if r.is_error != Some(true) => "ok",
        Ok(_) => "tool_error",
        Err(_) => "refused",
    };
    let tool = tool.to_owned();
    metrics::histogram!("todo_mcp_tool_call_duration_seconds", "tool" => tool.clone())
        .record(elapsed.as_secs_f64());
    metrics::counter!("todo_mcp_tool_calls_total", "tool" => tool, "outcome" => outcome)
        .increment(1);
    span.in_scope(|| tracing::info!(outcome, ms = elapsed.as_millis() as u64, "tool call served"));
    result
}
