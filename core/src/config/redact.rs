//! Hiding credentials inside URLs before they reach a log line.

use url::Url;

/// Query parameters that carry credentials in connection strings.
const SECRET_PARAMS: &[&str] = &[
    "password",
    "sslpassword",
    "pass",
    "secret",
    "token",
    "api_key",
    "apikey",
];

/// `raw` with its password and credential-like query values replaced by `***`.
/// Text that does not parse as a URL is hidden entirely: it may be a
/// connection string with an unescaped password.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return "[redacted: not a URL]".to_owned();
    };
    let mut changed = false;
    if url.password().is_some() {
        // Fails only for URLs that cannot carry a password, which then have none.
        let _ = url.set_password(Some("***"));
        changed = true;
    }
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if pairs
        .iter()
        .any(|(k, _)| SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            let hidden = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
            query.append_pair(k, if hidden { "***" } else { v });
        }
        drop(query);
        changed = true;
    }
    // Unchanged URLs are returned as written (the parser would normalise them).
    if changed { url.into() } else { raw.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn hides_passwords_and_keeps_the_rest() {
        assert_eq!(
            redact_url("postgres://todo:s3cr3t@db.example:5432/todo?sslmode=require"),
            "postgres://todo:***@db.example:5432/todo?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://h/db?user=u&password=p%40ss&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require"
        );
        assert_eq!(redact_url("sqlite://data/todo.db"), "sqlite://data/todo.db");
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("host=h password=p"), "[redacted: not a URL]");
    }
}
