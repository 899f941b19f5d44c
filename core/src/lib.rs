//! What the chat server (`todo-backend`) and the MCP sidecar (`todo-mcp`) share:
//! configuration, storage (Diesel on PostgreSQL or SQLite), JWT verification,
//! the task validation rules and logging set-up.

pub mod auth;
pub mod config;
pub mod db;
pub mod telemetry;
pub mod tools;
pub mod validation;

#[cfg(feature = "testing")]
pub mod testing;
