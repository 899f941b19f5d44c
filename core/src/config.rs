//! Layered configuration: embedded defaults (`config/default.toml`), then an
//! optional TOML file named by `CONFIG_FILE`, then environment variables of
//! the same names in upper case (`DATABASE_URL`, `PORT`, ...).
//!
//! Every value is read as text and parsed here, so an error names the setting
//! and says what was expected. Secrets never appear in errors or in `Debug`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

mod redact;

pub use redact::redact_url;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// Every setting, by its file key; the environment variable is the upper-case form.
pub const KEYS: &[&str] = &[
    "database_url",
    "database_max_connections",
    "better_auth_secret",
    "auth_jwks_url",
    "auth_audience",
    "auth_issuer",
    "auth_jwks_algorithms",
    "auth_jwks_cache_secs",
    "host",
    "port",
    "max_message_chars",
    "history_limit",
    "mcp_url",
    "mcp_command",
    "mcp_http_addr",
    "tool_timeout_secs",
    "llm_provider",
    "openai_api_key",
    "openai_base_url",
    "openai_model",
    "model_timeout_secs",
    "max_agent_steps",
    "openai_stream",
    "openai_history_chars",
    "openai_max_completion_tokens",
    "max_tool_calls_per_turn",
    "openai_offline_fallback",
];

/// Settings whose values must never be echoed (errors, logs, `Debug`).
const SECRET_KEYS: &[&str] = &["better_auth_secret", "openai_api_key", "database_url"];

/// The accepted values of `llm_provider`.
pub const LLM_PROVIDERS: &[&str] = &["auto", "openai", "offline"];

#[derive(Clone, Deserialize)]
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
    /// Ask the model server to stream its reply (`stream: true`).
    pub openai_stream: bool,
    /// Characters of past turns (messages, tool calls and results) replayed to the model.
    pub openai_history_chars: usize,
    /// `max_completion_tokens` of each model request.
    pub openai_max_completion_tokens: u32,
    /// Most tool calls the model may make for one user message.
    pub max_tool_calls_per_turn: usize,
    /// Let the offline agent carry out a plain command the model would not.
    pub openai_offline_fallback: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Defaults, then `CONFIG_FILE`, then the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let mut env = Vec::new();
        for (key, value) in std::env::vars_os() {
            // Only our own variables matter; others may hold anything.
            let Some(key) = key
                .to_str()
                .filter(|k| *k == "CONFIG_FILE" || is_known_env(k))
            else {
                continue;
            };
            let value = value
                .into_string()
                .map_err(|_| ConfigError(format!("{key} is not valid UTF-8")))?;
            env.push((key.to_owned(), value));
        }
        Self::load_from(env)
    }

    /// Like [`Settings::load`], with `env` standing in for the process
    /// environment (tests use this instead of mutating the real one).
    /// Names are matched exactly (`PORT`, not `port`); empty values count as unset.
    pub fn load_from<I, K, V>(env: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut vars = config::Map::new();
        let mut config_file = None;
        for (key, value) in env {
            let (key, value) = (key.into(), value.into());
            if value.is_empty() {
                continue;
            }
            if key == "CONFIG_FILE" {
                config_file = Some(value);
            } else if is_known_env(&key) {
                vars.insert(key.to_lowercase(), value);
            }
        }

        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = &config_file {
            builder = builder.add_source(checked_file(path)?);
        }
        let config = builder
            .add_source(Environment::default().source(Some(vars)))
            .build()
            .map_err(|e| ConfigError(format!("cannot assemble settings: {e}")))?;
        Self::from_config(&Reader(config))
    }

    /// `database_url` with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact_url(&self.database_url)
    }

    fn from_config(r: &Reader) -> Result<Self, ConfigError> {
        let settings = Settings {
            database_url: r.string("database_url")?,
            database_max_connections: r.positive("database_max_connections")?,
            better_auth_secret: r.optional("better_auth_secret")?,
            auth_jwks_url: r.optional("auth_jwks_url")?,
            auth_audience: r.string("auth_audience")?,
            auth_issuer: r.optional("auth_issuer")?,
            auth_jwks_algorithms: r.string("auth_jwks_algorithms")?,
            auth_jwks_cache_secs: r.parse("auth_jwks_cache_secs", "a number of seconds")?,
            host: r.string("host")?,
            port: r.parse("port", "a port number from 0 to 65535")?,
            max_message_chars: r.positive("max_message_chars")?,
            history_limit: r.positive("history_limit")?,
            mcp_url: r.optional("mcp_url")?,
            mcp_command: r.optional("mcp_command")?,
            mcp_http_addr: r.string("mcp_http_addr")?,
            tool_timeout_secs: r.positive("tool_timeout_secs")?,
            llm_provider: r.string("llm_provider")?.to_ascii_lowercase(),
            openai_api_key: r.optional("openai_api_key")?,
            openai_base_url: r.optional("openai_base_url")?,
            openai_model: r.string("openai_model")?,
            model_timeout_secs: r.positive("model_timeout_secs")?,
            max_agent_steps: r.positive("max_agent_steps")?,
            openai_stream: r.parse("openai_stream", "true or false")?,
            openai_history_chars: r.positive("openai_history_chars")?,
            openai_max_completion_tokens: r.positive("openai_max_completion_tokens")?,
            max_tool_calls_per_turn: r.positive("max_tool_calls_per_turn")?,
            openai_offline_fallback: r.parse("openai_offline_fallback", "true or false")?,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what the types alone do not. [`Settings::load`] calls it; call it
    /// again after changing fields by hand.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let db = self.database_url.as_str();
        if !["postgres://", "postgresql://", "sqlite:"]
            .iter()
            .any(|p| db.starts_with(p))
        {
            return Err(invalid(
                "database_url",
                format!(
                    "expected postgres://…, postgresql://… or sqlite://PATH, got {:?}",
                    self.redacted_database_url()
                ),
            ));
        }
        if self.auth_audience.trim().is_empty() {
            return Err(invalid("auth_audience", "must not be empty"));
        }
        crate::auth::parse_jwks_algorithms(&self.auth_jwks_algorithms)
            .map_err(|e| invalid("auth_jwks_algorithms", e))?;
        for (key, value) in [
            ("auth_jwks_url", &self.auth_jwks_url),
            ("mcp_url", &self.mcp_url),
            ("openai_base_url", &self.openai_base_url),
        ] {
            if let Some(value) = value {
                check_http_url(value).map_err(|e| invalid(key, e))?;
            }
        }
        if self.host.trim().is_empty() {
            return Err(invalid("host", "must not be empty"));
        }
        let addr_port = self
            .mcp_http_addr
            .rsplit_once(':')
            .map(|(h, p)| (h, p.parse::<u16>()));
        if !matches!(addr_port, Some((h, Ok(_))) if !h.is_empty()) {
            return Err(invalid(
                "mcp_http_addr",
                format!("expected HOST:PORT, got {:?}", self.mcp_http_addr),
            ));
        }
        if !LLM_PROVIDERS.contains(&self.llm_provider.as_str()) {
            return Err(invalid(
                "llm_provider",
                format!(
                    "expected one of {}, got {:?}",
                    LLM_PROVIDERS.join(", "),
                    self.llm_provider
                ),
            ));
        }
        if self.openai_model.trim().is_empty() {
            return Err(invalid("openai_model", "must not be empty"));
        }
        let positive = [
            (
                "database_max_connections",
                self.database_max_connections as i64,
            ),
            ("max_message_chars", self.max_message_chars as i64),
            ("history_limit", self.history_limit),
            ("tool_timeout_secs", self.tool_timeout_secs as i64),
            ("model_timeout_secs", self.model_timeout_secs as i64),
            ("max_agent_steps", self.max_agent_steps as i64),
        ];
        for (key, value) in positive {
            if value <= 0 {
                return Err(invalid(key, format!("must be greater than 0, got {value}")));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        let url = |v: &Option<String>| v.as_deref().map(redact_url);
        f.debug_struct("Settings")
            .field("database_url", &self.redacted_database_url())
            .field("database_max_connections", &self.database_max_connections)
            .field("better_auth_secret", &secret(&self.better_auth_secret))
            .field("auth_jwks_url", &url(&self.auth_jwks_url))
            .field("auth_audience", &self.auth_audience)
            .field("auth_issuer", &self.auth_issuer)
            .field("auth_jwks_algorithms", &self.auth_jwks_algorithms)
            .field("auth_jwks_cache_secs", &self.auth_jwks_cache_secs)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("max_message_chars", &self.max_message_chars)
            .field("history_limit", &self.history_limit)
            .field("mcp_url", &url(&self.mcp_url))
            .field("mcp_command", &self.mcp_command)
            .field("mcp_http_addr", &self.mcp_http_addr)
            .field("tool_timeout_secs", &self.tool_timeout_secs)
            .field("llm_provider", &self.llm_provider)
            .field("openai_api_key", &secret(&self.openai_api_key))
            .field("openai_base_url", &url(&self.openai_base_url))
            .field("openai_model", &self.openai_model)
            .field("model_timeout_secs", &self.model_timeout_secs)
            .field("max_agent_steps", &self.max_agent_steps)
            .field("openai_stream", &self.openai_stream)
            .field("openai_history_chars", &self.openai_history_chars)
            .field(
                "openai_max_completion_tokens",
                &self.openai_max_completion_tokens,
            )
            .field("max_tool_calls_per_turn", &self.max_tool_calls_per_turn)
            .field("openai_offline_fallback", &self.openai_offline_fallback)
            .finish()
    }
}

fn is_known_env(name: &str) -> bool {
    name.bytes().all(|b| !b.is_ascii_lowercase()) && KEYS.contains(&name.to_lowercase().as_str())
}

/// An error naming the setting the way an operator sets it (`PORT`).
fn invalid(key: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("invalid {}: {why}", key.to_uppercase()))
}

fn check_http_url(value: &str) -> Result<(), String> {
    let shown = redact_url(value);
    let url = url::Url::parse(value).map_err(|e| format!("not a URL ({e}): {shown:?}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "expected an http:// or https:// URL, got {shown:?}"
        ));
    }
    Ok(())
}

/// The file named by `CONFIG_FILE`: it must exist, parse, and use only known keys
/// (a misspelt key would otherwise be ignored without a word).
fn checked_file(path: &str) -> Result<File<config::FileSourceFile, FileFormat>, ConfigError> {
    let file_error = |why: String| ConfigError(format!("CONFIG_FILE {path:?}: {why}"));
    if !Path::new(path).is_file() {
        return Err(file_error("no such file".into()));
    }
    let source = || {
        File::from(Path::new(path))
            .format(FileFormat::Toml)
            .required(true)
    };
    let table: config::Map<String, config::Value> = Config::builder()
        .add_source(source())
        .build()
        .and_then(|c| c.try_deserialize())
        .map_err(|e| file_error(e.to_string()))?;
    let mut unknown: Vec<&str> = table
        .keys()
        .map(String::as_str)
        .filter(|k| !KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        return Err(file_error(format!(
            "unknown settings: {}",
            unknown.join(", ")
        )));
    }
    Ok(source())
}

/// Reads the merged layers as text, so that each value is parsed with an error naming it.
struct Reader(Config);

impl Reader {
    fn raw(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.0.get_string(key) {
            Ok(value) => Ok(Some(value)),
            Err(config::ConfigError::NotFound(_)) => Ok(None),
            Err(_) => Err(invalid(key, "expected a single value")),
        }
    }

    fn string(&self, key: &str) -> Result<String, ConfigError> {
        self.raw(key)?.ok_or_else(|| invalid(key, "missing"))
    }

    /// Unset and empty are the same: `None`.
    fn optional(&self, key: &str) -> Result<Option<String>, ConfigError> {
        Ok(self.raw(key)?.filter(|v| !v.trim().is_empty()))
    }

    fn parse<T: FromStr>(&self, key: &str, expected: &str) -> Result<T, ConfigError> {
        let value = self.string(key)?;
        value.trim().parse().map_err(|_| {
            if SECRET_KEYS.contains(&key) {
                invalid(key, format!("expected {expected}"))
            } else {
                invalid(key, format!("expected {expected}, got {value:?}"))
            }
        })
    }

    fn positive<T: FromStr + Default + PartialOrd>(&self, key: &str) -> Result<T, ConfigError> {
        let value: T = self.parse(key, "a whole number greater than 0")?;
        if value <= T::default() {
            return Err(invalid(key, "must be greater than 0"));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::is_known_env;

    #[test]
    fn known_environment_names() {
        assert!(is_known_env("DATABASE_URL"));
        assert!(is_known_env("OPENAI_API_KEY"));
        assert!(!is_known_env("database_url"));
        assert!(!is_known_env("Database_Url"));
        assert!(!is_known_env("PATH"));
    }
}
