//! JWT verification shared by the chat server and the sidecar.
//! HS256 with `BETTER_AUTH_SECRET`, or JWKS mode (`AUTH_JWKS_URL`): keys
//! fetched and cached, algorithm from an allow-list and the key's own type,
//! never from the token alone.
//! Audience must match `AUTH_AUDIENCE`; issuer is checked when `AUTH_ISSUER` is set.
//! A token whose `exp` lies further ahead than `AUTH_MAX_TOKEN_LIFETIME_SECS`
//! is refused, and a `BETTER_AUTH_SECRET` shorter than [`MIN_SECRET_BYTES`]
//! stops the service at start.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Settings};

mod jwks;

/// Clock skew tolerated on `exp` and `nbf`.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Longer tokens are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// The shortest HS256 secret accepted (RFC 7518 §3.2: a key at least as long as the hash).
pub const MIN_SECRET_BYTES: usize = 32;

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
    /// The JWKS could not be fetched: the token was not judged. Still 401, but
    /// an operator problem rather than a client one, so log it as such.
    #[error("cannot fetch signing keys: {0}")]
    KeysUnavailable(String),
}

/// Knobs that are not settings because only tests and special deployments need them.
#[derive(Debug, Clone)]
pub struct VerifierOptions {
    /// Tolerated clock skew on `exp`/`nbf`.
    pub leeway_secs: u64,
    /// Whole-request timeout for one JWKS fetch.
    pub jwks_fetch_timeout: Duration,
    /// At most one fetch per interval once keys are cached (an unknown `kid`
    /// must not let anyone make us hammer the key server).
    pub jwks_min_refetch_interval: Duration,
}

impl Default for VerifierOptions {
    fn default() -> Self {
        Self {
            leeway_secs: DEFAULT_LEEWAY_SECS,
            jwks_fetch_timeout: Duration::from_secs(5),
            jwks_min_refetch_interval: Duration::from_secs(30),
        }
    }
}

/// Which kind of key a verifier checks signatures with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Shared secret (`BETTER_AUTH_SECRET`), HS256 only.
    Hs256,
    /// Public keys from `AUTH_JWKS_URL`.
    Jwks,
}

/// Verifies tokens; cheap to clone (shared key cache).
#[derive(Clone)]
pub struct JwtVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Keys,
    audience: String,
    issuer: Option<String>,
    leeway_secs: u64,
    max_lifetime_secs: i64,
}

enum Keys {
    Hs256(DecodingKey),
    Jwks(jwks::JwksCache),
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("mode", &self.mode())
            .field("audience", &self.inner.audience)
            .field("issuer", &self.inner.issuer)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// HS256 when only `better_auth_secret` is set; JWKS when `auth_jwks_url` is set.
    /// Neither: a configuration error.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        Self::with_options(settings, VerifierOptions::default())
    }

    /// [`JwtVerifier::from_settings`] with non-default timings.
    pub fn with_options(
        settings: &Settings,
        options: VerifierOptions,
    ) -> Result<Self, ConfigError> {
        let audience = settings.auth_audience.trim();
        if audience.is_empty() {
            return Err(ConfigError(
                "invalid AUTH_AUDIENCE: must not be empty".into(),
            ));
        }
        let issuer = settings
            .auth_issuer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let jwks_url = settings.auth_jwks_url.as_ref().map(|u| u.expose_secret());
        let secret = settings
            .better_auth_secret
            .as_ref()
            .map(|s| s.expose_secret());

        let keys = if let Some(url) = jwks_url {
            let allowed = parse_jwks_algorithms(&settings.auth_jwks_algorithms)
                .map_err(|e| ConfigError(format!("invalid AUTH_JWKS_ALGORITHMS: {e}")))?;
            Keys::Jwks(jwks::JwksCache::new(
                url.trim(),
                allowed,
                Duration::from_secs(settings.auth_jwks_cache_secs),
                &options,
            )?)
        } else if let Some(secret) = secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError(format!(
                    "BETTER_AUTH_SECRET is {} bytes long; it must have at least {MIN_SECRET_BYTES} \
                     (generate one with `openssl rand -base64 32`)",
                    secret.len()
                )));
            }
            Keys::Hs256(DecodingKey::from_secret(secret.as_bytes()))
        } else {
            return Err(ConfigError(
                "set BETTER_AUTH_SECRET or AUTH_JWKS_URL".into(),
            ));
        };
        Ok(Self {
            inner: Arc::new(Inner {
                keys,
                audience: audience.to_owned(),
                issuer: issuer.map(str::to_owned),
                leeway_secs: options.leeway_secs,
                max_lifetime_secs: settings.auth_max_token_lifetime_secs,
            }),
        })
    }

    pub fn mode(&self) -> AuthMode {
        match self.inner.keys {
            Keys::Hs256(_) => AuthMode::Hs256,
            Keys::Jwks(_) => AuthMode::Jwks,
        }
    }

    /// Fetches the JWKS now (JWKS mode; nothing to do in HS256 mode), e.g. to
    /// report an unreachable key server at start-up rather than on the first request.
    pub async fn refresh_keys(&self) -> Result<(), AuthError> {
        match &self.inner.keys {
            Keys::Hs256(_) => Ok(()),
            Keys::Jwks(cache) => cache.refresh().await.map(|_| ()),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(invalid("token too long"));
        }
        let header = decode_header(token).map_err(|e| {
            tracing::debug!(error = %e, "token header unreadable");
            invalid("malformed token")
        })?;
        let alg = header.alg;

        let claims = match &self.inner.keys {
            Keys::Hs256(key) => {
                if alg != Algorithm::HS256 {
                    return Err(AuthError::Invalid(format!(
                        "algorithm {alg:?} not accepted"
                    )));
                }
                self.decode_with(token, key, alg)?
            }
            Keys::Jwks(cache) => {
                // Checked before any network traffic; HS* can never be in the list.
                if !cache.allows(alg) {
                    return Err(AuthError::Invalid(format!(
                        "algorithm {alg:?} not accepted"
                    )));
                }
                let candidates = cache.keys_for(header.kid.as_deref(), alg).await?;
                if candidates.is_empty() {
                    return Err(invalid("no published key matches this token"));
                }
                let mut last = None;
                for key in candidates {
                    if !key.algorithms.contains(&alg) {
                        last = Some(AuthError::Invalid(format!(
                            "algorithm {alg:?} does not fit the key {}",
                            key.kid.as_deref().unwrap_or("(no kid)")
                        )));
                        continue;
                    }
                    match self.decode_with(token, &key.key, alg) {
                        Err(AuthError::Invalid(why)) if why == BAD_SIGNATURE => {
                            last = Some(invalid(BAD_SIGNATURE))
                        }
                        result => return result,
                    }
                }
                return Err(last.unwrap_or_else(|| invalid("no published key matches this token")));
            }
        };
        Ok(claims)
    }

    fn decode_with(
        &self,
        token: &str,
        key: &DecodingKey,
        alg: Algorithm,
    ) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(alg);
        validation.leeway = self.inner.leeway_secs;
        validation.validate_nbf = true;
        validation.set_audience(&[&self.inner.audience]);
        // Without these in the required list a token lacking `aud`/`iss` would pass.
        let mut required = vec!["exp", "sub", "aud"];
        if let Some(issuer) = &self.inner.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);

        let claims = decode::<Claims>(token, key, &validation)
            .map_err(map_jwt_error)?
            .claims;
        if claims.sub.trim().is_empty() {
            return Err(invalid("empty subject"));
        }
        let latest_exp = chrono::Utc::now()
            .timestamp()
            .saturating_add(self.inner.max_lifetime_secs)
            .saturating_add(self.inner.leeway_secs as i64);
        if claims.exp > latest_exp {
            return Err(invalid("token lifetime too long"));
        }
        Ok(claims)
    }
}

const BAD_SIGNATURE: &str = "bad signature";

fn invalid(why: &str) -> AuthError {
    AuthError::Invalid(why.to_owned())
}

fn map_jwt_error(e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidSignature => invalid(BAD_SIGNATURE),
        ErrorKind::InvalidAudience => invalid("wrong audience"),
        ErrorKind::InvalidIssuer => invalid("wrong issuer"),
        ErrorKind::ImmatureSignature => invalid("token not yet valid"),
        ErrorKind::InvalidAlgorithm => invalid("algorithm not accepted"),
        ErrorKind::MissingRequiredClaim(claim) => {
            AuthError::Invalid(format!("missing claim `{claim}`"))
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            AuthError::Invalid(format!("malformed claim `{claim}`"))
        }
        // Which claim is missing or mistyped (serde's plain wording).
        ErrorKind::Json(json) => AuthError::Invalid(format!("malformed claims: {json}")),
        // The library's own wording (type names, base64 details) stays in the log.
        _ => {
            tracing::debug!(error = %e, "token refused");
            invalid("malformed token")
        }
    }
}

/// Parses the JWKS allow-list (`"EdDSA,RS256,ES256"`). HMAC algorithms are
/// refused: in JWKS mode they would let a public key be used as a shared secret.
pub fn parse_jwks_algorithms(list: &str) -> Result<Vec<Algorithm>, String> {
    let mut algorithms = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let alg = Algorithm::from_str(name).map_err(|_| {
            format!(
                "unknown algorithm {name:?} (use EdDSA, RS256/384/512, PS256/384/512, ES256/384)"
            )
        })?;
        if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(format!(
                "{name} is a shared-secret algorithm and is never allowed with a JWKS"
            ));
        }
        if !algorithms.contains(&alg) {
            algorithms.push(alg);
        }
    }
    if algorithms.is_empty() {
        return Err("the list is empty".into());
    }
    Ok(algorithms)
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
pub fn bearer_token(header_value: &str) -> Option<&str> {
    let (scheme, token) = header_value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
