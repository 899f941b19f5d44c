//! Who is calling: the bearer token verified, its subject checked against
//! the `{user_id}` of the path.

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;
use todo_core::auth::{JwtVerifier, bearer_token};

use crate::error::ApiError;

/// A verified caller. `token` is forwarded to the sidecar with every tool call.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    pub token: String,
}

/// 401 without a valid token, 403 when the token is someone else's.
pub async fn authenticate(
    req: &HttpRequest,
    verifier: &JwtVerifier,
    path_user_id: &str,
) -> Result<AuthUser, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::Unauthorized("missing bearer token".into()))?;
    let token = bearer_token(header)
        .ok_or_else(|| ApiError::Unauthorized("expected 'Authorization: Bearer <token>'".into()))?;
    let claims = verifier.verify(token).await?;
    if claims.sub != path_user_id {
        return Err(ApiError::Forbidden);
    }
    Ok(AuthUser {
        user_id: claims.sub,
        token: token.to_string(),
    })
}
