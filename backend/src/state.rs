//! What every request handler shares.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::ExposeSecret;
use todo_core::auth::JwtVerifier;
use todo_core::config::Settings;
use todo_core::db::Database;
use tokio::sync::OnceCell;

use crate::agent::{Agent, ToolSpec};
use crate::limits::TurnLimits;
use crate::mcp::{McpClient, McpError, McpTarget};

pub struct AppState {
    pub settings: Settings,
    pub db: Database,
    pub verifier: JwtVerifier,
    pub mcp: McpClient,
    pub agent: Agent,
    /// Per-user turn rate and concurrency.
    pub limits: TurnLimits,
    /// The tools as models see them, listed once from the sidecar.
    tool_specs: OnceCell<Vec<ToolSpec>>,
}

impl AppState {
    pub fn new(settings: Settings, db: Database, verifier: JwtVerifier) -> anyhow::Result<Self> {
        Self::with_sidecar_env(settings, db, verifier, Vec::new())
    }

    /// Like [`AppState::new`], with `sidecar_env` added to a stdio sidecar's
    /// variables (a test process keeps its sidecars' logs quiet this way).
    pub fn with_sidecar_env(
        settings: Settings,
        db: Database,
        verifier: JwtVerifier,
        sidecar_env: Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        let target = mcp_target(&settings, sidecar_env)?;
        let mcp = McpClient::new(
            target,
            Duration::from_secs(settings.tool_timeout_secs),
            Duration::from_millis(settings.tool_retry_window_ms),
        );
        let agent = Agent::from_settings(&settings);
        let limits = TurnLimits::new(&settings);
        Ok(Self {
            limits,
            settings,
            db,
            verifier,
            mcp,
            agent,
            tool_specs: OnceCell::new(),
        })
    }

    pub async fn tool_specs(&self) -> Result<&[ToolSpec], McpError> {
        self.tool_specs
            .get_or_try_init(|| async {
                let tools = self.mcp.list_tools().await?;
                Ok(tools.iter().map(ToolSpec::from_mcp).collect())
            })
            .await
            .map(Vec::as_slice)
    }
}

/// `MCP_URL` → streamable HTTP; otherwise spawn `MCP_COMMAND`, or `todo-mcp`
/// beside this executable, and hand it the settings it needs (then `extra`).
fn mcp_target(settings: &Settings, extra: Vec<(String, String)>) -> anyhow::Result<McpTarget> {
    if let Some(url) = &settings.mcp_url {
        return Ok(McpTarget::Http {
            url: url.expose_secret().to_owned(),
        });
    }
    let command = match &settings.mcp_command {
        Some(command) => PathBuf::from(command),
        None => std::env::current_exe()?.with_file_name("todo-mcp"),
    };
    let mut env = vec![
        (
            "DATABASE_URL".to_string(),
            settings.database_url.expose_secret().to_owned(),
        ),
        ("AUTH_AUDIENCE".to_string(), settings.auth_audience.clone()),
        // The tool server enforces the task quota, so it must know it.
        (
            "MAX_TASKS_PER_USER".to_string(),
            settings.max_tasks_per_user.to_string(),
        ),
    ];
    let optional = [
        (
            "BETTER_AUTH_SECRET",
            settings
                .better_auth_secret
                .as_ref()
                .map(|s| s.expose_secret()),
        ),
        (
            "AUTH_JWKS_URL",
            settings.auth_jwks_url.as_ref().map(|u| u.expose_secret()),
        ),
        ("AUTH_ISSUER", settings.auth_issuer.as_deref()),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            env.push((key.to_string(), value.to_owned()));
        }
    }
    env.extend(extra);
    Ok(McpTarget::Stdio { command, env })
}
