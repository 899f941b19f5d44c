//! `GET /api/{user_id}/tasks?status=…`: the task list for the web page,
//! read through the sidecar like everything else that touches tasks.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::agent::{ToolInvoker, ToolOutcome};
use crate::auth::authenticate;
use crate::error::{ApiError, Part};
use crate::mcp::McpToolInvoker;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
struct Query {
    status: Option<String>,
}

#[get("/api/{user_id}/tasks")]
async fn list(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Query>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = authenticate(&req, &state.verifier, &path).await?;
    let status = query.status.clone().unwrap_or_else(|| "all".into());
    let mut invoker = McpToolInvoker::new(&state.mcp, &user.user_id, &user.token, None);
    let mut args = Map::new();
    args.insert("status".into(), Value::String(status));
    match invoker.call("list_tasks", args).await {
        Ok(ToolOutcome::Ok(tasks)) => Ok(HttpResponse::Ok().json(json!({ "tasks": tasks }))),
        Ok(ToolOutcome::Refused(message)) => Err(ApiError::BadRequest(message)),
        Err(e) => Err(ApiError::unavailable(Part::McpSidecar, e)),
    }
}
