//! Layered configuration: embedded defaults (`config/default.toml`), then an
//! optional TOML file named by `CONFIG_FILE`, then environment variables of
//! the same names in upper case (`DATABASE_URL`, `PORT`, ...).
//!
//! [`Settings`] is the one place that names each setting: its fields are the
//! file keys, their upper-case forms the environment variables, and each
//! field's `deserialize_with` states what it accepts. Unknown keys in the file
//! are refused; in the environment only the names of fields are read.
//! Secrets (`BETTER_AUTH_SECRET`, `OPENAI_API_KEY`) are [`SecretString`]s and
//! URLs are [`SecretUrl`]s, so neither `Debug` nor an error ever shows them.
//!
//! Secrets are trimmed by one rule, [`trim_secret`]: leading and trailing
//! whitespace (such as the line break `echo` or an editor leaves) is dropped,
//! nothing inside is changed. The frontend's server applies the same rule
//! (`.trim()`), so all sides derive the same HS256 key from one value.

use std::fmt;
use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

mod redact;

pub use redact::redact_url;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// The accepted values of `llm_provider`.
pub const LLM_PROVIDERS: &[&str] = &["auto", "openai", "offline"];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `postgres://…`, `postgresql://…` or `sqlite://PATH`.
    #[serde(deserialize_with = "database_url")]
    pub database_url: SecretUrl,
    #[serde(deserialize_with = "positive")]
    pub database_max_connections: usize,

    /// HS256 secret shared with the frontend.
    #[serde(default, deserialize_with = "optional_secret")]
    pub better_auth_secret: Option<SecretString>,
    /// JWKS mode when set (wins over `better_auth_secret`).
    #[serde(default, deserialize_with = "optional_http_url")]
    pub auth_jwks_url: Option<SecretUrl>,
    #[serde(deserialize_with = "non_empty")]
    pub auth_audience: String,
    /// `iss` is checked when set.
    #[serde(default, deserialize_with = "optional_text")]
    pub auth_issuer: Option<String>,
    /// Comma-separated allow-list for JWKS mode.
    #[serde(deserialize_with = "jwks_algorithms")]
    pub auth_jwks_algorithms: String,
    pub auth_jwks_cache_secs: u64,
    /// Tokens whose `exp` lies further ahead than this are refused.
    #[serde(deserialize_with = "positive")]
    pub auth_max_token_lifetime_secs: i64,

    #[serde(deserialize_with = "non_empty")]
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Threads serving HTTP; 0: one per CPU the process may use.
    pub http_workers: usize,
    #[serde(deserialize_with = "positive")]
    pub max_message_chars: usize,
    #[serde(deserialize_with = "positive")]
    pub history_limit: i64,

    /// The sidecar over streamable HTTP; unset: spawn `mcp_command` over stdio.
    #[serde(default, deserialize_with = "optional_http_url")]
    pub mcp_url: Option<SecretUrl>,
    /// Default: `todo-mcp` beside the backend's executable.
    #[serde(default, deserialize_with = "optional_text")]
    pub mcp_command: Option<String>,
    #[serde(deserialize_with = "positive")]
    pub tool_timeout_secs: u64,
    /// How long a turn keeps retrying a tool call whose sidecar connection
    /// broke (reconnecting, or respawning the sidecar) before it fails with
    /// 503; the retry carries the call's idempotency key. 0: no retry.
    pub tool_retry_window_ms: u64,

    /// One of [`LLM_PROVIDERS`], any case.
    #[serde(deserialize_with = "llm_provider")]
    pub llm_provider: String,
    #[serde(default, deserialize_with = "optional_secret")]
    pub openai_api_key: Option<SecretString>,
    #[serde(default, deserialize_with = "optional_http_url")]
    pub openai_base_url: Option<SecretUrl>,
    #[serde(deserialize_with = "non_empty")]
    pub openai_model: String,
    #[serde(deserialize_with = "positive")]
    pub model_timeout_secs: u64,
    #[serde(deserialize_with = "positive")]
    pub max_agent_steps: usize,
    /// An OpenAI-compatible `/audio/transcriptions` endpoint for ChatKit's
    /// `input.transcribe`; unset: dictation is refused as unsupported.
    #[serde(default, deserialize_with = "optional_text")]
    pub transcription_url: Option<String>,
    /// Ask the model server to stream its reply (`stream: true`).
    pub openai_stream: bool,
    /// Characters of past turns (messages, tool calls and results) replayed to the model.
    #[serde(deserialize_with = "positive")]
    pub openai_history_chars: usize,
    /// `max_completion_tokens` of each model request.
    #[serde(deserialize_with = "positive")]
    pub openai_max_completion_tokens: u32,
    /// Most tool calls the model may make for one user message.
    #[serde(deserialize_with = "positive")]
    pub max_tool_calls_per_turn: usize,
    /// Let the offline agent carry out a plain command the model would not.
    pub openai_offline_fallback: bool,

    // Per-user limits (docs/operations.md lists them); 0 lifts a limit.
    // Rates and concurrency are counted per replica, in memory.
    /// Chat turns one user may start per minute (429 with `Retry-After` beyond).
    pub turns_per_minute: u32,
    /// Turns of one user running at once (429 beyond).
    pub concurrent_turns_per_user: usize,
    /// Tasks one user may keep; enforced by the tool server.
    pub max_tasks_per_user: i64,
    /// Conversations one user may keep.
    pub max_conversations_per_user: i64,
    /// Messages (the user's and the replies) in one conversation.
    pub max_messages_per_conversation: i64,
    /// Characters of past turns (text and tool results) an agent is given.
    pub history_max_chars: usize,
    /// Tasks a list reply shows, the model is shown and a stored tool result keeps.
    pub list_max_tasks: usize,
}

/// A URL that may carry credentials (`postgres://user:password@…`). `Debug`
/// shows it with passwords and credential-like query values replaced.
#[derive(Clone)]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }

    /// The URL with its credentials hidden, for logs.
    pub fn redacted(&self) -> String {
        redact_url(self.0.expose_secret())
    }
}

impl ExposeSecret<str> for SecretUrl {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Every setting's file key, from the struct itself.
    pub fn keys() -> &'static [&'static str] {
        serde_aux::serde_introspection::serde_introspect::<Settings>()
    }

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
            if !Path::new(path).is_file() {
                return Err(ConfigError(format!("CONFIG_FILE {path:?}: no such file")));
            }
            builder = builder.add_source(
                File::from(Path::new(path))
                    .format(FileFormat::Toml)
                    .required(true),
            );
        }
        builder
            .add_source(Environment::default().source(Some(vars)))
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| explain(e, config_file.as_deref()))
    }

    /// `database_url` with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        self.database_url.redacted()
    }
}

fn is_known_env(name: &str) -> bool {
    name.bytes().all(|b| !b.is_ascii_lowercase())
        && Settings::keys().contains(&name.to_lowercase().as_str())
}

/// Turns the `config` crate's error into one naming the setting the way an
/// operator sets it (`PORT`), and never echoing a secret's value.
fn explain(e: config::ConfigError, config_file: Option<&str>) -> ConfigError {
    use config::ConfigError as E;
    match e {
        E::Type {
            key: Some(key),
            unexpected,
            expected,
            ..
        } => invalid(&key, format!("expected {expected}, got {unexpected}")),
        E::At {
            key: Some(key),
            error,
            ..
        } => invalid(&key, error),
        E::Message(message) if message.starts_with("unknown field") => {
            let file = config_file.unwrap_or("(none)");
            let key = message.split('`').nth(1).unwrap_or("?");
            ConfigError(format!(
                "CONFIG_FILE {file:?}: unknown setting {key:?} (known: {})",
                Settings::keys().join(", ")
            ))
        }
        E::FileParse { uri, cause } => ConfigError(format!(
            "CONFIG_FILE {:?}: {cause}",
            uri.unwrap_or_default()
        )),
        other => ConfigError(format!("cannot assemble settings: {other}")),
    }
}

/// An error naming the setting the way an operator sets it (`PORT`).
fn invalid(key: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("invalid {}: {why}", key.to_uppercase()))
}

/// The one trimming rule for secrets: surrounding whitespace goes, nothing else.
pub fn trim_secret(value: &str) -> &str {
    value.trim()
}

// What each kind of setting accepts. Messages never contain a secret's value.

fn positive<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default + PartialOrd + fmt::Display,
{
    let value = T::deserialize(d)?;
    if value <= T::default() {
        return Err(serde::de::Error::custom(format!(
            "must be greater than 0, got {value}"
        )));
    }
    Ok(value)
}

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?;
    if value.trim().is_empty() {
        return Err(serde::de::Error::custom("must not be empty"));
    }
    Ok(value)
}

/// Unset and empty are the same: `None`.
fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|v| !v.trim().is_empty()))
}

fn optional_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .map(|v| trim_secret(&v).to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from))
}

fn optional_http_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretUrl>, D::Error> {
    let Some(value) = optional_text(d)? else {
        return Ok(None);
    };
    let shown = redact_url(&value);
    let url = url::Url::parse(&value)
        .map_err(|e| serde::de::Error::custom(format!("not a URL ({e}): {shown:?}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(serde::de::Error::custom(format!(
            "expected an http:// or https:// URL, got {shown:?}"
        )));
    }
    Ok(Some(SecretUrl::new(value)))
}

fn database_url<'de, D: Deserializer<'de>>(d: D) -> Result<SecretUrl, D::Error> {
    let value = SecretUrl::new(String::deserialize(d)?);
    if !["postgres://", "postgresql://", "sqlite:"]
        .iter()
        .any(|p| value.expose_secret().starts_with(p))
    {
        return Err(serde::de::Error::custom(format!(
            "expected postgres://…, postgresql://… or sqlite://PATH, got {:?}",
            value.redacted()
        )));
    }
    Ok(value)
}

fn llm_provider<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?.trim().to_ascii_lowercase();
    if !LLM_PROVIDERS.contains(&value.as_str()) {
        return Err(serde::de::Error::custom(format!(
            "expected one of {}, got {value:?}",
            LLM_PROVIDERS.join(", ")
        )));
    }
    Ok(value)
}

fn jwks_algorithms<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?;
    crate::auth::parse_jwks_algorithms(&value).map_err(serde::de::Error::custom)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::{Settings, is_known_env, trim_secret};

    #[test]
    fn known_environment_names() {
        assert!(is_known_env("DATABASE_URL"));
        assert!(is_known_env("OPENAI_API_KEY"));
        assert!(!is_known_env("database_url"));
        assert!(!is_known_env("Database_Url"));
        assert!(!is_known_env("PATH"));
        assert!(
            !is_known_env("MCP_HTTP_ADDR"),
            "removed: the sidecar takes --http"
        );
    }

    #[test]
    fn keys_come_from_the_struct() {
        let keys = Settings::keys();
        assert!(keys.contains(&"database_url") && keys.contains(&"max_agent_steps"));
        assert_eq!(keys.len(), 37, "{keys:?}");
    }

    #[test]
    fn secrets_lose_surrounding_whitespace_only() {
        assert_eq!(trim_secret("abc\n"), "abc");
        assert_eq!(trim_secret("abc\r\n\n"), "abc");
        assert_eq!(trim_secret(" \tabc \t"), "abc");
        assert_eq!(trim_secret("a \nb"), "a \nb");
    }
}
