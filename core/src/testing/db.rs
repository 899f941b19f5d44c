//! Per-test databases.
//!
//! - [`sqlite()`]: a fresh, migrated SQLite file in a temporary folder.
//! - [`postgres()`]: a fresh database on the server named by
//!   `TEST_DATABASE_URL`, cloned from a migrated template database that is
//!   created once per migration set (`todo_template_<hash>`). Without
//!   `TEST_DATABASE_URL` it returns `None` and says why, unless
//!   `REQUIRE_POSTGRES=1`, which turns that into a failure.
//!
//! [`db_test!`](crate::db_test) runs one test body against both.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::OnceCell;

use crate::db::{Database, DbError, connect};

/// Pool size of a test database.
const TEST_POOL_SIZE: usize = 8;
/// Key of the advisory lock that serialises template creation across test binaries.
const TEMPLATE_LOCK: i64 = 0x746f_646f_7465_6d70; // "todotemp"

/// A migrated database that lives as long as this value.
pub struct TestDb {
    /// Declared first so the pool closes before the database is removed.
    pub db: Database,
    /// Its `DATABASE_URL`, e.g. for a spawned binary.
    pub url: String,
    _guard: Guard,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Guard::Postgres { admin_url, name } = self else {
            return;
        };
        // FORCE: a clone of the pool may still hold connections.
        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let (tx, rx) = std::sync::mpsc::channel();
        let sent = admin(admin_url).send(Job {
            sql,
            reply: Box::new(move |r| {
                let _ = tx.send(r);
            }),
        });
        // Wait, so the database is gone before the process can exit.
        match sent.ok().and_then(|_| rx.recv().ok()) {
            Some(Ok(())) => {}
            Some(Err(e)) => eprintln!("note: could not drop test database {name}: {e}"),
            None => eprintln!("note: could not drop test database {name}"),
        }
    }
}

/// One statement for the administrative connection, and where its outcome goes.
struct Job {
    sql: String,
    reply: Box<dyn FnOnce(Result<(), String>) + Send>,
}

/// The sender of the administrative connection's thread. Tests run on many
/// short-lived runtimes (and `Drop` cannot await), so one thread with its own
/// runtime keeps one connection for every CREATE/DROP DATABASE of the process.
fn admin(admin_url: &str) -> &'static tokio::sync::mpsc::UnboundedSender<Job> {
    static ADMIN: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Job>> =
        std::sync::OnceLock::new();
    ADMIN.get_or_init(|| {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let url = admin_url.to_string();
        std::thread::Builder::new()
            .name("test-db-admin".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("cannot start the test database admin runtime");
                rt.block_on(async move {
                    let mut client: Option<tokio_postgres::Client> = None;
                    while let Some(job) = rx.recv().await {
                        if client.as_ref().is_none_or(|c| c.is_closed()) {
                            client = admin_client(&url).await.ok();
                        }
                        let result = match &client {
                            Some(c) => c
                                .batch_execute(&job.sql)
                                .await
                                .map_err(|e| connect::pg_error_text(&e)),
                            None => Err("cannot connect to TEST_DATABASE_URL".into()),
                        };
                        (job.reply)(result);
                    }
                });
            })
            .expect("cannot start the test database admin thread");
        tx
    })
}

/// Runs one administrative statement on the shared connection.
async fn admin_execute(admin_url: &str, sql: String) -> Result<(), DbError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    admin(admin_url)
        .send(Job {
            sql,
            reply: Box::new(move |r| {
                let _ = tx.send(r);
            }),
        })
        .map_err(|_| DbError::Connect("the test database admin thread is gone".into()))?;
    rx.await
        .map_err(|_| DbError::Connect("the test database admin thread is gone".into()))?
        .map_err(|e| DbError::Connect(e.into()))
}

/// A fresh migrated SQLite file in a temporary folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("todo.db").display());
    let db = Database::connect(&url, TEST_POOL_SIZE)
        .await
        .unwrap_or_else(|e| panic!("cannot open the test SQLite database: {e}"));
    db.run_migrations()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate the test SQLite database: {e}"));
    TestDb {
        db,
        url,
        _guard: Guard::Sqlite(dir),
    }
}

/// A fresh migrated PostgreSQL database, or `None` (with the reason on
/// stderr) when `TEST_DATABASE_URL` is unset. Panics when it is set but
/// unusable, or when it is unset and `REQUIRE_POSTGRES=1`.
pub async fn postgres() -> Option<TestDb> {
    let admin_url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            if std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            }
            eprintln!(
                "skipping the PostgreSQL run: TEST_DATABASE_URL is not set \
                 (REQUIRE_POSTGRES=1 makes this a failure)"
            );
            return None;
        }
    };
    match fresh_postgres(&admin_url).await {
        Ok(t) => Some(t),
        Err(e) => panic!("TEST_DATABASE_URL is set but a test database cannot be made: {e}"),
    }
}

async fn fresh_postgres(admin_url: &str) -> Result<TestDb, DbError> {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    let template = TEMPLATE
        .get_or_try_init(|| create_template(admin_url))
        .await?;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "todo_test_{}_{}_{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    admin_execute(
        admin_url,
        format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
    )
    .await?;
    let guard = Guard::Postgres {
        admin_url: admin_url.to_string(),
        name: name.clone(),
    };
    let url = with_dbname(admin_url, &name)?;
    let db = Database::connect(&url, TEST_POOL_SIZE).await?;
    Ok(TestDb {
        db,
        url,
        _guard: guard,
    })
}

/// Creates `todo_template_<hash>` unless it exists: migrated under a temporary
/// name, then renamed, so a crash never leaves a half-made template behind.
async fn create_template(admin_url: &str) -> Result<String, DbError> {
    let name = format!("todo_template_{:016x}", migrations_hash());
    let admin = admin_client(admin_url).await?;
    let sql_err = |what: &str, e: tokio_postgres::Error| {
        DbError::Connect(format!("{what}: {}", connect::pg_error_text(&e)).into())
    };
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .await
        .map_err(|e| sql_err("advisory lock", e))?;
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(|e| sql_err("looking up the template", e))?
        .is_some();
    if !exists {
        let building = format!("{name}_building");
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
            ))
            .await
            .map_err(|e| sql_err("removing a half-made template", e))?;
        // One statement per call: CREATE/DROP DATABASE refuse to share a transaction.
        admin
            .batch_execute(&format!("CREATE DATABASE \"{building}\""))
            .await
            .map_err(|e| sql_err("creating the template", e))?;
        let db = Database::connect(&with_dbname(admin_url, &building)?, 1).await?;
        db.run_migrations().await?;
        db.close();
        drop(db);
        // PostgreSQL waits (up to 5 s) for the closed sessions to end.
        admin
            .batch_execute(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
            ))
            .await
            .map_err(|e| sql_err("renaming the template", e))?;
    }
    sweep_leftovers(&admin).await;
    admin
        .batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
        .await
        .map_err(|e| sql_err("advisory unlock", e))?;
    Ok(name)
}

/// Drops the databases of test processes that died before cleaning up
/// (`todo_test_<pid>_…` whose process is gone). Without FORCE, so a database
/// someone is connected to is never touched. Best effort, Linux only.
async fn sweep_leftovers(admin: &tokio_postgres::Client) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rows) = admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'todo\\_test\\_%'",
            &[],
        )
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let pid = name.split('_').nth(2).unwrap_or("");
        if pid.is_empty() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        let _ = admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await;
    }
}

/// An administrative connection to the database `TEST_DATABASE_URL` names.
async fn admin_client(admin_url: &str) -> Result<tokio_postgres::Client, DbError> {
    let connect::Target::Postgres(target) = connect::parse(admin_url)? else {
        return Err(DbError::Url(
            "TEST_DATABASE_URL must be a postgres:// URL".into(),
        ));
    };
    let tls = connect::tls_connector(&target)?;
    let (client, connection) = target
        .config
        .connect(tls)
        .await
        .map_err(|e| DbError::Connect(Box::new(e)))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The same URL with another database name.
fn with_dbname(url: &str, name: &str) -> Result<String, DbError> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| DbError::Url(format!("TEST_DATABASE_URL: {e}")))?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.into())
}

/// Changes whenever a PostgreSQL migration does, so a stale template is never used.
fn migrations_hash() -> u64 {
    fn visit(dir: &Path, hasher: &mut std::collections::hash_map::DefaultHasher) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            path.file_name().hash(hasher);
            if path.is_dir() {
                visit(&path, hasher);
            } else if let Ok(bytes) = std::fs::read(&path) {
                bytes.hash(hasher);
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres"),
        &mut hasher,
    );
    hasher.finish()
}

/// A transaction that keeps every other writer of `tasks` waiting, so a test
/// can catch a tool call in the middle of its change (on SQLite: every
/// writer of the database). Dropping it (or [`TasksWriteLock::release`])
/// rolls back; the connection is not reused.
pub struct TasksWriteLock(LockedConn);

enum LockedConn {
    Postgres(Box<diesel_async::AsyncPgConnection>),
    Sqlite(crate::db::SqliteConn),
}

impl TasksWriteLock {
    pub async fn take(db: &Database) -> Result<Self, DbError> {
        use diesel_async::SimpleAsyncConnection;
        Ok(TasksWriteLock(match db {
            Database::Postgres(pool) => {
                let pooled = pool.get().await.map_err(|e| DbError::Pool(Box::new(e)))?;
                let mut conn = deadpool::managed::Object::take(pooled);
                conn.batch_execute("BEGIN; LOCK TABLE tasks IN EXCLUSIVE MODE")
                    .await?;
                LockedConn::Postgres(Box::new(conn))
            }
            Database::Sqlite(pool) => {
                let pooled = pool.get().await.map_err(|e| DbError::Pool(Box::new(e)))?;
                let mut conn = deadpool::managed::Object::take(pooled);
                conn.batch_execute("BEGIN IMMEDIATE").await?;
                LockedConn::Sqlite(conn)
            }
        }))
    }

    /// Whether a PostgreSQL session is waiting for this lock (`None` on
    /// SQLite, which cannot tell).
    pub async fn has_waiters(&self, db: &Database) -> Result<Option<bool>, DbError> {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        match db {
            Database::Postgres(pool) => {
                let mut conn = pool.get().await.map_err(|e| DbError::Pool(Box::new(e)))?;
                let count: Count = diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = 'tasks'::regclass",
                )
                .get_result(&mut *conn)
                .await?;
                Ok(Some(count.n > 0))
            }
            Database::Sqlite(_) => Ok(None),
        }
    }

    pub async fn release(self) -> Result<(), DbError> {
        use diesel_async::SimpleAsyncConnection;
        match self.0 {
            LockedConn::Postgres(mut conn) => conn.batch_execute("ROLLBACK").await?,
            LockedConn::Sqlite(mut conn) => conn.batch_execute("ROLLBACK").await?,
        }
        Ok(())
    }
}

/// The one way to run a test on both databases: a test module per name with
/// `#[tokio::test]`s `sqlite` and `postgres` running the same body. The
/// PostgreSQL one returns early, saying why, when `TEST_DATABASE_URL` is
/// unset, and fails instead when `REQUIRE_POSTGRES=1` (see [`postgres()`]).
///
/// Two forms: a body given `&TestDb`, or the names of `async fn(TestDb)`s
/// defined beside the call (which own the database, e.g. to serve it).
///
/// ```text
/// todo_core::db_test!(adds_a_task, |t| {
///     let task = todo_core::db::tasks::add(&t.db, "u1", "Buy milk", None).await.unwrap();
///     assert_eq!(task.title, "Buy milk");
/// });
///
/// async fn survives_a_restart(db: TestDb) { ... }
/// todo_core::db_test!(survives_a_restart, another_test);
/// ```
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$t:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($t: &$crate::testing::db::TestDb) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::testing::db::sqlite().await;
                run(&t).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(t) = $crate::testing::db::postgres().await else {
                    return;
                };
                run(&t).await;
            }
        }
    };
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::testing::db::sqlite().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(db) = $crate::testing::db::postgres().await else {
                        return;
                    };
                    super::$name(db).await;
                }
            }
        )+
    };
}
