//! Per-request tracing and metrics: a request id (the caller's `x-request-id`
//! when it is sane, otherwise a new UUID), a span carrying it, the id echoed
//! in the response header and in error bodies, and `/metrics`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};
use tracing::Instrument;

use crate::state::AppState;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, if any (error bodies, `_meta.request_id`).
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A caller's id is kept when it is 1–128 visible ASCII characters of
/// `[A-Za-z0-9._:-]`; anything else is replaced (it lands in logs).
fn accepted_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?.trim();
    let sane = (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    sane.then(|| text.to_owned())
}

/// The middleware: span, request id, latency and count per route and status.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(accepted_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        %method,
        %route,
        request_id = %request_id,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(request_id.clone(), next.call(req))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(response) => response.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.record("status", status.as_u16());
    let labels = [
        ("route", route),
        ("method", method),
        ("status", status.as_str().to_owned()),
    ];
    metrics::counter!("todo_http_requests_total", &labels).increment(1);
    metrics::histogram!("todo_http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            target: "todo_backend::http",
            status = status.as_u16(),
            ms = elapsed.as_millis() as u64,
            "request served"
        )
    });
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

/// Wraps one MCP tool call: a span, latency by tool, errors by tool.
pub async fn tool_call<T, E: std::fmt::Display>(
    tool: &str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let span = tracing::info_span!("tool_call", tool);
    let started = Instant::now();
    let result = call.instrument(span.clone()).await;
    let tool = tool.to_owned();
    metrics::histogram!("todo_tool_call_duration_seconds", "tool" => tool.clone())
        .record(started.elapsed().as_secs_f64());
    if let Err(e) = &result {
        metrics::counter!("todo_tool_call_errors_total", "tool" => tool).increment(1);
        span.in_scope(|| tracing::warn!(error = %e, "tool call failed"));
    }
    result
}

/// Prometheus text: requests, tool calls, sidecar reconnects, pool use; and,
/// when the sidecar is reached over HTTP, the sidecar's own metrics, fetched
/// over the pod's loopback, so one scrape of the pod's annotated port gets
/// both containers (`todo_mcp_sidecar_up` says whether it answered).
#[get("/metrics")]
pub async fn metrics_endpoint(state: web::Data<AppState>) -> HttpResponse {
    let mut page = todo_core::telemetry::render_metrics(&state.db, "todo");
    if let Some(url) = &state.settings.mcp_url {
        let sidecar = sidecar_metrics(secrecy::ExposeSecret::expose_secret(url)).await;
        page.push_str("# TYPE todo_mcp_sidecar_up gauge\n");
        page.push_str(&format!(
            "todo_mcp_sidecar_up {}\n",
            u8::from(sidecar.is_some())
        ));
        page.push_str(&sidecar.unwrap_or_default());
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(page)
}

/// The sidecar's `/metrics` beside its MCP endpoint, or `None` (logged).
async fn sidecar_metrics(mcp_url: &str) -> Option<String> {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap_or_default()
    });
    let mut url = reqwest::Url::parse(mcp_url).ok()?;
    url.set_path("/metrics");
    url.set_query(None);
    match client
        .get(url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
    {
        Ok(response) => response.text().await.ok(),
        Err(e) => {
            tracing::warn!(error = %e.without_url(), "the sidecar's metrics are unavailable");
            None
        }
    }
}

/// Times one request to the language model (`todo_model_request_duration_seconds`).
pub async fn model_request<T, E>(call: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    let started = Instant::now();
    let result = call.await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::histogram!("todo_model_request_duration_seconds", "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    result
}

/// `work` with the current request id and span, for a task spawned by a
/// request (the ChatKit turn runs on after its response starts streaming).
pub fn in_request<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let request_id = current_request_id();
    let work = work.instrument(tracing::Span::current());
    async move {
        match request_id {
            Some(id) => REQUEST_ID.scope(id, work).await,
            None => work.await,
        }
    }
}
