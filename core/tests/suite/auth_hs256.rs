//! HS256 mode (`BETTER_AUTH_SECRET`): what is accepted and what is refused.

use jsonwebtoken::{Algorithm, EncodingKey};
use todo_core::auth::{AuthError, AuthMode, JwtVerifier, bearer_token};
use todo_core::config::Settings;
use todo_core::testing::jwt::{TestKey, TokenBuilder, now, sign_hs256};

const SECRET: &str = "test-secret-for-hs256-at-least-32-bytes!";
const AUD: &str = "todo-api";

fn settings(extra: &[(&str, &str)]) -> Settings {
    let mut env = vec![("BETTER_AUTH_SECRET", SECRET)];
    env.extend_from_slice(extra);
    Settings::load_from(env).unwrap()
}

fn verifier() -> JwtVerifier {
    JwtVerifier::from_settings(&settings(&[])).unwrap()
}

fn assert_invalid(result: Result<todo_core::auth::Claims, AuthError>, why: &str) {
    match result {
        Err(AuthError::Invalid(msg)) => assert!(msg.contains(why), "expected {why:?}, got {msg:?}"),
        other => panic!("expected Invalid({why}), got {other:?}"),
    }
}

#[tokio::test]
async fn accepts_a_valid_token() {
    let v = verifier();
    assert_eq!(v.mode(), AuthMode::Hs256);
    let token = TokenBuilder::new("user-1", AUD)
        .claim("email", "ada@example.com")
        .claim("name", "Ada")
        .sign_hs256(SECRET);
    let claims = v.verify(&token).await.unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert_eq!(claims.name.as_deref(), Some("Ada"));
    assert!(claims.exp > now());
    // Through `bearer_token`, as the HTTP edge will do it.
    let header = format!("Bearer {}", sign_hs256(SECRET, "user-2", AUD, 60));
    let claims = v.verify(bearer_token(&header).unwrap()).await.unwrap();
    assert_eq!(claims.sub, "user-2");
}

#[tokio::test]
async fn accepts_an_audience_list_containing_ours() {
    let token = TokenBuilder::new("u", AUD)
        .claim("aud", serde_json::json!(["other", AUD]))
        .sign_hs256(SECRET);
    assert_eq!(verifier().verify(&token).await.unwrap().sub, "u");
}

#[test]
fn bearer_token_parsing() {
    assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
    assert_eq!(bearer_token("bearer   abc "), Some("abc"));
    assert_eq!(bearer_token("BEARER abc"), Some("abc"));
    assert_eq!(bearer_token("Bearer"), None);
    assert_eq!(bearer_token("Bearer "), None);
    assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
    assert_eq!(bearer_token(""), None);
    assert_eq!(bearer_token("abc.def.ghi"), None);
}

#[tokio::test]
async fn missing_and_garbage_tokens() {
    let v = verifier();
    assert!(matches!(v.verify("").await, Err(AuthError::Missing)));
    assert!(matches!(v.verify("   ").await, Err(AuthError::Missing)));
    assert_invalid(v.verify("not-a-jwt").await, "malformed");
    assert_invalid(v.verify("a.b.c").await, "malformed");
    assert_invalid(v.verify(&"x".repeat(20_000)).await, "too long");
}

#[tokio::test]
async fn bad_signature() {
    let token = sign_hs256("another-secret-that-is-also-32-bytes-long", "u", AUD, 60);
    assert_invalid(verifier().verify(&token).await, "bad signature");

    // A valid token with one payload character changed.
    let token = sign_hs256(SECRET, "user-1", AUD, 60);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let forged = TokenBuilder::new("user-2", AUD).sign_hs256(SECRET);
    parts[1] = forged.split('.').nth(1).unwrap().to_owned();
    assert_invalid(verifier().verify(&parts.join(".")).await, "bad signature");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let token = TokenBuilder::new("u", AUD).unsigned();
    assert_invalid(verifier().verify(&token).await, "malformed");
    let token = TokenBuilder::new("u", AUD).header("alg", "None").unsigned();
    assert!(matches!(
        verifier().verify(&token).await,
        Err(AuthError::Invalid(_))
    ));
}

#[tokio::test]
async fn other_algorithms_are_refused() {
    let v = verifier();
    // Same secret, a different HMAC.
    let token = TokenBuilder::new("u", AUD).sign_raw(
        &EncodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::HS512,
    );
    assert_invalid(v.verify(&token).await, "not accepted");
    // Asymmetric algorithms with real keys.
    for key in TestKey::PUBLISHED {
        let token = key.sign("u", AUD, 60);
        assert_invalid(v.verify(&token).await, "not accepted");
    }
    // Header claims HS256, signed with RS256: the HMAC check must fail.
    let token = TokenBuilder::new("u", AUD)
        .header("alg", "HS256")
        .sign_as(TestKey::Rsa, Algorithm::RS256);
    assert_invalid(v.verify(&token).await, "bad signature");
}

#[tokio::test]
async fn expired_tokens() {
    let v = verifier();
    let token = sign_hs256(SECRET, "u", AUD, -120);
    assert!(matches!(v.verify(&token).await, Err(AuthError::Expired)));
    // Within the 30 s leeway: still accepted (clock skew between servers).
    let token = sign_hs256(SECRET, "u", AUD, -10);
    assert!(v.verify(&token).await.is_ok());
}

#[tokio::test]
async fn not_yet_valid_tokens() {
    let token = TokenBuilder::new("u", AUD)
        .claim("nbf", now() + 600)
        .sign_hs256(SECRET);
    assert_invalid(verifier().verify(&token).await, "not yet valid");
}

#[tokio::test]
async fn audience_rules() {
    let v = verifier();
    assert_invalid(
        v.verify(&sign_hs256(SECRET, "u", "other-api", 60)).await,
        "wrong audience",
    );
    let token = TokenBuilder::new("u", AUD)
        .claim("aud", serde_json::json!(["a", "b"]))
        .sign_hs256(SECRET);
    assert_invalid(v.verify(&token).await, "wrong audience");
    let token = TokenBuilder::new("u", AUD)
        .without_claim("aud")
        .sign_hs256(SECRET);
    assert_invalid(v.verify(&token).await, "missing claim `aud`");

    let custom = JwtVerifier::from_settings(&settings(&[("AUTH_AUDIENCE", "other-api")])).unwrap();
    assert!(
        custom
            .verify(&sign_hs256(SECRET, "u", "other-api", 60))
            .await
            .is_ok()
    );
    assert_invalid(
        custom.verify(&sign_hs256(SECRET, "u", AUD, 60)).await,
        "wrong audience",
    );
}

#[tokio::test]
async fn issuer_rules() {
    // Unset: any issuer, or none, is fine.
    let token = TokenBuilder::new("u", AUD)
        .claim("iss", "anyone")
        .sign_hs256(SECRET);
    assert!(verifier().verify(&token).await.is_ok());

    let v =
        JwtVerifier::from_settings(&settings(&[("AUTH_ISSUER", "http://localhost:3000")])).unwrap();
    let good = TokenBuilder::new("u", AUD)
        .claim("iss", "http://localhost:3000")
        .sign_hs256(SECRET);
    assert!(v.verify(&good).await.is_ok());
    let wrong = TokenBuilder::new("u", AUD)
        .claim("iss", "http://evil.example")
        .sign_hs256(SECRET);
    assert_invalid(v.verify(&wrong).await, "wrong issuer");
    let missing = TokenBuilder::new("u", AUD).sign_hs256(SECRET);
    assert_invalid(v.verify(&missing).await, "missing claim `iss`");
}

#[tokio::test]
async fn subject_and_expiry_are_required() {
    let v = verifier();
    let token = TokenBuilder::new("u", AUD)
        .without_claim("sub")
        .sign_hs256(SECRET);
    assert_invalid(v.verify(&token).await, "sub");
    let token = TokenBuilder::new("", AUD).sign_hs256(SECRET);
    assert_invalid(v.verify(&token).await, "empty subject");
    let token = TokenBuilder::new("  ", AUD).sign_hs256(SECRET);
    assert_invalid(v.verify(&token).await, "empty subject");
    let token = TokenBuilder::new("u", AUD)
        .claim("sub", 42)
        .sign_hs256(SECRET);
    assert!(matches!(v.verify(&token).await, Err(AuthError::Invalid(_))));
    let token = TokenBuilder::new("u", AUD)
        .without_claim("exp")
        .sign_hs256(SECRET);
    assert_invalid(v.verify(&token).await, "exp");
    let token = TokenBuilder::new("u", AUD)
        .claim("exp", "tomorrow")
        .sign_hs256(SECRET);
    assert!(matches!(v.verify(&token).await, Err(AuthError::Invalid(_))));
}

#[test]
fn needs_a_secret_or_a_jwks_url() {
    let s = Settings::load_from(Vec::<(String, String)>::new()).unwrap();
    let err = JwtVerifier::from_settings(&s).unwrap_err();
    assert!(
        err.to_string()
            .contains("set BETTER_AUTH_SECRET or AUTH_JWKS_URL"),
        "{err}"
    );
}

#[tokio::test]
async fn clones_share_and_work_across_threads() {
    let v = verifier();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let v = v.clone();
        tasks.push(tokio::spawn(async move {
            let token = sign_hs256(SECRET, &format!("user-{i}"), AUD, 60);
            v.verify(&token).await.map(|c| c.sub)
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap().unwrap(), format!("user-{i}"));
    }
    assert!(!format!("{v:?}").contains(SECRET));
}

#[tokio::test]
async fn tokens_that_live_longer_than_the_maximum_are_refused() {
    let v = verifier();
    let sign = |ttl: i64| TokenBuilder::new("u", AUD).ttl(ttl).sign_hs256(SECRET);
    assert!(v.verify(&sign(23 * 3600)).await.is_ok(), "under 24 h");
    assert_invalid(v.verify(&sign(25 * 3600)).await, "lifetime too long");
    assert_invalid(
        v.verify(&sign(10 * 365 * 86_400)).await,
        "lifetime too long",
    );
    let forever = TokenBuilder::new("u", AUD)
        .claim("exp", i64::MAX)
        .sign_hs256(SECRET);
    assert!(v.verify(&forever).await.is_err());

    let strict =
        JwtVerifier::from_settings(&settings(&[("AUTH_MAX_TOKEN_LIFETIME_SECS", "60")])).unwrap();
    assert!(strict.verify(&sign(50)).await.is_ok());
    assert_invalid(strict.verify(&sign(900)).await, "lifetime too long");
}

#[test]
fn secrets_shorter_than_32_bytes_stop_the_start() {
    for short in ["short", &"x".repeat(31)] {
        let s = Settings::load_from([("BETTER_AUTH_SECRET", short)]).unwrap();
        let err = JwtVerifier::from_settings(&s).unwrap_err().to_string();
        assert!(
            err.contains("BETTER_AUTH_SECRET") && err.contains("at least 32"),
            "{err}"
        );
        assert!(!err.contains(short), "the secret is echoed: {err}");
    }
    let s = Settings::load_from([("BETTER_AUTH_SECRET", "x".repeat(32))]).unwrap();
    assert_eq!(
        JwtVerifier::from_settings(&s).unwrap().mode(),
        AuthMode::Hs256
    );
}

#[tokio::test]
async fn surrounding_whitespace_of_the_secret_is_dropped_and_nothing_else() {
    let padded = format!("  {SECRET}\r\n");
    let v = JwtVerifier::from_settings(&settings(&[("BETTER_AUTH_SECRET", &padded)])).unwrap();
    let token = TokenBuilder::new("u", AUD).sign_hs256(SECRET);
    assert!(
        v.verify(&token).await.is_ok(),
        "signed with the trimmed secret"
    );
    let with_newline = TokenBuilder::new("u", AUD).sign_hs256(&format!("{SECRET}\n"));
    assert_invalid(v.verify(&with_newline).await, "bad signature");

    // Inner whitespace is part of the secret.
    let inner = "test-secret-with an inner space-of-32-bytes";
    let v = JwtVerifier::from_settings(&settings(&[("BETTER_AUTH_SECRET", inner)])).unwrap();
    let token = TokenBuilder::new("u", AUD).sign_hs256(inner);
    assert!(v.verify(&token).await.is_ok());

    let blank = Settings::load_from([("BETTER_AUTH_SECRET", " \n ")]).unwrap();
    assert!(
        JwtVerifier::from_settings(&blank).is_err(),
        "blank is unset"
    );
}
