//! The five tools: their schemas as the contract fixes them, argument parsing
//! and the queries they run. Results use the contract's shapes.

use std::sync::{Arc, LazyLock};

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};
use todo_core::db::tasks::{Applied, Change};
use todo_core::db::{Database, DbError, Task, tasks};
use todo_core::tools::{
    ChangeStatus, TaskChange, TaskItem, ToolCall, ToolError, ToolName, ToolResult, USER_ID,
};
use todo_core::validation;

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

const USER_ID_HELP: &str = "The id of the user the task belongs to.";

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
            ToolName::AddTask.as_str(),
            "Create a new task for the user.",
            schema(json!({
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "description": USER_ID_HELP},
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
            ToolName::ListTasks.as_str(),
            "List the user's tasks, optionally only pending or only completed ones.",
            schema(json!({
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "description": USER_ID_HELP},
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
            ToolName::CompleteTask.as_str(),
            "Mark one of the user's tasks as completed.",
            id_schema(),
        )
        .with_raw_output_schema(task_result_schema("completed"))
        .with_annotations(annotate(false, false, true)),
        Tool::new(
            ToolName::DeleteTask.as_str(),
            "Delete one of the user's tasks.",
            id_schema(),
        )
        .with_raw_output_schema(task_result_schema("deleted"))
        .with_annotations(annotate(false, true, false)),
        Tool::new(
            ToolName::UpdateTask.as_str(),
            "Change the title and/or the description of one of the user's tasks.",
            schema(json!({
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "description": USER_ID_HELP},
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
            "user_id": {"type": "string", "description": USER_ID_HELP},
            "task_id": {"type": "integer", "description": "The id of the task."},
        },
        "required": ["user_id", "task_id"],
        "additionalProperties": false,
    }))
}

/// A parsed, type-checked call for one user.
#[derive(Debug)]
pub struct Call {
    pub user_id: String,
    pub call: ToolCall,
}

/// Why a call failed: the tool's refusal, or storage trouble (logged, and
/// shown to the caller without details).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Refused(#[from] ToolError),
    #[error("storage error")]
    Storage(#[from] DbError),
}

impl Call {
    /// Type-checks the arguments of tool `name`. `Ok(None)`: no such tool.
    pub fn parse(name: &str, mut arguments: JsonObject) -> Result<Option<Call>, ToolError> {
        if name.parse::<ToolName>().is_err() {
            return Ok(None);
        }
        let user_id = match arguments.remove(USER_ID) {
            Some(Value::String(user_id)) => user_id,
            Some(_) => {
                return Err(ToolError::Invalid(
                    "invalid arguments: user_id must be a string".into(),
                ));
            }
            None => {
                return Err(ToolError::Invalid(
                    "invalid arguments: missing field `user_id`".into(),
                ));
            }
        };
        let call = ToolCall::parse(name, arguments)?;
        Ok(Some(Call { user_id, call }))
    }

    /// Runs the call for its (already authorized) user, who may keep at most
    /// `max_tasks` tasks (0: no limit). A task change with a `key` applies at
    /// most once per key (see [`tasks::apply`]).
    pub async fn run(
        self,
        db: &Database,
        key: Option<&str>,
        max_tasks: i64,
    ) -> Result<ToolResult, CallError> {
        let user_id = self.user_id.as_str();
        let changed = |task: Task, status| {
            ToolResult::Changed(TaskChange {
                task_id: task.id,
                status,
                title: task.title,
            })
        };
        let apply = async |change: Change<'_>| -> Result<Option<Task>, CallError> {
            let Applied { task, replayed } = tasks::apply(db, user_id, change, key).await?;
            if replayed {
                tracing::info!("a repeated call answered with its first result");
                metrics::counter!("todo_mcp_tool_call_replays_total").increment(1);
            }
            Ok(task)
        };
        Ok(match self.call {
            ToolCall::AddTask(a) => {
                let title = validation::title(&a.title).map_err(ToolError::Invalid)?;
                let description = optional(a.description.as_deref(), validation::description)?
                    .filter(|d| !d.is_empty());
                let change = Change::Add {
                    title: &title,
                    description: description.as_deref(),
                    max_tasks,
                };
                // An insert returns its row unless the user is at the quota.
                let task = apply(change)
                    .await?
                    .ok_or(ToolError::TooManyTasks(max_tasks))?;
                changed(task, ChangeStatus::Created)
            }
            ToolCall::ListTasks(a) => {
                let list = tasks::list(db, user_id, a.status).await?;
                ToolResult::Listed(
                    list.into_iter()
                        .map(|t| TaskItem {
                            id: t.id,
                            title: t.title,
                            completed: t.completed,
                            description: t.description,
                        })
                        .collect(),
                )
            }
            ToolCall::CompleteTask(a) => apply(Change::Complete { task_id: a.task_id })
                .await?
                .map(|t| changed(t, ChangeStatus::Completed))
                .ok_or(ToolError::NotFound(a.task_id))?,
            ToolCall::DeleteTask(a) => apply(Change::Delete { task_id: a.task_id })
                .await?
                .map(|t| changed(t, ChangeStatus::Deleted))
                .ok_or(ToolError::NotFound(a.task_id))?,
            ToolCall::UpdateTask(a) => {
                if a.title.is_none() && a.description.is_none() {
                    return Err(ToolError::Invalid(
                        "nothing to update: give a new title and/or description".into(),
                    )
                    .into());
                }
                let title = optional(a.title.as_deref(), validation::title)?;
                let description = optional(a.description.as_deref(), validation::description)?;
                apply(Change::Update {
                    task_id: a.task_id,
                    title: title.as_deref(),
                    description: description.as_deref(),
                })
                .await?
                .map(|t| changed(t, ChangeStatus::Updated))
                .ok_or(ToolError::NotFound(a.task_id))?
            }
        })
    }
}

/// Validates an optional text argument.
fn optional(
    value: Option<&str>,
    check: fn(&str) -> Result<String, String>,
) -> Result<Option<String>, ToolError> {
    value.map(check).transpose().map_err(ToolError::Invalid)
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    /// A value of the schema property's type.
    fn sample(property: &Value) -> Value {
        if let Some(options) = property.get("enum").and_then(Value::as_array) {
            return options[0].clone();
        }
        match property["type"].as_str() {
            Some("integer") => json!(1),
            _ => json!("x"),
        }
    }

    /// The published schemas and the Rust argument types agree: every
    /// property is accepted, every required one is needed, nothing else passes.
    #[test]
    fn schemas_match_the_argument_types() {
        assert_eq!(TOOLS.len(), ToolName::ALL.len());
        for tool in TOOLS.iter() {
            let schema = Value::Object((*tool.input_schema).clone());
            let properties = schema["properties"].as_object().unwrap();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert!(required.contains(&USER_ID), "{}", tool.name);
            let mut full: Map<String, Value> = properties
                .iter()
                .map(|(k, v)| (k.clone(), sample(v)))
                .collect();
            let call = Call::parse(&tool.name, full.clone())
                .unwrap_or_else(|e| panic!("{}: {e}", tool.name))
                .expect("a known tool");
            assert_eq!(call.call.name().as_str(), tool.name);
            for field in &required {
                let mut missing = full.clone();
                missing.remove(*field);
                assert!(
                    Call::parse(&tool.name, missing).is_err(),
                    "{} without {field}",
                    tool.name
                );
            }
            full.insert("surprise".into(), json!(1));
            assert!(Call::parse(&tool.name, full).is_err(), "{}", tool.name);
        }
    }
}
