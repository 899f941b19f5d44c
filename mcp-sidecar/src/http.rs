//! Streamable HTTP at `/mcp`, plus `/healthz` (process up) and `/readyz`
//! (database reachable). Bound to localhost in the pod: probes reach health
//! with `todo-mcp healthcheck`, run inside the container.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::TodoServer;

pub fn router(server: TodoServer, shutdown: CancellationToken) -> Router {
    let mut config = StreamableHttpServerConfig::default();
    config.cancellation_token = shutdown;
    let factory = {
        let server = server.clone();
        move || Ok(server.clone())
    };
    let mcp = StreamableHttpService::new(factory, Arc::new(LocalSessionManager::default()), config);
    Router::new()
        .nest_service("/mcp", mcp)
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
        .route(
            "/metrics",
            get(|State(server): State<TodoServer>| async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4",
                    )],
                    todo_core::telemetry::render_metrics(server.database(), "todo_mcp"),
                )
            }),
        )
        .with_state(server)
}

async fn ready(State(server): State<TodoServer>) -> (StatusCode, Json<Value>) {
    match server.database().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(e) => {
            tracing::warn!(
                error = &e as &dyn std::error::Error,
                "not ready: database unreachable"
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unready", "failing": "database", "reason": "unavailable"})),
            )
        }
    }
}

/// Serves until `shutdown` is cancelled; open requests are allowed to finish.
pub async fn serve(
    server: TodoServer,
    addr: SocketAddr,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    todo_core::telemetry::metrics_handle();
    tracing::info!(addr = %listener.local_addr()?, "serving MCP over streamable HTTP at /mcp");
    let app = router(server, shutdown.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await?;
    Ok(())
}
