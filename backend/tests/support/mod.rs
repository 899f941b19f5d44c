//! Black-box test support: the real `todo-backend` binary on a random port,
//! which spawns the real `todo-mcp` over stdio, on a fresh database.
#![allow(dead_code)]

pub mod app;

/// Runs an async test body `fn(Store)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::app::Store::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::support::app::Store::Postgres).await;
                }
            }
        )*
    };
}

/// A fresh database for `store`, or return from the test (the reason is printed).
#[macro_export]
macro_rules! db_or_skip {
    ($store:expr) => {
        match $crate::support::app::fresh_db($store).await {
            Some(db) => db,
            None => {
                eprintln!("skipped on {:?}: no database configured", $store);
                return;
            }
        }
    };
}
