//! The sidecar alone: sequential tool calls through the backend's own MCP
//! client, over stdio (a child of this process) and streamable HTTP.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use todo_backend::mcp::{McpClient, McpTarget};
use todo_core::tools::{StatusFilter, ToolCall, ToolOutcome};

use crate::procs::Proc;
use crate::stats::{Memory, Summary, child_named};
use crate::tokens;

/// Tasks the `list_tasks` user holds, so each call returns a realistic page.
const LISTED_TASKS: usize = 20;

pub struct TransportResult {
    pub transport: &'static str,
    pub idle: Option<Memory>,
    pub after: Option<Memory>,
    pub add: Option<Summary>,
    pub list: Option<Summary>,
    pub errors: usize,
}

pub struct SidecarSetup<'a> {
    pub command: &'a Path,
    pub database_url: &'a str,
    pub secret: &'a str,
    pub audience: &'a str,
    pub log_dir: &'a Path,
    pub calls: usize,
}

impl SidecarSetup<'_> {
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.database_url.to_string()),
            ("BETTER_AUTH_SECRET", self.secret.to_string()),
            ("AUTH_AUDIENCE", self.audience.to_string()),
            ("RUST_LOG", "warn".to_string()),
        ]
    }

    pub async fn stdio(&self) -> anyhow::Result<TransportResult> {
        let env = self
            .env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let client = McpClient::new(
            McpTarget::Stdio {
                command: self.command.to_path_buf(),
                env,
            },
            Duration::from_secs(30),
            Duration::ZERO,
        );
        // The first request spawns the child and does the handshake.
        client.check().await.context("stdio sidecar")?;
        let pid = child_named(std::process::id(), "todo-mcp")
            .context("the stdio sidecar is not a child of this process")?;
        let result = self.measure("stdio", &client, pid).await;
        client.shutdown().await;
        result
    }

    pub async fn http(&self) -> anyhow::Result<TransportResult> {
        let env = self.env();
        let proc = Proc::start(
            "todo-mcp --http",
            self.command,
            |port| vec!["--http".into(), format!("127.0.0.1:{port}")],
            &env,
            &self.log_dir.join("todo-mcp-http.log"),
            "/healthz",
        )
        .await?;
        let client = McpClient::new(
            McpTarget::Http {
                url: format!("http://127.0.0.1:{}/mcp", proc.port),
            },
            Duration::from_secs(30),
            Duration::ZERO,
        );
        client.check().await.context("HTTP sidecar")?;
        let result = self.measure("streamable HTTP", &client, proc.pid()).await;
        client.shutdown().await;
        drop(proc);
        result
    }

    async fn measure(
        &self,
        transport: &'static str,
        client: &McpClient,
        pid: u32,
    ) -> anyhow::Result<TransportResult> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let idle = Memory::of(pid);
        let tag = transport.split_whitespace().last().unwrap_or(transport);
        let adder = format!("bench-mcp-{tag}-adder");
        let lister = format!("bench-mcp-{tag}-lister");
        let mut errors = 0;
        for i in 0..LISTED_TASKS {
            let call = ToolCall::add(format!("listed task {i}"), None);
            let token = tokens::hs256(self.secret, &lister, self.audience);
            if !ok(client.call_tool(&lister, &call, &token).await) {
                bail!("{transport}: cannot seed the list_tasks user");
            }
        }
        let add = {
            let token = tokens::hs256(self.secret, &adder, self.audience);
            let mut samples = Vec::with_capacity(self.calls);
            for i in 0..self.calls {
                let call = ToolCall::add(format!("buy milk {i}"), None);
                let started = Instant::now();
                let succeeded = ok(client.call_tool(&adder, &call, &token).await);
                record(&mut samples, &mut errors, started, succeeded);
            }
            Summary::of(samples)
        };
        let list = {
            let token = tokens::hs256(self.secret, &lister, self.audience);
            let mut samples = Vec::with_capacity(self.calls);
            for _ in 0..self.calls {
                let call = ToolCall::list(StatusFilter::All);
                let started = Instant::now();
                let succeeded = ok(client.call_tool(&lister, &call, &token).await);
                record(&mut samples, &mut errors, started, succeeded);
            }
            Summary::of(samples)
        };
        Ok(TransportResult {
            transport,
            idle,
            after: Memory::of(pid),
            add,
            list,
            errors,
        })
    }
}

fn ok<E>(result: Result<ToolOutcome, E>) -> bool {
    matches!(result, Ok(Ok(_)))
}

fn record(samples: &mut Vec<Duration>, errors: &mut usize, started: Instant, succeeded: bool) {
    if succeeded {
        samples.push(started.elapsed());
    } else {
        *errors += 1;
    }
}
