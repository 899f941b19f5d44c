use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde::{Deserialize, Serialize};

use super::schema::{conversations, messages, tasks};
use crate::tools::{ToolCallRecord, ToolName};

#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    QueryableByName,
    Selectable,
    Identifiable,
    Serialize,
    Deserialize,
)]
#[diesel(table_name = tasks)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Task {
    pub id: i64,
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = conversations)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Conversation {
    pub id: i64,
    pub user_id: String,
    pub title: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = messages)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Message {
    pub id: i64,
    pub user_id: String,
    pub conversation_id: i64,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub content: String,
    /// The tool calls an assistant message made (stored as JSON text).
    #[diesel(deserialize_as = StoredJson<Vec<ToolCallRecord>>)]
    pub tool_calls: Vec<ToolCallRecord>,
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = StoredJson<FollowUp>)]
    pub follow_up: Option<FollowUp>,
}

/// What an assistant message left open for the next user message to answer,
/// so the agent reads it back as data, never from its own prose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FollowUp {
    /// "Which one should I …?": the answer picks one of `candidates` for `tool`.
    PickTask {
        tool: ToolName,
        candidates: Vec<i64>,
    },
    /// "Shall I … all N?": a yes applies `tool` to exactly these tasks.
    Confirm { tool: ToolName, task_ids: Vec<i64> },
    /// "Should I add 'X' as a new task?": a yes adds it.
    OfferAdd { title: String },
}

/// A nullable JSON text column read as `Option<T>`.
#[derive(Debug)]
pub struct StoredJson<T>(Option<String>, std::marker::PhantomData<T>);

impl<DB, T> diesel::deserialize::Queryable<Nullable<Text>, DB> for StoredJson<T>
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<Text, DB>,
{
    type Row = Option<String>;
    fn build(row: Self::Row) -> diesel::deserialize::Result<Self> {
        Ok(Self(row, std::marker::PhantomData))
    }
}

/// `tool_calls`: NULL when a message made none.
impl TryFrom<StoredJson<Vec<ToolCallRecord>>> for Vec<ToolCallRecord> {
    type Error = serde_json::Error;
    fn try_from(stored: StoredJson<Vec<ToolCallRecord>>) -> Result<Self, Self::Error> {
        Option::try_from(stored).map(Option::unwrap_or_default)
    }
}

impl<T: serde::de::DeserializeOwned> TryFrom<StoredJson<T>> for Option<T> {
    type Error = serde_json::Error;
    fn try_from(stored: StoredJson<T>) -> Result<Self, Self::Error> {
        stored.0.as_deref().map(serde_json::from_str).transpose()
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "user" => Ok(Role::User),
            "assistant" => Ok(Role::Assistant),
            other => Err(format!("unknown message role '{other}'")),
        }
    }
}

pub use crate::tools::StatusFilter;

/// Sort order for pages of conversations or messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}
