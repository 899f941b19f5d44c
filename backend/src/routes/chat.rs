//! `POST /api/{user_id}/chat`: the plain contract, or ChatKit's protocol when
//! the body has a `type`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};

use super::body;
use crate::agent::ToolCallRecord;
use crate::auth::authenticate;
use crate::chat;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatRequest {
    conversation_id: Option<i64>,
    message: String,
}

#[derive(Debug, Serialize)]
struct ChatResponse {
    conversation_id: i64,
    response: String,
    tool_calls: Vec<ToolCallRecord>,
}

#[post("/api/{user_id}/chat")]
async fn post_chat(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = authenticate(&req, &state.verifier, &path).await?;
    let value = body::json(payload).await?;
    if value.get("type").is_some() {
        return crate::chatkit::handle(state.into_inner(), user, value).await;
    }
    let request: ChatRequest = serde_json::from_value(value).map_err(|e| {
        ApiError::BadRequest(format!(
            "expected {{\"message\": string, \"conversation_id\"?: integer}}: {e}"
        ))
    })?;
    let outcome = chat::run_turn(&state, &user, request.conversation_id, &request.message).await?;
    Ok(HttpResponse::Ok().json(ChatResponse {
        conversation_id: outcome.conversation.id,
        response: outcome.assistant_message.content,
        tool_calls: outcome.tool_calls,
    }))
}
