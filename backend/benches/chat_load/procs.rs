//! The processes under test: started with their output in a log file,
//! stopped with SIGTERM (then SIGKILL) so the sidecar child goes with them.

use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub struct Proc {
    pub child: Child,
    pub port: u16,
    name: &'static str,
}

/// The per-user limits (0 lifts each).
const LIFTED_LIMITS: &[&str] = &[
    "TURNS_PER_MINUTE",
    "CONCURRENT_TURNS_PER_USER",
    "MAX_TASKS_PER_USER",
    "MAX_CONVERSATIONS_PER_USER",
    "MAX_MESSAGES_PER_CONVERSATION",
    "HISTORY_MAX_CHARS",
    "LIST_MAX_TASKS",
];

impl Proc {
    /// Starts `program args` on a free port (`$PORT` and `port_arg` get it),
    /// logging to `log`, and waits until `GET ready_path` answers 200.
    pub async fn start(
        name: &'static str,
        program: &Path,
        args: impl Fn(u16) -> Vec<String>,
        env: &[(&str, String)],
        log: &Path,
        ready_path: &str,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log_file = File::create(log)?;
        let child = Command::new(program)
            .args(args(port))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("PORT", port.to_string())
            // Figures of the service itself: every per-user limit lifted.
            .envs(LIFTED_LIMITS.iter().map(|k| (k, "0")))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("cannot start {}", program.display()))?;
        let mut proc = Self { child, port, name };
        if let Err(e) = proc.wait_ready(ready_path).await {
            proc.stop();
            bail!(
                "{name} did not become ready: {e:#} (log: {})",
                log.display()
            );
        }
        Ok(proc)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&mut self, path: &str) -> anyhow::Result<()> {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("it exited ({status})");
            }
            if let Ok(r) = client.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{url} did not answer 200 within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, up to 10 s for a graceful exit, then SIGKILL.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("note: {} ignored SIGTERM; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
