//! The backend's side of MCP: a client that reaches the sidecar (spawned over
//! stdio, or over streamable HTTP) and the tool invoker agents use.

mod client;
mod invoker;

pub use client::{McpClient, McpError, McpTarget};
pub use invoker::McpToolInvoker;
