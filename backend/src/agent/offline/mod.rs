//! The built-in offline agent: understands everyday English todo requests
//! without a language model, calls the same MCP tools, and answers in
//! friendly sentences built from the tools' results.
//!
//! Parsing ([`parse`]), matching titles ([`matching`]) and wording
//! ([`replies`]) are pure; this module only runs the tool calls they decide.

mod history;
pub mod intent;
pub mod lang;
pub mod matching;
pub mod parse;
pub mod replies;
mod text;

use serde_json::{Map, Value, json};

use super::{AgentError, HistoryMessage, ToolInvoker, ToolOutcome};
use intent::{Action, Intent, Position, StatusFilter, TaskRef};
use lang::Lang;
use matching::{Match, Task, best_match_where};

pub use parse::parse;

/// The default "language model": rule-based, offline, deterministic.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineAgent;

impl OfflineAgent {
    pub fn new() -> Self {
        Self
    }

    /// Answers one message. Fails only when the tools cannot be reached.
    pub async fn respond<T: ToolInvoker>(
        &self,
        message: &str,
        history: &[HistoryMessage],
        tools: &mut T,
    ) -> Result<String, AgentError> {
        let (lang, intent) = lang::understand(message, lang::conversation_language(history));
        let mut turn = Turn {
            tools,
            history,
            lang,
        };
        turn.run(intent).await
    }
}

struct Turn<'a, T> {
    tools: &'a mut T,
    history: &'a [HistoryMessage],
    /// The language to answer in.
    lang: Lang,
}

/// Which task ids a mention stands for, or the reply to give instead.
enum Resolved {
    Ids(Vec<i64>),
    Reply(String),
}

impl<T: ToolInvoker> Turn<'_, T> {
    async fn run(&mut self, intent: Intent) -> Result<String, AgentError> {
        Ok(match intent {
            Intent::Greeting => replies::greeting(self.lang),
            Intent::Help => replies::help(self.lang),
            Intent::Thanks => replies::thanks(self.lang),
            Intent::Goodbye => replies::goodbye(self.lang),
            Intent::Unknown { suggestion } => replies::unknown(self.lang, suggestion.as_deref()),
            Intent::Invalid(problem) => replies::problem(self.lang, &problem),
            Intent::Reopen(_) => replies::reopen_unsupported(self.lang),
            Intent::UpdateWithoutValue(_) => replies::update_needs_value(self.lang),
            Intent::Add { title, description } => self.add(title, description).await?,
            Intent::AddMany(titles) => {
                let mut sentences = Vec::new();
                for title in titles {
                    sentences.push(self.add(title, None).await?);
                }
                sentences.join("\n")
            }
            Intent::Confirm(true) => match (
                lang::offered_title(self.history),
                history::pending_question(self.history),
                history::listed_ids(self.history).as_slice(),
            ) {
                (Some(title), _, _) => self.add(title, None).await?,
                // "Is it this one? Which one should I delete?" — "yes".
                (None, Some(action), [id]) => self.act(action, TaskRef::Id(*id)).await?,
                _ => replies::yes_to_nothing(self.lang),
            },
            Intent::Confirm(false) => replies::no_to_nothing(self.lang),
            Intent::List(status) => self.list(status).await?,
            Intent::Complete(target) => self.act(Action::Complete, target).await?,
            Intent::Delete(target) => self.act(Action::Delete, target).await?,
            Intent::Update {
                target,
                title,
                description,
            } => self.update(target, title, description).await?,
            Intent::CompleteAll => self.complete_all().await?,
            Intent::DeleteCompleted => self.delete_all(true).await?,
            Intent::DeleteAll => self.delete_all(false).await?,
            Intent::BareRef(target) => match history::pending_question(self.history) {
                Some(action) => self.act(action, target).await?,
                None => replies::bare_ref(self.lang),
            },
        })
    }

    async fn call(&mut self, name: &str, arguments: Value) -> Result<ToolOutcome, AgentError> {
        let arguments = match arguments {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Ok(self.tools.call(name, arguments).await?)
    }

    async fn add(
        &mut self,
        title: String,
        description: Option<String>,
    ) -> Result<String, AgentError> {
        let mut args = json!({ "title": title });
        if let Some(d) = &description {
            args["description"] = json!(d);
        }
        Ok(match self.call("add_task", args).await? {
            ToolOutcome::Ok(v) => {
                let id = result_id(&v).unwrap_or_default();
                replies::added(
                    self.lang,
                    id,
                    result_title(&v).unwrap_or(&title),
                    description.as_deref(),
                )
            }
            ToolOutcome::Refused(message) => replies::add_refused(self.lang, &message),
        })
    }

    /// The user's tasks, or the tool's refusal message.
    async fn fetch(
        &mut self,
        status: StatusFilter,
    ) -> Result<Result<Vec<Task>, String>, AgentError> {
        Ok(
            match self
                .call("list_tasks", json!({ "status": status.as_str() }))
                .await?
            {
                ToolOutcome::Ok(v) => Ok(tasks_from(&v)),
                ToolOutcome::Refused(message) => Err(message),
            },
        )
    }

    async fn list(&mut self, status: StatusFilter) -> Result<String, AgentError> {
        Ok(match self.fetch(status).await? {
            Ok(tasks) => replies::task_list(self.lang, status, &tasks),
            Err(message) => replies::list_refused(self.lang, &message),
        })
    }

    async fn resolve(&mut self, action: Action, target: TaskRef) -> Result<Resolved, AgentError> {
        Ok(match target {
            TaskRef::Id(id) => Resolved::Ids(vec![id]),
            TaskRef::Ids(ids) => Resolved::Ids(ids),
            TaskRef::Previous => match history::previous_task(self.history) {
                Some(id) => Resolved::Ids(vec![id]),
                None => Resolved::Reply(replies::which_task(self.lang, action)),
            },
            TaskRef::Position(position) => {
                let mut ids = history::listed_ids(self.history);
                if ids.is_empty() {
                    match self.fetch(StatusFilter::All).await? {
                        Ok(tasks) => ids = tasks.iter().map(|t| t.id).collect(),
                        Err(message) => {
                            return Ok(Resolved::Reply(replies::list_refused(self.lang, &message)));
                        }
                    }
                }
                let picked = match position {
                    Position::Nth(n) => ids.get(n - 1).copied(),
                    Position::Last => ids.last().copied(),
                };
                match picked {
                    Some(id) => Resolved::Ids(vec![id]),
                    None => {
                        Resolved::Reply(replies::no_such_position(self.lang, position, ids.len()))
                    }
                }
            }
            TaskRef::Title(query) => {
                let tasks = match self.fetch(StatusFilter::All).await? {
                    Ok(tasks) => tasks,
                    Err(message) => {
                        return Ok(Resolved::Reply(replies::list_refused(self.lang, &message)));
                    }
                };
                let (found, by_description) =
                    best_match_where(&query, &tasks, action == Action::Complete);
                match found {
                    // Renaming or deleting a task no title names: ask first.
                    Match::One(id) if by_description && action != Action::Complete => {
                        let candidates: Vec<&Task> = tasks.iter().filter(|t| t.id == id).collect();
                        Resolved::Reply(replies::only_described(
                            self.lang,
                            action,
                            &query,
                            &candidates,
                        ))
                    }
                    Match::One(id) => Resolved::Ids(vec![id]),
                    Match::Ambiguous(ids) => {
                        let candidates: Vec<&Task> =
                            tasks.iter().filter(|t| ids.contains(&t.id)).collect();
                        Resolved::Reply(replies::ambiguous(self.lang, action, &query, &candidates))
                    }
                    Match::None => {
                        Resolved::Reply(replies::no_match(self.lang, &query, !tasks.is_empty()))
                    }
                }
            }
        })
    }

    async fn act(&mut self, action: Action, target: TaskRef) -> Result<String, AgentError> {
        let ids = match self.resolve(action, target).await? {
            Resolved::Ids(ids) => ids,
            Resolved::Reply(reply) => return Ok(reply),
        };
        let mut sentences = Vec::new();
        for id in ids {
            let sentence = match self.call(action.tool(), json!({ "task_id": id })).await? {
                ToolOutcome::Ok(v) => replies::acted(
                    self.lang,
                    action,
                    result_id(&v).unwrap_or(id),
                    result_title(&v).unwrap_or(replies::that_task(self.lang)),
                ),
                ToolOutcome::Refused(message) => {
                    replies::refused(self.lang, Some(action), Some(id), &message)
                }
            };
            sentences.push(sentence);
        }
        Ok(sentences.join(" "))
    }

    async fn update(
        &mut self,
        target: TaskRef,
        title: Option<String>,
        description: Option<String>,
    ) -> Result<String, AgentError> {
        let id = match self.resolve(Action::Update, target).await? {
            Resolved::Ids(ids) if ids.len() == 1 => ids[0],
            Resolved::Ids(_) => return Ok(replies::one_at_a_time(self.lang)),
            Resolved::Reply(reply) => return Ok(reply),
        };
        let mut args = json!({ "task_id": id });
        if let Some(t) = &title {
            args["title"] = json!(t);
        }
        if let Some(d) = &description {
            args["description"] = json!(d);
        }
        Ok(match self.call("update_task", args).await? {
            ToolOutcome::Ok(v) => replies::updated(
                self.lang,
                result_id(&v).unwrap_or(id),
                result_title(&v)
                    .or(title.as_deref())
                    .unwrap_or(replies::that_task(self.lang)),
                title.is_some(),
                description.is_some(),
            ),
            ToolOutcome::Refused(message) => {
                replies::refused(self.lang, Some(Action::Update), Some(id), &message)
            }
        })
    }

    async fn complete_all(&mut self) -> Result<String, AgentError> {
        let tasks = match self.fetch(StatusFilter::Pending).await? {
            Ok(tasks) => tasks,
            Err(message) => return Ok(replies::list_refused(self.lang, &message)),
        };
        if tasks.is_empty() {
            return Ok(replies::nothing_to_complete(self.lang));
        }
        self.apply_to_each(Action::Complete, &tasks).await
    }

    async fn delete_all(&mut self, completed_only: bool) -> Result<String, AgentError> {
        let status = if completed_only {
            StatusFilter::Completed
        } else {
            StatusFilter::All
        };
        let tasks = match self.fetch(status).await? {
            Ok(tasks) => tasks,
            Err(message) => return Ok(replies::list_refused(self.lang, &message)),
        };
        if tasks.is_empty() {
            return Ok(replies::nothing_to_delete(self.lang, completed_only));
        }
        self.apply_to_each(Action::Delete, &tasks).await
    }

    async fn apply_to_each(
        &mut self,
        action: Action,
        tasks: &[Task],
    ) -> Result<String, AgentError> {
        let mut done = Vec::new();
        let mut failures = Vec::new();
        for task in tasks {
            match self
                .call(action.tool(), json!({ "task_id": task.id }))
                .await?
            {
                ToolOutcome::Ok(v) => {
                    done.push(result_title(&v).unwrap_or(&task.title).to_string())
                }
                ToolOutcome::Refused(message) => {
                    failures.push(replies::refused(
                        self.lang,
                        Some(action),
                        Some(task.id),
                        &message,
                    ));
                }
            }
        }
        Ok(replies::bulk(self.lang, action, &done, &failures))
    }
}

fn result_id(v: &Value) -> Option<i64> {
    v.get("task_id")
        .or_else(|| v.get("id"))
        .and_then(Value::as_i64)
}

fn result_title(v: &Value) -> Option<&str> {
    v.get("title").and_then(Value::as_str)
}

/// Reads `list_tasks`' array, skipping malformed entries rather than failing.
fn tasks_from(v: &Value) -> Vec<Task> {
    let items = v
        .as_array()
        .or_else(|| v.get("tasks").and_then(Value::as_array));
    items
        .into_iter()
        .flatten()
        .filter_map(|item| serde_json::from_value(item.clone()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<F: std::future::Future + Send>(_: F) {}

    /// The chat endpoint may move a turn between worker threads, so this must
    /// keep compiling.
    #[allow(dead_code)]
    fn turns_are_send<T: ToolInvoker>(agent: &OfflineAgent, tools: &mut T) {
        assert_send(agent.respond("hi", &[], tools));
    }

    #[test]
    fn reads_list_results_leniently() {
        let v = json!([
            {"id": 1, "title": "Buy milk", "completed": false},
            {"id": 2, "title": "Gym", "completed": true, "description": "legs"},
            {"title": "no id"}
        ]);
        let tasks = tasks_from(&v);
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[1].description.as_deref(), Some("legs"));
        assert_eq!(
            tasks_from(&json!({"tasks": [{"id": 3, "title": "X"}]})).len(),
            1
        );
        assert!(tasks_from(&json!("nonsense")).is_empty());
        assert_eq!(result_id(&json!({"task_id": 5})), Some(5));
        assert_eq!(result_title(&json!({"title": "A"})), Some("A"));
    }
}
