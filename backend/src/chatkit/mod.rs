//! ChatKit's self-hosted protocol on the chat endpoint (placeholder).

use std::sync::Arc;

use actix_web::HttpResponse;
use serde_json::Value;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn handle(
    _state: Arc<AppState>,
    _user: AuthUser,
    _request: Value,
) -> Result<HttpResponse, ApiError> {
    Err(ApiError::BadRequest(
        "ChatKit requests are not supported yet".into(),
    ))
}
