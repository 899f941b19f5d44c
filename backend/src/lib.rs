//! The chat server: the locked chat endpoint, auth, the agent loop and the MCP
//! client that reaches the task tools.

pub mod agent;
pub mod auth;
pub mod chat;
pub mod chatkit;
pub mod error;
pub mod limits;
pub mod mcp;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
