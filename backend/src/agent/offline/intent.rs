//! What a request asks for, and the ways a request can name a task.

use todo_core::tools::{ToolCall, ToolName};

/// Which tasks a listing shows: the `list_tasks` filter.
pub use todo_core::tools::StatusFilter;

/// A place in the list the user last saw (or in their whole list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// 1-based.
    Nth(usize),
    Last,
}

/// How the user named the task(s) to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskRef {
    /// "task 3", "#3", "number 3": the id the user sees in lists.
    Id(i64),
    /// "tasks 1 and 3".
    Ids(Vec<i64>),
    /// "the second one", "the last one".
    Position(Position),
    /// "it", "that one": the task the previous reply was about.
    Previous,
    /// Words from the title ("the meeting one").
    Title(String),
}

impl TaskRef {
    /// True when the reference does not depend on guessing from a title.
    pub fn is_explicit(&self) -> bool {
        !matches!(self, Self::Title(_))
    }
}

/// Why an add or update was refused before calling a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    EmptyTitle,
    TitleTooLong(usize),
    DescriptionTooLong(usize),
}

/// Everything the offline agent can be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Greeting,
    Help,
    Thanks,
    Goodbye,
    Add {
        title: String,
        description: Option<String>,
    },
    /// Several new tasks in one message ("add eggs, bread and jam").
    AddMany(Vec<String>),
    List(StatusFilter),
    Complete(TaskRef),
    Delete(TaskRef),
    Update {
        target: TaskRef,
        title: Option<String>,
        description: Option<String>,
    },
    /// "rename task 2" with no new text.
    UpdateWithoutValue(TaskRef),
    /// "mark task 3 as not done": the tools cannot reopen a task.
    Reopen(TaskRef),
    CompleteAll,
    DeleteCompleted,
    DeleteAll,
    /// Only a task mention ("task 3", "the second one"), e.g. answering "which one?".
    BareRef(TaskRef),
    Invalid(Problem),
    /// "yes" (`true`) or "no" (`false`), answering the previous reply.
    Confirm(bool),
    /// Not understood; `suggestion` is a title the user may have meant to add.
    Unknown {
        suggestion: Option<String>,
    },
}

/// A change applied to one task through a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Complete,
    Delete,
    Update,
}

impl Action {
    pub fn tool(self) -> ToolName {
        match self {
            Self::Complete => ToolName::CompleteTask,
            Self::Delete => ToolName::DeleteTask,
            Self::Update => ToolName::UpdateTask,
        }
    }

    /// The action a tool performs, for the tools that act on one task.
    pub fn of_tool(tool: ToolName) -> Option<Self> {
        match tool {
            ToolName::CompleteTask => Some(Self::Complete),
            ToolName::DeleteTask => Some(Self::Delete),
            ToolName::UpdateTask => Some(Self::Update),
            ToolName::AddTask | ToolName::ListTasks => None,
        }
    }

    /// The call that applies this action (without new text) to a task.
    pub fn call(self, task_id: i64) -> Option<ToolCall> {
        match self {
            Self::Complete => Some(ToolCall::complete(task_id)),
            Self::Delete => Some(ToolCall::delete(task_id)),
            Self::Update => None,
        }
    }
}
