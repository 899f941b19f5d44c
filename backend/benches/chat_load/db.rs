//! The run's database: a fresh PostgreSQL database when a server URL is
//! given, else a SQLite file in a temporary folder. Either way it is migrated
//! by `todo-backend migrate`, as in a deployment.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use todo_core::db::connect::{self, Target};

pub struct BenchDb {
    pub url: String,
    /// "postgresql" or "sqlite".
    pub kind: &'static str,
    /// Dropped after the run (PostgreSQL: admin URL and database name).
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchDb {
    /// `BENCH_DATABASE_URL`, else `TEST_DATABASE_URL`, else SQLite;
    /// `BENCH_DATABASE_URL=sqlite` asks for SQLite even when a server is set.
    pub async fn create(backend: &Path) -> anyhow::Result<Self> {
        let admin_url = ["BENCH_DATABASE_URL", "TEST_DATABASE_URL"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()));
        let db = match admin_url {
            Some(url) if url.trim() != "sqlite" => Self::postgres(url).await?,
            chosen => {
                if chosen.is_none() {
                    println!(
                        "note: neither BENCH_DATABASE_URL nor TEST_DATABASE_URL is set; \
                         using a SQLite file (run scripts/pg-start.sh for PostgreSQL figures)"
                    );
                }
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Self {
                    url,
                    kind: "sqlite",
                    cleanup: None,
                    _dir: Some(dir),
                }
            }
        };
        let status = Command::new(backend)
            .arg("migrate")
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .status()
            .with_context(|| format!("cannot run {} migrate", backend.display()))?;
        if !status.success() {
            bail!("{} migrate failed ({status})", backend.display());
        }
        Ok(db)
    }

    async fn postgres(admin_url: String) -> anyhow::Result<Self> {
        let name = format!("todo_bench_{}", std::process::id());
        admin_execute(&admin_url, &format!("CREATE DATABASE \"{name}\""))
            .await
            .context("cannot create the bench database (the role needs CREATEDB)")?;
        Ok(Self {
            url: with_dbname(&admin_url, &name)?,
            kind: "postgresql",
            cleanup: Some((admin_url, name)),
            _dir: None,
        })
    }

    /// Drops the PostgreSQL database (the SQLite folder goes with `self`).
    pub async fn drop_database(self) {
        if let Some((admin_url, name)) = &self.cleanup {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            if let Err(e) = admin_execute(admin_url, &sql).await {
                eprintln!("note: could not drop the bench database {name}: {e:#}");
            }
        }
    }
}

impl BenchDb {
    /// Statements run in the bench database so far (by every client), as
    /// `pg_stat_statements` counts them; None on SQLite.
    pub async fn statements(&self) -> Option<anyhow::Result<u64>> {
        let (admin_url, name) = self.cleanup.as_ref()?;
        Some(count_statements(admin_url, name).await)
    }
}

/// Runs `work` on one connection to the server of `admin_url`, then closes it.
async fn with_admin<T>(
    admin_url: &str,
    work: impl AsyncFnOnce(&tokio_postgres::Client) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let Target::Postgres(target) = connect::parse(admin_url)? else {
        bail!("the bench database URL must be a postgres:// URL");
    };
    let tls = connect::tls_connector(&target)?;
    let (client, connection) = target
        .config
        .connect(tls)
        .await
        .map_err(|e| anyhow::anyhow!(connect::pg_error_text(&e)))?;
    let driver = tokio::spawn(connection);
    let result = work(&client).await;
    drop(client);
    let _ = driver.await;
    result
}

async fn count_statements(admin_url: &str, name: &str) -> anyhow::Result<u64> {
    with_admin(admin_url, async |client| {
        let row = client
            .query_one(
                "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements \
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)",
                &[&name],
            )
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "pg_stat_statements is not readable ({}); scripts/pg-start.sh loads it",
                    connect::pg_error_text(&e)
                )
            })?;
        let total: i64 = row.get(0);
        Ok(total as u64)
    })
    .await
}

async fn admin_execute(admin_url: &str, sql: &str) -> anyhow::Result<()> {
    with_admin(admin_url, async |client| {
        client
            .batch_execute(sql)
            .await
            .map_err(|e| anyhow::anyhow!(connect::pg_error_text(&e)))
    })
    .await
}

/// The same URL naming database `name` (query string kept).
fn with_dbname(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").context("the database URL has no scheme")? + 3;
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}
