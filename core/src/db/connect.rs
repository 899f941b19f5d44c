//! `DATABASE_URL` parsing and connection set-up for both backends.
//!
//! PostgreSQL goes through tokio-postgres with rustls, so no libpq is needed.
//! `sslmode` follows libpq: `disable` is plain text; `prefer` (the default)
//! encrypts when the server offers TLS but, like libpq, does not verify the
//! certificate (an active attacker can strip TLS in that mode anyway);
//! `require`, `verify-ca` and `verify-full` insist on TLS and verify the server
//! against the Mozilla roots, or against `sslrootcert=PATH` when given.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::DbError;

/// How long to wait for a PostgreSQL server before giving up, unless the URL
/// sets `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which database a `DATABASE_URL` names.
#[derive(Debug)]
pub enum Target {
    Postgres(Box<PgTarget>),
    /// A file path, or `:memory:`.
    Sqlite(String),
}

/// A parsed PostgreSQL URL: the tokio-postgres configuration plus the CA file
/// (`sslrootcert`) that tokio-postgres itself does not understand.
#[derive(Debug, Clone)]
pub struct PgTarget {
    pub config: tokio_postgres::Config,
    pub root_cert: Option<PathBuf>,
}

impl PgTarget {
    /// Whether the connection must be encrypted.
    pub fn tls_required(&self) -> bool {
        self.config.get_ssl_mode() == SslMode::Require
    }
}

/// Parses a `DATABASE_URL`. Error messages never repeat the URL (it may hold a password).
pub fn parse(url: &str) -> Result<Target, DbError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(DbError::Url(
            "it is empty; use postgres://USER:PASSWORD@HOST/DB or sqlite://PATH".into(),
        ));
    }
    if url == "sqlite::memory:" || url == "sqlite://:memory:" {
        return Ok(Target::Sqlite(":memory:".into()));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        return sqlite_path(path).map(Target::Sqlite);
    }
    if let Some(path) = url.strip_prefix("sqlite:") {
        return sqlite_path(path).map(Target::Sqlite);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return parse_postgres(url).map(|t| Target::Postgres(Box::new(t)));
    }
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    let scheme = if scheme.len() <= 20
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        scheme
    } else {
        "?"
    };
    Err(DbError::Url(format!(
        "unsupported scheme '{scheme}': use postgres://, postgresql://, sqlite://PATH or sqlite::memory:"
    )))
}

fn sqlite_path(path: &str) -> Result<String, DbError> {
    if path.is_empty() {
        return Err(DbError::Url(
            "sqlite:// needs a file path, e.g. sqlite://data/todo.db".into(),
        ));
    }
    if path.contains('?') || path.contains('#') {
        return Err(DbError::Url(
            "sqlite URLs take a plain file path without '?' or '#' parameters".into(),
        ));
    }
    Ok(path.to_string())
}

fn parse_postgres(url: &str) -> Result<PgTarget, DbError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| DbError::Url(format!("not a valid postgres URL ({e})")))?;
    let mut root_cert = None;
    if let Some(query) = parsed.query() {
        // Rewrite only what tokio-postgres would reject; keep every other
        // parameter byte for byte (re-encoding could change `options`).
        let mut kept: Vec<&str> = Vec::new();
        for piece in query.split('&') {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            match key {
                "sslrootcert" => {
                    let value = url::form_urlencoded::parse(format!("v={value}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    root_cert = match value.as_str() {
                        "" | "system" => None,
                        path => Some(PathBuf::from(path)),
                    };
                }
                "sslmode" if value == "verify-ca" || value == "verify-full" => {
                    kept.push("sslmode=require");
                }
                _ => kept.push(piece),
            }
        }
        let query = kept.join("&");
        parsed.set_query(if query.is_empty() { None } else { Some(&query) });
    }
    let mut config = tokio_postgres::Config::from_str(parsed.as_str())
        .map_err(|e| DbError::Url(format!("not a valid postgres URL ({e})")))?;
    if config.get_hosts().is_empty() {
        return Err(DbError::Url("the postgres URL names no host".into()));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("todo");
    }
    Ok(PgTarget { config, root_cert })
}

/// The rustls provider every TLS connection uses. Also installed as the
/// process default (when none is yet) so other rustls users agree.
fn provider() -> Arc<CryptoProvider> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The TLS connector for a PostgreSQL target (unused when `sslmode=disable`).
pub fn tls_connector(target: &PgTarget) -> Result<MakeRustlsConnect, DbError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Connect(format!("TLS set-up failed: {e}").into()))?;
    let config = if target.config.get_ssl_mode() == SslMode::Require {
        let roots = match &target.root_cert {
            Some(path) => roots_from_file(path)?,
            None => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

fn roots_from_file(path: &Path) -> Result<RootCertStore, DbError> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| DbError::Url(format!("cannot read sslrootcert {shown}: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbError::Url(format!("cannot parse sslrootcert {shown}: {e}")))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(DbError::Url(format!(
            "sslrootcert {shown} holds no usable certificate"
        )));
    }
    Ok(roots)
}

/// Opens one PostgreSQL connection and hands it to diesel-async.
pub async fn establish_pg(
    target: &PgTarget,
    tls: &MakeRustlsConnect,
) -> Result<AsyncPgConnection, ConnectionError> {
    let (client, connection) = target
        .config
        .connect(tls.clone())
        .await
        .map_err(|e| ConnectionError::BadConnection(pg_error_text(&e)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// tokio-postgres hides the useful part of an error in its source chain.
pub fn pg_error_text(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The statements every SQLite connection starts with. The busy timeout comes
/// first so that switching to WAL waits for other connections instead of failing.
pub const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON;";

/// Creates the folder of a SQLite file so that opening it can create the file.
pub fn prepare_sqlite_path(path: &str) -> Result<(), DbError> {
    if path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            DbError::Connect(format!("cannot create folder {}: {e}", parent.display()).into())
        })?;
    }
    Ok(())
}

/// `sslmode=prefer` semantics: encrypt, but accept any certificate (as libpq does).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::{ChannelBinding, Host};

    fn pg(url: &str) -> PgTarget {
        match parse(url).unwrap() {
            Target::Postgres(t) => *t,
            other => panic!("expected postgres, got {other:?}"),
        }
    }

    #[test]
    fn neon_url_is_accepted_unchanged_and_requires_tls() {
        let t = pg(
            "postgresql://u:p@ep-x-123.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
        );
        assert!(t.tls_required());
        assert_eq!(t.config.get_channel_binding(), ChannelBinding::Require);
        assert_eq!(t.config.get_user(), Some("u"));
        assert_eq!(t.config.get_password(), Some(&b"p"[..]));
        assert_eq!(t.config.get_dbname(), Some("neondb"));
        assert_eq!(
            t.config.get_hosts(),
            &[Host::Tcp("ep-x-123.eu-central-1.aws.neon.tech".into())]
        );
        assert!(t.root_cert.is_none());
        // Building the verified connector needs no network.
        tls_connector(&t).unwrap();
    }

    #[test]
    fn sslmode_defaults_to_prefer_and_verify_modes_map_to_require() {
        let t = pg("postgres://todo:todo@127.0.0.1:5432/postgres");
        assert_eq!(t.config.get_ssl_mode(), SslMode::Prefer);
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&DEFAULT_CONNECT_TIMEOUT)
        );
        let t = pg("postgres://h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem");
        assert!(t.tls_required());
        assert_eq!(t.root_cert.as_deref(), Some(Path::new("/etc/ca.pem")));
        let t = pg("postgres://h/db?sslmode=disable&connect_timeout=3");
        assert_eq!(t.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
    }

    #[test]
    fn missing_root_cert_is_a_url_error() {
        let t = pg("postgres://h/db?sslmode=require&sslrootcert=/nonexistent/ca.pem");
        let err = tls_connector(&t).err().unwrap();
        assert!(matches!(err, DbError::Url(_)), "{err}");
        assert!(err.to_string().contains("/nonexistent/ca.pem"));
    }

    #[test]
    fn sqlite_forms() {
        let path = |u: &str| match parse(u).unwrap() {
            Target::Sqlite(p) => p,
            other => panic!("expected sqlite, got {other:?}"),
        };
        assert_eq!(path("sqlite://data/todo.db"), "data/todo.db");
        assert_eq!(
            path("sqlite:///var/lib/todo/todo.db"),
            "/var/lib/todo/todo.db"
        );
        assert_eq!(path("sqlite:todo.db"), "todo.db");
        assert_eq!(path("sqlite::memory:"), ":memory:");
    }

    #[test]
    fn bad_urls_are_clear_and_never_echo_the_password() {
        for url in [
            "",
            "mysql://root:s3cretpw@host/db",
            "postgres://u:s3cretpw@host/db?sslmode=bogus",
            "postgres://u:s3cretpw@host/db?frobnicate=1",
            "postgres://u:s3cretpw@host:notaport/db",
            "sqlite://",
            "sqlite://x.db?mode=ro",
            "s3cretpw",
        ] {
            let err = parse(url)
                .err()
                .unwrap_or_else(|| panic!("{url} was accepted"));
            assert!(matches!(err, DbError::Url(_)), "{url}: {err}");
            let text = err.to_string();
            assert!(!text.contains("s3cretpw"), "{url}: {text}");
            assert!(text.starts_with("invalid DATABASE_URL: "), "{text}");
        }
    }
}
