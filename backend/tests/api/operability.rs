//! What an operator relies on, against the real binaries: the token policy
//! at start and per request, request ids, error bodies without internals,
//! `/metrics`, and logs without credentials or task contents.
//!
//! Start-up failures, logs and exact `/metrics` counts belong to a process,
//! so those tests run the binaries; the rest serve the backend in-process.
//! Every process binds port 0 and its port is read from its log.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use todo_core::testing::db::{self, TestDb};
use todo_core::testing::jwt::TokenBuilder;

use crate::support::app::{
    AUDIENCE, BACKEND_LISTENING, SIDECAR_LISTENING, TestApp, backend_bin, port_from_log,
    sidecar_bin,
};
use crate::support::scripted_openai;

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
    let app = TestApp::spawn(db::sqlite().await).await;
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

/// A process whose stderr goes to a file, killed on drop.
struct Proc {
    child: tokio::process::Child,
    log: std::path::PathBuf,
}

impl Proc {
    fn spawn(
        bin: std::path::PathBuf,
        args: &[&str],
        env: &[(&str, String)],
        log: std::path::PathBuf,
    ) -> Self {
        let file = std::fs::File::create(&log).unwrap();
        let child = tokio::process::Command::new(bin)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Self { child, log }
    }

    /// The port it logged on its `listening` line.
    async fn port(&self, listening: &str) -> u16 {
        port_from_log(&self.log, listening).await
    }

    /// Stops the process and returns everything it logged.
    async fn stop_and_read_log(mut self) -> String {
        if let Some(pid) = self.child.id() {
            crate::support::app::send_signal(pid, "TERM");
        }
        let _ = tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await;
        std::fs::read_to_string(&self.log).unwrap()
    }
}

/// Polls `url` until it answers `status`.
async fn wait_for(client: &reqwest::Client, url: &str, status: u16) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status().as_u16() == status
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{url} never answered {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

const SECRET: &str = "operability-test-secret-0123456789abcdef";

fn backend_env(db_url: &str, extra: &[(&str, String)]) -> Vec<(&'static str, String)> {
    let mut env: Vec<(&'static str, String)> = vec![
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("DATABASE_URL", db_url.into()),
        ("BETTER_AUTH_SECRET", SECRET.into()),
        ("LLM_PROVIDER", "offline".into()),
        ("MCP_COMMAND", sidecar_bin().display().to_string()),
        ("TOOL_TIMEOUT_SECS", "5".into()),
    ];
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        // Leaked once per test: the names are literals of the tests.
        env.push((Box::leak(k.to_string().into_boxed_str()), v.clone()));
    }
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_round_trip_and_appear_in_error_bodies() {
    let app = TestApp::spawn(db::sqlite().await).await;
    let url = format!("{}/api/alice/chat", app.base);
    let body = json!({"message": "hi"});

    // The caller's id is kept, in the header and in the error body.
    let r = app
        .client
        .post(&url)
        .header("x-request-id", "client-id_42.a:b")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["x-request-id"], "client-id_42.a:b");
    let reply: serde_json::Value = r.json().await.unwrap();
    assert_eq!(reply["error"]["request_id"], "client-id_42.a:b", "{reply}");
    assert_eq!(reply["error"]["code"], "unauthorized", "{reply}");
    assert!(reply["error"]["message"].is_string(), "{reply}");

    // Without one (or with one unfit for logs) a new id is made, the same in both places.
    for sent in [None, Some("has spaces and\ttabs"), Some(&*"x".repeat(200))] {
        let mut request = app.client.post(&url).json(&body);
        if let Some(sent) = sent {
            request = request.header("x-request-id", sent);
        }
        let r = request.send().await.unwrap();
        let header = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(
            header.len() >= 16 && Some(header.as_str()) != sent,
            "{header}"
        );
        let reply: serde_json::Value = r.json().await.unwrap();
        assert_eq!(reply["error"]["request_id"], header.as_str(), "{reply}");
    }

    // Successful answers carry it too.
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "probe-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "probe-1");
}

/// One turn over an HTTP sidecar, both at `RUST_LOG=debug`: the request id is
/// in both logs, `/metrics` on both shows the turn, the tool call and the
/// pool, and neither log holds the bearer token or the task's title. On
/// PostgreSQL too: its driver logs query parameters at debug level.
async fn one_turn_is_traced_and_measured_on_both_sides_without_leaking(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let http = client();
    let sidecar = Proc::spawn(
        sidecar_bin(),
        &["--http", "127.0.0.1:0"],
        &[
            ("DATABASE_URL", db.url.clone()),
            ("BETTER_AUTH_SECRET", SECRET.into()),
            ("RUST_LOG", "debug".into()),
        ],
        dir.path().join("sidecar.log"),
    );
    let sidecar_port = sidecar.port(SIDECAR_LISTENING).await;
    let sidecar_base = format!("http://127.0.0.1:{sidecar_port}");
    wait_for(&http, &format!("{sidecar_base}/healthz"), 200).await;

    let env = backend_env(
        &db.url,
        &[
            ("MCP_URL", format!("{sidecar_base}/mcp")),
            ("RUST_LOG", "debug".into()),
        ],
    );
    let backend = Proc::spawn(backend_bin(), &[], &env, dir.path().join("backend.log"));
    let base = format!("http://127.0.0.1:{}", backend.port(BACKEND_LISTENING).await);
    wait_for(&http, &format!("{base}/readyz"), 200).await;

    let token = todo_core::testing::jwt::sign_hs256(SECRET, "alice", AUDIENCE, 600);
    let title = "water the zanzibar ficus";
    let r = http
        .post(format!("{base}/api/alice/chat"))
        .bearer_auth(&token)
        .header("x-request-id", "turn-trace-7781")
        .json(&json!({"message": format!("add a task to {title}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "turn-trace-7781");
    let reply: serde_json::Value = r.json().await.unwrap();
    assert_eq!(reply["tool_calls"][0]["name"], "add_task", "{reply}");

    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let metrics = metrics.text().await.unwrap();
    for series in [
        r#"todo_http_request_duration_seconds_bucket{route="/api/{user_id}/chat",method="POST""#,
        r#"todo_http_requests_total{route="/api/{user_id}/chat",method="POST",status="200"} 1"#,
        r#"todo_tool_call_duration_seconds_bucket{tool="add_task""#,
        "todo_mcp_reconnects_total 0",
        r#"todo_db_pool_connections{state="in_use"}"#,
        "todo_db_pool_max_connections",
    ] {
        assert!(
            metrics.contains(series),
            "backend /metrics lacks {series}:\n{metrics}"
        );
    }
    let metrics = http
        .get(format!("{sidecar_base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let metrics = metrics.text().await.unwrap();
    for series in [
        r#"todo_mcp_tool_calls_total{tool="add_task",outcome="ok"} 1"#,
        r#"todo_mcp_tool_call_duration_seconds_bucket{tool="add_task""#,
        r#"todo_mcp_db_pool_connections{state="open"}"#,
    ] {
        assert!(
            metrics.contains(series),
            "sidecar /metrics lacks {series}:\n{metrics}"
        );
    }
    // One scrape of the backend (the pod's annotated port) has both.
    let page = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "todo_mcp_sidecar_up 1",
        r#"todo_mcp_tool_calls_total{tool="add_task",outcome="ok"} 1"#,
        r#"todo_mcp_db_pool_connections{state="open"}"#,
        r#"todo_db_pool_connections{state="open"}"#,
    ] {
        assert!(
            page.contains(series),
            "backend /metrics lacks {series}:\n{page}"
        );
    }
    let types: Vec<&str> = page.lines().filter(|l| l.starts_with("# TYPE ")).collect();
    let unique: std::collections::HashSet<&&str> = types.iter().collect();
    assert_eq!(
        types.len(),
        unique.len(),
        "a metric is described twice:\n{page}"
    );

    let backend_log = backend.stop_and_read_log().await;
    let sidecar_log = sidecar.stop_and_read_log().await;
    for (name, log) in [("backend", &backend_log), ("sidecar", &sidecar_log)] {
        assert!(
            log.contains("turn-trace-7781"),
            "{name} log lacks the request id:\n{log}"
        );
        assert!(
            !log.contains(&token),
            "{name} log holds the bearer token:\n{log}"
        );
        let signature = token.rsplit('.').next().unwrap();
        assert!(
            !log.contains(signature),
            "{name} log holds the token's signature"
        );
        assert!(
            !log.contains("zanzibar"),
            "{name} log holds the task title:\n{log}"
        );
    }
}

/// Words that must never reach a client: addresses and library names.
fn assert_no_internals(what: &str, text: &str, extra: &[&str]) {
    for internal in [
        "127.0.0.1",
        "http://",
        "localhost",
        "rmcp",
        "Transport",
        "todo-mcp",
    ]
    .iter()
    .chain(extra)
    {
        assert!(
            !text.contains(internal),
            "{what} shows {internal:?}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_sidecar_is_named_without_its_address() {
    let db = db::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let http = client();
    // Bound but never listening: connections to it are refused, and no one
    // else can take the port while this test runs.
    let dead = tokio::net::TcpSocket::new_v4().unwrap();
    dead.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    let missing = dir.path().join("no-such-sidecar");
    let missing = missing.display().to_string();
    // Over HTTP to a port nobody listens on, and over stdio to a missing program.
    let cases = [
        ("MCP_URL", format!("http://127.0.0.1:{dead_port}/mcp")),
        ("MCP_COMMAND", missing.clone()),
    ];
    for (key, value) in cases {
        let env = backend_env(&db.url, &[(key, value.clone())]);
        let backend = Proc::spawn(backend_bin(), &[], &env, dir.path().join("backend.log"));
        let base = format!("http://127.0.0.1:{}", backend.port(BACKEND_LISTENING).await);
        wait_for(&http, &format!("{base}/healthz"), 200).await;
        let hidden = [dead_port.to_string(), missing.clone()];
        let hidden: Vec<&str> = hidden.iter().map(String::as_str).collect();

        let r = http
            .get(format!("{base}/readyz"))
            .header("x-request-id", "ready-check-1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503, "{key}");
        let body = r.text().await.unwrap();
        assert_no_internals("/readyz", &body, &hidden);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["failing"], json!(["mcp_sidecar"]), "{body}");
        assert_eq!(body["checks"]["database"], "ok", "{body}");

        let token = todo_core::testing::jwt::sign_hs256(SECRET, "alice", AUDIENCE, 600);
        let r = http
            .post(format!("{base}/api/alice/chat"))
            .bearer_auth(&token)
            .header("x-request-id", "turn-503-1")
            .json(&json!({"message": "add a task to call mom"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503, "{key}");
        let body = r.text().await.unwrap();
        assert_no_internals("the 503 body", &body, &hidden);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        assert_eq!(body["error"]["request_id"], "turn-503-1", "{body}");

        // The details are in the log, under the request id.
        let log = backend.stop_and_read_log().await;
        assert!(log.contains("turn-503-1"), "{log}");
        assert!(log.contains(hidden[0]) || log.contains(hidden[1]), "{log}");
    }
}

/// The stdio sidecar logs into the backend's stderr: at `RUST_LOG=debug` the
/// one log has the request id from both sides, and neither token nor title.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_mode_logs_hold_the_request_id_but_no_token_or_title() {
    let db = db::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let http = client();
    let env = backend_env(
        &db.url,
        &[("RUST_LOG", "debug".into()), ("LOG_FORMAT", "json".into())],
    );
    let backend = Proc::spawn(backend_bin(), &[], &env, dir.path().join("backend.log"));
    let base = format!("http://127.0.0.1:{}", backend.port(BACKEND_LISTENING).await);
    wait_for(&http, &format!("{base}/readyz"), 200).await;
    let token = todo_core::testing::jwt::sign_hs256(SECRET, "bob", AUDIENCE, 600);
    let r = http
        .post(format!("{base}/api/bob/chat"))
        .bearer_auth(&token)
        .header("x-request-id", "stdio-trace-3")
        .json(&json!({"message": "add a task to feed the quokka"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A ChatKit turn runs in a task of its own after the stream starts.
    let r = http
        .post(format!("{base}/api/bob/chat"))
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .header("x-request-id", "chatkit-trace-9")
        .json(&json!({"type": "threads.create", "params": {"input": {
            "content": [{"type": "input_text", "text": "add a task to brush the okapi"}],
            "attachments": [], "inference_options": {}}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "chatkit-trace-9");
    let events = r.text().await.unwrap();
    assert!(events.contains("okapi"), "{events}");
    let log = backend.stop_and_read_log().await;
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let tagged = |target_prefix: &str, id: &str| {
        lines.iter().any(|l| {
            l["target"]
                .as_str()
                .unwrap_or("")
                .starts_with(target_prefix)
                && l.to_string().contains(id)
        })
    };
    for id in ["stdio-trace-3", "chatkit-trace-9"] {
        assert!(
            tagged("todo_backend", id),
            "no backend line with {id}:\n{log}"
        );
        assert!(tagged("todo_mcp", id), "no sidecar line with {id}:\n{log}");
    }
    assert!(!log.contains(&token), "the bearer token is logged:\n{log}");
    for title in ["quokka", "okapi"] {
        assert!(!log.contains(title), "the task title is logged:\n{log}");
    }
}

/// With a model, `/metrics` times each model request (exactly one here: the
/// count is the process's, so the backend runs alone in one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_requests_are_timed() {
    let model = scripted_openai::ScriptedOpenAi::start(vec![scripted_openai::Reply::text(
        "Nothing to do.",
    )])
    .await;
    let app = TestApp::spawn_process_with(
        db::sqlite().await,
        &[
            ("LLM_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", &model.base_url()),
            ("OPENAI_MODEL", scripted_openai::SCRIPTED_MODEL),
        ],
    )
    .await;
    app.say("carol", None, "hello").await;
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = r#"todo_model_request_duration_seconds_count{outcome="ok"} 1"#;
    assert!(metrics.contains(series), "no {series}:\n{metrics}");
}

todo_core::db_test!(one_turn_is_traced_and_measured_on_both_sides_without_leaking);
