//! `GET /api/{user_id}/tasks?status=…`: the task list for the web page,
//! read through the sidecar like everything else that touches tasks.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use serde_json::json;
use todo_core::tools::StatusFilter;

use crate::agent::{ToolCall, ToolInvoker};
use crate::auth::authenticate;
use crate::chat::NoSink;
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
    let status: StatusFilter = match query.status.as_deref() {
        Some(status) => status.parse().map_err(ApiError::BadRequest)?,
        None => StatusFilter::All,
    };
    let mut sink = NoSink;
    let mut invoker = McpToolInvoker::new(&state.mcp, &user, &mut sink);
    match invoker.call(ToolCall::list(status)).await {
        Ok(Ok(result)) => Ok(HttpResponse::Ok().json(json!({ "tasks": result.to_json() }))),
        Ok(Err(message)) => Err(ApiError::BadRequest(message)),
        Err(e) => Err(ApiError::unavailable(Part::McpSidecar, e)),
    }
}
