//! Storage: one set of query functions over PostgreSQL or SQLite.
//!
//! `Database` is an enum of pools; `with_conn!` repeats a query body for each
//! arm so every query is written once and compiled for both backends.
//! TODO(db helper): implement; signatures below are the contract.

pub mod conversations;
pub mod models;
pub mod schema;
pub mod tasks;

pub use models::{Conversation, Message, Role, SortOrder, StatusFilter, Task};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("no database connection available: {0}")]
    Pool(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("invalid DATABASE_URL: {0}")]
    Url(String),
}

/// A pool of connections to either database, chosen by `DATABASE_URL`.
#[derive(Clone)]
pub struct Database {
    // TODO(db helper)
}

impl Database {
    /// `postgres://…` / `postgresql://…` (rustls TLS when `sslmode=require` or stricter)
    /// or `sqlite://PATH` / `sqlite::memory:`; SQLite files and their folder are created.
    pub async fn connect(_url: &str, _max_connections: usize) -> Result<Self, DbError> {
        todo!()
    }
    /// Applies the embedded migrations for this backend.
    pub async fn run_migrations(&self) -> Result<(), DbError> {
        todo!()
    }
    /// A cheap round trip (`SELECT 1`), for readiness checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        todo!()
    }
    pub fn backend_name(&self) -> &'static str {
        todo!()
    }
}
