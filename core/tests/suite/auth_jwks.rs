//! JWKS mode (`AUTH_JWKS_URL`) against a real HTTP key server.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;
use todo_core::auth::{AuthError, AuthMode, Claims, JwtVerifier, VerifierOptions};
use todo_core::config::Settings;
use todo_core::testing::jwt::{JwksReply, JwksServer, TestKey, TokenBuilder, test_jwks};

const AUD: &str = "todo-api";

fn settings(url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut env = vec![("AUTH_JWKS_URL", url)];
    env.extend_from_slice(extra);
    Settings::load_from(env).unwrap()
}

fn verifier(url: &str) -> JwtVerifier {
    JwtVerifier::from_settings(&settings(url, &[])).unwrap()
}

fn assert_invalid(result: Result<Claims, AuthError>, why: &str) {
    match result {
        Err(AuthError::Invalid(msg)) => assert!(msg.contains(why), "expected {why:?}, got {msg:?}"),
        other => panic!("expected Invalid({why}), got {other:?}"),
    }
}

#[tokio::test]
async fn accepts_eddsa_rs256_and_es256() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    assert_eq!(v.mode(), AuthMode::Jwks);
    for key in TestKey::PUBLISHED {
        let claims = v
            .verify(&key.sign("user-7", AUD, 60))
            .await
            .unwrap_or_else(|e| panic!("{key:?}: {e}"));
        assert_eq!(claims.sub, "user-7");
    }
    assert_eq!(server.fetch_count(), 1, "one fetch serves every key");
}

#[tokio::test]
async fn jwks_takes_precedence_over_the_secret() {
    let server = JwksServer::start().await;
    let secret = "a-shared-secret-that-is-32-bytes-or-more";
    let v = JwtVerifier::from_settings(&settings(server.url(), &[("BETTER_AUTH_SECRET", secret)]))
        .unwrap();
    assert_eq!(v.mode(), AuthMode::Jwks);
    let token = TokenBuilder::new("u", AUD).sign_hs256(secret);
    assert_invalid(v.verify(&token).await, "not accepted");
}

#[tokio::test]
async fn better_auth_style_token_without_typ_and_with_extra_claims() {
    // Better Auth's JWT plugin: EdDSA, a kid, iss/aud = the app's URL by default,
    // plus user fields in the payload.
    let server = JwksServer::start().await;
    let v = JwtVerifier::from_settings(&settings(
        server.url(),
        &[
            ("AUTH_AUDIENCE", "http://localhost:3000"),
            ("AUTH_ISSUER", "http://localhost:3000"),
        ],
    ))
    .unwrap();
    let token = TokenBuilder::new("Vq2fX3", "http://localhost:3000")
        .claim("iss", "http://localhost:3000")
        .claim("email", "ada@example.com")
        .claim("emailVerified", false)
        .claim("id", "Vq2fX3")
        .claim("createdAt", "2025-01-01T00:00:00.000Z")
        .sign_with(TestKey::Ed25519);
    let claims = v.verify(&token).await.unwrap();
    assert_eq!(claims.sub, "Vq2fX3");
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn unknown_and_forged_keys_are_refused() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    // A key the server does not publish.
    assert_invalid(
        v.verify(&TestKey::Unpublished.sign("u", AUD, 60)).await,
        "no published key",
    );
    // A published kid, signed by another key.
    let token = TokenBuilder::new("u", AUD)
        .header("kid", TestKey::Ed25519.kid())
        .sign_with(TestKey::Unpublished);
    assert_invalid(v.verify(&token).await, "bad signature");
    // No kid: tried against every EdDSA key, none verifies.
    let token = TokenBuilder::new("u", AUD)
        .sign_raw(&TestKey::Unpublished.encoding_key(), Algorithm::EdDSA);
    assert_invalid(v.verify(&token).await, "bad signature");
}

#[tokio::test]
async fn token_without_kid_uses_the_key_matching_its_algorithm() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    for key in TestKey::PUBLISHED {
        let token = TokenBuilder::new("u", AUD).sign_raw(&key.encoding_key(), key.algorithm());
        assert_eq!(v.verify(&token).await.unwrap().sub, "u", "{key:?}");
    }
}

#[tokio::test]
async fn keys_without_kid_are_matched_by_algorithm() {
    let mut jwk = TestKey::P256.jwk();
    jwk.as_object_mut().unwrap().remove("kid");
    let server = JwksServer::start_with(JwksReply::Json(json!({ "keys": [jwk] }))).await;
    let v = verifier(server.url());
    assert_eq!(
        v.verify(&TestKey::P256.sign("u", AUD, 60))
            .await
            .unwrap()
            .sub,
        "u"
    );
    assert_invalid(
        v.verify(&TestKey::Ed25519.sign("u", AUD, 60)).await,
        "no published key",
    );
}

#[tokio::test]
async fn algorithm_outside_the_allow_list_is_refused() {
    let server = JwksServer::start().await;
    let v = JwtVerifier::from_settings(&settings(
        server.url(),
        &[("AUTH_JWKS_ALGORITHMS", "EdDSA")],
    ))
    .unwrap();
    assert!(v.verify(&TestKey::Ed25519.sign("u", AUD, 60)).await.is_ok());
    assert_invalid(
        v.verify(&TestKey::Rsa.sign("u", AUD, 60)).await,
        "not accepted",
    );
    assert_invalid(
        v.verify(&TestKey::P256.sign("u", AUD, 60)).await,
        "not accepted",
    );

    // RS384 with the RSA key: the key type permits it, the default list does not.
    let v = verifier(server.url());
    let token = TokenBuilder::new("u", AUD).sign_as(TestKey::Rsa, Algorithm::RS384);
    assert_invalid(v.verify(&token).await, "not accepted");
    // Allowed by the list, but the JWK declares alg RS256 only.
    let v = JwtVerifier::from_settings(&settings(
        server.url(),
        &[("AUTH_JWKS_ALGORITHMS", "RS256,RS384")],
    ))
    .unwrap();
    assert_invalid(v.verify(&token).await, "does not fit the key");
}

#[tokio::test]
async fn algorithm_must_fit_the_key_type() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    // The token claims ES256 but names the RSA key.
    let token = TokenBuilder::new("u", AUD)
        .header("kid", TestKey::Rsa.kid())
        .sign_as(TestKey::P256, Algorithm::ES256);
    assert_invalid(v.verify(&token).await, "does not fit the key");
    // EdDSA header on the P-256 key.
    let token = TokenBuilder::new("u", AUD)
        .header("kid", TestKey::P256.kid())
        .sign_as(TestKey::Ed25519, Algorithm::EdDSA);
    assert_invalid(v.verify(&token).await, "does not fit the key");
}

#[tokio::test]
async fn hs256_tokens_are_refused_in_jwks_mode() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    // The classic confusion attack: HMAC keyed with the public key's bytes.
    let public_n = TestKey::Rsa.jwk()["n"].as_str().unwrap().to_owned();
    for secret in [public_n.as_str(), "whatever"] {
        let token = TokenBuilder::new("u", AUD)
            .header("kid", TestKey::Rsa.kid())
            .sign_raw(
                &EncodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            );
        assert_invalid(v.verify(&token).await, "not accepted");
    }
    assert_invalid(
        v.verify(&TokenBuilder::new("u", AUD).unsigned()).await,
        "malformed",
    );
    assert_eq!(server.fetch_count(), 0, "refused before any key lookup");
}

#[test]
fn hs_algorithms_cannot_be_allowed() {
    let s = settings("http://127.0.0.1:9/jwks", &[]);
    let mut bad = s.clone();
    bad.auth_jwks_algorithms = "EdDSA,HS256".into();
    let err = JwtVerifier::from_settings(&bad).unwrap_err().to_string();
    assert!(err.contains("AUTH_JWKS_ALGORITHMS"), "{err}");
    let err = Settings::load_from([
        ("AUTH_JWKS_URL", "http://127.0.0.1:9/jwks"),
        ("AUTH_JWKS_ALGORITHMS", "EdDSA,HS256"),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("AUTH_JWKS_ALGORITHMS"), "{err}");
}

#[tokio::test]
async fn symmetric_keys_in_the_set_are_ignored() {
    let secret = "published-as-an-oct-key-32-bytes-long!!";
    let oct = json!({"kty": "oct", "k": todo_core::testing::jwt::base64url(secret.as_bytes()), "kid": "hmac", "alg": "HS256"});
    let mut set = test_jwks();
    set["keys"].as_array_mut().unwrap().push(oct);
    let server = JwksServer::start_with(JwksReply::Json(set)).await;
    let v = JwtVerifier::from_settings(&settings(
        server.url(),
        &[("AUTH_JWKS_ALGORITHMS", "EdDSA")],
    ))
    .unwrap();
    let token = TokenBuilder::new("u", AUD)
        .header("kid", "hmac")
        .sign_hs256(secret);
    assert_invalid(v.verify(&token).await, "not accepted");
    assert!(v.verify(&TestKey::Ed25519.sign("u", AUD, 60)).await.is_ok());
}

#[tokio::test]
async fn claims_rules_apply_in_jwks_mode() {
    let server = JwksServer::start().await;
    let v = JwtVerifier::from_settings(&settings(
        server.url(),
        &[("AUTH_ISSUER", "https://id.example")],
    ))
    .unwrap();
    let good = || TokenBuilder::new("u", AUD).claim("iss", "https://id.example");
    assert!(v.verify(&good().sign_with(TestKey::P256)).await.is_ok());
    assert!(matches!(
        v.verify(&good().ttl(-300).sign_with(TestKey::P256)).await,
        Err(AuthError::Expired)
    ));
    assert_invalid(
        v.verify(&good().claim("aud", "else").sign_with(TestKey::Rsa))
            .await,
        "wrong audience",
    );
    assert_invalid(
        v.verify(&good().claim("iss", "https://x").sign_with(TestKey::Rsa))
            .await,
        "wrong issuer",
    );
    assert_invalid(
        v.verify(&good().without_claim("iss").sign_with(TestKey::Rsa))
            .await,
        "missing claim `iss`",
    );
    assert_invalid(
        v.verify(&good().claim("sub", "").sign_with(TestKey::Ed25519))
            .await,
        "empty subject",
    );
    assert_invalid(
        v.verify(&good().without_claim("exp").sign_with(TestKey::Ed25519))
            .await,
        "exp",
    );
}

#[tokio::test]
async fn keys_are_cached() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    let token = TestKey::Ed25519.sign("u", AUD, 60);
    v.verify(&token).await.unwrap();
    v.verify(&token).await.unwrap();
    // Clones share the cache.
    v.clone()
        .verify(&TestKey::Rsa.sign("u", AUD, 60))
        .await
        .unwrap();
    assert_eq!(server.fetch_count(), 1);
}

#[tokio::test]
async fn a_burst_of_requests_causes_one_fetch() {
    let server = JwksServer::start().await;
    let v = verifier(server.url());
    let token = TestKey::Ed25519.sign("u", AUD, 60);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (v, token) = (v.clone(), token.clone());
            tokio::spawn(async move { v.verify(&token).await.map(|c| c.sub) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "u");
    }
    assert_eq!(server.fetch_count(), 1);
}

#[tokio::test]
async fn expired_cache_is_refetched() {
    let server = JwksServer::start().await;
    let options = VerifierOptions {
        jwks_min_refetch_interval: Duration::ZERO,
        ..VerifierOptions::default()
    };
    let s = settings(server.url(), &[("AUTH_JWKS_CACHE_SECS", "0")]);
    let v = JwtVerifier::with_options(&s, options).unwrap();
    let token = TestKey::Ed25519.sign("u", AUD, 60);
    v.verify(&token).await.unwrap();
    v.verify(&token).await.unwrap();
    assert_eq!(server.fetch_count(), 2);
}

#[tokio::test]
async fn rotation_unknown_kid_triggers_one_rate_limited_refetch() {
    let server = JwksServer::start().await;
    server.publish(&[TestKey::Ed25519]);
    let v = verifier(server.url());
    v.verify(&TestKey::Ed25519.sign("u", AUD, 60))
        .await
        .unwrap();
    assert_eq!(server.fetch_count(), 1);

    // A new key appears right after our fetch: the 30 s rate limit holds it back.
    server.publish(&[TestKey::Ed25519, TestKey::Unpublished]);
    let rotated = TestKey::Unpublished.sign("u", AUD, 60);
    assert_invalid(v.verify(&rotated).await, "no published key");
    assert_invalid(v.verify(&rotated).await, "no published key");
    assert_eq!(
        server.fetch_count(),
        1,
        "unknown kids must not hammer the key server"
    );

    // Without the rate limit, an unknown kid refetches once and finds the new key.
    let options = VerifierOptions {
        jwks_min_refetch_interval: Duration::ZERO,
        ..VerifierOptions::default()
    };
    server.publish(&[TestKey::Ed25519]);
    let v = JwtVerifier::with_options(&settings(server.url(), &[]), options).unwrap();
    v.verify(&TestKey::Ed25519.sign("u", AUD, 60))
        .await
        .unwrap();
    server.publish(&[TestKey::Ed25519, TestKey::Unpublished]);
    assert_eq!(v.verify(&rotated).await.unwrap().sub, "u");
    assert_eq!(server.fetch_count(), 3);
}

#[tokio::test]
async fn server_down_means_keys_unavailable() {
    let server = JwksServer::start().await;
    let url = server.url().to_owned();
    drop(server);
    tokio::task::yield_now().await;
    let v = verifier(&url);
    let started = Instant::now();
    match v.verify(&TestKey::Ed25519.sign("u", AUD, 60)).await {
        Err(AuthError::KeysUnavailable(msg)) => assert!(msg.contains("JWKS"), "{msg}"),
        other => panic!("expected KeysUnavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(
        v.refresh_keys().await,
        Err(AuthError::KeysUnavailable(_))
    ));
}

#[tokio::test]
async fn bad_key_server_answers_mean_keys_unavailable() {
    let replies = [
        JwksReply::Status(500, "oops".into()),
        JwksReply::Status(404, "{}".into()),
        JwksReply::Status(200, "not json".into()),
        JwksReply::Json(json!({"keys": []})),
        JwksReply::Json(json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})),
        JwksReply::Json(json!({"no_keys": true})),
    ];
    for reply in replies {
        let server = JwksServer::start_with(reply.clone()).await;
        let v = verifier(server.url());
        match v.verify(&TestKey::Ed25519.sign("u", AUD, 60)).await {
            Err(AuthError::KeysUnavailable(_)) => {}
            other => panic!("{reply:?}: expected KeysUnavailable, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn stalled_key_server_times_out() {
    let server = JwksServer::start_with(JwksReply::Stall).await;
    let options = VerifierOptions {
        jwks_fetch_timeout: Duration::from_millis(300),
        ..VerifierOptions::default()
    };
    let v = JwtVerifier::with_options(&settings(server.url(), &[]), options).unwrap();
    let started = Instant::now();
    assert!(matches!(
        v.verify(&TestKey::Ed25519.sign("u", AUD, 60)).await,
        Err(AuthError::KeysUnavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cached_keys_survive_an_outage_and_recovery_is_picked_up() {
    let server = JwksServer::start().await;
    let options = VerifierOptions {
        jwks_min_refetch_interval: Duration::ZERO,
        ..VerifierOptions::default()
    };
    let v = JwtVerifier::with_options(
        &settings(server.url(), &[("AUTH_JWKS_CACHE_SECS", "0")]),
        options,
    )
    .unwrap();
    let token = TestKey::Rsa.sign("u", AUD, 60);
    v.verify(&token).await.unwrap();
    server.set_reply(JwksReply::Status(503, "down".into()));
    assert!(v.verify(&token).await.is_ok(), "stale keys beat no keys");
    assert_eq!(server.fetch_count(), 2);

    // A server that was down at start is retried on the next request.
    let down = JwksServer::start_with(JwksReply::Status(503, "starting".into())).await;
    let v = verifier(down.url());
    assert!(matches!(
        v.verify(&token).await,
        Err(AuthError::KeysUnavailable(_))
    ));
    down.set_reply(JwksReply::Json(test_jwks()));
    assert!(v.verify(&token).await.is_ok());
    assert_eq!(down.fetch_count(), 2);
}
