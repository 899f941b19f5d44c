//! `/healthz`: the process is up. `/readyz`: the database and the MCP
//! sidecar answer; a 503 names the part that does not (`database`,
//! `mcp_sidecar`), never its address: the reason is logged.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde_json::{Map, Value, json};

use crate::error::Part;
use crate::state::AppState;

#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    const LIMIT: Duration = Duration::from_secs(3);
    let (db, mcp) = tokio::join!(
        tokio::time::timeout(LIMIT, state.db.ping()),
        tokio::time::timeout(LIMIT, state.mcp.check()),
    );
    let mut checks = Map::new();
    let mut failing = Vec::new();
    // The reason goes to the log; the body names the part and a fixed word.
    let mut record = |part: Part, result: Result<(), String>| {
        let value = match result {
            Ok(()) => json!("ok"),
            Err(reason) => {
                failing.push(Value::String(part.name().into()));
                tracing::warn!(part = part.name(), %reason, "not ready");
                json!("unavailable")
            }
        };
        checks.insert(part.name().into(), value);
    };
    record(
        Part::Database,
        flatten(db.map(|r| r.map_err(|e| format!("{:#}", anyhow::Error::new(e))))),
    );
    record(
        Part::McpSidecar,
        flatten(mcp.map(|r| r.map_err(|e| format!("{:#}", anyhow::Error::new(e))))),
    );
    if failing.is_empty() {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": checks}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({
            "status": "unready",
            "failing": failing,
            "checks": checks,
        }))
    }
}

fn flatten(r: Result<Result<(), String>, tokio::time::error::Elapsed>) -> Result<(), String> {
    r.unwrap_or_else(|_| Err("no answer within 3 s".into()))
}
