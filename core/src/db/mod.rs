//! Storage: one set of query functions over PostgreSQL or SQLite.
//!
//! `Database` is an enum of connection pools; `with_conn!` repeats a query
//! body for each arm so every query is written once and compiled for both
//! backends.

pub mod connect;
pub mod conversations;
mod migrate;
pub mod models;
pub mod prepared;
pub mod schema;
pub mod tasks;

use std::time::Duration;

use diesel::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;
use secrecy::ExposeSecret;

pub use models::{Conversation, FollowUp, Message, Role, SortOrder, StatusFilter, Task};

/// The SQLite connection type: diesel's sync connection run on tokio's blocking pool.
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;
pub type PgPool = Pool<AsyncPgConnection>;
pub type SqlitePool = Pool<SqliteConn>;

/// How long a query waits for a free pooled connection before failing.
const POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A cause of a [`DbError`], kept as its `source`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Each variant keeps its cause as `source` (log it as `&dyn Error`, or with
/// anyhow's `{:#}`, to see the chain). Only `Url` carries its own message.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database")]
    Connect(#[source] BoxError),
    #[error("no database connection available")]
    Pool(#[source] BoxError),
    #[error("database query failed")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed")]
    Migration(#[source] BoxError),
    #[error("invalid DATABASE_URL: {0}")]
    Url(String),
    #[error("cannot encode a value for storage: {0}")]
    Encode(String),
}

impl DbError {
    fn from_pool(e: PoolError) -> Self {
        use deadpool::managed::PoolError as P;
        use diesel_async::pooled_connection::PoolError as B;
        match e {
            P::Backend(B::ConnectionError(e)) => DbError::Connect(Box::new(e)),
            P::Backend(B::QueryError(e)) => DbError::Query(e),
            other => DbError::Pool(Box::new(other)),
        }
    }

    /// True for "the row is not there (or not yours)", e.g. from
    /// `conversations::add_message`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::Query(diesel::result::Error::NotFound))
    }
}

/// A pool of connections to either database, chosen by `DATABASE_URL`.
#[derive(Clone)]
pub enum Database {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = match self {
            Database::Postgres(p) => p.status(),
            Database::Sqlite(p) => p.status(),
        };
        f.debug_struct("Database")
            .field("backend", &self.backend_name())
            .field("max_size", &status.max_size)
            .field("size", &status.size)
            .finish()
    }
}

impl Database {
    /// Connections of the pool: (open, idle, maximum), for metrics.
    pub fn pool_status(&self) -> (usize, usize, usize) {
        let status = match self {
            Database::Postgres(p) => p.status(),
            Database::Sqlite(p) => p.status(),
        };
        (status.size, status.available, status.max_size)
    }
}

/// Runs `$body` with `$conn: &mut <connection>` for whichever backend `$db` is.
/// The body is expanded once per backend, so it must compile for both.
macro_rules! with_conn {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            $crate::db::Database::Postgres(pool) => {
                let mut pooled = pool.get().await.map_err($crate::db::DbError::from_pool)?;
                let $conn = &mut *pooled;
                $body
            }
            $crate::db::Database::Sqlite(pool) => {
                let mut pooled = pool.get().await.map_err($crate::db::DbError::from_pool)?;
                let $conn = &mut *pooled;
                $body
            }
        }
    };
}

pub(crate) use with_conn;

impl Database {
    /// `postgres://…` / `postgresql://…` (rustls TLS; `sslmode=require`, `verify-ca`
    /// and `verify-full` verify the server, optionally against `sslrootcert=PATH`;
    /// see [`connect`]) or `sqlite://PATH` / `sqlite::memory:`; SQLite files and
    /// their folder are created.
    ///
    /// Opens one connection before returning, so a wrong host or password fails here.
    /// `sqlite::memory:` uses a single connection (each connection would
    /// otherwise see its own empty database).
    pub async fn connect(url: &str, max_connections: usize) -> Result<Self, DbError> {
        let max = max_connections.max(1);
        let db = match connect::parse(url)? {
            connect::Target::Postgres(target) => {
                let tls = connect::tls_connector(&target)?;
                let mut config = ManagerConfig::<AsyncPgConnection>::default();
                config.custom_setup = Box::new(move |_url: &str| {
                    let target = target.clone();
                    let tls = tls.clone();
                    async move { connect::establish_pg(&target, &tls).await }.boxed()
                });
                // Fast recycling saves a round trip per query; a connection the
                // server closed (Neon suspends idle computes) is still caught,
                // since the pool discards connections whose socket has closed.
                config.recycling_method = RecyclingMethod::Fast;
                let manager = AsyncDieselConnectionManager::new_with_config("", config);
                Database::Postgres(build_pool(manager, max)?)
            }
            connect::Target::Sqlite(path) => {
                connect::prepare_sqlite_path(&path)?;
                let max = if path == ":memory:" { 1 } else { max };
                let mut config = ManagerConfig::<SqliteConn>::default();
                config.custom_setup = Box::new(|path: &str| {
                    let path = path.to_owned();
                    async move {
                        let mut conn = SqliteConn::establish(&path).await?;
                        conn.batch_execute(connect::SQLITE_PRAGMAS)
                            .await
                            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                        Ok(conn)
                    }
                    .boxed()
                });
                config.recycling_method = RecyclingMethod::Fast;
                let manager = AsyncDieselConnectionManager::new_with_config(path, config);
                Database::Sqlite(build_pool(manager, max)?)
            }
        };
        db.ping().await?;
        Ok(db)
    }

    /// The store a service runs on: `DATABASE_URL` with the configured pool
    /// size, SQLite migrated so a fresh file is ready to serve.
    pub async fn open(settings: &crate::config::Settings) -> Result<Self, DbError> {
        let db = Self::connect(
            settings.database_url.expose_secret(),
            settings.database_max_connections,
        )
        .await?;
        db.prepare_on_start().await?;
        Ok(db)
    }

    /// Migrates SQLite, the zero-setup store, so a fresh file is ready to
    /// serve; PostgreSQL is migrated by the explicit `migrate` command (a Helm
    /// hook in Kubernetes), never behind an operator's back.
    pub async fn prepare_on_start(&self) -> Result<(), DbError> {
        match self {
            Database::Sqlite(_) => self.run_migrations().await,
            Database::Postgres(_) => Ok(()),
        }
    }

    /// Applies the embedded migrations for this backend. Safe to run again
    /// (a no-op) and from several processes at once.
    pub async fn run_migrations(&self) -> Result<(), DbError> {
        migrate::run(self).await
    }

    /// A cheap round trip (`SELECT 1`), for readiness checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        use diesel_async::RunQueryDsl;
        with_conn!(self, |conn| {
            diesel::sql_query("SELECT 1").execute(conn).await?;
        });
        Ok(())
    }

    /// `"postgres"` or `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Database::Postgres(_) => "postgres",
            Database::Sqlite(_) => "sqlite",
        }
    }

    /// Closes the pool: idle connections are dropped and later queries fail.
    pub fn close(&self) {
        match self {
            Database::Postgres(p) => p.close(),
            Database::Sqlite(p) => p.close(),
        }
    }
}

fn build_pool<C>(manager: AsyncDieselConnectionManager<C>, max: usize) -> Result<Pool<C>, DbError>
where
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager,
{
    Pool::builder(manager)
        .max_size(max)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT_TIMEOUT))
        .build()
        .map_err(|e| DbError::Pool(Box::new(e)))
}

/// `limit` for a page query, kept to a sane range (at least 1, at most 500).
pub(crate) fn page_limit(limit: i64) -> i64 {
    limit.clamp(1, MAX_PAGE)
}

/// The largest page the list functions return.
pub const MAX_PAGE: i64 = 500;

/// Splits an over-fetched page (`limit + 1` rows) into (page, has_more).
pub(crate) fn split_page<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let limit = limit as usize;
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    (rows, has_more)
}

/// The timestamp every write uses: UTC, cut to microseconds so that both
/// databases store (and return) exactly the same value.
pub(crate) fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
