//! `todo-mcp`: the MCP tool server that owns tasks.
//!
//! Five tools (`add_task`, `list_tasks`, `complete_task`, `delete_task`,
//! `update_task`) served over stdio or streamable HTTP. Every call must carry
//! the end user's JWT in `_meta.authorization`; the sidecar verifies it and
//! refuses a call whose `user_id` is not the token's subject.

pub mod http;
pub mod identity;
pub mod observe;
pub mod server;
pub mod tools;

pub use server::TodoServer;
