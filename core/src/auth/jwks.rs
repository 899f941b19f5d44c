//! The JWKS key cache: one fetch at a time, cached for `auth_jwks_cache_secs`,
//! refetched (rate-limited) when a token names a key we do not know.

use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::{AuthError, VerifierOptions};
use crate::config::{ConfigError, redact_url};

/// A key set larger than this is not a JWKS we want to parse.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

const RSA_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// A published verification key and the algorithms it may be used with
/// (its type, its own `alg`, and the allow-list, intersected).
pub(super) struct PublicKey {
    pub kid: Option<String>,
    pub key: DecodingKey,
    pub algorithms: Vec<Algorithm>,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<Vec<Arc<PublicKey>>>>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

pub(super) struct JwksCache {
    url: String,
    client: reqwest::Client,
    allowed: Vec<Algorithm>,
    ttl: Duration,
    min_refetch: Duration,
    state: RwLock<State>,
    /// Serialises fetches so a burst of requests causes one.
    fetching: tokio::sync::Mutex<()>,
}

impl JwksCache {
    pub fn new(
        url: &str,
        allowed: Vec<Algorithm>,
        ttl: Duration,
        options: &VerifierOptions,
    ) -> Result<Self, ConfigError> {
        let parsed =
            url::Url::parse(url).map_err(|e| ConfigError(format!("invalid AUTH_JWKS_URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError(
                "invalid AUTH_JWKS_URL: expected http:// or https://".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(options.jwks_fetch_timeout)
            .connect_timeout(options.jwks_fetch_timeout)
            .build()
            .map_err(|e| ConfigError(format!("cannot build the JWKS HTTP client: {e}")))?;
        Ok(Self {
            url: url.to_owned(),
            client,
            allowed,
            ttl,
            min_refetch: options.jwks_min_refetch_interval,
            state: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    pub fn allows(&self, alg: Algorithm) -> bool {
        self.allowed.contains(&alg)
    }

    /// The keys a token may have been signed with: those with its `kid`, or,
    /// for a token without one, every key usable with its algorithm.
    pub async fn keys_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Vec<Arc<PublicKey>>, AuthError> {
        let select = |keys: &[Arc<PublicKey>]| -> Vec<Arc<PublicKey>> {
            // A set whose keys carry no kid cannot be matched by one: use the algorithm.
            let by_kid = kid.filter(|_| keys.iter().any(|k| k.kid.is_some()));
            keys.iter()
                .filter(|k| match by_kid {
                    Some(kid) => k.kid.as_deref() == Some(kid),
                    None => k.algorithms.contains(&alg),
                })
                .cloned()
                .collect()
        };
        let keys = match self.fresh() {
            Some(keys) => keys,
            None => self.refresh().await?,
        };
        let found = select(&keys);
        if !found.is_empty() || kid.is_none() {
            return Ok(found);
        }
        // An unknown kid may mean the issuer rotated its keys.
        let keys = self.refresh().await?;
        Ok(select(&keys))
    }

    fn fresh(&self) -> Option<Arc<Vec<Arc<PublicKey>>>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        match (&state.keys, state.fetched_at) {
            (Some(keys), Some(at)) if at.elapsed() < self.ttl => Some(keys.clone()),
            _ => None,
        }
    }

    /// Fetches the key set, unless a fetch finished while we waited for our
    /// turn or (with keys in hand) one was tried less than `min_refetch` ago.
    /// A failed fetch falls back to the keys already cached, if any.
    pub async fn refresh(&self) -> Result<Arc<Vec<Arc<PublicKey>>>, AuthError> {
        let asked_at = Instant::now();
        let _turn = self.fetching.lock().await;
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            let recent = |at: Instant| at.elapsed() < self.min_refetch;
            match (&state.keys, state.last_attempt) {
                (_, Some(at)) if at >= asked_at => return state.result(),
                (Some(keys), Some(at)) if recent(at) => return Ok(keys.clone()),
                _ => {}
            }
        }

        let outcome = self.fetch().await;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.last_attempt = Some(Instant::now());
        match outcome {
            Ok(keys) => {
                tracing::debug!(url = %redact_url(&self.url), keys = keys.len(), "fetched the JWKS");
                state.keys = Some(Arc::new(keys));
                state.fetched_at = state.last_attempt;
                state.last_error = None;
            }
            Err(why) => {
                if state.keys.is_some() {
                    tracing::warn!("{why}; verifying with the keys cached earlier");
                } else {
                    tracing::error!("{why}");
                }
                state.last_error = Some(why);
            }
        }
        state.result()
    }

    async fn fetch(&self) -> Result<Vec<Arc<PublicKey>>, String> {
        let shown = redact_url(&self.url);
        let fail = |why: String| format!("JWKS {shown}: {why}");
        let mut response = self
            .client
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fail(error_chain(&e)))?;
        if !response.status().is_success() {
            return Err(fail(format!("HTTP {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(error_chain(&e)))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(fail(format!("larger than {MAX_JWKS_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_jwks(&body, &self.allowed).map_err(fail)?;
        if keys.is_empty() {
            return Err(fail(format!(
                "no usable signing key for the algorithms {:?}",
                self.allowed
            )));
        }
        Ok(keys)
    }
}

impl State {
    fn result(&self) -> Result<Arc<Vec<Arc<PublicKey>>>, AuthError> {
        self.keys.clone().ok_or_else(|| {
            AuthError::KeysUnavailable(
                self.last_error
                    .clone()
                    .unwrap_or_else(|| "not fetched yet".into()),
            )
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The usable keys of a JWKS document. Keys of other types, for encryption,
/// or outside the allow-list are skipped, not fatal: a set may legitimately
/// carry keys we do not use.
fn parse_jwks(body: &[u8], allowed: &[Algorithm]) -> Result<Vec<Arc<PublicKey>>, String> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let set: RawSet = serde_json::from_slice(body).map_err(|e| format!("not a JWK set ({e})"))?;
    let mut keys = Vec::new();
    for raw in set.keys {
        match serde_json::from_value::<Jwk>(raw) {
            Ok(jwk) => {
                if let Some(key) = public_key(&jwk, allowed) {
                    keys.push(Arc::new(key));
                } else {
                    tracing::debug!(kid = ?jwk.common.key_id, "skipping an unusable JWK");
                }
            }
            Err(e) => tracing::debug!("skipping an unreadable JWK: {e}"),
        }
    }
    Ok(keys)
}

fn public_key(jwk: &Jwk, allowed: &[Algorithm]) -> Option<PublicKey> {
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    // What the key type permits; HMAC (`oct`) keys are never usable here.
    let mut algorithms: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            vec![Algorithm::EdDSA]
        }
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::RSA(_) => RSA_ALGORITHMS.to_vec(),
        _ => return None,
    };
    if let Some(declared) = jwk.common.key_algorithm {
        let declared = Algorithm::from_str(&declared.to_string()).ok()?;
        algorithms.retain(|a| *a == declared);
    }
    algorithms.retain(|a| allowed.contains(a));
    if algorithms.is_empty() {
        return None;
    }
    Some(PublicKey {
        kid: jwk.common.key_id.clone(),
        key: DecodingKey::from_jwk(jwk).ok()?,
        algorithms,
    })
}
