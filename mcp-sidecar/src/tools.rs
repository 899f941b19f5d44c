//! The five tools: their schemas as the contract fixes them, argument parsing
//! and the queries they run. Results use the contract's shapes.

use std::sync::{Arc, LazyLock};

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde::Deserialize;
use serde_json::{Value, json};
use todo_core::db::{Database, DbError, StatusFilter, Task, tasks};
use todo_core::validation;

/// Why a tool call did not do what it was asked. Shown to the caller as
/// `isError: true` with the message as text.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    Invalid(String),
    #[error("Task {0} not found.")]
    NotFound(i64),
    #[error("storage error: {0}")]
    Storage(#[from] DbError),
}

fn schema(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => unreachable!("schemas are JSON objects"),
    }
}

fn task_result_schema(status: &str) -> Arc<JsonObject> {
    schema(json!({
        "type": "object",
        "properties": {
            "task_id": {"type": "integer"},
            "status": {"type": "string", "const": status},
            "title": {"type": "string"},
        },
        "required": ["task_id", "status", "title"],
    }))
}

const USER_ID: &str = "The id of the user the task belongs to.";

/// The tool list, built once.
pub static TOOLS: LazyLock<Vec<Tool>> = LazyLock::new(|| {
    let annotate = |read_only: bool, destructive: bool, idempotent: bool| {
        let mut a = ToolAnnotations::default();
        a.read_only_hint = Some(read_only);
        a.destructive_hint = Some(destructive);
        a.idempotent_hint = Some(idempotent);
        a.open_world_hint = Some(false);
        a
    };
    vec![
        Tool::new(
            "add_task",
            "Create a new task for the user.",
            schema(json!({
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "description": USER_ID},
                    "title": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Short title of the task."},
                    "description": {"type": "string", "maxLength": 1000, "description": "Optional details."},
                },
                "required": ["user_id", "title"],
                "additionalProperties": false,
            })),
        )
        .with_raw_output_schema(task_result_schema("created"))
        .with_annotations(annotate(false, false, false)),
        Tool::new(
            "list_tasks",
            "List the user's tasks, optionally only pending or only completed ones.",
            schema(json!({
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "description": USER_ID},
                    "status": {"type": "string", "enum": ["all", "pending", "completed"], "default": "all", "description": "Which tasks to list."},
                },
                "required": ["user_id"],
                "additionalProperties": false,
            })),
        )
        .with_raw_output_schema(schema(json!({
            "type": "object",
            "properties": {
                "tasks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "title": {"type": "string"},
                            "completed": {"type": "boolean"},
                            "description": {"type": "string"},
                        },
                        "required": ["id", "title", "completed"],
                    },
                },
            },
            "required": ["tasks"],
        })))
        .with_annotations(annotate(true, false, true)),
        Tool::new(
            "complete_task",
            "Mark one of the user's tasks as completed.",
            id_schema(),
        )
        .with_raw_output_schema(task_result_schema("completed"))
        .with_annotations(annotate(false, false, true)),
        Tool::new(
            "delete_task",
            "Delete one of the user's tasks.",
            id_schema(),
        )
        .with_raw_output_schema(task_result_schema("deleted"))
        .with_annotations(annotate(false, true, false)),
        Tool::new(
            "update_task",
            "Change the title and/or the description of one of the user's tasks.",
            schema(json!({
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "description": USER_ID},
                    "task_id": {"type": "integer", "description": "The id of the task."},
                    "title": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The new title."},
                    "description": {"type": "string", "maxLength": 1000, "description": "The new description (empty to clear it)."},
                },
                "required": ["user_id", "task_id"],
                "additionalProperties": false,
            })),
        )
        .with_raw_output_schema(task_result_schema("updated"))
        .with_annotations(annotate(false, false, true)),
    ]
});

fn id_schema() -> Arc<JsonObject> {
    schema(json!({
        "type": "object",
        "properties": {
            "user_id": {"type": "string", "description": USER_ID},
            "task_id": {"type": "integer", "description": "The id of the task."},
        },
        "required": ["user_id", "task_id"],
        "additionalProperties": false,
    }))
}

/// A parsed, type-checked tool call.
#[derive(Debug, Deserialize)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum Call {
    AddTask(AddTask),
    ListTasks(ListTasks),
    CompleteTask(TaskRef),
    DeleteTask(TaskRef),
    UpdateTask(UpdateTask),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddTask {
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListTasks {
    pub user_id: String,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRef {
    pub user_id: String,
    pub task_id: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    pub user_id: String,
    pub task_id: i64,
    pub title: Option<String>,
    pub description: Option<String>,
}

impl Call {
    /// Type-checks the arguments of tool `name`. `Ok(None)`: no such tool.
    pub fn parse(name: &str, arguments: JsonObject) -> Result<Option<Call>, ToolError> {
        fn de<T: serde::de::DeserializeOwned>(args: JsonObject) -> Result<T, ToolError> {
            serde_json::from_value(Value::Object(args))
                .map_err(|e| ToolError::Invalid(format!("invalid arguments: {e}")))
        }
        Ok(Some(match name {
            "add_task" => Call::AddTask(de(arguments)?),
            "list_tasks" => Call::ListTasks(de(arguments)?),
            "complete_task" => Call::CompleteTask(de(arguments)?),
            "delete_task" => Call::DeleteTask(de(arguments)?),
            "update_task" => Call::UpdateTask(de(arguments)?),
            _ => return Ok(None),
        }))
    }

    pub fn user_id(&self) -> &str {
        match self {
            Call::AddTask(a) => &a.user_id,
            Call::ListTasks(a) => &a.user_id,
            Call::CompleteTask(a) | Call::DeleteTask(a) => &a.user_id,
            Call::UpdateTask(a) => &a.user_id,
        }
    }

    /// Runs the call for its (already authorized) user. Returns the
    /// contract's result: an object, or an array for `list_tasks`.
    pub async fn run(self, db: &Database) -> Result<Value, ToolError> {
        match self {
            Call::AddTask(a) => {
                let title = validation::title(&a.title).map_err(ToolError::Invalid)?;
                let description = match a.description.as_deref() {
                    Some(d) => Some(validation::description(d).map_err(ToolError::Invalid)?),
                    None => None,
                };
                let description = description.filter(|d| !d.is_empty());
                let task = tasks::add(db, &a.user_id, &title, description.as_deref()).await?;
                Ok(outcome(&task, "created"))
            }
            Call::ListTasks(a) => {
                let status: StatusFilter = a
                    .status
                    .as_deref()
                    .unwrap_or("all")
                    .parse()
                    .map_err(ToolError::Invalid)?;
                let list = tasks::list(db, &a.user_id, status).await?;
                Ok(Value::Array(list.iter().map(list_item).collect()))
            }
            Call::CompleteTask(a) => tasks::complete(db, &a.user_id, a.task_id)
                .await?
                .map(|t| outcome(&t, "completed"))
                .ok_or(ToolError::NotFound(a.task_id)),
            Call::DeleteTask(a) => tasks::delete(db, &a.user_id, a.task_id)
                .await?
                .map(|t| outcome(&t, "deleted"))
                .ok_or(ToolError::NotFound(a.task_id)),
            Call::UpdateTask(a) => {
                if a.title.is_none() && a.description.is_none() {
                    return Err(ToolError::Invalid(
                        "nothing to update: give a new title and/or description".into(),
                    ));
                }
                let title = match a.title.as_deref() {
                    Some(t) => Some(validation::title(t).map_err(ToolError::Invalid)?),
                    None => None,
                };
                let description = match a.description.as_deref() {
                    Some(d) => Some(validation::description(d).map_err(ToolError::Invalid)?),
                    None => None,
                };
                tasks::update(
                    db,
                    &a.user_id,
                    a.task_id,
                    title.as_deref(),
                    description.as_deref(),
                )
                .await?
                .map(|t| outcome(&t, "updated"))
                .ok_or(ToolError::NotFound(a.task_id))
            }
        }
    }
}

fn outcome(task: &Task, status: &str) -> Value {
    json!({"task_id": task.id, "status": status, "title": task.title})
}

fn list_item(task: &Task) -> Value {
    let mut item = json!({"id": task.id, "title": task.title, "completed": task.completed});
    if let Some(d) = &task.description {
        item["description"] = json!(d);
    }
    item
}
