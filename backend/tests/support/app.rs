use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use todo_core::testing::db::TestDb;
use todo_core::testing::jwt::sign_hs256;
use tokio::process::{Child, Command};

pub const AUDIENCE: &str = "todo-api";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

/// A fresh database of that kind, or `None` (with the reason printed) when
/// PostgreSQL is not configured.
pub async fn fresh_db(store: Store) -> Option<TestDb> {
    match store {
        Store::Sqlite => Some(todo_core::testing::db::sqlite().await),
        Store::Postgres => todo_core::testing::db::postgres().await,
    }
}

pub fn backend_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_todo-backend"))
}

pub fn sidecar_bin() -> PathBuf {
    let path = backend_bin().with_file_name("todo-mcp");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// A running backend and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub secret: String,
    pub db: TestDb,
    pub client: reqwest::Client,
    env: Vec<(String, String)>,
    port: u16,
    child: Option<Child>,
}

impl TestApp {
    /// The backend with the offline agent on `db`, HS256 tokens.
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, &[]).await
    }

    pub async fn spawn_with(db: TestDb, extra_env: &[(&str, &str)]) -> Self {
        // A caller-chosen secret (e.g. shared with a sidecar it runs) wins.
        let secret = extra_env
            .iter()
            .find(|(k, _)| *k == "BETTER_AUTH_SECRET")
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| format!("test-secret-{}-0123456789abcdef", uuid_like()));
        let port = free_port();
        let mut env = vec![
            ("HOST".to_string(), "127.0.0.1".to_string()),
            ("PORT".to_string(), port.to_string()),
            ("DATABASE_URL".to_string(), db.url.clone()),
            ("BETTER_AUTH_SECRET".to_string(), secret.clone()),
            ("LLM_PROVIDER".to_string(), "offline".to_string()),
            (
                "MCP_COMMAND".to_string(),
                sidecar_bin().display().to_string(),
            ),
            ("RUST_LOG".to_string(), "warn".to_string()),
            ("TOOL_TIMEOUT_SECS".to_string(), "10".to_string()),
        ];
        for (k, v) in extra_env {
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v.to_string()));
        }
        let mut app = TestApp {
            base: format!("http://127.0.0.1:{port}"),
            secret,
            db,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            env,
            port,
            child: None,
        };
        app.start().await;
        app
    }

    async fn start(&mut self) {
        let mut cmd = Command::new(backend_bin());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let child = cmd.spawn().expect("spawn todo-backend");
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(30)).await;
    }

    /// Waits until `/readyz` answers 200 (database and sidecar reachable).
    pub async fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("todo-backend exited early: {status}");
            }
            let ready = self
                .client
                .get(format!("{}/readyz", self.base))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "backend not ready in {limit:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the process (SIGTERM, as Kubernetes would) and starts a new one on the same port and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    pub async fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        if let Some(pid) = child.id() {
            send_signal(pid, "TERM");
        }
        tokio::time::timeout(Duration::from_secs(15), child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id().unwrap()
    }

    /// The pid of the `todo-mcp` child the backend spawned, if it is running.
    pub fn sidecar_pid(&self) -> Option<u32> {
        child_pids(self.pid()).into_iter().find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|c| c.trim() == "todo-mcp")
                .unwrap_or(false)
        })
    }

    pub fn token(&self, user: &str) -> String {
        sign_hs256(&self.secret, user, AUDIENCE, 600)
    }

    /// `POST /api/{user}/chat` with `user`'s token; returns (status, body).
    pub async fn chat(&self, user: &str, body: Value) -> (u16, Value) {
        let token = self.token(user);
        self.chat_as(user, Some(&token), body).await
    }

    pub async fn chat_as(&self, path_user: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/api/{path_user}/chat", self.base))
            .json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let response = req.send().await.expect("chat request");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// One plain turn that must succeed; returns the response body.
    pub async fn say(&self, user: &str, conversation_id: Option<i64>, message: &str) -> Value {
        let mut body = json!({ "message": message });
        if let Some(id) = conversation_id {
            body["conversation_id"] = json!(id);
        }
        let (status, body) = self.chat(user, body).await;
        assert_eq!(status, 200, "turn '{message}' failed: {body}");
        body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}{:x}", std::process::id())
}

fn child_pids(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // Fields 3 and 4 (after the parenthesised command) are the
                    // state and the parent pid; a zombie (Z) is already dead.
                    let mut rest = stat[stat.rfind(')')? + 2..].split_whitespace();
                    let state = rest.next()?;
                    let ppid = rest.next()?.parse::<u32>().ok()?;
                    (state != "Z").then_some(ppid)
                })
                == Some(parent)
        })
        .collect()
}

/// Sends a signal with the `kill` command (no libc dependency for tests).
pub fn send_signal(pid: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}
