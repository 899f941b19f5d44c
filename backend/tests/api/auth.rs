//! Who may call the chat endpoint: 401 / 403 / 404 as the contract says,
//! HS256 and JWKS (EdDSA, RS256) modes.

use jsonwebtoken::Algorithm;
use serde_json::json;
use todo_core::testing::db;

use crate::support::app::{AUDIENCE, TestApp};
use todo_core::testing::jwt::{JwksServer, TestKey, TokenBuilder};

async fn app() -> TestApp {
    TestApp::spawn(db::sqlite().await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_tokens_are_checked() {
    let app = app().await;
    let body = json!({"message": "show my tasks"});
    let secret = app.secret.clone();
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("no token", None, 401),
        (
            "bad signature",
            Some(TokenBuilder::new("alice", AUDIENCE).sign_hs256("wrong-secret")),
            401,
        ),
        (
            "alg none",
            Some(TokenBuilder::new("alice", AUDIENCE).unsigned()),
            401,
        ),
        (
            "wrong algorithm",
            Some(TokenBuilder::new("alice", AUDIENCE).sign_with(TestKey::Rsa)),
            401,
        ),
        (
            "expired",
            Some(
                TokenBuilder::new("alice", AUDIENCE)
                    .ttl(-300)
                    .sign_hs256(&secret),
            ),
            401,
        ),
        (
            "wrong audience",
            Some(TokenBuilder::new("alice", "other-api").sign_hs256(&secret)),
            401,
        ),
        (
            "no subject",
            Some(
                TokenBuilder::new("alice", AUDIENCE)
                    .without_claim("sub")
                    .sign_hs256(&secret),
            ),
            401,
        ),
        ("garbage", Some("not.a.jwt".into()), 401),
        (
            "someone else's token",
            Some(TokenBuilder::new("bob", AUDIENCE).sign_hs256(&secret)),
            403,
        ),
        (
            "valid",
            Some(TokenBuilder::new("alice", AUDIENCE).sign_hs256(&secret)),
            200,
        ),
    ];
    for (name, token, expected) in cases {
        let (status, reply) = app.chat_as("alice", token.as_deref(), body.clone()).await;
        assert_eq!(status, expected, "{name}: {reply}");
        if expected != 200 {
            assert!(reply["error"]["code"].is_string(), "{name}: {reply}");
        }
    }
    // The task list endpoint follows the same rules.
    let response = app
        .client
        .get(format!("{}/api/alice/tasks", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = app
        .client
        .get(format!("{}/api/alice/tasks", app.base))
        .bearer_auth(app.token("bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_mode_accepts_eddsa_and_rs256_and_nothing_else() {
    let jwks = JwksServer::start().await;
    let app = TestApp::spawn_with(
        db::sqlite().await,
        &[("AUTH_JWKS_URL", jwks.url()), ("BETTER_AUTH_SECRET", "")],
    )
    .await;
    for key in [TestKey::Ed25519, TestKey::Rsa] {
        let token = TokenBuilder::new("alice", AUDIENCE).sign_with(key);
        let (status, body) = app
            .chat_as(
                "alice",
                Some(&token),
                json!({"message": "add water the plants"}),
            )
            .await;
        assert_eq!(status, 200, "{key:?}: {body}");
        // The sidecar verified the same token through the same JWKS.
        assert_eq!(body["tool_calls"][0]["is_error"], false, "{key:?}: {body}");
    }
    let hs = TokenBuilder::new("alice", AUDIENCE).sign_hs256("whatever");
    assert_eq!(
        app.chat_as("alice", Some(&hs), json!({"message": "hi"}))
            .await
            .0,
        401
    );
    let confused = TokenBuilder::new("alice", AUDIENCE).sign_as(TestKey::Rsa, Algorithm::PS256);
    assert_eq!(
        app.chat_as("alice", Some(&confused), json!({"message": "hi"}))
            .await
            .0,
        401
    );
    let other = TokenBuilder::new("bob", AUDIENCE).sign_with(TestKey::Ed25519);
    assert_eq!(
        app.chat_as("alice", Some(&other), json!({"message": "hi"}))
            .await
            .0,
        403
    );
}
