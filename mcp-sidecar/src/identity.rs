//! Who a tool call acts for: the subject of the JWT in the request's
//! `_meta.authorization`, never what the arguments claim.

use rmcp::model::RequestMetaObject;
use todo_core::auth::{AuthError, JwtVerifier, bearer_token};

/// The `_meta` key that carries `Bearer <JWT>`.
pub const META_AUTHORIZATION: &str = "authorization";

/// Verifies the caller's token and checks it is `user_id`'s.
/// The error is a message fit for a tool error result.
pub async fn authorize(
    verifier: &JwtVerifier,
    meta: &RequestMetaObject,
    user_id: &str,
) -> Result<(), String> {
    let header = (meta.0).0.get(META_AUTHORIZATION).and_then(|v| v.as_str());
    let token = header.and_then(bearer_token).ok_or_else(|| {
        "authentication required: send the user's token as `_meta.authorization: Bearer <JWT>`"
            .to_string()
    })?;
    let claims = verifier.verify(token).await.map_err(|e| match e {
        AuthError::KeysUnavailable(_) => {
            tracing::error!(error = %e, "cannot verify token");
            "authentication failed: the signing keys are unavailable".to_string()
        }
        other => format!("authentication failed: {other}"),
    })?;
    if claims.sub != user_id {
        tracing::warn!(token_sub = %claims.sub, "tool call named another user_id");
        return Err("user_id does not match the authenticated user".into());
    }
    Ok(())
}
