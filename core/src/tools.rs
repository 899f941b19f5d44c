//! The five MCP tools as Rust types: names, arguments, results and limits.
//!
//! The sidecar parses calls into these types and renders results from them;
//! the backend builds calls from them, reads the sidecar's structured content
//! back into them, and stores them with each assistant message. JSON exists
//! only at the edges (MCP wire, the model's function calls, the TEXT column).
//!
//! Arguments here never carry `user_id`: whose tasks a call touches is added
//! by the backend's invoker from the verified token, in exactly one place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::validation::{MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};

/// The argument that names whose tasks a call touches (the backend fills it in).
pub const USER_ID: &str = "user_id";

/// The request `_meta` key of a call's idempotency key: a task-changing call
/// repeated with the same key (for the same user) is answered with the first
/// call's result and changes nothing again. 1 to 128 characters of
/// `[A-Za-z0-9._:-]`.
pub const META_IDEMPOTENCY_KEY: &str = "idempotency_key";

/// Whether `key` is a well-formed idempotency key.
pub fn valid_idempotency_key(key: &str) -> bool {
    (1..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The name of one of the five tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolName {
    AddTask,
    ListTasks,
    CompleteTask,
    DeleteTask,
    UpdateTask,
}

impl ToolName {
    pub const ALL: [ToolName; 5] = [
        ToolName::AddTask,
        ToolName::ListTasks,
        ToolName::CompleteTask,
        ToolName::DeleteTask,
        ToolName::UpdateTask,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::AddTask => "add_task",
            ToolName::ListTasks => "list_tasks",
            ToolName::CompleteTask => "complete_task",
            ToolName::DeleteTask => "delete_task",
            ToolName::UpdateTask => "update_task",
        }
    }

    /// Whether a successful call changes the user's tasks.
    pub fn changes_tasks(self) -> bool {
        self != ToolName::ListTasks
    }
}

impl fmt::Display for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ToolName {
    type Err = ToolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ToolName::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ToolError::UnknownTool(s.to_string()))
    }
}

/// The `status` filter of `list_tasks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    #[default]
    All,
    Pending,
    Completed,
}

impl StatusFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Pending => "pending",
            StatusFilter::Completed => "completed",
        }
    }
}

impl FromStr for StatusFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Self::All),
            "pending" => Ok(Self::Pending),
            "completed" => Ok(Self::Completed),
            other => Err(format!(
                "unknown status '{other}': use \"all\", \"pending\" or \"completed\""
            )),
        }
    }
}

/// Read through [`FromStr`], so a bad value gets the same message everywhere.
impl<'de> Deserialize<'de> for StatusFilter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddTask {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListTasks {
    #[serde(default)]
    pub status: StatusFilter,
}

/// The arguments of `complete_task` and `delete_task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskId {
    pub task_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    pub task_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One tool call with its arguments (never a user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolCall {
    AddTask(AddTask),
    ListTasks(ListTasks),
    CompleteTask(TaskId),
    DeleteTask(TaskId),
    UpdateTask(UpdateTask),
}

impl ToolCall {
    pub fn add(title: impl Into<String>, description: Option<String>) -> Self {
        ToolCall::AddTask(AddTask {
            title: title.into(),
            description,
        })
    }

    pub fn list(status: StatusFilter) -> Self {
        ToolCall::ListTasks(ListTasks { status })
    }

    pub fn complete(task_id: i64) -> Self {
        ToolCall::CompleteTask(TaskId { task_id })
    }

    pub fn delete(task_id: i64) -> Self {
        ToolCall::DeleteTask(TaskId { task_id })
    }

    pub fn name(&self) -> ToolName {
        match self {
            ToolCall::AddTask(_) => ToolName::AddTask,
            ToolCall::ListTasks(_) => ToolName::ListTasks,
            ToolCall::CompleteTask(_) => ToolName::CompleteTask,
            ToolCall::DeleteTask(_) => ToolName::DeleteTask,
            ToolCall::UpdateTask(_) => ToolName::UpdateTask,
        }
    }

    /// The task a call names, if it names one.
    pub fn task_id(&self) -> Option<i64> {
        match self {
            ToolCall::CompleteTask(a) | ToolCall::DeleteTask(a) => Some(a.task_id),
            ToolCall::UpdateTask(a) => Some(a.task_id),
            ToolCall::AddTask(_) | ToolCall::ListTasks(_) => None,
        }
    }

    /// Type-checks `arguments` (a JSON object without `user_id`) for tool `name`.
    pub fn parse(name: &str, arguments: Map<String, Value>) -> Result<Self, ToolError> {
        fn de<T: serde::de::DeserializeOwned>(args: Map<String, Value>) -> Result<T, ToolError> {
            serde_json::from_value(Value::Object(args))
                .map_err(|e| ToolError::Invalid(format!("invalid arguments: {e}")))
        }
        Ok(match name.parse::<ToolName>()? {
            ToolName::AddTask => ToolCall::AddTask(de(arguments)?),
            ToolName::ListTasks => ToolCall::ListTasks(de(arguments)?),
            ToolName::CompleteTask => ToolCall::CompleteTask(de(arguments)?),
            ToolName::DeleteTask => ToolCall::DeleteTask(de(arguments)?),
            ToolName::UpdateTask => ToolCall::UpdateTask(de(arguments)?),
        })
    }

    /// The arguments as a JSON object (without `user_id`).
    pub fn arguments(&self) -> Map<String, Value> {
        let value = match self {
            ToolCall::AddTask(a) => serde_json::to_value(a),
            ToolCall::ListTasks(a) => serde_json::to_value(a),
            ToolCall::CompleteTask(a) | ToolCall::DeleteTask(a) => serde_json::to_value(a),
            ToolCall::UpdateTask(a) => serde_json::to_value(a),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => unreachable!("tool arguments serialize to JSON objects"),
        }
    }
}

/// What a change-making tool did to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Created,
    Completed,
    Deleted,
    Updated,
}

/// The result of `add_task`, `complete_task`, `delete_task` and `update_task`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskChange {
    pub task_id: i64,
    pub status: ChangeStatus,
    pub title: String,
}

/// One task as `list_tasks` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskItem {
    pub id: i64,
    pub title: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a successful call answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolResult {
    Changed(TaskChange),
    Listed(Vec<TaskItem>),
}

/// `list_tasks`' structured content: MCP wants an object there.
#[derive(Serialize, Deserialize)]
struct TaskList {
    tasks: Vec<TaskItem>,
}

impl ToolResult {
    /// The contract's JSON: an object, or an array for `list_tasks`.
    pub fn to_json(&self) -> Value {
        match self {
            ToolResult::Changed(change) => serde_json::to_value(change),
            ToolResult::Listed(items) => serde_json::to_value(items),
        }
        .unwrap_or(Value::Null)
    }

    /// What a language model is shown: [`Self::to_json`], except that a list
    /// longer than `max` tasks (0: no limit) shows its first `max` and says
    /// how many more there are.
    pub fn to_json_within(&self, max: usize) -> Value {
        match self {
            ToolResult::Listed(items) if max > 0 && items.len() > max => {
                let more = items.len() - max;
                serde_json::json!({
                    "tasks": &items[..max],
                    "more": more,
                    "note": format!("{more} more tasks are not shown; tell the user how many more there are."),
                })
            }
            other => other.to_json(),
        }
    }

    /// MCP structured content: the contract's object, or `{"tasks": [...]}`.
    pub fn to_structured(&self) -> Value {
        match self {
            ToolResult::Changed(change) => serde_json::to_value(change),
            ToolResult::Listed(items) => serde_json::to_value(TaskList {
                tasks: items.clone(),
            }),
        }
        .unwrap_or(Value::Null)
    }

    /// Reads a result of tool `name`, from either shape ([`Self::to_json`] or
    /// [`Self::to_structured`]).
    pub fn from_json(name: ToolName, value: Value) -> Result<Self, ToolError> {
        let bad = |e: serde_json::Error| ToolError::Invalid(format!("unexpected result: {e}"));
        Ok(match name {
            ToolName::ListTasks => ToolResult::Listed(match value {
                Value::Array(_) => serde_json::from_value(value).map_err(bad)?,
                other => {
                    serde_json::from_value::<TaskList>(other)
                        .map_err(bad)?
                        .tasks
                }
            }),
            _ => ToolResult::Changed(serde_json::from_value(value).map_err(bad)?),
        })
    }

    pub fn change(&self) -> Option<&TaskChange> {
        match self {
            ToolResult::Changed(change) => Some(change),
            ToolResult::Listed(_) => None,
        }
    }

    pub fn tasks(&self) -> &[TaskItem] {
        match self {
            ToolResult::Listed(items) => items,
            ToolResult::Changed(_) => &[],
        }
    }
}

/// Why a call did not do what it asked: its message is fit to show a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    #[error("unknown tool '{0}'")]
    UnknownTool(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Task {0} not found.")]
    NotFound(i64),
    #[error("the task store failed; nothing was changed")]
    Storage,
    #[error(
        "You already have {0} tasks, the most one account can keep; delete some before adding more."
    )]
    TooManyTasks(i64),
}

/// A call's outcome as the caller sees it: the result, or the tool's refusal
/// message (`isError: true`).
pub type ToolOutcome = Result<ToolResult, String>;

/// One call made during a turn: stored with the assistant message and
/// reported in the chat response's `tool_calls` as
/// `{"name", "arguments", "result", "is_error"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCallRecord {
    pub call: ToolCall,
    pub outcome: ToolOutcome,
}

impl ToolCallRecord {
    pub fn name(&self) -> ToolName {
        self.call.name()
    }

    pub fn result(&self) -> Option<&ToolResult> {
        self.outcome.as_ref().ok()
    }

    pub fn is_error(&self) -> bool {
        self.outcome.is_err()
    }
}

/// The record's wire shape.
#[derive(Serialize, Deserialize)]
struct RecordWire {
    name: String,
    arguments: Map<String, Value>,
    result: Value,
    is_error: bool,
}

impl Serialize for ToolCallRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordWire {
            name: self.call.name().as_str().to_string(),
            arguments: self.call.arguments(),
            result: match &self.outcome {
                Ok(result) => result.to_json(),
                Err(message) => Value::String(message.clone()),
            },
            is_error: self.outcome.is_err(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ToolCallRecord {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let wire = RecordWire::deserialize(deserializer)?;
        let call = ToolCall::parse(&wire.name, wire.arguments).map_err(D::Error::custom)?;
        let outcome = if wire.is_error {
            Err(match wire.result {
                Value::String(message) => message,
                other => other.to_string(),
            })
        } else {
            Ok(ToolResult::from_json(call.name(), wire.result).map_err(D::Error::custom)?)
        };
        Ok(ToolCallRecord { call, outcome })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn names_round_trip() {
        for name in ToolName::ALL {
            assert_eq!(name.as_str().parse::<ToolName>().unwrap(), name);
            assert_eq!(
                serde_json::to_value(name).unwrap(),
                json!(name.as_str()),
                "serde and as_str agree"
            );
        }
        assert!("drop_table".parse::<ToolName>().is_err());
    }

    #[test]
    fn calls_parse_strictly() {
        let call = ToolCall::parse("add_task", args(json!({"title": "Milk"}))).unwrap();
        assert_eq!(call, ToolCall::add("Milk", None));
        assert_eq!(call.arguments(), args(json!({"title": "Milk"})));
        let list = ToolCall::parse("list_tasks", Map::new()).unwrap();
        assert_eq!(list, ToolCall::list(StatusFilter::All));
        assert!(ToolCall::parse("add_task", args(json!({"title": "x", "user_id": "u"}))).is_err());
        assert!(ToolCall::parse("complete_task", args(json!({"task_id": "3"}))).is_err());
        let bad = ToolCall::parse("list_tasks", args(json!({"status": "done"}))).unwrap_err();
        assert!(bad.to_string().contains("unknown status 'done'"), "{bad}");
        assert!(matches!(
            ToolCall::parse("nope", Map::new()),
            Err(ToolError::UnknownTool(_))
        ));
    }

    #[test]
    fn results_read_both_shapes() {
        let item = TaskItem {
            id: 1,
            title: "A".into(),
            completed: false,
            description: None,
        };
        let listed = ToolResult::Listed(vec![item]);
        assert_eq!(
            listed.to_json(),
            json!([{"id": 1, "title": "A", "completed": false}])
        );
        assert_eq!(listed.to_structured()["tasks"][0]["id"], 1);
        for shape in [listed.to_json(), listed.to_structured()] {
            assert_eq!(
                ToolResult::from_json(ToolName::ListTasks, shape).unwrap(),
                listed
            );
        }
        let changed = ToolResult::from_json(
            ToolName::AddTask,
            json!({"task_id": 5, "status": "created", "title": "Buy"}),
        )
        .unwrap();
        assert_eq!(changed.change().unwrap().status, ChangeStatus::Created);
        assert!(ToolResult::from_json(ToolName::AddTask, json!({"task_id": 5})).is_err());
    }

    #[test]
    fn records_keep_the_response_shape() {
        let record = ToolCallRecord {
            call: ToolCall::complete(3),
            outcome: Err("Task 3 not found.".into()),
        };
        let v = serde_json::to_value(&record).unwrap();
        assert_eq!(
            v,
            json!({"name": "complete_task", "arguments": {"task_id": 3}, "result": "Task 3 not found.", "is_error": true})
        );
        assert_eq!(serde_json::from_value::<ToolCallRecord>(v).unwrap(), record);
        let ok = ToolCallRecord {
            call: ToolCall::list(StatusFilter::Pending),
            outcome: Ok(ToolResult::Listed(vec![])),
        };
        let v = serde_json::to_value(&ok).unwrap();
        assert_eq!(v["arguments"], json!({"status": "pending"}));
        assert_eq!(v["result"], json!([]));
        assert_eq!(serde_json::from_value::<ToolCallRecord>(v).unwrap(), ok);
    }
}
