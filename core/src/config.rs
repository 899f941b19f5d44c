//! Layered configuration: embedded defaults (`config/default.toml`), then an
//! optional TOML file named by `CONFIG_FILE`, then environment variables of
//! the same names in upper case (`DATABASE_URL`, `PORT`, ...).
//! TODO(auth/config helper): implement `Settings::load` / `load_from`.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub database_url: String,
    pub database_max_connections: usize,

    pub better_auth_secret: Option<String>,
    pub auth_jwks_url: Option<String>,
    pub auth_audience: String,
    pub auth_issuer: Option<String>,
    /// Comma-separated allow-list for JWKS mode.
    pub auth_jwks_algorithms: String,
    pub auth_jwks_cache_secs: u64,

    pub host: String,
    pub port: u16,
    pub max_message_chars: usize,
    pub history_limit: i64,

    pub mcp_url: Option<String>,
    pub mcp_command: Option<String>,
    pub mcp_http_addr: String,
    pub tool_timeout_secs: u64,

    pub llm_provider: String,
    pub openai_api_key: Option<String>,
    pub openai_base_url: Option<String>,
    pub openai_model: String,
    pub model_timeout_secs: u64,
    pub max_agent_steps: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Defaults, then `CONFIG_FILE`, then the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        todo!()
    }
}

impl Settings {
    /// The database URL with any password masked, for logs.
    pub fn redacted_database_url(&self) -> String {
        todo!()
    }
}
