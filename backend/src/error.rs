//! One error type for every route; its `ResponseError` maps each case to a
//! status and the JSON body `{"error": {"code", "message", "request_id"}}`.
//!
//! What a client reads is a stable code and a plain message: never a host,
//! URL, port, path or library type name. The cause travels as the error's
//! `source` and is logged, with the request id, where the response is made.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use todo_core::auth::AuthError;
use todo_core::db::DbError;

use crate::agent::AgentError;
use crate::mcp::McpError;

/// A part of the service a turn depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Database,
    McpSidecar,
    LanguageModel,
    Transcription,
}

impl Part {
    /// The name `/readyz` and the logs use.
    pub fn name(self) -> &'static str {
        match self {
            Part::Database => "database",
            Part::McpSidecar => "mcp_sidecar",
            Part::LanguageModel => "language_model",
            Part::Transcription => "transcription",
        }
    }

    fn public_message(self) -> &'static str {
        match self {
            Part::Database => "the task store is unavailable right now; please try again shortly",
            Part::McpSidecar => {
                "the MCP sidecar (the task tools) is unavailable right now; please try again shortly"
            }
            Part::LanguageModel => {
                "the language model is unavailable right now; please try again shortly"
            }
            Part::Transcription => {
                "the transcription service is unavailable right now; please try again shortly"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The message is for the client and names nothing internal.
    #[error("{0}")]
    BadRequest(String),
    /// The message is for the client and names nothing internal.
    #[error("{0}")]
    Unauthorized(String),
    /// The token was refused; the client reads the refusal, not its cause.
    #[error("{0}")]
    Token(#[source] AuthError),
    #[error("this token does not belong to the user in the path")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too many turns of one user (per minute, or at once): retry later.
    #[error("{what}")]
    RateLimited {
        retry_after: std::time::Duration,
        what: &'static str,
    },
    /// A per-user quota is used up; the message says what to do.
    #[error("{0}")]
    QuotaExceeded(String),
    /// A part the turn needs is down (the MCP sidecar, the model): retry later.
    #[error("{} is unavailable", .part.name())]
    Unavailable {
        part: Part,
        #[source]
        source: anyhow::Error,
        /// What the turn had already changed when `part` failed, e.g.
        /// `created task 5 "Buy milk"`: those changes stand.
        done: Vec<String>,
        /// The step `part` failed during, which may or may not have been
        /// carried out, e.g. `create a task "Bread"`.
        in_doubt: Option<String>,
    },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn unavailable(part: Part, source: impl Into<anyhow::Error>) -> Self {
        ApiError::Unavailable {
            part,
            source: source.into(),
            done: Vec::new(),
            in_doubt: None,
        }
    }

    /// `part` failed after the turn had already made the changes in `done`,
    /// perhaps during a step (`in_doubt`) that may have been carried out;
    /// the message says so, so the user neither repeats nor misses them.
    pub fn unavailable_after(
        part: Part,
        source: impl Into<anyhow::Error>,
        done: Vec<String>,
        in_doubt: Option<String>,
    ) -> Self {
        ApiError::Unavailable {
            part,
            source: source.into(),
            done,
            in_doubt,
        }
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(source.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) | ApiError::Token(_) => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::QuotaExceeded(_) => "quota_exceeded",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// What the client reads.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Token(AuthError::KeysUnavailable(_)) => {
                "tokens cannot be verified right now; please try again shortly".into()
            }
            ApiError::Unavailable {
                part,
                done,
                in_doubt,
                ..
            } => {
                let mut message = part.public_message().to_owned();
                if !done.is_empty() {
                    message += &format!(
                        ". Before it stopped, this request already {}",
                        done.join(", ")
                    );
                }
                if let Some(step) = in_doubt {
                    message += &format!(
                        ". It stopped while trying to {step}, which may or may not have been done"
                    );
                }
                if !done.is_empty() || in_doubt.is_some() {
                    message += "; the rest was not done";
                }
                message
            }
            other => other.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::Token(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::QuotaExceeded(_) => StatusCode::FORBIDDEN,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // The details, with their whole chain of causes, go to the log only.
        match self {
            ApiError::Unavailable { part, source, .. } => {
                tracing::error!(
                    part = part.name(),
                    error = format!("{source:#}"),
                    "unavailable"
                )
            }
            ApiError::Internal(source) => {
                tracing::error!(error = format!("{source:#}"), "internal error")
            }
            ApiError::Token(e @ AuthError::KeysUnavailable(_)) => {
                tracing::error!(error = %e, "cannot fetch the JWKS to verify a token")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::RateLimited { retry_after, .. } = self {
            // Whole seconds, rounded up.
            let secs = retry_after.as_millis().div_ceil(1000).max(1);
            response.insert_header(("Retry-After", secs.to_string()));
        }
        response.json(json!({"error": {
            "code": self.code(),
            "message": self.public_message(),
            "request_id": crate::telemetry::current_request_id(),
        }}))
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::Token(e)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Connect(_) | DbError::Pool(_) => ApiError::unavailable(Part::Database, e),
            other => ApiError::internal(other),
        }
    }
}

impl From<McpError> for ApiError {
    fn from(e: McpError) -> Self {
        ApiError::unavailable(Part::McpSidecar, e)
    }
}

impl From<AgentError> for ApiError {
    fn from(e: AgentError) -> Self {
        match e {
            AgentError::ToolsUnavailable(_) => ApiError::unavailable(Part::McpSidecar, e),
            AgentError::Model(_) => ApiError::unavailable(Part::LanguageModel, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_read_no_internals_and_logs_keep_the_cause() {
        let e = ApiError::from(McpError::Unavailable(
            "cannot reach http://10.0.0.7:8090/mcp: Transport [rmcp::transport::worker] closed"
                .into(),
        ));
        let shown = e.public_message();
        for internal in ["10.0.0.7", "8090", "http", "rmcp", "Transport"] {
            assert!(!shown.contains(internal), "{shown}");
        }
        assert_eq!(e.code(), "unavailable");
        let cause = std::error::Error::source(&e).expect("the cause is kept");
        assert!(cause.to_string().contains("10.0.0.7"), "{cause}");
    }
}
