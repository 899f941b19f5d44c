//! What an operator relies on, against the real binaries: the token policy
//! at start and per request, request ids, error bodies without internals,
//! `/metrics`, and logs without credentials or task contents.

mod support;

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use support::app::{AUDIENCE, Store, TestApp, backend_bin, fresh_db, sidecar_bin};
use todo_core::testing::jwt::TokenBuilder;

/// Runs `bin` with `env` only and returns its exit success and stderr.
async fn run_to_exit(bin: std::path::PathBuf, env: &[(&str, &str)]) -> (bool, String) {
    let child = tokio::process::Command::new(bin)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("exits promptly")
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_under_32_bytes_stops_both_binaries_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let short = "only-20-bytes-secret";
    for bin in [backend_bin(), sidecar_bin()] {
        let env = [
            ("DATABASE_URL", db.as_str()),
            ("BETTER_AUTH_SECRET", short),
            ("PORT", "0"),
        ];
        let (ok, stderr) = run_to_exit(bin.clone(), &env).await;
        assert!(!ok, "{} started with a short secret", bin.display());
        assert!(
            stderr.contains("BETTER_AUTH_SECRET") && stderr.contains("at least 32"),
            "{}: {stderr}",
            bin.display()
        );
        assert!(!stderr.contains(short), "the secret was logged: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_valid_for_years_is_refused() {
    let app = TestApp::spawn(fresh_db(Store::Sqlite).await.unwrap()).await;
    let body = json!({"message": "show my tasks"});
    let sign = |ttl: i64| {
        TokenBuilder::new("alice", AUDIENCE)
            .ttl(ttl)
            .sign_hs256(&app.secret)
    };
    let (status, _) = app.chat_as("alice", Some(&sign(900)), body.clone()).await;
    assert_eq!(status, 200, "a 15-minute token");
    let (status, reply) = app
        .chat_as("alice", Some(&sign(10 * 365 * 86_400)), body)
        .await;
    assert_eq!(status, 401, "{reply}");
    assert_eq!(reply["error"]["code"], "unauthorized", "{reply}");
}
