//! Settings: embedded defaults, then `CONFIG_FILE`, then the environment.

use std::io::Write;

use secrecy::ExposeSecret;
use todo_core::config::Settings;

fn load(env: &[(&str, &str)]) -> Result<Settings, String> {
    Settings::load_from(env.iter().copied()).map_err(|e| e.to_string())
}

fn exposed<S: ExposeSecret<str>>(value: &Option<S>) -> Option<&str> {
    value.as_ref().map(|v| v.expose_secret())
}

fn config_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

#[test]
fn defaults_alone_load() {
    let s = load(&[]).unwrap();
    assert_eq!(s.database_url.expose_secret(), "sqlite://data/todo.db");
    assert_eq!(s.port, 8000);
    assert_eq!(s.host, "127.0.0.1");
    assert_eq!(s.auth_audience, "todo-api");
    assert_eq!(s.auth_jwks_algorithms, "EdDSA,RS256,ES256");
    assert_eq!(s.auth_jwks_cache_secs, 300);
    assert_eq!(s.history_limit, 40);
    assert_eq!(s.llm_provider, "auto");
    assert!(s.better_auth_secret.is_none());
    assert!(s.auth_jwks_url.is_none());
    assert!(s.openai_api_key.is_none());
    assert!(s.mcp_url.is_none());
}

#[test]
fn every_setting_is_read_from_its_environment_variable() {
    let sample = |key: &str| match key {
        "database_url" => "postgres://u:p@h/db",
        "auth_jwks_url" | "mcp_url" | "openai_base_url" => "http://127.0.0.1:1/x",
        "auth_jwks_algorithms" => "EdDSA",
        "llm_provider" => "offline",
        "openai_stream" => "false",
        "openai_offline_fallback" => "false",
        "openai_max_completion_tokens" | "max_tool_calls_per_turn" => "7",
        k if k.starts_with("max_") || k.ends_with("_per_user") || k.ends_with("_tasks") => "7",
        "turns_per_minute" => "7",
        k if k.ends_with("_secs")
            || k.ends_with("_ms")
            || k.ends_with("_limit")
            || k.ends_with("_chars")
            || k.ends_with("_steps")
            || k.ends_with("connections")
            || k == "port"
            || k == "http_workers" =>
        {
            "7"
        }
        _ => "sample-value",
    };
    let defaults = format!("{:?}", load(&[]).unwrap());
    let keys = Settings::keys();
    assert!(keys.len() > 15, "{keys:?}");
    for key in keys {
        let env = key.to_uppercase();
        let changed = load(&[(env.as_str(), sample(key))]).unwrap_or_else(|e| panic!("{env}: {e}"));
        assert_ne!(format!("{changed:?}"), defaults, "{env} had no effect");
    }
}

#[test]
fn environment_overrides_defaults() {
    let s = load(&[
        ("DATABASE_URL", "postgres://todo:pw@127.0.0.1:5432/todo"),
        ("PORT", "9001"),
        ("BETTER_AUTH_SECRET", "an-hs256-secret-of-at-least-32-bytes"),
        ("AUTH_JWKS_URL", "http://127.0.0.1:3000/api/auth/jwks"),
        ("AUTH_AUDIENCE", "my-api"),
        ("MCP_URL", "http://127.0.0.1:8090/mcp"),
        ("OPENAI_API_KEY", "sk-test"),
        ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
        ("OPENAI_MODEL", "llama3.2"),
        ("LLM_PROVIDER", "OpenAI"),
        ("HISTORY_LIMIT", "12"),
    ])
    .unwrap();
    assert_eq!(
        s.database_url.expose_secret(),
        "postgres://todo:pw@127.0.0.1:5432/todo"
    );
    assert_eq!(s.port, 9001);
    assert_eq!(
        exposed(&s.better_auth_secret),
        Some("an-hs256-secret-of-at-least-32-bytes")
    );
    assert_eq!(
        exposed(&s.auth_jwks_url),
        Some("http://127.0.0.1:3000/api/auth/jwks")
    );
    assert_eq!(s.auth_audience, "my-api");
    assert_eq!(exposed(&s.mcp_url), Some("http://127.0.0.1:8090/mcp"));
    assert_eq!(exposed(&s.openai_api_key), Some("sk-test"));
    assert_eq!(
        exposed(&s.openai_base_url),
        Some("http://127.0.0.1:11434/v1")
    );
    assert_eq!(s.openai_model, "llama3.2");
    assert_eq!(
        s.llm_provider, "openai",
        "provider names are case-insensitive"
    );
    assert_eq!(s.history_limit, 12);
}

#[test]
fn only_exact_upper_case_names_count() {
    let s = load(&[
        ("port", "1"),
        ("Port", "2"),
        ("PATH", "/bin"),
        ("HOME", "/root"),
    ])
    .unwrap();
    assert_eq!(s.port, 8000);
}

#[test]
fn empty_environment_values_count_as_unset() {
    let s = load(&[
        ("BETTER_AUTH_SECRET", ""),
        ("OPENAI_API_KEY", ""),
        ("AUTH_JWKS_URL", ""),
        ("PORT", ""),
    ])
    .unwrap();
    assert!(s.better_auth_secret.is_none());
    assert!(s.openai_api_key.is_none());
    assert!(s.auth_jwks_url.is_none());
    assert_eq!(s.port, 8000);
}

#[test]
fn file_overrides_defaults_and_environment_overrides_file() {
    let file = config_file(
        "port = 7000\nhost = \"0.0.0.0\"\nopenai_model = \"from-file\"\nauth_issuer = \"\"\nhistory_limit = 5\n",
    );
    let path = file.path().to_str().unwrap();
    let s = load(&[("CONFIG_FILE", path), ("OPENAI_MODEL", "from-env")]).unwrap();
    assert_eq!(s.port, 7000, "file beats default");
    assert_eq!(s.host, "0.0.0.0");
    assert_eq!(s.history_limit, 5);
    assert_eq!(s.openai_model, "from-env", "environment beats file");
    assert_eq!(s.auth_issuer, None, "an empty string is unset");
    assert_eq!(s.max_agent_steps, 8, "untouched keys keep their default");
}

#[test]
fn config_file_problems_are_reported() {
    let err = load(&[("CONFIG_FILE", "/nonexistent/todo.toml")]).unwrap_err();
    assert!(
        err.contains("CONFIG_FILE") && err.contains("no such file"),
        "{err}"
    );

    let bad = config_file("port = [unclosed\n");
    let err = load(&[("CONFIG_FILE", bad.path().to_str().unwrap())]).unwrap_err();
    assert!(err.contains("CONFIG_FILE"), "{err}");

    let typo = config_file("prot = 1\nhost = \"x\"\n");
    let err = load(&[("CONFIG_FILE", typo.path().to_str().unwrap())]).unwrap_err();
    assert!(
        err.contains("CONFIG_FILE") && err.contains("unknown setting \"prot\""),
        "{err}"
    );

    // A removed setting is refused like a misspelt one, not silently ignored.
    let dead = config_file("mcp_http_addr = \"127.0.0.1:8090\"\n");
    let err = load(&[("CONFIG_FILE", dead.path().to_str().unwrap())]).unwrap_err();
    assert!(err.contains("unknown setting \"mcp_http_addr\""), "{err}");

    let wrong_type = config_file("port = \"eighty\"\n");
    let err = load(&[("CONFIG_FILE", wrong_type.path().to_str().unwrap())]).unwrap_err();
    assert!(err.contains("PORT"), "{err}");
}

#[test]
fn bad_values_name_the_setting() {
    let cases: &[(&str, &str, &str)] = &[
        ("PORT", "eighty", "PORT"),
        ("PORT", "70000", "PORT"),
        ("PORT", "-1", "PORT"),
        ("HISTORY_LIMIT", "0", "HISTORY_LIMIT"),
        ("HISTORY_LIMIT", "-3", "HISTORY_LIMIT"),
        ("MAX_MESSAGE_CHARS", "0", "MAX_MESSAGE_CHARS"),
        ("MAX_AGENT_STEPS", "many", "MAX_AGENT_STEPS"),
        ("DATABASE_MAX_CONNECTIONS", "0", "DATABASE_MAX_CONNECTIONS"),
        ("TOOL_TIMEOUT_SECS", "0", "TOOL_TIMEOUT_SECS"),
        ("MODEL_TIMEOUT_SECS", "1.5", "MODEL_TIMEOUT_SECS"),
        ("AUTH_JWKS_CACHE_SECS", "-5", "AUTH_JWKS_CACHE_SECS"),
        ("LLM_PROVIDER", "anthropic", "LLM_PROVIDER"),
        ("AUTH_JWKS_ALGORITHMS", "HS256", "AUTH_JWKS_ALGORITHMS"),
        (
            "AUTH_JWKS_ALGORITHMS",
            "EdDSA,XX999",
            "AUTH_JWKS_ALGORITHMS",
        ),
        ("AUTH_JWKS_ALGORITHMS", " , ", "AUTH_JWKS_ALGORITHMS"),
        ("AUTH_JWKS_URL", "not a url", "AUTH_JWKS_URL"),
        ("AUTH_JWKS_URL", "ftp://keys.example/jwks", "AUTH_JWKS_URL"),
        ("MCP_URL", "127.0.0.1:8090", "MCP_URL"),
        ("OPENAI_BASE_URL", "localhost", "OPENAI_BASE_URL"),
        ("AUTH_AUDIENCE", "  ", "AUTH_AUDIENCE"),
        ("DATABASE_URL", "mysql://u:hunter2@h/db", "DATABASE_URL"),
    ];
    for (key, value, named) in cases {
        let err = load(&[(key, value)]).expect_err(&format!("{key}={value:?} must be refused"));
        assert!(err.contains(named), "{key}={value:?}: {err}");
    }
}

#[test]
fn errors_never_echo_secrets() {
    let err = load(&[("DATABASE_URL", "mysql://u:hunter2@h/db")]).unwrap_err();
    assert!(!err.contains("hunter2"), "{err}");
    let err = load(&[("DATABASE_URL", "host=h password=hunter2")]).unwrap_err();
    assert!(!err.contains("hunter2"), "{err}");
    let err = load(&[("OPENAI_BASE_URL", "ftp://u:hunter2@h/v1")]).unwrap_err();
    assert!(
        err.contains("OPENAI_BASE_URL") && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn debug_hides_secrets() {
    let s = load(&[
        (
            "DATABASE_URL",
            "postgres://todo:db-pass-123@db.example/todo?sslmode=require",
        ),
        ("BETTER_AUTH_SECRET", "better-auth-secret-456"),
        ("OPENAI_API_KEY", "sk-openai-789"),
        (
            "OPENAI_BASE_URL",
            "https://user:proxy-pass-000@llm.example/v1",
        ),
    ])
    .unwrap();
    let shown = format!("{s:?} {s:#?}");
    for secret in [
        "db-pass-123",
        "better-auth-secret-456",
        "sk-openai-789",
        "proxy-pass-000",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(
        shown.contains("postgres://todo:***@db.example/todo?sslmode=require"),
        "{shown}"
    );
    assert!(shown.contains("REDACTED"), "{shown}");
    assert!(
        shown.contains("https://user:***@llm.example/v1"),
        "URLs show redacted: {shown}"
    );
    assert_eq!(
        s.redacted_database_url(),
        "postgres://todo:***@db.example/todo?sslmode=require"
    );
    // Still usable by the code that needs the real values.
    assert_eq!(exposed(&s.openai_api_key), Some("sk-openai-789"));
}

/// `Settings::load` reads the real process environment, which parallel tests
/// share; so this runs the check below in a child process with its own.
#[test]
fn load_reads_config_file_and_environment_of_the_process() {
    let file = config_file("port = 7100\nhost = \"0.0.0.0\"\n");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "config_layering::child_load_from_process_env",
            "--ignored",
            "--test-threads=1",
        ])
        .env("CONFIG_FILE", file.path())
        .env("PORT", "7200")
        .env("BETTER_AUTH_SECRET", "from-the-process")
        .env("OPENAI_API_KEY", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
#[ignore = "run by load_reads_config_file_and_environment_of_the_process with a prepared environment"]
fn child_load_from_process_env() {
    let s = Settings::load().unwrap();
    assert_eq!(s.host, "0.0.0.0", "from CONFIG_FILE");
    assert_eq!(s.port, 7200, "environment beats the file");
    assert_eq!(exposed(&s.better_auth_secret), Some("from-the-process"));
    assert!(s.openai_api_key.is_none());
}
