//! A backend for one test, on a fresh database, with HS256 tokens and the
//! offline agent unless told otherwise.
//!
//! - [`TestApp::spawn`]: in this process, on a listener bound to port 0
//!   (settings built from defaults and the test's overrides, never from the
//!   process environment, which parallel tests share). The `todo-mcp`
//!   sidecar is a child over stdio, as in production.
//! - [`TestApp::spawn_process`]: the real `todo-backend` binary, for tests
//!   where the process is the point (restarts, killed children, its own
//!   `/metrics`). It binds port 0 itself and the port is read from its log,
//!   so no port is ever picked, released and then bound by someone else.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use serde_json::{Value, json};
use todo_backend::startup::{Application, Hosting};
use todo_core::config::Settings;
use todo_core::testing::db::TestDb;
use todo_core::testing::jwt::sign_hs256;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const AUDIENCE: &str = "todo-api";

/// The backend's log line that carries its bound port.
pub const BACKEND_LISTENING: &str = "todo-backend listening";
/// The HTTP sidecar's log line that carries its bound address.
pub const SIDECAR_LISTENING: &str = "serving MCP over streamable HTTP";

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
    runner: Runner,
}

enum Runner {
    /// Stopped on drop; the server task also ends with the test's runtime.
    InProcess(ServerHandle),
    Process {
        env: Vec<(String, String)>,
        child: Option<Box<Child>>,
    },
}

/// The variables every test backend starts from; a test's own replace them.
fn base_env(db: &TestDb, secret: &str) -> Vec<(String, String)> {
    [
        ("HOST", "127.0.0.1".to_string()),
        ("PORT", "0".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("BETTER_AUTH_SECRET", secret.to_string()),
        ("LLM_PROVIDER", "offline".to_string()),
        ("MCP_COMMAND", sidecar_bin().display().to_string()),
        ("TOOL_TIMEOUT_SECS", "10".to_string()),
        // Suites send turns faster than a person; `limits.rs` tests the limits.
        ("TURNS_PER_MINUTE", "0".to_string()),
        ("CONCURRENT_TURNS_PER_USER", "0".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn with_overrides(
    mut env: Vec<(String, String)>,
    overrides: &[(&str, &str)],
) -> Vec<(String, String)> {
    for (k, v) in overrides {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v.to_string()));
    }
    env
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

impl TestApp {
    /// The backend in this process, offline agent, HS256 tokens.
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, &[]).await
    }

    /// In this process, with settings overridden by name (`"LLM_PROVIDER"`;
    /// an empty value unsets, as in the environment).
    pub async fn spawn_with(db: TestDb, overrides: &[(&str, &str)]) -> Self {
        let secret = secret_of(overrides);
        let env = with_overrides(base_env(&db, &secret), overrides);
        let settings = Settings::load_from(env).expect("test settings");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        // The sidecar inherits this process's environment: keep its log to
        // warnings in plain text, and let no developer's CONFIG_FILE reach it.
        let sidecar_env = [
            ("RUST_LOG", "warn"),
            ("LOG_FORMAT", ""),
            ("CONFIG_FILE", ""),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        let app = Application::build_on(settings, listener, Hosting::embedded(sidecar_env))
            .await
            .expect("the backend starts");
        let port = app.port();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let mut app = TestApp {
            base: format!("http://127.0.0.1:{port}"),
            secret,
            db,
            client: http_client(),
            runner: Runner::InProcess(handle),
        };
        app.wait_ready(Duration::from_secs(30)).await;
        app
    }

    /// The real binary as a child process, offline agent, HS256 tokens.
    pub async fn spawn_process(db: TestDb) -> Self {
        Self::spawn_process_with(db, &[]).await
    }

    /// The real binary with its environment overridden by name.
    pub async fn spawn_process_with(db: TestDb, overrides: &[(&str, &str)]) -> Self {
        let secret = secret_of(overrides);
        // Warnings, and the one info line that carries the bound port.
        let log = "warn,todo_backend::startup=info";
        let env = with_overrides(base_env(&db, &secret), &[("RUST_LOG", log)]);
        let env = with_overrides(env, overrides);
        let mut app = TestApp {
            base: String::new(),
            secret,
            db,
            client: http_client(),
            runner: Runner::Process { env, child: None },
        };
        app.start().await;
        app
    }

    /// Starts the child; its stderr is passed on, and read for the port.
    async fn start(&mut self) {
        let Runner::Process { env, child } = &mut self.runner else {
            panic!("only a backend process can be started again");
        };
        let mut cmd = Command::new(backend_bin());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut spawned = cmd.spawn().expect("spawn todo-backend");
        let stderr = spawned.stderr.take().unwrap();
        *child = Some(Box::new(spawned));
        let (port_tx, port_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut port_tx = Some(port_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains(BACKEND_LISTENING)
                    && let Some(port) = port_in_line(&line)
                    && let Some(tx) = port_tx.take()
                {
                    let _ = tx.send(port);
                }
                eprintln!("{line}");
            }
        });
        let port = tokio::time::timeout(Duration::from_secs(30), port_rx)
            .await
            .expect("todo-backend logged no port within 30 s")
            .expect("todo-backend exited before logging its port");
        self.base = format!("http://127.0.0.1:{port}");
        self.wait_ready(Duration::from_secs(30)).await;
    }

    /// Waits until `/readyz` answers 200 (database and sidecar reachable).
    pub async fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Runner::Process {
                child: Some(child), ..
            } = &mut self.runner
                && let Some(status) = child.try_wait().unwrap()
            {
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

    /// Stops the process (SIGTERM, as Kubernetes would) and starts a new one
    /// on the same database (on a port of its own: `base` follows).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    /// Stops the process with SIGTERM; its exit status, if it exited in time.
    pub async fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let Runner::Process { child, .. } = &mut self.runner else {
            panic!("only a backend process is stopped by signal");
        };
        let mut child = child.take()?;
        if let Some(pid) = child.id() {
            send_signal(pid, "TERM");
        }
        tokio::time::timeout(Duration::from_secs(15), child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }

    pub fn pid(&self) -> u32 {
        match &self.runner {
            Runner::Process {
                child: Some(child), ..
            } => child.id().unwrap(),
            _ => panic!("no backend process"),
        }
    }

    /// The pid of the `todo-mcp` child the backend process spawned, if it is running.
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
        match &mut self.runner {
            // Sends the stop at once; the returned future only waits for it.
            Runner::InProcess(handle) => drop(handle.stop(false)),
            Runner::Process {
                child: Some(child), ..
            } => {
                let _ = child.start_kill();
            }
            Runner::Process { child: None, .. } => {}
        }
    }
}

/// The port a listening line names: `port=N` / `"port":N` (the backend,
/// plain or JSON) or `…127.0.0.1:N` (the sidecar's `addr`).
pub fn port_in_line(line: &str) -> Option<u16> {
    ["\"port\":", "port=", "127.0.0.1:"].iter().find_map(|key| {
        let rest = &line[line.find(key)? + key.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// Waits until the log file at `path` has a `listening` line; its port.
pub async fn port_from_log(path: &Path, listening: &str) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(port) = log
            .lines()
            .filter(|l| l.contains(listening))
            .find_map(port_in_line)
        {
            return port;
        }
        assert!(
            Instant::now() < deadline,
            "no {listening:?} line in {} within 30 s:\n{log}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn new_secret() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test-secret-{nanos:x}{n:x}-0123456789abcdef")
}

/// A caller-chosen secret (e.g. shared with a sidecar it runs), or a new one.
fn secret_of(overrides: &[(&str, &str)]) -> String {
    overrides
        .iter()
        .find(|(k, _)| *k == "BETTER_AUTH_SECRET")
        .map_or_else(new_secret, |(_, v)| v.to_string())
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

#[cfg(test)]
mod tests {
    use super::port_in_line;

    #[test]
    fn ports_are_read_from_both_log_formats() {
        let plain =
            "2025 INFO todo_backend::startup: todo-backend listening port=43121 agent=\"offline\"";
        assert_eq!(port_in_line(plain), Some(43121));
        let json =
            r#"{"fields":{"message":"todo-backend listening","port":40001,"agent":"offline"}}"#;
        assert_eq!(port_in_line(json), Some(40001));
        let sidecar =
            "INFO todo_mcp::http: serving MCP over streamable HTTP at /mcp addr=127.0.0.1:39999";
        assert_eq!(port_in_line(sidecar), Some(39999));
        assert_eq!(port_in_line("todo-backend listening"), None);
    }
}
