//! One error type for every route; its `ResponseError` maps each case to a
//! status and the JSON body `{"error": {"code", "message"}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use todo_core::auth::AuthError;
use todo_core::db::DbError;

use crate::agent::AgentError;
use crate::mcp::McpError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("this token does not belong to the user in the path")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A part the turn needs is down (the MCP sidecar, the model): retry later.
    #[error("{part} is unavailable: {reason}")]
    Unavailable { part: &'static str, reason: String },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(json!({"error": {
            "code": self.code(),
            "message": self.to_string(),
            "request_id": crate::telemetry::current_request_id(),
        }}))
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        if let AuthError::KeysUnavailable(reason) = &e {
            tracing::error!(%reason, "cannot fetch the JWKS to verify a token");
        }
        ApiError::Unauthorized(e.to_string())
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Connect(_) | DbError::Pool(_) => ApiError::Unavailable {
                part: "the database",
                reason: e.to_string(),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<McpError> for ApiError {
    fn from(e: McpError) -> Self {
        ApiError::Unavailable {
            part: "the MCP sidecar",
            reason: e.to_string(),
        }
    }
}

impl From<AgentError> for ApiError {
    fn from(e: AgentError) -> Self {
        match e {
            AgentError::ToolsUnavailable(u) => ApiError::Unavailable {
                part: "the MCP sidecar",
                reason: u.0,
            },
            AgentError::Model(reason) => ApiError::Unavailable {
                part: "the language model",
                reason,
            },
        }
    }
}
