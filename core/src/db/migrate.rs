//! Embedded migrations, one folder per backend.
//!
//! diesel_migrations is synchronous; it runs on tokio's blocking pool over an
//! `AsyncConnectionWrapper` (PostgreSQL: no libpq needed) or over the SQLite
//! connection itself. This works on both the multi- and the current-thread
//! runtime, unlike `block_in_place`.

use diesel::SqliteConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Database, DbError, SqliteConn};

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Key of the session advisory lock that serialises migrations across processes.
const PG_MIGRATION_LOCK: i64 = 0x746f_646f_6d69_6772; // "todomigr"

pub async fn run(db: &Database) -> Result<(), DbError> {
    match db {
        Database::Postgres(pool) => {
            let pooled = pool.get().await.map_err(DbError::from_pool)?;
            // Take the connection out of the pool: it goes to a blocking thread.
            let mut conn: AsyncPgConnection = deadpool::managed::Object::take(pooled);
            conn.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
                .await
                .map_err(|e| {
                    DbError::Migration(format!("cannot take the migration lock: {e}").into())
                })?;
            let (mut conn, result) = tokio::task::spawn_blocking(move || {
                let mut wrapped: AsyncConnectionWrapper<AsyncPgConnection> =
                    AsyncConnectionWrapper::from(conn);
                let result = wrapped
                    .run_pending_migrations(POSTGRES)
                    .map(|_| ())
                    .map_err(DbError::Migration);
                (wrapped.into_inner(), result)
            })
            .await
            .map_err(|e| DbError::Migration(Box::new(e)))?;
            // Best effort: closing the connection releases the lock anyway.
            let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))
                .execute(&mut conn)
                .await;
            result
        }
        Database::Sqlite(pool) => {
            let mut pooled = pool.get().await.map_err(DbError::from_pool)?;
            let conn: &mut SqliteConn = &mut pooled;
            conn.spawn_blocking(|conn: &mut SqliteConnection| {
                // One IMMEDIATE transaction around all of them: a second
                // process waits (busy timeout) and then finds nothing to do.
                conn.immediate_transaction(|conn| {
                    conn.run_pending_migrations(SQLITE)
                        .map(|_| ())
                        .map_err(diesel::result::Error::QueryBuilderError)
                })
            })
            .await
            .map_err(|e| DbError::Migration(Box::new(e)))
        }
    }
}
