//! Tokens and a JWKS server for tests.
//!
//! The key pairs live in `tests/fixtures/jwt/`: committed on purpose, public,
//! and for tests only. Never configure them anywhere real.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const ED25519_PEM: &str = include_str!("../../tests/fixtures/jwt/ed25519.pem");
const RSA_PEM: &str = include_str!("../../tests/fixtures/jwt/rsa.pem");
const P256_PEM: &str = include_str!("../../tests/fixtures/jwt/p256.pem");
const UNPUBLISHED_PEM: &str = include_str!("../../tests/fixtures/jwt/unpublished-ed25519.pem");
const JWKS_JSON: &str = include_str!("../../tests/fixtures/jwt/jwks.json");

/// The test key pairs. The first three are in [`test_jwks`]; `Unpublished` is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    Ed25519,
    Rsa,
    P256,
    Unpublished,
}

impl TestKey {
    /// The keys [`JwksServer::start`] publishes.
    pub const PUBLISHED: [TestKey; 3] = [TestKey::Ed25519, TestKey::Rsa, TestKey::P256];

    pub fn kid(self) -> &'static str {
        match self {
            TestKey::Ed25519 => "test-ed25519",
            TestKey::Rsa => "test-rsa",
            TestKey::P256 => "test-p256",
            TestKey::Unpublished => "test-unpublished",
        }
    }

    /// The algorithm the key is meant for.
    pub fn algorithm(self) -> Algorithm {
        match self {
            TestKey::Ed25519 | TestKey::Unpublished => Algorithm::EdDSA,
            TestKey::Rsa => Algorithm::RS256,
            TestKey::P256 => Algorithm::ES256,
        }
    }

    pub fn encoding_key(self) -> EncodingKey {
        let parsed = match self {
            TestKey::Ed25519 => EncodingKey::from_ed_pem(ED25519_PEM.as_bytes()),
            TestKey::Unpublished => EncodingKey::from_ed_pem(UNPUBLISHED_PEM.as_bytes()),
            TestKey::Rsa => EncodingKey::from_rsa_pem(RSA_PEM.as_bytes()),
            TestKey::P256 => EncodingKey::from_ec_pem(P256_PEM.as_bytes()),
        };
        parsed.expect("test key fixture parses")
    }

    /// The key's public JWK (with `kid`, `alg`, `use`).
    pub fn jwk(self) -> Value {
        if self == TestKey::Unpublished {
            return unpublished_jwk();
        }
        test_jwks()["keys"]
            .as_array()
            .and_then(|keys| keys.iter().find(|k| k["kid"] == self.kid()))
            .cloned()
            .expect("fixture JWKS lists every published test key")
    }

    /// A token for `sub` and `aud`, valid for `ttl_secs`, signed with this key.
    pub fn sign(self, sub: &str, aud: &str, ttl_secs: i64) -> String {
        TokenBuilder::new(sub, aud).ttl(ttl_secs).sign_with(self)
    }
}

/// The JWK set of the published test keys.
pub fn test_jwks() -> Value {
    serde_json::from_str(JWKS_JSON).expect("fixture JWKS is JSON")
}

/// The public JWK of [`TestKey::Unpublished`], derived from its private key.
fn unpublished_jwk() -> Value {
    let key = TestKey::Unpublished.encoding_key();
    let mut jwk = serde_json::to_value(
        jsonwebtoken::jwk::Jwk::from_encoding_key(&key, Algorithm::EdDSA).expect("public half"),
    )
    .expect("JWK serialises");
    jwk["kid"] = json!(TestKey::Unpublished.kid());
    jwk["use"] = json!("sig");
    jwk
}

/// An HS256 token as Better Auth's shared-secret mode would issue it.
pub fn sign_hs256(secret: &str, sub: &str, aud: &str, ttl_secs: i64) -> String {
    TokenBuilder::new(sub, aud).ttl(ttl_secs).sign_hs256(secret)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Builds any token, including malformed or forged ones: the header is
/// written as given, so it may claim an algorithm other than the one signing it.
#[derive(Debug, Clone)]
pub struct TokenBuilder {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl TokenBuilder {
    /// `sub`, `aud`, `iat` = now and `exp` = now + 300 s.
    pub fn new(sub: &str, aud: &str) -> Self {
        let now = now();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(sub));
        claims.insert("aud".into(), json!(aud));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 300));
        let mut header = Map::new();
        header.insert("typ".into(), json!("JWT"));
        Self { header, claims }
    }

    /// `exp` = now + `secs`; negative for a token that expired already.
    pub fn ttl(self, secs: i64) -> Self {
        self.claim("exp", now() + secs)
    }

    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    pub fn without_claim(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets a header field (`kid`, `alg`, ...); `sign_*` only fill in what is unset.
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.into(), value.into());
        self
    }

    pub fn sign_hs256(self, secret: &str) -> String {
        self.sign_raw(
            &EncodingKey::from_secret(secret.as_bytes()),
            Algorithm::HS256,
        )
    }

    /// Signed with `key` under its own algorithm, with its `kid`.
    pub fn sign_with(self, key: TestKey) -> String {
        self.sign_as(key, key.algorithm())
    }

    /// Signed with `key` using `alg` (e.g. RS384 with the RSA key).
    pub fn sign_as(self, key: TestKey, alg: Algorithm) -> String {
        let builder = if self.header.contains_key("kid") {
            self
        } else {
            self.header("kid", key.kid())
        };
        builder.sign_raw(&key.encoding_key(), alg)
    }

    /// Signs with `key` and `alg`; the header's `alg` is set to `alg` unless given.
    pub fn sign_raw(mut self, key: &EncodingKey, alg: Algorithm) -> String {
        self.header
            .entry("alg")
            .or_insert_with(|| json!(format!("{alg:?}")));
        let message = self.signing_input();
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("test key signs");
        format!("{message}.{signature}")
    }

    /// `alg: none` with an empty signature: what an attacker would send.
    pub fn unsigned(self) -> String {
        let message = self.header("alg", "none").signing_input();
        format!("{message}.")
    }

    fn signing_input(&self) -> String {
        let part = |map: &Map<String, Value>| base64url(&serde_json::to_vec(map).expect("JSON"));
        format!("{}.{}", part(&self.header), part(&self.claims))
    }
}

/// Base64url without padding (RFC 7515), the JWT encoding.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// What the JWKS server answers.
#[derive(Debug, Clone)]
pub enum JwksReply {
    /// 200 with this JSON document.
    Json(Value),
    /// This status and body.
    Status(u16, String),
    /// Accepts the connection and never answers (for timeout tests).
    Stall,
}

struct ServerState {
    reply: Mutex<JwksReply>,
    fetches: AtomicUsize,
}

/// A real HTTP server on 127.0.0.1 serving a JWK set at [`JwksServer::url`],
/// counting the requests it receives. Stops when dropped.
pub struct JwksServer {
    url: String,
    state: Arc<ServerState>,
    task: JoinHandle<()>,
}

impl JwksServer {
    /// Serves [`test_jwks`] (EdDSA, RS256 and ES256 test keys).
    pub async fn start() -> Self {
        Self::start_with(JwksReply::Json(test_jwks())).await
    }

    pub async fn start_with(reply: JwksReply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(ServerState {
            reply: Mutex::new(reply),
            fetches: AtomicUsize::new(0),
        });
        let served = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, served.clone()));
            }
        });
        Self {
            url: format!("http://{addr}/api/auth/jwks"),
            state,
            task,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests received so far.
    pub fn fetch_count(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    /// Changes what later requests get (key rotation, outages).
    pub fn set_reply(&self, reply: JwksReply) {
        *self.state.reply.lock().unwrap_or_else(|e| e.into_inner()) = reply;
    }

    /// Publishes exactly these keys.
    pub fn publish(&self, keys: &[TestKey]) {
        let keys: Vec<Value> = keys.iter().map(|k| k.jwk()).collect();
        self.set_reply(JwksReply::Json(json!({ "keys": keys })));
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answers one request (no keep-alive: every fetch is a new connection).
async fn serve(mut stream: TcpStream, state: Arc<ServerState>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    state.fetches.fetch_add(1, Ordering::SeqCst);
    let reply = state
        .reply
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let (status, body) = match reply {
        JwksReply::Json(value) => (200, value.to_string()),
        JwksReply::Status(status, body) => (status, body),
        JwksReply::Stall => {
            // Hold the connection open until the client gives up.
            let _ = stream.read(&mut buf).await;
            return;
        }
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
