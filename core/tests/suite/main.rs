//! todo-core's integration tests, one binary: a module per file (`mod name;`
//! for `name.rs`). `todo_core::db_test!` runs a test on both databases.

mod auth_hs256;
mod auth_jwks;
mod config_layering;
mod db_conversations;
mod db_postgres_tls;
mod db_setup;
mod db_tasks;
