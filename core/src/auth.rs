//! JWT verification shared by the chat server and the sidecar.
//! HS256 with `BETTER_AUTH_SECRET`, or JWKS mode (`AUTH_JWKS_URL`): keys
//! fetched and cached, algorithm from an allow-list, never from the token alone.
//! Audience must match `AUTH_AUDIENCE`; issuer is checked when `AUTH_ISSUER` is set.
//! TODO(auth/config helper): implement.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Settings};

/// The claims the product relies on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Why a token was refused. Every variant means HTTP 401.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("token expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("cannot fetch signing keys: {0}")]
    KeysUnavailable(String),
}

/// Verifies tokens; cheap to clone (shared key cache).
#[derive(Clone)]
pub struct JwtVerifier {
    // TODO
}

impl JwtVerifier {
    /// HS256 when only `better_auth_secret` is set; JWKS when `auth_jwks_url` is set.
    /// Neither: a configuration error.
    pub fn from_settings(_settings: &Settings) -> Result<Self, ConfigError> {
        todo!()
    }

    pub async fn verify(&self, _token: &str) -> Result<Claims, AuthError> {
        todo!()
    }
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
pub fn bearer_token(header_value: &str) -> Option<&str> {
    let (scheme, token) = header_value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
