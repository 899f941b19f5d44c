//! The chat server: the locked chat endpoint, auth, the agent loop and the MCP
//! client that reaches the task tools.

pub mod agent;
