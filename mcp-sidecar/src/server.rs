//! The MCP server: lists the tools and dispatches calls after checking who
//! is calling.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use todo_core::auth::JwtVerifier;
use todo_core::db::Database;

use crate::identity;
use serde_json::Value;
use todo_core::tools::{META_IDEMPOTENCY_KEY, ToolResult, valid_idempotency_key};

use crate::tools::{Call, CallError, TOOLS};

/// Cheap to clone: one per MCP session shares the pool and the key cache.
#[derive(Clone)]
pub struct TodoServer {
    db: Database,
    verifier: JwtVerifier,
    /// Tasks one user may keep (0: no limit).
    max_tasks_per_user: i64,
}

impl TodoServer {
    pub fn new(db: Database, verifier: JwtVerifier) -> Self {
        Self {
            db,
            verifier,
            max_tasks_per_user: 0,
        }
    }

    /// Refuses `add_task` for a user who already has `max` tasks (0: no limit).
    pub fn with_max_tasks_per_user(mut self, max: i64) -> Self {
        self.max_tasks_per_user = max;
        self
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    async fn call(
        &self,
        request: CallToolRequestParams,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let name = request.name.as_ref();
        let arguments = request.arguments.unwrap_or_default();
        let call = match Call::parse(name, arguments) {
            Ok(Some(call)) => call,
            Ok(None) => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool '{name}'"),
                    None,
                ));
            }
            Err(e) => return Ok(tool_error(&e.to_string())),
        };
        if let Err(message) = identity::authorize(&self.verifier, &ctx.meta, &call.user_id).await {
            return Ok(tool_error(&message));
        }
        let key = match (ctx.meta.0).0.get(META_IDEMPOTENCY_KEY) {
            None => None,
            Some(Value::String(key)) if valid_idempotency_key(key) => Some(key.as_str()),
            Some(_) => {
                return Ok(tool_error(&format!(
                    "invalid `_meta.{META_IDEMPOTENCY_KEY}`: 1 to 128 characters of A-Z a-z 0-9 . _ : -"
                )));
            }
        };
        match call.run(&self.db, key, self.max_tasks_per_user).await {
            Ok(result) => Ok(success(&result)),
            Err(CallError::Storage(e)) => {
                tracing::error!(
                    tool = name,
                    error = &e as &dyn std::error::Error,
                    "tool failed on storage"
                );
                Ok(tool_error(
                    "the task store is unavailable right now; please try again",
                ))
            }
            Err(CallError::Refused(e)) => Ok(tool_error(&e.to_string())),
        }
    }
}

/// Text content is the contract's JSON; structured content is the same, with
/// the `list_tasks` array wrapped in `{"tasks": …}` because MCP structured
/// content must be an object.
fn success(result: &ToolResult) -> CallToolResult {
    let mut answer = CallToolResult::structured(result.to_structured());
    answer.content = vec![ContentBlock::text(result.to_json().to_string())];
    answer
}

fn tool_error(message: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

impl ServerHandler for TodoServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("todo-mcp", env!("CARGO_PKG_VERSION")).with_title("Todo tasks"),
            )
            .with_instructions(
                "Manage one user's todo tasks. Every call must carry the user's JWT in \
                 _meta.authorization as 'Bearer <token>', and user_id must be that user.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(TOOLS.clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        TOOLS.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Known names only, so a caller cannot mint label values.
        let tool = self
            .get_tool(&request.name)
            .map_or_else(|| "unknown".to_owned(), |t| t.name.to_string());
        let request_id = crate::observe::request_id(&ctx.meta).map(str::to_owned);
        crate::observe::tool_call(&tool, request_id.as_deref(), self.call(request, &ctx))
            .await
            .map(Into::into)
    }
}
